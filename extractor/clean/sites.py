"""Site profiles as data: load ``sites.json`` and match a page to a profile.

A page is matched by its URL host (from the caller, ``<link rel=canonical>``, ``og:url`` or
``citation_*_url`` meta) first, then by fingerprint selectors present in the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """How to clean one site's pages (see ``sites.json`` for field meanings)."""

    name: str
    hosts: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    abstract: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    heading_texts: tuple[str, ...] = ()
    prefer_meta: bool = False
    metadata: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def metadata_selectors(self, field: str) -> tuple[str, ...]:
        """Selectors whose text holds ``field`` (``doi``, ``pmid``, ``journal``, ``year``)."""
        return dict(self.metadata).get(field, ())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteProfile:
        return cls(
            name=data["name"],
            hosts=tuple(data.get("hosts", ())),
            fingerprints=tuple(data.get("fingerprints", ())),
            abstract=tuple(data.get("abstract", ())),
            title=tuple(data.get("title", ())),
            headings=tuple(data.get("headings", ())),
            remove=tuple(data.get("remove", ())),
            heading_texts=tuple(data.get("heading_texts", ())),
            prefer_meta=bool(data.get("prefer_meta", False)),
            metadata=tuple((k, tuple(v)) for k, v in (data.get("metadata") or {}).items()),
        )


@lru_cache(maxsize=1)
def load_profiles() -> tuple[SiteProfile, ...]:
    """Load every profile from the packaged ``sites.json`` (cached)."""
    text = resources.files("extractor.clean").joinpath("sites.json").read_text("utf-8")
    return tuple(SiteProfile.from_dict(p) for p in json.loads(text)["profiles"])


_URL_META: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("link", {"rel": "canonical"}, "href"),
    ("meta", {"property": "og:url"}, "content"),
    ("meta", {"name": "citation_abstract_html_url"}, "content"),
    ("meta", {"name": "citation_fulltext_html_url"}, "content"),
    ("meta", {"name": "citation_public_url"}, "content"),
    ("meta", {"name": "dc.identifier"}, "content"),
)


def page_urls(soup: BeautifulSoup, url: str | None = None) -> list[str]:
    """Every URL the page claims for itself, the caller's first."""
    urls = [url] if url else []
    for tag, attrs, attr in _URL_META:
        for el in soup.find_all(tag, attrs=dict(attrs)):
            value = el.get(attr)
            if isinstance(value, str) and value.startswith(("http://", "https://", "//")):
                urls.append(value)
    return urls


def _host_path(url: str) -> str:
    parts = urlsplit(url if "//" in url else f"//{url}")
    return f"{(parts.hostname or '').lower()}{parts.path}"


def match_profile(soup: BeautifulSoup, url: str | None = None) -> SiteProfile | None:
    """Pick the profile for a page: by URL host first, then by fingerprints.

    Args:
        soup: the parsed page.
        url: the page URL when known.

    Returns:
        The matching profile or ``None`` (the generic strategy applies).
    """
    found = candidate_profiles(soup, url)
    return found[0] if found else None


# Selectors whose needed names are not simply read off (lists, negations, escapes): always run.
_COMPLEX = re.compile(r"[\\,|]|:(?:not|is|where|has|matches|any)\b", re.I)
_ATTRS_PSEUDOS = re.compile(r"\[[^\]]*\]|::?[\w-]+(?:\([^)]*\))?")
_TOKEN = re.compile(r"([#.]?)([A-Za-z_][\w-]*)")


@lru_cache(maxsize=512)
def needed_names(selector: str) -> frozenset[str] | None:
    """The tag names, ``#ids`` and ``.classes`` (lower case) that elements of a page must
    carry for ``selector`` to match there, or ``None`` when that cannot be told simply."""
    if _COMPLEX.search(selector):
        return None
    bare = _ATTRS_PSEUDOS.sub(" ", selector)
    if re.search(r"[\[\]()'\"]", bare):
        return None
    return frozenset(f"{mark}{name}".lower() for mark, name in _TOKEN.findall(bare))


def page_names(soup: BeautifulSoup) -> frozenset[str]:
    """Every tag name, ``#id`` and ``.class`` (lower case) used in the page; one pass."""
    names: set[str] = set()
    for el in soup.descendants:
        if not isinstance(el, Tag):
            continue
        names.add(el.name.lower())
        ident = el.get("id")
        if isinstance(ident, str):
            names.add(f"#{ident.lower()}")
        classes: Any = el.get("class") or []
        for cls in [classes] if isinstance(classes, str) else classes:
            names.add(f".{str(cls).lower()}")
    return frozenset(names)


def candidate_profiles(soup: BeautifulSoup, url: str | None = None) -> list[SiteProfile]:
    """Every profile that may fit the page, best first: URL matches, then fingerprint matches.

    A fingerprint naming an id, class or tag the page does not use is skipped without a
    search: each ``select_one`` walks the whole page, and there are dozens of fingerprints.
    """
    profiles = load_profiles()
    out: list[SiteProfile] = []
    for candidate in page_urls(soup, url):
        host_path = _host_path(candidate)
        host = host_path.split("/", 1)[0]
        for profile in profiles:
            for pattern in profile.hosts:
                target = host_path if "/" in pattern.replace("\\/", "/") else host
                if re.search(pattern, target) and profile not in out:
                    out.append(profile)
    present = page_names(soup)
    for profile in profiles:
        for selector in profile.fingerprints:
            needed = needed_names(selector)
            if needed is not None and not needed <= present:
                continue
            try:
                if profile not in out and soup.select_one(selector) is not None:
                    out.append(profile)
            except Exception:  # a selector soupsieve cannot parse must not break cleaning
                continue
    return out


__all__ = ["SiteProfile", "candidate_profiles", "load_profiles", "match_profile", "page_urls"]
