"""Web of Science exports: plain text ("Other reference software", .ciw) and tab-delimited.

Plain text: ``FN``/``VR`` header, then records of two-letter tags followed by one space, values
continuing on lines indented three spaces, each record closed by ``ER`` and the file by ``EF``.
Abstract headings (``Background``, ``Methods`` ...) sit on their own continuation lines there.

Tab-delimited: a header row of the same two-letter codes (``PT AU ... UT``); fields are never
quoted, so the file is read with quoting off (literal ``"`` occur inside titles).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from ..clean.sections import (
    is_heading,
    normalise_space,
    split_inline_headings,
    split_sections,
    tidy_metadata,
)
from ..errors import ParseError
from ..records import Document, Section
from .csv_export import allow_long_fields
from .ris import clean_doi, normalise_newlines, parse_year

KIND_TEXT = "wos-text"
KIND_TAB = "wos-tab"

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")


def looks_like_wos_text(head: str, name: str = "") -> bool:
    """True for WoS plain text: an ``FN``/``VR`` header or ``PT J`` then ``AU ``/``TI `` lines."""
    del name  # the extension (.txt, .ciw) says nothing reliable
    text = normalise_newlines(head)
    if re.search(r"^FN (Clarivate|Thomson)", text, re.MULTILINE):
        return True
    return bool(re.search(r"^PT [A-Z]$", text, re.MULTILINE)) and bool(
        re.search(r"^(AU|TI|SO) \S", text, re.MULTILINE)
    )


def looks_like_wos_tab(head: str, name: str = "") -> bool:
    """True for a WoS tab-delimited export: the header row starts ``PT<TAB>AU<TAB>``."""
    del name
    first = normalise_newlines(head).split("\n", 1)[0]
    cells = first.split("\t")
    return len(cells) > 5 and cells[0] == "PT" and "TI" in cells and "AU" in cells


def parse_wos_text(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per record of a WoS plain-text export.

    Raises:
        ParseError: when no ``PT`` record is found, or a record has no ``ER``.
    """
    records: list[dict[str, list[str]]] = []
    record: dict[str, list[str]] | None = None
    last: str | None = None
    for lineno, line in enumerate(normalise_newlines(text).split("\n"), start=1):
        line = line.rstrip()
        if not line:
            continue
        if line.startswith("   ") or line.startswith("\t"):
            if record is not None and last is not None:
                record[last].append(line.strip())
            continue
        match = _TAG.match(line)
        if not match:
            raise ParseError(
                f"line {lineno}: not a WoS tag line: {line[:40]!r}", source=source_label
            )
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "PT":
            if record is not None:
                raise ParseError(f"line {lineno}: record without ER", source=source_label)
            record, last = {"PT": [value]}, "PT"
        elif tag == "ER":
            if record is not None:
                records.append(record)
            record, last = None, None
        elif record is not None:
            record.setdefault(tag, []).append(value)
            last = tag
        # FN, VR, EF and anything else outside a record are file headers.
    if record is not None:
        records.append(record)  # tolerate a missing final ER
    if not records:
        raise ParseError("no Web of Science records found (no 'PT' line)", source=source_label)
    for n, rec in enumerate(records, start=1):
        yield tidy_metadata(_text_document(rec, f"{source_label}#{n}"))


def _text_document(rec: dict[str, list[str]], source: str) -> Document:
    def joined(tag: str) -> str:
        return normalise_space(" ".join(rec.get(tag, ())))

    abstract, sections = _wos_abstract(rec.get("AB", []))
    keywords = [k for tag in ("DE", "ID") for k in _split(joined(tag))]
    return Document(
        title=joined("TI"),
        abstract=abstract,
        sections=sections,
        pmid=joined("PM") or None,
        doi=clean_doi(joined("DI")),
        journal=joined("SO") or None,
        year=parse_year(joined("PY")) or parse_year(joined("EA")),
        authors=tuple(normalise_space(a) for a in rec.get("AU", ()) if a.strip()),
        publication_types=tuple(_split(joined("DT"))),
        keywords=tuple(keywords),
        source=source,
        kind=KIND_TEXT,
    )


def _wos_abstract(lines: list[str]) -> tuple[str, tuple[Section, ...]]:
    """Abstract lines → text and sections; a line that is only a heading starts a section."""
    lines = [line.strip() for line in lines if line.strip()]
    if not lines:
        return "", ()
    if not any(is_heading(line) and len(line.split()) <= 6 for line in lines):
        return split_sections(split_inline_headings(" ".join(lines)))
    pairs: list[tuple[str | None, str]] = []
    for line in lines:
        if is_heading(line) and len(line.split()) <= 6:
            pairs.append((line, ""))
        elif pairs:
            head, body = pairs[-1]
            pairs[-1] = (head, f"{body} {line}".strip())
        else:
            pairs.append((None, line))
    return split_sections(pairs)


def _split(value: str) -> list[str]:
    return [v for v in (normalise_space(p) for p in value.split(";")) if v]


def parse_wos_tab(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per data row of a WoS tab-delimited export.

    Raises:
        ParseError: when the header row has no ``TI`` column.
    """
    lines = [line for line in normalise_newlines(text).split("\n") if line.strip()]
    allow_long_fields()
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        header = [h.strip().upper() for h in next(reader, [])]
        if "TI" not in header or "PT" not in header:
            raise ParseError(
                "not a Web of Science tab-delimited file: header has no PT/TI columns",
                source=source_label,
            )
        for n, row in enumerate(reader, start=1):
            cells = dict(zip(header, (c.strip() for c in row), strict=False))
            yield tidy_metadata(_tab_document(cells, f"{source_label}#{n}"))
    except csv.Error as exc:
        raise ParseError(
            f"malformed tab-delimited file at line {reader.line_num}: {exc}", source=source_label
        ) from exc


def _tab_document(cells: dict[str, str], source: str) -> Document:
    abstract, sections = split_sections(split_inline_headings(cells.get("AB", "")))
    return Document(
        title=normalise_space(cells.get("TI", "")),
        abstract=abstract,
        sections=sections,
        pmid=cells.get("PM") or None,
        doi=clean_doi(cells.get("DI")),
        journal=cells.get("SO") or None,
        year=parse_year(cells.get("PY")) or parse_year(cells.get("EA")),
        authors=tuple(_split(cells.get("AU", ""))),
        publication_types=tuple(_split(cells.get("DT", ""))),
        keywords=tuple(_split(cells.get("DE", "")) + _split(cells.get("ID", ""))),
        source=source,
        kind=KIND_TAB,
    )


__all__ = ["looks_like_wos_tab", "looks_like_wos_text", "parse_wos_tab", "parse_wos_text"]
