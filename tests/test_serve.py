"""evidence serve: Datasette metadata, canned queries, and a real headless-browser session.

The browser test starts ``serve()`` in a subprocess on a copy of ``evidence_db`` (500+ real
abstracts), then drives Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser)
with Playwright: search, open a record, run a canned query, take screenshots. Every request
the page makes must go to 127.0.0.1. Set ``EVIDENCE_SCREENSHOTS`` to a directory to keep the
screenshots.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from comparison_sample import PONV_ROW, remifentanil_record, remifentanil_studies
from serving import free_port, port_open, wait_until_serving

from extractor.errors import ConfigError, StoreError
from extractor.serve import (
    CANNED_QUERIES,
    SETTINGS,
    check_host,
    datasette_app,
    datasette_metadata,
    has_pending_wal,
    serve,
    write_metadata,
)
from extractor.store import database, open_db, store_record

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --- metadata ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied."""
    path = tmp_path_factory.mktemp("fresh") / "evidence.db"
    open_db(path).close()
    return path


def _fts_shadows(conn: sqlite3.Connection) -> set[str]:
    """The shadow tables SQLite keeps for each FTS5 table (its index, not our schema)."""
    virtual = conn.execute(
        "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
    ).fetchall()
    parts = ("data", "idx", "content", "docsize", "config")
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    return {f"{v}_{part}" for (v,) in virtual for part in parts} & names


def _schema(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (type, columns) for every table and view, FTS5 shadow tables excluded."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, coalesce(substr(sql, 1, 20), type) FROM sqlite_master "
            "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        shadows = _fts_shadows(conn)
        return {
            name: (kind, [c[1] for c in conn.execute(f"PRAGMA table_info([{name}])")])
            for name, kind in rows
            if name not in shadows
        }
    finally:
        conn.close()


def test_serve_metadata_describes_every_table_view_and_column(fresh_db: Path) -> None:
    tables = datasette_metadata("evidence")["databases"]["evidence"]["tables"]
    schema = _schema(fresh_db)
    assert {"documents", "evidence", "evidence_view", "doses_view", "outcomes_view"} <= set(schema)
    for name, (_kind, columns) in schema.items():
        assert name in tables, f"no metadata for {name}"
        assert tables[name].get("description"), f"{name} has no description"
        described = tables[name].get("columns", {})
        missing = [c for c in columns if not described.get(c)]
        assert not missing, f"{name}: columns without a description: {missing}"
        stale = sorted(set(described) - set(columns))
        assert not stale, f"{name}: descriptions of columns that do not exist: {stale}"


def test_serve_metadata_hides_internal_tables_and_enables_search(fresh_db: Path) -> None:
    tables = datasette_metadata("evidence")["databases"]["evidence"]["tables"]
    schema = _schema(fresh_db)
    conn = sqlite3.connect(fresh_db)
    try:
        shadows = _fts_shadows(conn)
    finally:
        conn.close()
    virtual = {name for name, (kind, _) in schema.items() if kind.startswith("CREATE VIRTUAL")}
    assert {"documents_fts", "search_index"} <= virtual
    for name in {"_migrations"} | virtual | shadows:
        assert tables.get(name, {}).get("hidden") is True, f"{name} is not hidden"
    assert tables["documents"]["fts_table"] == "documents_fts"
    for name, meta in tables.items():
        for key in ("facets", "sortable_columns"):
            unknown = set(meta.get(key, [])) - set(schema.get(name, ("", []))[1])
            assert not unknown, f"{name}.{key} names unknown columns {unknown}"


def test_serve_metadata_is_keyed_by_database_name(tmp_path: Path) -> None:
    path = write_metadata(tmp_path / "m.json", database="my-db")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["databases"]) == ["my-db"]
    assert set(data["databases"]["my-db"]["queries"]) == set(CANNED_QUERIES)
    assert data["title"] and data["license"] and data["source"]


# --- canned queries ----------------------------------------------------------------------------

_READ_ONLY_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}


