"""The summary as Markdown: one section per group, footnotes quoting the source sentences."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import DIRECTIONS, NOT_STATED, EvidenceSummary, GroupSummary, Source, StudyRef
from .wording import _clip, _empty_message, _overview, _participants


class _Footnotes:
    """Numbered Markdown footnotes, one per distinct source sentence."""

    def __init__(self, summary: EvidenceSummary) -> None:
        self.summary = summary
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.lines: list[str] = []

    def ref(self, source: Source) -> str:
        key = (source.study_id, source.sentence_start, source.sentence_end)
        if key not in self.numbers:
            self.numbers[key] = number = len(self.numbers) + 1
            study = self.summary.study(source.study_id)
            self.lines.append(
                f"[^{number}]: {study.label}, characters {source.sentence_start}–"
                f"{source.sentence_end}: “{_md_text(source.sentence)}”"
            )
        return f"[^{self.numbers[key]}]"


def _md_text(text: str) -> str:
    """Plain text made safe for Markdown inline content and table cells."""
    text = " ".join(text.split())
    # ">" and "#" only matter at the start of a line, which a cell or footnote text never is.
    text = re.sub(r"([\\`*_\[\]<|])", r"\\\1", text)
    return text


def _md_study(study: StudyRef) -> str:
    if study.url:
        return f"[{study.label}]({study.url})"
    return f"`{study.id}`"


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(summary: EvidenceSummary) -> str:
    """The summary as Markdown: one section per group, footnotes quoting the source sentences."""
    notes = _Footnotes(summary)
    title = f"Evidence summary: {_md_text(summary.query)}" if summary.query else "Evidence summary"
    out = [f"# {title}", "", _overview(summary), ""]
    if not summary.groups:
        out += [_empty_message(summary), ""]
    for number, group in enumerate(summary.groups, 1):
        out += _md_group(number, group, summary, notes)
    if summary.studies:
        out += ["## Studies", ""]
        for study in summary.studies:
            out.append(f"- {_md_study(study)} — {_md_text(_study_line(study))}")
        out.append("")
    if notes.lines:
        out += [*notes.lines, ""]
    return "\n".join(out)


def _study_line(study: StudyRef) -> str:
    parts = [study.title or "(untitled)"]
    parts += [str(study.year)] if study.year else []
    parts += [study.design or "design not stated"]
    parts += [f"n={study.n}" if study.n is not None else "n not stated"]
    parts += [f"doi:{study.doi}"] if study.doi else []
    parts += [study.id] if study.pmid else []
    return " · ".join(parts)


def _md_group(
    number: int, group: GroupSummary, summary: EvidenceSummary, notes: _Footnotes
) -> list[str]:
    designs = ", ".join(f"{d} ({c})" for d, c in group.designs)
    doses = "; ".join(
        _md_text(r.amounts)
        + "".join(dict.fromkeys(notes.ref(src) for src in r.sources))
        + (f" ({_md_text(r.qualifiers)})" if r.qualifiers else "")
        for r in group.dose_ranges
    )
    comparators = ", ".join(f"{_md_text(n)} ({c})" for n, c in group.comparators)
    out = [
        f"## {number}. {_md_text(group.display_name)} — {_md_text(group.condition)}",
        "",
        f"**Studies:** {group.n_studies} · **Participants:** {_participants(group)} · "
        f"**Designs:** {_md_text(designs)} · **Doses:** {doses or 'not stated'} · "
        f"**Comparators:** {comparators or 'none named'}",
        "",
        _md_row(["Study", "Year", "Design", "n", "Title"]),
        _md_row(["---"] * 5),
    ]
    for study in group.studies:
        n = f"{study.n}{notes.ref(study.n_source)}" if study.n_source else str(study.n or "?")
        out.append(
            _md_row(
                [
                    _md_study(study),
                    str(study.year or ""),
                    _md_text(study.design or NOT_STATED),
                    n,
                    _md_text(_clip(study.title, 90)),
                ]
            )
        )
    out.append("")
    if group.outcomes:
        out += ["### Outcomes", "", _md_row(["Outcome", "Study", "Result", "Direction"])]
        out.append(_md_row(["---"] * 4))
        for outcome in group.outcomes:
            for finding in outcome.findings:
                results = "; ".join(
                    _md_text(item.text) + notes.ref(item.source) for item in finding.results
                )
                direction = finding.direction or "—"
                if finding.direction_source:
                    direction += notes.ref(finding.direction_source)
                study = summary.study(finding.study_id)
                out.append(
                    _md_row([_md_text(outcome.name), _md_study(study), results or "—", direction])
                )
        out.append("")
    if group.comparisons:
        out += _md_comparisons(group, summary, notes)
    if group.adverse_events:
        out += ["### Adverse events", "", _md_row(["Event", "Kind", "Count", "Study"])]
        out.append(_md_row(["---"] * 4))
        for event in group.adverse_events:
            count = "" if event.count is None else str(event.count)
            out.append(
                _md_row(
                    [
                        _md_text(event.name) + notes.ref(event.source),
                        event.kind.replace("_", " "),
                        count,
                        _md_study(summary.study(event.study_id)),
                    ]
                )
            )
        out.append("")
    return out


def _md_comparisons(group: GroupSummary, summary: EvidenceSummary, notes: _Footnotes) -> list[str]:
    """Direction counts per outcome, then every comparison with its figures and sentence."""
    heads = [d.capitalize() for d in DIRECTIONS]
    out = [
        f"### Comparisons: {_md_text(group.display_name)} vs control",
        "",
        _md_row(["Outcome", *heads, "Not stated", "Studies"]),
        _md_row(["---"] * (len(DIRECTIONS) + 3)),
    ]
    for outcome in group.comparisons:
        counts = [str(n) for _, n in outcome.counts]
        out.append(
            _md_row(
                [_md_text(outcome.name), *counts, str(outcome.count(None)), str(outcome.n_studies)]
            )
        )
    out += [
        "",
        _md_row(["Outcome", "Study", "Versus", "Direction", "Per arm", "P", "Effect"]),
        _md_row(["---"] * 7),
    ]
    for outcome in group.comparisons:
        for item in outcome.items:
            direction = (item.direction or "not stated") + notes.ref(item.source)
            if item.reversed:
                stated = f"{item.versus} vs {item.intervention}"
                direction += f" (reversed: stated as {_md_text(stated)})"
            arms = "; ".join(_md_text(r.text) + notes.ref(r.source) for r in item.arms)
            out.append(
                _md_row(
                    [
                        _md_text(outcome.name),
                        _md_study(summary.study(item.study_id)),
                        _md_text(item.versus),
                        direction,
                        arms or "—",
                        _md_text(item.p_value or "—"),
                        _md_text(item.effect or "—"),
                    ]
                )
            )
    out.append("")
    return out
