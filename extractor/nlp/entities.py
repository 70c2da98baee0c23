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
before this component are kept (``copy_ents``) and rules only add to them.
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
from .sample_size import pick_total

register_extensions()

PICO_LABELS = ("POPULATION", "INTERVENTION", "COMPARATOR", "OUTCOME", "CONDITION")

# Labels of one PICO element: a model span is dropped where a rule already found its element.
_ELEMENT = {
    "POPULATION": "P",
    "CONDITION": "P",
    "SAMPLE_SIZE": "P",
    "INTERVENTION": "I",
    "COMPARATOR": "I",
    "DOSE": "I",
    "OUTCOME": "O",
    "ADVERSE_EVENT": "O",  # an adverse event the rules listed is not an outcome again
}


def complement(doc: Doc, items: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """The model's spans that add to the rules: those overlapping no rule span of their element.

    Rules are precise and the numbers (doses, sizes, results) attach to their spans, so a rule
    span always wins; the model fills what the rules missed (an outcome named only in prose, a
    population phrase without a count).
    """
    taken: dict[str, list[tuple[int, int]]] = {}
    for span in doc.spans.get("evidence", []):
        element = _ELEMENT.get(span.label_)
        if element:
            taken.setdefault(element, []).append((span.start_char, span.end_char))
    out = []
    text = doc_text(doc)
    for start, end, label, source in items:
        element = _ELEMENT.get(label, label)
        if _fragment(text[start:end]):
            continue
        if not any(a < end and start < b for a, b in taken.get(element, ())):
            out.append((start, end, label, source))
    return out


_EDGE_WORDS = frozenset(
    [
        "and",
        "or",
        "of",
        "the",
        "a",
        "an",
        "with",
        "in",
        "to",
        "for",
        "by",
        "on",
        "at",
        "from",
        "as",
        "than",
        "versus",
        "vs",
        "but",
        "nor",
    ]
)


def _fragment(phrase: str) -> bool:
    """A model span that is not a phrase: a cut-off ("alveolar and"), a number, a lone word.

    Kept spans start and end on a content word, have balanced brackets and more letters than
    digits, and at least four letters.
    """
    words = phrase.split()
    letters = sum(ch.isalpha() for ch in phrase)
    digits = sum(ch.isdigit() for ch in phrase)
    return (
        not words
        or letters < 4
        or digits > letters / 2
        or words[0].lower() in _EDGE_WORDS
        or words[-1].lower().strip(".,;:") in _EDGE_WORDS
        or not _balanced(phrase)
    )


def _balanced(phrase: str) -> bool:
    """Brackets open before they close and all close: "a (b) c", not "x) versus y (z"."""
    depth = 0
    for ch in phrase:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# A word; "type 2", "stage IV", "grade 3" count as one so noun phrases run through them.
_WORD = re.compile(
    r"(?:[Tt]ype|[Ss]tage|[Gg]rade|[Cc]lass|[Pp]hase)\s+(?:\d+[a-z]?|I{1,3}|IV|V)\b"
    r"|[A-Za-z0-9][\w'’+/.-]*[\w+]|[A-Za-z0-9]"
)
_DETERMINERS = {"a", "an", "the", "either", "both", "their", "its", "his", "her", "our", "this"}
_NEGATIVE_START = {
    "no",
    "not",
    "any",
    "none",
    "each",
    "all",
    "these",
    "those",
    "other",
    "such",
    "only",
}
_DOSES_OF = re.compile(
    r"^(?:[\w-]+\s+){0,2}?(?:doses?|dosages?|courses?|injections?)\s+of\s+", re.I
)
_POP_LINK = re.compile(
    r"\s+(?:with|aged|from|who\s+(?:had|have|were|are|underwent)|undergoing|suffering\s+from|"
    r"diagnosed\s+with|having|attending|admitted\s+(?:to|with)|scheduled\s+for|requiring|"
    r"referred\s+for|in\s+(?:whom|the)\b)",
    re.IGNORECASE,
)
_CONCLUSION_START = re.compile(
    r"^\s*(?:In\s+conclusion|To\s+conclude|We\s+conclude|In\s+summary|Taken\s+together|"
    r"(?:These|Our|The)\s+(?:results|findings|data)\s+(?:suggest|indicate|show|demonstrate|support)|"
    r"This\s+study\s+(?:suggests|shows|demonstrates|indicates))",
    re.IGNORECASE,
)
_NEEDS_MODIFIER = {"inhibitor", "antagonist", "agonist", "blocker", "analogue", "analog"}
_PRONOUN_START = re.compile(
    r"(?:those|that|this|these|it|them|each|both|either|baseline|placebo)\b", re.IGNORECASE
)
_PREPOSITIONS = {"in", "among", "to", "into", "with", "within", "on", "at", "after"}
_LEADING_ADVERBIAL = re.compile(
    r"(?:at|in|after|before|during|then|also|finally|additionally|subsequently|thereafter|"
    r"furthermore|moreover|first|second|secondly|third|lastly|overall)\b[^,]*,\s*",
    re.IGNORECASE,
)
# A heading inside the sentence ("... mutations METHODS: In a case-control study") or a
# self-reference ("In this retrospective cohort study") makes a background cue count.

# --- arm helpers (randomisation sentences, title "A versus B") ----------------------------------
_RANDOMISED = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided)|(?:re)?assigned|allocated)"
    r"\s+(?:[\w:,-]+\s+){0,5}?(?:in)?to\s+(?:(?:receive|either|one\s+of|treatment\s+with|"
    r"the|a|an|both)\s+)*",
    re.IGNORECASE,
)
_ARM_LIST_END = re.compile(
    r";|\.(?:\s|$)|\s(?:who|which|respectively|stratified|whereas|while)\b|"
    r"\s+and\s+(?:were|was|then|followed|received|the)\b|,\s*(?:and\s+)?(?:the|with|in\s+a)\b|"
    r"\s+with\s+(?:the\s+)?(?:primary|stratification)\b|"
    r"\s+to\s+(?:evaluate|assess|compare|determine|investigate|examine)\b",
    re.IGNORECASE,
)
_COMPARED = re.compile(
    r"\bcompar(?:ed|ing|es|e)\s+(?!with\b|to\b|between\b|in\b|for\b)(?:the\s+)?(?:(?:efficacy|effects?|safety|use|outcomes?)\s+of\s+)?",
    re.IGNORECASE,
)
_COMPARED_SPLIT = re.compile(r"\s+(?:with|to|versus|vs\.?)\s+", re.IGNORECASE)
# "442 were assigned to the high-dose group and 443 to the conventional-dose group"
_COUNT_TO = re.compile(
    r"(?<![\w.,/])\d[\d,]*\s+(?:(?:patients?|women|men|subjects|participants|children)\s+)?"
    r"(?:were\s+)?(?:(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed)\s+)?(?:in)?to\s+"
    r"(?:(?:receive|the|an?|switch\s+to|continue(?:\s+to\s+receive)?)\s+)*",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"\s+(?:versus|vs\.?|compared\s+(?:with|to))\s+", re.IGNORECASE)
