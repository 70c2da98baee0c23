"""``evidence_entities``: PICO-style spans by rule, plus adverse events, design and conclusion.

Span labels written to ``doc.spans["evidence"]`` (each span's ``id_`` names the rule):

* ``INTERVENTION`` – title "X for Y" / "Effect of X on ...", "were given X", "received X",
  "treated with X", "X versus Y", abbreviations whose long form looks like a treatment, drug-name
  suffixes (-mab, -statin ...) and treatment head words (immunoglobulin, vaccine ...);
* ``COMPARATOR`` – placebo, usual/standard care, sham ..., and Y in "X versus/compared with Y";
* ``CONDITION`` – title "... for Y", "patients with Y", disease-like words (-itis, -osis,
  syndrome, erythematosus ...);
* ``POPULATION`` – the noun phrase around the chosen sample size ("Twelve patients with ...");
* ``OUTCOME`` – measured things ("Disease assessment", "Immunological parameters ...") and the
  outcome words of a count result ("clearing of their skin disease");
* ``ADVERSE_EVENT`` – "One patient developed X", "adverse events included X", withdrawals
  ("became pregnant", "withdrew", "lost to follow-up").

Doc-level plain data: ``doc._.adverse_events`` (``[{text, start, end, name, count, kind}]``),
``doc._.design`` (``str | None``), ``doc._.conclusion`` (``{text, start, end} | None``) and
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
    load_patterns,
    parse_count,
    register_extensions,
    words_of,
)
from .sample_size import pick_total

register_extensions()

PICO_LABELS = ("POPULATION", "INTERVENTION", "COMPARATOR", "OUTCOME", "CONDITION")
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
_POSITIVE = re.compile(r"\b(?:improve\w*|benefit\w*|respon\w*|relief|better|remission)\b", re.I)


class EntityFinder:
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
        self.pubtype_designs = {
            str(r["text"]).lower(): (int(r["rank"]), str(r["design"]))
            for r in designs
            if r["kind"] == "publication_type"
        }
        self.text_designs = [
            (re.compile(str(r["pattern"]), flags), int(r["rank"]), str(r["design"]))
            for r in designs
            if r["kind"] == "text"
        ]
        self.qualifiers = [
            (re.compile(rf"\b(?:{r['pattern']})\b", flags), str(r["qualifier"]))
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
        text = doc.text
        index = SentenceIndex(doc)
        self._pending = []
        if self.copy_ents and doc.has_annotation("ENT_IOB"):
            for ent in doc.ents:
                if ent.label_ in PICO_LABELS:
                    self._pending.append(
                        (ent.start_char, ent.end_char, ent.label_, ent.id_ or "model")
                    )
        abbreviations = abbreviation_records(doc)
        long_forms = {a["short"]: a["long"] for a in abbreviations}
        title_entities = self.title_rules(doc, text, long_forms)
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
        doc._.design = self.design(doc, text)
        doc._.conclusion = self.conclusion(doc, text, index)
        doc._.title_entities = title_entities
        return doc

    def _add(self, doc: Doc, start: int, end: int, label: str, rule: str) -> None:
        self._pending.append((start, end, label, f"{self.name}.{rule}"))

    def _find_all(self, text: str, phrase: str) -> list[tuple[int, int]]:
        if not phrase.strip():
            return []
        regex = re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
        return [(m.start(), m.end()) for m in regex.finditer(text)]

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

    def adverse_event_rules(self, doc: Doc, text: str) -> list[dict[str, Any]]:
        """Adverse events and withdrawals as plain dicts (also ``ADVERSE_EVENT`` spans)."""
        events: list[dict[str, Any]] = []
        for m in self.withdrawal.finditer(text):
            count = parse_count(m.group("count"))
            events.append(
                {
                    "text": text[m.start() : m.end()],
                    "start": m.start(),
                    "end": m.end(),
                    "name": m.group("what").lower(),
                    "count": count,
                    "kind": "withdrawal",
                }
            )
        for m in self.ae_verb.finditer(text):
            np = self.np_after(text, m.end(), len(text), max_words=6)
            if np is None:
                continue
            name = text[np[0] : np[1]]
            if _POSITIVE.search(name):
                continue
            events.append(
                {
                    "text": text[m.start() : np[1]],
                    "start": m.start(),
                    "end": np[1],
                    "name": name,
                    "count": parse_count(m.group("count")),
                    "kind": "adverse_event",
                }
            )
        for m in self.ae_noun.finditer(text):
            np = self.np_after(text, m.end(), len(text), max_words=10, lists=True)
            if np is None:
                continue
            name = text[np[0] : np[1]]
            first = name.split()[0].lower()
            if first in self.ae_vague or re.match(r"[\d.]", first) or _POSITIVE.search(name):
                continue
            events.append(
                {
                    "text": text[m.start() : np[1]],
                    "start": m.start(),
                    "end": np[1],
                    "name": name,
                    "count": None,
                    "kind": "adverse_event",
                }
            )
        events.sort(key=lambda e: (e["start"], e["end"]))
        for event in events:
            self._add(doc, event["start"], event["end"], "ADVERSE_EVENT", event["kind"])
        return events

    def design(self, doc: Doc, text: str) -> str | None:
        """Study design from publication types and wording, with qualifiers (crossover ...)."""
        candidates: list[tuple[int, str]] = []
        for ptype in doc._.publication_types or []:
            hit = self.pubtype_designs.get(str(ptype).lower())
            if hit:
                candidates.append(hit)
        for regex, rank, design in self.text_designs:
            if regex.search(text):
                candidates.append((rank, design))
        qualifiers = [q for regex, q in self.qualifiers if regex.search(text)]
        if not candidates:
            return ", ".join(qualifiers) + " study" if qualifiers else None
        rank, design = min(candidates)
        has_comparator = any(s.label_ == "COMPARATOR" for s in doc.spans.get("evidence", []))
        # A trial with no comparator and no "control" anywhere is a single-arm trial.
        if (
            "trial" in design
            and "random" not in design
            and not has_comparator
            and "single-arm" not in qualifiers
            and not re.search(r"\bcontrol", text, re.I)
        ):
            qualifiers.append("single-arm")
        qualifiers = [q for q in qualifiers if q.split("-")[0] not in design]
        return design + (f" ({', '.join(qualifiers)})" if qualifiers else "")

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
