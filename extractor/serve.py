"""Browse the evidence database in Datasette: read-only, on this machine only.

``evidence serve`` runs Datasette on the database, in its own process (no child process, no
temporary file: whatever ends ``evidence serve`` ends the server), with:

* the file opened **immutable**: SQLite never writes to it, Datasette offers no write path,
  and arbitrary SQL (``?sql=``) is limited to ``SELECT``. A database with a non-empty ``-wal``
  file (a batch still writing, or a crashed writer) is opened ``mode=ro`` instead, because an
  immutable connection ignores the write-ahead log and would show stale rows;
* the server bound to ``127.0.0.1`` (any non-loopback host needs ``allow_remote=True``);
* metadata from :func:`datasette_metadata`: a description of every table, view and column,
  full-text search (title + abstract) on ``documents`` and on the narrow ``studies`` rows,
  facets, internal tables hidden, and canned queries (:data:`CANNED_QUERIES`) for the common
  questions, relevance-ranked search among them;
* hardening against bad requests: only GET and HEAD (anything else gets a short 405), no
  traceback printed for a 404 or an invalid query, a 5 s time limit per query, and no value
  over :data:`MAX_VALUE_BYTES` or result over :data:`MAX_RESULT_BYTES` (a 400 instead).

Datasette is an optional dependency; without it :func:`serve` raises :class:`ConfigError`.
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import json
import socket
import sqlite3
import threading
import time
import types
import weakref
import webbrowser
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ConfigError, StoreError
from .schema import DOC_ID_HELP, table_columns, view_columns
from .store import MIGRATIONS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001

# Local single-user browsing: canned queries over a large database may need more than the
# default second; 50 rows a page and abstracts cut at 300 characters in lists keep tables
# readable (a record's own page shows the whole abstract). At most 1,000 rows a query and
# 100 MB of streamed CSV (Datasette's defaults, stated here on purpose). SQL runs on the event
# loop (num_sql_threads 0): a page is dozens of small queries, and handing each to a thread
# pool made it queue behind every other client's (20 clients: p95 0.8 s with three threads,
# 0.1 s without); a slow query holds the loop for at most the 5 s time limit. No
# suggested facets: every table has its facets in the metadata, and suggesting more ran a
# query per column on every table page (two to three times the page's own cost).
SETTINGS: dict[str, int | bool] = {
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
    "truncate_cells_html": 300,
    "max_returned_rows": 1000,
    "num_sql_threads": 0,
    "max_csv_mb": 100,
    "suggest_facets": False,
}

# What one query may build and return (see limit_connection). The largest value of a real
# database, a record's JSON, is tens of KB; a page of 1,000 records about 10 MB.
MAX_VALUE_BYTES = 2_000_000
MAX_RESULT_BYTES = 50_000_000

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

_SQLITE_MAGIC = b"SQLite format 3\x00"
# FTS5 keeps its index in shadow tables; Datasette hides them, we say so explicitly.
FTS_TABLES = ("documents_fts", "search_index")
_FTS_SHADOWS = tuple(
    f"{table}_{part}"
    for table in FTS_TABLES
    for part in ("data", "idx", "content", "docsize", "config")
)

_ROW = "one row per"
_DOC_ID = DOC_ID_HELP
_PMID = "PubMed id of the study, if known."
_YEAR = "Publication year of the study, if known."
_TITLE = "Title of the study."


def _help(table: str) -> dict[str, str]:
    """Column help of a table built from the record fields (see :mod:`extractor.schema`)."""
    return {c.name: c.description for c in table_columns()[table]}


TABLES: dict[str, dict[str, Any]] = {
    "documents": {
        "description": f"The cleaned abstracts and their bibliographic metadata, {_ROW} "
        "study. Full-text search covers title and abstract (Porter stemming).",
        "columns": _help("documents"),
        "fts_table": "documents_fts",
        "fts_pk": "rowid",
        "label_column": "title",
        "facets": ["year", "kind"],
        "sortable_columns": ["id", "pmid", "year", "journal", "title", "date", "updated_at"],
    },
    "evidence": {
        "description": f"The evidence extracted from each abstract, {_ROW} study.",
        "columns": _help("evidence"),
        "facets": ["design"],
        "sortable_columns": ["id", "n", "design", "condition", "pipeline", "extracted_at"],
    },
    "spans": {
        "description": f"Every extracted text span with its provenance, {_ROW} span.",
        "columns": _help("spans"),
        "facets": ["label", "section"],
    },
    "arms": {
        "description": f"Intervention and control arms, {_ROW} arm.",
        "columns": _help("arms"),
        "facets": ["role"],
    },
    "doses": {
        "description": f"Dose expressions with the arm they belong to, {_ROW} dose.",
        "columns": _help("doses"),
        "facets": ["unit", "route", "phase"],
    },
    "outcomes": {
        "description": f"Outcomes and their numeric results, {_ROW} result (an outcome "
        "without numbers has one row with empty result columns).",
        "columns": _help("outcomes"),
        "facets": ["direction", "effect"],
    },
    "adverse_events": {
        "description": f"Adverse events and withdrawals, {_ROW} event.",
        "columns": _help("adverse_events"),
        "facets": ["kind"],
    },
    "comparisons": {
        "description": f"Reported comparisons of an outcome between two arms, {_ROW} "
        "comparison: direction, per-arm results, p value and effect estimate, with the "
        "sentence that states them.",
        "columns": _help("comparisons"),
        "facets": ["direction", "effect"],
    },
    "failures": {
        "description": f"Inputs that could not be processed, {_ROW} source.",
        "columns": {
            "source": "Input path or URL.",
            "kind": "Error kind (no-abstract, blocked, parse, fetch …).",
            "message": "What went wrong.",
            "failed_at": "When it failed (UTC, ISO 8601).",
        },
        "facets": ["kind"],
    },
    "documents_fts": {
        "description": "Full-text index (FTS5) on documents.title and documents.abstract.",
        "columns": {"title": "Indexed title.", "abstract": "Indexed abstract."},
        "hidden": True,
    },
    "search_index": {
        "description": "Trigram full-text index (FTS5) behind the structured filters of "
        "'evidence query', one row per study (rowid = documents.rowid): case-folded names "
        "joined with ' ‖ '.",
        "columns": {
            "doc_id": _DOC_ID,
            "intervention": "Intervention arm names and long forms, INTERVENTION and "
            "COMPARATOR spans.",
            "comparator": "Control arm names and long forms, COMPARATOR spans.",
            "condition": "The population's condition and CONDITION spans.",
            "outcome": "Outcome names (of outcomes and comparisons) and OUTCOME spans.",
        },
        "hidden": True,
    },
    "_migrations": {
        "description": "Schema migrations applied to this database.",
        "columns": {
            "version": "Schema version.",
            "applied_at": "When it was applied (UTC, ISO 8601).",
        },
        "hidden": True,
    },
    **{name: {"hidden": True} for name in _FTS_SHADOWS},
}


def _described(table: str, *names: str) -> dict[str, str]:
    """Column descriptions copied from ``table``, for tables and views that copy its columns."""
    columns: dict[str, str] = TABLES[table]["columns"]
    return {name: columns[name] for name in names}


TABLES["studies"] = {
    "description": f"Narrow search rows, {_ROW} study: what 'evidence query' filters, sorts "
    "and lists. Full-text search covers the study's title and abstract.",
    "columns": {
        "rowid": "The study's documents.rowid (also its rowid in documents_fts).",
        "id": _DOC_ID,
        **_described("documents", "title", "year", "pmid", "doi"),
        **_described("evidence", "n", "design", "condition", "interventions", "comparators"),
    },
    "fts_table": "documents_fts",
    "fts_pk": "rowid",
    "label_column": "title",
    "facets": ["design", "year"],
    "sortable_columns": ["id", "title", "year", "pmid", "n", "design", "condition"],
}

_DOSE_COLUMNS = view_columns("doses")
_OUTCOME_COLUMNS = view_columns("outcomes", exclude=("direction_text",))
_COMPARISON_COLUMNS = view_columns("comparisons", exclude=("results",))
_STUDY = {"doc_id": _DOC_ID, "pmid": _PMID, "year": _YEAR, "title": _TITLE}

VIEWS: dict[str, dict[str, Any]] = {
    "evidence_view": {
        "description": f"Flat summary of each study ({_ROW} study): metadata, population, "
        "design and arms, outcomes and adverse events joined with '; '.",
        "columns": {
            **_described("documents", "id", "pmid", "doi", "year", "journal", "title"),
            **_described("evidence", "condition", "population", "n", "design"),
            "interventions": "Intervention arms, long form (abbreviation), joined with '; '.",
            "comparators": "Control arms (comparator, placebo, usual care) joined with '; '.",
            "outcomes": "Distinct outcome names joined with '; '.",
            "adverse_events": "Adverse events and withdrawals joined with '; '.",
            **_described("evidence", "conclusion"),
        },
        "facets": ["design", "year"],
        "sort_desc": "n",
        "sortable_columns": ["id", "pmid", "year", "journal", "title", "condition", "n", "design"],
    },
    "doses_view": {
        "description": f"Doses with the study's PMID, year and title, {_ROW} dose.",
        "columns": {**_STUDY, **_described("doses", *_DOSE_COLUMNS)},
        "facets": ["unit", "route", "phase"],
    },
    "outcomes_view": {
        "description": f"Outcome results with the study's PMID, year and title, {_ROW} result.",
        "columns": {**_STUDY, **_described("outcomes", *_OUTCOME_COLUMNS)},
        "facets": ["direction", "effect"],
    },
    "comparisons_view": {
        "description": f"Comparisons with the study's PMID, year and title, {_ROW} comparison; "
        "per-arm results as 'arm: text' joined with '; '.",
        "columns": {
            **_STUDY,
            **_described("comparisons", *_COMPARISON_COLUMNS),
            "arm_results": "The per-arm results of the sentence, 'arm: text' joined with '; '.",
        },
        "facets": ["direction", "effect"],
        "sortable_columns": ["doc_id", "pmid", "year", "outcome", "intervention", "direction"],
    },
}

# A LIKE pattern for a parameter: an empty field matches everything.
_LIKE = "'%' || :{} || '%'"
_ARM_MATCHES = f"(a.name LIKE {_LIKE.format('{0}')} OR a.long_form LIKE {_LIKE.format('{0}')})"

CANNED_QUERIES: dict[str, dict[str, str]] = {
    "search_abstracts": {
        "title": "Search abstracts by relevance",
        "description": "Studies whose title or abstract contains the words as a phrase "
        "(stemmed: 'randomized trial' also finds 'randomized trials'), best match first, "
        "with the matching passage.",
        "sql": """
