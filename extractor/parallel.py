"""Extraction in worker processes (``evidence batch --jobs N``).

The NLP pipeline is the slow part of a batch and holds the GIL, so more cores need more
processes. Each worker builds the pipeline once (same settings as the parent, so the same
models) and turns chunks of documents into records; the parent keeps reading sources and
writing the database, and gets the chunks back in input order. Workers are started with
``spawn`` (no fork of a process that may already run threads, such as the progress bar).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConfigError
from .settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

T = TypeVar("T")
R = TypeVar("R")

_WORKER: dict[str, Any] = {}


def resolve_jobs(jobs: int) -> int:
    """Worker processes for ``jobs``: itself when ≥ 1, every core for 0."""
    if jobs < 0:
        raise ConfigError(f"--jobs must be 0 (all cores) or more, not {jobs}")
    return jobs or (os.cpu_count() or 1)


def _init_worker(settings: Settings) -> None:
    from .extraction import _pipeline

    try:
        _WORKER["nlp"] = _pipeline(None, settings)
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
    never piles up in memory; an exception in a worker is raised here.
    """
    context = multiprocessing.get_context("spawn")
    pending: deque[Future[list[R]]] = deque()
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(func, chunk))
                while len(pending) >= 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except (KeyboardInterrupt, SystemExit):
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            # Wait for the workers to go: leaving them behind (wait=False) lets the interpreter's
            # exit hook write to the pool's closed wake-up pipe and print a traceback to stderr.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
