"""The ``evidence`` command line: parse arguments, call the library, render. No logic here."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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


def _db_path(db_path: Path | None) -> Path:
    return db_path or get_settings().db_path


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="evidence-extractor")
def cli() -> None:
    """Turn biomedical abstracts into structured, queryable evidence.

    \b
    Example:
        evidence extract corpus/000_f4ed41669ad21fb4.txt --json
        evidence batch corpus/ --db output/evidence.db
        evidence query lupus --intervention IVIg
    """


@cli.command(context_settings=CONTEXT)
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--text", "as_text", is_flag=True, help="Print a readable report (default).")
@db_option
@click.option("--no-db", is_flag=True, help="Do not store the record.")
@friendly_errors
def extract(source: str, as_json: bool, as_text: bool, db_path: Path | None, no_db: bool) -> None:
    """Extract the evidence record of one SOURCE and store it.

    SOURCE is a saved HTML page, a text file, an http(s) URL, or - for standard input.
    The kind of input is detected from its content.

    \b
    Example:
        evidence extract corpus/000_f4ed41669ad21fb4.txt --json
        curl -s https://pubmed.ncbi.nlm.nih.gov/1234567/ | evidence extract - --no-db
    """
    from .extraction import extract as run_extract
    from .render import format_text
    from .store import database, store_record

    if as_json and as_text:
        raise click.UsageError("choose one of --json and --text")
    record = run_extract(source)
    if not no_db:
        with database(_db_path(db_path)) as db:
            store_record(db, record)
    click.echo(record.to_json() if as_json else format_text(record))


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option(
    "--jsonl",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write one JSON record per line to this file.",
)
@click.option("--batch-size", default=32, show_default=True, help="Documents per NLP batch.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@friendly_errors
def batch(
    paths: tuple[str, ...], db_path: Path | None, jsonl: Path | None, batch_size: int, quiet: bool
) -> None:
    """Extract every file, directory (recursively) or URL in PATHS into the database.

    A source that fails is recorded in the ``failures`` table and reported; the others carry
    on. Exit status is 1 if any source failed.

    \b
    Example:
        evidence batch corpus/ --db output/evidence.db --jsonl output/records.jsonl
    """
    from .extraction import Failure, expand_paths, extract_batch
    from .store import database, store_failure, store_record

    sources = expand_paths(paths)
    if not sources:
        raise click.UsageError("no input files found in " + ", ".join(paths))
    err = Console(stderr=True)
    failures: list[Failure] = []
    stored = 0
    out = jsonl.open("w", encoding="utf-8") if jsonl else None
    progress = Progress(
        TextColumn("[bold]extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[failed]} failed"),
        console=err,
        disable=quiet or not err.is_terminal,
    )
    try:
        with database(_db_path(db_path)) as db, progress:
            task = progress.add_task("extract", total=len(sources), failed=0)
            for item in extract_batch(sources, batch_size=batch_size):
                if isinstance(item, Failure):
                    failures.append(item)
                    store_failure(db, item.source, item.kind, item.message)
                else:
                    store_record(db, item)
                    stored += 1
                    if out:
                        out.write(item.to_json(indent=None) + "\n")
                progress.update(task, advance=1, failed=len(failures))
    finally:
        if out:
            out.close()
    for failure in failures:
        click.echo(f"failed: {failure.source}: {failure.message}", err=True)
    if not quiet:
        click.echo(
            f"{stored} stored, {len(failures)} failed, database {_db_path(db_path)}", err=True
        )
    if failures:
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.argument("terms", nargs=-1)
@click.option("--intervention", help="Intervention name or long form (IVIg matches both).")
@click.option("--condition", help="Condition of the population.")
@click.option("--min-n", type=click.IntRange(min=0), help="Smallest sample size.")
@click.option("--max-n", type=click.IntRange(min=0), help="Largest sample size.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many results.")
@click.option("--json", "fmt", flag_value="json", help="Output JSON.")
@click.option("--csv", "fmt", flag_value="csv", help="Output CSV.")
@click.option("--table", "fmt", flag_value="table", default=True, help="Output a table.")
@db_option
@friendly_errors
def query(
    terms: tuple[str, ...],
    intervention: str | None,
    condition: str | None,
    min_n: int | None,
    max_n: int | None,
    limit: int | None,
    fmt: str,
    db_path: Path | None,
) -> None:
    """Search stored records by TERMS (title/abstract) and structured filters.

    \b
    Example:
        evidence query lupus
        evidence query --intervention "intravenous immunoglobulin" --min-n 10 --json
    """
    from .query import search
    from .render import hits_to_csv
    from .store import database

    with database(_db_path(db_path), create=False) as db:
        hits = search(
            db,
            " ".join(terms) or None,
            intervention=intervention,
            condition=condition,
            min_n=min_n,
            max_n=max_n,
            limit=limit,
        )
    if fmt == "json":
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(hits_to_csv(hits), nl=False)
    else:
        table = Table("id", "year", "n", "design", "interventions", "title", show_lines=False)
        for h in hits:
            table.add_row(
                h.id,
                str(h.year or ""),
                str(h.n if h.n is not None else ""),
                h.design or "",
                "; ".join(h.interventions),
                h.title,
            )
        Console().print(table)
        click.echo(f"{len(hits)} record(s)", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@db_option
@friendly_errors
def show(record_id: str, as_json: bool, db_path: Path | None) -> None:
    """Show one stored record by id (pmid:…, doi:…, sha:…) or bare PMID/DOI.

    \b
    Example:
        evidence show sha:1a2b3c4d5e6f7a8b --json
    """
    from .render import format_text
    from .store import database, load_record

    with database(_db_path(db_path), create=False) as db:
        record = load_record(db, record_id)
    click.echo(record.to_json() if as_json else format_text(record))


@cli.group(context_settings=CONTEXT)
def evaluate() -> None:
    """Measure the tool against the annotated material in ../shared."""


@evaluate.command("pages", context_settings=CONTEXT)
@click.option(
    "--shared",
    "shared_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The shared folder [default: $EVIDENCE_SHARED or ../shared].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@friendly_errors
def evaluate_pages_cmd(shared_dir: Path | None, as_json: bool) -> None:
    """Score the page cleaner on shared/pages/GROUND_TRUTH.json.

    \b
    Example:
        evidence evaluate pages --json
    """
    from .clean.evaluate import evaluate_pages

    report = evaluate_pages(shared_dir or get_settings().shared_dir)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    table = Table("page", "site", "outcome", "F1", "checks")
    for page in report.get("pages", []):
        f1 = page.get("f1")
        table.add_row(
            str(page.get("file", "")),
            str(page.get("site") or ""),
            str(page.get("outcome", "")),
            "" if f1 is None else f"{f1:.3f}",
            "; ".join(page.get("failures") or []) or "ok",
        )
    Console().print(table)
    totals = report.get("totals", {})
    for key, value in totals.items():
        click.echo(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    if totals.get("n_failed"):
        sys.exit(1)


def main() -> None:
    cli()
