"""The HTML evidence card: every character of the abstract once, every field linked to its span.

The seed page goes through the real pipeline; the card is then read back with the standard
library's ``html.parser`` (the text of ``#abstract`` with its tags stripped must be the abstract)
and with ``lxml.html`` for the structure (marks, ids, links).
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from comparison_sample import remifentanil_record, remifentanil_studies

from extractor import extract
from extractor.assemble import extract_many
from extractor.card import Mark, collect_marks, render_card
from extractor.records import Document, Dose, Evidence, Intervention, Section, Span
from extractor.sources import load_documents


class _AbstractText(HTMLParser):
    """Character data inside the element with ``id="abstract"``, tags dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or ("id", "abstract") in attrs:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def stripped_abstract(card: str) -> str:
    parser = _AbstractText()
    parser.feed(card)
    parser.close()
    return "".join(parser.parts)


def span_texts(tree: Any) -> dict[str, str]:
    """``span-N`` → the text of all pieces of mark N (a crossing span is cut in pieces)."""
    out: dict[str, str] = {}
    for el in tree.xpath('//div[@id="abstract"]//mark[@data-span]'):
        key = f"span-{el.get('data-span')}"
        out[key] = out.get(key, "") + el.text_content()
    return out


def field_links(tree: Any, label: str) -> list[Any]:
    return tree.xpath(f'//aside//a[contains(concat(" ", @class, " "), " l-{label} ")]')


def check_card(record: Evidence) -> Any:
    """Render, check the invariants every card keeps, return the parsed tree."""
    card = render_card(record)
    abstract = record.document.abstract
    assert stripped_abstract(card) == abstract
    tree = lxml.html.fromstring(card)
    assert tree.get_element_by_id("abstract").text_content() == abstract
    ids = set(tree.xpath("//@id"))
    for href in tree.xpath("//a/@href"):
        assert not href.startswith("#") or href[1:] in ids, href
    for key, text in span_texts(tree).items():
        mark = tree.get_element_by_id(key)
        assert text, key
        assert mark.get("title")
    return tree


@pytest.fixture(scope="module")
def seed_record(seed_path: Path, nlp: Any) -> Evidence:
    return extract(str(seed_path), nlp=nlp)


@pytest.fixture(scope="module")
def seed_card(seed_record: Evidence) -> str:
    return render_card(seed_record)


# --- the seed record -------------------------------------------------------------------------


def test_card_seed_strips_back_to_the_abstract(seed_record: Evidence, seed_card: str) -> None:
    assert seed_card.startswith("<!DOCTYPE html>")
    assert stripped_abstract(seed_card) == seed_record.document.abstract
    check_card(seed_record)


@pytest.mark.parametrize(
    ("label", "items"),
    [
        ("DOSE", lambda r: [d for arm in r.interventions for d in arm.doses]),
        ("RESULT", lambda r: [x for o in r.outcomes for x in o.results]),
        ("ADVERSE_EVENT", lambda r: list(r.adverse_events)),
        ("OUTCOME", lambda r: [o for o in r.outcomes if o.start is not None]),
    ],
)
def test_card_seed_fields_link_to_their_highlight(
    seed_record: Evidence, seed_card: str, label: str, items: Any
) -> None:
    tree = lxml.html.fromstring(seed_card)
    texts = span_texts(tree)
    expected = items(seed_record)
    assert expected, f"the seed has no {label}"
    abstract = seed_record.document.abstract
    targets = [a.get("href")[1:] for a in field_links(tree, label)]
    for target in targets:
        mark = tree.get_element_by_id(target)
        assert f"l-{label}" in mark.get("class").split()
        assert label in mark.get("title")
    # the panel groups adverse events before withdrawals, so compare regardless of order
    assert sorted(texts[t] for t in targets) == sorted(abstract[i.start : i.end] for i in expected)


def test_card_seed_dose_panel(seed_card: str) -> None:
    tree = lxml.html.fromstring(seed_card)
    doses = [a.text_content() for a in field_links(tree, "DOSE")]
    assert doses[0].startswith("1 g/kg ×2") and "(loading)" in doses[0]
    assert doses[1].startswith("400 mg/kg monthly") and "(maintenance)" in doses[1]
    arm = field_links(tree, "INTERVENTION")[0]
    assert arm.text_content() == "IVIg"


def test_card_seed_population_and_events(seed_record: Evidence, seed_card: str) -> None:
    tree = lxml.html.fromstring(seed_card)
    (pop,) = field_links(tree, "POPULATION")
    assert pop.text_content() == seed_record.population.description
    (condition,) = field_links(tree, "CONDITION")
    assert condition.text_content() == "cutaneous lupus erythematosus"
    (size,) = field_links(tree, "SAMPLE_SIZE")
    assert size.text_content() == "12 total"
    aside = tree.xpath("//aside")[0].text_content()
    assert "acute cutaneous vasculitis" in aside and "Withdrawals" in aside
    assert "clinical trial (single-arm)" in aside


