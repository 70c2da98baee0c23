"""The study total: which ``doc._.sample_sizes`` row describes the whole study.

:func:`pick_total` chooses it from the rules' rows (the learned arm check never moves it);
:func:`stated_total` is that total when the text states it.
"""

from __future__ import annotations

from typing import Any

from .arm_sizes_model import ADDED


def pick_total(sample_sizes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sample size that best describes the whole study.

    Among ``total`` rows, the one with the highest ``strength`` (a "total of" lead, a
    randomised/enrolled cue in its clause, "Of the N patients"), raised by 2 when it equals the
    sum of two or more ``arm`` sizes or of the next two counts; ties go to a ``randomised`` count,
    then the earliest sentence, then the largest number. Without totals: the sum of the ``arm``
    sizes, then the largest ``analysed`` count; subgroup counts are never chosen. Kinds are the
    rules' own (see :func:`extractor.nlp.arm_sizes_model.apply_model`).
    """
    # The rules' view: rows changed by the learned arm check keep the rules' kind, label and
    # strength in ``row["rule"]`` and rows it added are left out, so it never moves the total.
    sample_sizes = [
        {**r, **r["rule"]} if r.get("rule") else r
        for r in sample_sizes
        if not (r.get("rule") and r["rule"]["kind"] == ADDED)
    ]
    arms = [r for r in sample_sizes if r["kind"] == "arm"]
    totals = [r for r in sample_sizes if r["kind"] == "total"]
    if totals:
        arm_sum = _distinct_sum(arms)
        counts = [r["n"] for r in sample_sizes]

        def score(row: dict[str, Any]) -> tuple[int, int, int, int]:
            strength = int(row.get("strength", 0))
            i = next((k for k, r in enumerate(sample_sizes) if r is row), len(counts))
            following = counts[i + 1 : i + 3]
            if (arm_sum and row["n"] == arm_sum) or (
                len(following) == 2 and sum(following) == row["n"]
            ):
                strength += 2
            randomised = int(row.get("label") == "randomised")  # on a tie, the randomised count
            return (strength, randomised, -int(row.get("sentence") or 0), row["n"])

        return max(totals, key=score)
    if arms:
        first = arms[0]
        return {**first, "n": _distinct_sum(arms) or sum(r["n"] for r in arms), "kind": "arm_sum"}
    analysed = [r for r in sample_sizes if r["kind"] == "analysed"]
    if analysed:
        return max(analysed, key=lambda r: r["n"])
    return None


def stated_total(sample_sizes: list[dict[str, Any]]) -> int | None:
    """The study total of :func:`pick_total` when the text states it (not a sum of arm sizes)."""
    chosen = pick_total(sample_sizes)
    return int(chosen["n"]) if chosen and chosen["kind"] != "arm_sum" else None


def _distinct_sum(arms: list[dict[str, Any]]) -> int:
    """Sum of arm sizes in their first statement: restated sizes ("n = 50" again) count once."""
    first_sentence = min((int(r.get("sentence") or 0) for r in arms), default=0)
    group = [r["n"] for r in arms if int(r.get("sentence") or 0) == first_sentence]
    return sum(group) if len(group) >= 2 else 0
