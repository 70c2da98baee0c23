"""Decide what a file is from its content (the file name is only a tie-breaker).

A ``.ris`` file holding MEDLINE text exists in the wild, as do RIS exports named ``.txt``;
so every format is sniffed from the first few kilobytes, most specific first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module

from .files import detect_kind

HEAD_BYTES = 8192

# (format, module, sniffer) in the order they are tried: XML dialects first (their root
# elements are unambiguous), then tagged formats, then the loose ones (CSV, PMID lists).
SNIFFERS: tuple[tuple[str, str, str], ...] = (
    ("pubmed-xml", "pubmed_xml", "looks_like_pubmed_xml"),
    ("pmc-jats", "jats", "looks_like_jats"),
    ("endnote-xml", "endnote_xml", "looks_like_endnote_xml"),
    ("medline", "medline", "looks_like_medline"),
    ("ris", "ris", "looks_like_ris"),
    ("wos-text", "wos", "looks_like_wos_text"),
    ("wos-tab", "wos", "looks_like_wos_tab"),
    ("ovid", "ovid", "looks_like_ovid"),
    ("bibtex", "bibtex", "looks_like_bibtex"),
    ("csv", "csv_export", "looks_like_csv_export"),
    ("abst", "abst", "looks_like_abst"),
    ("pmid-list", "pmids", "looks_like_pmid_list"),
)

# Formats parsed from a path as a stream (no size limit, bounded memory).
STREAMED = frozenset({"pubmed-xml", "pmc-jats"})

# The root element of an XML document, after the declaration, comments and DOCTYPE.
_XML_ROOT = re.compile(
    r"^(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)\s*)*<([A-Za-z_][\w.:-]*)",
    re.DOTALL | re.IGNORECASE,
)


def xml_root(head: str) -> str | None:
    """The root element name when ``head`` starts an XML (or HTML) document, else ``None``."""
    match = _XML_ROOT.match(head.lstrip("\ufeff \t\r\n"))
    return match.group(1) if match else None


def _sniffer(module: str, name: str) -> Callable[[str], bool] | None:
    try:
        mod = import_module(f"{__package__}.{module}")
    except ImportError:  # a format whose parser is not installed in this build
        return None
    func = getattr(mod, name, None)
    return func if callable(func) else None


def detect_format(head: str) -> str:
    """Name the format of a file from its first kilobytes of text.

    Returns one of the names in :data:`SNIFFERS`, ``html`` / ``text`` for pages, or ``xml``
    for an XML document of a kind no parser reads.
    """
    stripped = head.lstrip("\ufeff \t\r\n")
    for fmt, module, name in SNIFFERS:
        if fmt == "pmid-list" or not stripped:
            continue
        func = _sniffer(module, name)
        if func is not None and func(stripped):
            return fmt
    root = xml_root(stripped)
    if (
        root is not None
        and root.lower() not in {"html", "head", "body"}
        and (stripped.startswith("<?xml") or stripped.lower().startswith("<!doctype"))
    ):
        return "xml"  # XML we have no parser for (an esearch result, some other schema)
    kind = detect_kind(stripped)
    if kind == "text":
        func = _sniffer("pmids", "looks_like_pmid_list")
        if func is not None and func(stripped):
            return "pmid-list"
    return kind
