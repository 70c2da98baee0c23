"""Stage 3: the SQLite evidence database (sqlite-utils).

Tables (see ``MIGRATIONS`` for the exact schema)::

    documents  one row per document: metadata, abstract, sections (JSON); FTS on title+abstract
    evidence   one row per document: population, design, conclusion, summary, full record (JSON)
    spans      every extracted span (label, text, start, end, source, section)
    arms       one row per intervention or comparator arm (name, long form, role, n)
    doses      one row per dose, with its intervention
    outcomes   one row per numeric result, with its outcome (an outcome without numbers
               has one row with empty result columns); direction and arm included
    adverse_events  one row per adverse event or withdrawal
    comparisons     one row per reported comparison (outcome, intervention vs comparator,
               direction, p, effect, per-arm results as JSON, the evidence sentence)
    search_index    trigram FTS5 over arm names, conditions and outcomes (query filters)
    studies    one narrow row per study (id, title, year, ids, n, design, arms) for search
    failures   one row per source that could not be processed, with the reason

Views (flat rows for ``sqlite3`` users; see ``VIEWS``): ``evidence_view`` (one row per
study), ``doses_view`` (one row per dose), ``outcomes_view`` (one row per result) and
``comparisons_view`` (one row per comparison), each carrying the study's PMID, year and title.

Arm roles other than ``intervention`` (``comparator``, ``placebo``, ``usual_care``: the
``CONTROL_ROLES``) are control arms: they fill the ``comparators`` columns.

Records are keyed by ``Document.record_id`` (PMID, DOI or content hash): storing the same
document twice replaces its rows instead of adding new ones. Every record is written in one
transaction, so a failure (or a killed process) never leaves a half-written record.

Several processes may write one database at once (two ``evidence batch`` runs and an
``evidence extract``): the database is in WAL mode, and every write transaction takes the
write lock first (``BEGIN IMMEDIATE``), waiting up to ``BUSY_TIMEOUT`` for the other writer.
Reading commands open the file read-only (``open_db(path, readonly=True)``) and never write.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import sqlite_utils

from .errors import StoreError
from .migrations import MIGRATIONS, VIEWS, pending_columns, stale_views, sync_columns
from .records import Document, Evidence
from .schema import table_columns
from .store_rows import (
    INDEX_COLUMNS,
    json_text,
    now,
    record_rows,
    refresh_studies,
    title_key,
    write_index,
)

log = logging.getLogger("extractor.store")

__all__ = [
    "BUSY_TIMEOUT",
    "CHILD_TABLES",
    "INDEX_COLUMNS",
    "MIGRATIONS",
    "VIEWS",
    "StoreResult",
    "clear_failures",
    "count_rows",
    "database",
    "find_duplicate",
    "iter_records",
    "load_record",
    "migrate",
    "open_db",
    "refresh_studies",
    "schema_version",
    "store_failure",
    "store_many",
    "store_record",
    "store_records",
    "title_key",
    "write_record",
    "write_transaction",
]

CHILD_TABLES = ("spans", "doses", "outcomes", "arms", "adverse_events", "comparisons")


#: Seconds a write waits for another process's write to finish before giving up. Every write
#: transaction takes the lock first (``BEGIN IMMEDIATE``), so this wait really applies; a
#: record's transaction lasts milliseconds, so a concurrent batch only slows the other down.
BUSY_TIMEOUT = 60.0


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction (``BEGIN``) that reads and then writes cannot wait for another
    writer: SQLite answers "database is locked" at once, whatever the busy timeout. Taking the
    lock first makes a second writer wait its turn (up to :data:`BUSY_TIMEOUT`). Everything in
    the block commits together or not at all, also on Ctrl-C or an error; inside another
    transaction the block is a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def schema_version(db: sqlite_utils.Database, *, source: str | None = None) -> int:
    """The evidence schema version of ``db`` (0 for a database without tables).

    Raises:
        StoreError: the database holds tables but not the evidence schema (another
            application's database), or was written by a newer version of this tool.
    """
    tables = {
        str(row[0])
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    }
    if "_migrations" not in tables:
        if tables:
            names = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
            raise StoreError(
                f"not an evidence database: it holds other tables ({names})", source=source
            )
        return 0
    row = db.execute("SELECT MAX(version) FROM _migrations").fetchone()
    version = int(row[0] or 0)
    if version > 0 and "documents" not in tables:
        raise StoreError("not an evidence database: it has no documents table", source=source)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"written by a newer version of evidence-extractor (schema version {version}, this "
            f"version knows up to {len(MIGRATIONS)}); upgrade evidence-extractor to use it",
            source=source,
        )
    return version


def migrate(db: sqlite_utils.Database, *, source: str | None = None) -> int:
    """Apply pending migrations; return the schema version now in force.

    Then add the columns of record fields added since (:func:`~extractor.migrations.sync_columns`).

    Each migration runs in its own write transaction that first re-reads the version, so
    two processes opening a new database at once apply every migration exactly once.

    Raises:
        StoreError: see :func:`schema_version`.
    """
    current = schema_version(db, source=source)  # no lock when there is nothing to do
    while current < len(MIGRATIONS):
        with write_transaction(db):
            current = schema_version(db, source=source)  # another process may have migrated
            if current >= len(MIGRATIONS):
                break
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT)"
            )
            MIGRATIONS[current](db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", [current + 1, now()])
        current += 1
    if pending_columns(db) or stale_views(db):  # no lock when nothing changed
        with write_transaction(db):
            if sync_columns(db):
                log.debug("added columns for new record fields, re-created the flat views")
    return current


def open_db(
    path: str | Path, *, create: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (and if needed create and migrate) the evidence database at ``path``.

    Args:
        path: the database file.
        create: create the file (and its folder) when it does not exist.
        readonly: open for reading only (the query, show, summarize and export commands):
            nothing is written, a missing or empty file is an error rather than a new
            database, and a read-only folder or file is fine. A database of an older schema
            is migrated first, which needs write access once.

    Raises:
        StoreError: the file cannot be opened, is not a SQLite database, is another
            application's database or a newer version's, or does not exist and ``create`` is
            false or ``readonly`` true.
    """
    path = Path(path)
    if (readonly or not create) and not path.is_file():
        raise StoreError(f"no database at {path}; run 'evidence extract' or 'batch' first")
    if readonly:
        return _open_readonly(path)
    conn: sqlite3.Connection | None = None
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
        db = sqlite_utils.Database(conn)
        schema_version(db, source=str(path))  # another application's file stays as it is
        db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db, source=str(path))
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return db


