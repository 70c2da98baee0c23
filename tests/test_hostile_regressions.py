"""The reader bugs the hostile-input suite found (issue 14), each pinned by a small test.

The table in ``test_hostile_inputs.py`` and the properties in ``test_hostile_properties.py``
found them; these tests name each one and run in-process in a second or two.
"""

from __future__ import annotations

import codecs
import io
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from extractor.clean.sections import normalise_space, strip_controls, tidy_metadata
from extractor.clean.text import clean_text
from extractor.errors import NoAbstractError, ParseError
from extractor.records import Document, MeshTerm
from extractor.sources.abst import looks_like_abst, parse_abst
from extractor.sources.bibtex import parse_bibtex
from extractor.sources.csv_export import parse_csv_export
from extractor.sources.jats import _abstract, parse_jats
from extractor.sources.pubmed_xml import parse_pubmed_xml
from extractor.sources.ris import parse_ris
from extractor.sources.wos import parse_wos_tab

ABSTRACT = (
    "BACKGROUND: Migraine is common. METHODS: We randomly assigned 120 adults to aspirin or "
    "placebo. RESULTS: Attacks fell by 40% with aspirin. CONCLUSIONS: Aspirin helped."
)


def _elapsed(func: object, *args: object) -> float:
    started = time.perf_counter()
    func(*args)  # type: ignore[operator]
    return time.perf_counter() - started


# --- control characters and escape sequences (clean/sections.py, every reader) ----------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Aspirin \x1b[1;31mversus\x1b[0m placebo", "Aspirin versus placebo"),
        ("title\x1b]0;owned by a title\x07 here", "title here"),
        ("link\x1b]8;;http://evil.example/\x1b\\ text", "link text"),
        ("bell\x07 and\x08 back\x7fspace", "bell and backspace"),
        ("c1\x9b2J csi and\x85next line", "c1 csi and next line"),
        ("charset\x1b(B switch", "charset switch"),
        ("unterminated \x1b]0;osc stays text", "unterminated 0;osc stays text"),
        ("plain text, untouched", "plain text, untouched"),
    ],
)
def test_normalise_space_removes_escape_sequences_and_controls(raw: str, clean: str) -> None:
    assert normalise_space(raw) == clean


def test_strip_controls_keeps_whitespace_and_text() -> None:
    assert strip_controls("a\tb\nc\r\nd\x0be\x0cf") == "a\tb\nc\r\nd\x0be\x0cf"
    assert strip_controls("naïve – µg/kg ≥ 5") == "naïve – µg/kg ≥ 5"


def test_normalise_space_is_fast_on_a_huge_abstract() -> None:
    """Rewriting every single space with a regular expression took 0.25 s per call on 25 MB."""
    assert _elapsed(normalise_space, "word " * 5_000_000) < 2.0


def test_tidy_metadata_cleans_every_field_but_the_abstract() -> None:
    doc = Document(
        title="A \x1b[31mtitle\x07",
        abstract="kept as is",
        journal="J\x9b1m",
        authors=("Smith\x1b[0m J", "\x07"),
        keywords=("k\x00w",),
        mesh_terms=(MeshTerm("Aspirin\x1b[1m", True, ("therapy\x07",)),),
        doi="10.1/x\x1b[0m",
    )
    tidy = tidy_metadata(doc)
    assert tidy.title == "A title"
    assert tidy.journal == "J"
    assert tidy.authors == ("Smith J",)
    assert tidy.keywords == ("kw",)
    assert tidy.mesh_terms == (MeshTerm("Aspirin", True, ("therapy",)),)
    assert tidy.doi == "10.1/x"
    assert tidy.abstract == "kept as is"


def test_ris_title_loses_escape_sequences() -> None:
    """RIS titles were joined, not normalised: escape sequences reached the database."""
    text = (
        f"TY  - JOUR\nTI  - Aspirin \x1b]0;pwned\x07trial\x85 \x1b[2J\nAB  - {ABSTRACT}\nER  - \n"
    )
    (doc,) = parse_ris(text, source_label="x.ris")
    assert doc.title == "Aspirin trial"


# --- JATS: nested <sec>s (jats.py: _collect) ------------------------------------------------


