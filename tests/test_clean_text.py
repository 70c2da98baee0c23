"""The text cleaner: the seed page and small hand-written fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor.clean import clean_html, clean_text
from extractor.clean.sections import split_inline_headings, split_sections
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
