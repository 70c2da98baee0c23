"""Issue 14, storage, with real processes: concurrent writers and a read-only folder.

Every command runs as ``python -m extractor`` in its own process over real files, as a user
would run it; see ``test_hardening_store.py`` for the in-process tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from comparison_sample import remifentanil_studies

from extractor.store import count_rows, database, open_db, store_record

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "000_f4ed41669ad21fb4.txt"


def evidence_env(tmp: Path) -> dict[str, str]:
    """The environment of a child ``evidence``: this checkout, no network cache outside tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_DB")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["EVIDENCE_CACHE_DIR"] = str(tmp / "http-cache")
    return env


def evidence(*args: str) -> list[str]:
    return [sys.executable, "-m", "extractor", *args]


# --- (2) two batches and an extract write one database at once ---------------------------------


def test_concurrent_batches_and_extract_lose_and_duplicate_nothing(
    tmp_path: Path, shared_file: Callable[[str], Path]
) -> None:
    """``evidence batch A & evidence batch B & evidence extract`` on one new database.

    A and B share 15 of their 30 files each and write in chunks of 4, so their records
    interleave with each other's and with the extract's. Before, the second writer stopped
    at its first record with "database is locked" and lost the rest of its batch.
    """
    folder = shared_file("data/evidence_inference/abstracts")
    files = sorted(folder.glob("PMC*.abst"), key=lambda p: int(p.stem[3:]))[:45]
    db_path = tmp_path / "shared.db"
    env = evidence_env(tmp_path)
    common = ["--db", str(db_path), "--batch-size", "4", "-q"]
    runs = {
        "batch A": evidence("batch", *map(str, files[:30]), *common),
        "batch B": evidence("batch", *map(str, files[15:]), *common),
        "extract": evidence("extract", str(SEED), "--db", str(db_path), "--json"),
    }
    procs = {
        name: subprocess.Popen(
            cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for name, cmd in runs.items()
    }
    results = {name: proc.communicate(timeout=240) for name, proc in procs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, (name, results[name][1].decode())
        assert b"error" not in results[name][1], (name, results[name][1].decode())
    seed_id = json.loads(results["extract"][0])["id"]

    with database(db_path) as db:
        sources = [r[0] for r in db.execute("SELECT source FROM documents")]
        assert sorted(sources) == sorted([str(SEED), *map(str, files)])  # none lost, none twice
        ids = {r[0] for r in db.execute("SELECT id FROM documents")}
        assert seed_id in ids
        assert count_rows(db)["failures"] == 0
        assert count_rows(db)["evidence"] == len(ids)
        assert db["studies"].count == len(ids)
        assert db.execute("SELECT count(*) FROM search_index").fetchone()[0] == len(ids)
        # every child table holds one record's rows once, however often the record was written
        doubled = db.execute(
            "SELECT e.id FROM evidence e WHERE "
            "(SELECT count(*) FROM spans s WHERE s.doc_id = e.id) "
            "!= json_array_length(e.record, '$.spans') OR "
            "(SELECT count(*) FROM arms a WHERE a.doc_id = e.id) "
            "!= json_array_length(e.record, '$.interventions')"
        ).fetchall()
        assert doubled == []


# --- (6) reading from a folder the reader cannot write -----------------------------------------


def _as_reader() -> tuple[list[str], str]:
    """A command prefix that runs a child unable to write a root-owned 0755 folder, and who.

    As root, the child runs as ``nobody`` (``setpriv``); otherwise as this user, and the test
    makes the folder 0555.
    """
    if os.geteuid() != 0:
        return [], "this user"
    import pwd

    setpriv = shutil.which("setpriv")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if setpriv is None or nobody is None:
        pytest.skip("running as root without setpriv or a 'nobody' user to read as")
    ids = [f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    return [setpriv, *ids], "nobody"


@pytest.fixture()
def readonly_folder() -> Iterator[Path]:
    """A folder with a database in it that the child processes of the test cannot write."""
    folder = Path(tempfile.mkdtemp(prefix="evidence-ro-"))
    folder.chmod(0o755)
    try:
        with database(folder / "evidence.db") as db:
            for record in remifentanil_studies()[:3]:
                store_record(db, record)
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _run_reader(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    prefix, who = _as_reader()
    if not prefix:
        folder.chmod(0o555)
    env = evidence_env(folder)
    env["HOME"] = str(folder)
    writable = "import os, sys, extractor; sys.exit(os.access(sys.argv[1], os.W_OK))"
    try:
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", writable, str(folder)],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
        )
    except OSError as exc:
        pytest.skip(f"cannot run {who}: {exc}")
    if probe.returncode != 0:
        pytest.skip(f"cannot give {who} a read-only folder here: {probe.stderr.strip()[-200:]}")
    return subprocess.run(
        [*prefix, *evidence(*args)], env=env, cwd=folder, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "args",
    [
        ["query", "--json"],
        ["show", "11111111", "--json"],
        ["summarize", "--format", "markdown"],
        ["export", "jsonl", "-o", "-"],
    ],
    ids=lambda a: a[0],
)
def test_read_commands_work_in_a_readonly_folder(readonly_folder: Path, args: list[str]) -> None:
    """Before, each failed with "attempt to write a readonly database"."""
    db_path = readonly_folder / "evidence.db"
    before = {p.name: p.read_bytes() for p in readonly_folder.iterdir()}
    assert set(before) == {"evidence.db"}  # a WAL database closed cleanly: no -wal, no -shm
    result = _run_reader(readonly_folder, [*args, "--db", str(db_path)])
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    if args[0] == "query":
        assert len(json.loads(result.stdout)) == 3
    elif args[0] == "show":
        assert json.loads(result.stdout)["id"] == "pmid:11111111"
    elif args[0] == "export":
        assert len(result.stdout.splitlines()) == 3
    else:
        assert "remifentanil" in result.stdout.lower()
    assert {p.name: p.read_bytes() for p in readonly_folder.iterdir()} == before


def test_read_command_in_a_readonly_folder_sees_a_live_writer(readonly_folder: Path) -> None:
    """With a writer's log present the reader uses it (and its records), not the bare file."""
    db_path = readonly_folder / "evidence.db"
    writer = open_db(db_path)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        store_record(writer, remifentanil_studies()[3])  # committed, still only in the log
        result = _run_reader(readonly_folder, ["query", "--json", "--db", str(db_path)])
    finally:
        writer.close()
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 4
