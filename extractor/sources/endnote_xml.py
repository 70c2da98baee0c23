"""EndNote XML exports (``<xml><records><record>…``), read with defusedxml.

Values are usually wrapped in ``<style face="normal" …>`` elements, so every field is read as
the concatenated text of its element. Entity bombs and external entities raise ParseError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..clean.sections import normalise_space, tidy_metadata
from ..errors import ParseError
from ..records import Document
from .ris import build_abstract, clean_doi, normalise_newlines, parse_year

KIND = "endnote-xml"


def looks_like_endnote_xml(head: str, name: str = "") -> bool:
    """True for XML whose root holds ``<records><record>`` (EndNote's export layout)."""
    del name
    text = normalise_newlines(head).lstrip()
    return text.startswith("<") and "<records>" in text and "<record>" in text


def parse_endnote_xml(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield one Document per ``<record>`` of an EndNote XML export.

    Raises:
        ParseError: for malformed or hostile XML, or XML without ``<records>``.
    """
    text = text.lstrip("\ufeff").lstrip()
    try:
        root = fromstring(text)
    except DefusedXmlException as exc:
        raise ParseError(f"refused unsafe XML ({type(exc).__name__})", source=source_label) from exc
    except XMLParseError as exc:
        raise ParseError(f"malformed XML: {exc}", source=source_label) from exc
    records = root.findall(".//records/record") or (
        root.findall("record") if root.tag == "records" else []
    )
    if root.find(".//records") is None and root.tag != "records":
        raise ParseError("not an EndNote XML export (no <records> element)", source=source_label)
    for n, record in enumerate(records, start=1):
        yield tidy_metadata(_document(record, f"{source_label}#{n}"))


def _text(element: Element | None) -> str:
    return normalise_space("".join(element.itertext())) if element is not None else ""


def _document(record: Element, source: str) -> Document:
    def first(*paths: str) -> str:
        for path in paths:
            value = _text(record.find(path))
            if value:
                return value
        return ""

    abstract_el = record.find("abstract")
    raw_abstract = "".join(abstract_el.itertext()) if abstract_el is not None else ""
    abstract, sections = build_abstract(raw_abstract.replace("\r", "\n"))
    provider = first("remote-database-provider", "remote-database-name").lower()
    accession = first("accession-num")
    pmid = accession if accession.isdigit() and ("nlm" in provider or "pubmed" in provider) else ""
    if not pmid:
        match = re.search(r"PMID:?\s*(\d{1,9})", first("notes") + " " + first("custom2"))
        pmid = match.group(1) if match else ""
    ref_type = record.find("ref-type")
    return Document(
        title=first("titles/title"),
        abstract=abstract,
        sections=sections,
        pmid=pmid or None,
        doi=clean_doi(first("electronic-resource-num")),
        journal=first("periodical/full-title", "titles/secondary-title", "periodical/abbr-1")
        or None,
        year=parse_year(first("dates/year")),
        authors=tuple(
            a for a in (_text(x) for x in record.findall("contributors/authors/author")) if a
        ),
        publication_types=tuple(
            t for t in [ref_type.get("name", "") if ref_type is not None else ""] if t
        ),
        keywords=tuple(k for k in (_text(x) for x in record.findall("keywords/keyword")) if k),
        source=source,
        kind=KIND,
    )


__all__ = ["looks_like_endnote_xml", "parse_endnote_xml"]
