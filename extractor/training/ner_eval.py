"""Score the chemical/disease NER: entity-level exact P/R/F1 per type and micro.

:func:`evaluate_ner` reads a BC5CDR PubTator file (tokenised like the evidence pipeline) or an
IOB file (its own tokens), runs the model's components and compares the predicted ``doc.ents``
with the gold mentions. Command line::

    python -m extractor.training.ner_eval models/ner \
        ../shared/data/bc5cdr/pubtator/CDR_DevelopmentSet.PubTator.txt
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..evaluation.scoring import prf
from .bc5cdr import LABELS, ReadStats, detect_format, iob_doc, iter_iob, iter_pubtator, pubtator_doc
from .ner import DEFAULT_VECTORS, REPO, load_ner, pipeline_tokenizer, vectors_vocab


def _counts() -> dict[str, list[int]]:
    return {label: [0, 0, 0] for label in LABELS}  # tp, predicted, gold


def _add(
    counts: dict[str, list[int]], pred: set[tuple[int, int, str]], gold: set[tuple[int, int, str]]
) -> None:
    for label in LABELS:
        p = {s for s in pred if s[2] == label}
        g = {s for s in gold if s[2] == label}
        counts[label][0] += len(p & g)
        counts[label][1] += len(p)
        counts[label][2] += len(g)


def _scores(counts: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for label, (tp, n_pred, n_gold) in counts.items():
        p, r, f = prf(tp, n_pred, n_gold)
        out[label] = {"p": p, "r": r, "f": f, "n_gold": n_gold, "n_pred": n_pred}
    tp, n_pred, n_gold = (sum(c[i] for c in counts.values()) for i in range(3))
    p, r, f = prf(tp, n_pred, n_gold)
    out["micro"] = {"p": p, "r": r, "f": f, "n_gold": n_gold, "n_pred": n_pred}
    return out


def _run(nlp: Language, docs: list[Doc]) -> tuple[list[Doc], float]:
    started = time.perf_counter()
    for _name, proc in nlp.pipeline:
        docs = list(proc.pipe(docs)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
    return docs, time.perf_counter() - started


def evaluate_ner(
    model: Path | Language,
    file: Path,
    *,
    vectors: Path | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Entity-level exact P/R/F1 per type (CHEMICAL, DISEASE) and micro on an annotated file.

    A PubTator file is tokenised with the evidence pipeline's tokenizer; a predicted entity is
    correct when its label and character offsets equal a gold mention's (``exact``). Gold
    mentions that do not fall on token boundaries cannot be matched exactly, so ``aligned``
    also scores against the gold widened to whole tokens (what the model was trained on). An
    IOB file is scored on its own tokens (``exact`` by token offsets).

    Args:
        model: a saved NER folder (``models/ner``) or a loaded pipeline with an ``ner``.
        file: a BC5CDR PubTator file or an IOB file (detected from its first line).
        vectors: pipeline folder holding the static vectors for a saved ``model`` (default:
            ``models/pico-tagger`` beside it, then ``build/vectors/model``).
        limit: score the first ``limit`` abstracts (PubTator) or sentences (IOB).

    Returns:
        ``{"model", "file", "format", "documents", "tokens", "seconds", "ms_per_doc",
        "exact": {"CHEMICAL"|"DISEASE"|"micro": {"p", "r", "f", "n_gold", "n_pred"}}}`` plus,
        for PubTator, ``"aligned"`` (same keys) and ``"misaligned"`` (gold mentions off token
        boundaries).

    Raises:
        ModelError: the model cannot be loaded or lacks its vectors table.
        ExtractorError: the file cannot be read or is neither format.
    """
    file = Path(file)
    kind = detect_format(file)
    if isinstance(model, Language):
        nlp = model
    else:
        nlp = load_ner(Path(model), vectors_vocab(_default_vectors(Path(model), vectors)))
    exact, aligned = _counts(), _counts()
    gold_sets: list[set[tuple[int, int, str]]] = []
    aligned_sets: list[set[tuple[int, int, str]]] = []
    docs: list[Doc] = []
    stats = ReadStats()
    if kind == "pubtator":
        tokenizer = pipeline_tokenizer(nlp.vocab)
        for document in iter_pubtator(file):
            if limit is not None and len(docs) >= limit:
                break
            gold_sets.append({(m.start, m.end, m.label) for m in document.mentions})
            gold_doc = pubtator_doc(tokenizer, document, stats)
            aligned_sets.append({(e.start_char, e.end_char, e.label_) for e in gold_doc.ents})
            docs.append(tokenizer(document.text))
    else:
        for words, tags in iter_iob(file):
            if limit is not None and len(docs) >= limit:
                break
            gold_doc = iob_doc(nlp.vocab, words, tags)
            gold_sets.append({(e.start, e.end, e.label_) for e in gold_doc.ents})
            docs.append(iob_doc(nlp.vocab, words, None))
    docs, seconds = _run(nlp, docs)
    for index, doc in enumerate(docs):
        if kind == "pubtator":
            pred = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
            _add(aligned, pred, aligned_sets[index])
        else:
            pred = {(e.start, e.end, e.label_) for e in doc.ents}
        _add(exact, pred, gold_sets[index])
    result: dict[str, Any] = {
        "model": str(model) if not isinstance(model, Language) else nlp.meta.get("name"),
        "file": str(file),
        "format": kind,
        "documents": len(docs),
        "tokens": sum(len(d) for d in docs),
        "seconds": round(seconds, 2),
        "ms_per_doc": round(1000 * seconds / max(len(docs), 1), 2),
        "exact": _scores(exact),
    }
    if kind == "pubtator":
        result["aligned"] = _scores(aligned)
        result["misaligned"] = stats.misaligned
    return result


def _default_vectors(model_dir: Path, vectors: Path | None) -> Path:
    if vectors is not None:
        return Path(vectors)
    for candidate in (
        model_dir.parent / "pico-tagger",
        REPO / "models" / "pico-tagger",
        DEFAULT_VECTORS,
    ):
        if (candidate / "vocab" / "vectors").is_file():
            return candidate
    raise ModelError(
        "no static vectors table found (models/pico-tagger or build/vectors/model); pass --vectors",
        source=str(model_dir),
    )


def format_ner_table(result: dict[str, Any]) -> str:
    """A plain-text table of :func:`evaluate_ner`'s result (percentages)."""
    lines = [
        f"{result['model']} on {result['file']} "
        f"({result['documents']} {result['format']} documents)"
    ]
    lines.append(f"{'':22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}")
    for mode in ("exact", "aligned"):
        if mode not in result:
            continue
        for label in (*LABELS, "micro"):
            s = result[mode][label]
            lines.append(
                f"{mode + ' ' + label:<22}{100 * s['p']:7.1f}{100 * s['r']:7.1f}{100 * s['f']:7.1f}"
                f"{s['n_gold']:7d}{s['n_pred']:7d}"
            )
    if "misaligned" in result:
        lines.append(f"gold mentions off token boundaries: {result['misaligned']}")
    lines.append(f"{result['ms_per_doc']} ms per document (ner only)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m extractor.training.ner_eval MODEL FILE [--vectors DIR] [--limit N] [--json]``."""
    parser = argparse.ArgumentParser(description="Score the NER model on a PubTator or IOB file.")
    parser.add_argument("model", type=Path)
    parser.add_argument("file", type=Path)
    parser.add_argument("--vectors", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate_ner(args.model, args.file, vectors=args.vectors, limit=args.limit)
    print(json.dumps(result, indent=2) if args.json else format_ner_table(result))


if __name__ == "__main__":
    from . import run_main

    run_main(main)
