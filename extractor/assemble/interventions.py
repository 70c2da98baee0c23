"""The fallback arm: with no arm named, one intervention holds every dose.

Also :func:`dose_from_row`, which turns a ``doc._.doses`` row into a ``Dose``. Arm candidates,
their selection, roles, doses and sizes are in :mod:`.arms` (rules in :mod:`extractor.nlp.arms`).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from spacy.tokens import Doc

from ..nlp.arms import drug_beside
from ..nlp.common import doc_text
from ..records import Dose, Intervention

_DOSE_FIELDS = tuple(f.name for f in fields(Dose))


def dose_from_row(row: dict[str, Any]) -> Dose:
    """The ``Dose`` of one ``doc._.doses`` row (each field from the row's key of that name)."""
    values: dict[str, Any] = {f: row.get(f) for f in _DOSE_FIELDS}
    return Dose(**values)


def _dose_only_arm(doc: Doc) -> tuple[Intervention, ...]:
    """One intervention holding every dose when no arm was named (doses are never dropped).

    Its name is the drug word beside the first dose ("96 mg of buprenorphine", "fentanyl 1
    mcg/kg"), else the dose text itself; ``source`` says it was inferred from the doses.
    """
    rows = doc._.doses or []
    if not rows:
        return ()
    text = doc_text(doc)
    first = rows[0]
    name_at = drug_beside(text, first["start"], first["end"]) or (first["start"], first["end"])
    doses: list[Dose] = []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        key = (row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if key not in seen:
            seen.add(key)
            doses.append(dose_from_row(row))
    return (
        Intervention(
            name=text[name_at[0] : name_at[1]],
            start=name_at[0],
            end=name_at[1],
            doses=tuple(doses),
            source="rules.dose_only",
        ),
    )