# SQLite's answers when a read-only connection can neither find nor create the ``-shm`` and
# ``-wal`` files a WAL database needs (the folder is read-only and no writer has it open).
_NO_WAL_FILES = frozenset(
    {"SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_READONLY", "SQLITE_CANTOPEN"}
)


def _open_readonly(path: Path) -> sqlite_utils.Database:
    """Open ``path`` with ``mode=ro`` and check its schema; see :func:`open_db`."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        conn = _connect_readonly(uri)
    except sqlite3.OperationalError as exc:
        wal = path.with_name(path.name + "-wal")
        if getattr(exc, "sqlite_errorname", "") not in _NO_WAL_FILES or wal.exists():
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        # No log to read and none can be made: nobody is writing through this folder, so
        # the file alone is the whole database. Read it as an immutable file.
        try:
            conn = _connect_readonly(uri + "&immutable=1")
        except sqlite3.DatabaseError as again:
            raise StoreError(f"cannot open database {path}: {again}") from again
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    db = sqlite_utils.Database(conn)
    try:
        version = schema_version(db, source=str(path))
    except BaseException:
        conn.close()
        raise
    if version == len(MIGRATIONS):
        return db
    conn.close()
    if version == 0:
        raise StoreError(
            "not an evidence database (it is empty); run 'evidence extract' or 'batch' to fill it",
            source=str(path),
        )
    try:  # an older schema: migrate it once, then read
        open_db(path, create=False).close()
    except StoreError as exc:
        raise StoreError(
            f"schema version {version} is older than this version's {len(MIGRATIONS)} and "
            f"cannot be upgraded: {exc}",
            source=str(path),
        ) from exc
    return _open_readonly(path)


def _connect_readonly(uri: str) -> sqlite3.Connection:
    """A read-only connection to ``uri``, checked by reading the schema (opening is lazy)."""
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def find_duplicate(db: sqlite_utils.Database, document: Document) -> str | None:
    """The id of a stored document that is the same work: same PMID, DOI, or title + year.

    Titles shorter than 20 characters are never matched on their own ("Editorial", "Reply").
    """
    if document.pmid:
        row = db.execute("SELECT id FROM documents WHERE pmid = ?", [document.pmid]).fetchone()
        if row:
            return str(row[0])
    if document.doi:
        row = db.execute(
            "SELECT id FROM documents WHERE lower(doi) = ?", [document.doi.lower()]
        ).fetchone()
        if row:
            return str(row[0])
    key = title_key(document.title)
    if len(key) >= 20:
        row = db.execute(
            "SELECT id FROM documents WHERE title_key = ? AND (year IS ? OR year IS NULL "
            "OR ? IS NULL)",
            [key, document.year, document.year],
        ).fetchone()
        if row:
            return str(row[0])
    return None


def _merge(
    db: sqlite_utils.Database, record: Evidence, existing: str
) -> tuple[Evidence, list[str], bool]:
    """The record re-keyed to ``existing``, with identifiers and sources kept from both.

    Also says whether the record's source is new to that document (a real merge, not a re-run).
    """
    row = db.execute(
        "SELECT pmid, doi, pmcid, journal, year, sources FROM documents WHERE id = ?", [existing]
    ).fetchone()
    doc = record.document
    merged = replace(
        doc,
        pmid=doc.pmid or row[0],
        doi=doc.doi or row[1],
        pmcid=doc.pmcid or row[2],
        journal=doc.journal or row[3],
        year=doc.year or row[4],
    )
    sources = json.loads(row[5] or "[]")
    added = bool(doc.source) and doc.source not in sources
    if added:
        sources.append(doc.source)
    return replace(record, id=existing, document=merged), sources, added


def store_record(db: sqlite_utils.Database, record: Evidence) -> StoreResult:
    """Insert one record atomically, or merge it into the stored duplicate of the same work.

    Duplicates are found by PMID, then DOI, then normalised title + year
    (:func:`find_duplicate`); the database keeps one document with every source it came from.
    A previous failure row for the same source is removed, since the source now succeeded.
    The write lock is taken first (:func:`write_transaction`), so a concurrent writer makes
    this wait up to :data:`BUSY_TIMEOUT` rather than fail.

    Raises:
        StoreError: the record could not be written (nothing of it was).
    """
    try:
        with write_transaction(db):
            result = write_record(db, record)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store record {record.id}: {exc}") from exc
    return result


def store_many(
    db: sqlite_utils.Database, records: Sequence[Evidence]
) -> list[StoreResult | StoreError]:
    """Store ``records`` in one transaction (one commit for a chunk is much cheaper than one
    each); a record that cannot be written is rolled back alone (a savepoint) and comes back
    as its ``StoreError``, in order with the others' results. Nothing is committed, hence
    nothing should be reported stored, before this returns.

    Raises:
        StoreError: the transaction itself failed (the write lock not had in time): nothing of
            the chunk was stored.
    """
    results: list[StoreResult | StoreError] = []
    try:
        with write_transaction(db):
            for record in records:
                db.execute("SAVEPOINT record")
                try:
                    results.append(write_record(db, record))
                except StoreError as exc:
                    db.execute("ROLLBACK TO record")
                    results.append(exc)
                except sqlite3.Error as exc:
                    db.execute("ROLLBACK TO record")
                    results.append(StoreError(f"cannot store record {record.id}: {exc}"))
                db.execute("RELEASE record")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store {len(records)} records: {exc}") from exc
    return results


def write_record(db: sqlite_utils.Database, record: Evidence) -> StoreResult:
    """Write one record's rows (inside the caller's transaction): its duplicate found and
    merged, old rows replaced, search rows refreshed.

    Raises:
        sqlite3.Error: the database refused a statement.
    """
    existing = find_duplicate(db, record.document)
    sources = [record.document.source] if record.document.source else []
    merged = False
    if existing is not None:
        record, sources, added = _merge(db, record, existing)
        merged = added and len(sources) > 1
    rows = record_rows(record)
    rows["documents"][0]["sources"] = json_text(sources)
    for table in CHILD_TABLES:
        db.execute(f"DELETE FROM [{table}] WHERE doc_id = ?", [record.id])
    for table in ("documents", "evidence"):
        _write_rows(db, table, rows[table], upsert_key="id")
    for table in CHILD_TABLES:
        _write_rows(db, table, rows[table])
    write_index(db, record)
    refresh_studies(db, record.id)
    if record.document.source:
        db.execute("DELETE FROM failures WHERE source = ?", [record.document.source])
    log.debug("stored %s%s", record.id, " (merged into the stored duplicate)" if merged else "")
    return StoreResult(record.id, merged=merged)


_COLUMNS = {table: tuple(c.name for c in columns) for table, columns in table_columns().items()}


@cache
def _insert_sql(table: str, upsert_key: str | None) -> str:
    """``INSERT`` of every column of ``table``; an upsert on ``upsert_key`` (an update, so the
    full-text triggers of ``documents`` see an update, not a delete and an insert)."""
    columns = _COLUMNS[table]
    names = ", ".join(f"[{c}]" for c in columns)
    sql = f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"
    if upsert_key:
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != upsert_key)
        sql += f" ON CONFLICT([{upsert_key}]) DO UPDATE SET {updates}"
    return sql


def _write_rows(
    db: sqlite_utils.Database,
    table: str,
    rows: list[dict[str, Any]],
    upsert_key: str | None = None,
) -> None:
    if rows:
        columns = _COLUMNS[table]
        db.conn.executemany(
            _insert_sql(table, upsert_key), [[row.get(c) for c in columns] for row in rows]
        )


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What :func:`store_record` did: the id used, and whether it merged into a duplicate."""

    id: str
    merged: bool = False


