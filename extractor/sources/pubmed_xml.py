"""Stream PubMed XML (E-utilities ``efetch`` output, baseline files) into Documents.

The file is read with ``defusedxml``'s parser, incrementally: each ``PubmedArticle`` or
``PubmedBookArticle`` is turned into a :class:`~extractor.records.Document` as soon as its end
tag is seen and is then cleared, so memory stays flat however large the file is.

Other E-utilities results (``eSearchResult``, ``eSummaryResult``, ``eLinkResult``) are not
articles: :func:`parse_pubmed_xml` raises :class:`~extractor.errors.ParseError` for them
("… is an esearch result, not articles") rather than silently yielding nothing, so a caller
who passed the wrong file finds out. Reading their ids is the E-utilities module's job.

The small XML helpers at the bottom (:func:`open_binary`, :func:`iter_xml`,
:func:`element_text`) are shared with :mod:`extractor.sources.jats`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..clean.sections import normalise_space, split_sections, tidy_metadata
from ..errors import InputError, ParseError
from ..records import Document, MeshTerm, Section

KIND = "pubmed-xml"

_ARTICLE_TAGS = frozenset({"PubmedArticle", "PubmedBookArticle"})
_ROOT_TAGS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet"}) | _ARTICLE_TAGS
_EUTILS_ROOTS = {
    "eSearchResult": "an esearch result",
    "eSummaryResult": "an esummary result",
    "eLinkResult": "an elink result",
    "eInfoResult": "an einfo result",
    "ePostResult": "an epost result",
}
_NO_LABEL = frozenset({"", "UNLABELLED", "UNLABELED", "UNASSIGNED"})
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_SNIFF = re.compile(r"<(?:PubmedArticleSet|PubmedArticle|PubmedBookArticle(?:Set)?)[\s>]")


def looks_like_pubmed_xml(head: str) -> bool:
    """True when ``head`` (the first few KB of a file) is PubMed article XML.

    E-utilities search/summary results are *not* recognised: they hold ids, not articles.
    """
    return bool(_SNIFF.search(head)) or "<!DOCTYPE PubmedArticleSet" in head


def parse_pubmed_xml(
    source: str | Path | BinaryIO, *, source_label: str | None = None
) -> Iterator[Document]:
    """Yield one Document per article in a PubMed XML file, streaming.

    Args:
        source: a path, or a binary file object opened for reading.
        source_label: how to name the input in ``Document.source`` and in errors (default:
            the path, or the file object's ``name``). Each Document's source is
            ``f"{source_label}#{n}"`` with ``n`` the 1-based article number in the file.

    Yields:
        Documents of kind ``pubmed-xml``, articles without an abstract included (abstract "").

    Raises:
        InputError: the path cannot be opened.
        ParseError: the XML is malformed or truncated (articles before the fault have already
            been yielded), uses entity declarations or external entities (forbidden), or is not
            PubMed article XML (an esearch/esummary result, an HTML page ...).
    """
    with open_binary(source, source_label) as (stream, label):
        records = iter_xml(stream, label, _ARTICLE_TAGS, _check_root)
        for number, elem in enumerate(records, 1):
            yield tidy_metadata(_article(elem, f"{label}#{number}"))


def _check_root(tag: str, label: str) -> None:
    if tag in _EUTILS_ROOTS:
        raise ParseError(f"{_EUTILS_ROOTS[tag]}, not articles (<{tag}>)", source=label)
    if tag not in _ROOT_TAGS:
        raise ParseError(f"not PubMed article XML (root element <{tag}>)", source=label)


# --- one article ---------------------------------------------------------------------------


def _article(elem: ET.Element, source: str) -> Document:
    if elem.tag == "PubmedBookArticle":
        return _book(elem, source)
    citation = elem.find("MedlineCitation")
    if citation is None:
        citation = ET.Element("MedlineCitation")
    article = citation.find("Article")
    if article is None:
        article = ET.Element("Article")
    title = element_text(article.find("ArticleTitle")) or element_text(
        article.find("VernacularTitle")
    )
    abstract, sections = _abstract(article.find("Abstract"))
    journal_el = article.find("Journal")
    journal = None
    pub_date = None
    if journal_el is not None:
        journal = (
            element_text(journal_el.find("Title"))
            or element_text(journal_el.find("ISOAbbreviation"))
            or None
        )
        pub_date = journal_el.find("JournalIssue/PubDate")
    journal = journal or element_text(citation.find("MedlineJournalInfo/MedlineTA")) or None
    ids = _ids(elem.find("PubmedData/ArticleIdList"))
    doi = ids.get("doi")
    if doi is None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and element_text(loc):
                doi = element_text(loc)
                break
    year, date = _dates(pub_date, article.find("ArticleDate"))
    return Document(
        title=title,
        abstract=abstract,
        sections=sections,
        pmid=element_text(citation.find("PMID")) or None,
        doi=doi,
        journal=journal,
        year=year,
        authors=_authors(article.find("AuthorList")),
        publication_types=_texts(article.findall("PublicationTypeList/PublicationType")),
        source=source,
        kind=KIND,
        site=None,
        pmcid=ids.get("pmc"),
        date=date,
        mesh_terms=_mesh(citation.find("MeshHeadingList")),
        keywords=_texts(citation.findall("KeywordList/Keyword")),
    )


def _book(elem: ET.Element, source: str) -> Document:
    doc = elem.find("BookDocument")
    if doc is None:
        doc = ET.Element("BookDocument")
    book_title = element_text(doc.find("Book/BookTitle"))
    abstract, sections = _abstract(doc.find("Abstract"))
    ids = _ids(doc.find("ArticleIdList"))
    ids = {**_ids(elem.find("PubmedBookData/ArticleIdList")), **ids}
    year, date = _dates(doc.find("Book/PubDate"), None)
    authors: tuple[str, ...] = ()
    for author_list in doc.findall("AuthorList"):
        if author_list.get("Type", "authors") == "authors":
            authors = _authors(author_list)
            break
    return Document(
        title=element_text(doc.find("ArticleTitle")) or book_title,
        abstract=abstract,
        sections=sections,
        pmid=element_text(doc.find("PMID")) or None,
        doi=ids.get("doi"),
        journal=book_title or None,
        year=year,
        authors=authors,
        publication_types=_texts(doc.findall("PublicationType")),
        source=source,
        kind=KIND,
        site=None,
        pmcid=ids.get("pmc"),
        date=date,
        keywords=_texts(doc.findall("KeywordList/Keyword")),
    )


def _abstract(elem: ET.Element | None) -> tuple[str, tuple[Section, ...]]:
    """``(abstract, sections)`` from an ``<Abstract>``; CopyrightInformation is left out."""
    if elem is None:
        return "", ()
    pairs: list[tuple[str | None, str]] = []
    for part in elem.findall("AbstractText"):
        label = normalise_space(part.get("Label") or "")
        if label.upper() in _NO_LABEL:
            category = (part.get("NlmCategory") or "").strip()
            label = category if category.upper() not in _NO_LABEL else ""
        pairs.append((label or None, element_text(part)))
    if not any(body for _, body in pairs):
        return "", ()
    return split_sections(pairs)


def _authors(elem: ET.Element | None) -> tuple[str, ...]:
    if elem is None:
        return ()
    out: list[str] = []
    for author in elem.findall("Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue
        last = element_text(author.find("LastName"))
        if last:
            initials = element_text(author.find("Initials")) or element_text(
                author.find("ForeName")
            )
            suffix = element_text(author.find("Suffix"))
            out.append(" ".join(p for p in (last, initials, suffix) if p))
        else:
            name = element_text(author.find("CollectiveName"))
            if name:
                out.append(name)
    return tuple(out)


def _mesh(elem: ET.Element | None) -> tuple[MeshTerm, ...]:
    if elem is None:
        return ()
    out: list[MeshTerm] = []
    for heading in elem.findall("MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        qualifiers = heading.findall("QualifierName")
        major = descriptor.get("MajorTopicYN") == "Y" or any(
            q.get("MajorTopicYN") == "Y" for q in qualifiers
        )
        out.append(MeshTerm(element_text(descriptor), major, _texts(qualifiers)))
    return tuple(out)


def _ids(elem: ET.Element | None) -> dict[str, str]:
    """``{"doi": ..., "pmc": "PMC…"}`` from an ``<ArticleIdList>`` (first of each type)."""
    out: dict[str, str] = {}
    if elem is None:
        return out
    for item in elem.findall("ArticleId"):
        kind = item.get("IdType", "")
        value = element_text(item)
        if value and kind not in out:
            if kind == "pmc" and not value.upper().startswith("PMC"):
                value = f"PMC{value}"
            out[kind] = value
    return out


def _dates(
    pub_date: ET.Element | None, article_date: ET.Element | None
) -> tuple[int | None, str | None]:
    """``(year, ISO date)``: the issue date, or the electronic date when it is more precise."""
    issue = _iso_date(pub_date)
    electronic = _iso_date(article_date)
    date = issue
    if electronic and (not issue or (len(issue) == 4 and electronic[:4] == issue)):
        date = electronic
    year = int(date[:4]) if date else None
    return year, date


def _iso_date(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    year = element_text(elem.find("Year"))
    if not year:
        # MedlineDate: "1998 Dec-1999 Jan", "2000 Spring" -> the first year only.
        match = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", element_text(elem.find("MedlineDate")))
        return match.group(1) if match else None
    if not re.fullmatch(r"\d{4}", year):
        return None
    month_text = element_text(elem.find("Month")).lower()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3])
    if not month or not 1 <= month <= 12:
        return year
    day_text = element_text(elem.find("Day"))
    if day_text.isdigit() and 1 <= int(day_text) <= 31:
        return f"{year}-{month:02d}-{int(day_text):02d}"
    return f"{year}-{month:02d}"


def _texts(elems: list[ET.Element]) -> tuple[str, ...]:
    return tuple(t for t in (element_text(e) for e in elems) if t)


# --- XML helpers shared with jats.py -------------------------------------------------------


@contextmanager
def open_binary(
    source: str | Path | BinaryIO, source_label: str | None
) -> Iterator[tuple[BinaryIO, str]]:
    """Open ``source`` for binary reading; yield ``(stream, label)``; close what we opened.

    Raises:
        InputError: a path that cannot be opened.
    """
    if isinstance(source, str | Path):
        label = source_label or str(source)
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror or exc}", source=label) from exc
        try:
            yield cast(BinaryIO, handle), label
        finally:
            handle.close()
    else:
        yield source, source_label or str(getattr(source, "name", "") or "<stream>")


# Bytes fed to expat at a time; doubled (up to the maximum) while a feed completes no element.
_CHUNK = 64 * 1024
_MAX_CHUNK = 64 * 1024 * 1024


def iter_xml(
    stream: BinaryIO,
    label: str,
    record_tags: frozenset[str],
    check_root: Callable[[str, str], None],
) -> Iterator[ET.Element]:
    """Yield each complete element whose tag is in ``record_tags``, then free it.

    ``check_root(tag, label)`` is called with the root element's tag before anything is
    yielded and may raise ParseError. Tags are compared without their namespace.

    The stream is fed to expat in chunks that grow while no element completes: expat rescans
    an unfinished token (a comment, a tag, an attribute value) on every feed, so a 25 MB
    comment read 16 KB at a time (``iterparse``) took minutes; doubling makes it linear.

    Raises:
        ParseError: malformed or truncated XML, entity declarations, external references.
    """
    parser = DefusedXMLParser(
        target=ET.TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    pull = ET.XMLPullParser(events=("start", "end"), _parser=parser)
    root: ET.Element | None = None
    size = _CHUNK
    try:
        while True:
            data = stream.read(size)
            if data:
                pull.feed(data)
            else:
                pull.close()
            ended = False
            # start/end events only: each comes with an element
            for event, elem in cast(Iterator[tuple[str, ET.Element]], pull.read_events()):
                if event == "start":
                    if root is None:
                        root = elem
                        check_root(local_name(elem.tag), label)
                    continue
                ended = True
                if local_name(elem.tag) in record_tags:
                    yield elem
                    elem.clear()
                    if root is not None and elem is not root:
                        # Drop the emptied child too, so a 1 GB file keeps a flat root.
                        root.clear()
            if not data:
                break
            size = _CHUNK if ended else min(size * 2, _MAX_CHUNK)
    except ET.ParseError as exc:
        raise ParseError(f"malformed XML: {exc}", source=label) from exc
    except DefusedXmlException as exc:
        raise ParseError(f"refused unsafe XML: {exc}", source=label) from exc
    if root is None:
        raise ParseError("empty XML document", source=label)


def local_name(tag: object) -> str:
    """``{namespace}name`` → ``name``; non-string tags (comments) → ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def element_text(elem: ET.Element | None) -> str:
    """All text inside ``elem`` (inline markup such as <i>, <sup>, MathML kept as text),
    whitespace-normalised; ``""`` for a missing element."""
    if elem is None:
        return ""
    return normalise_space("".join(elem.itertext()))


__all__ = [
    "element_text",
    "iter_xml",
    "local_name",
    "looks_like_pubmed_xml",
    "open_binary",
    "parse_pubmed_xml",
]
