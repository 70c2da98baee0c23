"""What a batch yields besides records: failures, skipped and already-stored documents.

A leaf module, so the engines (:mod:`extractor.parallel`, :mod:`extractor.dask_engine`) and
:mod:`extractor.extraction` share these types without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .records import Document, Evidence


@dataclass(frozen=True, slots=True)
class Failure:
    """A source that could not be turned into a record, and why."""

    source: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that was read but has nothing to extract from (no abstract)."""

    source: str
    message: str
    kind: str = "no-abstract"


@dataclass(frozen=True, slots=True)
class AlreadyStored:
    """A document stored before, with the same content, by the same pipeline: not redone."""

    source: str
    id: str


#: What a batch yields for each document or source.
BatchItem = Evidence | Failure | Skipped | AlreadyStored
#: Given a chunk of documents, the record ids among them that are stored already (resume).
StoredFilter = Callable[[Sequence[Document]], set[str]]
