"""evidence_sample_size: counts of people, with number words, and what kind of count."""

from __future__ import annotations

import pytest

from extractor.nlp.common import parse_count
from extractor.nlp.sample_size import parse_sample_count, pick_total, stated_total


def _arm_sizes(doc) -> list[int]:
    """The arm sizes read from ``doc``, in text order."""
    return [r["n"] for r in doc._.sample_sizes if r["kind"] == "arm"]


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
    assert _arm_sizes(nlp(text)) == arms


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
    assert _arm_sizes(nlp(text)) == arms


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
    assert _arm_sizes(nlp(text)) == []


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


@pytest.mark.parametrize(
    ("text", "arms"),
    [
        # bracketed or colon lists that add up to the count stated before them
        (
            "Four hundred and thirty-three patients were randomized (TAM 217, follow-up 216).",
            [217, 216],
        ),
        (
            "In 2004, 1066 patients were enrolled: E → CMF 440, CMF → E 438, and CMF 188.",
            [440, 438, 188],
        ),
        ("In all, 130 participants were recruited (CBT:63, control:67).", [63, 67]),
        (
            "Overall, 726 patients were randomly assigned (484, ribociclib; 242, placebo).",
            [484, 242],
        ),
        (
            "Of 82 patients, 73 (89%) were evaluable for the endpoint (36 in AC, 37 in WL).",
            [36, 37],
        ),
        # elliptical lists after a treatment verb
        ("Thirty patients started with venlafaxine and 30 with clonidine.", [30, 30]),
        ("Thirty-three received clonidine and 31 venlafaxine, nine stopped early.", [33, 31]),
        # group sizes stated together or "each"
        ("The TC6 and T-FEC group consisted of 22 and 21 patients, respectively.", [22, 21]),
        ("Patients were randomly divided; each group contained 36 subjects.", [36]),
        ("Twenty women were assigned to each study arm.", [20]),
        ("Of 382 eligible patients, 191 + 191 patients were randomised to A or B.", [191, 191]),
        ("DNA was collected from 729 and 724 patients, respectively, from both arms.", [729, 724]),
        # role words before a count
        ("Comparing 23 experimental and 26 control patients, pain did not differ.", [23, 26]),
        ("The study included 1724 black cases and 1233 controls.", [1724, 1233]),
        ("Intervention dyads (n = 69) completed a checklist.", [69]),
        (
            "Outcomes by arm (exercise group, n = 207, 65% urban; usual care group, n = 130).",
            [207, 130],
        ),
        ("Patients were randomized to the NAC group {n=50; 1200 mg} or placebo {n=50}.", [50, 50]),
        (
            "Participants were randomized to control (<75 minutes per week; 41 patients) or "
            "exercise (150 minutes per week; 38 patients) groups.",
            [41, 38],
        ),
        ("Women were randomly assigned to A (1449 analysed) or B (1489 analysed).", [1449, 1489]),
        (
            "674 patients were analysed in the control group, 673 in the reduced-dose group.",
            [674, 673],
        ),
        (
            "In 2009, 40 women were enrolled and 34 (26 Poly E, eight placebo) were evaluable.",
            [26, 8],
        ),
        ("From 2007 to 2012, 39 females received B-RT and 45 received RT alone.", [39, 45]),
        (
            "Comparing 23 experimental and 26 control patients, the pain experienced was similar.",
            [23, 26],
        ),
        # denominators of compared fractions: "N (x%) of M", "x% of M women", "N:19/36"
        (
            "More women in group A (N:19/36; 52.8%) than in group B (N:14/48; 29.2%) improved.",
            [36, 48],
        ),
        (
            "At 18 months, 62 (27%) of 231 patients survived with epoetin and 63 (27%) of 232 "
            "with control.",
            [231, 232],
        ),
        (
            "In the intervention group, 23.2% of 203 women made an informed choice compared to "
            "0.5% of 197 women in the control group.",
            [203, 197],
        ),
        # denominators of compared fractions whose first count is a capitalised number word
        ("Eleven of 22 responded with drug A versus four of 20 with placebo.", [22, 20]),
        # "k [p%] in N" compared between two groups
        (
            "After five years, relapse was seen in 30 [5.0%] in 600 women on drug A vs 45 [7.4%] "
            "in 610 on drug B, respectively.",
            [600, 610],
        ),
        # a range of cycles is not "six (patients) to <arm>"
        (
            "One hundred twenty patients were randomly assigned to A (n = 58) or B (n = 62) within "
            "2 to 4 weeks of completing six to eight cycles of chemotherapy.",
            [58, 62],
        ),
    ],
)
def test_nlp_sample_size_more_arm_forms(nlp, text, arms):
    assert _arm_sizes(nlp(text)) == arms


