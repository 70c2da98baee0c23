"""Read MEDLINE tagged text (PubMed "Format: PubMed", ``.nbib`` citation-manager files).

Each line is ``TAG - value`` with the tag left-aligned in columns 1-4 and ``-`` in column 5;
long values wrap onto continuation lines indented six spaces; records are separated by blank
lines (a second ``PMID-`` inside one block also starts a new record). CRLF, a leading BOM and
stray carriage returns are tolerated. Structured abstracts arrive as one run-on ``AB``
paragraph (``"BACKGROUND: … METHODS: …"``) and are split into labelled sections with
:func:`extractor.clean.sections.split_inline_headings`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..clean.sections import (
    normalise_space,
    split_inline_headings,
    split_sections,
    tidy_metadata,
)
from ..errors import ParseError
from ..records import Document, MeshTerm

KIND = "medline"

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: (.*)|\s*)$")
_SNIFF_PMID = re.compile(r"(?m)^PMID- ?\d")
_SNIFF_TAGS = re.compile(r"(?m)^(?:TI|AB|DP|AU|FAU|OWN|STAT|PMC|TA|JT) {0,3}- ")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

Record = list[tuple[str, str]]


def looks_like_medline(head: str) -> bool:
    """True when ``head`` (the first few KB of a file, as text) is MEDLINE tagged text."""
    head = _normalise_newlines(head.lstrip("\ufeff"))
    return bool(_SNIFF_PMID.search(head)) and bool(_SNIFF_TAGS.search(head))


def parse_medline(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per record of MEDLINE tagged text.

    Args:
        text: the whole file as text.
        source_label: the path or name of the input; Documents get ``f"{source_label}#{n}"``
            with ``n`` the 1-based record number.

    Yields:
        Documents of kind ``medline``; records without an abstract are included (abstract "").

    Raises:
        ParseError: the text is not empty but holds no MEDLINE tag lines at all.
    """
    found = False
    for number, record in enumerate(iter_records(text), 1):
        found = True
        yield tidy_metadata(_document(record, f"{source_label}#{number}"))
    if not found and text.strip("\ufeff \t\r\n"):
        raise ParseError(
            "no MEDLINE records found (expected lines like 'PMID- …')", source=source_label
        )


def iter_records(text: str) -> Iterator[Record]:
    """Split MEDLINE text into records: lists of ``(tag, value)`` with wrapped lines joined."""
    record: Record = []
    for line in _normalise_newlines(text.lstrip("\ufeff")).split("\n"):
        if not line.strip():
            if _is_record(record):
                yield record
            record = []
            continue
        match = _TAG_LINE.match(line)
        if match:
            tag, value = match.group(1), (match.group(2) or "").strip()
            if tag == "PMID" and any(t == "PMID" for t, _ in record):
                yield record
                record = []
            record.append((tag, value))
        elif record:
            # A continuation line (normally indented six spaces): MEDLINE wraps at spaces.
            tag, value = record[-1]
            record[-1] = (tag, f"{value} {line.strip()}".strip())
    if _is_record(record):
        yield record


def _is_record(record: Record) -> bool:
    return any(tag in ("PMID", "TI", "AB", "BTI") for tag, _ in record)


def _normalise_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if "\n" not in text:
        return text.replace("\r", "\n")  # old Mac line ends
    return text.replace("\r", " ")  # a stray CR inside a line


def _document(record: Record, source: str) -> Document:
    fields: dict[str, list[str]] = {}
    for tag, value in record:
        fields.setdefault(tag, []).append(value)

    def first(*tags: str) -> str:
        for tag in tags:
            for value in fields.get(tag, ()):
                if value:
                    return value
        return ""

    abstract_text = " ".join(v for v in fields.get("AB", ()) if v)
    abstract, sections = (
        split_sections(split_inline_headings(abstract_text)) if abstract_text else ("", ())
    )
    year, date = _dates(first("DP"), first("DEP"))
    pmcid = first("PMC") or None
    return Document(
        title=normalise_space(first("TI", "BTI", "TT")),
        abstract=abstract,
        sections=sections,
        pmid=first("PMID") or None,
        doi=_doi(fields),
        journal=first("JT", "TA") or None,
        year=year,
        authors=_authors(record),
        publication_types=tuple(v for v in fields.get("PT", ()) if v),
        source=source,
        kind=KIND,
        site=None,
        pmcid=pmcid,
        date=date,
        mesh_terms=tuple(_mesh(v) for v in fields.get("MH", ()) if v),
        keywords=tuple(v for v in fields.get("OT", ()) if v),
    )


def _authors(record: Record) -> tuple[str, ...]:
    """``AU`` ("Lastname Initials") and ``CN`` (collective names) in order; ``FAU`` when no AU."""
    tags = ("AU", "CN") if any(t == "AU" for t, _ in record) else ("FAU", "CN")
    return tuple(v for t, v in record if t in tags and v)


def _doi(fields: dict[str, list[str]]) -> str | None:
    for tag in ("AID", "LID"):
        for value in fields.get(tag, ()):
            if value.endswith("[doi]"):
                return value[: -len("[doi]")].strip() or None
    return None


def _mesh(value: str) -> MeshTerm:
    """``"Aneurysm/*surgery/therapy"`` → MeshTerm("Aneurysm", True, ("surgery", "therapy"))."""
    descriptor, *qualifiers = (part.strip() for part in value.split("/"))
    major = descriptor.startswith("*") or any(q.startswith("*") for q in qualifiers)
    return MeshTerm(descriptor.lstrip("*"), major, tuple(q.lstrip("*") for q in qualifiers if q))


def _dates(dp: str, dep: str) -> tuple[int | None, str | None]:
    """``(year, ISO date)`` from ``DP`` ("2018 Mar 30", "1998 Dec-1999 Jan", "2000 Spring");
    the electronic date ``DEP`` (``YYYYMMDD``) is used when DP gives only the year."""
    date: str | None = None
    match = re.match(r"(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:\s+(\d{1,2}))?\b)?", dp)
    if match:
        year, month_name, day = match.groups()
        month = _MONTHS.get((month_name or "").lower())
        if month and day and 1 <= int(day) <= 31:
            date = f"{year}-{month:02d}-{int(day):02d}"
        elif month:
            date = f"{year}-{month:02d}"
        else:
            date = year
    electronic = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", dep)
    if electronic and (date is None or date == electronic.group(1)):
        date = "-".join(electronic.groups())
    return (int(date[:4]) if date else None), date


__all__ = ["iter_records", "looks_like_medline", "parse_medline"]
