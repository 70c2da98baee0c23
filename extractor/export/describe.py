"""The wording every export shares: study labels and one-line descriptions of PICO elements.

CSV cells, RIS notes and the Cochrane-style table all describe an arm, a dose or an outcome
the same way, so a reader can match a row in one export to a line in another. Doses are
worded by :meth:`Dose.describe` (what ``assemble.format_dose`` delegates to; importing
``assemble`` would pull spaCy into every export).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..clean.sections import normalise_space
from ..records import (
    CONTROL_ROLES,
    AdverseEvent,
    Comparison,
    Effect,
    Evidence,
    Intervention,
    Outcome,
    Result,
)

NOT_REPORTED = "Not reported"
LIST_SEP = "; "

_TITLE_LABEL_CHARS = 40


def first_author_surname(authors: Sequence[str]) -> str | None:
    """``"Casieri C"`` → ``"Casieri"``, ``"de Hoon, Michiel"`` → ``"de Hoon"``; None if none."""
    if not authors:
        return None
    name = normalise_space(authors[0])
    if not name:
        return None
    if "," in name:
        return name.split(",", 1)[0].strip() or None
    parts = name.split()
    if len(parts) == 1:
        return name
    last = parts[-1].replace("-", "").replace(".", "")
    if last.isupper() and len(last) <= 3:  # MEDLINE "Surname IN" initials
        return " ".join(parts[:-1])
    return parts[-1]  # "Given Surname"


def study_label(record: Evidence) -> str:
    """A Cochrane-style study id: ``"Casieri 2003"``; else ``PMID …``, the DOI, the title."""
    doc = record.document
    surname = first_author_surname(doc.authors)
    if surname:
        return f"{surname} {doc.year}" if doc.year else surname
    if doc.pmid:
        return f"PMID {doc.pmid}"
    if doc.doi:
        return f"doi:{doc.doi}"
    title = normalise_space(doc.title)
    if title:
        if len(title) <= _TITLE_LABEL_CHARS:
            return title
        return title[: _TITLE_LABEL_CHARS - 1].rstrip() + "…"
    return record.id


def study_labels(records: Sequence[Evidence]) -> list[str]:
    """Unique labels in input order; clashes get Cochrane's ``a``, ``b`` … suffixes."""
    labels = [study_label(r) for r in records]
    totals = Counter(labels)
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        if totals[label] > 1:
            index = seen[label]
            seen[label] += 1
            suffix = chr(ord("a") + index) if index < 26 else f"-{index + 1}"
            label = f"{label}{suffix}"
        out.append(label)
    return out


def arm_name(arm: Intervention) -> str:
    """``IVIg (intravenous immunoglobulin)``, or the bare name without a long form."""
    if arm.long_form and arm.long_form.casefold() != arm.name.casefold():
        return f"{arm.name} ({arm.long_form})"
    return arm.name


def describe_arm(arm: Intervention) -> str:
    """The arm's name with its size: ``IVIg (intravenous immunoglobulin), n=12``."""
    name = arm_name(arm)
    return f"{name}, n={arm.n}" if arm.n is not None else name


def describe_doses(arm: Intervention) -> list[str]:
    """One line per dose, prefixed with the arm: ``IVIg: 400 mg/kg monthly (maintenance)``."""
    return [f"{arm.name}: {dose.describe()}" for dose in arm.doses]


def describe_result(result: Result) -> str:
    """The result as the abstract states it, with its arm and time point when known."""
    extras = [x for x in (result.arm, result.time_point) if x]
    text = normalise_space(result.text)
    return f"{text} [{', '.join(extras)}]" if extras else text


def describe_outcome(outcome: Outcome, *, results: bool = False) -> str:
    """``HbA1c (decreased)``; with ``results`` also ``: 5 patients (>75%); …``."""
    text = normalise_space(outcome.name)
    if outcome.direction:
        text += f" ({outcome.direction})"
    if results and outcome.results:
        text += ": " + LIST_SEP.join(describe_result(r) for r in outcome.results)
    return text


def describe_effect(effect: Effect | None) -> str:
    """``OR 8.1 (CI 1.6–41)``; "" without an effect estimate."""
    return effect.describe() if effect is not None else ""


def describe_comparison(comparison: Comparison) -> str:
    """``nausea and vomiting: Remifentanil vs Alfentanil, increased (30% [Remifentanil];
    5% [Alfentanil]; P=0.045; OR 8.1 (CI 1.6–41))``."""
    c = comparison
    text = f"{normalise_space(c.outcome)}: {c.intervention} vs {c.comparator}, "
    text += (c.direction or "direction not stated").replace("_", " ")
    figures = [describe_result(r) for r in c.results]
    figures += [x for x in (normalise_space(c.p_value or ""), describe_effect(c.effect)) if x]
    return f"{text} ({LIST_SEP.join(figures)})" if figures else text


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def describe_event(event: AdverseEvent) -> str:
    """``acute cutaneous vasculitis (n=1)``; withdrawals say so."""
    text = normalise_space(event.name or event.text)
    if event.count is not None:
        text += f" (n={event.count})"
    return f"withdrawal: {text}" if event.kind == "withdrawal" else text


