"""Adverse events and withdrawals: the part of ``evidence_entities`` that finds them.

:class:`EventRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which loads the
word lists from ``patterns/events.jsonl`` in its ``initialize`` and provides the shared helpers
(``_add``, ``np_after`` ...). See the ``entities`` module docstring for what is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc

from .common import COUNT, SentenceIndex, parse_count

_LIST_END = re.compile(
    r"\.(?:\s|$)|;|\s+(?:in|among)\s+(?:the|both|all|each|those|\d+|one|two|three|four|five|"
    r"patients|subjects|participants|[\w-]+\s+(?:group|arm)s?)\b|\s+(?:which|that|but|whereas|"
    r"while|compared|versus|vs\.?|although|with\s+no|without|seen|noted|observed)\b|\s+(?:were|was)\s+(?:\w+ly\s+)?"
    r"(?:more|less|similar|reported|observed|seen|mild|common|rare)\b",
    re.IGNORECASE,
)
_LIST_SEP = re.compile(r",\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+", re.IGNORECASE)
_REASON = re.compile(
    r"\s*(?:\([^)]{0,25}\)\s*)?(?:(?:the\s+)?(?:treatment|therapy|study|trial|drug|medication|"
    r"study\s+medication|study\s+drug|prematurely|early)\s+)?(?:due\s+to|because\s+of|owing\s+to|"
    r"for|after)\s+(?:an?\s+|the\s+)?",
    re.IGNORECASE,
)
_VAGUE_REASONS = {"personal reasons", "other reasons", "unknown reasons", "reasons"}
_NEGATED = re.compile(r"\b(?:no|not|nor|without|none|never|neither)\b[\w\s-]*$", re.IGNORECASE)
_POSITIVE = re.compile(r"\b(?:improve\w*|benefit\w*|respon\w*|relief|better|remission)\b", re.I)


def _count_percent(inside: str) -> tuple[int | None, float | None]:
    """Count and percentage from a bracket: "12%", "n = 3", "3/40", "3 patients, 7.5%"."""
    count = percent = None
    pct = re.search(r"(\d+(?:\.\d+)?)\s*%", inside)
    if pct:
        percent = float(pct.group(1))
    n = re.search(
        r"\bn\s*=\s*(\d+)|^\s*(\d+)\s*(?:/\s*\d+|patients?|cases?|subjects?|,|;|$)", inside
    )
    if n:
        count = int(n.group(1) or n.group(2))
    return count, percent


def _percent_after(text: str, start: int, end: int) -> float | None:
    """A "(12%)" / "(12.5 %)" written inside a matched phrase ("Four patients (12%) developed")."""
    m = re.search(r"\((\d+(?:\.\d+)?)\s*%\)", text[start:end])
    return float(m.group(1)) if m else None


class EventRules:
    """Adverse-event and withdrawal rules (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods defined on EntityFinder.
    _add: Callable[..., Any]
    ae_noun: Any
    ae_occurred: Any
    ae_term: Any
    ae_vague: Any
    ae_verb: Any
    is_condition: Callable[..., Any]
    np_after: Callable[..., Any]
    np_before: Callable[..., Any]
    pop_noun: Any
    serious_ae: Any
    withdrawal: Any

    def event_items(self, text: str, pos: int, limit: int) -> list[dict[str, Any]]:
        """Items of an event list at ``pos``: "X (12%), Y (n = 3) and Z" → one dict each.

        The list ends at the sentence end, ";", or a clause ("in the placebo group", "which",
        "compared with"). Each item keeps its own span (name plus its bracket) and the count or
        percentage stated in the bracket.
        """
        stop = _LIST_END.search(text, pos, limit)
        end = stop.start() if stop else limit
        items: list[dict[str, Any]] = []
        depth = 0
        item_start = pos
        cuts: list[tuple[int, int]] = []
        i = pos
        while i < end:
            ch = text[i]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
            elif depth == 0:
                sep = _LIST_SEP.match(text, i, end)
                if sep and (ch == "," or text[i].isspace()):
                    cuts.append((item_start, i))
                    item_start = sep.end()
                    i = sep.end()
                    continue
            i += 1
        cuts.append((item_start, end))
        for a, b in cuts[:12]:
            raw = text[a:b]
            a += len(raw) - len(raw.lstrip())
            b = a + len(raw.strip().rstrip(".,"))
            if b <= a:
                continue
            count, percent = None, None
            name_end = b
            bracket = re.search(r"\s*[(\[]([^()\[\]]*)(?:[)\]]|$)", text[a:b])
            if bracket:
                name_end = a + bracket.start()
                count, percent = _count_percent(bracket.group(1))
                if bracket.group(0).rstrip().endswith((")", "]")) and bracket.end() < b - a:
                    # "hepatitis B virus (HBV) reactivation": the bracket is an abbreviation
                    name_end, count, percent = b, None, None
            name_start = a
            lead = re.match(
                rf"(?:(?:the|a|an)\s+)?(?:(?P<n>{COUNT})\s+(?:cases?|episodes?|patients?\s+with)"
                rf"\s+(?:of\s+)?)?",
                text[a:name_end],
                re.I,
            )
            if lead and lead.end():
                name_start = a + lead.end()
                if lead.group("n") and count is None:
                    count = parse_count(lead.group("n"))
            name = text[name_start:name_end].strip()
            name = re.sub(r"\s+(?:of|in|at|to|with|for|on)$", "", name, flags=re.I)
            if not name or len(name.split()) > 8:
                continue
            first = name.split()[0].lower()
            if (
                first in self.ae_vague
                or re.match(r"[\d.]", first)
                or _POSITIVE.search(name)
                # "were registered", "were associated with ...": a verb, not an event
                or (first.endswith("ed") and not self.ae_term.match(name))
            ):
                if not items:
                    return []
                continue
            if self.pop_noun.fullmatch(name):
                continue
            items.append(_event(text, a, b, name, count, percent))
        return items

    def adverse_event_rules(self, doc: Doc, text: str) -> list[dict[str, Any]]:
        """Adverse events and withdrawals as plain dicts (also ``ADVERSE_EVENT`` spans).

        Each dict: ``text``/``start``/``end`` (the source span), ``name`` (the event: "acute
        cutaneous vasculitis", "nausea"; for a withdrawal its reason when stated — "discontinued
        due to nausea" → "nausea" — else the verb phrase: "became pregnant", "lost to
        follow-up"), ``count`` (patients or events, when stated), ``percent`` (when stated) and
        ``kind`` (``adverse_event`` or ``withdrawal``). Negated statements ("no patient
        developed ...", "0 patients") give nothing.
        """
        index = SentenceIndex(doc)
        events = [
            *self._withdrawal_events(text, index),
            *self._ae_verb_events(text),
            *self._serious_ae_events(text),
            *self._ae_list_events(text, index),
            *self._ae_occurred_events(text, index),
        ]
        kept = _distinct_events(text, events)
        for event in kept:
            self._add(doc, event["start"], event["end"], "ADVERSE_EVENT", event["kind"])
        return kept

    def _withdrawal_events(self, text: str, index: SentenceIndex) -> list[dict[str, Any]]:
        """Withdrawals ("N patients withdrew ... due to X"), named by the reason when stated."""
        events: list[dict[str, Any]] = []
        for m in self.withdrawal.finditer(text):
            count = parse_count(m.group("count"))
            if count == 0:
                continue
            name = re.sub(r"^(?:was|were)\s+", "", m.group("what"), flags=re.I).lower()
            end = m.end()
            reason = _REASON.match(text, m.end(), _sentence_end(index, m.start()))
            percent = _percent_after(text, m.start(), m.end())
            if reason:
                np = self.np_after(text, reason.end(), _sentence_end(index, m.start()), max_words=6)
                if np is not None and text[np[0] : np[1]].lower() not in _VAGUE_REASONS:
                    name, end = text[np[0] : np[1]], np[1]
            events.append(_event(text, m.start(), end, name, count, percent, "withdrawal"))
        return events

    def _ae_verb_events(self, text: str) -> list[dict[str, Any]]:
        """Events after a verb ("One patient developed X"): the noun phrase after it."""
        events: list[dict[str, Any]] = []
        for m in self.ae_verb.finditer(text):
            count = parse_count(m.group("count"))
            np = self.np_after(text, m.end(), len(text), max_words=6)
            if np is None or count == 0:
                continue
            name = text[np[0] : np[1]]
            if _POSITIVE.search(name) or self.pop_noun.search(name.split()[0]):
                continue
            if re.match(rf"(?:{COUNT})\s+experienced\b", m.group(0), re.I):
                continue  # "Two experienced cardiologists": an adjective
            percent = _percent_after(text, m.start(), m.end())
            events.append(_event(text, m.start(), np[1], name, count, percent))
        return events

    def _serious_ae_events(self, text: str) -> list[dict[str, Any]]:
        """Serious events: "N serious adverse events", "serious adverse events occurred in N"."""
        events: list[dict[str, Any]] = []
        for m in self.serious_ae.finditer(text):
            raw_count = m.group("count") or m.group("count2")
            count = parse_count(raw_count) if raw_count else None
            if count == 0:
                continue
            name = (m.group("name") or m.group("name2")).strip().lower()
            percent = _percent_after(text, m.start(), m.end())
            events.append(_event(text, m.start(), m.end(), name, count, percent))
        return events

    def _ae_list_events(self, text: str, index: SentenceIndex) -> list[dict[str, Any]]:
        """Event lists ("adverse events included X, Y and Z"): one per item, unless negated."""
        events: list[dict[str, Any]] = []
        for m in self.ae_noun.finditer(text):
            if _NEGATED.search(text[max(0, m.start() - 25) : m.start()]):
                continue
            events.extend(self.event_items(text, m.end(), _sentence_end(index, m.start())))
        return events

    def _ae_occurred_events(self, text: str, index: SentenceIndex) -> list[dict[str, Any]]:
        """Events before "occurred in N patients (12%)": the noun phrase, if it names an event."""
        events: list[dict[str, Any]] = []
        for m in self.ae_occurred.finditer(text):
            count = parse_count(m.group("count"))
            sent_start = index.bounds(index.sentence_of(m.start()))[0]
            np = self.np_before(text, m.start(), sent_start, max_words=5)
            if np is None or count == 0:
                continue
            name = text[np[0] : np[1]]
            if re.fullmatch(r"[A-Z][a-z-]+", name.split()[0]):  # sentence-initial capital
                name = name[0].lower() + name[1:]
            if (
                _POSITIVE.search(name)
                or self.pop_noun.search(name)
                or not (self.ae_term.search(name) or self.is_condition(name, {}))
            ):
                continue
            percent = float(m.group("pct")) if m.group("pct") else None
            events.append(_event(text, np[0], m.end(), name, count, percent))
        return events


def _event(
    text: str,
    start: int,
    end: int,
    name: str,
    count: int | None,
    percent: float | None,
    kind: str = "adverse_event",
) -> dict[str, Any]:
    """One event at ``start:end`` as the plain dict :meth:`EventRules.adverse_event_rules`
    returns."""
    return {
        "text": text[start:end],
        "start": start,
        "end": end,
        "name": name,
        "count": count,
        "percent": percent,
        "kind": kind,
    }


def _sentence_end(index: SentenceIndex, offset: int) -> int:
    """End of the sentence holding ``offset``."""
    return index.bounds(index.sentence_of(offset))[1]


def _distinct_events(text: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events in text order, less repeats (inside a kept one of the same kind) and negated ones."""
    events.sort(key=lambda e: (e["start"], -e["end"]))
    kept: list[dict[str, Any]] = []
    for event in events:
        # One event per place: a span inside one already kept (same kind) is a repeat.
        if any(
            k["start"] <= event["start"] and event["end"] <= k["end"] and k["kind"] == event["kind"]
            for k in kept
        ):
            continue
        if _NEGATED.search(text[max(0, event["start"] - 12) : event["start"]]):
            continue
        kept.append(event)
    return kept
