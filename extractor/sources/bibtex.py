"""BibTeX exports (Scopus, Web of Science, Cochrane, Zotero) via bibtexparser 1.4.

Field names are matched case-insensitively (WoS writes ``Author``/``Title``); LaTeX accents
and protective braces (``{{Untitled}}``, ``{Cocker}``) are removed from titles and abstracts.
Cochrane's invalid author lists (``Smith, SR, Newton, K, and Hill, J``) are split into
``Smith, SR`` / ``Newton, K`` / ``Hill, J``. ``@comment``, ``@string`` and ``@preamble`` are
not records; text between entries (Cochrane's ``Record #1 of 56``) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode

from ..clean.sections import normalise_space, tidy_metadata
from ..errors import ParseError
from ..records import Document
from .ris import build_abstract, clean_doi, normalise_newlines, parse_year

KIND = "bibtex"

_ENTRY = re.compile(r"^\s*@\s*(\w+)\s*[{(]", re.MULTILINE)
_NOT_RECORDS = {"comment", "string", "preamble"}


def looks_like_bibtex(head: str, name: str = "") -> bool:
    """True when the text has an ``@type{key,`` entry (``.bib`` alone is not enough)."""
    del name
    text = normalise_newlines(head)
    return any(m.group(1).lower() not in _NOT_RECORDS for m in _ENTRY.finditer(text))


def parse_bibtex(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per BibTeX entry (comments, strings and preambles skipped).

    Raises:
        ParseError: when no entry is found, or fewer entries parse than ``@type{`` starts
            (a broken entry would otherwise vanish silently).
    """
    text = _repair(normalise_newlines(text))
    announced = sum(1 for m in _ENTRY.finditer(text) if m.group(1).lower() not in _NOT_RECORDS)
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    try:
        entries: list[dict[str, Any]] = bibtexparser.loads(text, parser=parser).entries
    except Exception as exc:  # pyparsing raises a variety of errors on broken input
        raise ParseError(f"invalid BibTeX: {exc}", source=source_label) from exc
    if not entries:
        raise ParseError("no BibTeX entries found", source=source_label)
    if len(entries) < announced:
        raise ParseError(
            f"only {len(entries)} of {announced} BibTeX entries could be read "
            "(unbalanced braces or a broken field?)",
            source=source_label,
        )
    for n, entry in enumerate(entries, start=1):
        fields = {k.lower().strip(): v for k, v in entry.items()}
        yield tidy_metadata(_document(fields, f"{source_label}#{n}"))


_KEY = re.compile(r"^(\s*@\s*\w+\s*[{(])\s*([^,\n={}]*?)\s*,", re.MULTILINE)
_NBSP_FIELD = re.compile(r"^(\s*)([A-Za-z][\w\-()]*\xa0[\w\-()\xa0]*)(\s*=)", re.MULTILINE)


# Runs of spaces and tabs; two or more line ends with nothing but spaces and tabs between them.
_SPACE_RUN = re.compile(r"[ \t]{2,}")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


def _repair(text: str) -> str:
    """Fix what real exports get wrong and bibtexparser rejects, dropping the entry.

    WoS writes ``@article{ WOS:…,`` and Cochrane ``@article{Alves Galvão14,`` (spaces in the
    key); Scopus writes ``funding_text\xa01={…}`` (a no-break space inside a field name).
    Runs of spaces and tabs become one space and runs of blank lines one blank line:
    bibtexparser's grammar rescans a whitespace run at each of its characters (40,000 blank
    lines between two entries took half a minute, 2,000 tabs after an ``@`` as long). Values
    lose nothing: their whitespace is normalised later anyway.
    """
    text = _BLANK_RUN.sub("\n\n", _SPACE_RUN.sub(" ", text))
    text = _KEY.sub(lambda m: f"{m.group(1)}{m.group(2).replace(' ', '_')},", text)
    return _NBSP_FIELD.sub(
        lambda m: m.group(1) + m.group(2).replace("\xa0", "_") + m.group(3), text
    )


def _document(fields: dict[str, Any], source: str) -> Document:
    def get(*names: str) -> str:
        for name in names:
            value = fields.get(name)
            if isinstance(value, str) and value.strip():
                return value
        return ""

    abstract_raw = re.sub(r"^\s*Abstract\s*[-–:]\s*", "", strip_latex(get("abstract")))
    abstract, sections = build_abstract(abstract_raw)
    doi = clean_doi(get("doi")) or clean_doi(get("url") if "doi" in get("url") else "")
    pmid = re.sub(r"\D", "", get("pmid", "pubmed-id", "pubmed_id")) or None
    return Document(
        title=normalise_space(strip_latex(get("title"))),
        abstract=abstract,
        sections=sections,
        pmid=pmid,
        doi=doi,
        journal=normalise_space(strip_latex(get("journal", "journaltitle", "booktitle"))) or None,
        year=parse_year(get("year")) or parse_year(get("date")),
        authors=split_bibtex_authors(strip_latex(get("author"))),
        publication_types=tuple(
            t for t in [normalise_space(strip_latex(get("document_type", "type")))] if t
        ),
        keywords=tuple(
            k
            for name in ("keywords", "author_keywords", "keywords-plus")
            for k in _split_keywords(strip_latex(get(name)))
        ),
        source=source,
        kind=KIND,
    )


def strip_latex(value: str) -> str:
    """LaTeX accents to Unicode, formatting commands and protective braces removed."""
    if not value:
        return ""
    text = latex_to_unicode(value) if "\\" in value else value
    text = re.sub(r"\\(?:emph|textit|textbf|textsc|mathrm|text)\s*", "", text)
    text = text.replace("\\&", "&").replace("\\%", "%").replace("\\_", "_")
    return text.replace("{", "").replace("}", "")


def split_bibtex_authors(value: str) -> tuple[str, ...]:
    """Split ``A and B and C``; Cochrane's ``Last, F, Last, F, and Last, F`` is paired up."""
    value = normalise_space(value)
    if not value:
        return ()
    names = [n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()]
    if any(n.count(",") > 1 for n in names):
        parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?", value) if p.strip()]
        parts = [re.sub(r"^and\s+", "", p) for p in parts]
        names = [", ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
    return tuple(names)


def _split_keywords(value: str) -> list[str]:
    sep = ";" if ";" in value else ","
    return [k for k in (normalise_space(p) for p in value.split(sep)) if k]


__all__ = ["looks_like_bibtex", "parse_bibtex", "split_bibtex_authors", "strip_latex"]
