"""Rows of the evidence database: what one record writes to each table.

:func:`record_rows` builds every table's rows for one record before anything is written;
:func:`write_index` and :func:`refresh_studies` (re)write the derived ``search_index`` and
``studies`` rows. Both :mod:`extractor.store` (storing a record) and
:mod:`extractor.migrations` (back-filling stored records) use them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from .records import CONTROL_ROLES, Evidence


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def title_key(title: str | None) -> str:
    """A title normalised for duplicate detection: case-folded letters and digits only."""
    return "".join(ch for ch in (title or "").casefold() if ch.isalnum())


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Comparison fields copied to ``comparisons`` columns of the same name.
_COMPARISON_FIELDS = ("outcome", "intervention", "comparator", "direction", "p_value", "source")


def record_rows(record: Evidence) -> dict[str, list[dict[str, Any]]]:
    """All rows of one record, built before anything is written."""
    data = record.to_dict()
    document_row = _document_row(record, data)
    evidence_row = _evidence_row(record, data)
    return {
        "documents": [document_row],
        "evidence": [evidence_row],
        "spans": _span_rows(record),
        "doses": _dose_rows(record),
        "outcomes": _outcome_rows(record),
        "arms": _arm_rows(record),
        "adverse_events": _event_rows(record),
        "comparisons": _comparison_rows(record.id, data),
    }


def _document_row(record: Evidence, data: dict[str, Any]) -> dict[str, Any]:
    """The ``documents`` row: the document's text and bibliographic fields."""
    doc = record.document
    return {
        "id": record.id,
        "title": doc.title,
        "abstract": doc.abstract,
        "sections": json_text(data["document"]["sections"]),
        "pmid": doc.pmid,
        "doi": doc.doi,
        "journal": doc.journal,
        "year": doc.year,
        "authors": json_text(list(doc.authors)),
        "publication_types": json_text(list(doc.publication_types)),
        "source": doc.source,
        "kind": doc.kind,
        "site": doc.site,
        "content_hash": doc.content_hash,
        "updated_at": now(),
        "pmcid": doc.pmcid,
        "date": doc.date,
        "mesh_terms": json_text(data["document"]["mesh_terms"]),
        "keywords": json_text(list(doc.keywords)),
        "sources": json_text([doc.source] if doc.source else []),
        "title_key": title_key(doc.title),
    }


def _evidence_row(record: Evidence, data: dict[str, Any]) -> dict[str, Any]:
    """The ``evidence`` row: the record's summary fields and the whole record as JSON."""
    arms = [i for i in record.interventions if i.role not in CONTROL_ROLES]
    comparators = [i for i in record.interventions if i.role in CONTROL_ROLES]
    return {
        "id": record.id,
        "population": record.population.description,
        "condition": record.population.condition,
        "n": record.population.n,
        "interventions": json_text([_arm_names(i.name, i.long_form) for i in arms]),
        "comparators": json_text([_arm_names(i.name, i.long_form) for i in comparators]),
        "outcomes": json_text([o.name for o in record.outcomes]),
        "adverse_events": json_text([a.name or a.text for a in record.adverse_events]),
        "design": record.design,
        "conclusion": record.conclusion,
        "summary": record.summary,
        "record": json_text(data),
        "pipeline": record.pipeline,
        "extracted_at": now(),
    }


def _span_rows(record: Evidence) -> list[dict[str, Any]]:
    """The ``spans`` rows: one per labelled span."""
    return [
        {
            "doc_id": record.id,
            "label": s.label,
            "text": s.text,
            "start": s.start,
            "end": s.end,
            "source": s.source,
            "section": s.section,
        }
        for s in record.spans
    ]


def _dose_rows(record: Evidence) -> list[dict[str, Any]]:
    """The ``doses`` rows: one per dose of each intervention or comparator."""
    return [
        {
            "doc_id": record.id,
            "intervention": arm.name,
            "long_form": arm.long_form,
            "role": arm.role,
            "amount": d.amount,
            "amount_max": d.amount_max,
            "unit": d.unit,
            "per": d.per,
            "multiplier": d.multiplier,
            "frequency": d.frequency,
            "duration": d.duration,
            "route": d.route,
            "phase": d.phase,
            "text": d.text,
            "start": d.start,
            "end": d.end,
        }
        for arm in record.interventions
        for d in arm.doses
    ]


def _outcome_rows(record: Evidence) -> list[dict[str, Any]]:
    """The ``outcomes`` rows: one per result of each outcome, one for an outcome without any."""
    outcome_rows: list[dict[str, Any]] = []
    for o in record.outcomes:
        base = {
            "doc_id": record.id,
            "outcome": o.name,
            "direction": o.direction,
            "direction_text": o.direction_text,
        }
        if not o.results:
            outcome_rows.append({**base, "start": o.start, "end": o.end})
        for r in o.results:
            outcome_rows.append(
                {
                    **base,
                    "count": r.count,
                    "denominator": r.denominator,
                    "percent": r.percent,
                    "threshold": r.threshold,
                    "text": r.text,
                    "start": r.start,
                    "end": r.end,
                    "arm": r.arm,
                    "mean": r.mean,
                    "median": r.median,
                    "sd": r.sd,
                    "iqr": r.iqr,
                    "effect": r.effect,
                    "effect_value": r.effect_value,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "p_value": r.p_value,
                    "time_point": r.time_point,
                }
            )
    return outcome_rows


def _arm_rows(record: Evidence) -> list[dict[str, Any]]:
    """The ``arms`` rows: one per intervention or comparator."""
    return [
        {
            "doc_id": record.id,
            "name": i.name,
            "long_form": i.long_form,
            "role": i.role,
            "n": i.n,
            "start": i.start,
            "end": i.end,
        }
        for i in record.interventions
    ]


def _event_rows(record: Evidence) -> list[dict[str, Any]]:
    """The ``adverse_events`` rows: one per adverse event."""
    return [
        {
            "doc_id": record.id,
            "kind": a.kind,
            "name": a.name,
            "text": a.text,
            "count": a.count,
            "start": a.start,
            "end": a.end,
        }
        for a in record.adverse_events
    ]


def _comparison_rows(rid: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``comparisons`` rows: one per comparison of the record's JSON form ``data``."""
    comparison_rows = []
    for item in data["comparisons"]:
        effect = item["effect"] or {}
        comparison_rows.append(
            {
                "doc_id": rid,
                **{k: item[k] for k in _COMPARISON_FIELDS},
                "effect": effect.get("measure"),
                "effect_value": effect.get("value"),
                "ci_low": effect.get("ci_low"),
                "ci_high": effect.get("ci_high"),
                "confidence": item["confidence"],
                "results": json_text(item["results"]),
                **{k: item["evidence"][k] for k in ("text", "start", "end")},
            }
        )
    return comparison_rows


def _arm_names(name: str, long_form: str | None) -> str:
    return f"{long_form} ({name})" if long_form and long_form.lower() != name.lower() else name


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
