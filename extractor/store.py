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
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .errors import StoreError
from .records import CONTROL_ROLES, Document, Evidence

CHILD_TABLES = ("spans", "doses", "outcomes", "arms", "adverse_events", "comparisons")
# The control roles as an SQL list, for views that split arms into interventions and controls.
_CONTROLS_SQL = ", ".join(f"'{role}'" for role in sorted(CONTROL_ROLES))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _migration_1(db: sqlite_utils.Database) -> None:
    """Initial schema."""
    db.table("documents").create(
        {
            "id": str,
            "title": str,
            "abstract": str,
            "sections": str,
            "pmid": str,
            "doi": str,
            "journal": str,
            "year": int,
            "authors": str,
            "publication_types": str,
            "source": str,
            "kind": str,
            "site": str,
            "content_hash": str,
            "updated_at": str,
        },
        pk="id",
    )
    db.table("evidence").create(
        {
            "id": str,
            "population": str,
            "condition": str,
            "n": int,
            "interventions": str,
            "comparators": str,
            "outcomes": str,
            "adverse_events": str,
            "design": str,
            "conclusion": str,
            "summary": str,
            "record": str,
            "pipeline": str,
            "extracted_at": str,
        },
        pk="id",
        foreign_keys=[("id", "documents", "id")],
    )
    db.table("spans").create(
        {
            "doc_id": str,
            "label": str,
            "text": str,
            "start": int,
            "end": int,
            "source": str,
            "section": str,
        },
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db.table("doses").create(
        {
            "doc_id": str,
            "intervention": str,
            "long_form": str,
            "role": str,
            "amount": float,
            "amount_max": float,
            "unit": str,
            "per": str,
            "multiplier": int,
            "frequency": str,
            "duration": str,
            "route": str,
            "phase": str,
            "text": str,
            "start": int,
            "end": int,
        },
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db.table("outcomes").create(
        {
            "doc_id": str,
            "outcome": str,
            "count": int,
            "denominator": int,
            "percent": float,
            "threshold": str,
            "text": str,
            "start": int,
            "end": int,
        },
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db.table("failures").create(
        {"source": str, "kind": str, "message": str, "failed_at": str},
        pk="source",
    )
    for table in ("spans", "doses", "outcomes"):
        db.table(table).create_index(["doc_id"])
    db.table("documents").create_index(["pmid"])
    db.table("documents").create_index(["doi"])
    db.table("documents").create_index(["year"])
    db.table("evidence").create_index(["n"])
    db.table("evidence").create_index(["design"])
    db.table("documents").enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")


def _migration_2(db: sqlite_utils.Database) -> None:
    """Bibliographic extras and de-duplication keys (PubMed/export ingestion)."""
    docs = db.table("documents")
    for name, kind in (
        ("pmcid", str),
        ("date", str),
        ("mesh_terms", str),
        ("keywords", str),
        ("sources", str),
        ("title_key", str),
    ):
        docs.add_column(name, kind)
    db.execute("UPDATE documents SET sources = json_array(source) WHERE sources IS NULL")
    for row in db.execute("SELECT id, title FROM documents").fetchall():
        db.execute("UPDATE documents SET title_key = ? WHERE id = ?", [title_key(row[1]), row[0]])
    docs.create_index(["title_key", "year"])


_OUTCOME_EXTRAS: tuple[tuple[str, type], ...] = (
    ("direction", str),
    ("direction_text", str),
    ("arm", str),
    ("mean", float),
    ("median", float),
    ("sd", float),
    ("iqr", str),
    ("effect", str),
    ("effect_value", float),
    ("ci_low", float),
    ("ci_high", float),
    ("p_value", str),
    ("time_point", str),
)

VIEWS: dict[str, str] = {
    "evidence_view": f"""
        SELECT d.id, d.pmid, d.doi, d.year, d.journal, d.title, e.condition, e.population, e.n,
            e.design,
            (SELECT group_concat(coalesce(a.long_form || ' (' || a.name || ')', a.name), '; ')
               FROM arms a WHERE a.doc_id = d.id AND a.role NOT IN ({_CONTROLS_SQL}))
               AS interventions,
            (SELECT group_concat(coalesce(a.long_form || ' (' || a.name || ')', a.name), '; ')
               FROM arms a WHERE a.doc_id = d.id AND a.role IN ({_CONTROLS_SQL}))
               AS comparators,
            (SELECT group_concat(name, '; ') FROM (SELECT DISTINCT o.outcome AS name
               FROM outcomes o WHERE o.doc_id = d.id)) AS outcomes,
            (SELECT group_concat(coalesce(ae.name, ae.text), '; ')
               FROM adverse_events ae WHERE ae.doc_id = d.id) AS adverse_events,
            e.conclusion
        FROM documents d JOIN evidence e ON e.id = d.id""",
    "doses_view": """
        SELECT x.doc_id, d.pmid, d.year, d.title, x.intervention, x.long_form, x.role,
            x.amount, x.amount_max, x.unit, x.per, x.multiplier, x.frequency, x.route,
            x.duration, x.phase, x.text, x.start, x.[end]
        FROM doses x JOIN documents d ON d.id = x.doc_id""",
    "outcomes_view": """
        SELECT x.doc_id, d.pmid, d.year, d.title, x.outcome, x.direction, x.arm, x.count,
            x.denominator, x.percent, x.threshold, x.mean, x.median, x.sd, x.iqr, x.effect,
            x.effect_value, x.ci_low, x.ci_high, x.p_value, x.time_point, x.text, x.start,
            x.[end]
        FROM outcomes x JOIN documents d ON d.id = x.doc_id""",
    "comparisons_view": """
        SELECT x.doc_id, d.pmid, d.year, d.title, x.outcome, x.intervention, x.comparator,
            x.direction,
            (SELECT group_concat(coalesce(json_extract(r.value, '$.arm') || ': ', '')
                || json_extract(r.value, '$.text'), '; ')
               FROM json_each(x.results) r) AS arm_results,
            x.p_value, x.effect, x.effect_value, x.ci_low, x.ci_high, x.confidence, x.source,
            x.text, x.start, x.[end]
        FROM comparisons x JOIN documents d ON d.id = x.doc_id""",
}


def _create_views(db: sqlite_utils.Database, names: Iterable[str]) -> None:
    for name in names:
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
        db.execute(f"CREATE VIEW [{name}] AS {VIEWS[name]}")


def _migration_3(db: sqlite_utils.Database) -> None:
    """Arms and adverse-event tables, result details on outcomes, flat SQL views.

    Existing databases are back-filled from each record's stored JSON.
    """
    db.table("arms").create(
        {
            "doc_id": str,
            "name": str,
            "long_form": str,
            "role": str,
            "n": int,
            "start": int,
            "end": int,
        },
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db.table("adverse_events").create(
        {
            "doc_id": str,
            "kind": str,
            "name": str,
            "text": str,
            "count": int,
            "start": int,
            "end": int,
        },
        foreign_keys=[("doc_id", "documents", "id")],
    )
    for name, kind in _OUTCOME_EXTRAS:
        db.table("outcomes").add_column(name, kind)
    for table in ("arms", "adverse_events"):
        db.table(table).create_index(["doc_id"])
    db.table("doses").create_index(["unit"])
    db.table("doses").create_index(["route"])
    db.table("outcomes").create_index(["outcome"])
    for rid, raw in db.execute("SELECT id, record FROM evidence").fetchall():
        record = replace(Evidence.from_dict(json.loads(raw)), id=rid)
        rows = _rows(record)
        for table in ("outcomes", "arms", "adverse_events"):
            db.execute(f"DELETE FROM [{table}] WHERE doc_id = ?", [record.id])
            if rows[table]:
                db.table(table).insert_all(rows[table])
    _create_views(db, ("evidence_view", "doses_view", "outcomes_view"))


# Columns of the trigram index behind the intervention/comparator/condition/outcome filters.
INDEX_COLUMNS = ("intervention", "comparator", "condition", "outcome")
_INDEX_SEPARATOR = " \u2016 "  # a character no name contains, so items never run together


def _index_row(record: Evidence) -> dict[str, str]:
    """The words each structured filter matches for one record (see ``search_index``)."""
    columns: dict[str, list[str]] = {name: [] for name in INDEX_COLUMNS}
    for arm in record.interventions:
        column = "comparator" if arm.role in CONTROL_ROLES else "intervention"
        columns[column] += [n for n in (arm.name, arm.long_form) if n]
    if record.population.condition:
        columns["condition"].append(record.population.condition)
    columns["outcome"] += [o.name for o in record.outcomes]
    columns["outcome"] += [c.outcome for c in record.comparisons]
    by_label = {
        "INTERVENTION": ("intervention",),
        "COMPARATOR": ("intervention", "comparator"),
        "CONDITION": ("condition",),
        "OUTCOME": ("outcome",),
    }
    for span in record.spans:
        for column in by_label.get(span.label, ()):
            columns[column].append(span.text)
    return {
        name: _INDEX_SEPARATOR.join(dict.fromkeys(v.casefold() for v in values))
        for name, values in columns.items()
    }


def _write_index(db: sqlite_utils.Database, record: Evidence) -> None:
    """(Re)write the ``search_index`` row of one stored record, keyed by its document rowid."""
    found = db.execute("SELECT rowid FROM documents WHERE id = ?", [record.id]).fetchone()
    if found is None:
        return
    db.execute("DELETE FROM search_index WHERE rowid = ?", [found[0]])
    row = _index_row(record)
    db.execute(
        "INSERT INTO search_index (rowid, doc_id, intervention, comparator, condition, outcome) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [found[0], record.id, *(row[name] for name in INDEX_COLUMNS)],
    )


def _migration_4(db: sqlite_utils.Database) -> None:
    """``search_index``: a trigram FTS5 table so substring filters use an index.

    One row per document: arm names and long forms, conditions and outcomes (structured
    fields plus the matching spans), case-folded. A trigram index answers "contains" for any
    string of three or more characters without scanning every span.
    """
    db.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5(doc_id UNINDEXED, "
        f"{', '.join(INDEX_COLUMNS)}, tokenize='trigram')"
    )
    for rid, raw in db.execute("SELECT id, record FROM evidence").fetchall():
        _write_index(db, replace(Evidence.from_dict(json.loads(raw)), id=rid))
    db.execute("CREATE INDEX IF NOT EXISTS arms_name_nocase ON arms(name COLLATE NOCASE)")
    db.execute("CREATE INDEX IF NOT EXISTS arms_long_form_nocase ON arms(long_form COLLATE NOCASE)")


_STUDIES_SELECT = """
    SELECT d.rowid, d.id, d.title, d.year, d.pmid, d.doi, e.n, e.design, e.condition,
        e.interventions, e.comparators
    FROM documents d JOIN evidence e ON e.id = d.id"""


def refresh_studies(db: sqlite_utils.Database, record_id: str | None = None) -> None:
    """Copy one study's (or, without ``record_id``, every study's) search columns to ``studies``."""
    where, params = (" WHERE d.id = ?", [record_id]) if record_id else ("", [])
    db.execute(f"INSERT OR REPLACE INTO studies {_STUDIES_SELECT}{where}", params)


def _migration_5(db: sqlite_utils.Database) -> None:
    """``studies``: one narrow row per study with what search filters and lists.

    ``documents`` and ``evidence`` rows are wide (abstract, sections, the record JSON), so
    filtering and sorting them reads many pages per row; ``studies`` keeps the id, title, year,
    identifiers, n, design, condition and arm names, keyed by the document's rowid (which the
    title/abstract FTS index also uses), with indexes on year, n and design.
    """
    db.execute(
        "CREATE TABLE studies (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT, "
        "year INTEGER, pmid TEXT, doi TEXT, n INTEGER, design TEXT, condition TEXT, "
        "interventions TEXT, comparators TEXT)"
    )
    for column in ("year", "n", "design"):
        db.execute(f"CREATE INDEX idx_studies_{column} ON studies({column})")
    refresh_studies(db)


def _migration_6(db: sqlite_utils.Database) -> None:
    """Key ``search_index`` rows by their document's rowid (as ``studies`` and the FTS are).

    Filters then intersect integer rowids instead of reading the ``doc_id`` text column, and
    re-storing a record replaces its index row by rowid instead of scanning the index.
    """
    db.execute("DELETE FROM search_index")
    for rid, raw in db.execute("SELECT id, record FROM evidence").fetchall():
        _write_index(db, replace(Evidence.from_dict(json.loads(raw)), id=rid))


def _migration_7(db: sqlite_utils.Database) -> None:
    """Index ``studies(design, year)``: a design filter with a year range reads only its rows."""
    db.execute("CREATE INDEX idx_studies_design_year ON studies(design, year)")
    db.execute("DROP INDEX idx_studies_design")


def _migration_8(db: sqlite_utils.Database) -> None:
    """``comparisons`` (one row per reported comparison) and ``comparisons_view``.

    ``evidence_view`` is re-created so that every control role (placebo, usual care as well as
    an active comparator) counts as a comparator. Stored records that hold comparisons or a
    placebo/usual-care arm are re-read from their JSON: comparison rows back-filled, arm
    columns, search index and ``studies`` row rewritten with the new split.
    """
    db.execute(
        "CREATE TABLE comparisons ([doc_id] TEXT REFERENCES [documents]([id]), outcome TEXT, "
        "intervention TEXT, comparator TEXT, direction TEXT, p_value TEXT, effect TEXT, "
        "effect_value FLOAT, ci_low FLOAT, ci_high FLOAT, results TEXT, confidence FLOAT, "
        "source TEXT, text TEXT, start INTEGER, [end] INTEGER)"
    )
    db.table("comparisons").create_index(["doc_id"])
    db.table("comparisons").create_index(["outcome", "intervention"])
    _create_views(db, ("evidence_view", "comparisons_view"))
    for rid, raw in db.execute(
        "SELECT id, record FROM evidence e WHERE json_array_length(record, '$.comparisons') > 0 "
        "OR EXISTS (SELECT 1 FROM arms a WHERE a.doc_id = e.id AND a.role != 'intervention' "
        "AND a.role != 'comparator')"
    ).fetchall():
        record = replace(Evidence.from_dict(json.loads(raw)), id=rid)
        rows = _rows(record)
        arms = {k: rows["evidence"][0][k] for k in ("interventions", "comparators")}
        db.table("evidence").update(rid, arms)
        db.execute("DELETE FROM comparisons WHERE doc_id = ?", [rid])
        db.table("comparisons").insert_all(rows["comparisons"])
        _write_index(db, record)
        refresh_studies(db, rid)


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
    _migration_5,
    _migration_6,
    _migration_7,
    _migration_8,
)


def title_key(title: str | None) -> str:
    """A title normalised for duplicate detection: case-folded letters and digits only."""
    return "".join(ch for ch in (title or "").casefold() if ch.isalnum())


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
            db.execute("INSERT INTO _migrations VALUES (?, ?)", [current + 1, _now()])
        current += 1
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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Comparison fields copied to ``comparisons`` columns of the same name.
_COMPARISON_FIELDS = ("outcome", "intervention", "comparator", "direction", "p_value", "source")


def _rows(record: Evidence) -> dict[str, list[dict[str, Any]]]:
    """All rows of one record, built before anything is written."""
    doc = record.document
    data = record.to_dict()
    rid = record.id
    document_row = {
        "id": rid,
        "title": doc.title,
        "abstract": doc.abstract,
        "sections": _json(data["document"]["sections"]),
        "pmid": doc.pmid,
        "doi": doc.doi,
        "journal": doc.journal,
        "year": doc.year,
        "authors": _json(list(doc.authors)),
        "publication_types": _json(list(doc.publication_types)),
        "source": doc.source,
        "kind": doc.kind,
        "site": doc.site,
        "content_hash": doc.content_hash,
        "updated_at": _now(),
        "pmcid": doc.pmcid,
        "date": doc.date,
        "mesh_terms": _json(data["document"]["mesh_terms"]),
        "keywords": _json(list(doc.keywords)),
        "sources": _json([doc.source] if doc.source else []),
        "title_key": title_key(doc.title),
    }
    arms = [i for i in record.interventions if i.role not in CONTROL_ROLES]
    comparators = [i for i in record.interventions if i.role in CONTROL_ROLES]
    evidence_row = {
        "id": rid,
        "population": record.population.description,
        "condition": record.population.condition,
        "n": record.population.n,
        "interventions": _json([_arm_names(i.name, i.long_form) for i in arms]),
        "comparators": _json([_arm_names(i.name, i.long_form) for i in comparators]),
        "outcomes": _json([o.name for o in record.outcomes]),
        "adverse_events": _json([a.name or a.text for a in record.adverse_events]),
        "design": record.design,
        "conclusion": record.conclusion,
        "summary": record.summary,
        "record": _json(data),
        "pipeline": record.pipeline,
        "extracted_at": _now(),
    }
    span_rows = [
        {
            "doc_id": rid,
            "label": s.label,
            "text": s.text,
            "start": s.start,
            "end": s.end,
            "source": s.source,
            "section": s.section,
        }
        for s in record.spans
    ]
    dose_rows = [
        {
            "doc_id": rid,
            "intervention": arm.name,
            "long_form": arm.long_form,
            "role": arm.role,
            "amount": d.amount,
            "amount_max": d.amount_max,
            "unit": d.unit,
            "per": d.per,
            "multiplier": d.multiplier,
            "frequency": d.frequency,
            "duration": d.duration,
            "route": d.route,
            "phase": d.phase,
            "text": d.text,
            "start": d.start,
            "end": d.end,
        }
        for arm in record.interventions
        for d in arm.doses
    ]
    outcome_rows: list[dict[str, Any]] = []
    for o in record.outcomes:
        base = {
            "doc_id": rid,
            "outcome": o.name,
            "direction": o.direction,
            "direction_text": o.direction_text,
        }
        if not o.results:
            outcome_rows.append({**base, "start": o.start, "end": o.end})
        for r in o.results:
            outcome_rows.append(
                {
                    **base,
                    "count": r.count,
                    "denominator": r.denominator,
                    "percent": r.percent,
                    "threshold": r.threshold,
                    "text": r.text,
                    "start": r.start,
                    "end": r.end,
                    "arm": r.arm,
                    "mean": r.mean,
                    "median": r.median,
                    "sd": r.sd,
                    "iqr": r.iqr,
                    "effect": r.effect,
                    "effect_value": r.effect_value,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "p_value": r.p_value,
                    "time_point": r.time_point,
                }
            )
    arm_rows = [
        {
            "doc_id": rid,
            "name": i.name,
            "long_form": i.long_form,
            "role": i.role,
            "n": i.n,
            "start": i.start,
            "end": i.end,
        }
        for i in record.interventions
    ]
    event_rows = [
        {
            "doc_id": rid,
            "kind": a.kind,
            "name": a.name,
            "text": a.text,
            "count": a.count,
            "start": a.start,
            "end": a.end,
        }
        for a in record.adverse_events
    ]
    comparison_rows = []
    for item in data["comparisons"]:
        effect = item["effect"] or {}
        comparison_rows.append(
            {
                "doc_id": rid,
                **{k: item[k] for k in _COMPARISON_FIELDS},
                "effect": effect.get("measure"),
                "effect_value": effect.get("value"),
                "ci_low": effect.get("ci_low"),
                "ci_high": effect.get("ci_high"),
                "confidence": item["confidence"],
                "results": _json(item["results"]),
                **{k: item["evidence"][k] for k in ("text", "start", "end")},
            }
        )
    return {
        "documents": [document_row],
        "evidence": [evidence_row],
        "spans": span_rows,
        "doses": dose_rows,
        "outcomes": outcome_rows,
        "arms": arm_rows,
        "adverse_events": event_rows,
        "comparisons": comparison_rows,
    }


def _arm_names(name: str, long_form: str | None) -> str:
    return f"{long_form} ({name})" if long_form and long_form.lower() != name.lower() else name


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
            existing = find_duplicate(db, record.document)
            sources = [record.document.source] if record.document.source else []
            merged = False
            if existing is not None:
                record, sources, added = _merge(db, record, existing)
                merged = added and len(sources) > 1
            rows = _rows(record)
            rows["documents"][0]["sources"] = _json(sources)
            for table in CHILD_TABLES:
                db.execute(f"DELETE FROM [{table}] WHERE doc_id = ?", [record.id])
            db.table("documents").upsert_all(rows["documents"], pk="id")
            db.table("evidence").upsert_all(rows["evidence"], pk="id")
            for table in CHILD_TABLES:
                if rows[table]:
                    db.table(table).insert_all(rows[table])
            _write_index(db, record)
            refresh_studies(db, record.id)
            if record.document.source:
                db.execute("DELETE FROM failures WHERE source = ?", [record.document.source])
    except sqlite3.Error as exc:
        raise StoreError(f"cannot store record {record.id}: {exc}") from exc
    return StoreResult(record.id, merged=merged)


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What :func:`store_record` did: the id used, and whether it merged into a duplicate."""

    id: str
    merged: bool = False


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
                {"source": source, "kind": kind, "message": message, "failed_at": _now()},
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
