"""Clean page text (e.g. an abstract-reader page saved as text) into a Document.

Boilerplate is removed by rule (UI buttons, app banners, login prompts, legal notices, short
UI-ish lines), never by matching a particular page. Leading publication-type lines become
``publication_types``; the title is the sentence-like line before the abstract; the abstract is
the first contiguous block of prose paragraphs (structured headings allowed).
"""

from __future__ import annotations

import re

from ..errors import BlockedPageError, NoAbstractError
from ..records import Document
from .html import BLOCKED_PATTERNS
from .sections import (
    is_heading,
    normalise_space,
    split_inline_headings,
    split_leading_heading,
    split_sections,
)

#: NLM publication types (and common variants) that sites print above the title.
PUBLICATION_TYPES: frozenset[str] = frozenset(
    t.casefold()
    for t in (
        "Journal Article",
        "Clinical Trial",
        "Randomized Controlled Trial",
        "Controlled Clinical Trial",
        "Clinical Trial, Phase I",
        "Clinical Trial, Phase II",
        "Clinical Trial, Phase III",
        "Clinical Trial, Phase IV",
        "Multicenter Study",
        "Observational Study",
        "Review",
        "Systematic Review",
        "Meta-Analysis",
        "Case Reports",
        "Comparative Study",
        "Letter",
        "Editorial",
        "Comment",
        "Practice Guideline",
        "Guideline",
        "Evaluation Study",
        "Validation Study",
        "Research Support, Non-U.S. Gov't",
        "Research Support, N.I.H., Extramural",
        "Research Support, N.I.H., Intramural",
        "Research Support, U.S. Gov't, P.H.S.",
        "Research Support, U.S. Gov't, Non-P.H.S.",
        "English Abstract",
        "Preprint",
        "News",
        "Twin Study",
        "Equivalence Trial",
        "Pragmatic Clinical Trial",
        "Clinical Study",
        "Consensus Development Conference",
        "Historical Article",
        "Video-Audio Media",
        "Published Erratum",
        "Retracted Publication",
        "Case Report",
        "Original Article",
        "Research Article",
        "Randomized Clinical Trial",
        "Cohort Study",
        "Cross-Sectional Study",
    )
)

