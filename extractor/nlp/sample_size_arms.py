"""Per-arm sizes: the ``arm`` rules of ``evidence_sample_size``.

:class:`ArmSizeRules` is mixed into :class:`extractor.nlp.sample_size.SampleSizeFinder`; it marks
"442 to A and 443 to B", "N patients randomised to <arm>", "30 patients in each group", counts
after a group name, breakdowns in brackets, listed parts and sums of a total, and the
denominators of compared fractions as ``arm`` rows (see the ``sample_size`` module docstring).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import NUMBER_WORD, SentenceIndex
from .sample_size_cues import (
    _DIGITS,
    _ENROLLED,
    _PERCENT_PAREN,
    _RANDOMISED,
    _SCREENED_CUES,
    SAMPLE_COUNT,
    _int,
    _is_year,
    parse_sample_count,
)

_ARM_NUM = (
    r"(?<![\w.,/=%±:·-])(?<!thousand )(?<!hundred )(?<!hundred and )"
    rf"(?P<num>{_DIGITS}|{NUMBER_WORD})(?![\d.,·:]?\d)"
)
# "442 were assigned to the high-dose group and 443 to ...", "100 to EoP and 101 to
# paclitaxel", "98 patients randomized into the tamoxifen arm", "63 patients in the PB group".
_ARM_ITEM = re.compile(
    rf"{_ARM_NUM}\s+(?P<pct>{_PERCENT_PAREN})?"
    r"(?:(?:[a-z-]+\s+){0,2}?(?:patients|women|participants|subjects|cases|females|"
    r"volunteers|survivors)\s+)?"
    r"(?:(?:(?:were|was|had\s+been)\s+)?(?:(?:randomly|subsequently)\s+)?"
    r"(?:(?:assigned|allocated|randomi[sz]ed|ramdomi[sz]ed|analy[sz]ed|evaluated)\s+)?"
    r"(?:to|into|in|for|on)\s+(?!\d)(?!(?:\w+\s+)?(?:weeks?|months?|years?|days?)\b)"
    # "completing six to eight cycles" is a range, not "six (patients) to <arm>"
    rf"(?!(?:{NUMBER_WORD})\s+(?:[\w-]+\s+)?(?:cycles?|courses?|doses?|sessions?|times)\b)"
    # "13 patients were in complete response, 47 in partial response" are states, not arms
    r"(?!(?:complete|partial|stable|progressive|clinical|pathologic\w*)\s+(?:\w+\s+)?"
    r"(?:response|remission|disease)\b)"
    r"(?:the\s+|receive\s+)?"
    # "127 patients treated with duloxetine and 128 who received placebo", "Forty underwent CNB"
    r"|(?P<verb>(?:who\s+)?(?:(?:were|was)\s+)?(?:received|receiving|treated\s+with|"
    r"underwent|undergoing|given|started\s+(?:with|on))\s+(?:the\s+)?)"
    # "118 patients underwent efficacy analysis" is not an arm
    r"(?!(?:[\w-]+\s+)?(?:analys[ie]s|evaluation|assessment|screening|follow-up)\b))[\w(+-]",
    re.IGNORECASE,
)
_ARM_CONTEXT = re.compile(
    r"\b(?:randomi[sz]|ramdomi[sz]|assigned|allocated|groups?|arms?)", re.IGNORECASE
)
# "Of 511 patients randomised to anastrozole, ...": one arm named on its own.
_SINGLE_ARM = re.compile(
    rf"{_ARM_NUM}\s+(?:[a-z-]+\s+){{0,2}}?(?:patients|women|participants|subjects|cases)\s+"
    r"(?:who\s+were\s+)?(?:randomly\s+)?(?:randomi[sz]ed|assigned|allocated)\s+(?:to|into)\s+"
    r"(?P<arm>[^,;.()]{1,60})",
    re.IGNORECASE,
)
_NOT_ONE_ARM = re.compile(
    r"\b(?:or|versus|vs|either|and|one|two|three|four|both|each|groups|arms)\b|\d|/", re.I
)
# "50 patients in each group", "1408 per group", "(30 patients in each group)".
_EACH_ARM = re.compile(
    rf"{_ARM_NUM}\s+(?:(?:[\w-]+\s+){{0,2}}?(?:patients|women|participants|subjects|cases)\s+)?"
    r"(?:in\s+each|in\s+both|for\s+each|per)\s+(?:\w+\s+)?(?:groups?|arms?)\b"
    # "Two patients in each group died" counts events, not arm sizes
    r"(?!\s*(?:were|was|have|has|had|died|did|withdrew|experienced|developed)\b)",
    re.IGNORECASE,
)
# Sentences that count events per arm: "168 second cancers in the fenretinide arm and 190 in
# the control arm", "Contralateral cancer occurred in 20 patients in group A and 9 in B".
_EVENT_WORDS = re.compile(
    r"\b(?:events?|deaths?|died|cancers?|relapses?|recurrences?|metastas[ie]s|occurred|"
    r"developed|incidence|rates?|number\s+of|suffered|experienced|toxicit\w*|adverse|"
    r"infections?|hospitali[sz]\w+|found\s+in)\b",
    re.IGNORECASE,
)
# "The control group consisting of 47 patients", "group A (49 patients with ...)".
_ARM_BEFORE = re.compile(
    r"\b(?:groups?|arms?)\s+(?:consist(?:ing|ed)\s+of|comprising|comprised\s+of|of)\s*$",
    re.IGNORECASE,
)
# "(166 control and 169 intervention)", "(1063 ovarian ablation, 1081 no ablation)".
_BREAKDOWN_ITEM = re.compile(
    r"(?:^|[,;]\s*|\s+(?:and|vs\.?|versus)\s+)(?P<num>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?!\s*(?:%|percent|\.\d|[-–]\d|mg|years?))\s+(?:patients?\s+|women\s+)?"
    r"(?:(?:randomi[sz]ed|assigned|allocated)\s+)?(?:to\s+|in\s+(?:the\s+)?|on\s+)?"
    r"(?!with\b)[A-Za-z]",  # "855 with breast cancer, 689 with prostate cancer" are strata
    re.IGNORECASE,
)


_PAREN_ARM_TAIL = re.compile(r"\s*(?:\)|with\b|in\b|who\b|receiving\b|treated\b)")


_FRACTION = re.compile(
    r"(?<![\w.,/=·-])(?<![\d\s]:)(?<!between )(?<!from )(?<!since )(?<!until )"
    # "126/311", "8 of 72", "62 (27%) of 231", "N:19/36", "12 (80%) of the 15"
    rf"(?P<part>\d{{1,5}}|(?i:{NUMBER_WORD}))(?:\s*/|\s+(?:\(\s*\d+(?:\.\d+)?\s*%\s*\)\s+)?"
    r"(?:out\s+)?of(?:\s+the)?)\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d{1,5})"
    r"(?![\w.,/·]?\d)(?!\s*(?:mg|kg|g|ml|m2|h|d|day|week|min)\b)"
    r"(?!\s+(?:and|to)\s+\d{1,2}/\d)"
)
# "124 [3.8%] in 3295 women vs 88 [2.6%] in 3343": the count of an outcome, then its group.
_COUNT_IN = re.compile(
    r"(?<![\w.,/=·-])(?P<part>\d{1,5})\s*[(\[]\s*\d+(?:\.\d+)?\s*%\s*[)\]]\s+in\s+(?:the\s+)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d{1,5})(?![\w.,/·]?\d)"
    r"(?!\s*(?:%|mg|kg|g|ml|h|d|days?|weeks?|months?|years?|min|cycles?)\b)"
)
# "... 7.2% (21/292) in the prospective trial compared with 6.8% (46/672) in the retrospective
# cohort", "9% (126/1356) in Study-1": the denominators of other studies, not of arms.
_OTHER_STUDY = re.compile(
    r"\s*\)?\s*(?:in|from|of)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:trials?|cohorts?|stud(?:y|ies)|registry|series)\b(?:-?\s*\d+)?",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"\b(?:vs\.?|versus)\s", re.I)
# A count in a bracketed list or after a colon: "(TAM 217, follow-up 216)", "(CBT:63,
# control:67)", "(484, ribociclib; 242, placebo)", ": E → CMF 440, CMF → E 438, and CMF 188".
_LIST_NUM = re.compile(
    r"(?<![\w.,/=%±·-])(?<!\d:)(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?![\d.,·:/]?\d)"
    r"(?!\s*(?:%|percent|per\s*cent|mg|g|kg|ml|m2|mmHg|Gy|cGy|years?|yrs?|y|months?|weeks?|"
    r"days?|h|hours?|min|cycles?|times?|doses?)\b)(?!\s*(?:%|[-–]\s*\d|[×x]\s*\d))"
)
_LIST_WORD = re.compile(
    rf"(?:^|[,;]\s*)(?!one\b)(?P<num>{NUMBER_WORD})\s+(?!(?:of|per|times|years?|months?|"
    r"weeks?|days?|cycles?|doses?)\b)[A-Za-z]",
    re.IGNORECASE,
)
# Brackets that hold statistics, not a breakdown of a count.
_STATS_PAREN = re.compile(
    r"\b(?:CI|IQR|SD|SE|range|confidence|median|mean|p\s*[=<>]|HR|OR|RR)\b|±|[<>≤≥]", re.I
)
# What a group of people does after it is counted: "34 women allocated to A and 31 to B died",
# "136 women (74 placebo, 62 tamoxifen) developed breast cancer".
_OUTCOME_AFTER = re.compile(
    r"^[^,;:(]{0,50}?\b(?:died|developed|experienced|suffered|relapsed|recurred|withdrew|exhibited|"
    r"discontinued|stopped|achieved|responded|met|had\s+(?!been\b|similar\b|comparable\b|"
    r"a\s+(?:median|mean)\b|received\b|undergone\b)\w+)\b",
    re.IGNORECASE,
)
# "The TC6 and T-FEC group consisted of 22 and 21 patients, respectively".
_GROUPS_CONSIST = re.compile(
    r"\b(?:groups?|arms?)\s+(?:consist(?:ed|ing)\s+of|comprised(?:\s+of)?|included|contained|"
    r"had|were)\s+(?P<a>\d+)\s*(?:,\s*(?P<b2>\d+)\s*,?)?\s+and\s+(?P<b>\d+)\s+"
    r"(?:[\w-]+\s+){0,2}?[\w-]+,?\s+respectively\b",
    re.IGNORECASE,
)
# "each group contained 36 subjects", "Twenty women were assigned to each study arm".
_EACH_CONTAINS = re.compile(
    rf"\beach\s+(?:\w+\s+)?(?:groups?|arms?)\s+(?:contained|consisted\s+of|comprised|included|"
    rf"had|of)\s+{_ARM_NUM}\b"
    rf"|{_ARM_NUM.replace('num', 'num2')}\s+(?:[\w-]+\s+){{0,2}}?(?:were|was)\s+(?:randomly\s+)?"
    r"(?:assigned|allocated|randomi[sz]ed)\s+(?:to|into|in)\s+each\s+(?:\w+\s+)?(?:groups?|arms?)\b",
    re.IGNORECASE,
)
# "Thirty-three received clonidine and 31 venlafaxine", "Thirty started with X and 30 with Y":
# the second count of an elliptical list after a "received"/"treated with" item.
_ELLIPTIC = re.compile(
    rf"[^,;.()]{{1,60}}?(?:,\s*(?:and\s+)?|\s+(?:and|or|while|whereas)\s+){_ARM_NUM}\s+"
    r"(?:(?:patients|women|participants|subjects)\s+)?(?:with\s+|on\s+)?"
    r"(?!(?:patients|women|had|were|was|did|of|in|to|and|or)\b)[A-Za-z]",
    re.IGNORECASE,
)
# "Comparing 23 experimental and 26 control patients", "297 no-Ax and 310 Ax patients".
_ROLE_PAIR = re.compile(
    rf"{_ARM_NUM.replace('num', 'a')}\s+(?P<r1>[\w-]+)\s+(?:and|vs\.?|versus)\s+"
    rf"{_ARM_NUM.replace('num', 'b')}\s+(?P<r2>[\w-]+)\s+"
    r"(?:patients|women|participants|subjects|cases|controls)\b",
    re.IGNORECASE,
)
# "(1449 analysed)" after an arm name.
_PAREN_COUNT = re.compile(
    r"[A-Za-z][\w)-]*\s*\(\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)\s+(?:patients\s+|women\s+)?"
    r"(?:analy[sz]ed|evaluable|randomi[sz]ed|assigned|allocated|treated)\s*\)",
    re.IGNORECASE,
)
# "1724 black cases and 1233 controls", "279 case subjects and 558 matched control subjects",
# "(cases = 46,325, controls = 42,482)".
_CASE_CONTROL = re.compile(
    r"(?<![\w.,/=%-])(?P<a>\d{1,3}(?:,\d{3})+|\d+)\s+(?:[\w-]+\s+){0,4}?cases?(?:\s+subjects)?"
    r"\s+and\s+(?P<b>\d{1,3}(?:,\d{3})+|\d+)\s+(?:[\w-]+\s+){0,2}?controls?\b"
    r"|\bcases\s*[=:]\s*(?P<a2>\d{1,3}(?:,\d{3})+|\d+)\s*[,;]\s*controls\s*[=:]\s*"
    r"(?P<b2>\d{1,3}(?:,\d{3})+|\d+)",
    re.IGNORECASE,
)
# "729 and 724 patients, respectively", "191 + 191 patients were randomised".
_RESPECTIVELY = re.compile(
    r"(?<![\w.,/=%-])(?P<a>\d{1,3}(?:,\d{3})+|\d+)\s+and\s+(?P<b>\d{1,3}(?:,\d{3})+|\d+)\s+"
    r"(?:patients|women|participants|subjects)\s*,?\s+respectively\b"
    r"|(?<![\w.,/=%-])(?P<a3>\d{1,3}(?:,\d{3})+|\d+)\s*\+\s*(?P<b3>\d{1,3}(?:,\d{3})+|\d+)\s+"
    r"(?:patients|women|participants|subjects)\b",
    re.IGNORECASE,
)
# Sample size calculations: "The sample size (197 patients per arm) was based on ..."
_PLANNED = re.compile(
    r"\b(?:sample\s+size|power(?:ed)?|would\s+be\s+(?:needed|required)|were\s+(?:needed|required)|"
    r"to\s+detect)\b",
    re.IGNORECASE,
)
_ROLE_WORD = re.compile(
    r"^(?:control|placebo|experimental|intervention|treatment|treated|untreated|usual-care|"
    r"standard|sham|active|exercise|waitlist|wait-list)$",
    re.IGNORECASE,
)
_COMPARED = re.compile(r"\b(?:vs\.?|versus|compared|than|and|respectively)\b", re.I)


def _span(m: re.Match[str], base: int, group: str = "num") -> tuple[int, int]:
    """The offsets in the text of ``group`` of a match in a part of it starting at ``base``."""
    return base + m.start(group), base + m.end(group)


#: ``mark(start, end, n)``: make the count at ``start:end`` an ``arm`` row.
_Mark = Callable[[int, int, int], None]


def _arm_items(
    text: str, sentence: str, sent_start: int, arm_context: bool
) -> list[tuple[int, int, int]]:
    """The "N to/in <arm>" items of a sentence (with an elliptic "and M" after a verb item)."""
    items = []
    for m in _ARM_ITEM.finditer(sentence):
        if m.group("verb") and m.group("pct"):
            continue  # "5 (10%) received rescue medication" is an outcome
        if not (arm_context or m.group("verb") or re.search(r"\banaly[sz]ed\b", sentence)):
            continue
        if re.search(r"(?<!there )\b(?:were|was|are|is)\s+$", sentence[: m.start("num")], re.I):
            continue  # "Expected cases were 43 in the A group and 10 in B"
        a, b = _span(m, sent_start)
        n = parse_sample_count(m.group("num"))
        if n and not _is_year(text, a, b):
            items.append((a, b, n))
        if m.group("verb"):
            tail = _ELLIPTIC.match(sentence, m.end())
            more = parse_sample_count(tail.group("num")) if tail else None
            if tail and more and not any(x == sent_start + tail.start("num") for x, _, _ in items):
                items.append((*_span(tail, sent_start), more))
    return items


def _named_counts(sentence: str, sent_start: int, arm_context: bool) -> list[tuple[int, int, int]]:
    """Explicit "N role and M role patients", "X (N analysed)" counts of a sentence."""
    named: list[tuple[int, int, int]] = []
    for m in _ROLE_PAIR.finditer(sentence):
        r1, r2 = m.group("r1").lower(), m.group("r2").lower()
        if not (_ROLE_WORD.match(r1) or _ROLE_WORD.match(r2) or r1 == f"no-{r2}"):
            continue
        for g in ("a", "b"):
            n = parse_sample_count(m.group(g))
            if n:
                named.append((*_span(m, sent_start, g), n))
    for m in _PAREN_COUNT.finditer(sentence):
        if arm_context:  # "anastrozole (1449 analysed) or tamoxifen (1489 analysed)"
            named.append((*_span(m, sent_start), _int(m.group("num"))))
    return named


def _kept_arm_items(
    text: str,
    sentence: str,
    sent_start: int,
    items: list[tuple[int, int, int]],
    named: list[tuple[int, int, int]],
) -> list[tuple[int, int, int]]:
    """The arm items and named counts of a sentence, less those counted for an outcome.

    Named counts are kept in sentences that also mention events ("Comparing 23 experimental
    and 26 control patients, ... pain experienced"), unless an outcome follows them.
    """
    items = sorted(set(items) | set(named))
    ends = [b - sent_start for _, b, _ in items]
    starts = [a - sent_start for a, _, _ in items[1:]] + [len(sentence)]
    # a denominator ("5 (6%) of the 82 patients in B had ...") stays an arm size
    denominators = [
        bool(re.search(r"\b(?:of|among)\s+(?:the\s+)?$", text[max(0, a - 12) : a]))
        for a, _, _ in items
    ]
    if items and any(
        _OUTCOME_AFTER.search(sentence[e:s]) and not d
        for e, s, d in zip(ends, starts, denominators, strict=True)
    ):
        items = []  # "34 women allocated to A and 31 to B died"
    if _EVENT_WORDS.search(sentence) and not _RANDOMISED.search(sentence):
        items = [
            (a, b, n)
            for a, b, n in items
            if re.search(r"\bamong\s+$", text[max(0, a - 8) : a]) or (a, b, n) in named
        ]
    return items


def _mark_single_and_each_arms(
    text: str, sentence: str, sent_start: int, arm_context: bool, mark: _Mark
) -> None:
    """Mark "N patients randomised to <one arm>", "N patients in each group", case/control
    pairs, "..., respectively" counts and "groups consisting of N" in a sentence."""
    for m in _SINGLE_ARM.finditer(sentence):
        a, b = _span(m, sent_start)
        n = parse_sample_count(m.group("num"))
        rest = re.match(r"[^;]*", sentence[m.end("arm") :])
        if _NOT_ONE_ARM.search(m.group("arm")) or re.search(
            r"\b(?:or|versus|vs)\b", rest.group(0) if rest else ""
        ):
            continue
        if n and not _is_year(text, a, b):
            mark(a, b, n)
    planned = _PLANNED.search(sentence)
    for m in _EACH_ARM.finditer(sentence):
        n = parse_sample_count(m.group("num"))
        if n and not planned:
            mark(*_span(m, sent_start), n)
    for m in _EACH_CONTAINS.finditer(sentence):
        n = parse_sample_count(m.group("num") or m.group("num2") or "")
        g = "num" if m.group("num") else "num2"
        if n:
            mark(*_span(m, sent_start, g), n)
    pairs = list(_CASE_CONTROL.finditer(sentence))
    if arm_context or _RANDOMISED.search(sentence):
        pairs += _RESPECTIVELY.finditer(sentence)
    for m in pairs:
        for g, value in m.groupdict().items():
            if value:
                mark(*_span(m, sent_start, g), _int(value))
    for m in _GROUPS_CONSIST.finditer(sentence):
        for g in ("a", "b2", "b"):
            if m.group(g):
                mark(*_span(m, sent_start, g), int(m.group(g)))


class ArmSizeRules:
    """Rules that mark per-arm sizes (a mixin of ``SampleSizeFinder``)."""

    # Set by SampleSizeFinder.initialize, or methods defined on SampleSizeFinder.
    _row: Callable[..., Any]
    _score: Callable[..., Any]
    percent_of: Any

    def _arms(self, text: str, index: SentenceIndex, found: list[dict[str, Any]]) -> None:
        """Mark per-arm counts: two or more "N to/in <arm>" items in a randomisation sentence,
        "N patients randomised to <one arm>", "N patients in each group", counts after a
        group name ("the control group consisting of 47 patients", "group A (49 patients)"),
        or the items of a breakdown in brackets after a total ("60 patients (30 A, 30 B)")."""
        by_start = {r["start"]: r for r in found}

        def mark(start: int, end: int, n: int) -> None:
            row = by_start.get(start) or next(
                (
                    r
                    for r in found
                    if r.get("equals") and r["start"] <= start < r["end"] and r["n"] == n
                ),
                None,
            )
            if row is None:
                row = self._row(text, start, end, n, "arm", index)
                found.append(row)
                by_start[start] = row
            row["kind"], row["label"], row["strength"] = "arm", None, 0

        for i in range(len(index)):
            sent_start, sent_end = index.bounds(i)
            self._sentence_arms(text, sent_start, sent_end, found, mark)
        self._arms_after_group_names(text, index, found, mark)
        self._bracketed_breakdowns(text, found, mark)

    def _sentence_arms(
        self,
        text: str,
        sent_start: int,
        sent_end: int,
        found: list[dict[str, Any]],
        mark: _Mark,
    ) -> None:
        """Mark the per-arm counts one sentence states."""
        sentence = text[sent_start:sent_end]
        arm_context = bool(_ARM_CONTEXT.search(sentence) or _VERSUS.search(sentence))
        items = _arm_items(text, sentence, sent_start, arm_context)
        named = _named_counts(sentence, sent_start, arm_context)
        items = _kept_arm_items(text, sentence, sent_start, items, named)
        if len(items) >= 2 and not self._outcome_split(text, items, found):
            for a, b, n in items:
                mark(a, b, n)
        _mark_single_and_each_arms(text, sentence, sent_start, arm_context, mark)
        self._listed_parts(text, sent_start, sent_end, mark)
        # "FN occurred in 40.8% (126/311) in arm A versus 7.1% (22/316) in arm B": the
        # denominators of two or more compared fractions are the arm sizes.
        fractions = self._fraction_denominators(sentence, sent_start)
        for a, b, n in self._compared_denominators(sentence, fractions):
            mark(a, b, n)

    def _fraction_denominators(self, sentence: str, sent_start: int) -> list[tuple[int, int, int]]:
        """The denominators of fractions ("126/311"), percentages of a count ("23.2% of 203
        women") and counts in a count ("8 of 72") of one sentence."""
        fractions = [
            (*_span(m, sent_start), _int(m.group("num")))
            for m in _FRACTION.finditer(sentence)
            if _int(m.group("num")) > (parse_sample_count(m.group("part")) or 0)
            and _int(m.group("num")) >= 10
            and not _OTHER_STUDY.match(sentence, m.end())
        ]
        fractions += [
            (*_span(m, sent_start), _int(m.group("num")))
            for m in self.percent_of.finditer(sentence)
        ]
        fractions += [
            (*_span(m, sent_start), _int(m.group("num")))
            for m in _COUNT_IN.finditer(sentence)
            if _int(m.group("num")) > int(m.group("part"))
        ]
        return fractions

    @staticmethod
    def _arms_after_group_names(
        text: str, index: SentenceIndex, found: list[dict[str, Any]], mark: _Mark
    ) -> None:
        """Counts right after a group name: "the control group consisting of 47 patients",
        "group A (49 patients)"."""
        for row in list(found):
            if row["kind"] == "arm" or row.get("equals"):
                continue
            before = text[max(0, row["start"] - 60) : row["start"]]
            sent_start, sent_end = index.bounds(row["sentence"])
            if _ARM_BEFORE.search(before) or (
                re.search(r"[A-Za-z][\w)-]*\s*\((?:[^()%]{0,40}[;,])?\s*$", before)
                and _PAREN_ARM_TAIL.match(text, row["end"])
                and _ARM_CONTEXT.search(text[sent_start:sent_end])
            ):
                mark(row["start"], row["end"], row["n"])

    @staticmethod
    def _bracketed_breakdowns(text: str, found: list[dict[str, Any]], mark: _Mark) -> None:
        """The items of a breakdown in brackets after a total: "60 patients (30 A, 30 B)"."""
        for row in list(found):
            if row["kind"] not in ("total", "analysed"):
                continue
            tail = re.match(r"\s*(?:\w+\s+){0,4}?\(([^()]{3,200})\)", text[row["end"] :])
            if not tail or _OUTCOME_AFTER.search(text[row["end"] + tail.end() :]):
                continue  # "136 women (74 placebo, 62 tamoxifen) developed breast cancer"
            inner_start = row["end"] + tail.start(1)
            parts = list(_BREAKDOWN_ITEM.finditer(tail.group(1)))
            if len(parts) < 2:
                continue
            values = [int(m.group("num").replace(",", "")) for m in parts]
            if sum(values) > row["n"] * 1.05 + 1:
                continue  # not parts of this total
            for m, n in zip(parts, values, strict=True):
                mark(*_span(m, inner_start), n)

    @staticmethod
    def _outcome_split(
        text: str, items: list[tuple[int, int, int]], found: list[dict[str, Any]]
    ) -> bool:
        """Whether ``items`` split a group counted for an outcome just before them: "Only 9
        patients (8%) met the criteria; 5 were in the A and 4 in the B group"."""
        total = sum(n for _, _, n in items)
        first = min(a for a, _, _ in items)
        for row in found:
            if row["n"] != total or row["kind"] != "subgroup" or not 0 < first - row["end"] < 200:
                continue
            between = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", text[row["end"] : first])
            if _OUTCOME_AFTER.search(between):
                return True
        return False

    @staticmethod
    def _compared_denominators(
        sentence: str, fractions: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """The denominators of two or more compared fractions, less the one that is the sum of
        two others (the whole: "14 of 89 ... (seven of 41 ... and seven of 48)") and less a
        denominator shared by a list of events of one group ("FN (8/142), hospitalization
        (6/142) and discontinuation (5/142)")."""
        if len(fractions) < 2 or not _COMPARED.search(sentence):
            return []
        values = sorted({n for _, _, n in fractions})
        if len(values) == 1 and (
            len(fractions) > 2
            or not re.search(r"\b(?:vs\.?|versus|compared|respectively)\b", sentence, re.I)
        ):
            return []
        wholes = {
            v for v in values if any(x + y == v for x in values for y in values if x < v and y < v)
        }
        return [f for f in fractions if f[2] not in wholes]

    def _listed_parts(self, text: str, sent_start: int, sent_end: int, mark: Any) -> None:
        """Counts in a bracketed list or after a colon that add up to a count stated before them
        in the sentence: "433 patients were randomised (TAM 217, follow-up 216)", "726 patients
        were randomly assigned (484, ribociclib; 242, placebo)", "1066 patients were enrolled:
        E → CMF 440, CMF → E 438, and CMF 188". Skipped when the group is counted for an outcome
        ("136 women (74 placebo, 62 tamoxifen) developed breast cancer")."""
        sentence = text[sent_start:sent_end]
        if _EVENT_WORDS.search(sentence) and not (
            _RANDOMISED.search(sentence) or _ENROLLED.search(sentence)
        ):
            return
        spans = [
            (m.start(1), m.end(1), m.end())
            for m in re.finditer(r"[(\[]([^()\[\]]{3,200})[)\]]", sentence)
        ]
        colon = re.search(r":\s+([^:]{3,200})$", sentence)
        if colon:
            spans.append((colon.start(1), colon.end(1), colon.end()))
        for a, b, after in spans:
            inner = sentence[a:b]
            if (
                _STATS_PAREN.search(inner)
                or re.search(r"\d\s*(?:to|and)\s+\d", inner)  # "(1 to 29)": a range
                or _OUTCOME_AFTER.search(sentence[after:])
            ):
                continue
            parts = [
                m
                for m in _LIST_NUM.finditer(inner)
                if inner[m.start() - 1 : m.start()] != "(" or inner[m.end() : m.end() + 1] != ")"
            ]
            # "(26 Poly E, eight placebo)": number words after a separator count too
            parts += list(_LIST_WORD.finditer(inner))
            parts.sort(key=lambda m: m.start())
            if not 2 <= len(parts) <= 5:
                continue
            values = [parse_sample_count(m.group("num")) or 0 for m in parts]
            if min(values) < 1 or any(re.match(r"\s+with\b", inner[m.end() :]) for m in parts):
                continue
            head = sentence[:a]
            totals = {_int(m.group("num")) for m in _LIST_NUM.finditer(head)}
            totals |= {
                n
                for m in re.finditer(SAMPLE_COUNT, head, re.I)
                if (n := parse_sample_count(m.group(0))) is not None
            }
            if sum(values) not in totals:
                continue
            for m, n in zip(parts, values, strict=True):
                mark(*_span(m, sent_start + a), n)

    def _sums(self, text: str, index: SentenceIndex, found: list[dict[str, Any]]) -> None:
        """A count followed (in its own or the next sentence) by two or more counts that add up
        to it is the total and those counts are its arms: "(n = 112) were randomized to AMT
        (n = 57) or WC (n = 55)", "In this subgroup (n = 48) 27 patients received IORT, 21
        patients had ...". ``found`` is sorted by position."""
        for i, row in enumerate(found):
            if row["kind"] == "subgroup":
                continue
            parts: list[dict[str, Any]] = []
            for other in found[i + 1 : i + 5]:
                if other["sentence"] > row["sentence"] + 1 or other["n"] >= row["n"]:
                    break
                parts.append(other)
                if len(parts) >= 2 and sum(p["n"] for p in parts) == row["n"]:
                    break
            if len(parts) < 2 or sum(p["n"] for p in parts) != row["n"]:
                continue
            # "179 patients were randomly assigned to receive X (n = 114) or placebo (n = 65)":
            # an arm-looking count is the total when "(n = ...)" arms add up to it
            if (
                row["kind"] == "arm"
                and not row.get("equals")
                and not all(p.get("equals") for p in parts)
            ):
                continue
            if any(_SCREENED_CUES.search(text[p["end"] : p["end"] + 40]) for p in parts):
                continue  # "Except for the 4 cases lost to follow-up, the remaining 191 ..."
            if any(re.match(r"(?:a\s+)?total\s+of\b", p["text"], re.I) for p in parts):
                continue  # "A total of 16,608 women ... and 10,739 women": two studies' totals
            sent_start = index.bounds(parts[0]["sentence"])[0]
            sent_end = index.bounds(parts[-1]["sentence"])[1]
            if not (_ARM_CONTEXT.search(text[sent_start:sent_end]) or row.get("equals")):
                continue
            if row["kind"] == "arm":
                row["kind"] = "total"
                self._score(row, text, index, lead=False)
                row["strength"] += 1
            for part in parts:
                part["kind"], part["label"], part["strength"] = "arm", None, 0
