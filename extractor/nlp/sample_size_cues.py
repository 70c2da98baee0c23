"""Counts and cue words of ``evidence_sample_size``: what a count is and what kind it is.

The count pattern (:data:`SAMPLE_COUNT`, parsed by :func:`parse_sample_count`), the filler
words allowed between a count and its noun, and the cues that make a count a total
(randomised, enrolled ...), an analysed count, a subgroup or a year.
"""

from __future__ import annotations

import re

from .common import NUMBER_WORD, parse_count

_TOTAL_CUES = re.compile(
    r"\b(?:total|overall|randomi[sz]ed|randomi[sz]ation|randomly|enrolled|enrolment|enrollment|"
    r"recruited|recruitment|included|participated|entered|studied|consecutive|eligible|"
    r"allocated|assigned|accrued|accrual|registered)\b",
    re.IGNORECASE,
)
_RANDOMISED = re.compile(r"\b(?:randomi[sz](?:ed|ation)|randomly|allocated|assigned)\b", re.I)
_ENROLLED = re.compile(
    r"\b(?:enrolled|enrolment|enrollment|recruited|recruitment|included|participated|entered|"
    r"accrued|accrual|registered|took part|consecutive)\b",
    re.I,
)
_ANALYSED_CUES = re.compile(
    r"\b(?:analy[sz]ed|analy[sz]able|evaluable|completed|per-protocol|remaining|assessable)\b",
    re.IGNORECASE,
)
_SCREENED_CUES = re.compile(
    r"\b(?:screened|assessed for eligibility|approached|invited|excluded|withdrew|dropped out|"
    r"lost to follow-up|discontinued|died)\b",
    re.IGNORECASE,
)
_STRONG_TOTAL = re.compile(
    r"\b(?:total|randomi[sz]ed|randomly|enrolled|recruited|included|accrued)\b", re.IGNORECASE
)
_SUBGROUP_CUES = re.compile(
    r"\b(?:of (?:whom|these|them|the)|(?<!conducted )(?<!performed )(?<!undertaken )among|"
    r"in \d+ of|out of)\b\W*$",
    re.IGNORECASE,
)
# "5 of 30 patients", "12 (40%) of", "none of", "half of": a part of a group. "A study of 100
# women", "plans of 80 patients" are not.
_PART_OF = re.compile(
    rf"(?:\d[\d,.]*\s*%?|\b(?:{NUMBER_WORD}|none|all|most|half|some|each|many|majority|"
    r"proportion|percentage|number|rest|remainder|both|any|few|several))\s*\)?\s*"
    r"(?:\(\s*[\d.]+\s*%\s*\)\s*)?(?:out\s+)?of\s*$",
    re.IGNORECASE,
)
# "randomised 120 patients", "we enrolled 45 women": the verb right before the count.
_VERB_BEFORE = re.compile(
    r"\b(?:randomi[sz]ed|randomi[sz]ing|randomly\s+(?:allocated|assigned)|enrolled|enrolling|"
    r"recruited|recruiting|included|accrued)\s+(?:a\s+total\s+of\s+|approximately\s+)?$",
    re.IGNORECASE,
)
# "148 (71 control and 77 hypnosis) were included in the intent-to-treat analysis".
_INCLUDED_ANALYSIS = re.compile(
    r"\s*(?:[\w-]+\s+){0,3}?(?:\([^()]{0,120}\)\s*)?(?:were|was)\s+included\s+in\s+"
    r"(?:the\s+)?(?:[\w-]+\s+){0,3}analys[ie]s\b",
    re.IGNORECASE,
)
_PERCENT_PAREN = r"(?:\(\s*\d+(?:\.\d+)?\s*%\s*\)\s+)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_YEAR_BEFORE = re.compile(
    rf"(?:\b{_MONTH}\.?|\b(?:from|between|since|until|till|in|during|and|to|through)|[-–])\s*$",
    re.IGNORECASE,
)
_YEAR_AFTER = re.compile(
    rf"\s*(?:to|and|until|through|[-–])\s*(?:{_MONTH}\b|(?:19|20)\d\d\b)", re.IGNORECASE
)
# Outcome verbs: "Twelve of 30 randomised patients responded" is not a total.
_OUTCOME_VERBS = re.compile(
    r"\b(?:had|has|experienced|developed|responded|achieved|died|reported|showed|required|"
    r"occurred|relapsed|recurred|suffered|presented)\b",
    re.IGNORECASE,
)
# "Of the 885 patients, 442 were assigned ...": the whole at a sentence start is a total.
_WHOLE_LEAD = re.compile(
    r"(?:^|[.;:]\s+)(?:of|among|from)\s+(?:the|all|these|a\s+total\s+of)?\s*$", re.I
)
# Words that may sit between the number and the noun ("12 healthy male volunteers") — but not
# prepositions, units or time words ("12 weeks in patients" is not a sample size).
_NOT_FILLER = (
    r"(?!(?:in|of|with|and|or|to|for|at|on|by|from|per|than|"
    r"weeks?|days?|months?|years?|hours?|minutes?|mg|g|kg|ml|times?|doses?|cycles?|"
    r"fractions?|sessions?|centers?|centres?|sites?|hospitals?|countries|trials?|studies)\b)"
)
_FILLER = rf"(?:{_NOT_FILLER}(?:pre-\s+and\s+|[A-Za-z][\w'-]*\s+))"
# At a sentence start: also "female, chemotherapy-naive" and "stage II or III".
_LEAD_FILLER = rf"(?:[IV]+\s+or\s+|{_NOT_FILLER}[A-Za-z][\w'-]*,?\s+)"
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u2008\u2009\u202f\xa0]\d{3})+(?![\d.,])|\d+"
_THOUSANDS_WORDS = (
    rf"(?:(?:{NUMBER_WORD})[\s-]+)?thousand(?:(?:[\s,-]+(?:and\s+)?)(?:{NUMBER_WORD}))?"
)
#: A count in digits (``1,234``, ``13 388``) or words (``one thousand two hundred``).
SAMPLE_COUNT = rf"(?:{_DIGITS}|{_THOUSANDS_WORDS}|(?:hundred\s+and\s+)?{NUMBER_WORD})"

