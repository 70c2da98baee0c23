"""Plain renderings of records and hits for the terminal and CSV (no logic beyond layout)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from .query import Hit
from .records import Evidence


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when it was longer."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


HIT_COLUMNS = ("id", "year", "n", "design", "condition", "interventions", "comparators", "title")


def format_text(record: Evidence) -> str:
    """A short human-readable report of one record."""
    doc = record.document
    lines = [doc.title or "(untitled)", f"id: {record.id}"]
    meta = [
        f"{k}: {v}"
        for k, v in (
            ("PMID", doc.pmid),
            ("DOI", doc.doi),
            ("journal", doc.journal),
            ("year", doc.year),
        )
        if v
    ]
    if meta:
        lines.append(" · ".join(meta))
    if record.design:
        lines.append(f"design: {record.design}")
    pop = record.population
    lines.append(
        f"population: n={pop.n if pop.n is not None else '?'}"
        + (f"; condition: {pop.condition}" if pop.condition else "")
        + (f"; {pop.description}" if pop.description else "")
    )
    for arm in record.interventions:
        name = f"{arm.name} ({arm.long_form})" if arm.long_form else arm.name
        lines.append(f"{arm.role}: {name}" + (f", n={arm.n}" if arm.n is not None else ""))
        for dose in arm.doses:
            lines.append(f"  dose: {dose.describe()}")
    for outcome in record.outcomes:
        lines.append(f"outcome: {outcome.name}")
        for res in outcome.results:
            lines.append(f"  result: {res.text}")
    for event in record.adverse_events:
        lines.append(f"{event.kind.replace('_', ' ')}: {event.name or event.text}")
    if record.conclusion:
        lines.append(f"conclusion: {record.conclusion}")
    if record.summary:
        lines.append(f"summary: {record.summary}")
    return "\n".join(lines)


def hits_to_csv(hits: Sequence[Hit]) -> str:
    """Hits as CSV text with a header row; list columns joined by ``; ``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HIT_COLUMNS)
    for hit in hits:
        writer.writerow(
            [
                hit.id,
                hit.year if hit.year is not None else "",
                hit.n if hit.n is not None else "",
                hit.design or "",
                hit.condition or "",
                "; ".join(hit.interventions),
                "; ".join(hit.comparators),
                hit.title,
            ]
        )
    return buf.getvalue()
