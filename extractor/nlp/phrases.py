"""Word-level helpers of ``evidence_entities``: words, noun phrases, treatment/condition tests.

:class:`PhraseRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which loads the
word lists (``np_stop``, ``treatment_head``, ``condition_head`` ...) from
``patterns/entities.jsonl`` in its ``initialize``. The other rule mixins share the module-level
``_WORD``, ``_DETERMINERS`` and ``_NEGATIVE_START``.
"""

from __future__ import annotations

import re
from typing import Any

# A word; "type 2", "stage IV", "grade 3" count as one so noun phrases run through them.
_WORD = re.compile(
    r"(?:[Tt]ype|[Ss]tage|[Gg]rade|[Cc]lass|[Pp]hase)\s+(?:\d+[a-z]?|I{1,3}|IV|V)\b"
    r"|[A-Za-z0-9][\w'’+/.-]*[\w+]|[A-Za-z0-9]"
)
_DETERMINERS = {"a", "an", "the", "either", "both", "their", "its", "his", "her", "our", "this"}
_NEGATIVE_START = {
    "no",
    "not",
    "any",
    "none",
    "each",
    "all",
    "these",
    "those",
    "other",
    "such",
    "only",
}
_PREPOSITIONS = {"in", "among", "to", "into", "with", "within", "on", "at", "after"}


class PhraseRules:
    """Noun phrases and word tests shared by the entity rules (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods of EntityFinder and its other mixins.
    condition_drop: Any
    condition_exclude: Any
    condition_heads: Any
    condition_suffixes: Any
    drug_suffixes: Any
    max_np_words: int
    np_stop: Any
    treatment_heads: Any

    def np_after(
        self,
        text: str,
        pos: int,
        limit: int,
        *,
        max_words: int | None = None,
        lists: bool = False,
        stop_preps: bool = False,
    ) -> tuple[int, int] | None:
        """A noun phrase starting at ``pos``: words up to a stop word, punctuation or ``limit``.

        With ``lists`` commas and "and"/"or" may join items ("erythema, induration and scaling");
        with ``stop_preps`` a preposition ends the phrase ("usual care | in heart failure").
        """
        max_words = max_words or self.max_np_words
        start = end = -1
        count = 0
        cursor = pos
        while count < max_words:
            m = _WORD.search(text, cursor, limit)
            if m is None:
                break
            gap = text[cursor : m.start()]
            if start >= 0 and (re.search(r"[;:.()\[\]]", gap) or ("," in gap and not lists)):
                break
            if start < 0 and gap.strip():
                break
            word = m.group(0).lower().rstrip(".")
            if word in self.np_stop or (not lists and word in ("and", "or")):
                break
            if stop_preps and word in _PREPOSITIONS:
                break
            if re.fullmatch(r"[\d.,]+", word) and start >= 0:
                break
            if start < 0:
                if word in _DETERMINERS:
                    cursor = m.end()
                    continue
                if re.fullmatch(r"[\d.,]+", word):
                    return None
                start = m.start()
            end = m.end()
            count += 1
            cursor = m.end()
        if start < 0:
            return None
        # Lists must not end on a conjunction ("erythema, induration and").
        while lists and re.search(r"(?:,|\band|\bor|\bthe)\s*$", text[start:end], re.I):
            kept = re.sub(r"(?:,|\band|\bor|\bthe)\s*$", "", text[start:end], flags=re.I)
            end = start + len(kept.rstrip())
        return (start, end) if end > start else None

    def np_before(
        self, text: str, pos: int, limit: int, *, max_words: int = 4
    ) -> tuple[int, int] | None:
        """A noun phrase ending at ``pos``: words back to a stop word or punctuation."""
        words = [m for m in _WORD.finditer(text, limit, pos) if m.end() <= pos]
        chosen: list[re.Match[str]] = []
        for m in reversed(words):
            after = text[m.end() : (chosen[-1].start() if chosen else pos)]
            if re.search(r"[,;:.()\[\]]", after):
                break
            word = m.group(0).lower()
            if (
                word in self.np_stop
                or word in ("and", "or", "of", "with", "in", "to")
                or word in _DETERMINERS
            ):
                break
            if re.fullmatch(r"[\d.,%]+", word):
                break
            chosen.append(m)
            if len(chosen) >= max_words:
                break
        if not chosen:
            return None
        return chosen[-1].start(), chosen[0].end()

    def is_treatment(self, phrase: str, long_forms: dict[str, str]) -> bool:
        """Does ``phrase`` look like a drug or treatment name?"""
        for raw in _WORD.findall(phrase):
            word = raw.lower()
            if word in self.treatment_heads:
                return True
            if len(word) >= 6 and word.endswith(self.drug_suffixes):
                return True
            long = long_forms.get(raw)
            if long and long.lower() != phrase.lower() and self.is_treatment(long, {}):
                return True
        return bool(re.search(r"\w+(?:therapy|therapies)\b", phrase, re.I))

    def is_condition(self, phrase: str, long_forms: dict[str, str]) -> bool:
        """Does ``phrase`` look like a disease or condition?"""
        for raw in _WORD.findall(phrase):
            word = raw.lower()
            if word in self.condition_exclude:
                continue
            if word in self.condition_heads:
                return True
            if len(word) >= 6 and word.endswith(self.condition_suffixes):
                return True
            long = long_forms.get(raw)
            if long and long.lower() != phrase.lower() and self.is_condition(long, {}):
                return True
        return False

    def trim_condition(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Drop leading modifiers such as "histologically confirmed" from a condition phrase."""
        while True:
            m = _WORD.match(text, start, end)
            if m is None or m.group(0).lower() not in self.condition_drop or m.end() >= end:
                break
            nxt = _WORD.search(text, m.end(), end)
            if nxt is None:
                break
            start = nxt.start()
        return start, end
