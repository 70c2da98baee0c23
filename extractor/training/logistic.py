"""L2-regularised logistic regression over sets of string features (the learned checks' fitter).

Deterministic: the vocabulary is sorted and L-BFGS starts from zeros. Needs scipy (a development
dependency: models are trained here, scored in pure Python at run time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


def fit_logistic(
    rows: Sequence[tuple[Iterable[str], int]], *, l2: float = 2.0, min_count: int = 2
) -> tuple[dict[str, float], float]:
    """``(weights, bias)`` for ``(features, label)`` rows; features seen in fewer than
    ``min_count`` rows are dropped."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    sets = [set(feats) for feats, _ in rows]
    counts = Counter(f for feats in sets for f in feats)
    vocab = sorted(f for f, k in counts.items() if k >= min_count)
    col = {f: i for i, f in enumerate(vocab)}
    indptr = [0]
    indices: list[int] = []
    for feats in sets:
        indices.extend(sorted({col[f] for f in feats if f in col}))
        indptr.append(len(indices))
    x = csr_matrix(
        (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(rows), len(vocab)),
    )
    y = np.array([label for _, label in rows], dtype=np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        ll = np.logaddexp(0.0, z) - y * z
        value = float(ll.sum() + 0.5 * l2 * w @ w)
        r = p - y
        grad = np.concatenate([x.T @ r + l2 * w, [r.sum()]])
        return value, grad

    result = minimize(
        loss,
        np.zeros(len(vocab) + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 2000, "gtol": 1e-7},
    )
    theta = result.x
    weights = {f: round(float(theta[i]), 5) for f, i in col.items() if abs(theta[i]) >= 1e-5}
    return weights, round(float(theta[-1]), 5)
