"""Train the PICO tagger on EBM-NLP and export it to ``models/pico-tagger``.

:func:`train_pico` rebuilds the DocBins from the shared EBM-NLP files, runs spaCy's training
loop (``spacy.cli.train.train``) with a config from ``models/configs/`` and exports the best
model with only what inference needs: the ``pico_tagger`` and ``pico_spans`` components and
the strings (no optimizer state, no training paths). Command line::

    python -m extractor.training.train --config models/configs/pico.cfg --output models/pico-tagger
    python -m extractor.training.train --export-only build/pico/training/model-best
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from thinc.api import Config

from ..errors import ConfigError, ModelError
from ..nlp import pico  # noqa: F401  (registers the evidence_pico_spans factory)
from .ebm_nlp import DEV_FILE, EBM_SUBDIR, write_docbins
from .evaluate import load_pipeline, tag_f1

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "models" / "configs" / "pico-context2.cfg"
# The tagger without static vectors (0.1.0); quick to train, used by the smoke test.
PLAIN_CONFIG = REPO / "models" / "configs" / "pico.cfg"
DEFAULT_BUILD = REPO / "build" / "pico"
DEFAULT_OUTPUT = REPO / "models" / "pico-tagger"
MODEL_NAME = "pico"
MODEL_VERSION = "0.3.0"


BIAS_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


def calibrate_none_bias(
    model_dir: Path, file: Path, *, limit: int | None = 300, grid: tuple[float, ...] = BIAS_GRID
) -> tuple[float, dict[float, float]]:
    """The ``none_bias`` of the PICO tagger that maximises token macro F1 on ``file``.

    Calibrate on the dev abstracts already used to pick the best checkpoint (the first
    ``limit``), so the rest of dev stays untouched for reporting.

    Returns:
        ``(best_bias, {bias: macro_f1})``.
    """
    from .ebm_nlp import iter_ebm_documents, to_doc

    nlp = load_pipeline(model_dir, "trained pipeline")
    tagger: Any = nlp.get_pipe("pico_tagger")
    labels = list(tagger.labels)
    golds: list[list[str]] = []
    docs: list[Any] = []
    for document in iter_ebm_documents(file):
        if limit is not None and len(golds) >= limit:
            break
        golds.append(document.labels)
        docs.append(to_doc(nlp.vocab, document, with_tags=False))
    logits = [tagger.model.ops.to_numpy(s) for s in tagger.model.predict(docs)]
    column = labels.index("N")
    found: dict[float, float] = {}
    for bias in grid:
        preds = []
        for doc_logits in logits:
            shifted = doc_logits.copy()
            shifted[:, column] -= bias
            preds.append([labels[i] for i in shifted.argmax(axis=1)])
        found[bias] = tag_f1(preds, golds)["macro"]["f"]
    best = max(grid, key=lambda b: (round(found[b], 4), -b))
    return best, found


def export_pipeline(
    trained_dir: Path,
    output_dir: Path,
    *,
    none_bias: float = 0.0,
    extra_meta: dict[str, Any] | None = None,
) -> Path:
    """Copy a trained pipeline to ``output_dir`` with only what inference needs.

    The training paths are blanked in the saved config and ``pico_tagger`` is saved as an
    ``evidence_pico_tagger`` with the given ``none_bias``. The tokenizer stays spaCy's default
    English one: the evidence pipeline sources the components only and keeps scispaCy's
    tokenizer, and a saved scispaCy tokenizer would make every ``spacy.load`` print a
    FutureWarning about its regex.

    Raises:
        ModelError: ``trained_dir`` is not a loadable pipeline.
    """
    nlp = load_pipeline(trained_dir, "trained pipeline")
    nlp.meta["name"] = MODEL_NAME
    nlp.meta["version"] = MODEL_VERSION
    nlp.meta["description"] = (
        "PICO token tagger (N/P/I/O) trained on EBM-NLP starting_spans; writes POPULATION, "
        "INTERVENTION and OUTCOME doc.ents (see models/README.md)."
    )
    nlp.meta.update(extra_meta or {})
    output_dir = Path(output_dir)
    if output_dir.exists():
        shutil.rmtree(output_dir)
    nlp.to_disk(output_dir)
    # Blank the training paths and set the tagger's factory and bias in the saved config (a
    # checkpoint trained with plain "tagger" has the same weights and serialisation).
    config = Config().from_disk(output_dir / "config.cfg", interpolate=False)
    for key in ("train", "dev", "vectors", "init_tok2vec"):
        config["paths"][key] = None
    tagger = config["components"]["pico_tagger"]
    tagger["factory"] = "evidence_pico_tagger"
    tagger["none_bias"] = float(none_bias)
    tagger["none_label"] = "N"
    config.to_disk(output_dir / "config.cfg")
    # Fail here, not in the evidence pipeline, if the result does not load.
    load_pipeline(output_dir, "trained pipeline")
    return output_dir


def train_pico(
    shared_dir: Path,
    output_dir: Path,
    *,
    config: Path = DEFAULT_CONFIG,
    max_steps: int | None = None,
    n_docs: int | None = None,
    dev_docs: int | None = 300,
    build_dir: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train the PICO tagger from scratch and write the best model to ``output_dir``.

    Args:
        shared_dir: the shared folder holding ``data/ebm_nlp/starting_spans``.
        output_dir: where the exported pipeline goes (``models/pico-tagger``); replaced if present.
        config: a spaCy training config (``models/configs/pico.cfg``).
        max_steps: stop after this many updates (default: the config's ``training.max_steps``).
        n_docs: train on the first ``n_docs`` training abstracts only (smoke tests).
        dev_docs: dev abstracts scored during training to pick the best model (the first ones;
            ``None`` for all 960). Final figures come from :func:`evaluate_pico` on all of dev.
        build_dir: where DocBins and training checkpoints go (default ``build/pico``).
        overrides: extra config overrides, e.g. ``{"training.eval_frequency": 10}``.

    Returns:
        ``output_dir``.

    Raises:
        ConfigError: the config file is missing.
        ModelError: training produced no pipeline.
    """
    from spacy.cli.train import train as spacy_train

    config = Path(config)
    if not config.is_file():
        raise ConfigError(f"training config not found: {config}")
    build = Path(build_dir) if build_dir is not None else DEFAULT_BUILD
    paths = write_docbins(shared_dir, build / "data", n_docs=n_docs, dev_docs=dev_docs)
    settings: dict[str, Any] = {"paths.train": str(paths["train"]), "paths.dev": str(paths["dev"])}
    if max_steps is not None:
        settings["training.max_steps"] = max_steps
    settings.update(overrides or {})
    if "include_static_vectors = true" in config.read_text(encoding="utf-8") and not settings.get(
        "paths.vectors"
    ):
        from .vectors import build_vectors

        vectors = build / "vectors"
        if not (vectors / "model").is_dir():
            build_vectors(shared_dir, vectors)  # word2vec on the shared corpora, 3–6 minutes
        settings["paths.vectors"] = str(vectors / "model")
    checkpoints = build / "training"
    started = time.perf_counter()
    spacy_train(config, checkpoints, overrides=settings)
    minutes = (time.perf_counter() - started) / 60
    best = checkpoints / "model-best"
    if not best.is_dir():
        best = checkpoints / "model-last"
    if not best.is_dir():
        raise ModelError("training wrote no pipeline", source=str(checkpoints))
    bias, found = calibrate_none_bias(best, paths["dev_file"], limit=dev_docs)
    extra = {
        "training_minutes": round(minutes, 1),
        "training_config": config.name,
        "none_bias_calibration": {str(k): round(v, 4) for k, v in found.items()},
    }
    return export_pipeline(best, output_dir, none_bias=bias, extra_meta=extra)


