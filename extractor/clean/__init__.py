"""Stage 1b: turn a raw page (HTML or text) into a clean :class:`~extractor.records.Document`."""

from __future__ import annotations

import logging

from ..records import Document
from .html import clean_html
from .input import RawInput
from .text import clean_text

log = logging.getLogger("extractor.clean")


def clean(raw: RawInput) -> Document:
    """Clean a :class:`RawInput` with the HTML or text cleaner, by its ``kind``.

    Raises:
        CleanError: (``NoAbstractError``, ``BlockedPageError``, ``ListingPageError``).
    """
    if raw.kind == "html":
        doc = clean_html(raw.content, source=raw.source, url=raw.url)
    else:
        doc = clean_text(raw.content, source=raw.source)
    log.info(
        "%s: abstract of %d characters, %d sections, from the %s cleaner (site: %s)",
        raw.source,
        len(doc.abstract),
        len(doc.sections),
        raw.kind,
        doc.site or "none",
    )
    return doc


__all__ = ["clean", "clean_html", "clean_text"]
