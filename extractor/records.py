"""Frozen records: what a cleaned page is (``Document``) and what we extract (``Evidence``).

Every extracted value keeps its provenance: the exact ``text``, its ``start``/``end`` character
offsets into ``Document.abstract`` (so ``abstract[start:end] == text``) and the ``source``
(rule or model name) that produced it. ``Evidence.to_dict()`` is the ``--json`` form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

#: Arm roles; every role but ``intervention`` is a control arm.
ARM_ROLES = ("intervention", "comparator", "placebo", "usual_care")
CONTROL_ROLES = frozenset(ARM_ROLES[1:])

SPAN_LABELS = (
    "POPULATION",
    "CONDITION",
    "SAMPLE_SIZE",
    "INTERVENTION",
    "COMPARATOR",
    "DOSE",
    "OUTCOME",
    "RESULT",
    "ADVERSE_EVENT",
)


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled part of a structured abstract (``BACKGROUND``, ``METHODS`` ...).

    ``start``/``end`` cover the section's body in ``Document.abstract`` (after its heading).
    """

    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MeshTerm:
    """A MeSH heading: descriptor, whether it is a major topic, and its qualifiers."""

    term: str
    major: bool = False
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned abstract and the metadata found beside it.

    Attributes:
        title: article title ("" when unknown).
        abstract: the abstract text; all offsets in a record index into it.
        sections: labelled sections, in order, when the abstract is structured.
        pmid, doi, journal, year, authors, publication_types: metadata when present.
        source: the input path or URL as the user gave it.
        kind: how the input was read: ``html``, ``text`` (and later ``pubmed-xml``, ``ris`` ...).
        site: the site profile used to clean a page (``pubmed``, ``generic`` ...), if any.
        pmcid, date, mesh_terms, keywords: bibliographic extras when the source has them
            (``date`` as ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).
    """

    title: str
    abstract: str
    sections: tuple[Section, ...] = ()
    pmid: str | None = None
    doi: str | None = None
    journal: str | None = None
    year: int | None = None
    authors: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    source: str = ""
    kind: str = "text"
    site: str | None = None
    pmcid: str | None = None
    date: str | None = None
    mesh_terms: tuple[MeshTerm, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """A stable hash of title + abstract, whitespace-normalised and case-folded."""
        norm = " ".join(f"{self.title}\n{self.abstract}".split()).casefold()
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]

    @property
    def record_id(self) -> str:
        """Stable id used as primary key: ``pmid:…``, ``doi:…``, ``pmc:PMC…``, else ``sha:…``."""
        if self.pmid:
            return f"pmid:{self.pmid}"
        if self.doi:
            return f"doi:{self.doi.lower()}"
        if self.pmcid:
            digits = self.pmcid.upper().removeprefix("PMC")
            return f"pmc:PMC{digits}"
        return f"sha:{self.content_hash}"

    def section_at(self, offset: int) -> str | None:
        """The label of the section holding character ``offset``, if any."""
        for sec in self.sections:
            if sec.start <= offset < sec.end:
                return sec.label
        return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sections"] = [asdict(s) for s in self.sections]
        data["authors"] = list(self.authors)
        data["publication_types"] = list(self.publication_types)
        data["mesh_terms"] = [
            {"term": m.term, "major": m.major, "qualifiers": list(m.qualifiers)}
            for m in self.mesh_terms
        ]
        data["keywords"] = list(self.keywords)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            title=data.get("title") or "",
            abstract=data.get("abstract") or "",
            sections=tuple(Section(**s) for s in data.get("sections") or ()),
            pmid=data.get("pmid"),
            doi=data.get("doi"),
            journal=data.get("journal"),
            year=data.get("year"),
            authors=tuple(data.get("authors") or ()),
            publication_types=tuple(data.get("publication_types") or ()),
            source=data.get("source") or "",
            kind=data.get("kind") or "text",
            site=data.get("site"),
            pmcid=data.get("pmcid"),
            date=data.get("date"),
            mesh_terms=tuple(
                MeshTerm(m["term"], bool(m.get("major")), tuple(m.get("qualifiers") or ()))
                for m in data.get("mesh_terms") or ()
            ),
            keywords=tuple(data.get("keywords") or ()),
        )


@dataclass(frozen=True, slots=True)
class Span:
    """One extracted span with its provenance."""

    label: str
    text: str
    start: int
    end: int
    source: str
    section: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose expression, e.g. ``400 mg/kg monthly`` (amount 400, unit mg, per kg).

    ``phase`` is ``loading``, ``maintenance``, ``single``, ``titration`` or ``None``.
    """

    amount: float | None
    unit: str | None
    text: str
    start: int
    end: int
    amount_max: float | None = None
    per: str | None = None
    multiplier: int | None = None
    frequency: str | None = None
    duration: str | None = None
    route: str | None = None
    phase: str | None = None
    source: str = "rules"

    def describe(self) -> str:
        """``1 g/kg ×2 intravenous (loading)``, ``400 mg/kg monthly (maintenance) until …``."""
        amount = _fmt_number(self.amount)
        if self.amount_max is not None:
            amount += f"–{_fmt_number(self.amount_max)}"
        out = f"{amount} {self.unit or ''}".strip()
        if self.per:
            out += f"/{self.per}"
        if self.multiplier:
            out += f" ×{self.multiplier}"
        daily_unit = bool(self.per and self.per.endswith("day"))
        if self.frequency and not (daily_unit and self.frequency == "daily"):
            out += f" {self.frequency}"
        if self.route:
            out += f" {self.route}"
        if self.phase:
            out += f" ({self.phase})"
        if self.duration:
            out += f" {self.duration}"
        return out or self.text


