"""Read PMC JATS XML (one ``<article>`` or an efetch ``<pmc-articleset>``) into Documents.

Only the front matter is used: the abstract, title, ids, journal, dates, authors, keywords
and ``article-type``; the body is not read. The main abstract is the first ``<abstract>``
without ``abstract-type`` (else the first one that is not a graphical/teaser/TOC summary);
its ``<sec>``/``<title>`` parts become labelled sections. ``<trans-abstract>`` is ignored.

Parsing streams with ``defusedxml``'s parser (:func:`~extractor.sources.pubmed_xml.iter_xml`)
and frees each article after use, so a large ``pmc-articleset`` stays in bounded memory.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..clean.sections import split_leading_heading, split_sections, tidy_metadata
from ..errors import ParseError
from ..records import Document, Section
from .pubmed_xml import element_text, iter_xml, open_binary

KIND = "pmc-jats"

_RECORD_TAGS = frozenset({"article"})
_ROOT_TAGS = frozenset({"pmc-articleset", "article"})
# abstract-type values that are not the article's abstract proper.
_SIDE_ABSTRACTS = frozenset(
    {"graphical", "teaser", "toc", "short", "web-summary", "precis", "editor-summary"}
)
# pub-date kinds, most preferred first (the issue date, as for PubMed's PubDate).
_DATE_PREFERENCE = ("ppub", "epub-ppub", "collection", "pub", "epub", "")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_SNIFF = re.compile(r"<(?:pmc-articleset|article)[\s>]")
_JATS_HINTS = ("JATS", "Journal Archiving", "Journal Publishing", "<front>", "<article-meta")


def looks_like_jats(head: str) -> bool:
    """True when ``head`` (the first few KB of a file) is PMC/JATS article XML."""
    if "<pmc-articleset" in head or re.search(r"<!DOCTYPE article\s+PUBLIC\s+\"-//NLM//", head):
        return True
    return bool(_SNIFF.search(head)) and any(hint in head for hint in _JATS_HINTS)


def parse_jats(
    source: str | Path | BinaryIO, *, source_label: str | None = None
) -> Iterator[Document]:
    """Yield one Document per ``<article>`` in a JATS file, streaming.

    Args:
        source: a path, or a binary file object opened for reading.
        source_label: how to name the input in ``Document.source`` and in errors (default:
            the path or the stream's ``name``); Documents get ``f"{source_label}#{n}"``.

    Yields:
        Documents of kind ``pmc-jats``; articles without an abstract are included.

    Raises:
        InputError: the path cannot be opened.
        ParseError: malformed, truncated or unsafe XML, or a root other than ``<article>`` /
            ``<pmc-articleset>``.
    """
    with open_binary(source, source_label) as (stream, label):
        records = iter_xml(stream, label, _RECORD_TAGS, _check_root)
        for number, elem in enumerate(records, 1):
            yield tidy_metadata(_article(elem, f"{label}#{number}"))


def _check_root(tag: str, label: str) -> None:
    if tag not in _ROOT_TAGS:
        raise ParseError(f"not JATS article XML (root element <{tag}>)", source=label)


def _article(elem: ET.Element, source: str) -> Document:
    meta = elem.find("front/article-meta")
    if meta is None:
        meta = ET.Element("article-meta")
    journal_meta = elem.find("front/journal-meta")
    ids = {
        (item.get("pub-id-type") or ""): element_text(item)
        for item in reversed(meta.findall("article-id"))
    }
    pmcid = ids.get("pmcid") or ids.get("pmc") or None
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"
    abstract, sections = _abstract(_main_abstract(meta))
    date = _date(meta)
    article_type = elem.get("article-type")
    return Document(
        title=element_text(meta.find("title-group/article-title")),
        abstract=abstract,
        sections=sections,
        pmid=ids.get("pmid") or None,
        doi=ids.get("doi") or None,
        journal=_journal(journal_meta),
        year=int(date[:4]) if date else None,
        authors=_authors(meta),
        publication_types=(article_type,) if article_type else (),
        source=source,
        kind=KIND,
        site=None,
        pmcid=pmcid,
        date=date,
        keywords=tuple(t for t in (element_text(k) for k in meta.findall("kwd-group/kwd")) if t),
    )


def _main_abstract(meta: ET.Element) -> ET.Element | None:
    abstracts = meta.findall("abstract")
    for abstract in abstracts:
        if not abstract.get("abstract-type"):
            return abstract
    for abstract in abstracts:
        if abstract.get("abstract-type") not in _SIDE_ABSTRACTS:
            return abstract
    return abstracts[0] if abstracts else None


def _abstract(elem: ET.Element | None) -> tuple[str, tuple[Section, ...]]:
    if elem is None:
        return "", ()
    items: list[tuple[str | None, str]] = []
    _collect(elem, items)
    if not items:
        return "", ()
    return split_sections(items)


def _collect(elem: ET.Element, items: list[tuple[str | None, str]]) -> None:
    """Flatten an abstract: each ``<sec>`` → ``(title, its paragraphs)``; a loose ``<p>``
    → ``(inline heading or None, text)``, so ``"Background: …"`` is still recognised.

    Nested ``<sec>``s follow their parent, in document order; the parent's own paragraphs are
    read once. The walk keeps its own stack: an abstract nested 100,000 levels deep must not
    reach Python's recursion limit.
    """
    # (children still to visit, inside a <sec>: only nested <sec>s are read there)
    stack: list[tuple[Iterator[ET.Element], bool]] = [(iter(elem), False)]
    while stack:
        children, in_sec = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if child.tag == "sec":
            title = element_text(child.find("title")) or None
            paras = [element_text(p) for p in child if p.tag not in ("title", "sec", "label")]
            body = " ".join(p for p in paras if p)
            if body or title:
                items.append((title, body))
            if child.find("sec") is not None:
                stack.append((iter(child), True))
        elif not in_sec and child.tag in ("p", "list", "disp-quote", "statement"):
            text = element_text(child)
            if text:
                items.append(split_leading_heading(text))


def _journal(journal_meta: ET.Element | None) -> str | None:
    if journal_meta is None:
        return None
    title = element_text(journal_meta.find("journal-title-group/journal-title")) or element_text(
        journal_meta.find("journal-title")
    )
    if title:
        return title
    for jid in journal_meta.findall("journal-id"):
        if jid.get("journal-id-type") in ("nlm-ta", "iso-abbrev") and element_text(jid):
            return element_text(jid)
    return None


def _authors(meta: ET.Element) -> tuple[str, ...]:
    out: list[str] = []
    for contrib in meta.findall("contrib-group/contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = contrib.find("name")
        if name is None:
            name = contrib.find("name-alternatives/name")
        if name is not None:
            surname = element_text(name.find("surname"))
            given = element_text(name.find("given-names"))
            initials = "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w)
            if surname:
                out.append(f"{surname} {initials}".strip())
                continue
        collab = element_text(contrib.find("collab"))
        if collab:
            out.append(collab)
    return tuple(out)


def _date(meta: ET.Element) -> str | None:
    """ISO date of the issue (``ppub``...); the e-pub date if the issue gives only a year."""
    found: dict[str, str] = {}
    for pub_date in meta.findall("pub-date"):
        kind = pub_date.get("pub-type") or pub_date.get("date-type") or ""
        iso = _iso(pub_date)
        if iso and kind not in found:
            found[kind] = iso
    if not found:
        return None
    date = next((found[k] for k in _DATE_PREFERENCE if k in found), next(iter(found.values())))
    epub = found.get("epub")
    if epub and len(date) == 4 and epub.startswith(date):
        date = epub
    return date


def _iso(elem: ET.Element) -> str | None:
    year = element_text(elem.find("year"))
    if not re.fullmatch(r"\d{4}", year):
        return None
    month_text = element_text(elem.find("month")).lower()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3])
    if not month or not 1 <= month <= 12:
        return year
    day = element_text(elem.find("day"))
    if day.isdigit() and 1 <= int(day) <= 31:
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"


__all__ = ["looks_like_jats", "parse_jats"]
