"""Clean page text (e.g. an abstract-reader page saved as text) into a Document.

Boilerplate is removed by rule (UI buttons, app banners, login prompts, legal notices, short
UI-ish lines), never by matching a particular page. Leading publication-type lines become
``publication_types``; the title is the sentence-like line before the abstract; the abstract is
the first contiguous block of prose paragraphs (structured headings allowed).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..errors import BlockedPageError, NoAbstractError
from ..records import Document
from ..settings import MAX_ABSTRACT_CHARS
from .html import BLOCKED_PATTERNS
from .sections import (
    KNOWN_HEADINGS,
    is_heading,
    normalise_label,
    normalise_space,
    split_inline_headings,
    split_leading_heading,
    split_sections,
    strip_controls,
    tidy_metadata,
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

#: Site furniture (UI buttons, navigation, app banners, login prompts), matched
#: case-insensitively against a whole *short* line or sentence (see :func:`is_boilerplate`): a
#: long line of prose that merely contains one of these words ("the Cochrane Trials Register",
#: "a mobile app for smoking cessation") is article text, not furniture.
BOILERPLATE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        r"(?:add |remove )?(?:like|dislike|save|share|bookmark|cite|follow|print|e-?mail)"
        r"(?:\s[^.]{0,30})?",
        r"add to (?:saved papers|favorites|library|collection)s?",
        r"full[- ]text links?\b.*",
        r".*\b(?:mobile app|app store|google play|download the app)\b.*",
        r".*\b(?:log ?in|logging in|sign ?in|sign up|subscribe|subscription)\b.*",
        r"(?:register|create (?:an )?account)(?: now| here| for free| today)?",
        r".*\b(?:cookies?|privacy (?:policy|choices)|terms of (?:use|service))\b.*",
        r"related (?:resources|articles|content)\b.*",
        r".*\bclaim (?:free )?cme\b.*|.*\bcme credits?\b.*",
        r"(?:can't|cannot) access the (?:paper|article)\?",
        r".*\bwe have located links\b.*",
        r".*\b(?:institution|university)/?(?:university|institution)?\b.{0,40}access\b.*",
        r".*\b1-tap access\b.*|.*\bone-click\b.*",
        r"(?:mobile )?app image|toggle icon|.*\btoggle icon\b.*",
        r"(?:show|hide|read) (?:more|less|full text|abstract)",
        r"(?:similar|cited by|references|see also|advertisement|menu|search|home|back to top)",
        r"(?:this website|this site)\b.*",
        r".*\bget (?:seemless|seamless)\b.*",
        r"(?:for the best experience)\b.*",
        r"(?:affiliations?|expand|collapse)(?: expand| collapse)?|free (?:pmc )?article",
        r"(?:item in clipboard|display options|actions|page navigation)",
    )
)
#: Furniture is short: a UI line or sentence has at most this many words.
UI_MAX_WORDS = 16

# Legal and administrative notes that trail an abstract. Each is judged per *sentence*:
# copyright and licence sentences, labelled notes ("Trial registration: ...", "Funding: ...")
# and plain registration/funding sentences ("Registered 3 March 2015.").
_COPYRIGHT = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright(?:ed)?\b|\ball rights reserved\b", re.I
)
_LICENCE = re.compile(
    r"\bcreative commons\b|\bopen[- ]access article\b|(?-i:\bCC[- ]BY\b)|"
    r"\b(?:permits|allows) unrestricted\b|\b(?:distributed|licensed) under the terms\b",
    re.I,
)
_NOTE_LABEL = re.compile(
    r"((?:clinical )?trial registration|registration|funding|funding sources?|"
    r"sources? of funding|financial support|grant support|conflicts? of interests?|"
    r"competing interests?|declarations? of (?:competing )?interests?|disclosures?)"
    r"(?: (?:number|no\.?|id|identifier|statement|information))?\s*:",
    re.I,
)
_PLAIN_NOTE = re.compile(
    r"(?:(?:this|the) (?:trial|study|review|protocol)(?: \w+)? (?:was|is|has been) )?"
    r"(?:(?:prospectively|retrospectively) )?registered (?:at|on|in|with|under|as|\d)|"
    r"(?:(?:this|the) (?:work|study|research|trial|project|review|programme|program)"
    r"(?: \w+)? (?:was|is|has been) (?:\w+ )?|(?:partly |partially |financially )?)"
    r"(?:funded|supported|sponsored|financed) (?:in part )?by\b.*\b(?:grants?|foundation|"
    r"institutes?|council|ministry|funds?|fellowships?|awards?|agency|nih|nihr|trust|"
    r"charity|company|inc|ltd|pharmaceuticals?|programme|program|department|government)\b|"
    r"(?:clinicaltrials\.gov|isrctn|prospero|anzctr|actrn|chictr|eudract|drks|umin|ctri|irct)"
    r"\b|nct\d{8}\b",
    re.I,
)
_PUBLISHER = re.compile(
    r"\bpublished by\b|\bon behalf of\b|\b(?:john wiley|elsevier|springer|wolters kluwer|"
    r"taylor & francis|informa uk|university press|karger|thieme|the authors?)\b",
    re.I,
)
_REG_OR_FUNDING_SECTION = re.compile(r"REGISTRATION|FUNDING|IDENTIFIER|SPONSOR")
# Sentence ends: a full stop (etc.) before a capital, digit, bracket or ©; and before ©.
_SENTENCE_GAP = re.compile(
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9©])|\s+(?=©)|(?<=[a-z][.!?])(?=Copyright\b|©)|"
    # a labelled note or licence after text that does not end in a full stop (a URL)
    r"\s+(?=(?:(?:Clinical )?[Tt]rial registration|Registration|Funding|Conflicts? of interest|"
    r"Competing interests?|Disclosures?)\b[^:]{0,25}:|This is an open[- ]access article)"
)
# A sentence rather than a title: a finite verb, or an objective ("To assess ...").
_FINITE = re.compile(
    r"^To [a-z]+ |\b(?:is|are|was|were|has|have|had|can|may|will|provides?|describes?|"
    r"reports?|presents?|aims?|aimed|sought|investigated|examined|evaluated|assessed|"
    r"compared|determined)\b"
)

_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_DOI = re.compile(r"\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)
_ABSTRACT_LINE = re.compile(r"abstract\s*:?", re.I)
_SUMMARY_LINE = re.compile(r"summary\s*:?", re.I)
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")
#: Lines after which nothing belongs to the abstract.
_STOP_LINE = re.compile(
    r"^(?:keywords?|key words|mesh terms|conflict of interest|similar articles|cited by|"
    r"references|comment in|publication types|grants and funding|figures?)\b",
    re.I,
)
_CITATION_LINE = re.compile(r"\b(?:19|20)\d\d\b.*[;:]\s*\d|\bdoi\b|\bepub\b", re.I)
_AUTHOR_LIST = re.compile(r"^(?:[A-Z][\w'\-]+(?: [A-Z][\w'\-.]*){1,3} ?\d*(?:,|\band\b) ?){2,}")
# An all-caps heading inside a sentence; a known heading written in mixed case inside a
# run-on paragraph ("... end. Methods: We ...").
_INLINE_CAPS = re.compile(r"\b([A-Z][A-Z'’&/,\- ]{1,58}[A-Z]):\s")
_MIXED_INLINE = re.compile(r"(?<=[.!?])\s+([A-Z][a-z][A-Za-z'’ ]{1,40}):\s+")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences (a light rule: end punctuation, then a capital or ``©``)."""
    return [s for s in _SENTENCE_GAP.split(normalise_space(text)) if s]


