"""Hostile command lines and settings give one line and the right status (issue 14).

Out-of-range numbers are usage errors (status 2) or are clamped; unusable paths, ids, settings
and inputs are one ``error: …`` line (status 1); Ctrl-C is one ``interrupted`` line (130).
Never a traceback, never a silent acceptance.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from extractor.cli import cli
from extractor.errors import ConfigError, InputError
from extractor.query import MAX_TERMS, Query, build_sql, fts_query, search
from extractor.settings import Settings
from extractor.store import database

HUGE = "99999999999999999999"  # beyond SQLite's and C's integers


def _run(args: list[str], **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, args, **kwargs)


def _one_error_line(result: Result, status: int = 1) -> str:
    """The single stderr line of a command that failed cleanly."""
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _usage_error(result: Result) -> str:
    """The ``Error: …`` line of a click usage error (status 2)."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture()
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "e.db"
    with database(path):
        pass
    return path


# --- numbers out of range ------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["999999999999", "65", "-1"])
def test_batch_jobs_out_of_range_is_a_usage_error(
    seed_path: Path, tmp_path: Path, jobs: str
) -> None:
    result = _run(["batch", str(seed_path), "--db", str(tmp_path / "e.db"), "--jobs", jobs])
    assert "'--jobs'" in _usage_error(result)


def test_resolve_jobs_bounds() -> None:
    from extractor.parallel import MAX_JOBS, resolve_jobs

    assert resolve_jobs(MAX_JOBS) == MAX_JOBS
    assert 1 <= resolve_jobs(0) <= MAX_JOBS
    with pytest.raises(ConfigError):
        resolve_jobs(MAX_JOBS + 1)


@pytest.mark.parametrize("size", ["0", "-5", HUGE])
def test_batch_size_out_of_range_is_a_usage_error(
    seed_path: Path, tmp_path: Path, size: str
) -> None:
    db = tmp_path / "e.db"
    result = _run(["batch", str(seed_path), "--db", str(db), "--batch-size", size])
    assert "'--batch-size'" in _usage_error(result)
    assert not db.exists()  # refused before any work, not "0 stored"


@pytest.mark.parametrize("option", ["--min-n", "--max-n", "--limit"])
@pytest.mark.parametrize("command", ["query", "summarize", "export"])
def test_huge_numbers_in_query_options_are_clamped(
    empty_db: Path, tmp_path: Path, command: str, option: str
) -> None:
    args = [command, option, HUGE, "--db", str(empty_db)]
    if command == "export":
        args[1:1] = ["jsonl", "-o", str(tmp_path / "out.jsonl")]
    result = _run(args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.exception is None


# --- paths, ids, inputs --------------------------------------------------------------------


def test_batch_jsonl_in_a_missing_folder_is_one_line(seed_path: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "dir" / "x.jsonl"
    result = _run(
        ["batch", str(seed_path), "--db", str(tmp_path / "e.db"), "--jsonl", str(missing)]
    )
    line = _one_error_line(result)
    assert line.startswith("error: ") and "x.jsonl" in line


def test_show_with_a_huge_id_is_one_line(empty_db: Path) -> None:
    result = _run(["show", "a" * 100_000, "--db", str(empty_db)])
    line = _one_error_line(result)
    assert line.startswith("error: ") and len(line) < 200


def test_show_with_a_long_but_plausible_id_still_looks_it_up(empty_db: Path) -> None:
    result = _run(["show", "doi:10.1000/" + "x" * 900, "--db", str(empty_db)])
    assert _one_error_line(result).startswith("error: no record")


def test_a_huge_abstract_is_refused_with_one_line(tmp_path: Path) -> None:
    page = tmp_path / "huge.txt"
    sentence = "BACKGROUND: We compared aspirin with placebo in 120 adults with tension headache. "
    page.write_text(
        "Aspirin versus placebo for headache: a randomised trial\n\n" + sentence * 45_000,
        encoding="utf-8",
    )  # 3.7 MB
    result = _run(["extract", str(page), "--no-db"])
    line = _one_error_line(result)
    assert line.startswith("error: ") and "too long" in line
    assert "E088" not in line and "max_length" not in line


def test_make_doc_refuses_an_abstract_over_the_limit() -> None:
    from extractor.assemble import make_doc
    from extractor.records import Document
    from extractor.settings import MAX_ABSTRACT_CHARS

    document = Document(source="x.txt", title="t", abstract="a " * MAX_ABSTRACT_CHARS)
    with pytest.raises(InputError, match="too long"):
        make_doc(None, document)  # type: ignore[arg-type]  # refused before the pipeline


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EVIDENCE_RETRIES", "-5"),
        ("EVIDENCE_RETRIES", "1000000"),
        ("EVIDENCE_TIMEOUT", "0"),
        ("EVIDENCE_TIMEOUT", "-1"),
        ("EVIDENCE_TIMEOUT", "nan"),
        ("EVIDENCE_TIMEOUT", "inf"),
        ("EVIDENCE_BACKOFF", "-0.5"),
        ("EVIDENCE_MAX_BYTES", "0"),
        ("EVIDENCE_MODELS", "/no/such/models/folder"),
    ],
)
def test_nonsense_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        Settings.from_env()


