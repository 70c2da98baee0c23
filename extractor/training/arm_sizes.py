"""Train the learned arm-size check (``models/arm-sizes/arm_sizes.json``) on PICO-Corpus ``dev``.

Every integer mention of a ``dev`` abstract is a candidate (see
:func:`extractor.nlp.arm_sizes_model.find_candidates`, fed with the *rules-only* rows of
``evidence_sample_size``); its label is whether its value is a gold ``intervention-`` or
``control-participants`` number of that abstract (parsed with
:func:`extractor.evaluation.pico_corpus.gold_number`). An L2-regularised logistic regression
(L-BFGS on a sparse binary design, deterministic) learns the weights. The regularisation and the
two thresholds (keep a rule arm / add a value) are chosen by k-fold cross-validation *within*
``dev`` (folds by PMID order), maximising the micro F1 of distinct arm sizes per abstract exactly
as ``evidence evaluate sample-size`` scores it. The ``report`` split is never read. Command::

    python -m extractor.training.arm_sizes [--shared ../shared] [--output PATH]

(default output ``models/arm-sizes/arm_sizes.json``). The summary it prints (and the model's
``meta``) also holds a *nested* cross-validated estimate: each outer fold is scored with the
``l2`` and thresholds chosen by an inner cross-validation on the other folds only.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assemble import make_doc
from ..evaluation.pico_corpus import ARM_LABELS, BratDocument, gold_number, select_documents
from ..evaluation.scoring import prf
from ..nlp.arm_sizes_model import (
    MODEL_FILE,
    ArmSizeModel,
    Candidate,
    decide_values,
    find_candidates,
    value_scores,
)
from ..nlp.common import SentenceIndex, doc_text
from ..nlp.sample_size import stated_total
from ..records import Document
from .logistic import fit_logistic

#: Candidate L2 strengths, thresholds tried for keeping a rule arm and for adding a value.
L2_GRID = (0.5, 2.0, 8.0)
KEEP_GRID = tuple(round(0.05 * i, 2) for i in range(0, 19))
ADD_GRID = (*(round(0.3 + 0.05 * i, 2) for i in range(0, 14)), 1.01)
MIN_COUNT = 2
FOLDS = 5


@dataclass(frozen=True, slots=True)
class DocExamples:
    """One abstract: its candidates with labels, the rules' arm values and the gold values."""

    doc_id: str
    candidates: tuple[Candidate, ...]
    labels: tuple[int, ...]
    rule_values: frozenset[int]
    gold: frozenset[int]


def gold_arm_values(doc: BratDocument) -> frozenset[int]:
    """Distinct gold arm sizes of ``doc`` (as :func:`score_sample_size` counts them)."""
    values = (gold_number(doc, a) for a in doc.of(*ARM_LABELS))
    return frozenset(int(v) for v in values if v is not None)


def collect(docs: Sequence[BratDocument], nlp: Any = None) -> list[DocExamples]:
    """Candidates of ``docs`` from the rules-only output of ``evidence_sample_size``.

    The pipeline's learned check is switched off while the documents run (and restored).
    """
    from ..nlp.pipeline import get_pipeline

    nlp = nlp or get_pipeline()
    finder = nlp.get_pipe("evidence_sample_size")
    names = list(nlp.pipe_names)
    later = names[names.index("evidence_sample_size") + 1 :]
    saved = finder.arm_model
    finder.arm_model = None
    out: list[DocExamples] = []
    try:
        with nlp.select_pipes(disable=later):
            documents = [Document(title="", abstract=d.text, pmid=d.doc_id) for d in docs]
            spacy_docs = nlp.pipe((make_doc(nlp, d) for d in documents), batch_size=16)
            for brat, doc in zip(docs, spacy_docs, strict=True):
                found = list(doc._.sample_sizes or [])
                cands = find_candidates(
                    doc_text(doc), SentenceIndex(doc), found, stated_total(found)
                )
                gold = gold_arm_values(brat)
                out.append(
                    DocExamples(
                        doc_id=brat.doc_id,
                        candidates=tuple(cands),
                        labels=tuple(int(c.n in gold) for c in cands),
                        rule_values=frozenset(int(r["n"]) for r in found if r["kind"] == "arm"),
                        gold=gold,
                    )
                )
    finally:
        finder.arm_model = saved
    return out


def fit(
    examples: Iterable[DocExamples], *, l2: float = 2.0, min_count: int = MIN_COUNT
) -> tuple[dict[str, float], float]:
    """L2-regularised logistic regression on the candidates; returns ``(weights, bias)``
    (:func:`extractor.training.logistic.fit_logistic`)."""
    rows = [
        (c.features, y) for ex in examples for c, y in zip(ex.candidates, ex.labels, strict=True)
    ]
    return fit_logistic(rows, l2=l2, min_count=min_count)


def score_values(
    examples: Iterable[DocExamples], scores: Sequence[dict[int, float]], keep: float, add: float
) -> dict[str, Any]:
    """Micro P/R/F1 of distinct arm sizes per abstract after the keep/add decision."""
    return _decided_figures((ex, sc, keep, add) for ex, sc in zip(examples, scores, strict=True))


def _decided_figures(
    decisions: Iterable[tuple[DocExamples, dict[int, float], float, float]],
) -> dict[str, Any]:
    """Micro P/R/F1 of distinct arm sizes, each abstract decided with its own ``keep``/``add``."""
    tp = n_pred = n_gold = 0
    for ex, sc, keep, add in decisions:
        pred = decide_values(set(ex.rule_values), sc, keep, add)
        tp += len(pred & ex.gold)
        n_pred += len(pred)
        n_gold += len(ex.gold)
    p, r, f1 = prf(tp, n_pred, n_gold)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "predicted": n_pred,
        "gold": n_gold,
    }


