"""Stage 4: search the evidence database (full text + structured filters).

A :class:`Query` combines free-text terms (FTS5 over title and abstract, porter stemming,
every word must match) with structured filters on the extracted evidence:

* ``intervention`` / ``comparator``: substring of an arm's name or long form, or of an
  INTERVENTION/COMPARATOR span. Abbreviations learnt anywhere in the database are expanded,
  so ``IVIg`` also finds studies that only write "intravenous immunoglobulin" and vice versa.
* ``condition``, ``outcome``: substring of the population's condition / an outcome name, or
  of a CONDITION / OUTCOME span.
* ``design``: substring of the design ("randomized", "crossover", "cohort"; ``rct`` works).
* ``min_n``/``max_n``, ``year_from``/``year_to``: inclusive bounds.
* ``dose_unit`` (``mg``, ``mg/kg``, ``ug/kg/min``) and ``route`` (``oral``, ``iv`` …) of any
  dose.

Results are sorted by relevance (BM25, when there are terms; otherwise newest first), by year
or by sample size. There is no cap unless ``limit`` is given.

Hostile input is refused with one :class:`~extractor.errors.InputError` line, never slowly:
repeated words count once and at most ``MAX_TERMS`` distinct words are searched for; a text
filter holds at most ``MAX_FILTER_CHARS`` characters. Numbers beyond SQLite's 64-bit integers
are clamped (``--limit 99999999999999999999`` means no limit).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

import sqlite_utils

from .errors import InputError
from .records import Evidence
from .store import load_record

_TOKEN = re.compile(r"[\w][\w\-./]*", re.UNICODE)

# Most distinct words a full-text search takes (each is one more FTS5 phrase to rank).
MAX_TERMS = 32
# Longest value of a text filter (--intervention, --outcome, --design …), in characters.
MAX_FILTER_CHARS = 1_000
_SQL_INT = (-(2**63), 2**63 - 1)  # SQLite's INTEGER

Sort = Literal["relevance", "year", "n"]
SORTS: tuple[str, ...] = ("relevance", "year", "n")

# Words users type for a design, mapped to what the design vocabulary stores.
_DESIGN_ALIASES = {
    "rct": "randomized",
    "randomised": "randomized",
    "randomised controlled trial": "randomized controlled trial",
    "cross-over": "crossover",
    "meta-analysis": "meta-analysis",
    "single arm": "single-arm",
}

# Route spellings mapped to the normalised route the dosing component stores.
_ROUTE_ALIASES = {
    "iv": "intravenous",
    "i.v.": "intravenous",
    "po": "oral",
    "p.o.": "oral",
    "sc": "subcutaneous",
    "s.c.": "subcutaneous",
    "subcut": "subcutaneous",
    "im": "intramuscular",
    "i.m.": "intramuscular",
    "inhalation": "inhaled",
    "intranasal": "nasal",
}

_UNIT_ALIASES = {"mcg": "ug", "µg": "ug", "μg": "ug", "iu": "[IU]", "ml": "mL", "l": "L"}


@dataclass(frozen=True, slots=True)
class Query:
    """What to look for; every field is optional and all given ones must hold (AND)."""

    terms: str | None = None
    intervention: str | None = None
    comparator: str | None = None
    condition: str | None = None
    outcome: str | None = None
    design: str | None = None
    min_n: int | None = None
    max_n: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    dose_unit: str | None = None
    route: str | None = None
    sort: Sort = "relevance"
    limit: int | None = None

    def describe(self) -> str:
        """The query in words, for report headings ("IVIg; condition: lupus; n ≥ 10")."""
        parts = [self.terms] if self.terms else []
        for name in ("intervention", "comparator", "condition", "outcome", "design", "route"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}: {value}")
        if self.dose_unit:
            parts.append(f"dose unit: {self.dose_unit}")
        if self.min_n is not None:
            parts.append(f"n ≥ {self.min_n}")
        if self.max_n is not None:
            parts.append(f"n ≤ {self.max_n}")
        if self.year_from is not None:
            parts.append(f"year ≥ {self.year_from}")
        if self.year_to is not None:
            parts.append(f"year ≤ {self.year_to}")
        return "; ".join(parts) or "all records"


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

    Each word is quoted, so FTS syntax characters in user input cannot cause errors. A word
    repeated (in any case) counts once: ``placebo placebo`` is ``placebo``.

    Raises:
        InputError: more than ``MAX_TERMS`` distinct words.
    """
    distinct: dict[str, str] = {}
    for word in _TOKEN.findall(terms):
        distinct.setdefault(word.lower(), word)  # FTS5's tokenizer folds case the same way
    words = list(distinct.values())
    if len(words) > MAX_TERMS:
        raise InputError(
            f"too many search words: {len(words):,} different ones (at most {MAX_TERMS}); "
            "narrow the search with filters such as --intervention or --condition"
        )
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _sql_int(value: int) -> int:
    """``value`` within SQLite's integer range (a bound beyond it holds for every row)."""
    return min(max(value, _SQL_INT[0]), _SQL_INT[1])


