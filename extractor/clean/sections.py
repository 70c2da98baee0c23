"""Build the abstract string and its ``Section`` list, shared by the HTML and text cleaners.

Contract (other stages depend on it): ``Document.abstract`` keeps headings inline as written,
one paragraph per section, ``"BACKGROUND: body\\n\\nMETHODS: body"``; each ``Section`` covers
the *body* (text after ``"LABEL: "``) and carries a normalised, upper-case NLM-like label.

Label normalisation follows the NLM structured-abstract categories where a synonym is clear:
AIM(S)/PURPOSE/OBJECTIVE(S)/GOAL → OBJECTIVE; INTRODUCTION/CONTEXT/RATIONALE → BACKGROUND;
DESIGN/SETTING/PARTICIPANTS/PATIENTS/(MATERIALS|PATIENTS) AND METHODS/METHODOLOGY → METHODS;
FINDINGS/MAIN RESULTS → RESULTS; CONCLUSION/INTERPRETATION → CONCLUSIONS. Any other heading
is kept, upper-cased as written (``TRIAL REGISTRATION``, ``PRIMARY FUNDING SOURCE``).

:data:`HEADING_LABELS` is the project's one heading → label map: the pipeline's section tagger
(:mod:`extractor.nlp.sections`) labels the headings it finds itself with it too, keeping only
the parts of the methods apart (:data:`METHODS_PARTS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..records import Document, Section

#: Heading (upper case, ``’`` as ``'``) → its NLM-like category: the one heading map.
HEADING_LABELS: dict[str, str] = {
    "BACKGROUND": "BACKGROUND",
    "BACKGROUNDS": "BACKGROUND",
    "INTRODUCTION": "BACKGROUND",
    "CONTEXT": "BACKGROUND",
    "RATIONALE": "BACKGROUND",
    "BACKGROUND AND AIMS": "BACKGROUND",
    "BACKGROUND AND PURPOSE": "BACKGROUND",
    "BACKGROUND AND OBJECTIVE": "BACKGROUND",
    "BACKGROUND AND OBJECTIVES": "BACKGROUND",
    "OBJECTIVE": "OBJECTIVE",
    "OBJECTIVES": "OBJECTIVE",
    "AIM": "OBJECTIVE",
    "AIMS": "OBJECTIVE",
    "PURPOSE": "OBJECTIVE",
    "GOAL": "OBJECTIVE",
    "GOALS": "OBJECTIVE",
    "STUDY OBJECTIVE": "OBJECTIVE",
    "PURPOSE OF THE REVIEW": "OBJECTIVE",
    "PURPOSE OF REVIEW": "OBJECTIVE",
    "METHODS": "METHODS",
    "METHOD": "METHODS",
    "METHODOLOGY": "METHODS",
    "DESIGN": "METHODS",
    "STUDY DESIGN": "METHODS",
    "SETTING": "METHODS",
    "SETTINGS": "METHODS",
    "PARTICIPANTS": "METHODS",
    "PATIENTS": "METHODS",
    "SUBJECTS": "METHODS",
    "INTERVENTION": "METHODS",
    "INTERVENTIONS": "METHODS",
    "MEASUREMENTS": "METHODS",
    "MAIN OUTCOME MEASURES": "METHODS",
    "MAIN OUTCOME MEASURE": "METHODS",
    "OUTCOME MEASURES": "METHODS",
    "PATIENTS AND METHODS": "METHODS",
    "MATERIALS AND METHODS": "METHODS",
    "MATERIAL AND METHODS": "METHODS",
    "SUBJECTS AND METHODS": "METHODS",
    "METHODS AND MATERIALS": "METHODS",
    "DESIGN, SETTING, AND PARTICIPANTS": "METHODS",
    "EXPERIMENTAL DESIGN": "METHODS",
    "RESULTS": "RESULTS",
    "RESULT": "RESULTS",
    "FINDINGS": "RESULTS",
    "MAIN RESULTS": "RESULTS",
    "RECENT FINDINGS": "RESULTS",
    "CONCLUSIONS": "CONCLUSIONS",
    "CONCLUSION": "CONCLUSIONS",
    "INTERPRETATION": "CONCLUSIONS",
    "AUTHORS' CONCLUSIONS": "CONCLUSIONS",
    "CONCLUSIONS AND RELEVANCE": "CONCLUSIONS",
    "DISCUSSION": "CONCLUSIONS",
    "SUMMARY": "CONCLUSIONS",
}

#: The finer label of a METHODS heading of :data:`HEADING_LABELS` that names one part of the
#: methods. Document sections say METHODS; the pipeline's section tagger, when it finds the
#: headings itself, reports the part ("DESIGN: …" → DESIGN, "PATIENTS: …" → PARTICIPANTS).
METHODS_PARTS: dict[str, str] = {
    "DESIGN": "DESIGN",
    "STUDY DESIGN": "DESIGN",
    "EXPERIMENTAL DESIGN": "DESIGN",
    "SETTING": "SETTING",
    "SETTINGS": "SETTING",
    "PARTICIPANTS": "PARTICIPANTS",
    "PATIENTS": "PARTICIPANTS",
    "SUBJECTS": "PARTICIPANTS",
    "INTERVENTION": "INTERVENTIONS",
    "INTERVENTIONS": "INTERVENTIONS",
    "MEASUREMENTS": "OUTCOMES",
    "MAIN OUTCOME MEASURES": "OUTCOMES",
    "MAIN OUTCOME MEASURE": "OUTCOMES",
    "OUTCOME MEASURES": "OUTCOMES",
}

#: Headings recognised in mixed case too (``Background:``); all-caps headings are always accepted.
KNOWN_HEADINGS: frozenset[str] = frozenset(HEADING_LABELS) | frozenset(
    {
        "TRIAL REGISTRATION",
        "PRIMARY FUNDING SOURCE",
        "LIMITATION",
        "LIMITATIONS",
        "FUNDING",
        "CLINICAL TRIAL REGISTRATION",
        "LEVEL OF EVIDENCE",
        "IMPORTANCE",
        "EXPOSURE",
        "EXPOSURES",
        "MAIN OUTCOMES AND MEASURES",
        "SIGNIFICANCE",
        "KEY POINTS",
        "HIGHLIGHTS",
        # Cochrane and systematic-review headings, recognised when written in mixed case
        "SEARCH METHODS",
        "SEARCH STRATEGY",
        "SELECTION CRITERIA",
        "DATA COLLECTION AND ANALYSIS",
        "DATA SOURCES",
        "STUDY SELECTION",
        "DATA EXTRACTION",
        "DATA SYNTHESIS",
    }
)

# Terminal escape sequences, removed whole so that their parameters do not stay behind as text:
# string sequences (OSC, DCS, SOS, PM, APC; 7-bit and C1 forms) ended by BEL or ST within one
# line, CSI sequences (``ESC [`` or U+009B, parameters, final byte) and other two-or-more-byte
# ``ESC`` sequences (``ESC ( B``, ``ESC c``).
ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]{0,2048}(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"
)
# Control characters left after that: C0 but tab, newlines, vertical tab and form feed (they are
# whitespace), DEL and C1 (U+0085, NEL, is a line break: turned into a space).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and control characters; keep whitespace as it is.

    ``"Aspirin \\x1b[1mversus\\x1b[0m placebo\\x07"`` → ``"Aspirin versus placebo"``: a title
    never carries a colour code, a window-title sequence or a bell, and stored text is printed
    to terminals later. NEL (U+0085) becomes a space.
    """
    if not _ANY_CONTROL.search(text):
        return text
    text = ESCAPE_SEQUENCES.sub("", text)
    return _CONTROLS.sub("", text).replace("\x85", " ")