# Events counted right before an "(n = X)": "214 RFS events occurred (...; TX/CEX, n = 96",
# "deaths after breast cancer (n = 134)", "incidence of LVEF decrease was rare (SB3, n = 1".
_EVENT_COUNTED = re.compile(
    r"\b(?:events?|deaths?|died|relapses?|recurrences?|occurred|incidence|toxicit\w*|adverse|"
    r"infections?|hospitali[sz]\w+)\b",
    re.IGNORECASE,
)

# A time point before "(n = ...)": the count is of those assessed then, not of an arm.
_TIMEPOINT = re.compile(
    r"(?:\b(?:follow-?up|baseline|pre-?treatment|post-?treatment|pre-?intervention|"
    r"post-?intervention)|\b(?:at|after|before)\s+(?:the\s+)?(?:time\s+of\s+)?(?:[\w-]+\s+){0,5}?"
    r"(?:surgery|follow-?up|visits?|cycles?|months?|weeks?|years?|treatment|therapy)"
    r"(?:\s+alone)?)\s*[(\[]\s*$",
    re.IGNORECASE,
)
_SAMPLED_AFTER = re.compile(
    r"\s*[)\]]\s*(?:were|was|had\s+been|have\s+been)\s+(?:\w+\s+)?(?:randomi[sz]ed|randomly|"
    r"enrolled|recruited|included|accrued|assigned|allocated)\b",
    re.IGNORECASE,
)


def _int(digits: str) -> int:
    return int(digits.replace(",", ""))


def _is_year(text: str, start: int, end: int) -> bool:
    """``1987`` in "from August 1987 to March 1995" or "between 2005 and 2008" is a year."""
    if not re.fullmatch(r"19[5-9]\d|20[0-4]\d", text[start:end]):
        return False
    return bool(
        _YEAR_BEFORE.search(text[max(0, start - 25) : start]) or _YEAR_AFTER.match(text, end)
    )


def parse_sample_count(text: str) -> int | None:
    """A count in digits or words, including thousands: ``"13 388"``, ``"1,009"``,
    ``"Two thousand eight hundred sixteen"``, ``"one hundred and twenty"``."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:[ ,\u2008\u2009\u202f\xa0]\d{3})+|\d+", raw):
        return int(re.sub(r"\D", "", raw))
    if " thousand" in raw or raw.startswith("thousand"):
        head, _, tail = raw.partition("thousand")
        thousands = parse_count(head) if head.strip() else 1
        rest = parse_count(tail) if tail.strip(" -and") else 0
        if thousands is None or rest is None:
            return None
        return thousands * 1000 + rest
    return parse_count(raw)
