"""Arms of a trial from span mentions: which drugs or procedures were compared, in which role.

Plain functions over the abstract text and the PICO spans (the model's ``INTERVENTION`` /
``COMPARATOR`` spans first, the rules' beside them) — no ``Doc`` needed:

* :func:`arm_mentions` turns spans into clean mentions: coordinations split ("Alfentanil and
  Remifentanil" → two), determiners, "group"/"arm" and trailing doses trimmed, and settings,
  routes and methods words ("surgery", "anesthesia", "intravenously") dropped; "the X group" /
  "X arm" phrasings add mentions of their own;
* :func:`select_arms` groups mentions by name (abbreviations joined with their long form),
  scores each group (how often and where it is named) and keeps the trial's arms, capped by a
  stated number of groups ("two groups", "three arms");
* :func:`arm_role` tells placebo / usual care / active comparator / intervention apart by
  what the name says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .common import find_phrase

#: Names that are a setting, route, schedule or method word, never an arm of their own.
NOT_ARM = re.compile(
    r"^(?:(?:general|spinal|regional|local|the)\s+)?(?:surgery|surgeries|surgical\s+\w+|"
    r"operations?|anaesthesia|anesthesia|induction|intubation|hospitali[sz]ation|admission|"
    r"procedures?|treatments?|therapy|therapies|interventions?|drugs?|medications?|regimens?|"
    r"intravenous(?:ly)?|oral(?:ly)?|subcutaneous(?:ly)?|intramuscular(?:ly)?|topical(?:ly)?|"
    r"injections?|infusions?|tablets?|capsules?|doses?|dosing|administration|randomi[sz]ation|"
    r"study|trial|follow-up|baseline|day|days|weeks?|months?|years?|hours?|minutes?|"
    r"both|either|each|all|other|same|two|three|four|groups?|arms?|patients?|subjects?|"
    r"participants?|women|men|children|adults|method|methods|data|analysis|statistics?|"
    r"narcotics?|anesthetics?|analgesics?|agents?|the\s+(?:two|three)\s+\w+)$",
    re.I,
)
_LEAD = re.compile(
    r"^(?:(?:the|a|an|either|both|each|only|with|of|or|and|to|receiving|received|"
    r"given|using|use\s+of|administration\s+of|treatment\s+with|patients\s+(?:receiving|"
    r"given|treated\s+with)|two\s+[\w-]+\s+\w+,?|one|two|three|four)\s+)+",
    re.I,
)
_TRAIL = re.compile(
    r"(?:[\s,;:(]+(?:groups?|arms?|alone|only|therapy\s+groups?|treated|treatment\s+groups?|"
    r"patients|subjects|regimens?|respectively|was|were|is|are))+$|[\s,;:.(]+$",
    re.I,
)
_DOSE_TAIL = re.compile(
    r"\s*(?:\(?\s*\d[\d.,\s/-]*\s*(?:mg|g|µg|μg|ug|mcg|ml|mL|iu|IU|units?|%|mmol|mg/kg|"
    r"μg/kg|µg/kg)\b.*)$",
    re.I,
)
_SPLIT = re.compile(
    r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+(?:and|or|versus|vs\.?|compared\s+(?:with|to)|"
    r"with\s+or\s+without)\s+|\s*/\s*(?=[A-Z]))\s*",
    re.I,
)
#: "the X group", "X arm", "group X" (X: one to three words) — how abstracts name an arm.
_GROUP = re.compile(
    r"(?<![\w\-‐‑])((?:[A-Za-z][\w+\-‐‑]*\s+){0,2}[A-Za-z][\w+\-‐‑]*)\s+(?:group|arm|cohort)s?\b"
    r"|\b(?:group|arm)\s+([A-Z][\w+\-‐‑]*)\b"
)
_GROUP_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "of",
        "and",
        "or",
        "than",
        "with",
        "to",
        "for",
        "from",
        "between",
        "both",
        "each",
        "two",
        "three",
        "four",
        "this",
        "that",
        "these",
        "those",
        "whole",
        "study",
        "same",
        "other",
        "all",
        "either",
        "vs",
        "versus",
        "compared",
        "whereas",
        "while",
        "respectively",
        "was",
        "were",
        "is",
        "are",
        "patients",
        "treated",
        "receiving",
        "received",
    ]
)
GENERIC_ARM = re.compile(
    r"^(?:intervention|experimental|treatment|treated|study|active|test|trial|case|"
    r"first|second|third|1|2|3|i|ii|iii|a|b|c|age|same|each|one|other|respective|"
    r"randomi[sz]ed|allocated|assigned|both|two|three|four)$",
    re.I,
)
_PLACEBO = re.compile(r"\b(?:placebo|sham|vehicle|dummy|inactive)\b", re.I)
_USUAL = re.compile(
    r"\b(?:usual|standard|routine|conventional)\s+(?:care|treatment|therapy|practice|management)"
    r"|\bno\s+(?:treatment|intervention|therapy)\b|\bwait(?:ing)?[- ]?list\b|"
    r"^(?:no|non|without)[- ‐‑]\w|"
    r"\b(?:control|controls)\b(?!led)",
    re.I,
)
_HOW_MANY = re.compile(
    r"\b(two|three|four|five|2|3|4|5)\s+(?:(?:equal|parallel|treatment|study|intervention|"
    r"different|separate|dose|randomi[sz]ed)\s+)?(?:groups|arms)\b",
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of a candidate arm: offsets into the abstract, the text, where it came from."""

    start: int
    end: int
    text: str
    label: str  # INTERVENTION / COMPARATOR
    source: str  # "model", a rule name, or "group" (an "X group" phrasing)
    section: str | None = None