def _check_filters(query: Query) -> None:
    for name in ("intervention", "comparator", "condition", "outcome", "design"):
        value = getattr(query, name)
        if value is not None and len(value) > MAX_FILTER_CHARS:
            raise InputError(
                f"{name} filter is {len(value):,} characters long (at most {MAX_FILTER_CHARS:,})"
            )
    for name in ("dose_unit", "route"):
        value = getattr(query, name)
        if value is not None and len(value) > 100:
            raise InputError(f"{name.replace('_', ' ')} is {len(value):,} characters long")


def equivalent_names(db: sqlite_utils.Database, name: str) -> list[str]:
    """``name`` plus every abbreviation or long form paired with it in the database.

    ``IVIg`` → ``["ivig", "intravenous immunoglobulin"]``: pairs come from the arms table,
    where the abbreviation detector stored an arm's short and long form.
    """
    key = name.strip().casefold()
    names = {key}
    rows = db.execute(
        "SELECT DISTINCT lower(name), lower(long_form) FROM arms WHERE long_form IS NOT NULL "
        "AND (name = ? COLLATE NOCASE OR long_form = ? COLLATE NOCASE)",
        [key, key],
    ).fetchall()
    for short, long in rows:
        names.update(n for n in (short, long) if n and len(n) >= 2)
    return sorted(names, key=lambda n: (n != key, n))


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: str, names: list[str]) -> tuple[str, list[Any]]:
    """SQL for "the ``search_index`` column contains one of ``names``" (case-insensitive).

    Names of three or more characters use the trigram index (an FTS5 phrase per name);
    shorter ones fall back to ``LIKE``, which scans the index table.
    """
    names = [n.casefold() for n in names if n.strip()]
    long = [n for n in names if len(n) >= 3]
    short = [n for n in names if len(n) < 3]
    parts: list[str] = []
    params: list[Any] = []
    if long:
        phrases = " OR ".join('"' + n.replace('"', '""') + '"' for n in long)
        parts.append("SELECT rowid FROM search_index WHERE search_index MATCH ?")
        params.append(f"{column} : ({phrases})")
    for name in short:
        parts.append(f"SELECT rowid FROM search_index WHERE {column} LIKE ? ESCAPE '\\'")
        params.append(_like(name))
    return f"s.rowid IN ({' UNION '.join(parts)})", params


def _normalise_design(value: str) -> str:
    key = " ".join(value.casefold().split())
    return _DESIGN_ALIASES.get(key, key.replace("randomised", "randomized"))


def _unit_filter(value: str) -> tuple[str, list]:
    parts = [_UNIT_ALIASES.get(p.strip().casefold(), p.strip()) for p in value.split("/")]
    if not all(parts):
        raise InputError(f"bad dose unit {value!r} (expected e.g. mg, mg/kg, ug/kg/min)")
    if len(parts) == 1:
        return "x.unit = ? COLLATE NOCASE", [parts[0]]
    return "x.unit = ? COLLATE NOCASE AND x.per = ? COLLATE NOCASE", [
        parts[0],
        "/".join(parts[1:]),
    ]


