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
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .common import (
    NUMBER_WORD,
    PATTERNS_DIR,
    SentenceIndex,
    add_spans,
    alternation,
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


_ARM_NUM = rf"(?<![\w.,/=%±:·-])(?P<num>{_DIGITS}|{NUMBER_WORD})(?![\d.,·:]?\d)"
# "442 were assigned to the high-dose group and 443 to ...", "100 to EoP and 101 to
# paclitaxel", "98 patients randomized into the tamoxifen arm", "63 patients in the PB group".
_ARM_ITEM = re.compile(
    rf"{_ARM_NUM}\s+(?P<pct>{_PERCENT_PAREN})?"
    r"(?:(?:[a-z-]+\s+){0,2}?(?:patients|women|participants|subjects|cases)\s+)?"
    r"(?:(?:(?:were|was|had\s+been)\s+)?(?:(?:randomly|subsequently)\s+)?"
    r"(?:(?:assigned|allocated|randomi[sz]ed|ramdomi[sz]ed)\s+)?"
    r"(?:to|into|in|for|on)\s+(?!\d)(?!(?:\w+\s+)?(?:weeks?|months?|years?|days?)\b)"
    r"(?:the\s+|receive\s+)?"
    # "127 patients treated with duloxetine and 128 who received placebo", "Forty underwent CNB"
    r"|(?P<verb>(?:who\s+)?(?:(?:were|was)\s+)?(?:received|receiving|treated\s+with|"
    r"underwent|undergoing|given)\s+(?:the\s+)?))[\w(+-]",
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
    r"(?:(?:randomi[sz]ed|assigned|allocated)\s+)?(?:to\s+|in\s+(?:the\s+)?|on\s+)?[A-Za-z]",
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
    r"(?<![\w.,/=·:-])(?<!between )(?<!from )(?<!since )(?<!until )"
    rf"(?P<part>\d{{1,5}}|{NUMBER_WORD})\s*(?:/|\s(?:out\s+)?of)\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d{1,5})"
    r"(?![\w.,/·]?\d)(?!\s*(?:mg|kg|g|ml|m2|h|d|day|week|min)\b)"
    r"(?!\s+(?:and|to)\s+\d{1,2}/\d)"
)
_VERSUS = re.compile(r"\b(?:vs\.?|versus)\s", re.I)
_COMPARED = re.compile(r"\b(?:vs\.?|versus|compared|than|and|respectively)\b", re.I)


class SampleSizeFinder:
    """Find sample sizes and classify them as total, arm, analysed or subgroup.

    Each row also has ``label`` (``randomised``/``enrolled`` for totals with that cue, else
    ``None``) and ``strength`` (how sure we are the count is the study total; see
    :func:`pick_total`).
    """

    def __init__(self, nlp: Language, name: str, *, patterns_dir: str | None = None) -> None:
        self.name = name
        self.patterns_dir = Path(patterns_dir) if patterns_dir else None
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
        self.n_equals = re.compile(
            rf"(?<![\w])(?P<N>[nN])\s*=\s*(?P<num>{_DIGITS})(?![\d.])(?!\s*[-–]\s*\d)"
        )
        self.pop_before = re.compile(
            rf"\b(?:{noun_alt}|trials?|stud(?:y|ies)|cohorts?|samples?|populations?|randomi[sz]ed|"
            r"RCT\s*[;,])\s*[(\[]?\s*$",
            re.IGNORECASE,
        )

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
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
            in_parens = before.rstrip().endswith("(") or bool(re.search(r"\([^)]*$", before))
            after_population = bool(self.pop_before.search(before))
            # "Women with breast cancer (n = 112) were randomized to ...": the whole sample
            sampled = bool(_SAMPLED_AFTER.match(text, end))
            counted = bool(
                re.search(r"(?:%|\bpercent)\s*[)\]]?\s*[(\[;,]\s*$", before)
                or re.match(r"\s*[,;]\s*\d+(?:[.·]\d+)?\s*%", text[end:])
            )
            if counted:
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
            row = self._row(text, start, end, n, kind, index)
            row["equals"] = True
            if kind == "total":
                self._score(row, text, index, lead=False)
                row["strength"] += 1 if after_population or match.group("N") == "N" else 0
            found.append(row)
        self._arms(text, index, found)
        found.sort(key=lambda r: (r["start"], r["end"]))
        self._sums(text, index, found)
        for row in found:
            row.pop("equals", None)
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
            row = by_start.get(start)
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
                if not (arm_context or m.group("verb")):
                    continue
                a, b = sent_start + m.start("num"), sent_start + m.end("num")
                n = parse_sample_count(m.group("num"))
                if n and not _is_year(text, a, b):
                    items.append((a, b, n))
            if _EVENT_WORDS.search(sentence) and not _RANDOMISED.search(sentence):
                items = [
                    (a, b, n)
                    for a, b, n in items
                    if re.search(r"\bamong\s+$", text[max(0, a - 8) : a])
                ]
            if len(items) >= 2:
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
            for m in _EACH_ARM.finditer(sentence):
                n = parse_sample_count(m.group("num"))
                if n:
                    mark(sent_start + m.start("num"), sent_start + m.end("num"), n)
            # "FN occurred in 40.8% (126/311) in arm A versus 7.1% (22/316) in arm B": the
            # denominators of two or more compared fractions are the arm sizes.
            fractions = [
                m
                for m in _FRACTION.finditer(sentence)
                if _int(m.group("num")) > (parse_sample_count(m.group("part")) or 0)
                and _int(m.group("num")) >= 10
            ]
            if len(fractions) >= 2 and _COMPARED.search(sentence):
                for m in fractions:
                    mark(
                        sent_start + m.start("num"), sent_start + m.end("num"), int(m.group("num"))
                    )
        for row in list(found):
            if row["kind"] == "arm" or row.get("equals"):
                continue
            before = text[max(0, row["start"] - 60) : row["start"]]
            sent_start, sent_end = index.bounds(row["sentence"])
            if _ARM_BEFORE.search(before) or (
                re.search(r"[A-Za-z][\w)-]*\s*\(\s*$", before)
                and _PAREN_ARM_TAIL.match(text, row["end"])
                and _ARM_CONTEXT.search(text[sent_start:sent_end])
            ):
                mark(row["start"], row["end"], row["n"])
        for row in list(found):
            if row["kind"] not in ("total", "analysed"):
                continue
            tail = re.match(r"\s*(?:\w+\s+){0,4}?\(([^()]{3,200})\)", text[row["end"] :])
            if not tail:
                continue
            inner_start = row["end"] + tail.start(1)
            parts = list(_BREAKDOWN_ITEM.finditer(tail.group(1)))
            if len(parts) < 2:
                continue
            values = [int(m.group("num").replace(",", "")) for m in parts]
            if sum(values) > row["n"] * 1.05 + 1:
                continue  # not parts of this total
            for m, n in zip(parts, values, strict=True):
                mark(inner_start + m.start("num"), inner_start + m.end("num"), n)

    def _sums(self, text: str, index: SentenceIndex, found: list[dict[str, Any]]) -> None:
        """A count followed (in its own or the next sentence) by two or more counts that add up
        to it is the total and those counts are its arms: "(n = 112) were randomized to AMT
        (n = 57) or WC (n = 55)", "In this subgroup (n = 48) 27 patients received IORT, 21
        patients had ...". ``found`` is sorted by position."""
        for i, row in enumerate(found):
            if row["kind"] == "subgroup" or (row["kind"] == "arm" and not row.get("equals")):
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
    default_config={"patterns_dir": None},
)
def make_sample_size(nlp: Language, name: str, patterns_dir: str | None) -> SampleSizeFinder:
    """Build the sample-size finder (``evidence_sample_size``).

    Args:
        nlp: the pipeline.
        name: component name.
        patterns_dir: folder with ``entities.jsonl``; default the package's ``patterns/``.
    """
    return SampleSizeFinder(nlp, name, patterns_dir=patterns_dir)


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
    sizes, then the largest ``analysed`` count; subgroup counts are never chosen.
    """
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


def _distinct_sum(arms: list[dict[str, Any]]) -> int:
    """Sum of arm sizes in their first statement: restated sizes ("n = 50" again) count once."""
    first_sentence = min((int(r.get("sentence") or 0) for r in arms), default=0)
    group = [r["n"] for r in arms if int(r.get("sentence") or 0) == first_sentence]
    return sum(group) if len(group) >= 2 else 0
