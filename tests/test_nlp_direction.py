"""Unit tests of the effect-direction rules (extractor/nlp/direction.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.errors import ModelError
from extractor.nlp.direction import (
    LABELS,
    MODEL_FORMAT,
    DirectionModel,
    classify_direction,
    find_direction,
    load_direction_model,
    model_features,
    split_sentences,
)

OUTCOMES = {"haematoma": "The mean increase in haematoma volume"}


@pytest.mark.parametrize(
    ("sentence", "intervention", "comparator", "expected"),
    [
        (
            "Pain scores were significantly lower in the ketamine group than in the placebo "
            "group (p < 0.01).",
            "ketamine",
            "placebo",
            "decreased",
        ),
        (
            "Liraglutide significantly increased insulin secretion compared with glimepiride.",
            "liraglutide",
            "glimepiride",
            "increased",
        ),
        (
            "There was no significant difference in mortality between the two groups.",
            "heparin",
            "placebo",
            "no difference",
        ),
        (
            "Length of stay did not differ between the aspirin and control groups.",
            "aspirin",
            "control",
            "no difference",
        ),
        (
            "HbA1c was not significantly reduced by metformin compared with placebo.",
            "metformin",
            "placebo",
            "no difference",
        ),
        # the comparator is the subject: "placebo ... higher than X" is a decrease for X
        (
            "Patients given placebo had significantly higher pain scores than those given "
            "ibuprofen (p = 0.003).",
            "ibuprofen",
            "placebo",
            "decreased",
        ),
        # "Compared with placebo, X ..." keeps X as the subject
        (
            "Compared with placebo, IPE 4 g/day significantly reduced triglycerides.",
            "IPE (4g/day)",
            "placebo",
            "decreased",
        ),
        # p-value only cues
        (
            "Vomiting occurred in 12% and 14% of patients (p = 0.62).",
            "ondansetron",
            "placebo",
            "no difference",
        ),
        (
            "Response rates were 45% with drug A and 20% with drug B (p < 0.001).",
            "drug A",
            "drug B",
            "increased",
        ),
        ("Survival was similar in both arms.", "surgery", "radiotherapy", "no difference"),
        (
            "The incidence of infection was significantly reduced in the probiotic group.",
            "probiotic",
            "placebo",
            "decreased",
        ),
        # the outcome's own words are no cues ("increase in haematoma volume" ... "less")
        (
            "The mean increase in haematoma volume was less in the tranexamic acid group than "
            "in the placebo group (p=0·0432).",
            "tranexamic acid",
            "placebo",
            "decreased",
        ),
        # magnitude + change word compose: "greater reduction" is down
        (
            "Drug X produced a significantly greater reduction in LDL cholesterol than placebo.",
            "drug X",
            "placebo",
            "decreased",
        ),
        # generic arm wording and the arms' figures
        (
            "Diarrhea prevalence was 13.6% (72/530) in the control arm and 6.6% (40/608) in the "
            "intervention arm (p = 0.001).",
            "water filter",
            "usual practice",
            "decreased",
        ),
        # negation four words before "significant"
        (
            "The analysis did not reveal any statistically significant differences in amplitude "
            "between genuine and sham groups.",
            "genuine exposure",
            "sham exposure",
            "no difference",
        ),
        # a table row: outcome, one line per arm, p-value
        ("Cortisol (ng/ml)\n302.23±79.49\n442.41±67.60\n0.00", "therapy", "control", "decreased"),
        ("IL-2 (ng/ml)\n35.22±10.52\n30.02±8.34\n0.04", "therapy", "control", "increased"),
    ],
)
def test_nlp_direction_classify(
    sentence: str, intervention: str, comparator: str, expected: str
) -> None:
    outcome = next((o for k, o in OUTCOMES.items() if k in sentence), None)
    label, confidence = classify_direction(
        sentence, intervention=intervention, comparator=comparator, outcome=outcome, model=False
    )
    assert label == expected
    assert 0.0 < confidence <= 1.0


def test_nlp_direction_ci_including_null_is_no_difference() -> None:
    label, _ = classify_direction(
        "The hazard ratio was 0.95 (95% CI 0.80 to 1.12; p = 0.41).", model=False
    )
    assert label == "no difference"


ABSTRACT = (
    "Background: Postoperative nausea is common. We compared ondansetron with placebo.\n"
    "Methods: 120 patients were randomised to ondansetron or placebo.\n"
    "Results: The incidence of nausea was significantly lower with ondansetron than with "
    "placebo (18% vs 42%, p = 0.004). Pain scores did not differ between groups (p = 0.55).\n"
    "Conclusions: Ondansetron reduces postoperative nausea."
)


def test_nlp_direction_find_in_abstract() -> None:
    hit = find_direction(ABSTRACT, "incidence of nausea", "ondansetron", "placebo", model=False)
    assert hit is not None
    label, sentence, start, end = hit
    assert label == "decreased"
    assert "The incidence of nausea was significantly lower" in sentence
    assert ABSTRACT[start:end] == sentence

    hit = find_direction(ABSTRACT, "pain scores", "ondansetron", "placebo", model=False)
    assert hit is not None
    assert hit[0] == "no difference"
    assert ABSTRACT[hit[2] : hit[3]] == hit[1]


def test_nlp_direction_find_none_for_unrelated_outcome() -> None:
    assert find_direction(ABSTRACT, "bone density", "ondansetron", "placebo") is None


def test_nlp_direction_offsets_with_given_sentences() -> None:
    spans = [(s - 1 if s else s, e + 1, "RESULTS") for s, e in split_sentences(ABSTRACT)]
    hit = find_direction(
        ABSTRACT, "incidence of nausea", "ondansetron", "placebo", sentences=spans, model=False
    )
    assert hit is not None
    assert ABSTRACT[hit[2] : hit[3]] == hit[1]
    assert hit[1] == hit[1].strip()


def _write_model(models_dir: Path, favour: str) -> Path:
    bias = [5.0 if lab == favour else 0.0 for lab in LABELS]
    model = DirectionModel({"w=ketamine": [0.0, 0.0, 0.0]}, bias, LABELS, {"test": True})
    path = models_dir / "direction" / "direction.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    return path


def test_nlp_direction_model_used_when_present(tmp_path: Path) -> None:
    _write_model(tmp_path, "no difference")
    model = load_direction_model(tmp_path)
    assert isinstance(model, DirectionModel)
    assert load_direction_model(tmp_path) is model  # cached
    sentence = "Pain scores were significantly lower with ketamine than with placebo (p < 0.01)."
    rules, _ = classify_direction(
        sentence, intervention="ketamine", comparator="placebo", model=False
    )
    learned, confidence = classify_direction(
        sentence, intervention="ketamine", comparator="placebo", model=model
    )
    assert (rules, learned) == ("decreased", "no difference")
    assert 0.9 < confidence <= 1.0


def test_nlp_direction_model_absent_or_bad(tmp_path: Path) -> None:
    assert load_direction_model(tmp_path / "none") is None
    bad = tmp_path / "bad"
    (bad / "direction").mkdir(parents=True)
    (bad / "direction" / "direction.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ModelError):
        load_direction_model(bad)


def test_nlp_direction_default_is_shipped_model_or_rules() -> None:
    sentence = "Survival was significantly longer with drug A than with drug B (p = 0.01)."
    shipped = load_direction_model()
    expected = classify_direction(
        sentence, intervention="drug A", comparator="drug B", model=shipped or False
    )
    assert classify_direction(sentence, intervention="drug A", comparator="drug B") == expected


def test_nlp_direction_model_features_swap_symmetric() -> None:
    sentence = "Pain was significantly lower with ketamine than with placebo (p < 0.01)."
    plain = model_features(sentence, intervention="ketamine", comparator="placebo")
    swapped = model_features(sentence, intervention="placebo", comparator="ketamine")
    assert "rule=decreased" in plain and "rule=increased" in swapped
    assert "w=ketamine" in plain and plain == sorted(plain)
    assert json.loads(json.dumps(plain)) == plain
    assert MODEL_FORMAT.startswith("direction-")
