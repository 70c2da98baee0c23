"""Stage 4: cross-study evidence summaries (terminal table, Markdown, self-contained HTML).

:func:`build_summary` turns stored records into an :class:`EvidenceSummary`; the three
``render_*`` functions only lay it out. Every figure in a summary (sample size, dose, result,
direction, adverse event) is a :class:`Source`: the study it came from, its exact text and
offsets, and the sentence around it, so each rendering can point back to where it was read.

Grouping rules:

* A group is one **intervention** in one **condition**. A study with several interventions
  appears in several groups; the same intervention named twice in one study counts once.
* Interventions are compared case-folded with whitespace collapsed. An abbreviation and its long
  form are one intervention: an arm with a ``long_form`` is keyed by it (IVIg → "intravenous
  immunoglobulin"), and an arm without one joins the long form that other records give the same
  abbreviation, when they all give the same one.
* Comparators (``role == "comparator"``: placebo, usual care ...) never form groups of their
  own; they are listed as the comparators of the groups their studies fall in. Records with no
  intervention arm are counted in ``EvidenceSummary.ungrouped`` and not summarised.
* The condition is ``population.condition`` compared case-folded; a record without one goes to
  ``"unspecified condition"``.
* Groups are sorted by number of studies, then total participants (both descending), then
  intervention and condition; studies newest first, then by id. Every other list has a fixed
  order too, so the same records always give the same report.

Doses are summarised per unit: amounts in mass, volume or molar units are converted to mg, mL or
mmol (keeping the ``per`` part: mg/kg, mg/day ...), so "1 g/kg" and "400 mg/kg" form one range
shown as "400 mg/kg – 1 g/kg"; units that cannot be converted (IU, U, %) get their own range.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .assemble import UNNAMED_OUTCOME, format_dose
from .nlp.direction import split_sentences
from .records import AdverseEvent, Dose, Evidence, Intervention, Result

if TYPE_CHECKING:
    import sqlite_utils
    from rich.console import Console

UNSPECIFIED_CONDITION = "unspecified condition"
NOT_STATED = "not stated"
DIRECTIONS = ("increased", "decreased", "no difference")
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"

# Conversion to one unit per dimension, so that a range can span "400 mg/kg" and "1 g/kg".
_UNIT_SCALE: dict[str, tuple[str, float]] = {
    "ng": ("mg", 1e-6),
    "ug": ("mg", 1e-3),
    "µg": ("mg", 1e-3),
    "μg": ("mg", 1e-3),
    "mcg": ("mg", 1e-3),
    "mg": ("mg", 1.0),
    "g": ("mg", 1e3),
    "ul": ("mL", 1e-3),
    "µl": ("mL", 1e-3),
    "ml": ("mL", 1.0),
    "l": ("mL", 1e3),
    "umol": ("mmol", 1e-3),
    "µmol": ("mmol", 1e-3),
    "mmol": ("mmol", 1.0),
    "mol": ("mmol", 1e3),
}


# --- the summary model -----------------------------------------------------------------------


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
    ``doses`` pairs each dose's description (``Dose.describe()``) with its source.
    """

    unit: str
    low: float
    high: float
    low_text: str
    high_text: str
    frequencies: tuple[str, ...]
    routes: tuple[str, ...]
    doses: tuple[tuple[str, Source], ...]

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

    def describe(self) -> str:
        """The range with its frequencies and routes: ``400 mg/kg – 1 g/kg (monthly; intravenous)``."""
        extra = "; ".join(x for x in (", ".join(self.frequencies), ", ".join(self.routes)) if x)
        return f"{self.amounts} ({extra})" if extra else self.amounts


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

    def study(self, study_id: str) -> StudyRef:
        """The cited study with id ``study_id``."""
        return _study_index(self.studies)[study_id]


@lru_cache(maxsize=32)
def _study_index(studies: tuple[StudyRef, ...]) -> dict[str, StudyRef]:
    return {s.id: s for s in studies}


# --- building it -----------------------------------------------------------------------------


def normalize_name(text: str) -> str:
    """Case-folded, whitespace collapsed, outer punctuation stripped: the comparison form."""
    return " ".join(text.split()).strip(" .,;:").casefold()


