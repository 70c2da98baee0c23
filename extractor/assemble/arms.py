"""Arms: the trial's interventions and controls, each with its own doses and size.

Candidates come from the PICO model's ``INTERVENTION`` spans first and the rules' spans beside
them (:mod:`extractor.nlp.arms` cleans, groups, scores and selects them); doses go to the arm
named next to them in their sentence; arm sizes as before (:mod:`.interventions`). With no arm
named, one arm holds every dose (:func:`.interventions._dose_only_arm`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from spacy.tokens import Doc

from ..nlp.arm_features import candidate_features
from ..nlp.arm_selector import load_selector
from ..nlp.arms import (
    ArmGroup,
    ArmNamer,
    Mention,
    arm_mentions,
    arm_of_size,
    arm_role,
    group_by_key,
    junk_arm_name,
    stated_arm_count,
)
from ..nlp.arms import select_arms as _select
from ..nlp.common import abbreviation_records, doc_text, find_phrase
from ..records import CONTROL_ROLES, Dose, Intervention, Span
from .interventions import _dose_only_arm, dose_from_row
from .spans import _from_model, _sentence_of


def arm_candidates(
    doc: Doc, spans: tuple[Span, ...]
) -> tuple[list[ArmGroup], ArmNamer, list[tuple[str, ...]]]:
    """Every candidate arm of ``doc`` (mentions grouped by name), the namer that keyed them,
    and each candidate's features for the learned selector."""
    text = doc_text(doc)
    sections = [(int(r[0]), int(r[1]), r[2]) for r in doc._.sent_sections or []]
    raw = [
        (s.label, s.start, s.end, "model" if _from_model(s) else s.source, s.section)
        for s in spans
        if s.label in ("INTERVENTION", "COMPARATOR") and not junk_arm_name(s.text)
    ]
    abbreviations = abbreviation_records(doc)
    namer = ArmNamer((a["short"], a["long"]) for a in abbreviations)
    mentions = [m for m in arm_mentions(raw, text, sections) if not junk_arm_name(m.text)]
    groups = group_by_key(mentions, namer)
    dose_starts = [int(r["start"]) for r in doc._.doses or []]
    features = candidate_features(groups, text, doc._.title or "", namer, dose_starts)
    return groups, namer, features


def build_arms(doc: Doc, spans: tuple[Span, ...], starts: list[int]) -> tuple[Intervention, ...]:
    """The arms of the trial in ``doc`` (intervention arms first, then controls)."""
    text = doc_text(doc)
    candidates, namer, features = arm_candidates(doc, spans)
    selector = load_selector()
    if selector is not None:
        stated = stated_arm_count(text)
        groups = selector.choose(candidates, features, cap=min(stated or 4, 4))
    else:
        groups = _select(candidates, text)
    if not groups:
        return _dose_only_arm(doc)
    _every_mention(text, groups, namer)
    title = doc._.title or ""
    arms = _ordered(groups, namer, title)
    doses = _attach_doses(doc, arms, starts)
    sizes = _arm_sizes(doc, arms, starts)
    out: list[Intervention] = []
    for group, role in arms:
        long_form = namer.short_to_long.get(group.key)
        anchor = _anchor(group, long_form)
        out.append(
            Intervention(
                name=anchor.text,
                start=anchor.start,
                end=anchor.end,
                long_form=long_form,
                role=role,
                doses=tuple(doses[group.key]),
                n=sizes.get(group.key),
                source=anchor.source,
            )
        )
    return tuple(out)


def _every_mention(text: str, groups: list[ArmGroup], namer: ArmNamer) -> None:
    """Add every occurrence of each arm's spellings (the model tags some mentions only), never
    inside a longer mention of another arm."""
    taken = [(m.start, m.end) for g in groups for m in g.mentions]
    for group in groups:
        spellings = {m.text for m in group.mentions} | {group.key}
        long_form = namer.short_to_long.get(group.key)
        if long_form:
            spellings.add(long_form)
        for spelling in sorted(spellings, key=len, reverse=True):
            if len(spelling) < 3:
                continue
            for start, end in find_phrase(text, spelling, ignore_case=not spelling.isupper()):
                if any(a < end and start < b for a, b in taken):
                    continue
                taken.append((start, end))
                group.mentions.append(Mention(start, end, text[start:end], "INTERVENTION", "text"))


def _anchor(group: ArmGroup, long_form: str | None) -> Mention:
    """The mention that names the arm: the abbreviation when one is defined, else the most
    frequent spelling (first mention on ties)."""
    if long_form:
        exact = [m for m in group.mentions if m.text == group.key]
        if exact:
            return exact[0]
    counts = Counter(m.text for m in group.mentions)
    best = max(counts.values())
    return next(m for m in sorted(group.mentions, key=lambda m: m.start) if counts[m.text] == best)