def describe_sizes(record: Evidence) -> str | None:
    """``120 (randomised 120; analysed 110)``: the headline n and every other stated size."""
    pop = record.population
    stated: list[str] = []
    for size in pop.sample_sizes:
        item = f"{size.kind} {size.n}"
        if item not in stated:
            stated.append(item)
    if pop.n is None and not stated:
        return None
    head = str(pop.n) if pop.n is not None else NOT_REPORTED
    if stated and stated != [f"total {pop.n}"]:
        head += f" ({LIST_SEP.join(stated)})"
    return head


def pico_summary(record: Evidence) -> dict[str, str]:
    """The extracted PICO as short one-line strings (empty string when nothing was found).

    Keys: ``design``, ``population``, ``condition``, ``n``, ``interventions``,
    ``comparators`` (every control arm: comparator, placebo, usual care), ``doses``,
    ``outcomes``, ``comparisons``, ``adverse_events``, ``conclusion``. These are the
    study-level CSV cells and the RIS notes.
    """
    pop = record.population
    arms = [a for a in record.interventions if a.role not in CONTROL_ROLES]
    comparators = [a for a in record.interventions if a.role in CONTROL_ROLES]
    return {
        "design": record.design or "",
        "population": normalise_space(pop.description or ""),
        "condition": normalise_space(pop.condition or ""),
        "n": str(pop.n) if pop.n is not None else "",
        "interventions": LIST_SEP.join(describe_arm(a) for a in arms),
        "comparators": LIST_SEP.join(describe_arm(a) for a in comparators),
        "doses": LIST_SEP.join(d for a in record.interventions for d in describe_doses(a)),
        "outcomes": LIST_SEP.join(describe_outcome(o) for o in record.outcomes),
        "comparisons": " | ".join(describe_comparison(c) for c in record.comparisons),
        "adverse_events": LIST_SEP.join(describe_event(e) for e in record.adverse_events),
        "conclusion": normalise_space(record.conclusion or ""),
    }


def characteristics(record: Evidence) -> list[tuple[str, list[str]]]:
    """The five rows of a Cochrane "Characteristics of included studies" table.

    Returns ``[(field, lines)]`` for Methods, Participants, Interventions, Outcomes and Notes;
    a field with nothing extracted holds ``["Not reported"]``.
    """
    doc = record.document
    pop = record.population
    methods = [f"Design: {record.design}"] if record.design else []
    if doc.publication_types:
        methods.append("Publication type: " + LIST_SEP.join(doc.publication_types))

    participants = []
    if pop.condition:
        participants.append(f"Condition: {normalise_space(pop.condition)}")
    sizes = describe_sizes(record)
    if sizes:
        participants.append(f"N: {sizes}")
    if pop.description:
        participants.append(f"Population: {normalise_space(pop.description)}")

    interventions = []
    for arm in record.interventions:
        line = f"{arm.role.capitalize()}: {describe_arm(arm)}"
        if arm.doses:
            line += " — " + LIST_SEP.join(d.describe() for d in arm.doses)
        interventions.append(line)

    outcomes = [describe_outcome(o, results=True) for o in record.outcomes]
    outcomes += [f"Comparison: {describe_comparison(c)}" for c in record.comparisons]

    ids = [
        f"{k}: {v}" for k, v in (("PMID", doc.pmid), ("DOI", doc.doi), ("PMCID", doc.pmcid)) if v
    ]
    notes = [LIST_SEP.join(ids) if ids else f"Record: {record.id}"]
    events = [describe_event(e) for e in record.adverse_events]
    if events:
        notes.append("Adverse events and withdrawals: " + LIST_SEP.join(events))
    if record.conclusion:
        notes.append(f"Authors' conclusion: {normalise_space(record.conclusion)}")
    if record.pipeline:
        notes.append(f"Extracted automatically ({record.pipeline}); check against the report.")

    rows = [
        ("Methods", methods),
        ("Participants", participants),
        ("Interventions", interventions),
        ("Outcomes", outcomes),
        ("Notes", notes),
    ]
    return [(name, lines or [NOT_REPORTED]) for name, lines in rows]


__all__ = [
    "LIST_SEP",
    "NOT_REPORTED",
    "arm_name",
    "characteristics",
    "describe_arm",
    "describe_comparison",
    "describe_doses",
    "describe_effect",
    "describe_event",
    "describe_outcome",
    "describe_result",
    "describe_sizes",
    "first_author_surname",
    "pico_summary",
    "study_label",
    "study_labels",
]