def records_for_query(
    db: sqlite_utils.Database,
    terms: str | None = None,
    *,
    intervention: str | None = None,
    condition: str | None = None,
    min_n: int | None = None,
    max_n: int | None = None,
    limit: int | None = None,
) -> list[Evidence]:
    """The stored records matching a query (see :func:`extractor.query.search`); all without one."""
    from .query import search
    from .store import iter_records, load_record

    if not any(x is not None for x in (terms, intervention, condition, min_n, max_n)):
        records = iter_records(db)
        return [r for _, r in zip(range(limit), records, strict=False)] if limit else list(records)
    hits = search(
        db,
        terms,
        intervention=intervention,
        condition=condition,
        min_n=min_n,
        max_n=max_n,
        limit=limit,
    )
    return [load_record(db, hit.id) for hit in hits]


def build_summary(records: Iterable[Evidence], *, query: str = "") -> EvidenceSummary:
    """Group records by intervention and condition (see the module docstring for the rules).

    Args:
        records: the studies to summarise (any order; duplicates by id are read once).
        query: the query that selected them, shown in the renderings.
    """
    unique = {r.id: r for r in records}
    items = [unique[k] for k in sorted(unique)]
    aliases = _aliases(items)
    members: dict[tuple[str, str], list[tuple[Evidence, list[Intervention]]]] = {}
    spellings: dict[str, Counter[str]] = {}
    shorts: dict[str, Counter[str]] = {}
    cond_spellings: dict[str, Counter[str]] = {}
    ungrouped: list[str] = []
    for record in items:
        arms: dict[str, list[Intervention]] = {}
        for arm in record.interventions:
            if arm.role == "comparator" or not normalize_name(arm.name):
                continue
            key = _arm_key(arm, aliases)
            arms.setdefault(key, []).append(arm)
            long = arm.long_form or (arm.name if key == normalize_name(arm.name) else None)
            spellings.setdefault(key, Counter())[" ".join((long or key).split())] += 1
            if normalize_name(arm.name) != key:
                shorts.setdefault(key, Counter())[arm.name] += 1
        if not arms:
            ungrouped.append(record.id)
            continue
        condition = record.population.condition
        cond_key = normalize_name(condition) if condition else UNSPECIFIED_CONDITION
        cond_key = cond_key or UNSPECIFIED_CONDITION
        cond_spellings.setdefault(cond_key, Counter())[condition or UNSPECIFIED_CONDITION] += 1
        for key, same in arms.items():
            members.setdefault((key, cond_key), []).append((record, same))
    groups = [
        _group(
            key,
            _display(key, spellings.get(key), shorts.get(key)),
            _most_common(cond_spellings[cond_key]),
            studies,
        )
        for (key, cond_key), studies in members.items()
    ]
    groups.sort(
        key=lambda g: (
            -g.n_studies,
            -g.total_participants,
            g.intervention,
            normalize_name(g.condition),
        )
    )
    cited = {s.id: s for g in groups for s in g.studies}
    return EvidenceSummary(
        query=query,
        groups=tuple(groups),
        n_records=len(items),
        studies=tuple(sorted(cited.values(), key=_study_order)),
        ungrouped=tuple(ungrouped),
    )


def _aliases(records: list[Evidence]) -> dict[str, str]:
    """Abbreviation → long form, from every arm that states one (unambiguous ones only)."""
    seen: dict[str, set[str]] = {}
    for record in records:
        for arm in record.interventions:
            if arm.long_form:
                short, long = normalize_name(arm.name), normalize_name(arm.long_form)
                if short != long:
                    seen.setdefault(short, set()).add(long)
    return {short: next(iter(longs)) for short, longs in seen.items() if len(longs) == 1}


def _arm_key(arm: Intervention, aliases: dict[str, str]) -> str:
    if arm.long_form and normalize_name(arm.long_form):
        return normalize_name(arm.long_form)
    name = normalize_name(arm.name)
    return aliases.get(name, name)


def _most_common(counter: Counter[str]) -> str:
    """The most frequent spelling; ties go to the alphabetically first, for a stable output."""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _display(key: str, long: Counter[str] | None, short: Counter[str] | None) -> str:
    name = _most_common(long) if long else key
    return f"{name} ({_most_common(short)})" if short else name


def _study_order(study: StudyRef) -> tuple[int, str]:
    return (-(study.year or 0), study.id)


