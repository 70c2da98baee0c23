"""Benchmark: ``kill -9`` in the middle of ``evidence batch``, then the re-run.

Runs ``evidence batch FOLDER`` (default options) on a fresh database and times it; runs it
again on another fresh database and sends SIGKILL at a fraction of that time (default half);
then re-runs it and times the re-run. Prints the three times, the re-run's share of the clean
run, and checks that the resumed database holds the same documents as the clean one, each once,
and passes ``PRAGMA integrity_check``.

Usage::

    .venv/bin/python benchmarks/resume_after_kill.py FOLDER [--at 0.5]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVIDENCE = str(Path(sys.executable).parent / "evidence")
TABLES = ("documents", "evidence", "spans", "arms", "doses", "outcomes", "comparisons")


def _run(folder: Path, db: Path, kill_after: float | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [EVIDENCE, "batch", str(folder), "--db", str(db)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    if kill_after is not None:
        try:
            proc.wait(kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    return time.perf_counter() - start, (err.strip().splitlines() or [""])[-1]


def _state(db: Path) -> tuple[dict[str, int], list[tuple[str, str]], str]:
    with sqlite3.connect(db) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}
        ids = conn.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return counts, ids, check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--at", type=float, default=0.5, help="Kill at this share of the clean time."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clean_db, killed_db = Path(tmp) / "clean.db", Path(tmp) / "killed.db"
        clean, summary = _run(args.folder, clean_db)
        print(f"clean run: {clean:.1f} s ({summary})")
        killed, _ = _run(args.folder, killed_db, kill_after=clean * args.at)
        with sqlite3.connect(killed_db) as conn:
            kept = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
        print(f"killed (SIGKILL) after {killed:.1f} s with {kept} records stored")
        rerun, summary = _run(args.folder, killed_db)
        print(f"re-run: {rerun:.1f} s ({summary})")
        print(f"re-run / clean run: {rerun / clean:.0%} (target < 70%)")
        clean_state, resumed_state = _state(clean_db), _state(killed_db)
    same = clean_state[:2] == resumed_state[:2]
    print(f"same documents and rows as the clean run: {same}; integrity_check {resumed_state[2]}")
    if not same or resumed_state[2] != "ok":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
