"""Effect-direction evaluation (Evidence Inference 2.0) and its quality gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import ExtractorError
from extractor.evaluation.direction import evaluate_direction, parse_abst, score_labels

#: Quality floors on a fixed slice of the dev split (the first 400 dev prompts by prompt id),
#: rules only. Measured 2024 (rules v1): oracle macro-F1 0.778 / accuracy 0.810, pipeline
#: (in-abstract prompts) macro-F1 0.665. Raised when the rules or a model improve; never
#: lowered silently.
FLOORS = {
    "oracle_macro_f1": 0.76,
    "oracle_accuracy": 0.79,
    "pipeline_in_abstract_macro_f1": 0.64,
}
SLICE = 400


def test_eval_direction_score_labels() -> None:
    scores = score_labels(
        ["increased", "decreased", "no difference", "no difference"],
        ["increased", "increased", "no difference", "none"],
    )
    assert scores["n"] == 4
    assert scores["accuracy"] == 0.5
    assert scores["per_class"]["increased"]["precision"] == 0.5
    assert scores["per_class"]["decreased"]["f1"] == 0.0
    assert scores["confusion"]["no difference"] == {"no difference": 1, "none": 1}


def test_eval_direction_parse_abst() -> None:
    raw = (
        "TITLE: \nA trial\n\n\n\nABSTRACT.BACKGROUND:\nWhy.\n\nABSTRACT.RESULTS:\n"
        "X was higher.\n\nBODY.INTRODUCTION:\nLong text.\n"
    )
    art = parse_abst(raw)
    assert art.abstract == "Why.\n\nX was higher."
    labels = [(art.abstract[s:e], lab) for s, e, lab in art.sections]
    assert labels == [("Why.", "BACKGROUND"), ("X was higher.", "RESULTS")]
    assert art.body == "Long text."
    for start, end, _ in art.sections_as_sentences():
        assert art.abstract[start:end].strip() == art.abstract[start:end]


def test_eval_direction_bad_mode(shared_dir: Path) -> None:
    with pytest.raises(ExtractorError):
        evaluate_direction(shared_dir, mode="magic")


def test_eval_direction_quality_gate(shared_dir: Path) -> None:
    oracle = evaluate_direction(shared_dir, split="dev", mode="oracle", limit=SLICE, model=False)
    assert oracle["all"]["n"] == SLICE
    assert oracle["all"]["macro_f1"] >= FLOORS["oracle_macro_f1"], oracle["errors"][:5]
    assert oracle["all"]["accuracy"] >= FLOORS["oracle_accuracy"]
    assert len(oracle["errors"]) <= 20
    pipeline = evaluate_direction(
        shared_dir, split="dev", mode="pipeline", limit=SLICE, model=False
    )
    assert pipeline["in_abstract"]["macro_f1"] >= FLOORS["pipeline_in_abstract_macro_f1"]
    assert 0 < pipeline["found"] <= SLICE
