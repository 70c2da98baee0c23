"""evidence_entities: PICO spans, adverse events, design and conclusion by rule."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

from extractor.assemble import make_doc


def _spans(doc, label):
    return [s.text for s in doc.spans["evidence"] if s.label_ == label]


def _run(nlp, text, *, title="", publication_types=()):
    doc = nlp.make_doc(text)
    doc._.title = title
    doc._.publication_types = list(publication_types)
    return nlp(doc)


@pytest.fixture(scope="module")
def seed_doc(nlp, seed_document):
    return nlp(make_doc(nlp, seed_document))


def test_nlp_entities_seed_interventions(seed_doc):
    found = _spans(seed_doc, "INTERVENTION")
    assert "IVIg" in found
    assert "intravenous immunoglobulin" in found
    assert _spans(seed_doc, "COMPARATOR") == []


def test_nlp_entities_seed_condition_population(seed_doc):
    assert "cutaneous lupus erythematosus" in _spans(seed_doc, "CONDITION")
    assert "cutaneous LE" in _spans(seed_doc, "CONDITION")
    assert _spans(seed_doc, "POPULATION") == [
        "Twelve patients with histologically confirmed cutaneous LE"
    ]
    assert seed_doc._.title_entities == {
        "intervention": "Intravenous immunoglobulin",
        "condition": "therapy-resistant cutaneous lupus erythematosus",
    }


def test_nlp_entities_seed_outcomes(seed_doc):
    outcomes = _spans(seed_doc, "OUTCOME")
    for expected in (
        "Disease assessment",
        "erythema, induration, scaling and the extent",
        "Immunological parameters indicating systemic disease activity",
        "complete or near complete clearing of their skin disease",
    ):
        assert expected in outcomes


def test_nlp_entities_seed_adverse_events(seed_doc):
    got = [(e["kind"], e["name"], e["count"], e["text"]) for e in seed_doc._.adverse_events]
    assert got == [
        ("withdrawal", "became pregnant", 1, "One patient became pregnant"),
        (
            "adverse_event",
            "acute cutaneous vasculitis",
            1,
            "One patient developed acute cutaneous vasculitis",
        ),
    ]


def test_nlp_entities_seed_design_and_conclusion(seed_doc, seed_document):
    assert seed_doc._.design == "clinical trial (single-arm)"
    conclusion = seed_doc._.conclusion
    assert conclusion["text"].startswith("Overall, therapy was well tolerated")
    assert seed_document.abstract[conclusion["start"] : conclusion["end"]] == conclusion["text"]
    assert conclusion["text"].endswith("lupus erythematosus.")


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        (
            "Patients were randomized to receive metformin or placebo.",
            "INTERVENTION",
            ["metformin"],
        ),
        ("Patients were randomized to receive metformin or placebo.", "COMPARATOR", ["placebo"]),
        ("Adults were treated with atorvastatin for a year.", "INTERVENTION", ["atorvastatin"]),
        ("Exercise training versus usual care in heart failure.", "COMPARATOR", ["usual care"]),
        (
            "Exercise training versus usual care in heart failure.",
            "INTERVENTION",
            ["Exercise training"],
        ),
        ("A double-blind, placebo-controlled study of drug X.", "COMPARATOR", []),
        ("One patient received no further therapy.", "INTERVENTION", []),
        (
            "We studied 40 patients with rheumatoid arthritis.",
            "CONDITION",
            ["rheumatoid arthritis"],
        ),
        (
            "We studied 40 patients with rheumatoid arthritis.",
            "POPULATION",
            ["40 patients with rheumatoid arthritis"],
        ),
        (
            "Serum ferritin and hemoglobin were measured at baseline.",
            "OUTCOME",
            ["Serum ferritin and hemoglobin"],
        ),
        ("The primary outcome was time to first relapse.", "OUTCOME", ["time to first relapse"]),
    ],
)
def test_nlp_entities_rules(nlp, text, label, expected):
    assert _spans(_run(nlp, text), label) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Three patients withdrew consent.", [("withdrawal", "withdrew consent", 3, None)]),
        (
            "Two participants were lost to follow-up.",
            [("withdrawal", "lost to follow-up", 2, None)],
        ),
        (
            "Three patients (7%) were lost to follow-up and two withdrew consent.",
            [
                ("withdrawal", "lost to follow-up", 3, 7.0),
                ("withdrawal", "withdrew consent", 2, None),
            ],
        ),
        (
            "Five patients discontinued treatment due to grade 3 diarrhoea.",
            [("withdrawal", "grade 3 diarrhoea", 5, None)],
        ),
        ("One patient became pregnant.", [("withdrawal", "became pregnant", 1, None)]),
        (
            "Adverse events included nausea, headache and dizziness.",
            [
                ("adverse_event", "nausea", None, None),
                ("adverse_event", "headache", None, None),
                ("adverse_event", "dizziness", None, None),
            ],
        ),
        (
            "The most common adverse events were nausea (12%) and fatigue (8%).",
            [("adverse_event", "nausea", None, 12.0), ("adverse_event", "fatigue", None, 8.0)],
        ),
        (
            "Grade 3/4 toxicities included neutropenia (n = 5), anaemia (n = 2) and febrile "
            "neutropenia in the docetaxel arm.",
            [
                ("adverse_event", "neutropenia", 5, None),
                ("adverse_event", "anaemia", 2, None),
                ("adverse_event", "febrile neutropenia", None, None),
            ],
        ),
        (
            "Adverse events (AEs) included injection-site reactions and headache, which were mild.",
            [
                ("adverse_event", "injection-site reactions", None, None),
                ("adverse_event", "headache", None, None),
            ],
        ),
        (
            "Two serious adverse events were reported.",
            [("adverse_event", "serious adverse events", 2, None)],
        ),
        (
            "Serious adverse events occurred in 4 patients.",
            [("adverse_event", "serious adverse events", 4, None)],
        ),
        ("Hypotension occurred in 6 patients (15%).", [("adverse_event", "hypotension", 6, 15.0)]),
        ("Four patients developed a rash (grade 1).", [("adverse_event", "rash", 4, None)]),
        ("Side effects were limited.", []),
        ("Adverse events were similar between groups.", []),
        ("Twelve patients reported improvement.", []),
        ("No patient developed neutropenia.", []),
        ("No serious adverse events occurred.", []),
    ],
)
def test_nlp_entities_adverse_events(nlp, text, expected):
    doc = _run(nlp, text)
    got = [(e["kind"], e["name"], e["count"], e["percent"]) for e in doc._.adverse_events]
    assert got == expected
    for e in doc._.adverse_events:
        assert doc.text[e["start"] : e["end"]] == e["text"]


@pytest.mark.parametrize(
    ("text", "types", "expected"),
    [
        (
            "We gave X.",
            ("Randomized Controlled Trial", "Journal Article"),
            "randomized controlled trial",
        ),
        (
            "In a randomised, double-blind, cross-over study we gave X or placebo.",
            (),
            "randomized crossover trial (double-blind, placebo-controlled)",
        ),
        (
            "Patients were randomly assigned to X or Y in 12 centres.",
            ("Clinical Trial",),
            "randomized controlled trial (multicentre)",
        ),
        (
            "We gave X in a crossover study.",
            ("Randomized Controlled Trial",),
            "randomized crossover trial",
        ),
        (
            "A previous randomized controlled trial reported X. We performed a case-control study.",
            (),
            "case-control study",
        ),
        ("Randomized trials are needed. We report a case of X in a man.", (), "case report"),
        (
            "We report a case.",
            ("Case Reports", "Randomized Controlled Trial"),
            "randomized controlled trial",
        ),
        ("In a randomized trial we gave X.", ("Case Reports",), "case report"),
        (
            "This retrospective cohort study followed 500 adults.",
            (),
            "cohort study (retrospective)",
        ),
        ("A cross-sectional survey of 300 nurses.", (), "cross-sectional study"),
        ("We report a case series of 8 children.", (), "case series"),
        ("We describe three patients who developed X.", (), "case series"),
        ("A 45-year-old woman developed X after Y.", (), "case report"),
        (
            "In this open-label, single-arm phase II trial, 40 patients received X.",
            (),
            "single-arm trial (open-label, phase II)",
        ),
        (
            "A non-randomised controlled trial compared X with usual care.",
            (),
            "non-randomized controlled trial",
        ),
        (
            "We did a meta-analysis of 12 randomized trials of X.",
            (),
            "systematic review/meta-analysis",
        ),
        ("We gave X.", ("Clinical Trial", "Journal Article"), "clinical trial (single-arm)"),
        ("Rats were randomly assigned to X or vehicle.", (), None),
        ("We gave X to mice.", (), None),
        ("We gave X to adults.", (), None),
    ],
)
def test_nlp_entities_design(nlp, text, types, expected):
    assert _run(nlp, text, publication_types=types)._.design == expected


def test_nlp_entities_conclusion_unstructured(nlp):
    text = "We gave X to 20 adults. Pain fell. In conclusion, X relieves pain. More work is needed."
    doc = _run(nlp, text)
    assert doc._.conclusion["text"] == "In conclusion, X relieves pain. More work is needed."


def test_nlp_entities_title_pattern(nlp):
    text = "Patients with chronic plaque psoriasis took etanercept weekly."
    doc = _run(nlp, text, title="Etanercept for chronic plaque psoriasis: a trial.")
    assert doc._.title_entities["condition"] == "chronic plaque psoriasis"
    assert "chronic plaque psoriasis" in _spans(doc, "CONDITION")
    assert "etanercept" in _spans(doc, "INTERVENTION")


def test_nlp_entities_keeps_model_ents_the_rules_missed(nlp):
    doc = nlp.make_doc("Children received zinc syrup daily and linear growth was recorded.")
    doc.ents = [Span(doc, 2, 4, label="INTERVENTION"), Span(doc, 6, 8, label="OUTCOME")]
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    model = [s for s in doc.spans["evidence"] if s.id_ == "model"]
    # the rules read "zinc" themselves, so the model's overlapping span is not added
    assert [(s.label_, s.text) for s in model] == [("OUTCOME", "linear growth")]
    assert any(s.label_ == "INTERVENTION" and "zinc" in s.text for s in doc.spans["evidence"])


def test_nlp_entities_factory_registered():
    nlp = spacy.blank("en")
    nlp.add_pipe("evidence_sections")
    nlp.add_pipe("evidence_entities", config={"max_np_words": 3})
    assert nlp.pipe_names == ["evidence_sections", "evidence_entities"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Women took vitamin D daily.", ["vitamin D"]),
        ("A vitamin-rich diet was advised.", []),
        ("An ornithine decarboxylase inhibitor was tested.", ["ornithine decarboxylase inhibitor"]),
        ("The inhibitor was tested.", []),
    ],
)
def test_nlp_entities_lexicon_heads(nlp, text, expected):
    assert _spans(_run(nlp, text), "INTERVENTION") == expected


def test_nlp_entities_title_trial_of_x_to_prevent_y(nlp):
    doc = _run(
        nlp,
        "We randomized 2972 women with early breast cancer to fenretinide or no treatment.",
        title="Randomized trial of fenretinide to prevent second breast malignancy in women.",
    )
    assert doc._.title_entities["intervention"] == "fenretinide"
    assert "fenretinide" in _spans(doc, "INTERVENTION")
    assert _spans(doc, "COMPARATOR") == ["no treatment"]


# --- arms of randomisation sentences and titles (rule "randomised") ----------------------------


def _arms(doc):
    return [(s.text, s.label_) for s in doc.spans["evidence"] if s.id_.endswith(".randomised")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # two arms, no control word: the second one named is the comparator
        (
            "Patients were randomly assigned to lapatinib or trastuzumab.",
            [("lapatinib", "INTERVENTION"), ("trastuzumab", "COMPARATOR")],
        ),
        # "A plus B or B alone": B alone is the control
        (
            "Women were randomized to receive letrozole plus palbociclib or letrozole alone.",
            [("letrozole plus palbociclib", "INTERVENTION"), ("letrozole", "COMPARATOR")],
        ),
        # placebo first is still the comparator; the dose is not part of the name
        (
            "Patients were randomised to placebo or celecoxib 400 mg daily for 6 months.",
            [("placebo", "COMPARATOR"), ("celecoxib", "INTERVENTION")],
        ),
        # sizes inside the list do not split or join arms
        (
            "Children were randomised to surgery (n = 50), radiotherapy (n = 48) or "
            "observation (n = 51).",
            [
                ("surgery", "INTERVENTION"),
                ("radiotherapy", "INTERVENTION"),
                ("observation", "COMPARATOR"),
            ],
        ),
        # "442 to A and 443 to B"
        (
            "Of the 885 patients, 442 were assigned to the high-dose group and 443 to the "
            "conventional-dose group.",
            [("high-dose", "INTERVENTION"), ("conventional-dose", "COMPARATOR")],
        ),
        # "We compared A with B"
        (
            "We compared exemestane with tamoxifen in postmenopausal women.",
            [("exemestane", "INTERVENTION"), ("tamoxifen", "COMPARATOR")],
        ),
        # title "A versus B" (the first sentence when no title is given)
        (
            "Lapatinib versus trastuzumab in HER2-positive breast cancer. Patients were treated.",
            [("Lapatinib", "INTERVENTION"), ("trastuzumab", "COMPARATOR")],
        ),
        # no treatment / usual care
        (
            "Patients were randomly allocated to exercise training or usual care.",
            [("exercise training", "INTERVENTION"), ("usual care", "COMPARATOR")],
        ),
    ],
)
def test_nlp_entities_randomised_arms(nlp, text, expected):
    assert _arms(_run(nlp, text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Patients were randomly assigned to A or B.",  # single letters
        "Patients were randomly assigned to 2 g/kg or 1 g/kg.",  # dose fragments
        "Patients were randomized to with or without.",  # stop words
        "Treatment prolonged median progression-free survival compared with placebo.",
        "Patients were randomised to two groups.",  # no arm named
    ],
)
def test_nlp_entities_randomised_arms_reject_junk(nlp, text):
    assert _arms(_run(nlp, text)) == []


def test_nlp_entities_title_versus_arms(nlp):
    doc = _run(
        nlp,
        "Patients received lapatinib or trastuzumab with chemotherapy. Lapatinib was better.",
        title="Lapatinib versus trastuzumab for breast cancer",
    )
    assert ("trastuzumab", "COMPARATOR") in _arms(doc)


def test_assemble_arms_roles_sizes_and_dedupe(nlp):
    from extractor.assemble import extract_evidence
    from extractor.records import Document

    text = (
        "Patients (n = 200) were randomly assigned to receive lapatinib (n = 101) or "
        "trastuzumab (n = 99). Response was seen in 40 (40%) lapatinib patients and 30 (30%) "
        "trastuzumab patients."
    )
    ev = extract_evidence(Document(title="", abstract=text), nlp)
    got = {(i.name, i.role, i.n) for i in ev.interventions}
    assert got == {("lapatinib", "intervention", 101), ("trastuzumab", "comparator", 99)}

    text = (
        "Women were randomised to tamoxifen plus ovarian function suppression (OFS) or "
        "tamoxifen alone. Without OFS, relapse was common; tamoxifen plus OFS reduced relapse."
    )
    ev = extract_evidence(Document(title="", abstract=text), nlp)
    roles = {i.name: i.role for i in ev.interventions}
    assert roles.get("tamoxifen") == "comparator"
    assert "Without" not in roles and "without" not in roles
    combos = [n for n in roles if "plus" in n]
    assert len(combos) == 1 and roles[combos[0]] == "intervention"