def _is_ui(text: str) -> bool:
    return len(text.split()) <= UI_MAX_WORDS and any(p.fullmatch(text) for p in BOILERPLATE)


def _is_legal(sentence: str) -> bool:
    """A copyright or licence sentence (any length: these are never article text)."""
    return bool(_COPYRIGHT.search(sentence) or _LICENCE.search(sentence))


def is_boilerplate(line: str) -> bool:
    """True for a line that *is* site furniture: a short UI, navigation, app-banner or login
    line, or a line made only of such sentences and copyright/licence sentences.

    A line of article prose is never furniture because of a word it contains; a trailing
    copyright or registration sentence is cut from it by the cleaner instead.
    """
    text = normalise_space(line)
    if not text or not re.search(r"[A-Za-z]{2,}", text):
        return True
    if _is_ui(text):
        return True
    sentences = split_sentences(text)
    if not any(_is_legal(s) or _is_ui(s) for s in sentences):
        return False
    # Publisher lines ("Published by Elsevier Ltd.") count only beside a copyright sentence.
    return all(
        _is_legal(s) or _is_ui(s) or (len(s.split()) <= UI_MAX_WORDS and _PUBLISHER.search(s))
        for s in sentences
    )


def _note_kind(sentence: str) -> str:
    """``note`` (copyright, licence, labelled note), ``plain`` (registration or funding
    sentence), ``cont`` (a publisher line that may follow a note) or ``text``."""
    if _is_legal(sentence):
        return "note"
    label = _NOTE_LABEL.match(sentence)
    if label and not label.group(1).isupper():  # "FUNDING:" in capitals heads a section
        return "note"
    if _PLAIN_NOTE.match(sentence):
        return "plain"
    if len(sentence.split()) <= UI_MAX_WORDS and _PUBLISHER.search(sentence):
        return "cont"
    return "text"


