"""evidence_results: percentages, thresholds, counts, p-values, CIs and effect measures."""

from __future__ import annotations

import pytest

SEED_RESULTS = (
    "One patient became pregnant, five patients had complete or near complete clearing of their "
    "skin disease (>75%), two had partial but helpful improvement (>50%) and three had limited "
    "responses (<50%)."
)


def _results(nlp, text):
    doc = nlp(text)
    for row in doc._.results:
        assert doc.text[row["start"] : row["end"]] == row["text"]
    return doc._.results


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Response was 45% overall.", [{"kind": "percent", "percent": 45, "text": "45%"}]),
        ("Response was 45.2 % overall.", [{"kind": "percent", "percent": 45.2}]),
        ("Improvement of >75% was rare.", [{"kind": "threshold", "threshold": ">75%"}]),
        ("A reduction ≥ 50% was seen.", [{"kind": "threshold", "threshold": "≥50%"}]),
        ("Healing occurred in 12/20.", [{"kind": "fraction", "count": 12, "denominator": 20}]),
        (
            "Healing occurred in 12 of 20 patients (60%).",
            [{"kind": "fraction", "count": 12, "denominator": 20, "percent": 60}],
        ),
        ("Nausea occurred in 14 (22%).", [{"kind": "count_percent", "count": 14, "percent": 22}]),
        (
            "The difference was significant (p < 0.05).",
            [{"kind": "p_value", "op": "<", "value": 0.05}],
        ),
        ("It was significant (P=.03).", [{"kind": "p_value", "value": 0.03}]),
        (
            "The difference was 2.1 (95% CI 1.2-3.4).",
            [{"kind": "ci", "level": 95, "ci_low": 1.2, "ci_high": 3.4}],
        ),
        (
            "Death was less likely (OR 2.3 (95% CI, 1.1 to 4.5)).",
            [{"kind": "effect", "measure": "OR", "value": 2.3, "ci_low": 1.1, "ci_high": 4.5}],
        ),
        (
            "The hazard ratio was 0.75.",
            [{"kind": "effect", "measure": "hazard ratio", "value": 0.75}],
        ),
        ("Patients took 5 or 15 mg daily.", []),  # "or 15" is not an odds ratio
        ("Between 2001 and 2005 we studied 4 sites.", []),
    ],
)
def test_nlp_results_shapes(nlp, text, expected):
    rows = _results(nlp, text)
    assert [{k: r.get(k) for k in e} for r, e in zip(rows, expected, strict=False)] == expected
    assert len(rows) == len(expected)


def test_nlp_results_seed_counts_with_thresholds(nlp):
    rows = _results(nlp, SEED_RESULTS)
    got = [(r["kind"], r["count"], r["threshold"], r["outcome_text"]) for r in rows]
    assert got == [
        ("count_threshold", 5, ">75%", "complete or near complete clearing of their skin disease"),
        ("count_threshold", 2, ">50%", "partial but helpful improvement"),
        ("count_threshold", 3, "<50%", "limited responses"),
    ]


def test_nlp_results_count_with_percentage(nlp):
    rows = _results(nlp, "Overall, 14 patients achieved remission (35%).")
    assert [(r["kind"], r["count"], r["percent"], r["outcome_text"]) for r in rows] == [
        ("count_percent", 14, 35, "remission")
    ]


def test_nlp_results_ci_percent_not_a_result_percent(nlp):
    rows = _results(nlp, "Risk fell by 30% (95% CI 10 to 50).")
    assert [r["kind"] for r in rows] == ["percent", "ci"]
    doc = nlp("Risk fell by 30% (95% CI 10 to 50).")
    assert [s.text for s in doc.spans["evidence"] if s.label_ == "RESULT"] == [
        "30%",
        "95% CI 10 to 50)",
    ]
