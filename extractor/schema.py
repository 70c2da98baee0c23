"""The record's columns, derived from the record dataclasses' field metadata.

Every field of a record dataclass (:mod:`extractor.records`) says what it holds
(``records.about``): a description, an optional column name, and whether it is stored in its
table and written to the CSV export. This module turns those fields into :class:`Column`\\ s:
the evidence database's tables (:mod:`extractor.store_rows` builds the rows,
:func:`extractor.migrations.sync_columns` adds a column for a new field, the flat views list
them), Datasette's column help (:mod:`extractor.serve`) and the CSV export's columns
(:mod:`extractor.export.tables`) all read them here. A field added to ``Dose`` therefore
appears in the ``doses`` table, ``doses_view``, the column help and ``evidence_doses.csv``
without another edit.

Nested dataclasses are flattened (``Comparison.effect`` → ``effect``, ``effect_value``,
``ci_low``, ``ci_high``); tuples are stored as JSON text; ``bool`` as an integer.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from .records import (
    CONTROL_ROLES,
    AdverseEvent,
    Comparison,
    Document,
    Dose,
    Evidence,
    Intervention,
    Outcome,
    Result,
    Span,
    plain,
)

#: Provenance columns: the quote and its offsets, written last in the CSV files.
QUOTE_COLUMNS = ("text", "start", "end")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, SQLite type (``str``, ``int``, ``float``), help and value.

    ``get`` reads the value from the object a row is made of (a ``Dose`` for ``doses``);
    ``json`` columns hold a list or object as JSON text; ``csv`` says whether the CSV export
    writes it.
    """

    name: str
    kind: type
    description: str
    get: Callable[[Any], Any]
    json: bool = False
    csv: bool = True

    def value(self, item: Any) -> Any:
        """The cell for ``item``: JSON text for a ``json`` column, else the value itself."""
        value = self.get(item)
        return json_text(plain(value)) if self.json else value


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _attr(get: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
    def read(item: Any) -> Any:
        parent = get(item)
        return None if parent is None else getattr(parent, name)

    return read


def _kind(hint: Any) -> tuple[Any, bool]:
    """The column type of a field's type hint, and whether it is stored as JSON.

    A dataclass type is returned as itself (its fields become columns).
    """
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) in (tuple, list):
        return str, True
    if hint is bool:
        return int, False
    if hint in (str, int, float) or is_dataclass(hint):
        return hint, False
    raise TypeError(f"no column type for {hint!r}")


def columns_of(
    cls: type,
    get: Callable[[Any], Any] = lambda item: item,
    *,
    csv: bool = True,
) -> tuple[Column, ...]:
    """The columns of ``cls``'s stored fields, in declaration order (nested ones flattened).

    Raises:
        TypeError: a field has no description (every record field must say what it holds).
    """
    hints = typing.get_type_hints(cls)
    out: list[Column] = []
    for f in fields(cls):
        meta = f.metadata
        if "description" not in meta:
            raise TypeError(f"{cls.__name__}.{f.name} has no description (records.about)")
        if not meta["store"]:
            continue
        kind, is_json = _kind(hints[f.name])
        read = _attr(get, f.name)
        if is_dataclass(kind):
            out += columns_of(typing.cast(type, kind), read, csv=csv and meta["csv"])
            continue
        name = meta.get("column", f.name)
        out.append(Column(name, kind, meta["description"], read, is_json, csv and meta["csv"]))
    return tuple(out)


def column(name: str, kind: type, description: str, get: Callable[[Any], Any]) -> Column:
    """A column that is not a record field (an id, a derived or context value)."""
    return Column(name, kind, description, get)


def for_csv(columns: Sequence[Column]) -> tuple[Column, ...]:
    """The CSV columns among ``columns``: declaration order, the quote and offsets last."""
    kept = {c.name: c for c in columns if c.csv}
    return tuple(kept[name] for name in quote_last(list(kept)))


DOC_ID_HELP = "Record id of the study (documents.id)."

# --- the columns of each table, from the dataclass whose objects make its rows ---------------

#: ``documents``: one per record; the document's fields (identity and derived keys beside).
DOCUMENT_FIELDS = columns_of(Document, lambda record: record.document)
#: ``evidence``: the record's own scalar fields and the population's (flattened).
EVIDENCE_FIELDS = columns_of(Evidence)
SPAN_COLUMNS = columns_of(Span)
ARM_COLUMNS = columns_of(Intervention)
DOSE_COLUMNS = columns_of(Dose)
_ARM_HELP = {c.name: c.description for c in ARM_COLUMNS}
#: The arm a dose row belongs to (``doses`` columns before the dose's own).
DOSE_ARM_COLUMNS = (
    column("intervention", str, "Name of the arm given the dose.", lambda arm: arm.name),
    column(
        "long_form", str, "Expansion of the arm name, if abbreviated.", lambda arm: arm.long_form
    ),
    column("role", str, f"Role of the arm: {_ARM_HELP['role']}", lambda arm: arm.role),
)
#: The outcome a result row belongs to (``outcomes`` columns before the result's own).
OUTCOME_FIELDS = columns_of(Outcome)
RESULT_COLUMNS = columns_of(Result)
EVENT_COLUMNS = columns_of(AdverseEvent)
COMPARISON_COLUMNS = columns_of(Comparison)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def title_key(title: str | None) -> str:
    """A title normalised for duplicate detection: case-folded letters and digits only."""
    return "".join(ch for ch in (title or "").casefold() if ch.isalnum())


