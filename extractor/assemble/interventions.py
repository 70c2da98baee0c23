"""Interventions: group arm mentions into ``Intervention`` records with their doses and sizes.

Interventions are named by their abbreviation when the abstract defines one, else by their
first mention; with no arm named, one intervention holds every dose (:func:`_dose_only_arm`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from spacy.tokens import Doc

from ..nlp.common import abbreviation_records, doc_text, find_phrase
from ..records import Dose, Intervention, Span
from .spans import _from_model, _sentence_of

_DOSE_FIELDS = (
    "amount",
    "unit",
    "text",
    "start",
    "end",
    "amount_max",
    "per",
    "multiplier",
    "frequency",
    "duration",
    "route",
    "phase",
    "source",
)
_INERT = re.compile(r"(?:matching\s+)?(?:placebo|sham|vehicle|usual|standard|no\s+)", re.I)
_MODIFIERS = re.compile(r"^(?:(?:low|high|standard|single|repeated)[- ]dose|oral|daily)\s+", re.I)


def _interventions(
    doc: Doc, spans: tuple[Span, ...], starts: list[int]
) -> tuple[Intervention, ...]:
    abbreviations = abbreviation_records(doc)
    short_to_long = {a["short"]: a["long"] for a in abbreviations}
    long_to_short = {a["long"].lower(): a["short"] for a in abbreviations}

    def key_of(mention: str) -> str:
        if mention in short_to_long:
            return mention
        if mention.lower() in long_to_short:
            return long_to_short[mention.lower()]
        # A combination arm keeps its partner ("tamoxifen plus ovarian function suppression" =
        # "tamoxifen plus OFS"), it does not collapse into the abbreviation inside it.
        combined = mention
        for long, short in long_to_short.items():
            for start, end in reversed(find_phrase(combined, long)):
                combined = combined[:start] + short + combined[end:]
        if _COMBINATION.search(combined):
            return _MODIFIERS.sub("", combined).lower()
        for short in short_to_long:
            if find_phrase(mention, short, ignore_case=False):
                return short
        return _MODIFIERS.sub("", mention).lower()

    candidates = [
        s for s in spans if s.label in ("INTERVENTION", "COMPARATOR") and not _junk_arm_name(s.text)
    ]
    # The rules name arms precisely and attach doses and sizes to them; a PICO model's
    # INTERVENTION spans name the arms only when the rules found none.
    arms = [s for s in candidates if not _from_model(s)] or [
        s for s in candidates if not _DOSE_LIKE.search(s.text)
    ]
    single = {key_of(s.text) for s in arms if " " not in key_of(s.text)}
    # Arms a randomisation sentence named apart ("albumin-bound paclitaxel" vs "standard
    # paclitaxel") stay apart; other longer mentions join their head word.
    named = {key_of(s.text) for s in arms if s.source.endswith(".randomised")}
    groups: dict[str, list[Span]] = {}
    roles: dict[str, Counter[str]] = {}
    for span in arms:
        key = key_of(span.text)
        last = key.split()[-1] if key else key
        if key not in single and last in single and key not in named:
            key = last  # "once-daily telmisartan" joins "telmisartan"
        groups.setdefault(key, []).append(span)
        roles.setdefault(key, Counter())[span.label] += 1
    if not groups:
        return _dose_only_arm(doc)
    mentions: list[tuple[int, int, str]] = []  # (start, end, key) of every mention
    for key, items in groups.items():
        mentions.extend((s.start, s.end, key) for s in items)
    mentions.sort()

    def nearest(offset: int, *, dosable: bool = False) -> str | None:
        sent = _sentence_of(starts, offset)
        same = [m for m in mentions if _sentence_of(starts, m[0]) == sent]
        if dosable:
            same = [m for m in same if not _INERT.match(m[2])]
        before = [m for m in same if m[1] <= offset]
        if before:
            return before[-1][2]
        after = [m for m in same if m[0] >= offset]
        return after[0][2] if after else None

    # The main intervention: the one named in the title, else the most mentioned.
    def rank(key: str) -> tuple[int, int, int]:
        items = groups[key]
        from_title = any(s.source.endswith(".title") for s in items)
        return (0 if from_title else 1, -len(items), items[0].start)

    ordered = sorted(groups, key=rank)
    main = next(
        (k for k in ordered if roles[k]["INTERVENTION"] >= roles[k]["COMPARATOR"]), ordered[0]
    )
    doses: dict[str, list[Dose]] = {k: [] for k in groups}
    dose_keys: set[tuple[str, Any, Any, Any, Any, Any]] = set()
    for row in doc._.doses or []:
        owner = nearest(row["start"], dosable=True) or main
        # The same dose repeated in the results ("those receiving 15 mg") is one dose.
        dkey = (owner, row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if dkey in dose_keys:
            continue
        dose_keys.add(dkey)
        doses[owner].append(Dose(**{f: row.get(f) for f in _DOSE_FIELDS}))
    # Words matched only by the drug lexicon ("insulin" in "insulin resistance") are kept only
    # when nothing better names an arm, or when a dose belongs to them.
    strong = {
        k
        for k, items in groups.items()
        if any(not s.source.endswith(".lexicon") or s.label == "COMPARATOR" for s in items)
    }
    if strong:
        ordered = [k for k in ordered if k in strong or doses[k]]
    arm_n: dict[str, int] = {}
    text = doc_text(doc)
    arm_rows = [r for r in doc._.sample_sizes or [] if r["kind"] == "arm"]
    for row in arm_rows:
        # As many sizes as arms named in one sentence: pair them in order ("assigned to A
        # (n = 50) or B (n = 48)", "442 to A and 443 to B").
        sent = _sentence_of(starts, row["start"])
        rows = [r for r in arm_rows if _sentence_of(starts, r["start"]) == sent]
        keys = list(dict.fromkeys(m[2] for m in mentions if _sentence_of(starts, m[0]) == sent))
        if len(rows) >= 2 and len(rows) == len(keys):
            arm: str | None = keys[rows.index(row)]
        else:
            arm = _arm_of_size(text, row, mentions, starts) or nearest(row["start"])
        if arm is not None and arm not in arm_n:
            arm_n[arm] = row["n"]
    out: list[Intervention] = []
    for key in ordered:
        items = groups[key]
        long_form = short_to_long.get(key)
        name = key if long_form else items[0].text
        anchor = next((s for s in items if s.text == name), items[0])
        role = _arm_role(items, roles[key])
        out.append(
            Intervention(
                name=anchor.text,
                start=anchor.start,
                end=anchor.end,
                long_form=long_form,
                role=role,
                doses=tuple(doses[key]),
                n=arm_n.get(key),
                source=items[0].source,
            )
        )
    return tuple(out)


_COMBINATION = re.compile(r"\s(?:plus|and|with|combined\s+with)\s|\s?\+\s?", re.I)
_JUNK_ARM = re.compile(
    r"^(?:without|with|and|or|either|both|each|every|day|days|weeks?|months?|group|groups|arm|"
    r"arms|patients?|continuously|concomitantly|preoperative|postoperative|the|it|combination|"
    r"life|follow-up|one|two|three|four|five|six|seven|eight|nine|ten|cohort|large|adjuvant|"
    r"experimental|active|single|weekly|daily|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)$|^(?:perform|improve[sd]?|benefit|not|up|controlled|trial)\b|-$|"
    r"\b(?:toxicity|would|on\s+OS)\b|"
    r"\b(?:of|two|three|four|every|administered|given|versus|vs)$|^\W*\d|^(?:and|or|the|with|it)\s|[:×]|\bmg/|\s(?:cancer|disease)$|"
    r"\b(?:the|more|then)$|\b(?:survival|progression|response|median|mean|incidence|mortality|"
    r"prolonged|improved|showed|was|were|risk|followed|cycles?|event)\b|\(\s*[\d,.]*$|"
    r"\b\d+(?:\.\d+)?\s*(?:mg|g|µg|mcg|ml|iu)\b|g/kg|/m2\b|^[A-Za-z]$",
    re.IGNORECASE,
)


def _junk_arm_name(name: str) -> bool:
    """A mention that names no arm: stop words, verbs, outcome phrases, dose fragments."""
    name = name.strip()
    return len(name) < 2 or bool(_JUNK_ARM.search(name))


def _arm_role(items: list[Span], counts: Counter[str]) -> str:
    """ "comparator" or "intervention": what a randomisation sentence or title said (rule
    ``randomised``) wins; else the label most of the arm's mentions carry."""
    said = Counter(s.label for s in items if s.source.endswith(".randomised"))
    if said:
        counts = said
    return "comparator" if counts["COMPARATOR"] > counts["INTERVENTION"] else "intervention"


