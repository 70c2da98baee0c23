"""The summary in the terminal: one rich table per group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render import safe_text
from .model import NOT_STATED, EvidenceSummary, GroupSummary
from .wording import _clip, _counts, _empty_message, _overview, _participants, _studies

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

_DIRECTION_STYLE = {"increased": "green", "decreased": "yellow", "no difference": "dim"}


def _t(text: str, style: str = "", clip: int | None = None) -> Text:
    """Untrusted ``text`` for rich: a ``Text`` (markup brackets stay literal) with escape
    sequences and control characters removed, clipped to ``clip`` characters when given."""
    from rich.text import Text

    text = safe_text(text)
    return Text(_clip(text, clip) if clip else text, style=style)


def render_terminal(summary: EvidenceSummary, console: Console) -> None:
    """One rich table per group: outcome, study, result, direction (long text is truncated).

    Every string from the records reaches rich through :func:`_t`, never as markup."""
    from rich.table import Table

    console.print(
        _t(
            f"Evidence summary: {summary.query}" if summary.query else "Evidence summary",
            style="bold",
        )
    )
    console.print(_t(_overview(summary), style="dim"))
    if not summary.groups:
        console.print(_t(_empty_message(summary)))
        return
    for number, group in enumerate(summary.groups, 1):
        doses = "; ".join(r.describe() for r in group.dose_ranges) or NOT_STATED
        comparators = ", ".join(f"{n} ({c})" for n, c in group.comparators) or "none named"
        designs = ", ".join(f"{d} ({c})" for d, c in group.designs)
        console.print()
        title = f"{number}. {group.display_name} — {group.condition}"
        console.print(_t(title, style="bold", clip=100))
        facts = (
            f"{_studies(group.n_studies)} · participants: {_participants(group)} · {designs} · "
            f"doses: {doses} · comparators: {comparators}"
        )
        console.print(_t(facts, style="dim", clip=240))
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
                    _t(outcome.name),
                    _t(label),
                    _t(results, clip=120),
                    _t(direction, style=style),
                )
        for event in group.adverse_events:
            count = f" (n={event.count})" if event.count is not None else ""
            table.add_row(
                _t(event.kind.replace("_", " "), style="red"),
                _t(summary.study(event.study_id).label),
                _t(f"{event.name}{count}"),
                _t("—"),
            )
        if not group.outcomes and not group.adverse_events and group.comparisons:
            _comparisons_table(group, summary, console)
            continue  # no per-outcome figures: the comparisons are the whole story
        if not group.outcomes and not group.adverse_events:
            for ref in group.studies:
                table.add_row(
                    _t("(no outcome figures)", style="dim"), _t(ref.label), _t(""), _t("")
                )
        console.print(table)
        if group.comparisons:
            _comparisons_table(group, summary, console)


def _comparisons_table(group: GroupSummary, summary: EvidenceSummary, console: Console) -> None:
    """Per outcome the direction counts, then one row per comparison with its study."""
    from rich.table import Table

    table = Table(
        title=_t(f"Comparisons: {group.display_name} vs control", clip=90),
        caption="▲ increased · ▼ decreased · = no difference · ? not stated",
    )
    table.add_column("Outcome", max_width=26, overflow="ellipsis")
    table.add_column("Study", max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("Versus", max_width=16, overflow="ellipsis", no_wrap=True)
    table.add_column("Direction", no_wrap=True)
    table.add_column("Figures", max_width=30, overflow="ellipsis")
    for outcome in group.comparisons:
        for i, item in enumerate(outcome.items):
            name = _t(outcome.name, style="bold") if i == 0 else _t("")
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
                _t(summary.study(item.study_id).label),
                _t(item.versus),
                _t(direction, style=_DIRECTION_STYLE.get(item.direction or "", "")),
                _t(figures or "—", clip=120),
            )
    console.print(table)
