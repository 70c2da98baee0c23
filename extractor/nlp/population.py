"""Population and condition: the P of PICO found by ``evidence_entities``.

:class:`PopulationRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which loads
the condition lexicon and population nouns from ``patterns/entities.jsonl`` in its
``initialize``. The population is the noun phrase around the sample size chosen by
:func:`extractor.nlp.sample_size.pick_total`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc

from .common import SentenceIndex
from .phrases import _WORD
from .sample_size import pick_total

_POP_LINK = re.compile(
    r"\s+(?:with|aged|from|who\s+(?:had|have|were|are|underwent)|undergoing|suffering\s+from|"
    r"diagnosed\s+with|having|attending|admitted\s+(?:to|with)|scheduled\s+for|requiring|"
    r"referred\s+for|in\s+(?:whom|the)\b)",
    re.IGNORECASE,
)


class PopulationRules:
    """Condition and population rules (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods of EntityFinder and its other mixins.
    _add: Callable[..., Any]
    condition_drop: Any
    condition_exclude: Any
    condition_heads: Any
    condition_suffixes: Any
    is_condition: Callable[..., Any]
    np_after: Callable[..., Any]
    np_before: Callable[..., Any]
    patients_with: Any
    pop_noun: Any
    trim_condition: Callable[..., Any]

    def condition_rules(self, doc: Doc, text: str, long_forms: dict[str, str]) -> None:
        """ "patients with Y" and disease-like words."""
        for m in self.patients_with.finditer(text):
            np = self.np_after(text, m.end(), len(text), max_words=6)
            if np is None:
                continue
            start, end = self.trim_condition(text, *np)
            if self.is_condition(text[start:end], long_forms):
                self._add(doc, start, end, "CONDITION", "patients_with")
        for m in _WORD.finditer(text):
            word = m.group(0).lower()
            if word in self.condition_exclude:
                continue
            if not (
                word in self.condition_heads
                or (len(word) >= 7 and word.endswith(self.condition_suffixes))
            ):
                continue
            np = self.np_before(text, m.end(), max(0, m.start() - 60), max_words=4)
            if np is None:
                continue
            start, end = np
            # Adverbs ("predominantly") and drop-words never start a condition.
            while True:
                first = _WORD.match(text, start, end)
                if first is None or first.end() >= end:
                    break
                w = first.group(0).lower()
                if not (w.endswith("ly") or w in self.condition_drop):
                    break
                nxt = _WORD.search(text, first.end(), end)
                if nxt is None:
                    break
                start = nxt.start()
            n_words = len(text[start:end].split())
            if (
                word
                in (
                    "disease",
                    "diseases",
                    "disorder",
                    "disorders",
                    "pain",
                    "failure",
                    "injury",
                    "infection",
                    "infections",
                    "syndrome",
                    "deficiency",
                    "insufficiency",
                )
                and n_words < 2
            ):
                continue
            self._add(doc, start, end, "CONDITION", "lexicon")

    def population_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """The noun phrase around the study's sample size."""
        sizes = doc._.sample_sizes or []
        chosen = pick_total([s for s in sizes if self.pop_noun.search(s["text"])]) or pick_total(
            sizes
        )
        if chosen is None or not self.pop_noun.search(chosen["text"]):
            m = self.patients_with.search(text)
            if m is None:
                return
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=8)
            if np is None:
                return
            self._add(doc, m.start(), np[1], "POPULATION", "patients_with")
            return
        else:
            start, end = chosen["start"], chosen["end"]
        sent_end = index.bounds(index.sentence_of(start))[1]
        link = _POP_LINK.match(text, end)
        if link is not None:
            np = self.np_after(text, link.end(), sent_end, max_words=10)
            if np is not None:
                end = np[1]
        self._add(doc, start, end, "POPULATION", "sample_size")