# An all-caps heading (2+ letters, words joined by spaces, "and", "&", "/", ",") then a colon.
_CAPS_HEAD = r"[A-Z][A-Z'’&/,\- ]{1,58}[A-Z]"
_INLINE = re.compile(rf"(?:(?<=^)|(?<=[.!?)\]]\s)|(?<=[.!?)\]]))\s*({_CAPS_HEAD}):\s+")
_LEADING = re.compile(r"^\s*([A-Za-z][A-Za-z'’&/,\- ]{1,58}[A-Za-z])\s*[:.]\s+(?=\S)")


def normalise_space(text: str) -> str:
    """Collapse all whitespace runs to one space and strip the ends; escape sequences and
    control characters are removed (:func:`strip_controls`)."""
    # str.split() splits on what ``\s`` matches (no-break spaces included), and is several
    # times faster than a regular expression on a multi-megabyte abstract.
    return " ".join(strip_controls(text).split())


def tidy_metadata(doc: Document) -> Document:
    """``doc`` with escape sequences and control characters removed from its metadata.

    Every field but the abstract, its sections and ``source`` is whitespace-normalised
    (:func:`normalise_space`); empty optional fields become ``None`` and empty list items are
    dropped. Readers build the abstract from normalised text already (offsets index into it).
    """

    def opt(value: str | None) -> str | None:
        return (normalise_space(value) or None) if value else value

    def items(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v for v in (normalise_space(x) for x in values) if v)

    return replace(
        doc,
        title=normalise_space(doc.title),
        pmid=opt(doc.pmid),
        doi=opt(doc.doi),
        journal=opt(doc.journal),
        authors=items(doc.authors),
        publication_types=items(doc.publication_types),
        pmcid=opt(doc.pmcid),
        date=opt(doc.date),
        mesh_terms=tuple(
            replace(m, term=normalise_space(m.term), qualifiers=items(m.qualifiers))
            for m in doc.mesh_terms
        ),
        keywords=items(doc.keywords),
    )


