"""Span records of ``doc.spans["evidence"]`` and the sentence an offset falls in."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from ..nlp.model_spans import from_model
from ..records import SPAN_LABELS, Span


def _sentence_of(starts: list[int], offset: int) -> int:
    lo = 0
    for i, s in enumerate(starts):
        if s <= offset:
            lo = i
        else:
            break
    return lo


def _spans(doc: Doc, sentences: list[list[Any]], starts: list[int]) -> tuple[Span, ...]:
    out: list[Span] = []
    seen: set[tuple[str, int, int]] = set()
    for span in doc.spans.get("evidence", []):
        if span.label_ not in SPAN_LABELS:
            continue
        key = (span.label_, span.start_char, span.end_char)
        if key in seen:
            continue
        seen.add(key)
        section = sentences[_sentence_of(starts, span.start_char)][2]
        out.append(
            Span(
                label=span.label_,
                text=span.text,
                start=span.start_char,
                end=span.end_char,
                source=span.id_ or "model",
                section=section,
            )
        )
    out.sort(key=lambda s: (s.start, s.end, s.label))
    return tuple(out)


def _from_model(span: Span) -> bool:
    """True for a span a statistical model produced (not a rule)."""
    return from_model(span.source)
