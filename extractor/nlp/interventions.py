"""Interventions and comparators: the title, trigger, lexicon and "X versus Y" rules.

:class:`InterventionRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which
loads the trigger words and lexicons from ``patterns/entities.jsonl`` in its ``initialize``.
The title rule also finds the title's condition (``doc._.title_entities``). See the
``entities`` module docstring for what is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc

from .common import SentenceIndex
from .phrases import _NEGATIVE_START, _WORD

_DOSES_OF = re.compile(
    r"^(?:[\w-]+\s+){0,2}?(?:doses?|dosages?|courses?|injections?)\s+of\s+", re.I
)
_NEEDS_MODIFIER = {"inhibitor", "antagonist", "agonist", "blocker", "analogue", "analog"}


class InterventionRules:
    """Title, intervention and comparator rules (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods of EntityFinder and its other mixins.
    _add: Callable[..., Any]
    _find_all: Callable[..., Any]
    comparator_trigger: Any
    comparators: Any
    condition_exclude: Any
    drug_suffixes: Any
    generic: Any
    intervention_triggers: Any
    is_condition: Callable[..., Any]
    is_treatment: Callable[..., Any]
    np_after: Callable[..., Any]
    np_before: Callable[..., Any]
    pop_noun: Any
    title_prefixes: Any
    treatment_heads: Any

    def title_rules(self, doc: Doc, text: str, long_forms: dict[str, str]) -> dict[str, Any]:
        """Title "X for/in Y": find X (intervention) and Y (condition) in the abstract."""
        title = (doc._.title or "").strip().rstrip(".")
        found: dict[str, Any] = {"intervention": None, "condition": None}
        if not title:
            return found
        for prefix in self.title_prefixes:
            title = prefix.sub("", title, count=1)
        m = re.match(
            r"(?P<x>.+?)\s+(?:for|in|on|versus|vs\.?|compared\s+with|among|as|"
            r"to\s+(?:treat|prevent|reduce|improve|manage|control))\s+"
            r"(?:(?:the\s+)?(?:treatment|management|prevention)\s+of\s+)?"
            r"(?:(?:patients?|adults|children|women|men|people|subjects)\s+with\s+)?(?P<y>.+)$",
            title,
            re.IGNORECASE,
        )
        if m is None:
            return found
        x = re.sub(r"\s*\([^)]*\)\s*$", "", m.group("x")).strip()
        y = re.sub(r"\s*\([^)]*\)", "", m.group("y")).strip()
        connector = title[m.end("x") : m.start("y")].strip().lower()
        if connector.startswith("on"):
            y = ""  # "Effect of X on Y": Y is an outcome, not the condition
        y = re.split(r"\bwith\s+", y)[-1]
        y = re.split(r"[:;]|\s+(?:in|among|with|after|during|a|an)\s", y)[0].strip()
        if self.is_treatment(x, long_forms) or (len(x.split()) <= 4 and self._find_all(text, x)):
            found["intervention"] = x
            for start, end in self._find_all(text, x)[:1]:
                self._add(doc, start, end, "INTERVENTION", "title")
        if y and self.is_condition(y, long_forms):
            found["condition"] = y
            words = y.split()
            for drop in range(min(3, len(words))):
                hits = self._find_all(text, " ".join(words[drop:]))
                if (hits and len(words) - drop >= 2) or (hits and drop == 0):
                    for start, end in hits[:1]:
                        self._add(doc, start, end, "CONDITION", "title")
                    break
        return found

    def intervention_rules(
        self,
        doc: Doc,
        text: str,
        index: SentenceIndex,
        abbreviations: list[dict[str, Any]],
        long_forms: dict[str, str],
    ) -> None:
        """Trigger phrases, treatment-like abbreviations and drug-like words."""
        for m in self.intervention_triggers.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=5, stop_preps=True)
            if np is None:
                continue
            lead = _DOSES_OF.match(text, np[0], np[1])
            if lead is not None and lead.end() < np[1]:
                np = (lead.end(), np[1])
            phrase = text[np[0] : np[1]]
            words = phrase.lower().split()
            if words[0] in _NEGATIVE_START or self.comparators.fullmatch(phrase):
                continue
            generic_trigger = re.match(
                r"(?:the\s+)?(?:efficacy|effect|safety|use|role|benefit|impact)", m.group(0), re.I
            )
            if (generic_trigger or words[-1] in self.generic) and not self.is_treatment(
                phrase, long_forms
            ):
                continue
            if self.pop_noun.search(phrase) or (
                self.is_condition(phrase, long_forms) and not self.is_treatment(phrase, long_forms)
            ):
                continue
            self._add(doc, np[0], np[1], "INTERVENTION", "trigger")
        seen_long: set[str] = set()
        for abbr in abbreviations:
            if not self.is_treatment(abbr["long"], {}):
                continue
            self._add(doc, abbr["short_start"], abbr["short_end"], "INTERVENTION", "abbreviation")
            if abbr["long"].lower() not in seen_long:
                seen_long.add(abbr["long"].lower())
                self._add(doc, abbr["long_start"], abbr["long_end"], "INTERVENTION", "abbreviation")
        for m in _WORD.finditer(text):
            word = m.group(0).lower()
            if word in _NEEDS_MODIFIER:
                # "inhibitor" alone names nothing; "ornithine decarboxylase inhibitor" does.
                np = self.np_before(text, m.start(), max(0, m.start() - 60), max_words=2)
                if np is not None and not re.search(r"\d", text[np[0] : np[1]]):
                    self._add(doc, np[0], m.end(), "INTERVENTION", "lexicon")
                continue
            if word in self.treatment_heads or (
                len(word) >= 7
                and word.endswith(self.drug_suffixes)
                and word not in self.condition_exclude
            ):
                start = m.start()
                prev = re.search(r"([A-Za-z-]+)\s+$", text[max(0, start - 30) : start])
                if prev and re.fullmatch(
                    r"intravenous|oral|subcutaneous|intramuscular|topical|inhaled|intranasal|"
                    r"recombinant|human|low-dose|high-dose",
                    prev.group(1),
                    re.I,
                ):
                    start -= len(prev.group(0))
                end = m.end()
                letter = re.match(r"\s+(?:[A-K]\d{0,2}|D[23])\b", text[end : end + 5])
                if word == "vitamin" and letter:
                    end += letter.end()  # "vitamin D", "vitamin B12"
                elif word == "vitamin":
                    continue
                self._add(doc, start, end, "INTERVENTION", "lexicon")

    def comparator_rules(
        self, doc: Doc, text: str, index: SentenceIndex, long_forms: dict[str, str]
    ) -> None:
        """Placebo-like words and "X versus Y"."""
        for m in self.comparators.finditer(text):
            if re.match(r"\s*[- ]controlled", text[m.end() : m.end() + 12]):
                continue  # "placebo-controlled" names the design, not an arm
            self._add(doc, m.start(), m.end(), "COMPARATOR", "lexicon")
        for m in self.comparator_trigger.finditer(text):
            sent_start, sent_end = index.bounds(index.sentence_of(m.start()))
            right = self.np_after(text, m.end(), sent_end, max_words=4, stop_preps=True)
            left = self.np_before(text, m.start(), sent_start, max_words=4)
            if right is None or left is None:
                continue
            right_text = text[right[0] : right[1]].lower()
            if re.match(
                r"(?:baseline|those|that|before|pre-?\w*|previous|the\s+same)\b", right_text
            ):
                continue
            if re.search(r"\d", text[left[0] : left[1]] + right_text):
                continue
            left_text = text[left[0] : left[1]]
            if self.is_treatment(left_text, long_forms) or self.comparators.search(right_text):
                self._add(doc, left[0], left[1], "INTERVENTION", "versus")
                self._add(doc, right[0], right[1], "COMPARATOR", "versus")