def normalise_label(raw: str) -> str:
    """Map a heading as written to its upper-case NLM-like category.

    Args:
        raw: the heading text, with or without a trailing colon.

    Returns:
        ``BACKGROUND``, ``OBJECTIVE``, ``METHODS``, ``RESULTS``, ``CONCLUSIONS`` for known
        synonyms, else the heading upper-cased and whitespace-normalised.
    """
    label = heading_key(raw)
    return HEADING_LABELS.get(label, label)


def heading_key(raw: str) -> str:
    """A heading as the keys of :data:`HEADING_LABELS` write it: whitespace-normalised, without
    a trailing colon or full stop, upper case, ``’`` as ``'``."""
    return normalise_space(raw).rstrip(":.").strip().upper().replace("’", "'")


def is_heading(raw: str) -> bool:
    """True when ``raw`` reads as a structured-abstract heading (all caps or a known label)."""
    text = normalise_space(raw).rstrip(":.").strip()
    if not text or len(text) > 60 or not re.search(r"[A-Za-z]", text):
        return False
    upper = text.upper().replace("’", "'")
    if upper in KNOWN_HEADINGS:
        return True
    return text.isupper() and len(text.split()) <= 6 and len(text) >= 3


def split_leading_heading(paragraph: str) -> tuple[str | None, str]:
    """Split ``"METHODS: body"`` into ``("METHODS", "body")``; no heading → ``(None, text)``."""
    text = normalise_space(paragraph)
    match = _LEADING.match(text)
    if match and is_heading(match.group(1)):
        head = match.group(1)
        sep = text[match.end(1) : match.end()].strip()
        if sep == ":" or head.isupper():
            return head, text[match.end() :]
    return None, text


def split_inline_headings(text: str) -> list[tuple[str | None, str]]:
    """Split plain text with inline headings into ``(heading, body)`` paragraphs.

    Handles headings at paragraph starts (``"Background: ..."``) and all-caps headings inside
    one run-on paragraph (``"BACKGROUND: ... METHODS: ..."``). Text before the first heading is
    returned with heading ``None``.

    Args:
        text: abstract text; paragraphs separated by blank lines or newlines.

    Returns:
        A list of ``(heading as written or None, body)`` pairs, bodies whitespace-normalised.
    """
    out: list[tuple[str | None, str]] = []
    for para in re.split(r"\n\s*\n|\n(?=\s*[A-Z][A-Za-z ]{2,40}:\s)", text):
        para = normalise_space(para)
        if not para:
            continue
        head, body = split_leading_heading(para)
        pieces: list[tuple[str | None, str]] = []
        last = 0
        current = head
        for match in _INLINE.finditer(body):
            if match.start() == 0 or not is_heading(match.group(1)):
                continue
            before = body[last : match.start()].strip()
            if before or current is not None:
                pieces.append((current, before))
            current = match.group(1)
            last = match.end()
        pieces.append((current, body[last:].strip()))
        out.extend((h, b) for h, b in pieces if b or h)
    return out


def split_sections(
    paragraphs: Iterable[tuple[str | None, str]] | Sequence[str],
) -> tuple[str, tuple[Section, ...]]:
    """Render paragraphs to the abstract string and its sections.

    Args:
        paragraphs: ``(heading or None, body)`` pairs, or plain strings (whose leading
            ``"HEADING:"`` is detected with :func:`split_leading_heading`).

    Returns:
        ``(abstract, sections)``: paragraphs joined by blank lines, each labelled one as
        ``"HEADING: body"`` with a ``Section`` over the body. When no paragraph carries a
        heading the abstract is unstructured and ``sections`` is ``()``.
    """
    pairs: list[tuple[str | None, str]] = []
    for item in paragraphs:
        if isinstance(item, str):
            pairs.append(split_leading_heading(item))
        else:
            head, body = item
            head = normalise_space(head).rstrip(":").strip() if head else None
            pairs.append((head or None, normalise_space(body)))
    # A heading with no body of its own heads the next paragraph.
    merged: list[tuple[str | None, str]] = []
    pending: str | None = None
    for head, body in pairs:
        if head and not body:
            pending = head
            continue
        if pending and head is None:
            head, pending = pending, None
        merged.append((head, body))
    parts: list[str] = []
    sections: list[Section] = []
    offset = 0
    structured = any(h for h, _ in merged)
    for head, body in merged:
        if not body:
            continue
        if parts:
            offset += 2
        if head and structured:
            prefix = f"{head}: "
            sections.append(
                Section(
                    normalise_label(head), offset + len(prefix), offset + len(prefix) + len(body)
                )
            )
            chunk = prefix + body
        else:
            chunk = body
        parts.append(chunk)
        offset += len(chunk)
    abstract = "\n\n".join(parts)
    return abstract, tuple(sections)


__all__ = [
    "ESCAPE_SEQUENCES",
    "HEADING_LABELS",
    "KNOWN_HEADINGS",
    "METHODS_PARTS",
    "heading_key",
    "is_heading",
    "normalise_label",
    "normalise_space",
    "split_inline_headings",
    "split_leading_heading",
    "split_sections",
    "strip_controls",
    "tidy_metadata",
]