def arm_label(name: str, long_form: str | None) -> str:
    """``long form (name)`` for an abbreviated arm, else ``name``."""
    return f"{long_form} ({name})" if long_form and long_form.lower() != name.lower() else name


def _arm_labels(record: Evidence, *, controls: bool) -> list[str]:
    return [
        arm_label(i.name, i.long_form)
        for i in record.interventions
        if (i.role in CONTROL_ROLES) == controls
    ]


#: ``documents`` columns that are not document fields: keys derived for search and merging.
DOCUMENT_EXTRAS = (
    column(
        "content_hash",
        str,
        "Hash of the whitespace-normalised, case-folded title and abstract.",
        lambda record: record.document.content_hash,
    ),
    column("updated_at", str, "When the row was last written (UTC, ISO 8601).", lambda _: now()),
    column(
        "sources",
        str,
        "JSON list of every input this study was read from (duplicates merged).",
        lambda record: json_text([record.document.source] if record.document.source else []),
    ),
    column(
        "title_key",
        str,
        "Title reduced to case-folded letters and digits, for duplicate detection.",
        lambda record: title_key(record.document.title),
    ),
)
#: ``evidence`` columns that summarise the record's lists (names as JSON) or hold all of it.
EVIDENCE_EXTRAS = (
    column(
        "interventions",
        str,
        "JSON list of intervention arms (long form (abbreviation)).",
        lambda record: json_text(_arm_labels(record, controls=False)),
    ),
    column(
        "comparators",
        str,
        "JSON list of control arms (active comparator, placebo, usual care).",
        lambda record: json_text(_arm_labels(record, controls=True)),
    ),
    column(
        "outcomes",
        str,
        "JSON list of outcome names.",
        lambda record: json_text([o.name for o in record.outcomes]),
    ),
    column(
        "adverse_events",
        str,
        "JSON list of adverse events and withdrawals.",
        lambda record: json_text([a.name or a.text for a in record.adverse_events]),
    ),
    column(
        "record",
        str,
        "The full extracted record as JSON (evidence show --json).",
        lambda record: json_text(record.to_dict()),
    ),
    column("extracted_at", str, "When the record was extracted (UTC, ISO 8601).", lambda _: now()),
)


def table_columns() -> dict[str, tuple[Column, ...]]:
    """Every table whose columns come from the records: its columns, in order.

    The ``get`` of a child table's column reads the object the row is made of; ``doc_id``
    (and ``id``) columns read the record. :mod:`extractor.store_rows` builds the rows.
    """
    doc_id = column("doc_id", str, DOC_ID_HELP, lambda record: record.id)
    return {
        "documents": (
            column(
                "id",
                str,
                "Stable record id: pmid:…, doi:…, pmc:PMC… or sha:… (content hash).",
                lambda record: record.id,
            ),
            *DOCUMENT_FIELDS,
            *DOCUMENT_EXTRAS,
        ),
        "evidence": (*EVIDENCE_FIELDS, *EVIDENCE_EXTRAS),
        "spans": (doc_id, *SPAN_COLUMNS),
        "arms": (doc_id, *ARM_COLUMNS),
        "doses": (doc_id, *DOSE_ARM_COLUMNS, *DOSE_COLUMNS),
        "outcomes": (doc_id, *OUTCOME_FIELDS, *RESULT_COLUMNS),
        "adverse_events": (doc_id, *EVENT_COLUMNS),
        "comparisons": (doc_id, *COMPARISON_COLUMNS),
    }


def quote_last(names: Sequence[str]) -> list[str]:
    """``names`` in order, the quote and its offsets (``text``, ``start``, ``end``) moved last."""
    return [n for n in names if n not in QUOTE_COLUMNS] + [n for n in names if n in QUOTE_COLUMNS]


def view_columns(table: str, *, exclude: Sequence[str] = ()) -> list[str]:
    """The columns a flat view copies from ``table``: all but ``doc_id``/``exclude``, quote last."""
    names = [c.name for c in table_columns()[table]]
    return quote_last([n for n in names if n != "doc_id" and n not in exclude])
