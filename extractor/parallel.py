"""Extraction in worker processes (``evidence batch --jobs N``).

The NLP pipeline is the slow part of a batch and holds the GIL, so more cores need more
processes. Each worker builds the pipeline once (same settings as the parent, so the same
models) and turns chunks of documents into records; the parent keeps reading sources and
writing the database, and gets the chunks back in input order. Workers are started with
``spawn`` (no fork of a process that may already run threads, such as the progress bar).

Workers never outlive the parent. On Linux each one asks the kernel for SIGKILL when the
parent dies (``prctl(PR_SET_PDEATHSIG)``), so even ``kill -9`` of the parent takes them along;
everywhere, a watchdog thread in each worker exits it once its parent is gone. Ctrl-C and
SIGTERM (the CLI turns SIGTERM into an interrupt) stop the workers at once instead of letting
them finish their chunks; workers ignore SIGINT themselves, since a terminal's Ctrl-C reaches
the whole process group and the parent decides. ``spawn`` also starts multiprocessing's
resource tracker, which ends by itself once the parent and the workers are gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConfigError
from .settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

T = TypeVar("T")
R = TypeVar("R")

_WORKER: dict[str, Any] = {}


# Most worker processes a batch may start (each holds a pipeline, ~150 MB).
MAX_JOBS = 64
# Seconds between two checks of a worker's watchdog that its parent is still there.
WATCHDOG_INTERVAL = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# Seconds the parent waits for a chunk before looking for a pending Ctrl-C again.
_WAKE_EVERY = 0.5


def resolve_jobs(jobs: int) -> int:
    """Worker processes for ``jobs``: itself when 1 to ``MAX_JOBS``, one per core for 0."""
    if not 0 <= jobs <= MAX_JOBS:
        raise ConfigError(f"--jobs must be from 0 (one per CPU core) to {MAX_JOBS}, not {jobs}")
    return jobs or min(os.cpu_count() or 1, MAX_JOBS)


def _die_with_parent(parent: int, *, pdeathsig: bool) -> None:
    """End this worker when process ``parent`` ends, however it ends."""
    if pdeathsig and sys.platform.startswith("linux"):
        # The kernel sends the signal when the *thread* that started this process ends, so
        # the parent asks for it only when that is its main thread (see map_chunks).
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # gone already, before the request above took effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="evidence-watchdog", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    """Watchdog thread: exit the process once it has been re-parented (its parent died)."""
    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    os._exit(1)


def _init_worker(settings: Settings, parent: int | None = None, pdeathsig: bool = False) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _die_with_parent(parent, pdeathsig=pdeathsig)
    from .nlp.pipeline import pipeline_for  # lazy: spaCy, for the workers only (start-up time)

    try:
        _WORKER["nlp"] = pipeline_for(settings)
    except Exception as exc:  # raised again by the first chunk, so the parent sees it
        _WORKER["error"] = exc


def worker_pipeline() -> Language:
    """The pipeline of this worker process (raises the error that stopped it loading)."""
    if "error" in _WORKER:
        raise _WORKER["error"]
    nlp: Language = _WORKER["nlp"]
    return nlp


def map_chunks(
    func: Callable[[list[T]], list[R]],
    chunks: Iterable[list[T]],
    *,
    settings: Settings,
    jobs: int,
) -> Iterator[list[R]]:
    """``func(chunk)`` for every chunk in ``jobs`` worker processes, results in input order.

    ``func`` must be a module-level function (it is pickled by name) and may call
    :func:`worker_pipeline`. At most two chunks per worker are in flight, so a huge batch
    never piles up in memory; an exception in a worker is raised here. An interrupt
    (``KeyboardInterrupt``, ``SystemExit``) or closing the iterator early stops the workers at
    once; workers also end when this process dies (see the module docstring).
    """
    context = multiprocessing.get_context("spawn")
    pending: deque[Future[list[R]]] = deque()
    # All workers are started by the submits of the first next() call, hence by this thread.
    in_main_thread = threading.current_thread() is threading.main_thread()
    initargs = (settings, os.getpid(), in_main_thread)
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=initargs
    ) as pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(func, chunk))
                while len(pending) >= 2 * jobs:
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            _stop_workers(pool)
            raise
        except BaseException:
            # Wait for the workers to go: leaving them behind (wait=False) lets the interpreter's
            # exit hook write to the pool's closed wake-up pipe and print a traceback to stderr.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _result(future: Future[R]) -> R:
    """``future.result()``, waking twice a second so a Ctrl-C is acted on at once.

    A signal the kernel hands to another thread of this process (the pool's manager or queue
    threads) sets Python's flag but does not interrupt the main thread's wait; a wait without
    a timeout would then run the handler only when the next chunk comes back, seconds later.
    """
    while True:
        try:
            return future.result(timeout=_WAKE_EVERY)
        except FutureTimeout:
            continue


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's workers now (not after their current chunk) and wait for them."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # Chunks still buffered for the workers would make the pool's shutdown wait to write them
    # into a pipe nobody reads any more.
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        with contextlib.suppress(Exception):
            call_queue.cancel_join_thread()
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    # The pool's manager thread sees the workers die, fails what was pending and ends.
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