SELECT d.id, d.pmid, d.year, d.title,
  snippet(documents_fts, -1, '**', '**', ' … ', 16) AS passage, e.design, e.n
FROM documents_fts
JOIN documents d ON d.rowid = documents_fts.rowid
LEFT JOIN evidence e ON e.id = d.id
WHERE documents_fts MATCH '"' || replace(:words, '"', '""') || '"'
ORDER BY documents_fts.rank
LIMIT 200""",
    },
    "studies_by_intervention": {
        "title": "Studies by intervention",
        "description": "Studies with an arm whose name or long form contains the text "
        "(IVIg also finds 'intravenous immunoglobulin'), largest first.",
        "sql": f"""
WITH wanted AS (
  SELECT lower(a.name) AS term FROM arms a WHERE {_ARM_MATCHES.format("intervention")}
  UNION SELECT lower(a.long_form) FROM arms a
    WHERE a.long_form IS NOT NULL AND {_ARM_MATCHES.format("intervention")}
)
SELECT d.id, d.pmid, d.year, d.title, e.design, e.n, e.condition,
  group_concat(DISTINCT coalesce(a.long_form || ' (' || a.name || ')', a.name)
    || ' [' || a.role || ']') AS matching_arms
FROM arms a
JOIN documents d ON d.id = a.doc_id
JOIN evidence e ON e.id = a.doc_id
WHERE lower(a.name) IN wanted OR lower(a.long_form) IN wanted
GROUP BY d.id
ORDER BY e.n IS NULL, e.n DESC, d.year DESC""",
    },
    "dose_regimens": {
        "title": "Dose regimens of a drug",
        "description": "Every dose given of a drug (name or long form contains the text).",
        "sql": """