def main(argv: list[str] | None = None) -> None:
    """``python -m extractor.training.train``: train (or only export) the PICO model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--n-docs", type=int, default=None)
    parser.add_argument("--dev-docs", type=int, default=300)
    parser.add_argument("--set", action="append", default=[], help="config override key=value")
    parser.add_argument("--export-only", type=Path, default=None, help="a trained model dir")
    args = parser.parse_args(argv)
    if args.export_only is not None:
        dev_file = args.shared / EBM_SUBDIR / DEV_FILE
        bias, found = calibrate_none_bias(args.export_only, dev_file, limit=args.dev_docs)
        meta = {"none_bias_calibration": {str(k): round(v, 4) for k, v in found.items()}}
        print(export_pipeline(args.export_only, args.output, none_bias=bias, extra_meta=meta))
        print(
            f"none_bias={bias} (token macro F1 on the first {args.dev_docs} dev abstracts: {found})"
        )
        return
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except ValueError:  # a bare string such as a path
            overrides[key] = value
    out = train_pico(
        args.shared,
        args.output,
        config=args.config,
        max_steps=args.max_steps,
        n_docs=args.n_docs,
        dev_docs=args.dev_docs,
        build_dir=args.build,
        overrides=overrides,
    )
    print(out)


if __name__ == "__main__":
    from . import run_main

    run_main(main)