def _arm_of_size(
    text: str, row: dict[str, Any], mentions: list[tuple[int, int, str]], starts: list[int]
) -> str | None:
    """The arm a per-arm size belongs to: the arm named right after a leading count ("214 to
    Cocculine", "47 patients received standard RT", "126/311 in arm A") before the next count,
    else the arm named right before a bracketed ``n = 57`` ("AMT (n = 57)")."""
    sent = _sentence_of(starts, row["start"])
    same = [m for m in mentions if _sentence_of(starts, m[0]) == sent]
    start, end = row["start"], row["end"]
    if not re.match(r"[nN]\s*=", row["text"]):
        stop = re.search(r"\d", text[end : end + 80])
        limit = end + (stop.start() if stop else 80)
        after = [m for m in same if end <= m[0] < limit]
        if after:
            return after[0][2]
    base = max(0, start - 80)
    head = text[base:start]
    cut = base + max(head.rfind(";"), head.rfind(")"), head.rfind("]"))
    before = [m for m in same if cut < m[0] and m[1] <= start]
    return before[-1][2] if before else None


_DRUG_AFTER = re.compile(r"^[\s)\]]*(?:of\s+)?([A-Za-z][\w-]{3,})")
_DRUG_BEFORE = re.compile(r"([A-Za-z][\w-]{3,})[\s(\[]*$")
_NOT_DRUG = re.compile(
    r"(?:and|with|plus|dose[sd]?|dosing|daily|group|groups|patients?|received?|receiving|given|"
    r"were|was|from|each|then|either|both|once|twice|every|orally|oral|intravenous(?:ly)?|"
    r"doses?|initially|total|mean|containing|weekly|monthly|infusion|tablets?|capsules?|"
    r"injections?|respectively|versus|compared|than|that|this|which|after|before|during)$",
    re.I,
)


