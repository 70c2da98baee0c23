"""Outcomes: the measured things ``evidence_entities`` finds.

:class:`OutcomeRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which loads the
outcome triggers and verbs from ``patterns/entities.jsonl`` in its ``initialize``. The outcome
words of count results come from ``doc._.results`` (``evidence_results``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc

from .common import COUNT, SentenceIndex

_PRONOUN_START = re.compile(
    r"(?:those|that|this|these|it|them|each|both|either|baseline|placebo)\b", re.IGNORECASE
)
_LEADING_ADVERBIAL = re.compile(
    r"(?:at|in|after|before|during|then|also|finally|additionally|subsequently|thereafter|"
    r"furthermore|moreover|first|second|secondly|third|lastly|overall)\b[^,]*,\s*",
    re.IGNORECASE,
)


class OutcomeRules:
    """Outcome rules (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods of EntityFinder and its other mixins.
    _add: Callable[..., Any]
    np_after: Callable[..., Any]
    outcome_triggers: Any
    outcome_verbs: Any
    pop_noun: Any

    def outcome_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """Measured things and the outcome words of count results."""
        for row in doc._.results or []:
            if row.get("outcome_start") is not None:
                self._add(doc, row["outcome_start"], row["outcome_end"], "OUTCOME", "result")
        for m in self.outcome_triggers.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=10, lists=True)
            phrase = text[np[0] : np[1]] if np is not None else ""
            if (
                np is not None
                and not re.match(r"[\d.,%]", phrase)
                and not self.pop_noun.search(phrase)
                and not _PRONOUN_START.match(phrase)
            ):
                self._add(doc, np[0], np[1], "OUTCOME", "trigger")
        for m in self.outcome_verbs.finditer(text):
            sent_start = index.bounds(index.sentence_of(m.start()))[0]
            clause_start = sent_start
            for p in re.finditer(
                r"[;:]\s+|,\s+(?:and|but|while|whereas)\s+|\s(?:but|while|whereas)\s+",
                text[sent_start : m.start()],
            ):
                clause_start = sent_start + p.end()
            while clause_start < m.start() and text[clause_start].isspace():
                clause_start += 1
            heading = re.match(r"[A-Z][A-Z ]+:\s*", text[clause_start : m.start()])
            if heading:
                clause_start += heading.end()
            phrase = text[clause_start : m.start()]
            adverbial = _LEADING_ADVERBIAL.match(phrase)
            if adverbial:
                clause_start += adverbial.end()
                phrase = phrase[adverbial.end() :]
            lead = re.match(r"(?:The|Also|Then|In addition,?|Both|All)\s+", phrase)
            if lead:
                clause_start += lead.end()
                phrase = phrase[lead.end() :]
            if (
                0 < len(phrase.split()) <= 10
                and not self.pop_noun.search(phrase)
                and not re.match(rf"(?:{COUNT})\b", phrase, re.I)
            ):
                self._add(doc, clause_start, m.start(), "OUTCOME", "measured")
