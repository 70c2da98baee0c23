"""Wording shared by the summary's builders and renderers: numbers, results, counts, totals."""

from __future__ import annotations

from ..records import Effect, Result
from ..render import clip as _clip
from .model import EvidenceSummary, GroupSummary


def format_result(result: Result) -> str:
    """A result in a short, uniform wording, from its parsed fields (falls back to its text).

    ``11/26 (42.3%)``, ``5 (>75%)``, ``mean 1.8 ± 1.7``, ``OR 2.2 (95% CI 1.3–3.6), P=0.001``.
    """
    r = result
    if r.effect and r.effect_value is not None:
        core = f"{r.effect} {_num(r.effect_value)}"
        if r.ci_low is not None and r.ci_high is not None:
            core += f" (95% CI {_num(r.ci_low)}–{_num(r.ci_high)})"
    elif r.count is not None and r.denominator:
        core = f"{r.count}/{r.denominator}"
        core += f" ({_num(r.percent)}%)" if r.percent is not None else ""
    elif r.count is not None and r.threshold:
        core = f"{r.count} ({r.threshold})"
    elif r.count is not None and r.percent is not None:
        core = f"{r.count} ({_num(r.percent)}%)"
    elif r.mean is not None or r.median is not None:
        label = "mean" if r.mean is not None else "median"
        short = " ".join(r.text.split())
        if len(short) <= 30:  # the text keeps units ("69 minutes") the fields lose
            core = short if short.lower().startswith(label) else f"{label} {short}"
        else:
            core = f"{label} {_num(r.mean if r.mean is not None else r.median)}"
            core += f" ± {_num(r.sd)}" if r.sd is not None else ""
            core += f" (IQR {r.iqr})" if r.iqr else ""
    elif r.percent is not None:
        core = f"{_num(r.percent)}%"
    elif r.count is not None:
        core = str(r.count)
    elif r.p_value:
        core = ""
    else:
        core = _clip(" ".join(r.text.split()), 60)
    parts = [core] if core else []
    if r.p_value and r.p_value not in core:
        parts.append(" ".join(r.p_value.split()))
    text = ", ".join(parts)
    if r.time_point:
        text += f" {r.time_point}"
    return f"{r.arm}: {text}" if r.arm else text


def format_effect(effect: Effect | None) -> str:
    """``OR 8.1 (CI 1.6–41)``; "" without an effect estimate."""
    return effect.describe(_num) if effect is not None else ""


#: The arrow shown for each direction (the HTML table of contents, comparison counts).
_ARROWS = {"increased": "▲", "decreased": "▼", "no difference": "="}


def _counts(pairs: tuple[tuple[str, int], ...], not_stated: int = 0) -> str:
    """``▲1 ▼2 =1`` (zeros left out), ``?1`` for comparisons stating no direction."""
    out = [f"{_ARROWS.get(d, d)}{n}" for d, n in pairs if n]
    return " ".join(out + ([f"?{not_stated}"] if not_stated else []))


def _num(value: float | None) -> str:
    if value is None:
        return ""
    value = _round(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:f}".rstrip("0").rstrip(".")


def _round(value: float) -> float:
    """Round away float noise from unit conversion (0.1 × 1e-3 → 0.0001, not 0.00010000…2)."""
    return float(f"{value:.6g}")


def _overview(summary: EvidenceSummary) -> str:
    line = (
        f"{_plural(summary.n_records, 'record')} · "
        f"{_plural(len(summary.groups), 'intervention–condition group')} · "
        f"{_plural(len(summary.studies), 'study', 'studies')} summarised"
    )
    if summary.ungrouped:
        line += f" · {_plural(len(summary.ungrouped), 'record')} without an intervention arm"
    return line + "."


def _empty_message(summary: EvidenceSummary) -> str:
    if not summary.n_records:
        query = f" for “{summary.query}”" if summary.query else ""
        return f"No studies found{query}."
    return "None of the studies names an intervention arm, so there is nothing to group."


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def _studies(count: int) -> str:
    return _plural(count, "study", "studies")


def _participants(group: GroupSummary) -> str:
    """``396``, ``396 (+ 9 studies with unknown n)`` or ``not stated`` when no study gives n."""
    if group.n_unknown == group.n_studies:
        return "not stated"
    text = f"{group.total_participants}"
    if group.n_unknown:
        plural = "study" if group.n_unknown == 1 else "studies"
        text += f" (+ {group.n_unknown} {plural} with unknown n)"
    return text
