"""Hardening (issue 14): sources that never end or never answer are refused, never read whole.

``/dev/zero`` has ``st_size`` 0, so a size check alone lets it through and it is read until
memory runs out; a named pipe without a writer blocks ``open()`` forever. Device reads run in
a child process with an address-space limit, so a regression fails the test instead of eating
the machine's memory.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.extraction import Failure, expand_paths, iter_documents
from extractor.settings import Settings
from extractor.sources import read_source

REPO = Path(__file__).resolve().parent.parent
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_dev_zero = pytest.mark.skipif(
    not os.path.exists("/dev/zero") or sys.platform == "win32", reason="no /dev/zero"
)
MEMORY_LIMIT = 3 << 30  # bytes of address space for the child process


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in a child with bounded memory; a hang or a blow-up fails the test."""
    try:
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
            cwd=REPO,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(args)} still running after {timeout:g} s")


def _within(seconds: float, func: Callable[[], object], unblock: Callable[[], None]) -> object:
    """``func()``'s result or exception; fail (after ``unblock()``) if it is still running."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(func())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        unblock()
        thread.join(5)
        pytest.fail(f"still blocked after {seconds:g} s")
    return outcome[0]


def _open_writer(fifo: Path) -> None:
    """Let a reader blocked in ``open()`` go: open the write end and close it (EOF)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@needs_fifo
def test_hardening_inputs_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    outcome = _within(10, lambda: read_source(str(fifo)), lambda: _open_writer(fifo))
    assert isinstance(outcome, InputError), outcome
    assert "not a regular file (a named pipe)" in str(outcome)
    assert "\n" not in str(outcome)


@needs_fifo
def test_hardening_inputs_batch_fifo_is_one_failure(tmp_path: Path) -> None:
    fifo = tmp_path / "pmids.txt"
    os.mkfifo(fifo)
    items = _within(10, lambda: list(iter_documents([str(fifo)])), lambda: _open_writer(fifo))
    assert isinstance(items, list), items
    (failure,) = items
    assert isinstance(failure, Failure)
    assert failure.kind == "input" and "not a regular file" in failure.message


@needs_fifo
@needs_dev_zero
def test_hardening_inputs_directory_walk_skips_pipes_and_devices(tmp_path: Path) -> None:
    """Guard (already true before issue 14): a walk lists regular files only, opening none."""
    page = tmp_path / "a.txt"
    page.write_text("Patients were randomised.", "utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    paths = _within(10, lambda: expand_paths([str(tmp_path)]), lambda: None)
    assert paths == [str(page)]


def test_hardening_inputs_cap_holds_when_st_size_is_zero() -> None:
    """``/proc`` files say they hold 0 bytes: the cap must come from the read itself."""
    path = Path("/proc/self/status")
    if not path.is_file() or path.stat().st_size != 0:
        pytest.skip("needs a regular file that reports st_size 0 (Linux /proc)")
    with pytest.raises(InputError, match="larger than the limit of 200 bytes"):
        read_source(str(path), settings=Settings(max_bytes=200))


@needs_dev_zero
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_hardening_inputs_device_is_refused(device: str) -> None:
    code = (
        "import sys\n"
        "from extractor.errors import InputError\n"
        "from extractor.sources import read_source\n"
        "try:\n"
        f"    read_source({device!r})\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(0)\n"
        "sys.exit('read it')\n"
    )
    result = _run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == (
        f"{device}: not a regular file (a character device); "
        "save it to a file, or pipe it in and give '-'"
    )


@needs_dev_zero
def test_hardening_inputs_batch_device_is_one_failure() -> None:
    code = (
        "from extractor.extraction import iter_documents\n"
        "for item in iter_documents(['/dev/urandom']):\n"
        "    print(type(item).__name__, item.source, item.kind, item.message, sep=' | ')\n"
    )
    result = _run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [
        "Failure | /dev/urandom | input | not a regular file (a character device); "
        "save it to a file, or pipe it in and give '-'"
    ]


@needs_dev_zero
def test_hardening_inputs_cli_extract_dev_zero_one_line() -> None:
    result = _run([sys.executable, "-m", "extractor", "extract", "/dev/zero", "--no-db"])
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: /dev/zero: not a regular file (a character device); "
        "save it to a file, or pipe it in and give '-'"
    ]


@needs_dev_zero
def test_hardening_inputs_stdin_from_a_device_is_capped() -> None:
    """``-`` may be anything (``< /dev/zero``): it is read up to the cap and refused."""
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [sys.executable, "-m", "extractor", "extract", "-", "--no-db"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_limit_memory,
            cwd=REPO,
            env={**os.environ, "EVIDENCE_MAX_BYTES": "100000"},
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: -: input is larger than 100000 bytes"]


def test_page_fetch_caps_a_long_retry_after_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """``Retry-After: 86400`` on a page URL: wait 30 s at most, announced (before: 60 s, silent)."""
    from urllib3.response import HTTPResponse

    from extractor.sources.fetch import MAX_RETRY_AFTER, make_session

    retry = make_session().get_adapter("https://x").max_retries
    response = HTTPResponse(status=429, headers={"Retry-After": "86400"})
    assert retry.get_retry_after(response) == MAX_RETRY_AFTER == 30
    assert capsys.readouterr().err == (
        "HTTP 429: waiting 30 s before retrying; the server asked for 86400, more than we wait\n"
    )