def strip_trailing_notes(paragraph: str) -> str:
    """Cut trailing copyright, licence, registration and funding sentences off a paragraph.

    Only whole sentences at the end go, and only from the first note onwards; a paragraph
    headed by a registration or funding heading keeps its plain registration/funding
    sentences (they are that section's text). A paragraph made only of notes becomes ``""``
    unless it starts with a heading.
    """
    sentences = split_sentences(paragraph)
    kinds = [_note_kind(s) for s in sentences]
    cut = len(sentences)
    # A paragraph that opens with a heading is a section: its first sentence always stays.
    first = 1 if sentences and split_leading_heading(sentences[0])[0] else 0
    in_section: list[bool] | None = None  # computed once, when a plain note needs it
    for i in range(len(sentences) - 1, first - 1, -1):
        if kinds[i] == "text":
            break
        # A plain registration/funding sentence is the text of a registration section.
        if kinds[i] == "plain" and in_section is None:
            in_section = _in_reg_or_funding_sections(sentences)
        plain_note = kinds[i] == "plain" and in_section is not None and not in_section[i]
        if kinds[i] == "note" or plain_note:
            cut = i
    return " ".join(sentences[:cut])


def _in_reg_or_funding_sections(sentences: list[str]) -> list[bool]:
    """For each sentence: is it inside a registration or funding section? The section is the
    one the nearest heading at or before it opens (a leading heading, else the last inline
    all-caps heading of that sentence). One pass: a paragraph of thousands of registration
    sentences must not be rescanned for each of them."""
    flags: list[bool] = []
    current = False
    for sentence in sentences:
        head = split_leading_heading(sentence)[0]
        if not head:
            inline = [m.group(1) for m in _INLINE_CAPS.finditer(sentence) if is_heading(m.group(1))]
            head = inline[-1] if inline else None
        if head:
            current = bool(_REG_OR_FUNDING_SECTION.search(normalise_label(head)))
        flags.append(current)
    return flags


def _heading_only(para: str) -> bool:
    """A line that is only a heading: ``METHODS:``, ``Methods:``, or a known one bare."""
    text = para.strip()
    if text.endswith(":"):
        return is_heading(text[:-1])
    return is_heading(text) and normalise_space(text).upper().replace("’", "'") in KNOWN_HEADINGS


def _is_prose(para: str) -> bool:
    words = para.split()
    head, _, _ = para.partition(":")
    if is_heading(head) and len(words) >= 4:
        return True
    return len(words) >= 15 and bool(re.search(r"[.!?)]\s|[.!?)]$", para))


def _is_sentence(para: str) -> bool:
    """A short paragraph that reads as a sentence (a one-sentence section without heading)."""
    return (
        len(para.split()) >= 4
        and bool(re.match(r"[A-Z0-9(]", para))
        and bool(re.search(r"[.!?)]$", para))
        and not _CITATION_LINE.search(para)
        and not _AUTHOR_LIST.search(para)
    )