def _group(
    key: str,
    display: str,
    condition: str,
    members: list[tuple[Evidence, list[Intervention]]],
) -> GroupSummary:
    members = sorted(members, key=lambda m: _study_order(_study_ref(m[0])))
    studies = tuple(_study_ref(record) for record, _ in members)
    designs = Counter(_base_design(s.design) for s in studies)
    comparators: dict[str, Counter[str]] = {}
    for record, _ in members:
        names = {
            normalize_name(a.name): a.name
            for a in record.interventions
            if a.role == "comparator" and normalize_name(a.name)
        }
        for norm, name in names.items():
            comparators.setdefault(norm, Counter())[name] += 1
    comparator_counts = sorted(
        ((_most_common(c), sum(c.values())) for c in comparators.values()),
        key=lambda kv: (-kv[1], kv[0].casefold()),
    )
    return GroupSummary(
        intervention=key,
        display_name=display,
        condition=condition,
        studies=studies,
        total_participants=sum(s.n for s in studies if s.n is not None),
        n_unknown=sum(1 for s in studies if s.n is None),
        designs=tuple(sorted(designs.items(), key=lambda kv: (-kv[1], kv[0]))),
        dose_ranges=_dose_ranges(
            [(record, dose) for record, arms in members for arm in arms for dose in arm.doses]
        ),
        comparators=tuple(comparator_counts),
        outcomes=_outcomes([record for record, _ in members]),
        adverse_events=tuple(
            _event(record, event) for record, _ in members for event in record.adverse_events
        ),
    )


def _base_design(design: str | None) -> str:
    """``randomized controlled trial (double-blind)`` → ``randomized controlled trial``."""
    return design.split(" (")[0] if design else NOT_STATED


def _study_ref(record: Evidence) -> StudyRef:
    doc, pop = record.document, record.population
    n_source = None
    if pop.n is not None:
        size = next((s for s in pop.sample_sizes if s.n == pop.n), None)
        if size is not None:
            n_source = source_of(record, size.start, size.end)
        elif pop.start is not None and pop.end is not None:
            n_source = source_of(record, pop.start, pop.end)
    return StudyRef(
        id=record.id,
        title=" ".join(doc.title.split()),
        pmid=doc.pmid,
        doi=doc.doi,
        year=doc.year,
        n=pop.n,
        design=record.design,
        condition=pop.condition,
        n_source=n_source,
    )


def source_of(record: Evidence, start: int, end: int) -> Source:
    """The :class:`Source` of ``abstract[start:end]``: the figure and the sentence(s) around it."""
    abstract = record.document.abstract
    bounds = [(s, e) for s, e in _sentences(abstract) if s < max(end, start + 1) and e > start]
    s_start = min((s for s, _ in bounds), default=start)
    s_end = max((e for _, e in bounds), default=end)
    return Source(
        study_id=record.id,
        text=abstract[start:end],
        start=start,
        end=end,
        sentence=abstract[s_start:s_end],
        sentence_start=s_start,
        sentence_end=s_end,
    )


@lru_cache(maxsize=256)
def _sentences(abstract: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(abstract))


def _dose_ranges(doses: list[tuple[Evidence, Dose]]) -> tuple[DoseRange, ...]:
    by_unit: dict[str, list[tuple[float, float, str, str, Dose, Source]]] = {}
    for record, dose in doses:
        if dose.amount is None:
            continue
        unit, scale = _UNIT_SCALE.get((dose.unit or "").casefold(), (dose.unit or "", 1.0))
        per = f"/{dose.per}" if dose.per else ""
        written = f"{dose.unit or ''}{per}"
        high = dose.amount_max if dose.amount_max is not None else dose.amount
        by_unit.setdefault(f"{unit}{per}", []).append(
            (
                dose.amount * scale,
                high * scale,
                f"{_num(dose.amount)} {written}".strip(),
                f"{_num(high)} {written}".strip(),
                dose,
                source_of(record, dose.start, dose.end),
            )
        )
    ranges = []
    for unit in sorted(by_unit, key=str.casefold):
        rows = sorted(by_unit[unit], key=lambda r: (r[0], r[1], r[5].study_id, r[5].start))
        top = max(rows, key=lambda r: (r[1], -r[0]))
        ranges.append(
            DoseRange(
                unit=unit,
                low=_round(rows[0][0]),
                high=_round(top[1]),
                low_text=rows[0][2],
                high_text=top[3],
                frequencies=tuple(sorted({r[4].frequency for r in rows if r[4].frequency})),
                routes=tuple(sorted({r[4].route for r in rows if r[4].route})),
                doses=tuple((format_dose(r[4]), r[5]) for r in rows),
            )
        )
    return tuple(ranges)


