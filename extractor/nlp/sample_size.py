"""``evidence_sample_size``: how many people were studied.

Finds "Twelve patients", "a total of 120 participants", "12 healthy volunteers", "n = 714",
"N=45" and tags each with a ``kind``:

* ``total`` – enrolled/randomised/included totals (and first mentions in METHODS);
* ``arm`` – a lower-case ``(n = 714)`` after an arm, "442 to A and 443 to B", "127 patients
  treated with X and 128 who received Y", "Of 511 patients randomised to X", "30 patients in
  each group", "the control group consisting of 47 patients", counts that add up to a total
  stated just before them, and the denominators of two compared fractions ("126/311 ... versus
  22/316", "8 of 72 ... and 13 of 75");
* ``analysed`` – completed/analysed counts;
* ``subgroup`` – counts inside results ("five patients had ...").

Writes ``SAMPLE_SIZE`` spans to ``doc.spans["evidence"]`` and plain dicts to
``doc._.sample_sizes``: ``{n, text, start, end, kind, sentence, section}``.

When ``models/arm-sizes/arm_sizes.json`` exists, a learned check
(:mod:`extractor.nlp.arm_sizes_model`) then keeps, rejects or adds ``arm`` rows; a row it
changes keeps the rules' view in ``row["rule"]``, from which :func:`pick_total` still chooses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .arm_sizes_model import ADDED, ArmSizeModel, apply_model, load_model
from .common import (
    NUMBER_WORD,
    PATTERNS_DIR,
    SentenceIndex,
    add_spans,
    alternation,
    doc_text,
    load_patterns,
    parse_count,
    register_extensions,
    words_of,
)

register_extensions()

#: Kinds kept in ``Population.sample_sizes`` (``subgroup`` counts are not sample sizes).
SAMPLE_SIZE_KINDS = ("randomised", "enrolled", "total", "analysed", "arm")

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
_FILLER = (
    r"(?:(?!(?:in|of|with|and|or|to|for|at|on|by|from|per|than|"
    r"weeks?|days?|months?|years?|hours?|minutes?|mg|g|kg|ml|times?|doses?|cycles?|"
    r"fractions?|sessions?|centers?|centres?|sites?|hospitals?|countries|trials?|studies)\b)"
    r"(?:pre-\s+and\s+|[A-Za-z][\w'-]*\s+))"
)
# At a sentence start: also "female, chemotherapy-naive" and "stage II or III".
_LEAD_FILLER = (
    r"(?:[IV]+\s+or\s+|(?!(?:in|of|with|and|or|to|for|at|on|by|from|per|than|"
    r"weeks?|days?|months?|years?|hours?|minutes?|mg|g|kg|ml|times?|doses?|cycles?|"
    r"fractions?|sessions?|centers?|centres?|sites?|hospitals?|countries|trials?|studies)\b)"
    r"[A-Za-z][\w'-]*,?\s+)"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u2008\u2009\u202f\xa0]\d{3})+(?![\d.,])|\d+"
_THOUSANDS_WORDS = (
    rf"(?:(?:{NUMBER_WORD})[\s-]+)?thousand(?:(?:[\s,-]+(?:and\s+)?)(?:{NUMBER_WORD}))?"
)
#: A count in digits (``1,234``, ``13 388``) or words (``one thousand two hundred``).
SAMPLE_COUNT = rf"(?:{_DIGITS}|{_THOUSANDS_WORDS}|(?:hundred\s+and\s+)?{NUMBER_WORD})"


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
# Events counted right before an "(n = X)": "214 RFS events occurred (...; TX/CEX, n = 96",
# "deaths after breast cancer (n = 134)", "incidence of LVEF decrease was rare (SB3, n = 1".
_EVENT_COUNTED = re.compile(
    r"\b(?:events?|deaths?|died|relapses?|recurrences?|occurred|incidence|toxicit\w*|adverse|"
    r"infections?|hospitali[sz]\w+)\b",
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


class SampleSizeFinder:
    """Find sample sizes and classify them as total, arm, analysed or subgroup.

    Each row also has ``label`` (``randomised``/``enrolled`` for totals with that cue, else
    ``None``) and ``strength`` (how sure we are the count is the study total; see
    :func:`pick_total`).
    """

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        patterns_dir: str | None = None,
        arm_model: bool = True,
    ) -> None:
        self.name = name
        self.patterns_dir = Path(patterns_dir) if patterns_dir else None
        #: The learned arm-size check (``models/arm-sizes``); ``None``: rules only.
        self.arm_model: ArmSizeModel | None = load_model() if arm_model else None
        self.initialize()

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Compile the regexes from the population nouns in ``patterns/entities.jsonl``
        and ``patterns/sample_size.jsonl``."""
        nouns = words_of(load_patterns("entities", self.patterns_dir), "population_noun")
        extra = load_patterns("sample_size", self.patterns_dir or PATTERNS_DIR)
        nouns += words_of(extra, "population_noun")
        noun_alt = alternation(nouns)
        self.noun_alt = noun_alt
        self.noun_phrase = re.compile(
            rf"(?<![\w.,/=-])(?P<lead>(?:a\s+total\s+(?:sample\s+)?of|total\s+of|overall,?|"
            rf"in\s+all,?)\s+)?(?P<num>{SAMPLE_COUNT})\s+(?P<pct>{_PERCENT_PAREN})?"
            rf"{_FILLER}{{0,4}}(?P<noun>{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        # At a sentence start a count may carry a longer description, commas included:
        # "Eighty female, chemotherapy-naive breast cancer patients", "Thirty-eight newly
        # diagnosed stage II or III breast cancer patients".
        self.lead_phrase = re.compile(
            rf"(?P<num>{SAMPLE_COUNT})\s+{_LEAD_FILLER}{{0,8}}?(?P<noun>{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        # "Accrual was terminated at 338 of 2,150 planned patients": the part is the sample.
        self.part_of_whole = re.compile(
            rf"(?<![\w.,/=%-])(?P<num>{SAMPLE_COUNT})\s+{_PERCENT_PAREN}?(?:out\s+)?of\s+"
            rf"(?:the\s+|all\s+)?(?:{_DIGITS})\s+{_FILLER}{{0,4}}(?:{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        # "randomised 120 patients", "sample of 247" / "2144 (1063 ..., 1081 ...) were
        # randomised": a bare number right before a randomisation/enrolment verb.
        self.bare_verb = re.compile(
            rf"(?<![\w.,/=%-])(?P<num>{_DIGITS}|(?-i:[A-Z])[a-z]+(?:[\s-][a-z]+)*)\s+"
            rf"(?:\([^()]{{0,120}}\)\s+)?(?:(?:{noun_alt})\s+)?(?:were|had\s+been|have\s+been)\s+"
            r"(?:\w+\s+)?(?:randomi[sz]ed|randomly|enrolled|recruited|included|accrued)\b",
            re.IGNORECASE,
        )
        # "23.2% of 203 women ... compared to 0.5% of 197 women": the denominators of percentages.
        self.percent_of = re.compile(
            rf"\d+(?:\.\d+)?\s*%\s+(?:out\s+)?of\s+(?:the\s+)?(?P<num>{_DIGITS})\s+"
            rf"{_FILLER}{{0,3}}(?:{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        self.role_before = re.compile(
            rf"(?:\b(?:intervention|control|placebo|experimental|vaccinated|unvaccinated|"
            rf"exercis(?:e|ing)|usual[- ]care|comparison|wait-?list|regimen|case|cases|"
            rf"controls)\s+(?:(?:{noun_alt})\s*)?|\b(?:groups?|arms?)\s*,\s*|\b(?:cases|controls)\s*)"
            r"[(\[{]\s*$|\b(?:groups?|arms?),\s*$",
            re.IGNORECASE,
        )
        # "In patients with centrally confirmed HR positivity (n = 150)", "Of women without
        # baseline breast tenderness (n = 14,538)": a subpopulation, not an arm.
        self.subpopulation = re.compile(
            rf"(?:^|[.;,]\s+|\b)(?:in|of|among)\s+(?:\d+\s+)?(?:[\w-]+\s+){{0,2}}?(?:{noun_alt})\s+"
            r"(?:with|without|who|whose)\b(?:(?!\b(?:to|randomi[sz]ed|assigned|allocated|"
            r"received|receiving|treated)\b)[^()])*[(\[]\s*$",
            re.IGNORECASE,
        )
        self.n_equals = re.compile(
            rf"(?<![\w])(?P<N>[nN])\s*=\s*(?P<num>{_DIGITS})(?![\d.])(?!\s*[-–]\s*\d)"
        )
        self.pop_before = re.compile(
            rf"\b(?:{noun_alt}|trials?|stud(?:y|ies)|cohorts?|samples?|populations?|randomi[sz]ed|"
            r"RCT\s*[;,])\s*[(\[]?\s*$",
            re.IGNORECASE,
        )

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        index = SentenceIndex(doc)
        found: list[dict[str, Any]] = []
        taken: list[tuple[int, int]] = []

        def free(start: int) -> bool:
            return not any(s <= start < e for s, e in taken)

        for match in self.noun_phrase.finditer(text):
            start = match.start()
            n = parse_sample_count(match.group("num"))
            if n is None or n == 0 or re.search(r"[nN]\s*=\s*$", text[max(0, start - 6) : start]):
                continue
            if re.match(r"\s*(?:%|percent|per\s*cent)", text[match.end("num") :]):
                continue
            start, end = match.start(), match.end()
            kind = self._kind(text, start, end, index, bool(match.group("lead")))
            if match.group("pct") and kind == "total":
                # "65 (81%) participants": a part, unless its sentence says how it was sampled
                sent_start, sent_end = index.bounds(index.sentence_of(start))
                if not _TOTAL_CUES.search(text[sent_start:sent_end]):
                    kind = "subgroup"
            row = self._row(text, start, end, n, kind, index)
            self._score(row, text, index, lead=bool(match.group("lead")))
            found.append(row)
            taken.append((start, end))
        for i in range(len(index)):
            sent_start, sent_end = index.bounds(i)
            head = re.match(r"\s*", text[sent_start:sent_end])
            at = sent_start + (head.end() if head else 0)
            lead = self.lead_phrase.match(text, at, sent_end)
            if lead is None or not free(at):
                continue
            n = parse_sample_count(lead.group("num"))
            if not n or _is_year(text, lead.start("num"), lead.end("num")):
                continue
            if re.match(r"\s*(?:%|percent|per\s*cent)", text[lead.end("num") :]):
                continue
            start, end = lead.start(), lead.end()
            kind = self._kind(text, start, end, index, False)
            row = self._row(text, start, end, n, kind, index)
            self._score(row, text, index, lead=False)
            found.append(row)
            taken.append((start, end))
        for match in self.part_of_whole.finditer(text):
            start, end = match.start("num"), match.end("num")
            n = parse_sample_count(match.group("num"))
            if not n or not free(start):
                continue
            sent_start, sent_end = index.bounds(index.sentence_of(start))
            sentence = text[sent_start:sent_end]
            cue = _RANDOMISED.search(sentence) or _ENROLLED.search(sentence)
            if (
                not cue
                or _OUTCOME_VERBS.search(sentence)
                or re.search(
                    r"[.;:]\s*\d*\s*$|\b(?:in|among|of|and|or)\s*$",
                    text[max(0, start - 12) : start],
                )
            ):
                continue
            row = self._row(text, start, end, n, "total", index)
            self._score(row, text, index, lead=False)
            row["strength"] -= 1  # weaker than a count stated as the sample itself
            found.append(row)
            taken.append((start, end))
        for match in self.bare_verb.finditer(text):
            start, end = match.start("num"), match.end("num")
            if not free(start):
                continue
            n = parse_sample_count(match.group("num"))
            if not n or _is_year(text, start, end):
                continue
            if n >= 1900 and n <= 2100 and "," not in match.group("num"):
                continue  # "In 2004 were ..." is a year
            kind = "analysed" if _INCLUDED_ANALYSIS.match(text, end) else "total"
            row = self._row(text, start, end, n, kind, index)
            self._score(row, text, index, lead=False)
            found.append(row)
            taken.append((start, end))
        for match in self.n_equals.finditer(text):
            start, end = match.start(), match.end()
            if not free(start):
                continue
            n = parse_sample_count(match.group("num"))
            if not n:
                continue
            before = text[max(0, start - 60) : start]
            in_parens = before.rstrip().endswith(("(", "{")) or bool(
                re.search(r"[({][^)}]*$", before)
            )
            after_population = bool(self.pop_before.search(before))
            # "Intervention dyads (n = 69)", "control patients (n = 50)", "(exercise group,
            # n = 207, ...)", "Breast cancer cases (n = 3,101)": the size of one arm.
            named_arm = bool(self.role_before.search(before))
            wider = text[max(0, start - 160) : start]
            # "Women with breast cancer (n = 112) were randomized to ...": the whole sample
            sampled = bool(_SAMPLED_AFTER.match(text, end))
            counted = bool(
                re.search(r"(?:%|\bpercent)\s*[)\]]?\s*[(\[;,]\s*$", before)
                or re.match(r"\s*[,;]\s*\d+(?:[.·]\d+)?\s*%", text[end:])
            )
            sent_lo, sent_hi = index.bounds(index.sentence_of(start))
            sentence = text[sent_lo:sent_hi]
            if named_arm:
                kind = "arm"
            elif _TIMEPOINT.search(before) and not _RANDOMISED.search(sentence):
                kind = "analysed"  # "At 2-month follow-up (n = 60)", "pre-treatment (N = 110)"
            elif counted:
                kind = "subgroup"  # "1.5% (n = 46) in the placebo group"
            elif (
                in_parens
                and not after_population
                and not sampled
                and not re.search(r"\btotal\b", before[-25:])
            ):
                kind = "arm"  # "assigned to X (n = 50)": the bracket follows an arm name
            elif (
                _TOTAL_CUES.search(before[-40:])
                or (match.group("N") == "N" and not in_parens)
                or after_population
                or sampled
            ):
                kind = "total"
            elif _ANALYSED_CUES.search(before[-40:]):
                kind = "analysed"
            else:
                kind = "arm"
            sent_start = index.bounds(index.sentence_of(start))[0]
            counted_for = text[max(sent_start, start - 80) : start]
            if (
                kind == "arm"
                and not named_arm
                and _EVENT_COUNTED.search(counted_for)
                and not _RANDOMISED.search(counted_for)
                and not re.search(rf"\b(?:{self.noun_alt})\b", counted_for, re.I)
            ):
                kind = "subgroup"  # "214 RFS events occurred (TX/CEX, n = 96; T/CEF, n = 118)"
            elif (
                kind == "arm"
                and not named_arm
                and self.subpopulation.search(wider)
                and not re.match(r"\s*(?:for|in|on)\s", text[end:])
            ):
                # "In patients with confirmed HR positivity (n = 150)": a subpopulation, the
                # weakest of totals ("a study among women with breast cancer (n = 105)")
                kind = "subpopulation"
            row = self._row(text, start, end, n, kind, index)
            row["equals"] = True
            if kind == "subpopulation":
                row["kind"] = "total"
                self._score(row, text, index, lead=False)
                row["strength"] -= 4
            elif kind == "total":
                self._score(row, text, index, lead=False)
                row["strength"] += 1 if after_population or match.group("N") == "N" else 0
            found.append(row)
        self._arms(text, index, found)
        found.sort(key=lambda r: (r["start"], r["end"]))
        self._sums(text, index, found)
        for row in found:
            row.pop("equals", None)
        if self.arm_model is not None:
            found = apply_model(self.arm_model, text, index, found, stated_total(found))
        add_spans(doc, ((r["start"], r["end"], "SAMPLE_SIZE", self.name) for r in found))
        doc._.sample_sizes = found
        return doc

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
            sentence = text[sent_start:sent_end]
            arm_context = bool(_ARM_CONTEXT.search(sentence) or _VERSUS.search(sentence))
            items = []
            for m in _ARM_ITEM.finditer(sentence):
                if m.group("verb") and m.group("pct"):
                    continue  # "5 (10%) received rescue medication" is an outcome
                if not (arm_context or m.group("verb") or re.search(r"\banaly[sz]ed\b", sentence)):
                    continue
                if re.search(
                    r"(?<!there )\b(?:were|was|are|is)\s+$", sentence[: m.start("num")], re.I
                ):
                    continue  # "Expected cases were 43 in the A group and 10 in B"
                a, b = sent_start + m.start("num"), sent_start + m.end("num")
                n = parse_sample_count(m.group("num"))
                if n and not _is_year(text, a, b):
                    items.append((a, b, n))
                if m.group("verb"):
                    tail = _ELLIPTIC.match(sentence, m.end())
                    more = parse_sample_count(tail.group("num")) if tail else None
                    if (
                        tail
                        and more
                        and not any(x == sent_start + tail.start("num") for x, _, _ in items)
                    ):
                        items.append(
                            (sent_start + tail.start("num"), sent_start + tail.end("num"), more)
                        )
            # Explicit "N role and M role patients", "X (N analysed)": kept in sentences that
            # also mention events ("Comparing 23 experimental and 26 control patients, ...
            # pain experienced"), unless an outcome follows them.
            named: list[tuple[int, int, int]] = []
            for m in _ROLE_PAIR.finditer(sentence):
                r1, r2 = m.group("r1").lower(), m.group("r2").lower()
                if not (_ROLE_WORD.match(r1) or _ROLE_WORD.match(r2) or r1 == f"no-{r2}"):
                    continue
                for g in ("a", "b"):
                    n = parse_sample_count(m.group(g))
                    if n:
                        named.append((sent_start + m.start(g), sent_start + m.end(g), n))
            for m in _PAREN_COUNT.finditer(sentence):
                if arm_context:  # "anastrozole (1449 analysed) or tamoxifen (1489 analysed)"
                    num = (sent_start + m.start("num"), sent_start + m.end("num"))
                    named.append((*num, _int(m.group("num"))))
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
            if len(items) >= 2 and not self._outcome_split(text, items, found):
                for a, b, n in items:
                    mark(a, b, n)
            for m in _SINGLE_ARM.finditer(sentence):
                a, b = sent_start + m.start("num"), sent_start + m.end("num")
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
                    mark(sent_start + m.start("num"), sent_start + m.end("num"), n)
            for m in _EACH_CONTAINS.finditer(sentence):
                n = parse_sample_count(m.group("num") or m.group("num2") or "")
                g = "num" if m.group("num") else "num2"
                if n:
                    mark(sent_start + m.start(g), sent_start + m.end(g), n)
            pairs = list(_CASE_CONTROL.finditer(sentence))
            if arm_context or _RANDOMISED.search(sentence):
                pairs += _RESPECTIVELY.finditer(sentence)
            for m in pairs:
                for g, value in m.groupdict().items():
                    if value:
                        mark(sent_start + m.start(g), sent_start + m.end(g), _int(value))
            for m in _GROUPS_CONSIST.finditer(sentence):
                for g in ("a", "b2", "b"):
                    if m.group(g):
                        mark(sent_start + m.start(g), sent_start + m.end(g), int(m.group(g)))
            self._listed_parts(text, sent_start, sent_end, mark)
            # "FN occurred in 40.8% (126/311) in arm A versus 7.1% (22/316) in arm B": the
            # denominators of two or more compared fractions are the arm sizes.
            fractions = [
                (sent_start + m.start("num"), sent_start + m.end("num"), _int(m.group("num")))
                for m in _FRACTION.finditer(sentence)
                if _int(m.group("num")) > (parse_sample_count(m.group("part")) or 0)
                and _int(m.group("num")) >= 10
                and not _OTHER_STUDY.match(sentence, m.end())
            ]
            fractions += [
                (sent_start + m.start("num"), sent_start + m.end("num"), _int(m.group("num")))
                for m in self.percent_of.finditer(sentence)
            ]
            fractions += [
                (sent_start + m.start("num"), sent_start + m.end("num"), _int(m.group("num")))
                for m in _COUNT_IN.finditer(sentence)
                if _int(m.group("num")) > int(m.group("part"))
            ]
            for a, b, n in self._compared_denominators(sentence, fractions):
                mark(a, b, n)
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
                mark(inner_start + m.start("num"), inner_start + m.end("num"), n)

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
                mark(sent_start + a + m.start("num"), sent_start + a + m.end("num"), n)

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

    @staticmethod
    def _score(row: dict[str, Any], text: str, index: SentenceIndex, *, lead: bool) -> None:
        """Set ``label`` and ``strength`` of a total from the cues of its own sentence."""
        start, end = row["start"], row["end"]
        sent_start, sent_end = index.bounds(index.sentence_of(start))
        before = text[max(sent_start, start - 80) : start]
        after = text[end : min(sent_end, end + 120)]
        clause = before[-40:] + " " + text[start:end] + " " + after
        strength = 3 if lead else 0
        label = None
        if _RANDOMISED.search(clause):
            strength += 2
            label = "randomised"
        elif _ENROLLED.search(clause):
            strength += 2
            label = "enrolled"
        elif _STRONG_TOTAL.search(before[-60:] + " " + text[start:end] + " " + after[:40]):
            strength += 1
        if _WHOLE_LEAD.search(text[max(sent_start, start - 30) : start]):
            strength += 1
        if row["kind"] != "total":
            label = None
        row["label"] = label
        row["strength"] = strength

    @staticmethod
    def _kind(text: str, start: int, end: int, index: SentenceIndex, lead: bool) -> str:
        sent_start, sent_end = index.bounds(index.sentence_of(start))
        before = text[max(sent_start, start - 80) : start]
        after = text[end : min(sent_end, end + 60)]
        if lead:  # "A total of 205 patients (50.9%) had nausea" is a part
            return "subgroup" if re.match(r"\s*\(\s*\d+(?:\.\d+)?\s*%", after) else "total"
        if _INCLUDED_ANALYSIS.match(text, end):
            return "analysed"
        if _VERB_BEFORE.search(before):
            return "total"
        whole = bool(_WHOLE_LEAD.search(text[max(sent_start, start - 30) : start]))
        if _SUBGROUP_CUES.search(before) and not whole:
            return "subgroup"
        if (_PART_OF.search(before) and not whole) or re.match(
            r"\s*(?:\(\s*)?\d+(?:\.\d+)?\s*%", after
        ):
            return "subgroup"
        window = before[-50:] + " " + after[:50]
        if _SCREENED_CUES.search(window):
            return "subgroup"
        if _ANALYSED_CUES.search(window) and not _STRONG_TOTAL.search(window + text[start:end]):
            return "analysed"
        if _TOTAL_CUES.search(window):
            return "total"
        section = index.section_of(start)
        if section in ("RESULTS", "CONCLUSIONS"):
            return "subgroup"
        return "total"

    @staticmethod
    def _row(
        text: str, start: int, end: int, n: int, kind: str, index: SentenceIndex
    ) -> dict[str, Any]:
        return {
            "n": n,
            "text": text[start:end],
            "start": start,
            "end": end,
            "kind": kind,
            "label": None,
            "strength": 0,
            "sentence": index.sentence_of(start),
            "section": index.section_of(start),
        }


@Language.factory(
    "evidence_sample_size",
    assigns=["doc._.sample_sizes", "doc.spans"],
    default_config={"patterns_dir": None, "arm_model": True},
)
def make_sample_size(
    nlp: Language, name: str, patterns_dir: str | None, arm_model: bool
) -> SampleSizeFinder:
    """Build the sample-size finder (``evidence_sample_size``).

    Args:
        nlp: the pipeline.
        name: component name.
        patterns_dir: folder with ``entities.jsonl``; default the package's ``patterns/``.
        arm_model: check arm sizes with ``models/arm-sizes/arm_sizes.json`` when that file
            exists (see :mod:`extractor.nlp.arm_sizes_model`); ``False``: rules only.
    """
    return SampleSizeFinder(nlp, name, patterns_dir=patterns_dir, arm_model=arm_model)


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


def pick_total(sample_sizes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sample size that best describes the whole study.

    Among ``total`` rows, the one with the highest ``strength`` (a "total of" lead, a
    randomised/enrolled cue in its clause, "Of the N patients"), raised by 2 when it equals the
    sum of two or more ``arm`` sizes or of the next two counts; ties go to a ``randomised`` count,
    then the earliest sentence, then the largest number. Without totals: the sum of the ``arm``
    sizes, then the largest ``analysed`` count; subgroup counts are never chosen. Kinds are the
    rules' own (see :func:`extractor.nlp.arm_sizes_model.apply_model`).
    """
    # The rules' view: rows changed by the learned arm check keep the rules' kind, label and
    # strength in ``row["rule"]`` and rows it added are left out, so it never moves the total.
    sample_sizes = [
        {**r, **r["rule"]} if r.get("rule") else r
        for r in sample_sizes
        if not (r.get("rule") and r["rule"]["kind"] == ADDED)
    ]
    arms = [r for r in sample_sizes if r["kind"] == "arm"]
    totals = [r for r in sample_sizes if r["kind"] == "total"]
    if totals:
        arm_sum = _distinct_sum(arms)
        counts = [r["n"] for r in sample_sizes]

        def score(row: dict[str, Any]) -> tuple[int, int, int, int]:
            strength = int(row.get("strength", 0))
            i = next((k for k, r in enumerate(sample_sizes) if r is row), len(counts))
            following = counts[i + 1 : i + 3]
            if (arm_sum and row["n"] == arm_sum) or (
                len(following) == 2 and sum(following) == row["n"]
            ):
                strength += 2
            randomised = int(row.get("label") == "randomised")  # on a tie, the randomised count
            return (strength, randomised, -int(row.get("sentence") or 0), row["n"])

        return max(totals, key=score)
    if arms:
        first = arms[0]
        return {**first, "n": _distinct_sum(arms) or sum(r["n"] for r in arms), "kind": "arm_sum"}
    analysed = [r for r in sample_sizes if r["kind"] == "analysed"]
    if analysed:
        return max(analysed, key=lambda r: r["n"])
    return None


def stated_total(sample_sizes: list[dict[str, Any]]) -> int | None:
    """The study total of :func:`pick_total` when the text states it (not a sum of arm sizes)."""
    chosen = pick_total(sample_sizes)
    return int(chosen["n"]) if chosen and chosen["kind"] != "arm_sum" else None


def _distinct_sum(arms: list[dict[str, Any]]) -> int:
    """Sum of arm sizes in their first statement: restated sizes ("n = 50" again) count once."""
    first_sentence = min((int(r.get("sentence") or 0) for r in arms), default=0)
    group = [r["n"] for r in arms if int(r.get("sentence") or 0) == first_sentence]
    return sum(group) if len(group) >= 2 else 0
