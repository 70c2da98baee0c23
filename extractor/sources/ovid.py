"""Ovid direct exports in Ovid's own tagged format (not RIS).

Each record starts with a ``<1>`` or ``<3001. >`` header. Two layouts are read:

* tagged: ``TI  - value`` lines (Direct Export "EndNote"/"Citavi"); untagged lines continue
  the previous tag — Embase abstracts put ``Result(s):`` paragraphs on unindented lines;
* labelled: a field-name line (``Title``, ``Abstract`` ...) followed by indented value lines
  (the classic Ovid "Display" / "Ovid" export).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..clean.sections import is_heading, normalise_space, tidy_metadata
from ..errors import ParseError
from ..records import Document
from .ris import build_abstract, clean_doi, normalise_newlines, parse_year

KIND = "ovid"

_HEADER = re.compile(r"^<\s*(\d+)\s*\.?\s*>\s*$")
_TAG = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$")

# Field names of the labelled layout → the two-letter tags of the tagged layout.
_LABELS = {
    "title": "TI",
    "abstract": "AB",
    "author": "AU",
    "authors": "AU",
    "source": "SO",
    "journal name": "JN",
    "journal title": "JN",
    "digital object identifier": "DO",
    "doi": "DO",
    "year of publication": "YR",
    "publication date": "YR",
    "pubmed id": "PM",
    "pubmed identifier": "PM",
    "unique identifier": "UI",
    "database": "DB",
    "publication type": "PT",
    "keyword heading": "KW",
    "keywords": "KW",
    "mesh subject headings": "MH",
    "subject headings": "MH",
    "emtree heading": "MH",
}


def looks_like_ovid(head: str, name: str = "") -> bool:
    """True when the text starts records with Ovid's ``<n>`` / ``<n. >`` headers."""
    text = normalise_newlines(head)
    headers = re.search(r"^<\s*\d+\s*\.?\s*>\s*$", text, re.MULTILINE)
    return headers is not None and (
        "Ovid" in text or name.lower().endswith((".cgi", ".ovd")) or bool(_has_fields(text))
    )


def _has_fields(text: str) -> bool:
    return bool(re.search(r"^(TI  - |Title\s*$|Abstract\s*$)", text, re.MULTILINE))


def parse_ovid(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per ``<n>`` record of an Ovid tagged export.

    Raises:
        ParseError: when the text has no ``<n>`` record header.
    """
    blocks: list[list[str]] = []
    for line in normalise_newlines(text).split("\n"):
        if _HEADER.match(line.strip()):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line.rstrip())
    if not blocks:
        raise ParseError("no Ovid records found (no '<1>' record header)", source=source_label)
    for n, block in enumerate(blocks, start=1):
        yield tidy_metadata(_document(_fields(block), f"{source_label}#{n}"))


def _fields(block: list[str]) -> dict[str, list[str]]:
    """Group a record's lines by tag; returns ``{tag: [value, continuation, ...]}`` lists."""
    fields: dict[str, list[list[str]]] = {}
    last: list[str] | None = None
    tagged = any(_TAG.match(line) for line in block)
    for line in block:
        if not line.strip():
            continue
        match = _TAG.match(line) if tagged else None
        if match:
            last = [match.group(2).strip()]
            fields.setdefault(match.group(1), []).append(last)
        elif not tagged and not line[:1].isspace():
            tag = _LABELS.get(re.sub(r"\s*[:.]?\s*$", "", line).strip().lower(), "")
            last = None
            if tag:
                last = []
                fields.setdefault(tag, []).append(last)
        elif last is not None:  # a continuation, or one indented value per line
            last.append(line.strip())
    return {
        tag: (["\n".join(v) for v in values] if tagged else [x for v in values for x in v])
        for tag, values in fields.items()
    }


_INLINE_HEAD = re.compile(r"(^|[.!?])\s+([A-Z][A-Za-z ]{2,40}?)(\(s\))?:\s+")


def _break_headings(text: str) -> str:
    """Put Embase's mixed-case headings (``Result(s):``) at paragraph starts, ``(s)`` dropped.

    The "EndNote" variant writes them on their own lines, the "Citavi" one inline; both
    must give the same abstract.
    """

    def repl(match: re.Match[str]) -> str:
        head = match.group(2) + ("s" if match.group(3) else "")
        if not is_heading(head):
            return match.group(0)
        return f"{match.group(1)}\n{head}: "

    text = re.sub(r"\b([A-Z][a-z]+)\(s\):", r"\1s:", text)
    return _INLINE_HEAD.sub(repl, text)


def _document(rec: dict[str, list[str]], source: str) -> Document:
    def first(*tags: str) -> str:
        for tag in tags:
            for value in rec.get(tag, ()):
                if value.strip():
                    return normalise_space(value)
        return ""

    abstract, sections = build_abstract(_break_headings("\n".join(rec.get("AB", ()))))
    journal = first("JN", "JT", "JA") or first("SO").split(". ", 1)[0] or None
    pmid = first("PM")
    ui = first("UI", "AN")
    if not pmid and ui.isdigit() and "medline" in first("DB").lower():
        pmid = ui
    return Document(
        title=first("TI", "T1").rstrip(),
        abstract=abstract,
        sections=sections,
        pmid=pmid or None,
        doi=clean_doi(first("DO", "DI")),
        journal=journal,
        year=parse_year(first("YR", "PY", "YE", "DP")),
        authors=tuple(normalise_space(a) for a in rec.get("AU", ()) if a.strip()),
        publication_types=tuple(normalise_space(p) for p in rec.get("PT", ()) if p.strip()),
        keywords=tuple(
            normalise_space(k) for k in (rec.get("KW") or rec.get("MH") or ()) if k.strip()
        ),
        source=source,
        kind=KIND,
    )


__all__ = ["looks_like_ovid", "parse_ovid"]
