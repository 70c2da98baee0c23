"""evidence-extractor: turn biomedical abstracts into structured, queryable evidence.

Public API::

    from extractor import extract, extract_batch, open_db, store_record, search

    record = extract("corpus/000_f4ed41669ad21fb4.txt")
    print(record.population.n, record.to_json())
"""

from __future__ import annotations

from .errors import (
    BlockedPageError,
    CleanError,
    ConfigError,
    ExtractorError,
    FetchError,
    InputError,
    ListingPageError,
    ModelError,
    NoAbstractError,
    ParseError,
    StoreError,
)
from .extraction import Failure, expand_paths, extract, extract_batch, load
from .query import Hit, search
from .records import (
    AdverseEvent,
    Document,
    Dose,
    Evidence,
    Intervention,
    Outcome,
    Population,
    Result,
    Section,
    Span,
)
from .settings import Settings, get_settings
from .store import load_record, open_db, store_record

__version__ = "0.1.0"

__all__ = [
    "AdverseEvent",
    "BlockedPageError",
    "CleanError",
    "ConfigError",
    "Document",
    "Dose",
    "Evidence",
    "ExtractorError",
    "Failure",
    "FetchError",
    "Hit",
    "InputError",
    "Intervention",
    "ListingPageError",
    "ModelError",
    "NoAbstractError",
    "Outcome",
    "ParseError",
    "Population",
    "Result",
    "Section",
    "Settings",
    "Span",
    "StoreError",
    "__version__",
    "expand_paths",
    "extract",
    "extract_batch",
    "get_settings",
    "load",
    "load_record",
    "open_db",
    "search",
    "store_record",
]
