"""``evidence batch --jobs``: worker processes give the same records, in order, and fail cleanly."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.errors import ConfigError, ExtractorError, ModelError
from extractor.extraction import Failure, extract_batch
from extractor.parallel import resolve_jobs
from extractor.store import count_rows, database


@pytest.fixture(scope="module")
def abstracts(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 real Evidence Inference abstracts, an empty file and a binary one."""
    folder = tmp_path_factory.mktemp("batch")
    files = sorted((shared_dir / "data" / "evidence_inference" / "abstracts").glob("*.abst"))[:40]
    for path in files:
        shutil.copy(path, folder / path.name)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return folder


def _batch(folder: Path, tmp: Path, *extra: str) -> tuple[int, list[dict], str]:
    jsonl = tmp / "out.jsonl"
    result = CliRunner().invoke(
        cli,
        ["batch", str(folder), "--db", str(tmp / "e.db"), "--jsonl", str(jsonl), "-q", *extra],
        catch_exceptions=False,
    )
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    return result.exit_code, records, result.stderr


def test_jobs_give_the_same_records_in_the_same_order(abstracts: Path, tmp_path: Path) -> None:
    (one := tmp_path / "one").mkdir()
    (two := tmp_path / "two").mkdir()
    code1, records1, err1 = _batch(abstracts, one, "--batch-size", "8")
    code2, records2, err2 = _batch(abstracts, two, "--batch-size", "8", "--jobs", "2")
    assert len(records1) == 40
    assert records2 == records1
    # the two bad files are failures either way, the good ones still stored
    assert code1 == code2 == 1
    for err in (err1, err2):
        assert "empty.txt" in err and "binary.txt" in err
    with database(two / "e.db") as db:
        assert count_rows(db)["documents"] == 40
        assert count_rows(db)["failures"] == 2


def test_extract_batch_parallel_yields_failures_and_records(abstracts: Path) -> None:
    sources = [str(p) for p in sorted(abstracts.iterdir())]
    items = list(extract_batch(sources, batch_size=16, jobs=2))
    failures = [i for i in items if isinstance(i, Failure)]
    assert sorted(Path(f.source).name for f in failures) == ["binary.txt", "empty.txt"]
    assert len(items) - len(failures) == 40


def test_a_pipeline_object_cannot_go_to_workers(abstracts: Path) -> None:
    from extractor.nlp import get_pipeline

    with pytest.raises(ConfigError):
        list(extract_batch([str(abstracts)], nlp=get_pipeline(), jobs=2))


def test_resolve_jobs() -> None:
    assert resolve_jobs(3) == 3
    assert resolve_jobs(0) == (os.cpu_count() or 1)
    with pytest.raises(ConfigError):
        resolve_jobs(-1)


def test_errors_keep_their_source_across_processes() -> None:
    error = pickle.loads(pickle.dumps(ModelError("cannot load", source="models/pico")))
    assert isinstance(error, ModelError) and isinstance(error, ExtractorError)
    assert str(error) == "models/pico: cannot load"


def test_broken_model_in_workers_is_one_error_line(abstracts: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "pico").mkdir(parents=True)
    (models / "pico" / "config.cfg").write_text("[nlp]\nlang = 'en'\n[broken", encoding="utf-8")
    db = tmp_path / "e.db"
    env = {**os.environ, "EVIDENCE_MODELS": str(models)}
    proc = subprocess.run(
        [sys.executable, "-m", "extractor", "batch", str(abstracts), "--db", str(db), "-j", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    if db.exists():
        with database(db) as conn:
            assert count_rows(conn)["documents"] == 0