def _looks_like_title(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 45 or line.endswith(":") or is_heading(line):
        return False
    if _CITATION_LINE.search(line) or _AUTHOR_LIST.search(line):
        return False
    return bool(re.search(r"[a-z]{3,}", line)) or (line.isupper() and len(words) >= 4)


def _paragraphs(lines: list[str]) -> list[str]:
    """Group lines into paragraphs: blank lines split, and so does any line that is not the
    continuation of a hard-wrapped previous line (web-page text has one paragraph per line).
    A heading on a line of its own heads the paragraph after it (PubMed and PDF copies)."""
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
            and not _heading_only(prev)
        )
        if prev and not wrapped:
            out.append([])
        out[-1].append(line)
    paras = [" ".join(p) for p in out if p]
    merged: list[str] = []
    for para in paras:
        last = merged[-1] if merged else ""
        if last and _heading_only(last) and not _heading_only(para):
            head = last.strip().rstrip(":")
            merged[-1] = f"{head}: {para}"
        else:
            merged.append(para)
    return merged


def _is_title_para(paras: list[str], i: int) -> bool:
    """True when prose-like ``paras[i]``, the first paragraph, is the title of the abstract
    after it: a long title ending in a full stop, or one that opens with an acronym and a
    colon (``"VMAP: Vaginal Microbiome Atlas during Pregnancy."``). Before unstructured
    paragraphs only a one-sentence paragraph without a finite verb is taken for a title."""
    if i + 1 >= len(paras) or any(_looks_like_title(p) for p in paras[max(0, i - 6) : i]):
        return False
    para = paras[i]
    head, body = split_leading_heading(para)
    next_head = split_leading_heading(paras[i + 1])[0]
    sentences = split_sentences(body)
    if (
        len(para.split()) > 45
        or len(sentences) > 2
        or (len(sentences) == 2 and len(para.split()) > 30)
    ):
        return False
    if head is None:
        if next_head is None and (len(sentences) > 1 or _FINITE.search(para)):
            return False
        return _looks_like_title(para) and (next_head is not None or _is_prose(paras[i + 1]))
    known = normalise_space(head).upper().replace("’", "'") in KNOWN_HEADINGS
    next_known = next_head is None or next_head.upper().replace("’", "'") in KNOWN_HEADINGS
    return not known and next_known and (_is_prose(paras[i + 1]) or next_head is not None)


def _abstract_block(paras: list[str], start: int) -> int:
    """Index of the last paragraph of the abstract that starts at ``start``.

    Prose and headed paragraphs continue it; up to two short sentence-like paragraphs (an
    unheaded one-sentence section) continue it when prose follows them or the text ends.
    """
    end = start
    while end + 1 < len(paras):
        nxt = paras[end + 1]
        if _is_prose(nxt) or (split_leading_heading(nxt)[0] and len(nxt.split()) >= 2):
            end += 1
            continue
        run = end + 1
        while (
            run < len(paras)
            and run - end <= 2
            and not _is_prose(paras[run])
            and _is_sentence(paras[run])
        ):
            run += 1
        if run == end + 1:
            break
        if run == len(paras):
            return run - 1
        if not _is_prose(paras[run]):
            break
        end = run
    return end


def _title_and_start(paras: list[str], start: int) -> tuple[str, int]:
    """The title before the abstract at ``start``, and where the abstract really starts.

    The title is the nearest title-like paragraph before the prose; but a one-sentence
    first section without heading ("To assess ...", "This review provides ...") between a
    title and the prose belongs to the abstract.
    """
    near = [i for i in range(start - 1, max(-1, start - 7), -1) if _looks_like_title(paras[i])]
    if not near:
        return "", start
    first = paras[near[0]]
    if (
        near[0] == start - 1
        and len(near) > 1
        and near[1] == start - 2
        and _is_sentence(first)
        and ":" not in first
        and _FINITE.search(first)
    ):
        return paras[near[1]], start - 1
    return first, start


