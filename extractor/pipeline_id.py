"""Which pipeline a record comes from, known without loading spaCy (a leaf module).

``Evidence.pipeline`` is ``name/version``: ``evidence-rules/0.2.0``, or
``evidence-rules+pico+ner/0.2.0`` when the models folder holds a PICO tagger and the
chemical/disease model. ``evidence batch``
compares it with the stored records' to skip the work already done (resume), before any
worker has built a pipeline. Bump :data:`PIPELINE_VERSION` with any change to what the
pipeline extracts; ``evidence batch --force`` re-extracts regardless.
"""

from __future__ import annotations

from pathlib import Path

PIPELINE_NAME = "evidence-rules"
PIPELINE_VERSION = "0.2.0"
PICO_DIR_NAME = "pico"
#: Where the shipped PICO tagger lives in the default models folder (used when no ``pico/``).
SHIPPED_PICO_NAME = "pico-tagger"
#: The chemical/disease NER model (needs the PICO tagger's vectors table).
NER_DIR_NAME = "ner"


def pico_folder(models_dir: Path) -> Path | None:
    """The PICO tagger a pipeline for ``models_dir`` includes: ``pico/``, else the shipped one."""
    for name in (PICO_DIR_NAME, SHIPPED_PICO_NAME):
        if (Path(models_dir) / name).is_dir():
            return Path(models_dir) / name
    return None


def ner_folder(models_dir: Path) -> Path | None:
    """The chemical/disease model a pipeline for ``models_dir`` includes (``ner/``), if any."""
    path = Path(models_dir) / NER_DIR_NAME
    return path if path.is_dir() else None


def pipeline_name(models_dir: Path) -> str:
    """``evidence-rules``, plus ``+pico`` and ``+ner`` for the models in ``models_dir``."""
    pico = pico_folder(models_dir) is not None
    ner = pico and ner_folder(models_dir) is not None
    return PIPELINE_NAME + ("+pico" if pico else "") + ("+ner" if ner else "")


def pipeline_label(models_dir: Path) -> str:
    """The ``Evidence.pipeline`` of records extracted with the models in ``models_dir``."""
    return f"{pipeline_name(models_dir)}/{PIPELINE_VERSION}"
