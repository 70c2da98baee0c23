"""The learned arm-size check: model file, decisions, rules' view of the total, training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.evaluation.pico_corpus import BratDocument, parse_ann
from extractor.nlp.arm_sizes_model import (
    ADDED,
    MODEL_FILE,
    ArmSizeModel,
    apply_model,
    decide_values,
    find_candidates,
    load_model,
)
from extractor.nlp.common import SentenceIndex
from extractor.nlp.sample_size import pick_total
from extractor.training.arm_sizes import collect, fit, gold_arm_values

# Rules alone find no arm here; "Twenty-three" is half of a stated, randomised total.
LYMPHA = (
    "METHODS: Forty-six women were randomly divided into 2 groups. Twenty-three underwent the "
    "LYMPHA technique and 23 did not."
)


def _arms(doc) -> list[int]:
    return [r["n"] for r in doc._.sample_sizes if r["kind"] == "arm"]


def test_arm_sizes_model_file_is_small_and_trained_on_dev() -> None:
    assert MODEL_FILE.is_file() and MODEL_FILE.stat().st_size < 1_000_000
    model = load_model()
    assert model is not None
    assert 0.0 <= model.keep_threshold <= 1.0 and 0.0 < model.add_threshold <= 1.01
    assert "split=dev" in model.meta["trained_on"]
    assert model.weights["rav=1"] > 0 > model.weights["pct_after"]  # learned, not zeros
    assert load_model(MODEL_FILE.parent / "missing.json") is None


def test_arm_sizes_model_flips_a_hand_written_sentence(nlp) -> None:
    finder = nlp.get_pipe("evidence_sample_size")
    assert finder.arm_model is not None  # the shipped file is loaded from the repo
    saved = finder.arm_model
    try:
        finder.arm_model = None  # rules only, as when the file is missing
        rules = nlp(LYMPHA)
        finder.arm_model = saved
        learned = nlp(LYMPHA)
    finally:
        finder.arm_model = saved
    assert _arms(rules) == []
    assert _arms(learned) == [23]
    # the study total is chosen from the rules' kinds either way
    assert pick_total(rules._.sample_sizes)["n"] == pick_total(learned._.sample_sizes)["n"] == 46


def test_arm_sizes_component_can_be_switched_off(nlp) -> None:
    import spacy

    from extractor.nlp.sample_size import SampleSizeFinder

    finder = SampleSizeFinder(spacy.blank("en"), "x", arm_model=False)
    assert finder.arm_model is None


def test_arm_sizes_apply_model_rejects_and_adds(nlp) -> None:
    text = "Patients were randomly assigned to X (n = 50) or Y (n = 48). Overall 12 patients died."
    finder = nlp.get_pipe("evidence_sample_size")
    saved = finder.arm_model
    finder.arm_model = None
    try:
        doc = nlp(text)
    finally:
        finder.arm_model = saved
    rows = [dict(r) for r in doc._.sample_sizes]
    assert _arms(doc) == [50, 48]
    # hand-set weights: "n =" before a count and "died" after it both mark an arm
    model = ArmSizeModel(
        {"n=": 4.0, "b+=died": 6.0}, bias=-2.0, keep_threshold=0.5, add_threshold=0.9
    )
    cands = find_candidates(text, SentenceIndex(doc), rows, None)
    assert {c.n for c in cands} >= {50, 48, 12}
    out = apply_model(model, text, SentenceIndex(doc), rows, None)
    assert sorted(r["n"] for r in out if r["kind"] == "arm") == [12, 48, 50]
    model = ArmSizeModel({"w+1=)": -6.0}, bias=2.0, keep_threshold=0.5, add_threshold=1.01)
    rows = [dict(r) for r in doc._.sample_sizes]
    out = apply_model(model, text, SentenceIndex(doc), rows, None)
    assert [r["n"] for r in out if r["kind"] == "arm"] == []
    rejected = [r for r in out if r.get("rule")]
    assert [(r["kind"], r["rule"]["kind"]) for r in rejected] == [("subgroup", "arm")] * 2
    # the study total is still picked from the rules' kinds
    assert pick_total(out)["n"] == pick_total(doc._.sample_sizes)["n"]


def test_arm_sizes_pick_total_ignores_added_rows() -> None:
    rows = [
        {"n": 120, "kind": "total", "start": 0, "strength": 1, "label": None, "sentence": 0},
        {
            "n": 60,
            "kind": "arm",
            "start": 9,
            "strength": 0,
            "label": None,
            "sentence": 1,
            "rule": {"kind": ADDED, "label": None, "strength": 0},
        },
        {
            "n": 30,
            "kind": "subgroup",
            "start": 19,
            "strength": 0,
            "label": None,
            "sentence": 1,
            "rule": {"kind": "arm", "label": None, "strength": 0},
        },
    ]
    assert pick_total(rows)["n"] == 120
    assert pick_total(rows[1:])["n"] == 30  # the rules' arm, not the model's addition


def test_arm_sizes_decide_values() -> None:
    scores = {10: 0.2, 20: 0.6, 30: 0.95}
    assert decide_values({10, 20}, scores, keep=0.5, add=0.9) == {20, 30}
    assert decide_values({10, 20}, scores, keep=0.0, add=1.01) == {10, 20}
    assert decide_values({7}, scores, keep=0.5, add=1.01) == {7}  # no mention scored: kept


def _brat(doc_id: str, text: str, arms: dict[str, str]) -> BratDocument:
    lines = []
    for i, (number, label) in enumerate(arms.items(), start=1):
        start = text.index(number)
        lines.append(f"T{i}\t{label} {start} {start + len(number)}\t{number}")
    return BratDocument(doc_id, text, tuple(parse_ann("\n".join(lines))))


DOCS = [
    _brat(
        "1",
        "A total of 120 patients were randomised to drug A (n = 61) or placebo (n = 59). "
        "Nausea occurred in 12 patients.",
        {"61": "intervention-participants", "59": "control-participants"},
    ),
    _brat(
        "2",
        "Forty women were enrolled; 20 received yoga and 20 received usual care for 8 weeks.",
        {"20": "intervention-participants"},
    ),
    _brat(
        "3",
        "We randomly assigned 300 smokers to counselling (150) or leaflets (150); 45% quit.",
        {"150": "control-participants"},
    ),
    _brat(
        "4",
        "Of 88 patients, 44 were allocated to surgery and 44 to radiotherapy; 5 died.",
        {"44": "intervention-participants"},
    ),
]


def test_arm_sizes_training_is_deterministic(nlp, tmp_path: Path) -> None:
    assert gold_arm_values(DOCS[0]) == {61, 59}
    examples = collect(DOCS, nlp)
    assert nlp.get_pipe("evidence_sample_size").arm_model is not None  # restored
    first = examples[0]
    assert {c.n for c, y in zip(first.candidates, first.labels, strict=True) if y} == {61, 59}
    assert first.rule_values == {61, 59}
    w1, b1 = fit(examples, l2=1.0, min_count=1)
    w2, b2 = fit(list(reversed(examples)), l2=1.0, min_count=1)
    assert (w1, b1) == (w2, b2)
    assert w1["n="] > 0  # "(n = 61)" and "(n = 59)" are both arms
    saved = tmp_path / "m.json"
    ArmSizeModel(w1, b1, 0.3, 0.8, {"trained_on": "test"}).save(saved)
    again = ArmSizeModel.load(saved)
    assert again.weights == w1 and again.bias == b1
    assert json.loads(saved.read_text("utf-8"))["format"] == "arm-sizes-logreg/1"


def test_arm_sizes_model_format_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}', "utf-8")
    with pytest.raises(ValueError, match="not an arm-size model"):
        ArmSizeModel.load(bad)
