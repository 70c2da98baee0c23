"""The ``evidence`` command line: parse arguments, call the library, render. No logic here."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

# extract_batch, store_record and search are looked up on their modules at each call, so that
# replacing them there (as the tests do) reaches the commands too.
from . import export as exporter
from . import extraction, store
from . import query as query_module
from .batch_runner import BatchOptions, run_batch
from .card import render_card
from .cli_common import (
    CONTEXT,
    F,
    db_option,
    enable_logging,
    format_comparisons,
    friendly_errors,
    output_option,
)
from .cli_common import db_path_or_default as _db_path
from .cli_evaluate import evaluate, train
from .errors import ExtractorError, InputError
from .export import write_text_atomic
from .extraction import ENGINES, gather_sources
from .query import Query, equivalent_names, load_matching
from .render import (
    TABLE_ROWS,
    format_text,
    hits_table,
    hits_to_csv,
    json_safe,
    output_width,
    safe_text,
)
from .settings import get_settings
from .sources import search_pubmed
from .sources.pmids import read_pmid_list
from .store import database, load_record

if TYPE_CHECKING:
    pass


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="evidence-extractor")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log what each stage does on stderr (-v: each source, -vv: each record stored).",
)
def cli(verbose: int) -> None:
    """Turn biomedical abstracts into structured, queryable evidence.

    \b
    Example:
        evidence extract corpus/000_f4ed41669ad21fb4.txt --json
        evidence batch corpus/ --db output/evidence.db
        evidence query lupus --intervention IVIg
    """
    if verbose:
        enable_logging(verbose)


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
    if as_json and as_text:
        raise click.UsageError("choose one of --json and --text")
    record = extraction.extract(source)
    if not no_db:
        with database(_db_path(db_path)) as db:
            store.store_record(db, record)
    click.echo(json_safe(record.to_json()) if as_json else format_text(record, output_width()))


class _Jobs(click.ParamType):
    """``--jobs``: ``auto`` (None) or a number of worker processes from 0 to 64."""

    name = "auto|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return None
        try:
            number = int(value)
        except ValueError:
            self.fail(f"{value!r} is not auto or a number", param, ctx)
        if not 0 <= number <= 64:  # parallel.MAX_JOBS (not imported: start-up time)
            self.fail(f"{number} is not in the range 0<=x<=64", param, ctx)
        return number


JOBS = _Jobs()


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1)
@click.option("--pubmed-query", help="Also fetch every PubMed record a search returns.")
@db_option
@click.option(
    "--jsonl",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write one JSON record per line to this file.",
)
@click.option(
    "--batch-size",
    default=32,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Documents per NLP batch.",
)
@click.option(
    "-j",
    "--jobs",
    default="auto",
    show_default=True,
    type=JOBS,
    help="Worker processes for the NLP: a number up to 64, 0 for one per CPU core, or auto "
    "(one per core from 200 sources or 1 MB of input on, else 1).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="local: this machine (--jobs processes); dask: a Dask cluster (pip install "
    "'evidence-extractor[dask]').",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the scheduler of an existing cluster (tcp://host:8786); "
    "default: a local cluster of --jobs workers.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Extract every document again, even those stored already with the same content "
    "by the same pipeline (skipped by default, so a re-run resumes).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@friendly_errors
def batch(
    paths: tuple[str, ...],
    pubmed_query: str | None,
    db_path: Path | None,
    jsonl: Path | None,
    batch_size: int,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """Extract every source in PATHS into the database.

    PATHS may mix pages (HTML or text), directories (read recursively), URLs, PMIDs,
    PMID list files, PubMed XML, PMC JATS and exports (MEDLINE/.nbib, RIS, BibTeX, CSV,
    Web of Science, Ovid, EndNote XML); formats are detected from content. Duplicates (same
    PMID, DOI, or title + year) are merged into one document that keeps every source.
    A source that fails is recorded in the ``failures`` table and reported; the others carry
    on. Exit status is 1 if any source failed (records without an abstract are only counted).

    A re-run skips the documents stored already (same content, same pipeline, same source)
    and says "N already stored": an interrupted batch resumes where it stopped; --force
    extracts everything again.

    \b
    Example:
        evidence batch corpus/ --db output/evidence.db --jsonl output/records.jsonl
        evidence batch exports/*.ris pmids.txt --pubmed-query "lupus AND immunoglobulin"
        evidence batch big-export.nbib --jobs 0    # one worker process per core
        evidence batch pubmed/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    sources = gather_sources(paths, pubmed_query)  # a failed search is a failure, not an end
    if not sources.sources and not sources.failures:
        if not paths and not pubmed_query:
            raise click.UsageError("give at least one PATH or --pubmed-query")
        raise ExtractorError("no input files found in " + ", ".join(paths or ["the query"]))
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    options = BatchOptions(batch_size, jobs, engine, scheduler, force, quiet)
    run_batch(sources, _db_path(db_path), jsonl, options)


@cli.command(context_settings=CONTEXT)
@click.argument("pmids", nargs=-1)
@click.option("--query", "pubmed_query", help="A PubMed search; all its results are fetched.")
@click.option("--list", "list_only", is_flag=True, help="Only print the PMIDs, one per line.")
@db_option
@click.option(
    "--jsonl",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write one JSON record per line to this file.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@friendly_errors
def fetch(
    pmids: tuple[str, ...],
    pubmed_query: str | None,
    list_only: bool,
    db_path: Path | None,
    jsonl: Path | None,
    quiet: bool,
) -> None:
    """Fetch PubMed records (by PMID or search) and extract them into the database.

    Uses NCBI E-utilities: 3 requests/s (10 with NCBI_API_KEY), retries with backoff, and an
    on-disk cache so a re-run fetches nothing again. EVIDENCE_EUTILS_URL changes the server.

    \b
    Example:
        evidence fetch 11456255 12345678
        evidence fetch --query "cutaneous lupus AND IVIg" --list
    """
    ids = read_pmid_list("\n".join(pmids)) if pmids else []
    if pubmed_query:
        ids += [p for p in search_pubmed(pubmed_query) if p not in ids]
    if not ids:
        raise click.UsageError("give PMIDs or --query")
    if list_only:
        click.echo("\n".join(ids))
        return
    options = BatchOptions(batch_size=200, jobs=1, quiet=quiet)
    run_batch([f"pmid:{p}" for p in ids], _db_path(db_path), jsonl, options)


def query_options(func: F) -> F:
    """The search arguments shared by ``query``, ``summarize`` and ``export``."""
    options = [
        click.argument("terms", nargs=-1),
        click.option("--intervention", help="Intervention name or long form (IVIg matches both)."),
        click.option("--comparator", help="Comparator arm (placebo, usual care …)."),
        click.option("--condition", help="Condition of the population."),
        click.option("--outcome", help="Outcome name (substring)."),
        click.option("--design", help="Study design (randomized, crossover, cohort, rct …)."),
        click.option("--min-n", type=click.IntRange(min=0), help="Smallest sample size."),
        click.option("--max-n", type=click.IntRange(min=0), help="Largest sample size."),
        click.option("--year-from", type=click.IntRange(1800, 2100), help="Earliest year."),
        click.option("--year-to", type=click.IntRange(1800, 2100), help="Latest year."),
        click.option("--dose-unit", help="A dose unit: mg, mg/kg, ug/kg/min, [IU] …"),
        click.option("--route", help="A dose route: oral, iv, sc, im, inhaled, topical …"),
        click.option(
            "--sort",
            type=click.Choice(["relevance", "year", "n"]),
            default="relevance",
            show_default=True,
            help="Relevance (with TERMS; else newest first), year or sample size.",
        ),
        click.option("--limit", type=click.IntRange(min=1), help="At most this many studies."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _make_query(terms: tuple[str, ...], **filters: Any) -> Any:
    return Query(terms=" ".join(terms) or None, **filters)


_QUERY_KEYS = (
    "intervention",
    "comparator",
    "condition",
    "outcome",
    "design",
    "min_n",
    "max_n",
    "year_from",
    "year_to",
    "dose_unit",
    "route",
    "sort",
    "limit",
)


def _pop_query(terms: tuple[str, ...], kwargs: dict[str, Any]) -> Any:
    return _make_query(terms, **{k: kwargs.pop(k) for k in _QUERY_KEYS})


@cli.command(context_settings=CONTEXT)
@query_options
@click.option("--json", "fmt", flag_value="json", help="Output JSON.")
@click.option("--csv", "fmt", flag_value="csv", help="Output CSV.")
@click.option("--table", "fmt", flag_value="table", default=True, help="Output a table.")
@db_option
@friendly_errors
def query(terms: tuple[str, ...], fmt: str, db_path: Path | None, **filters: Any) -> None:
    """Search stored records by TERMS (title/abstract) and structured filters.

    \b
    Example:
        evidence query lupus
        evidence query --intervention IVIg --min-n 10 --json
        evidence query asthma --comparator placebo --design rct --year-from 2005 --sort n
        evidence query --route oral --dose-unit mg/kg --csv > oral-weight-dosed.csv
    """
    q = _pop_query(terms, filters)
    with database(_db_path(db_path), readonly=True) as db:
        hits = query_module.search(db, q)
    if fmt == "json":
        click.echo(json_safe(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2)))
    elif fmt == "csv":
        click.echo(hits_to_csv(hits), nl=False)
    else:
        console = Console()
        shown = hits if q.limit is not None else hits[:TABLE_ROWS]
        console.print(hits_table(shown, console.width))
        if len(shown) < len(hits):
            click.echo(
                f"showing {len(shown)} of {len(hits)} record(s); narrow the query or use --limit",
                err=True,
            )
        else:
            click.echo(f"{len(hits)} record(s)", err=True)


MAX_ID_CHARS = 1_000  # longest record id `show` looks up (DOIs stay far below)


@cli.command(context_settings=CONTEXT)
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--html", "as_html", is_flag=True, help="An HTML evidence card (spans highlighted).")
@output_option("Write to this file instead of standard output.")
@db_option
@friendly_errors
def show(
    record_id: str, as_json: bool, as_html: bool, output: Path | None, db_path: Path | None
) -> None:
    """Show one stored record by id (pmid:…, doi:…, pmc:…, sha:…) or bare PMID/DOI.

    The text report ends with a table of the record's comparisons: outcome, intervention vs
    comparator, direction, per-arm figures, p value and effect estimate.

    \b
    Example:
        evidence show 12345678
        evidence show sha:1a2b3c4d5e6f7a8b --json
        evidence show pmc:PMC101395 --html -o card.html
    """
    if as_json and as_html:
        raise click.UsageError("choose one of --json and --html")
    if len(record_id) > MAX_ID_CHARS:  # SQLite refuses such a LIKE pattern: one line instead
        raise InputError(
            f"no record with an id of {len(record_id):,} characters "
            f"(ids have at most {MAX_ID_CHARS:,})"
        )
    with database(_db_path(db_path), readonly=True) as db:
        record = load_record(db, record_id)
    if as_html:
        text = render_card(record)
    elif as_json:
        text = json_safe(record.to_json())
    else:
        width = output_width()
        report = (format_text(record, width), format_comparisons(record, width))
        text = "\n".join(t for t in report if t)
    _emit(text, output)


def _emit(text: str, output: Path | None) -> None:
    """Print ``text`` (control sequences removed), or write it atomically to ``output`` and say
    where it went. JSON to print is made safe by its caller (:func:`render.json_safe`)."""
    if output is None or str(output) == "-":
        click.echo(safe_text(text), nl=not text.endswith("\n"))
        return
    write_text_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


@cli.command(context_settings=CONTEXT)
@query_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "html"]),
    help="Output format [default: from the -o suffix (.md, .html), else terminal].",
)
@output_option("Write the summary to this file.")
@db_option
@friendly_errors
def summarize(
    terms: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    db_path: Path | None,
    **filters: Any,
) -> None:
    """Summarise the studies matching a query across studies, by intervention and condition.

    Number of studies, participants, designs, dose ranges, outcomes with per-study results
    and directions, adverse events; every figure traces back to its study and sentence.

    \b
    Example:
        evidence summarize --intervention IVIg
        evidence summarize asthma --design rct -o output/asthma.html
        evidence summarize --condition diabetes --format markdown > diabetes.md
    """
    # lazy: spaCy, via the pipeline (start-up time)
    from .summarize import build_summary, render_html, render_markdown, render_terminal

    q = _pop_query(terms, filters)
    if fmt is None:
        suffix = output.suffix.lower() if output else ""
        fmt = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}.get(
            suffix, "terminal" if output is None else "markdown"
        )
    with database(_db_path(db_path), readonly=True) as db:
        records = load_matching(db, q)
        focus = equivalent_names(db, q.intervention) if q.intervention else []
        _note_if_empty(records, db, db_path)
    summary = build_summary(records, query=q.describe(), focus=focus)
    if fmt == "terminal":
        if output is not None and str(output) != "-":
            raise click.UsageError("--format terminal cannot be written to a file; use markdown")
        render_terminal(summary, Console())
    else:
        _emit(render_html(summary) if fmt == "html" else render_markdown(summary), output)


def _note_if_empty(records: list[Any], db: Any, db_path: Path | None) -> None:
    """Say on stderr which database had no match, so an empty report is never a silent one."""
    if not records:
        stored = db["evidence"].count
        click.echo(
            f"note: no study matches in {_db_path(db_path)} ({stored} records stored)", err=True
        )


EXPORT_FORMATS = ("jsonl", "csv", "characteristics", "ris", "plot")


@cli.command(context_settings=CONTEXT)
@click.argument("fmt", metavar="FORMAT", type=click.Choice(EXPORT_FORMATS))
@query_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output file ('-' for standard output) or, for csv, a folder "
    "[default: output/evidence.jsonl, output/ (csv), output/characteristics.md, "
    "output/evidence.ris, output/participants.png].",
)
@click.option(
    "--table-format",
    type=click.Choice(["markdown", "html", "csv"]),
    help="characteristics: table format [default: from the -o suffix, else markdown].",
)
@db_option
@friendly_errors
def export(
    fmt: str,
    terms: tuple[str, ...],
    output: Path | None,
    table_format: str | None,
    db_path: Path | None,
    **filters: Any,
) -> None:
    """Export the studies matching a query (all studies when none is given).

    \b
    FORMAT is one of:
      jsonl            one record per line, as `evidence extract --json` prints it
      csv              evidence_studies.csv (a row per study) + evidence_doses.csv
                       + evidence_outcomes.csv + evidence_comparisons.csv (long
                       format) in the -o folder
      characteristics  Cochrane-style "characteristics of included studies" table
                       (Markdown, HTML or CSV)
      ris              RIS for reference managers, extracted PICO in N1 notes
      plot             participants per study by intervention (PNG or SVG by suffix)

    \b
    Example:
        evidence export csv --design rct -o output/
        evidence export ris --intervention IVIg -o ivig.ris
        evidence export characteristics asthma -o included.html
        evidence export plot --condition diabetes -o output/diabetes.svg
    """
    q = _pop_query(terms, filters)
    out_dir = get_settings().db_path.parent
    with database(_db_path(db_path), readonly=True) as db:
        records = load_matching(db, q)
        _note_if_empty(records, db, db_path)
    if fmt == "csv":
        folder = output or out_dir
        if folder.exists() and not folder.is_dir():
            raise click.UsageError(f"csv export writes several files: {folder} must be a folder")
        paths = exporter.write_csv(records, folder)
        click.echo(f"{len(records)} studies → " + ", ".join(map(str, paths)), err=True)
        return
    if fmt == "plot":
        path = exporter.plot_participants(records, output or out_dir / "participants.png")
        click.echo(f"{len(records)} studies → {path}", err=True)
        return
    if fmt == "characteristics":
        suffix = output.suffix.lower() if output else ""
        table = table_format or {".html": "html", ".htm": "html", ".csv": "csv"}.get(
            suffix, "markdown"
        )
        default = out_dir / f"characteristics.{ {'markdown': 'md'}.get(table, table) }"
        text = exporter.characteristics_table(records, fmt=table)  # type: ignore[arg-type]
        _emit(text, output or default)
        return
    buffer = io.StringIO()
    if fmt == "jsonl":
        exporter.write_jsonl(records, buffer)
    else:
        exporter.write_ris(records, buffer)
    text = json_safe(buffer.getvalue()) if fmt == "jsonl" else buffer.getvalue()
    _emit(text, output or out_dir / f"evidence.{fmt}")
    if output is None or str(output) != "-":
        click.echo(f"{len(records)} studies exported", err=True)


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8001,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the start page in a browser.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than loopback (exposes the database to the network).",
)
@friendly_errors
def serve(
    db_path: Path | None, host: str, port: int, open_browser: bool, allow_remote: bool
) -> None:
    """Browse the database in Datasette (read-only, on this machine only).

    Full-text search on titles and abstracts, flat views of evidence, doses and outcomes,
    canned queries for the common questions and a description of every column.

    \b
    Example:
        evidence serve --db output/evidence.db --open
    """
    from .serve import serve as run_server  # lazy: webbrowser, subprocess (start-up time)

    run_server(
        _db_path(db_path),
        host=host,
        port=port,
        open_browser=open_browser,
        allow_remote=allow_remote,
    )


cli.add_command(evaluate)
cli.add_command(train)


def main() -> None:
    cli()