def test_jats_deeply_nested_sections_do_not_recurse() -> None:
    """``_collect`` recursed once per nesting level: 100,000 nested <sec>s were a RecursionError."""
    depth = 100_000
    xml = (
        "<article><front><article-meta><abstract>"
        + "<sec>" * depth
        + "<p>Deep text.</p>"
        + "</sec>" * depth
        + "</abstract></article-meta></front></article>"
    )
    (doc,) = parse_jats(io.BytesIO(xml.encode()), source_label="deep.nxml")
    assert doc.abstract == "Deep text."


def test_jats_nested_section_paragraphs_are_read_once() -> None:
    """A section's own paragraphs were read again as loose paragraphs when it had a subsection."""
    abstract = ET.fromstring(
        "<abstract><sec><title>Methods</title><p>A.</p><sec><title>Sub</title><p>B.</p></sec>"
        "</sec><p>Loose.</p></abstract>"
    )
    text, sections = _abstract(abstract)
    assert text == "Methods: A.\n\nSub: B.\n\nLoose."
    assert [s.label for s in sections] == ["METHODS", "SUB"]


# --- streamed XML: a huge token (pubmed_xml.py: iter_xml) -----------------------------------


def test_streamed_xml_reads_a_huge_comment_in_linear_time() -> None:
    """``iterparse`` fed expat 16 KB at a time and expat rescans an unfinished token on every
    feed: a 25 MB comment took minutes. Chunks now grow while nothing completes."""
    pad = "<!-- " + "padding " * 2_000_000 + "-->"  # 16 MB
    xml = (
        f'<?xml version="1.0"?>\n<PubmedArticleSet>{pad}<PubmedArticle><MedlineCitation>'
        "<PMID>1</PMID><Article><ArticleTitle>T</ArticleTitle></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>"
    ).encode()
    started = time.perf_counter()
    (doc,) = parse_pubmed_xml(io.BytesIO(xml), source_label="padded.xml")
    assert doc.pmid == "1"
    assert time.perf_counter() - started < 5.0


# --- CSV and WoS tab-delimited (csv_export.py, wos.py) --------------------------------------


def test_csv_field_over_the_csv_module_limit_is_read() -> None:
    """A field over 131,072 characters was a bare ``_csv.Error`` (a traceback)."""
    long = "word " * 40_000
    (doc,) = parse_csv_export(f'Title,Abstract\n"T","{long}"\n', source_label="x.csv")
    assert len(doc.abstract) > 131_072


def test_wos_tab_field_over_the_csv_module_limit_is_read() -> None:
    long = "word " * 40_000
    text = f"PT\tAU\tTI\tSO\tAB\tPY\nJ\tSmith, J\tT\tJ\t{long}\t2020\n"
    (doc,) = parse_wos_tab(text, source_label="x.txt")
    assert len(doc.abstract) > 131_072


def test_csv_cut_inside_a_quoted_field_is_refused() -> None:
    """A CSV that ends inside a quoted field was read to its end: a partial record stored."""
    with pytest.raises(ParseError, match="ends inside a quoted field"):
        list(parse_csv_export('Title,Abstract\n"T","BACKGROUND: cut he', source_label="x.csv"))


# --- .abst with old Mac line ends (abst.py: looks_like_abst) ---------------------------------


def test_abst_with_cr_line_ends_is_an_abst_file() -> None:
    text = "TITLE:\rAspirin trial\r\rABSTRACT.BACKGROUND:\rMigraine is common.\r"
    assert looks_like_abst(text)
    (doc,) = parse_abst(text, source_label="x.abst")
    assert doc.title == "Aspirin trial"
    assert doc.abstract == "BACKGROUND: Migraine is common."


# --- BibTeX whitespace runs (bibtex.py: _repair) ----------------------------------------------


@pytest.mark.parametrize(
    "junk",
    ["\n" * 40_000, "\n@" + "\t" * 3_000 + "\n", " \n\t\n" * 10_000],
    ids=["blank-lines", "tabs-after-at", "blank-lines-with-spaces"],
)
def test_bibtex_whitespace_runs_are_not_quadratic(junk: str) -> None:
    """bibtexparser rescans a whitespace run at each of its characters: 40,000 blank lines took
    half a minute, 3,000 tabs after an ``@`` longer."""
    entry = f"@article{{k,\n  title = {{T}},\n  abstract = {{{ABSTRACT}}}\n}}\n"
    started = time.perf_counter()
    try:
        docs = list(parse_bibtex(entry + junk + entry.replace("{k,", "{k2,"), source_label="x"))
    except ParseError:
        docs = []
    assert time.perf_counter() - started < 3.0
    assert len(docs) in (0, 2)


