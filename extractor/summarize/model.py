"""The summary model: what :func:`~extractor.summarize.build_summary` returns.

Frozen dataclasses, from one :class:`Source` (where a figure was read) up to the whole
:class:`EvidenceSummary`, plus the constants the builders and renderers share.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

UNSPECIFIED_CONDITION = "unspecified condition"
NOT_STATED = "not stated"
DIRECTIONS = ("increased", "decreased", "no difference")
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


@dataclass(frozen=True, slots=True)
class Source:
    """Where one figure was read: ``abstract[start:end] == text`` and
    ``abstract[sentence_start:sentence_end] == sentence`` of study ``study_id``."""

    study_id: str
    text: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True, slots=True)
class StudyRef:
    """One study as the summary cites it. ``n_source`` is where its sample size was read."""

    id: str
    title: str
    pmid: str | None = None
    doi: str | None = None
    year: int | None = None
    n: int | None = None
    design: str | None = None
    condition: str | None = None
    n_source: Source | None = None

    @property
    def label(self) -> str:
        """``PMID 12345`` when the study has a PMID, else its record id."""
        return f"PMID {self.pmid}" if self.pmid else self.id

    @property
    def url(self) -> str | None:
        """The PubMed page of the study, when it has a PMID."""
        return PUBMED_URL.format(pmid=self.pmid) if self.pmid else None

    @property
    def anchor(self) -> str:
        """An HTML id for the study's entry in the study list."""
        return "study-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.id)


@dataclass(frozen=True, slots=True)
class DoseRange:
    """All doses of a group in one (converted) unit, lowest first.

    ``low``/``high`` are in ``unit``; ``low_text``/``high_text`` keep the unit as written.
    ``low_source``/``high_source`` say where those two were read; ``doses`` pairs each dose's
    description (``Dose.describe()``) with its source.
    """

    unit: str
    low: float
    high: float
    low_text: str
    high_text: str
    low_source: Source
    high_source: Source
    frequencies: tuple[str, ...]
    routes: tuple[str, ...]
    doses: tuple[tuple[str, Source], ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        """Where the lowest and the highest dose were read (one source when they are one)."""
        if self.high_source == self.low_source:
            return (self.low_source,)
        return (self.low_source, self.high_source)

    @property
    def study_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(src.study_id for _, src in self.doses))

    @property
    def amounts(self) -> str:
        """``400 mg/kg – 1 g/kg``, ``10–20 mg``, or one amount when low equals high."""
        if self.low == self.high:
            return self.low_text
        low_num, _, low_unit = self.low_text.partition(" ")
        high_num, _, high_unit = self.high_text.partition(" ")
        if low_unit == high_unit:
            return f"{low_num}–{high_num} {low_unit}"
        return f"{self.low_text} – {self.high_text}"

    @property
    def qualifiers(self) -> str:
        """Frequencies and routes where known: ``monthly; intravenous`` (or "")."""
        return "; ".join(x for x in (", ".join(self.frequencies), ", ".join(self.routes)) if x)

    def describe(self) -> str:
        """The range, frequencies and routes: ``400 mg/kg – 1 g/kg (monthly; intravenous)``."""
        return f"{self.amounts} ({self.qualifiers})" if self.qualifiers else self.amounts


@dataclass(frozen=True, slots=True)
class ResultItem:
    """One numeric result in readable form (``11/26 (42.3%)``, ``OR 2.2 (95% CI 1.3–3.6)``)."""

    text: str
    source: Source


@dataclass(frozen=True, slots=True)
class OutcomeFinding:
    """What one study reports for one outcome: its results and the effect direction."""

    study_id: str
    name: str
    results: tuple[ResultItem, ...]
    direction: str | None = None
    direction_source: Source | None = None


@dataclass(frozen=True, slots=True)
class OutcomeSummary:
    """One outcome (case-folded name) across the studies of a group."""

    name: str
    findings: tuple[OutcomeFinding, ...]

    @property
    def directions(self) -> tuple[tuple[str, int], ...]:
        """How many studies report each direction, in ``DIRECTIONS`` order."""
        counts = Counter(f.direction for f in self.findings if f.direction)
        return tuple((d, counts[d]) for d in DIRECTIONS if counts[d])


