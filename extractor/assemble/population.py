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
    conditions = [s for s in spans if s.label == "CONDITION"]
    condition = None
    ranked = [s for s in conditions if s.source.endswith(".title")] + [
        s for s in conditions if s.source.endswith(".patients_with")
    ]
    if ranked:
        condition = ranked[0].text
    elif conditions:
        counts = Counter(s.text.lower() for s in conditions)
        best = counts.most_common(1)[0][0]
        condition = next(s.text for s in conditions if s.text.lower() == best)
    elif (doc._.title_entities or {}).get("condition"):
        condition = doc._.title_entities["condition"]
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


def _sample_noun(doc: Doc) -> str:
    chosen = pick_total(doc._.sample_sizes or [])
    if chosen and re.search(r"[A-Za-z]+$", chosen["text"]):
        return str(re.search(r"[A-Za-z]+$", chosen["text"]).group(0)).lower()  # type: ignore[union-attr]
    return "participants"
