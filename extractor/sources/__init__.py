"""Stage 1: get documents from files, stdin or URLs."""

from __future__ import annotations

from ..records import Document
from ..settings import Settings
from .fetch import fetch_url, make_session
from .files import RawInput, read_source


def load_document(source: str, *, settings: Settings | None = None) -> Document:
    """Read a source (path, ``-`` or URL) and clean it into a Document.

    Raises:
        InputError, FetchError, CleanError: see :func:`read_source` and ``extractor.clean``.
    """
    from ..clean import clean  # clean imports RawInput from this package

    return clean(read_source(source, settings=settings))


__all__ = ["RawInput", "fetch_url", "load_document", "make_session", "read_source"]
