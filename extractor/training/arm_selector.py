"""Train the learned arm selector (``models/arm-selector/arm_selector.json``).

Data: Evidence Inference 2.0 — every article of ``abstracts/`` with prompts in
``prompts_merged.csv`` (annotated or not: each prompt names an intervention and a comparator as
an annotator read the article). Articles are split by
:func:`extractor.evaluation.split3_of`: the model is fitted on ``train``; the L2 strength and
both thresholds are chosen on ``dev`` (the share of dev prompts whose intervention *and*
comparator the selected arms name, minus a small cost per extra arm); ``report`` is never read.

A candidate (a group of arm mentions, :func:`extractor.assemble.arms.arm_candidates`, through
the default pipeline so the PICO tagger's spans are in) is labelled an arm when its name or long
form matches any of the article's prompt interventions or comparators at token F1 ≥ 0.3
(:func:`extractor.evaluation.records.name_f1`, as ``evidence evaluate records`` matches). Command::

    python -m extractor.training.arm_selector [--shared ../shared] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..evaluation import split3_of
from ..evaluation.records import MATCH_F1, is_generic_control, name_f1
from ..nlp.arm_selector import MODEL_FILE, ArmSelector
from ..settings import get_settings
from .logistic import fit_logistic

L2_GRID = (1.0, 4.0, 16.0)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 19))
#: Dev objective: prompts with both arms named, minus this per extra (unmatched) arm kept.
EXTRA_ARM_COST = 0.3
MIN_COUNT = 3


@dataclass(frozen=True, slots=True)
class ArticleExamples:
    """One article: its candidates' names, features and labels, and the prompts' arm names."""

    pmcid: str
    names: tuple[tuple[str, ...], ...]
    features: tuple[tuple[str, ...], ...]
    labels: tuple[int, ...]
    pairs: tuple[tuple[str, str], ...]
    controls: tuple[bool, ...] = ()


def _prompt_arms(shared_dir: Path) -> dict[str, list[tuple[str, str]]]:
    path = Path(shared_dir) / "data" / "evidence_inference" / "prompts_merged.csv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ExtractorError(f"Evidence Inference prompts missing: {exc}") from exc
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        pair = (row["Intervention"].strip(), row["Comparator"].strip())
        out.setdefault(row["PMCID"], [])
        if pair not in out[row["PMCID"]]:
            out[row["PMCID"]].append(pair)
    return out


def _matches(gold: str, names: Sequence[str], control: bool = False) -> bool:
    """As ``evidence evaluate records``: by name, or a generic "control" for a control arm."""
    if control and is_generic_control(gold):
        return True
    return any(name_f1(gold, n) >= MATCH_F1 for n in names if n)


def collect(
    shared_dir: Path, split: str, *, limit: int | None = None, nlp: Any = None
) -> list[ArticleExamples]:
    """Candidates, features and labels of every article of ``split`` (train/dev)."""
    from ..assemble import make_doc
    from ..assemble.arms import _anchor, arm_candidates
    from ..assemble.spans import _spans, trim_model_edges
    from ..nlp.arms import arm_role
    from ..nlp.model_spans import naming_spans
    from ..nlp.pipeline import get_pipeline
    from ..sources import load_documents

    prompts = _prompt_arms(shared_dir)
    folder = Path(shared_dir) / "data" / "evidence_inference" / "abstracts"
    pmcids = sorted(
        (
            p
            for p in prompts
            if split3_of(f"PMC{p}") == split and (folder / f"PMC{p}.abst").is_file()
        ),
        key=int,
    )[:limit]
    nlp = nlp or get_pipeline()
    documents = []
    for pmcid in pmcids:
        docs = list(load_documents(str(folder / f"PMC{pmcid}.abst")))
        if docs and docs[0].abstract.strip():
            documents.append((pmcid, docs[0]))
    out: list[ArticleExamples] = []
    pairs_in = ((make_doc(nlp, d), pmcid) for pmcid, d in documents)
    for doc, pmcid in nlp.pipe(pairs_in, as_tuples=True, batch_size=32):
        sentences = doc._.sent_sections or [[0, len(doc.text), None]]
        starts = [int(r[0]) for r in sentences]
        spans = naming_spans(trim_model_edges(_spans(doc, sentences, starts)))  # as in records
        groups, namer, features = arm_candidates(doc, spans)
        gold = [n for pair in prompts[pmcid] for n in pair]
        names = []
        labels = []
        controls: list[bool] = []
        for group in groups:
            long_form = namer.short_to_long.get(group.key)
            shown = (_anchor(group, long_form).text, long_form or "")
            names.append(shown)
            control = arm_role(group.key, long_form) != "intervention"
            labels.append(int(any(_matches(g, shown, control) for g in gold)))
            controls.append(control)
        out.append(
            ArticleExamples(
                pmcid,
                tuple(names),
                tuple(features),
                tuple(labels),
                tuple(prompts[pmcid]),
                tuple(controls),
            )
        )
    return out


def dev_objective(
    model: ArmSelector, articles: Sequence[ArticleExamples], extra_cost: float = EXTRA_ARM_COST
) -> dict[str, float]:
    """Share of prompts whose intervention and comparator the chosen arms name; extra arms."""
    prompts = both = extra = chosen_n = 0
    for art in articles:
        idx = list(range(len(art.names)))
        chosen = model.choose(idx, art.features)
        names = [n for i in chosen for n in art.names[i]]
        control = any(art.controls[i] for i in chosen)
        chosen_n += len(chosen)
        extra += sum(1 for i in chosen if not art.labels[i])
        for intervention, comparator in art.pairs:
            prompts += 1
            both += _matches(intervention, names, control) and _matches(comparator, names, control)
    n = max(prompts, 1)
    return {
        "both_found": round(both / n, 4),
        "extra_per_article": round(extra / max(len(articles), 1), 3),
        "arms_per_article": round(chosen_n / max(len(articles), 1), 3),
        "objective": round(both / n - extra_cost * extra / max(len(articles), 1), 4),
    }


def train(
    shared_dir: Path, *, output: Path | None = None, limit: int | None = None, quiet: bool = False
) -> dict[str, Any]:
    """Fit on train, choose L2 and thresholds on dev, save; returns the summary."""
    began = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr)

    say("extracting train candidates …")
    train_set = collect(shared_dir, "train", limit=limit)
    say(f"{len(train_set)} train articles; extracting dev candidates …")
    dev_set = collect(shared_dir, "dev", limit=limit)
    rows = [(f, y) for art in train_set for f, y in zip(art.features, art.labels, strict=True)]
    if not rows or not dev_set:
        raise ExtractorError("no training candidates: is the shared folder complete?")
    best: tuple[float, ArmSelector, dict[str, float]] | None = None
    for l2 in L2_GRID:
        weights, bias = fit_logistic(rows, l2=l2, min_count=MIN_COUNT)
        for threshold in THRESHOLDS:
            for pair in (0.0, *(t for t in THRESHOLDS if t <= threshold)):
                model = ArmSelector(weights, bias, threshold, pair, {"l2": l2})
                figures = dev_objective(model, dev_set)
                if best is None or figures["objective"] > best[0]:
                    best = (figures["objective"], model, figures)
    assert best is not None
    _, model, figures = best
    meta = {
        "l2": model.meta["l2"],
        "trained_on": "Evidence Inference prompts_merged.csv, split3_of train articles",
        "train_articles": len(train_set),
        "train_candidates": len(rows),
        "positives": sum(y for _, y in rows),
        "dev_articles": len(dev_set),
        "dev": figures,
        "seconds": round(time.monotonic() - began, 1),
    }
    model = ArmSelector(model.weights, model.bias, model.threshold, model.pair_threshold, meta)
    path = output or MODEL_FILE
    model.save(path)
    say(f"saved {path}: threshold {model.threshold}, pair {model.pair_threshold}, dev {figures}")
    return {"path": str(path), **meta, "threshold": model.threshold}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="articles per split (smoke)")
    args = parser.parse_args(argv)
    try:
        summary = train(
            args.shared or get_settings().shared_dir, output=args.output, limit=args.limit
        )
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