def test_card_seed_sections_and_legend(seed_card: str) -> None:
    tree = lxml.html.fromstring(seed_card)
    heads = tree.xpath('//div[@id="abstract"]//b[contains(@class, "sec-head")]')
    assert [h.text_content() for h in heads] == [
        "BACKGROUND:",
        "OBJECTIVE:",
        "METHODS:",
        "RESULTS:",
        "CONCLUSION:",
    ]
    assert heads[-1].get("title") == "CONCLUSIONS"
    legend = tree.xpath('//p[@class="legend"]')[0].text_content()
    for name in ("dose", "result", "adverse event", "sample size", "condition"):
        assert name in legend


def test_card_seed_tooltips_name_label_and_rule(seed_card: str) -> None:
    tree = lxml.html.fromstring(seed_card)
    titles = {m.get("title") for m in tree.xpath("//mark[@id]")}
    assert "DOSE · evidence_dosing (rule)" in titles
    assert "RESULT · evidence_results (rule)" in titles


def test_card_seed_is_self_contained(seed_record: Evidence) -> None:
    doc = dataclasses.replace(seed_record.document, pmid="12345", doi="10.1000/a<b>&c")
    card = render_card(dataclasses.replace(seed_record, document=doc))
    tree = lxml.html.fromstring(card)
    assert not tree.xpath("//script | //link | //img | //iframe | //object | //@src")
    assert "@import" not in card and "url(" not in card
    hrefs = tree.xpath("//a/@href")
    assert "https://pubmed.ncbi.nlm.nih.gov/12345/" in hrefs
    assert "https://doi.org/10.1000/a%3Cb%3E%26c" in hrefs
    external = [h for h in hrefs if not h.startswith("#")]
    assert len(re.findall("http", card)) == len(external) == 2


# --- constructed records ---------------------------------------------------------------------


def _record(abstract: str, spans: tuple[Span, ...] = (), **fields: Any) -> Evidence:
    doc = Document(title=fields.pop("title", "A trial"), abstract=abstract)
    return Evidence(id="sha:test", document=doc, spans=spans, **fields)


def test_card_escapes_hostile_text() -> None:
    abstract = "BACKGROUND: <script>alert(1)</script> & 5 mg \"x\" 'y' <b>bold</b>"
    at = abstract.index("5 mg")
    record = _record(
        abstract,
        spans=(
            Span('"><script>alert(2)</script>', "5 mg", at, at + 4, "<script>alert(3)</script>"),
        ),
        title="<script>alert(4)</script> & co",
        interventions=(
            Intervention(
                "<script>alert(5)</script>", 0, 4, doses=(Dose(5, "mg", "5 mg", at, at + 4),)
            ),
        ),
        conclusion="<img src=x onerror=alert(6)>",
    )
    card = render_card(record)
    assert "<script" not in card and "<img" not in card and "<b>bold" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in card
    assert "&lt;script&gt;alert(4)&lt;/script&gt; &amp; co" in card
    check_card(record)


def test_card_overlapping_spans_keep_every_character_once() -> None:
    abstract = "Aspirin 100 mg daily reduced pain in 40 adults."
    spans = (
        Span("INTERVENTION", "Aspirin 100 mg", 0, 14, "model"),
        Span("DOSE", "100 mg daily", 8, 20, "evidence_dosing"),
        Span("RESULT", "mg daily reduced pain", 12, 33, "evidence_results"),
        Span("OUTCOME", "pain", 29, 33, "evidence_entities.trigger"),
        Span("CONDITION", "pain", 29, 33, "evidence_entities.lexicon"),  # same range, 2 labels
        Span("SAMPLE_SIZE", "40 adults", 37, 46, "evidence_sample_size"),
        Span("POPULATION", "40 adults.", 37, 47, "model", confidence=0.87),  # to the very end
        Span("DOSE", "bad", 40, 99, "rules"),  # outside the abstract: dropped
        Span("DOSE", "", 5, 5, "rules"),  # empty: dropped
    )
    record = _record(abstract, spans)
    tree = check_card(record)
    texts = span_texts(tree)
    marks = collect_marks(record)
    assert len(marks) == 7
    for i, mark in enumerate(marks):
        assert texts[f"span-{i}"] == abstract[mark.start : mark.end], mark
    pieces = tree.xpath('//mark[contains(concat(" ", @class, " "), " cont ")]')
    assert pieces, "crossing spans are continued in a second element"
    assert "POPULATION · model (model) · 0.87" in {m.get("title") for m in tree.xpath("//mark")}


