"""Dose recall against the dose text inside Evidence Inference intervention prompts.

Corpus: ``data/evidence_inference/prompts_merged.csv`` (``PromptID,PMCID,Outcome,Intervention,
Comparator``, written by annotators) and ``abstracts/PMC<ID>.abst``.

How an item is made (see :func:`parse_amounts`):

1. The prompt's ``Intervention`` and ``Comparator`` text is scanned for ``NUMBER UNIT`` with a
   regex of its own (it does not reuse the extractor's patterns, so the figure is not circular):
   a number (``1.2``, decimal comma ``2,5``, thousands ``50,000``), optionally chained with more
   numbers by ``-``/``–``/``to``/``or``/``and``/``,``/``/`` (``30 or 60 μg``, ``10/20 mg``: every
   number of the chain gets the unit), then a dose unit: mg, g, µg/μg/mcg/ug, ng, IU, U/units,
   mL/ml, mmol, mEq (and the spelled-out words). Percentages (``1%``) and amounts per volume
   (``2 mg/ml``, ``6 ng/mL`` effect-site or plasma targets, ``40 mg/L`` in water) are not items:
   the extractor deliberately reports concentrations as no dose (lab values look the same).
   Units are mapped to one canonical UCUM code: ``mg``, ``g``, ``ug`` (every microgram
   spelling), ``ng``, ``[IU]``, ``U``, ``mL``, ``mmol``, ``meq``. What follows the unit
   (``/kg``, ``/day``) is ignored: the item is amount + unit only.
2. The same scan runs over the abstract part of the ``.abst`` file (the ``ABSTRACT.``
   sections; never the title or ``BODY.``). A prompt ``(amount, unit)`` that does not occur in
   the abstract is dropped (the annotator read it in the full text; we cannot find it).
3. Items are unique ``(PMCID, amount, unit)`` triples: the same intervention appears in one
   prompt per outcome, and counting each prompt would weight trials by their outcome count.
   ``prompts`` counts the prompts that contributed at least one item.

An item is *found* when the Evidence record of that abstract (``extract_evidence``: doses
attached to interventions and comparators) holds a ``Dose`` with ``unit`` canonically equal and
``amount == item`` or ``amount_max == item`` (a range ``20-40 mg`` holds 20 and 40).
``found_on_named_arm`` is stricter: the dose sits on an intervention whose name or long form
occurs in the prompt's text (a check of the dose → arm attachment, not only of the parse).
``found_in_doc`` also counts doses the ``evidence_dosing`` component found but the assembly did
not attach (a gap between the two is an attachment loss).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..nlp.common import parse_number
from ..records import Document, Evidence
from ..sources.abst import abst_document as parse_abst_document
from ..sources.abst import read_abst_text
from . import split_of

_NUM = r"\d+(?:[.,·]\d+)*"
#: spelling → canonical UCUM code; longest alternatives are tried first.
_UNIT_CANON = {
    "mg": "mg",
    "milligrams": "mg",
    "milligram": "mg",
    "g": "g",
    "gm": "g",
    "grams": "g",
    "gram": "g",
    "µg": "ug",
    "μg": "ug",
    "mcg": "ug",
    "ug": "ug",
    "micrograms": "ug",
    "microgram": "ug",
    "ng": "ng",
    "IU": "[IU]",
    "iu": "[IU]",
    "[IU]": "[IU]",
    "international units": "[IU]",
    "U": "U",
    "units": "U",
    "mL": "mL",
    "ml": "mL",
    "mmol": "mmol",
    "mEq": "meq",
    "meq": "meq",
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNIT_CANON, key=len, reverse=True))
_AMOUNTS = re.compile(
    rf"(?<![\w.,/·:])(?P<chain>{_NUM}(?:\s*(?:-|–|to|or|and|,|/)\s*{_NUM})*)\s*"
    rf"(?P<unit>{_UNIT_ALT})(?![A-Za-z0-9%µμ])"
)
_CHAIN_NUM = re.compile(_NUM)
_PER_VOLUME = re.compile(r"\s*(?:/|per\s+)\s*(?:d?[lL]|m[lL]|lit(?:er|re)s?)\b")


def canonical_unit(unit: str | None) -> str | None:
    """The canonical UCUM code of a unit spelling (``μg``/``mcg`` → ``ug``, ``IU`` → ``[IU]``)."""
    if unit is None:
        return None
    return _UNIT_CANON.get(unit, _UNIT_CANON.get(unit.lower(), unit))


def parse_amounts(
    text: str, *, concentrations: bool = True
) -> Iterator[tuple[float, str, int, int]]:
    """Every ``(amount, canonical_unit, start, end)`` written as a number and a dose unit.

    ``"30 or 60 μg"`` gives ``(30, "ug", ...)`` and ``(60, "ug", ...)``. With
    ``concentrations=False`` an amount per volume (``2 mg/ml``, ``6 ng/mL``, ``40 mg/L``) is
    skipped: the extractor treats those as concentrations, never as doses.
    """
    for m in _AMOUNTS.finditer(text):
        if not concentrations and _PER_VOLUME.match(text, m.end()):
            continue
        unit = canonical_unit(m.group("unit"))
        assert unit is not None
        chain = m.group("chain")
        # "50,000" is one number; "0.5, 1 and 2" three: split on list commas only.
        parts = [parse_number(p) for p in _CHAIN_NUM.findall(re.sub(r",\s+", " , ", chain))]
        for amount in parts:
            if amount is not None:
                yield amount, unit, m.start(), m.end()


def read_abst(path: Path) -> tuple[str, str]:
    """``(title, abstract)`` of an Evidence Inference ``.abst`` file (see ``sources.abst``)."""
    return read_abst_text(path.read_text(encoding="utf-8", errors="replace"))


def abst_document(path: Path) -> Document:
    """A ``Document`` of the abstract part of a ``.abst`` file, with labelled sections."""
    return parse_abst_document(path.read_text(encoding="utf-8", errors="replace"), source=str(path))


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1 : right + 1].strip()


def collect_items(
    shared_dir: Path, *, split: str = "report", limit: int | None = None
) -> dict[str, dict[tuple[float, str], list[str]]]:
    """``{pmcid: {(amount, unit): [prompt texts]}}`` for the prompts of ``split`` (see module)."""
    root = Path(shared_dir) / "data" / "evidence_inference"
    per_doc: dict[str, dict[tuple[float, str], list[str]]] = defaultdict(dict)
    with open(root / "prompts_merged.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pmcid = row["PMCID"].strip()
            if split != "all" and split_of(f"PMC{pmcid}") != split:
                continue
            prompt = f"{row['Intervention']} | {row['Comparator']}"
            for amount, unit, _s, _e in parse_amounts(prompt, concentrations=False):
                per_doc[pmcid].setdefault((amount, unit), []).append(prompt)
    out: dict[str, dict[tuple[float, str], list[str]]] = {}
    for pmcid in sorted(per_doc, key=int):
        path = root / "abstracts" / f"PMC{pmcid}.abst"
        if not path.is_file():
            continue
        _title, abstract = read_abst(path)
        present = {(a, u) for a, u, _s, _e in parse_amounts(abstract)}
        items = {k: v for k, v in per_doc[pmcid].items() if k in present}
        if items:
            out[pmcid] = items
        if limit is not None and len(out) >= limit:
            break
    return out


def evaluate_doses(
    shared_dir: Path, *, split: str = "report", nlp: Any = None, limit: int | None = None
) -> dict[str, Any]:
    """Recall of prompt dose amounts+units among the doses extracted from the abstract.

    Args:
        shared_dir: the ``shared`` folder holding ``data/evidence_inference``.
        split: ``dev``, ``report`` (by :func:`extractor.evaluation.split_of` of ``PMC<ID>``) or
            ``all``.
        nlp: a pipeline (default: the shared rules pipeline).
        limit: score only the first ``limit`` documents (by PMCID) that have items.

    Returns:
        ``{"split", "documents", "prompts", "items", "found", "recall", "found_on_named_arm",
        "recall_on_named_arm", "found_in_doc",
        "recall_in_doc", "by_unit": {unit: {"items", "found", "recall"}}, "missed": [...]}``;
        ``missed`` holds up to 20 ``{"pmcid", "amount", "unit", "prompt", "sentence",
        "extracted"}``.
    """
    from ..assemble import evidence_from_doc, make_doc
    from ..nlp.pipeline import get_pipeline, pipeline_label

    nlp = nlp or get_pipeline()
    root = Path(shared_dir) / "data" / "evidence_inference"
    items = collect_items(shared_dir, split=split, limit=limit)
    documents = {p: abst_document(root / "abstracts" / f"PMC{p}.abst") for p in items}
    total = found = found_doc = found_arm = 0
    prompts: set[str] = set()
    by_unit: dict[str, Counter[str]] = defaultdict(Counter)
    missed: list[dict[str, Any]] = []
    label = pipeline_label(nlp)
    pairs = ((make_doc(nlp, documents[p]), p) for p in items)
    for doc, pmcid in nlp.pipe(pairs, as_tuples=True, batch_size=16):
        evidence = evidence_from_doc(documents[pmcid], doc, label)
        attached = _attached_doses(evidence)
        in_doc = _doses_in_doc(doc)
        owners = _dose_owners(evidence)
        text = documents[pmcid].abstract
        for (amount, unit), texts in items[pmcid].items():
            total += 1
            prompts.update(texts)
            by_unit[unit]["items"] += 1
            hit = (amount, unit) in attached
            said = " ".join(texts).lower()
            found_arm += any(n in said for n in owners.get((amount, unit), []))
            found += hit
            found_doc += (amount, unit) in in_doc
            if hit:
                by_unit[unit]["found"] += 1
            elif len(missed) < 20:
                missed.append(_missed_item(pmcid, amount, unit, texts, text, doc))
    return {
        "split": split,
        "documents": len(items),
        "prompts": len(prompts),
        "items": total,
        "found": found,
        "recall": round(found / total, 4) if total else None,
        "found_on_named_arm": found_arm,
        "recall_on_named_arm": round(found_arm / total, 4) if total else None,
        "found_in_doc": found_doc,
        "recall_in_doc": round(found_doc / total, 4) if total else None,
        "by_unit": _by_unit_figures(by_unit),
        "missed": missed,
    }


def _attached_doses(evidence: Evidence) -> set[tuple[float, str | None]]:
    """Every ``(amount, canonical unit)`` of a dose attached to an arm (ranges give both ends)."""
    return {
        (value, canonical_unit(d.unit))
        for arm in evidence.interventions
        for d in arm.doses
        for value in (d.amount, d.amount_max)
        if value is not None
    }


def _doses_in_doc(doc: Any) -> set[tuple[float, str | None]]:
    """Every ``(amount, canonical unit)`` the dosing component found, attached or not."""
    return {
        (value, canonical_unit(d["unit"]))
        for d in doc._.doses or []
        for value in (d["amount"], d.get("amount_max"))
        if value is not None
    }


def _dose_owners(evidence: Evidence) -> dict[tuple[float, str | None], list[str]]:
    """``{(amount, canonical unit): [lower-cased names and long forms of the arms holding it]}``."""
    owners: dict[tuple[float, str | None], list[str]] = defaultdict(list)
    for arm in evidence.interventions:
        names = [n.lower() for n in (arm.name, arm.long_form) if n]
        for d in arm.doses:
            for value in (d.amount, d.amount_max):
                if value is not None:
                    owners[(value, canonical_unit(d.unit))].extend(names)
    return owners


def _missed_item(
    pmcid: str, amount: float, unit: str, texts: list[str], text: str, doc: Any
) -> dict[str, Any]:
    """The ``missed`` entry of an item not found: its prompt, abstract sentence and the doses."""
    where = next((s, e) for a, u, s, e in parse_amounts(text) if (a, u) == (amount, unit))
    return {
        "pmcid": pmcid,
        "amount": amount,
        "unit": unit,
        "prompt": texts[0],
        "sentence": _sentence_around(text, *where),
        "extracted": sorted(f"{d['amount']} {d['unit']}" for d in doc._.doses or [])[:12],
    }


def _by_unit_figures(by_unit: dict[str, Counter[str]]) -> dict[str, dict[str, Any]]:
    """``{unit: {"items", "found", "recall"}}``, the units with the most items first."""
    return {
        u: {
            "items": c["items"],
            "found": c["found"],
            "recall": round(c["found"] / c["items"], 4) if c["items"] else None,
        }
        for u, c in sorted(by_unit.items(), key=lambda kv: -kv[1]["items"])
    }


__all__ = [
    "abst_document",
    "canonical_unit",
    "collect_items",
    "evaluate_doses",
    "parse_amounts",
    "read_abst",
]
