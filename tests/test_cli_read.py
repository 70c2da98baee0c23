"""The read-side commands end to end over 500+ real abstracts: show --html, summarize, export."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import rispy
from click.testing import CliRunner

from extractor.cli import cli
from extractor.query import Query, search
from extractor.sources.ris import parse_ris
from extractor.store import database, load_record


@pytest.fixture(scope="module")
def db_file(evidence_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read-side") / "evidence.db"
    shutil.copy(evidence_db, path)
    return path


@pytest.fixture(scope="module")
def seed_id(db_file: Path) -> str:
    with database(db_file, create=False) as db:
        return search(db, Query(intervention="IVIg"))[0].id


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_show_html_card(db_file: Path, seed_id: str, tmp_path: Path) -> None:
    page = run("show", seed_id, "--html", "--db", str(db_file))
    assert page.lstrip().startswith("<!DOCTYPE html>") and "400 mg/kg" in page
    out = tmp_path / "card.html"
    run("show", seed_id, "--html", "-o", str(out), "--db", str(db_file))
    assert out.read_text(encoding="utf-8").strip() == page.strip()


def test_show_unknown_id_is_one_line(db_file: Path) -> None:
    result = CliRunner().invoke(cli, ["show", "pmid:1", "--html", "--db", str(db_file)])
    assert result.exit_code == 1 and result.output.strip() == "error: no record with id 'pmid:1'"


def test_summarize_formats(db_file: Path, tmp_path: Path) -> None:
    terminal = run("summarize", "--intervention", "IVIg", "--db", str(db_file))
    assert "intravenous immunoglobulin" in terminal.lower()
    markdown = run(
        "summarize", "--intervention", "IVIg", "--format", "markdown", "--db", str(db_file)
    )
    assert markdown.startswith("#") and "400 mg/kg" in markdown
    groups = [line for line in markdown.splitlines() if line.startswith("## ") and ". " in line]
    assert "intravenous immunoglobulin" in groups[0].lower()  # the asked-for drug first
    report = tmp_path / "ivig.html"
    run("summarize", "--intervention", "IVIg", "-o", str(report), "--db", str(db_file))
    html = report.read_text(encoding="utf-8")
    assert "<script src" not in html and "intravenous immunoglobulin" in html.lower()
    broad = run("summarize", "--design", "rct", "--format", "markdown", "--db", str(db_file))
    assert broad.count("\n## ") >= 10  # many intervention groups


def test_export_every_format(db_file: Path, tmp_path: Path) -> None:
    with database(db_file, create=False) as db:
        rcts = search(db, Query(design="rct"))
    assert len(rcts) > 100
    args = ["--design", "rct", "--db", str(db_file)]
    run("export", "jsonl", *args, "-o", str(tmp_path / "rct.jsonl"))
    lines = (tmp_path / "rct.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [h.id for h in rcts]

    run("export", "csv", *args, "-o", str(tmp_path / "csv"))
    with (tmp_path / "csv" / "evidence_studies.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == [h.id for h in rcts]
    assert (tmp_path / "csv" / "evidence_doses.csv").stat().st_size > 0
    assert (tmp_path / "csv" / "evidence_outcomes.csv").stat().st_size > 0
    with (tmp_path / "csv" / "evidence_comparisons.csv").open(encoding="utf-8", newline="") as f:
        compared = list(csv.DictReader(f))
    with database(db_file, create=False) as db:
        expected = [(h.id, c.outcome) for h in rcts for c in load_record(db, h.id).comparisons]
    assert [(r["id"], r["outcome"]) for r in compared] == expected

    run("export", "ris", *args, "-o", str(tmp_path / "rct.ris"))
    text = (tmp_path / "rct.ris").read_text(encoding="utf-8")
    ours = list(parse_ris(text, source_label="rct.ris"))
    theirs = rispy.loads(text)
    assert len(ours) == len(theirs) == len(rcts)
    assert [d.title for d in ours] == [h.title for h in rcts]
    assert [e.get("title") or e.get("primary_title") for e in theirs] == [h.title for h in rcts]

    run("export", "characteristics", *args, "-o", str(tmp_path / "included.html"))
    assert "<table" in (tmp_path / "included.html").read_text(encoding="utf-8")
    table_md = run("export", "characteristics", *args, "-o", "-")
    assert table_md.count("| Methods |") == len(rcts)

    run("export", "plot", *args, "-o", str(tmp_path / "n.svg"))
    assert (tmp_path / "n.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_export_bad_destination_is_one_line(db_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "x.ris"
    result = CliRunner().invoke(cli, ["export", "ris", "--db", str(db_file), "-o", str(missing)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("error:") and not missing.exists()
