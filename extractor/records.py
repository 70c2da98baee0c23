"""Frozen records: what a cleaned page is (``Document``) and what we extract (``Evidence``).

Every extracted value keeps its provenance: the exact ``text``, its ``start``/``end`` character
offsets into ``Document.abstract`` (so ``abstract[start:end] == text``) and the ``source``
(rule or model name) that produced it. ``Evidence.to_dict()`` is the ``--json`` form.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, TypeVar

# Each field's metadata says what it holds; extractor.schema derives the database columns,
# Datasette's column help and the CSV columns from it (see ``about``).

#: Arm roles; every role but ``intervention`` is a control arm.
ARM_ROLES = ("intervention", "comparator", "placebo", "usual_care")
CONTROL_ROLES = frozenset(ARM_ROLES[1:])


def about(
    description: str, *, column: str | None = None, store: bool = True, csv: bool = True
) -> dict[str, Any]:
    """Field metadata: the ``description`` shown as column help, and where the field goes.

    Args:
        description: one sentence for Datasette's column help and the docs.
        column: the column name when it differs from the field name.
        store: ``False``: no column anywhere (tables, views, CSV); the field lives in the
            record JSON (``evidence.record``) and, for a list of records, in a table of its own.
        csv: ``False`` keeps a stored field out of the CSV export.
    """
    meta: dict[str, Any] = {"description": description, "store": store, "csv": csv}
    if column is not None:
        meta["column"] = column
    return meta


_START = "Character offset where the text starts in the abstract."
_END = "Character offset where the text ends in the abstract (exclusive)."
_ROLE = (
    "intervention, or a control arm: comparator (active control), placebo (placebo, sham, "
    "vehicle) or usual_care (usual or standard care, no treatment, waiting list)."
)
_JSON_ONLY = "kept in the record JSON only"

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
    "CHEMICAL",
    "DISEASE",
)


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled part of a structured abstract (``BACKGROUND``, ``METHODS`` ...).

    ``start``/``end`` cover the section's body in ``Document.abstract`` (after its heading).
    """

    label: str = field(metadata=about("Section label (BACKGROUND, METHODS, RESULTS …)."))
    start: int = field(metadata=about("Offset where the section's body starts."))
    end: int = field(metadata=about("Offset where the section's body ends (exclusive)."))


