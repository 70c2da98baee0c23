"""Span records of ``doc.spans["evidence"]`` and the sentence an offset falls in."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
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


def trim_model_edges(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Model spans without edge punctuation, for naming ("serum levels," names "serum levels").

    The PICO tagger's spans keep the punctuation it tagged (EBM-NLP's annotators put brackets,
    commas and full stops inside spans, and the record keeps the model's reading); names drop
    it, except an opening bracket at the start and a closing one or ``%`` at the end.
    """
    out = []
    for span in spans:
        if not from_model(span.source):
            out.append(span)
            continue
        text = span.text
        lead = 0
        while lead < len(text) and (text[lead].isspace() or _edge_punct(text[lead], "([")):
            lead += 1
        tail = len(text)
        while tail > lead and (text[tail - 1].isspace() or _edge_punct(text[tail - 1], ")]%")):
            tail -= 1
        if tail <= lead:
            continue
        if (lead, tail) != (0, len(text)):
            span = replace(
                span, text=text[lead:tail], start=span.start + lead, end=span.start + tail
            )
        out.append(span)
    return tuple(out)


def _edge_punct(char: str, keep: str) -> bool:
    return char not in keep and unicodedata.category(char).startswith("P")


def _from_model(span: Span) -> bool:
    """True for a span a statistical model produced (not a rule)."""
    return from_model(span.source)