SELECT doc_id, pmid, year, title, intervention, long_form, role, amount, amount_max, unit,
  per, multiplier, frequency, route, duration, phase, text
FROM doses_view
WHERE intervention LIKE '%' || :drug || '%' OR long_form LIKE '%' || :drug || '%'
ORDER BY lower(intervention), unit, amount""",
    },
    "outcome_results": {
        "title": "Results for an outcome",
        "description": "Numeric results and direction of effect for outcomes whose name "
        "contains the text.",
        "sql": """
SELECT o.doc_id, d.pmid, d.year, d.title, o.outcome, o.direction, o.arm, o.count,
  o.denominator, o.percent, o.threshold, o.mean, o.median, o.sd, o.iqr, o.effect,
  o.effect_value, o.ci_low, o.ci_high, o.p_value, o.time_point, o.text, o.direction_text
FROM outcomes o JOIN documents d ON d.id = o.doc_id
WHERE o.outcome LIKE '%' || :outcome || '%'
ORDER BY d.year IS NULL, d.year DESC, o.doc_id, o.start""",
    },
    "comparisons_for_outcome": {
        "title": "Comparisons for an outcome",
        "description": "Every reported comparison of an outcome whose name contains the text, "
        "optionally only those where either arm's name contains a second text: "
        "intervention vs comparator, direction, per-arm results, p value, effect and the "
        "sentence that states it.",
        "sql": """
