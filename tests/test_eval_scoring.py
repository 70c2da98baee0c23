"""The one P/R/F1 helper (``extractor.evaluation.scoring``) and its zero-division conventions."""

from __future__ import annotations

import pytest

from extractor.evaluation.scoring import PRF, f1_score, prf, ratio


def test_prf_counts() -> None:
    assert prf(3, 4, 6) == PRF(0.75, 0.5, 0.6)
    p, r, f = prf(3, 4, 6)
    assert (p, r, f) == (0.75, 0.5, pytest.approx(0.6))
    assert prf(3, 4, 6).f1 == 2 * 0.75 * 0.5 / (0.75 + 0.5)


def test_zero_denominators_are_zero() -> None:
    assert prf(0, 0, 0) == PRF(0.0, 0.0, 0.0)
    assert prf(0, 0, 5) == PRF(0.0, 0.0, 0.0)  # nothing predicted: precision 0, not 1
    assert prf(0, 5, 0) == PRF(0.0, 0.0, 0.0)  # nothing gold: recall 0, not 1
    assert prf(0, 3, 4) == PRF(0.0, 0.0, 0.0)
    assert ratio(1, 0) == 0.0
    assert f1_score(0.0, 0.0) == 0.0


def test_tp_gold_for_overlap_matching() -> None:
    # One predicted span covering two gold spans: precision 1/1, recall 2/4.
    assert prf(1, 1, 4, tp_gold=2) == PRF(1.0, 0.5, 2 * 1.0 * 0.5 / 1.5)


def test_same_floats_as_the_formulas_it_replaced() -> None:
    # Bit-for-bit the expressions each evaluation module used before.
    for tp in range(6):
        for n_pred in range(tp, 9):
            for n_gold in range(tp, 9):
                p = tp / n_pred if n_pred else 0.0
                r = tp / n_gold if n_gold else 0.0
                f = 2 * p * r / (p + r) if p + r else 0.0
                assert tuple(prf(tp, n_pred, n_gold)) == (p, r, f)