def test_card_marks_merge_fields_with_their_spans() -> None:
    abstract = "Patients took drug X 5 mg daily."
    at = abstract.index("5 mg daily")
    dose = Dose(5, "mg", "5 mg daily", at, at + 10, frequency="daily", source="evidence_dosing")
    record = _record(
        abstract,
        spans=(Span("DOSE", "5 mg daily", at, at + 10, "evidence_dosing"),),
        interventions=(Intervention("drug X", 14, 20, doses=(dose,), role="comparator"),),
    )
    assert collect_marks(record) == (
        Mark("COMPARATOR", 14, 20, "rules"),
        Mark("DOSE", at, at + 10, "evidence_dosing"),
    )
    tree = check_card(record)
    (link,) = field_links(tree, "DOSE")
    assert link.get("href") == "#span-1" and link.text_content() == "5 mg daily"


def test_card_run_on_headings_and_empty_record() -> None:
    abstract = "AIMS: To test. METHODS AND RESULTS: It worked."
    doc = Document(
        title="",
        abstract=abstract,
        sections=(Section("OBJECTIVE", 6, 14), Section("RESULTS", 36, len(abstract))),
    )
    tree = check_card(Evidence(id="sha:x", document=doc))
    heads = tree.xpath('//b[contains(@class, "sec-head")]')
    assert [(h.text_content(), h.get("class")) for h in heads] == [
        ("AIMS:", "sec-head d0"),
        ("METHODS AND RESULTS:", "sec-head brk d0"),
    ]
    assert tree.xpath("//h1")[0].text_content() == "(untitled)"
    check_card(_record(""))


# --- comparisons -----------------------------------------------------------------------------


def test_card_comparisons_panel_and_highlight() -> None:
    record = remifentanil_record()
    tree = check_card(record)
    abstract = record.document.abstract
    ponv, pain = record.comparisons
    marks = collect_marks(record)
    sentences = [m for m in marks if m.label == "COMPARISON"]
    assert [(m.start, m.end) for m in sentences] == [
        (ponv.evidence.start, ponv.evidence.end),
        (pain.evidence.start, pain.evidence.end),
    ]
    texts = span_texts(tree)
    links = field_links(tree, "COMPARISON")
    assert [a.text_content() for a in links] == ["nausea and vomiting", "pain scores"]
    for link, comparison in zip(links, record.comparisons, strict=True):
        target = link.get("href")[1:]
        assert texts[target] == comparison.evidence.text  # the sentence is highlighted
        assert link.get("title") == comparison.evidence.text
    title = tree.get_element_by_id(links[0].get("href")[1:]).get("title")
    assert title == "COMPARISON · rules (rule) · 0.87"
    (panel,) = tree.xpath('//ul[@class="comparisons"]')
    items = panel.xpath("./li")
    first = items[0].text_content()
    assert "Remifentanil vs Alfentanil" in first and "▲ increased" in first
    assert "P=0.045" in first and "OR 8.1 (CI 1.6–41)" in first and "confidence 0.87" in first
    figures = items[0].xpath('.//a[contains(@class, "l-RESULT")]')
    assert [f.text_content() for f in figures] == ["30% · Remifentanil", "5% · Alfentanil"]
    # each per-arm figure links to its own highlight, at the offsets of its result
    targets = [tree.get_element_by_id(f.get("href")[1:]) for f in figures]
    assert [texts[t.get("id")] for t in targets] == ["30%", "5%"]
    assert [abstract[r.start : r.end] for r in ponv.results] == ["30%", "5%"]
    assert "= no difference" in items[1].text_content()
    assert items[1].xpath('.//span[contains(@class, "dir-no_difference")]')


def test_card_control_roles_are_comparators() -> None:
    """Placebo and usual-care arms are drawn as comparators, like active comparators."""
    _, placebo, usual, _ = remifentanil_studies()
    for record, control in ((placebo, "placebo"), (usual, "usual care")):
        labels = {
            (m.label, record.document.abstract[m.start : m.end]) for m in collect_marks(record)
        }
        assert ("COMPARATOR", control) in labels and ("INTERVENTION", "remifentanil") in labels
        tree = check_card(record)
        assert [a.text_content() for a in field_links(tree, "COMPARATOR")] == [control]


def test_card_without_comparisons_has_no_panel() -> None:
    record = replace_comparisons(remifentanil_record())
    card = render_card(record)
    assert "<h3>Comparisons</h3>" not in card and "l-COMPARISON d" not in card


def replace_comparisons(record: Evidence) -> Evidence:
    return dataclasses.replace(record, comparisons=())


# --- real records ----------------------------------------------------------------------------


def test_card_real_pubmed_records(shared_dir: Path, nlp: Any) -> None:
    """20 real PubMed abstracts through the pipeline: every card keeps the invariants."""
    export = shared_dir / "exports" / "pubmed" / "pubmed.nbib"
    docs = [d for d in load_documents(str(export)) if d.abstract][:20]
    assert len(docs) == 20
    labels: set[str] = set()
    for record in extract_many(docs, nlp):
        tree = check_card(record)
        labels |= {m.label for m in collect_marks(record)}
        assert len(span_texts(tree)) == len(collect_marks(record))
    assert {"INTERVENTION", "RESULT", "SAMPLE_SIZE", "OUTCOME"} <= labels
