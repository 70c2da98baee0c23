"""The summary in the terminal: one rich table per group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import NOT_STATED, EvidenceSummary, GroupSummary
from .wording import _clip, _counts, _empty_message, _overview, _participants, _studies

if TYPE_CHECKING:
    from rich.console import Console

_DIRECTION_STYLE = {"increased": "green", "decreased": "yellow", "no difference": "dim"}


def render_terminal(summary: EvidenceSummary, console: Console) -> None:
    """One rich table per group: outcome, study, result, direction (long text is truncated)."""
    from rich.table import Table
    from rich.text import Text

    console.print(
        Text(
            f"Evidence summary: {summary.query}" if summary.query else "Evidence summary",
            style="bold",
        )
    )
    console.print(Text(_overview(summary), style="dim"))
    if not summary.groups:
        console.print(_empty_message(summary))
        return
    for number, group in enumerate(summary.groups, 1):
        doses = "; ".join(r.describe() for r in group.dose_ranges) or NOT_STATED
        comparators = ", ".join(f"{n} ({c})" for n, c in group.comparators) or "none named"
        designs = ", ".join(f"{d} ({c})" for d, c in group.designs)
        console.print()
        title = f"{number}. {group.display_name} — {group.condition}"
        console.print(Text(_clip(title, 100), style="bold"))
        facts = (
            f"{_studies(group.n_studies)} · participants: {_participants(group)} · {designs} · "
            f"doses: {doses} · comparators: {comparators}"
        )
        console.print(Text(_clip(facts, 240), style="dim"))
        table = Table()
        table.add_column("Outcome", max_width=30, overflow="ellipsis", no_wrap=True)
        table.add_column("Study", max_width=22, overflow="ellipsis", no_wrap=True)
        table.add_column("Result", max_width=44, overflow="ellipsis")
        table.add_column("Direction", no_wrap=True)
        for outcome in group.outcomes:
            for finding in outcome.findings:
                label = summary.study(finding.study_id).label
                results = "; ".join(r.text for r in finding.results) or "—"
                direction = finding.direction or "—"
                style = _DIRECTION_STYLE.get(finding.direction or "", "")
                table.add_row(
                    Text(outcome.name),
                    Text(label),
                    Text(_clip(results, 120)),
                    Text(direction, style=style),
                )
        for event in group.adverse_events:
            count = f" (n={event.count})" if event.count is not None else ""
            table.add_row(
                Text(event.kind.replace("_", " "), style="red"),
                Text(summary.study(event.study_id).label),
                Text(f"{event.name}{count}"),
                Text("—"),
            )
        if not group.outcomes and not group.adverse_events and group.comparisons:
            _comparisons_table(group, summary, console)
            continue  # no per-outcome figures: the comparisons are the whole story
        if not group.outcomes and not group.adverse_events:
            for ref in group.studies:
                table.add_row(
                    Text("(no outcome figures)", style="dim"), Text(ref.label), Text(""), Text("")
                )
        console.print(table)
        if group.comparisons:
            _comparisons_table(group, summary, console)


def _comparisons_table(group: GroupSummary, summary: EvidenceSummary, console: Console) -> None:
    """Per outcome the direction counts, then one row per comparison with its study."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=_clip(f"Comparisons: {group.display_name} vs control", 90),
        caption="▲ increased · ▼ decreased · = no difference · ? not stated",
    )
    table.add_column("Outcome", max_width=26, overflow="ellipsis")
    table.add_column("Study", max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("Versus", max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("Direction", no_wrap=True)
    table.add_column("Figures", max_width=30, overflow="ellipsis")
    for outcome in group.comparisons:
        for i, item in enumerate(outcome.items):
            name = Text(outcome.name, style="bold") if i == 0 else Text("")
            if i == 0:
                name.append(f"\n{_counts(outcome.counts, outcome.count(None))}", style="dim")
            direction = item.direction or "—"
            if item.reversed:
                direction += " (reversed)"
            figures = "; ".join(
                [r.text for r in item.arms] + [x for x in (item.p_value, item.effect) if x]
            )
            table.add_row(
                name,
                Text(summary.study(item.study_id).label),
                Text(item.versus),
                Text(direction, style=_DIRECTION_STYLE.get(item.direction or "", "")),
                Text(_clip(figures, 120) or "—"),
            )
    console.print(table)