def _ordered(groups: list[ArmGroup], namer: ArmNamer, title: str) -> list[tuple[ArmGroup, str]]:
    """Arms with roles: named controls by their words; the active arm named first in the title
    (else the best scored) is the intervention; with no control arm a second active arm is the
    comparator; other active arms of a trial with a control are interventions too."""
    roles = {g.key: arm_role(g.key, namer.short_to_long.get(g.key)) for g in groups}
    title_low = title.casefold()

    def title_pos(g: ArmGroup) -> int:
        names = {m.text.casefold() for m in g.mentions} | {g.key.casefold()}
        long_form = namer.short_to_long.get(g.key)
        if long_form:
            names.add(long_form.casefold())
        hits = [title_low.find(n) for n in names if n and title_low.find(n) >= 0]
        return min(hits) if hits else 10**6

    def said_comparator(g: ArmGroup) -> bool:
        labels = Counter(m.label for m in g.mentions if m.source not in ("group", "text"))
        return labels["COMPARATOR"] > labels["INTERVENTION"]

    active = sorted(
        (g for g in groups if roles[g.key] == "intervention"),
        key=lambda g: (title_pos(g), said_comparator(g), g.first),
    )
    controls = [g for g in groups if roles[g.key] != "intervention"]
    out: list[tuple[ArmGroup, str]] = []
    for i, g in enumerate(active):
        role = "comparator" if i > 0 and not controls and len(active) == 2 else "intervention"
        out.append((g, role))
    out.extend((g, roles[g.key]) for g in controls)
    return out


def _attach_doses(
    doc: Doc, arms: list[tuple[ArmGroup, str]], starts: list[int]
) -> dict[str, list[Dose]]:
    """Each dose goes to the arm named next to it in its sentence ("Remifentanil 0.5 μg/kg",
    "10 μg/kg of Alfentanil"), else to the nearest arm named before it, else after it; with no
    arm in the sentence, to the main intervention. Placebo and usual-care arms take no dose."""
    text = doc_text(doc)
    out: dict[str, list[Dose]] = {g.key: [] for g, _ in arms}
    dosable = [(g, r) for g, r in arms if r not in CONTROL_ROLES or r == "comparator"] or arms
    mentions = sorted(
        ((m.start, m.end, g.key) for g, _ in dosable for m in g.mentions), key=lambda x: x[0]
    )
    main = dosable[0][0].key
    seen: set[tuple[Any, ...]] = set()
    for row in doc._.doses or []:
        start, end = row["start"], row["end"]
        sent = _sentence_of(starts, start)
        best: tuple[float, str] | None = None
        for m_start, m_end, key in mentions:
            if _sentence_of(starts, m_start) != sent:
                continue
            if m_end <= start:
                between = text[m_end:start]
                cost = float(len(between))
            elif m_start >= end:
                between = text[end:m_start]
                cost = len(between) + (0.0 if between.strip() in ("of", "(", "") else 40.0)
            else:
                continue
            if best is None or cost < best[0]:
                best = (cost, key)
        owner = best[1] if best else main
        dkey = (owner, row["amount"], row["amount_max"], row["unit"], row["per"], row["multiplier"])
        if dkey in seen:
            continue
        seen.add(dkey)
        out[owner].append(dose_from_row(row))
    return out


def _arm_sizes(doc: Doc, arms: list[tuple[ArmGroup, str]], starts: list[int]) -> dict[str, int]:
    """Per-arm sizes paired with the arms named in their sentence (as :mod:`.interventions`)."""
    text = doc_text(doc)
    mentions = sorted((m.start, m.end, g.key) for g, _ in arms for m in g.mentions)
    arm_rows = [r for r in doc._.sample_sizes or [] if r["kind"] == "arm"]
    out: dict[str, int] = {}
    for row in arm_rows:
        sent = _sentence_of(starts, row["start"])
        rows = [r for r in arm_rows if _sentence_of(starts, r["start"]) == sent]
        keys = list(dict.fromkeys(m[2] for m in mentions if _sentence_of(starts, m[0]) == sent))
        arm: str | None
        if len(rows) >= 2 and len(rows) == len(keys):
            arm = keys[rows.index(row)]
        else:
            same = [m for m in mentions if _sentence_of(starts, m[0]) == sent]
            arm = arm_of_size(text, row["text"], row["start"], row["end"], same)
            if arm is None:
                before = [
                    m[2]
                    for m in mentions
                    if _sentence_of(starts, m[0]) == sent and m[1] <= row["start"]
                ]
                arm = before[-1] if before else None
        if arm is not None and arm not in out:
            out[arm] = row["n"]
    return out