def _outcomes(records: list[Evidence]) -> tuple[OutcomeSummary, ...]:
    by_name: dict[str, list[OutcomeFinding]] = {}
    spellings: dict[str, Counter[str]] = {}
    for record in records:
        for outcome in record.outcomes:
            items = tuple(
                ResultItem(format_result(r), source_of(record, r.start, r.end))
                for r in outcome.results
            )
            direction_source = None
            if outcome.direction and outcome.direction_start is not None:
                end = outcome.direction_end or outcome.direction_start
                direction_source = source_of(record, outcome.direction_start, end)
            if not items and not outcome.direction:
                continue  # a named outcome without a figure has nothing to summarise
            key = normalize_name(outcome.name)
            spellings.setdefault(key, Counter())[" ".join(outcome.name.split())] += 1
            by_name.setdefault(key, []).append(
                OutcomeFinding(record.id, outcome.name, items, outcome.direction, direction_source)
            )
    out = [OutcomeSummary(_most_common(spellings[k]), tuple(v)) for k, v in by_name.items()]
    out.sort(key=lambda o: (o.name == UNNAMED_OUTCOME, -len(o.findings), o.name.casefold()))
    return tuple(out)


def _event(record: Evidence, event: AdverseEvent) -> EventItem:
    return EventItem(
        name=event.name or event.text,
        kind=event.kind,
        count=event.count,
        study_id=record.id,
        source=source_of(record, event.start, event.end),
    )


def format_result(result: Result) -> str:
    """A result in a short, uniform wording, from its parsed fields (falls back to its text).

    ``11/26 (42.3%)``, ``5 (>75%)``, ``mean 1.8 ± 1.7``, ``OR 2.2 (95% CI 1.3–3.6), P=0.001``.
    """
    r = result
    if r.effect and r.effect_value is not None:
        core = f"{r.effect} {_num(r.effect_value)}"
        if r.ci_low is not None and r.ci_high is not None:
            core += f" (95% CI {_num(r.ci_low)}–{_num(r.ci_high)})"
    elif r.count is not None and r.denominator:
        core = f"{r.count}/{r.denominator}"
        core += f" ({_num(r.percent)}%)" if r.percent is not None else ""
    elif r.count is not None and r.threshold:
        core = f"{r.count} ({r.threshold})"
    elif r.count is not None and r.percent is not None:
        core = f"{r.count} ({_num(r.percent)}%)"
    elif r.mean is not None or r.median is not None:
        label = "mean" if r.mean is not None else "median"
        short = " ".join(r.text.split())
        if len(short) <= 30:
            core = f"{label} {short}"
        else:
            core = f"{label} {_num(r.mean if r.mean is not None else r.median)}"
            core += f" ± {_num(r.sd)}" if r.sd is not None else ""
            core += f" (IQR {r.iqr})" if r.iqr else ""
    elif r.percent is not None:
        core = f"{_num(r.percent)}%"
    elif r.count is not None:
        core = str(r.count)
    elif r.p_value:
        core = ""
    else:
        core = _clip(" ".join(r.text.split()), 60)
    parts = [core] if core else []
    if r.p_value and r.p_value not in core:
        parts.append(" ".join(r.p_value.split()))
    text = ", ".join(parts)
    if r.time_point:
        text += f" {r.time_point}"
    return f"{r.arm}: {text}" if r.arm else text


def _num(value: float | None) -> str:
    if value is None:
        return ""
    value = _round(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:f}".rstrip("0").rstrip(".")


def _round(value: float) -> float:
    """Round away float noise from unit conversion (0.1 × 1e-3 → 0.0001, not 0.00010000000000000002)."""
    return float(f"{value:.6g}")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- Markdown --------------------------------------------------------------------------------


class _Footnotes:
    """Numbered Markdown footnotes, one per distinct source sentence."""

    def __init__(self, summary: EvidenceSummary) -> None:
        self.summary = summary
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.lines: list[str] = []

    def ref(self, source: Source) -> str:
        key = (source.study_id, source.sentence_start, source.sentence_end)
        if key not in self.numbers:
            self.numbers[key] = number = len(self.numbers) + 1
            study = self.summary.study(source.study_id)
            self.lines.append(
                f"[^{number}]: {study.label}, characters {source.sentence_start}–"
                f"{source.sentence_end}: “{_md_text(source.sentence)}”"
            )
        return f"[^{self.numbers[key]}]"


def _md_text(text: str) -> str:
    """Plain text made safe for Markdown inline content and table cells."""
    text = " ".join(text.split())
    text = re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
    return text


