"""Sample sizes, arm sizes and per-arm results scored against PICO-Corpus (BRAT).

PICO-Corpus (Mutinda et al., 2022) ships one ``<PMID>.txt`` (title and abstract on one line)
and one ``<PMID>.ann`` per abstract, with character offsets into the ``.txt``. We run the real
pipeline on ``Document(title="", abstract=<the whole .txt>)`` so that predicted offsets index
the same text as the gold ones (the title is the first sentence of the text and is scored too).

Only the labels this module scores are read closely:

* ``total-participants`` → :func:`evaluate_sample_size` (``Population.n``);
* ``intervention-participants`` / ``control-participants`` → arm sizes (the same function);
* ``iv-``/``cv-`` ``bin-abs``, ``bin-percent``, ``cont-mean``, ``cont-median``, ``cont-sd`` →
  :func:`evaluate_arm_results` (``Result.count``/``percent``/``mean``/``median``/``sd``).

Documents are split by :func:`extractor.evaluation.split_of` on their PMID; rules are developed
on ``dev`` and figures are reported on ``report``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language

from ..errors import ExtractorError
from ..records import CONTROL_ROLES, Document, Evidence
from . import split_of
from .scoring import f1_score, ratio

#: Where the BRAT files live inside the shared folder.
PICO_SUBDIR = Path("data") / "pico_corpus" / "brat"
#: At most this many error examples per report (per label for the arm results).
MAX_EXAMPLES = 20
#: Gold labels of arm results → the ``Result`` field they are compared with.
RESULT_FIELDS = {
    "bin-abs": "count",
    "bin-percent": "percent",
    "cont-mean": "mean",
    "cont-median": "median",
    "cont-sd": "sd",
}
ARM_LABELS = ("intervention-participants", "control-participants")


@dataclass(frozen=True, slots=True)
class BratAnnotation:
    """One text-bound annotation; ``spans`` has several parts when it is discontinuous."""

    id: str
    label: str
    spans: tuple[tuple[int, int], ...]
    text: str

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass(frozen=True, slots=True)
class BratDocument:
    """A ``.txt`` file and its text-bound annotations (``T…`` lines) in file order."""

    doc_id: str
    text: str
    annotations: tuple[BratAnnotation, ...]

    def of(self, *labels: str) -> list[BratAnnotation]:
        """Annotations with one of ``labels``, sorted by offset."""
        return sorted((a for a in self.annotations if a.label in labels), key=lambda a: a.spans)


_T_LINE = re.compile(
    r"^(?P<id>T\d+)\t(?P<label>\S+) (?P<offsets>\d+ \d+(?:;\d+ \d+)*)\t?(?P<t>.*)$"
)


def parse_ann(content: str) -> list[BratAnnotation]:
    """Text-bound annotations of one ``.ann`` file; relations, events and notes are skipped.

    ``T1<TAB>label 10 20;25 30<TAB>text`` is a discontinuous span with two parts.
    """
    out: list[BratAnnotation] = []
    for line in content.splitlines():
        m = _T_LINE.match(line)
        if not m:
            continue
        spans = tuple(
            (int(a), int(b)) for a, b in (part.split() for part in m.group("offsets").split(";"))
        )
        out.append(BratAnnotation(m.group("id"), m.group("label"), spans, m.group("t")))
    return out


def read_pico_corpus(root: Path) -> list[BratDocument]:
    """Read every ``<id>.txt`` with its ``<id>.ann`` under ``root``, sorted by id.

    Args:
        root: the BRAT folder, or a shared folder holding ``data/pico_corpus/brat``.

    Raises:
        ExtractorError: the folder holds no ``.txt`` files.
    """
    root = Path(root)
    if not any(root.glob("*.txt")) and (root / PICO_SUBDIR).is_dir():
        root = root / PICO_SUBDIR
    docs: list[BratDocument] = []
    for txt in sorted(root.glob("*.txt")):
        ann = txt.with_suffix(".ann")
        # newline="" keeps "\r\n" as two characters: BRAT offsets count every character.
        with txt.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
        content = ann.read_text("utf-8") if ann.is_file() else ""
        docs.append(BratDocument(txt.stem, text, tuple(parse_ann(content))))
    if not docs:
        raise ExtractorError(f"no BRAT .txt files in {root}")
    return docs


# --- gold numbers ----------------------------------------------------------------------------


def gold_number(doc: BratDocument, ann: BratAnnotation) -> float | None:
    """The number an annotation states: ``"13 388"`` → 13388, ``"Forty-seve"`` → 47, ``"57%"``.

    Spans cut inside a word (``"Forty-seve"``) are first widened to the word's end in the text.
    """
    from ..nlp.sample_size import parse_sample_count

    end = ann.end
    while end < len(doc.text) and (doc.text[end].isalpha()):
        end += 1
    raw = doc.text[ann.start : end].strip().lstrip("(").strip()
    words = re.match(r"[A-Za-z][A-Za-z\s-]*[A-Za-z]", raw)
    if words:
        return parse_sample_count(words.group(0))
    m = re.match(
        r"[-−]?\d{1,3}(?:[ ,\u2008\u2009\u202f\xa0]\d{3})+(?![\d.])|[-−]?\d+(?:[.·]\d+)?", raw
    )
    if not m:
        return None
    value = (
        re.sub(r"[ ,\u2008\u2009\u202f\xa0]", "", m.group(0)).replace("·", ".").replace("−", "-")
    )
    number = float(value)
    return int(number) if number.is_integer() else number


def same_value(a: float | None, b: float | None) -> bool:
    """Equal numbers, allowing for float rounding."""
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6


# --- running the pipeline ------------------------------------------------------------------


def select_documents(
    shared_dir: Path, split: str = "report", limit: int | None = None
) -> list[BratDocument]:
    """PICO-Corpus documents of ``split`` (``dev``, ``report`` or ``all``), at most ``limit``."""
    docs = read_pico_corpus(Path(shared_dir))
    if split != "all":
        docs = [d for d in docs if split_of(d.doc_id) == split]
    return docs[:limit] if limit else docs


def predict(docs: list[BratDocument], nlp: Language | None = None) -> Iterator[Evidence]:
    """Evidence records for ``docs`` (in order) from the real pipeline."""
    from ..assemble import extract_many

    documents = (Document(title="", abstract=d.text, pmid=d.doc_id) for d in docs)
    yield from extract_many(documents, nlp=nlp, batch_size=16)


def _sentence(text: str, offset: int) -> str:
    start = max(text.rfind(". ", 0, offset) + 2, 0) if offset else 0
    end = text.find(". ", offset)
    return text[start : end + 1 if end >= 0 else len(text)][:300]


def _ratio(num: int, den: int) -> float:
    return round(ratio(num, den), 4)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    # F1 of the rounded P and R, as the published figures were computed.
    p, r = _ratio(tp, n_pred), _ratio(tp, n_gold)
    f1 = round(f1_score(p, r), 4)
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "predicted": n_pred, "gold": n_gold}


def predicted_arm_sizes(evidence: Evidence) -> list[int]:
    """Stated arm sizes: every ``SampleSize`` of kind ``arm`` (each stated value once).

    Falls back to ``Intervention.n`` when the record carries no ``sample_sizes``.
    """
    sizes = evidence.population.sample_sizes
    if sizes:
        seen: dict[tuple[int, int], int] = {}
        for s in sizes:
            if s.kind == "arm":
                seen[(s.start, s.end)] = s.n
        return _dedupe_repeats(list(seen.values()))
    return [i.n for i in evidence.interventions if i.n is not None]


def _dedupe_repeats(values: list[int]) -> list[int]:
    """Each distinct value once: an arm size restated in the results is the same arm."""
    return sorted(set(values))


# --- sample size -----------------------------------------------------------------------------


def score_sample_size(
    pairs: Iterable[tuple[BratDocument, Evidence]],
) -> dict[str, Any]:
    """Score predictions against gold; see :func:`evaluate_sample_size` for the metrics."""
    n_docs = with_total = correct = correct_first = predicted = 0
    arm_tp = arm_pred = arm_gold = 0
    att_tp = att_pred = 0
    total_errors: list[dict[str, Any]] = []
    arm_errors: list[dict[str, Any]] = []
    for doc, ev in pairs:
        n_docs += 1
        totals = doc.of("total-participants")
        gold_totals = [v for v in (gold_number(doc, a) for a in totals) if v is not None]
        pred_n = ev.population.n
        if gold_totals:
            with_total += 1
            predicted += pred_n is not None
            hit = pred_n is not None and any(same_value(pred_n, g) for g in gold_totals)
            correct += hit
            correct_first += same_value(pred_n, gold_totals[0])
            if not hit and len(total_errors) < MAX_EXAMPLES:
                total_errors.append(
                    {
                        "doc_id": doc.doc_id,
                        "gold": gold_totals,
                        "predicted": pred_n,
                        "sentence": _sentence(doc.text, totals[0].start),
                    }
                )
        arms = doc.of(*ARM_LABELS)
        gold_arms = Counter(int(v) for v in (gold_number(doc, a) for a in arms) if v is not None)
        gold_set = Counter(set(gold_arms.elements()))
        pred = Counter(predicted_arm_sizes(ev))
        attached = Counter({i.n for i in ev.interventions if i.n is not None})
        tp = sum((pred & gold_set).values())
        arm_tp += tp
        arm_pred += sum(pred.values())
        arm_gold += sum(gold_set.values())
        att_tp += sum((attached & gold_set).values())
        att_pred += sum(attached.values())
        if (pred != gold_set) and len(arm_errors) < MAX_EXAMPLES:
            arm_errors.append(
                {
                    "doc_id": doc.doc_id,
                    "gold": sorted(gold_set.elements()),
                    "predicted": sorted(pred.elements()),
                    "sentence": _sentence(doc.text, arms[0].start) if arms else "",
                }
            )
    return {
        "documents": n_docs,
        "total_n": {
            "accuracy": _ratio(correct, with_total),
            "accuracy_first": _ratio(correct_first, with_total),
            "coverage": _ratio(predicted, with_total),
            "correct": correct,
            "documents_with_gold": with_total,
        },
        "arm_sizes": _prf(arm_tp, arm_pred, arm_gold),
        "arm_sizes_attached": _prf(att_tp, att_pred, arm_gold),
        "examples": {"total_n": total_errors, "arm_sizes": arm_errors},
    }


def evaluate_sample_size(
    shared_dir: Path,
    *,
    split: str = "report",
    nlp: Language | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Total-N accuracy and arm-size precision/recall against PICO-Corpus.

    Metrics:

    * ``total_n.accuracy`` – over abstracts with at least one parseable ``total-participants``
      annotation, the fraction whose predicted ``Population.n`` equals *any* gold total (an
      abstract often annotates both the randomised and the analysed total, and the corpus does
      not say which is which); ``accuracy_first`` is the stricter match with the first gold
      total in the text; ``coverage`` is the fraction with any prediction.
    * ``arm_sizes`` – per abstract, the *distinct* gold ``intervention-``/``control-participants``
      numbers against the distinct predicted arm sizes (``SampleSize`` of kind ``arm``);
      TP is the size of the intersection, summed over abstracts, then micro P/R/F1. Distinct
      values because the corpus annotates a restated arm size once or several times at random.
    * ``arm_sizes_attached`` – the same with ``Intervention.n`` (sizes attached to a named arm).

    Args:
        shared_dir: the shared folder (holding ``data/pico_corpus/brat``) or the BRAT folder.
        split: ``dev``, ``report`` or ``all``.
        nlp: a pipeline (default: the shared one).
        limit: score at most this many abstracts (the first by PMID).

    Returns:
        ``{"documents", "split", "total_n": {...}, "arm_sizes": {...}, "arm_sizes_attached":
        {...}, "examples": {"total_n": [...], "arm_sizes": [...]}}``; each example has
        ``doc_id``, ``gold``, ``predicted`` and ``sentence``.
    """
    docs = select_documents(shared_dir, split, limit)
    report = score_sample_size(zip(docs, predict(docs, nlp), strict=True))
    return {"split": split, **report}


