"""Article metadata from a page's ``<meta>`` tags and JSON-LD.

Reads the Highwire ``citation_*`` tags, Dublin Core ``DC.*``, ``prism.*``, Open Graph and
schema.org ``ScholarlyArticle`` JSON-LD. DOIs are returned without a resolver prefix.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bs4 import BeautifulSoup

from .sections import normalise_space

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.I)


def normalise_doi(value: str | None) -> str | None:
    """``https://doi.org/10.1/X`` / ``doi:10.1/X`` → ``10.1/X``; ``None`` when no DOI."""
    if not value:
        return None
    match = _DOI.search(value)
    if not match:
        return None
    return match.group(1).rstrip(".,;)")


def _metas(soup: BeautifulSoup) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in soup.find_all("meta"):
        key = el.get("name") or el.get("property") or el.get("itemprop")
        value = el.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            out.setdefault(key.strip().lower(), []).append(value.strip())
    return out


def json_ld(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Every JSON-LD object in the page, ``@graph`` members flattened."""
    out: list[dict[str, Any]] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        stack: list[Any] = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                out.append(item)
                for key in ("@graph", "mainEntity"):
                    if key in item:
                        stack.append(item[key])
            elif isinstance(item, list):
                stack.extend(item)
    return out


def _first(metas: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if metas.get(key):
            return normalise_space(metas[key][0])
    return None


def _year(value: str | None) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def _ld_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@value"))
    if isinstance(value, list) and value:
        return _ld_text(value[0])
    return None


def extract_metadata(soup: BeautifulSoup) -> dict[str, Any]:
    """Collect title, pmid, doi, journal, year, authors, article types and abstract candidates.

    Returns:
        A dict; ``abstracts`` (citation_abstract, DC.description, JSON-LD abstract) and
        ``descriptions`` (meta/og description) are lists of candidate texts, best first.
    """
    metas = _metas(soup)
    articles = [
        d
        for d in json_ld(soup)
        if str(d.get("@type", "")).lower()
        in {"scholarlyarticle", "article", "medicalscholarlyarticle", "newsarticle", "webpage"}
    ]
    ld = articles[0] if articles else {}
    title = _first(metas, "citation_title", "dc.title", "prism.title", "og:title") or _ld_text(
        ld.get("headline") or ld.get("name")
    )
    doi = normalise_doi(
        _first(metas, "citation_doi", "dc.identifier", "prism.doi", "doi", "dc.identifier.doi")
        or _ld_text(ld.get("identifier"))
    )
    if doi is None:
        for key in ("dc.identifier", "citation_doi"):
            for value in metas.get(key, []):
                doi = doi or normalise_doi(value)
    pmid = _first(metas, "citation_pmid", "ncbi_uid")
    if pmid and not pmid.isdigit():
        pmid = None
    authors = metas.get("citation_author") or metas.get("dc.creator") or []
    if not authors and ld.get("author"):
        raw = ld["author"] if isinstance(ld["author"], list) else [ld["author"]]
        authors = [a for a in (_ld_text(x) for x in raw) if a]
    abstracts = [
        *metas.get("citation_abstract", []),
        *[t for t in (_ld_text(ld.get("abstract")),) if t],
    ]
    descriptions = [
        *metas.get("dc.description", []),
        *metas.get("description", []),
        *metas.get("og:description", []),
        *[t for t in (_ld_text(ld.get("description")),) if t],
    ]
    types = metas.get("citation_article_type", []) or metas.get("dc.type", [])
    return {
        "title": normalise_space(title) if title else None,
        "doi": doi,
        "pmid": pmid,
        "journal": _first(metas, "citation_journal_title", "prism.publicationname", "dc.source")
        or _ld_text(
            (ld.get("isPartOf") or {}).get("name") if isinstance(ld.get("isPartOf"), dict) else None
        ),
        "year": _year(
            _first(
                metas,
                "citation_publication_date",
                "citation_date",
                "citation_online_date",
                "dc.date",
                "prism.publicationdate",
                "article:published_time",
            )
            or _ld_text(ld.get("datePublished"))
        ),
        "authors": [normalise_space(a) for a in authors],
        "publication_types": [normalise_space(t) for t in types],
        "abstracts": abstracts,
        "descriptions": descriptions,
    }


__all__ = ["extract_metadata", "json_ld", "normalise_doi"]
