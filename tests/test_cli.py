"""The command line, through click's CliRunner and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from comparison_sample import remifentanil_record, remifentanil_studies

from extractor.cli import cli
from extractor.store import count_rows, database, store_record

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_extract_json_and_store(runner: CliRunner, seed_path: Path, db_path: Path) -> None:
    code, out, err = run(runner, "extract", str(seed_path), "--json", "--db", str(db_path))
    assert code == 0, err
    record = json.loads(out)
    assert record["population"]["n"] == 12
    with database(db_path) as db:
        assert count_rows(db)["documents"] == 1
    code, out, _ = run(runner, "query", "lupus", "--json", "--db", str(db_path))
    assert code == 0
    assert [h["id"] for h in json.loads(out)] == [record["id"]]
    code, out, _ = run(runner, "show", record["id"], "--json", "--db", str(db_path))
    assert code == 0 and json.loads(out) == record


def test_cli_extract_text_report(runner: CliRunner, seed_path: Path) -> None:
    code, out, _ = run(runner, "extract", str(seed_path), "--no-db")
    assert code == 0
    assert "n=12" in out and "400 mg/kg" in out


def test_cli_extract_stdin(runner: CliRunner, seed_path: Path) -> None:
    result = runner.invoke(
        cli, ["extract", "-", "--json", "--no-db"], input=seed_path.read_text("utf-8")
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["document"]["source"] == "-"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", b""),
        ("blank.txt", b"   \n\n  \t\n"),
        ("binary.txt", bytes(range(256)) * 20),
        ("garbage.txt", b"%%%% #### 1234 5678 ---- //// \n" * 20),
        ("nonsense.html", b"<html><body><div>menu</div></body></html>"),
    ],
)
def test_cli_extract_bad_input_one_line(
    runner: CliRunner, tmp_path: Path, db_path: Path, name: str, content: bytes
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    code, out, err = run(runner, "extract", str(bad), "--db", str(db_path))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert "Traceback" not in err
    if db_path.exists():
        with database(db_path) as db:
            assert count_rows(db)["documents"] == 0


def test_cli_extract_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "extract", str(tmp_path / "nope.txt"), "--no-db")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_cli_usage_error_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["extract"])
    assert result.exit_code == 2


def test_cli_query_without_db(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "query", "lupus", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "no database" in err


def test_cli_show_unknown_id(runner: CliRunner, seed_path: Path, db_path: Path) -> None:
    run(runner, "extract", str(seed_path), "--db", str(db_path))
    code, _, err = run(runner, "show", "pmid:999", "--db", str(db_path))
    assert code == 1 and "no record" in err


def _row(out: str, *cells: str) -> list[str]:
    """The comparisons-table line holding every one of ``cells`` (exactly one must)."""
    (line,) = [line for line in out.splitlines() if all(c in line for c in cells)]
    return line.split()


def test_cli_show_prints_comparisons_table(runner: CliRunner, db_path: Path) -> None:
    with database(db_path) as db:
        for record in remifentanil_studies():
            store_record(db, record)
    code, out, _ = run(runner, "show", "11111111", "--db", str(db_path))
    assert code == 0
    lines = out.splitlines()
    header = lines.index("comparisons (2):")
    assert lines[header + 1].split() == [
        "outcome",
        "comparison",
        "direction",
        "per",
        "arm",
        "p",
        "effect",
    ]
    ponv = lines[header + 2]
    assert ponv.split() == [
        "nausea", "and", "vomiting", "Remifentanil", "vs", "Alfentanil", "increased",
        "Remifentanil", "30%", "·", "Alfentanil", "5%", "P=0.045", "OR", "8.1", "(CI", "1.6–41)",
    ]  # fmt: skip
    # columns line up: every cell starts where its header does
    for head in ("comparison", "direction", "per arm", "p ", "effect"):
        at = lines[header + 1].index(head)
        assert ponv[at - 1] == " " and ponv[at] != " ", head
    assert lines[header + 3].split()[-5:] == ["no", "difference", "—", "P=0.62", "—"]
    # placebo and usual-care arms are printed with their roles
    code, out, _ = run(runner, "show", "33333333", "--db", str(db_path))
    assert "usual_care: usual care" in out.splitlines()
    assert _row(out, "Nausea and Vomiting")[3:7] == ["remifentanil", "vs", "usual", "care"]
    assert "decreased" in _row(out, "Nausea and Vomiting")
    code, out, _ = run(runner, "show", "11111111", "--json", "--db", str(db_path))
    assert json.loads(out) == remifentanil_record().to_dict()
    code, out, _ = run(runner, "show", "11111111", "--html", "--db", str(db_path))
    assert "<h3>Comparisons</h3>" in out and "▲ increased" in out


def test_cli_show_without_comparisons_has_no_table(
    runner: CliRunner, seed_path: Path, db_path: Path
) -> None:
    code, out, _ = run(runner, "extract", str(seed_path), "--json", "--db", str(db_path))
    record = json.loads(out)
    code, out, _ = run(runner, "show", record["id"], "--db", str(db_path))
    assert code == 0 and "400 mg/kg" in out
    assert ("comparisons (" in out) == bool(record["comparisons"])


def test_cli_batch_records_failures_and_carries_on(
    runner: CliRunner, seed_path: Path, tmp_path: Path, db_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_text(seed_path.read_text("utf-8"), "utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.html").write_bytes(b"\x00\x01\x02" * 100)
    jsonl = tmp_path / "out.jsonl"
    code, _, err = run(runner, "batch", str(folder), "--db", str(db_path), "--jsonl", str(jsonl))
    assert code == 1
    assert "empty.txt" in err and "binary.html" in err
    assert "1 stored, 0 duplicates merged, 0 without abstract, 2 failed" in err
    lines = jsonl.read_text("utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["population"]["n"] == 12
    with database(db_path) as db:
        counts = count_rows(db)
        assert counts["documents"] == 1 and counts["failures"] == 2
        kinds = {r["source"].rsplit("/", 1)[-1]: r["kind"] for r in db.table("failures").rows}
        assert kinds == {"empty.txt": "input", "binary.html": "input"}
    # a re-run adds no rows
    run(runner, "batch", str(folder), "--db", str(db_path))
    with database(db_path) as db:
        assert count_rows(db) == counts


def test_cli_batch_all_good_exit_0(runner: CliRunner, seed_path: Path, db_path: Path) -> None:
    code, _, err = run(runner, "batch", str(seed_path), "--db", str(db_path), "--quiet")
    assert code == 0, err


def test_cli_query_csv(runner: CliRunner, seed_path: Path, db_path: Path) -> None:
    run(runner, "extract", str(seed_path), "--db", str(db_path))
    code, out, _ = run(runner, "query", "--intervention", "IVIg", "--csv", "--db", str(db_path))
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.startswith("id,year,n,") and ",12," in row


def test_cli_subprocess_python_m(seed_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "EVIDENCE_DB": str(tmp_path / "sub.db")}

    def evidence(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "extractor", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=300,
            check=False,
        )

    proc = evidence("extract", str(seed_path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["population"]["n"] == 12
    assert (tmp_path / "sub.db").is_file()
    bad = evidence("extract", str(tmp_path / "missing.txt"))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
