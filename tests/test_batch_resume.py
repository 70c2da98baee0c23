"""``evidence batch`` resumes: a re-run skips what is stored, ``--force`` redoes it, and a batch
killed with SIGKILL at any moment leaves a sound database that a re-run completes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.batch_runner import AUTO_JOBS_BYTES, AUTO_JOBS_SOURCES, auto_jobs

EVIDENCE = str(Path(sys.executable).parent / "evidence")
TABLES = ("documents", "evidence", "spans", "arms", "doses", "outcomes", "comparisons")


def _batch(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EVIDENCE, "batch", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _abstracts(shared_dir: Path, folder: Path, n: int) -> Path:
    """The first ``n`` Evidence Inference abstracts (sorted), copied into ``folder``."""
    source = shared_dir / "data" / "evidence_inference" / "abstracts"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.abst"))[:n]:
        shutil.copy(path, folder / path.name)
    return folder


def _rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}


def _summary(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


def test_a_rerun_skips_what_is_stored_and_force_redoes_it(shared_dir: Path, tmp_path: Path) -> None:
    folder = _abstracts(shared_dir, tmp_path / "in", 6)
    db = tmp_path / "e.db"
    first = _batch(folder, "--db", db, "--jsonl", tmp_path / "1.jsonl")
    assert first.returncode == 0, first.stderr
    assert _summary(first).startswith("6 stored, 0 duplicates merged")
    rows = _rows(db)

    again = _batch(folder, "--db", db, "--jsonl", tmp_path / "2.jsonl")
    assert again.returncode == 0, again.stderr
    assert _summary(again).startswith("0 stored, 6 already stored, 0 duplicates merged")
    assert _rows(db) == rows
    assert (tmp_path / "2.jsonl").read_text() == ""

    (folder / sorted(os.listdir(folder))[0]).write_text(
        "TITLE: A changed trial\nABSTRACT.METHODS: Twenty patients were randomised to drug A "
        "or placebo for 12 weeks.\nABSTRACT.RESULTS: Pain fell more with drug A (p=0.01).\n"
    )
    changed = _batch(folder, "--db", db)
    assert _summary(changed).startswith("1 stored, 5 already stored"), changed.stderr

    forced = _batch(folder, "--db", db, "--force", "--jsonl", tmp_path / "3.jsonl")
    assert _summary(forced).startswith("6 stored, 0 duplicates merged"), forced.stderr
    assert len((tmp_path / "3.jsonl").read_text().splitlines()) == 6


def test_another_source_or_pipeline_is_not_skipped(shared_dir: Path, tmp_path: Path) -> None:
    folder = _abstracts(shared_dir, tmp_path / "in", 2)
    db = tmp_path / "e.db"
    assert _batch(folder, "--db", db).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)  # the same studies from other files: merged, not skipped
    merged = _batch(copy, "--db", db)
    assert _summary(merged).startswith("2 stored, 2 duplicates merged"), merged.stderr
    with sqlite3.connect(db) as conn:
        sources = [json.loads(s) for (s,) in conn.execute("SELECT sources FROM documents")]
    assert all(len(s) == 2 for s in sources)

    rules_only = tmp_path / "no-models"
    rules_only.mkdir()  # another pipeline (no PICO tagger): its records are extracted anew
    other = _batch(folder, "--db", db, env={"EVIDENCE_MODELS": str(rules_only)})
    assert _summary(other).startswith("2 stored, 0 duplicates merged"), other.stderr
    with sqlite3.connect(db) as conn:
        assert {p for (p,) in conn.execute("SELECT pipeline FROM evidence")} == {
            "evidence-rules/0.2.0"
        }


def test_sigkill_mid_batch_then_rerun_gives_the_clean_run(shared_dir: Path, tmp_path: Path) -> None:
    folder = _abstracts(shared_dir, tmp_path / "in", 40)
    clean_db = tmp_path / "clean.db"
    assert _batch(folder, "--db", clean_db, "-q", "--jobs", "1").returncode == 0

    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [EVIDENCE, "batch", str(folder), "--db", str(db), "-q", "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None and stored < 5:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                    stored = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
            except sqlite3.Error:
                stored = 0  # not created yet, or mid-migration
    assert proc.poll() is None, "the batch ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert 5 <= stored < 40

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    rerun = _batch(folder, "--db", db, "--jobs", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{kept} already stored" in _summary(rerun)
    assert _rows(db) == _rows(clean_db)
    with sqlite3.connect(db) as a, sqlite3.connect(clean_db) as b:
        query = "SELECT id, content_hash FROM documents ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


@pytest.mark.parametrize(
    ("sources", "size", "expected"),
    [
        (3, 10_000, 1),
        (AUTO_JOBS_SOURCES, 1_000, "cores"),
        (1, AUTO_JOBS_BYTES, "cores"),
    ],
    ids=["small", "many-sources", "one-big-file"],
)
def test_jobs_auto_uses_the_cores_for_a_large_input(
    tmp_path: Path, sources: int, size: int, expected: int | str
) -> None:
    paths = []
    for i in range(sources):
        path = tmp_path / f"{i}.txt"
        path.write_bytes(b"x" * (size // sources))
        paths.append(str(path))
    cores = os.cpu_count() or 1
    assert auto_jobs(paths) == (cores if expected == "cores" else 1)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_progress_bar_shows_rate_and_eta_on_a_terminal(
    shared_dir: Path, tmp_path: Path, engine: str
) -> None:
    folder = _abstracts(shared_dir, tmp_path / "in", 3)
    terminal = {"FORCE_COLOR": "1", "COLUMNS": "200"}  # rich then draws as on a terminal
    shown = _batch(
        folder, "--db", tmp_path / "a.db", "--engine", engine, "--jobs", "1", env=terminal
    )
    assert shown.returncode == 0, shown.stderr
    assert "abstracts/s" in shown.stderr and "ETA" in shown.stderr and "3/3" in shown.stderr
    quiet = _batch(folder, "--db", tmp_path / "b.db", "-q", "--engine", engine, env=terminal)
    assert quiet.returncode == 0 and quiet.stderr == ""
