"""Effect direction against Evidence Inference 2.0 (``data/evidence_inference``).

One item per prompt (``prompts_merged.csv``: PMCID, outcome, intervention, comparator) that has
annotations in ``v2_annotations.csv`` and an abstract file. The gold label is the **majority**
of the annotators' labels among rows whose label the verifier accepted (``Valid Label`` True;
all rows when none was accepted); a tie goes to the label of the first such row. The gold
evidence sentence is the first accepted annotation carrying that label. Labels are mapped
"significantly increase(d)" → ``increased``, "significantly decreased" → ``decreased``,
"no significant difference" → ``no difference``. Prompts flagged *Incorrect* in the dataset's
README are left out.

The ``abst`` files hold ``TITLE:``, ``ABSTRACT.<HEADING>:`` and often ``BODY.<HEADING>:``
sections. The annotation offsets index the full article text of the original release (not these
files), so "evidence in abstract" is decided by finding the evidence string (whitespace
normalised) in the abstract sections. Both modes report figures over **all** prompts and over
the prompts whose evidence is **in the abstract**:

* ``oracle``: classify the annotated evidence sentence (tests the classifier alone);
* ``pipeline``: find the sentence in the abstract ourselves with :func:`find_direction` from the
  prompt's outcome/intervention/comparator, then classify it (end to end). A prompt for which no
  sentence is found counts as wrong (predicted ``none``).

The split is by PMCID (:func:`extractor.evaluation.split3_of` on ``"PMC<id>"``: train / dev /
report) so every prompt of an article lies on the same side. The direction model is fitted on
``train`` (:mod:`extractor.training.direction`), chosen on ``dev``; figures are quoted on
``report``.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..nlp.direction import LABELS, classify_direction, find_direction, split_sentences
from . import SPLITS, split3_of
from .scoring import prf

_LABEL_MAP = {
    "significantly increased": "increased",
    "significantly increase": "increased",
    "significantly decreased": "decreased",
    "no significant difference": "no difference",
}
#: "Incorrect" prompts listed in the dataset's SOURCE_ANNOTATIONS_README.md.
_INCORRECT = frozenset(
    [
        "911",
        "912",
        "1262",
        "1261",
        "3044",
        "3248",
        "3111",
        "3620",
        "4308",
        "4490",
        "4491",
        "4324",
        "4325",
        "4492",
        "4824",
        "5000",
        "5001",
        "5002",
        "5046",
        "5047",
        "4948",
        "5639",
        "5710",
        "5752",
        "5775",
        "5782",
        "5841",
        "5843",
        "5861",
        "5862",
        "5863",
        "5964",
        "5965",
        "5966",
        "5975",
        "4807",
        "5776",
        "5777",
        "5778",
        "5779",
        "5780",
        "5781",
        "6034",
        "6065",
        "6066",
        "6666",
        "6667",
        "6668",
        "6669",
        "7040",
        "7042",
        "7944",
        "8590",
        "8605",
        "8606",
        "8639",
        "8640",
        "8745",
        "8747",
        "8749",
        "8877",
        "8878",
        "8593",
        "8631",
        "8635",
        "8884",
        "8886",
        "8773",
        "10032",
        "10035",
        "8876",
        "8875",
        "8885",
        "8917",
        "8921",
        "8118",
        "10885",
        "10886",
        "10887",
        "10888",
        "10889",
        "10890",
    ]
)
_HEADING = re.compile(r"^(TITLE|ABSTRACT\.[^\n:]*|BODY\.[^\n:]*):[ \t]*$", re.M)


@dataclass(frozen=True, slots=True)
class Article:
    """An ``.abst`` file's abstract: the text and its ``(start, end, section)`` spans."""

    abstract: str
    sections: tuple[tuple[int, int, str], ...]
    body: str

    def sections_as_sentences(self) -> list[tuple[int, int, str | None]]:
        """``(start, end, section)`` for every sentence of the abstract."""
        out: list[tuple[int, int, str | None]] = []
        for start, end, label in self.sections:
            out.extend(
                (start + s, start + e, label) for s, e in split_sentences(self.abstract[start:end])
            )
        return out


