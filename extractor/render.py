"""Plain renderings of records and hits for the terminal and CSV (no logic beyond layout).

Text from a page is untrusted: it may hold rich markup (``[/b]``, ``[mg/kg]``) and terminal
escape sequences (OSC 52 writes the clipboard, OSC 8 makes links, CSI moves the cursor).
Everything printed to a terminal goes through :func:`safe_text` (plain text) or is handed to
rich as a :class:`~rich.text.Text` (never as a markup string); JSON goes through
:func:`json_safe`. The stored text is never changed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.table import Table
from rich.text import Text

from .clean.sections import ESCAPE_SEQUENCES

if TYPE_CHECKING:
    from .query import Hit
    from .records import Evidence

# --- terminal safety ---------------------------------------------------------------------------

# Whole escape sequences first, so their payload (an OSC 52 clipboard text, an OSC 8 URL) goes
# with them (the cleaner's pattern: OSC/DCS/SOS/PM/APC strings up to BEL or ST, CSI with its
# parameters, two-byte ESC); what is left of a longer one loses its controls below.
_ESCAPES = ESCAPE_SEQUENCES
# Then every C0 control but newline and tab, DEL and every C1 control (a lone ESC included).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x7f-\x9f]")


def one_line(text: str) -> str:
    """:func:`safe_text` on one line, for error and status lines: a newline or tab inside it
    (a file name may hold one) is shown as ``\\n`` / ``\\t``."""
    return safe_text(text).replace("\n", "\\n").replace("\t", "\\t")


def safe_text(text: str) -> str:
    """``text`` fit for a terminal: escape sequences and control characters removed.

    Drops OSC (``ESC ] … BEL/ST``), DCS/APC/PM/SOS strings, CSI (``ESC [ …``, ``\\x9b …``)
    and other ESC sequences with their payload, then every remaining C0 control except
    newline and tab (carriage return included), DEL and every C1 control. Markup brackets are
    ordinary characters here: hand the result to rich as a ``Text``.
    """
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def json_safe(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with DEL and C1 controls escaped.

    ``json.dumps`` escapes C0 controls (``\\u001b``) but writes U+007F–U+009F as they are, and
    some terminals obey a raw U+009B as CSI. Outside strings JSON holds no such character, so
    ``\\u009b`` is the same value: ``json.loads`` gives back exactly the stored text.
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def output_width(stream: TextIO | None = None) -> int | None:
    """Columns to wrap plain-text reports at: ``$COLUMNS`` when set, else the terminal's width
    when ``stream`` (standard output) is a terminal, else ``None`` (piped output: no wrap)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        pass
    return None


def wrap_lines(text: str, width: int | None) -> str:
    """Every line of ``text`` wrapped at word boundaries to ``width`` columns (``None``: as is).

    Continuation lines are indented two more spaces than the line they continue; a word longer
    than the width (a URL) is kept whole on a line of its own rather than cut.
    """
    if width is None:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        out.extend(
            textwrap.wrap(
                line,
                width=max(width, len(indent) + 12),
                initial_indent="",
                subsequent_indent=indent + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [line]
        )
    return "\n".join(out)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when it was longer."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


HIT_COLUMNS = ("id", "year", "n", "design", "condition", "interventions", "comparators", "title")


def format_text(record: Evidence, width: int | None = None) -> str:
    """A short human-readable report of one record, safe for a terminal (:func:`safe_text`),
    its lines wrapped at word boundaries to ``width`` columns when given."""
    doc = record.document
    lines = [doc.title or "(untitled)", f"id: {record.id}"]
    meta = [
        f"{k}: {v}"
        for k, v in (
            ("PMID", doc.pmid),
            ("DOI", doc.doi),
            ("journal", doc.journal),
            ("year", doc.year),
        )
        if v
    ]
    if meta:
        lines.append(" · ".join(meta))
    if record.design:
        lines.append(f"design: {record.design}")
    pop = record.population
    lines.append(
        f"population: n={pop.n if pop.n is not None else '?'}"
        + (f"; condition: {pop.condition}" if pop.condition else "")
        + (f"; {pop.description}" if pop.description else "")
    )
    for arm in record.interventions:
        name = f"{arm.name} ({arm.long_form})" if arm.long_form else arm.name
        lines.append(f"{arm.role}: {name}" + (f", n={arm.n}" if arm.n is not None else ""))
        for dose in arm.doses:
            lines.append(f"  dose: {dose.describe()}")
    for outcome in record.outcomes:
        lines.append(f"outcome: {outcome.name}")
        for res in outcome.results:
            lines.append(f"  result: {res.text}")
    for event in record.adverse_events:
        lines.append(f"{event.kind.replace('_', ' ')}: {event.name or event.text}")
    if record.conclusion:
        lines.append(f"conclusion: {record.conclusion}")
    if record.summary:
        lines.append(f"summary: {record.summary}")
    return wrap_lines(safe_text("\n".join(lines)), width)


def hits_to_csv(hits: Sequence[Hit]) -> str:
    """Hits as CSV text with a header row; list columns joined by ``; ``. Printed to standard
    output, so every cell goes through :func:`safe_text`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HIT_COLUMNS)
    for hit in hits:
        writer.writerow(
            safe_text(str(cell))
            for cell in [
                hit.id,
                hit.year if hit.year is not None else "",
                hit.n if hit.n is not None else "",
                hit.design or "",
                hit.condition or "",
                "; ".join(hit.interventions),
                "; ".join(hit.comparators),
                hit.title,
            ]
        )
    return buf.getvalue()


# --- evidence query: the table -----------------------------------------------------------------

#: Rows the ``evidence query`` table prints when no ``--limit`` is given.
TABLE_ROWS = 50
_TITLE_MIN = 30  # the title column is never narrower than this
_TITLE_WIDE = 50  # separate design and interventions columns only when the title keeps this


def hits_table(hits: Sequence[Hit], width: int) -> Table:
    """The hits as a rich table that fits ``width`` columns, every cell a safe ``Text``.

    id, year and n keep their width; the title takes the rest (at least 30 columns) and wraps
    at word boundaries. Design and interventions get columns of their own when the title still
    has 50 columns beside them; otherwise they go on a dim second line under the title.
    """

    def cell(text: str, style: str = "") -> Text:
        return Text(" ".join(safe_text(text).split()), style=style)

    ids = [safe_text(h.id) for h in hits]
    id_width = min(max((len(i) for i in ids), default=2), 24)
    n_width = max([len(str(h.n)) for h in hits if h.n is not None] + [1])
    design_width = min(max((len(h.design or "") for h in hits), default=0), 24)
    arms_width = min(max((len("; ".join(h.interventions)) for h in hits), default=0), 30)
    gap = 3  # between two columns: padding, the (blank) rule, padding
    fixed = id_width + 4 + n_width + 3 * gap
    wide = width - fixed - design_width - arms_width - 2 * gap >= _TITLE_WIDE
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    table.add_column("id", no_wrap=False, overflow="fold", max_width=id_width, style="cyan")
    table.add_column("year", no_wrap=True, width=4)
    table.add_column("n", no_wrap=True, justify="right")
    if wide:
        table.add_column("design", max_width=max(design_width, 6), overflow="fold")
        table.add_column("interventions", max_width=max(arms_width, 13), overflow="fold")
    title_width = max(10, width - fixed - (design_width + arms_width + 2 * gap) * wide)
    table.add_column(
        "title", min_width=min(_TITLE_MIN, title_width), max_width=title_width, overflow="fold"
    )
    for hit, id_ in zip(hits, ids, strict=True):
        row = [Text(id_), cell(str(hit.year or "")), cell(str(hit.n if hit.n is not None else ""))]
        title = cell(hit.title or "(untitled)")
        about = " · ".join(x for x in (hit.design, "; ".join(hit.interventions)) if x)
        if wide:
            row += [cell(hit.design or ""), cell("; ".join(hit.interventions))]
        elif about:
            title.append("\n").append_text(cell(about, style="dim"))
        table.add_row(*row, title)
    return table