_ARM_SPLIT = re.compile(
    r",?\s+or\s+|\s+(?:versus|vs\.?|compared\s+(?:with|to))\s+|"
    r",?\s+and\s+(?=(?:to\s+)?(?:receive\s+)?(?:placebo|an?\s|the\s|no\s|control|standard|usual|"
    r"observation|sham))",
    re.IGNORECASE,
)
_ARM_LEAD = re.compile(
    r"(?:(?:either|use|receive|received|receiving|to|one|of|the|a|an|treatment\s+with|therapy\s+with|"
    r"group|arm|(?:\d+|one|two|three|four|five|six|eight)?\s*(?:cycles?|courses?|doses?)\s+of)\s+|"
    r"(?:(?:two|three|four|five|\d)\s+)?(?:[\w-]+\s+)?(?:groups?|arms?)\s*:\s*)*",
    re.IGNORECASE,
)
_ARM_TAIL = re.compile(
    r"\s+(?:\d|at\s|for\s|every\s|each\s|daily\b|once\b|twice\b|given\s|administered\s|"
    r"on\s+days?\b|until\s|during\s|in\s+(?:a|the)\s|(?:in|into)\s+\w+\s+groups?\b|as\s|"
    r"after\s|followed\b|from\s|in\s+\d|"
    r"in\s+(?:[\w-]+\s+){0,2}(?:patients|women|men|children|adults|subjects)\b)|[,:]"
    r"|\s*\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu|units?)\b",
    re.IGNORECASE,
)
_CONTROL_ARM = re.compile(
    r"\b(?:control|controls|observation|placebo|sham|usual|standard|conventional|routine|"
    r"no\s+\w+|best\s+supportive|supportive\s+care|waiting|wait-?list|vehicle|untreated)\b",
    re.IGNORECASE,
)
_DOSE_FRAGMENT = re.compile(
    r"^\W*\d|\b\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu|units?)\b|/(?:kg|m2|m²|day|d)\b|"
    r"\bg/kg|x\s*\d+$",
    re.IGNORECASE,
)
_JUNK_ARM_WORD = re.compile(
    r"^(?:without|with|and|or|either|both|each|receive[sd]?|receiving|given|treated|groups?|arms?|"
    r"patients?|subjects?|participants?|women|men|children|one|two|three|four|five|six|"
    r"treatment|therapy|them|study|cohort|"
    r"those|this|that|it)$|\b(?:survival|progression|response|rates?|median|mean|incidence|"
    r"mortality|prolonged|improved|increased|decreased|reduced|showed|significantly|was|were|is|"
    r"are|had|has|been|time\s+to|risks?|outcomes?|efficacy|safety|ratio|followed)\b",
    re.IGNORECASE,
)


# --- adverse-event helpers -------------------------------------------------------------------
# Where an event list ends: sentence end, ";", or a clause after the list.


class EntityFinder(EventRules, DesignRules):
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

    # --- word-level helpers ---------------------------------------------------------------

    def np_after(
        self,
        text: str,
        pos: int,
        limit: int,
        *,
        max_words: int | None = None,
        lists: bool = False,
        stop_preps: bool = False,
    ) -> tuple[int, int] | None:
        """A noun phrase starting at ``pos``: words up to a stop word, punctuation or ``limit``.

        With ``lists`` commas and "and"/"or" may join items ("erythema, induration and scaling");
        with ``stop_preps`` a preposition ends the phrase ("usual care | in heart failure").
        """
        max_words = max_words or self.max_np_words
        start = end = -1
        count = 0
        cursor = pos
        while count < max_words:
            m = _WORD.search(text, cursor, limit)
            if m is None:
                break
            gap = text[cursor : m.start()]
            if start >= 0 and (re.search(r"[;:.()\[\]]", gap) or ("," in gap and not lists)):
                break
            if start < 0 and gap.strip():
                break
            word = m.group(0).lower().rstrip(".")
            if word in self.np_stop or (not lists and word in ("and", "or")):
                break
            if stop_preps and word in _PREPOSITIONS:
                break
            if re.fullmatch(r"[\d.,]+", word) and start >= 0:
                break
            if start < 0:
                if word in _DETERMINERS:
                    cursor = m.end()
                    continue
                if re.fullmatch(r"[\d.,]+", word):
                    return None
                start = m.start()
            end = m.end()
            count += 1
            cursor = m.end()
        if start < 0:
            return None
        # Lists must not end on a conjunction ("erythema, induration and").
        while lists and re.search(r"(?:,|\band|\bor|\bthe)\s*$", text[start:end], re.I):
            kept = re.sub(r"(?:,|\band|\bor|\bthe)\s*$", "", text[start:end], flags=re.I)
            end = start + len(kept.rstrip())
        return (start, end) if end > start else None

    def np_before(
        self, text: str, pos: int, limit: int, *, max_words: int = 4
    ) -> tuple[int, int] | None:
        """A noun phrase ending at ``pos``: words back to a stop word or punctuation."""
        words = [m for m in _WORD.finditer(text, limit, pos) if m.end() <= pos]
        chosen: list[re.Match[str]] = []
        for m in reversed(words):
            after = text[m.end() : (chosen[-1].start() if chosen else pos)]
            if re.search(r"[,;:.()\[\]]", after):
                break
            word = m.group(0).lower()
            if (
                word in self.np_stop
                or word in ("and", "or", "of", "with", "in", "to")
                or word in _DETERMINERS
            ):
                break
            if re.fullmatch(r"[\d.,%]+", word):
                break
            chosen.append(m)
            if len(chosen) >= max_words:
                break
        if not chosen:
            return None
        return chosen[-1].start(), chosen[0].end()

    def is_treatment(self, phrase: str, long_forms: dict[str, str]) -> bool:
        """Does ``phrase`` look like a drug or treatment name?"""
        for raw in _WORD.findall(phrase):
            word = raw.lower()
            if word in self.treatment_heads:
                return True
            if len(word) >= 6 and word.endswith(self.drug_suffixes):
                return True
            long = long_forms.get(raw)
            if long and long.lower() != phrase.lower() and self.is_treatment(long, {}):
                return True
        return bool(re.search(r"\w+(?:therapy|therapies)\b", phrase, re.I))

    def is_condition(self, phrase: str, long_forms: dict[str, str]) -> bool:
        """Does ``phrase`` look like a disease or condition?"""
        for raw in _WORD.findall(phrase):
            word = raw.lower()
            if word in self.condition_exclude:
                continue
            if word in self.condition_heads:
                return True
            if len(word) >= 6 and word.endswith(self.condition_suffixes):
                return True
            long = long_forms.get(raw)
            if long and long.lower() != phrase.lower() and self.is_condition(long, {}):
                return True
        return False

    def trim_condition(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Drop leading modifiers such as "histologically confirmed" from a condition phrase."""
        while True:
            m = _WORD.match(text, start, end)
            if m is None or m.group(0).lower() not in self.condition_drop or m.end() >= end:
                break
            nxt = _WORD.search(text, m.end(), end)
            if nxt is None:
                break
            start = nxt.start()
        return start, end

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
        add_spans(doc, complement(doc, model_items))
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

    def title_rules(self, doc: Doc, text: str, long_forms: dict[str, str]) -> dict[str, Any]:
        """Title "X for/in Y": find X (intervention) and Y (condition) in the abstract."""
        title = (doc._.title or "").strip().rstrip(".")
        found: dict[str, Any] = {"intervention": None, "condition": None}
        if not title:
            return found
        for prefix in self.title_prefixes:
            title = prefix.sub("", title, count=1)
        m = re.match(
            r"(?P<x>.+?)\s+(?:for|in|on|versus|vs\.?|compared\s+with|among|as|"
            r"to\s+(?:treat|prevent|reduce|improve|manage|control))\s+"
            r"(?:(?:the\s+)?(?:treatment|management|prevention)\s+of\s+)?"
            r"(?:(?:patients?|adults|children|women|men|people|subjects)\s+with\s+)?(?P<y>.+)$",
            title,
            re.IGNORECASE,
        )
        if m is None:
            return found
        x = re.sub(r"\s*\([^)]*\)\s*$", "", m.group("x")).strip()
        y = re.sub(r"\s*\([^)]*\)", "", m.group("y")).strip()
        connector = title[m.end("x") : m.start("y")].strip().lower()
        if connector.startswith("on"):
            y = ""  # "Effect of X on Y": Y is an outcome, not the condition
        y = re.split(r"\bwith\s+", y)[-1]
        y = re.split(r"[:;]|\s+(?:in|among|with|after|during|a|an)\s", y)[0].strip()
        if self.is_treatment(x, long_forms) or (len(x.split()) <= 4 and self._find_all(text, x)):
            found["intervention"] = x
            for start, end in self._find_all(text, x)[:1]:
                self._add(doc, start, end, "INTERVENTION", "title")
        if y and self.is_condition(y, long_forms):
            found["condition"] = y
            words = y.split()
            for drop in range(min(3, len(words))):
                hits = self._find_all(text, " ".join(words[drop:]))
                if (hits and len(words) - drop >= 2) or (hits and drop == 0):
                    for start, end in hits[:1]:
                        self._add(doc, start, end, "CONDITION", "title")
                    break
        return found

    def intervention_rules(
        self,
        doc: Doc,
        text: str,
        index: SentenceIndex,
        abbreviations: list[dict[str, Any]],
        long_forms: dict[str, str],
    ) -> None:
        """Trigger phrases, treatment-like abbreviations and drug-like words."""
        for m in self.intervention_triggers.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=5, stop_preps=True)
            if np is None:
                continue
            lead = _DOSES_OF.match(text, np[0], np[1])
            if lead is not None and lead.end() < np[1]:
                np = (lead.end(), np[1])
            phrase = text[np[0] : np[1]]
            words = phrase.lower().split()
            if words[0] in _NEGATIVE_START or self.comparators.fullmatch(phrase):
                continue
            generic_trigger = re.match(
                r"(?:the\s+)?(?:efficacy|effect|safety|use|role|benefit|impact)", m.group(0), re.I
            )
            if (generic_trigger or words[-1] in self.generic) and not self.is_treatment(
                phrase, long_forms
            ):
                continue
            if self.pop_noun.search(phrase) or (
                self.is_condition(phrase, long_forms) and not self.is_treatment(phrase, long_forms)
            ):
                continue
            self._add(doc, np[0], np[1], "INTERVENTION", "trigger")
        seen_long: set[str] = set()
        for abbr in abbreviations:
            if not self.is_treatment(abbr["long"], {}):
                continue
            self._add(doc, abbr["short_start"], abbr["short_end"], "INTERVENTION", "abbreviation")
            if abbr["long"].lower() not in seen_long:
                seen_long.add(abbr["long"].lower())
                self._add(doc, abbr["long_start"], abbr["long_end"], "INTERVENTION", "abbreviation")
        for m in _WORD.finditer(text):
            word = m.group(0).lower()
            if word in _NEEDS_MODIFIER:
                # "inhibitor" alone names nothing; "ornithine decarboxylase inhibitor" does.
                np = self.np_before(text, m.start(), max(0, m.start() - 60), max_words=2)
                if np is not None and not re.search(r"\d", text[np[0] : np[1]]):
                    self._add(doc, np[0], m.end(), "INTERVENTION", "lexicon")
                continue
            if word in self.treatment_heads or (
                len(word) >= 7
                and word.endswith(self.drug_suffixes)
                and word not in self.condition_exclude
            ):
                start = m.start()
                prev = re.search(r"([A-Za-z-]+)\s+$", text[max(0, start - 30) : start])
                if prev and re.fullmatch(
                    r"intravenous|oral|subcutaneous|intramuscular|topical|inhaled|intranasal|"
                    r"recombinant|human|low-dose|high-dose",
                    prev.group(1),
                    re.I,
                ):
                    start -= len(prev.group(0))
                end = m.end()
                letter = re.match(r"\s+(?:[A-K]\d{0,2}|D[23])\b", text[end : end + 5])
                if word == "vitamin" and letter:
                    end += letter.end()  # "vitamin D", "vitamin B12"
                elif word == "vitamin":
                    continue
                self._add(doc, start, end, "INTERVENTION", "lexicon")

    def comparator_rules(
        self, doc: Doc, text: str, index: SentenceIndex, long_forms: dict[str, str]
    ) -> None:
        """Placebo-like words and "X versus Y"."""
        for m in self.comparators.finditer(text):
            if re.match(r"\s*[- ]controlled", text[m.end() : m.end() + 12]):
                continue  # "placebo-controlled" names the design, not an arm
            self._add(doc, m.start(), m.end(), "COMPARATOR", "lexicon")
        for m in self.comparator_trigger.finditer(text):
            sent_start, sent_end = index.bounds(index.sentence_of(m.start()))
            right = self.np_after(text, m.end(), sent_end, max_words=4, stop_preps=True)
            left = self.np_before(text, m.start(), sent_start, max_words=4)
            if right is None or left is None:
                continue
            right_text = text[right[0] : right[1]].lower()
            if re.match(
                r"(?:baseline|those|that|before|pre-?\w*|previous|the\s+same)\b", right_text
            ):
                continue
            if re.search(r"\d", text[left[0] : left[1]] + right_text):
                continue
            left_text = text[left[0] : left[1]]
            if self.is_treatment(left_text, long_forms) or self.comparators.search(right_text):
                self._add(doc, left[0], left[1], "INTERVENTION", "versus")
                self._add(doc, right[0], right[1], "COMPARATOR", "versus")

    def arm_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """Arms of a randomisation sentence and of a title "A versus B" (rule ``randomised``).

        "randomly assigned to A or B", "randomized to receive A (n = 50) versus B (n = 48)",
        "to receive A plus B or B alone", title "A versus B in ...". An arm is a
        ``COMPARATOR`` when it reads like a control (placebo, sham, usual/standard care, no
        treatment, observation, control, "B alone"/"B only"); when no arm does and there are
        exactly two, the second one is the comparator (trial reports name the experimental arm
        first: "lapatinib versus trastuzumab", "TAC or FAC"). Junk pieces (stop words, verbs,
        outcome phrases, dose fragments, single letters) are never arms.
        """
        title = (doc._.title or "").strip()
        segments: list[tuple[int, int, bool]] = []  # (start, end, is_title)
        arms: list[tuple[int, int, bool]]
        for m in _RANDOMISED.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            cut = _ARM_LIST_END.search(text, m.end(), sent_end)
            segments.append((m.end(), cut.start() if cut else sent_end, False))
        for m in _COMPARED.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            cut = _ARM_LIST_END.search(text, m.end(), sent_end)
            end = cut.start() if cut else sent_end
            arms = self._arm_list(text, m.end(), end, splitter=_COMPARED_SPLIT, first_only=True)
            if len(arms) == 2:
                self._label_arms(doc, text, arms)
        for sent in range(len(index.rows)):
            s_start, s_end = index.bounds(sent)
            hits = list(_COUNT_TO.finditer(text, s_start, s_end))
            arms = []
            for i, m in enumerate(hits):
                end = hits[i + 1].start() if i + 1 < len(hits) else s_end
                cut = _ARM_LIST_END.search(text, m.end(), end)
                end = cut.start() if cut else end
                piece = re.sub(r"(?:,\s*)?(?:\s+and\s*)?[,\s]*$", "", text[m.end() : end])
                arm = self._trim_arm(piece)
                if arm is not None and not self._junk_arm(piece[arm[0] : arm[1]]):
                    arms.append((m.end() + arm[0], m.end() + arm[1], arm[2]))
            if len(arms) >= 2:
                self._label_arms(doc, text, arms)
        first = index.bounds(0) if text else (0, 0)
        if not title and first[1] > first[0] and _VERSUS.search(text, first[0], first[1]):
            segments.append((first[0], first[1], True))
        for start, end, is_title in segments:
            arms = self._arm_list(text, start, end, versus_only=is_title)
            if len(arms) < 2:
                continue
            self._label_arms(doc, text, arms)
        if title and _VERSUS.search(title):
            title_arms = self._arm_list(title, 0, len(title), versus_only=True)
            if len(title_arms) == 2:
                found: list[tuple[int, int, bool]] = []
                for a_start, a_end, alone in title_arms:
                    places = self._find_all(text, title[a_start:a_end])
                    if not places:
                        break
                    found.append((places[0][0], places[0][1], alone))
                else:
                    self._label_arms(doc, text, found)

    def _label_arms(self, doc: Doc, text: str, arms: list[tuple[int, int, bool]]) -> None:
        controls = [
            alone or bool(_CONTROL_ARM.search(text[s:e]) or self.comparators.search(text[s:e]))
            for s, e, alone in arms
        ]
        if not any(controls) and len(arms) == 2:
            controls = [False, True]
        if all(controls):
            controls = [False, *controls[1:]]
        for (s, e, _), control in zip(arms, controls, strict=True):
            self._add(doc, s, e, "COMPARATOR" if control else "INTERVENTION", "randomised")

    def _arm_list(
        self,
        text: str,
        start: int,
        end: int,
        *,
        versus_only: bool = False,
        splitter: re.Pattern[str] | None = None,
        first_only: bool = False,
    ) -> list[tuple[int, int, bool]]:
        """``(start, end, alone)`` of each arm named in ``text[start:end]``."""
        # Mask brackets so "(n = 50)" and "(TAC)" neither split nor join arms; offsets stay.
        masked = re.sub(r"\([^()]*\)|\[[^\]]*\]", lambda m: " " * len(m.group(0)), text[start:end])
        splitter = splitter or (_VERSUS if versus_only else _ARM_SPLIT)
        pieces: list[tuple[int, int]] = []
        cursor = 0
        for m in splitter.finditer(masked):
            pieces.append((cursor, m.start()))
            cursor = m.end()
            if first_only:
                break
        pieces.append((cursor, len(masked)))
        if len(pieces) < 2:
            return []
        if not versus_only and not first_only and "," in masked:
            # "A, B, or C": commas separate arms only in a list closed by "or".
            expanded: list[tuple[int, int]] = []
            for i, (a, b) in enumerate(pieces):
                if i < len(pieces) - 1 and "," in masked[a:b]:
                    cursor = a
                    for c in re.finditer(r",\s*", masked[a:b]):
                        expanded.append((cursor, a + c.start()))
                        cursor = a + c.end()
                    expanded.append((cursor, b))
                else:
                    expanded.append((a, b))
            pieces = expanded
        arms: list[tuple[int, int, bool]] = []
        for i, (a, b) in enumerate(pieces):
            piece = masked[a:b]
            if versus_only:
                # the title: the words right before/after the connector
                if i == 0:
                    head = re.split(
                        r"(?i)^.*?\b(?:of|with|between|comparing|comparison)\s+|:\s*", piece
                    )[-1]
                    a += len(piece) - len(head)
                    piece = head
                else:
                    piece = re.split(
                        r"(?i)\s+(?:in|for|among|as|on|after|during|with)\s|[:,;]", piece
                    )[0]
            arm = self._trim_arm(piece)
            if arm is None:
                if i == 0 and not versus_only:
                    return []
                continue
            s, e, alone = arm
            name = masked[a + s : a + e]
            if self._junk_arm(name):
                continue
            arms.append((start + a + s, start + a + e, alone))
        return arms

    def _trim_arm(self, piece: str) -> tuple[int, int, bool] | None:
        """The name inside one arm piece: no lead-in words, doses or trailing "group"/"alone"."""
        m = _ARM_LEAD.match(piece)
        s = m.end() if m else 0
        body = piece[s:]
        stop = _ARM_TAIL.search(body)
        if stop is not None:
            body = body[: stop.start()]
        body = body.rstrip(" ,.")
        alone = False
        while True:
            tail = re.search(r"\s+(alone|only|groups?|arms?|regimens?)$", body, re.I)
            if tail is None:
                break
            alone = alone or tail.group(1).lower() in ("alone", "only")
            body = body[: tail.start()]
        body = body.strip()
        if not body or len(body.split()) > 6:
            return None
        s += len(piece[s:]) - len(piece[s:].lstrip())
        return s, s + len(body), alone

    def _junk_arm(self, name: str) -> bool:
        """A piece that names no arm: stop/verb words, outcomes, dose fragments, one letter."""
        words = name.lower().split()
        if not words or len(name) < 2:
            return True
        if re.fullmatch(r"[A-Za-z]", name) or _DOSE_FRAGMENT.search(name) or ":" in name:
            return True
        if re.search(r"\b(?:of|two|three|four)$", name, re.I):
            return True
        if words[0] in self.np_stop or words[0] in _NEGATIVE_START - {"no"}:
            return True
        if _JUNK_ARM_WORD.search(name) or words[0] in ("with", "without", "and", "or"):
            return True
        if self.is_condition(name, {}) and not self.is_treatment(name, {}):
            return True
        return len(words) == 1 and words[0].endswith("ly")

    def condition_rules(self, doc: Doc, text: str, long_forms: dict[str, str]) -> None:
        """ "patients with Y" and disease-like words."""
        for m in self.patients_with.finditer(text):
            np = self.np_after(text, m.end(), len(text), max_words=6)
            if np is None:
                continue
            start, end = self.trim_condition(text, *np)
            if self.is_condition(text[start:end], long_forms):
                self._add(doc, start, end, "CONDITION", "patients_with")
        for m in _WORD.finditer(text):
            word = m.group(0).lower()
            if word in self.condition_exclude:
                continue
            if not (
                word in self.condition_heads
                or (len(word) >= 7 and word.endswith(self.condition_suffixes))
            ):
                continue
            np = self.np_before(text, m.end(), max(0, m.start() - 60), max_words=4)
            if np is None:
                continue
            start, end = np
            # Adverbs ("predominantly") and drop-words never start a condition.
            while True:
                first = _WORD.match(text, start, end)
                if first is None or first.end() >= end:
                    break
                w = first.group(0).lower()
                if not (w.endswith("ly") or w in self.condition_drop):
                    break
                nxt = _WORD.search(text, first.end(), end)
                if nxt is None:
                    break
                start = nxt.start()
            n_words = len(text[start:end].split())
            if (
                word
                in (
                    "disease",
                    "diseases",
                    "disorder",
                    "disorders",
                    "pain",
                    "failure",
                    "injury",
                    "infection",
                    "infections",
                    "syndrome",
                    "deficiency",
                    "insufficiency",
                )
                and n_words < 2
            ):
                continue
            self._add(doc, start, end, "CONDITION", "lexicon")

    def population_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """The noun phrase around the study's sample size."""
        sizes = doc._.sample_sizes or []
        chosen = pick_total([s for s in sizes if self.pop_noun.search(s["text"])]) or pick_total(
            sizes
        )
        if chosen is None or not self.pop_noun.search(chosen["text"]):
            m = self.patients_with.search(text)
            if m is None:
                return
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=8)
            if np is None:
                return
            self._add(doc, m.start(), np[1], "POPULATION", "patients_with")
            return
        else:
            start, end = chosen["start"], chosen["end"]
        sent_end = index.bounds(index.sentence_of(start))[1]
        link = _POP_LINK.match(text, end)
        if link is not None:
            np = self.np_after(text, link.end(), sent_end, max_words=10)
            if np is not None:
                end = np[1]
        self._add(doc, start, end, "POPULATION", "sample_size")

    def outcome_rules(self, doc: Doc, text: str, index: SentenceIndex) -> None:
        """Measured things and the outcome words of count results."""
        for row in doc._.results or []:
            if row.get("outcome_start") is not None:
                self._add(doc, row["outcome_start"], row["outcome_end"], "OUTCOME", "result")
        for m in self.outcome_triggers.finditer(text):
            sent_end = index.bounds(index.sentence_of(m.start()))[1]
            np = self.np_after(text, m.end(), sent_end, max_words=10, lists=True)
            phrase = text[np[0] : np[1]] if np is not None else ""
            if (
                np is not None
                and not re.match(r"[\d.,%]", phrase)
                and not self.pop_noun.search(phrase)
                and not _PRONOUN_START.match(phrase)
            ):
                self._add(doc, np[0], np[1], "OUTCOME", "trigger")
        for m in self.outcome_verbs.finditer(text):
            sent_start = index.bounds(index.sentence_of(m.start()))[0]
            clause_start = sent_start
            for p in re.finditer(
                r"[;:]\s+|,\s+(?:and|but|while|whereas)\s+|\s(?:but|while|whereas)\s+",
                text[sent_start : m.start()],
            ):
                clause_start = sent_start + p.end()
            while clause_start < m.start() and text[clause_start].isspace():
                clause_start += 1
            heading = re.match(r"[A-Z][A-Z ]+:\s*", text[clause_start : m.start()])
            if heading:
                clause_start += heading.end()
            phrase = text[clause_start : m.start()]
            adverbial = _LEADING_ADVERBIAL.match(phrase)
            if adverbial:
                clause_start += adverbial.end()
                phrase = phrase[adverbial.end() :]
            lead = re.match(r"(?:The|Also|Then|In addition,?|Both|All)\s+", phrase)
            if lead:
                clause_start += lead.end()
                phrase = phrase[lead.end() :]
            if (
                0 < len(phrase.split()) <= 10
                and not self.pop_noun.search(phrase)
                and not re.match(rf"(?:{COUNT})\b", phrase, re.I)
            ):
                self._add(doc, clause_start, m.start(), "OUTCOME", "measured")

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
