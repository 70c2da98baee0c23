"""Training and evaluation of the PICO span model (EBM-NLP → ``models/pico-tagger``).

* :mod:`.ebm_nlp`  — read EBM-NLP token files into spaCy Docs and DocBins;
* :mod:`.train`    — :func:`train_pico`: rebuild the DocBins and train with spaCy's train API;
* :mod:`.evaluate` — :func:`evaluate_pico`: token- and span-level P/I/O scores on any EBM file;
* :mod:`.vectors`, :mod:`.benchmark`, :mod:`.arm_sizes` — word vectors, throughput, arm-size check.
* :mod:`.bc5cdr`, :mod:`.ner`, :mod:`.ner_eval`, :mod:`.ner_consistency` — the chemical/disease
  NER: BC5CDR readers, training/export/loading (``load_ner``), scoring, consistency rules.

Each module's ``python -m`` entry runs through :func:`run_main`: an ``ExtractorError`` (missing
file, bad config …) is one ``error:`` line on stderr and exit status 1, like the CLI.

The names are imported lazily so ``python -m extractor.training.train`` does not import the
module twice.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
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


def run_main(main: Callable[[], Any]) -> None:
    """Run a module's ``main()``; an ``ExtractorError`` becomes one line and exit status 1."""
    from ..errors import ExtractorError

    try:
        result = main()
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    raise SystemExit(result if isinstance(result, int) else 0)
