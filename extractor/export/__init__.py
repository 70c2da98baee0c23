"""Stage 4 exports: JSONL, CSV, a Cochrane-style table, RIS and a participants plot.

::

    from extractor.export import characteristics_table, plot_participants, write_csv, write_ris

    with open("lupus.ris", "w", encoding="utf-8") as out:
        write_ris(records, out)
    write_csv(records, Path("output"))   # evidence_{studies,doses,outcomes,comparisons}.csv
    plot_participants(records, Path("output/participants.svg"))
    print(characteristics_table(records, "markdown"))

Every writer reads the records once, so ``store.iter_records(db)`` can be passed directly
(except the table and the plot, which sort and count and therefore hold them in memory).
Files are written atomically; ``-`` is standard output, a device or FIFO is written
directly and a symbolic link is followed (its target replaced, the link kept), see
:mod:`extractor.export.files`. Errors are :class:`~extractor.errors.ExtractorError`
subclasses (``ConfigError`` for an unknown format, ``ExportError`` for an unwritable path).
"""

from __future__ import annotations

from .describe import pico_summary, study_label, study_labels
from .files import write_text_atomic
from .plot import PLOT_FORMATS, plot_participants
from .ris import write_ris
from .tables import (
    COMPARISON_COLUMNS,
    CSV_PARTS,
    DOSE_COLUMNS,
    OUTCOME_COLUMNS,
    STUDY_COLUMNS,
    TABLE_FORMATS,
    characteristics_table,
    write_csv,
    write_jsonl,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "CSV_PARTS",
    "DOSE_COLUMNS",
    "OUTCOME_COLUMNS",
    "PLOT_FORMATS",
    "STUDY_COLUMNS",
    "TABLE_FORMATS",
    "characteristics_table",
    "pico_summary",
    "plot_participants",
    "study_label",
    "study_labels",
    "write_csv",
    "write_jsonl",
    "write_ris",
    "write_text_atomic",
]
