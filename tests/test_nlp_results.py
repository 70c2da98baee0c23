"""evidence_results: percentages, thresholds, counts, p-values, CIs and effect measures."""

from __future__ import annotations

import pytest
from nlp_rows import quoted_rows

SEED_RESULTS = (
    "One patient became pregnant, five patients had complete or near complete clearing of their "
    "skin disease (>75%), two had partial but helpful improvement (>50%) and three had limited "
    "responses (<50%)."
)


def _results(nlp, text):
    return quoted_rows(nlp, text, "results")


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Scores were 12.3 ± 4.5 overall.", [{"kind": "mean_sd", "mean": 12.3, "sd": 4.5}]),
        ("Age was 12.3 (SD 4.5) years.", [{"kind": "mean_sd", "mean": 12.3, "sd": 4.5}]),
        ("The mean score was 12.3 (4.5).", [{"kind": "mean_sd", "mean": 12.3, "sd": 4.5}]),
        ("Change was -0.2 +/- 0.1 mL.", [{"kind": "mean_sd", "mean": -0.2, "sd": 0.1}]),
        ("Stay was median 5 (IQR 3–8) days.", [{"kind": "median_iqr", "median": 5, "iqr": "3–8"}]),
        ("The median stay was 5 [3, 8].", [{"kind": "median_iqr", "median": 5, "iqr": "3, 8"}]),
        ("Age was 54 (range 31-80).", [{"kind": "median_iqr", "median": 54, "iqr": "31-80"}]),
        (
            "Median PFS was 9.7 months vs 5.8 months.",
            [{"kind": "continuous", "median": 9.7}, {"kind": "continuous", "median": 5.8}],
        ),
        ("Mean score was 3.4 in the A group.", [{"kind": "continuous", "mean": 3.4}]),
        ("AEs occurred in ten (27.8 %).", [{"kind": "count_percent", "count": 10}]),
        ("It hit 63 patients (24.6%).", [{"kind": "count_percent", "count": 63, "percent": 24.6}]),
        (
            "Death fell (HR = 0.72; 95% CI, 0.60 to 0.86).",
            [{"kind": "effect", "measure": "HR", "value": 0.72, "ci_low": 0.6, "ci_high": 0.86}],
        ),
        (
            "Risk rose (RR 1.5, 95% CI 1.1–2.0).",
            [{"kind": "effect", "measure": "RR", "value": 1.5, "ci_low": 1.1, "ci_high": 2}],
        ),
        ("Pain fell (MD -2.1 (95% CI -3.0 to -1.2)).", [{"kind": "effect", "value": -2.1}]),
        ("Pain fell (SMD 0.4).", [{"kind": "effect", "measure": "SMD", "value": 0.4}]),
        (
            "Pain fell (difference 2.1, 95% CI 1.2 to 3.0).",
            [{"kind": "effect", "measure": "difference", "value": 2.1, "ci_high": 3}],
        ),
        ("It was significant (P < .001).", [{"kind": "p_value", "p_value": "P < .001"}]),
        ("It was not (NS).", [{"kind": "p_value", "p_value": "NS"}]),
    ],
)
def test_nlp_results_new_shapes(nlp, text, expected):
    rows = _results(nlp, text)
    assert [{k: r.get(k) for k in e} for r, e in zip(rows, expected, strict=False)] == expected
    assert len(rows) == len(expected)


def test_nlp_results_p_value_and_time_point_attached(nlp):
    rows = _results(nlp, "At 12 weeks, scores were 12.3 ± 4.5 vs 10.1 ± 3.2 (p = 0.03).")
    assert [(r["mean"], r["p_value"], r["time_point"]) for r in rows[:2]] == [
        (12.3, "p = 0.03", "At 12 weeks"),
        (10.1, "p = 0.03", "At 12 weeks"),
    ]
    rows = _results(nlp, "Healing occurred in 12 of 20 patients (60%) after 6 months.")
    assert rows[0]["time_point"] == "after 6 months"


ARM_CASES = [
    (
        "Response occurred in 12 (40%) patients in the IVIg group and 6 (20%) in the placebo "
        "group.",
        ["IVIg", "placebo"],
    ),
    ("Response rates were 40% and 20% in the IVIg and placebo groups, respectively.", None),
    ("Response was higher with IVIg than with placebo (40% vs 20%; P = .01).", None),
    ("Response differed (IVIg: 40%, placebo: 20%).", None),
]


@pytest.mark.parametrize(("text", "arms"), ARM_CASES)
def test_nlp_results_arm_attribution(nlp, text, arms):
    from extractor.assemble import _result_arms, _sentence_of  # noqa: F401
    from extractor.records import Intervention

    doc = nlp(text)
    rows = doc._.results
    interventions = (
        Intervention(name="IVIg", start=0, end=0, long_form="intravenous immunoglobulin"),
        Intervention(name="placebo", start=0, end=0, role="comparator"),
    )
    got = _result_arms(text, rows, [0], interventions)
    figures = [i for i, r in enumerate(rows) if r["kind"] != "p_value"]
    assert [got.get(i) for i in figures] == (arms or ["IVIg", "placebo"])


def test_nlp_results_offsets_and_unnamed_outcome():
    from extractor.assemble import UNNAMED_OUTCOME, extract_evidence
    from extractor.records import Document

    abstract = (
        "Sixty patients were randomized to intravenous immunoglobulin (IVIg) or placebo. "
        "In total, 12 (40%) in the IVIg group and 6 (20%) in the placebo group responded. "
        "At 12 weeks, 4.1 ± 1.2 vs 5.3 ± 1.5 (P = .02). OR 2.1 (95% CI 1.1-3.9)."
    )
    ev = extract_evidence(Document(title="", abstract=abstract))
    results = [r for o in ev.outcomes for r in o.results]
    assert results
    for r in results:
        assert abstract[r.start : r.end] == r.text
    means = [r for r in results if r.mean is not None]
    assert [(r.mean, r.sd, r.p_value, r.time_point) for r in means] == [
        (4.1, 1.2, "P = .02", "At 12 weeks"),
        (5.3, 1.5, "P = .02", "At 12 weeks"),
    ]
    effect = next(r for r in results if r.effect)
    assert (effect.effect, effect.effect_value, effect.ci_low, effect.ci_high) == (
        "OR",
        2.1,
        1.1,
        3.9,
    )
    assert any(o.name == UNNAMED_OUTCOME for o in ev.outcomes) or all(o.name for o in ev.outcomes)
