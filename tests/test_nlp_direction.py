"""Unit tests of the effect-direction rules (extractor/nlp/direction.py)."""

from __future__ import annotations

import pytest

from extractor.nlp.direction import classify_direction, find_direction, split_sentences


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
    ],
)
def test_nlp_direction_classify(
    sentence: str, intervention: str, comparator: str, expected: str
) -> None:
    label, confidence = classify_direction(
        sentence, intervention=intervention, comparator=comparator, model=False
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
