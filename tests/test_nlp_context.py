"""The wide-context layer of the PICO tagger: right gradients, window maths, saved and loaded."""

from __future__ import annotations

import numpy
import pytest
from thinc.api import Model, fix_random_seed

from extractor.nlp.context import _window_sum, wide_context


def test_window_sum_is_the_clipped_window() -> None:
    x = numpy.arange(12, dtype="float32").reshape(6, 2)
    got = _window_sum(x, 2)
    want = numpy.stack([x[max(0, i - 2) : i + 3].sum(axis=0) for i in range(6)])
    assert numpy.array_equal(got, want)


def _loss(model: Model, xs: list, weights: list) -> float:
    ys, _ = model(xs, is_train=False)
    return sum(float((y * w).sum()) for y, w in zip(ys, weights, strict=True))


@pytest.mark.parametrize("windows", [2, [1, 3]])
def test_backprop_matches_finite_differences(windows: int | list[int]) -> None:
    fix_random_seed(0)
    rng = numpy.random.default_rng(0)
    model = wide_context(4, windows)
    xs = [rng.standard_normal((7, 4)).astype("float32"), rng.standard_normal((3, 4)).astype("f")]
    model.initialize(X=xs)
    ys, backprop = model(xs, is_train=True)
    weights = [rng.standard_normal(y.shape).astype("float32") for y in ys]
    grads = backprop(weights)
    eps = 1e-2
    errors = []
    for d, x in enumerate(xs):
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                plus = [a.copy() for a in xs]
                minus = [a.copy() for a in xs]
                plus[d][i, j] += eps
                minus[d][i, j] -= eps
                numeric = (_loss(model, plus, weights) - _loss(model, minus, weights)) / (2 * eps)
                errors.append(abs(numeric - grads[d][i, j]))
    # float32 and maxout kinks make single differences noisy; a wrong term is off by ~0.1-1
    assert numpy.median(errors) < 1e-3
    assert numpy.percentile(errors, 95) < 1e-2


def test_each_token_sees_the_rest_of_the_document() -> None:
    rng = numpy.random.default_rng(1)
    model = wide_context(4, 1)
    x = rng.standard_normal((30, 4)).astype("float32")
    model.initialize(X=[x])
    before = model([x], is_train=False)[0][0]
    far = x.copy()
    far[-1] += 5.0  # 29 tokens away: outside every window, inside the document mean
    after = model([far], is_train=False)[0][0]
    assert not numpy.allclose(before, after)


def test_saved_weights_give_the_same_output() -> None:
    rng = numpy.random.default_rng(2)
    x = rng.standard_normal((5, 4)).astype("float32")
    model = wide_context(4, [2, 4])
    model.initialize(X=[x])
    copy = wide_context(4, [2, 4])
    copy.initialize(X=[x])
    copy.from_bytes(model.to_bytes())
    assert numpy.allclose(model([x], is_train=False)[0][0], copy([x], is_train=False)[0][0])
    assert model([], is_train=False)[0] == []