@dataclass(slots=True)
class ArmGroup:
    """The mentions of one arm, keyed by its normalised name."""

    key: str
    mentions: list[Mention] = field(default_factory=list)
    score: float = 0.0

    @property
    def first(self) -> int:
        return min(m.start for m in self.mentions)


def clean_mention(text: str, start: int) -> tuple[str, int] | None:
    """A mention with determiners, "group", doses and punctuation trimmed, or None if junk."""
    lead = _LEAD.match(text)
    if lead:
        start += lead.end()
        text = text[lead.end() :]
    dose = _DOSE_TAIL.search(text)
    if dose and dose.start() > 0:
        text = text[: dose.start()]
    while True:
        trail = _TRAIL.search(text)
        if not trail or trail.start() == 0:
            break
        text = text[: trail.start()]
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")].rstrip()
    text = text.rstrip(" ,;:-")
    if len(text) < 2 or len(text.split()) > 8 or NOT_ARM.match(text):
        return None
    if not re.search(r"[A-Za-z]{2}", text):
        return None
    return text, start


def split_mention(text: str, start: int) -> list[tuple[str, int]]:
    """Coordinated names split apart: "Alfentanil and Remifentanil" → both, with offsets."""
    parts: list[tuple[str, int]] = []
    pos = 0
    for m in _SPLIT.finditer(text):
        if m.start() > pos:
            parts.append((text[pos : m.start()], start + pos))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], start + pos))
    return parts or [(text, start)]


def group_mentions(
    text: str, sections: Sequence[tuple[int, int, str | None]] = ()
) -> list[Mention]:
    """Mentions from "the X group" / "X arm" / "group X" phrasings."""
    out: list[Mention] = []
    for m in _GROUP.finditer(text):
        index = 1 if m.group(1) else 2
        words = m.group(index).split()
        offset = m.start(index)
        # keep the words after the last stop word: "in the Alfentanil" → "Alfentanil"
        cut = 0
        for i, w in enumerate(words):
            if w.casefold() in _GROUP_STOP:
                cut = i + 1
        words = words[cut:]
        if not words:
            continue
        phrase_start = offset + m.group(index).find(words[0], 0)
        # the words are contiguous after the cut: recover the exact source slice
        end = m.end(index)
        name = text[phrase_start:end]
        if GENERIC_ARM.match(name) or NOT_ARM.match(name) or re.match(r"^\d", name):
            continue
        out.append(
            Mention(phrase_start, end, name, "INTERVENTION", "group", section_at(sections, offset))
        )
    return out


def section_at(sections: Sequence[tuple[int, int, str | None]], offset: int) -> str | None:
    for start, end, label in sections:
        if start <= offset < end:
            return label
    return None