@dataclass(frozen=True, slots=True)
class MeshTerm:
    """A MeSH heading: descriptor, whether it is a major topic, and its qualifiers."""

    term: str = field(metadata=about("MeSH descriptor."))
    major: bool = field(default=False, metadata=about("Whether it is a major topic."))
    qualifiers: tuple[str, ...] = field(default=(), metadata=about("MeSH qualifiers."))


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
        cleaning: the cleaning strategy that found the abstract (``site-selectors``,
            ``containers``, ``meta-description``, ``text`` ...; see the field's description).
        pmcid, date, mesh_terms, keywords: bibliographic extras when the source has them
            (``date`` as ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).
    """

    title: str = field(metadata=about("Title of the study."))
    abstract: str = field(
        metadata=about(
            "The abstract text; every character offset in the database indexes into it.",
            csv=False,
        )
    )
    sections: tuple[Section, ...] = field(
        default=(),
        metadata=about(
            "JSON list of labelled sections ({label, start, end}) of a structured abstract.",
            csv=False,
        ),
    )
    pmid: str | None = field(default=None, metadata=about("PubMed id."))
    doi: str | None = field(default=None, metadata=about("Digital Object Identifier."))
    journal: str | None = field(default=None, metadata=about("Journal name."))
    year: int | None = field(default=None, metadata=about("Publication year."))
    authors: tuple[str, ...] = field(
        default=(), metadata=about("JSON list of author names.", csv=False)
    )
    publication_types: tuple[str, ...] = field(
        default=(),
        metadata=about("JSON list of publication types (e.g. Clinical Trial).", csv=False),
    )
    source: str = field(
        default="",
        metadata=about("Input path or URL the document was first read from.", csv=False),
    )
    kind: str = field(
        default="text",
        metadata=about(
            "Input format: text, html, pubmed-xml, medline, pmc-jats, abst, ris …", csv=False
        ),
    )
    site: str | None = field(
        default=None,
        metadata=about(
            "Site profile used to clean a web page (pubmed, generic …), if any.", csv=False
        ),
    )
    pmcid: str | None = field(default=None, metadata=about("PubMed Central id (PMC…)."))
    date: str | None = field(
        default=None,
        metadata=about("Publication date: YYYY, YYYY-MM or YYYY-MM-DD.", csv=False),
    )
    mesh_terms: tuple[MeshTerm, ...] = field(
        default=(),
        metadata=about("JSON list of MeSH headings ({term, major, qualifiers}).", csv=False),
    )
    keywords: tuple[str, ...] = field(
        default=(), metadata=about("JSON list of author keywords.", csv=False)
    )
    cleaning: str | None = field(
        default=None,
        metadata=about(
            "How the cleaner found the abstract: site-selectors or site-meta (the site "
            "profile's), containers, anchor, heading, meta-abstract, meta-description (the "
            "generic fallbacks, in that order) for a page; text for plain text; empty for "
            "structured records (PubMed XML, exports).",
            csv=False,
        ),
    )

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
        """The JSON form: plain dicts and lists (see :func:`plain`)."""
        data: dict[str, Any] = plain(self)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from its ``to_dict()`` form (see :func:`from_plain`)."""
        return from_plain(cls, data)


@dataclass(frozen=True, slots=True)
class Span:
    """One extracted span with its provenance."""

    label: str = field(metadata=about(", ".join(SPAN_LABELS[:-1]) + " or " + SPAN_LABELS[-1] + "."))
    text: str = field(metadata=about("The span's exact text."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))
    source: str = field(metadata=about("Pipeline component or rule that produced the span."))
    section: str | None = field(
        default=None, metadata=about("Abstract section holding the span (METHODS, RESULTS …).")
    )
    confidence: float | None = field(
        default=None, metadata=about(f"Model confidence, when known ({_JSON_ONLY}).", store=False)
    )


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose expression, e.g. ``400 mg/kg monthly`` (amount 400, unit mg, per kg).

    ``phase`` is ``loading``, ``maintenance``, ``single``, ``titration`` or ``None``.
    """

    amount: float | None = field(metadata=about("Dose amount (the lower bound of a range)."))
    unit: str | None = field(metadata=about("Unit of the amount (mg, ug, g, mL, [IU] …)."))
    text: str = field(metadata=about("The dose's exact text."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))
    amount_max: float | None = field(default=None, metadata=about("Upper bound of a dose range."))
    per: str | None = field(
        default=None, metadata=about("Denominator of the unit (kg in mg/kg, day in mg/day).")
    )
    multiplier: int | None = field(
        default=None, metadata=about("Number of doses given (×2), when stated.")
    )
    frequency: str | None = field(
        default=None, metadata=about("How often (daily, twice daily, monthly …).")
    )
    duration: str | None = field(default=None, metadata=about("How long (for 12 weeks …)."))
    route: str | None = field(
        default=None, metadata=about("Route (oral, intravenous, subcutaneous …).")
    )
    phase: str | None = field(
        default=None, metadata=about("loading, maintenance, single or titration.")
    )
    source: str = field(
        default="rules",
        metadata=about(f"Rule or model that found the dose ({_JSON_ONLY}).", store=False),
    )

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

    name: str = field(metadata=about("Arm name as written (often an abbreviation)."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))
    long_form: str | None = field(
        default=None,
        metadata=about("Expansion of an abbreviated name (IVIg → intravenous immunoglobulin)."),
    )
    role: str = field(default="intervention", metadata=about(_ROLE))
    doses: tuple[Dose, ...] = field(
        default=(), metadata=about("The arm's doses (table doses).", store=False)
    )
    n: int | None = field(default=None, metadata=about("Participants in the arm, when stated."))
    source: str = field(
        default="rules",
        metadata=about(f"Rule or model that found the arm ({_JSON_ONLY}).", store=False),
    )


@dataclass(frozen=True, slots=True)
class Result:
    """A numeric result: ``5 patients (>75%)`` → count 5, threshold ``>75%``, percent None.

    Continuous results fill ``mean``/``median`` with ``sd`` or ``iqr``; comparative results
    fill ``effect`` (OR, RR, HR, MD, SMD ...) with ``effect_value``, ``ci_low``/``ci_high``
    and ``p_value``. ``arm`` names the arm the figure belongs to, ``time_point`` when it was
    measured.
    """

    text: str = field(metadata=about("The result's exact text."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))
    count: int | None = field(
        default=None, metadata=about("Number of participants with the outcome.")
    )
    denominator: int | None = field(
        default=None, metadata=about("Number of participants the count is out of.")
    )
    percent: float | None = field(default=None, metadata=about("Percentage reported."))
    threshold: str | None = field(
        default=None, metadata=about("Threshold the result is stated against (≥50% …).")
    )
    source: str = field(
        default="rules",
        metadata=about(f"Rule or model that found the result ({_JSON_ONLY}).", store=False),
    )
    mean: float | None = field(default=None, metadata=about("Mean value."))
    median: float | None = field(default=None, metadata=about("Median value."))
    sd: float | None = field(default=None, metadata=about("Standard deviation."))
    iqr: str | None = field(default=None, metadata=about("Interquartile range as written."))
    effect: str | None = field(
        default=None, metadata=about("Effect measure (OR, RR, HR, MD, SMD …).")
    )
    effect_value: float | None = field(default=None, metadata=about("Value of the effect measure."))
    ci_low: float | None = field(
        default=None, metadata=about("Lower bound of the confidence interval.")
    )
    ci_high: float | None = field(
        default=None, metadata=about("Upper bound of the confidence interval.")
    )
    p_value: str | None = field(default=None, metadata=about("P value as written (e.g. <0.001)."))
    arm: str | None = field(default=None, metadata=about("Arm the figure belongs to."))
    time_point: str | None = field(
        default=None, metadata=about("When the result was measured (at 12 weeks …).")
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome with the numeric results reported for it."""

    name: str = field(metadata=about("Outcome name.", column="outcome"))
    results: tuple[Result, ...] = field(
        default=(), metadata=about("The outcome's results, one row each.", store=False)
    )
    start: int | None = field(
        default=None,
        metadata=about("Where the outcome is named (a row without results).", store=False),
    )
    end: int | None = field(
        default=None, metadata=about("Where the outcome's name ends.", store=False)
    )
    direction: str | None = field(
        default=None,
        metadata=about("increased, decreased or no difference (intervention vs control)."),
    )
    direction_text: str | None = field(
        default=None, metadata=about("The sentence that states the direction.")
    )
    direction_start: int | None = field(
        default=None,
        metadata=about(f"Where that sentence starts ({_JSON_ONLY}).", store=False),
    )
    direction_end: int | None = field(
        default=None,
        metadata=about(f"Where that sentence ends ({_JSON_ONLY}).", store=False),
    )


#: Directions a comparison can state (intervention relative to comparator).
COMPARISON_DIRECTIONS = ("increased", "decreased", "no_difference")


@dataclass(frozen=True, slots=True)
class Effect:
    """A comparative effect estimate: ``HR 0.58 (95% CI 0.34 to 0.97)``."""

    measure: str = field(
        metadata=about(
            "Effect measure (OR, RR, HR, MD, SMD …), when an estimate is given.", column="effect"
        )
    )
    value: float | None = field(
        default=None, metadata=about("Point estimate of the effect.", column="effect_value")
    )
    ci_low: float | None = field(
        default=None, metadata=about("Lower bound of the effect's confidence interval.")
    )
    ci_high: float | None = field(
        default=None, metadata=about("Upper bound of the effect's confidence interval.")
    )

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

    text: str = field(metadata=about("The evidence sentence that states the comparison."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))


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

    intervention: str = field(
        metadata=about("Arm the direction is stated for (an arms.name of the study).")
    )
    comparator: str = field(metadata=about("Arm it is compared with (an arms.name of the study)."))
    outcome: str = field(metadata=about("Outcome compared."))
    direction: str | None = field(
        metadata=about(
            "increased, decreased or no_difference: the outcome with the intervention "
            "relative to the comparator; empty when the sentence states none."
        )
    )
    evidence: Quote = field(metadata=about("The evidence sentence (flattened: text, start, end)."))
    results: tuple[Result, ...] = field(
        default=(),
        metadata=about(
            "JSON list of the per-arm results of the sentence ({text, start, end, arm, count, "
            "denominator, percent, mean …})."
        ),
    )
    p_value: str | None = field(
        default=None, metadata=about("P value as written (P=0.045, P<0.001 …).")
    )
    effect: Effect | None = field(
        default=None, metadata=about("The effect estimate (flattened: effect, effect_value …).")
    )
    confidence: float | None = field(
        default=None,
        metadata=about("Confidence of the extractor in the comparison (0–1), if known."),
    )
    source: str = field(
        default="rules", metadata=about("Rule or model that produced the comparison.")
    )


@dataclass(frozen=True, slots=True)
class SampleSize:
    """One stated sample size: ``kind`` is randomised, enrolled, analysed, total or arm."""

    n: int = field(metadata=about("The number stated."))
    kind: str = field(metadata=about("randomised, enrolled, analysed, total or arm."))
    text: str = field(metadata=about("The sample size's exact text."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))


@dataclass(frozen=True, slots=True)
class Population:
    """Who was studied. ``n`` prefers the randomised total; ``sample_sizes`` keeps them all."""

    description: str | None = field(
        default=None, metadata=about("Description of the people studied.", column="population")
    )
    condition: str | None = field(
        default=None, metadata=about("Disease or condition of the population.")
    )
    n: int | None = field(
        default=None, metadata=about("Sample size (the randomised total when stated).")
    )
    start: int | None = field(
        default=None,
        metadata=about(f"Where the description starts ({_JSON_ONLY}).", store=False),
    )
    end: int | None = field(
        default=None,
        metadata=about(f"Where the description ends ({_JSON_ONLY}).", store=False),
    )
    sample_sizes: tuple[SampleSize, ...] = field(
        default=(),
        metadata=about(f"Every stated sample size ({_JSON_ONLY}).", store=False),
    )


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """An adverse event or withdrawal, with the sentence part that states it."""

    text: str = field(metadata=about("The sentence part that states it."))
    start: int = field(metadata=about(_START))
    end: int = field(metadata=about(_END))
    name: str | None = field(default=None, metadata=about("Name of the event."))
    count: int | None = field(
        default=None, metadata=about("Number of participants affected, when stated.")
    )
    kind: str = field(default="adverse_event", metadata=about("adverse_event or withdrawal."))


@dataclass(frozen=True, slots=True)
class Evidence:
    """The structured evidence extracted from one Document."""

    id: str = field(metadata=about("Record id of the study (documents.id)."))
    document: Document = field(metadata=about("The document (table documents).", store=False))
    population: Population = field(
        default_factory=Population,
        metadata=about("Who was studied (flattened: population, condition, n)."),
    )
    interventions: tuple[Intervention, ...] = field(
        default=(), metadata=about("Arms (tables arms and doses).", store=False)
    )
    outcomes: tuple[Outcome, ...] = field(
        default=(), metadata=about("Outcomes and results (table outcomes).", store=False)
    )
    adverse_events: tuple[AdverseEvent, ...] = field(
        default=(), metadata=about("Adverse events (table adverse_events).", store=False)
    )
    comparisons: tuple[Comparison, ...] = field(
        default=(), metadata=about("Comparisons (table comparisons).", store=False)
    )
    design: str | None = field(
        default=None,
        metadata=about("Study design, e.g. randomized controlled trial (double-blind)."),
    )
    conclusion: str | None = field(default=None, metadata=about("The authors' conclusion."))
    summary: str = field(default="", metadata=about("One-sentence summary of the record."))
    spans: tuple[Span, ...] = field(
        default=(), metadata=about("Labelled spans (table spans).", store=False)
    )
    pipeline: str = field(
        default="", metadata=about("Name and version of the pipeline that extracted the record.")
    )

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form: plain dicts and lists, keys as documented in the README."""
        data: dict[str, Any] = plain(self)
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Rebuild a record from its ``to_dict()`` form (as stored in the database).

        Driven by the field declarations (:func:`from_plain`): a field added to any record
        class is read back without an edit here; keys this version does not know are ignored.
        """
        return from_plain(cls, data)


T = TypeVar("T")


def from_plain(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the record class ``cls`` from its JSON form ``data``.

    Lists become tuples and nested dicts the dataclass their field declares. A field that is
    missing, or ``None`` where its type does not allow ``None``, gets its default (``""``
    for a string field without one, as for a document without a title).
    """
    record_class: Any = cls
    hints = _hints(record_class)
    values: dict[str, Any] = {}
    for f in fields(record_class):
        hint = hints[f.name]
        value = data.get(f.name)
        if value is None and not _allows_none(hint):
            if f.default is MISSING and f.default_factory is MISSING:
                values[f.name] = ""  # a required string (title, abstract) left empty
            continue
        values[f.name] = _from_json(hint, value)
    return cls(**values)


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _allows_none(hint: Any) -> bool:
    return type(None) in typing.get_args(hint)


def _from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if _allows_none(hint):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_from_json(item, v) for v in value)
    if is_dataclass(hint) and isinstance(hint, type):
        return from_plain(hint, value)
    return value


def _fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def plain(value: Any) -> Any:
    """A record as plain JSON data: dataclasses as dicts (fields in declaration order), tuples
    and lists as lists, recursively. What ``dataclasses.asdict`` gives with lists for tuples,
    without its deep copies (five times faster: every stored record is turned into JSON)."""
    cls: Any = type(value)
    names = _field_names(cls)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@cache
def _field_names(cls: Any) -> tuple[str, ...] | None:
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
