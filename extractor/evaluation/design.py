"""Study design (``Evidence.design``) against corpora whose design is known.

No corpus in ``shared/data`` annotates study design, so three weaker references are used:

* **Evidence Inference** (``data/evidence_inference/abstracts/PMC<ID>.abst``): every article is
  an RCT, so the share of abstracts whose design type is randomized (``randomized controlled
  trial`` or ``randomized crossover trial``) is an *RCT recall*. Documents are read with
  :func:`extractor.evaluation.doses.abst_document` (title + labelled abstract sections, no
  publication types) and split by :func:`extractor.evaluation.split_of` on ``PMC<ID>``.
* **PICO-Corpus** (``data/pico_corpus/brat/<PMID>.txt``): breast-cancer RCT abstracts, title and
  abstract on one line, no sections; RCT recall again, split on the PMID.
* **A hand-checked BC5CDR sample** (:data:`HAND_SAMPLE`): 45 abstracts of mixed design (case
  reports, case series, cohorts, case-control, cross-sectional, single-arm phase I/II trials,
  crossover trials, RCTs, a meta-analysis, animal studies) whose design was judged by reading
  them. Only PMIDs and labels are stored; the text is read from
  ``data/bc5cdr/pubtator/*.PubTator.txt`` at run time. ``None`` means "no human study design"
  (animal experiments). The sample is not split: the rules were written while reading it, so its
  accuracy is optimistic; the two RCT recalls on the ``report`` split are the held-out figures.

The design *type* is ``Evidence.design`` up to the first ``" ("`` (the modifiers in brackets,
e.g. ``double-blind``, are not scored).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..records import Document
from . import split_of

#: Design types that count as randomized for the RCT recall.
RANDOMIZED = ("randomized controlled trial", "randomized crossover trial")
#: At most this many misses per corpus in a report.
MAX_EXAMPLES = 20

#: ``(PMID, expected design type)`` judged by reading the BC5CDR abstract (title + abstract).
HAND_SAMPLE: tuple[tuple[str, str | None], ...] = (
    # parallel-group randomized trials
    ("8595686", "randomized controlled trial"),
    ("11079278", "randomized controlled trial"),
    ("20042557", "randomized controlled trial"),
    ("8480959", "randomized controlled trial"),
    ("20520283", "randomized controlled trial"),
    ("17965424", "randomized controlled trial"),
    ("9672273", "randomized controlled trial"),
    # randomized crossover trials
    ("10743446", "randomized crossover trial"),
    ("14742097", "randomized crossover trial"),
    ("6387529", "randomized crossover trial"),
    ("18239197", "randomized crossover trial"),
    ("16680561", "randomized crossover trial"),
    ("11027905", "randomized crossover trial"),
    # case-control studies
    ("19884587", "case-control study"),
    ("11752354", "case-control study"),
    ("9799166", "case-control study"),  # background also cites "case series"
    ("15632880", "case-control study"),  # background cites an earlier RCT
    # cross-sectional studies
    ("17344330", "cross-sectional study"),
    ("1987816", "cross-sectional study"),
    ("20331935", "cross-sectional study"),
    # cohort studies (two only say "prospective study" of a treated group)
    ("9867728", "cohort study"),
    ("15580403", "cohort study"),
    ("2466960", "cohort study"),
    ("20195852", "cohort study"),
    # case reports (one patient)
    ("567256", "case report"),
    ("7072798", "case report"),
    ("6699841", "case report"),
    ("17786501", "case report"),
    ("19300240", "case report"),
    ("17366349", "case report"),
    ("150790", "case report"),  # mentions a placebo given to the one child
    # case series (2-19 patients described)
    ("11827497", "case series"),
    ("12523465", "case series"),
    ("14648024", "case series"),
    ("3560096", "case series"),
    ("2673163", "case series"),
    ("16047871", "case series"),
    # single-arm phase I/II trials
    ("12448656", "single-arm trial"),
    ("8558192", "single-arm trial"),
    ("1664218", "single-arm trial"),
    ("2224762", "single-arm trial"),
    # systematic review / meta-analysis
    ("18086064", "systematic review/meta-analysis"),
    # animal experiments: no human study design
    ("11706060", None),
    ("18410508", None),
    ("1711760", None),
)

_PUBTATOR = re.compile(r"^(\d+)\|([ta])\|(.*)$")


def design_type(design: str | None) -> str | None:
    """The normalised type of an ``Evidence.design`` string (modifiers dropped)."""
    if not design:
        return None
    return design.split(" (")[0].strip() or None


def read_bc5cdr(shared_dir: Path) -> dict[str, tuple[str, str]]:
    """``{pmid: (title, abstract)}`` from the BC5CDR PubTator files."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    folder = Path(shared_dir) / "data" / "bc5cdr" / "pubtator"
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _PUBTATOR.match(line)
            if m:
                out[m.group(1)][m.group(2)] = m.group(3)
    return {k: (v.get("t", ""), v.get("a", "")) for k, v in out.items()}


def ei_paths(shared_dir: Path, split: str, limit: int | None) -> list[Path]:
    """The Evidence Inference ``.abst`` files scored for ``split``: the first ``limit`` by id."""
    folder = Path(shared_dir) / "data" / "evidence_inference" / "abstracts"
    paths = sorted(folder.glob("PMC*.abst"), key=lambda p: int(p.stem[3:]))
    if split != "all":
        paths = [p for p in paths if split_of(p.stem) == split]
    return paths[: limit or None]


