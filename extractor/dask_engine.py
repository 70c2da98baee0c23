"""``evidence batch --engine dask``: the NLP on a Dask cluster.

The same contract as :mod:`extractor.parallel`, on ``dask.distributed`` (the optional ``dask``
extra): each chunk of documents is one task (a shard), results come back in input order, at
most two shards per worker are in flight so a huge batch never piles up in memory, and only
this process writes the database. Without a scheduler address a ``LocalCluster`` of ``jobs``
single-threaded worker processes is started (and closed) here; with one, the batch joins that
cluster and leaves it running.

Every worker builds the pipeline once: a worker plugin (:func:`_plugin`), registered with the
client, loads it with the batch's settings when the worker joins (workers that join later get
it too) and :func:`worker_pipeline` hands it to the tasks. A shard that still fails after its
retries (an exception, a worker that died) is reported as one :class:`Failure` per document of
the chunk; the other shards carry on. An interrupt or closing the iterator early closes what
was opened (a local cluster's workers stop at once, quietly: they ignore the terminal's Ctrl-C,
this process decides) and cancels the shards still queued on a cluster that stays up.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .batch_items import Failure
from .errors import ConfigError
from .records import Document
from .settings import Settings

if TYPE_CHECKING:
    from distributed import Client, Future, WorkerPlugin
    from spacy.language import Language

R = TypeVar("R")

MISSING_EXTRA = "the dask engine needs the dask extra: pip install 'evidence-extractor[dask]'"
# Seconds to wait for the scheduler given with --scheduler before giving up.
CONNECT_TIMEOUT = 10.0
# Times a failed shard is tried again (on any worker) before it is reported.
RETRIES = 2
# Name of the worker plugin; registering it again (another batch) replaces it.
PLUGIN_NAME = "evidence-pipeline"

_WORKER: dict[str, Any] = {}


def map_chunks(
    func: Callable[[list[Document]], list[R]],
    chunks: Iterable[list[Document]],
    *,
    settings: Settings,
    jobs: int,
    scheduler: str | None,
) -> Iterator[list[R | Failure]]:
    """``func`` of each chunk, in input order, computed on Dask workers.

    ``func`` must be picklable (a module-level function) and may call :func:`worker_pipeline`.
    An empty chunk gives ``[]`` without a task; the cluster is started (or joined) only at the
    first chunk with documents.

    Raises:
        ConfigError: ``distributed`` is not installed (now), or the scheduler cannot be reached
            (at the first chunk with documents).
    """
    try:
        import distributed  # noqa: F401  lazy: an optional extra, checked before any work
    except ImportError as exc:
        raise ConfigError(MISSING_EXTRA) from exc
    return _map_chunks(func, chunks, settings=settings, jobs=jobs, scheduler=scheduler)


def _map_chunks(
    func: Callable[[list[Document]], list[R]],
    chunks: Iterable[list[Document]],
    *,
    settings: Settings,
    jobs: int,
    scheduler: str | None,
) -> Iterator[list[R | Failure]]:
    pending: deque[tuple[list[Document], Future | None]] = deque()
    in_flight = 0  # tasks in ``pending`` (empty chunks are there without one)
    limit = 2
    client: Client | None = None
    with contextlib.ExitStack() as stack:
        quiet = stack.enter_context(_QuietOnInterrupt())  # closes last: covers the cluster's close
        try:
            for chunk in chunks:
                if not chunk:
                    if pending:
                        pending.append((chunk, None))  # its turn comes after the shards before
                    else:
                        yield []
                    continue
                if client is None:
                    client = _open_client(stack, settings, jobs, scheduler)
                    workers = jobs if scheduler is None else len(client.nthreads())
                    limit = 2 * max(1, workers)
                future = client.submit(func, chunk, pure=False, retries=RETRIES)
                pending.append((chunk, future))
                in_flight += 1
                while in_flight >= limit:
                    done, done_future = pending.popleft()
                    in_flight -= done_future is not None
                    yield _result(done, done_future)
            while pending:
                yield _result(*pending.popleft())
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            quiet.silence()
            raise
        finally:
            # Interrupted, failed or closed early: drop the shards still queued on a cluster
            # that stays up (they would run for nothing); a local cluster closes with the stack.
            if client is not None and pending and scheduler is not None:
                with contextlib.suppress(Exception):
                    client.cancel([f for _, f in pending if f is not None])


class _QuietOnInterrupt(contextlib.AbstractContextManager["_QuietOnInterrupt"]):
    """After an interrupt, no warnings from ``distributed`` while the cluster closes.

    Closing a local cluster in the middle of a shard stops its workers (a warning each, and
    one per cancelled task); the user asked for it, one ``interrupted`` line says enough.
    """

    def __init__(self) -> None:
        self._logger = logging.getLogger("distributed")
        self._level = self._logger.level

    def __exit__(self, *exc_info: object) -> None:
        self._logger.setLevel(self._level)

    def silence(self) -> None:
        self._logger.setLevel(logging.CRITICAL)


def _result(chunk: list[Document], future: Future | None) -> list[Any]:
    """The records of a shard, or one Failure per document when it failed for good."""
    if future is None:
        return []
    try:
        records: list[Any] = future.result()
    except Exception as exc:
        return [Failure(doc.source, "worker", f"dask worker failed: {exc}") for doc in chunk]
    return records


def _open_client(
    stack: contextlib.ExitStack, settings: Settings, jobs: int, scheduler: str | None
) -> Client:
    """A client of a new local cluster (``jobs`` workers) or of ``scheduler``, with the plugin."""
    import distributed  # lazy: an optional extra (start-up time)

    if scheduler is None:
        with _sigint_ignored():  # inherited by the worker processes
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    # None still serves the scheduler's HTTP routes, on 8787: a random port
                    # on loopback clashes with no other cluster and is reachable from nowhere
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.WARNING,
                )
            )
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
    else:
        _check_address(scheduler)
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, ValueError, TypeError) as exc:  # TimeoutError is an OSError
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
        stack.enter_context(client)
    register = getattr(client, "register_plugin", None) or client.register_worker_plugin
    register(_plugin(settings), name=PLUGIN_NAME)
    return client


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while the local cluster starts its worker processes, which inherit that.

    A terminal's Ctrl-C reaches the whole process group; this process decides and closes the
    cluster, the workers must not each die with a traceback. An ignored signal stays ignored
    in a spawned process (and asyncio then leaves it alone), unlike a blocked or caught one.
    A Ctrl-C during these few seconds is lost; the next one works. Main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_address(scheduler: str) -> None:
    """A ConfigError now for an address no client could use (a half-made client would linger)."""
    # lazy: an optional extra (start-up time)
    from distributed.comm.addressing import get_address_host_port

    try:
        get_address_host_port(scheduler)  # a known scheme, a host and a port
    except (ValueError, TypeError, ImportError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"not a Dask scheduler address: {scheduler!r} ({reason})") from None


def _plugin(settings: Settings) -> WorkerPlugin:
    """The worker plugin that loads the pipeline of ``settings`` on each worker, once.

    Defined here so that ``distributed`` is imported only with the engine; the class is
    pickled by value, its methods call this module's functions (imported on the worker).
    """
    import distributed  # lazy: an optional extra (start-up time)

    class EvidencePipeline(distributed.WorkerPlugin):
        name = PLUGIN_NAME

        def __init__(self, settings: Settings) -> None:
            self.settings = settings

        def setup(self, worker: distributed.Worker) -> None:
            _load_pipeline(self.settings)

        def teardown(self, worker: distributed.Worker) -> None:
            _unload_pipeline()

    return EvidencePipeline(settings)


def _load_pipeline(settings: Settings) -> None:
    """Build this worker's pipeline; a failure is kept and raised by :func:`worker_pipeline`."""
    from .nlp.pipeline import pipeline_for  # lazy: spaCy, for the workers only (start-up time)

    _WORKER.clear()
    try:
        _WORKER["nlp"] = pipeline_for(settings)
    except Exception as exc:  # raised again by each shard, so the batch reports it
        _WORKER["error"] = exc


def _unload_pipeline() -> None:
    _WORKER.clear()


def worker_pipeline() -> Language:
    """The pipeline of this Dask worker, loaded once by the worker plugin."""
    if "error" in _WORKER:
        raise _WORKER["error"]
    if "nlp" not in _WORKER:
        raise ConfigError("this Dask worker has no pipeline: the evidence plugin is not set up")
    nlp: Language = _WORKER["nlp"]
    return nlp
