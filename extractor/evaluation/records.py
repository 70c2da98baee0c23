"""Records against the reviewer's question, end to end (``evidence evaluate records``).

Evidence Inference 2.0 (``data/evidence_inference``) asks, per prompt, "outcome O for
intervention I vs comparator C: increased, decreased or no different?". Here the ``.abst`` files
go in through the same path as ``evidence batch`` (:func:`extractor.extraction.extract_batch`:
reader → cleaner → pipeline → record) and only the records come out; each prompt whose
evidence sentence lies in the abstract is then scored on its article's record:

* ``intervention_found``: an arm of the record (name or long form) matches I;
* ``outcome_found``: an outcome of the record (``outcomes`` or a comparison's outcome) matches O;
* ``triple_matched``: one comparison matches I, C and O (either way round: "C vs I" is the same
  comparison);
* ``answered``: that comparison also gives the prompt's direction (flipped when the comparison
  runs C vs I; ``no_difference`` either way).

Names match when their token F1 is ≥ 0.3 (:func:`name_f1`: lower-cased words; plain numbers, dose
units and schedules, a few function words and arm words such as "group" left out — prompts often
carry the dose, "cilostazol group (50 mg for 2 weeks, 100 mg for 6 weeks)", which the record
keeps on the arm's ``doses``, not in its name). A prompt arm that says only "control" /
"control group" names the record's control arm (role placebo, usual care or comparator),
whatever the abstract calls it. Articles are split by
:func:`extractor.evaluation.split3_of` on ``PMC<id>`` (train / dev / report); the report part
is frozen: its id digest is pinned in ``tests/test_eval_records.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..records import CONTROL_ROLES, Comparison, Evidence
from . import SPLITS, ids_digest, split3_of
from .direction import Prompt, load_prompts
from .scoring import prf

#: A name matches a gold name at this token F1 or more.
MATCH_F1 = 0.3
_FLIP = {"increased": "decreased", "decreased": "increased", "no_difference": "no_difference"}
_GOLD = {"increased": "increased", "decreased": "decreased", "no difference": "no_difference"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"[^\W_]+(?:\.[0-9]+)?")
#: Function words, arm words, and dose amounts, units and schedules: a name is compared on its
#: words (the record carries doses apart, on the arm).
_IGNORE = frozenset(
    [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "and", "or", "vs",
        "versus", "than", "from", "as", "who", "were", "was", "is", "are",
        "group", "groups", "arm", "arms", "patients", "patient", "subjects", "participants",
        "received", "receiving", "treated", "treatment",
        "mg", "g", "kg", "ml", "μg", "µg", "ug", "mcg", "iu", "units", "unit", "mmol", "mol", "l",
        "dl", "dose", "doses",
        "day", "days", "daily", "week", "weeks", "weekly", "month", "months", "monthly", "hour",
        "hours", "h", "min", "minutes", "once", "twice", "times",
    ]
)  # fmt: skip


def name_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of a name; plain numbers, dose units, function and arm words
    left out ("EQ-5D" keeps "eq" and "5d")."""
    return [
        t for t in _TOKEN.findall(text.casefold()) if t not in _IGNORE and not _NUMBER.fullmatch(t)
    ]


def name_f1(gold: str, predicted: str) -> float:
    """Token F1 between two names (multiset overlap of :func:`name_tokens`)."""
    g, p = Counter(name_tokens(gold)), Counter(name_tokens(predicted))
    return prf(sum((g & p).values()), sum(p.values()), sum(g.values())).f1


def _matches(gold: str, names: Iterable[str]) -> bool:
    return any(name_f1(gold, n) >= MATCH_F1 for n in names if n)


def _arm_names(record: Evidence) -> dict[str, list[str]]:
    """Each arm name → the names it answers to (itself and its long form)."""
    out: dict[str, list[str]] = {}
    for arm in record.interventions:
        out.setdefault(arm.name, []).extend(n for n in (arm.name, arm.long_form) if n)
    return out


#: Prompt names that say only "the control arm" ("Control", "control group", "controls").
_GENERIC_CONTROL = frozenset({"control", "controls", "control group", "the control group"})


def is_generic_control(name: str) -> bool:
    return " ".join(name.casefold().split()).strip(" .") in _GENERIC_CONTROL


def _aliases(name: str, arms: dict[str, list[str]]) -> list[str]:
    return arms.get(name) or [name]


def _arm_matches(gold: str, arm: str, arms: dict[str, list[str]], controls: set[str]) -> bool:
    """``gold`` names ``arm``: by name or long form, or a generic "control" for a control arm."""
    if is_generic_control(gold) and arm in controls:
        return True
    return _matches(gold, _aliases(arm, arms))


def score_prompt(prompt: Prompt, record: Evidence | None) -> dict[str, bool]:
    """The four yes/no scores of one prompt on its article's record (all False without one)."""
    keys = ("intervention_found", "outcome_found", "triple_matched", "answered")
    if record is None:
        return dict.fromkeys(keys, False)
    arms = _arm_names(record)
    arm_names = [n for names in arms.values() for n in names]
    controls = {a.name for a in record.interventions if a.role in CONTROL_ROLES}
    outcome_names = [o.name for o in record.outcomes] + [c.outcome for c in record.comparisons]
    gold = _GOLD.get(prompt.label, prompt.label)
    triple = answered = False
    for comparison in record.comparisons:
        if not _matches(prompt.outcome, [comparison.outcome]):
            continue
        forward = _arm_matches(
            prompt.intervention, comparison.intervention, arms, controls
        ) and _arm_matches(prompt.comparator, comparison.comparator, arms, controls)
        backward = _arm_matches(
            prompt.intervention, comparison.comparator, arms, controls
        ) and _arm_matches(prompt.comparator, comparison.intervention, arms, controls)
        if not (forward or backward):
            continue
        triple = True
        direction = comparison.direction
        if direction is None:
            continue
        if (forward and direction == gold) or (backward and _FLIP[direction] == gold):
            answered = True
            break
    return {
        "intervention_found": _matches(prompt.intervention, arm_names)
        or (is_generic_control(prompt.intervention) and bool(controls)),
        "outcome_found": _matches(prompt.outcome, outcome_names),
        "triple_matched": triple,
        "answered": answered,
    }


