"""Shared pieces of the command line: error handling, the --db option, click settings."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import ExtractorError
from .settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def friendly_errors(func: F) -> F:
    """Turn any ExtractorError into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ExtractorError as exc:
            _fail(str(exc))
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
    """``-o/--output FILE`` for commands that print a text report or write it to a file."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )
