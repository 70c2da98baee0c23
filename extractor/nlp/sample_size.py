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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .arm_sizes_model import ArmSizeModel, apply_model, load_model
from .common import (
    PATTERNS_DIR,
    SentenceIndex,
    add_spans,
    alternation,
    doc_text,
    load_patterns,
    register_extensions,
    words_of,
)
from .sample_size_arms import ArmSizeRules
from .sample_size_cues import (
    _ANALYSED_CUES,
    _DIGITS,
    _ENROLLED,
    _EVENT_COUNTED,
    _FILLER,
    _INCLUDED_ANALYSIS,
    _LEAD_FILLER,
    _OUTCOME_VERBS,
    _PART_OF,
    _PERCENT_PAREN,
    _RANDOMISED,
    _SAMPLED_AFTER,
    _SCREENED_CUES,
    _STRONG_TOTAL,
    _SUBGROUP_CUES,
    _TIMEPOINT,
    _TOTAL_CUES,
    _VERB_BEFORE,
    _WHOLE_LEAD,
    SAMPLE_COUNT,
    _is_year,
    parse_sample_count,
)
from .sample_size_total import pick_total, stated_total

register_extensions()

#: Kinds kept in ``Population.sample_sizes`` (``subgroup`` counts are not sample sizes).
SAMPLE_SIZE_KINDS = ("randomised", "enrolled", "total", "analysed", "arm")


@dataclass
class _Counts:
    """The counts found so far in one text, and the spans the count patterns have taken."""

    text: str
    index: SentenceIndex
    found: list[dict[str, Any]] = field(default_factory=list)
    taken: list[tuple[int, int]] = field(default_factory=list)

    def free(self, start: int) -> bool:
        """Whether ``start`` lies outside every span already taken by an earlier pattern."""
        return not any(s <= start < e for s, e in self.taken)


class SampleSizeFinder(ArmSizeRules):
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
        counts = _Counts(text, index)
        self._noun_phrase_counts(counts)
        self._sentence_lead_counts(counts)
        self._part_of_whole_counts(counts)
        self._bare_verb_counts(counts)
        self._n_equals_counts(counts)
        found = counts.found
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

    def _noun_phrase_counts(self, counts: _Counts) -> None:
        """ "Twelve patients", "a total of 120 participants": a count before a population noun."""
        text, index = counts.text, counts.index
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
            self._keep(counts, start, end, n, kind, lead=bool(match.group("lead")))

    def _sentence_lead_counts(self, counts: _Counts) -> None:
        """A count opening a sentence with a longer description before its population noun."""
        text, index = counts.text, counts.index
        for i in range(len(index)):
            sent_start, sent_end = index.bounds(i)
            head = re.match(r"\s*", text[sent_start:sent_end])
            at = sent_start + (head.end() if head else 0)
            lead = self.lead_phrase.match(text, at, sent_end)
            if lead is None or not counts.free(at):
                continue
            n = parse_sample_count(lead.group("num"))
            if not n or _is_year(text, lead.start("num"), lead.end("num")):
                continue
            if re.match(r"\s*(?:%|percent|per\s*cent)", text[lead.end("num") :]):
                continue
            start, end = lead.start(), lead.end()
            kind = self._kind(text, start, end, index, False)
            self._keep(counts, start, end, n, kind)

    def _part_of_whole_counts(self, counts: _Counts) -> None:
        """ "338 of 2,150 planned patients" in a randomisation/enrolment sentence: a weak total."""
        text, index = counts.text, counts.index
        for match in self.part_of_whole.finditer(text):
            start, end = match.start("num"), match.end("num")
            n = parse_sample_count(match.group("num"))
            if not n or not counts.free(start):
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
            row = self._keep(counts, start, end, n, "total")
            row["strength"] -= 1  # weaker than a count stated as the sample itself

    def _bare_verb_counts(self, counts: _Counts) -> None:
        """ "2144 (...) were randomised": a bare number before a randomisation/enrolment verb."""
        text = counts.text
        for match in self.bare_verb.finditer(text):
            start, end = match.start("num"), match.end("num")
            if not counts.free(start):
                continue
            n = parse_sample_count(match.group("num"))
            if not n or _is_year(text, start, end):
                continue
            if n >= 1900 and n <= 2100 and "," not in match.group("num"):
                continue  # "In 2004 were ..." is a year
            kind = "analysed" if _INCLUDED_ANALYSIS.match(text, end) else "total"
            self._keep(counts, start, end, n, kind)

    def _n_equals_counts(self, counts: _Counts) -> None:
        """ "n = 714", "N=45": classified from the words before and after them."""
        text, index = counts.text, counts.index
        for match in self.n_equals.finditer(text):
            start, end = match.start(), match.end()
            if not counts.free(start):
                continue
            n = parse_sample_count(match.group("num"))
            if not n:
                continue
            before = text[max(0, start - 60) : start]
            after_population = bool(self.pop_before.search(before))
            # "Intervention dyads (n = 69)", "control patients (n = 50)", "(exercise group,
            # n = 207, ...)", "Breast cancer cases (n = 3,101)": the size of one arm.
            named_arm = bool(self.role_before.search(before))
            kind = self._n_equals_kind(text, match, index, before, after_population, named_arm)
            row = self._row(text, start, end, n, kind, index)
            row["equals"] = True
            if kind == "subpopulation":
                row["kind"] = "total"
                self._score(row, text, index, lead=False)
                row["strength"] -= 4
            elif kind == "total":
                self._score(row, text, index, lead=False)
                row["strength"] += 1 if after_population or match.group("N") == "N" else 0
            counts.found.append(row)

    def _n_equals_kind(
        self,
        text: str,
        match: re.Match[str],
        index: SentenceIndex,
        before: str,
        after_population: bool,
        named_arm: bool,
    ) -> str:
        """The kind of an ``n = N`` count (``subpopulation``: a total of a subpopulation)."""
        start, end = match.start(), match.end()
        in_parens = before.rstrip().endswith(("(", "{")) or bool(re.search(r"[({][^)}]*$", before))
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
        return kind

    def _keep(
        self, counts: _Counts, start: int, end: int, n: int, kind: str, *, lead: bool = False
    ) -> dict[str, Any]:
        """Add a scored row for the count at ``start:end``; later patterns skip its span."""
        row = self._row(counts.text, start, end, n, kind, counts.index)
        self._score(row, counts.text, counts.index, lead=lead)
        counts.found.append(row)
        counts.taken.append((start, end))
        return row

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
    requires=["doc._.sent_sections"],
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


__all__ = [
    "SAMPLE_COUNT",
    "SAMPLE_SIZE_KINDS",
    "SampleSizeFinder",
    "make_sample_size",
    "parse_sample_count",
    "pick_total",
    "stated_total",
]
