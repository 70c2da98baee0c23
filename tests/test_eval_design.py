"""Study design evaluation: hand-checked BC5CDR sample and RCT recall on RCT corpora."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from gates import assert_pinned, corpus_digest

from extractor.evaluation.design import (
    HAND_SAMPLE,
    RANDOMIZED,
    design_type,
    ei_paths,
    evaluate_design,
    read_bc5cdr,
    score_sample,
)
from extractor.evaluation.pico_corpus import PICO_SUBDIR, select_documents

#: Floors a little under the measured figures, pinned to the digest of the files scored
#: (tests/gates.py): the BC5CDR PubTator files for the sample; those and the first 60 dev
#: documents of each RCT corpus for the quick gate. Figures measured on them on 2026-12-03.
SAMPLE_DIGEST = "49627a9d5afd583e"
SLICE_DIGEST = "b736b55e8ba036b7"
SLICE = 60
SAMPLE_FLOOR = 0.9  # measured 1.0 (45/45)
EI_SLICE_FLOOR = 0.7  # measured 0.8
PICO_SLICE_FLOOR = 0.8  # measured 0.9167

VOCABULARY = {
    "randomized controlled trial",
    "randomized crossover trial",
    "non-randomized controlled trial",
    "single-arm trial",
    "cohort study",
    "case-control study",
    "cross-sectional study",
    "case series",
    "case report",
    "systematic review/meta-analysis",
    "clinical trial",
}


def test_eval_design_type():
    assert design_type("randomized controlled trial (double-blind, phase III)") == (
        "randomized controlled trial"
    )
    assert design_type("case report") == "case report"
    assert design_type(None) is None
    assert set(RANDOMIZED) <= VOCABULARY


def test_eval_design_sample_table():
    pmids = [p for p, _ in HAND_SAMPLE]
    assert len(pmids) == len(set(pmids)) >= 40
    labels = {label for _, label in HAND_SAMPLE}
    assert labels - {None} <= VOCABULARY
    assert len(labels) >= 9  # spread across designs, not only RCTs


def _bc5cdr_files(shared_dir: Path) -> list[Path]:
    return sorted((shared_dir / "data" / "bc5cdr" / "pubtator").glob("*.txt"))


def test_eval_design_hand_sample(shared_dir, nlp):
    digest = corpus_digest(shared_dir, _bc5cdr_files(shared_dir))
    assert_pinned("BC5CDR (design sample)", SAMPLE_DIGEST, digest)
    texts = read_bc5cdr(shared_dir)
    assert all(p in texts for p, _ in HAND_SAMPLE)
    report = score_sample(shared_dir, nlp)
    assert report["documents"] == len(HAND_SAMPLE)
    assert report["accuracy"] >= SAMPLE_FLOOR, report["errors"]
    for label, row in report["by_design"].items():
        assert row["correct"] >= row["n"] - 1, (label, report["errors"])


def test_eval_design_quick_gate(shared_dir, nlp):
    """A fixed slice (first SLICE dev documents of each RCT corpus + the sample) in < 30 s."""
    brat = shared_dir / PICO_SUBDIR
    pico_docs = select_documents(shared_dir, split="dev", limit=SLICE)
    files = [*ei_paths(shared_dir, "dev", SLICE), *(brat / f"{d.doc_id}.txt" for d in pico_docs)]
    digest = corpus_digest(shared_dir, [*files, *_bc5cdr_files(shared_dir)])
    assert_pinned("design dev slice", SLICE_DIGEST, digest)
    started = time.perf_counter()
    report = evaluate_design(shared_dir, split="dev", limit=SLICE, nlp=nlp)
    elapsed = time.perf_counter() - started
    ei, pico = report["evidence_inference"], report["pico_corpus"]
    assert ei["documents"] >= 50 and pico["documents"] == SLICE
    assert ei["recall"] >= EI_SLICE_FLOOR, ei["missed"]
    assert pico["recall"] >= PICO_SLICE_FLOOR, pico["missed"]
    assert report["sample"]["accuracy"] >= SAMPLE_FLOOR
    assert set(ei["predicted"]) - {"none"} <= VOCABULARY
    assert elapsed < 30, f"design gate took {elapsed:.1f}s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("METHODS: Patients were assigned randomly to X or Y.", "randomized controlled trial"),
        ("Twenty subjects randomized in a cross over study design.", "randomized crossover trial"),
        ("Controls were selected at random from members of the plan.", None),
    ],
)
def test_eval_design_cues(nlp, text, expected):
    doc = nlp(nlp.make_doc(text))
    assert design_type(doc._.design) == expected
