"""Features of candidate arms for the learned arm selector (:mod:`extractor.nlp.arm_selector`).

Strings, so the model is a dictionary of weights: how often and where a candidate is named, by
whom (model span, rule, "the X group" phrasing), what its name looks like, and how it ranks
against the other candidates of the abstract.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .arms import GENERIC_ARM, NOT_ARM, ArmGroup, ArmNamer, arm_role, score_group, stated_arm_count
from .common import find_phrase


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
        if GENERIC_ARM.match(g.key) or NOT_ARM.match(g.key):
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
