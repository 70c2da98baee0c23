"""Summary: a short plain-language paragraph built only from an ``Evidence`` record's fields."""

from __future__ import annotations

from ..records import CONTROL_ROLES, AdverseEvent, Dose, Evidence


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def format_dose(dose: Dose) -> str:
    """``1 g/kg ×2 (loading)``, ``400 mg/kg monthly (maintenance)`` ... (see ``Dose.describe``)."""
    return dose.describe()


def summarize(evidence: Evidence, *, sample_noun: str = "participants") -> str:
    """A short plain-language paragraph built only from the extracted fields."""
    parts: list[str] = []
    main = [i for i in evidence.interventions if i.role == "intervention"][:2]
    comparators = [i for i in evidence.interventions if i.role in CONTROL_ROLES][:1]
    design = (evidence.design or "study").split(" (")[0]
    lead = design[:1].upper() + design[1:]
    if main:
        names = " and ".join(f"{i.long_form} ({i.name})" if i.long_form else i.name for i in main)
        lead += f" of {names}"
    if comparators:
        lead += f" versus {comparators[0].name}"
    pop = evidence.population
    if pop.n:
        lead += f" in {pop.n} {sample_noun}"
        if pop.condition:
            lead += f" with {pop.condition}"
    elif pop.condition:
        lead += f" in {pop.condition}"
    parts.append(lead + ".")
    doses = [d for i in evidence.interventions for d in i.doses]
    if doses:
        seen: list[str] = []
        for d in doses:
            item = format_dose(d)
            if item not in seen:
                seen.append(item)
        parts.append("Dosing: " + ", then ".join(seen[:4]) + ".")
    shown = [o for o in evidence.outcomes if o.results][:2]
    for outcome in shown:
        items = []
        for r in outcome.results[:4]:
            if r.count is not None and r.threshold:
                items.append(f"{r.count} ({r.threshold})")
            elif r.count is not None and r.denominator:
                items.append(f"{r.count}/{r.denominator}")
            elif r.percent is not None:
                items.append(f"{_fmt(r.percent)}%")
            else:
                items.append(r.text)
        parts.append(f"{outcome.name[:1].upper()}{outcome.name[1:]}: {', '.join(items)}.")
    ae = [e for e in evidence.adverse_events if e.kind == "adverse_event"]
    wd = [e for e in evidence.adverse_events if e.kind == "withdrawal"]
    if ae:
        parts.append("Adverse events: " + "; ".join(_event(e) for e in ae[:3]) + ".")
    if wd:
        parts.append("Withdrawals: " + "; ".join(_event(e) for e in wd[:3]) + ".")
    return " ".join(parts)


def _event(event: AdverseEvent) -> str:
    name = event.name or event.text
    return f"{name} (n={event.count})" if event.count is not None else name
