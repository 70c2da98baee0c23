"""Tabular exports: JSONL, CSV (wide studies + long doses/outcomes/comparisons) and the
Cochrane table.

CSV files are written with the csv module (``QUOTE_MINIMAL``, UTF-8, ``newline=""``), so
cells holding commas, quotes or newlines read back unchanged with ``csv.DictReader``. Lists
inside a cell are joined with ``"; "``; numbers are written without a trailing ``.0``.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, TextIO

from .. import schema
from ..errors import ConfigError, ExportError
from ..records import Evidence, Result
from .describe import LIST_SEP, characteristics, describe_result, pico_summary, study_labels
from .files import atomic_text, is_stdout

TableFormat = Literal["markdown", "html", "csv"]
TABLE_FORMATS: tuple[str, ...] = ("markdown", "html", "csv")

# The CSV columns come from the record fields (extractor.schema): a field added to Document,
# Dose or Result appears in its CSV without an edit here. Around them: the record id, the arm
# of a dose, the outcome of a result and the one-line PICO descriptions.
_DOCUMENT_CSV = schema.for_csv(schema.DOCUMENT_FIELDS)
_DOSE_CSV = schema.for_csv(schema.DOSE_COLUMNS)
_OUTCOME_CSV = schema.for_csv(schema.OUTCOME_FIELDS)
_RESULT_CSV = schema.for_csv(schema.RESULT_COLUMNS)
_PICO_COLUMNS = (
    "condition",
    "population",
    "n",
    "design",
    "interventions",
    "comparators",
    "doses",
    "outcomes",
    "adverse_events",
    "conclusion",
)
STUDY_COLUMNS = ("id", *(c.name for c in _DOCUMENT_CSV), *_PICO_COLUMNS, "summary")
DOSE_COLUMNS = (
    "id",
    "arm",
    "role",
    "arm_n",
    *schema.quote_last([*(c.name for c in _DOSE_CSV), "description"]),
)
OUTCOME_COLUMNS = ("id", *(c.name for c in (*_OUTCOME_CSV, *_RESULT_CSV)))
COMPARISON_COLUMNS: tuple[str, ...] = (
    "id",
    "outcome",
    "intervention",
    "comparator",
    "direction",
    "intervention_result",
    "comparator_result",
    "results",
    "p_value",
    "effect",
    "effect_value",
    "ci_low",
    "ci_high",
    "confidence",
    "source",
)
# Comparison fields the columns above do not present (a field added later): as stored.
_COMPARISON_MORE = tuple(
    c
    for c in schema.for_csv(schema.COMPARISON_COLUMNS)
    if c.name not in (*COMPARISON_COLUMNS, *schema.QUOTE_COLUMNS)
)
COMPARISON_COLUMNS += (*(c.name for c in _COMPARISON_MORE), "evidence", "start", "end")
CHARACTERISTICS_COLUMNS = ("study", "id", "field", "description")


def write_jsonl(records: Iterable[Evidence], out: TextIO) -> int:
    """Write one ``--json`` record per line (exactly what ``evidence extract --json`` prints).

    Returns:
        The number of records written.
    """
    count = 0
    for record in records:
        out.write(record.to_json(indent=None) + "\n")
        count += 1
    return count


def cell(value: Any) -> str:
    """A CSV cell: ``None`` → ``""``, ``400.0`` → ``"400"``, anything else ``str()``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def study_row(record: Evidence) -> dict[str, str]:
    """The one-row-per-study CSV form of a record (see ``STUDY_COLUMNS``)."""
    row = {"id": record.id, **_cells(_DOCUMENT_CSV, record), "summary": record.summary}
    row.update(pico_summary(record))
    return {name: row[name] for name in STUDY_COLUMNS}


def _cells(columns: Iterable[schema.Column], item: object) -> dict[str, str]:
    """``columns``' CSV cells read from ``item`` (see :func:`cell`)."""
    return {c.name: cell(c.get(item)) for c in columns}


