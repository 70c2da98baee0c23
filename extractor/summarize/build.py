"""Building an :class:`~extractor.summarize.model.EvidenceSummary` from stored records.

Grouping by intervention and condition, study references, dose ranges per unit, outcomes,
adverse events, and the :class:`~extractor.summarize.model.Source` of every figure. The rules
are in the docstring of :mod:`extractor.summarize`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from ..assemble import UNNAMED_OUTCOME, format_dose
from ..nlp.direction import split_sentences
from ..records import CONTROL_ROLES, AdverseEvent, Comparison, Dose, Evidence, Intervention
from . import model
from .wording import _num, _round, format_effect, format_result

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


# "RESULTS: " at the start of a sentence, in abstracts whose sections were not labelled.
_HEADING = re.compile(r"[A-Z][A-Z &/]{2,40}:\s+")


def normalize_name(text: str) -> str:
    """Case-folded, whitespace collapsed, outer punctuation stripped: the comparison form."""
    return " ".join(text.split()).strip(" .,;:").casefold()


def build_summary(
    records: Iterable[Evidence], *, query: str = "", focus: Iterable[str] = ()
) -> model.EvidenceSummary:
    """Group records by intervention and condition (see the module docstring for the rules).

    Args:
        records: the studies to summarise (any order; duplicates by id are read once).
        query: the query that selected them, shown in the renderings.
        focus: intervention names the user asked for (``IVIg``, its long form): groups whose
            intervention contains one of them come first.
    """
    wanted = [normalize_name(f) for f in focus if f.strip()]
    unique = {r.id: r for r in records}
    items = [unique[k] for k in sorted(unique)]
    names = _ArmNames(items)
    members: dict[tuple[str, str], list[tuple[Evidence, list[Intervention]]]] = {}
    cond_spellings: dict[str, Counter[str]] = {}
    ungrouped: list[str] = []
    for record in items:
        arms: dict[str, list[Intervention]] = {}
        for arm in record.interventions:
            if arm.role not in CONTROL_ROLES and names.key(arm):
                arms.setdefault(names.key(arm), []).append(arm)
        if not arms:
            ungrouped.append(record.id)
            continue
        condition = record.population.condition or model.UNSPECIFIED_CONDITION
        cond_key = normalize_name(condition) or model.UNSPECIFIED_CONDITION
        cond_spellings.setdefault(cond_key, Counter())[condition] += 1
        for key, same in arms.items():
            members.setdefault((key, cond_key), []).append((record, same))
    groups = [
        _group(key, _most_common(cond_spellings[cond_key]), studies, names)
        for (key, cond_key), studies in members.items()
    ]
    groups.sort(
        key=lambda g: (
            not any(w in g.intervention or w in normalize_name(g.display_name) for w in wanted),
            -g.n_studies,
            -g.total_participants,
            g.intervention,
            normalize_name(g.condition),
        )
    )
    cited = {s.id: s for g in groups for s in g.studies}
    return model.EvidenceSummary(
        query=query,
        groups=tuple(groups),
        n_records=len(items),
        studies=tuple(sorted(cited.values(), key=_study_order)),
        ungrouped=tuple(ungrouped),
    )


class _ArmNames:
    """Keys and display names of arms (interventions and comparators) across all records.

    An arm is keyed by its long form when it has one, else by the long form other records give
    its name as an abbreviation (when they all give the same one), else by its own name. The
    display name is the most common spelling of the long form, with the most common
    abbreviation in brackets: ``intravenous immunoglobulin (IVIg)``.
    """

    def __init__(self, records: list[Evidence]) -> None:
        seen: dict[str, set[str]] = {}
        for arm in (a for r in records for a in r.interventions if a.long_form):
            short, long = normalize_name(arm.name), normalize_name(arm.long_form or "")
            if short != long:
                seen.setdefault(short, set()).add(long)
        self.aliases = {short: next(iter(v)) for short, v in seen.items() if len(v) == 1}
        self.longs: dict[str, Counter[str]] = {}
        self.shorts: dict[str, Counter[str]] = {}
        for arm in (a for r in records for a in r.interventions):
            key = self.key(arm)
            long = arm.long_form or arm.name
            if key and normalize_name(long) == key:
                self.longs.setdefault(key, Counter())[" ".join(long.split())] += 1
            if key and normalize_name(arm.name) != key:
                self.shorts.setdefault(key, Counter())[" ".join(arm.name.split())] += 1

    def key(self, arm: Intervention) -> str:
        """The grouping key of an arm ("" for an arm without a usable name)."""
        if arm.long_form and normalize_name(arm.long_form):
            return normalize_name(arm.long_form)
        name = normalize_name(arm.name)
        return self.aliases.get(name, name)

    def key_of(self, record: Evidence, name: str) -> str:
        """The grouping key of the arm ``name`` of ``record`` (a comparison's arm name)."""
        wanted = normalize_name(name)
        for arm in record.interventions:
            if wanted in (normalize_name(arm.name), normalize_name(arm.long_form or "")):
                return self.key(arm)
        return self.aliases.get(wanted, wanted)

    def display(self, key: str) -> str:
        """``intravenous immunoglobulin (IVIg)``; the key itself when nothing better is known."""
        name = _most_common(self.longs[key]) if key in self.longs else key
        return f"{name} ({_most_common(self.shorts[key])})" if key in self.shorts else name


def _most_common(counter: Counter[str]) -> str:
    """The most frequent spelling. Ties prefer a form not capitalised only because it began a
    sentence ("liraglutide" over "Liraglutide", but "IVIg" stays), then the alphabetical first."""
    return min(counter.items(), key=lambda kv: (-kv[1], _sentence_case(kv[0]), kv[0]))[0]


def _sentence_case(text: str) -> bool:
    return text[:1].isupper() and not text[1:2].isupper() and text[1:] == text[1:].lower()


def _study_order(study: model.StudyRef) -> tuple[int, str]:
    return (-(study.year or 0), study.id)


def _group(
    key: str,
    condition: str,
    members: list[tuple[Evidence, list[Intervention]]],
    names: _ArmNames,
) -> model.GroupSummary:
    refs = {record.id: _study_ref(record) for record, _ in members}
    members = sorted(members, key=lambda m: _study_order(refs[m[0].id]))
    studies = tuple(refs[record.id] for record, _ in members)
    designs = Counter(_base_design(s.design) for s in studies)
    comparators = Counter(
        key
        for record, _ in members
        for key in {names.key(a) for a in record.interventions if a.role in CONTROL_ROLES}
        if key
    )
    comparator_counts = sorted(
        ((names.display(k), c) for k, c in comparators.items()),
        key=lambda kv: (-kv[1], kv[0].casefold()),
    )
    return model.GroupSummary(
        intervention=key,
        display_name=names.display(key),
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
        comparisons=_comparisons(key, [record for record, _ in members], names),
    )


def _base_design(design: str | None) -> str:
    """``randomized controlled trial (double-blind)`` → ``randomized controlled trial``."""
    return design.split(" (")[0] if design else model.NOT_STATED


def _study_ref(record: Evidence) -> model.StudyRef:
    doc, pop = record.document, record.population
    n_source = None
    if pop.n is not None:
        size = next((s for s in pop.sample_sizes if s.n == pop.n), None)
        if size is not None:
            n_source = source_of(record, size.start, size.end)
        elif pop.start is not None and pop.end is not None:
            n_source = source_of(record, pop.start, pop.end)
    return model.StudyRef(
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


def source_of(record: Evidence, start: int, end: int) -> model.Source:
    """The :class:`Source` of ``abstract[start:end]``: the figure and the sentence(s) around it."""
    abstract = record.document.abstract
    bounds = [(s, e) for s, e in _sentences(abstract) if s < max(end, start + 1) and e > start]
    # The figure always lies inside its "sentence", even when it starts between two sentences.
    s_start = min([start, *(s for s, _ in bounds)])
    s_end = max([end, *(e for _, e in bounds)])
    # A section heading is not part of the sentence ("METHODS: Twelve patients ...").
    section = next((x for x in record.document.sections if x.start <= start < x.end), None)
    if section is not None and s_start < section.start <= start:
        s_start = section.start
    elif heading := _HEADING.match(abstract, s_start, start):
        s_start = heading.end()
    return model.Source(
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


def _dose_ranges(doses: list[tuple[Evidence, Dose]]) -> tuple[model.DoseRange, ...]:
    by_unit: dict[str, list[tuple[float, float, str, str, Dose, model.Source]]] = {}
    for record, dose in doses:
        if dose.amount is None:
            continue
        unit, scale = _UNIT_SCALE.get((dose.unit or "").casefold(), (dose.unit or "", 1.0))
        per = f"/{dose.per}" if dose.per else ""
        written = f"{dose.unit or ''}{per}"
        # A range written high to low ("105 to 95 mL") still spans low to high.
        low, high = sorted(
            (dose.amount, dose.amount if dose.amount_max is None else dose.amount_max)
        )
        by_unit.setdefault(f"{unit}{per}", []).append(
            (
                low * scale,
                high * scale,
                f"{_num(low)} {written}".strip(),
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
            model.DoseRange(
                unit=unit,
                low=_round(rows[0][0]),
                high=_round(top[1]),
                low_text=rows[0][2],
                high_text=top[3],
                low_source=rows[0][5],
                high_source=top[5],
                frequencies=tuple(sorted({r[4].frequency for r in rows if r[4].frequency})),
                routes=tuple(sorted({r[4].route for r in rows if r[4].route})),
                doses=tuple((format_dose(r[4]), r[5]) for r in rows),
            )
        )
    return tuple(ranges)


def _outcomes(records: list[Evidence]) -> tuple[model.OutcomeSummary, ...]:
    by_name: dict[str, list[model.OutcomeFinding]] = {}
    spellings: dict[str, Counter[str]] = {}
    for record in records:
        for outcome in record.outcomes:
            items = tuple(
                model.ResultItem(format_result(r), source_of(record, r.start, r.end))
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
                model.OutcomeFinding(
                    record.id, outcome.name, items, outcome.direction, direction_source
                )
            )
    out = [model.OutcomeSummary(_most_common(spellings[k]), tuple(v)) for k, v in by_name.items()]
    out.sort(key=lambda o: (o.name == UNNAMED_OUTCOME, -len(o.findings), o.name.casefold()))
    return tuple(out)


# A comparison's direction in the summary's words, and read the other way round.
_DIRECTION = {"increased": "increased", "decreased": "decreased", "no_difference": "no difference"}
_REVERSED = {"increased": "decreased", "decreased": "increased"}


def _comparisons(
    key: str, records: list[Evidence], names: _ArmNames
) -> tuple[model.ComparisonSummary, ...]:
    """The comparisons of intervention ``key`` in ``records``, per outcome.

    A comparison counts when the group's intervention is one of its two arms; when it is the
    comparator, the direction is reversed so that every item reads for the group's arm. Other
    comparisons of a multi-arm study (two other arms) are left out.
    """
    by_name: dict[str, list[model.ComparisonItem]] = {}
    spellings: dict[str, Counter[str]] = {}
    for record in records:
        for c in sorted(record.comparisons, key=lambda c: c.evidence.start):
            item = _comparison(key, record, c, names)
            if item is None:
                continue
            name = normalize_name(c.outcome)
            spellings.setdefault(name, Counter())[" ".join(c.outcome.split())] += 1
            by_name.setdefault(name, []).append(item)
    out = [
        model.ComparisonSummary(_most_common(spellings[k]), tuple(v)) for k, v in by_name.items()
    ]
    out.sort(key=lambda o: (-len(o.items), o.name.casefold()))
    return tuple(out)


def _comparison(
    key: str, record: Evidence, c: Comparison, names: _ArmNames
) -> model.ComparisonItem | None:
    if names.key_of(record, c.intervention) == key:
        ours, versus, flipped = c.intervention, c.comparator, False
    elif names.key_of(record, c.comparator) == key:
        ours, versus, flipped = c.comparator, c.intervention, True
    else:
        return None
    direction = _DIRECTION.get(c.direction or "", c.direction)
    if flipped and direction:
        direction = _REVERSED.get(direction, direction)
    return model.ComparisonItem(
        study_id=record.id,
        intervention=ours,
        versus=versus,
        direction=direction,
        reversed=flipped,
        arms=tuple(
            model.ResultItem(format_result(r), source_of(record, r.start, r.end)) for r in c.results
        ),
        p_value=" ".join(c.p_value.split()) if c.p_value else None,
        effect=format_effect(c.effect) or None,
        source=source_of(record, c.evidence.start, c.evidence.end),
    )


def _event(record: Evidence, event: AdverseEvent) -> model.EventItem:
    return model.EventItem(
        name=event.name or event.text,
        kind=event.kind,
        count=event.count,
        study_id=record.id,
        source=source_of(record, event.start, event.end),
    )
