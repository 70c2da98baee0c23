"""The text cleaner: the seed page and small hand-written fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor.clean import clean_html, clean_text
from extractor.clean.sections import split_inline_headings, split_sections
from extractor.clean.text import is_boilerplate, strip_trailing_notes
from extractor.errors import BlockedPageError, NoAbstractError

SEED_TITLE = (
    "Intravenous immunoglobulin (IVIg) for therapy-resistant cutaneous lupus erythematosus (LE)."
)

PURE_STRUCTURED = """BACKGROUND: Statins lower cholesterol in adults at risk of heart disease.
METHODS: We randomised 400 adults to atorvastatin 20 mg daily or placebo for two years.
RESULTS: LDL cholesterol fell by 40% with atorvastatin; adverse events were similar in both groups.
CONCLUSIONS: Atorvastatin lowered LDL cholesterol safely in this population of adults.
"""

UNSTRUCTURED = """Vitamin D supplements for preventing falls in older people

We enrolled 120 older adults living at home and gave them vitamin D or placebo for a year.
Falls were recorded monthly by diary. Fewer falls occurred in the vitamin D group than in the
placebo group, although the difference was small and not statistically significant overall.
"""

PUBMED_COPY = """Randomized Controlled Trial
Lancet. 2020 Jan 4;395(10219):123-130. doi: 10.1016/S0140-6736(19)32000-1. Epub 2019 Dec 1.
Topiramate versus placebo for chronic migraine in adults: a randomised trial
Anna Berg 1, Carl Dahl 2, Eva Frisk 3
Affiliations expand
PMID: 31234567
Abstract
Background: Chronic migraine is disabling and few preventive drugs have been tested in trials.
Methods: We randomly assigned 240 adults to topiramate 100 mg daily or placebo for 16 weeks.
Findings: Monthly migraine days fell by 3.1 with topiramate and by 1.2 with placebo (p<0.001).
Interpretation: Topiramate reduced migraine days; paraesthesia was the main adverse event.
Keywords: migraine; topiramate.
Copyright © 2020 Elsevier Ltd. All rights reserved.
Similar articles
Another trial of something else entirely, listed as a related article on the page here.
"""

CHALLENGE = """Just a moment...
Checking your browser before accessing the site.
Please verify you are human to continue.
"""


@pytest.fixture(scope="module")
def seed_text(seed_path: Path) -> str:
    return seed_path.read_text("utf-8")


def test_clean_text_seed_publication_types(seed_text: str) -> None:
    doc = clean_text(seed_text)
    assert doc.publication_types == ("Clinical Trial", "Journal Article")


def test_clean_text_seed_title(seed_text: str) -> None:
    assert clean_text(seed_text).title == SEED_TITLE


def test_clean_text_seed_sections(seed_text: str) -> None:
    doc = clean_text(seed_text)
    labels = [s.label for s in doc.sections]
    assert labels == ["BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"]
    for sec in doc.sections:
        body = doc.abstract[sec.start : sec.end]
        assert body and not body.startswith(" ") and ":" not in body[:1]
        assert doc.abstract[: sec.start].endswith(": ")
    assert doc.abstract.startswith("BACKGROUND: A group of patients")
    assert doc.abstract.count("\n\n") == 4


def test_clean_text_seed_has_no_boilerplate(seed_text: str) -> None:
    abstract = clean_text(seed_text).abstract
    for pattern in (r"\blike\b", r"mobile app", r"copyright", r"full text links", r"privacy",
                    r"\bCME\b", r"log(?:ging)? in", r"related resources"):  # fmt: skip
        assert not re.search(pattern, abstract, re.I), pattern


def test_clean_text_pure_structured_abstract() -> None:
    doc = clean_text(PURE_STRUCTURED)
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.title == ""
    assert doc.publication_types == ()


def test_clean_text_unstructured_abstract() -> None:
    doc = clean_text(UNSTRUCTURED)
    assert doc.title == "Vitamin D supplements for preventing falls in older people"
    assert doc.sections == ()
    assert doc.abstract.startswith("We enrolled 120 older adults")


def test_clean_text_pubmed_copy_paste() -> None:
    doc = clean_text(PUBMED_COPY)
    assert doc.publication_types == ("Randomized Controlled Trial",)
    assert doc.title.startswith("Topiramate versus placebo for chronic migraine")
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.pmid == "31234567" and doc.doi == "10.1016/S0140-6736(19)32000-1"
    assert "Keywords" not in doc.abstract and "Copyright" not in doc.abstract
    assert "Another trial" not in doc.abstract


def test_clean_text_challenge_page_is_blocked() -> None:
    with pytest.raises(BlockedPageError):
        clean_text(CHALLENGE)


def test_clean_text_no_prose_raises() -> None:
    with pytest.raises(NoAbstractError):
        clean_text("Home\nMenu\nSearch\nSign in\n")


def test_clean_text_metadata_lines() -> None:
    doc = clean_text(UNSTRUCTURED + "\nPMID: 12345678\nDOI: 10.1000/xyz.123\n")
    assert doc.pmid == "12345678"
    assert doc.doi == "10.1000/xyz.123"


def test_sections_inline_headings_in_one_paragraph() -> None:
    text = "BACKGROUND: Some context here. METHODS: We did things. RESULTS: It worked well."
    abstract, sections = split_sections(split_inline_headings(text))
    assert [s.label for s in sections] == ["BACKGROUND", "METHODS", "RESULTS"]
    assert abstract.split("\n\n")[1] == "METHODS: We did things."
    assert abstract[sections[2].start : sections[2].end] == "It worked well."


def test_sections_synonyms_are_normalised() -> None:
    pairs = [
        ("Aims", "To test x."),
        ("Patients and methods", "We did y."),
        ("Interpretation", "z."),
    ]
    abstract, sections = split_sections(pairs)
    assert [s.label for s in sections] == ["OBJECTIVE", "METHODS", "CONCLUSIONS"]
    assert abstract.startswith("Aims: To test x.")


def test_clean_html_structured_strong_labels() -> None:
    html = """<html><head><title>T</title><meta name="citation_title" content="A trial">
    <meta name="citation_doi" content="https://doi.org/10.1000/ABC"></head><body>
    <div id="abstract"><h2>Abstract</h2>
    <p><strong class="sub-title">Background:</strong> Hypertension is common and untreated.</p>
    <p><strong>Methods:</strong> We randomised 300 adults to drug A or placebo.</p>
    <p><b>Results:</b> BP fell by 10 mm Hg with CO<sub>2</sub> unchanged.</p>
    </div></body></html>"""
    doc = clean_html(html)
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS"]
    assert "CO2 unchanged" in doc.abstract
    assert doc.doi == "10.1000/ABC"
    assert doc.title == "A trial"
    assert not doc.abstract.lower().startswith("abstract")


# --- plain-text abstracts: layouts, trailing notes, furniture judged by what a line is ----------

OWN_LINE = """Topiramate versus placebo for chronic migraine in adults

