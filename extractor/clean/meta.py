"""Article metadata from a page's ``<meta>`` tags, JSON-LD and visible citation blocks.

Reads the Highwire ``citation_*`` tags, Dublin Core ``DC.*``, ``prism.*``, Open Graph and
schema.org ``ScholarlyArticle`` JSON-LD (:func:`extract_metadata`); then, for what those lack,
a site profile's selectors and generic page rules (:func:`fill_metadata`): a DOI in the page's
own URL, a labelled field table (``DOI`` / ``Journal``), a ``Citation:`` line naming the title.
DOIs are returned without a resolver prefix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from .sections import normalise_space
from .sites import SiteProfile, page_urls

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.I)


def normalise_doi(value: str | None) -> str | None:
    """``https://doi.org/10.1/X`` / ``doi:10.1/X`` → ``10.1/X``; ``None`` when no DOI."""
    if not value:
        return None
    match = _DOI.search(value)
    if not match:
        return None
    return match.group(1).rstrip(".,;)")


# The string types ``get_text()`` joins for ordinary elements (not comments, scripts, styles).
_TEXT_TYPES = (NavigableString, CData)


def iter_postorder(root: Tag) -> Iterator[Tag]:
    """Every tag under ``root`` (``root`` last), each after all of its descendants.

    Iterative, so any nesting depth is safe; one visit per tag.
    """
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        el, children_done = stack.pop()
        if children_done:
            yield el
            continue
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el.contents) if isinstance(child, Tag))


def short_texts(root: Tag, limit: int) -> dict[int, str]:
    """``normalise_space(el.get_text(" "))`` of every tag whose text has at most ``limit``
    characters, keyed by ``id(el)``; longer ones are left out.

    Calling ``get_text()`` on every element re-reads each subtree once per ancestor, which is
    quadratic in the nesting depth; this builds every short text from its children's in one
    bottom-up pass, so the work is linear in the page size (times ``limit`` at most). Each
    text node is normalised on its own, so a terminal escape sequence split across elements
    is not removed whole (no page text has one; the result is the same otherwise).
    """
    texts: dict[int, str] = {}
    for el in iter_postorder(root):
        parts: list[str] = []
        size = 0
        for child in el.contents:
            if isinstance(child, Tag):
                part = texts.get(id(child))
                if part is None:
                    break  # a child's text is already too long
            elif type(child) in _TEXT_TYPES:
                part = normalise_space(str(child))
            else:
                continue
            if not part:
                continue
            size += len(part) + 1
            if size > limit + 1:
                break
            parts.append(part)
        else:
            text = normalise_space(" ".join(parts))
            if len(text) <= limit:
                texts[id(el)] = text
    return texts


def _metas(soup: BeautifulSoup) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in soup.find_all("meta"):
        key = el.get("name") or el.get("property") or el.get("itemprop")
        # Some saved pages (postlight fixtures) write ``value=`` where ``content=`` belongs.
        value = el.get("content") if el.get("content") is not None else el.get("value")
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


