"""``evidence_entities``: PICO-style spans by rule, plus adverse events, design and conclusion.

Span labels written to ``doc.spans["evidence"]`` (each span's ``id_`` names the rule):

* ``INTERVENTION`` – title "X for Y" / "Effect of X on ...", "were given X", "received X",
  "treated with X", "X versus Y", abbreviations whose long form looks like a treatment, drug-name
  suffixes (-mab, -statin ...) and treatment head words (immunoglobulin, vaccine ...);
* ``COMPARATOR`` – placebo, usual/standard care, sham ..., and Y in "X versus/compared with Y";
* both, rule ``randomised`` (:meth:`EntityFinder.arm_rules`) – the arms of "randomly assigned to
  A or B", "to receive A plus B or B alone", "442 to A and 443 to B", "we compared A with B"
  and a title "A versus B"; a control-like arm (placebo, sham, usual/standard care, no X,
  observation, "B alone") is the comparator, else with two arms the second one is; these spans
  come before the other rules' so their role wins, and junk pieces are never arms;
* ``CONDITION`` – title "... for Y", "patients with Y", disease-like words (-itis, -osis,
  syndrome, erythematosus ...);
* ``POPULATION`` – the noun phrase around the chosen sample size ("Twelve patients with ...");
* ``OUTCOME`` – measured things ("Disease assessment", "Immunological parameters ...") and the
  outcome words of a count result ("clearing of their skin disease");
* ``ADVERSE_EVENT`` – "One patient developed X", "adverse events included X, Y and Z" (one
  event per item, with "(12%)"/"(n = 3)"), "X occurred in N patients", "N serious adverse
  events", withdrawals ("became pregnant", "withdrew consent", "lost to follow-up", "discontinued
  due to X" → named X).

Doc-level plain data: ``doc._.adverse_events`` (``[{text, start, end, name, count, percent,
kind}]``), ``doc._.design`` (``str | None``: ``"<type>"`` or ``"<type> (<modifier>, ...)"``, e.g.
``"randomized controlled trial (double-blind, placebo-controlled, multicentre, phase III)"``;
types: randomized controlled trial, randomized crossover trial, non-randomized controlled trial,
single-arm trial, cohort study, case-control study, cross-sectional study, case series, case
report, systematic review/meta-analysis, clinical trial (unspecified); modifiers: crossover,
cluster, double-blind, single-blind, placebo-controlled, open-label, multicentre, phase N, pilot,
prospective, retrospective, single-arm (a guess for an unspecified trial with no control); see
``patterns/designs.jsonl``), ``doc._.conclusion`` (``{text, start, end} | None``) and
``doc._.title_entities``. Spans a trained model put in ``doc.spans["evidence"]`` or ``doc.ents``
before this component are all kept (``copy_ents``; model first) and the rules add theirs beside
them; where the two overlap, the record builder names things from the rule's span
(:func:`extractor.nlp.model_spans.naming_spans`: the numbers attach to it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .arm_names import ArmRules
from .common import (
    COUNT,
    SentenceIndex,
    abbreviation_records,
    add_spans,
    alternation,
    doc_text,
    find_phrase,
    load_patterns,
    register_extensions,
    words_of,
)
from .design import DesignRules
from .events import EventRules
from .interventions import InterventionRules
from .model_spans import _ELEMENT as _ELEMENT
from .model_spans import _fragment as _fragment
from .outcomes import OutcomeRules
from .phrases import PhraseRules
from .population import PopulationRules

register_extensions()

PICO_LABELS = ("POPULATION", "INTERVENTION", "COMPARATOR", "OUTCOME", "CONDITION")

_CONCLUSION_START = re.compile(
    r"^\s*(?:In\s+conclusion|To\s+conclude|We\s+conclude|In\s+summary|Taken\s+together|"
    r"(?:These|Our|The)\s+(?:results|findings|data)\s+(?:suggest|indicate|show|demonstrate|support)|"
    r"This\s+study\s+(?:suggests|shows|demonstrates|indicates))",
    re.IGNORECASE,
)
# A heading inside the sentence ("... mutations METHODS: In a case-control study") or a
# self-reference ("In this retrospective cohort study") makes a background cue count.

# --- adverse-event helpers -------------------------------------------------------------------
# Where an event list ends: sentence end, ";", or a clause after the list.


class EntityFinder(
    ArmRules,
    InterventionRules,
    PopulationRules,
    OutcomeRules,
    PhraseRules,
    EventRules,
    DesignRules,
):
    """Rule-based PICO entities, adverse events, study design and conclusion."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        patterns_dir: str | None = None,
        copy_ents: bool = True,
        max_np_words: int = 6,
    ) -> None:
        self.name = name
        self.patterns_dir = Path(patterns_dir) if patterns_dir else None
        self.copy_ents = copy_ents
        self.max_np_words = max_np_words
        self._pending: list[tuple[int, int, str, str]] = []
        self.initialize()

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Load word lists and regexes from ``entities``, ``events`` and ``designs`` files."""
        rows = load_patterns("entities", self.patterns_dir)
        events = load_patterns("events", self.patterns_dir)
        designs = load_patterns("designs", self.patterns_dir)
        pop_alt = self._load_entity_patterns(rows)
        self._load_event_patterns(events, pop_alt)
        self._load_design_patterns(designs)

    def _load_entity_patterns(self, rows: list[dict[str, Any]]) -> str:
        """PICO word lists and trigger regexes; returns the population-noun alternation."""
        flags = re.IGNORECASE
        self.np_stop = {w.lower() for w in words_of(rows, "np_stop")}
        self.treatment_heads = {w.lower() for w in words_of(rows, "treatment_head")}
        self.generic = {w.lower() for w in words_of(rows, "generic_treatment")}
        self.drug_suffixes = tuple(w.lower() for w in words_of(rows, "drug_suffix"))
        self.condition_heads = {w.lower() for w in words_of(rows, "condition_head")}
        self.condition_suffixes = tuple(w.lower() for w in words_of(rows, "condition_suffix"))
        self.condition_exclude = {w.lower() for w in words_of(rows, "condition_exclude")}
        self.condition_drop = {w.lower() for w in words_of(rows, "condition_modifier_drop")}
        pop_alt = alternation(words_of(rows, "population_noun"))
        self.pop_noun = re.compile(rf"\b(?:{pop_alt})\b", flags)
        self.patients_with = re.compile(
            rf"\b(?:{pop_alt})\s+(?:with|suffering\s+from|diagnosed\s+with|having|affected\s+by)\s+",
            flags,
        )
        self.intervention_triggers = re.compile(
            r"\b(?:" + "|".join(words_of(rows, "intervention_trigger")) + r")\s+", flags
        )
        self.comparators = re.compile(
            r"\b(?:" + "|".join(words_of(rows, "comparator")) + r")\b", flags
        )
        self.comparator_trigger = re.compile(
            r"\s+(?:" + "|".join(words_of(rows, "comparator_trigger")) + r")\s+", flags
        )
        self.outcome_triggers = re.compile(
            r"\b(?:" + "|".join(words_of(rows, "outcome_trigger")) + r")\s*", flags
        )
        self.outcome_verbs = re.compile(
            r"\s+(?:" + "|".join(words_of(rows, "outcome_verb")) + r")\b", flags
        )
        self.title_prefixes = [re.compile(rf"^{p}", flags) for p in words_of(rows, "title_prefix")]
        return pop_alt

    def _load_event_patterns(self, events: list[dict[str, Any]], pop_alt: str) -> None:
        """Adverse-event and withdrawal regexes; ``pop_alt`` is the population-noun alternation."""
        flags = re.IGNORECASE
        self.withdrawal = re.compile(
            rf"(?<![\w-])(?P<count>{COUNT})\s+(?:[a-z-]+\s+){{0,2}}?"
            rf"(?:(?:{pop_alt})\s+)?(?:\([^)]{{0,20}}\)\s+)?"
            rf"(?P<what>{'|'.join(words_of(events, 'withdrawal'))})\b",
            flags,
        )
        self.ae_verb = re.compile(
            rf"(?<![\w-])(?P<count>{COUNT})\s+(?:[a-z-]+\s+){{0,2}}?(?:(?:{pop_alt})\s+)?"
            rf"(?:\([^)]{{0,20}}\)\s+)?(?:{'|'.join(words_of(events, 'ae_verb'))})\s+",
            flags,
        )
        self.ae_noun = re.compile(
            rf"\b(?:{'|'.join(words_of(events, 'ae_noun'))})\s*(?:\([^)]{{0,20}}\)\s*)?"
            rf"(?:included|including|such\s+as|were|was|consisted\s+of|comprised|:)\s+",
            flags,
        )
        self.ae_vague = {w.lower() for w in words_of(events, "ae_vague")}
        self.ae_term = re.compile(rf"\b(?:{'|'.join(words_of(events, 'ae_term'))})\b", flags)
        self.ae_occurred = re.compile(
            rf"\s+(?:{'|'.join(words_of(events, 'ae_occurred'))})\s+in\s+(?P<count>{COUNT})\b"
            rf"(?:\s+(?:of\s+(?:the\s+)?(?:{COUNT})\s+)?(?:{pop_alt}))?"
            rf"(?:\s*\((?P<pct>\d+(?:\.\d+)?)\s*%\))?",
            flags,
        )
        serious = "|".join(words_of(events, "serious_ae"))
        self.serious_ae = re.compile(
            rf"(?<![\w-])(?P<count>{COUNT})\s+(?:\([^)]{{0,20}}\)\s+)?(?P<name>{serious})\b"
            rf"|\b(?P<name2>{serious})\s+(?:\([^)]{{0,20}}\)\s+)?(?:were\s+|was\s+)?"
            rf"(?:reported|observed|occurred|seen|noted|recorded)\s+in\s+(?P<count2>{COUNT})\b",
            flags,
        )

    def _load_design_patterns(self, designs: list[dict[str, Any]]) -> None:
        """Study-design types, cues, references and qualifiers."""
        flags = re.IGNORECASE
        self.design_types = {
            str(r["design"]): (float(r["rank"]), str(r["family"]))
            for r in designs
            if r["kind"] == "type"
        }
        self.pubtype_designs = {
            str(r["text"]).lower(): str(r["design"])
            for r in designs
            if r["kind"] == "publication_type" and not r.get("weak")
        }
        self.text_designs = [
            (
                re.compile(str(r["pattern"]), flags | re.MULTILINE),
                float(r.get("rank", self.design_types[str(r["design"])][0])),
                str(r["design"]),
                str(r.get("where", "")),
                bool(r.get("reference", True)),
            )
            for r in designs
            if r["kind"] == "cue"
        ]
        self.design_reference = re.compile(
            "|".join(
                rf"\b(?:{r['pattern']})\b(?:[\s,-]+[\w-]+){{0,{int(r.get('gap', 2))}}}[\s,-]*$"
                for r in designs
                if r["kind"] == "reference"
            ),
            flags,
        )
        self.design_reference_after = re.compile(
            "|".join(str(r["pattern"]) for r in designs if r["kind"] == "reference_after"), flags
        )
        self.nonhuman = re.compile(
            "|".join(str(r["pattern"]) for r in designs if r["kind"] == "nonhuman"), flags
        )
        self.human = re.compile(
            "|".join(str(r["pattern"]) for r in designs if r["kind"] == "human"), flags
        )
        self.qualifiers = [
            (
                re.compile(rf"\b(?:{r['pattern']})\b", flags),
                str(r["qualifier"]),
                tuple(r.get("families") or ()),
            )
            for r in designs
            if r["kind"] == "qualifier"
        ]

    # --- the rules ----------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        index = SentenceIndex(doc)
        self._pending = []
        model_items = (
            [
                (ent.start_char, ent.end_char, ent.label_, ent.id_ or "model")
                for ent in doc.ents
                if ent.label_ in PICO_LABELS
            ]
            if self.copy_ents and doc.has_annotation("ENT_IOB")
            else []
        )
        abbreviations = abbreviation_records(doc)
        long_forms = {a["short"]: a["long"] for a in abbreviations}
        title_entities = self.title_rules(doc, text, long_forms)
        self.arm_rules(doc, text, index)  # before the other rules: its roles win on a tie
        self.intervention_rules(doc, text, index, abbreviations, long_forms)
        self.comparator_rules(doc, text, index, long_forms)
        self.condition_rules(doc, text, long_forms)
        add_spans(doc, self._pending)  # spans the later rules read (CONDITION, COMPARATOR ...)
        self._pending = []
        self.population_rules(doc, text, index)
        self.outcome_rules(doc, text, index)
        doc._.adverse_events = self.adverse_event_rules(doc, text)
        add_spans(doc, self._pending)
        self._pending = []
        add_spans(doc, model_items)  # every model span; the record builder picks names
        doc._.design = self.design(doc, text)
        doc._.conclusion = self.conclusion(doc, text, index)
        doc._.title_entities = title_entities
        return doc

    def _add(self, doc: Doc, start: int, end: int, label: str, rule: str) -> None:
        self._pending.append((start, end, label, f"{self.name}.{rule}"))

    def _find_all(self, text: str, phrase: str) -> list[tuple[int, int]]:
        if not phrase.strip():
            return []
        return find_phrase(text, phrase)

    def conclusion(self, doc: Doc, text: str, index: SentenceIndex) -> dict[str, Any] | None:
        """The CONCLUSIONS section, else the sentences from "In conclusion ..." to the end."""
        for label, start, end in doc._.doc_sections or []:
            if str(label).upper().startswith("CONCLU"):
                return {"text": text[start:end], "start": start, "end": end}
        for i in range(len(index) - 1, max(-1, len(index) - 4), -1):
            start, _end = index.bounds(i)
            if _CONCLUSION_START.match(text[start:]):
                while start < len(text) and text[start].isspace():
                    start += 1
                end = len(text.rstrip())
                return {"text": text[start:end], "start": start, "end": end}
        return None


@Language.factory(
    "evidence_entities",
    # doc._.title/publication_types are the caller's (make_doc); doc.ents is read only when a
    # PICO model set it (copy_ents), so it is not required
    requires=[
        "doc._.doc_sections",
        "doc._.sent_sections",
        "doc._.sample_sizes",
        "doc._.results",
        "doc._.abbreviations",
        "doc._.title",
        "doc._.publication_types",
        "doc.spans",
    ],
    assigns=[
        "doc.spans",
        "doc._.adverse_events",
        "doc._.design",
        "doc._.conclusion",
        "doc._.title_entities",
    ],
    default_config={"patterns_dir": None, "copy_ents": True, "max_np_words": 6},
)
def make_entities(
    nlp: Language, name: str, patterns_dir: str | None, copy_ents: bool, max_np_words: int
) -> EntityFinder:
    """Build the rule-based entity finder (``evidence_entities``).

    Args:
        nlp: the pipeline.
        name: component name.
        patterns_dir: folder with ``entities``/``events``/``designs`` ``.jsonl``; default the
            package's ``patterns/``.
        copy_ents: copy PICO-labelled ``doc.ents`` (from a trained model) into the span group.
        max_np_words: longest noun phrase a rule takes after a trigger.
    """
    return EntityFinder(
        nlp, name, patterns_dir=patterns_dir, copy_ents=copy_ents, max_np_words=max_np_words
    )
