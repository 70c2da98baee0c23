"""Outcomes: results grouped by outcome, and the direction of each outcome's effect."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from spacy.tokens import Doc

from ..nlp.arms import INERT as _INERT
from ..nlp.common import COUNT, doc_text
from ..nlp.comparisons import clean_outcome
from ..nlp.direction import find_direction
from ..records import CONTROL_ROLES, Intervention, Outcome, Result, Span
from .result_arms import _result_arms
from .spans import _from_model, _sentence_of

_RESULT_FIELDS = (
    "text",
    "start",
    "end",
    "count",
    "denominator",
    "percent",
    "threshold",
    "source",
    "mean",
    "median",
    "sd",
    "iqr",
    "ci_low",
    "ci_high",
    "p_value",
    "time_point",
)


def _outcomes(
    doc: Doc,
    spans: tuple[Span, ...],
    starts: list[int],
    interventions: tuple[Intervention, ...] = (),
    arms: Mapping[int, str] | None = None,
) -> tuple[Outcome, ...]:
    """Results grouped by outcome, each with its arm (``arms``: row index → arm name, as
    :func:`_result_arms` gives it; computed here when not passed).

    A result whose sentence names no outcome (no OUTCOME span before it, no subject phrase) is
    kept under the fallback outcome ``UNNAMED_OUTCOME`` (``start``/``end`` None, listed last).
    """
    text = doc_text(doc)
    named = [s for s in spans if s.label == "OUTCOME"]
    by_name: dict[tuple[int, int], list[Result]] = {}
    names: dict[tuple[int, int], str] = {}
    sentence_owner: dict[int, tuple[int, int]] = {}
    rows = list(doc._.results or [])
    if arms is None:
        arms = _result_arms(text, rows, starts, interventions)
    for i, row in enumerate(rows):
        sent = _sentence_of(starts, row["start"])
        result = _result(row, arms.get(i))
        key: tuple[int, int] | None = None
        if row.get("outcome_start") is not None:
            key = sentence_owner.setdefault(sent, (row["outcome_start"], row["outcome_end"]))
        else:
            before = [
                s for s in named if _sentence_of(starts, s.start) == sent and s.start < row["start"]
            ]
            if before:
                key = (before[-1].start, before[-1].end)
            elif sent in sentence_owner:
                key = sentence_owner[sent]
            else:
                found = _subject(text, starts, sent, row["start"])
                key = _UNNAMED_KEY if found is None else found
                if found is not None:
                    sentence_owner[sent] = found
        names.setdefault(key, UNNAMED_OUTCOME if key == _UNNAMED_KEY else text[key[0] : key[1]])
        by_name.setdefault(key, []).append(result)
    grouped = {
        (r["outcome_start"], r["outcome_end"])
        for r in doc._.results or []
        if r.get("outcome_start") is not None
    }
    for span in named:
        key = (span.start, span.end)
        if key in grouped and key not in names:
            continue  # a sibling level of an outcome already named ("partial improvement")
        if key not in names and not any(a <= span.start and span.end <= b for a, b in names):
            if _from_model(span) and span.text.casefold() in {n.casefold() for n in names.values()}:
                continue  # the model tags each mention; list an outcome once
            names[key] = span.text
            by_name.setdefault(key, [])
    out = [
        Outcome(name=names[k], results=tuple(by_name[k]), start=k[0], end=k[1])
        for k in sorted(names)
        if k != _UNNAMED_KEY
    ]
    if _UNNAMED_KEY in names:
        out.append(Outcome(name=UNNAMED_OUTCOME, results=tuple(by_name[_UNNAMED_KEY])))
    return _tidy(tuple(out))


#: Name of the outcome that holds results whose sentence names no outcome.
UNNAMED_OUTCOME = "unnamed outcome"
_UNNAMED_KEY = (-1, -1)


def _tidy(outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    """Outcomes named as measured quantities: a name that is a sentence fragment, a statistic
    or a methods word ("data", "The mean", "During recovery") is dropped, its results kept
    under :data:`UNNAMED_OUTCOME`."""
    kept: list[Outcome] = []
    orphans: list[Result] = []
    for outcome in outcomes:
        if outcome.name == UNNAMED_OUTCOME or clean_outcome(outcome.name) is not None:
            kept.append(outcome)
        else:
            orphans.extend(outcome.results)
    if not orphans:
        return tuple(kept)
    unnamed = next((o for o in kept if o.name == UNNAMED_OUTCOME), None)
    if unnamed is None:
        return (*kept, Outcome(name=UNNAMED_OUTCOME, results=tuple(orphans)))
    merged = dataclasses.replace(unnamed, results=(*unnamed.results, *orphans))
    return tuple(merged if o is unnamed else o for o in kept)


def _result(row: dict[str, Any], arm: str | None) -> Result:
    """A ``Result`` from one ``doc._.results`` row (effect rows: ``measure``/``value``)."""
    values: dict[str, Any] = {f: row.get(f) for f in _RESULT_FIELDS}
    if row.get("kind") == "effect":
        values.update(effect=row.get("measure"), effect_value=row.get("value"))
    return Result(**values, arm=arm)


def _directions(
    text: str,
    outcomes: tuple[Outcome, ...],
    interventions: tuple[Intervention, ...],
    sentences: list[list[Any]],
    *,
    model: Callable[[], Any] | None = None,
) -> tuple[Outcome, ...]:
    """Fill ``Outcome.direction*`` when the record names an intervention and a control arm.

    ``model`` returns the direction model, as for :func:`~extractor.nlp.direction.find_direction`
    (called only when a direction is looked for); default: the usual one.
    """
    main = next((i for i in interventions if i.role == "intervention"), None)
    control = next((i for i in interventions if i.role in CONTROL_ROLES), None) or next(
        (i for i in interventions if i is not main and _INERT.match(i.name)), None
    )
    if main is None or control is None or not outcomes:
        return outcomes
    rows = [(int(r[0]), int(r[1]), r[2]) for r in sentences]
    out: list[Outcome] = []
    for outcome in outcomes:
        hit = find_direction(
            text,
            outcome.name,
            main.long_form or main.name,
            control.long_form or control.name,
            sentences=rows,
            model=model() if model is not None else None,
        )
        if hit is None:
            out.append(outcome)
            continue
        label, sentence, start, end = hit
        out.append(
            dataclasses.replace(
                outcome,
                direction=label,
                direction_text=sentence,
                direction_start=start,
                direction_end=end,
            )
        )
    return tuple(out)


def _subject(text: str, starts: list[int], sent: int, limit: int) -> tuple[int, int] | None:
    """Words from the sentence start to its first verb: a fallback outcome name, or None."""
    start = starts[sent]
    while start < limit and text[start].isspace():
        start += 1
    head = re.match(r"[A-Z][A-Z ]+:\s*", text[start:limit])
    if head:
        start += head.end()
    chunk = text[start:limit]
    stop = re.search(
        r"\s(?:was|were|is|are|had|has|increased|decreased|improved|reduced|did|showed|"
        r"remained|changed|differed|declined|rose|fell|resulted|led|in|of|for|at|on|with)\b|"
        r"[,;(:]",
        chunk,
    )
    end = start + (stop.start() if stop else len(chunk))
    phrase = text[start:end].rstrip()
    words = phrase.split()
    if not 1 <= len(words) <= 6 or not re.match(r"[A-Za-z]", phrase):
        return None
    if re.match(
        r"(?:patients?|participants?|subjects?|the\s+(?:patients|participants|subjects)|"
        r"there|this|these|those|it|we|they|both|all|overall|however|and|or|in|at|after|"
        r"compared|no|only|of|a|an|methods?|results?|background|conclusions?|"
        rf"{COUNT})\b",
        phrase,
        re.I,
    ):
        return None
    return start, start + len(phrase)