def test_models_setting_must_be_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("EVIDENCE_MODELS", str(tmp_path / "file"))
    with pytest.raises(ConfigError, match="not a folder"):
        Settings.from_env()
    monkeypatch.setenv("EVIDENCE_MODELS", str(tmp_path))
    assert Settings.from_env().models_dir == tmp_path


def test_sensible_settings_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "EVIDENCE_RETRIES": "0",
        "EVIDENCE_TIMEOUT": "2.5",
        "EVIDENCE_BACKOFF": "0",
        "EVIDENCE_MAX_BYTES": "1000",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert (settings.retries, settings.timeout, settings.backoff) == (0, 2.5, 0.0)
    assert settings.max_bytes == 1000 and math.isfinite(settings.timeout)


@pytest.mark.parametrize(
    ("name", "value"), [("EVIDENCE_RETRIES", "-5"), ("EVIDENCE_MODELS", "/no/such/folder")]
)
def test_nonsense_settings_are_one_line_on_the_command_line(
    seed_path: Path, tmp_path: Path, name: str, value: str
) -> None:
    result = _run(
        ["batch", str(seed_path), "--db", str(tmp_path / "e.db"), "-q"], env={name: value}
    )
    line = _one_error_line(result)
    assert line.startswith("error: ") and name in line


# --- interrupts ----------------------------------------------------------------------------


def test_ctrl_c_is_status_130_and_one_line(monkeypatch: pytest.MonkeyPatch, empty_db: Path) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("extractor.query.search", interrupted)
    result = _run(["query", "lupus", "--db", str(empty_db)])
    assert _one_error_line(result, status=130) == "interrupted"


def test_ctrl_c_in_batch_says_how_many_were_stored(
    monkeypatch: pytest.MonkeyPatch, seed_path: Path, tmp_path: Path
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise KeyboardInterrupt
        yield  # a generator, like the real one

    monkeypatch.setattr("extractor.extraction.extract_batch", interrupted)
    db = tmp_path / "e.db"
    result = _run(["batch", str(seed_path), "--db", str(db)])
    line = _one_error_line(result, status=130)
    assert line.startswith("interrupted: 0 stored") and str(db) in line


# --- search terms --------------------------------------------------------------------------


def test_repeated_search_words_count_once() -> None:
    assert fts_query(" ".join(["placebo"] * 5_000)) == '"placebo"'
    assert fts_query("Placebo placebo PLACEBO aspirin") == '"Placebo" "aspirin"'


def test_too_many_distinct_search_words_are_refused(empty_db: Path) -> None:
    words = [f"w{i}" for i in range(MAX_TERMS + 1)]
    with pytest.raises(InputError, match="too many"):
        fts_query(" ".join(words))
    assert fts_query(" ".join(words[:MAX_TERMS]))  # the limit itself is fine
    line = _one_error_line(_run(["query", *words, "--db", str(empty_db)]))
    assert line.startswith("error: too many search words")


def test_a_word_repeated_5000_times_is_one_cheap_search(empty_db: Path) -> None:
    # 5,000 copies of one phrase made FTS5 rank each match 5,000 times (175 s on a real database)
    with database(empty_db) as db:
        _sql, params = build_sql(db, Query(terms=" ".join(["placebo"] * 5_000)))
    assert params == ['"placebo"']
    result = _run(["query", *(["placebo"] * 5_000), "--db", str(empty_db), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)


@pytest.mark.parametrize("option", ["--design", "--outcome", "--intervention", "--condition"])
def test_a_huge_filter_value_is_one_line(empty_db: Path, option: str) -> None:
    result = _run(["query", option, "x" * 60_000, "--db", str(empty_db)])
    line = _one_error_line(result)
    assert line.startswith("error: ") and "characters long" in line and len(line) < 200


def test_search_clamps_bounds_beyond_sqlite_integers(empty_db: Path) -> None:
    with database(empty_db) as db:
        assert search(db, Query(min_n=10**20)) == []
        assert search(db, Query(max_n=10**20, limit=10**20)) == []
        sql, params = build_sql(db, Query(min_n=10**20, limit=10**20))
    assert max(params) == 2**63 - 1 and "LIMIT" in sql
