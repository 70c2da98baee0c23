"""``evidence_sections``: give every sentence the label of the abstract section it sits in.

The caller may set ``doc._.doc_sections`` (``[[label, start, end], ...]``, section bodies as
``Document.sections`` gives them) before the pipeline runs. When it is unset the component finds
inline headings itself ("METHODS: ...", "ABSTRACT.RESULTS:" ...). Either way it makes each section
body start a new sentence and writes ``doc._.sent_sections`` = ``[[start, end, label], ...]``, one
row per sentence, which the later components read through :class:`~.common.SentenceIndex`.

Headings are labelled with the cleaner's map (:data:`extractor.clean.sections.HEADING_LABELS`,
known in any case: :data:`~extractor.clean.sections.KNOWN_HEADINGS`), except that a heading
naming one part of the methods keeps that part (:data:`~extractor.clean.sections.METHODS_PARTS`:
"DESIGN: …" → DESIGN, "PATIENTS: …" → PARTICIPANTS) where the cleaner says METHODS.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..clean.sections import KNOWN_HEADINGS, METHODS_PARTS, heading_key, normalise_label
from .common import doc_text, register_extensions

register_extensions()

# A heading: upper-case words (optionally "ABSTRACT." first) then ":" or "." and a space, at
# the start of the text, of a line, or right after a sentence end.
_HEADING = re.compile(
    r"(?:(?<=^)|(?<=\n)|(?<=[.!?]\s))[ \t]*(?:ABSTRACT\.)?"
    r"(?P<label>[A-Z][A-Za-z]+(?:[ /&-]+[A-Za-z]+){0,4}?)[ \t]*[:.](?=\s)\s*",
)


_DOTTED_ABBREVIATIONS = {"vs.", "al.", "e.g.", "i.e.", "approx.", "fig.", "no.", "dr.", "ca."}


class SectionTagger:
    """Detect or accept section boundaries and label every sentence with its section."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    @staticmethod
    def label_of(heading: str) -> str | None:
        """The label of a known heading (``"Patients"`` → PARTICIPANTS, ``"Aims"`` →
        OBJECTIVE), ``None`` for any other."""
        key = heading_key(heading)
        if key not in KNOWN_HEADINGS:
            return None
        return METHODS_PARTS.get(key) or normalise_label(key)

    def detect(self, text: str) -> list[list[Any]]:
        """Find inline headings in ``text``; return section bodies as ``[label, start, end]``."""
        found: list[tuple[str, int, int]] = []
        for match in _HEADING.finditer(text):
            raw = match.group("label").strip()
            label = self.label_of(raw)
            # A known heading in any case ("Methods:"); an unknown one only when upper-case,
            # followed by ":" and at a paragraph start ("SAMPLE: ...").
            at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
            colon = match.group(0).rstrip().endswith(":")
            if label is None and not (at_line_start and colon and raw.isupper() and len(raw) > 2):
                continue
            if label is not None and not raw.isupper() and not colon:
                continue  # "Results." in running text is a word, not a heading
            found.append((label or raw.upper(), match.start(), match.end()))
        sections: list[list[Any]] = []
        for i, (label, _head_start, body_start) in enumerate(found):
            body_end = found[i + 1][1] if i + 1 < len(found) else len(text)
            while body_end > body_start and text[body_end - 1].isspace():
                body_end -= 1
            if body_end > body_start:
                sections.append([label, body_start, body_end])
        return sections

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        sections = doc._.doc_sections
        if not sections:
            sections = self.detect(text)
        doc._.doc_sections = [[str(lab), int(s), int(e)] for lab, s, e in sections]
        has_sents = doc.has_annotation("SENT_START")
        # Section bodies and the headings before them always start a sentence.
        for _label, start, _end in doc._.doc_sections:
            for offset in (start, self._heading_start(text, start)):
                span = doc.char_span(offset, offset + 1, alignment_mode="expand")
                if span is not None and len(span) and span.start > 0:
                    doc[span.start].is_sent_start = True
        if has_sents:
            self._split_after_dotted_tokens(doc)
            sents = [(s.start_char, s.end_char) for s in doc.sents]
        else:
            sents = [(0, len(text))]
        rows: list[list[Any]] = []
        for start, end in sents:
            first = start
            while first < end and text[first].isspace():
                first += 1
            label = None
            for lab, s_start, s_end in doc._.doc_sections:
                if s_start <= first < s_end:
                    label = lab
                    break
            rows.append([start, end, label])
        doc._.sent_sections = rows
        return doc

    @staticmethod
    def _split_after_dotted_tokens(doc: Doc) -> None:
        """Start a sentence after "mmol/L." + capital: the tokenizer glues such full stops on."""
        for i in range(len(doc) - 1):
            token = doc[i]
            text = token.text
            if (
                len(text) > 2
                and text.endswith(".")
                and token.whitespace_
                and text.lower() not in _DOTTED_ABBREVIATIONS
                and not text[:-1].replace(".", "").isalpha()  # "e.g." "approx." stay
                and doc[i + 1].text[:1].isupper()
            ):
                doc[i + 1].is_sent_start = True

    @staticmethod
    def _heading_start(text: str, body_start: int) -> int:
        """Start of the heading line in front of a section body (the body itself if none)."""
        line_start = text.rfind("\n", 0, body_start) + 1
        head = text[line_start:body_start]
        return line_start if head.strip() and len(head) < 60 else body_start


@Language.factory(
    "evidence_sections",
    # reads doc._.doc_sections (the caller's, optional) and sentence starts when set: nothing
    # it needs, so no requires
    assigns=["doc._.doc_sections", "doc._.sent_sections", "token.is_sent_start"],
)
def make_section_tagger(nlp: Language, name: str) -> SectionTagger:
    """Build the section tagger (``evidence_sections``).

    Args:
        nlp: the pipeline.
        name: component name.
    """
    return SectionTagger(nlp, name)
