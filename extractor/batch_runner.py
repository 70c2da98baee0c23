"""``evidence batch`` and ``evidence fetch``: sources in, records stored, one summary line out.

:func:`run_batch` reads the sources, skips what is stored already (resume), runs the rest
through the chosen engine, stores each record as it comes (one transaction each, so a killed
run loses nothing it reported), shows a progress bar with rate and ETA on a terminal, and
prints one line per failure and a summary.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from . import extraction, store
from .batch_items import AlreadyStored, BatchItem, Failure, Skipped, StoredFilter
from .errors import ExportError, Interrupted, StoreError
from .pipeline_id import pipeline_label
from .records import Document, Evidence
from .render import json_safe, one_line
from .settings import get_settings

if TYPE_CHECKING:
    import sqlite_utils

#: Longest a record waits to be stored while its chunk fills (seconds).
FLUSH_SECONDS = 2.0
#: ``--jobs auto`` uses every core from this many sources, or this many bytes of input, on.
AUTO_JOBS_SOURCES = 200
AUTO_JOBS_BYTES = 1_000_000


def auto_jobs(sources: Sequence[str]) -> int:
    """Worker processes for ``--jobs auto``: one per core for a large input, else 1.

    Large: at least :data:`AUTO_JOBS_SOURCES` sources, or files holding at least
    :data:`AUTO_JOBS_BYTES` bytes (one export or PubMed XML file of a thousand records).
    Starting workers costs each a pipeline load (a few seconds), which a small batch never
    earns back.
    """
    cores = os.cpu_count() or 1
    if cores == 1 or len(sources) >= AUTO_JOBS_SOURCES:
        return cores
    size = 0
    for source in sources:
        with suppress(OSError, ValueError):
            size += os.stat(source).st_size
    return cores if size >= AUTO_JOBS_BYTES else 1


def stored_filter(db: sqlite_utils.Database, label: str) -> StoredFilter:
    """Resume: the documents of a chunk whose record is stored with the same content, by the
    pipeline ``label``, from the same source (another source still merges into it)."""

    def stored(documents: Sequence[Document]) -> set[str]:
        return store.already_stored(db, documents, pipeline=label)

    return stored


@dataclass
class _Counts:
    parsed: int = 0
    stored: int = 0
    merged: int = 0
    skipped: int = 0
    already: int = 0
    failures: list[Failure] = field(default_factory=list)
    noted: set[str] = field(default_factory=set)  # sources given a failure row by this run


class _Run:
    """One batch: the database, the JSONL output and what happened so far.

    Records are stored in chunks (:func:`store.store_many`, one transaction each) of up to
    ``chunk`` records, or what came within :data:`FLUSH_SECONDS`; a record is counted, written
    to the JSONL file and reported only once its chunk is committed, so a killed batch loses
    nothing it reported.
    """

    def __init__(
        self, db: sqlite_utils.Database, out: TextIO | None, to_stdout: bool, chunk: int
    ) -> None:
        self.db = db
        self.out = out
        self.to_stdout = to_stdout
        self.chunk = chunk
        self.counts = _Counts()
        self.pending: list[Evidence] = []
        self.since = time.monotonic()

    def fail(self, item: Failure | Skipped) -> None:
        """Store a failure row (reported on stderr even when that fails: the batch goes on)."""
        if isinstance(item, Failure):
            self.counts.failures.append(item)
        self.counts.noted.add(item.source)
        with suppress(StoreError):
            store.store_failure(self.db, item.source, item.kind, item.message)

    def take(self, item: BatchItem) -> None:
        """Count, store or report one item of the batch."""
        counts = self.counts
        if isinstance(item, Failure):
            self.fail(item)
            return
        counts.parsed += 1
        if isinstance(item, Skipped):
            counts.skipped += 1
            self.fail(item)
        elif isinstance(item, AlreadyStored):
            counts.already += 1
        else:
            if not self.pending:
                self.since = time.monotonic()
            self.pending.append(item)
        if self.pending and (
            len(self.pending) >= self.chunk or time.monotonic() - self.since >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Store the pending records in one transaction; count and write out those stored."""
        records, self.pending = self.pending, []
        if not records:
            return
        try:
            results: list[store.StoreResult | StoreError] = list(store.store_many(self.db, records))
        except StoreError as exc:  # the chunk is lost (the write lock not had), not the batch
            results = [exc] * len(records)
        for record, result in zip(records, results, strict=True):
            if isinstance(result, StoreError):
                self.fail(Failure(record.document.source or record.id, result.kind, result.message))
                continue
            self.counts.merged += result.merged
            self.counts.stored += 1
            if self.out:
                line = record.to_json(indent=None)
                self.out.write((json_safe(line) if self.to_stdout else line) + "\n")


