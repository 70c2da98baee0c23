"""The cleaner's input: a source as read (a leaf module).

The readers in :mod:`extractor.sources` make a :class:`RawInput`; :func:`extractor.clean.clean`
turns it into a ``Document``. It lives with the cleaner so that ``clean`` needs nothing of
``sources`` (which uses ``clean``): the dependency runs one way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawInput:
    """A source as read, before cleaning.

    Attributes:
        source: the path, URL or ``-`` as the user gave it.
        content: the decoded text.
        kind: ``html`` or ``text``.
        url: the final URL for fetched pages, else ``None``.
    """

    source: str
    content: str
    kind: str
    url: str | None = None
