"""RIS exports (PubMed, Ovid, Embase, Scopus, WoS, Cochrane, EBSCO, ProQuest, reference managers).

Lines are read with rispy's ``RisParser`` line grammar; we keep every tag as a list of raw
values (unknown and vendor tags included) and pick the Document fields from the dialect's
tags afterwards, so a new vendor tag never crashes the import. Untagged lines continue the
previous tag (wrapped abstracts, Rayyan/EndNote one-keyword-per-line lists, Citavi's
multi-line ``U3``); a missing ``ER  -`` at the end of the file still closes the last record.

The small helpers at the bottom (:func:`normalise_newlines`, :func:`clean_doi`,
:func:`parse_year`, :func:`build_abstract`) are shared by the other export parsers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from rispy import RisParser

from ..clean.sections import (
    normalise_space,
    split_inline_headings,
    split_sections,
    tidy_metadata,
)
from ..errors import ParseError
from ..records import Document, Section

KIND = "ris"

_TAG_LINE = re.compile(r"^TY  - ?", re.MULTILINE)
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  -( |$)")


class _RawRisParser(RisParser):
    """rispy's RIS line grammar, keeping every tag's values in order under the raw tag."""

    def parse_records(self, text: str) -> list[dict[str, list[str]]]:
        return list(self.iter_records(text))

    def iter_records(self, text: str) -> Iterator[dict[str, list[str]]]:
        """Each record as soon as it is complete (a 20 MB file need not be read whole first)."""
        record: dict[str, list[str]] | None = None
        last_tag: str | None = None
        start = 0
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            line = text[start:end].rstrip()
            start = end + 1
            # Cochrane/Wiley writes "TY  -  JOUR": rispy's grammar copes (value is stripped).
            tag, content = self.parse_line(line)
            if tag == "TY":
                if record is not None:  # a record whose "ER  -" is missing
                    yield record
                record, last_tag = defaultdict(list), "TY"
                record["TY"].append(content)
            elif record is None:
                continue  # preambles: "1.", "Record #3 of 18", "Provider: ..."
            elif tag == "ER":
                yield record
                record, last_tag = None, None
            elif tag is None:
                if last_tag is not None:
                    record[last_tag].append(content)
            else:
                record[tag].append(content)
                last_tag = tag
        if record is not None:
            yield record


def looks_like_ris(head: str, name: str = "") -> bool:
    """True when ``head`` (the first ~4 KB) reads as RIS; ``name`` is only a weak hint.

    A ``.ris`` holding MEDLINE text (``PMID- ``) is rejected; a ``.txt`` with ``TY  - `` lines
    is accepted.
    """
    text = normalise_newlines(head)
    if _TAG_LINE.search(text) is None:
        return False
    tagged = sum(1 for line in text.split("\n") if _RIS_TAG.match(line))
    return tagged >= 2 or name.lower().endswith(".ris")


def parse_ris(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per RIS record.

    Args:
        text: the decoded file content (BOM, CRLF and stray CR are tolerated).
        source_label: the file name or path, used in ``Document.source`` and errors.

    Raises:
        ParseError: when the text holds no ``TY  -`` record at all.
    """
    n = 0
    for n, rec in enumerate(_RawRisParser().iter_records(normalise_newlines(text)), start=1):
        yield tidy_metadata(_document(rec, f"{source_label}#{n}"))
    if not n:
        raise ParseError("no RIS records found (no 'TY  - ' line)", source=source_label)


def _document(rec: dict[str, list[str]], source: str) -> Document:
    def first(*tags: str) -> str:
        for tag in tags:
            value = _joined(rec.get(tag, ()))
            if value:
                return value
        return ""

    abstract_raw = max((_joined(rec.get(t, ()), "\n") for t in ("AB", "N2")), key=len)
    abstract, sections = build_abstract(abstract_raw)
    authors = _values(rec, "AU") or _values(rec, "A1")
    year = None
    for tag in ("PY", "Y1", "DA", "Y2"):
        year = parse_year(first(tag))
        if year:
            break
    return Document(
        title=first("TI", "T1", "ST", "CT", "BT"),
        abstract=abstract,
        sections=sections,
        pmid=_pmid(rec),
        doi=_doi(rec),
        journal=first("JF", "T2", "JO", "JA", "J2", "J1") or None,
        year=year,
        authors=tuple(authors),
        publication_types=tuple(_values(rec, "M3")),
        keywords=tuple(_values(rec, "KW")),
        source=source,
        kind=KIND,
    )