def _read_only_conn(path: Path) -> sqlite3.Connection:
    """A connection that refuses anything but SELECT, reading and calling functions."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only = 1")

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
        if action in _READ_ONLY_ACTIONS:
            return sqlite3.SQLITE_OK
        # FTS5 connecting to documents_fts parses its declared schema (reported as an update
        # of sqlite_master) and reads PRAGMA data_version: SQLite internals, not writes.
        internal = (action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master") or (
            action == sqlite3.SQLITE_PRAGMA and arg1 == "data_version"
        )
        return sqlite3.SQLITE_OK if internal else sqlite3.SQLITE_DENY

    conn.set_authorizer(authorize)
    return conn


def _params(sql: str, value: str = "") -> dict[str, str]:
    return {name: value for name in re.findall(r":(\w+)", sql)}


@pytest.mark.parametrize("name", sorted(CANNED_QUERIES))
def test_serve_canned_query_is_a_read_only_select(name: str, fresh_db: Path) -> None:
    sql = CANNED_QUERIES[name]["sql"]
    assert re.match(r"\s*(WITH|SELECT)\b", sql, re.IGNORECASE)
    assert CANNED_QUERIES[name]["title"] and CANNED_QUERIES[name]["description"]
    conn = _read_only_conn(fresh_db)
    try:
        assert conn.execute(sql, _params(sql)).fetchall() == []
    finally:
        conn.close()


def _sample_params(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Sensible parameters for each canned query, chosen from what the database holds."""

    def first(sql: str) -> str:
        row = conn.execute(sql).fetchone()
        assert row, f"database has nothing for: {sql}"
        return str(row[0])

    common_arm = (
        "SELECT lower(name) FROM arms WHERE role = 'intervention' AND length(name) >= 4 "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    title = first("SELECT title FROM documents WHERE length(title) > 30 ORDER BY id LIMIT 1")
    return {
        "search_abstracts": {"words": re.findall(r"[A-Za-z]{5,}", title)[0]},
        "studies_by_intervention": {"intervention": first(common_arm)},
        "dose_regimens": {
            "drug": first(
                "SELECT lower(intervention) FROM doses WHERE length(intervention) >= 4 "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        },
        "outcome_results": {
            "outcome": first(
                "SELECT outcome FROM outcomes WHERE direction IS NOT NULL "
                "AND outcome != 'unnamed outcome' ORDER BY doc_id, start LIMIT 1"
            )
        },
        "adverse_events_by_drug": {
            "drug": first(
                "SELECT a.name FROM adverse_events ae JOIN arms a ON a.doc_id = ae.doc_id "
                "ORDER BY ae.doc_id, a.start LIMIT 1"
            )
        },
        "studies_by_condition": {
            "condition": first(
                "SELECT condition FROM evidence WHERE condition IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        },
        "comparisons_for_outcome": {
            "outcome": (
                conn.execute("SELECT outcome FROM comparisons ORDER BY doc_id, start").fetchone()
                or ("",)
            )[0],
            "intervention": "",
        },
        "largest_trials": {},
        "studies_by_design": {},
    }


def test_serve_comparisons_for_outcome_query(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    with database(path) as db:
        for record in remifentanil_studies():
            store_record(db, record)
    sql = CANNED_QUERIES["comparisons_for_outcome"]["sql"]
    conn = _read_only_conn(path)
    try:
        conn.row_factory = sqlite3.Row
        every = conn.execute(sql, {"outcome": "vomiting", "intervention": ""}).fetchall()
        alfentanil = conn.execute(sql, {"outcome": "nausea", "intervention": "alfent"}).fetchall()
        pain = conn.execute(sql, {"outcome": "pain", "intervention": "remi"}).fetchall()
    finally:
        conn.close()
    assert [(r["pmid"], r["intervention"], r["comparator"], r["direction"]) for r in every] == [
        ("33333333", "remifentanil", "usual care", "decreased"),  # per intervention, newest first
        ("22222222", "remifentanil", "placebo", "no_difference"),
        ("11111111", "Remifentanil", "Alfentanil", "increased"),
        ("44444444", "sevoflurane", "remifentanil", "increased"),
    ]
    (row,) = alfentanil
    assert dict(row) | {"title": ""} == {
        **PONV_ROW,
        "doc_id": "pmid:11111111",
        "title": "",
        "effect": "OR",
        "effect_value": 8.1,
        "ci_low": 1.6,
        "ci_high": 41.0,
        "text": remifentanil_record().comparisons[0].evidence.text,
    }
    assert [(r["outcome"], r["direction"]) for r in pain] == [("pain scores", "no_difference")]


def test_serve_metadata_describes_comparisons() -> None:
    tables = datasette_metadata("evidence")["databases"]["evidence"]["tables"]
    assert "increased, decreased or no_difference" in tables["comparisons"]["columns"]["direction"]
    assert tables["comparisons_view"]["columns"]["arm_results"]
    assert "placebo" in tables["arms"]["columns"]["role"]
    assert "usual_care" in tables["arms"]["columns"]["role"]
    query = CANNED_QUERIES["comparisons_for_outcome"]
    assert query["title"] == "Comparisons for an outcome"
    assert set(re.findall(r":(\w+)", query["sql"])) == {"outcome", "intervention"}


def test_serve_canned_queries_return_rows_on_a_real_database(evidence_db: Path) -> None:
    conn = _read_only_conn(evidence_db)
    try:
        samples = _sample_params(conn)
        assert set(samples) == set(CANNED_QUERIES), "add sample parameters for a new query"
        compared = conn.execute("SELECT count(*) FROM comparisons").fetchone()[0]
        for name, query in CANNED_QUERIES.items():
            rows = conn.execute(query["sql"], samples[name]).fetchall()
            if name == "comparisons_for_outcome" and not compared:
                continue  # a database extracted before comparisons were: nothing to list yet
            assert rows, f"{name} returned no rows for {samples[name]}"
    finally:
        conn.close()


# --- command line and guards -------------------------------------------------------------------


def test_serve_app_is_immutable_and_configured(fresh_db: Path) -> None:
    ds = datasette_app(fresh_db)
    assert ds.databases[fresh_db.stem].is_mutable is False
    assert {name: ds.setting(name) for name in SETTINGS} == SETTINGS
    assert ds.metadata("title") == "Evidence database"
    assert ds.metadata("tables", database=fresh_db.stem)["documents"]["fts_table"]
    mutable = datasette_app(fresh_db, immutable=False)  # a pending WAL: mode=ro instead
    assert mutable.databases[fresh_db.stem].is_mutable is True


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_remote_hosts(host: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="refusing"):
        check_host(host)
    with pytest.raises(ConfigError):
        serve(tmp_path / "missing.db", host=host)
    assert check_host(host, allow_remote=True) == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_serve_accepts_loopback_hosts(host: str) -> None:
    assert check_host(host) == host


def test_serve_missing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        serve(tmp_path / "nope.db")


def test_serve_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just text", encoding="utf-8")
    with pytest.raises(StoreError, match="not a SQLite database"):
        serve(path)


def test_serve_old_schema_is_refused_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    conn.execute("INSERT INTO _migrations VALUES (1, '2024-01-01')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="schema version 1"):
        serve(path)
    assert path.read_bytes() == before


def test_serve_pending_wal_detected(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    db = open_db(path)
    try:
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.table("failures").insert(
            {"source": "x", "kind": "parse", "message": "m", "failed_at": "t"}
        )
        assert has_pending_wal(path)
    finally:
        db.close()
    assert not has_pending_wal(path)


def test_serve_runs_datasette_in_process(fresh_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasette.handle_exception
    import httpx
    from datasette.plugins import pm

    rich = datasette.handle_exception.rich
    seen: dict[str, Any] = {}

    def fake_run(app: Any, *, host: str, port: int, open_path: str | None = None) -> None:
        seen.update(host=host, port=port, open_path=open_path)
        seen["plugin"] = pm.get_plugin("evidence_serve_plugin") is not None
        seen["rich"] = datasette.handle_exception.rich

        async def client() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                seen["get"] = (await http.get(f"/{fresh_db.stem}.json")).status_code
                seen["post"] = (await http.post(f"/{fresh_db.stem}/failures")).status_code

        asyncio.run(client())

    monkeypatch.setattr("extractor.serve._run_server", fake_run)
    serve(fresh_db, port=0, open_browser=True)
    assert seen == {
        "host": "127.0.0.1",
        "port": 0,
        "open_path": f"/{fresh_db.stem}",
        "plugin": True,
        "rich": None,
        "get": 200,
        "post": 405,
    }
    assert pm.get_plugin("evidence_serve_plugin") is None
    assert datasette.handle_exception.rich is rich


# --- a real database and a real server ---------------------------------------------------------


def _copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy (write-ahead log included) for the server to use alone."""
    source = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def _get(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@dataclass(frozen=True)
class Server:
    url: str
    name: str
    path: Path
    port: int


@pytest.fixture(scope="module")
def server(evidence_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``serve()`` in a subprocess on a copy of the real database; always stopped."""
    work = tmp_path_factory.mktemp("serve")
    db = _copy_db(evidence_db, work / "evidence.db")
    port = free_port()
    log_path = work / "serve.log"
    code = (
        "import sys; from extractor.serve import serve; serve(sys.argv[1], port=int(sys.argv[2]))"
    )
    with log_path.open("wb") as log:
        # Its own process group, so teardown can always reach Datasette as a last resort.
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(db), str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(proc, url, log_path)
            yield Server(url, db.stem, db, port)
        finally:
            proc.terminate()  # SIGTERM to `evidence serve` only: it must stop Datasette itself
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            deadline = time.monotonic() + 10
            while port_open(port) and time.monotonic() < deadline:
                time.sleep(0.2)
            orphaned = port_open(port)
            if orphaned:
                os.killpg(proc.pid, signal.SIGKILL)
    assert not orphaned, "Datasette outlived evidence serve"


def test_serve_canned_queries_answer_through_datasette(server: Server) -> None:
    conn = _read_only_conn(server.path)
    try:
        samples = _sample_params(conn)
    finally:
        conn.close()
    for name in CANNED_QUERIES:
        query = urllib.parse.urlencode({**samples[name], "_shape": "array"})
        status, body = _get(f"{server.url}/{server.name}/{name}.json?{query}")
        assert status == 200, (name, body[:300])
        assert json.loads(body), f"{name} returned no rows for {samples[name]}"


@pytest.mark.parametrize("table", ["documents", "studies"])
def test_serve_full_text_search_through_datasette(server: Server, table: str) -> None:
    word, hits, title = _search_target(server.path)
    query = urllib.parse.urlencode({"_search": word, "_shape": "objects", "_size": "max"})
    status, body = _get(f"{server.url}/{server.name}/{table}.json?{query}")
    assert status == 200, body[:300]
    data = json.loads(body)
    assert data["filtered_table_rows_count"] == hits
    assert title in [row["title"] for row in data["rows"]]


def test_serve_refuses_writes(server: Server) -> None:
    digest = hashlib.sha256(server.path.read_bytes()).hexdigest()
    status, body = _get(f"{server.url}/-/databases.json")
    assert status == 200
    assert json.loads(body)[0]["is_mutable"] is False
    for sql in (
        "DELETE FROM documents",
        "UPDATE documents SET title = 'x'",
        "INSERT INTO failures (source) VALUES ('x')",
        "SELECT 1; DELETE FROM documents",
        "DROP TABLE documents",
    ):
        query = urllib.parse.urlencode({"sql": sql})
        status, body = _get(f"{server.url}/{server.name}.json?{query}")
        assert status == 400, (sql, status, body[:200])
    headers = {"Content-Type": "application/json"}
    row = json.dumps({"row": {"source": "x", "kind": "parse"}}).encode()
    for path in ("failures", "failures/-/insert", "-/create", "studies_by_design"):
        status, _ = _get(f"{server.url}/{server.name}/{path}", data=row, headers=headers)
        assert status >= 400, (path, status)
    assert hashlib.sha256(server.path.read_bytes()).hexdigest() == digest


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped when absent, except under CI=true."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            missing = "playwright is not installed"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _screenshot(page: Any, tmp_path: Path, name: str, **options: Any) -> None:
    targets = [tmp_path / name]
    if os.environ.get("EVIDENCE_SCREENSHOTS"):
        directory = Path(os.environ["EVIDENCE_SCREENSHOTS"])
        directory.mkdir(parents=True, exist_ok=True)
        targets.append(directory / name)
    for target in targets:
        page.screenshot(path=str(target), **options)
        data = target.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000, target


def _search_target(path: Path) -> tuple[str, int, str]:
    """A word from a stored title, how many documents match it, and that title."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        titles = conn.execute(
            "SELECT title FROM documents WHERE length(title) BETWEEN 30 AND 200 "
            "AND instr(title, char(10)) = 0 ORDER BY id"
        ).fetchall()
        for (title,) in titles:
            for word in re.findall(r"[A-Za-z]{8,}", title):
                (hits,) = conn.execute(
                    "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", [f'"{word}"']
                ).fetchone()
                if 2 <= hits <= 20:
                    return word, hits, title
    finally:
        conn.close()
    pytest.fail("no title word matches between 2 and 20 documents")


def _rows_shown(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def test_serve_browser_search_record_and_canned_query(
    chromium: Any, server: Server, tmp_path: Path
) -> None:
    word, hits, title = _search_target(server.path)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    try:
        # 1. the documents table, then a full-text search typed into its search box
        page.goto(f"{server.url}/{server.name}/documents")
        assert "full-text search covers title and abstract" in page.content().lower()
        page.fill("input#_search", word)
        page.press("input#_search", "Enter")
        page.wait_for_url(re.compile(r"_search="))
        heading = page.locator("h3").filter(has_text="where search matches")
        summary = heading.inner_text()
        assert summary.startswith(f'{_rows_shown(hits)} where search matches "{word}"'), summary
        rows = page.locator("table.rows-and-columns tbody tr")
        assert rows.count() == hits
        heading.evaluate("element => element.scrollIntoView()")  # results, not column notes
        _screenshot(page, tmp_path, "serve_search.png")

        # 2. open the record whose title the word came from
        row = rows.filter(has_text=title).first
        row.locator("td.type-pk a").click()
        page.wait_for_url(re.compile(rf"/{server.name}/documents/[^?]+$"))
        assert page.locator("td.col-title").inner_text().strip() == title
        assert "from id in evidence" in page.locator("body").inner_text()
        _screenshot(page, tmp_path, "serve_record.png", full_page=True)

        # the same search on the narrow studies table (title, n, design, arms): the README view
        page.goto(
            f"{server.url}/{server.name}/studies?" + urllib.parse.urlencode({"_search": word})
        )
        studies = page.locator("h3").filter(has_text="where search matches")
        assert studies.inner_text().startswith(_rows_shown(hits))
        assert page.locator("table.rows-and-columns tbody tr").filter(has_text=title).count()
        studies.evaluate("element => element.scrollIntoView()")
        _screenshot(page, tmp_path, "serve_studies_search.png")

        # 3. a canned query with a parameter, submitted through its form
        conn = _read_only_conn(server.path)
        try:
            params = _sample_params(conn)["studies_by_intervention"]
            sql = CANNED_QUERIES["studies_by_intervention"]["sql"]
            expected = conn.execute(sql, params).fetchall()
        finally:
            conn.close()
        page.goto(f"{server.url}/{server.name}/studies_by_intervention")
        page.fill("input[name=intervention]", params["intervention"])
        page.click("form.sql input[type=submit]")
        page.wait_for_url(re.compile(r"intervention="))
        returned = page.locator("h3").filter(has_text="returning").inner_text()
        assert f"returning {_rows_shown(len(expected))}" in returned, returned
        shown = page.locator("table.rows-and-columns tbody tr")
        assert shown.count() == len(expected) > 0
        assert expected[0][3] in shown.first.inner_text()
        _screenshot(page, tmp_path, "serve_query.png")
    finally:
        context.close()
    assert outside == [], f"the page tried to reach beyond 127.0.0.1: {outside}"
