"""Issue 14, storage: concurrent writers, read-only reading, the batch's failure promises.

The real-process tests (two batches and an extract on one database, a read-only folder) are
in ``test_hardening_store_processes.py``; these run in this process, without the network.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from comparison_sample import remifentanil_studies

from extractor.cli import cli
from extractor.errors import FetchError, StoreError
from extractor.extraction import Failure, iter_documents
from extractor.records import Document
from extractor.store import (
    MIGRATIONS,
    count_rows,
    database,
    open_db,
    store_failure,
    store_record,
)

ABSTRACT = (
    "METHODS: Twelve patients with cutaneous lupus erythematosus were given intravenous "
    "immunoglobulin (IVIg) 400 mg/kg monthly in a randomized trial.\n\n"
    "RESULTS: Five patients (42%) improved."
)


def failure_rows(path: Path) -> dict[str, str]:
    with database(path) as db:
        return {r[0]: r[1] for r in db.execute("SELECT source, message FROM failures")}


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# --- (2) a second writer waits instead of failing ----------------------------------------------


def test_store_record_waits_for_another_writer(db_path: Path) -> None:
    """Another connection holds the write lock and commits meanwhile: the record still lands.

    With a deferred transaction SQLite answered "database is locked" at once (the read of the
    duplicate check was stale after the other commit, so the busy timeout never applied).
    """
    first, second = remifentanil_studies()[:2]
    open_db(db_path).close()
    locked = threading.Event()

    def hold_the_lock() -> None:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        threading.Event().wait(0.5)
        other.execute(
            "INSERT INTO failures VALUES ('other.txt', 'input', 'written meanwhile', 'now')"
        )
        other.execute("COMMIT")
        other.close()

    with database(db_path) as db:
        store_record(db, first)
        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        locked.wait(5)
        try:
            store_record(db, second)
        finally:
            holder.join()
        assert count_rows(db)["documents"] == 2
        assert count_rows(db)["failures"] == 1


def test_store_new_database_opened_by_many_at_once(db_path: Path) -> None:
    """Several openers of one new file apply each migration exactly once, and none fails."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            open_db(db_path).close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database(db_path) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM _migrations ORDER BY 1")]
        assert versions == list(range(1, len(MIGRATIONS) + 1))
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_record_failure_leaves_nothing_behind(db_path: Path) -> None:
    """A record whose write fails half-way (a child row breaks) leaves no row at all."""
    record = remifentanil_studies()[0]
    with database(db_path) as db:
        db.execute(
            "CREATE TRIGGER no_arms BEFORE INSERT ON arms BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
        with pytest.raises(StoreError, match="cannot store record"):
            store_record(db, record)
        assert not db.conn.in_transaction
        assert {k: v for k, v in count_rows(db).items() if v} == {}


def test_batch_store_failure_is_recorded_and_the_batch_carries_on(
    db_path: Path, shared_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record that cannot be stored is one failure; the records after it are still stored."""
    import extractor.store

    folder = shared_file("data/evidence_inference/abstracts")
    files = sorted(folder.glob("PMC*.abst"))[:3]
    real = extractor.store.write_record  # what a batch stores each record of a chunk with
    calls: list[str] = []

    def flaky(db: sqlite_utils.Database, record):  # type: ignore[no-untyped-def]
        calls.append(record.id)
        if len(calls) == 1:
            raise StoreError(f"cannot store record {record.id}: database is locked")
        return real(db, record)

    monkeypatch.setattr(extractor.store, "write_record", flaky)
    result = CliRunner().invoke(cli, ["batch", *map(str, files), "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr and "error:" not in result.stderr
    assert f"failed: {files[0]}: cannot store record {calls[0]}" in result.stderr
    assert "2 stored" in result.stderr and "1 failed" in result.stderr
    with database(db_path) as db:
        assert count_rows(db)["documents"] == 2
        assert [r[0] for r in db.execute("SELECT kind FROM failures")] == ["store"]


# --- (6) reading commands never write ----------------------------------------------------------


@pytest.fixture()
def stored_db(db_path: Path) -> Path:
    with database(db_path) as db:
        for record in remifentanil_studies():
            store_record(db, record)
    return db_path


READ_COMMANDS = [
    ["query", "--json"],
    ["show", "11111111", "--json"],
    ["summarize", "--format", "markdown"],
    ["export", "jsonl", "-o", "-"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_do_not_touch_the_database(stored_db: Path, args: list[str]) -> None:
    before = snapshot(stored_db)
    result = CliRunner().invoke(cli, [*args, "--db", str(stored_db)])
    assert result.exit_code == 0, result.output
    assert snapshot(stored_db) == before


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_on_an_empty_file_write_no_schema(tmp_path: Path, args: list[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    result = CliRunner().invoke(cli, [*args, "--db", str(empty)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {empty}: not an evidence database (it is empty); run 'evidence extract' or "
        "'batch' to fill it"
    )
    assert empty.stat().st_size == 0
    assert {p.name for p in tmp_path.iterdir()} == {"empty.db"}


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_on_a_missing_file_create_nothing(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "sub" / "absent.db"
    result = CliRunner().invoke(cli, [*args, "--db", str(missing)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no database at {missing}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def _foreign(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('my own data')")
    conn.close()
    return path


def _newer(path: Path) -> Path:
    open_db(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _migrations VALUES (?, 'later')", [len(MIGRATIONS) + 1])
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_foreign, "not an evidence database: it holds other tables (notes)"),
        (_newer, "written by a newer version of evidence-extractor (schema version 9"),
    ],
    ids=["foreign", "newer"],
)
@pytest.mark.parametrize(
    "args", [*READ_COMMANDS, ["extract", "-"], ["batch", "-"]], ids=lambda a: a[0]
)
def test_foreign_or_newer_database_is_one_line_and_left_alone(
    tmp_path: Path, make, message: str, args: list[str]
) -> None:
    path = make(tmp_path / "other.db")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, [*args, "--db", str(path)], input=ABSTRACT)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: {message}"), lines
    assert path.read_bytes() == before


def test_open_readonly_refuses_writes_and_sees_a_live_writer(stored_db: Path) -> None:
    """Read-only really is (mode=ro), and records a writer committed to the log are seen."""
    writer = open_db(stored_db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        store_failure(writer, "late.txt", "input", "committed, still in the log")
        with database(stored_db, readonly=True) as db:
            assert count_rows(db)["failures"] == 1
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                db.execute("DELETE FROM failures")
    finally:
        writer.close()


def test_open_readonly_migrates_an_older_schema_once(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    db.execute("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, step in enumerate(MIGRATIONS[:-1], start=1):
        step(db)
        db.execute("INSERT INTO _migrations VALUES (?, 'then')", [version])
    db.conn.commit()
    db.close()
    with database(db_path, readonly=True) as ro:
        assert ro.execute("SELECT MAX(version) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


# --- (9) batch promises: failing sources are recorded and the rest carry on ---------------------


def _pubmed_down(pmids: list[str], **_: object) -> Iterator[Document]:
    raise FetchError("efetch failed after 4 tries: connection error (ConnectionError)")
    yield  # pragma: no cover - a generator, like the real one


def _pubmed_up(pmids: list[str], **_: object) -> Iterator[Document]:
    for pmid in pmids:
        yield Document(
            title=f"IVIg in cutaneous lupus erythematosus, trial {pmid}",
            abstract=ABSTRACT,
            pmid=pmid,
            year=2001,
            source=f"pmid:{pmid}",
        )


def test_iter_documents_network_failure_counts_once_per_pmid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("extractor.sources.fetch_pubmed", _pubmed_down)
    items = list(iter_documents(["12345678", "pmid:23456789", "12345678"]))
    assert items == [
        Failure(
            "pmid:12345678",
            "fetch",
            "efetch failed after 4 tries: connection error (ConnectionError)",
        ),
        Failure(
            "pmid:23456789",
            "fetch",
            "efetch failed after 4 tries: connection error (ConnectionError)",
        ),
    ]


def test_batch_pmid_failure_is_one_row_and_gone_after_a_later_success(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("extractor.sources.fetch_pubmed", _pubmed_down)
    result = CliRunner().invoke(cli, ["batch", "12345678", "--db", str(db_path)])
    assert result.exit_code == 1
    assert result.stderr.count("failed: ") == 1 and "1 failed" in result.stderr
    assert set(failure_rows(db_path)) == {"pmid:12345678"}
    store_failure_legacy = "pubmed"  # the row older versions wrote beside the PMID's
    with database(db_path) as db:
        store_failure(db, store_failure_legacy, "fetch", "efetch failed")

    monkeypatch.setattr("extractor.sources.fetch_pubmed", _pubmed_up)
    result = CliRunner().invoke(cli, ["batch", "12345678", "--db", str(db_path)])
    assert result.exit_code == 0, result.stderr
    assert failure_rows(db_path) == {}
    with database(db_path) as db:
        assert count_rows(db)["documents"] == 1


def test_batch_failing_pubmed_query_still_reads_the_local_files(
    db_path: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def search_down(query: str, **_: object) -> list[str]:
        raise FetchError("esearch failed after 4 tries: HTTP 503 Service Unavailable")

    monkeypatch.setattr("extractor.sources.search_pubmed", search_down)
    args = ["batch", str(seed_path), "--pubmed-query", "lupus AND ivig", "--db", str(db_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "error:" not in result.stderr
    assert "failed: pubmed-query:lupus AND ivig: esearch failed" in result.stderr
    assert "1 stored" in result.stderr and "1 failed" in result.stderr
    assert set(failure_rows(db_path)) == {"pubmed-query:lupus AND ivig"}
    with database(db_path) as db:
        assert count_rows(db)["documents"] == 1

    monkeypatch.setattr("extractor.sources.search_pubmed", lambda query, **_: ["23456789"])
    monkeypatch.setattr("extractor.sources.fetch_pubmed", _pubmed_up)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert failure_rows(db_path) == {}
    with database(db_path) as db:
        assert count_rows(db)["documents"] == 2


def test_batch_failing_pubmed_query_alone_is_recorded(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def search_down(query: str, **_: object) -> list[str]:
        raise FetchError("esearch failed: HTTP 400 Bad Request")

    monkeypatch.setattr("extractor.sources.search_pubmed", search_down)
    result = CliRunner().invoke(cli, ["batch", "--pubmed-query", "((", "--db", str(db_path)])
    assert result.exit_code == 1
    assert "failed: pubmed-query:((: esearch failed: HTTP 400 Bad Request" in result.stderr
    assert set(failure_rows(db_path)) == {"pubmed-query:(("}


def test_batch_file_failure_row_goes_once_the_file_reads(db_path: Path, tmp_path: Path) -> None:
    """A file that failed as a whole, fixed since: its records' sources are ``file#n``, and the
    file's own failure row is removed too."""
    export = tmp_path / "export.ris"
    export.write_text("", "utf-8")  # an empty file: unreadable
    result = CliRunner().invoke(cli, ["batch", str(export), "--db", str(db_path)])
    assert result.exit_code == 1
    assert set(failure_rows(db_path)) == {str(export)}
    export.write_text(
        "TY  - JOUR\nTI  - IVIg in cutaneous lupus erythematosus\nPY  - 2001\n"
        f"AB  - {' '.join(ABSTRACT.split())}\nER  - \n",
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["batch", str(export), "--db", str(db_path)])
    assert result.exit_code == 0, result.stderr
    assert failure_rows(db_path) == {}
    with database(db_path) as db:
        assert [r[0] for r in db.execute("SELECT source FROM documents")] == [f"{export}#1"]
