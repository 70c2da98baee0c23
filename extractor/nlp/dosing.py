"""``evidence_dosing``: dose expressions split into amount, unit, per, frequency, route ...

"starting doses of 1 g/kgx2, followed by 400 mg/kg monthly until disease resolution or for 6
months" gives two doses: ``{amount 1, unit g, per kg, multiplier 2, phase loading}`` and
``{amount 400, unit mg, per kg, frequency monthly, duration "until disease resolution or for 6
months", phase maintenance}``. "30 or 60 μg" gives two dose levels; "20-40 mg/day" one dose with
``amount_max``. Context (frequency, duration, route, phase) is read from the words between the
previous and the next dose of the same sentence, so two doses never steal each other's words.

Units are written in one canonical UCUM form from ``patterns/units.jsonl``: every microgram
spelling (µg, μg, mcg) becomes ``ug``, IU ``[IU]``, units ``U``, ml ``mL``; ``per`` reads
``kg``, ``m2``, ``day``, ``kg/day``, ``kg/min`` ... An amount per volume (mg/dL, ng/mL, mmol/L)
is a concentration (lab value, plasma target, solution strength) and never a dose; a percentage
is a dose (unit ``%``) only as the strength of a preparation ("0.1% tacrolimus ointment").

Writes ``DOSE`` spans and ``doc._.doses``: plain dicts with the ``Dose`` fields plus
``sentence`` (index) and ``section``; ``start``/``end`` are character offsets into the doc.
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
    abbreviation_pairs,
    add_spans,
    alternation,
    as_number,
    doc_text,
    load_patterns,
    parse_count,
    parse_number,
    register_extensions,
    words_of,
)

register_extensions()

#: "1,234" (thousands), "2,5" (decimal comma: no space, one or two digits), "0.5", "1·5".
AMOUNT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+,\d{1,2}(?![\d,])|\d+)(?:[.·]\d+)?"
_AMOUNT_RE = re.compile(AMOUNT)
#: Between two amounts of one expression: a range ("20-40", "20 to 40"), a list ("0.5, 1 and 2",
#: "30 or 60") or a fixed combination ("160/4.5 μg": two amounts, one per component).
_CHAIN_SEP = r"\s*(?:-|–|—|to|,?\s*or|,?\s*and|,|/)\s*"
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|to)\s*$")
#: A percentage is a dose only as the strength of a preparation ("0.1% tacrolimus ointment");
#: elsewhere (results, lab values, "1% lidocaine" as solvent strength) it is not.
_PREPARATION = (
    r"creams?|ointments?|gels?|lotions?|eye\s*drops|drops|mouthwash(?:es)?|mouth\s*rinses?|"
    r"rinses?|sprays?|foams?|shampoos?|varnish|solutions?|emulsions?|pastes?|suspensions?"
)
_TIME_UNIT = (
    r"(?:days?|weeks?|months?|years?|hours?|hrs?|h|wks?|mos?|cycles?|nights?|sessions?|"
    r"minutes?|mins?)"
)
_DUR_ATOM = (
    rf"(?:(?:for|over|during)\s+(?:a\s+(?:period|total|duration)\s+of\s+|up\s+to\s+|"
    rf"at\s+least\s+|(?:the\s+)?(?:first|next|following|subsequent)\s+)?"
    rf"(?:{AMOUNT}|{COUNT})(?:\s*(?:-|–|to)\s*(?:{AMOUNT}|{COUNT}))?[\s-]*(?:consecutive\s+)?"
    rf"{_TIME_UNIT}\b"
    rf"|until\s+[\w-]+(?:\s+(?!or\b|and\b)[\w-]+){{0,4}})"
)
_DURATION = re.compile(rf"{_DUR_ATOM}(?:,?\s+(?:or|and)\s+{_DUR_ATOM})*", re.IGNORECASE)
_PHASES = (
    (
        "loading",
        r"(?:starting|initial|loading|induction|first|bolus)\s+(?:doses?|dosing|infusions?)|"
        r"loading|induction",
    ),
    ("maintenance", r"followed\s+by|maintenance|thereafter|subsequently|then"),
    ("single", r"(?:a\s+)?single(?:[- ]dose)?|one[- ]off|once\s+only"),
    ("titration", r"titrat\w*|escalat\w*|increased\s+to|up-?titrat\w*"),
)
_PHASE_RE = [(name, re.compile(rf"\b(?:{pat})\b", re.IGNORECASE)) for name, pat in _PHASES]
_NOT_ROUTE_BEFORE = re.compile(r"\b(?:phase|stage|grade|class|type|nyha|day|week|cycle)\s*$", re.I)


def split_chain(chain: str) -> list[tuple[float | None, float | None]]:
    """``(amount, amount_max)`` of each level of ``"0.5, 1 and 2"``, ``"20-40"``, ``"30 or 60"``.

    A range separator (``-``, ``to``) makes the next number the previous level's maximum.
    """
    levels: list[list[float | None]] = []
    pos = 0
    for m in _AMOUNT_RE.finditer(chain):
        sep = chain[pos : m.start()]
        value = parse_number(m.group(0))
        if levels and _RANGE_SEP.match(sep) and levels[-1][1] is None:
            levels[-1][1] = value
        else:
            levels.append([value, None])
        pos = m.end()
    return [(a, b) for a, b in levels]


class DoseFinder:
    """Find doses and read their context from the surrounding words."""

    def __init__(self, nlp: Language, name: str, *, patterns_dir: str | None = None) -> None:
        self.name = name
        self.patterns_dir = Path(patterns_dir) if patterns_dir else None
        self.initialize()

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Compile regexes from ``units``, ``routes`` and ``frequencies`` pattern files."""
        units = load_patterns("units", self.patterns_dir)
        unit_alt = alternation(words_of(units, "unit"))
        per_alt = alternation(words_of(units, "per"))
        self.not_dose_per = set(words_of(units, "not_dose_per"))
        self.unit_canon = {
            str(r["text"]): str(r.get("canonical") or r["text"])
            for r in units
            if r["kind"] == "unit"
        }
        self.per_canon = {
            str(r["text"]): str(r.get("canonical") or r["text"])
            for r in units
            if r["kind"] == "per"
        }
        per_part = rf"(?:\s*(?:/|per\s+)\s*(?:{per_alt}))"
        self.dose = re.compile(
            rf"(?<![\w.,/±:×])(?P<chain>{AMOUNT}(?:{_CHAIN_SEP}{AMOUNT})*)"
            rf"\s*(?P<unit>{unit_alt})"
            rf"(?P<per>{per_part}{per_part}?)?"
            rf"(?:\s*[x×]\s*(?P<mult>\d+)(?!\s*{_TIME_UNIT}\b)"
            rf"|\s+(?P<times>twice|thrice)(?!\s+(?:a|per|daily|weekly|each|every|monthly)\b))?"
            rf"(?![A-Za-z0-9µμ²])"
        )
        self.per_piece = re.compile(rf"(?:/|per\s+)\s*({per_alt})")
        self.percent = re.compile(
            rf"(?<![\w.,/±:×])(?P<chain>{AMOUNT})\s*(?P<unit>%)"
            rf"(?=\s*(?:\(?w/[wv]\)?\s*)?(?:[A-Za-z][\w-]*\s+){{0,3}}?(?:{_PREPARATION})\b)"
        )
        self.routes = [
            (re.compile(rf"(?<![\w-])(?:{r['pattern']})(?![\w-])", re.IGNORECASE), str(r["route"]))
            for r in load_patterns("routes", self.patterns_dir)
        ]
        self.frequencies = [
            (
                re.compile(rf"(?<![\w-])(?:{r['pattern']})(?![\w-])", re.IGNORECASE),
                str(r["frequency"]),
            )
            for r in load_patterns("frequencies", self.patterns_dir)
        ]

    # --- context readers ------------------------------------------------------------------

    def find_frequency(self, text: str) -> tuple[str, int, int] | None:
        """The earliest frequency expression in ``text``: ``(normalised, start, end)``."""
        best: tuple[int, int, int, str] | None = None
        for order, (regex, norm) in enumerate(self.frequencies):
            m = regex.search(text)
            if m is None:
                continue
            key = (m.start(), -(m.end() - m.start()), order)
            if best is None or key < best[:3]:
                value = norm
                if "{N}" in norm:
                    group = next((g for g in m.groups() if g), None)
                    n = parse_count(group) if group else None
                    if n is None:
                        continue
                    value = norm.replace("{N}", str(n))
                best = (*key, value)
        if best is None:
            return None
        start = best[0]
        return best[3], start, start - best[1]

    def find_route(self, text: str, *, last: bool = False) -> tuple[str, int, int] | None:
        """The first (or ``last``) route word in ``text``: ``(route, start, end)``."""
        hits: list[tuple[int, int, str]] = []
        for regex, route in self.routes:
            for m in regex.finditer(text):
                # "phase IV", "week 4 IV": only the short abbreviations read as numerals
                if len(m.group(0)) <= 4 and _NOT_ROUTE_BEFORE.search(text[: m.start()]):
                    continue
                hits.append((m.start(), m.end(), route))
        if not hits:
            return None
        hit = max(hits) if last else min(hits)
        return hit[2], hit[0], hit[1]

    @staticmethod
    def find_phase(before: str, after: str) -> str | None:
        """Loading/maintenance/single/titration from the words before (nearest wins) or after."""
        best: tuple[int, str] | None = None
        for name, regex in _PHASE_RE:
            for m in regex.finditer(before):
                if best is None or m.end() > best[0]:
                    best = (m.end(), name)
        if best is not None:
            return best[1]
        head = after[:40]
        for name, regex in _PHASE_RE:
            if name != "maintenance" and regex.search(head):
                return name
        return None

    def read_per(self, m: re.Match[str]) -> str | None:
        """Canonical divisor of a dose match (``"kg/day"``); ``""`` for a concentration (mg/dL)."""
        raw = m.groupdict().get("per")
        if not raw:
            return None
        pieces = self.per_piece.findall(raw)
        if any(p in self.not_dose_per for p in pieces):
            return ""
        return "/".join(self.per_canon.get(p, p) for p in pieces)

    # --- component --------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        index = SentenceIndex(doc)
        found = [m for m in self.dose.finditer(text) if self.read_per(m) != ""]
        found += list(self.percent.finditer(text))
        found.sort(key=lambda m: (m.start(), -m.end()))
        matches: list[re.Match[str]] = []
        for m in found:
            if not matches or m.start() >= matches[-1].end():
                matches.append(m)
        abbreviations = abbreviation_pairs(doc)
        doses: list[dict[str, Any]] = []
        prev_route: dict[int, str] = {}
        for i, m in enumerate(matches):
            sentence = index.sentence_of(m.start())
            sent_start, sent_end = index.bounds(sentence)
            prev_end = sent_start
            if i > 0 and index.sentence_of(matches[i - 1].start()) == sentence:
                prev_end = matches[i - 1].end()
            next_start = sent_end
            if i + 1 < len(matches) and index.sentence_of(matches[i + 1].start()) == sentence:
                next_start = matches[i + 1].start()
            before_start = max(prev_end, m.start() - 150)
            before = text[before_start : m.start()]
            after = text[m.end() : max(m.end(), min(next_start, m.end() + 150))]
            doses.extend(
                self._read(
                    text, m, before, before_start, after, abbreviations, prev_route, sentence, index
                )
            )
        add_spans(doc, ((r["start"], r["end"], "DOSE", self.name) for r in doses))
        doc._.doses = doses
        return doc

    def _read(
        self,
        text: str,
        m: re.Match[str],
        before: str,
        before_start: int,
        after: str,
        abbreviations: list[tuple[int, int, str, str]],
        prev_route: dict[int, str],
        sentence: int,
        index: SentenceIndex,
    ) -> list[dict[str, Any]]:
        groups = m.groupdict()
        unit = self.unit_canon.get(m.group("unit"), m.group("unit"))
        per = self.read_per(m)
        multiplier: int | None = None
        if groups.get("mult"):
            multiplier = int(groups["mult"])
        elif groups.get("times"):
            multiplier = 2 if groups["times"].lower() == "twice" else 3
        start, end = m.start(), m.end()

        frequency = None
        freq = self.find_frequency(after)
        if freq is not None and freq[1] <= 60:
            frequency = freq[0]
            gap = after[: freq[1]]
            if freq[1] <= 25 and not re.search(r"[,;()]", gap):
                end = m.end() + freq[2]
        if frequency is None and per and per.endswith("day"):
            frequency = "daily"
        if frequency is None:
            back = self.find_frequency(before[-30:])
            if back is not None:
                frequency = back[0]

        route = None
        forward = self.find_route(after[:40])
        if forward is not None:
            route = forward[0]
            if forward[1] <= 3 and forward[2] + m.end() > end:
                end = m.end() + forward[2]
        else:
            backward = self.find_route(before, last=True)
            if backward is not None:
                route = backward[0]
            else:
                for s_start, _s_end, _short, long_text in abbreviations:
                    if before_start <= s_start < m.start():
                        hit = self.find_route(long_text)
                        if hit is not None:
                            route = hit[0]
            if route is None:
                route = prev_route.get(sentence)
        if route is not None:
            prev_route[sentence] = route

        duration = None
        dur = _DURATION.search(after)
        if dur is not None:
            duration = dur.group(0).strip()

        phase = self.find_phase(before, after)
        if phase is None and frequency == "once" and "single" in text[start - 20 : start].lower():
            phase = "single"

        amounts = split_chain(m.group("chain"))
        rows = []
        for amount, amount_max in amounts:
            rows.append(
                {
                    "amount": as_number(amount),
                    "unit": unit,
                    "text": text[start:end],
                    "start": start,
                    "end": end,
                    "amount_max": as_number(amount_max),
                    "per": per,
                    "multiplier": multiplier,
                    "frequency": frequency,
                    "duration": duration,
                    "route": route,
                    "phase": phase,
                    "source": self.name,
                    "sentence": sentence,
                    "section": index.section_of(start),
                }
            )
        return rows


@Language.factory(
    "evidence_dosing",
    requires=["doc._.sent_sections", "doc._.abbreviations"],
    assigns=["doc._.doses", "doc.spans"],
    default_config={"patterns_dir": None},
)
def make_dosing(nlp: Language, name: str, patterns_dir: str | None) -> DoseFinder:
    """Build the dose finder (``evidence_dosing``).

    Args:
        nlp: the pipeline.
        name: component name.
        patterns_dir: folder with ``units``/``routes``/``frequencies`` ``.jsonl``; default the
            package's ``patterns/``.
    """
    return DoseFinder(nlp, name, patterns_dir=patterns_dir)