def dose_rows(record: Evidence) -> list[dict[str, str]]:
    """One row per dose of any arm (see ``DOSE_COLUMNS``)."""
    return [
        {
            "id": record.id,
            "arm": arm.name,
            "role": arm.role,
            "arm_n": cell(arm.n),
            **_cells(_DOSE_CSV, dose),
            "description": dose.describe(),
        }
        for arm in record.interventions
        for dose in arm.doses
    ]


def outcome_rows(record: Evidence) -> list[dict[str, str]]:
    """One row per result; an outcome without results still gets one row (see columns).

    ``text``/``start``/``end`` are the result's source text and offsets in the abstract.
    """
    rows = []
    for outcome in record.outcomes:
        base = {"id": record.id, **_cells(_OUTCOME_CSV, outcome)}
        if not outcome.results:
            rows.append({**dict.fromkeys(OUTCOME_COLUMNS, ""), **base})
            continue
        for res in outcome.results:
            rows.append({**base, **_cells(_RESULT_CSV, res)})
    return rows


def comparison_rows(record: Evidence) -> list[dict[str, str]]:
    """One row per comparison (see ``COMPARISON_COLUMNS``).

    ``intervention_result``/``comparator_result`` are the figures of the evidence sentence
    whose ``arm`` is that arm (``30%``); ``results`` lists every per-arm figure as
    ``text [arm]``. ``evidence``/``start``/``end`` are the sentence and its offsets.
    """
    rows = []
    for c in record.comparisons:
        effect = c.effect
        rows.append(
            {
                "id": record.id,
                "outcome": c.outcome,
                "intervention": c.intervention,
                "comparator": c.comparator,
                "direction": cell(c.direction),
                "intervention_result": _arm_results(c.results, c.intervention),
                "comparator_result": _arm_results(c.results, c.comparator),
                "results": LIST_SEP.join(describe_result(r) for r in c.results),
                "p_value": cell(c.p_value),
                "effect": cell(effect.measure if effect else None),
                "effect_value": cell(effect.value if effect else None),
                "ci_low": cell(effect.ci_low if effect else None),
                "ci_high": cell(effect.ci_high if effect else None),
                "confidence": cell(c.confidence),
                "source": c.source,
                **_cells(_COMPARISON_MORE, c),
                "evidence": c.evidence.text,
                "start": cell(c.evidence.start),
                "end": cell(c.evidence.end),
            }
        )
    return rows


def _arm_results(results: Sequence[Result], arm: str) -> str:
    key = arm.casefold()
    return LIST_SEP.join(r.text for r in results if r.arm and r.arm.casefold() == key)


CSV_PARTS = ("studies", "doses", "outcomes", "comparisons")


