"""The whole job for one source or many: read → clean → NLP → Evidence.

This module only wires the stages together; each stage lives in its own package.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .batch_items import AlreadyStored, BatchItem, Failure, Skipped, StoredFilter
from .errors import ConfigError, ExtractorError, InputError, NoAbstractError
from .records import Document, Evidence
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from spacy.language import Language

# Files a directory walk picks up; anything given explicitly is always tried.
BATCH_SUFFIXES = frozenset(
    {".txt", ".text", ".html", ".htm", ".xhtml", ".abst", ""}  # pages and plain text
    | {".xml", ".nxml", ".nbib", ".medline", ".ris", ".bib", ".csv", ".tsv", ".cgi", ".ovd"}
)


ENGINES = ("local", "dask")


def _pipeline(nlp: Language | None, settings: Settings) -> Language:
    """``nlp`` itself, or the shared pipeline of ``settings`` (spaCy is imported only then)."""
    if nlp is not None:
        return nlp
    from .nlp.pipeline import pipeline_for  # lazy: spaCy (start-up time)

    return pipeline_for(settings)


def load(source: str, *, settings: Settings | None = None) -> Document:
    """Read and clean one source (path, URL, PMID or ``-``) holding one document.

    Raises:
        InputError: the source holds several records (use :func:`extract_batch`).
        NoAbstractError: the document has no abstract.
    """
    # lazy: requests, which `import extractor` does without (start-up time)
    from .sources import load_documents

    docs = list(itertools.islice(load_documents(source, settings=settings or get_settings()), 2))
    if not docs:
        raise InputError("no records found", source=source)
    if len(docs) > 1:
        raise InputError("holds several records; use 'evidence batch' for it", source=source)
    doc = docs[0]
    if not doc.abstract.strip():
        raise NoAbstractError(_no_abstract_message(doc), source=source)
    return doc


def _no_abstract_message(doc: Document) -> str:
    hint = ""
    if doc.pmid:
        hint = f"; fetch it from PubMed with 'evidence extract {doc.pmid}'"
    elif doc.doi:
        hint = f"; it has DOI {doc.doi}: find its PMID and fetch it from PubMed"
    return "record has no abstract" + hint


def extract(
    source: str, *, nlp: Language | None = None, settings: Settings | None = None
) -> Evidence:
    """Extract the evidence record of one source.

    Args:
        source: a file path, an http(s) URL, or ``-`` for standard input.
        nlp: a pipeline from ``extractor.nlp.build_pipeline``; the default one if omitted.
        settings: runtime settings; read from the environment if omitted.

    Raises:
        ExtractorError: any subclass, with a one-line message.
    """
    from .assemble import extract_evidence  # lazy: spaCy (start-up time)

    settings = settings or get_settings()
    document = load(source, settings=settings)
    return extract_evidence(document, _pipeline(nlp, settings))


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Expand directories into the files they hold (recursively, sorted, hidden ones skipped).

    URLs, ``-`` and plain files are kept as given; a path that does not exist is kept too,
    so that it is reported as a failure rather than silently dropped.
    """
    out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if raw.startswith(("http://", "https://")) or raw == "-" or not path.is_dir():
            out.append(raw)
            continue
        for child in sorted(path.rglob("*")):
            rel = child.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if child.is_file() and child.suffix.lower() in BATCH_SUFFIXES:
                out.append(str(child))
    return out


# Key of the failure row of a PubMed search (``batch --pubmed-query``).
QUERY_SOURCE = "pubmed-query:{query}"
# Key older versions gave a failed PubMed fetch as a whole; cleared when PMIDs go through.
_OLD_PUBMED_KEY = "pubmed"


def failure_key(source: str) -> str:
    """The ``failures`` row key of a source as given: ``pmid:N`` for a PMID, else itself."""
    # lazy: requests, which `import extractor` does without (start-up time)
    from .sources import PMID_SOURCE, is_pmid

    match = PMID_SOURCE.match(source.strip()) if is_pmid(source) else None
    return f"pmid:{match.group(1)}" if match else source


@dataclass(slots=True)
class BatchSources:
    """The sources of one batch run, and what gathering them met.

    Attributes:
        sources: paths, URLs and PMIDs to read, in order (a search's PMIDs included).
        failures: what failed while gathering them (a PubMed search that could not run).
        searched: failure keys of the searches that ran (their old failure rows are stale).
    """

    sources: list[str]
    failures: list[Failure] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)

    def settled(self, failed: Iterable[str]) -> list[str]:
        """Failure keys of sources that went through: all but the ``failed`` ones.

        Their rows in ``failures`` (from an earlier run) are stale and can be removed.
        """
        keys = [failure_key(s) for s in self.sources] + self.searched
        if any(k.startswith("pmid:") for k in keys):
            keys.append(_OLD_PUBMED_KEY)
        skip = set(failed)
        return [k for k in dict.fromkeys(keys) if k not in skip]