@dataclass(frozen=True, slots=True)
class ComparisonItem:
    """One study's comparison of an outcome, read for the group's intervention.

    Attributes:
        study_id: the study.
        intervention: the group's arm as the study names it.
        versus: the arm it was compared with (active comparator, placebo, usual care or
            another intervention).
        direction: ``increased``, ``decreased`` or ``no difference`` (the outcome with
            ``intervention`` relative to ``versus``), or None when the sentence states none.
        reversed: the study states the comparison the other way round (the group's
            intervention was its comparator), so its direction was flipped to read for
            ``intervention``.
        arms: the per-arm figures of the sentence (``Remifentanil: 30%``).
        p_value: the p value as written; ``effect``: the effect estimate in words.
        source: the sentence that states the comparison.
    """

    study_id: str
    intervention: str
    versus: str
    direction: str | None
    reversed: bool
    arms: tuple[ResultItem, ...]
    p_value: str | None
    effect: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class ComparisonSummary:
    """One outcome (case-folded name) across the comparisons of a group's studies."""

    name: str
    items: tuple[ComparisonItem, ...]

    def count(self, direction: str | None) -> int:
        """How many comparisons say ``direction`` (None: state no direction)."""
        return sum(1 for item in self.items if item.direction == direction)

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """``(direction, comparisons)`` for every entry of ``DIRECTIONS``, zeros included."""
        return tuple((d, self.count(d)) for d in DIRECTIONS)

    @property
    def n_studies(self) -> int:
        return len({item.study_id for item in self.items})


@dataclass(frozen=True, slots=True)
class EventItem:
    """An adverse event or withdrawal reported by one study."""

    name: str
    kind: str
    count: int | None
    study_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One intervention in one condition across studies.

    Attributes:
        intervention: the grouping key (case-folded long form or name).
        display_name: ``intravenous immunoglobulin (IVIg)``.
        condition: the condition as most often written (or ``unspecified condition``).
        studies: the member studies, newest first.
        total_participants: sum of the known ``n`` of the studies; ``n_unknown`` have none.
        designs: ``(design, number of studies)``, most frequent first.
        dose_ranges: one per unit, in unit order.
        comparators: ``(comparator, number of studies)``, most frequent first.
        outcomes: per outcome the per-study findings; most-reported outcomes first.
        adverse_events: adverse events and withdrawals with their studies.
        comparisons: per outcome the studies' comparisons of this intervention with another
            arm, read for this intervention; most-compared outcomes first.
    """

    intervention: str
    display_name: str
    condition: str
    studies: tuple[StudyRef, ...]
    total_participants: int
    n_unknown: int
    designs: tuple[tuple[str, int], ...]
    dose_ranges: tuple[DoseRange, ...]
    comparators: tuple[tuple[str, int], ...]
    outcomes: tuple[OutcomeSummary, ...]
    adverse_events: tuple[EventItem, ...]
    comparisons: tuple[ComparisonSummary, ...] = ()

    @property
    def n_studies(self) -> int:
        return len(self.studies)


@dataclass(frozen=True, slots=True)
class EvidenceSummary:
    """The summary of ``n_records`` records for ``query``.

    ``studies`` lists every study cited by a group (for the study list); ``ungrouped`` holds the
    ids of records without an intervention arm.
    """

    query: str
    groups: tuple[GroupSummary, ...]
    n_records: int
    studies: tuple[StudyRef, ...] = ()
    ungrouped: tuple[str, ...] = ()
    _by_id: dict[str, StudyRef] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.studies})

    def study(self, study_id: str) -> StudyRef:
        """The cited study with id ``study_id``."""
        return self._by_id[study_id]


def iter_sources(summary: EvidenceSummary) -> Iterator[Source]:
    """Every figure's source in a summary (sample sizes, doses, results, directions, events,
    comparisons and their per-arm figures)."""
    for group in summary.groups:
        for study in group.studies:
            if study.n_source:
                yield study.n_source
        for dose_range in group.dose_ranges:
            yield from (src for _, src in dose_range.doses)
        for outcome in group.outcomes:
            for finding in outcome.findings:
                yield from (r.source for r in finding.results)
                if finding.direction_source:
                    yield finding.direction_source
        yield from (e.source for e in group.adverse_events)
        for comparison in group.comparisons:
            for item in comparison.items:
                yield item.source
                yield from (r.source for r in item.arms)