@dataclass(frozen=True, slots=True)
class Intervention:
    """An intervention or comparator arm with its doses.

    ``role`` is ``intervention``, ``comparator`` (an active control), ``placebo`` (placebo,
    sham, vehicle) or ``usual_care`` (usual/standard care, no treatment, waiting list); every
    role but ``intervention`` is a control arm. ``long_form`` is the expansion of an
    abbreviation (IVIg → intravenous immunoglobulin).
    """

    name: str
    start: int
    end: int
    long_form: str | None = None
    role: str = "intervention"
    doses: tuple[Dose, ...] = ()
    n: int | None = None
    source: str = "rules"


@dataclass(frozen=True, slots=True)
class Result:
    """A numeric result: ``5 patients (>75%)`` → count 5, threshold ``>75%``, percent None.

    Continuous results fill ``mean``/``median`` with ``sd`` or ``iqr``; comparative results
    fill ``effect`` (OR, RR, HR, MD, SMD ...) with ``effect_value``, ``ci_low``/``ci_high``
    and ``p_value``. ``arm`` names the arm the figure belongs to, ``time_point`` when it was
    measured.
    """

    text: str
    start: int
    end: int
    count: int | None = None
    denominator: int | None = None
    percent: float | None = None
    threshold: str | None = None
    source: str = "rules"
    mean: float | None = None
    median: float | None = None
    sd: float | None = None
    iqr: str | None = None
    effect: str | None = None
    effect_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: str | None = None
    arm: str | None = None
    time_point: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome with the numeric results reported for it."""

    name: str
    results: tuple[Result, ...] = ()
    start: int | None = None
    end: int | None = None
    direction: str | None = None  # increased / decreased / no difference (intervention vs control)
    direction_text: str | None = None  # the sentence that states it
    direction_start: int | None = None
    direction_end: int | None = None


#: Directions a comparison can state (intervention relative to comparator).
COMPARISON_DIRECTIONS = ("increased", "decreased", "no_difference")


@dataclass(frozen=True, slots=True)
class Effect:
    """A comparative effect estimate: ``HR 0.58 (95% CI 0.34 to 0.97)``."""

    measure: str
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    def describe(self, number: Callable[[float | None], str] | None = None) -> str:
        """``OR 8.1 (CI 1.6–41)``; ``number`` formats the figures (default: as written)."""
        fmt = number or _fmt_number
        text = f"{self.measure} {fmt(self.value)}".rstrip()
        if self.ci_low is not None and self.ci_high is not None:
            text += f" (CI {fmt(self.ci_low)}–{fmt(self.ci_high)})"
        return text


@dataclass(frozen=True, slots=True)
class Quote:
    """A stretch of ``Document.abstract``: ``abstract[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """One reported comparison: ``outcome`` for ``intervention`` vs ``comparator``.

    ``direction`` is ``increased`` / ``decreased`` / ``no_difference`` (the outcome with the
    intervention relative to the comparator) or ``None`` when the sentence states none.
    ``results`` are the per-arm figures of the evidence sentence (``Result.arm`` names the
    arm), ``p_value`` the p value as written, ``effect`` the effect estimate when one is given;
    ``evidence`` is the sentence that states it. ``intervention``/``comparator`` are arm names
    as in ``Evidence.interventions``.
    """

    intervention: str
    comparator: str
    outcome: str
    direction: str | None
    evidence: Quote
    results: tuple[Result, ...] = ()
    p_value: str | None = None
    effect: Effect | None = None
    confidence: float | None = None
    source: str = "rules"


@dataclass(frozen=True, slots=True)
class SampleSize:
    """One stated sample size: ``kind`` is randomised, enrolled, analysed, total or arm."""

    n: int
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Population:
    """Who was studied. ``n`` prefers the randomised total; ``sample_sizes`` keeps them all."""

    description: str | None = None
    condition: str | None = None
    n: int | None = None
    start: int | None = None
    end: int | None = None
    sample_sizes: tuple[SampleSize, ...] = ()


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """An adverse event or withdrawal, with the sentence part that states it."""

    text: str
    start: int
    end: int
    name: str | None = None
    count: int | None = None
    kind: str = "adverse_event"  # or "withdrawal"


@dataclass(frozen=True, slots=True)
class Evidence:
    """The structured evidence extracted from one Document."""

    id: str
    document: Document
    population: Population = field(default_factory=Population)
    interventions: tuple[Intervention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    design: str | None = None
    conclusion: str | None = None
    summary: str = ""
    spans: tuple[Span, ...] = ()
    pipeline: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: plain dicts and lists, keys as documented in the README."""
        data = asdict(self)
        data["document"] = self.document.to_dict()
        return _lists(data)

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Rebuild a record from its ``to_dict()`` form (as stored in the database)."""

        def doses(items: list[dict[str, Any]]) -> tuple[Dose, ...]:
            return tuple(Dose(**d) for d in items)

        return cls(
            id=data["id"],
            document=Document.from_dict(data["document"]),
            population=_population(data.get("population") or {}),
            interventions=tuple(
                Intervention(**{**i, "doses": doses(i.get("doses") or [])})
                for i in data.get("interventions") or []
            ),
            outcomes=tuple(
                Outcome(**{**o, "results": tuple(Result(**r) for r in o.get("results") or [])})
                for o in data.get("outcomes") or []
            ),
            adverse_events=tuple(AdverseEvent(**a) for a in data.get("adverse_events") or []),
            comparisons=tuple(_comparison(c) for c in data.get("comparisons") or []),
            design=data.get("design"),
            conclusion=data.get("conclusion"),
            summary=data.get("summary") or "",
            spans=tuple(Span(**s) for s in data.get("spans") or []),
            pipeline=data.get("pipeline") or "",
        )


def _comparison(data: dict[str, Any]) -> Comparison:
    effect = data.get("effect")
    return Comparison(
        **{
            **data,
            "evidence": Quote(**data["evidence"]),
            "results": tuple(Result(**r) for r in data.get("results") or []),
            "effect": Effect(**effect) if effect else None,
        }
    )


def _population(data: dict[str, Any]) -> Population:
    sizes = tuple(SampleSize(**x) for x in data.get("sample_sizes") or ())
    return Population(**{**data, "sample_sizes": sizes})


def _fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _lists(value: Any) -> Any:
    """Turn tuples into lists recursively so the JSON form is plain."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value
