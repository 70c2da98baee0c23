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


# --- Issue 3 rules: totals without a people noun next to a cue, arm sizes stated in results ---


@pytest.mark.parametrize(
    ("text", "total"),
    [
        # "of" after a noun (a study of / plans of N) is not a part of a group
        ("We report a prospective randomized study of 100 women with breast cancer.", 100),
        ("Treatment plans of 80 patients with early-stage breast cancer were analyzed.", 80),
        ("A randomized controlled trial was conducted among 99 postmenopausal women.", 99),
        # the sampling verb right before the count wins over screening words after it
        ("We randomly allocated 867 women attending their final invited appointment.", 867),
        ("From a total sample of 247 patients, 14 withdrew.", 247),
        # a long description at a sentence start, commas and "II or III" included
        ("Eighty female, chemotherapy-naive breast cancer patients were included.", 80),
        (
            "Thirty-eight newly diagnosed stage II or III breast cancer patients were randomized.",
            38,
        ),
        # "X of Y planned patients": the part that was accrued is the sample
        ("Accrual was terminated at 338 of 2,150 planned patients because of funding.", 338),
        # a count, a breakdown in brackets and a noun before the verb
        ("Between 1993 and 2000, 2144 (1063 A, 1081 B) patients were randomly assigned.", 2144),
        # "(n = 112)" before "were randomized" is the whole sample, not an arm
        ("Women with breast cancer (n = 112) were randomized to AMT (n = 57) or WC (n = 55).", 112),
        # a bracketed total whose following counts add up to it
        ("In this subgroup (n = 48) 27 patients received IORT, 21 patients had WBRT.", 48),
        # years are not arm sizes: "2005 to January 2008"
        (
            "From September 2005 to January 2008, 431 patients were randomized: 214 to C and "
            "217 to placebo.",
            431,
        ),
        # thin spaces as thousands separators
        ("In total, 26\u2008054 women were eligible for this analysis.", 26054),
    ],
)
def test_nlp_sample_size_total_issue3(nlp, text, total):
    doc = nlp(text)
    chosen = pick_total(doc._.sample_sizes)
    assert chosen is not None and chosen["n"] == total


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Twelve of 30 randomised patients responded to treatment.", "subgroup"),
        ("A total of 205 patients (50.9%) had nausea scores above 6.", "subgroup"),
        ("Of 300 patients screened, 200 were eligible.", "subgroup"),
    ],
)
def test_nlp_sample_size_parts_are_not_totals(nlp, text, kind):
    doc = nlp(text)
    first = doc._.sample_sizes[0] if doc._.sample_sizes else None
    assert (first["kind"] if first else None) == kind
    assert all(r["kind"] != "total" for r in doc._.sample_sizes)


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        (
            "Patients were randomized. Of 299 enrolled patients, 127 patients treated with "
            "duloxetine and 128 who received placebo were evaluable.",
            [127, 128],
        ),
        ("Forty underwent CNB; 40 underwent VAB.", [40, 40]),
        (
            "Among women without CHD (6074 on tamoxifen versus 6072 on placebo), risk fell.",
            [6074, 6072],
        ),
        (
            "Onset was 11% (8 of 72) in the lifting group and 17% (13 of 75) in the control group.",
            [72, 75],
        ),
        ("Of 511 patients randomised to anastrozole, 137 (26.8%) received tamoxifen.", [511]),
        ("Patients were randomized into two groups (30 patients in each group).", [30]),
        ("Two thousand women (1408 per group) were safety-evaluable.", [1408]),
        (
            "The control group consisting of 47 patients received standard RT, and the gated "
            "group consisting of 33 patients received gated RT.",
            [47, 33],
        ),
        (
            "They were randomized to chemotherapy (29 patients) or to control (29 patients).",
            [29, 29],
        ),
        (
            "Of 159 patients approached, 150 agreed, 77 (51.3%) were randomized to peripheral and "
            "73 (48.7%) to central access.",
            [77, 73],
        ),
        ("FN occurred in 40.8% (126/311) in arm A versus 7.1% (22/316) in arm B.", [311, 316]),
        ("Women (n = 112) were randomized to AMT (n = 57) or WC (n = 55).", [57, 55]),
        ("In this subgroup (n = 48) 27 patients received IORT, 21 patients had WBRT.", [27, 21]),
    ],
)
def test_nlp_sample_size_arms_issue3(nlp, text, arms):
    doc = nlp(text)
    assert [r["n"] for r in doc._.sample_sizes if r["kind"] == "arm"] == arms


@pytest.mark.parametrize(
    "text",
    [
        # one arm named with an alternative is the whole sample, not an arm
        "In 165 patients randomized to palbociclib (125 mg daily) plus letrozole or letrozole.",
        # counts of events with percentages are outcomes, not arms
        "Overall, 5 (10%) received rescue medication and 3 (6%) received transfusions in arm A.",
        # years are not arm sizes
        "Patients were randomized from August 1987 to March 1995 to tamoxifen or placebo.",
        # a single fraction is not an arm size, nor dates "between 09/92 and 12/96"
        "Patients in the arm with 6/26 (23.1%) events were excluded.",
        "Between 09/92 and 12/96, 61 patients were randomised versus 30 historical controls.",
        # counts of events per arm
        "The number of second cancers was 168 in the fenretinide arm and 190 in the control arm.",
        "Two patients in each group died during treatment.",
        # "(n = 46)" after a percentage counts events; "(n = 1-9)" is a range
        "Cancer occurred in 1.5% (n = 46) in the placebo group and 1.8% (n = 57) in group B.",
        "Node-positive (n = 1-9) patients were randomized to receive either A or B.",
    ],
)
def test_nlp_sample_size_not_arms_issue3(nlp, text):
    doc = nlp(text)
    assert [r["n"] for r in doc._.sample_sizes if r["kind"] == "arm"] == []


def test_nlp_sample_size_included_in_analysis_is_analysed(nlp):
    doc = nlp(
        "150 women were randomized between control and hypnosis arms, and 148 (71 control and "
        "77 hypnosis) were included in the intent-to-treat analysis."
    )
    rows = {r["n"]: (r["kind"], r["label"]) for r in doc._.sample_sizes}
    assert rows[150] == ("total", "randomised")
    assert rows[148] == ("analysed", None)
    assert rows[71] == ("arm", None) and rows[77] == ("arm", None)
    assert pick_total(doc._.sample_sizes)["n"] == 150


def test_nlp_sample_size_cue_inside_the_match_labels_it(nlp):
    doc = nlp("Of 299 enrolled patients, 255 patients were evaluable for the primary analysis.")
    rows = {r["n"]: (r["kind"], r["label"]) for r in doc._.sample_sizes}
    assert rows[299] == ("total", "enrolled")
    assert pick_total(doc._.sample_sizes)["n"] == 299


def test_nlp_sample_size_pick_total_prefers_randomised_on_a_tie():
    rows = [
        {"n": 160, "kind": "total", "label": "enrolled", "strength": 2, "sentence": 0},
        {"n": 150, "kind": "total", "label": "randomised", "strength": 2, "sentence": 1},
    ]
    assert pick_total(rows)["n"] == 150
