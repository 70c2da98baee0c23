"""Population: the study total, the sample sizes, the population phrase and the condition."""

from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Doc

from ..nlp.sample_size import SAMPLE_SIZE_KINDS, pick_total
from ..records import Population, SampleSize, Span
from .spans import _from_model


def _population(doc: Doc, spans: tuple[Span, ...]) -> Population:
    sizes = doc._.sample_sizes or []
    chosen = pick_total(sizes)
    populations = [s for s in spans if s.label == "POPULATION"]
    pop = next((s for s in populations if not _from_model(s)), None) or next(
        iter(populations), None
    )
    condition = _disease(spans, pop) or _rule_condition(doc, spans)
    return Population(
        description=pop.text if pop else None,
        condition=condition,
        n=chosen["n"] if chosen else None,
        start=pop.start if pop else None,
        end=pop.end if pop else None,
        sample_sizes=tuple(
            SampleSize(
                n=r["n"],
                kind=r.get("label") or r["kind"],  # randomised / enrolled totals keep that label
                text=r["text"],
                start=r["start"],
                end=r["end"],
            )
            for r in sizes
            if r["kind"] in SAMPLE_SIZE_KINDS
        ),
    )


def _disease(spans: tuple[Span, ...], pop: Span | None) -> str | None:
    """The condition as the chemical/disease model reads it (model first).

    A ``DISEASE`` span inside the population phrase, else one inside a rule's condition phrase
    (title "... for Y", "patients with Y"), else the disease named most often outside the
    results and conclusions (where diseases are mostly outcomes and adverse events).
    """
    diseases = [s for s in spans if s.label == "DISEASE"]
    if not diseases:
        return None
    holders = [pop] if pop is not None else []
    holders += [s for s in spans if s.label == "POPULATION" and s is not pop]
    holders += [s for s in spans if s.label == "CONDITION" and not _from_model(s)]
    for holder in holders:
        inside = [d for d in diseases if holder.start <= d.start and d.end <= holder.end]
        if inside:
            return inside[0].text
    early = [d for d in diseases if not _LATE.match(d.section or "")]
    if not early:
        return None
    counts = Counter(d.text.casefold() for d in early)
    best = max(counts.values())
    return next(d.text for d in early if counts[d.text.casefold()] == best)


_LATE = re.compile(r"(?i)result|finding|conclu|interpret")


def _rule_condition(doc: Doc, spans: tuple[Span, ...]) -> str | None:
    """The condition the rules found: title "... for Y", "patients with Y", disease words."""
    conditions = [s for s in spans if s.label == "CONDITION"]
    ranked = [s for s in conditions if s.source.endswith(".title")] + [
        s for s in conditions if s.source.endswith(".patients_with")
    ]
    if ranked:
        return ranked[0].text
    if conditions:
        counts = Counter(s.text.lower() for s in conditions)
        best = counts.most_common(1)[0][0]
        return next(s.text for s in conditions if s.text.lower() == best)
    return (doc._.title_entities or {}).get("condition")


def _sample_noun(doc: Doc) -> str:
    chosen = pick_total(doc._.sample_sizes or [])
    if chosen and re.search(r"[A-Za-z]+$", chosen["text"]):
        return str(re.search(r"[A-Za-z]+$", chosen["text"]).group(0)).lower()  # type: ignore[union-attr]
    return "participants"
