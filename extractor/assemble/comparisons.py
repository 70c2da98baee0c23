"""Comparisons: (intervention, comparator, outcome, direction) with the sentence that states it.

For every sentence of the results and conclusions (every sentence of an unstructured
abstract) that reports a comparison (:func:`extractor.nlp.comparisons.states_comparison`), the
outcomes it names — the PICO model's ``OUTCOME`` spans in it first, else the quantity a rule
phrasing names (:func:`extractor.nlp.comparisons.outcome_phrases`) — are paired with the arms
it compares (the arms it names; the trial's main intervention and control when it names fewer
than two) and the direction is classified by :func:`extractor.nlp.direction.classify_direction`.
The per-arm figures, p value and effect estimate of the sentence come with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..nlp.common import find_phrase, strip_span
from ..nlp.comparisons import (
    clauses,
    clean_outcome,
    cut_at_arm,
    outcome_phrases,
    refers_back,
    split_list,
    states_comparison,
)
from ..nlp.direction import classify_direction
from ..records import CONTROL_ROLES, Comparison, Effect, Intervention, Quote, Result, Span
from .outcomes import _result

_DIRECTION = {"increased": "increased", "decreased": "decreased", "no difference": "no_difference"}
_SKIP_SECTIONS = (
    "BACKGROUND",
    "INTRO",
    "OBJECT",
    "AIM",
    "PURPOSE",
    "METHOD",
    "DESIGN",
    "SETTING",
    "PARTICIPANT",
    "PATIENT",
    "INTERVENTION",
    "MATERIAL",
    "CONTEXT",
    "RATIONALE",
    "HYPOTHES",
    "SEARCH",
    "SELECTION",
    "DATA COLLECTION",
    "TRIAL REGISTRATION",
    "REGISTRATION",
    "FUNDING",
)


def _skipped(section: str) -> bool:
    """A section that sets a trial up (background, methods ...) and reports no result; "Methods
    and findings" (PLOS) and "Methods and results" report them."""
    label = section.upper()
    return label.startswith(_SKIP_SECTIONS) and not _REPORTS.search(label)


_REPORTS = re.compile(r"RESULT|FINDING|OUTCOME|CONCLU")


def _names(arm: Intervention) -> list[str]:
    return [n for n in (arm.name, arm.long_form) if n]


def _as_written(sentence: str, arm: Intervention) -> str:
    """The arm's name as the sentence writes it (abbreviation or long form), for the direction
    classifier, which reads the order in which the arms are named."""
    for name in (arm.name, arm.long_form):
        if name and find_phrase(sentence, name, ignore_case=not name.isupper()):
            return name
    return arm.long_form or arm.name


def _mentioned(sentence: str, arm: Intervention) -> int | None:
    """Offset of the arm's first mention in the sentence, or None."""
    hits = [
        s
        for name in _names(arm)
        for s, _ in find_phrase(sentence, name, ignore_case=not name.isupper())
    ]
    return min(hits) if hits else None


def _pairs(
    sentence: str, arms: tuple[Intervention, ...]
) -> list[tuple[Intervention, Intervention]]:
    """Which arms the sentence compares (intervention side first)."""
    if len(arms) < 2:
        return []
    active = [a for a in arms if a.role not in CONTROL_ROLES]
    controls = [a for a in arms if a.role in CONTROL_ROLES]
    main = active[0] if active else arms[0]
    control = controls[0] if controls else next(a for a in arms if a is not main)
    if len(arms) == 2:
        return [(main, control)]
    named = sorted(
        ((pos, a) for a in arms if (pos := _mentioned(sentence, a)) is not None),
        key=lambda x: x[0],
    )
    mentioned = [a for _, a in named]
    if len(mentioned) >= 2:
        m_active = [a for a in mentioned if a.role not in CONTROL_ROLES]
        m_controls = [a for a in mentioned if a.role in CONTROL_ROLES]
        if m_active and m_controls:
            return [(a, c) for a in m_active for c in m_controls]
        return [(mentioned[0], mentioned[1])]
    if len(mentioned) == 1:
        only = mentioned[0]
        if only.role in CONTROL_ROLES:
            return [(main, only)]
        return [(only, control if only is not control else main)]
    return [(main, control)]


