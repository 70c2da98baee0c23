"""Clean a saved or fetched HTML page into a :class:`~extractor.records.Document`.

Strategy, in order: refuse blocked pages (captcha, bot check, access denied); pick a site
profile (``sites.json``) by URL or fingerprint and use its selectors; else the generic
strategy (containers whose id/class says *abstract*, a heading named *Abstract* and what
follows it, ``citation_abstract``/``DC.description``/JSON-LD, and last a long abstract-like
meta description). Listing pages and pages with nothing usable raise ``CleanError``s.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup, CData, NavigableString, Tag, XMLParsedAsHTMLWarning
from lxml import etree

from ..errors import BlockedPageError, InputError, ListingPageError, NoAbstractError
from ..records import Document
from .meta import extract_metadata, fill_metadata, iter_postorder, script_doi, short_texts
from .sections import is_heading, normalise_space, split_leading_heading, split_sections
from .sites import SiteProfile, candidate_profiles

_BLOCK = {
    "p", "div", "section", "article", "li", "ul", "ol", "dd", "dt", "dl", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "header", "footer", "br", "aside",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROP = ("script", "style", "noscript", "svg", "button", "figure", "iframe", "math")
BLOCKED_PATTERNS = re.compile(
    r"just a moment\.\.\.|checking (?:if the site connection is secure|your browser)|"
    r"verify (?:you are|that you are) (?:a )?human|are you a robot|"
    r"enable javascript and cookies to continue|attention required! \| cloudflare|"
    r"ddos protection by|please complete the security check|captcha|access denied|"
    r"request unsuccessful\. incapsula|you don't have permission to access|"
    r"unusual traffic from your computer|please enable (?:javascript|cookies)|"
    r"javascript is (?:disabled|required)|this site requires javascript",
    re.I,
)
_BAD_TOKENS = re.compile(
    r"(?:^|[-_])(?:graphical|visual|highlights?|references?|refs?|ads?|advert\w*|btn|buttons?|"
    r"links?|toggle|nav|navbar|navigation|menu|tabs?|related|similar|cited|citedby|recommend\w*|"
    r"teaser|snippets?|keywords?|kwd|trans\w*|share|download|metrics)(?:$|[-_])",
    re.I,
)
_ABSTRACT_WORD = re.compile(
    r"^(?:abstract|summary|author summary|a b s t r a c t)(?:\s+top|\s*\([a-z ]+\))?\s*:?$",
    re.I,
)
_STOP_HEADINGS = re.compile(
    r"^(?:keywords?|key words|references?|copyright|graphical abstract|highlights|"
    r"similar articles|cited by|supplementary|abbreviations|conflicts? of interest)\b",
    re.I,
)
_STOP_PARAGRAPH = re.compile(
    r"^(?:©|copyright\b)|\ball rights reserved\b|\bsign up to receive\b|"
    r"\bthe complete article is available\b|\bprovisional pdf\b|^(?:keywords?|key words)\s*:",
    re.I,
)
_TOP_LINK = re.compile(r"^(?:back to )?top(?: of page)?$|^return to top$", re.I)
MIN_ABSTRACT_CHARS = 120
MIN_META_DESCRIPTION_CHARS = 400
#: Deepest element nesting accepted. Article pages stay under 50 (the saved pages: 41 at most);
#: BeautifulSoup compares tags recursively when it serialises a page (two stack frames a
#: level), so much deeper trees end in RecursionError, and every pass over them gets slower.
MAX_DEPTH = 256
#: Longest heading text ``_after_heading`` looks at (an *Abstract* heading is one word).
_HEADING_MAX_CHARS = 200


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # XHTML pages start with an XML declaration; the HTML parser is still the right one.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


class _TooDeep(Exception):
    pass


class _DepthCounter:
    """lxml parser target that counts open elements and stops past ``MAX_DEPTH``.

    lxml is the parser BeautifulSoup uses here, so these events build the same tree.
    """

    def __init__(self) -> None:
        self.depth = 0

    def start(self, tag: str, attrib: object) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep

    def end(self, tag: str) -> None:
        self.depth -= 1

    def close(self) -> None:
        return None


def _too_deep(source: str) -> InputError:
    return InputError(
        f"page nested more than {MAX_DEPTH} elements deep (limit {MAX_DEPTH}); "
        "not a page we can clean",
        source=source,
    )


def _deeper_than(root: Tag, limit: int) -> bool:
    """True when some element of the parsed tree lies more than ``limit`` levels down."""
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in el.contents if isinstance(child, Tag))
    return False


def parse_page(html: str, *, source: str = "") -> BeautifulSoup:
    """Parse a page, refusing one nested more than :data:`MAX_DEPTH` elements deep.

    The depth is counted by a fast lxml pass before BeautifulSoup builds its (slow, large)
    tree, so a hostile page of 100,000 nested ``<div>`` is refused in milliseconds.

    Raises:
        InputError: the page is nested too deep.
    """
    checked = False
    try:
        parser = etree.HTMLParser(target=_DepthCounter(), recover=True)
        parser.feed(html)
        parser.close()
        checked = True
    except _TooDeep:
        raise _too_deep(source) from None
    except Exception:  # lxml could not scan it (odd input): count on the parsed tree instead
        pass
    soup = _soup(html)
    if not checked and _deeper_than(soup, MAX_DEPTH):
        raise _too_deep(source)
    return soup


def detect_blocked(soup: BeautifulSoup, *, source: str = "") -> None:
    """Raise ``BlockedPageError`` when the page is a challenge, captcha or access-denied stub.

    Only pages with little visible text are judged, so an article mentioning *captcha* passes.
    """
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    text = normalise_space(
        " ".join(s for s in body.find_all(string=True) if s.parent and s.parent.name not in
                 ("script", "style", "noscript"))
    )  # fmt: skip
    if len(text) < 2500:
        match = BLOCKED_PATTERNS.search(f"{title} {text}")
        # the markup is serialised only for short pages: costly on big ones, and BeautifulSoup
        # compares tags recursively while serialising (a RecursionError on deep trees)
        if match or re.search(
            r"cf-challenge|challenge-platform|cf_chl_|g-recaptcha|hcaptcha", str(soup)[:200_000]
        ):
            reason = match.group(0) if match else "bot-check markup"
            raise BlockedPageError(f"blocked page ({reason!s}), not an article", source=source)
    if (
        len(text) < 1500
        and re.search(r"\b(?:cookies?|consent)\b", text, re.I)
        and re.search(r"\b(?:accept|agree)\b", text, re.I)
    ):
        raise BlockedPageError("cookie wall with no article content", source=source)


def _class_id(el: Tag) -> str:
    raw: Any = el.get("class") or []
    classes: list[str] = [raw] if isinstance(raw, str) else [str(c) for c in raw]
    return " ".join([str(el.get("id") or ""), *classes])


def _inline_text(el: Tag | NavigableString) -> str:
    if isinstance(el, NavigableString):
        return str(el)
    # every string below, in document order (iterative: deep inline nesting must not recurse)
    return "".join(str(s) for s in el.descendants if isinstance(s, NavigableString))


def _heading_of(el: Tag, heading_sel: set[int]) -> str | None:
    """The heading text if ``el`` is a heading-like block (h2-h6, sub-title, a profile heading)."""
    if el.name in _HEADINGS or id(el) in heading_sel:
        text = normalise_space(el.get_text(" "))
        if text and len(text) <= 80:
            return text
    return None


def _lead_label(el: Tag, heading_sel: set[int]) -> tuple[str | None, Tag | None]:
    """A leading ``<strong>/<b>/span.sub-title`` label at the start of a paragraph."""
    for child in el.children:
        if isinstance(child, NavigableString):
            if child.strip():
                return None, None
            continue
        if isinstance(child, Tag):
            if child.name in ("strong", "b") or id(child) in heading_sel:
                text = normalise_space(child.get_text(" "))
                if text and (text.endswith(":") or is_heading(text)) and len(text) <= 70:
                    return text.rstrip(":").strip(), child
            return None, None
    return None, None


def render_blocks(
    container: Tag, heading_sel: set[int] | None = None
) -> list[tuple[str | None, str]]:
    """Render a container into ``(heading, paragraph)`` pairs.

    Inline tags keep their text without added spaces (``Cr<sub>2</sub>`` → ``Cr2``); block
    elements are separated; headings (``h2``-``h6``, profile heading selectors, a leading
    ``<strong>Label:</strong>``) become labels of the paragraph that follows.
    """
    heading_sel = heading_sel or set()
    items: list[tuple[str, str]] = []  # ("h", text) or ("p", text)

    def walk(el: Tag) -> None:
        head = _heading_of(el, heading_sel)
        if head is not None:
            items.append(("h", head))
            return
        label, label_el = (
            _lead_label(el, heading_sel) if el.name in ("p", "div", "dd") else (None, None)
        )
        if label and label_el is not None:
            items.append(("h", label))
            label_el.extract()
        buf: list[str] = []

        def flush() -> None:
            text = normalise_space("".join(buf))
            if text:
                items.append(("p", text))
            buf.clear()

        for child in el.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    buf.append(str(child))
            elif isinstance(child, Tag):
                if child.name in _BLOCK or id(child) in heading_sel or child.find(_BLOCK - {"br"}):
                    flush()
                    if child.name != "br":
                        walk(child)
                else:
                    buf.append(_inline_text(child))
        flush()

    walk(container)
    pairs: list[tuple[str | None, str]] = []
    pending: str | None = None
    for kind, text in items:
        if kind == "h":
            if _ABSTRACT_WORD.match(text):
                if re.match(r"a\s?b\s?s\s?t\s?r\s?a\s?c\s?t", text, re.I):
                    pairs, pending = [], None  # what precedes an "Abstract" heading is front matter
                    continue
                if not pairs:
                    continue  # a leading "Summary" names the abstract; a later one is a section
            if _STOP_HEADINGS.match(text):
                break
            pending = text
            continue
        text = re.sub(r"^(?:abstract|a b s t r a c t)\s*[:.]?\s+", "", text, flags=re.I)
        if (
            _ABSTRACT_WORD.match(text)
            or not re.search(r"[^\W\d_]{2,}", text)
            or any(text == b for _, b in pairs)
        ):
            continue
        if _STOP_HEADINGS.match(text) or _STOP_PARAGRAPH.search(text):
            break
        if pending is not None:
            if pairs and pairs[-1][0] == pending:
                pairs[-1] = (pending, f"{pairs[-1][1]} {text}")
            else:
                pairs.append((pending, text))
            continue
        pairs.append(split_leading_heading(text))
    return pairs


def _prepare(container: Tag, profile: SiteProfile | None) -> tuple[Tag, set[int]]:
    for name in _DROP:
        for el in container.find_all(name):
            el.decompose()
    for link in container.find_all("a"):
        if _TOP_LINK.match(normalise_space(link.get_text(" "))):
            link.decompose()
    for sup in container.find_all("sup"):
        # Citation markers (``<sup><a href="#B1">1, </a></sup>``) are not abstract text.
        if sup.find("a") and re.fullmatch(r"[\d,\s\-–]*", sup.get_text()):
            sup.decompose()
    if profile:
        for selector in profile.remove:
            try:
                for el in container.select(selector):
                    el.decompose()
            except Exception:  # an unsupported selector in the data must not stop cleaning
                continue
    heading_sel: set[int] = set()
    if profile:
        for selector in profile.headings:
            try:
                heading_sel.update(id(el) for el in container.select(selector))
            except Exception:
                continue
    return container, heading_sel


def _usable(pairs: list[tuple[str | None, str]]) -> bool:
    text = " ".join(b for _, b in pairs)
    return len(text) >= MIN_ABSTRACT_CHARS and len(re.findall(r"[A-Za-z]{2,}", text)) >= 15


def _from_selectors(soup: BeautifulSoup, profile: SiteProfile) -> list[tuple[str | None, str]]:
    banned: set[int] = set()
    for selector in profile.remove:
        try:
            banned.update(id(el) for el in soup.select(selector))
        except Exception:  # an unsupported selector in the data must not stop cleaning
            continue
    for selector in profile.abstract:
        try:
            found = [
                el
                for el in soup.select(selector)
                if id(el) not in banned and not any(id(p) in banned for p in el.parents)
            ]
        except Exception:
            continue
        if not found:
            continue
        # Sibling paragraph selectors (``div > p``) collect all; containers take the first.
        elements = found if selector.rstrip().endswith((" p", "> p", "div.html-p")) else found[:1]
        pairs: list[tuple[str | None, str]] = []
        for el in elements:
            el, heads = _prepare(el, profile)
            pairs.extend(render_blocks(el, heads))
        if _usable(pairs):
            return pairs
    for label in profile.heading_texts:
        pairs = _after_heading(soup, re.compile(rf"^{re.escape(label)}\s*:?$", re.I), profile)
        if _usable(pairs):
            return pairs
    return []


def _bad_class(el: Tag) -> bool:
    return any(
        _BAD_TOKENS.search(token) for token in _class_id(el).lower().split() if token != "abstract"
    )


def _excluded(el: Tag) -> bool:
    """True for elements in navigation, links, or containers named as non-abstract furniture."""
    for node in el.parents:
        if not isinstance(node, Tag):
            continue
        if node.name in ("a", "nav", "footer", "header", "aside", "button", "li"):
            return True
        if _bad_class(node) and "abstract" not in _class_id(node).lower():
            return True
    return _bad_class(el)


def _from_containers(soup: BeautifulSoup) -> list[tuple[str | None, str]]:
    candidates = [
        el
        for el in soup.find_all(["div", "section", "p", "dd", "blockquote", "article", "span"])
        if "abstract" in _class_id(el).lower() and not _excluded(el)
    ]
    if not candidates:
        return []
    lengths, inner_best = _candidate_lengths(soup, {id(el) for el in candidates})
    chosen = []
    for el in candidates:
        # a candidate inside this one holding most of its text is the better pick
        if inner_best.get(id(el), -1) >= 0.6 * lengths[id(el)]:
            continue
        chosen.append(el)
    for el in chosen:
        if lengths[id(el)] < MIN_ABSTRACT_CHARS:
            continue
        el, heads = _prepare(el, None)
        pairs = render_blocks(el, heads)
        if _usable(pairs):
            return pairs
    return []


def _candidate_lengths(
    soup: BeautifulSoup, wanted: set[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """``len(el.get_text(" ", strip=True))`` of every tag, and for each tag the longest such
    length among the ``wanted`` tags strictly inside it; one bottom-up pass (linear time)."""
    lengths: dict[int, int] = {}
    inner_best: dict[int, int] = {}  # longest wanted descendant
    best_here: dict[int, int] = {}  # longest wanted tag in the subtree, the tag itself included
    strings: dict[int, int] = {}  # non-empty stripped strings in the subtree
    for el in iter_postorder(soup):
        total = count = 0
        best = -1
        for child in el.contents:
            if isinstance(child, Tag):
                key = id(child)
                if strings[key]:
                    total += lengths[key] + (1 if count else 0)
                    count += strings[key]
                best = max(best, best_here[key])
            elif type(child) in (NavigableString, CData):
                stripped = str(child).strip()
                if stripped:
                    total += len(stripped) + (1 if count else 0)
                    count += 1
        key = id(el)
        lengths[key], strings[key], inner_best[key] = total, count, best
        best_here[key] = max(best, total) if key in wanted else best
    return lengths, inner_best


def _from_anchor(soup: BeautifulSoup) -> list[tuple[str | None, str]]:
    """Follow an in-page ``<a href="#id">Abstract</a>`` link to the element it points at."""
    for link in soup.find_all("a", href=re.compile(r"^#[\w\-:.]+$")):
        if not _ABSTRACT_WORD.match(normalise_space(link.get_text(" "))):
            continue
        anchor = str(link["href"])[1:]
        target = soup.find(id=anchor) or soup.find(True, attrs={"name": anchor})
        if not isinstance(target, Tag) or target.name == "a":
            continue
        el, heads = _prepare(target, None)
        pairs = render_blocks(el, heads)
        if _usable(pairs):
            return pairs
    return []


def _after_heading(
    soup: BeautifulSoup, pattern: re.Pattern[str], profile: SiteProfile | None = None
) -> list[tuple[str | None, str]]:
    """Paragraphs following a heading whose whole text matches ``pattern``.

    Texts come from one linear pass (:func:`short_texts`), not ``get_text()`` per element,
    which re-read every subtree once per ancestor (quadratic in the nesting depth).
    """
    texts = short_texts(soup, _HEADING_MAX_CHARS)
    tried: set[int] = set()
    for el in soup.find_all(["h1", "h2", "h3", "h4", "div", "span", "strong", "b", "p"]):
        text = texts.get(id(el))
        if text is None or not pattern.match(text) or _excluded(el):
            continue
        pairs: list[tuple[str | None, str]] = []
        node = el
        while node is not None and not node.find_next_sibling() and node.parent is not None:
            node = node.parent  # the heading may be wrapped (``<div><h2>Abstract</h2></div>``)
        if id(node) in tried:  # a wrapper and the heading in it lead to the same blocks
            continue
        if tried and not pattern.match(normalise_space(el.get_text(" "))):
            continue  # an earlier try changed this element (took a label out of it)
        tried.add(id(node))
        for sib in node.find_next_siblings() if node is not None else []:
            if not isinstance(sib, Tag):
                continue
            if sib.name in _HEADINGS and pairs:
                break
            sib, heads = _prepare(sib, profile)
            pairs.extend(render_blocks(sib, heads))
            if len(" ".join(b for _, b in pairs)) > 300 and sib.name not in ("p",):
                break
        if _usable(pairs):
            return pairs
    return []


_ABSTRACT_HEADING = re.compile(r"^(?:abstract|summary)\s*:?$", re.I)


def _from_meta(meta: dict[str, Any]) -> list[tuple[str | None, str]]:
    for text in meta.get("abstracts", []):
        clean = _soup(text).get_text(" ") if "<" in text else text
        pairs = [split_leading_heading(p) for p in re.split(r"\n\s*\n", clean) if p.strip()]
        pairs = [(h, re.sub(r"^abstract\s*[:.]?\s+", "", b, flags=re.I)) for h, b in pairs]
        if _usable(pairs):
            return pairs
    return []


def _from_description(meta: dict[str, Any]) -> list[tuple[str | None, str]]:
    for text in meta.get("descriptions", []):
        text = normalise_space(text)
        sentences = re.findall(r"[.!?](?:\s|$)", text)
        if (
            len(text) >= MIN_META_DESCRIPTION_CHARS
            and len(sentences) >= 3
            and not text.endswith(("...", "…"))
        ):
            return [split_leading_heading(text)]
    return []


def _looks_like_listing(soup: BeautifulSoup) -> bool:
    links = soup.find_all("a", href=re.compile(r"/doi/|/article|/abs/|/content/|pubmed|/pii/"))
    titles = soup.title.get_text(" ", strip=True).lower() if soup.title else ""
    if re.search(r"search results|table of contents|\btoc\b|current issue|all issues", titles):
        return True
    return len({a.get("href") for a in links}) >= 25 and not soup.find(
        "meta", attrs={"name": "citation_title"}
    )


def no_abstract_message(pmid: str | None, doi: str | None) -> str:
    """One line for a page without an abstract; names its PMID/DOI and how to fetch it."""
    if pmid:
        return (
            f"no abstract in the page; it carries PMID {pmid}: "
            f"try 'evidence extract {pmid}' (fetches it from PubMed)"
        )
    if doi:
        return (
            f"no abstract in the page; it carries DOI {doi}: find it on PubMed with "
            f"'evidence fetch --query \"{doi}[doi]\"' and extract it by PMID"
        )
    return "no abstract found in the page"


def clean_html(html: str, *, source: str = "", url: str | None = None) -> Document:
    """Turn an HTML page into a Document holding its abstract and metadata.

    Args:
        html: the page markup.
        source: the path or URL as given by the user (kept on the Document and in errors).
        url: the page URL when known; it selects the site profile.

    Returns:
        A Document with ``kind="html"`` and ``site`` set to the profile name (or ``generic``).

    Raises:
        InputError: the page is nested more than :data:`MAX_DEPTH` elements deep.
        BlockedPageError: captcha, bot check, cookie wall or access-denied page.
        ListingPageError: search results, table of contents or a home page.
        NoAbstractError: no abstract could be found.
    """
    soup = parse_page(html, source=source)
    try:
        return _clean_soup(soup, source=source, url=url)
    except RecursionError:
        # BeautifulSoup recurses (four levels of Python's limit per element level) when it
        # compares or serialises alike nested tags; a page deep enough for that is refused.
        raise InputError(
            "page nested too deep to clean (Python's recursion limit)", source=source
        ) from None


def _clean_soup(soup: BeautifulSoup, *, source: str, url: str | None) -> Document:
    """:func:`clean_html` on a parsed page."""
    detect_blocked(soup, source=source)
    profiles = candidate_profiles(soup, url)
    base = extract_metadata(soup, url)
    # Metadata per candidate profile (its selectors first, then the other candidates' and the
    # generic rules), read before abstract containers are pruned.
    metas: dict[str, dict[str, Any]] = {
        candidate.name: fill_metadata(soup, base, [candidate, *profiles]) for candidate in profiles
    }
    generic_meta = fill_metadata(soup, base, profiles)
    hint_doi = None if base.get("doi") else script_doi(soup)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    pairs: list[tuple[str | None, str]] = []
    meta = generic_meta
    site = "generic"
    strategy = None
    for candidate in profiles:
        if candidate.prefer_meta:
            pairs, strategy = _from_meta(base), "site-meta"
        if not pairs:
            pairs, strategy = _from_selectors(soup, candidate), "site-selectors"
        if pairs:
            site, meta = candidate.name, metas[candidate.name]
            break
    if not pairs:
        fallbacks: tuple[tuple[str, Callable[[], list[tuple[str | None, str]]]], ...] = (
            ("containers", lambda: _from_containers(soup)),
            ("anchor", lambda: _from_anchor(soup)),
            ("heading", lambda: _after_heading(soup, _ABSTRACT_HEADING)),
            ("meta-abstract", lambda: _from_meta(base)),
            ("meta-description", lambda: _from_description(base)),
        )
        for name, find in fallbacks:
            pairs = find()
            if pairs:
                strategy = name
                break
    if not pairs:
        if _looks_like_listing(soup):
            raise ListingPageError("page lists many articles; no single abstract", source=source)
        raise NoAbstractError(
            no_abstract_message(generic_meta.get("pmid"), generic_meta.get("doi") or hint_doi),
            source=source,
        )
    title = meta.get("title") or ""
    abstract, sections = split_sections(pairs)
    if not title and soup.title:
        title = normalise_space(soup.title.get_text(" "))
    return Document(
        title=normalise_space(title),
        abstract=abstract,
        sections=sections,
        pmid=meta.get("pmid"),
        doi=meta.get("doi"),
        journal=meta.get("journal"),
        year=meta.get("year"),
        authors=tuple(meta.get("authors", ())),
        publication_types=tuple(meta.get("publication_types", ())),
        source=source,
        kind="html",
        site=site,
        cleaning=strategy,
    )


__all__ = [
    "MAX_DEPTH",
    "clean_html",
    "detect_blocked",
    "no_abstract_message",
    "parse_page",
    "render_blocks",
]