# --- page text (clean/text.py: clean_text) --------------------------------------------------

PAGE = (
    "Journal Article\n\nAspirin versus placebo for migraine\n\nAbstract\n\n"
    "BACKGROUND: Migraine is a common and disabling disorder in adults everywhere.\n\n"
    "METHODS: We randomly assigned 120 adults with migraine to aspirin or placebo daily.\n\n"
    "RESULTS: Monthly attacks fell by 40% with aspirin and by 10% with placebo (p < 0.01).\n\n"
    "CONCLUSIONS: Aspirin reduced migraine attacks compared with placebo in adults.\n"
)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Summary\n" * 5_000 + PAGE, "each 'Summary' line rescanned every line: 23 s"),
        (
            PAGE.replace("in adults.\n", "in adults. " + "Registered at NCT12345678. " * 3_000),
            "each trailing registration sentence rescanned the paragraph: 14 s",
        ),
        ("Words here\n\n" + "Keywords\n" * 5_000 + "\n" + PAGE, "stop lines rescanned kept lines"),
    ],
    ids=["summary-bars", "registration-notes", "stop-lines"],
)
def test_clean_text_rules_are_not_quadratic(text: str, why: str) -> None:
    started = time.perf_counter()
    doc = clean_text(text, source="page.txt")
    assert time.perf_counter() - started < 3.0, why
    assert doc.title == "Aspirin versus placebo for migraine"
    assert doc.abstract.endswith("compared with placebo in adults.")


def test_clean_text_refuses_a_giant_line_quickly() -> None:
    """A 5 MB line of prose was cleaned for 10 s into a 5 MB 'abstract'."""
    text = "Aspirin reduced migraine attacks compared with placebo in adults. " * 80_000
    started = time.perf_counter()
    with pytest.raises(NoAbstractError, match="longer than any abstract"):
        clean_text(text, source="giant.txt")
    assert time.perf_counter() - started < 2.0


def test_clean_text_refuses_an_abstract_cut_by_the_window() -> None:
    """A page whose abstract runs on past the part read is refused, not cut silently."""
    giant = "Monthly attacks fell with aspirin compared with placebo. " * 60_000  # 3.4 MB line
    text = PAGE.replace("RESULTS: ", "RESULTS: " + giant)
    with pytest.raises(NoAbstractError, match="runs past"):
        clean_text(text, source="cut.txt")


def test_clean_text_keeps_the_title_when_a_nel_is_in_it() -> None:
    """str.splitlines() breaks lines at U+0085 and other controls: the title was cut in two."""
    doc = clean_text(PAGE.replace("placebo for", "placebo\x85 for\x1c"), source="p.txt")
    assert doc.title == "Aspirin versus placebo for migraine"


def test_stray_legacy_bytes_do_not_mangle_utf8() -> None:
    """A cp1252 byte inside a UTF-8 file: the UTF-8 stays UTF-8 (before: "naÃ¯ve")."""
    from extractor.sources.files import decode_bytes

    data = "naïve patients – 40 mg".encode() + b" \x93quoted\x94 caf\xe9"
    assert decode_bytes(data) == "naïve patients – 40 mg “quoted” café"
    assert decode_bytes(b"\x93legacy\x94 page") == "“legacy” page"


def test_utf16_pubmed_xml_is_read(tmp_path: Path, shared_file) -> None:  # type: ignore[no-untyped-def]
    """A UTF-16 PubMed XML export (with BOM and its declaration) gives the same records."""
    from extractor.sources import load_documents

    source = shared_file("pubmed/xml/biopython/pubmed1.xml")
    text = source.read_text("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-16"?>', text, count=1)
    utf16 = tmp_path / "export.xml"
    utf16.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    expected = [d.title for d in load_documents(str(source))]
    assert expected and [d.title for d in load_documents(str(utf16))] == expected


def test_error_line_keeps_a_newline_in_a_name_on_one_line() -> None:
    from extractor.render import one_line

    assert one_line("cannot read a\nb.txt\t\x1b]0;x\x07") == "cannot read a\\nb.txt\\t"
