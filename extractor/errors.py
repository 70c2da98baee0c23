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

The CLI turns any ``ExtractorError`` into one line on stderr and exit status 1. Every error
carries the ``source`` it concerns, so batch mode can record a failure row per item.
"""

from __future__ import annotations


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


__all__ = [
    "BlockedPageError",
    "CleanError",
    "ConfigError",
    "ExportError",
    "ExtractorError",
    "FetchError",
    "InputError",
    "ListingPageError",
    "ModelError",
    "NoAbstractError",
    "ParseError",
    "StoreError",
]