def build_sql(db: sqlite_utils.Database, query: Query) -> tuple[str, list[Any]]:
    """The SELECT statement (and its parameters) for ``query``.

    Raises:
        InputError: a filter value cannot be used (see the module docstring).
    """
    _check_filters(query)
    where: list[str] = []
    params: list[Any] = []
    select_score = "NULL AS score"
    join = ""
    has_terms = bool(query.terms and fts_query(query.terms))
    if has_terms:
        assert query.terms is not None
        join = "JOIN documents_fts f ON f.rowid = s.rowid"
        where.append("documents_fts MATCH ?")
        params.append(fts_query(query.terms))
        select_score = "bm25(documents_fts) AS score"
    for column, value in (
        ("intervention", query.intervention),
        ("comparator", query.comparator),
        ("condition", query.condition),
        ("outcome", query.outcome),
    ):
        if value and value.strip():
            expand = column in ("intervention", "comparator")
            sql, extra = _contains(column, equivalent_names(db, value) if expand else [value])
            where.append(sql)
            params += extra
    if query.design:
        where.append(  # few distinct designs: match them on the index, then look rows up
            "s.design IN (SELECT DISTINCT design FROM studies "
            "WHERE lower(design) LIKE ? ESCAPE '\\')"
        )
        params.append(_like(_normalise_design(query.design)))
    bounds: tuple[tuple[str, str, int | None], ...] = (
        ("s.n", ">=", query.min_n),
        ("s.n", "<=", query.max_n),
        ("s.year", ">=", query.year_from),
        ("s.year", "<=", query.year_to),
    )
    for column, op, bound in bounds:
        if bound is not None:
            where.append(f"{column} {op} ?")
            params.append(_sql_int(bound))
    dose_where: list[str] = []
    if query.dose_unit:
        sql, extra = _unit_filter(query.dose_unit)
        dose_where.append(sql)
        params += extra
    if query.route:
        key = query.route.strip().casefold()
        dose_where.append("x.route = ?")
        params.append(_ROUTE_ALIASES.get(key, key))
    if dose_where:
        where.append(f"s.id IN (SELECT x.doc_id FROM doses x WHERE {' AND '.join(dose_where)})")
    if query.sort not in SORTS:
        raise InputError(f"unknown sort {query.sort!r} (choose from {', '.join(SORTS)})")
    by_year = "s.year IS NULL, s.year DESC, s.id"
    if query.sort == "n":
        order = "s.n IS NULL, s.n DESC, " + by_year
    elif query.sort == "year" or not has_terms:
        order = by_year
    else:
        order = "score, s.id"
    sql = (
        f"SELECT s.id, s.title, s.year, s.pmid, s.doi, s.n, s.design, s.condition, "
        f"s.interventions, s.comparators, {select_score} FROM studies s {join}"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    if query.limit is not None:
        sql += " LIMIT ?"
        params.append(_sql_int(query.limit))
    return sql, params


def search(
    db: sqlite_utils.Database, query: Query | str | None = None, **filters: Any
) -> list[Hit]:
    """Find studies matching ``query`` (a :class:`Query`, or terms plus keyword filters).

    ``search(db, "lupus", intervention="IVIg", min_n=10)`` is the same as
    ``search(db, Query(terms="lupus", intervention="IVIg", min_n=10))``.

    Raises:
        InputError: a filter value cannot be used (unknown sort, bad unit, too many words,
            a filter too long).
    """
    if not isinstance(query, Query):
        query = Query(**{"terms": query, **filters})
    elif filters:
        raise TypeError("give either a Query or keyword filters, not both")
    sql, params = build_sql(db, query)
    return [
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
        for row in db.execute(sql, params).fetchall()
    ]


def load_matching(db: sqlite_utils.Database, query: Query) -> list[Evidence]:
    """The full stored records of every study matching ``query``, in result order."""
    return [load_record(db, hit.id) for hit in search(db, query)]


__all__ = [
    "MAX_FILTER_CHARS",
    "MAX_TERMS",
    "SORTS",
    "Hit",
    "Query",
    "build_sql",
    "equivalent_names",
    "fts_query",
    "load_matching",
    "search",
]
