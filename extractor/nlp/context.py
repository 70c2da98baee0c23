"""A cheap wide-context layer for the PICO tagger's token vectors.

spaCy's CNN encoder sees a fixed window (depth × window tokens each side: 8 for the shipped
tagger), but whether "patients" is a participants mention or "pain" an outcome often depends on
the whole sentence or abstract. :func:`context_tok2vec` (architecture
``evidence.ContextTok2Vec.v1``) puts one layer on top of a tok2vec that gives every token, next
to its own vector, the mean of the vectors within ``window`` tokens either side and the mean of
the whole document; a maxout layer mixes the three back to the tok2vec's width and the result is
added to the token's vector (residual). Running means come from cumulative sums, so the layer
costs one maxout per token whatever the window.

Registered in spaCy's architecture registry when this module is imported (``extractor.nlp.pico``
imports it, so loading the PICO model finds it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Maxout, Model, chain
from thinc.types import Floats2d


def _window_sum(x: numpy.ndarray, window: int, cum: numpy.ndarray | None = None) -> numpy.ndarray:
    """Row ``i`` is the sum of rows ``i - window`` … ``i + window`` of ``x`` (clipped).

    ``cum``: :func:`_cumulative` of ``x`` when the caller has it already (several windows).
    """
    n = x.shape[0]
    if cum is None:
        cum = _cumulative(x)
    idx = numpy.arange(n)
    lo = numpy.maximum(idx - window, 0)
    hi = numpy.minimum(idx + window + 1, n)
    return cum[hi] - cum[lo]


def _cumulative(x: numpy.ndarray) -> numpy.ndarray:
    """Row ``i`` is the sum of the first ``i`` rows of ``x`` (``n + 1`` rows)."""
    cum = numpy.zeros((x.shape[0] + 1, x.shape[1]), dtype=x.dtype)
    numpy.cumsum(x, axis=0, out=cum[1:])
    return cum


def _counts(n: int, window: int) -> numpy.ndarray:
    idx = numpy.arange(n)
    lo = numpy.maximum(idx - window, 0)
    hi = numpy.minimum(idx + window + 1, n)
    return (hi - lo).astype("float32")[:, None]


def wide_context(
    width: int, window: int | Sequence[int], pieces: int = 3
) -> Model[list[Floats2d], list[Floats2d]]:
    """The layer: ``x + maxout([x, mean of each window…, document mean])`` per document."""
    windows = (window,) if isinstance(window, int) else tuple(window)
    n_in = width * (len(windows) + 2)
    mixer: Model[Floats2d, Floats2d] = Maxout(
        nO=width, nI=n_in, nP=pieces, normalize=True, dropout=0.0
    )
    return Model(
        "wide_context",
        _forward,
        init=_init,
        layers=[mixer],
        attrs={"windows": windows},
        dims={"nO": width, "nI": width},
    )


def _init(
    model: Model[list[Floats2d], list[Floats2d]], X: Any = None, Y: Any = None
) -> Model[list[Floats2d], list[Floats2d]]:
    model.layers[0].initialize()
    return model


def _features(arr: numpy.ndarray, windows: tuple[int, ...], out: numpy.ndarray) -> None:
    """Write the mixer's input rows for one document into ``out`` (``n × width·(k+2)``,
    float32): the token's vector, the mean of each window, the document mean."""
    n, width = arr.shape
    if n == 0:
        return
    out[:, :width] = arr
    cum = _cumulative(arr)
    for i, w in enumerate(windows, start=1):
        out[:, i * width : (i + 1) * width] = _window_sum(arr, w, cum) / _counts(n, w)
    out[:, -width:] = arr.mean(axis=0, keepdims=True)


def _forward(
    model: Model[list[Floats2d], list[Floats2d]], xs: list[Floats2d], is_train: bool
) -> tuple[list[Floats2d], Callable[[list[Floats2d]], list[Floats2d]]]:
    if not xs:
        return [], lambda d_outputs: []
    mixer = model.layers[0]
    windows: tuple[int, ...] = model.attrs["windows"]
    ops = model.ops
    lengths = [x.shape[0] for x in xs]
    # one float32 block for the whole batch, each document's rows written in place
    stacked: Any = numpy.empty((sum(lengths), xs[0].shape[1] * (len(windows) + 2)), dtype="float32")
    begin = 0
    for x, n in zip(xs, lengths, strict=True):
        _features(ops.to_numpy(x), windows, stacked[begin : begin + n])
        begin += n
    features = ops.asarray2f(stacked)
    mixed, backprop_mixer = mixer(features, is_train)
    outputs: list[Floats2d] = []
    start = 0
    for x, n in zip(xs, lengths, strict=True):
        outputs.append(x + mixed[start : start + n])
        start += n

    def backprop(d_outputs: list[Floats2d]) -> list[Floats2d]:
        d_stacked: Any = numpy.vstack([ops.to_numpy(d) for d in d_outputs])
        d_features = ops.to_numpy(backprop_mixer(ops.asarray2f(d_stacked)))
        d_inputs: list[Floats2d] = []
        begin = 0
        for d_out, n in zip(d_outputs, lengths, strict=True):
            block = d_features[begin : begin + n]
            begin += n
            if n == 0:
                d_inputs.append(d_out)
                continue
            width = d_out.shape[1]
            total = ops.to_numpy(d_out) + block[:, :width]
            for i, w in enumerate(windows, start=1):
                part = block[:, i * width : (i + 1) * width]
                total = total + _window_sum(part / _counts(n, w), w)
            total = total + block[:, -width:].sum(axis=0, keepdims=True) / n
            d_inputs.append(ops.asarray2f(total.astype("float32")))
        return d_inputs

    return outputs, backprop


@registry.architectures("evidence.ContextTok2Vec.v1")
def context_tok2vec(
    tok2vec: Model[list[Doc], list[Floats2d]], width: int, window: int = 16, pieces: int = 3
) -> Model[list[Doc], list[Floats2d]]:
    """``tok2vec`` followed by :func:`wide_context` (``width`` must be the tok2vec's width)."""
    model: Any = chain(tok2vec, wide_context(width, window, pieces))
    model.set_ref("tok2vec", tok2vec)
    return model


@registry.architectures("evidence.ContextTok2Vec.v2")
def context_tok2vec_v2(
    tok2vec: Model[list[Doc], list[Floats2d]],
    width: int,
    windows: list[int],
    pieces: int = 3,
    depth: int = 1,
) -> Model[list[Doc], list[Floats2d]]:
    """Like v1 with several windows at once and ``depth`` context layers stacked."""
    layers = [wide_context(width, windows, pieces) for _ in range(depth)]
    model: Any = chain(tok2vec, *layers)
    model.set_ref("tok2vec", tok2vec)
    return model
