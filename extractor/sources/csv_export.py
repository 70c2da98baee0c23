"""CSV exports: Scopus, Embase.com, PubMed (current and legacy), EBSCOhost, Cochrane.

The header row is found among the first rows (Embase can write preamble lines above it) as
the first row with a title column and at least one more known column; column names are
matched case-insensitively. EBSCO's Excel-formula quoting (``="19326203"``) is undone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from ..clean.sections import normalise_space, tidy_metadata
from ..errors import ParseError
from ..records import Document
from .ris import build_abstract, clean_doi, normalise_newlines, parse_year, split_names

KIND = "csv"

#: Document field → accepted column names (lower case), in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "ti", "primary title"),
    "abstract": ("abstract", "ab", "abstract note"),
    "doi": ("doi", "di"),
    "pmid": ("pmid", "pubmed id", "pubmed_id", "pm"),
    "year": ("year", "publication year", "py", "publication date", "date"),
    "authors": ("authors", "author(s)", "author names", "au", "author"),
    "journal": (
        "source title",
        "journal",
        "journal title",
        "journal/book",
        "so",
        "secondary title",
        "publication title",
        "source",
    ),
    "types": ("document type", "publication type", "doctype", "dt", "pt"),
    "keywords": ("author keywords", "keywords", "index keywords", "subjects", "de", "kw"),
}
_KNOWN = {name for names in COLUMNS.values() for name in names} | {
    "url",
    "entrezuid",
    "identifiers",
}
_TITLES = set(COLUMNS["title"])
_HEADER_SCAN = 30


def looks_like_csv_export(head: str, name: str = "") -> bool:
    """True when a comma/semicolon/tab header row with a title column is near the top."""
    text = normalise_newlines(head)
    if "\n" not in text and len(text) >= 4096:
        return False
    if name.lower().endswith(".csv"):
        return _find_header(text) is not None
    found = _find_header(text)
    return found is not None and found[0] != "\t"  # tab files with PT/AU codes are WoS


def parse_csv_export(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per data row of a bibliographic CSV export.

    Raises:
        ParseError: when no header row with a title column is found, the file ends inside a
            quoted field (cut short), or the CSV is malformed (records before the fault have
            been yielded).
    """
    text = normalise_newlines(text)
    found = _find_header(text)
    if found is None:
        raise ParseError(
            "no CSV header row with a Title column found in the first rows", source=source_label
        )
    delimiter, header_index = found
    allow_long_fields()
    if _ends_inside_quotes(text, delimiter):
        raise ParseError("the file ends inside a quoted field (cut short?)", source=source_label)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    n = 0
    try:
        for i, row in enumerate(rows):
            if i < header_index:
                continue
            if i == header_index:
                header = [h.strip().lower() for h in row]
                continue
            if not any(cell.strip() for cell in row):
                continue
            n += 1
            cells = {h: _unformula(v) for h, v in zip(header, row, strict=False) if h}
            yield tidy_metadata(_document(cells, header, f"{source_label}#{n}"))
    except csv.Error as exc:
        raise ParseError(
            f"malformed CSV at line {rows.line_num}: {exc}", source=source_label
        ) from exc


#: Longest CSV field read (the csv module's default, 131,072 characters, is less than a long
#: reference list; more than the 20 MB input cap is never needed).
FIELD_LIMIT = 1 << 25


def allow_long_fields() -> None:
    """Raise the csv module's field size limit to :data:`FIELD_LIMIT` (never lower it)."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)


def _ends_inside_quotes(text: str, delimiter: str) -> bool:
    """True when the text ends inside a quoted field: a file cut short. (The csv module reads
    such a field to the end of the file unless strict; only its end-of-data error counts here,
    and a stricter error earlier in the file leaves the answer False.)"""
    try:
        for _row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _find_header(text: str) -> tuple[str, int] | None:
    """``(delimiter, row index)`` of the header row, or None."""
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text[:65536]), delimiter=delimiter)
            for i, row in enumerate(reader):
                if i >= _HEADER_SCAN:
                    break
                names = {c.strip().lower() for c in row}
                if names & _TITLES and len(names & _KNOWN) >= 2:
                    return delimiter, i
        except csv.Error:
            continue
    return None


def _unformula(value: str) -> str:
    match = re.fullmatch(r'\s*="(.*)"\s*', value)
    return (match.group(1) if match else value).strip()


def _document(cells: dict[str, str], header: list[str], source: str) -> Document:
    def get(field: str) -> str:
        for name in COLUMNS[field]:
            if cells.get(name):
                return cells[name]
        return ""

    legacy_pubmed = "entrezuid" in header
    abstract, sections = build_abstract(get("abstract"))
    journal = get("journal")
    year = parse_year(get("year"))
    if "source" in cells and journal == cells["source"]:
        # Embase.com packs "Journal (2014) 3:3 (152-160)" into Source.
        year = year or parse_year(journal)
        journal = re.split(r"\s+\((?:1[5-9]|20)\d\d\)", journal)[0]
    pmid = re.sub(r"\D", "", get("pmid"))
    authors = get("authors")
    if legacy_pubmed:
        pmid = pmid or _legacy_pmid(cells)
        authors = authors or cells.get("description", "")
        journal = journal or cells.get("shortdetails", "").split(".")[0]
        year = year or parse_year(cells.get("shortdetails"))
    doi = clean_doi(get("doi"))
    if doi is None and "citation" in cells:  # current PubMed: "…. doi: 10.1016/…"
        doi = clean_doi(cells["citation"])
    return Document(
        title=normalise_space(get("title")),
        abstract=abstract,
        sections=sections,
        pmid=pmid or None,
        doi=doi,
        journal=normalise_space(journal) or None,
        year=year,
        authors=split_names(authors),
        publication_types=tuple(_split(get("types"))),
        keywords=tuple(k for name in COLUMNS["keywords"] for k in _split(cells.get(name, ""))),
        source=source,
        kind=KIND,
    )


def _legacy_pmid(cells: dict[str, str]) -> str:
    match = re.search(r"PMID:\s*(\d+)", cells.get("identifiers", ""))
    if match:
        return match.group(1)
    uid = cells.get("entrezuid", "")
    return uid if uid.isdigit() and cells.get("db", "pubmed") == "pubmed" else ""


def _split(value: str) -> list[str]:
    sep = ";" if ";" in value else ","
    return [v for v in (normalise_space(p) for p in value.split(sep)) if v]


__all__ = [
    "COLUMNS",
    "FIELD_LIMIT",
    "allow_long_fields",
    "looks_like_csv_export",
    "parse_csv_export",
]
