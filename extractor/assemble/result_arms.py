"""Result arms: which arm each per-arm figure of ``doc._.results`` belongs to."""

from __future__ import annotations

import itertools
import re
from typing import Any

from ..nlp.arms import INERT as _INERT
from ..nlp.common import find_phrase
from ..records import CONTROL_ROLES, Intervention
from .spans import _sentence_of

#: Row kinds that hold a per-arm figure (effects, CIs and p-values compare arms).
_ARM_KINDS = {
    "count_threshold",
    "count_percent",
    "fraction",
    "percent",
    "mean_sd",
    "median_iqr",
    "continuous",
}
_ARM_AFTER = re.compile(
    r"[\s)\]%]*(?:[a-z-]+\s+){0,2}?(?:(?:patients?|participants?|subjects?|women|men|children|"
    r"cases|eyes)\s+)?(?:in|with|for|among|receiving|on|of|from|taking|given|treated\s+with|"
    r"randomi[sz]ed\s+to|allocated\s+to|after|under|using|vs\.?|versus)?\s*(?:the\s+|an?\s+)?$"
)
_NO_ARM_BETWEEN = re.compile(r"\d|\b(?:vs|versus|compared|than|and|respectively|but|while)\b|[;]")
_PAIR_JOIN = re.compile(
    r"^[\s,;)\]]*(?:[a-zA-Z/]+\s*)?[)\]]?\s*,?\s*(?:vs\.?|versus|compared\s+(?:with|to)|and|to|,)"
    r"\s*[(\[]?\s*$",
    re.IGNORECASE,
)


def _arm_aliases(interventions: tuple[Intervention, ...]) -> list[tuple[str, str]]:
    """``(alias, arm name)``: names, long forms, and generic words for the control arm."""
    out: list[tuple[str, str]] = []
    for arm in interventions:
        out.append((arm.name, arm.name))
        if arm.long_form:
            out.append((arm.long_form, arm.name))
    control = next((i for i in interventions if i.role in CONTROL_ROLES), None) or next(
        (i for i in interventions if _INERT.match(i.name)), None
    )
    main = [i for i in interventions if i is not control]
    generic: list[tuple[str, str]] = []
    if control is not None:
        generic += [
            (w, control.name)
            for w in ("control group", "controls", "control", "placebo group", "placebo")
        ]
    if main:
        generic += [
            (w, main[0].name)
            for w in (
                "intervention group",
                "intervention arm",
                "experimental group",
                "experimental arm",
                "treatment group",
                "study group",
                "intervention",
            )
        ]
    known = {a.lower() for a, _ in out}
    out += [(a, n) for a, n in generic if a.lower() not in known]
    return out


def _arm_mentions(text: str, interventions: tuple[Intervention, ...]) -> list[tuple[int, int, str]]:
    """Every mention of an arm in ``text``: ``(start, end, arm name)``, longest first."""
    found: list[tuple[int, int, str]] = []
    for alias, name in _arm_aliases(interventions):
        alias = alias.strip()
        if len(alias) < 2:
            continue
        exact_case = len(alias) <= 5 and alias.upper() == alias
        found.extend((a, b, name) for a, b in find_phrase(text, alias, ignore_case=not exact_case))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out: list[tuple[int, int, str]] = []
    for m in found:
        if out and m[0] < out[-1][1]:
            continue
        out.append(m)
    return out


def _result_arms(
    text: str,
    rows: list[dict[str, Any]],
    starts: list[int],
    interventions: tuple[Intervention, ...],
) -> dict[int, str]:
    """Row index → arm name for per-arm figures.

    In order of trust: an arm named right after the figure ("12 (40%) in the IVIg group",
    "4/48 anastrozole patients"); "X and Y in the A and B groups, respectively" by order;
    an arm named right before it ("IVIg: 12%", "placebo (20%)"); pairs "X vs Y" after a
    sentence naming two arms, by order; else the arm named nearest before it in the same
    clause (not across ";").
    """
    if not interventions:
        return {}
    mentions = _arm_mentions(text, interventions)
    if not mentions:
        return {}
    out: dict[int, str] = {}
    by_sent: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        if row.get("kind") in _ARM_KINDS:
            by_sent.setdefault(_sentence_of(starts, row["start"]), []).append(i)
    for sent, idx in by_sent.items():
        s_start = starts[sent]
        s_end = starts[sent + 1] if sent + 1 < len(starts) else len(text)
        here = [m for m in mentions if s_start <= m[0] < s_end]
        if not here:
            continue
        # "... X and Y in the A and B groups, respectively"
        for resp in re.finditer(r"\brespectively\b", text[s_start:s_end]):
            at = s_start + resp.start()
            prev = [r.end() for r in re.finditer(r"\brespectively\b", text[s_start:at])]
            lo = s_start + (prev[-1] if prev else 0)
            group = [i for i in idx if lo <= rows[i]["start"] < at and i not in out]
            if len(group) < 2:
                continue
            window = [m for m in here if lo <= m[0] < at]
            after_first = [m for m in window if m[0] > rows[group[0]]["end"]]
            for pool in (after_first, window):
                names = list(dict.fromkeys(m[2] for m in pool))
                if len(names) == len(group):
                    out.update(zip(group, names, strict=True))
                    break
        for i in idx:
            if i in out:
                continue
            row = rows[i]
            after = [m for m in here if m[0] >= row["end"] and m[0] - row["end"] <= 60]
            if (
                after
                and _ARM_AFTER.fullmatch(text[row["end"] : after[0][0]])
                and not re.match(r"\s*[:=]", text[after[0][1] :])
            ):
                out[i] = after[0][2]
                continue
            nxt = idx[idx.index(i) + 1] if idx.index(i) + 1 < len(idx) else None
            if nxt is not None and _PAIR_JOIN.match(text[row["end"] : rows[nxt]["start"]]):
                continue  # "A compared with B (x vs y)": x is not B's; left to the pair rule
            before = [m for m in here if m[1] <= row["start"]]
            if before and row["start"] - before[-1][1] <= 25:
                between = text[before[-1][1] : row["start"]]
                if not _NO_ARM_BETWEEN.search(between):
                    out[i] = before[-1][2]
        # pairs "X vs Y" after a sentence naming two arms in order
        for a, b in itertools.pairwise(idx):
            if a in out or b in out:
                continue
            if not _PAIR_JOIN.match(text[rows[a]["end"] : rows[b]["start"]]):
                continue
            names = list(dict.fromkeys(m[2] for m in here if m[1] <= rows[a]["start"]))
            if len(names) >= 2:
                out[a], out[b] = names[0], names[1]
        for i in idx:
            if i in out:
                continue
            row = rows[i]
            clause = text.rfind(";", s_start, row["start"]) + 1 or s_start
            before = [m for m in here if clause <= m[0] and m[1] <= row["start"]]
            if before and not any(
                before[-1][1] <= rows[j]["start"] < row["start"] for j in idx if j != i
            ):
                out[i] = before[-1][2]  # no other figure between the arm and this one
    return out