def write_csv(
    records: Iterable[Evidence], directory: Path, *, stem: str = "evidence"
) -> list[Path]:
    """Write ``<stem>_studies.csv``, ``<stem>_doses.csv``, ``<stem>_outcomes.csv`` and
    ``<stem>_comparisons.csv``.

    The four files appear together or not at all (each is written to a temp file first).

    Args:
        records: the records to export (read once; a generator is fine).
        directory: the folder (created when missing).
        stem: the file-name prefix.

    Returns:
        The four paths, in ``CSV_PARTS`` order (studies first).

    Raises:
        ExportError: ``directory`` is ``-`` (standard output cannot take four files), the
            folder cannot be created or a file cannot be written.
    """
    if is_stdout(directory):
        raise ExportError(
            "csv export writes four files and cannot go to standard output; give a folder",
            source=str(directory),
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, permissions
        raise ExportError(
            f"cannot create folder: {exc.strerror or exc}", source=str(directory)
        ) from exc
    paths = [directory / f"{stem}_{part}.csv" for part in CSV_PARTS]
    columns = (STUDY_COLUMNS, DOSE_COLUMNS, OUTCOME_COLUMNS, COMPARISON_COLUMNS)
    with ExitStack() as stack:
        writers = []
        for path, names in zip(paths, columns, strict=True):
            out = stack.enter_context(atomic_text(path, newline=""))
            writer = csv.DictWriter(out, fieldnames=names, quoting=csv.QUOTE_MINIMAL)
            writer.writeheader()
            writers.append(writer)
        studies, doses, outcomes, comparisons = writers
        for record in records:
            studies.writerow(study_row(record))
            doses.writerows(dose_rows(record))
            outcomes.writerows(outcome_rows(record))
            comparisons.writerows(comparison_rows(record))
    return paths


# --- Cochrane "Characteristics of included studies" -------------------------------------------


def characteristics_table(records: Iterable[Evidence], fmt: TableFormat) -> str:
    """The Cochrane (RevMan) "Characteristics of included studies" table, ordered by study.

    Each study gets five rows — Methods, Participants, Interventions, Outcomes, Notes — built
    only from the extracted fields (age and sex are not extracted, so they are not shown).

    Args:
        records: the studies.
        fmt: ``markdown`` (one two-column table per study under a heading, ``|`` escaped),
            ``html`` (a self-contained, escaped page) or ``csv`` (long: study, id, field,
            description; lines inside a description separated by newlines).

    Raises:
        ConfigError: ``fmt`` is not one of ``TABLE_FORMATS``.
    """
    if fmt not in TABLE_FORMATS:
        raise ConfigError(f"unknown table format {fmt!r}; choose one of {', '.join(TABLE_FORMATS)}")
    items = list(records)
    studies = sorted(zip(study_labels(items), items, strict=True), key=lambda p: p[0].casefold())
    if fmt == "markdown":
        return _markdown(studies)
    if fmt == "html":
        return _html(studies)
    return _csv(studies)


def _md_escape(text: str) -> str:
    """Make ``text`` safe inside a GFM table cell; ``<br>`` is added between lines later."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace("\r", " ").replace("\n", " ")


def _markdown(studies: Sequence[tuple[str, Evidence]]) -> str:
    parts = ["# Characteristics of included studies", ""]
    for label, record in studies:
        parts += [f"## {_md_escape(label)}", "", "| Field | Description |", "| --- | --- |"]
        for name, lines in characteristics(record):
            parts.append(f"| {name} | {'<br>'.join(_md_escape(x) for x in lines)} |")
        parts.append("")
    return "\n".join(parts)


_HTML_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { border: 1px solid #bbb; padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { width: 9rem; background: #f3f3f3; }"""


def _html(studies: Sequence[tuple[str, Evidence]]) -> str:
    title = "Characteristics of included studies"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>\n{_HTML_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
    ]
    for index, (label, record) in enumerate(studies, start=1):
        parts.append(f'<section id="study-{index}">')
        parts.append(f"<h2>{html.escape(label)}</h2>")
        parts.append(f'<table data-id="{html.escape(record.id)}">')
        for name, lines in characteristics(record):
            body = "<br>".join(html.escape(x) for x in lines)
            parts.append(f'<tr><th scope="row">{name}</th><td>{body}</td></tr>')
        parts += ["</table>", "</section>"]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _csv(studies: Sequence[tuple[str, Evidence]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CHARACTERISTICS_COLUMNS)
    for label, record in studies:
        for name, lines in characteristics(record):
            writer.writerow([label, record.id, name, "\n".join(lines)])
    return buf.getvalue()


__all__ = [
    "CHARACTERISTICS_COLUMNS",
    "COMPARISON_COLUMNS",
    "CSV_PARTS",
    "DOSE_COLUMNS",
    "OUTCOME_COLUMNS",
    "STUDY_COLUMNS",
    "TABLE_FORMATS",
    "TableFormat",
    "cell",
    "characteristics_table",
    "comparison_rows",
    "dose_rows",
    "outcome_rows",
    "study_row",
    "write_csv",
    "write_jsonl",
]
