"""Benchmark: abstracts per second of the NLP pipeline, against the tokenizer alone.

Reads the first ``--n`` files of a folder (sorted; default the Evidence Inference abstracts in
``../shared``) with :func:`extractor.extraction.iter_documents` (the reading and cleaning
``evidence batch`` does), then in one run measures:

1. the scispaCy tokenizer alone: ``nlp.make_doc`` on each abstract;
2. the full pipeline through :func:`extractor.extraction.extract_documents` (the engine of
   ``evidence batch``, one process), documents → ``Evidence`` records;
3. each pipeline component on its own: the documents are tokenised once, then every
   component of ``nlp.pipeline`` is run over all of them in turn (``pipe`` in batches like
   ``nlp.pipe`` does, else one call per doc) and timed; the record assembly
   (``evidence_from_doc``) is timed last. Components run in pipeline order on the output of
   the previous one, so each sees exactly the docs it sees in a real run.

Reading and cleaning happen before any timer starts; the extractor's ``functools`` caches are
emptied before each timed run, so that no run profits from the sentences an earlier one saw.
Abstracts/s are wall-clock figures; the per-component figures are CPU time of this process
(steadier than wall time on a shared machine; the pipeline runs in one thread), and the full
run's CPU time is printed beside its wall time. ``--profile OUT`` writes the cProfile top-40
functions of the full-pipeline run (cumulative and own time) to ``OUT``.

Usage::

    .venv/bin/python benchmarks/batch_speed.py [DIR] [--n 300] [--batch-size 32]
        [--profile benchmarks/profile_after.txt]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor.assemble import evidence_from_doc, make_doc  # noqa: E402
from extractor.extraction import Failure, extract_documents, iter_documents  # noqa: E402
from extractor.nlp.pipeline import pipeline_for, pipeline_label  # noqa: E402
from extractor.records import Document, Evidence  # noqa: E402
from extractor.settings import get_settings  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "data" / "evidence_inference" / "abstracts"


def read_documents(folder: Path, n: int) -> list[Document]:
    """The documents with an abstract in the first ``n`` files of ``folder`` (sorted)."""
    files = sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    docs: list[Document] = []
    for item in iter_documents(files[:n], settings=get_settings()):
        if not isinstance(item, Failure) and item.abstract.strip():
            docs.append(item)
    return docs


def clear_caches() -> None:
    """Empty the ``functools`` caches of the extractor's modules, so that every timed run
    starts as a batch of new abstracts does (sentences seen in an earlier run not cached)."""
    for name, module in list(sys.modules.items()):
        if name == "extractor" or name.startswith("extractor."):
            for obj in list(vars(module).values()):
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()


def time_components(nlp, documents: list[Document], batch_size: int) -> dict[str, float]:
    """CPU seconds spent in each component (and ``make_doc``, ``assemble``) over
    ``documents``."""
    out: dict[str, float] = {}
    clear_caches()
    t0 = time.process_time()
    docs = [make_doc(nlp, d) for d in documents]
    out["make_doc (tokenizer)"] = time.process_time() - t0
    for name, proc in nlp.pipeline:
        t0 = time.process_time()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(doc) for doc in docs]
        out[name] = time.process_time() - t0
    label = pipeline_label(nlp)
    t0 = time.process_time()
    for document, doc in zip(documents, docs, strict=True):
        evidence_from_doc(document, doc, label)
    out["assemble (evidence_from_doc)"] = time.process_time() - t0
    return out


def run_full(nlp, documents: list[Document], batch_size: int) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process, all threads) for the whole batch engine, and the
    number of Evidence records it made."""
    clear_caches()
    t0, c0 = time.perf_counter(), time.process_time()
    made = sum(
        isinstance(r, Evidence)
        for r in extract_documents(documents, nlp=nlp, batch_size=batch_size)
    )
    return time.perf_counter() - t0, time.process_time() - c0, made


def write_profile(nlp, documents: list[Document], batch_size: int, out: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run_full(nlp, documents, batch_size)
    profiler.disable()
    buf = io.StringIO()
    buf.write(f"# cProfile of extract_documents over {len(documents)} abstracts\n")
    for key in ("cumulative", "tottime"):
        buf.write(f"\n## sorted by {key}\n")
        pstats.Stats(profiler, stream=buf).sort_stats(key).print_stats(40)
    out.write_text(buf.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--n", type=int, default=300, help="files to read (default 300)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--profile", type=Path, help="write a cProfile top-40 to this file")
    args = parser.parse_args()

    documents = read_documents(args.dir, args.n)
    n = len(documents)
    nlp = pipeline_for(get_settings())
    # warm-up (lazy tables, first-call caches) outside the timers
    list(extract_documents(documents[:8], nlp=nlp, batch_size=args.batch_size))

    t0 = time.perf_counter()
    for d in documents:
        nlp.make_doc(d.abstract)
    tok = time.perf_counter() - t0
    full, cpu, made = run_full(nlp, documents, args.batch_size)
    parts = time_components(nlp, documents, args.batch_size)

    print(f"documents: {n} from {args.dir} (first {args.n} files); records: {made}")
    print(f"tokenizer only : {n / tok:8.1f} abstracts/s  ({1000 * tok / n:6.2f} ms/doc)")
    print(f"full pipeline  : {n / full:8.1f} abstracts/s  ({1000 * full / n:6.2f} ms/doc)")
    print(f"  (CPU time of the full run: {1000 * cpu / n:6.2f} ms/doc; wall time depends on load)")
    print(f"full/tokenizer : {full / tok:8.1f}x the tokenizer's time")
    print("per component (CPU ms/doc, run one after another over all docs):")
    for name, secs in parts.items():
        print(f"  {name:32s} {1000 * secs / n:7.2f}")
    print(f"  {'sum':32s} {1000 * sum(parts.values()) / n:7.2f}")
    if args.profile:
        write_profile(nlp, documents, args.batch_size, args.profile)
        print(f"profile written to {args.profile}")


if __name__ == "__main__":
    main()
