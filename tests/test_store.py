"""Storage: upserts keyed by stable ids, atomic writes, failures, FTS."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from extractor.errors import StoreError
from extractor.query import search
from extractor.records import (
    AdverseEvent,
    Document,
    Dose,
    Evidence,
    Intervention,
    Outcome,
    Population,
    Result,
    Section,
    Span,
)
from extractor.store import (
    count_rows,
    database,
    iter_records,
    load_record,
    open_db,
    store_failure,
    store_record,
)

ABSTRACT = (
    "METHODS: Twelve patients with cutaneous lupus erythematosus were given IVIg 400 mg/kg "
    "monthly.\n\nRESULTS: Five patients (42%) improved."
)


def make_record(
    *, pmid: str | None = None, title: str = "IVIg for lupus", abstract: str = ABSTRACT
) -> Evidence:
    doc = Document(
        title=title,
        abstract=abstract,
        sections=(Section("METHODS", 9, 99),),
        pmid=pmid,
        year=2001,
        publication_types=("Clinical Trial",),
        source="mem.txt",
    )
    start = abstract.index("IVIg")
    dose_start = abstract.index("400 mg/kg")
    res_start = abstract.index("Five patients (42%)")
    return Evidence(
        id=doc.record_id,
        document=doc,
        population=Population(
            description="Twelve patients", condition="cutaneous lupus erythematosus", n=12
        ),
        interventions=(
            Intervention(
                name="IVIg",
                long_form="intravenous immunoglobulin",
                start=start,
                end=start + 4,
                doses=(
                    Dose(
                        amount=400,
                        unit="mg",
                        per="kg",
                        frequency="monthly",
                        phase="maintenance",
                        text="400 mg/kg monthly",
                        start=dose_start,
                        end=dose_start + 17,
                    ),
                ),
            ),
        ),
        outcomes=(
            Outcome(
                name="improvement",
                results=(
                    Result(
                        text="Five patients (42%)",
                        start=res_start,
                        end=res_start + 19,
                        count=5,
                        percent=42.0,
                    ),
                ),
            ),
        ),
        adverse_events=(AdverseEvent(text="vasculitis", start=0, end=10),),
        design="clinical trial",
        spans=(Span("INTERVENTION", "IVIg", start, start + 4, "rules", "METHODS"),),
    )


def test_store_record_roundtrip(db_path: Path) -> None:
    record = make_record()
    with database(db_path) as db:
        store_record(db, record)
        assert load_record(db, record.id) == record
        assert list(iter_records(db)) == [record]


def test_store_rerun_adds_no_rows(db_path: Path) -> None:
    record = make_record(pmid="123")
    with database(db_path) as db:
        store_record(db, record)
        before = count_rows(db)
        store_record(db, record)
        store_record(db, replace(record, summary="changed"))
        assert count_rows(db) == before
        assert before["documents"] == 1 and before["doses"] == 1 and before["spans"] == 1
        assert load_record(db, "123").summary == "changed"


def test_store_uses_wal(db_path: Path) -> None:
    with database(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_failed_write_leaves_no_partial_record(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = make_record()
    with database(db_path) as db:
        original = db.table("outcomes").insert_all

        def broken(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(type(db.table("outcomes")), "insert_all", broken)
        with pytest.raises(StoreError, match="disk I/O error"):
            store_record(db, record)
        monkeypatch.setattr(type(db.table("outcomes")), "insert_all", original)
        counts = count_rows(db)
        assert counts["documents"] == 0 and counts["doses"] == 0 and counts["spans"] == 0


def test_store_failure_rows_replaced_by_success(db_path: Path) -> None:
    record = make_record()
    with database(db_path) as db:
        store_failure(db, "mem.txt", "input", "empty file")
        store_failure(db, "mem.txt", "input", "empty file again")
        assert count_rows(db)["failures"] == 1
        store_record(db, record)
        assert count_rows(db)["failures"] == 0


def test_store_missing_db_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        open_db(tmp_path / "absent.db", create=False)


def test_store_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        open_db(bogus)


def test_store_migrations_are_idempotent(db_path: Path) -> None:
    open_db(db_path).close()
    with database(db_path) as db:
        versions = db.execute("SELECT version FROM _migrations").fetchall()
        assert versions == [(1,), (2,), (3,), (4,), (5,), (6,), (7,)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"terms": "lupus"}, ["pmid:1"]),
        ({"terms": "lupus erythematosus"}, ["pmid:1"]),
        ({"terms": "asthma"}, ["pmid:2"]),
        ({"terms": 'lupus" (*:'}, ["pmid:1"]),  # FTS syntax in user input is quoted
        ({"intervention": "ivig"}, ["pmid:1"]),
        ({"intervention": "intravenous immunoglobulin"}, ["pmid:1"]),
        ({"condition": "lupus"}, ["pmid:1"]),
        ({"min_n": 13}, ["pmid:2"]),
        ({"max_n": 12}, ["pmid:1"]),
        ({"terms": "lupus", "min_n": 13}, []),
    ],
)
def test_query_search_filters(
    db_path: Path, kwargs: dict[str, object], expected: list[str]
) -> None:
    lupus = make_record(pmid="1")
    asthma_abstract = "METHODS: Forty children with asthma received budesonide."
    asthma_doc = Document(
        title="Budesonide in asthma", abstract=asthma_abstract, pmid="2", source="b.txt"
    )
    asthma = Evidence(
        id=asthma_doc.record_id,
        document=asthma_doc,
        population=Population(description="Forty children", condition="asthma", n=40),
        interventions=(Intervention(name="budesonide", start=40, end=50),),
    )
    with database(db_path) as db:
        store_record(db, lupus)
        store_record(db, asthma)
        hits = search(db, **kwargs)  # type: ignore[arg-type]
    assert [h.id for h in hits] == expected


def test_store_merges_duplicates_across_sources(db_path: Path) -> None:
    """Same work from an export (DOI only) and from PubMed (PMID + DOI): one document."""
    from_ris = make_record()
    from_ris = replace(
        from_ris,
        id="doi:10.1/x",
        document=replace(from_ris.document, doi="10.1/X", source="refs.ris#3"),
    )
    from_pubmed = make_record(pmid="777")
    from_pubmed = replace(
        from_pubmed, document=replace(from_pubmed.document, doi="10.1/x", source="pubmed.xml#1")
    )
    with database(db_path) as db:
        assert store_record(db, from_ris).merged is False
        result = store_record(db, from_pubmed)
        assert result.merged is True and result.id == "doi:10.1/x"
        assert count_rows(db)["documents"] == 1
        row = db.execute("SELECT pmid, sources FROM documents").fetchone()
        assert row[0] == "777"
        assert json.loads(row[1]) == ["refs.ris#3", "pubmed.xml#1"]
        # a re-run of the same source is not a merge and keeps one source entry
        assert store_record(db, from_pubmed).merged is False
        assert json.loads(db.execute("SELECT sources FROM documents").fetchone()[0]) == [
            "refs.ris#3",
            "pubmed.xml#1",
        ]


def test_store_title_year_duplicate(db_path: Path) -> None:
    a = make_record(title="A randomised trial of something important")
    b_doc = replace(a.document, abstract="Different text of the same work.", source="b.bib#1")
    b = replace(a, id=b_doc.record_id, document=b_doc, spans=(), interventions=(), outcomes=())
    with database(db_path) as db:
        store_record(db, a)
        assert store_record(db, b).merged is True
        assert count_rows(db)["documents"] == 1
        other_year = replace(b, document=replace(b_doc, year=1999, source="c.bib#1"))
        other_year = replace(other_year, id=other_year.document.record_id)
        assert store_record(db, other_year).merged is False
        assert count_rows(db)["documents"] == 2
