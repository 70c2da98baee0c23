"""Arm names: the treatments of a randomisation sentence or a title "A versus B".

:class:`ArmRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`; its spans carry
rule ``randomised``. See :meth:`ArmRules.arm_rules` and the ``entities`` module docstring for
what is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc

from .common import SentenceIndex
from .phrases import _NEGATIVE_START

# --- arm helpers (randomisation sentences, title "A versus B") ----------------------------------
_RANDOMISED = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided)|(?:re)?assigned|allocated)"
    r"\s+(?:[\w:,-]+\s+){0,5}?(?:in)?to\s+(?:(?:receive|either|one\s+of|treatment\s+with|"
    r"the|a|an|both)\s+)*",
    re.IGNORECASE,
)
_ARM_LIST_END = re.compile(
    r";|\.(?:\s|$)|\s(?:who|which|respectively|stratified|whereas|while)\b|"
    r"\s+and\s+(?:were|was|then|followed|received|the)\b|,\s*(?:and\s+)?(?:the|with|in\s+a)\b|"
    r"\s+with\s+(?:the\s+)?(?:primary|stratification)\b|"
    r"\s+to\s+(?:evaluate|assess|compare|determine|investigate|examine)\b",
    re.IGNORECASE,
)
_COMPARED = re.compile(
    r"\bcompar(?:ed|ing|es|e)\s+(?!with\b|to\b|between\b|in\b|for\b)(?:the\s+)?(?:(?:efficacy|effects?|safety|use|outcomes?)\s+of\s+)?",
    re.IGNORECASE,
)
_COMPARED_SPLIT = re.compile(r"\s+(?:with|to|versus|vs\.?)\s+", re.IGNORECASE)
# "442 were assigned to the high-dose group and 443 to the conventional-dose group"
_COUNT_TO = re.compile(
    r"(?<![\w.,/])\d[\d,]*\s+(?:(?:patients?|women|men|subjects|participants|children)\s+)?"
    r"(?:were\s+)?(?:(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed)\s+)?(?:in)?to\s+"
    r"(?:(?:receive|the|an?|switch\s+to|continue(?:\s+to\s+receive)?)\s+)*",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"\s+(?:versus|vs\.?|compared\s+(?:with|to))\s+", re.IGNORECASE)
_ARM_SPLIT = re.compile(
    r",?\s+or\s+|\s+(?:versus|vs\.?|compared\s+(?:with|to))\s+|"
    r",?\s+and\s+(?=(?:to\s+)?(?:receive\s+)?(?:placebo|an?\s|the\s|no\s|control|standard|usual|"
    r"observation|sham))",
    re.IGNORECASE,
)
_ARM_LEAD = re.compile(
    r"(?:(?:either|use|receive|received|receiving|to|one|of|the|a|an|treatment\s+with|therapy\s+with|"
    r"group|arm|(?:\d+|one|two|three|four|five|six|eight)?\s*(?:cycles?|courses?|doses?)\s+of)\s+|"
    r"(?:(?:two|three|four|five|\d)\s+)?(?:[\w-]+\s+)?(?:groups?|arms?)\s*:\s*)*",
    re.IGNORECASE,
)
_ARM_TAIL = re.compile(
    r"\s+(?:\d|at\s|for\s|every\s|each\s|daily\b|once\b|twice\b|given\s|administered\s|"
    r"on\s+days?\b|until\s|during\s|in\s+(?:a|the)\s|(?:in|into)\s+\w+\s+groups?\b|as\s|"
    r"after\s|followed\b|from\s|in\s+\d|"
    r"in\s+(?:[\w-]+\s+){0,2}(?:patients|women|men|children|adults|subjects)\b)|[,:]"
    r"|\s*\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu|units?)\b",
    re.IGNORECASE,
)
_CONTROL_ARM = re.compile(
    r"\b(?:control|controls|observation|placebo|sham|usual|standard|conventional|routine|"
    r"no\s+\w+|best\s+supportive|supportive\s+care|waiting|wait-?list|vehicle|untreated)\b",
    re.IGNORECASE,
)
_DOSE_FRAGMENT = re.compile(
    r"^\W*\d|\b\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu|units?)\b|/(?:kg|m2|m²|day|d)\b|"
    r"\bg/kg|x\s*\d+$",
    re.IGNORECASE,
)
_JUNK_ARM_WORD = re.compile(
    r"^(?:without|with|and|or|either|both|each|receive[sd]?|receiving|given|treated|groups?|arms?|"
    r"patients?|subjects?|participants?|women|men|children|one|two|three|four|five|six|"
    r"treatment|therapy|them|study|cohort|"
    r"those|this|that|it)$|\b(?:survival|progression|response|rates?|median|mean|incidence|"
    r"mortality|prolonged|improved|increased|decreased|reduced|showed|significantly|was|were|is|"
    r"are|had|has|been|time\s+to|risks?|outcomes?|efficacy|safety|ratio|followed)\b",
    re.IGNORECASE,
)


class ArmRules:
    """Arm names and their roles (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods of EntityFinder and its other mixins.
    _add: Callable[..., Any]
    _find_all: Callable[..., Any]
    comparators: Any
    is_condition: Callable[..., Any]
    is_treatment: Callable[..., Any]
    np_stop: Any

    def arm_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """Arms of a randomisation sentence and of a title "A versus B" (rule ``randomised``).

        "randomly assigned to A or B", "randomized to receive A (n = 50) versus B (n = 48)",
        "to receive A plus B or B alone", title "A versus B in ...". An arm is a
        ``COMPARATOR`` when it reads like a control (placebo, sham, usual/standard care, no
        treatment, observation, control, "B alone"/"B only"); when no arm does and there are
        exactly two, the second one is the comparator (trial reports name the experimental arm
        first: "lapatinib versus trastuzumab", "TAC or FAC"). Junk pieces (stop words, verbs,
        outcome phrases, dose fragments, single letters) are never arms.
        """
        title = (doc._.title or "").strip()
        segments: list[tuple[int, int, bool]] = []  # (start, end, is_title)
        arms: list[tuple[int, int, bool]]
        for m in _RANDOMISED.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            cut = _ARM_LIST_END.search(text, m.end(), sent_end)
            segments.append((m.end(), cut.start() if cut else sent_end, False))
        for m in _COMPARED.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            cut = _ARM_LIST_END.search(text, m.end(), sent_end)
            end = cut.start() if cut else sent_end
            arms = self._arm_list(text, m.end(), end, splitter=_COMPARED_SPLIT, first_only=True)
            if len(arms) == 2:
                self._label_arms(doc, text, arms)
        for sent in range(len(index.rows)):
            s_start, s_end = index.bounds(sent)
            hits = list(_COUNT_TO.finditer(text, s_start, s_end))
            arms = []
            for i, m in enumerate(hits):
                end = hits[i + 1].start() if i + 1 < len(hits) else s_end
                cut = _ARM_LIST_END.search(text, m.end(), end)
                end = cut.start() if cut else end
                piece = re.sub(r"(?:,\s*)?(?:\s+and\s*)?[,\s]*$", "", text[m.end() : end])
                arm = self._trim_arm(piece)
                if arm is not None and not self._junk_arm(piece[arm[0] : arm[1]]):
                    arms.append((m.end() + arm[0], m.end() + arm[1], arm[2]))
            if len(arms) >= 2:
                self._label_arms(doc, text, arms)
        first = index.bounds(0) if text else (0, 0)
        if not title and first[1] > first[0] and _VERSUS.search(text, first[0], first[1]):
            segments.append((first[0], first[1], True))
        for start, end, is_title in segments:
            arms = self._arm_list(text, start, end, versus_only=is_title)
            if len(arms) < 2:
                continue
            self._label_arms(doc, text, arms)
        if title and _VERSUS.search(title):
            title_arms = self._arm_list(title, 0, len(title), versus_only=True)
            if len(title_arms) == 2:
                found: list[tuple[int, int, bool]] = []
                for a_start, a_end, alone in title_arms:
                    places = self._find_all(text, title[a_start:a_end])
                    if not places:
                        break
                    found.append((places[0][0], places[0][1], alone))
                else:
                    self._label_arms(doc, text, found)

    def _label_arms(self, doc: Doc, text: str, arms: list[tuple[int, int, bool]]) -> None:
        controls = [
            alone or bool(_CONTROL_ARM.search(text[s:e]) or self.comparators.search(text[s:e]))
            for s, e, alone in arms
        ]
        if not any(controls) and len(arms) == 2:
            controls = [False, True]
        if all(controls):
            controls = [False, *controls[1:]]
        for (s, e, _), control in zip(arms, controls, strict=True):
            self._add(doc, s, e, "COMPARATOR" if control else "INTERVENTION", "randomised")

    def _arm_list(
        self,
        text: str,
        start: int,
        end: int,
        *,
        versus_only: bool = False,
        splitter: re.Pattern[str] | None = None,
        first_only: bool = False,
    ) -> list[tuple[int, int, bool]]:
        """``(start, end, alone)`` of each arm named in ``text[start:end]``."""
        # Mask brackets so "(n = 50)" and "(TAC)" neither split nor join arms; offsets stay.
        masked = re.sub(r"\([^()]*\)|\[[^\]]*\]", lambda m: " " * len(m.group(0)), text[start:end])
        splitter = splitter or (_VERSUS if versus_only else _ARM_SPLIT)
        pieces: list[tuple[int, int]] = []
        cursor = 0
        for m in splitter.finditer(masked):
            pieces.append((cursor, m.start()))
            cursor = m.end()
            if first_only:
                break
        pieces.append((cursor, len(masked)))
        if len(pieces) < 2:
            return []
        if not versus_only and not first_only and "," in masked:
            # "A, B, or C": commas separate arms only in a list closed by "or".
            expanded: list[tuple[int, int]] = []
            for i, (a, b) in enumerate(pieces):
                if i < len(pieces) - 1 and "," in masked[a:b]:
                    cursor = a
                    for c in re.finditer(r",\s*", masked[a:b]):
                        expanded.append((cursor, a + c.start()))
                        cursor = a + c.end()
                    expanded.append((cursor, b))
                else:
                    expanded.append((a, b))
            pieces = expanded
        arms: list[tuple[int, int, bool]] = []
        for i, (a, b) in enumerate(pieces):
            piece = masked[a:b]
            if versus_only:
                # the title: the words right before/after the connector
                if i == 0:
                    head = re.split(
                        r"(?i)^.*?\b(?:of|with|between|comparing|comparison)\s+|:\s*", piece
                    )[-1]
                    a += len(piece) - len(head)
                    piece = head
                else:
                    piece = re.split(
                        r"(?i)\s+(?:in|for|among|as|on|after|during|with)\s|[:,;]", piece
                    )[0]
            arm = self._trim_arm(piece)
            if arm is None:
                if i == 0 and not versus_only:
                    return []
                continue
            s, e, alone = arm
            name = masked[a + s : a + e]
            if self._junk_arm(name):
                continue
            arms.append((start + a + s, start + a + e, alone))
        return arms

    def _trim_arm(self, piece: str) -> tuple[int, int, bool] | None:
        """The name inside one arm piece: no lead-in words, doses or trailing "group"/"alone"."""
        m = _ARM_LEAD.match(piece)
        s = m.end() if m else 0
        body = piece[s:]
        stop = _ARM_TAIL.search(body)
        if stop is not None:
            body = body[: stop.start()]
        body = body.rstrip(" ,.")
        alone = False
        while True:
            tail = re.search(r"\s+(alone|only|groups?|arms?|regimens?)$", body, re.I)
            if tail is None:
                break
            alone = alone or tail.group(1).lower() in ("alone", "only")
            body = body[: tail.start()]
        body = body.strip()
        if not body or len(body.split()) > 6:
            return None
        s += len(piece[s:]) - len(piece[s:].lstrip())
        return s, s + len(body), alone

    def _junk_arm(self, name: str) -> bool:
        """A piece that names no arm: stop/verb words, outcomes, dose fragments, one letter."""
        words = name.lower().split()
        if not words or len(name) < 2:
            return True
        if re.fullmatch(r"[A-Za-z]", name) or _DOSE_FRAGMENT.search(name) or ":" in name:
            return True
        if re.search(r"\b(?:of|two|three|four)$", name, re.I):
            return True
        if words[0] in self.np_stop or words[0] in _NEGATIVE_START - {"no"}:
            return True
        if _JUNK_ARM_WORD.search(name) or words[0] in ("with", "without", "and", "or"):
            return True
        if self.is_condition(name, {}) and not self.is_treatment(name, {}):
            return True
        return len(words) == 1 and words[0].endswith("ly")