def gather_sources(
    paths: Iterable[str], pubmed_query: str | None = None, *, settings: Settings | None = None
) -> BatchSources:
    """The sources of a batch: ``paths`` expanded, plus the PMIDs ``pubmed_query`` returns.

    A search that fails becomes a :class:`Failure` (key ``pubmed-query:<query>``) instead of
    an error, so that the other sources are still read.
    """
    # lazy: requests, which `import extractor` does without (start-up time)
    from .sources import search_pubmed

    batch = BatchSources(expand_paths(paths))
    if pubmed_query:
        key = QUERY_SOURCE.format(query=pubmed_query)
        try:
            batch.sources += search_pubmed(pubmed_query, settings=settings)
        except ExtractorError as exc:
            batch.failures.append(Failure(key, exc.kind, exc.message))
        except OSError as exc:  # e.g. the HTTP cache folder cannot be made
            batch.failures.append(Failure(key, "fetch", f"cannot search PubMed: {exc}"))
        else:
            batch.searched.append(key)
    return batch


def iter_documents(
    sources: Sequence[str],
    *,
    settings: Settings | None = None,
    on_source: Callable[[str], None] | None = None,
) -> Iterator[Document | Failure]:
    """Every Document the sources hold, or a Failure for a source that cannot be read.

    PMIDs among the sources are fetched together at the end, in batches of 200 per request;
    when that fails, each PMID not fetched yet gets one Failure with the reason.
    """
    # lazy: requests, which `import extractor` does without (start-up time)
    from .sources import PMID_SOURCE, fetch_pubmed, is_pmid, load_documents

    settings = settings or get_settings()
    pmids: list[str] = []
    for source in sources:
        match = PMID_SOURCE.match(source.strip()) if is_pmid(source) else None
        if match:
            pmids.append(match.group(1))
            continue
        try:
            yield from load_documents(source, settings=settings)
        except ExtractorError as exc:
            yield Failure(source, exc.kind, exc.message)
        except (OSError, UnicodeError, ValueError) as exc:
            yield Failure(source, InputError.kind, str(exc))
        if on_source is not None:
            on_source(source)
    if not pmids:
        return
    pmids = list(dict.fromkeys(pmids))
    seen: set[str] = set()
    error: ExtractorError | None = None
    try:
        for doc in fetch_pubmed(pmids, settings=settings):
            if doc.pmid:
                seen.add(doc.pmid)
            yield doc
    except ExtractorError as exc:
        error = exc  # reported once per PMID it cost, below
    for pmid in pmids:
        if pmid not in seen:
            if error is not None:
                yield Failure(f"pmid:{pmid}", error.kind, error.message)
            else:
                yield Failure(f"pmid:{pmid}", "fetch", "not returned by PubMed")
        if on_source is not None:
            on_source(f"pmid:{pmid}")


def _records(
    buffer: list[Document], pipeline: Language, batch_size: int
) -> list[Evidence | Failure | Skipped]:
    """Records for a chunk of documents; a document that breaks the pipeline becomes a Failure."""
    from .assemble import extract_evidence, extract_many  # lazy: spaCy (start-up time)

    if not buffer:
        return []
    try:
        return list(extract_many(buffer, pipeline, batch_size=batch_size))
    except Exception:  # one bad document must not sink its batch: retry one by one
        records: list[Evidence | Failure | Skipped] = []
        for doc in buffer:
            try:
                records.append(extract_evidence(doc, pipeline))
            except Exception as exc:
                records.append(Failure(doc.source, "model", f"extraction failed: {exc}"))
        return records


def _local_records(
    chunks: Iterable[list[Document]], nlp: Language | None, settings: Settings, batch_size: int
) -> Iterator[list[Evidence | Failure | Skipped]]:
    """Records of each chunk in this process; the pipeline is built at the first document (a
    resumed batch with everything stored never loads it)."""
    pipeline = nlp
    for chunk in chunks:
        if chunk and pipeline is None:
            pipeline = _pipeline(None, settings)
        yield _records(chunk, pipeline, batch_size) if pipeline is not None else []


def _records_on_dask_worker(buffer: list[Document]) -> list[Evidence | Failure | Skipped]:
    # lazy: dask.distributed, an optional extra (start-up time)
    from .dask_engine import worker_pipeline

    return _records(buffer, worker_pipeline(), len(buffer))


def _records_in_worker(buffer: list[Document]) -> list[Evidence | Failure | Skipped]:
    # lazy: multiprocessing, concurrent.futures (start-up time)
    from .parallel import worker_pipeline

    return _records(buffer, worker_pipeline(), len(buffer))