SELECT doc_id, pmid, year, title, outcome, intervention, comparator, direction, arm_results,
  p_value, effect, effect_value, ci_low, ci_high, text
FROM comparisons_view
WHERE outcome LIKE '%' || :outcome || '%'
  AND (intervention LIKE '%' || :intervention || '%'
    OR comparator LIKE '%' || :intervention || '%')
ORDER BY lower(outcome), lower(intervention), year IS NULL, year DESC, doc_id, start""",
    },
    "largest_trials": {
        "title": "Largest trials",
        "description": "The 100 trials with the most participants.",
        "sql": """
SELECT id, pmid, year, title, design, n, condition, interventions, comparators
FROM evidence_view
WHERE n IS NOT NULL AND design LIKE '%trial%'
ORDER BY n DESC
LIMIT 100""",
    },
    "adverse_events_by_drug": {
        "title": "Adverse events by drug",
        "description": "Adverse events and withdrawals reported in studies with an arm "
        "whose name or long form contains the text.",
        "sql": f"""
SELECT d.id, d.pmid, d.year, d.title,
  (SELECT group_concat(coalesce(a.long_form || ' (' || a.name || ')', a.name), '; ')
     FROM arms a WHERE a.doc_id = d.id AND {_ARM_MATCHES.format("drug")}) AS drug_arms,
  ae.kind, ae.name AS event, ae.count, ae.text
FROM adverse_events ae JOIN documents d ON d.id = ae.doc_id
WHERE EXISTS (
  SELECT 1 FROM arms a WHERE a.doc_id = ae.doc_id AND {_ARM_MATCHES.format("drug")})
ORDER BY d.year IS NULL, d.year DESC, d.id, ae.start""",
    },
    "studies_by_condition": {
        "title": "Studies by condition",
        "description": "Studies whose condition or population contains the text, largest first.",
        "sql": """
SELECT id, pmid, year, title, condition, population, n, design, interventions, comparators,
  outcomes
FROM evidence_view
WHERE condition LIKE '%' || :condition || '%' OR population LIKE '%' || :condition || '%'
ORDER BY n IS NULL, n DESC, year DESC""",
    },
    "studies_by_design": {
        "title": "Studies by design",
        "description": "How many studies of each design (qualifiers such as double-blind "
        "folded in), with their total participants.",
        "sql": """
SELECT coalesce(substr(design, 1, instr(design || ' (', ' (') - 1), '(not stated)')
    AS design,
  count(*) AS studies, sum(n) AS participants