@dataclass(frozen=True, slots=True)
class Prompt:
    """One evaluation item."""

    prompt_id: str
    pmcid: str
    outcome: str
    intervention: str
    comparator: str
    label: str
    evidence: str
    in_abstract: bool


def parse_abst(raw: str) -> Article:
    """Split an ``.abst`` file into the abstract (sections joined by blank lines) and the body."""
    parts: list[tuple[str, str]] = []
    marks = list(_HEADING.finditer(raw))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(raw)
        parts.append((m.group(1), raw[m.end() : end].strip()))
    chunks: list[str] = []
    sections: list[tuple[int, int, str]] = []
    body: list[str] = []
    pos = 0
    for heading, content in parts:
        if heading.startswith("ABSTRACT.") and content:
            if chunks:
                pos += 2
            sections.append((pos, pos + len(content), heading.split(".", 1)[1]))
            chunks.append(content)
            pos += len(content)
        elif heading.startswith("BODY."):
            body.append(content)
    return Article("\n\n".join(chunks), tuple(sections), "\n\n".join(body))


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def read_tables(shared_dir: Path) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """Evidence Inference's prompts (by prompt id) and its annotation rows (file order).

    Raises:
        ExtractorError: the files are missing or unreadable.
    """
    root = Path(shared_dir) / "data" / "evidence_inference"
    try:
        with open(root / "prompts_merged.csv", encoding="utf-8", newline="") as fh:
            prompts = {r["PromptID"]: r for r in csv.DictReader(fh)}
        with open(root / "v2_annotations.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, csv.Error) as exc:
        raise ExtractorError(f"Evidence Inference data missing: {exc}") from exc
    return prompts, rows


def load_prompts(shared_dir: Path, *, split: str | None = "report") -> list[Prompt]:
    """The evaluation items of one split (``train``, ``dev``, ``report``, or ``None`` for all).

    Raises:
        ExtractorError: the Evidence Inference files are missing.
    """
    root = Path(shared_dir) / "data" / "evidence_inference"
    prompts, rows = read_tables(shared_dir)
    by_prompt: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["Label"] in _LABEL_MAP:
            by_prompt.setdefault(row["PromptID"], []).append(row)
    articles: dict[str, Article | None] = {}
    out: list[Prompt] = []
    for pid, items in by_prompt.items():
        meta = prompts.get(pid)
        if meta is None or pid in _INCORRECT:
            continue
        pmcid = meta["PMCID"]
        if split is not None and split3_of(f"PMC{pmcid}") != split:
            continue
        if pmcid not in articles:
            path = root / "abstracts" / f"PMC{pmcid}.abst"
            articles[pmcid] = (
                parse_abst(path.read_text(encoding="utf-8")) if path.is_file() else None
            )
        article = articles[pmcid]
        if article is None:
            continue
        valid = [r for r in items if r["Valid Label"] == "True"] or items
        votes = Counter(_LABEL_MAP[r["Label"]] for r in valid)
        top = max(votes.values())
        label = next(_LABEL_MAP[r["Label"]] for r in valid if votes[_LABEL_MAP[r["Label"]]] == top)
        evidence = next(r["Annotations"] for r in valid if _LABEL_MAP[r["Label"]] == label).strip()
        if not evidence:
            continue
        out.append(
            Prompt(
                prompt_id=pid,
                pmcid=pmcid,
                outcome=meta["Outcome"],
                intervention=meta["Intervention"],
                comparator=meta["Comparator"],
                label=label,
                evidence=evidence,
                in_abstract=_norm(evidence) in _norm(article.abstract),
            )
        )
    out.sort(key=lambda p: int(p.prompt_id))
    return out


def load_article(shared_dir: Path, pmcid: str) -> Article:
    path = Path(shared_dir) / "data" / "evidence_inference" / "abstracts" / f"PMC{pmcid}.abst"
    return parse_abst(path.read_text(encoding="utf-8"))


def score_labels(gold: list[str], pred: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the three labels, per-class P/R/F1 and the confusion matrix."""
    n = len(gold)
    per: dict[str, dict[str, float]] = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label != p)
        prec, rec, f1 = prf(tp, tp + fp, tp + fn)
        per[label] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    confusion: dict[str, dict[str, int]] = {
        g: dict(Counter(p for gg, p in zip(gold, pred, strict=True) if gg == g)) for g in LABELS
    }
    correct = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(v["f1"] for v in per.values()) / len(LABELS), 4),
        "per_class": per,
        "confusion": confusion,
    }


def evaluate_direction(
    shared_dir: Path,
    *,
    split: str = "report",
    mode: str = "oracle",
    limit: int | None = None,
    model: Any | bool | None = None,
) -> dict[str, Any]:
    """Score effect directions against Evidence Inference 2.0 majority labels.

    Args:
        shared_dir: the ``shared`` folder (holding ``data/evidence_inference``).
        split: ``train``, ``dev``, ``report`` or ``all`` (:func:`extractor.evaluation.split3_of`).
        mode: ``oracle`` (classify the annotated evidence) or ``pipeline`` (find it, then
            classify).
        limit: score only the first ``limit`` prompts (by prompt id) of the split.
        model: as for :func:`classify_direction` (``False``: rules only).

    Returns:
        ``{"split", "mode", "all": scores, "in_abstract": scores, "found": int, "errors":
        [...up to 20]}`` where scores are as :func:`score_labels`.

    Raises:
        ExtractorError: unknown mode or split, or the data is missing.
    """
    if mode not in ("oracle", "pipeline"):
        raise ExtractorError(f"unknown mode {mode!r} (use 'oracle' or 'pipeline')")
    if split not in (*SPLITS, "all"):
        raise ExtractorError(f"unknown split {split!r} (use 'train', 'dev', 'report' or 'all')")
    prompts = load_prompts(shared_dir, split=None if split == "all" else split)
    if limit is not None:
        prompts = prompts[:limit]
    preds: list[str] = []
    errors: list[dict[str, Any]] = []
    found = 0
    articles: dict[str, Article] = {}
    for p in prompts:
        sentence: str | None = p.evidence
        if mode == "oracle":
            pred, _ = classify_direction(
                p.evidence,
                intervention=p.intervention,
                comparator=p.comparator,
                outcome=p.outcome,
                model=model,
            )
        else:
            if p.pmcid not in articles:
                articles[p.pmcid] = load_article(shared_dir, p.pmcid)
            art = articles[p.pmcid]
            hit = find_direction(
                art.abstract,
                p.outcome,
                p.intervention,
                p.comparator,
                sentences=art.sections_as_sentences(),
                model=model,
            )
            if hit is None:
                pred, sentence = "none", None
            else:
                found += 1
                pred, sentence = hit[0], hit[1]
        preds.append(pred)
        if pred != p.label and len(errors) < 20:
            errors.append(
                {
                    "prompt_id": p.prompt_id,
                    "pmcid": p.pmcid,
                    "outcome": p.outcome,
                    "intervention": p.intervention,
                    "comparator": p.comparator,
                    "gold": p.label,
                    "predicted": pred,
                    "sentence": sentence,
                    "evidence": p.evidence if mode == "pipeline" else None,
                }
            )
    gold = [p.label for p in prompts]
    inside = [i for i, p in enumerate(prompts) if p.in_abstract]
    return {
        "split": split,
        "mode": mode,
        "all": score_labels(gold, preds),
        "in_abstract": score_labels([gold[i] for i in inside], [preds[i] for i in inside]),
        "found": found if mode == "pipeline" else len(prompts),
        "errors": errors,
    }


__all__ = [
    "Article",
    "Prompt",
    "evaluate_direction",
    "load_prompts",
    "parse_abst",
    "read_tables",
    "score_labels",
]
