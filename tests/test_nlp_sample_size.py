"""evidence_sample_size: counts of people, with number words, and what kind of count."""

from __future__ import annotations

import pytest

from extractor.nlp.common import parse_count
from extractor.nlp.sample_size import pick_total


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("1,234", 1234),
        ("Twelve", 12),
        ("twenty-five", 25),
        ("ninety nine", 99),
        ("one hundred and twenty", 120),
        ("hundred", 100),
        ("patients", None),
    ],
)
def test_nlp_sample_size_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Twelve patients with histologically confirmed cutaneous LE were given IVIg.",
            [(12, "Twelve patients", "total")],
        ),
        (
            "A total of 120 participants were randomized to two groups.",
            [(120, "A total of 120 participants", "total")],
        ),
        ("We enrolled 12 healthy volunteers.", [(12, "12 healthy volunteers", "total")]),
        (
            "Patients received pramlintide 30 or 60 μg (n = 714) or placebo (n = 537).",
            [(714, "n = 714", "arm"), (537, "n = 537", "arm")],
        ),
        ("The trial included N=45 adults.", [(45, "N=45", "total")]),
        (
            "One hundred and twenty children aged 2-5 years took part.",
            [(120, "One hundred and twenty children", "total")],
        ),
        ("Of 300 patients screened, 200 were eligible.", [(300, "300 patients", "subgroup")]),
        ("In all, 98 patients completed the study.", [(98, "In all, 98 patients", "total")]),
        ("Ninety-eight patients completed the study.", [(98, "Ninety-eight patients", "analysed")]),
        ("Drug X was given for 12 weeks in patients with asthma.", []),
        ("They took 5 mg of drug X daily.", []),
    ],
)
def test_nlp_sample_size_finds_counts(nlp, text, expected):
    doc = nlp(text)
    got = [(r["n"], r["text"], r["kind"]) for r in doc._.sample_sizes]
    assert got == expected
    for row in doc._.sample_sizes:
        assert doc.text[row["start"] : row["end"]] == row["text"]
    assert [s.text for s in doc.spans["evidence"] if s.label_ == "SAMPLE_SIZE"] == [
        e[1] for e in expected
    ]


def test_nlp_sample_size_results_counts_are_subgroups(nlp):
    text = "METHODS: Forty patients were studied.\n\nRESULTS: Five patients had a rash."
    doc = nlp(text)
    assert [(r["n"], r["kind"], r["section"]) for r in doc._.sample_sizes] == [
        (40, "total", "METHODS"),
        (5, "subgroup", "RESULTS"),
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"n": 5, "kind": "subgroup", "start": 0}], None),
        ([{"n": 714, "kind": "arm", "start": 0}, {"n": 537, "kind": "arm", "start": 9}], 1251),
        (
            [
                {"n": 300, "kind": "total", "start": 0, "strength": 0},
                {"n": 120, "kind": "total", "start": 9, "strength": 2},
            ],
            120,
        ),
        ([{"n": 98, "kind": "analysed", "start": 0}, {"n": 3, "kind": "subgroup", "start": 5}], 98),
    ],
)
def test_nlp_sample_size_pick_total(rows, expected):
    chosen = pick_total(rows)
    assert (chosen["n"] if chosen else None) == expected
