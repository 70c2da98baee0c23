"""``evidence_sample_size``: how many people were studied.

Finds "Twelve patients", "a total of 120 participants", "12 healthy volunteers", "n = 714",
"N=45" and tags each with a ``kind``:

* ``total`` – enrolled/randomised/included totals (and first mentions in METHODS);
* ``arm`` – a lower-case ``(n = 714)`` after an arm;
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
    r"allocated|assigned|accrued|registered)\b",
    re.IGNORECASE,
)
_RANDOMISED = re.compile(r"\b(?:randomi[sz](?:ed|ation)|randomly|allocated|assigned)\b", re.I)
_ENROLLED = re.compile(
    r"\b(?:enrolled|enrolment|enrollment|recruited|recruitment|included|participated|entered|"
    r"accrued|registered|took part|consecutive)\b",
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
    r"\b(?:of (?:whom|these|them|the)|among|in \d+ of|out of)\b\W*$", re.IGNORECASE
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
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d.,])|\d+"
_THOUSANDS_WORDS = (
    rf"(?:(?:{NUMBER_WORD})[\s-]+)?thousand(?:(?:[\s,-]+(?:and\s+)?)(?:{NUMBER_WORD}))?"
)
#: A count in digits (``1,234``, ``13 388``) or words (``one thousand two hundred``).
SAMPLE_COUNT = rf"(?:{_DIGITS}|{_THOUSANDS_WORDS}|(?:hundred\s+and\s+)?{NUMBER_WORD})"


_ARM_NUM = rf"(?<![\w.,/=%±-])(?P<num>{_DIGITS}|{NUMBER_WORD})(?![\d.,]?\d)"
# "442 were assigned to the high-dose group and 443 to ...", "100 to EoP and 101 to
# paclitaxel", "98 patients randomized into the tamoxifen arm", "63 patients in the PB group".
_ARM_ITEM = re.compile(
    rf"{_ARM_NUM}\s+(?:(?:[a-z-]+\s+){{0,2}}?(?:patients|women|participants|subjects|cases)\s+)?"
    r"(?:(?:were|was|had\s+been)\s+)?(?:(?:randomly|subsequently)\s+)?"
    r"(?:(?:assigned|allocated|randomi[sz]ed|ramdomi[sz]ed)\s+)?"
    r"(?:to|into|in|for)\s+(?!\d)(?!(?:\w+\s+)?(?:weeks?|months?|years?|days?)\b)"
    r"(?:the\s+|receive\s+)?[\w(+-]",
    re.IGNORECASE,
)
_ARM_CONTEXT = re.compile(
    r"\b(?:randomi[sz]|ramdomi[sz]|assigned|allocated|groups?|arms?)", re.IGNORECASE
)
# "(166 control and 169 intervention)", "(1063 ovarian ablation, 1081 no ablation)".
_BREAKDOWN_ITEM = re.compile(
    r"(?:^|[,;]\s*|\s+(?:and|vs\.?|versus)\s+)(?P<num>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?!\s*(?:%|percent|\.\d|[-–]\d|mg|years?))\s+(?:patients?\s+|women\s+)?"
    r"(?:(?:randomi[sz]ed|assigned|allocated)\s+)?(?:to\s+|in\s+(?:the\s+)?|on\s+)?[A-Za-z]",
    re.IGNORECASE,
)


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
            rf"(?<![\w.,/=-])(?P<lead>(?:a\s+total\s+of|total\s+of|overall,?|in\s+all,?)\s+)?"
            rf"(?P<num>{SAMPLE_COUNT})\s+{_FILLER}{{0,4}}(?P<noun>{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        # "randomised 120 patients", "sample of 247" / "2144 (1063 ..., 1081 ...) were
        # randomised": a bare number right before a randomisation/enrolment verb.
        self.bare_verb = re.compile(
            rf"(?<![\w.,/=%-])(?P<num>{_DIGITS}|(?-i:[A-Z])[a-z]+(?:[\s-][a-z]+)*)\s+"
            r"(?:\([^()]{0,120}\)\s+)?(?:were|had\s+been|have\s+been)\s+"
            r"(?:\w+\s+)?(?:randomi[sz]ed|randomly|enrolled|recruited|included|accrued)\b",
            re.IGNORECASE,
        )
        self.n_equals = re.compile(rf"(?<![\w])(?P<N>[nN])\s*=\s*(?P<num>{_DIGITS})(?![\d.])")
        self.pop_before = re.compile(rf"\b(?:{noun_alt})\s*[(\[]\s*$", re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        index = SentenceIndex(doc)
        found: list[dict[str, Any]] = []
        taken: list[tuple[int, int]] = []
        for match in self.noun_phrase.finditer(text):
            start = match.start()
            n = parse_sample_count(match.group("num"))
            if n is None or n == 0 or re.search(r"[nN]\s*=\s*$", text[max(0, start - 6) : start]):
                continue
            if re.match(r"\s*(?:%|percent|per\s*cent)", text[match.end("num") :]):
                continue
            start, end = match.start(), match.end()
            kind = self._kind(text, start, end, index, bool(match.group("lead")))
            row = self._row(text, start, end, n, kind, index)
            self._score(row, text, index, lead=bool(match.group("lead")))
            found.append(row)
            taken.append((start, end))
        for match in self.bare_verb.finditer(text):
            start, end = match.start("num"), match.end("num")
            if any(s <= start < e for s, e in taken):
                continue
            n = parse_sample_count(match.group("num"))
            if not n or (n >= 1900 and n <= 2100 and "," not in match.group("num")):
                continue  # "In 2004 were ..." is a year
            row = self._row(text, start, end, n, "total", index)
            self._score(row, text, index, lead=False)
            found.append(row)
            taken.append((start, end))
        for match in self.n_equals.finditer(text):
            start, end = match.start(), match.end()
            if any(s <= start < e for s, e in taken):
                continue
            n = parse_sample_count(match.group("num"))
            if not n:
                continue
            before = text[max(0, start - 60) : start]
            in_parens = before.rstrip().endswith("(") or bool(re.search(r"\([^)]*$", before))
            after_population = bool(self.pop_before.search(before))
            if in_parens and not after_population and not re.search(r"\btotal\b", before[-25:]):
                kind = "arm"  # "assigned to X (n = 50)": the bracket follows an arm name
            elif (
                _TOTAL_CUES.search(before[-40:])
                or (match.group("N") == "N" and not in_parens)
                or after_population
            ):
                kind = "total"
            elif _ANALYSED_CUES.search(before[-40:]):
                kind = "analysed"
            else:
                kind = "arm"
            row = self._row(text, start, end, n, kind, index)
            if kind == "total":
                self._score(row, text, index, lead=False)
                row["strength"] += 1 if after_population or match.group("N") == "N" else 0
            found.append(row)
        self._arms(text, index, found)
        found.sort(key=lambda r: (r["start"], r["end"]))
        add_spans(doc, ((r["start"], r["end"], "SAMPLE_SIZE", self.name) for r in found))
        doc._.sample_sizes = found
        return doc

    def _arms(self, text: str, index: SentenceIndex, found: list[dict[str, Any]]) -> None:
        """Mark per-arm counts: two or more "N to/in <arm>" items in a randomisation sentence,
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
            if not _ARM_CONTEXT.search(sentence):
                continue
            items = [
                (m.start("num"), m.end("num"), parse_sample_count(m.group("num")))
                for m in _ARM_ITEM.finditer(sentence)
            ]
            items = [(a, b, n) for a, b, n in items if n]
            if len(items) >= 2:
                for a, b, n in items:
                    mark(sent_start + a, sent_start + b, n)  # type: ignore[arg-type]
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

    @staticmethod
    def _score(row: dict[str, Any], text: str, index: SentenceIndex, *, lead: bool) -> None:
        """Set ``label`` and ``strength`` of a total from the cues of its own sentence."""
        start, end = row["start"], row["end"]
        sent_start, sent_end = index.bounds(index.sentence_of(start))
        before = text[max(sent_start, start - 80) : start]
        after = text[end : min(sent_end, end + 120)]
        clause = before[-40:] + " " + after
        strength = 3 if lead else 0
        label = None
        if _RANDOMISED.search(clause):
            strength += 2
            label = "randomised"
        elif _ENROLLED.search(clause):
            strength += 2
            label = "enrolled"
        elif _STRONG_TOTAL.search(before[-60:] + after[:40]):
            strength += 1
        if _WHOLE_LEAD.search(text[max(sent_start, start - 30) : start]):
            strength += 1
        if row["kind"] != "total":
            label = None
        row["label"] = label
        row["strength"] = strength

    @staticmethod
    def _kind(text: str, start: int, end: int, index: SentenceIndex, lead: bool) -> str:
        if lead:
            return "total"
        sent_start, sent_end = index.bounds(index.sentence_of(start))
        before = text[max(sent_start, start - 80) : start]
        after = text[end : min(sent_end, end + 60)]
        whole = bool(_WHOLE_LEAD.search(text[max(sent_start, start - 30) : start]))
        if _SUBGROUP_CUES.search(before) and not whole:
            return "subgroup"
        if (re.search(r"\b(?:of|out of)\s*$", before) and not whole) or re.match(
            r"\s*(?:\(\s*)?\d+(?:\.\d+)?\s*%", after
        ):
            return "subgroup"
        window = before[-50:] + " " + after[:50]
        if _SCREENED_CUES.search(window):
            return "subgroup"
        if _ANALYSED_CUES.search(window) and not _STRONG_TOTAL.search(window):
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
    if re.fullmatch(r"\d{1,3}(?:[ ,\u2009\u202f]\d{3})+|\d+", raw):
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
    sum of two or more ``arm`` sizes or of the next two counts; ties go to the earliest
    sentence, then the largest number. Without totals: the sum of the ``arm`` sizes, then the
    largest ``analysed`` count; subgroup counts are never chosen.
    """
    arms = [r for r in sample_sizes if r["kind"] == "arm"]
    totals = [r for r in sample_sizes if r["kind"] == "total"]
    if totals:
        arm_sum = _distinct_sum(arms)
        counts = [r["n"] for r in sample_sizes]

        def score(row: dict[str, Any]) -> tuple[int, int, int]:
            strength = int(row.get("strength", 0))
            i = next((k for k, r in enumerate(sample_sizes) if r is row), len(counts))
            following = counts[i + 1 : i + 3]
            if (arm_sum and row["n"] == arm_sum) or (
                len(following) == 2 and sum(following) == row["n"]
            ):
                strength += 2
            return (strength, -int(row.get("sentence") or 0), row["n"])

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
