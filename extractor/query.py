"""Stage 4: search the evidence database (full text + structured filters)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

_TOKEN = re.compile(r"[\w][\w\-./]*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Hit:
    """One study matching a query."""

    id: str
    title: str
    year: int | None
    pmid: str | None
    doi: str | None
    n: int | None
    design: str | None
    condition: str | None
    interventions: tuple[str, ...]
    comparators: tuple[str, ...]
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["interventions"] = list(self.interventions)
        data["comparators"] = list(self.comparators)
        return data


def fts_query(terms: str) -> str:
    """Turn free text into a safe FTS5 query: every word must match (implicit AND).

    Each word is quoted, so FTS syntax characters in user input cannot cause errors.
    """
    words = _TOKEN.findall(terms)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def search(
    db: sqlite_utils.Database,
    terms: str | None = None,
    *,
    intervention: str | None = None,
    condition: str | None = None,
    min_n: int | None = None,
    max_n: int | None = None,
    limit: int | None = None,
) -> list[Hit]:
    """Find studies by full-text terms and structured filters.

    Args:
        db: an open evidence database.
        terms: words that must all occur in the title or abstract (stemmed FTS5 match);
            results are ranked by relevance when given, else by year (newest first).
        intervention: substring of an intervention's name or long form (IVIg or
            "intravenous immunoglobulin" both match), or of an INTERVENTION span.
        condition: substring of the population condition or of a CONDITION span.
        min_n, max_n: bounds on the study's sample size.
        limit: maximum number of hits; ``None`` returns all.
    """
    where: list[str] = []
    params: list[Any] = []
    select_score = "NULL AS score"
    join = ""
    order = "d.year IS NULL, d.year DESC, d.id"
    if terms and (match := fts_query(terms)):
        join = "JOIN documents_fts f ON f.rowid = d.rowid"
        where.append("documents_fts MATCH ?")
        params.append(match)
        select_score = "bm25(documents_fts) AS score"
        order = "score, d.id"
    if intervention:
        like = f"%{intervention.lower()}%"
        where.append(
            "(lower(e.interventions) LIKE ? OR lower(e.comparators) LIKE ? OR EXISTS ("
            "SELECT 1 FROM spans s WHERE s.doc_id = d.id "
            "AND s.label IN ('INTERVENTION', 'COMPARATOR') AND lower(s.text) LIKE ?))"
        )
        params += [like, like, like]
    if condition:
        like = f"%{condition.lower()}%"
        where.append(
            "(lower(e.condition) LIKE ? OR EXISTS (SELECT 1 FROM spans s WHERE s.doc_id = d.id "
            "AND s.label = 'CONDITION' AND lower(s.text) LIKE ?))"
        )
        params += [like, like]
    if min_n is not None:
        where.append("e.n >= ?")
        params.append(min_n)
    if max_n is not None:
        where.append("e.n <= ?")
        params.append(max_n)
    sql = (
        f"SELECT d.id, d.title, d.year, d.pmid, d.doi, e.n, e.design, e.condition, "
        f"e.interventions, e.comparators, {select_score} "
        f"FROM documents d JOIN evidence e ON e.id = d.id {join}"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    hits = []
    for row in db.execute(sql, params).fetchall():
        hits.append(
            Hit(
                id=row[0],
                title=row[1] or "",
                year=row[2],
                pmid=row[3],
                doi=row[4],
                n=row[5],
                design=row[6],
                condition=row[7],
                interventions=tuple(json.loads(row[8] or "[]")),
                comparators=tuple(json.loads(row[9] or "[]")),
                score=row[10],
            )
        )
    return hits
