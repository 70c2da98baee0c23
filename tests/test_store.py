"""Storage: upserts keyed by stable ids, atomic writes, failures, FTS."""

from __future__ import annotations

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
        assert versions == [(1,)]


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
