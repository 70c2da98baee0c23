"""``evidence batch --jobs``: worker processes never outlive their parent (issue 14).

Killing the parent (SIGKILL, SIGTERM) must take its workers and multiprocessing's resource
tracker along: orphans hold ~150 MB each and keep the parent's stdout open, so a pipe such
as ``evidence batch … | tee log`` never ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process table in /proc"
)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie holds no memory or files


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return {pid for pid in found if _alive(pid)}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_for_workers(proc: subprocess.Popen[bytes], workers: int) -> set[int]:
    """The live descendants of ``proc`` once ``workers`` spawned workers run (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the parent ended early: {proc.communicate()[1].decode()[-2000:]}")
        children = _descendants(proc.pid)
        spawned = [pid for pid in children if "spawn_main" in _cmdline(pid)]
        if len(spawned) >= workers:
            time.sleep(2.0)  # let them get into the pipeline
            return _descendants(proc.pid)
        time.sleep(0.1)
    pytest.fail("the worker processes never started")


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    """The ``pids`` still alive after ``seconds`` (waiting less when all are gone)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


@pytest.fixture()
def reap() -> Iterator[set[int]]:
    """Pids this test started; any still alive at the end are killed (they are ours)."""
    pids: set[int] = set()
    yield pids
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def abstracts(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 abstracts (40 real ones, five times): a batch that is still running when killed."""
    folder = tmp_path_factory.mktemp("orphans")
    files = sorted((shared_dir / "data" / "evidence_inference" / "abstracts").glob("*.abst"))[:40]
    for copy in range(5):
        for path in files:
            shutil.copy(path, folder / f"{copy}-{path.name}")
    return folder


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _communicate(proc: subprocess.Popen[bytes], left: set[int]) -> tuple[str, str]:
    """Read the parent's stdout/stderr to the end: what ``| tee`` waits for."""
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"stdout/stderr still open 15 s after the parent died; alive: {sorted(left)}")
    return out.decode(errors="replace"), err.decode(errors="replace")


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGKILL, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGKILL", "SIGTERM", "Ctrl-C"],
)
def test_batch_workers_die_with_their_parent(
    abstracts: Path, tmp_path: Path, reap: set[int], signum: int, group: bool
) -> None:
    """SIGKILL, SIGTERM to the parent, or Ctrl-C (SIGINT to the whole process group)."""
    cmd = [sys.executable, "-m", "extractor", "batch", str(abstracts), "-q"]
    cmd += ["--jobs", "2", "--batch-size", "2", "--db", str(tmp_path / "e.db")]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # as in a terminal: a suite started in the background (`make test &`) has SIGINT
        # ignored, and an ignored signal stays ignored in every process it starts
        preexec_fn=_default_sigint,
    )
    reap.add(proc.pid)
    children = _wait_for_workers(proc, 2)
    reap.update(children)
    assert len(children) >= 2, children
    assert proc.poll() is None, "the batch ended before it could be killed"
    if group:
        os.killpg(proc.pid, signum)
    else:
        os.kill(proc.pid, signum)
    left = _gone_within(children, 5.0)
    assert not left, f"still running 5 s after the parent got signal {signum}: {sorted(left)}"
    _out, err = _communicate(proc, left)
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        return
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), err
    assert " stored, database " in lines[0], err


def test_workers_of_a_non_main_thread_die_with_their_parent(reap: set[int]) -> None:
    """Without the kernel's death signal (workers started from another thread), the
    watchdog in each worker still ends it once the parent is gone."""
    script = textwrap.dedent(
        """
        import threading
        from extractor.parallel import map_chunks
        from extractor.settings import get_settings

        def run():
            chunks = iter(lambda: [1], None)  # endless
            for _ in map_chunks(sorted, chunks, settings=get_settings(), jobs=2):
                pass

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    reap.add(proc.pid)
    children = _wait_for_workers(proc, 2)
    reap.update(children)
    os.kill(proc.pid, signal.SIGKILL)
    left = _gone_within(children, 5.0)
    assert not left, f"still running 5 s after the parent was killed: {sorted(left)}"
    _communicate(proc, left)
