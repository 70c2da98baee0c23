"""Storage: upserts keyed by stable ids, atomic writes, failures, FTS."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from comparison_sample import PONV_ROW, remifentanil_record, remifentanil_studies

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
    MIGRATIONS,
    count_rows,
    database,
    iter_records,
    load_record,
    open_db,
    store_failure,
    store_many,
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


def _refuse_outcomes(db: sqlite_utils.Database, when: str = "1") -> None:
    """Make SQLite refuse ``outcomes`` rows (``when``: an SQL condition on NEW)."""
    db.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON outcomes WHEN {when} "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )


def test_store_failed_write_leaves_no_partial_record(db_path: Path) -> None:
    record = make_record()
    with database(db_path) as db:
        _refuse_outcomes(db)
        with pytest.raises(StoreError, match="disk I/O error"):
            store_record(db, record)
        db.execute("DROP TRIGGER refuse")
        counts = count_rows(db)
        assert counts["documents"] == 0 and counts["doses"] == 0 and counts["spans"] == 0


def test_store_many_rolls_back_only_the_record_that_fails(db_path: Path) -> None:
    good = make_record()
    bad = replace(good, id="sha:bad", document=replace(good.document, title="Another trial"))
    with database(db_path) as db:
        _refuse_outcomes(db, "NEW.doc_id = 'sha:bad'")
        results = store_many(db, [good, bad, replace(good, id="sha:third")])
        db.execute("DROP TRIGGER refuse")
        assert isinstance(results[1], StoreError) and "disk I/O error" in results[1].message
        assert not isinstance(results[0], StoreError) and not isinstance(results[2], StoreError)
        ids = {r[0] for r in db.execute("SELECT doc_id FROM outcomes")}
        assert "sha:bad" not in ids and len(ids) >= 1
        assert db.execute("SELECT count(*) FROM documents WHERE id = 'sha:bad'").fetchone()[0] == 0


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
        assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
        assert versions[-1] == (8,)


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


# --- comparisons ------------------------------------------------------------------------------


def _comparison_rows(db: sqlite_utils.Database) -> list[dict[str, object]]:
    return list(db.query("SELECT * FROM comparisons ORDER BY doc_id, start"))


def test_store_comparisons_round_trip_and_rows(db_path: Path) -> None:
    record = remifentanil_record()
    with database(db_path) as db:
        store_record(db, record)
        assert load_record(db, record.id) == record
        assert load_record(db, record.id).comparisons == record.comparisons
        rows = _comparison_rows(db)
    ponv, pain = rows
    assert ponv["doc_id"] == "pmid:11111111"
    assert (ponv["outcome"], ponv["intervention"], ponv["comparator"]) == (
        "nausea and vomiting",
        "Remifentanil",
        "Alfentanil",
    )
    assert ponv["direction"] == "increased" and ponv["p_value"] == "P=0.045"
    assert (ponv["effect"], ponv["effect_value"], ponv["ci_low"], ponv["ci_high"]) == (
        "OR",
        8.1,
        1.6,
        41.0,
    )
    assert ponv["confidence"] == 0.87 and ponv["source"] == "rules"
    abstract = record.document.abstract
    assert abstract[ponv["start"] : ponv["end"]] == ponv["text"]  # type: ignore[index,misc]
    assert ponv["text"] == record.comparisons[0].evidence.text
    results = json.loads(str(ponv["results"]))
    assert [(r["arm"], r["text"], r["percent"]) for r in results] == [
        ("Remifentanil", "30%", 30.0),
        ("Alfentanil", "5%", 5.0),
    ]
    assert pain["direction"] == "no_difference" and pain["effect"] is None
    assert json.loads(str(pain["results"])) == [] and pain["source"] == "model:comparisons"


def test_store_comparisons_replaced_with_the_record(db_path: Path) -> None:
    record = remifentanil_record()
    with database(db_path) as db:
        store_record(db, record)
        store_record(db, record)
        assert count_rows(db)["comparisons"] == 2
        store_record(db, replace(record, comparisons=record.comparisons[1:]))
        assert [r["outcome"] for r in _comparison_rows(db)] == ["pain scores"]
        store_record(db, replace(record, comparisons=()))
        assert count_rows(db)["comparisons"] == 0 and load_record(db, record.id).comparisons == ()


def test_store_comparisons_written_in_the_record_transaction(db_path: Path) -> None:
    with database(db_path) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON comparisons "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
        with pytest.raises(StoreError, match="disk I/O error"):
            store_record(db, remifentanil_record())
        db.execute("DROP TRIGGER refuse")
        counts = count_rows(db)
    assert counts["documents"] == counts["arms"] == counts["comparisons"] == 0


def test_store_comparisons_view_and_index(db_path: Path) -> None:
    with database(db_path) as db:
        for record in remifentanil_studies():
            store_record(db, record)
        rows = list(
            db.query(
                "SELECT pmid, year, title, outcome, intervention, comparator, direction, "
                "arm_results, p_value FROM comparisons_view WHERE pmid = '11111111' "
                "ORDER BY start"
            )
        )
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM comparisons WHERE outcome = ? AND intervention = ?",
            ["nausea and vomiting", "remifentanil"],
        ).fetchall()
        assert db.execute("SELECT count(*) FROM comparisons_view").fetchone()[0] == 5
    assert rows[0] == {**PONV_ROW, "title": "Remifentanil versus alfentanil for day-case surgery"}
    assert rows[1]["arm_results"] is None and rows[1]["direction"] == "no_difference"
    assert "idx_comparisons_outcome_intervention" in " ".join(str(row) for row in plan)


def test_store_control_roles_are_comparators(db_path: Path) -> None:
    """Placebo and usual-care arms are control arms everywhere the store splits arms."""
    with database(db_path) as db:
        for record in remifentanil_studies():
            store_record(db, record)
        view = dict(
            db.execute("SELECT pmid, comparators FROM evidence_view ORDER BY pmid").fetchall()
        )
        stored = dict(db.execute("SELECT id, comparators FROM evidence").fetchall())
        placebo = [h.id for h in search(db, comparator="placebo")]
        usual = [h.id for h in search(db, comparator="usual care")]
        as_intervention = [h.id for h in search(db, intervention="placebo")]
        by_outcome = [h.id for h in search(db, outcome="pain scores")]
    assert view == {
        "11111111": "Alfentanil",
        "22222222": "placebo",
        "33333333": "usual care",
        "44444444": None,  # head to head: both arms are interventions
    }
    assert json.loads(stored["pmid:33333333"]) == ["usual care"]
    assert placebo == ["pmid:22222222"] and usual == ["pmid:33333333"]
    assert as_intervention == []
    assert by_outcome == ["pmid:11111111"]  # a comparison's outcome is searchable


def test_store_existing_database_migrates_to_comparisons(db_path: Path) -> None:
    """A version-7 database (placebo arm, record JSON with comparisons) gains the table, the
    back-filled rows and an evidence_view that counts the placebo arm as a comparator."""
    old = sqlite_utils.Database(db_path)
    old.execute("CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, step in enumerate(MIGRATIONS[:7], start=1):
        step(old)
        old.execute("INSERT INTO _migrations VALUES (?, '2024-01-01')", [version])
    placebo, remi = remifentanil_studies()[1], remifentanil_record()
    for record in (placebo, remi):
        data = record.to_dict()
        old["documents"].insert({"id": record.id, "title": record.document.title})
        old["evidence"].insert({"id": record.id, "record": json.dumps(data)})
        for arm in record.interventions:
            old["arms"].insert({"doc_id": record.id, "name": arm.name, "role": arm.role})
    old.conn.commit()
    assert "comparisons" not in old.table_names()
    old.close()
    with database(db_path) as db:
        assert db.execute("SELECT max(version) FROM _migrations").fetchone()[0] == 8
        rows = _comparison_rows(db)
        comparators = db.execute(
            "SELECT comparators FROM evidence_view WHERE id = ?", [placebo.id]
        ).fetchone()[0]
        assert load_record(db, remi.id) == remi
        split = db.execute(
            "SELECT e.interventions, e.comparators, s.comparators FROM evidence e "
            "JOIN studies s ON s.id = e.id WHERE e.id = ?",
            [placebo.id],
        ).fetchone()
        found = [h.id for h in search(db, comparator="placebo")]
    assert [(r["doc_id"], r["outcome"], r["direction"]) for r in rows] == [
        ("pmid:11111111", "nausea and vomiting", "increased"),
        ("pmid:11111111", "pain scores", "no_difference"),
        ("pmid:22222222", "nausea and vomiting", "no_difference"),
    ]
    assert comparators == "placebo"
    assert [json.loads(x) for x in split] == [["remifentanil"], ["placebo"], ["placebo"]]
    assert found == [placebo.id]  # the search index moved placebo to the comparator column
