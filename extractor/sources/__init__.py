"""Stage 1: get documents from files, stdin, URLs, exports and PubMed.

``load_documents`` is the one entry point: it takes anything a user may name as a source and
yields Documents, whatever the format:

- a page (saved HTML, page text, a URL, ``-``) → one Document via ``extractor.clean``;
- a PubMed XML or PMC JATS file → streamed, one Document per article;
- a MEDLINE/.nbib, RIS, Web of Science, Ovid, BibTeX, CSV or EndNote XML export → one per record;
- a PMID (``12345678`` or ``pmid:12345678``) or a file listing PMIDs → fetched from PubMed.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Any

from ..clean import clean
from ..errors import InputError, ParseError
from ..records import Document
from ..settings import Settings, get_settings
from .fetch import fetch_url, make_session
from .files import RawInput, is_url, read_source
from .formats import HEAD_BYTES, STREAMED, detect_format, xml_root
from .pmids import read_pmid_list

log = logging.getLogger("extractor.sources")

PMID_SOURCE = re.compile(r"^(?:pmid:\s*)?(\d{1,9})$", re.IGNORECASE)

# format → (module, parser); text parsers take (text, *, source_label), streamed ones a path.
PARSERS: dict[str, tuple[str, str]] = {
    "pubmed-xml": ("pubmed_xml", "parse_pubmed_xml"),
    "pmc-jats": ("jats", "parse_jats"),
    "medline": ("medline", "parse_medline"),
    "ris": ("ris", "parse_ris"),
    "wos-text": ("wos", "parse_wos_text"),
    "wos-tab": ("wos", "parse_wos_tab"),
    "ovid": ("ovid", "parse_ovid"),
    "bibtex": ("bibtex", "parse_bibtex"),
    "csv": ("csv_export", "parse_csv_export"),
    "endnote-xml": ("endnote_xml", "parse_endnote_xml"),
    "abst": ("abst", "parse_abst"),
}


def _parser(fmt: str) -> Callable[..., Iterator[Document]]:
    module, name = PARSERS[fmt]
    func: Callable[..., Iterator[Document]] = getattr(import_module(f"{__name__}.{module}"), name)
    return func


def load_document(source: str, *, settings: Settings | None = None) -> Document:
    """Read a page source (path, ``-`` or URL) and clean it into one Document.

    Raises:
        InputError, FetchError, CleanError: see :func:`read_source` and ``extractor.clean``.
    """
    return clean(read_source(source, settings=settings))


def is_pmid(source: str) -> bool:
    """True for ``12345678`` / ``pmid:12345678`` that is not also an existing file name."""
    return bool(PMID_SOURCE.match(source.strip())) and not Path(source).exists()


def fetch_pubmed(pmids: list[str], *, settings: Settings | None = None) -> Iterator[Document]:
    """Fetch PubMed records by PMID (E-utilities, cached, rate-limited)."""
    from .eutils import EutilsClient  # lazy: xml.etree, defusedxml (start-up time)

    client = EutilsClient(settings=settings)
    for doc in client.fetch_documents(pmids):
        yield replace(doc, source=f"pmid:{doc.pmid}") if doc.pmid else doc


def search_pubmed(query: str, *, settings: Settings | None = None) -> list[str]:
    """The PMIDs a PubMed search returns (all of them, paged)."""
    from .eutils import EutilsClient  # lazy: xml.etree, defusedxml (start-up time)

    return EutilsClient(settings=settings).esearch(query)


_XML_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def _read_head(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source=str(path)) from exc
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):  # a UTF-16 export: sniff its format in its own encoding
            return head[len(bom) : len(head) - len(head) % 2].decode(codec, errors="replace")
    return head.decode("utf-8", errors="replace")


def load_documents(source: str, *, settings: Settings | None = None) -> Iterator[Document]:
    """Yield every Document a source holds (see the module docstring for what is accepted).

    Records of bibliographic files are yielded even without an abstract (``abstract == ""``);
    callers decide whether to skip them. Pages without an abstract raise ``NoAbstractError``.

    Raises:
        InputError, FetchError, CleanError, ParseError: with one-line messages.
    """
    settings = settings or get_settings()
    if is_pmid(source):
        pmid = PMID_SOURCE.match(source.strip())
        assert pmid is not None
        yield from fetch_pubmed([pmid.group(1)], settings=settings)
        return
    if not is_url(source) and source != "-":
        path = Path(source).expanduser()
        if path.is_file() and path.stat().st_size > 0:
            fmt = detect_format(_read_head(path))
            if fmt in STREAMED:
                log.info("%s: %s, streamed", source, fmt)
                yield from _parser(fmt)(path, source_label=source)
                return
    yield from documents_from_raw(read_source(source, settings=settings), settings=settings)


def documents_from_raw(raw: RawInput, *, settings: Settings | None = None) -> Iterator[Document]:
    """Yield the Documents of already-read content (a page, an export or a PMID list)."""
    fmt = detect_format(raw.content[:HEAD_BYTES])
    log.info("%s: %s (%d characters)", raw.source, fmt, len(raw.content))
    if fmt == "xml":
        root = xml_root(raw.content[:HEAD_BYTES])
        raise ParseError(
            f"unsupported XML (root element <{root}>): not PubMed, PMC JATS or EndNote XML",
            source=raw.source,
        )
    if fmt in ("html", "text"):
        yield clean(raw)
    elif fmt == "pmid-list":
        yield from fetch_pubmed(read_pmid_list(raw.content), settings=settings)
    elif fmt in STREAMED:
        # The text is decoded already: re-encoded as UTF-8, it must not claim another encoding.
        content = _XML_ENCODING.sub(r"\1", raw.content[:200], count=1) + raw.content[200:]
        data: Any = io.BytesIO(content.encode("utf-8"))
        yield from _parser(fmt)(data, source_label=raw.source)
    else:
        yield from _parser(fmt)(raw.content, source_label=raw.source)


__all__ = [
    "PARSERS",
    "PMID_SOURCE",
    "RawInput",
    "detect_format",
    "documents_from_raw",
    "fetch_pubmed",
    "fetch_url",
    "is_pmid",
    "load_document",
    "load_documents",
    "make_session",
    "read_source",
    "search_pubmed",
]
