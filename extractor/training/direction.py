"""Train the learned effect-direction classifier (``models/direction/direction.json``).

Data: every accepted annotation row (``Valid Label`` True, non-empty evidence) of Evidence
Inference 2.0 (``../shared/data/evidence_inference``) whose article falls in the ``train`` part
of :func:`extractor.evaluation.split3_of`; several annotators per prompt give about 1,000
sentences. Each sentence is also added with intervention and comparator swapped and the label
flipped (``increased`` ↔ ``decreased``), so the model is symmetric in the arms.

Model: a multinomial logistic regression (L-BFGS on a sparse binary design) over
:func:`extractor.nlp.direction.model_features`: the rules' findings, crossed with the rule
label, and the sentence's words. Deterministic: the vocabulary is sorted and L-BFGS starts from
zeros (no sampling, so no seed is needed). The L2 strength is chosen on ``dev`` (oracle
macro-F1, one item per prompt as ``evidence evaluate direction`` scores it); ``report`` is never
read. The model file is written only when it beats the rules on ``dev`` by at least
:data:`MIN_GAIN` macro-F1 (``--force`` writes it anyway). Command::

    python -m extractor.training.direction [--shared ../shared] [--output PATH] [--force]

A few seconds on one CPU core. The summary it prints (and the model's ``meta``) holds the dev
figures of the rules and of every L2 tried.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExtractorError
from ..evaluation import split3_of
from ..evaluation.direction import _INCORRECT, _LABEL_MAP, evaluate_direction, read_tables
from ..nlp.direction import (
    LABELS,
    MODEL_DIR_NAME,
    MODEL_FILE_NAME,
    DirectionModel,
    model_features,
)

#: The shipped model's path.
MODEL_FILE = Path(__file__).resolve().parents[2] / "models" / MODEL_DIR_NAME / MODEL_FILE_NAME
#: L2 strengths tried (chosen on dev); features seen fewer than MIN_COUNT times are dropped.
L2_GRID = (3.0, 10.0, 30.0, 100.0)
MIN_COUNT = 2
#: The least dev macro-F1 gain over the rules for the model to be written: about five of the
#: ~510 dev prompts; a smaller gain is within what one or two items change.
MIN_GAIN = 0.01
_SWAP = {"increased": "decreased", "decreased": "increased", "no difference": "no difference"}


@dataclass(frozen=True, slots=True)
class DirectionExample:
    """One annotated evidence sentence with its prompt's arms and outcome."""

    sentence: str
    intervention: str
    comparator: str
    outcome: str
    label: str

    def swapped(self) -> DirectionExample:
        """The same sentence read with the arms exchanged (label flipped)."""
        return DirectionExample(
            self.sentence, self.comparator, self.intervention, self.outcome, _SWAP[self.label]
        )

    def features(self) -> list[str]:
        return model_features(
            self.sentence,
            intervention=self.intervention,
            comparator=self.comparator,
            outcome=self.outcome,
        )


def collect_examples(shared_dir: Path, *, split: str = "train") -> list[DirectionExample]:
    """Every accepted annotation row of ``split`` as an example (file order).

    Raises:
        ExtractorError: the Evidence Inference files are missing or unreadable.
    """
    prompts, rows = read_tables(shared_dir)
    out: list[DirectionExample] = []
    try:
        for row in rows:
            meta = prompts.get(row["PromptID"])
            label = _LABEL_MAP.get(row["Label"])
            if meta is None or label is None or row["PromptID"] in _INCORRECT:
                continue
            evidence = row["Annotations"].strip()
            if row["Valid Label"] != "True" or not evidence:
                continue
            if split3_of(f"PMC{meta['PMCID']}") != split:
                continue
            out.append(
                DirectionExample(
                    evidence, meta["Intervention"], meta["Comparator"], meta["Outcome"], label
                )
            )
    except KeyError as exc:
        raise ExtractorError(f"Evidence Inference files lack column {exc}") from exc
    return out


