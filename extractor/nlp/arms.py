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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .common import find_phrase

#: Names that are a setting, route, schedule or method word, never an arm of their own.
_NOT_ARM = re.compile(
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
    r"(?<![\w-])((?:[A-Za-z][\w+-]*\s+){0,2}[A-Za-z][\w+-]*)\s+(?:group|arm|cohort)s?\b"
    r"|\b(?:group|arm)\s+([A-Z][\w+-]*)\b"
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
_GENERIC = re.compile(
    r"^(?:intervention|experimental|treatment|treated|study|active|test|trial|case|"
    r"first|second|third|1|2|3|i|ii|iii|a|b|c|age|same|each|one|other|respective|"
    r"randomi[sz]ed|allocated|assigned|both|two|three|four)$",
    re.I,
)
_PLACEBO = re.compile(r"\b(?:placebo|sham|vehicle|dummy|inactive)\b", re.I)
_USUAL = re.compile(
    r"\b(?:usual|standard|routine|conventional)\s+(?:care|treatment|therapy|practice|management)"
    r"|\bno\s+(?:treatment|intervention|therapy)\b|\bwait(?:ing)?[- ]?list\b|"
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
    if len(text) < 2 or len(text.split()) > 8 or _NOT_ARM.match(text):
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
        if _GENERIC.match(name) or _NOT_ARM.match(name) or re.match(r"^\d", name):
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


# --- features for the learned arm selector -------------------------------------------------


def _bucket(value: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


_SECTION_KIND = (
    ("results", re.compile(r"result|finding|outcome", re.I)),
    ("conclusion", re.compile(r"conclu|interpret|discussion", re.I)),
    (
        "methods",
        re.compile(r"method|design|setting|patient|participant|intervention|material", re.I),
    ),
    ("background", re.compile(r"background|intro|object|aim|purpose|context", re.I)),
)


def _section_kind(label: str | None) -> str:
    if not label:
        return "none"
    for kind, pattern in _SECTION_KIND:
        if pattern.search(label):
            return kind
    return "other"


_VS = re.compile(
    r"\s*(?:vs\.?|versus|compared\s+(?:with|to)|than|or|and)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}",
    re.I,
)


def candidate_features(
    groups: Sequence[ArmGroup],
    text: str,
    title: str,
    namer: ArmNamer,
    dose_starts: Sequence[int] = (),
) -> list[tuple[str, ...]]:
    """String features of each candidate arm (for :class:`ArmSelector`): how often and where it
    is named, by whom (model, rule, "X group" phrasing), what its name looks like, and how it
    ranks against the other candidates of the abstract."""
    for g in groups:
        g.score = score_group(g)
    ranked = sorted(groups, key=lambda g: (-g.score, g.first))
    rank = {id(g): i for i, g in enumerate(ranked)}
    top = ranked[0].score if ranked else 1.0
    title_low = title.casefold()
    title_hits: dict[int, int] = {}
    for g in groups:
        spellings = {m.text.casefold() for m in g.mentions} | {g.key.casefold()}
        long_form = namer.short_to_long.get(g.key)
        if long_form:
            spellings.add(long_form.casefold())
        hits = [title_low.find(s) for s in spellings if s and title_low.find(s) >= 0]
        if hits:
            title_hits[id(g)] = min(hits)
    title_order = {k: i for i, k in enumerate(sorted(title_hits, key=title_hits.__getitem__))}
    stated = stated_arm_count(text)
    out: list[tuple[str, ...]] = []
    for g in groups:
        sources = Counter(
            "model"
            if m.source == "model"
            else "group"
            if m.source == "group"
            else "randomised"
            if m.source.endswith((".randomised", ".title"))
            else "lexicon"
            if m.source.endswith(".lexicon")
            else "rule"
            for m in g.mentions
        )
        occurrences = len(find_phrase(text, g.key, ignore_case=not g.key.isupper()))
        words = g.key.split()
        long_form = namer.short_to_long.get(g.key)
        feats = [
            f"mentions={_bucket(len(g.mentions), (1, 2, 3, 5, 9))}",
            f"occurrences={_bucket(occurrences, (0, 1, 2, 3, 5, 9))}",
            f"rank={_bucket(rank[id(g)] + 1, (1, 2, 3, 4))}",
            f"rel={_bucket(int(10 * g.score / top) if top else 0, (2, 4, 6, 8, 9))}",
            f"words={_bucket(len(words), (1, 2, 3))}",
            f"role={arm_role(g.key, long_form)}",
            f"head={words[-1] if words else ''}",
        ]
        for source, count in sources.items():
            feats.append(f"src_{source}={_bucket(count, (1, 2, 4))}")
        kinds = Counter(_section_kind(m.section) for m in g.mentions)
        feats.extend(f"sec_{k}" for k in kinds)
        labels = Counter(m.label for m in g.mentions)
        if labels["COMPARATOR"] > labels["INTERVENTION"]:
            feats.append("said_comparator")
        if id(g) in title_order:
            feats.append(f"title={_bucket(title_order[id(g)] + 1, (1, 2))}")
        if long_form:
            feats.append("abbreviation")
        if g.key.isupper() or re.fullmatch(r"[A-Z0-9-]{2,8}", g.key):
            feats.append("acronym")
        if re.search(r"\d", g.key):
            feats.append("digit")
        if _GENERIC.match(g.key) or _NOT_ARM.match(g.key):
            feats.append("generic")
        if any(
            abs(d - m.end) < 25 or abs(m.start - d) < 40 for d in dose_starts for m in g.mentions
        ):
            feats.append("dose_near")
        if stated:
            feats.append(f"stated={stated}")
        feats.append(f"first={words[0] if words else ''}")
        feats.append(f"chars={_bucket(len(g.key), (3, 6, 10, 16, 25))}")
        late = sum(1 for m in g.mentions if _section_kind(m.section) in ("results", "conclusion"))
        feats.append(f"late={_bucket(late, (0, 1, 2, 4))}")
        if any(_VS.search(text, max(0, m.start - 30), m.start) for m in g.mentions) or any(
            _VS.match(text, m.end) for m in g.mentions
        ):
            feats.append("compared")
        out.append(tuple(feats))
    return out