def _dose_only_arm(doc: Doc) -> tuple[Intervention, ...]:
    """One intervention holding every dose when no arm was named (doses are never dropped).

    Its name is the drug word beside the first dose ("96 mg of buprenorphine", "fentanyl 1
    mcg/kg"), else the dose text itself; ``source`` says it was inferred from the doses.
    """
    rows = doc._.doses or []
    if not rows:
        return ()
    text = doc_text(doc)
    first = rows[0]
    name_at = (first["start"], first["end"])
    after = _DRUG_AFTER.match(text[first["end"] : first["end"] + 40])
    before = _DRUG_BEFORE.search(text[max(0, first["start"] - 40) : first["start"]])
    for m, base in ((after, first["end"]), (before, max(0, first["start"] - 40))):
        if m is not None and not _NOT_DRUG.match(m.group(1)):
            name_at = (base + m.start(1), base + m.end(1))
            break
    doses: list[Dose] = []
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        key = (row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if key not in seen:
            seen.add(key)
            doses.append(Dose(**{f: row.get(f) for f in _DOSE_FIELDS}))
    return (
        Intervention(
            name=text[name_at[0] : name_at[1]],
            start=name_at[0],
            end=name_at[1],
            doses=tuple(doses),
            source="rules.dose_only",
        ),
    )


# A dose or count, not a name ("g/kgx2", "400 mg/kg"): never an arm name from a model span.
_DOSE_LIKE = re.compile(r"\d|\b(?:mg|g|kg|ug|mcg|ml|iu)\b|/kg", re.I)
