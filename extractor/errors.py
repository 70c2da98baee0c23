"""One exception tree for the whole tool.

::

    ExtractorError                 base: every error the tool raises on purpose
    ├── InputError                 the source itself is unusable (missing, empty, binary, garbage)
    ├── FetchError                 a URL could not be fetched (network, HTTP status, timeout)
    ├── CleanError                 a page could not be turned into an abstract
    │   ├── NoAbstractError        the page has no abstract we can find
    │   ├── BlockedPageError       captcha / bot check / cookie wall / access denied page
    │   └── ListingPageError       search results, table of contents, journal home page
    ├── ParseError                 a structured file (XML, RIS ...) is malformed
    ├── ModelError                 a pipeline or model could not be loaded or run
    ├── StoreError                 the database or an output file could not be opened or written
    │   └── ExportError            an export/report file could not be written
    └── ConfigError                a setting is invalid

    Interrupted (a KeyboardInterrupt, not an ExtractorError)   Ctrl-C or SIGTERM

The CLI turns any ``ExtractorError`` into one line on stderr and exit status 1. Every error
carries the ``source`` it concerns, so batch mode can record a failure row per item.
:class:`Interrupted` is one line too (``interrupted``), with exit status 128 + the signal
number: 130 for Ctrl-C, 143 for SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class ExtractorError(Exception):
    """Base class of every error raised on purpose by evidence-extractor."""

    kind = "error"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __reduce__(self) -> tuple[object, ...]:
        # keep ``source`` when an error crosses a process boundary (``batch --jobs``)
        return (self.__class__, (self.message,), {"source": self.source})

    def __str__(self) -> str:
        if self.source:
            return f"{self.source}: {self.message}"
        return self.message


class InputError(ExtractorError):
    """The source is missing, empty, binary or not text we can read."""

    kind = "input"


class FetchError(ExtractorError):
    """A URL could not be fetched."""

    kind = "fetch"


class CleanError(ExtractorError):
    """A page could not be cleaned into an abstract."""

    kind = "clean"


class NoAbstractError(CleanError):
    """The page holds no abstract we can find."""

    kind = "no-abstract"


class BlockedPageError(CleanError):
    """The page is a captcha, bot check, cookie wall or access-denied page."""

    kind = "blocked"


class ListingPageError(CleanError):
    """The page lists many articles (search results, table of contents, home page)."""

    kind = "listing"


class ParseError(ExtractorError):
    """A structured file is malformed."""

    kind = "parse"


class ModelError(ExtractorError):
    """A pipeline or model could not be loaded or run."""

    kind = "model"


class StoreError(ExtractorError):
    """The database or an output file could not be opened or written."""

    kind = "store"


class ExportError(StoreError):
    """An export or report file could not be written (missing folder, permissions, disk)."""

    kind = "export"


class ConfigError(ExtractorError):
    """A setting is invalid."""

    kind = "config"


class Interrupted(KeyboardInterrupt):
    """The run was stopped by Ctrl-C (SIGINT) or SIGTERM.

    A ``KeyboardInterrupt``, so every ``except KeyboardInterrupt`` clean-up (stopping worker
    processes, closing the database) runs for SIGTERM as it does for Ctrl-C. ``message`` is
    the line the CLI prints; ``signum`` gives the exit status, 128 + ``signum``.
    """

    def __init__(self, message: str = "interrupted", *, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.message = message
        self.signum = int(signum)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def after(cls, exc: BaseException, message: str) -> Interrupted:
        """An ``Interrupted`` saying ``message``, for the same signal as ``exc``."""
        return cls(message, signum=getattr(exc, "signum", signal.SIGINT))


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    # a second SIGTERM during the clean-up ends the process at once
    signal.signal(signum, signal.SIG_DFL)
    raise Interrupted(signum=signum)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Interrupted` (like Ctrl-C) in the main thread.

    Without it, SIGTERM ends Python at once: no ``finally`` runs, so worker processes are not
    stopped and files are not closed. Does nothing outside the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


__all__ = [
    "BlockedPageError",
    "CleanError",
    "ConfigError",
    "ExportError",
    "ExtractorError",
    "FetchError",
    "InputError",
    "Interrupted",
    "ListingPageError",
    "ModelError",
    "NoAbstractError",
    "ParseError",
    "StoreError",
    "sigterm_as_interrupt",
]