def arm_mentions(
    spans: Iterable[tuple[str, int, int, str, str | None]],
    text: str,
    sections: Sequence[tuple[int, int, str | None]] = (),
) -> list[Mention]:
    """Clean arm mentions from ``(label, start, end, source, section)`` spans plus "X group"s."""
    out: list[Mention] = []
    for label, start, end, source, section in spans:
        for part, part_start in split_mention(text[start:end], start):
            cleaned = clean_mention(part, part_start)
            if cleaned is None:
                continue
            name, name_start = cleaned
            out.append(Mention(name_start, name_start + len(name), name, label, source, section))
    out.extend(group_mentions(text, sections))
    out.sort(key=lambda m: (m.start, -m.end))
    return out


def arm_role(name: str, long_form: str | None = None) -> str:
    """``placebo``, ``usual_care``, or ``intervention`` (the caller may make it ``comparator``)."""
    both = f"{name} {long_form or ''}"
    if _PLACEBO.search(both):
        return "placebo"
    if _USUAL.search(both):
        return "usual_care"
    return "intervention"


def stated_arm_count(text: str) -> int | None:
    """The number of groups the abstract says it randomised into ("two groups"), if any."""
    counts = [_NUMBERS[m.group(1).lower()] for m in _HOW_MANY.finditer(text)]
    return max(counts) if counts else None


_RESULTS = re.compile(r"result|finding|outcome|conclu|interpretation|discussion", re.I)


def score_group(group: ArmGroup, title_end: int = -1) -> float:
    """How much the mentions say "this is an arm": count, and where and how it is named."""
    score = 0.0
    for m in group.mentions:
        weight = 1.0
        if m.source == "group":
            weight += 2.0
        if m.source == "model":
            weight += 0.25
        elif m.source.endswith((".randomised", ".title")):
            weight += 1.0
        if m.section and _RESULTS.search(m.section):
            weight += 0.5
        score += weight
    return score


def select_arms(
    groups: list[ArmGroup], text: str, *, max_arms: int = 4, min_score: float = 1.5
) -> list[ArmGroup]:
    """The groups that are the trial's arms, best first: scored at least ``min_score`` and a
    fifth of the best, controls (placebo, usual care) whenever a span names them; at most the
    stated number of groups."""
    if not groups:
        return []
    for g in groups:
        g.score = score_group(g)
    ranked = sorted(groups, key=lambda g: (-g.score, g.first))
    stated = stated_arm_count(text)
    cap = min(stated, max_arms) if stated else max_arms
    top = ranked[0].score
    keep = [
        g
        for g in ranked
        if g.score >= max(min_score, 0.2 * top)
        or (arm_role(g.key) != "intervention" and any(m.source != "group" for m in g.mentions))
    ] or ranked[:1]
    return keep[:cap]


_MODIFIERS = re.compile(
    r"^(?:(?:low|high|standard|single|repeated|fixed|once|twice)[- ](?:dose|daily)|oral|daily|"
    r"intravenous|iv|topical|inhaled|subcutaneous)\s+",
    re.I,
)
_COMBINED = re.compile(r"\s(?:plus|with|combined\s+with)\s|\s?\+\s?", re.I)


class ArmNamer:
    """Normalised keys for arm mentions: abbreviation and long form share one key."""

    def __init__(self, abbreviations: Iterable[tuple[str, str]]) -> None:
        self.short_to_long: dict[str, str] = {}
        self.long_to_short: dict[str, str] = {}
        for short, long in abbreviations:
            self.short_to_long.setdefault(short, long)
            self.long_to_short.setdefault(long.casefold(), short)

    def key(self, mention: str) -> str:
        if mention in self.short_to_long:
            return mention
        folded = mention.casefold()
        if folded in self.long_to_short:
            return self.long_to_short[folded]
        # "anti-tachycardia pacing (ATP)" → ATP
        paren = re.search(r"\(([^()]{2,12})\)$", mention)
        if paren and paren.group(1) in self.short_to_long:
            return paren.group(1)
        if _COMBINED.search(mention):
            # "tamoxifen plus ovarian function suppression" = "tamoxifen plus OFS"
            for long, short in self.long_to_short.items():
                pos = folded.find(long)
                if pos >= 0:
                    mention = mention[:pos] + short + mention[pos + len(long) :]
                    folded = mention.casefold()
        else:
            for short in self.short_to_long:
                if find_phrase(mention, short, ignore_case=False):
                    return short
        key = _MODIFIERS.sub("", folded)
        key = re.sub(r"\s*\([^()]*\)\s*", " ", key).strip()
        return key[:-1] if key.endswith("s") and len(key) > 4 and " " not in key else key


