"""Benchmark: filtered-search latency over 100 000 records generated from real ones.

1. Builds (or reuses) a base database of real records: the seed, the PubMed XML/MEDLINE files
   and every Evidence Inference abstract in ``../shared`` (about 3 000 studies), through the
   normal pipeline.
2. Multiplies it to ``--count`` records with SQL ``INSERT … SELECT``: every copy gets a new id,
   a year drawn between 1990 and 2025 and a sample size scaled by a random factor, so year and
   size filters see a realistic spread; text, arms, doses and outcomes are the real ones. The
   full-text index is filled by the usual triggers.
3. Runs each query form of ``evidence query`` (terms, intervention with abbreviation expansion,
   comparator, condition, outcome, design, N and year ranges, dose unit, route and
   combinations) ``--repeat`` times through :func:`extractor.query.search`, first page
   (``--page`` hits, what a user sees) and full result (no cap), and reports p50/p95/max
   milliseconds per form and over all.

Usage::

    .venv/bin/python benchmarks/query_latency.py [--count 100000] [--db /tmp/bench-100k.db]
        [--shared ../shared] [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor.query import Query, search  # noqa: E402
from extractor.store import database, refresh_studies, store_record  # noqa: E402

QUERIES: dict[str, Query] = {
    "terms": Query(terms="asthma"),
    "terms (3 words)": Query(terms="insulin glucose control"),
    "intervention (abbreviation)": Query(intervention="IVIg"),
    "intervention": Query(intervention="metformin"),
    "comparator": Query(comparator="placebo", min_n=200),
    "condition": Query(condition="diabetes"),
    "outcome": Query(outcome="mortality"),
    "design + year": Query(design="crossover", year_from=2010, year_to=2015),
    "n range": Query(min_n=100, max_n=120),
    "dose unit + route": Query(dose_unit="mg/kg", route="iv"),
    "terms + filters": Query(terms="pain", design="rct", min_n=50, year_from=2000),
    "intervention + comparator": Query(intervention="insulin", comparator="placebo"),
}

_CHILDREN = ("spans", "arms", "doses", "outcomes", "adverse_events")


def base_sources(shared: Path) -> list[str]:
    abst = sorted((shared / "data" / "evidence_inference" / "abstracts").glob("*.abst"))
    pubmed = sorted((shared / "pubmed" / "xml" / "metapub").glob("*.xml"))
    medline = sorted((shared / "pubmed" / "medline").rglob("*.*"))
    seed = REPO / "corpus" / "000_f4ed41669ad21fb4.txt"
    return [str(seed), *map(str, pubmed + medline + abst)]


def build_base(path: Path, shared: Path) -> int:
    from extractor.extraction import extract_batch
    from extractor.records import Evidence

    with database(path) as db:
        for item in extract_batch(base_sources(shared)):
            if isinstance(item, Evidence):
                store_record(db, item)
        return int(db["evidence"].count)


def multiply(path: Path, count: int, seed: int = 13) -> int:
    """Copy the real records until the database holds ``count`` documents."""
    rng = random.Random(seed)
    with database(path) as db:
        base = int(
            db.execute("SELECT count(*) FROM documents WHERE id NOT LIKE 'x%'").fetchone()[0]
        )
        copy = 0
        while int(db["documents"].count) < count:
            copy += 1
            prefix = f"x{copy}:"
            want = min(base, count - int(db["documents"].count))
            year = rng.randint(1990, 2025)
            factor = rng.choice([0.5, 0.8, 1.0, 1.5, 2.0, 3.0])
            with db.atomic():
                db.execute(
                    "CREATE TEMP TABLE pick AS SELECT id FROM documents WHERE id NOT LIKE 'x%' "
                    "ORDER BY id LIMIT ?",
                    [want],
                )
                db.execute(
                    f"""INSERT INTO documents (id, title, abstract, sections, pmid, doi, journal,
                    year, authors, publication_types, source, kind, site, content_hash,
                    updated_at, pmcid, date, mesh_terms, keywords, sources, title_key)
                    SELECT '{prefix}' || id, title, abstract, sections, NULL, NULL, journal,
                    (coalesce(year, {year}) + abs(random()) % 7) % 36 + 1990, authors,
                    publication_types, source, kind, site, content_hash, updated_at, NULL, date,
                    mesh_terms, keywords, sources, '{prefix}' || title_key
                    FROM documents WHERE id IN (SELECT id FROM pick)"""
                )
                db.execute(
                    f"""INSERT INTO evidence (id, population, condition, n, interventions,
                    comparators, outcomes, adverse_events, design, conclusion, summary, record,
                    pipeline, extracted_at)
                    SELECT '{prefix}' || id, population, condition, CAST(n * {factor} AS INTEGER),
                    interventions, comparators, outcomes, adverse_events, design, conclusion,
                    summary, record, pipeline, extracted_at
                    FROM evidence WHERE id IN (SELECT id FROM pick)"""
                )
                for table in _CHILDREN:
                    cols = [c.name for c in db[table].columns if c.name != "doc_id"]
                    names = ", ".join(f"[{c}]" for c in cols)
                    db.execute(
                        f"INSERT INTO [{table}] (doc_id, {names}) SELECT '{prefix}' || doc_id, "
                        f"{names} FROM [{table}] WHERE doc_id IN (SELECT id FROM pick)"
                    )
                db.execute(
                    f"INSERT INTO search_index (rowid, doc_id, intervention, comparator, "
                    f"condition, outcome) SELECT d.rowid, d.id, x.intervention, x.comparator, "
                    f"x.condition, x.outcome FROM search_index x "
                    f"JOIN documents d ON d.id = '{prefix}' || x.doc_id "
                    f"WHERE x.doc_id IN (SELECT id FROM pick)"
                )
                db.execute("DROP TABLE pick")
        refresh_studies(db)
        db.execute("ANALYZE")
        return int(db["documents"].count)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(path: Path, repeat: int, page: int) -> dict[str, dict[str, float]]:
    report: dict[str, dict[str, float]] = {}
    with database(path, create=False) as db:
        for name, query in QUERIES.items():
            for label, limit in (("page", page), ("all", None)):
                q = Query(**{**_fields(query), "limit": limit})
                times = []
                hits = 0
                for _ in range(repeat):
                    start = time.perf_counter()
                    hits = len(search(db, q))
                    times.append((time.perf_counter() - start) * 1000)
                report[f"{name} [{label}]"] = {
                    "hits": hits,
                    "p50_ms": statistics.median(times),
                    "p95_ms": percentile(times, 0.95),
                    "max_ms": max(times),
                }
    return report


def _fields(query: Query) -> dict[str, object]:
    return {f: getattr(query, f) for f in query.__dataclass_fields__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/evidence-bench-100k.db"))
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("EVIDENCE_SHARED", REPO.parent / "shared")),
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page", type=int, default=50, help="Hits in a first page.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.db.exists():
        base = build_base(args.db, args.shared)
        print(f"base: {base} real records ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    total = multiply(args.db, args.count)
    print(f"database: {total} records, {args.db.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
    report = run(args.db, args.repeat, args.page)
    all_times = [v["p95_ms"] for v in report.values()]
    if args.json:
        print(json.dumps({"records": total, "queries": report}, indent=2))
        return
    print(f"{'query form':44} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, row in report.items():
        print(
            f"{name:44} {row['hits']:>7} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['max_ms']:>8.1f}"
        )
    print(f"worst p95 over all forms: {max(all_times):.1f} ms ({total} records)")


if __name__ == "__main__":
    main()