def extract_batch(
    sources: Sequence[str],
    *,
    nlp: Language | None = None,
    settings: Settings | None = None,
    batch_size: int = 32,
    jobs: int = 1,
    on_source: Callable[[str], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    stored: StoredFilter | None = None,
) -> Generator[BatchItem, None, None]:
    """Process many sources; yield an item per document or failure, never raising for one.

    A source may hold many documents (an export, a PubMed XML file, a PMID list). Documents
    are run through the NLP pipeline in batches of ``batch_size`` (``nlp.pipe``), much faster
    than one at a time. Records without an abstract are yielded as :class:`Skipped`; a source
    that cannot be read (or breaks half-way) as a :class:`Failure`. ``on_source`` is called
    with each source once it has been read completely.

    With ``jobs`` > 1 the batches run in that many worker processes
    (:mod:`extractor.parallel`), each with the pipeline of ``settings`` (``nlp`` must then be
    ``None``); records still come in input order, failures and skipped records as soon as the
    source is read. ``engine="dask"`` runs the batches on a Dask cluster instead
    (:mod:`extractor.dask_engine`: ``scheduler`` is its address, else a local cluster of
    ``jobs`` workers). ``stored`` (resume) names the documents of a chunk that are stored
    already; they are yielded as :class:`AlreadyStored` instead of being extracted again.
    """
    settings = settings or get_settings()
    items = iter_documents(sources, settings=settings, on_source=on_source)
    yield from extract_documents(
        items,
        nlp=nlp,
        settings=settings,
        batch_size=batch_size,
        jobs=jobs,
        engine=engine,
        scheduler=scheduler,
        stored=stored,
    )


def extract_documents(
    items: Iterable[Document | Failure],
    *,
    nlp: Language | None = None,
    settings: Settings | None = None,
    batch_size: int = 32,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    stored: StoredFilter | None = None,
) -> Iterator[BatchItem]:
    """Records for documents already read (failures to read pass through), in input order.

    The engine of :func:`extract_batch`: documents go to the pipeline in chunks of
    ``batch_size``, in this process, in ``jobs`` worker processes, or on a Dask cluster.

    Raises:
        ConfigError: an unknown ``engine``, or ``nlp`` given for worker processes.
    """
    settings = settings or get_settings()
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    passed: list[Failure | Skipped | AlreadyStored] = []  # yielded before the chunk's records
    chunks = _chunks(items, batch_size, passed, stored)
    results: Iterable[list[Evidence | Failure | Skipped]]
    if engine == "dask":
        # lazy: dask.distributed, an optional extra (start-up time)
        from .dask_engine import map_chunks as map_on_cluster

        if nlp is not None:
            raise ConfigError("a pipeline object cannot be shared with Dask workers")
        results = map_on_cluster(
            _records_on_dask_worker, chunks, settings=settings, jobs=jobs, scheduler=scheduler
        )
    elif jobs > 1:
        # lazy: multiprocessing, concurrent.futures (start-up time)
        from .parallel import map_chunks

        if nlp is not None:
            raise ConfigError("a pipeline object cannot be shared with worker processes")
        results = map_chunks(_records_in_worker, chunks, settings=settings, jobs=jobs)
    else:
        results = _local_records(chunks, nlp, settings, batch_size)
    for records in results:
        yield from passed
        passed.clear()
        yield from records
    yield from passed


def _chunks(
    items: Iterable[Document | Failure],
    size: int,
    passed: list[Failure | Skipped | AlreadyStored],
    stored: StoredFilter | None = None,
) -> Iterator[list[Document]]:
    """Documents with an abstract in lists of ``size``; the others go to ``passed``.

    With ``stored``, the documents it names go to ``passed`` as :class:`AlreadyStored`; a
    chunk may then be empty (it is still yielded, so what was passed is reported promptly).
    """
    buffer: list[Document] = []
    for item in items:
        if isinstance(item, Failure):
            passed.append(item)
        elif not item.abstract.strip():
            passed.append(Skipped(item.source, _no_abstract_message(item)))
        else:
            buffer.append(item)
            if len(buffer) >= size:
                yield _not_stored(buffer, passed, stored)
                buffer = []
    if buffer:
        yield _not_stored(buffer, passed, stored)


def _not_stored(
    buffer: list[Document],
    passed: list[Failure | Skipped | AlreadyStored],
    stored: StoredFilter | None,
) -> list[Document]:
    """``buffer`` without the documents ``stored`` names (those go to ``passed``)."""
    known = stored(buffer) if stored is not None else set()
    if not known:
        return buffer
    passed += [AlreadyStored(d.source, d.record_id) for d in buffer if d.record_id in known]
    return [d for d in buffer if d.record_id not in known]
