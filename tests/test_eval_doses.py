"""extractor.evaluation.doses: the .abst reader, the prompt amount parser and the recall gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from gates import assert_pinned, corpus_digest

from extractor.evaluation.doses import (
    canonical_unit,
    collect_items,
    evaluate_doses,
    parse_amounts,
    read_abst,
)

#: Evaluation floors on a fixed slice of the dev split (first 60 documents with items, by
#: PMCID). Raised when the extractor improves, never lowered silently. First measured 2026-11-25:
#: recall 1.0, recall_on_named_arm 0.705 (whole dev split: 1.0 and 0.755). Pinned to the digest
#: of the slice's files (prompts_merged.csv and the 60 abstracts, tests/gates.py); the figures
#: beside the floors were measured on them on 2026-12-03.
SLICE_DIGEST = "920c9b36cdf07c06"
FLOORS = {
    "recall": 0.97,  # measured 1.0
    "recall_on_named_arm": 0.68,  # measured 0.8036
}
SLICE = 60


def test_eval_doses_parse_amounts() -> None:
    text = "pramlintide 30 or 60 μg; 0.5, 1 and 2 mg/kg; 50,000 IU; 2,5 mg; 160/4.5 mcg; 1% gel"
    got = [(a, u) for a, u, _s, _e in parse_amounts(text)]
    assert got == [
        (30, "ug"),
        (60, "ug"),
        (0.5, "mg"),
        (1, "mg"),
        (2, "mg"),
        (50000, "[IU]"),
        (2.5, "mg"),
        (160, "ug"),
        (4.5, "ug"),
    ]


def test_eval_doses_concentrations_skipped() -> None:
    text = "remifentanil 6 ng/mL; taurine 40 mg/L; glucose 120 mg per dl; aspirin 100 mg"
    assert [(a, u) for a, u, _s, _e in parse_amounts(text, concentrations=False)] == [(100, "mg")]


@pytest.mark.parametrize(
    ("unit", "canonical"),
    [("μg", "ug"), ("µg", "ug"), ("mcg", "ug"), ("IU", "[IU]"), ("ml", "mL"), ("mg", "mg")],
)
def test_eval_doses_canonical_unit(unit: str, canonical: str) -> None:
    assert canonical_unit(unit) == canonical


def test_eval_doses_read_abst(tmp_path: Path) -> None:
    path = tmp_path / "PMC1.abst"
    path.write_text(
        "TITLE: \nA trial of X\n\n\n\nABSTRACT.BACKGROUND:\nWhy.\n\nABSTRACT.METHODS:\n"
        "X 5 mg daily.\n\nBODY.INTRODUCTION:\nNot this 99 mg.\n",
        encoding="utf-8",
    )
    assert read_abst(path) == ("A trial of X", "BACKGROUND: Why.\n\nMETHODS: X 5 mg daily.")


def test_eval_doses_read_abst_unheaded(tmp_path: Path) -> None:
    path = tmp_path / "PMC2.abst"
    path.write_text("TITLE.\nT\n\n\n\nObjective. Y 2 g.\n\nBODY.METHODS.\nZ.\n", encoding="utf-8")
    assert read_abst(path) == ("T", "Objective. Y 2 g.")


def test_eval_doses_gate(shared_dir: Path, shared_file, nlp) -> None:
    prompts = shared_file("data/evidence_inference/prompts_merged.csv")
    pmcids = collect_items(shared_dir, split="dev", limit=SLICE)
    files = [prompts, *(prompts.parent / "abstracts" / f"PMC{p}.abst" for p in pmcids)]
    assert_pinned("Evidence Inference dev (doses)", SLICE_DIGEST, corpus_digest(shared_dir, files))
    result = evaluate_doses(shared_dir, split="dev", nlp=nlp, limit=SLICE)
    assert result["documents"] == SLICE
    assert result["items"] >= 100
    for key, floor in FLOORS.items():
        assert result[key] >= floor, (key, result[key], result["missed"][:5])
