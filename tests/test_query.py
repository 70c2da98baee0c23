"""Query forms over a database of 500+ real abstracts (fixture ``evidence_db``)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.errors import InputError
from extractor.query import Query, equivalent_names, search
from extractor.store import database, load_record, store_record


@pytest.fixture(scope="module")
def db(evidence_db: Path):
    with database(evidence_db, create=False) as handle:
        yield handle


def test_no_filters_returns_every_record_without_cap(db) -> None:
    hits = search(db, Query())
    assert len(hits) == db["evidence"].count >= 500
    assert len({h.id for h in hits}) == len(hits)


def test_abbreviation_and_long_form_find_the_same_studies(db) -> None:
    short = {h.id for h in search(db, Query(intervention="IVIg"))}
    long = {h.id for h in search(db, Query(intervention="intravenous immunoglobulin"))}
    assert short and short == long
    assert "intravenous immunoglobulin" in equivalent_names(db, "ivig")


def test_abbreviation_expands_to_records_that_only_spell_it_out(evidence_db, tmp_path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(evidence_db, path)
    with database(path) as db:
        seed = load_record(db, search(db, Query(intervention="IVIg"))[0].id)
        arm = next(i for i in seed.interventions if i.name == "IVIg")
        spelled = replace(arm, name="intravenous immunoglobulin", long_form=None)
        doc = replace(seed.document, pmid="99999999", title="A different IVIG-free title")
        other = replace(seed, id=doc.record_id, document=doc, interventions=(spelled,), spans=())
        store_record(db, other)
        ids = {h.id for h in search(db, Query(intervention="IVIg"))}
    assert {seed.id, "pmid:99999999"} <= ids


def test_comparator_filter_matches_comparator_arms_only(db) -> None:
    hits = search(db, Query(comparator="placebo"))
    assert len(hits) > 20
    for hit in hits[:40]:
        record = load_record(db, hit.id)
        comparators = [i.name.lower() for i in record.interventions if i.role == "comparator"]
        spans = [s.text.lower() for s in record.spans if s.label == "COMPARATOR"]
        assert any("placebo" in c for c in comparators + spans), hit.id


def test_condition_outcome_design_filters(db) -> None:
    lupus = search(db, Query(condition="lupus"))
    assert any("lupus" in (h.condition or "").lower() for h in lupus)
    for hit in search(db, Query(outcome="mortality")):
        record = load_record(db, hit.id)
        texts = (
            [o.name for o in record.outcomes]
            + [s.text for s in record.spans if s.label == "OUTCOME"]
            + [c.outcome for c in record.comparisons]
        )
        assert any("mortality" in t.lower() for t in texts), hit.id
    rcts = search(db, Query(design="RCT"))
    assert len(rcts) > 100
    assert all("randomized" in (h.design or "") for h in rcts)
    crossover = search(db, Query(design="cross-over"))
    assert crossover and all("crossover" in (h.design or "") for h in crossover)


def test_sample_size_and_year_bounds(db) -> None:
    hits = search(db, Query(min_n=100, max_n=500))
    assert hits and all(h.n is not None and 100 <= h.n <= 500 for h in hits)
    recent = search(db, Query(year_from=2019, year_to=2021))
    assert recent and all(h.year is not None and 2019 <= h.year <= 2021 for h in recent)


def test_dose_unit_and_route_filters(db) -> None:
    per_kg = search(db, Query(dose_unit="mg/kg"))
    assert per_kg
    for hit in per_kg:
        doses = [d for i in load_record(db, hit.id).interventions for d in i.doses]
        assert any(d.unit == "mg" and d.per == "kg" for d in doses), hit.id
    iv = {h.id for h in search(db, Query(route="iv"))}
    assert iv == {h.id for h in search(db, Query(route="intravenous"))} and iv
    mcg = {h.id for h in search(db, Query(dose_unit="mcg"))}
    assert mcg == {h.id for h in search(db, Query(dose_unit="ug"))} and mcg
    with pytest.raises(InputError, match="bad dose unit"):
        search(db, Query(dose_unit="mg/"))


def test_sorting(db) -> None:
    by_n = [h.n for h in search(db, Query(sort="n")) if h.n is not None]
    assert by_n == sorted(by_n, reverse=True)
    by_year = [h.year for h in search(db, Query(sort="year")) if h.year is not None]
    assert by_year == sorted(by_year, reverse=True)
    ranked = search(db, Query(terms="insulin glucose"))
    assert len(ranked) > 3
    scores = [h.score for h in ranked]
    assert scores == sorted(scores)  # bm25: lower is better


def test_filters_combine_with_and(db) -> None:
    combined = {h.id for h in search(db, Query(terms="asthma", design="rct", min_n=20))}
    terms = {h.id for h in search(db, Query(terms="asthma"))}
    design = {h.id for h in search(db, Query(design="rct", min_n=20))}
    assert combined == terms & design and combined


def test_hostile_terms_are_quoted(db) -> None:
    assert search(db, Query(terms='lupus" OR * NEAR(')) is not None
    assert search(db, Query(intervention="100%_")) == []


def test_cli_query_formats(evidence_db: Path) -> None:
    runner = CliRunner()
    args = ["query", "--db", str(evidence_db), "--design", "rct", "--min-n", "300"]
    as_json = json.loads(runner.invoke(cli, [*args, "--json"]).output)
    assert as_json and all(r["n"] >= 300 for r in as_json)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(cli, [*args, "--csv"]).output)))
    assert [r["id"] for r in rows] == [r["id"] for r in as_json]
    table = runner.invoke(cli, [*args, "--table"])
    assert table.exit_code == 0 and as_json[0]["id"][:10] in table.output
    assert f"{len(as_json)} record(s)" in table.output


def test_cli_query_bad_input_is_one_line(evidence_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["query", "--db", str(evidence_db), "--dose-unit", "/kg"])
    assert bad.exit_code == 1 and bad.output.strip().count("\n") == 0
    assert "bad dose unit" in bad.output
    missing = runner.invoke(cli, ["query", "--db", str(tmp_path / "none.db"), "x"])
    assert missing.exit_code == 1 and "no database" in missing.output