BACKGROUND:
Chronic migraine is disabling and few preventive drugs have been tested in randomised trials.

METHODS:
We randomly assigned 240 adults to topiramate 100 mg daily or placebo for 16 weeks.

RESULTS:
Monthly migraine days fell by 3.1 with topiramate and by 1.2 with placebo (p<0.001).

CONCLUSIONS:
Topiramate reduced migraine days; paraesthesia was the main adverse event. \
© 2016 John Wiley & Sons, Ltd.
"""

COCHRANE = "\n".join(
    [
        "Antibiotics for acute otitis media in children",
        "",
        "BACKGROUND: Acute otitis media is common in children and often treated with antibiotics.",
        "OBJECTIVES: To assess the effects of antibiotics for children with acute otitis media.",
        "SEARCH STRATEGY: We searched the Cochrane Acute Respiratory Infections Group's "
        "Specialised Register, CENTRAL and MEDLINE up to 2015, and used a mobile app to log "
        "citations.",
        "SELECTION CRITERIA: Randomised controlled trials comparing antibiotics with placebo.",
        "DATA COLLECTION AND ANALYSIS: Two review authors independently assessed trial quality.",
        "MAIN RESULTS: Antibiotics reduced pain at two to three days in the children included.",
        "AUTHORS' CONCLUSIONS: Antibiotics have a small benefit for pain, weighed against harms.",
    ]
)

ONE_LINE = (
    "Aspirin for the primary prevention of cardiovascular events in older adults\n\n"
    "We randomised 19114 adults aged 70 years or older to aspirin 100 mg daily or placebo and "
    "followed them for a median of 4.7 years. Aspirin did not reduce cardiovascular disease "
    "and led to more major haemorrhage than placebo. {tail}\n"
)


def test_clean_text_headings_on_their_own_line() -> None:
    doc = clean_text(OWN_LINE)
    assert doc.title == "Topiramate versus placebo for chronic migraine in adults"
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert doc.abstract.startswith("BACKGROUND: Chronic migraine is disabling")
    assert doc.abstract.endswith("paraesthesia was the main adverse event.")
    for sec in doc.sections:
        assert doc.abstract[sec.start : sec.end] and doc.abstract[: sec.start].endswith(": ")


def test_clean_text_headings_without_colon_pdf_style() -> None:
    text = OWN_LINE.replace("BACKGROUND:\n", "Background\n").replace("METHODS:\n", "METHODS\n")
    doc = clean_text(text)
    assert [s.label for s in doc.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_clean_text_cochrane_sections_are_all_kept() -> None:
    doc = clean_text(COCHRANE)
    assert [s.label for s in doc.sections] == [
        "BACKGROUND",
        "OBJECTIVE",
        "SEARCH STRATEGY",
        "SELECTION CRITERIA",
        "DATA COLLECTION AND ANALYSIS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert "Specialised Register" in doc.abstract and "mobile app" in doc.abstract


@pytest.mark.parametrize(
    ("tail", "gone"),
    [
        ("© 2016 John Wiley & Sons, Ltd.", "Wiley"),
        ("Copyright © 2019 Elsevier Ltd. All rights reserved.", "Elsevier"),
        ("Trial registration: ClinicalTrials.gov NCT01234567. Registered 3 March 2015.", "NCT"),
        ("Funding: National Institute for Health Research (grant 12/34/56).", "12/34/56"),
        ("This trial was registered at ClinicalTrials.gov as NCT01234567.", "NCT"),
        (
            "This is an open access article distributed under the terms of the Creative Commons "
            "Attribution License, which permits unrestricted use, provided the original work is "
            "properly cited.",
            "Creative Commons",
        ),
        ("© 2016 The Authors. Clinical Endocrinology published by John Wiley & Sons Ltd.", "Wiley"),
    ],
)
def test_clean_text_one_line_abstract_loses_only_the_trailing_note(tail: str, gone: str) -> None:
    doc = clean_text(ONE_LINE.format(tail=tail))
    assert doc.title.startswith("Aspirin for the primary prevention")
    assert doc.abstract.startswith("We randomised 19114 adults")
    assert doc.abstract.endswith("more major haemorrhage than placebo.")
    assert gone not in doc.abstract


def test_clean_text_registration_section_is_kept() -> None:
    text = (
        PURE_STRUCTURED
        + "TRIAL REGISTRATION: ClinicalTrials.gov NCT01234567. Registered 3 March 2015.\n"
    )
    doc = clean_text(text)
    assert doc.sections[-1].label == "TRIAL REGISTRATION"
    assert doc.abstract.endswith("NCT01234567. Registered 3 March 2015.")


def test_clean_text_copyright_line_after_abstract_is_dropped() -> None:
    doc = clean_text(PURE_STRUCTURED + "Copyright © 2020 Elsevier Ltd. All rights reserved.\n")
    assert "Elsevier" not in doc.abstract


def test_clean_text_short_first_section_without_heading_is_kept() -> None:
    text = (
        "Hemodynamic monitoring in cardiogenic shock\n\n"
        "This review provides insight into hemodynamic monitoring in cardiogenic shock.\n\n"
        + UNSTRUCTURED.split("\n\n", 1)[1]
    )
    doc = clean_text(text)
    assert doc.title == "Hemodynamic monitoring in cardiogenic shock"
    assert doc.abstract.startswith("This review provides insight")


def test_clean_text_acronym_title_is_not_a_section() -> None:
    doc = clean_text("VMAP: Vaginal Microbiome Atlas during Pregnancy.\n\n" + PURE_STRUCTURED)
    assert doc.title == "VMAP: Vaginal Microbiome Atlas during Pregnancy."
    assert doc.sections[0].label == "BACKGROUND"


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Add to saved papers", True),
        ("Full text links", True),
        ("Sign in", True),
        ("Download the app from Google Play", True),
        ("Copyright © 2020 Elsevier Ltd. All rights reserved.", True),
        ("© 2016 John Wiley & Sons, Ltd.", True),
        ("By using this service, you agree to our terms of use and privacy policy.", True),
        ("We searched the Cochrane Trials Register and MEDLINE for randomised trials of "
         "antibiotics in children with acute otitis media up to March 2015.", False),
        ("Participants were asked to record symptoms in a mobile app every day for twelve weeks, "
         "and adherence was checked at each clinic visit by the study nurses.", False),
        ("Follow-up was 12 months.", False),
        ("Aspirin did not reduce events in older adults. © 2016 John Wiley & Sons, Ltd.", False),
    ],
)  # fmt: skip
def test_clean_text_boilerplate_is_judged_by_what_a_line_is(line: str, furniture: bool) -> None:
    assert is_boilerplate(line) is furniture


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Drug A worked. © 2016 Wiley.", "Drug A worked."),
        ("Drug A worked. Registered nurses gave it.", "Drug A worked. Registered nurses gave it."),
        ("Drug A worked. Supported by the data.", "Drug A worked. Supported by the data."),
        ("© 2016 Wiley. All rights reserved.", ""),
        (
            "Trial registration: NCT01234567. Registered 3 March 2015.",
            "Trial registration: NCT01234567. Registered 3 March 2015.",
        ),
        (
            "CONCLUSIONS: Drug A worked. FUNDING: NIH grant R01.",
            "CONCLUSIONS: Drug A worked. FUNDING: NIH grant R01.",
        ),
    ],
)
def test_clean_text_strip_trailing_notes(paragraph: str, expected: str) -> None:
    assert strip_trailing_notes(paragraph) == expected


def test_clean_text_cochrane_mixed_case_headings() -> None:
    text = COCHRANE
    for caps, mixed in [
        ("BACKGROUND", "Background"),
        ("SEARCH STRATEGY", "Search strategy"),
        ("SELECTION CRITERIA", "Selection criteria"),
        ("DATA COLLECTION AND ANALYSIS", "Data collection and analysis"),
        ("AUTHORS' CONCLUSIONS", "Authors' conclusions"),
    ]:
        text = text.replace(f"{caps}:", f"{mixed}:")
    labels = [s.label for s in clean_text(text).sections]
    assert "SEARCH STRATEGY" in labels and "DATA COLLECTION AND ANALYSIS" in labels
    assert labels[-1] == "CONCLUSIONS" and len(labels) == 7
