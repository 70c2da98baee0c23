"""Evidence Inference ``.abst`` files: ``TITLE:`` then ``ABSTRACT.<HEADING>:`` blocks.

The corpus in ``data/evidence_inference/abstracts`` stores each article as headed blocks::

    TITLE:
    Diclofenac does not interact with codeine metabolism in vivo ...

    ABSTRACT.BACKGROUND:
    Previously, we have demonstrated ...

    BODY.METHODS:
    ...

Headings ``ABSTRACT.BACKGROUND.`` (or ``:``) become paragraphs ``"BACKGROUND: text"`` joined
by blank lines, each a labelled section; a bare ``ABSTRACT.`` heading adds no label; ``BODY.``
sections (the full text) are dropped. A file without ``ABSTRACT`` headings keeps everything
after the title up to the first ``BODY.`` heading. The PMC id comes from a ``PMC<digits>``
file name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from ..clean.sections import strip_controls, tidy_metadata
from ..errors import ParseError
from ..records import Document, Section

_HEADING = re.compile(r"^(TITLE|ABSTRACT|BODY)(?:\.([^\n]*?))?[.:]\s*$")
_SNIFF = re.compile(r"\A\s*TITLE[.:][ \t]*(?:\r\n?|\n)")
_PMC_NAME = re.compile(r"PMC(\d+)")


def looks_like_abst(head: str) -> bool:
    """True when the first line of ``head`` is a bare ``TITLE:`` (or ``TITLE.``) heading."""
    return bool(_SNIFF.match(head))


def read_abst_text(text: str) -> tuple[str, str]:
    """``(title, abstract)`` of the text of an ``.abst`` file (see the module docstring)."""
    title_lines: list[str] = []
    paragraphs: list[str] = []
    part = None
    label = ""
    body: list[str] = []

    def flush() -> None:
        joined = " ".join(line.strip() for line in body if line.strip())
        if joined:
            paragraphs.append(f"{label}: {joined}" if label else joined)
        body.clear()

    # Control characters go first: str.splitlines() would break lines at some of them.
    for line in strip_controls(text).splitlines():
        m = _HEADING.match(line.strip())
        if m:
            if part == "ABSTRACT":
                flush()
            if m.group(1) == "BODY":
                part = "BODY"
                break
            part = m.group(1)
            if part == "TITLE":
                title_lines = []
            else:
                body.clear()
            label = (m.group(2) or "").strip()
            continue
        if part == "TITLE":
            if line.strip():
                if title_lines or not paragraphs:
                    title_lines.append(line.strip())
            elif title_lines:
                part = "ABSTRACT"  # unheaded abstract after the title
                label = ""
        elif part == "ABSTRACT":
            body.append(line)
    if part == "ABSTRACT":
        flush()
    return " ".join(title_lines), "\n\n".join(paragraphs)


def abst_document(text: str, *, source: str = "") -> Document:
    """A ``Document`` of the abstract part of ``.abst`` text, with labelled sections."""
    title, abstract = read_abst_text(text)
    sections: list[Section] = []
    pos = 0
    for para in abstract.split("\n\n"):
        start = abstract.index(para, pos)
        head, sep, _ = para.partition(": ")
        if sep and head.isupper() and len(head) < 60:
            label = head.split(".")[-1].strip() or head
            sections.append(Section(label, start + len(head) + 2, start + len(para)))
        pos = start + len(para)
    name = _PMC_NAME.fullmatch(PurePath(source).stem) if source else None
    return Document(
        title=title,
        abstract=abstract,
        sections=tuple(sections),
        source=source,
        kind="abst",
        pmcid=name.group(1) if name else None,
    )


def parse_abst(text: str, *, source_label: str) -> Iterator[Document]:
    """Yield the one Document of an ``.abst`` file (abstract ``""`` when it has none).

    Raises:
        ParseError: there is no ``TITLE:`` heading.
    """
    if not looks_like_abst(text):
        raise ParseError("not an .abst file (no 'TITLE:' heading)", source=source_label)
    yield tidy_metadata(abst_document(text, source=source_label))


__all__ = ["abst_document", "looks_like_abst", "parse_abst", "read_abst_text"]
