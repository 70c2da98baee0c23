"""RIS export for reference managers (EndNote, Zotero, Rayyan, Covidence), PICO in ``N1`` notes.

RIS is line based: a value that holds newlines (a structured abstract's paragraphs) is
written as a tag line plus untagged continuation lines, which RIS readers append to the
previous tag — the project's own reader joins them with newlines, rispy with spaces. A
continuation line that would read as a tag line (``"AB  - …"``) is joined to the line before
it instead. Notes, authors and keywords are written on one line each, because readers treat
a continuation of a repeatable tag as a new value.

Tags written::

    TY  JOUR (CONF for congress papers)     AN  PMID (with DB PubMed and a PubMed UR)
    ID  the record id (pmid:…, doi:…)       DO  DOI          C2  PMCID
    TI  title        AU  one per author     PY  year         DA  YYYY/MM/DD/
    T2, JO  journal  M3  publication type   KW  keyword      AB  abstract
    N1  one per extracted element: "Design: …", "Population: …", "Condition: …", "N: …",
        "Interventions: …", "Comparators: …", "Doses: …", "Outcomes: …",
        "Adverse events: …", "Conclusion: …", "Extracted by: …", and one
        "Comparison: …" per reported comparison (outcome: intervention vs comparator,
        direction, per-arm figures, p value, effect)
    ER  end of record, followed by a blank line
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from ..clean.sections import normalise_space
from ..records import Document, Evidence
from .describe import describe_comparison, pico_summary

# RIS reference types for the publication types that are not journal articles.
_TYPES = {"congress": "CONF", "dataset": "DATA"}

# (N1 prefix, pico_summary key) in the order the notes are written.
NOTE_FIELDS = (
    ("Design", "design"),
    ("Population", "population"),
    ("Condition", "condition"),
    ("N", "n"),
    ("Interventions", "interventions"),
    ("Comparators", "comparators"),
    ("Doses", "doses"),
    ("Outcomes", "outcomes"),
    ("Adverse events", "adverse_events"),
    ("Conclusion", "conclusion"),
)


def _tag_like(line: str) -> bool:
    """True when a reader would take ``line`` for a tag line (rispy's and our grammar)."""
    return len(line) >= 5 and line[2:5] == "  -" and line[:1].isalpha() and line[:2].isupper()


def tag_lines(tag: str, value: str | None, *, multiline: bool = False) -> list[str]:
    """``["TI  - value"]``; with ``multiline`` each line of ``value`` on its own line.

    Empty values give no line at all. Without ``multiline`` whitespace is collapsed.
    """
    if not value:
        return []
    if not multiline:
        text = normalise_space(value)
        return [f"{tag}  - {text}"] if text else []
    lines: list[str] = []
    for raw in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue  # readers drop blank continuation lines; some end a record on them
        if lines and _tag_like(line):
            lines[-1] += " " + line
        else:
            lines.append(line)
    if not lines:
        return []
    return [f"{tag}  - {lines[0]}", *lines[1:]]


def ris_type(doc: Document) -> str:
    """``JOUR`` unless a publication type says otherwise (``Congress`` → ``CONF``)."""
    for kind in doc.publication_types:
        found = _TYPES.get(kind.strip().casefold())
        if found:
            return found
    return "JOUR"


def _date(value: str | None) -> str | None:
    """ISO ``2003-11-22`` / ``2003-11`` → RIS ``2003/11/22/`` / ``2003/11/``."""
    if not value:
        return None
    parts = value.split("-")
    return "/".join(parts) + "/" if all(p.isdigit() for p in parts) else None


def record_lines(record: Evidence) -> Iterator[str]:
    """The lines of one RIS record, ``TY`` to the blank line after ``ER``."""
    doc = record.document
    yield f"TY  - {ris_type(doc)}"
    yield from tag_lines("ID", record.id)
    yield from tag_lines("TI", doc.title, multiline=True)
    for author in doc.authors:
        yield from tag_lines("AU", author)
    if doc.year is not None:
        yield f"PY  - {doc.year}"
    yield from tag_lines("DA", _date(doc.date))
    yield from tag_lines("T2", doc.journal)
    yield from tag_lines("JO", doc.journal)
    yield from tag_lines("DO", doc.doi)
    if doc.pmid:
        # AN + DB is how PubMed-aware importers (and ours) recognise the accession as a PMID.
        yield f"AN  - {doc.pmid}"
        yield "DB  - PubMed"
        yield f"UR  - https://pubmed.ncbi.nlm.nih.gov/{doc.pmid}/"
    yield from tag_lines("C2", doc.pmcid)
    for kind in doc.publication_types:
        yield from tag_lines("M3", kind)
    for keyword in doc.keywords:
        yield from tag_lines("KW", keyword)
    yield from tag_lines("AB", doc.abstract, multiline=True)
    summary = pico_summary(record)
    for prefix, key in NOTE_FIELDS:
        if summary[key]:
            yield from tag_lines("N1", f"{prefix}: {summary[key]}")
    for comparison in record.comparisons:
        yield from tag_lines("N1", f"Comparison: {describe_comparison(comparison)}")
    if record.pipeline:
        yield from tag_lines("N1", f"Extracted by: {record.pipeline}")
    yield "ER  - "
    yield ""


def write_ris(records: Iterable[Evidence], out: TextIO) -> int:
    """Write the records as RIS, one ``TY … ER`` block each, PICO in ``N1`` notes.

    Returns:
        The number of records written.
    """
    count = 0
    for record in records:
        out.write("\n".join(record_lines(record)) + "\n")
        count += 1
    return count


__all__ = ["NOTE_FIELDS", "record_lines", "ris_type", "tag_lines", "write_ris"]
