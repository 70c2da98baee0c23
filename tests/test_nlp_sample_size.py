"""evidence_sample_size: counts of people, with number words, and what kind of count."""

from __future__ import annotations

import pytest

from extractor.nlp.common import parse_count
from extractor.nlp.sample_size import parse_sample_count, pick_total


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13 388", 13388),
        ("1,009", 1009),
        ("Two thousand eight hundred sixteen", 2816),
        ("One thousand two hundred thirty-four", 1234),
        ("Hundred and forty-three", 143),
        ("thirty-two", 32),
        ("Three hundred thirty-five", 335),
    ],
)
def test_nlp_sample_size_parse_sample_count(text, expected):
    assert parse_sample_count(text) == expected


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("A total of 200 patients were randomized to drug X or placebo.", 200),
        ("Two hundred and ten women were randomised.", 210),
        ("Thirty-two patients were enrolled.", 32),
        ("A total of 13 388 women were randomly assigned.", 13388),
        ("A total of 1,234 participants were enrolled.", 1234),
        ("One thousand two hundred thirty-four patients were randomized.", 1234),
        (
            "Breast cancer patients (N = 242) were randomly assigned to A (n = 82) or B (n = 78).",
            242,
        ),
        ("Women (n = 13,388) were randomly assigned to receive placebo or tamoxifen.", 13388),
        ("We studied 12 healthy volunteers.", 12),
        (
            "Forty-eight patients were randomly divided into three groups: 15 patients received A, "
            "15 patients received B and 18 patients received C.",
            48,
        ),
        ("Of the 885 patients, 442 were assigned to A and 443 to B.", 885),
        ("In 2004, 150 patients aged 65 years received 20 mg daily; 45% responded.", 150),
    ],
)
def test_nlp_sample_size_total(nlp, text, total):
    doc = nlp(text)
    chosen = pick_total(doc._.sample_sizes)
    assert chosen is not None and chosen["n"] == total


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        ("Patients were randomly assigned to X (n = 50) or Y (n = 48).", [50, 48]),
        ("Of the 885 patients, 442 were assigned to the high-dose group and 443 to B.", [442, 443]),
        ("Fifty-three women were randomized (26 preoperative and 27 postoperative).", [26, 27]),
        ("201 patients were randomised, 100 to EoP and 101 to paclitaxel arms.", [100, 101]),
        ("There were 63 patients in the PB group and 41 patients in the TM group.", [63, 41]),
    ],
)
def test_nlp_sample_size_arms(nlp, text, arms):
    doc = nlp(text)
    assert [r["n"] for r in doc._.sample_sizes if r["kind"] == "arm"] == arms


@pytest.mark.parametrize(
    "text",
    [
        "Response was seen in 45% of patients.",
        "Patients aged 65 years were given 20 mg daily for 12 weeks.",
    ],
)
def test_nlp_sample_size_not_confused(nlp, text):
    doc = nlp(text)
    assert [r for r in doc._.sample_sizes if r["kind"] in ("total", "arm")] == []


def test_nlp_sample_size_labels_randomised_and_analysed(nlp):
    doc = nlp("A total of 107 women were randomized and 102 completed the study.")
    rows = {r["n"]: (r["kind"], r["label"]) for r in doc._.sample_sizes}
    assert rows[107] == ("total", "randomised")