def _split_mixed_case(pairs: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    """Split known headings written in mixed case inside a structured run-on paragraph."""
    if not any(head for head, _ in pairs):
        return pairs
    out: list[tuple[str | None, str]] = []
    for head, body in pairs:
        last = 0
        for match in _MIXED_INLINE.finditer(body):
            label = match.group(1)
            if label.upper().replace("’", "'") not in KNOWN_HEADINGS:
                continue
            out.append((head, body[last : match.start()].strip()))
            head, last = label, match.end()
        out.append((head, body[last:].strip()))
    return out


def _summary_bars(lines: list[str]) -> set[int]:
    """Indices of the "Summary" lines that title the abstract (Lancet style), not a SUMMARY
    section: such a line comes before any prose and either heads a structured abstract's first
    heading or no heading follows at all. One pass over the lines, however many there are."""
    candidates = [i for i, line in enumerate(lines) if _SUMMARY_LINE.fullmatch(line)]
    if not candidates:
        return set()
    first_prose = next((i for i, line in enumerate(lines) if _is_prose(line)), len(lines))
    filled = [i for i, line in enumerate(lines) if line]
    heads = [_heading_only(lines[i]) or bool(split_leading_heading(lines[i])[0]) for i in filled]
    head_after = [False] * (len(filled) + 1)  # head_after[k]: a heading among filled[k:]
    for k in range(len(filled) - 1, -1, -1):
        head_after[k] = head_after[k + 1] or heads[k]
    bars = set()
    for i in candidates:
        if first_prose < i:
            continue
        k = bisect_right(filled, i)  # the first non-empty line after i
        if k == len(filled) or heads[k] or not head_after[k + 1]:
            bars.add(i)
    return bars


#: How much of a page text is read: ten of the longest abstracts, in at most this many lines.
def _nothing_found(text: str, whole: str, source: str) -> NoAbstractError:
    """No abstract in what was read; when reading stopped early, say the text is too long."""
    if len(text) < len(whole.rstrip()):
        return NoAbstractError(
            f"text too long: no abstract-like prose in the {len(text):,} characters read of "
            f"{len(whole):,} (a full text, or several records run together?)",
            source=source,
        )
    return NoAbstractError("no abstract-like prose in the text", source=source)


MAX_PAGE_CHARS = 10 * MAX_ABSTRACT_CHARS
MAX_PAGE_LINES = 20_000


def _window(text: str) -> str:
    """The start of ``text`` the cleaner reads: at most :data:`MAX_PAGE_CHARS` characters
    (cut at a line end if there is one) and :data:`MAX_PAGE_LINES` lines."""
    if len(text) > MAX_PAGE_CHARS:
        end = text.rfind("\n", 0, MAX_PAGE_CHARS)
        text = text[: end if end > 0 else MAX_PAGE_CHARS]
    lines = text.splitlines()
    return "\n".join(lines[:MAX_PAGE_LINES]) if len(lines) > MAX_PAGE_LINES else text


def _kept_lines(text: str) -> tuple[list[str], list[str], bool]:
    """The page's lines with furniture blanked, up to a stop line that follows prose.

    Returns ``(publication_types, kept, stopped)``: the publication-type lines before any
    text, the normalised lines kept (a removed line is kept as ``""``: it still separates
    paragraphs) and whether a stop line after prose ended the reading.
    """
    pub_types: list[str] = []
    kept: list[str] = []
    seen_text = False
    after_heading = False
    lines = [normalise_space(raw) for raw in text.translate(_INVISIBLE).splitlines()]
    summary_bars = _summary_bars(lines)
    stopped = False
    prose_upto = 0  # kept[:prose_upto] has been searched for prose, in vain
    for i, line in enumerate(lines):
        if line.casefold() in PUBLICATION_TYPES and not seen_text:
            pub_types.append(line)
            continue
        # A heading's own line and the line after it are abstract text, never furniture.
        in_section = after_heading or bool(split_leading_heading(line)[0])
        if line and (
            (is_boilerplate(line) and not in_section)
            or _PMID.fullmatch(line)
            or _DOI.fullmatch(line)
            or _ABSTRACT_LINE.fullmatch(line)
            or i in summary_bars
        ):
            line = ""  # a removed line still separates paragraphs
        if _STOP_LINE.match(line):
            if seen_text and any(_is_prose(k) for k in kept[prose_upto:] if k):
                stopped = True
                break
            prose_upto = len(kept)
            line = ""
        if line:
            after_heading = _heading_only(line)
        seen_text = seen_text or bool(line)
        kept.append(line)
    return pub_types, kept, stopped


def clean_text(text: str, *, source: str = "") -> Document:
    """Turn page text into a Document (title, abstract, sections, light metadata).

    Accepts saved abstract pages and plain abstracts: headings on their own line, inline
    (``LABEL: text``) or absent, one paragraph per section or everything on one line.
    Trailing copyright, licence, registration and funding sentences are cut as sentences.

    Args:
        text: the page text.
        source: the path or URL as given (kept on the Document and in errors).

    Only the first :data:`MAX_PAGE_CHARS` characters and :data:`MAX_PAGE_LINES` lines are read
    (the abstract is near the top of a page; the rules run per line and would take minutes on
    a 20 MB text). Escape sequences and control characters are removed first.

    Raises:
        BlockedPageError: the text is a bot check or access-denied notice.
        NoAbstractError: no abstract-like prose was found, a line is longer than any abstract
            can be, the abstract found is longer than ``MAX_ABSTRACT_CHARS`` or runs past the
            part of the text that is read.
    """
    whole = strip_controls(text)
    text = _window(whole)
    cut = len(text) < len(whole.rstrip())
    if max(map(len, text.splitlines()), default=0) > MAX_ABSTRACT_CHARS:
        raise NoAbstractError(
            f"a line of more than {MAX_ABSTRACT_CHARS:,} characters: longer than any abstract; "
            "is it a full text or several records run together?",
            source=source,
        )
    flat = normalise_space(text)
    if len(flat) < 2500 and BLOCKED_PATTERNS.search(flat):
        raise BlockedPageError("blocked page text (bot check or access denied)", source=source)
    pmid = next(iter(_PMID.findall(text)), None)
    doi_match = _DOI.search(text)
    doi = doi_match.group(1).rstrip(".,;)") if doi_match else None
    pub_types, kept, stopped = _kept_lines(text)
    paras = [p for p in (strip_trailing_notes(p) for p in _paragraphs(kept)) if p]
    start = next(
        (i for i, p in enumerate(paras) if _is_prose(p) and not _is_title_para(paras, i)), None
    )
    if start is None:
        raise _nothing_found(text, whole, source)
    end = _abstract_block(paras, start)
    if cut and not stopped and end == len(paras) - 1:
        raise NoAbstractError(
            f"the abstract-like text runs past the first {len(text):,} characters read (a "
            "full text, or several records run together?)",
            source=source,
        )
    title, start = _title_and_start(paras, start)
    body = paras[start : end + 1]
    pairs = _split_mixed_case(split_inline_headings("\n\n".join(body)))
    abstract, sections = split_sections(pairs)
    if len(abstract) < 80:
        raise _nothing_found(text, whole, source)
    if len(abstract) > MAX_ABSTRACT_CHARS:
        raise NoAbstractError(
            f"abstract-like text of {len(abstract):,} characters: longer than any abstract (at "
            f"most {MAX_ABSTRACT_CHARS:,}); is it a full text or several records run together?",
            source=source,
        )
    return tidy_metadata(
        Document(
            title=title,
            abstract=abstract,
            sections=sections,
            pmid=pmid,
            doi=doi,
            publication_types=tuple(pub_types),
            source=source,
            kind="text",
            site=None,
            cleaning="text",
        )
    )


__all__ = [
    "BOILERPLATE",
    "MAX_PAGE_CHARS",
    "MAX_PAGE_LINES",
    "PUBLICATION_TYPES",
    "UI_MAX_WORDS",
    "clean_text",
    "is_boilerplate",
    "split_sentences",
    "strip_trailing_notes",
]
