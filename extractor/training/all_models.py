"""Rebuild every shipped model from ``../shared`` in one command (``evidence train all``).

The steps run in dependency order, each writing one folder under ``models/``:

==============  ====================  =========================================================
step            folder                what it trains (minutes on one core of the 2-core machine)
==============  ====================  =========================================================
``vectors``     ``build/vectors``     word2vec on the shared corpora's text (3–6; not shipped
                                      alone: the PICO tagger carries the table)
``pico``        ``pico-tagger``       PICO token tagger on EBM-NLP (≈ 25)
``ner``         ``ner``               chemical/disease NER on BC5CDR train + dev (≈ 9)
``arm-sizes``   ``arm-sizes``         per-arm sample sizes on PICO-Corpus (≈ 2)
``arms``        ``arm-selector``      which candidates are arms, on Evidence Inference prompts,
                                      from the spans of the models above (≈ 3)
==============  ====================  =========================================================

``models/direction`` holds a card only (the shipped direction classifier is the rules), so it
has no step. Every step is deterministic given its seed; see each model's card in
``models/README.md`` for its data, config and figures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExtractorError

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "models" / "configs"
VECTORS = REPO / "build" / "vectors"


@dataclass(frozen=True, slots=True)
class Step:
    """One model to rebuild: its name, its folder under ``models/`` and how to train it."""

    name: str
    folder: str | None  # None: a build product, not shipped as its own folder
    run: Callable[[Path, Path], Any]  # (shared_dir, models_dir)


def _vectors(shared_dir: Path, models_dir: Path) -> Any:
    from .vectors import build_vectors

    if (VECTORS / "model" / "vocab" / "vectors").is_file():
        return VECTORS / "model"
    return build_vectors(shared_dir, VECTORS)


def _pico(shared_dir: Path, models_dir: Path) -> Any:
    from .train import train_pico

    overrides = {"paths.vectors": str(VECTORS / "model")}
    return train_pico(
        shared_dir,
        models_dir / "pico-tagger",
        config=CONFIGS / "pico-context2.cfg",
        overrides=overrides,
    )


def _ner(shared_dir: Path, models_dir: Path) -> Any:
    from .ner import train_ner

    return train_ner(shared_dir, models_dir / "ner", vectors=VECTORS / "model", final=True)


def _arm_sizes(shared_dir: Path, models_dir: Path) -> Any:
    from .arm_sizes import train

    return train(shared_dir, models_dir / "arm-sizes" / "arm_sizes.json")


def _arms(shared_dir: Path, models_dir: Path) -> Any:
    from .arm_selector import train

    # the candidates come from the pipeline of the models just trained
    before = os.environ.get("EVIDENCE_MODELS")
    os.environ["EVIDENCE_MODELS"] = str(models_dir)
    try:
        return train(shared_dir, output=models_dir / "arm-selector" / "arm_selector.json")
    finally:
        if before is None:
            os.environ.pop("EVIDENCE_MODELS", None)
        else:
            os.environ["EVIDENCE_MODELS"] = before


STEPS: tuple[Step, ...] = (
    Step("vectors", None, _vectors),
    Step("pico", "pico-tagger", _pico),
    Step("ner", "ner", _ner),
    Step("arm-sizes", "arm-sizes", _arm_sizes),
    Step("arms", "arm-selector", _arms),
)
#: Folders of ``models/`` that hold no trained weights (configs, a card, a link for tests).
NOT_TRAINED = frozenset({"configs", "direction", "with-pico"})


def train_all(
    shared_dir: Path,
    models_dir: Path,
    *,
    only: Sequence[str] = (),
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Run the steps (all, or those named in ``only``) in order; returns what each did.

    Raises:
        ExtractorError: an unknown step name, or a step failed (its error is kept).
    """
    names = [s.name for s in STEPS]
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ExtractorError(f"unknown model {unknown[0]!r} (choose from {', '.join(names)})")
    done = []
    for step in STEPS:
        if only and step.name not in only:
            continue
        say(f"training {step.name} → {step.folder or 'build/vectors'} …")
        started = time.perf_counter()
        result = step.run(Path(shared_dir), Path(models_dir))
        minutes = round((time.perf_counter() - started) / 60, 1)
        say(f"{step.name}: done in {minutes} min")
        done.append(
            {"step": step.name, "folder": step.folder, "minutes": minutes, "result": str(result)}
        )
    return done