# --- arm results -----------------------------------------------------------------------------


def _predicted_results(ev: Evidence) -> list[tuple[Any, str | None]]:
    """Every ``Result`` with the role (``iv``/``cv``) of the arm it is assigned to, if any."""
    roles = {i.name: ("cv" if i.role in CONTROL_ROLES else "iv") for i in ev.interventions}
    out: list[tuple[Any, str | None]] = []
    for outcome in ev.outcomes:
        for r in outcome.results:
            out.append((r, roles.get(r.arm) if r.arm else None))
    return out


def score_arm_results(pairs: Iterable[tuple[BratDocument, Evidence]]) -> dict[str, Any]:
    """Score predictions against gold; see :func:`evaluate_arm_results` for the metrics."""
    labels = [f"{side}-{kind}" for kind in RESULT_FIELDS for side in ("iv", "cv")]
    gold_n = Counter[str]()
    found = Counter[str]()
    located = Counter[str]()
    pred_n = Counter[str]()
    pred_ok = Counter[str]()
    examples: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
    n_docs = 0
    for doc, ev in pairs:
        n_docs += 1
        results = _predicted_results(ev)
        gold: list[tuple[str, BratAnnotation, float]] = []
        for label in labels:
            for ann in doc.of(label):
                value = gold_number(doc, ann)
                if value is not None:
                    gold.append((label, ann, value))
        for label, ann, value in gold:
            field = RESULT_FIELDS[label[3:]]
            gold_n[label] += 1
            values = [getattr(r, field) for r, _ in results]
            if any(same_value(v, value) for v in values):
                found[label] += 1
            near = [
                r
                for r, _ in results
                if r.start < ann.end + 2
                and ann.start - 2 < r.end
                and same_value(getattr(r, field), value)
            ]
            if near:
                located[label] += 1
            elif len(examples[label]) < MAX_EXAMPLES:
                here = [
                    {k: getattr(r, k) for k in ("text", field, "arm")}
                    for r, _ in results
                    if r.start < ann.end + 2 and ann.start - 2 < r.end
                ]
                examples[label].append(
                    {
                        "doc_id": doc.doc_id,
                        "gold": value,
                        "gold_text": ann.text,
                        "predicted": here,
                        "sentence": _sentence(doc.text, ann.start),
                    }
                )
        for r, role in results:
            if role is None:
                continue
            for kind, field in RESULT_FIELDS.items():
                value = getattr(r, field)
                if value is None:
                    continue
                label = f"{role}-{kind}"
                pred_n[label] += 1
                if any(
                    g_label == label
                    and r.start < ann.end + 2
                    and ann.start - 2 < r.end
                    and same_value(value, g)
                    for g_label, ann, g in gold
                ):
                    pred_ok[label] += 1
    per_label = {
        label: {
            "gold": gold_n[label],
            "recall": _ratio(found[label], gold_n[label]),
            "recall_located": _ratio(located[label], gold_n[label]),
            "arm_precision": _ratio(pred_ok[label], pred_n[label]),
            "arm_predicted": pred_n[label],
        }
        for label in labels
    }
    return {
        "documents": n_docs,
        "labels": per_label,
        "overall": {
            "gold": sum(gold_n.values()),
            "recall": _ratio(sum(found.values()), sum(gold_n.values())),
            "recall_located": _ratio(sum(located.values()), sum(gold_n.values())),
            "arm_precision": _ratio(sum(pred_ok.values()), sum(pred_n.values())),
            "arm_predicted": sum(pred_n.values()),
        },
        "examples": {k: v for k, v in examples.items() if v},
    }