def _sentence_outcomes(
    text: str, start: int, end: int, outcome_spans: list[Span], arm_names: list[str]
) -> list[str]:
    """Outcome names of one sentence: model/rule spans inside it, else a rule phrasing."""
    sentence = text[start:end]
    from_spans = [text[s.start : s.end] for s in outcome_spans if start <= s.start and s.end <= end]
    phrased = [sentence[a:b] for a, b in outcome_phrases(sentence)]
    names = _clean_names(from_spans, arm_names)
    for name in _clean_names(phrased, arm_names):
        folded = name.casefold()
        if not any(folded in n.casefold() or n.casefold() in folded for n in names):
            names.append(name)
    return [item for name in names for item in split_list(name)]


def _clean_names(raw: list[str], arm_names: list[str]) -> list[str]:
    names: list[str] = []
    for phrase in raw:
        name = clean_outcome(cut_at_arm(phrase, arm_names))
        if not name or name.casefold() in {n.casefold() for n in names}:
            continue
        if any(name.casefold() == a.casefold() for a in arm_names):
            continue
        names.append(name)
    return names


def build_comparisons(
    text: str,
    sentences: list[tuple[int, int, str | None]],
    spans: tuple[Span, ...],
    arms: tuple[Intervention, ...],
    result_rows: list[dict[str, Any]],
    result_arms: Mapping[int, str | None],
    *,
    model: Callable[[], Any] | None = None,
) -> tuple[Comparison, ...]:
    """The comparisons the abstract reports (see the module docstring).

    ``model`` returns the direction model to use, as for :func:`classify_direction` (a
    memoised lookup: finding the default model reads the settings); default: the usual one.
    """
    if len(arms) < 2:
        return ()
    outcome_spans = [s for s in spans if s.label == "OUTCOME"]
    arm_names = [n for a in arms for n in _names(a)]
    out: list[Comparison] = []
    seen: set[tuple[str, str, str]] = set()
    previous: list[str] = []
    for start, end, section in sentences:
        start, end = strip_span(text, start, end)
        if end <= start:
            continue
        if section and _skipped(section):
            previous = []
            continue
        for a, b in clauses(text[start:end]):
            found, previous = _clause_comparisons(
                text,
                start + a,
                start + b,
                outcome_spans,
                arms,
                arm_names,
                result_rows,
                result_arms,
                seen,
                previous,
                model=model,
            )
            out.extend(found)
    return tuple(out)


def _clause_comparisons(
    text: str,
    start: int,
    end: int,
    outcome_spans: list[Span],
    arms: tuple[Intervention, ...],
    arm_names: list[str],
    result_rows: list[dict[str, Any]],
    result_arms: Mapping[int, str | None],
    seen: set[tuple[str, str, str]],
    previous: list[str],
    *,
    model: Callable[[], Any] | None = None,
) -> tuple[list[Comparison], list[str]]:
    """The comparisons one clause states, and the outcomes it names (for the next clause:
    "This difference was significant" compares the outcome named just before)."""
    while start < end and text[start] in " ,;":
        start += 1
    sentence = text[start:end].rstrip()
    end = start + len(sentence)
    out: list[Comparison] = []
    outcomes = _sentence_outcomes(text, start, end, outcome_spans, arm_names)
    named = outcomes
    if not outcomes and previous and refers_back(sentence):
        outcomes = previous
    if not states_comparison(sentence):
        return out, named
    if outcomes:
        rows = [(i, r) for i, r in enumerate(result_rows) if start <= r["start"] < end]
        results = tuple(_result(r, result_arms.get(i)) for i, r in rows)
        p_value = next((r.p_value for r in results if r.p_value), None)
        effect = _effect(results)
        for intervention, comparator in _pairs(sentence, arms):
            for outcome in outcomes:
                key = (intervention.name, comparator.name, outcome.casefold())
                if key in seen:
                    continue
                seen.add(key)
                label, confidence = classify_direction(
                    sentence,
                    intervention=_as_written(sentence, intervention),
                    comparator=_as_written(sentence, comparator),
                    outcome=outcome,
                    model=model() if model is not None else None,
                )
                out.append(
                    Comparison(
                        intervention=intervention.name,
                        comparator=comparator.name,
                        outcome=outcome,
                        direction=_DIRECTION.get(label),
                        evidence=Quote(sentence, start, end),
                        results=results,
                        p_value=p_value,
                        effect=effect,
                        confidence=confidence,
                    )
                )
    return out, named


def _effect(results: tuple[Result, ...]) -> Effect | None:
    for r in results:
        if r.effect:
            return Effect(r.effect, r.effect_value, r.ci_low, r.ci_high)
    return None
