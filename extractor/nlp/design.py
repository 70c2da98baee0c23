"""Study design: the part of ``evidence_entities`` that decides it.

:class:`DesignRules` is mixed into :class:`extractor.nlp.entities.EntityFinder`, which loads the
design vocabulary from ``patterns/designs.jsonl`` in its ``initialize``. See the ``entities``
module docstring for the vocabulary and the format of ``doc._.design``.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc

from .common import SentenceIndex

_BACKGROUND_SECTIONS = ("BACKGROUND", "INTRODUCTION", "CONTEXT", "RATIONALE")
_HEADING = re.compile(r"\b[A-Z]{4,}(?: [A-Z]{2,})*:")
_SELF_REFERENCE = re.compile(
    r"\b(?:this|the present|the current|our|we)\b(?:[\s,-]+[\w-]+){0,4}[\s,-]*$", re.I
)


class DesignRules:
    """Publication-type and text rules for the study design (a mixin of ``EntityFinder``)."""

    # Set by EntityFinder.initialize, or methods defined on EntityFinder.
    design_reference: Any
    design_reference_after: Any
    design_types: Any
    human: Any
    nonhuman: Any
    pubtype_designs: Any
    qualifiers: Any
    text_designs: Any

    def design_cues(self, doc: Doc, text: str) -> list[tuple[float, str, str]]:
        """``(rank, type, matched text)`` for every design cue that describes this study.

        The title is searched too. A cue is skipped in BACKGROUND/INTRODUCTION sentences, after
        a reference word ("a previous randomized trial", "no case-control studies") and before
        "... are needed".
        """
        index = SentenceIndex(doc)
        title = (doc._.title or "").strip()
        found: list[tuple[float, str, str]] = []
        for source in ("title", "text"):
            body = title if source == "title" else text
            if not body:
                continue
            for regex, rank, design, where, check in self.text_designs:
                if where == "title" and source != "title":
                    continue
                for m in regex.finditer(body):
                    if source == "text":
                        section = (index.section_of(m.start()) or "").upper()
                        sent_start = index.bounds(index.sentence_of(m.start()))[0]
                        lead = text[sent_start : m.start()]
                        if (
                            where == "background"
                            and section.startswith(_BACKGROUND_SECTIONS)
                            and not _HEADING.search(lead)
                            and not _SELF_REFERENCE.search(lead)
                        ):
                            continue
                    else:
                        sent_start = 0
                    before = body[max(sent_start, m.start() - 60) : m.start()]
                    after = body[m.end() : m.end() + 50]
                    if check and (
                        self.design_reference.search(before)
                        or self.design_reference_after.match(
                            re.sub(r"^[^.;]*?\b(?=(?:is|are|were|would|will|should)\b)", "", after)
                        )
                    ):
                        continue
                    found.append((rank, design, m.group(0)))
                    break
        return found

    def design(self, doc: Doc, text: str) -> str | None:
        """Study design: ``"<type>"`` or ``"<type> (<modifier>, ...)"`` (see ``designs.jsonl``).

        Publication types come first; text cues refine them within the same family or decide
        alone when there are none. Non-human studies (mice, rats, cell lines, no patients) get
        no design.
        """
        title = doc._.title or ""
        whole = f"{title}\n{text}"
        from_types = [
            self.pubtype_designs[str(p).lower()]
            for p in doc._.publication_types or []
            if str(p).lower() in self.pubtype_designs
        ]
        cues = self.design_cues(doc, text)
        if not from_types and self.nonhuman.search(whole) and not self.human.search(whole):
            return None
        design: str | None = None
        if from_types:
            design = min(from_types, key=lambda d: self.design_types[d][0])
            family = self.design_types[design][1]
            refined = [c for c in cues if self.design_types[c[1]][1] == family]
            if refined:
                best = min(refined)
                if best[0] < self.design_types[design][0]:
                    design = best[1]
        elif cues:
            design = min(cues)[1]
        if design is None:
            return None
        family = self.design_types[design][1]
        modifiers: list[str] = []
        for regex, qualifier, families in self.qualifiers:
            if families and family not in families:
                continue
            m = regex.search(whole)
            if m is None:
                continue
            if qualifier == "phase":
                qualifier = "phase " + m.group(0).split()[-1].upper().replace("B", "b")
            elif qualifier == "crossover" and design == "randomized crossover trial":
                continue
            if qualifier not in modifiers:
                modifiers.append(qualifier)
        if design == "clinical trial":
            has_comparator = any(s.label_ == "COMPARATOR" for s in doc.spans.get("evidence", []))
            # A trial with no comparator and no "control" anywhere is probably single-arm; the
            # guess stays a modifier, the type "single-arm trial" needs the text to say so.
            if not has_comparator and not re.search(r"\bcontrol", whole, re.I):
                modifiers.append("single-arm")
        return design + (f" ({', '.join(modifiers)})" if modifiers else "")
