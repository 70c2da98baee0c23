"""Stage 1b: turn a raw page (HTML or text) into a clean :class:`~extractor.records.Document`."""

from __future__ import annotations

from ..records import Document
from ..sources.files import RawInput
from .html import clean_html
from .text import clean_text


def clean(raw: RawInput) -> Document:
    """Clean a :class:`RawInput` with the HTML or text cleaner, by its ``kind``.

    Raises:
        CleanError: (``NoAbstractError``, ``BlockedPageError``, ``ListingPageError``).
    """
    if raw.kind == "html":
        return clean_html(raw.content, source=raw.source, url=raw.url)
    return clean_text(raw.content, source=raw.source)


__all__ = ["clean", "clean_html", "clean_text"]