def evaluate_arm_results(
    shared_dir: Path,
    *,
    split: str = "report",
    nlp: Language | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Per-arm results (counts, percentages, means, medians, SDs) against PICO-Corpus.

    For each gold ``iv-``/``cv-`` label (``bin-abs`` → ``Result.count``, ``bin-percent`` →
    ``percent``, ``cont-mean`` → ``mean``, ``cont-median`` → ``median``, ``cont-sd`` → ``sd``)
    the number is parsed from the annotated text, then:

    * ``recall`` – the fraction of gold values equal to that field of *any* predicted ``Result``
      of the same abstract (value-level, position-free, as in the issue);
    * ``recall_located`` – stricter: a predicted ``Result`` whose span overlaps the gold span
      (±2 characters) holds the value;
    * ``arm_precision`` – of the predicted values assigned to an arm (``Result.arm`` names an
      ``Intervention``; a control role — comparator, placebo, usual care — → ``cv``, otherwise
      ``iv``), the fraction whose span
      overlaps a gold annotation of the same side and kind holding the same value.

    Args: as :func:`evaluate_sample_size`.

    Returns:
        ``{"split", "documents", "labels": {label: {...}}, "overall": {...}, "examples":
        {label: [...]}}``; each example has ``doc_id``, ``gold``, ``gold_text``, ``predicted``
        (results overlapping the gold span) and ``sentence``.
    """
    docs = select_documents(shared_dir, split, limit)
    report = score_arm_results(zip(docs, predict(docs, nlp), strict=True))
    return {"split": split, **report}


__all__ = [
    "BratAnnotation",
    "BratDocument",
    "evaluate_arm_results",
    "evaluate_sample_size",
    "gold_number",
    "parse_ann",
    "read_pico_corpus",
    "score_arm_results",
    "score_sample_size",
]


# --- the population's condition --------------------------------------------------------------

#: A predicted condition is correct at this token F1 with one of the abstract's gold conditions.
CONDITION_F1 = 0.5


def score_condition(pairs: Iterable[tuple[BratDocument, Evidence]]) -> dict[str, Any]:
    """``Population.condition`` against PICO-Corpus ``condition`` annotations.

    Over abstracts with at least one gold condition: ``filled`` is the share with a predicted
    condition, ``correct`` the share whose prediction matches a gold condition (token F1 ≥
    :data:`CONDITION_F1`, :func:`extractor.evaluation.records.name_f1`), ``precision`` the share
    of filled predictions that match. The corpus's ``condition`` is what the intervention
    treats ("hot flashes" in breast-cancer survivors); ``correct_or_eligibility`` also accepts
    a prediction found inside an ``eligibility`` annotation ("breast cancer" in "women with
    early breast cancer").
    """
    from .records import name_f1

    scored = filled = correct = loose = 0
    examples: list[dict[str, Any]] = []
    for doc, ev in pairs:
        gold = [a.text for a in doc.of("condition")]
        if not gold:
            continue
        scored += 1
        predicted = ev.population.condition
        filled += bool(predicted)
        ok = bool(predicted) and any(name_f1(g, predicted or "") >= CONDITION_F1 for g in gold)
        correct += ok
        eligible = [a.text.casefold() for a in doc.of("eligibility")]
        loose += ok or (
            bool(predicted) and any((predicted or "").casefold() in e for e in eligible)
        )
        if not ok and len(examples) < 25:
            examples.append({"doc_id": doc.doc_id, "gold": gold, "predicted": predicted})
    return {
        "documents": scored,
        "filled": _ratio(filled, scored),
        "correct": _ratio(correct, scored),
        "precision": _ratio(correct, filled),
        "correct_or_eligibility": _ratio(loose, scored),
        "examples": examples,
    }


def evaluate_condition(
    shared_dir: Path,
    *,
    split: str = "report",
    nlp: Language | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score ``Population.condition`` on the PICO-Corpus abstracts of ``split`` that annotate a
    condition (at most ``limit`` of them; see :func:`score_condition`)."""
    docs = [d for d in select_documents(shared_dir, split) if d.of("condition")][:limit]
    return {"split": split, **score_condition(zip(docs, predict(docs, nlp), strict=True))}
