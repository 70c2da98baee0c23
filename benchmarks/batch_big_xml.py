"""Benchmark: a large synthetic PubMed XML file through the whole ``evidence batch``.

Builds a ``PubmedArticleSet`` of N articles (default 100 000; real records from
``../shared/pubmed/xml`` cycled with fresh PMIDs, as ``pubmed_stream.py`` does), runs
``evidence batch FILE --jobs J --db TMP -q`` on it and samples, twice a second, the resident
memory of the batch process and of all its worker processes (from ``/proc``). Prints the
wall time, articles per second, the peak RSS of the largest process and the peak of their
sum, and the rows stored. Cycled records share titles, so the database merges them into
one document per real record; every article is still extracted.

Usage::

    .venv/bin/python benchmarks/batch_big_xml.py [--count 100000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pubmed_stream import REPO, build_file, real_articles

EVIDENCE = str(Path(sys.executable).parent / "evidence")


def _children(pid: int) -> list[int]:
    """``pid`` and all its descendants (from ``/proc/*/stat``)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--jobs", default="2")
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("EVIDENCE_SHARED") or REPO.parent / "shared"),
    )
    parser.add_argument("--keep", type=Path, help="Build the file and database here, kept.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        xml, db = folder / "synthetic_pubmed.xml", folder / "big.db"
        size = build_file(xml, real_articles(args.shared), args.count)
        print(f"built {xml.name}: {args.count} articles, {size / 1e6:.1f} MB", flush=True)
        start = time.perf_counter()
        proc = subprocess.Popen(
            [EVIDENCE, "batch", str(xml), "--db", str(db), "--jobs", args.jobs, "-q"],
            stderr=subprocess.PIPE,
            text=True,
        )
        peak_one = peak_sum = 0.0
        while proc.poll() is None:
            sizes = [_rss_mb(p) for p in _children(proc.pid)]
            peak_one, peak_sum = max(peak_one, *sizes, 0.0), max(peak_sum, sum(sizes))
            time.sleep(0.5)
        seconds = time.perf_counter() - start
        errors = proc.stderr.read() if proc.stderr else ""
        with sqlite3.connect(db) as conn:
            documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    print(f"exit {proc.returncode}; {errors.strip()[-300:]}")
    print(f"time {seconds:.0f} s, {args.count / seconds:.1f} articles/s (--jobs {args.jobs})")
    print(f"peak RSS: largest process {peak_one:.0f} MB, all processes {peak_sum:.0f} MB")
    print(f"stored: {documents} documents (cycled titles merge), integrity_check {check}")


if __name__ == "__main__":
    main()