def _values(rec: dict[str, list[str]], tag: str) -> list[str]:
    """Every non-empty value of a repeatable tag (one per line, continuations included)."""
    return [v for v in (normalise_space(x) for x in rec.get(tag, ())) if v]


def _joined(values: Iterable[str], sep: str = " ") -> str:
    return sep.join(v.strip() for v in values if v.strip()).strip()


def _doi(rec: dict[str, list[str]]) -> str | None:
    for tag in ("DO", "DI", "L3", "M3", "L2", "UR", "LK", "N1"):
        for value in rec.get(tag, ()):
            if tag in {"L2", "UR", "LK", "N1"} and "doi" not in value.lower():
                continue
            doi = clean_doi(value)
            if doi:
                return doi
    return None


_PMID_IN_TEXT = re.compile(
    r"(?:\bPMID:?\s*|\bPUBMED\s+|pubmed(?:\.ncbi\.nlm\.nih\.gov)?/|[?&]pmid[=:])(\d{1,9})\b",
    re.IGNORECASE,
)


def _pmid(rec: dict[str, list[str]]) -> str | None:
    databases = " ".join([*rec.get("DB", ()), *rec.get("DP", ())]).lower()
    accession = _joined(rec.get("AN", ()))
    if accession.isdigit() and any(k in databases for k in ("medline", "pubmed", "nlm")):
        return accession
    if "embase" in databases:  # Embase.com puts the PMID in C5
        c5 = _joined(rec.get("C5", ()))
        if c5.isdigit():
            return c5
    for tag in ("AN", "C1", "C2", "C3", "C5", "C7", "N1", "M1", "M2", "UR", "L2"):
        for value in rec.get(tag, ()):
            match = _PMID_IN_TEXT.search(value)
            if match:
                return match.group(1)
    return None


# --- helpers shared by the other export parsers ------------------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/\S+")


def normalise_newlines(text: str) -> str:
    """Drop a leading BOM and turn CRLF and stray CR into LF."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def clean_doi(value: str | None) -> str | None:
    """The bare ``10.…`` DOI inside ``value`` (URL prefixes and %-escapes removed), or None."""
    if not value:
        return None
    text = unquote(value) if "%2" in value.lower() else value
    match = _DOI.search(text)
    if not match:
        return None
    doi = match.group(0).rstrip(".,;)]}>'\"")
    return doi.split("&")[0] if "?" not in doi and "&" in doi else doi


def parse_year(value: str | None) -> int | None:
    """The first plausible four-digit year (1500–2099) in ``value``, or None."""
    if not value:
        return None
    match = re.search(r"(?<!\d)(1[5-9]\d{2}|20\d{2})(?!\d)", value)
    return int(match.group(1)) if match else None


def build_abstract(raw: str) -> tuple[str, tuple[Section, ...]]:
    """Normalise an abstract; structured ones become ``"LABEL: body"`` paragraphs with sections.

    Args:
        raw: abstract text as found in the export (may hold newlines and inline headings).

    Returns:
        ``(abstract, sections)``; ``("", ())`` for an empty abstract.
    """
    if not raw or not raw.strip():
        return "", ()
    return split_sections(split_inline_headings(raw))


def split_names(value: str) -> tuple[str, ...]:
    """Split an author string on ``;`` (or on ``,`` when no ``;`` is present)."""
    sep = ";" if ";" in value else ","
    return tuple(n for n in (normalise_space(p) for p in value.split(sep)) if n)


__all__ = [
    "build_abstract",
    "clean_doi",
    "looks_like_ris",
    "normalise_newlines",
    "parse_ris",
    "parse_year",
    "split_names",
]