def _progress(quiet: bool, err: Console) -> Progress:
    return Progress(
        TextColumn("[bold]sources"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn(
            "{task.fields[rate]:.1f} abstracts/s · stored {task.fields[stored]} · "
            "already {task.fields[already]} · failed {task.fields[failed]}"
        ),
        console=err,
        disable=quiet or not err.is_terminal,
    )


def _open_jsonl(jsonl: Path | None) -> tuple[TextIO | None, bool]:
    to_stdout = jsonl is not None and str(jsonl) == "-"
    try:
        out = sys.stdout if to_stdout else jsonl.open("w", encoding="utf-8") if jsonl else None
    except OSError as exc:  # missing folder, no permission: one line, before any work
        raise ExportError(f"cannot write: {exc.strerror or exc}", source=str(jsonl)) from exc
    return out, to_stdout


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch (the ``evidence batch`` options)."""

    batch_size: int = 32
    jobs: int | None = 1  # None: auto (see auto_jobs)
    engine: str = "local"
    scheduler: str | None = None
    force: bool = False
    quiet: bool = False


def run_batch(
    sources: list[str] | extraction.BatchSources,
    db_path: Path,
    jsonl: Path | None,
    options: BatchOptions,
) -> None:
    """Extract ``sources`` into the database with a progress bar and a summary line.

    A record that cannot be stored is a failure like any other and the batch carries on;
    failure rows of sources that went through this time are removed. Unless ``force``,
    documents stored before (same record, content, pipeline and source) are not extracted
    again and are counted as "already stored".

    Raises:
        Interrupted: Ctrl-C or SIGTERM (after saying how much was stored).
        SystemExit: 1 when any source failed.
    """
    from .parallel import resolve_jobs  # lazy: multiprocessing, concurrent.futures (start-up)

    batch = (
        sources
        if isinstance(sources, extraction.BatchSources)
        else extraction.BatchSources(list(sources))
    )
    jobs = auto_jobs(batch.sources) if options.jobs is None else resolve_jobs(options.jobs)
    err = Console(stderr=True)
    out, to_stdout = _open_jsonl(jsonl)
    progress = _progress(options.quiet, err)
    run: _Run | None = None
    try:
        with store.database(db_path) as db, progress:
            run = _Run(db, out, to_stdout, options.batch_size)
            _extract_into(run, batch, jobs, options, progress)
            run.flush()
            try:
                store.clear_failures(db, batch.settled(run.counts.noted))
            except StoreError as exc:
                click.echo(f"warning: {exc}", err=True)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM: say what was kept (exit 130 / 143)
        stored = run.counts.stored if run else 0
        raise Interrupted.after(exc, f"interrupted: {stored} stored, database {db_path}") from None
    finally:
        if out and not to_stdout:
            out.close()
    assert run is not None  # the database opened, or run_batch raised
    _report(run.counts, db_path, options.quiet)


def _extract_into(
    run: _Run,
    batch: extraction.BatchSources,
    jobs: int,
    options: BatchOptions,
    progress: Progress,
) -> None:
    """Run the batch's sources through the engine, handing every item to ``run``."""
    for failure in batch.failures:
        run.fail(failure)
    task: TaskID = progress.add_task(
        "batch", total=len(batch.sources), rate=0.0, stored=0, already=0, failed=len(batch.failures)
    )
    stored = None if options.force else stored_filter(run.db, pipeline_label(_models_dir()))
    started = time.monotonic()
    items = extraction.extract_batch(
        batch.sources,
        batch_size=options.batch_size,
        jobs=jobs,
        engine=options.engine,
        scheduler=options.scheduler,
        stored=stored,
        on_source=lambda _source: progress.advance(task),
    )
    # Closed on any exit: a Ctrl-C while a chunk is being stored stops the worker processes now,
    # not when the interpreter exits (the interrupt's traceback keeps the generators alive).
    with closing(items):
        for item in items:
            run.take(item)
            counts = run.counts
            done = counts.stored + counts.skipped + counts.already
            progress.update(
                task,
                rate=done / max(time.monotonic() - started, 1e-9),
                stored=counts.stored,
                already=counts.already,
                failed=len(counts.failures),
            )


def _models_dir() -> Path:
    return get_settings().models_dir


def _report(counts: _Counts, db_path: Path, quiet: bool) -> None:
    for failure in counts.failures:
        click.echo(one_line(f"failed: {failure.source}: {failure.message}"), err=True)
    if not quiet:
        already = f"{counts.already} already stored, " if counts.already else ""
        click.echo(
            f"{counts.stored} stored, {already}{counts.merged} duplicates merged, "
            f"{counts.skipped} without abstract, {len(counts.failures)} failed, "
            f"database {db_path}",
            err=True,
        )
    if counts.failures:
        sys.exit(1)
