r"""Throughput of the full evidence pipeline: rules only, with the PICO model, and the default.

The default is every model of ``models/`` (since issue 12: the PICO tagger and the
chemical/disease NER).

Documents are EBM-NLP abstracts rebuilt from their tokens (spaces guessed), fed through
:func:`extractor.extraction.extract_documents` (the engine of ``evidence batch``), so the
figure covers tokenising, every rule component, the model (when plugged in) and building the
``Evidence`` records. Command line::

    python -m extractor.training.benchmark ../shared/data/ebm_nlp/starting_spans/dev.txt --n 300
    python -m extractor.training.benchmark ../shared/data/ebm_nlp/starting_spans/dev.txt \
        --n 960 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from ..nlp import pico  # noqa: F401  (registers the PICO factories until the entry points exist)
from ..records import Document
from .ebm_nlp import guess_spaces, iter_ebm_documents

REPO = Path(__file__).resolve().parents[2]


def ebm_documents(file: Path, n: int) -> list[Document]:
    """The first ``n`` abstracts of an EBM-NLP file as ``Document`` records."""
    out: list[Document] = []
    for item in iter_ebm_documents(file):
        if len(out) >= n:
            break
        spaces = guess_spaces(item.words)
        text = "".join(w + (" " if s else "") for w, s in zip(item.words, spaces, strict=True))
        out.append(Document(title="", abstract=text, pmid=item.pmid, source=str(file)))
    return out


def benchmark_pipeline(
    models_dir: Path, file: Path, *, n: int = 300, jobs: int = 1
) -> dict[str, Any]:
    """Abstracts and words per second of the batch engine with the pipeline for ``models_dir``.

    ``jobs`` = 1: the pipeline is built and warmed up on a few documents before timing.
    ``jobs`` > 1: :func:`extractor.extraction.extract_documents` in that many worker processes,
    as ``evidence batch --jobs``; ``seconds`` includes starting the workers (each loads the
    pipeline), ``steady_abstracts_per_s`` counts from the first chunk back.
    """
    from dataclasses import replace

    from ..extraction import extract_documents
    from ..nlp import build_pipeline
    from ..settings import get_settings

    documents = ebm_documents(file, n)
    nlp = build_pipeline(models_dir=models_dir)
    words = sum(len(nlp.make_doc(d.abstract)) for d in documents)
    if jobs > 1:
        settings = replace(get_settings(), models_dir=models_dir)
        stream = extract_documents(documents, settings=settings, jobs=jobs, batch_size=32)
    else:
        for _ in extract_documents(documents[:5], nlp=nlp):
            pass
        stream = extract_documents(documents, nlp=nlp, batch_size=32)
    started = time.perf_counter()
    first: float | None = None
    count = 0
    for _ in stream:
        count += 1
        if count == 32:
            first = time.perf_counter()
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "pipeline": nlp.meta["name"],
        "components": nlp.pipe_names,
        "jobs": jobs,
        "abstracts": count,
        "seconds": round(seconds, 2),
        "abstracts_per_s": round(count / seconds, 1),
        "words_per_s": round(words / seconds),
    }
    if first is not None and count > 32:
        result["steady_abstracts_per_s"] = round((count - 32) / (started + seconds - first), 1)
    return result


def main(argv: list[str] | None = None) -> None:
    """Print the throughput without models, with the PICO model and with the default models."""
    parser = argparse.ArgumentParser(description="Time extract_many with and without the model.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument(
        "--model", type=Path, default=REPO / "models" / "pico-tagger", help="the PICO pipeline"
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (batch --jobs)")
    parser.add_argument(
        "--models", type=Path, default=REPO / "models", help="the default models folder"
    )
    args = parser.parse_args(argv)
    empty = REPO / "build" / "no-models"
    with_model = REPO / "build" / "with-model"
    with_model.mkdir(parents=True, exist_ok=True)
    link = with_model / "pico"
    if link.is_symlink() or link.exists():
        link.unlink()  # always point at the model asked for, not the one of an earlier run
    link.symlink_to(args.model.resolve(), target_is_directory=True)
    results = {
        "without_model": benchmark_pipeline(empty, args.file, n=args.n, jobs=args.jobs),
        "with_model": benchmark_pipeline(with_model, args.file, n=args.n, jobs=args.jobs),
        # the shipped default: every model of models/ (PICO tagger and chemical/disease NER)
        "default": benchmark_pipeline(args.models, args.file, n=args.n, jobs=args.jobs),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    from . import run_main

    run_main(main)
