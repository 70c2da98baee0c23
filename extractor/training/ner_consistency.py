"""``evidence_ner_consistency``: label every mention of a name the NER found once in the abstract.

The transition-based ``ner`` decides token by token, so an abstract that names "rubella" ten
times can get it tagged three times, and an abbreviation defined in brackets ("sinusoidal
obstruction syndrome (SOS)") is often missed where it is used later. BC5CDR annotates every
mention, so after the ``ner`` this component

1. tags a short form in brackets right after an entity ("… syndrome (SOS)") with the entity's
   label, when it looks like an abbreviation (one token, a capital letter, at most 10 characters);
2. tags every other occurrence of an entity's exact token sequence in the same document with
   the label it got most often, where no entity is already there.

Rules only, no weights; it changes ``doc.ents`` and nothing else. Measured on BC5CDR dev in
``models/README.md`` ("models/ner").
"""

from __future__ import annotations

from collections import Counter, defaultdict

from spacy.language import Language
from spacy.tokens import Doc, Span

MAX_SHORT_FORM = 10


def _is_short_form(span: Span) -> bool:
    text = span.text
    return (
        len(span) == 1
        and len(text) <= MAX_SHORT_FORM
        and any(c.isupper() for c in text)
        and any(c.isalpha() for c in text)
    )


def _short_forms(doc: Doc, ents: list[Span], taken: list[bool]) -> list[Span]:
    """``ENTITY ( SF )`` → ``SF`` tagged with the entity's label."""
    added: list[Span] = []
    for ent in ents:
        i = ent.end
        if i + 2 < len(doc) and doc[i].text == "(" and doc[i + 2].text == ")":
            candidate = doc[i + 1 : i + 2]
            if not taken[i + 1] and _is_short_form(candidate):
                added.append(Span(doc, i + 1, i + 2, label=ent.label))
                taken[i + 1] = True
    return added


def make_consistent(doc: Doc) -> Doc:
    """Add the abbreviation and repeated-mention entities described in the module docstring."""
    ents = list(doc.ents)
    if not ents:
        return doc
    taken = [False] * len(doc)
    for ent in ents:
        for i in range(ent.start, ent.end):
            taken[i] = True
    ents += _short_forms(doc, ents, taken)
    labels: dict[tuple[str, ...], Counter[int]] = defaultdict(Counter)
    for ent in ents:
        labels[tuple(t.text for t in ent)][ent.label] += 1
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for words in labels:
        by_first[words[0]].append(words)
    for candidates in by_first.values():
        candidates.sort(key=len, reverse=True)  # longest name first
    added: list[Span] = []
    for start, token in enumerate(doc):
        if taken[start] or token.text not in by_first:
            continue
        for words in by_first[token.text]:
            end = start + len(words)
            if end > len(doc) or any(taken[start:end]):
                continue
            if tuple(t.text for t in doc[start:end]) != words:
                continue
            label = labels[words].most_common(1)[0][0]
            added.append(Span(doc, start, end, label=label))
            for i in range(start, end):
                taken[i] = True
            break
    doc.ents = sorted(ents + added, key=lambda s: s.start)
    return doc


@Language.factory(
    "evidence_ner_consistency",
    assigns=["doc.ents"],
    requires=["doc.ents"],
    default_config={},
)
def make_ner_consistency(nlp: Language, name: str) -> NerConsistency:
    """Factory of :class:`NerConsistency` (no settings)."""
    return NerConsistency()


class NerConsistency:
    """Pipeline component running :func:`make_consistent` on every Doc."""

    def __call__(self, doc: Doc) -> Doc:
        return make_consistent(doc)


__all__ = ["NerConsistency", "make_consistent", "make_ner_consistency"]
