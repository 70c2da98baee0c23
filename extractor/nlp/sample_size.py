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
    COUNT,
    SentenceIndex,
    add_spans,
    alternation,
    load_patterns,
    parse_count,
    register_extensions,
    words_of,
)

register_extensions()

_TOTAL_CUES = re.compile(
    r"\b(?:total|overall|randomi[sz]ed|randomly|enrolled|enrolment|enrollment|recruited|"
    r"included|participated|entered|studied|consecutive|eligible|allocated|assigned)\b",
    re.IGNORECASE,
)
_ANALYSED_CUES = re.compile(
    r"\b(?:analy[sz]ed|analy[sz]able|evaluable|completed|per-protocol|remaining|assessable)\b",
    re.IGNORECASE,
)
_SCREENED_CUES = re.compile(
    r"\b(?:screened|assessed for eligibility|approached|invited|excluded)\b", re.IGNORECASE
)
_STRONG_TOTAL = re.compile(
    r"\b(?:total|randomi[sz]ed|randomly|enrolled|recruited|included)\b", re.IGNORECASE
)
_SUBGROUP_CUES = re.compile(
    r"\b(?:of (?:whom|these|them|the)|among|in \d+ of|out of)\b\W*$", re.IGNORECASE
)
# Words that may sit between the number and the noun ("12 healthy male volunteers") — but not
# prepositions, units or time words ("12 weeks in patients" is not a sample size).
_FILLER = (
    r"(?:(?!(?:in|of|with|and|or|to|for|at|on|by|from|per|than|"
    r"weeks?|days?|months?|years?|hours?|minutes?|mg|g|kg|ml|times?|doses?)\b)"
    r"[A-Za-z][\w'-]*\s+)"
)


class SampleSizeFinder:
    """Find sample sizes and classify them as total, arm, analysed or subgroup."""

    def __init__(self, nlp: Language, name: str, *, patterns_dir: str | None = None) -> None:
        self.name = name
        self.patterns_dir = Path(patterns_dir) if patterns_dir else None
        self.initialize()

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Compile the regexes from the population nouns in ``patterns/entities.jsonl``."""
        nouns = words_of(load_patterns("entities", self.patterns_dir), "population_noun")
        noun_alt = alternation(nouns)
        self.noun_phrase = re.compile(
            rf"(?<![\w.,/=-])(?P<lead>(?:a\s+total\s+of|total\s+of|overall,?|in\s+all,?)\s+)?"
            rf"(?P<num>{COUNT})\s+{_FILLER}{{0,3}}(?P<noun>{noun_alt})(?![\w-])",
            re.IGNORECASE,
        )
        self.n_equals = re.compile(r"(?<![\w])(?P<N>[nN])\s*=\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)")

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        index = SentenceIndex(doc)
        found: list[dict[str, Any]] = []
        taken: list[tuple[int, int]] = []
        for match in self.noun_phrase.finditer(text):
            start = match.start()
            n = parse_count(match.group("num"))
            if n is None or n == 0 or re.search(r"[nN]\s*=\s*$", text[max(0, start - 6) : start]):
                continue
            # "5 of 12 patients" is a proportion, not a sample size; keep "12 patients" only
            # when it does not follow a decimal or a unit-like token.
            start, end = match.start(), match.end()
            kind = self._kind(text, start, end, index, bool(match.group("lead")))
            row = self._row(text, start, end, n, kind, index)
            window = text[max(0, start - 60) : min(len(text), end + 40)]
            row["strength"] = 2 if match.group("lead") or _STRONG_TOTAL.search(window) else 0
            found.append(row)
            taken.append((start, end))
        for match in self.n_equals.finditer(text):
            start, end = match.start(), match.end()
            if any(s <= start < e for s, e in taken):
                continue
            n = parse_count(match.group("num"))
            if not n:
                continue
            before = text[max(0, start - 60) : start]
            in_parens = before.rstrip().endswith("(") or bool(re.search(r"\([^)]*$", before))
            if _TOTAL_CUES.search(before[-40:]) or (match.group("N") == "N" and not in_parens):
                kind = "total"
            elif _ANALYSED_CUES.search(before[-40:]):
                kind = "analysed"
            else:
                kind = "arm"
            row = self._row(text, start, end, n, kind, index)
            row["strength"] = 1 if kind == "total" else 0
            found.append(row)
        found.sort(key=lambda r: (r["start"], r["end"]))
        add_spans(doc, ((r["start"], r["end"], "SAMPLE_SIZE", self.name) for r in found))
        doc._.sample_sizes = found
        return doc

    @staticmethod
    def _kind(text: str, start: int, end: int, index: SentenceIndex, lead: bool) -> str:
        if lead:
            return "total"
        sent_start, sent_end = index.bounds(index.sentence_of(start))
        before = text[max(sent_start, start - 80) : start]
        after = text[end : min(sent_end, end + 60)]
        if _SUBGROUP_CUES.search(before):
            return "subgroup"
        if re.search(r"\b(?:of|out of)\s*$", before) or re.match(
            r"\s*(?:\(\s*)?\d+(?:\.\d+)?\s*%", after
        ):
            return "subgroup"
        window = before[-50:] + " " + after[:50]
        if _SCREENED_CUES.search(window):
            return "subgroup"
        if _ANALYSED_CUES.search(window):
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


def pick_total(sample_sizes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sample size that best describes the whole study.

    Prefers the largest ``total`` (randomised/enrolled), then the sum of ``arm`` sizes, then the
    largest ``analysed`` count; subgroup counts are never chosen.
    """
    totals = [r for r in sample_sizes if r["kind"] == "total"]
    if totals:
        return max(totals, key=lambda r: (r.get("strength", 0), r["n"], -r["start"]))
    arms = [r for r in sample_sizes if r["kind"] == "arm"]
    if arms:
        first = arms[0]
        return {**first, "n": sum(r["n"] for r in arms), "kind": "arm_sum"}
    analysed = [r for r in sample_sizes if r["kind"] == "analysed"]
    if analysed:
        return max(analysed, key=lambda r: r["n"])
    return None
