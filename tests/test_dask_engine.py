"""``evidence batch --engine dask``: the same records as the local engine, shards in order,
failed shards retried then reported, clear errors without the extra or the scheduler."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest

from extractor import dask_engine
from extractor.batch_items import Failure
from extractor.errors import ConfigError
from extractor.records import Document
from extractor.settings import get_settings

EVIDENCE = str(Path(sys.executable).parent / "evidence")
TABLES = ("documents", "evidence", "doses", "outcomes", "arms")

_attempts: dict[str, int] = {}
_lock = threading.Lock()


def _doc(source: str) -> Document:
    return Document(title="", abstract=f"Abstract of {source}.", source=source)


def _sources(chunk: list[Document]) -> list[str]:
    """A task: the chunk's sources, with what ``worker_pipeline`` gave this worker."""
    return [f"{doc.source}:{dask_engine.worker_pipeline()}" for doc in chunk]


def _fails_for_bad(chunk: list[Document]) -> list[str]:
    """A task that always raises for a chunk holding ``bad``, counting its attempts."""
    if any(doc.source == "bad" for doc in chunk):
        with _lock:
            _attempts["bad"] = _attempts.get("bad", 0) + 1
        raise RuntimeError("boom")
    return [doc.source for doc in chunk]


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """Two single-threaded in-process workers (on TCP, like a remote cluster): a cluster to join
    with ``scheduler=``; in-process, so that a test can replace the pipeline."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address="127.0.0.1:0",
        silence_logs=40,
    ) as local:
        yield local


@pytest.fixture()
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """In-process workers load "NLP" instead of the spaCy pipeline; the calls are listed."""
    calls: list[object] = []

    def pipeline_for(settings: object) -> str:
        calls.append(settings)
        return "NLP"

    monkeypatch.setattr("extractor.nlp.pipeline.pipeline_for", pipeline_for)
    return calls


def test_shards_in_input_order_empty_chunks_without_a_task(
    cluster: distributed.LocalCluster, fake_pipeline: list[object]
) -> None:
    chunks = [[], [_doc("a"), _doc("b")], [], [_doc("c")], [_doc("d")], []]
    out = list(
        dask_engine.map_chunks(
            _sources, chunks, settings=get_settings(), jobs=1, scheduler=cluster.scheduler_address
        )
    )
    assert out == [[], ["a:NLP", "b:NLP"], [], ["c:NLP"], ["d:NLP"], []]
    assert len(fake_pipeline) == 2  # once per worker, by the plugin


def test_at_most_two_shards_per_worker_in_flight(
    cluster: distributed.LocalCluster, fake_pipeline: list[object]
) -> None:
    pulled = []

    def chunks() -> Iterator[list[Document]]:
        for i in range(10):
            pulled.append(i)
            yield [_doc(str(i))]

    results = dask_engine.map_chunks(
        _sources, chunks(), settings=get_settings(), jobs=1, scheduler=cluster.scheduler_address
    )
    assert next(results) == ["0:NLP"]
    assert len(pulled) == 4  # 2 workers x 2 shards
    assert [r[0] for r in results] == [f"{i}:NLP" for i in range(1, 10)]


def test_a_failing_shard_is_retried_then_reported(
    cluster: distributed.LocalCluster, fake_pipeline: list[object]
) -> None:
    _attempts.clear()
    chunks = [[_doc("a")], [_doc("bad"), _doc("x")], [_doc("b")]]
    out = list(
        dask_engine.map_chunks(
            _fails_for_bad,
            chunks,
            settings=get_settings(),
            jobs=1,
            scheduler=cluster.scheduler_address,
        )
    )
    assert _attempts["bad"] == 1 + dask_engine.RETRIES
    assert out[0] == ["a"] and out[2] == ["b"]
    assert out[1] == [Failure(s, "worker", "dask worker failed: boom") for s in ("bad", "x")]


def test_only_empty_chunks_start_no_cluster() -> None:
    # nothing listens there: a connection attempt would fail
    out = dask_engine.map_chunks(
        _sources, [[], []], settings=get_settings(), jobs=1, scheduler="tcp://127.0.0.1:9"
    )
    assert list(out) == [[], []]


def test_missing_extra_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r"pip install 'evidence-extractor\[dask\]'"):
        dask_engine.map_chunks(
            _sources, [[_doc("a")]], settings=get_settings(), jobs=1, scheduler=None
        )


def test_unreachable_scheduler_is_one_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 1.0)
    results = dask_engine.map_chunks(
        _sources, [[_doc("a")]], settings=get_settings(), jobs=1, scheduler="tcp://127.0.0.1:9"
    )
    with pytest.raises(
        ConfigError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        next(results)


@pytest.mark.parametrize("address", ["nonsense://x", "tcp://host-without-port"])
def test_malformed_scheduler_address_is_a_config_error(address: str) -> None:
    results = dask_engine.map_chunks(
        _sources, [[_doc("a")]], settings=get_settings(), jobs=1, scheduler=address
    )
    with pytest.raises(ConfigError, match="not a Dask scheduler address"):
        next(results)


def test_worker_pipeline_raises_the_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_engine, "_WORKER", {"error": ValueError("no model")})
    with pytest.raises(ValueError, match="no model"):
        dask_engine.worker_pipeline()
    monkeypatch.setattr(dask_engine, "_WORKER", {})
    with pytest.raises(ConfigError, match="no pipeline"):
        dask_engine.worker_pipeline()


def _batch(folder: Path, db: Path, *engine: str) -> list[str]:
    jsonl = db.with_suffix(".jsonl")
    args = [EVIDENCE, "batch", str(folder), "--db", str(db), "--jsonl", str(jsonl), "-q"]
    proc = subprocess.run([*args, "--force", *engine], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return jsonl.read_text(encoding="utf-8").splitlines()


def _row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.mark.slow
def test_dask_cli_gives_the_records_of_the_local_engine(shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "data" / "evidence_inference" / "abstracts"
    files = sorted(p for p in source.iterdir() if p.suffix == ".abst")[:20]
    assert len(files) == 20
    folder = tmp_path / "in"
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    on_dask = _batch(folder, tmp_path / "dask.db", "--engine", "dask", "--jobs", "2")
    local = _batch(folder, tmp_path / "local.db", "--engine", "local", "--jobs", "1")
    assert len(local) == 20
    assert on_dask == local
    counts = _row_counts(tmp_path / "local.db")
    assert counts["documents"] == 20 and counts["evidence"] == 20
    assert _row_counts(tmp_path / "dask.db") == counts