def abst_path(shared_dir: Path, pmcid: str) -> Path:
    return Path(shared_dir) / "data" / "evidence_inference" / "abstracts" / f"PMC{pmcid}.abst"


def split_prompts(shared_dir: Path, split: str) -> list[Prompt]:
    """Prompts of a split (train, dev, report or all) whose evidence is in the abstract."""
    if split not in (*SPLITS, "all"):
        raise ExtractorError(f"unknown split {split!r} (use 'train', 'dev', 'report' or 'all')")
    prompts = load_prompts(shared_dir, split=None)
    return [
        p
        for p in prompts
        if p.in_abstract and (split == "all" or split3_of(f"PMC{p.pmcid}") == split)
    ]


def report_digest(shared_dir: Path) -> str:
    """Digest of the report split's article ids (pinned in the gate: the split is frozen)."""
    return ids_digest([p.pmcid for p in split_prompts(shared_dir, "report")])


def _pmcid_of(record: Evidence) -> str | None:
    if record.document.pmcid:
        return record.document.pmcid.upper().removeprefix("PMC")
    match = re.search(r"PMC(\d+)\.abst$", record.document.source or "")
    return match.group(1) if match else None


def extract_records(
    shared_dir: Path, pmcids: list[str], *, jobs: int = 1, nlp: Any = None
) -> dict[str, Evidence]:
    """Records of the articles, through the ``evidence batch`` path, keyed by PMC id."""
    from ..extraction import extract_batch

    paths = [str(abst_path(shared_dir, p)) for p in pmcids]
    out: dict[str, Evidence] = {}
    for item in extract_batch(paths, nlp=nlp, jobs=jobs):
        if isinstance(item, Evidence):
            key = _pmcid_of(item)
            if key:
                out[key] = item
    return out


def evaluate_records(
    shared_dir: Path,
    *,
    split: str = "report",
    limit: int | None = None,
    jobs: int = 1,
    nlp: Any = None,
    examples: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score records against the Evidence Inference prompts of ``split``.

    Args:
        shared_dir: the ``shared`` folder (holding ``data/evidence_inference``).
        split: ``train``, ``dev``, ``report`` or ``all``.
        limit: score only the prompts of the first ``limit`` articles (sorted by PMC id).
        jobs: worker processes for the extraction (as ``evidence batch --jobs``).
        nlp: a pipeline to use instead of the default one (``jobs`` must then be 1).
        examples: include up to this many missed prompts (with the record's comparisons).

    Returns:
        ``{"split", "articles", "prompts", "records", "scores": {name: fraction},
        "counts": {name: int}, "comparisons_per_record", "report_digest"?, "missed"?}``.
    """
    prompts = split_prompts(shared_dir, split)
    pmcids = sorted({p.pmcid for p in prompts}, key=int)
    if limit is not None:
        pmcids = pmcids[:limit]
        keep = set(pmcids)
        prompts = [p for p in prompts if p.pmcid in keep]
    if not prompts:
        raise ExtractorError(f"no Evidence Inference prompts in split {split!r}")
    records = extract_records(shared_dir, pmcids, jobs=jobs, nlp=nlp)
    counts: Counter[str] = Counter()
    missed: list[dict[str, Any]] = []
    for prompt in prompts:
        record = records.get(prompt.pmcid)
        scored = score_prompt(prompt, record)
        counts.update(k for k, v in scored.items() if v)
        if examples and not scored["answered"] and len(missed) < examples:
            missed.append(_missed(prompt, record, scored))
    n = len(prompts)
    report: dict[str, Any] = {
        "split": split,
        "articles": len(pmcids),
        "prompts": n,
        "records": len(records),
        "scores": {
            k: round(counts[k] / n, 4)
            for k in ("intervention_found", "outcome_found", "triple_matched", "answered")
        },
        "counts": dict(counts),
        "comparisons_per_record": round(
            sum(len(r.comparisons) for r in records.values()) / max(len(records), 1), 2
        ),
    }
    if split == "report" and limit is None:
        report["report_digest"] = ids_digest(pmcids)
    if missed:
        report["missed"] = missed
    return report


def _missed(prompt: Prompt, record: Evidence | None, scored: dict[str, bool]) -> dict[str, Any]:
    def brief(c: Comparison) -> str:
        return f"{c.outcome} | {c.intervention} vs {c.comparator} | {c.direction}"

    return {
        "pmcid": prompt.pmcid,
        "prompt": f"{prompt.outcome} | {prompt.intervention} vs {prompt.comparator} | "
        f"{prompt.label}",
        "evidence": prompt.evidence[:300],
        "scores": scored,
        "arms": []
        if record is None
        else [
            f"{a.name} ({a.role}{', ' + a.long_form if a.long_form else ''})"
            for a in record.interventions
        ],
        "comparisons": [] if record is None else [brief(c) for c in record.comparisons],
        "controls": []
        if record is None
        else [a.name for a in record.interventions if a.role in CONTROL_ROLES],
    }
