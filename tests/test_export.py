"""Exports over a database of 500+ real abstracts (fixture ``evidence_db``): JSONL, CSV, the
Cochrane-style table, RIS (re-read by our own reader and by rispy) and the participants plot."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
import rispy
from comparison_sample import remifentanil_record, remifentanil_studies
from defusedxml import ElementTree
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from extractor.errors import ConfigError, InputError, StoreError
from extractor.export import (
    COMPARISON_COLUMNS,
    DOSE_COLUMNS,
    OUTCOME_COLUMNS,
    STUDY_COLUMNS,
    characteristics_table,
    plot_participants,
    study_labels,
    write_csv,
    write_jsonl,
    write_ris,
    write_text_atomic,
)
from extractor.export.describe import characteristics, pico_summary
from extractor.export.ris import record_lines, ris_type, tag_lines
from extractor.export.tables import comparison_rows, dose_rows, outcome_rows, study_row
from extractor.records import Document, Evidence, Population
from extractor.sources.ris import build_abstract, clean_doi, looks_like_ris, parse_ris
from extractor.store import database, iter_records

FIELDS = ["Methods", "Participants", "Interventions", "Outcomes", "Notes"]
SEED_TITLE_START = "Intravenous immunoglobulin (IVIg) for therapy-resistant cutaneous lupus"
AWKWARD = 'Pipes | and "quotes", commas\nand a second line; <script>alert(1)</script> & µg'


@pytest.fixture(scope="module")
def records(evidence_db: Path) -> list[Evidence]:
    with database(evidence_db, create=False) as db:
        return list(iter_records(db))


@pytest.fixture(scope="module")
def seed(records: list[Evidence]) -> Evidence:
    return next(r for r in records if r.document.title.startswith(SEED_TITLE_START))


@pytest.fixture(scope="module")
def awkward(seed: Evidence) -> Evidence:
    """The seed with separators, quotes, newlines and markup in every free-text field."""
    doc = replace(seed.document, title=f"Seed: {AWKWARD}", pmid=None, doi=None)
    pop = replace(seed.population, description=AWKWARD)
    return replace(seed, id="sha:awkward", document=doc, population=pop, conclusion=AWKWARD)


def _no_leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- JSONL ----------------------------------------------------------------------------------


def test_export_jsonl_is_the_json_record_per_line(records: list[Evidence]) -> None:
    buf = io.StringIO()
    assert write_jsonl(iter(records), buf) == len(records) >= 500
    lines = buf.getvalue().splitlines()
    assert lines == [r.to_json(indent=None) for r in records]
    assert [Evidence.from_dict(json.loads(line)) for line in lines] == records


# --- CSV ------------------------------------------------------------------------------------


def test_export_csv_round_trips_through_dictreader(
    records: list[Evidence], awkward: Evidence, tmp_path: Path
) -> None:
    items = [*records, awkward]
    paths = write_csv(iter(items), tmp_path / "out", stem="lupus")
    assert [p.name for p in paths] == [
        "lupus_studies.csv",
        "lupus_doses.csv",
        "lupus_outcomes.csv",
        "lupus_comparisons.csv",
    ]
    expected = (
        [study_row(r) for r in items],
        [row for r in items for row in dose_rows(r)],
        [row for r in items for row in outcome_rows(r)],
    )
    for path, columns, rows in zip(
        paths[:3], (STUDY_COLUMNS, DOSE_COLUMNS, OUTCOME_COLUMNS), expected, strict=True
    ):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert tuple(reader.fieldnames or ()) == columns
            assert list(reader) == rows
    studies = expected[0]
    assert len(studies) == len(items)
    assert studies[-1]["title"] == f"Seed: {AWKWARD}"  # commas, quotes, newline survived
    assert len(expected[1]) >= 20 and len(expected[2]) >= 500
    assert _no_leftovers(tmp_path / "out") == []


def test_export_csv_seed_doses_long_format(seed: Evidence, tmp_path: Path) -> None:
    _, doses, outcomes, _ = write_csv([seed], tmp_path)
    with doses.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["arm"], r["amount"], r["unit"], r["per"], r["phase"]) for r in rows] == [
        ("IVIg", "1", "g", "kg", "loading"),
        ("IVIg", "400", "mg", "kg", "maintenance"),
    ]
    assert rows[0]["multiplier"] == "2" and rows[1]["frequency"] == "monthly"
    abstract = seed.document.abstract
    for row in rows:
        assert abstract[int(row["start"]) : int(row["end"])] == row["text"]
    with outcomes.open(encoding="utf-8", newline="") as fh:
        results = [r for r in csv.DictReader(fh) if r["text"]]
    assert [(r["count"], r["threshold"]) for r in results] == [
        ("5", ">75%"),
        ("2", ">50%"),
        ("3", "<50%"),
    ]


def test_export_csv_is_all_or_nothing(seed: Evidence, tmp_path: Path) -> None:
    write_csv([seed], tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing():
        yield seed
        raise RuntimeError("source broke mid-export")

    with pytest.raises(RuntimeError):
        write_csv(failing(), tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        write_csv([seed], blocker)


# --- Cochrane "Characteristics of included studies" -------------------------------------------


def test_export_characteristics_markdown_one_table_per_study(
    records: list[Evidence], awkward: Evidence
) -> None:
    items = [*records, awkward]
    text = characteristics_table(items, "markdown")
    page = lxml_html.fromstring(MarkdownIt("commonmark").enable("table").render(text))
    tables = page.findall(".//table")
    assert len(tables) == len(items)
    assert sorted(h.text_content() for h in page.findall(".//h2")) == sorted(study_labels(items))
    for table in tables:
        rows = table.findall("./tbody/tr")
        assert [len(r.findall("td")) for r in rows] == [2] * 5
        assert [r.findall("td")[0].text_content() for r in rows] == FIELDS
    label = study_labels(items)[-1]
    assert label.startswith("Seed: Pipes | and")
    heading = next(h for h in page.findall(".//h2") if h.text_content() == label)
    cells = heading.getnext().findall("./tbody/tr/td")
    assert f"Population: {' '.join(AWKWARD.split())}" in cells[3].text_content()
    assert "<script>" in cells[9].text_content()  # shown as text, not markup
    assert page.find(".//script") is None


def test_export_characteristics_html_is_escaped_and_complete(
    records: list[Evidence], awkward: Evidence
) -> None:
    items = [*records[:50], awkward]
    page = lxml_html.document_fromstring(characteristics_table(items, "html"))
    tables = page.findall(".//table")
    assert len(tables) == len(items)
    assert all([th.text for th in t.findall(".//th")] == FIELDS for t in tables)
    assert page.find(".//script") is None
    awkward_table = next(t for t in tables if t.get("data-id") == "sha:awkward")
    assert "<script>alert(1)</script>" in awkward_table.text_content()


def test_export_characteristics_csv_is_long(records: list[Evidence], awkward: Evidence) -> None:
    items = [*records[:50], awkward]
    rows = list(csv.DictReader(io.StringIO(characteristics_table(items, "csv"), newline="")))
    assert len(rows) == 5 * len(items)
    assert [r["field"] for r in rows[:5]] == FIELDS
    notes = [r for r in rows if r["id"] == "sha:awkward" and r["field"] == "Notes"]
    assert f"Authors' conclusion: {' '.join(AWKWARD.split())}" in notes[0]["description"]


def test_export_characteristics_unknown_format(records: list[Evidence]) -> None:
    with pytest.raises(ConfigError, match="docx"):
        characteristics_table(records[:1], "docx")  # type: ignore[arg-type]


# --- RIS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ris_text(records: list[Evidence]) -> str:
    buf = io.StringIO()
    assert write_ris(iter(records), buf) == len(records)
    return buf.getvalue()


def test_export_ris_reimports_with_own_reader(records: list[Evidence], ris_text: str) -> None:
    assert looks_like_ris(ris_text[:4096], "out.ris")
    docs = list(parse_ris(ris_text, source_label="out.ris"))
    assert len(docs) == len(records)
    for record, doc in zip(records, docs, strict=True):
        orig = record.document
        assert doc.title == orig.title
        assert doc.pmid == orig.pmid
        assert doc.doi == clean_doi(orig.doi)  # the reader trims stray ")]" from bad DOIs
        assert (doc.authors, doc.year, doc.journal) == (orig.authors, orig.year, orig.journal)
        assert doc.keywords == orig.keywords
        # Every character survives. Our reader normalises whitespace inside paragraphs and
        # re-derives paragraphs from headings (it drops blank lines), so an abstract comes
        # back exactly when it is already in that form.
        assert "".join(doc.abstract.split()) == "".join(orig.abstract.split())
        if "\n\n" not in orig.abstract and build_abstract(orig.abstract)[0] == orig.abstract:
            assert doc.abstract == orig.abstract
    exact = sum(d.abstract == r.document.abstract for d, r in zip(docs, records, strict=True))
    assert exact >= 0.75 * len(docs)  # most real abstracts come back byte for byte


def test_export_ris_reimports_with_rispy(
    records: list[Evidence], seed: Evidence, ris_text: str
) -> None:
    entries = rispy.loads(ris_text)
    assert len(entries) == len(records)
    for record, entry in zip(records, entries, strict=True):
        orig = record.document
        assert entry["type_of_reference"] == ris_type(orig)
        assert entry["id"] == record.id
        assert entry.get("title", "") == orig.title
        # rispy joins continuation lines with a space: only line breaks may change.
        lines = [line.strip() for line in orig.abstract.splitlines() if line.strip()]
        assert entry["abstract"] == " ".join(lines)
        assert entry.get("doi") == orig.doi
        assert entry.get("accession_number") == orig.pmid
        assert entry.get("authors", []) == list(orig.authors)
    notes = entries[records.index(seed)]["notes"]
    assert "N: 12" in notes
    assert "Interventions: IVIg (intravenous immunoglobulin)" in notes
    assert "Condition: cutaneous lupus erythematosus" in notes
    assert any(n.startswith("Doses: IVIg: 1 g/kg ×2") for n in notes)


def test_export_ris_type() -> None:
    assert ris_type(Document(title="t", abstract="a")) == "JOUR"
    assert ris_type(Document(title="t", abstract="a", publication_types=("Congress",))) == "CONF"


def test_export_ris_continuation_that_looks_like_a_tag(seed: Evidence) -> None:
    abstract = "RESULTS: fine.\nER  - not the end\nAU  - not an author"
    doc = Document(title="T", abstract=abstract, pmid="123")
    record = Evidence(id=doc.record_id, document=doc, population=Population(n=3))
    assert tag_lines("AB", abstract, multiline=True) == [
        "AB  - RESULTS: fine. ER  - not the end AU  - not an author"
    ]
    buf = io.StringIO()
    write_ris([record, seed], buf)
    (entry, _) = rispy.loads(buf.getvalue())
    assert entry["abstract"] == "RESULTS: fine. ER  - not the end AU  - not an author"
    assert "authors" not in entry
    (mine, _) = parse_ris(buf.getvalue(), source_label="x")
    assert mine.pmid == "123" and " ".join(mine.abstract.split()) == " ".join(abstract.split())


# --- plot -----------------------------------------------------------------------------------


SVG = "{http://www.w3.org/2000/svg}"


def test_export_plot_svg_has_one_bar_per_study_with_n(
    records: list[Evidence], seed: Evidence, tmp_path: Path
) -> None:
    dollars = replace(
        seed, id="sha:dollars", document=Document(title="$x^2$ costs $5", abstract="a")
    )
    items = [*records, dollars]
    root = ElementTree.parse(plot_participants(items, tmp_path / "n.svg")).getroot()
    bars = [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("bar-")]
    with_n = [label for label, r in zip(study_labels(items), items, strict=True) if r.population.n]
    assert len(bars) == len(with_n) >= 100
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert set(with_n) <= texts
    assert {"$x^2$ costs $5", "12"} <= texts  # no mathtext; the seed's n labels its bar
    again = plot_participants(records[:15], tmp_path / "a.svg")
    assert again.read_bytes() == plot_participants(records[:15], tmp_path / "b.svg").read_bytes()


def test_export_plot_png(records: list[Evidence], tmp_path: Path) -> None:
    path = plot_participants(records[:60], tmp_path / "plot.out", fmt="png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _no_leftovers(tmp_path) == []


def test_export_plot_errors(records: list[Evidence], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="jpg"):
        plot_participants(records, tmp_path / "n.jpg")
    with pytest.raises(InputError):
        plot_participants([r for r in records if not r.population.n], tmp_path / "n.png")
    with pytest.raises(StoreError):
        plot_participants(records[:20], tmp_path / "missing" / "n.png")
    assert list(tmp_path.iterdir()) == []


def test_export_write_text_atomic(tmp_path: Path) -> None:
    path = write_text_atomic(tmp_path / "t.md", "a\r\nb\n")
    assert path.read_bytes() == b"a\r\nb\n"
    with pytest.raises(StoreError, match="directory"):
        write_text_atomic(tmp_path, "x")
    assert [p.name for p in tmp_path.iterdir()] == ["t.md"]


# --- comparisons ------------------------------------------------------------------------------

PONV = (
    "nausea and vomiting: Remifentanil vs Alfentanil, increased (30% [Remifentanil]; "
    "5% [Alfentanil]; P=0.045; OR 8.1 (CI 1.6–41))"
)


def test_export_jsonl_carries_comparisons() -> None:
    records = remifentanil_studies()
    buf = io.StringIO()
    assert write_jsonl(records, buf) == 4
    lines = buf.getvalue().splitlines()
    first = json.loads(lines[0])
    assert [c["direction"] for c in first["comparisons"]] == ["increased", "no_difference"]
    assert first["comparisons"][0]["effect"] == {
        "measure": "OR",
        "value": 8.1,
        "ci_low": 1.6,
        "ci_high": 41.0,
    }
    assert [Evidence.from_dict(json.loads(line)) for line in lines] == records


def test_export_csv_comparisons_long_format(tmp_path: Path) -> None:
    records = remifentanil_studies()
    paths = write_csv(records, tmp_path)
    assert paths[-1].name == "evidence_comparisons.csv"
    with paths[-1].open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COMPARISON_COLUMNS
        rows = list(reader)
    assert rows == [row for r in records for row in comparison_rows(r)]
    assert [(r["id"], r["outcome"], r["direction"]) for r in rows] == [
        ("pmid:11111111", "nausea and vomiting", "increased"),
        ("pmid:11111111", "pain scores", "no_difference"),
        ("pmid:22222222", "nausea and vomiting", "no_difference"),
        ("pmid:33333333", "Nausea and Vomiting", "decreased"),
        ("pmid:44444444", "nausea and vomiting", "increased"),
    ]
    ponv = rows[0]
    assert (ponv["intervention"], ponv["comparator"]) == ("Remifentanil", "Alfentanil")
    assert (ponv["intervention_result"], ponv["comparator_result"]) == ("30%", "5%")
    assert ponv["results"] == "30% [Remifentanil]; 5% [Alfentanil]"
    assert (ponv["p_value"], ponv["effect"], ponv["effect_value"]) == ("P=0.045", "OR", "8.1")
    assert (ponv["ci_low"], ponv["ci_high"], ponv["confidence"]) == ("1.6", "41", "0.87")
    assert rows[1]["effect"] == rows[1]["intervention_result"] == rows[1]["confidence"] == ""
    by_id = {r.id: r for r in records}
    for row in rows:
        abstract = by_id[row["id"]].document.abstract
        assert abstract[int(row["start"]) : int(row["end"])] == row["evidence"]
    assert rows[3]["comparator_result"] == "20%"  # a usual-care arm


def test_export_ris_and_table_list_comparisons() -> None:
    record = remifentanil_record()
    lines = list(record_lines(record))
    notes = [line.removeprefix("N1  - ") for line in lines if line.startswith("N1  - ")]
    assert f"Comparison: {PONV}" in notes
    assert "Comparison: pain scores: Remifentanil vs Alfentanil, no difference (P=0.62)" in notes
    (entry,) = rispy.loads("\n".join(lines))
    assert f"Comparison: {PONV}" in entry["notes"]
    assert "Comparators: Alfentanil, n=30" in entry["notes"]
    outcomes = dict(characteristics(record))["Outcomes"]
    assert outcomes == [
        f"Comparison: {PONV}",
        "Comparison: pain scores: Remifentanil vs Alfentanil, no difference (P=0.62)",
    ]


def test_export_control_roles_are_comparators() -> None:
    """Placebo and usual-care arms are listed as comparators, not interventions."""
    _, placebo, usual, head_to_head = remifentanil_studies()
    assert (pico_summary(placebo)["interventions"], pico_summary(placebo)["comparators"]) == (
        "remifentanil",
        "placebo",
    )
    assert pico_summary(usual)["comparators"] == "usual care"
    assert pico_summary(head_to_head)["interventions"] == "sevoflurane; remifentanil"
    assert pico_summary(head_to_head)["comparators"] == ""
