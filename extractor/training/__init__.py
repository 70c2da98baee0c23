"""Training and evaluation of the PICO span model (EBM-NLP → ``models/pico-tagger``).

* :mod:`.ebm_nlp`  — read EBM-NLP token files into spaCy Docs and DocBins;
* :mod:`.train`    — :func:`train_pico`: rebuild the DocBins and train with spaCy's train API;
* :mod:`.evaluate` — :func:`evaluate_pico`: token- and span-level P/I/O scores on any EBM file.

The names are imported lazily so ``python -m extractor.training.train`` does not import the
module twice.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["evaluate_pico", "read_ebm_nlp", "train_pico", "write_docbins"]
_HOME = {
    "evaluate_pico": "evaluate",
    "read_ebm_nlp": "ebm_nlp",
    "train_pico": "train",
    "write_docbins": "ebm_nlp",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