#: Lines that are site furniture, not article text (matched case-insensitively, whole line).
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        r"^(?:add |remove )?(?:like|dislike|save|share|bookmark|cite|follow|print|email)\b.{0,30}$",
        r"^add to (?:saved papers|favorites|library|collection)s?$",
        r"^full[- ]text links?\b.*$",
        r".*\b(?:mobile app|app store|google play|download the app)\b.*",
        r".*\b(?:log ?in|sign ?in|sign up|subscribe|subscription|register)\b.{0,160}$",
        r".*\bcopyright\b.*|.*©.*|.*\ball rights reserved\b.*",
        r".*\b(?:cookies?|privacy (?:policy|choices)|terms of (?:use|service))\b.*",
        r"^related (?:resources|articles|content)\b.*",
        r".*\bclaim (?:free )?cme\b.*|.*\bcme credits?\b.*",
        r"^(?:can't|cannot) access the (?:paper|article)\?$",
        r".*\bwe have located links\b.*",
        r".*\b(?:institution|university)/?(?:university|institution)?\b.{0,40}access\b.*",
        r".*\b1-tap access\b.*|.*\bone-click\b.*",
        r"^(?:mobile )?app image$|^toggle icon$|.*\btoggle icon\b.*",
        r".*\bmaterial copyrighted by\b.*",
        r"^(?:show|hide|read) (?:more|less|full text|abstract)$",
        r"^(?:similar|cited by|references|see also|advertisement|menu|search|home|back to top)$",
        r"^(?:this website|this site)\b.*",
        r".*\bget (?:seemless|seamless)\b.*",
        r"^(?:for the best experience)\b.*",
        r"^(?:affiliations?|expand|collapse)(?: expand| collapse)?$|^free (?:pmc )?article$",
        r"^(?:item in clipboard|display options|actions|page navigation)$",
    )
)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_DOI = re.compile(r"\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)
_ABSTRACT_LINE = re.compile(r"(?:abstract|summary)\s*:?", re.I)
#: Lines after which nothing belongs to the abstract.
_STOP_LINE = re.compile(
    r"^(?:keywords?|key words|mesh terms|conflict of interest|similar articles|cited by|"
    r"references|comment in|publication types|grants and funding|figures?)\b",
    re.I,
)
_CITATION_LINE = re.compile(r"\b(?:19|20)\d\d\b.*[;:]\s*\d|\bdoi\b|\bepub\b", re.I)
_AUTHOR_LIST = re.compile(r"^(?:[A-Z][\w'\-]+(?: [A-Z][\w'\-.]*){1,3} ?\d*(?:,|\band\b) ?){2,}")


def is_boilerplate(line: str) -> bool:
    """True for UI, navigation, app-banner, login and legal lines."""
    text = normalise_space(line)
    if not text:
        return True
    if any(p.fullmatch(text) for p in BOILERPLATE):
        return True
    return bool(not re.search(r"[A-Za-z]{2,}", text))


def _is_prose(para: str) -> bool:
    words = para.split()
    head, _, _ = para.partition(":")
    if is_heading(head) and len(words) >= 4:
        return True
    return len(words) >= 15 and bool(re.search(r"[.!?)]\s|[.!?)]$", para))


def _looks_like_title(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 45 or line.endswith(":") or is_heading(line):
        return False
    if _CITATION_LINE.search(line) or _AUTHOR_LIST.search(line):
        return False
    return bool(re.search(r"[a-z]{3,}", line))


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Group lines into paragraphs: blank lines split, and so does any line that is not the
    continuation of a hard-wrapped previous line (web-page text has one paragraph per line)."""
    lengths = sorted(len(x) for x in lines if x)
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    out: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if out[-1]:
                out.append([])
            continue
        prev = out[-1][-1] if out[-1] else ""
        wrapped = (
            prev
            and len(prev) >= 0.7 * width
            and not re.search(r"[.!?:]$", prev)
            and not split_leading_heading(line)[0]
        )
        if prev and not wrapped:
            out.append([])
        out[-1].append(line)
    return [p for p in out if p]


def clean_text(text: str, *, source: str = "") -> Document:
    """Turn page text into a Document (title, abstract, sections, light metadata).

    Args:
        text: the page text.
        source: the path or URL as given (kept on the Document and in errors).

    Raises:
        BlockedPageError: the text is a bot check or access-denied notice.
        NoAbstractError: no abstract-like prose was found.
    """
    flat = normalise_space(text)
    if len(flat) < 2500 and BLOCKED_PATTERNS.search(flat):
        raise BlockedPageError("blocked page text (bot check or access denied)", source=source)
    pmid = next(iter(_PMID.findall(text)), None)
    doi_match = _DOI.search(text)
    doi = doi_match.group(1).rstrip(".,;)") if doi_match else None
    pub_types: list[str] = []
    kept: list[str] = []
    seen_text = False
    for raw in text.splitlines():
        line = normalise_space(raw)
        if line.casefold() in PUBLICATION_TYPES and not seen_text:
            pub_types.append(line)
            continue
        if line and (
            is_boilerplate(line)
            or _PMID.fullmatch(line)
            or _DOI.fullmatch(line)
            or _ABSTRACT_LINE.fullmatch(line)
        ):
            line = ""  # a removed line still separates paragraphs
        if _STOP_LINE.match(line):
            if seen_text and any(_is_prose(k) for k in kept if k):
                break
            line = ""
        seen_text = seen_text or bool(line)
        kept.append(line)
    paras = [" ".join(p) for p in _paragraphs(kept)]
    start = next((i for i, p in enumerate(paras) if _is_prose(p)), None)
    if start is None:
        raise NoAbstractError("no abstract-like prose in the text", source=source)
    end = start
    while end + 1 < len(paras) and _is_prose(paras[end + 1]):
        end += 1
    body = paras[start : end + 1]
    title = next(
        (p for p in reversed(paras[max(0, start - 6) : start]) if _looks_like_title(p)), ""
    )
    abstract, sections = split_sections(split_inline_headings("\n\n".join(body)))
    if len(abstract) < 80:
        raise NoAbstractError("no abstract-like prose in the text", source=source)
    return Document(
        title=title,
        abstract=abstract,
        sections=sections,
        pmid=pmid,
        doi=doi,
        publication_types=tuple(pub_types),
        source=source,
        kind="text",
        site=None,
    )


__all__ = ["BOILERPLATE", "PUBLICATION_TYPES", "clean_text", "is_boilerplate"]