_DOI_URL = re.compile(
    r"(?:doi\.org(?:\.[\w.]+)?/|/doi/(?:(?:abs|full|pdf|epdf|reader|book)/)?)(10\.\d{4,9}/[^?#\s]+)",
    re.I,
)
_NAME_SPLIT = re.compile(r"\s*;\s*|\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.I)


def split_names(value: str) -> list[str]:
    """``"A B, C D, and E F"`` / ``"B, A; D, C"`` → one name per author.

    A ``;`` separates authors when present (``Surname, Given`` names keep their comma);
    otherwise commas, ``and`` and ``&`` do.
    """
    value = normalise_space(value).strip(" .")
    parts = re.split(r"\s*;\s*", value) if ";" in value else _NAME_SPLIT.split(value)
    return [p.strip(" .,") for p in parts if p and re.search(r"[^\W\d_]{2,}", p)]


def doi_from_urls(urls: list[str]) -> str | None:
    """A DOI that the page's own URL carries (``doi.org/10.x``, ``/doi/abs/10.x``)."""
    for url in urls:
        if match := _DOI_URL.search(url):
            return normalise_doi(match.group(1))
    return None


def _authors(metas: dict[str, list[str]], ld: dict[str, Any]) -> list[str]:
    for key in ("citation_author", "dc.creator", "dc.contributor"):
        if metas.get(key):
            return [normalise_space(a) for a in metas[key]]
    for value in metas.get("citation_authors", [])[:1]:
        return split_names(value)
    if ld.get("author"):
        raw = ld["author"] if isinstance(ld["author"], list) else [ld["author"]]
        return [normalise_space(a) for a in (_ld_text(x) for x in raw) if a]
    return []


def _pmid(metas: dict[str, list[str]]) -> str | None:
    pmid = _first(metas, "citation_pmid", "ncbi_uid")
    if pmid is None and _first(metas, "ncbi_db") == "pubmed":
        # Legacy PubMed pages list the record shown in ``ncbi_uidlist`` (one id on a record page).
        uids = _first(metas, "ncbi_uidlist") or ""
        pmid = uids if _first(metas, "ncbi_resultcount") == "1" else None
    return pmid if pmid and pmid.isdigit() else None


def extract_metadata(soup: BeautifulSoup, url: str | None = None) -> dict[str, Any]:
    """Collect title, pmid, doi, journal, year, authors, article types and abstract candidates.

    Args:
        soup: the parsed page.
        url: the page URL when known (a DOI in it counts as the page's DOI).

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
    doi = doi or doi_from_urls(page_urls(soup, url))
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
        "pmid": _pmid(metas),
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
        "authors": _authors(metas, ld),
        "publication_types": [normalise_space(t) for t in types],
        "abstracts": abstracts,
        "descriptions": descriptions,
    }


# --- visible metadata: site profile selectors, then generic page rules ---------------------


def select_texts(soup: BeautifulSoup, selectors: tuple[str, ...]) -> list[str]:
    """Text of every element the selectors match, in selector order (empty texts dropped)."""
    out: list[str] = []
    for selector in selectors:
        try:
            found = soup.select(selector)
        except Exception:  # an unsupported selector in the data must not stop cleaning
            continue
        for el in found:
            if el.name == "meta":
                text = str(el.get("content") or el.get("value") or "")
            elif el.name == "a" and not el.get_text(strip=True):
                text = str(el.get("href") or "")
            else:
                el = BeautifulSoup(str(el), "lxml")
                for mark in el.find_all(["sup", "script", "style", "svg"]):
                    mark.decompose()  # affiliation and correspondence markers are not names
                text = el.get_text(" ")
            out.append(normalise_space(text))
    return [t for t in out if t]


def _profile_fill(soup: BeautifulSoup, profile: SiteProfile, meta: dict[str, Any]) -> None:
    if not meta.get("title"):
        titles = select_texts(soup, profile.title)
        if titles:
            meta["title"] = titles[0]
    if not meta.get("doi"):
        for text in select_texts(soup, profile.metadata_selectors("doi")):
            if doi := normalise_doi(text):
                meta["doi"] = doi
                break
    if not meta.get("pmid"):
        for text in select_texts(soup, profile.metadata_selectors("pmid")):
            if match := re.search(r"\b(\d{1,9})\b", text):
                meta["pmid"] = match.group(1)
                break
    if not meta.get("journal"):
        for text in select_texts(soup, profile.metadata_selectors("journal")):
            journal = text.split(". ")[0].strip(" .")
            if journal and len(journal) < 150:
                meta["journal"] = journal
                break
    if not meta.get("year"):
        for text in select_texts(soup, profile.metadata_selectors("year")):
            if year := _year(text):
                meta["year"] = year
                break
    if not meta.get("authors"):
        # ``authors``: one element per author; ``author_list``: one element holding them all.
        names = [
            n.rstrip(" ,.*") for n in select_texts(soup, profile.metadata_selectors("authors"))
        ]
        if not names:
            lists = select_texts(soup, profile.metadata_selectors("author_list"))
            names = split_names(lists[0]) if lists else []
        meta["authors"] = list(dict.fromkeys(n for n in names if n))


_LABELS = {
    "doi": re.compile(r"^(?:doi|digital object identifier)$", re.I),
    "journal": re.compile(r"^(?:journal|journal title|source|published in)$", re.I),
    "year": re.compile(r"^(?:issue|published|publication date|year|date published)$", re.I),
}


def _labelled_fields(soup: BeautifulSoup) -> dict[str, str]:
    """Values of a label/value table (``<td>DOI</td><td>10.1/x</td>``, ``<dt>``/``<dd>``)."""
    out: dict[str, str] = {}
    texts = short_texts(soup, 80)
    for label in soup.find_all(["td", "th", "dt"]):
        text = texts.get(id(label))
        if text is None or len(text := text.rstrip(":").strip()) > 40:
            continue
        value = label.find_next_sibling(["td", "dd"])
        if value is None:
            continue
        for field, pattern in _LABELS.items():
            if field not in out and pattern.match(text):
                out[field] = normalise_space(value.get_text(" "))
    return out


_CITATION_LINE = re.compile(
    r"^(?:citation|cite this article|how to cite(?: this article)?)\s*:\s*"
    r"(?P<authors>.+?)\s*\((?P<year>(?:1[89]|20)\d\d)[a-z]?\)\.?\s*(?P<rest>.+)$",
    re.I,
)


def _citation_line(soup: BeautifulSoup, title: str | None) -> dict[str, Any]:
    """Parse ``Citation: Kobayashi M, Kikuchi D (2009) Title. Journal 4(7): e6256. doi:…``.

    Only a line that names the page's own title counts, so a citation of another work does not.
    """
    if not title:
        return {}
    wanted = normalise_space(title).casefold().rstrip(".")
    texts = short_texts(soup, 1500)  # not get_text() per element: quadratic in the depth
    for el in soup.find_all(["p", "div", "li"]):
        text = texts.get(id(el), "")
        if not text[:30].casefold().startswith(("citation", "cite", "how to")):
            continue
        match = _CITATION_LINE.match(text)
        if not match or wanted not in match.group("rest").casefold():
            continue
        rest = match.group("rest")
        after = rest[rest.casefold().index(wanted) + len(wanted) :].lstrip(" .")
        journal = re.split(r"\s+\d|[.,:;]\s|\s+doi\b", after, maxsplit=1)[0].strip(" .,")
        return {
            "authors": split_names(match.group("authors")),
            "year": int(match.group("year")),
            "journal": journal or None,
            "doi": normalise_doi(after),
        }
    return {}


def fill_metadata(
    soup: BeautifulSoup, meta: dict[str, Any], profiles: list[SiteProfile] | tuple[SiteProfile, ...]
) -> dict[str, Any]:
    """Fill what the meta tags lacked: profile selectors first, then generic page rules.

    Args:
        soup: the parsed page (before any pruning).
        meta: the :func:`extract_metadata` result; a filled copy is returned.
        profiles: the site profiles that fit the page, best first.
    """
    meta = dict(meta)
    for profile in profiles:
        _profile_fill(soup, profile, meta)
    fields = _labelled_fields(soup)
    if not meta.get("doi") and fields.get("doi"):
        meta["doi"] = normalise_doi(fields["doi"])
    if not meta.get("journal") and fields.get("journal") and len(fields["journal"]) < 150:
        meta["journal"] = fields["journal"]
    if not meta.get("year") and fields.get("year"):
        meta["year"] = _year(fields["year"])
    heading = soup.find("h1")
    title = meta.get("title") or (normalise_space(heading.get_text(" ")) if heading else None)
    citation = _citation_line(soup, title)
    for field, value in citation.items():
        if value and not meta.get(field):
            meta[field] = value
    return meta


_SCRIPT_DOI = re.compile(r"""\bdoi["']?\s*[:=]\s*["'](10\.\d{4,9}/[^"'\s]+)["']""", re.I)


def script_doi(soup: BeautifulSoup) -> str | None:
    """The one DOI that inline scripts assign to a ``doi`` variable (``SDM.doi = '10.x/y'``).

    Used only to name the article in a *no abstract* message: a script may hold other works'
    DOIs, so a page whose scripts name several is answered with ``None``.
    """
    found = {
        m.group(1).lower(): m.group(1)
        for script in soup.find_all("script")
        for m in _SCRIPT_DOI.finditer(script.string or "")
    }
    return normalise_doi(next(iter(found.values()))) if len(found) == 1 else None


__all__ = [
    "doi_from_urls",
    "extract_metadata",
    "fill_metadata",
    "iter_postorder",
    "json_ld",
    "normalise_doi",
    "script_doi",
    "select_texts",
    "short_texts",
    "split_names",
]