def group_by_key(mentions: Iterable[Mention], namer: ArmNamer) -> list[ArmGroup]:
    """Mentions grouped by :meth:`ArmNamer.key`; longer names join a single-word key they end
    with ("once-daily telmisartan" joins "telmisartan")."""
    groups: dict[str, ArmGroup] = {}
    for m in mentions:
        key = namer.key(m.text)
        if not key:
            continue
        groups.setdefault(key, ArmGroup(key)).mentions.append(m)
    singles = {k for k in groups if " " not in k}
    for key in list(groups):
        last = key.split()[-1]
        if key != last and last in singles and not _COMBINED.search(key):
            groups[last].mentions.extend(groups.pop(key).mentions)
    return list(groups.values())


# --- arm-name rules shared by the arms builder ----------------------------------------------

#: An arm that receives no active treatment (placebo, sham, vehicle, usual/standard care, none).
INERT = re.compile(r"(?:matching\s+)?(?:placebo|sham|vehicle|usual|standard|no\s+)", re.I)
JUNK_ARM = re.compile(
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


def junk_arm_name(name: str) -> bool:
    """A mention that names no arm: stop words, verbs, outcome phrases, dose fragments."""
    name = name.strip()
    return len(name) < 2 or bool(JUNK_ARM.search(name))


def arm_of_size(
    text: str, row_text: str, start: int, end: int, same: Sequence[tuple[int, int, str]]
) -> str | None:
    """The arm a per-arm size belongs to, among the arm mentions ``same`` of its sentence
    (``(start, end, key)``): the arm named right after a leading count ("214 to Cocculine",
    "47 patients received standard RT", "126/311 in arm A") before the next count, else the
    arm named right before a bracketed ``n = 57`` ("AMT (n = 57)")."""
    if not _N_EQUALS.match(row_text):
        stop = _DIGIT.search(text, end, end + 80)
        limit = stop.start() if stop else end + 80
        after = [m for m in same if end <= m[0] < limit]
        if after:
            return after[0][2]
    base = max(0, start - 80)
    head = text[base:start]
    cut = base + max(head.rfind(";"), head.rfind(")"), head.rfind("]"))
    before = [m for m in same if cut < m[0] and m[1] <= start]
    return before[-1][2] if before else None


_N_EQUALS = re.compile(r"[nN]\s*=")
_DIGIT = re.compile(r"\d")
DRUG_AFTER = re.compile(r"^[\s)\]]*(?:of\s+)?([A-Za-z][\w-]{3,})")
DRUG_BEFORE = re.compile(r"([A-Za-z][\w-]{3,})[\s(\[]*$")
NOT_DRUG = re.compile(
    r"(?:and|with|plus|dose[sd]?|dosing|daily|group|groups|patients?|received?|receiving|given|"
    r"were|was|from|each|then|either|both|once|twice|every|orally|oral|intravenous(?:ly)?|"
    r"doses?|initially|total|mean|containing|weekly|monthly|infusion|tablets?|capsules?|"
    r"injections?|respectively|versus|compared|than|that|this|which|after|before|during)$",
    re.I,
)


def drug_beside(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets of the drug word next to a dose at ``start:end`` ("96 mg of buprenorphine",
    "fentanyl 1 mcg/kg"), or None."""
    after = DRUG_AFTER.match(text[end : end + 40])
    before = DRUG_BEFORE.search(text[max(0, start - 40) : start])
    for m, base in ((after, end), (before, max(0, start - 40))):
        if m is not None and not NOT_DRUG.match(m.group(1)):
            return base + m.start(1), base + m.end(1)
    return None
