"""Score a PICO pipeline on an EBM-NLP token file (the published token-level metric and more).

:func:`evaluate_pico` builds each document from the file's own tokens (so scores are per EBM
token, as in the literature), runs the pipeline's components on it — not its tokenizer — and
compares the predicted ``token.tag_`` with the file's labels:

* **token level** (BLURB "EBM PICO"): for each of P, I, O, a token is a positive when it carries
  that label; precision, recall, F1 per class and the macro F1 over the three;
* **span level**: spans are maximal runs of one label, in gold and in prediction; *exact* counts
  a predicted span correct when a gold span of the same label has the same boundaries,
  *overlap* when it shares at least one token with one (recall likewise from the gold side).

Command line::

    python -m extractor.training.evaluate models/pico-tagger \
        ../shared/data/ebm_nlp/starting_spans/dev.txt
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from ..errors import ModelError
from ..evaluation.scoring import prf
from ..nlp import pico  # noqa: F401  (registers evidence_pico_spans for spacy.load)
from ..nlp.pico import tag_runs, token_scores
from .ebm_nlp import PICO_TAGS, iter_ebm_documents, to_doc


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p, r, f = prf(tp, n_pred, n_gold)
    return {"p": p, "r": r, "f": f}


def tag_f1(
    predicted: list[list[str]], gold: list[list[str]], tags: tuple[str, ...] = PICO_TAGS
) -> dict[str, dict[str, float]]:
    """Token-level P/R/F1 per tag and macro from parallel lists of tag sequences."""
    counts = {t: [0, 0, 0] for t in tags}  # tp, predicted, gold
    for pred_tags, gold_tags in zip(predicted, gold, strict=True):
        for p, g in zip(pred_tags, gold_tags, strict=True):
            if p in counts:
                counts[p][1] += 1
                if p == g:
                    counts[p][0] += 1
            if g in counts:
                counts[g][2] += 1
    out = {t: _prf(*counts[t]) for t in tags}
    out["macro"] = {k: sum(out[t][k] for t in tags) / len(tags) for k in ("p", "r", "f")}
    return out


def span_scores(
    pairs: list[tuple[list[str], list[str]]], tags: tuple[str, ...] = PICO_TAGS
) -> dict[str, Any]:
    """Exact and overlap span P/R/F1 per tag and macro, from ``(predicted, gold)`` tag lists."""
    out: dict[str, Any] = {}
    for mode in ("exact", "overlap"):
        per: dict[str, dict[str, float]] = {}
        for tag in tags:
            tp_pred = tp_gold = n_pred = n_gold = 0
            for pred_tags, gold_tags in pairs:
                pred = [(s, e) for _, s, e in tag_runs(pred_tags, (tag,))]
                gold = [(s, e) for _, s, e in tag_runs(gold_tags, (tag,))]
                n_pred += len(pred)
                n_gold += len(gold)
                if mode == "exact":
                    hits = len(set(pred) & set(gold))
                    tp_pred += hits
                    tp_gold += hits
                else:
                    tp_pred += sum(any(s < ge and gs < e for gs, ge in gold) for s, e in pred)
                    tp_gold += sum(any(s < ge and gs < e for s, e in pred) for gs, ge in gold)
            p, r, f = prf(tp_pred, n_pred, n_gold, tp_gold=tp_gold)
            per[tag] = {"p": p, "r": r, "f": f, "n_gold": n_gold, "n_pred": n_pred}
        per["macro"] = {k: sum(per[t][k] for t in tags) / len(tags) for k in ("p", "r", "f")}
        out[mode] = per
    return out


def load_pipeline(path: Path, what: str = "PICO model") -> Language:
    """``spacy.load(path)``; any failure is a :class:`ModelError` naming ``what`` and the path."""
    try:
        return spacy.load(path)
    except Exception as exc:  # spaCy raises many kinds (OSError, ValueError, config errors)
        raise ModelError(f"cannot load {what}: {exc}", source=str(path)) from exc


def evaluate_pico(
    model_dir: Path | Language, file: Path, *, limit: int | None = None, skip: int = 0
) -> dict[str, Any]:
    """Score a PICO pipeline on an EBM-NLP-format token file.

    Args:
        model_dir: a saved PICO pipeline (``models/pico-tagger``) or a loaded ``Language`` whose
            components set ``token.tag_`` to ``N``/``P``/``I``/``O``.
        file: an EBM-NLP ``starting_spans`` file, e.g. ``dev.txt``.
        limit: score only the first ``limit`` documents (after ``skip``).
        skip: leave out the first ``skip`` documents (e.g. the 300 dev abstracts that training
            used to pick the checkpoint and calibrate the tagger's bias).

    Returns:
        ``{"model", "file", "documents", "tokens", "seconds", "token": {"P"|"I"|"O"|"macro":
        {"p", "r", "f"}}, "span": {"exact"|"overlap": {"P"|"I"|"O"|"macro": {"p", "r", "f"}}}}``
        (fractions in 0..1; the span entries per class also carry ``n_gold``/``n_pred``).

    Raises:
        ModelError: the pipeline cannot be loaded.
        ExtractorError: the file cannot be read.
    """
    nlp = model_dir if isinstance(model_dir, Language) else load_pipeline(Path(model_dir))
    started = time.perf_counter()
    golds: list[Doc] = []
    docs: list[Doc] = []
    for index, document in enumerate(iter_ebm_documents(Path(file))):
        if index < skip:
            continue
        if limit is not None and len(golds) >= limit:
            break
        golds.append(to_doc(nlp.vocab, document))
        docs.append(to_doc(nlp.vocab, document, with_tags=False))
    # Run the components, not the tokenizer: the metric is over the file's own tokens.
    for _name, proc in nlp.pipeline:
        docs = list(proc.pipe(docs)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
    seconds = time.perf_counter() - started
    examples = [Example(pred, gold) for pred, gold in zip(docs, golds, strict=True)]
    flat = token_scores(examples, PICO_TAGS)
    token: dict[str, dict[str, float]] = {}
    for tag in PICO_TAGS:
        key = tag.lower()
        token[tag] = {m: flat[f"pico_token_{key}_{m}"] for m in ("p", "r", "f")}
    token["macro"] = {m: sum(token[t][m] for t in PICO_TAGS) / 3 for m in ("p", "r", "f")}
    token["macro"]["f"] = flat["pico_token_f"]
    pairs = [([t.tag_ for t in p], [t.tag_ for t in g]) for p, g in zip(docs, golds, strict=True)]
    return {
        "model": str(model_dir) if not isinstance(model_dir, Language) else nlp.meta.get("name"),
        "file": str(file),
        "skip": skip,
        "documents": len(golds),
        "tokens": sum(len(g) for g in golds),
        "seconds": round(seconds, 2),
        "token": token,
        "span": span_scores(pairs),
    }


def format_table(result: dict[str, Any]) -> str:
    """A plain-text table of :func:`evaluate_pico`'s result (percentages)."""
    first = result.get("skip", 0) + 1
    lines = [
        f"{result['model']} on {result['file']} ({result['documents']} abstracts from no. {first})"
    ]
    lines.append(f"{'':18}{'P':>8}{'I':>8}{'O':>8}{'macro':>8}")
    rows = [("token F1", result["token"])]
    rows += [(f"span {m} F1", result["span"][m]) for m in ("exact", "overlap")]
    for name, scores in rows:
        cells = "".join(f"{100 * scores[k]['f']:8.1f}" for k in ("P", "I", "O", "macro"))
        lines.append(f"{name:<18}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m extractor.training.evaluate MODEL FILE [--limit N] [--json]``."""
    parser = argparse.ArgumentParser(description="Score a PICO pipeline on an EBM-NLP file.")
    parser.add_argument("model", type=Path)
    parser.add_argument("file", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate_pico(args.model, args.file, limit=args.limit, skip=args.skip)
    print(json.dumps(result, indent=2) if args.json else format_table(result))


if __name__ == "__main__":
    from . import run_main

    run_main(main)