def fit_direction_model(
    examples: Iterable[DirectionExample],
    *,
    l2: float = 30.0,
    swap: bool = True,
    min_count: int = MIN_COUNT,
) -> DirectionModel:
    """Fit the softmax regression on ``examples`` (plus their swapped copies when ``swap``)."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    items = list(examples)
    if swap:
        items += [ex.swapped() for ex in items]
    rows = [(ex.features(), LABELS.index(ex.label)) for ex in items]
    if not rows:
        raise ExtractorError("no training examples")
    counts = Counter(f for feats, _ in rows for f in feats)
    vocab = sorted(f for f, k in counts.items() if k >= min_count)
    col = {f: i for i, f in enumerate(vocab)}
    indptr = [0]
    indices: list[int] = []
    for feats, _ in rows:
        indices.extend(sorted({col[f] for f in feats if f in col}))
        indptr.append(len(indices))
    x = csr_matrix(
        (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(rows), len(vocab)),
    )
    k = len(LABELS)
    y = np.eye(k)[[label for _, label in rows]]
    d = len(vocab)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        z = x @ w + b
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = float(-(y * np.log(p + 1e-12)).sum() + 0.5 * l2 * (w * w).sum())
        r = p - y
        grad = np.concatenate([(x.T @ r + l2 * w).ravel(), r.sum(axis=0)])
        return value, grad

    result = minimize(
        loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 2000}
    )
    w = result.x[: d * k].reshape(d, k)
    weights = {
        f: [round(float(v), 5) for v in w[i]] for f, i in col.items() if np.abs(w[i]).max() >= 1e-4
    }
    bias = [round(float(v), 5) for v in result.x[d * k :]]
    return DirectionModel(weights, bias, LABELS, {"l2": l2, "swap": swap, "min_count": min_count})


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    scores = report["all"]
    return {
        "macro_f1": scores["macro_f1"],
        "accuracy": scores["accuracy"],
        "f1": {lab: scores["per_class"][lab]["f1"] for lab in LABELS},
    }


def train_direction(
    shared_dir: Path,
    output: Path | None = MODEL_FILE,
    *,
    l2_grid: Sequence[float] = L2_GRID,
    limit: int | None = None,
    dev_limit: int | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fit one model per L2 on ``train``, keep the best on ``dev``, write it if it beats the rules
    there by at least :data:`MIN_GAIN`.

    Args:
        shared_dir: the shared folder (``data/evidence_inference``).
        output: where to write the model JSON (``None``: do not write).
        l2_grid: L2 strengths to try.
        limit: train on the first ``limit`` examples only (smoke runs).
        dev_limit: score only the first ``dev_limit`` dev prompts (smoke runs).
        force: write the model even when it does not beat the rules on dev.

    Returns:
        A summary: sizes, dev figures of the rules and of each L2, the choice, whether and
        where the model was written, seconds taken.

    Raises:
        ExtractorError: missing data, or the model file cannot be written.
    """
    started = time.perf_counter()
    examples = collect_examples(shared_dir, split="train")
    if limit is not None:
        examples = examples[:limit]
    rules = _figures(
        evaluate_direction(shared_dir, split="dev", mode="oracle", limit=dev_limit, model=False)
    )
    tried: dict[str, Any] = {}
    best: tuple[float, float, DirectionModel] | None = None
    for l2 in l2_grid:
        model = fit_direction_model(examples, l2=l2)
        figures = _figures(
            evaluate_direction(shared_dir, split="dev", mode="oracle", limit=dev_limit, model=model)
        )
        tried[str(l2)] = figures
        # ties go to the stronger L2 (the simpler model)
        if best is None or figures["macro_f1"] >= best[0]:
            best = (figures["macro_f1"], l2, model)
    assert best is not None
    dev_f1, l2, model = best
    beats = dev_f1 >= rules["macro_f1"] + MIN_GAIN
    summary: dict[str, Any] = {
        "train_examples": len(examples),
        "train_split": "train",
        "chosen_on": "dev",
        "dev_rules": rules,
        "dev_model_by_l2": tried,
        "l2": l2,
        "dev_model": tried[str(l2)],
        "beats_rules_on_dev": beats,
        "features": len(model.weights),
    }
    model.meta.update(
        {
            "data": "Evidence Inference 2.0 v2_annotations.csv, accepted rows, split3 train",
            "train_examples": len(examples),
            "dev_rules_macro_f1": rules["macro_f1"],
            "dev_model_macro_f1": dev_f1,
        }
    )
    written = None
    if output is not None and (beats or force):
        from ..export import write_text_atomic

        Path(output).parent.mkdir(parents=True, exist_ok=True)
        written = write_text_atomic(
            Path(output), json.dumps(model.to_json(), separators=(",", ":"), sort_keys=True)
        )
    summary["written"] = str(written) if written else None
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    from ..settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=None, help="shared folder (EVIDENCE_SHARED)")
    parser.add_argument("--output", type=Path, default=MODEL_FILE)
    parser.add_argument("--force", action="store_true", help="write even if the rules win on dev")
    parser.add_argument("--limit", type=int, default=None, help="train on N examples (smoke)")
    args = parser.parse_args(argv)
    shared = args.shared or get_settings().shared_dir
    summary = train_direction(shared, args.output, limit=args.limit, force=args.force)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from . import run_main

    run_main(main)
