"""Benchmark: our page cleaner vs trafilatura on ../shared/pages (not a test).

For every research page in GROUND_TRUTH.json with an expected abstract or snippet checks,
both extractors run on the same saved HTML; we report token F1 against the expected abstract
and whether the must_contain / must_not_contain / must_start_with snippets hold, per site.

    .venv/bin/python benchmarks/pages_vs_trafilatura.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import trafilatura

from extractor.clean.evaluate import token_f1
from extractor.errors import ExtractorError
from extractor.sources import load_document


def _checks(text: str, entry: dict[str, Any], start: str | None = None) -> tuple[int, int]:
    """Snippet checks on ``text``; ``must_start_with`` is checked on ``start`` when given."""
    passed = total = 0
    for needle in entry.get("must_contain") or []:
        total += 1
        passed += needle in text
    for needle in entry.get("must_not_contain") or []:
        total += 1
        passed += needle not in text
    if entry.get("must_start_with"):
        total += 1
        passed += (
            (start if start is not None else text).lstrip().startswith(entry["must_start_with"])
        )
    return passed, total


def run(shared: Path) -> list[dict[str, Any]]:
    truth = json.loads((shared / "pages" / "GROUND_TRUTH.json").read_text("utf-8"))["entries"]
    rows = []
    for entry in truth:
        if not entry.get("is_research_abstract"):
            continue
        expected = entry.get("expected_abstract")
        if not expected and not any(
            entry.get(k) for k in ("must_contain", "must_not_contain", "must_start_with")
        ):
            continue
        path = shared / "pages" / entry["file"]
        html = path.read_text("utf-8", errors="replace")
        try:
            doc = load_document(str(path))
            abstract, site = doc.abstract, doc.site or "generic"
            ours = f"{doc.title}\n{doc.abstract}"
        except ExtractorError as exc:
            abstract = ours = ""
            site = f"({exc.kind})"
        theirs = trafilatura.extract(html, include_comments=False) or ""
        row: dict[str, Any] = {"file": entry["file"], "site": site}
        if expected:
            row["f1_ours"] = token_f1(abstract, expected)
            row["f1_trafilatura"] = token_f1(theirs, expected)
        row["checks_ours"] = _checks(ours, entry, start=abstract)
        row["checks_trafilatura"] = _checks(theirs, entry)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("EVIDENCE_SHARED") or str(
        Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--shared", type=Path, default=Path(default))
    args = parser.parse_args()
    rows = run(args.shared)
    print(f"{'page':58} {'site':16} {'F1 ours':>8} {'F1 traf':>8} {'checks ours':>12} {'traf':>6}")
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_site[r["site"]].append(r)
        f1o = f"{r['f1_ours']:.3f}" if "f1_ours" in r else "-"
        f1t = f"{r['f1_trafilatura']:.3f}" if "f1_trafilatura" in r else "-"
        co, ct = r["checks_ours"], r["checks_trafilatura"]
        print(
            f"{r['file'][:58]:58} {r['site']:16} {f1o:>8} {f1t:>8} "
            f"{co[0]:>5}/{co[1]:<6} {ct[0]:>3}/{ct[1]}"
        )
    print("\nper site: pages, mean F1 ours / trafilatura (pages with an expected abstract)")
    for site, items in sorted(by_site.items()):
        f1s = [(r["f1_ours"], r["f1_trafilatura"]) for r in items if "f1_ours" in r]
        mean = (
            f"{sum(a for a, _ in f1s) / len(f1s):.3f} / {sum(b for _, b in f1s) / len(f1s):.3f}"
            if f1s
            else "-"
        )
        print(f"  {site:16} {len(items):3}  {mean}")
    f1s = [(r["f1_ours"], r["f1_trafilatura"]) for r in rows if "f1_ours" in r]
    ok = (sum(a >= 0.95 for a, _ in f1s), sum(b >= 0.95 for _, b in f1s))
    print(
        f"\npages with expected abstract: {len(f1s)}; F1 >= 0.95: ours {ok[0]}, trafilatura {ok[1]}"
    )
    checks = [(r["checks_ours"], r["checks_trafilatura"]) for r in rows]
    print(
        "snippet checks passed: ours "
        f"{sum(c[0][0] for c in checks)}/{sum(c[0][1] for c in checks)}, trafilatura "
        f"{sum(c[1][0] for c in checks)}/{sum(c[1][1] for c in checks)}"
    )


if __name__ == "__main__":
    main()
