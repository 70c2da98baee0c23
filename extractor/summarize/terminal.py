"""The summary in the terminal: one rich table per group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import NOT_STATED, EvidenceSummary
from .wording import _clip, _empty_message, _overview, _participants, _studies

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
        if not group.outcomes and not group.adverse_events:
            for ref in group.studies:
                table.add_row(
                    Text("(no outcome figures)", style="dim"), Text(ref.label), Text(""), Text("")
                )
        console.print(table)
