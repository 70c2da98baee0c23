"""The learned arm selector: which candidate arms of an abstract are the trial's arms.

A logistic regression over the string features of :func:`extractor.nlp.arms.candidate_features`
(trained by :mod:`extractor.training.arm_selector` on the Evidence Inference ``train`` split:
a candidate is an arm when its name matches an annotator's intervention or comparator for that
article). At run time a candidate is kept when its probability reaches ``threshold``; the two
best are kept when the second reaches ``pair_threshold`` (most trials have two arms); never more
than the number of groups the abstract states. Without the model file the rule scores of
:func:`extractor.nlp.arms.select_arms` decide.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ModelError

#: The shipped model: ``<repo>/models/arm-selector/arm_selector.json``.
MODEL_FILE = Path(__file__).resolve().parents[2] / "models" / "arm-selector" / "arm_selector.json"
MODEL_FORMAT = "arm-selector-logreg/1"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ArmSelector:
    """Logistic-regression weights over string features and the two decision thresholds."""

    weights: Mapping[str, float]
    bias: float
    threshold: float
    pair_threshold: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def score(self, features: Iterable[str]) -> float:
        """Probability that a candidate with ``features`` is an arm of the trial."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def choose(
        self, candidates: Sequence[T], features: Sequence[Sequence[str]], cap: int = 4
    ) -> list[T]:
        """The candidates that are arms, most probable first (at most ``cap``)."""
        scored = sorted(
            ((self.score(f), i) for i, f in enumerate(features)), key=lambda x: (-x[0], x[1])
        )
        keep = [i for p, i in scored if p >= self.threshold]
        if len(keep) < 2 and len(scored) >= 2 and scored[1][0] >= self.pair_threshold:
            keep = [scored[0][1], scored[1][1]]
        if not keep and scored:
            keep = [scored[0][1]]
        return [candidates[i] for i in keep[:cap]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "bias": self.bias,
            "threshold": self.threshold,
            "pair_threshold": self.pair_threshold,
            "meta": dict(self.meta),
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArmSelector:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not an arm-selector model: format {data.get('format')!r}")
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            pair_threshold=float(data["pair_threshold"]),
            meta=dict(data.get("meta") or {}),
        )

    def save(self, path: Path) -> None:
        from ..export.files import write_text_atomic  # a retrain never leaves half a file

        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> ArmSelector:
    return ArmSelector.from_dict(json.loads(Path(path).read_text("utf-8")))


def load_selector(path: Path | None = None) -> ArmSelector | None:
    """The model at ``path`` (default :data:`MODEL_FILE`); ``None`` when the file is missing.

    Raises:
        ModelError: the file is not an arm-selector model.
    """
    file = Path(path) if path is not None else MODEL_FILE
    if not file.is_file():
        return None
    try:
        return _load_cached(str(file), file.stat().st_mtime)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # JSON errors are ValueErrors
        raise ModelError(f"cannot load the arm selector: {exc}", source=str(file)) from exc
