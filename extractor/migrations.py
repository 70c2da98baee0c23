"""The evidence database schema, as numbered migrations (``MIGRATIONS``) and SQL views.

``MIGRATIONS[i]`` brings a database from schema version ``i`` to ``i + 1``;
:func:`extractor.store.migrate` applies the pending ones, each in its own transaction.
Migrations are never edited once released: a schema change is a new migration at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace

import sqlite_utils

from .records import CONTROL_ROLES, Evidence
from .schema import table_columns, view_columns
from .store_rows import INDEX_COLUMNS, record_rows, refresh_studies, title_key, write_index

# The control roles as an SQL list, for views that split arms into interventions and controls.
_CONTROLS_SQL = ", ".join(f"'{role}'" for role in sorted(CONTROL_ROLES))


# The tables as first released, as SQL: migrations are history and never change with the
# record classes (later columns come from later migrations or from ``sync_columns``).
_INITIAL_TABLES = {
    "documents": "id TEXT PRIMARY KEY, title TEXT, abstract TEXT, sections TEXT, pmid TEXT, "
    "doi TEXT, journal TEXT, year INTEGER, authors TEXT, publication_types TEXT, source TEXT, "
    "kind TEXT, site TEXT, content_hash TEXT, updated_at TEXT",
    "evidence": "id TEXT PRIMARY KEY REFERENCES documents(id), population TEXT, condition TEXT, "
    "n INTEGER, interventions TEXT, comparators TEXT, outcomes TEXT, adverse_events TEXT, "
    "design TEXT, conclusion TEXT, summary TEXT, record TEXT, pipeline TEXT, extracted_at TEXT",
    "spans": "doc_id TEXT REFERENCES documents(id), label TEXT, text TEXT, start INTEGER, "
    "[end] INTEGER, source TEXT, section TEXT",
    "doses": "doc_id TEXT REFERENCES documents(id), intervention TEXT, long_form TEXT, "
    "role TEXT, amount REAL, amount_max REAL, unit TEXT, per TEXT, multiplier INTEGER, "
    "frequency TEXT, duration TEXT, route TEXT, phase TEXT, text TEXT, start INTEGER, "
    "[end] INTEGER",
    "outcomes": "doc_id TEXT REFERENCES documents(id), outcome TEXT, count INTEGER, "
    "denominator INTEGER, percent REAL, threshold TEXT, text TEXT, start INTEGER, [end] INTEGER",
    "failures": "source TEXT PRIMARY KEY, kind TEXT, message TEXT, failed_at TEXT",
}
_ARMS_AND_EVENTS = {
    "arms": "doc_id TEXT REFERENCES documents(id), name TEXT, long_form TEXT, role TEXT, "
    "n INTEGER, start INTEGER, [end] INTEGER",
    "adverse_events": "doc_id TEXT REFERENCES documents(id), kind TEXT, name TEXT, text TEXT, "
    "count INTEGER, start INTEGER, [end] INTEGER",
}


def _create_tables(db: sqlite_utils.Database, tables: dict[str, str]) -> None:
    for name, columns in tables.items():
        db.execute(f"CREATE TABLE [{name}] ({columns})")


def _migration_1(db: sqlite_utils.Database) -> None:
    """Initial schema."""
    _create_tables(db, _INITIAL_TABLES)
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
}
# One row per dose, result or comparison, with the study's PMID, year and title: every column
# of the table (from the record fields, see extractor.schema), the quote and offsets last.
_STUDY_SQL = "x.doc_id, d.pmid, d.year, d.title"
_JOIN_SQL = "JOIN documents d ON d.id = x.doc_id"


def _columns_sql(names: Iterable[str]) -> str:
    return ", ".join(f"x.[{name}]" for name in names)


# The per-arm results of a comparison's sentence, "arm: text" joined with "; ".
_ARM_RESULTS_SQL = """(SELECT group_concat(coalesce(json_extract(r.value, '$.arm') || ': ', '')
    || json_extract(r.value, '$.text'), '; ') FROM json_each(x.results) r) AS arm_results"""
_COMPARISON_VIEW = view_columns("comparisons", exclude=("results",))
_AFTER_DIRECTION = _COMPARISON_VIEW.index("direction") + 1
VIEWS["doses_view"] = (
    f"SELECT {_STUDY_SQL}, {_columns_sql(view_columns('doses'))} FROM doses x {_JOIN_SQL}"
)
VIEWS["outcomes_view"] = (
    f"SELECT {_STUDY_SQL}, {_columns_sql(view_columns('outcomes', exclude=('direction_text',)))}"
    f" FROM outcomes x {_JOIN_SQL}"
)
VIEWS["comparisons_view"] = (
    f"SELECT {_STUDY_SQL}, {_columns_sql(_COMPARISON_VIEW[:_AFTER_DIRECTION])}, "
    f"{_ARM_RESULTS_SQL}, {_columns_sql(_COMPARISON_VIEW[_AFTER_DIRECTION:])} "
    f"FROM comparisons x {_JOIN_SQL}"
)


def _view_sql(name: str, select: str) -> str:
    return f"CREATE VIEW [{name}] AS {select}"


def _create_views(db: sqlite_utils.Database, names: Iterable[str]) -> None:
    for name in names:
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
        db.execute(_view_sql(name, VIEWS[name]))


def _migration_3(db: sqlite_utils.Database) -> None:
    """Arms and adverse-event tables, result details on outcomes, flat SQL views.

    Existing databases are back-filled from each record's stored JSON.
    """
    _create_tables(db, _ARMS_AND_EVENTS)
    for name, kind in _OUTCOME_EXTRAS:
        db.table("outcomes").add_column(name, kind)
    for table in ("arms", "adverse_events"):
        db.table(table).create_index(["doc_id"])
    db.table("doses").create_index(["unit"])
    db.table("doses").create_index(["route"])
    db.table("outcomes").create_index(["outcome"])
    for rid, raw in db.execute("SELECT id, record FROM evidence").fetchall():
        record = replace(Evidence.from_dict(json.loads(raw)), id=rid)
        rows = record_rows(record)
        for table in ("outcomes", "arms", "adverse_events"):
            db.execute(f"DELETE FROM [{table}] WHERE doc_id = ?", [record.id])
            if rows[table]:
                db.table(table).insert_all(rows[table])
    _create_views(db, ("evidence_view", "doses_view", "outcomes_view"))


# Columns of the trigram index behind the intervention/comparator/condition/outcome filters.
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
        write_index(db, replace(Evidence.from_dict(json.loads(raw)), id=rid))
    db.execute("CREATE INDEX IF NOT EXISTS arms_name_nocase ON arms(name COLLATE NOCASE)")
    db.execute("CREATE INDEX IF NOT EXISTS arms_long_form_nocase ON arms(long_form COLLATE NOCASE)")


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
        write_index(db, replace(Evidence.from_dict(json.loads(raw)), id=rid))


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
        rows = record_rows(record)
        arms = {k: rows["evidence"][0][k] for k in ("interventions", "comparators")}
        db.table("evidence").update(rid, arms)
        db.execute("DELETE FROM comparisons WHERE doc_id = ?", [rid])
        db.table("comparisons").insert_all(rows["comparisons"])
        write_index(db, record)
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


def pending_columns(db: sqlite_utils.Database) -> dict[str, list[tuple[str, type]]]:
    """Columns the record fields name that their table lacks (a field added since)."""
    missing: dict[str, list[tuple[str, type]]] = {}
    for table, columns in table_columns().items():
        have = db.table(table).columns_dict
        names = [(c.name, c.kind) for c in columns if c.name not in have]
        if names:
            missing[table] = names
    return missing


def stale_views(db: sqlite_utils.Database) -> list[str]:
    """Views whose stored SQL is not the one :data:`VIEWS` gives (their columns changed)."""
    stored = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    return [name for name, sql in VIEWS.items() if stored.get(name) != _view_sql(name, sql)]


def sync_columns(db: sqlite_utils.Database) -> bool:
    """Add a column for each record field its table lacks and re-create changed views.

    A field added to a record class (:mod:`extractor.records`) gets its column here, after the
    numbered migrations, as ``insert_all(alter=True)`` would add it; records stored before
    hold ``NULL`` there (their JSON in ``evidence.record`` is unchanged). Returns whether
    anything changed. Call it inside a write transaction.
    """
    missing = pending_columns(db)
    views = stale_views(db)
    if not missing and not views:
        return False
    for name in VIEWS:  # SQLite checks views on ALTER TABLE: drop them first
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
    for table, names in missing.items():
        for name, kind in names:
            db.table(table).add_column(name, kind)
    _create_views(db, VIEWS)
    return True
