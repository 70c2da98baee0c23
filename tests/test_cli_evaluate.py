"""`evidence evaluate …` and `evidence train pico` wired to the library (small slices)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["sample-size", "--split", "dev", "--limit", "5"], "total_n"),
        (["arm-results", "--split", "dev", "--limit", "5"], "overall"),
        (["doses", "--split", "dev", "--limit", "5"], "recall"),
        (["direction", "--split", "dev", "--limit", "20"], "all"),
        (["direction", "--mode", "pipeline", "--split", "dev", "--limit", "20"], "all"),
        (["design", "--split", "dev", "--limit", "5"], None),
    ],
)
def test_cli_evaluate_commands_json(shared_dir: Path, args: list[str], key: str | None) -> None:
    result = CliRunner().invoke(
        cli, ["evaluate", *args, "--shared", str(shared_dir), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict) and report
    if key:
        assert key in report


def test_cli_evaluate_table(shared_dir: Path) -> None:
    result = CliRunner().invoke(
        cli, ["evaluate", "doses", "--split", "dev", "--limit", "3", "--shared", str(shared_dir)]
    )
    assert result.exit_code == 0, result.stderr
    assert "recall" in result.stdout and "metric" in result.stdout


def test_cli_evaluate_pico(shared_dir: Path) -> None:
    dev = shared_dir / "data" / "ebm_nlp" / "starting_spans" / "dev.txt"
    result = CliRunner().invoke(cli, ["evaluate", "pico", str(dev), "--limit", "5", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert 0.0 < report["token"]["macro"]["f"] <= 1.0


def test_cli_evaluate_missing_shared_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["evaluate", "doses", "--shared", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_cli_train_pico_smoke(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pico"
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "pico",
            "--shared",
            str(shared_dir),
            "--output",
            str(out),
            "--config",  # the plain tagger: the default also trains word vectors (minutes)
            str(Path(__file__).resolve().parent.parent / "models" / "configs" / "pico.cfg"),
            "--max-steps",
            "2",
            "--n-docs",
            "6",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert (out / "meta.json").is_file()