def cross_validate(
    examples: Sequence[DocExamples], *, folds: int = FOLDS, l2_grid: Sequence[float] = L2_GRID
) -> dict[str, Any]:
    """Out-of-fold value scores for each ``l2``; the best ``(l2, keep, add)`` by micro F1.

    Documents are assigned to folds by their position in PMID order (``i % folds``). Ties go to
    the more conservative setting (lower keep threshold, higher add threshold, first ``l2``).
    """
    fold_of = _folds(examples, folds)
    rules = score_values(examples, [{} for _ in examples], 0.0, 2.0)
    best: dict[str, Any] | None = None
    for l2 in l2_grid:
        oof: list[dict[int, float]] = [{} for _ in examples]
        for k in range(folds):
            train = [ex for i, ex in enumerate(examples) if fold_of[i] != k]
            weights, bias = fit(train, l2=l2)
            model = ArmSizeModel(weights, bias, 0.5, 0.5)
            for i, ex in enumerate(examples):
                if fold_of[i] == k:
                    oof[i] = value_scores(model, ex.candidates)
        for keep in KEEP_GRID:
            for add in sorted(ADD_GRID, reverse=True):
                figures = score_values(examples, oof, keep, add)
                if best is None or figures["f1"] > best["cv"]["f1"]:
                    best = {"l2": l2, "keep": keep, "add": add, "cv": figures}
    assert best is not None
    best["rules"] = rules
    best["folds"] = folds
    return best


def _folds(examples: Sequence[DocExamples], folds: int) -> list[int]:
    """Fold of each example: its position in PMID order modulo ``folds``."""
    order = sorted(range(len(examples)), key=lambda i: examples[i].doc_id)
    fold_of = [0] * len(examples)
    for k, i in enumerate(order):
        fold_of[i] = k % folds
    return fold_of


def nested_cross_validate(
    examples: Sequence[DocExamples], *, folds: int = FOLDS, inner_folds: int = FOLDS - 1
) -> dict[str, Any]:
    """An unbiased estimate of the whole recipe: for each outer fold, ``l2`` and thresholds are
    chosen by :func:`cross_validate` on the other folds, the model is fitted on them and the
    held-out fold is decided with those thresholds. Returns micro figures over all folds and
    the settings chosen per fold."""
    fold_of = _folds(examples, folds)
    held: list[DocExamples] = []
    scores: list[dict[int, float]] = []
    keeps: list[float] = []
    adds: list[float] = []
    chosen: list[dict[str, Any]] = []
    for k in range(folds):
        train_part = [ex for i, ex in enumerate(examples) if fold_of[i] != k]
        inner = cross_validate(train_part, folds=inner_folds)
        weights, bias = fit(train_part, l2=inner["l2"])
        model = ArmSizeModel(weights, bias, inner["keep"], inner["add"])
        chosen.append({"l2": inner["l2"], "keep": inner["keep"], "add": inner["add"]})
        for i, ex in enumerate(examples):
            if fold_of[i] == k:
                held.append(ex)
                scores.append(value_scores(model, ex.candidates))
                keeps.append(inner["keep"])
                adds.append(inner["add"])
    figures = _decided_figures(zip(held, scores, keeps, adds, strict=True))
    return {"arm_sizes": figures, "per_fold": chosen}


def train(
    shared_dir: Path,
    output: Path = MODEL_FILE,
    *,
    folds: int = FOLDS,
    nested_cv: bool = True,
    nlp: Any = None,
) -> dict[str, Any]:
    """Collect ``dev`` candidates, pick ``l2`` and thresholds by k-fold CV, fit on all of ``dev``
    and save the model to ``output``. Returns the CV summary (with the nested estimate unless
    ``nested_cv`` is false)."""
    docs = select_documents(shared_dir, "dev")
    examples = collect(docs, nlp)
    cv = cross_validate(examples, folds=folds)
    nested = nested_cross_validate(examples, folds=folds) if nested_cv else None
    weights, bias = fit(examples, l2=cv["l2"])
    meta = {
        "trained_on": "PICO-Corpus split=dev (extractor.evaluation.split_of)",
        "documents": len(examples),
        "candidates": sum(len(ex.candidates) for ex in examples),
        "positives": sum(sum(ex.labels) for ex in examples),
        "l2": cv["l2"],
        "min_count": MIN_COUNT,
        "cv_folds": folds,
        "cv_arm_sizes": cv["cv"],
        "nested_cv_arm_sizes": nested["arm_sizes"] if nested else None,
        "rules_arm_sizes": cv["rules"],
        "command": "python -m extractor.training.arm_sizes",
    }
    model = ArmSizeModel(weights, bias, cv["keep"], cv["add"], meta)
    model.save(output)
    return {**cv, "nested": nested, "output": str(output), "features": len(weights)}


def main(argv: Sequence[str] | None = None) -> int:
    from ..settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=None, help="shared folder (EVIDENCE_SHARED)")
    parser.add_argument("--output", type=Path, default=MODEL_FILE)
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument(
        "--no-nested", action="store_true", help="skip the nested CV estimate (faster)"
    )
    args = parser.parse_args(argv)
    shared = args.shared or get_settings().shared_dir
    summary = train(shared, args.output, folds=args.folds, nested_cv=not args.no_nested)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from . import run_main

    run_main(main)
