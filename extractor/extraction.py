"""The whole job for one source or many: read → clean → NLP → Evidence.

This module only wires the stages together; each stage lives in its own package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExtractorError, InputError, ModelError
from .records import Document, Evidence
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from spacy.language import Language

# Files a directory walk picks up; anything given explicitly is always tried.
BATCH_SUFFIXES = frozenset({".txt", ".text", ".html", ".htm", ".xhtml", ".abst", ""})


@dataclass(frozen=True, slots=True)
class Failure:
    """A source that could not be turned into a record, and why."""

    source: str
    kind: str
    message: str


def _pipeline(nlp: Language | None, settings: Settings) -> Language:
    if nlp is not None:
        return nlp
    from .nlp.pipeline import get_pipeline

    try:
        return get_pipeline(models_dir=settings.models_dir)
    except ExtractorError:
        raise
    except Exception as exc:  # spaCy raises many kinds of errors on a broken model dir
        raise ModelError(f"cannot load the NLP pipeline: {exc}") from exc


def load(source: str, *, settings: Settings | None = None) -> Document:
    """Read and clean one source (path, URL or ``-``) into a Document."""
    from .sources import load_document

    return load_document(source, settings=settings or get_settings())


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
    from .assemble import extract_evidence

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


def extract_batch(
    sources: Sequence[str],
    *,
    nlp: Language | None = None,
    settings: Settings | None = None,
    batch_size: int = 32,
) -> Iterator[Evidence | Failure]:
    """Process many sources; yield an Evidence or a Failure for each, never raising for one.

    Documents are cleaned one by one and run through the NLP pipeline in batches of
    ``batch_size`` (``nlp.pipe``), which is much faster than one at a time.
    """
    from .assemble import extract_evidence, extract_many

    settings = settings or get_settings()
    pipeline = _pipeline(nlp, settings)
    buffer: list[Document] = []

    def flush() -> Iterator[Evidence | Failure]:
        try:
            records = list(extract_many(buffer, pipeline, batch_size=batch_size))
        except Exception:  # one bad document must not sink its batch: retry one by one
            records = []
            for doc in buffer:
                try:
                    records.append(extract_evidence(doc, pipeline))
                except Exception as exc:
                    yield Failure(doc.source, "model", f"extraction failed: {exc}")
        yield from records
        buffer.clear()

    for source in sources:
        try:
            buffer.append(load(source, settings=settings))
        except ExtractorError as exc:
            yield Failure(source, exc.kind, exc.message)
            continue
        except (OSError, UnicodeError, ValueError) as exc:
            yield Failure(source, InputError.kind, str(exc))
            continue
        if len(buffer) >= batch_size:
            yield from flush()
    if buffer:
        yield from flush()