def already_stored(
    db: sqlite_utils.Database, documents: Sequence[Document], *, pipeline: str
) -> set[str]:
    """Record ids of ``documents`` stored already: the same id and content (``content_hash``),
    extracted by ``pipeline``, from the same source. Re-extracting them would store the same
    record again (resume); a document read from another source is not among them, so it still
    merges its source into the stored study."""
    wanted = {d.record_id: d for d in documents}
    if not wanted:
        return set()
    marks = ", ".join("?" * len(wanted))
    rows = db.execute(
        "SELECT d.id, d.content_hash, d.sources, e.pipeline FROM documents d "
        f"JOIN evidence e ON e.id = d.id WHERE d.id IN ({marks})",
        list(wanted),
    ).fetchall()
    found = set()
    for rid, content_hash, sources, stored_by in rows:
        doc = wanted[rid]
        same = content_hash == doc.content_hash and stored_by == pipeline
        if same and doc.source in json.loads(sources or "[]"):
            found.add(rid)
    return found


def store_records(db: sqlite_utils.Database, records: Iterable[Evidence]) -> int:
    """Store many records (each in its own transaction); return how many were stored."""
    count = 0
    for record in records:
        store_record(db, record)
        count += 1
    return count


def store_failure(db: sqlite_utils.Database, source: str, kind: str, message: str) -> None:
    """Record (or update) the failure of one source."""
    try:
        with write_transaction(db):
            db.table("failures").upsert(
                {"source": source, "kind": kind, "message": message, "failed_at": now()},
                pk="source",
            )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record failure for {source}: {exc}") from exc