def _md_study(study: StudyRef) -> str:
    if study.url:
        return f"[{study.label}]({study.url})"
    return f"`{study.id}`"


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(summary: EvidenceSummary) -> str:
    """The summary as Markdown: one section per group, footnotes quoting the source sentences."""
    notes = _Footnotes(summary)
    title = f"Evidence summary: {_md_text(summary.query)}" if summary.query else "Evidence summary"
    out = [f"# {title}", "", _overview(summary), ""]
    if not summary.groups:
        out += [_empty_message(summary), ""]
    for number, group in enumerate(summary.groups, 1):
        out += _md_group(number, group, summary, notes)
    if summary.studies:
        out += ["## Studies", ""]
        for study in summary.studies:
            out.append(f"- {_md_study(study)} — {_md_text(_study_line(study))}")
        out.append("")
    if notes.lines:
        out += [*notes.lines, ""]
    return "\n".join(out)


def _overview(summary: EvidenceSummary) -> str:
    line = (
        f"{summary.n_records} records · {len(summary.groups)} intervention–condition groups · "
        f"{len(summary.studies)} studies summarised"
    )
    if summary.ungrouped:
        line += f" · {len(summary.ungrouped)} records without an intervention arm not summarised"
    return line + "."


def _empty_message(summary: EvidenceSummary) -> str:
    if not summary.n_records:
        query = f" for “{summary.query}”" if summary.query else ""
        return f"No studies found{query}."
    return "None of the studies names an intervention arm, so there is nothing to group."


def _study_line(study: StudyRef) -> str:
    parts = [study.title or "(untitled)"]
    parts += [str(study.year)] if study.year else []
    parts += [study.design or "design not stated"]
    parts += [f"n={study.n}" if study.n is not None else "n not stated"]
    parts += [f"doi:{study.doi}"] if study.doi else []
    parts += [study.id] if study.pmid else []
    return " · ".join(parts)


def _participants(group: GroupSummary) -> str:
    text = f"{group.total_participants}"
    if group.n_unknown:
        plural = "study" if group.n_unknown == 1 else "studies"
        text += f" (+ {group.n_unknown} {plural} with unknown n)"
    return text


def _md_group(
    number: int, group: GroupSummary, summary: EvidenceSummary, notes: _Footnotes
) -> list[str]:
    designs = ", ".join(f"{d} ({c})" for d, c in group.designs)
    doses = "; ".join(
        f"{r.amounts}"
        + notes.ref(r.doses[0][1])
        + (notes.ref(r.doses[-1][1]) if r.doses[-1][1] != r.doses[0][1] else "")
        + (f" ({r.describe()[len(r.amounts) + 2 : -1]})" if r.describe() != r.amounts else "")
        for r in group.dose_ranges
    )
    comparators = ", ".join(f"{_md_text(n)} ({c})" for n, c in group.comparators)
    out = [
        f"## {number}. {_md_text(group.display_name)} — {_md_text(group.condition)}",
        "",
        f"**Studies:** {group.n_studies} · **Participants:** {_participants(group)} · "
        f"**Designs:** {_md_text(designs)} · **Doses:** {doses or 'not stated'} · "
        f"**Comparators:** {comparators or 'none named'}",
        "",
        _md_row(["Study", "Year", "Design", "n", "Title"]),
        _md_row(["---"] * 5),
    ]
    for study in group.studies:
        n = f"{study.n}{notes.ref(study.n_source)}" if study.n_source else str(study.n or "?")
        out.append(
            _md_row(
                [
                    _md_study(study),
                    str(study.year or ""),
                    _md_text(study.design or NOT_STATED),
                    n,
                    _md_text(_clip(study.title, 90)),
                ]
            )
        )
    out.append("")
    if group.outcomes:
        out += ["### Outcomes", "", _md_row(["Outcome", "Study", "Result", "Direction"])]
        out.append(_md_row(["---"] * 4))
        for outcome in group.outcomes:
            for finding in outcome.findings:
                results = "; ".join(
                    _md_text(item.text) + notes.ref(item.source) for item in finding.results
                )
                direction = finding.direction or "—"
                if finding.direction_source:
                    direction += notes.ref(finding.direction_source)
                study = summary.study(finding.study_id)
                out.append(
                    _md_row(
                        [_md_text(outcome.name), _md_study(study), results or "—", direction]
                    )
                )
        out.append("")
    if group.adverse_events:
        out += ["### Adverse events", "", _md_row(["Event", "Kind", "Count", "Study"])]
        out.append(_md_row(["---"] * 4))
        for event in group.adverse_events:
            count = "" if event.count is None else str(event.count)
            out.append(
                _md_row(
                    [
                        _md_text(event.name) + notes.ref(event.source),
                        event.kind.replace("_", " "),
                        count,
                        _md_study(summary.study(event.study_id)),
                    ]
                )
            )
        out.append("")
    return out