def _ei_documents(shared_dir: Path, split: str, limit: int | None) -> list[Document]:
    from .doses import abst_document

    docs = [abst_document(p) for p in ei_paths(shared_dir, split, limit)]
    return [d for d in docs if d.abstract.strip()]


def _pico_documents(shared_dir: Path, split: str, limit: int | None) -> list[Document]:
    from .pico_corpus import select_documents

    docs = select_documents(Path(shared_dir), split=split, limit=limit)
    return [Document(title="", abstract=d.text, pmid=d.doc_id) for d in docs]


def _designs(documents: list[Document], nlp: Any) -> list[str | None]:
    """``Evidence.design`` per document; a document the pipeline fails on gets ``None``."""
    from ..assemble import extract_evidence, extract_many
    from ..errors import ExtractorError

    out: list[str | None] = []
    for i in range(0, len(documents), 64):
        chunk = documents[i : i + 64]
        try:
            designs = [ev.design for ev in extract_many(chunk, nlp=nlp, batch_size=16)]
        except ExtractorError:  # redo the chunk one by one: only the failing document is lost
            for document in chunk:
                try:
                    out.append(extract_evidence(document, nlp).design)
                except ExtractorError:
                    out.append(None)
        else:
            out.extend(designs)
    return out


def _rct_recall(documents: list[Document], designs: list[str | None]) -> dict[str, Any]:
    types = [design_type(d) for d in designs]
    found = sum(t in RANDOMIZED for t in types)
    missed = [
        {
            "id": doc.pmid or doc.pmcid or doc.source,
            "design": design,
            "title": (doc.title or doc.abstract)[:120],
        }
        for doc, design, kind in zip(documents, designs, types, strict=True)
        if kind not in RANDOMIZED
    ]
    return {
        "documents": len(documents),
        "randomized": found,
        "recall": round(found / len(documents), 4) if documents else 0.0,
        "predicted": dict(Counter(t or "none" for t in types).most_common()),
        "missed": missed[:MAX_EXAMPLES],
    }


def score_sample(
    shared_dir: Path, nlp: Any = None, sample: tuple[tuple[str, str | None], ...] = HAND_SAMPLE
) -> dict[str, Any]:
    """Accuracy of the design type on the hand-checked BC5CDR sample."""
    texts = read_bc5cdr(shared_dir)
    rows = [(pmid, label) for pmid, label in sample if pmid in texts]
    documents = [
        Document(title=texts[p][0], abstract=texts[p][1], pmid=p, source=f"bc5cdr:{p}")
        for p, _ in rows
    ]
    designs = _designs(documents, nlp)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[dict[str, Any]] = []
    correct = 0
    for (pmid, label), design in zip(rows, designs, strict=True):
        got = design_type(design)
        key = label or "none"
        per[key]["n"] += 1
        if got == label:
            correct += 1
            per[key]["correct"] += 1
        else:
            errors.append({"pmid": pmid, "expected": label, "got": design})
    return {
        "documents": len(rows),
        "missing": [p for p, _ in sample if p not in texts],
        "correct": correct,
        "accuracy": round(correct / len(rows), 4) if rows else 0.0,
        "by_design": {
            k: {
                "n": v["n"],
                "correct": v["correct"],
                "accuracy": round(v["correct"] / v["n"], 4),
            }
            for k, v in sorted(per.items())
        },
        "errors": errors,
    }


def evaluate_design(
    shared_dir: Path, *, split: str = "report", limit: int | None = None, nlp: Any = None
) -> dict[str, Any]:
    """RCT recall on Evidence Inference and PICO-Corpus, accuracy on the hand-checked sample.

    Args:
        shared_dir: the ``shared`` folder holding ``data/``.
        split: ``dev``, ``report`` or ``all`` for the two RCT corpora (the sample is not split).
        limit: at most this many documents per RCT corpus (first by id).
        nlp: a pipeline (default: the shared rules pipeline).

    Returns:
        ``{"split", "evidence_inference": {...}, "pico_corpus": {...}, "sample": {...}}``; each
        RCT corpus holds ``documents``, ``randomized``, ``recall``, ``predicted`` (type → count)
        and up to 20 ``missed`` (``id``, ``design``, ``title``); ``sample`` holds ``documents``,
        ``correct``, ``accuracy``, ``by_design`` (type → ``n``, ``correct``, ``accuracy``) and
        ``errors`` (``pmid``, ``expected``, ``got``).
    """
    from ..nlp.pipeline import get_pipeline

    nlp = nlp or get_pipeline()
    shared = Path(shared_dir)
    out: dict[str, Any] = {"split": split}
    for name, loader in (("evidence_inference", _ei_documents), ("pico_corpus", _pico_documents)):
        documents = loader(shared, split, limit)
        out[name] = _rct_recall(documents, _designs(documents, nlp))
    out["sample"] = score_sample(shared, nlp)
    return out


__all__ = [
    "HAND_SAMPLE",
    "RANDOMIZED",
    "design_type",
    "ei_paths",
    "evaluate_design",
    "read_bc5cdr",
    "score_sample",
]