def clear_failures(db: sqlite_utils.Database, sources: Iterable[str]) -> int:
    """Remove the failure rows of ``sources`` (they went through since); return how many."""
    keys = list(dict.fromkeys(sources))
    removed = 0
    try:
        with write_transaction(db):
            for start in range(0, len(keys), 500):  # stay under SQLite's variable limit
                chunk = keys[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                removed += db.execute(
                    f"DELETE FROM failures WHERE source IN ({marks})", chunk
                ).rowcount
    except sqlite3.Error as exc:
        raise StoreError(f"cannot clear failure rows: {exc}") from exc
    return removed


def load_record(db: sqlite_utils.Database, record_id: str) -> Evidence:
    """Load one stored record by id (``pmid:…``, ``doi:…``, ``sha:…``) or bare PMID/DOI.

    Raises:
        StoreError: no such record.
    """
    candidates = [record_id, f"pmid:{record_id}", f"doi:{record_id.lower()}"]
    for rid in candidates:
        row = db.execute("SELECT record FROM evidence WHERE id = ?", [rid]).fetchone()
        if row:
            return Evidence.from_dict(json.loads(row[0]))
    prefix = db.execute(
        "SELECT record FROM evidence WHERE id LIKE ? LIMIT 2", [f"%:{record_id}%"]
    ).fetchall()
    if len(prefix) == 1:
        return Evidence.from_dict(json.loads(prefix[0][0]))
    raise StoreError(f"no record with id {record_id!r}")


def iter_records(db: sqlite_utils.Database) -> Iterator[Evidence]:
    """Every stored record, in id order."""
    for (raw,) in db.execute("SELECT record FROM evidence ORDER BY id"):
        yield Evidence.from_dict(json.loads(raw))


def count_rows(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts per table, for status lines and tests."""
    return {
        name: db[name].count
        for name in (
            "documents",
            "evidence",
            "spans",
            "arms",
            "doses",
            "outcomes",
            "adverse_events",
            "comparisons",
            "failures",
        )
    }


@contextmanager
def database(
    path: str | Path, *, create: bool = True, readonly: bool = False
) -> Iterator[sqlite_utils.Database]:
    """``with database(path) as db:`` — open (see :func:`open_db`), yield, always close."""
    db = open_db(path, create=create, readonly=readonly)
    try:
        yield db
    finally:
        db.close()
