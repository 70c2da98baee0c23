"""A bar chart of participants per study, coloured by the study's main intervention.

matplotlib is imported inside :func:`plot_participants`, so the rest of the tool does not pay
for it. The figure is drawn on a bare ``matplotlib.figure.Figure`` with the Agg canvas rather
than through pyplot: that needs no display, keeps no global figure registry and does not
switch the backend of a program that imports us (matplotlib's advice for servers).

Each bar carries the SVG id ``bar-<i>`` (top to bottom), so tests and scripts can find them.
SVG output is byte-for-byte reproducible (fixed ``svg.hashsalt``, no date in the metadata).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..records import CONTROL_ROLES, Evidence
from .describe import arm_name, study_labels
from .files import atomic_binary, check_writable, is_stdout

PLOT_FORMATS: tuple[str, ...] = ("png", "svg")
OTHER = "other interventions"
NONE_FOUND = "no intervention extracted"

_OTHER_COLOUR = "#9e9e9e"
_NONE_COLOUR = "#d9d9d9"
_BAR_INCHES = 0.24  # height per study row
_LOG_RATIO = 50  # largest / smallest n above which the axis is logarithmic


@dataclass(frozen=True, slots=True)
class Bar:
    """One study in the plot: its label, participants and intervention group."""

    label: str
    n: int
    group: str


def _arm_key(record: Evidence) -> tuple[str, str] | None:
    """(grouping key, display name) of the first intervention arm; None without one."""
    arms = [a for a in record.interventions if a.role not in CONTROL_ROLES]
    if not arms:
        return None
    arm = arms[0]
    return (arm.long_form or arm.name).casefold(), arm_name(arm)


def plot_bars(records: Sequence[Evidence], *, top: int = 8) -> list[Bar]:
    """The bars to draw: studies with a known n > 0, grouped by their main intervention.

    The ``top`` most frequent interventions keep their own group (ties broken by name); the
    rest are grouped as ``other interventions``, studies without one as ``no intervention
    extracted``. Bars are ordered by group (largest first), then by n descending.
    """
    labels = study_labels(records)
    keyed = [
        (label, record, _arm_key(record))
        for label, record in zip(labels, records, strict=True)
        if record.population.n is not None and record.population.n > 0
    ]
    counts = Counter(key[0] for _, _, key in keyed if key)
    names: dict[str, str] = {}
    for _, _, key in keyed:
        if key:
            names.setdefault(key[0], key[1])
    kept = sorted(counts, key=lambda k: (-counts[k], names[k].casefold()))[:top]
    order = [names[k] for k in kept] + [OTHER, NONE_FOUND]
    bars = []
    for label, record, key in keyed:
        group = NONE_FOUND if key is None else names[key[0]] if key[0] in kept else OTHER
        bars.append(Bar(label, int(record.population.n or 0), group))
    bars.sort(key=lambda b: (order.index(b.group), -b.n, b.label.casefold()))
    return bars


def plot_format(path: Path, fmt: str | None) -> str:
    """``png`` or ``svg`` from ``fmt`` or else the file suffix (``png`` for ``-``, stdout).

    Raises:
        ConfigError: neither names a supported image format.
    """
    name = (fmt or ("png" if is_stdout(path) else path.suffix.lstrip("."))).lower()
    if name not in PLOT_FORMATS:
        shown = fmt if fmt else (path.suffix or "(no suffix)")
        raise ConfigError(
            f"unknown plot format {shown!r}; choose one of {', '.join(PLOT_FORMATS)}",
            source=str(path),
        )
    return name


def plot_participants(
    records: Iterable[Evidence],
    path: Path,
    *,
    fmt: str | None = None,
    top: int = 8,
    title: str | None = None,
) -> Path:
    """Draw participants per study (horizontal bars) coloured by main intervention.

    Args:
        records: the studies; those without a known number of participants are left out.
        path: the image to write (replaced only once the new image is complete; ``-`` for
            standard output, a device or FIFO is written directly).
        fmt: ``png`` or ``svg``; by default taken from ``path``'s suffix.
        top: how many of the most frequent interventions get their own colour.
        title: the figure title (default: "Participants per study, by intervention").

    Returns:
        ``path``.

    Raises:
        ConfigError: unknown image format.
        InputError: no study reports a number of participants.
        ExportError: the file cannot be written.
    """
    check_writable(path)  # first (a folder has no suffix), and before the slow drawing
    kind = plot_format(path, fmt)
    bars = plot_bars(list(records), top=top)
    if not bars:
        raise InputError("no study reports a number of participants; nothing to plot")

    import matplotlib  # lazy: matplotlib, for the plot export only (start-up time)
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import StrMethodFormatter

    groups = list(dict.fromkeys(b.group for b in bars))
    # tab10 without its grey, which is kept for "other interventions".
    palette = [c for i, c in enumerate(matplotlib.color_sequences["tab10"]) if i != 7]
    named = [g for g in groups if g not in (OTHER, NONE_FOUND)]
    colours = {g: palette[i % len(palette)] for i, g in enumerate(named)}
    colours |= {OTHER: _OTHER_COLOUR, NONE_FOUND: _NONE_COLOUR}
    sizes = Counter(b.group for b in bars)

    # svg.fonttype "none": labels stay <text> (searchable, editable, a tenth of the size);
    # no mathtext, so a title with "$" in it is drawn as written.
    with matplotlib.rc_context(
        {
            "svg.hashsalt": "evidence-export",
            "svg.fonttype": "none",
            "text.parse_math": False,
            "font.size": 8,
        }
    ):
        fig = Figure(figsize=(8.0, max(3.0, 1.6 + _BAR_INCHES * len(bars))))
        ax = fig.add_subplot()
        ys = list(range(len(bars)))
        drawn = ax.barh(
            ys, [b.n for b in bars], color=[colours[b.group] for b in bars], height=0.75
        )
        for index, patch in enumerate(drawn.patches):
            patch.set_gid(f"bar-{index}")
        ax.bar_label(drawn, labels=[str(b.n) for b in bars], padding=2, fontsize=7)
        ax.set_yticks(ys, [b.label for b in bars])
        ax.set_ylim(len(bars) - 0.5, -0.5)  # first bar on top
        ax.margins(x=0.08)
        smallest, largest = min(b.n for b in bars), max(b.n for b in bars)
        if largest >= _LOG_RATIO * smallest:
            # Bars start at the decade below the smallest study, so lengths stay comparable.
            ax.set_xscale("log")
            ax.set_xlim(left=10 ** math.floor(math.log10(smallest)), right=largest * 2.5)
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel("Participants (n)")
        ax.set_title(title or "Participants per study, by intervention")
        ax.spines[["top", "right"]].set_visible(False)
        handles = [Patch(color=colours[g], label=f"{g} ({sizes[g]})") for g in groups]
        ax.legend(
            handles=handles,
            title="Main intervention (studies)",
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            frameon=False,
        )
        metadata: dict[str, Any] = {"Date": None} if kind == "svg" else {}
        with atomic_binary(path) as out:
            fig.savefig(out, format=kind, dpi=150, bbox_inches="tight", metadata=metadata)
    return path


__all__ = [
    "NONE_FOUND",
    "OTHER",
    "PLOT_FORMATS",
    "Bar",
    "plot_bars",
    "plot_format",
    "plot_participants",
]
