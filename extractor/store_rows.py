"""Rows of the evidence database: what one record writes to each table.

:func:`record_rows` builds every table's rows for one record before anything is written;
:func:`write_index` and :func:`refresh_studies` (re)write the derived ``search_index`` and
``studies`` rows. Both :mod:`extractor.store` (storing a record) and
:mod:`extractor.migrations` (back-filling stored records) use them.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from .records import CONTROL_ROLES, Evidence
from .schema import (
    DOSE_ARM_COLUMNS,
    OUTCOME_FIELDS,
    Column,
    json_text,
    now,
    table_columns,
    title_key,
)

__all__ = ["INDEX_COLUMNS", "json_text", "now", "record_rows", "refresh_studies", "title_key"]

_COLUMNS = table_columns()


def _row(columns: tuple[Column, ...], item: Any, **context: Any) -> dict[str, Any]:
    """One row: ``context`` values for the columns they name, the rest read from ``item``."""
    return {c.name: context[c.name] if c.name in context else c.value(item) for c in columns}


def record_rows(record: Evidence) -> dict[str, list[dict[str, Any]]]:
    """All rows of one record, built before anything is written (columns: ``extractor.schema``)."""
    rid = record.id
    cols = _COLUMNS
    outcome_rows: list[dict[str, Any]] = []
    for o in record.outcomes:
        base = {c.name: c.value(o) for c in OUTCOME_FIELDS}
        if not o.results:
            outcome_rows.append({"doc_id": rid, **base, "start": o.start, "end": o.end})
        for r in o.results:
            outcome_rows.append(_row(cols["outcomes"], r, doc_id=rid, **base))
    return {
        "documents": [_row(cols["documents"], record)],
        "evidence": [_row(cols["evidence"], record)],
        "spans": [_row(cols["spans"], s, doc_id=rid) for s in record.spans],
        "doses": [
            _row(cols["doses"], d, doc_id=rid, **{c.name: c.value(arm) for c in DOSE_ARM_COLUMNS})
            for arm in record.interventions
            for d in arm.doses
        ],
        "outcomes": outcome_rows,
        "arms": [_row(cols["arms"], i, doc_id=rid) for i in record.interventions],
        "adverse_events": [
            _row(cols["adverse_events"], a, doc_id=rid) for a in record.adverse_events
        ],
        "comparisons": [_row(cols["comparisons"], c, doc_id=rid) for c in record.comparisons],
    }


INDEX_COLUMNS = ("intervention", "comparator", "condition", "outcome")
_INDEX_SEPARATOR = " \u2016 "  # a character no name contains, so items never run together


def _index_row(record: Evidence) -> dict[str, str]:
    """The words each structured filter matches for one record (see ``search_index``)."""
    columns: dict[str, list[str]] = {name: [] for name in INDEX_COLUMNS}
    for arm in record.interventions:
        column = "comparator" if arm.role in CONTROL_ROLES else "intervention"
        columns[column] += [n for n in (arm.name, arm.long_form) if n]
    if record.population.condition:
        columns["condition"].append(record.population.condition)
    columns["outcome"] += [o.name for o in record.outcomes]
    columns["outcome"] += [c.outcome for c in record.comparisons]
    by_label = {
        "INTERVENTION": ("intervention",),
        "COMPARATOR": ("intervention", "comparator"),
        "CONDITION": ("condition",),
        "OUTCOME": ("outcome",),
    }
    for span in record.spans:
        for column in by_label.get(span.label, ()):
            columns[column].append(span.text)
    return {
        name: _INDEX_SEPARATOR.join(dict.fromkeys(v.casefold() for v in values))
        for name, values in columns.items()
    }


def write_index(db: sqlite_utils.Database, record: Evidence) -> None:
    """(Re)write the ``search_index`` row of one stored record, keyed by its document rowid."""
    found = db.execute("SELECT rowid FROM documents WHERE id = ?", [record.id]).fetchone()
    if found is None:
        return
    db.execute("DELETE FROM search_index WHERE rowid = ?", [found[0]])
    row = _index_row(record)
    db.execute(
        "INSERT INTO search_index (rowid, doc_id, intervention, comparator, condition, outcome) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [found[0], record.id, *(row[name] for name in INDEX_COLUMNS)],
    )


_STUDIES_SELECT = """
    SELECT d.rowid, d.id, d.title, d.year, d.pmid, d.doi, e.n, e.design, e.condition,
        e.interventions, e.comparators
    FROM documents d JOIN evidence e ON e.id = d.id"""


def refresh_studies(db: sqlite_utils.Database, record_id: str | None = None) -> None:
    """Copy one study's (or, without ``record_id``, every study's) search columns to ``studies``."""
    where, params = (" WHERE d.id = ?", [record_id]) if record_id else ("", [])
    db.execute(f"INSERT OR REPLACE INTO studies {_STUDIES_SELECT}{where}", params)
