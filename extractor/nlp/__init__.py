"""Stage 2: the spaCy pipeline that turns an abstract into evidence spans.

One component per module (``sections``, ``sample_size``, ``dosing``, ``results``,
``entities``), its rule families in modules beside it (``sample_size_arms``, ``population``,
``interventions``, ``arm_names``, ``outcomes``, ``model_spans`` …); rule data in
``patterns/*.jsonl``. Build it with :func:`build_pipeline` or use
the shared :func:`get_pipeline` (:func:`pipeline_for` for a ``Settings``).
"""

from __future__ import annotations

from .pipeline import build_pipeline, get_pipeline, pipeline_for, pipeline_label

__all__ = ["build_pipeline", "get_pipeline", "pipeline_for", "pipeline_label"]