@pytest.mark.parametrize(
    "text",
    [
        # counts of people with an outcome per arm
        "During follow-up, 34 women allocated to IORT and 31 to EBRT died (p=0.59).",
        "After 11 years, 136 women (74 placebo, 62 tamoxifen) developed breast cancer.",
        "A total of 205 patients (50.9%; 103 in the placebo and 102 in the other arm) had nausea.",
        "Expected cases were 43 in the no axillary treatment group and 10 in the RT group.",
        "At randomisation, 13 patients were in complete response, 47 in partial response.",
        "Most patients (67 patients receiving A [93%]; 61 patients receiving B [90%]) exhibited "
        "a response.",
        # "(n = X)" counting events or a subpopulation
        "Overall, 214 RFS events occurred (recurrences or deaths; TX, n = 96; TC, n = 118).",
        "In patients with centrally confirmed receptor positivity (n = 150), PFS was 5.6 months.",
        # fractions of other studies, of one group, or the whole of two others
        "SSI was 7.2% (21/292) in the prospective trial compared with 6.8% (46/672) in the "
        "retrospective cohort.",
        "Events were FN (8/142), hospitalization (6/142) and dose reduction (18/142).",
        "A total of 118 patients underwent efficacy analysis.",
        # strata, statistics and sample size calculations
        "Among 1822 randomized patients (855 with breast cancer, 689 with prostate cancer, and "
        "278 with myeloma), 795 completed the study.",
        "The sample size (197 patients per arm) was based on a 30% decrease in events.",
        "Reductions were 21% (95% CI 12 to 30) and 15% (1 to 29) in the placebo group.",
        "Two hundred and one TNBC patients underwent modified radical mastectomy.",
        # "a total of" marks the whole of a study, even when two of them add up to a count
        "Overall, 13,000 women took part. A total of 9,000 women with a uterus were randomized "
        "to A or placebo, and 4,000 women without a uterus were randomized to B or placebo.",
        # the split of a group counted for an outcome
        "Only 7 patients (6%) met the criteria for chronic pain; 4 were in the A group and 3 in "
        "the B group.",
    ],
)
def test_nlp_sample_size_more_not_arms(nlp, text):
    assert _arm_sizes(nlp(text)) == []


def test_nlp_sample_size_arm_count_with_n_arms_is_the_total(nlp):
    doc = nlp(
        "One hundred seventy-nine eligible patients were randomly assigned to receive oral "
        "marimastat (10 mg bid; n = 114) or a placebo (n = 65)."
    )
    rows = {r["n"]: r["kind"] for r in doc._.sample_sizes}
    assert rows[179] == "total" and rows[114] == "arm" and rows[65] == "arm"
    assert pick_total(doc._.sample_sizes)["n"] == 179


def test_nlp_sample_size_subpopulation_is_a_weak_total(nlp):
    doc = nlp(
        "We conducted a one-group study among women with non-metastatic breast cancer (n = 105)."
    )
    assert [(r["n"], r["kind"]) for r in doc._.sample_sizes] == [(105, "total")]
    assert pick_total(doc._.sample_sizes)["n"] == 105


def test_nlp_sample_size_one_in_a_bracket_is_not_a_listed_count(nlp):
    # 95 + "one model tablet" must not read as a breakdown of 96
    doc = nlp(
        "The remaining 96 patients were divided into two groups: group A (n = 95, treated "
        "with X and one model tablet of Y)."
    )
    assert _arm_sizes(doc) == [95]


def test_nlp_sample_size_counts_at_time_points_are_analysed(nlp):
    doc = nlp(
        "Blood was drawn at baseline (n = 80), after three cycles of therapy (n = 72) and at the "
        "time of surgery (n = 65)."
    )
    assert [(r["n"], r["kind"]) for r in doc._.sample_sizes] == [
        (80, "analysed"),
        (72, "analysed"),
        (65, "analysed"),
    ]


def test_nlp_sample_size_stated_total_is_not_a_sum_of_arms():
    arms = [{"n": 50, "kind": "arm", "start": 0}, {"n": 48, "kind": "arm", "start": 9}]
    assert pick_total(arms)["n"] == 98
    assert stated_total(arms) is None  # the learned arm check must not see 98 as stated
    assert stated_total([{"n": 98, "kind": "total", "start": 0, "strength": 2}, *arms]) == 98


def test_nlp_sample_size_learned_check_keeps_the_rules_total(nlp):
    # the learned check (models/arm-sizes) adds 23 as an arm; the total stays the stated 46
    doc = nlp(
        "METHODS: Forty-six women were randomly divided into 2 groups. Twenty-three underwent "
        "the LYMPHA technique and 23 did not."
    )
    assert _arm_sizes(doc) == [23]
    assert pick_total(doc._.sample_sizes)["n"] == 46
