"""Model spans and rule spans: which of them name the record's arms, outcomes and population.

Every PICO span a trained model writes is kept in the record (model first: the spans are the
model's reading, measured by ``evidence evaluate pico-records``); :func:`naming_spans` picks
those the record builder names things from: a rule span wins where it overlaps a model span of
the same PICO element (the numbers attach to it), and a model span that is no phrase names
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

# Labels of one PICO element: a rule span of the element names it where it overlaps a model span.
_ELEMENT = {
    "POPULATION": "P",
    "CONDITION": "P",
    "SAMPLE_SIZE": "P",
    "INTERVENTION": "I",
    "COMPARATOR": "I",
    "DOSE": "I",
    "OUTCOME": "O",
    "ADVERSE_EVENT": "O",  # an adverse event the rules listed is not an outcome again
}


class _SpanLike(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def source(self) -> str: ...


T = TypeVar("T", bound=_SpanLike)


def naming_spans(spans: Iterable[T]) -> tuple[T, ...]:
    """The spans the record builder names arms, outcomes and the population from.

    The record keeps every span (the model's first: they are its best reading of P, I and O),
    but numbers attach to the rules' spans, so where a rule span of the same PICO element
    overlaps a model span the rule's wording names the thing, and a model span that is no
    phrase (a cut-off, a number, a lone word) names nothing. Works on any span record with
    ``label``, ``start``, ``end``, ``text`` and ``source`` (``extractor.records.Span``).
    """
    spans = tuple(spans)
    taken: dict[str, list[tuple[int, int]]] = {}
    for span in spans:
        element = _ELEMENT.get(span.label)
        if element and not from_model(span.source):
            taken.setdefault(element, []).append((span.start, span.end))
    return tuple(
        span
        for span in spans
        if not from_model(span.source)
        or not (
            _fragment(span.text)
            or any(
                a < span.end and span.start < b
                for a, b in taken.get(_ELEMENT.get(span.label, span.label), ())
            )
        )
    )


def from_model(source: str) -> bool:
    """True for the provenance of a span a statistical model produced (not a rule)."""
    return source == "model" or source.startswith(("model", "pico"))


_EDGE_WORDS = frozenset(
    [
        "and",
        "or",
        "of",
        "the",
        "a",
        "an",
        "with",
        "in",
        "to",
        "for",
        "by",
        "on",
        "at",
        "from",
        "as",
        "than",
        "versus",
        "vs",
        "but",
        "nor",
    ]
)


def _fragment(phrase: str) -> bool:
    """A model span that is not a phrase: a cut-off ("alveolar and"), a number, a lone word.

    Kept spans start and end on a content word, have balanced brackets and more letters than
    digits, and at least four letters.
    """
    words = phrase.split()
    letters = sum(ch.isalpha() for ch in phrase)
    digits = sum(ch.isdigit() for ch in phrase)
    return (
        not words
        or letters < 4
        or digits > letters / 2
        or words[0].lower() in _EDGE_WORDS
        or words[-1].lower().strip(".,;:") in _EDGE_WORDS
        or not _balanced(phrase)
    )


def _balanced(phrase: str) -> bool:
    """Brackets open before they close and all close: "a (b) c", not "x) versus y (z"."""
    depth = 0
    for ch in phrase:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
