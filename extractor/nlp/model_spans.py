"""Model spans: which PICO spans of a trained model ``evidence_entities`` keeps.

:func:`complement` drops a model span that overlaps a rule span of the same PICO element, or
that is no phrase (a cut-off, a number, a lone word); see the ``entities`` module docstring.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .common import doc_text

# Labels of one PICO element: a model span is dropped where a rule already found its element.
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


def complement(doc: Doc, items: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """The model's spans that add to the rules: those overlapping no rule span of their element.

    Rules are precise and the numbers (doses, sizes, results) attach to their spans, so a rule
    span always wins; the model fills what the rules missed (an outcome named only in prose, a
    population phrase without a count).
    """
    taken: dict[str, list[tuple[int, int]]] = {}
    for span in doc.spans.get("evidence", []):
        element = _ELEMENT.get(span.label_)
        if element:
            taken.setdefault(element, []).append((span.start_char, span.end_char))
    out = []
    text = doc_text(doc)
    for start, end, label, source in items:
        element = _ELEMENT.get(label, label)
        if _fragment(text[start:end]):
            continue
        if not any(a < end and start < b for a, b in taken.get(element, ())):
            out.append((start, end, label, source))
    return out


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
