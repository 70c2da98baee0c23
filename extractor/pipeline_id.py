"""Which pipeline a record comes from, known without loading spaCy (a leaf module).

``Evidence.pipeline`` is ``name/version``: ``evidence-rules/0.1.0``, or
``evidence-rules+pico/0.1.0`` when the models folder holds a PICO tagger. ``evidence batch``
compares it with the stored records' to skip the work already done (resume), before any
worker has built a pipeline. Bump :data:`PIPELINE_VERSION` with any change to what the
pipeline extracts; ``evidence batch --force`` re-extracts regardless.
"""

from __future__ import annotations

from pathlib import Path

PIPELINE_NAME = "evidence-rules"
PIPELINE_VERSION = "0.1.0"
PICO_DIR_NAME = "pico"
#: Where the shipped PICO tagger lives in the default models folder (used when no ``pico/``).
SHIPPED_PICO_NAME = "pico-tagger"


def pico_folder(models_dir: Path) -> Path | None:
    """The PICO tagger a pipeline for ``models_dir`` includes: ``pico/``, else the shipped one."""
    for name in (PICO_DIR_NAME, SHIPPED_PICO_NAME):
        if (Path(models_dir) / name).is_dir():
            return Path(models_dir) / name
    return None


def pipeline_label(models_dir: Path) -> str:
    """The ``Evidence.pipeline`` of records extracted with the models in ``models_dir``."""
    name = PIPELINE_NAME + ("+pico" if pico_folder(models_dir) else "")
    return f"{name}/{PIPELINE_VERSION}"