FROM evidence
GROUP BY 1
ORDER BY studies DESC""",
    },
}


def datasette_metadata(database: str = "evidence") -> dict[str, Any]:
    """Datasette metadata for an evidence database served under the name ``database``.

    Args:
        database: Datasette's name for the database (the file name without extension).

    Returns:
        A JSON-serialisable dict for ``datasette serve --metadata``.
    """
    tables = copy.deepcopy({**TABLES, **VIEWS})
    queries = {
        name: {**query, "sql": query["sql"].strip()} for name, query in CANNED_QUERIES.items()
    }
    return {
        "title": "Evidence database",
        "description": "Structured evidence (population, interventions, doses, outcomes, "
        "adverse events) extracted from biomedical abstracts by evidence-extractor. "
        "Read-only.",
        "license": "Abstracts: their publishers' terms; extracted data: MIT",
        "source": "evidence-extractor",
        "databases": {
            database: {
                "description": "Studies extracted by evidence-extractor; search the "
                "documents table or start from a canned query below.",
                "tables": tables,
                "queries": queries,
            }
        },
    }


def write_metadata(path: Path, *, database: str = "evidence") -> Path:
    """Write :func:`datasette_metadata` as JSON to ``path``; return ``path``."""
    path.write_text(json.dumps(datasette_metadata(database), indent=2), encoding="utf-8")
    return path


def check_host(host: str, *, allow_remote: bool = False) -> str:
    """Return ``host`` if it is a loopback address (or ``allow_remote``).

    Raises:
        ConfigError: any other host, so the database is never exposed by accident.
    """
    if host == "localhost" or allow_remote:
        return host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"refusing to serve on {host!r}: only 127.0.0.1/localhost unless remote access "
            "is explicitly allowed (--allow-remote)"
        )
    return host


def check_database(db_path: Path) -> None:
    """Make sure ``db_path`` is an evidence database of the current schema, without writing.

    Raises:
        StoreError: missing file, not SQLite, or a schema older than this tool's.
    """
    if not db_path.is_file():
        raise StoreError(f"no database at {db_path}; run 'evidence extract' or 'batch' first")
    with db_path.open("rb") as fh:
        if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise StoreError(f"{db_path} is not a SQLite database")
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT MAX(version) FROM _migrations").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{db_path} is not an evidence database: {exc}") from exc
    version = row[0] or 0
    if version < len(MIGRATIONS):
        raise StoreError(
            f"{db_path} has schema version {version}, this tool needs {len(MIGRATIONS)}; "
            "run any 'evidence' command on it once (e.g. 'evidence query') to migrate"
        )


def has_pending_wal(db_path: Path) -> bool:
    """Whether ``db_path`` has a non-empty write-ahead log (an open or crashed writer)."""
    wal = db_path.with_name(db_path.name + "-wal")
    return wal.is_file() and wal.stat().st_size > 0


def datasette_app(db_path: Path, *, immutable: bool = True) -> Any:
    """The Datasette instance that serves ``db_path`` (metadata and :data:`SETTINGS` applied).

    ``immutable`` opens the file immutable (``-i``); otherwise ``mode=ro`` (a pending WAL).

    Raises:
        ConfigError: Datasette is not installed.
    """
    try:
        from datasette.app import Datasette
    except ImportError as exc:
        raise ConfigError("Datasette is not installed; pip install datasette") from exc

    class EvidenceDatasette(Datasette):
        """Datasette that remembers which ``allow`` blocks guard a table.

        Datasette 0.65.5 deep-copies all the metadata (every column description, every
        canned query) for each table permission check: two dozen per page, ~2 ms each. The
        metadata does not change while serving, nor does the answer.
        """

        def _table_permission_allows(self, database: str, table: str) -> list[Any]:
            cache: dict[tuple[str, str], list[Any]] = self.__dict__.setdefault(
                "_evidence_table_allows", {}
            )
            if (database, table) not in cache:
                cache[database, table] = super()._table_permission_allows(database, table)
            return list(cache[database, table])

    files = [] if immutable else [str(db_path)]
    immutables = [str(db_path)] if immutable else []
    return EvidenceDatasette(
        files,
        immutables=immutables,
        metadata=datasette_metadata(db_path.stem),
        settings=dict(SETTINGS),
    )


def _check_port_free(host: str, port: int) -> None:
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: connections of a server that just stopped (TIME_WAIT) do not
        # count, a socket listening on the port does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc


def serve(
    db_path: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = False,
    allow_remote: bool = False,
) -> None:
    """Serve the database in Datasette, in this process, until interrupted (Ctrl-C).

    Args:
        db_path: the evidence database; it is never written to.
        host: address to bind; loopback only unless ``allow_remote``.
        port: TCP port (0 picks a free one).
        open_browser: open the database's page in the default web browser.
        allow_remote: allow a non-loopback ``host`` (exposes the database to the network).

    Raises:
        StoreError: the database is missing, not SQLite, or of an older schema.
        ConfigError: bad host or port, Datasette missing, or Datasette failed to start.
    """
    db_path = Path(db_path)
    check_host(host, allow_remote=allow_remote)
    if not 0 <= port <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, not {port}")
    check_database(db_path)
    if importlib.util.find_spec("datasette") is None:
        raise ConfigError("Datasette is not installed; pip install datasette")
    _check_port_free(host, port)
    with _hardened_datasette():
        ds = datasette_app(db_path, immutable=not has_pending_wal(db_path))
        app = read_only_methods(ds.app())
        _run_server(
            app, host=host, port=port, open_path=f"/{db_path.stem}" if open_browser else None
        )


def _run_server(app: ASGIApp, *, host: str, port: int, open_path: str | None = None) -> None:
    """Run ``app`` under uvicorn in this process until Ctrl-C or SIGTERM.

    No child process and no temporary file: whatever ends this process ends the server.
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="on")
    server = uvicorn.Server(config)
    if open_path is not None:
        threading.Thread(target=_open_when_started, args=(server, open_path), daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then passed Ctrl-C on
        return
    except SystemExit as exc:  # uvicorn's answer to a failed start (port taken …)
        if not server.started:
            raise ConfigError(f"Datasette failed to start on {host}:{port}") from exc
        raise


def _open_when_started(server: Any, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if server.should_exit or time.monotonic() > deadline:
            return
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    webbrowser.open(f"http://{f'[{host}]' if ':' in host else host}:{port}{path}")


# --- hardening ---------------------------------------------------------------------------------

_METHOD_NOT_ALLOWED = b"405 Method Not Allowed: this server is read-only (GET and HEAD only)\n"


def read_only_methods(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI ``app`` so that any HTTP method but GET and HEAD gets a short 405.

    Datasette answers a POST to a table with a 500 and a traceback; nothing here needs to
    accept a request body (the database is read-only, the canned queries are SELECTs).
    """

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [
                        (b"allow", b"GET, HEAD"),
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(_METHOD_NOT_ALLOWED)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _METHOD_NOT_ALLOWED})
            return
        await app(scope, receive, send)

    return guarded


class ResultTooLarge(sqlite3.OperationalError):
    """A query's values add up to more than :data:`MAX_RESULT_BYTES` (Datasette: a 400)."""


def limit_connection(
    conn: sqlite3.Connection,
    *,
    max_value: int = MAX_VALUE_BYTES,
    max_result: int = MAX_RESULT_BYTES,
) -> None:
    """Cap what a query on ``conn`` may build and return.

    * no string or blob longer than ``max_value`` bytes (``SQLITE_LIMIT_LENGTH``): SQLite
      refuses ``hex(randomblob(2e7))`` with "string or blob too big" before allocating it;
    * no result whose values add up to more than ``max_result`` (characters of text, bytes
      of blobs, 8 for a number): the rows of one cursor are counted as they are fetched, and
      fetching stops with :class:`ResultTooLarge`.

    Rows keep coming as :class:`sqlite3.Row`, as Datasette expects.
    """
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value)
    spent: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def counted_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
        size = spent.get(cursor, 0)
        for value in values:
            size += len(value) if isinstance(value, str | bytes) else 8
        if size > max_result:
            raise ResultTooLarge(
                f"result too large: its values exceed {max_result // 1_000_000} MB; "
                "ask for fewer rows or columns (LIMIT, _size) or shorter values (substr)"
            )
        spent[cursor] = size
        return sqlite3.Row(cursor, values)

    conn.row_factory = counted_row


@contextmanager
def _hardened_datasette() -> Iterator[None]:
    """While serving: :func:`limit_connection` on every connection, and no Rich tracebacks.

    Datasette's default error handler prints a Rich traceback with every local variable for
    each error it answers, a 404 included, whenever Rich is installed (it is: this package
    uses it): ~25 KB of output and 0.3 to 0.9 s of the event loop per bad request. The
    access log keeps its one line per request; a genuine 500 still prints its traceback.
    """
    from datasette import hookimpl
    from datasette.plugins import pm

    # Only after datasette.plugins, which imports and registers it as a default plugin.
    default_handler: Any = importlib.import_module("datasette.handle_exception")

    def prepare_connection(conn: sqlite3.Connection) -> None:
        limit_connection(conn)

    # Datasette lists its plugins by module name: a module that is not importable.
    plugin = types.ModuleType("evidence_serve_plugin", "Datasette hooks of evidence serve.")
    plugin.prepare_connection = hookimpl(prepare_connection)  # type: ignore[attr-defined]
    registered = pm.get_plugin(plugin.__name__) is None
    if registered:
        pm.register(plugin, name=plugin.__name__)
    rich = getattr(default_handler, "rich", None)
    default_handler.rich = None
    try:
        yield
    finally:
        default_handler.rich = rich
        if registered:
            pm.unregister(name=plugin.__name__)


__all__ = [
    "CANNED_QUERIES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_RESULT_BYTES",
    "MAX_VALUE_BYTES",
    "SETTINGS",
    "TABLES",
    "VIEWS",
    "ResultTooLarge",
    "check_database",
    "check_host",
    "datasette_app",
    "datasette_metadata",
    "has_pending_wal",
    "limit_connection",
    "read_only_methods",
    "serve",
    "write_metadata",
]
