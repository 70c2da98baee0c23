"""Benchmark: stream a large synthetic PubMed XML file through ``parse_pubmed_xml``.

Builds a ``PubmedArticleSet`` of N articles (default 100 000) in a temporary directory by
repeating the real ``PubmedArticle`` records found in ``../shared/pubmed/xml`` with fresh
PMIDs, then parses it in a child process and reports articles per second and the child's
peak resident memory (``ru_maxrss``), so the figure is the parser's alone.

Usage::

    .venv/bin/python benchmarks/pubmed_stream.py [--count 100000] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
_PMID = re.compile(rb"<PMID( [^>]*)?>\d+</PMID>")


def real_articles(shared: Path) -> list[bytes]:
    """The raw ``<PubmedArticle>`` elements of every real PubMed XML file in ``shared``."""
    out: list[bytes] = []
    for path in sorted((shared / "pubmed" / "xml").glob("*/*.xml")):
        data = path.read_bytes()
        if b"<PubmedArticleSet>" in data:
            out.extend(_ARTICLE.findall(data))
    if not out:
        raise SystemExit(f"no PubmedArticle records found under {shared}/pubmed/xml")
    return out


def build_file(path: Path, articles: list[bytes], count: int) -> int:
    """Write ``count`` articles (real ones, cycled, PMIDs renumbered); return the byte size."""
    with open(path, "wb") as out:
        out.write(b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
        for n in range(count):
            record = articles[n % len(articles)]
            pmid = b'<PMID Version="1">%d</PMID>' % (90_000_000 + n)
            out.write(_PMID.sub(pmid, record, count=1))
            out.write(b"\n")
        out.write(b"</PubmedArticleSet>\n")
    return path.stat().st_size


def child(path: str) -> None:
    """Parse ``path`` and print ``count seconds with_abstract last_pmid``."""
    sys.path.insert(0, str(REPO))
    from extractor.sources.pubmed_xml import parse_pubmed_xml

    start = time.perf_counter()
    count = with_abstract = 0
    last = ""
    for doc in parse_pubmed_xml(path):
        count += 1
        with_abstract += bool(doc.abstract)
        last = doc.pmid or ""
    print(count, time.perf_counter() - start, with_abstract, last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("EVIDENCE_SHARED") or REPO.parent / "shared"),
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    articles = real_articles(args.shared)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic_pubmed.xml"
        t0 = time.perf_counter()
        size = build_file(path, articles, args.count)
        print(
            f"built {path.name}: {args.count} articles from {len(articles)} real records, "
            f"{size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s"
        )
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
    count_s, seconds_s, with_abstract, last = result.stdout.split()
    count, seconds = int(count_s), float(seconds_s)
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(f"parsed {count} articles ({with_abstract} with abstract, last PMID {last})")
    print(
        f"time {seconds:.1f} s, {count / seconds:,.0f} articles/s, {size / 1e6 / seconds:.1f} MB/s"
    )
    print(f"peak RSS of the parsing process: {peak_mb:.1f} MB (target < 300 MB)")
    if count != args.count:
        raise SystemExit(f"expected {args.count} articles, parsed {count}")


if __name__ == "__main__":
    main()
