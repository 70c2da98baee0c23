"""Shared pieces of the command line: error handling, the --db option, click settings, and
the plain-text comparisons table of ``evidence show``."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import ExtractorError, Interrupted, sigterm_as_interrupt
from .export.describe import describe_effect
from .records import Comparison, Evidence, Result
from .render import one_line, safe_text, wrap_lines
from .settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _fail(message: str) -> None:
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(1)


def friendly_errors(func: F) -> F:
    """Turn any ExtractorError into one line on stderr and exit status 1.

    Ctrl-C and SIGTERM print one line (``interrupted``…) and exit 130 / 143.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except ExtractorError as exc:
            _fail(str(exc))
        except KeyboardInterrupt as exc:  # before click turns it into "Aborted!" and status 1
            click.echo(str(exc) if isinstance(exc, Interrupted) else "interrupted", err=True)
            sys.exit(128 + getattr(exc, "signum", 2))
        except BrokenPipeError:  # e.g. `evidence query … | head`
            sys.exit(0)

    return wrapper  # type: ignore[return-value]


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite database [default: output/evidence.db, or $EVIDENCE_DB].",
    )(func)


def db_path_or_default(db_path: Path | None) -> Path:
    return db_path or get_settings().db_path


def output_option(help_text: str) -> Callable[[F], F]:
    """``-o/--output FILE`` for commands that print a text report or write it to a file
    (``-``: standard output, even when a folder named ``-`` exists)."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        help=help_text,
    )


# --- evidence show: the comparisons table ---------------------------------------------------

COMPARISON_HEADERS = ("outcome", "comparison", "direction", "per arm", "p", "effect")
# Widest a cell may be before it is clipped, per column (the table stays under ~150 columns).
_COMPARISON_WIDTHS = (28, 36, 13, 36, 12, 24)


def format_comparisons(record: Evidence, width: int | None = None) -> str:
    """The record's comparisons as an aligned plain-text table ("" when it has none).

    One row per comparison: outcome, ``intervention vs comparator``, direction, the per-arm
    figures (``Remifentanil 30% · Alfentanil 5%``), the p value and the effect estimate.
    When the table is wider than ``width``, one wrapped paragraph per comparison instead.
    """
    if not record.comparisons:
        return ""
    cells = [_comparison_cells(c) for c in record.comparisons]
    cells = [tuple(" ".join(safe_text(cell).split()) for cell in row) for row in cells]
    rows = [COMPARISON_HEADERS, *cells]
    rows = [
        tuple(_clip(cell, w) for cell, w in zip(row, _COMPARISON_WIDTHS, strict=True))
        for row in rows
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COMPARISON_HEADERS))]
    lines = [f"comparisons ({len(record.comparisons)}):"]
    for row in rows:
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    if width is not None and max(map(len, lines)) > width:  # too wide: a paragraph each
        lines[1:] = [
            "  "
            + "; ".join(
                [f"{outcome}: {versus}, {direction}"]
                + [
                    f"{k}: {v}"
                    for k, v in (("per arm", arms), ("p", p), ("effect", eff))
                    if v != "—"
                ]
            )
            for outcome, versus, direction, arms, p, eff in cells
        ]
        return wrap_lines("\n".join(lines), width)
    return "\n".join(lines)


def _comparison_cells(c: Comparison) -> tuple[str, ...]:
    effect = describe_effect(c.effect)
    arms = " · ".join(_arm_figure(r) for r in c.results) or "—"
    return (
        c.outcome,
        f"{c.intervention} vs {c.comparator}",
        (c.direction or "not stated").replace("_", " "),
        arms,
        c.p_value or "—",
        effect or "—",
    )


def _arm_figure(r: Result) -> str:
    """``Remifentanil 30%``: the arm and its figure as written."""
    return f"{r.arm} {r.text}" if r.arm else r.text


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class _OneLineFormatter(logging.Formatter):
    """``extractor.stage: message`` on one terminal-safe line (sources come from outside)."""

    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def enable_logging(verbosity: int) -> None:
    """Send the ``extractor.*`` loggers (``.sources``, ``.clean``, ``.nlp``, ``.store``) to
    stderr: INFO for ``-v``, DEBUG for ``-vv``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(name)s: %(message)s"))
    logger = logging.getLogger("extractor")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
    logger.propagate = False
