"""Precision, recall and F1: the one place every evaluation and training module computes them.

Conventions (kept exactly as every reported figure and gate was computed):

* a ratio with a zero denominator is ``0.0`` (nothing predicted → precision 0.0; nothing
  gold → recall 0.0);
* F1 is ``2 * p * r / (p + r)``, and ``0.0`` when ``p + r`` is zero;
* nothing is rounded here: callers round (some round P and R before taking F1 of the rounded
  values, see :func:`f1_score`).
"""

from __future__ import annotations

from typing import NamedTuple


class PRF(NamedTuple):
    """Precision, recall and F1 (unrounded); unpacks as ``p, r, f = prf(...)``."""

    precision: float
    recall: float
    f1: float


def ratio(num: float, den: float) -> float:
    """``num / den``, or ``0.0`` when ``den`` is zero."""
    return num / den if den else 0.0


def f1_score(precision: float, recall: float) -> float:
    """The harmonic mean of ``precision`` and ``recall`` (``0.0`` when both are zero)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def prf(tp: int, n_pred: int, n_gold: int, *, tp_gold: int | None = None) -> PRF:
    """P/R/F1 from true positives and the predicted and gold counts.

    Args:
        tp: true positives (predicted items that match a gold item).
        n_pred: predicted items (``tp + fp``).
        n_gold: gold items (``tp + fn``).
        tp_gold: gold items that are matched, when that differs from ``tp`` (overlap span
            matching, where one prediction can cover two gold spans); defaults to ``tp``.
    """
    precision = ratio(tp, n_pred)
    recall = ratio(tp if tp_gold is None else tp_gold, n_gold)
    return PRF(precision, recall, f1_score(precision, recall))


__all__ = ["PRF", "f1_score", "prf", "ratio"]
