"""Real PubMed abstracts written as plain text in every common layout must be kept whole.

Abstracts come from the shared PubMed efetch XML and MEDLINE files (read with the project's
own readers), are written to ``.txt`` files the way users save them — headings on their own
line (PubMed/PDF copy), inline ``LABEL: text``, no headings, everything on one line — with and
without a trailing copyright / registration / funding / licence sentence, and are read back
through the path a user's text file takes (``load_documents``). Every abstract must come back
whole (token recall of its words, headings excluded), none refused, the trailing boilerplate
sentence gone, and structured layouts must carry their sections.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractor.errors import ExtractorError
from extractor.records import Document
from extractor.sources import load_documents

MAX_ABSTRACTS = 40  # keeps the run to a few seconds
MIN_RECALL = 0.97

LAYOUTS = ("own-line", "inline", "no-headings", "one-line")

#: Trailing sentences users' text carries; each with a fragment that must not survive.
TAILS: dict[str, tuple[str, str]] = {
    "none": ("", ""),
    "copyright": ("© 2016 John Wiley & Sons, Ltd.", "Wiley"),
    "registration": (
        "Trial registration: ClinicalTrials.gov NCT01234567. Registered 3 March 2015.",
        "NCT01234567",
    ),
    "funding": (
        "Funding: This study was funded by the National Institute for Health Research "
        "(grant 12/34/56).",
        "12/34/56",
    ),
    "licence": (
        "This is an open access article distributed under the terms of the Creative Commons "
        "Attribution License (CC BY 4.0), which permits unrestricted use, distribution, and "
        "reproduction in any medium, provided the original work is properly cited.",
        "Creative Commons",
    ),
}


@dataclass(frozen=True, slots=True)
class Sample:
    """A structured abstract: title and its paragraphs as ``(heading as written, body)``."""

    name: str
    title: str
    paragraphs: tuple[tuple[str | None, str], ...]
    labels: tuple[str, ...]


def _paragraphs(doc: Document) -> tuple[tuple[str | None, str], ...]:
    """Split ``Document.abstract`` back into paragraphs, heading as written from its sections."""
    out: list[tuple[str | None, str]] = []
    pos = 0
    starts = {s.start for s in doc.sections}
    for para in doc.abstract.split("\n\n"):
        start = doc.abstract.index(para, pos)
        pos = start + len(para)
        head, sep, body = para.partition(": ")
        if sep and start + len(head) + 2 in starts:
            out.append((head.strip(" \u200b") or None, body.strip()))
        else:
            out.append((None, para.strip(" \u200b")))
    return tuple((h, b) for h, b in out if b)


def _read_structured(shared: Path) -> list[Sample]:
    files = sorted((shared / "pubmed" / "xml").rglob("*.xml"))
    files += sorted(p for p in (shared / "pubmed" / "medline").rglob("*") if p.is_file())
    samples: list[Sample] = []
    for path in files:
        try:
            docs = list(load_documents(str(path)))
        except ExtractorError:  # esearch/esummary results hold no articles
            continue
        for i, doc in enumerate(docs):
            if doc.sections and doc.title and len(doc.abstract.split()) >= 40:
                samples.append(
                    Sample(
                        f"{path.name}#{i}",
                        doc.title,
                        _paragraphs(doc),
                        tuple(s.label for s in doc.sections),
                    )
                )
    if len(samples) > MAX_ABSTRACTS:  # an even spread, the same every run
        step = len(samples) / MAX_ABSTRACTS
        samples = [samples[int(i * step)] for i in range(MAX_ABSTRACTS)]
    return samples


@pytest.fixture(scope="module")
def structured(shared_dir: Path) -> list[Sample]:
    samples = _read_structured(shared_dir)
    assert len(samples) >= 20, f"only {len(samples)} structured abstracts in {shared_dir}/pubmed"
    return samples


def render(sample: Sample, layout: str, tail: str = "") -> str:
    """The abstract as a user's text file holds it in ``layout``, ``tail`` after its last line."""
    paras = sample.paragraphs
    if layout == "own-line":
        body = "\n\n".join(f"{h}:\n{b}" if h else b for h, b in paras)
    elif layout == "inline":
        body = "\n".join(f"{h}: {b}" if h else b for h, b in paras)
    elif layout == "no-headings":
        body = "\n\n".join(b for _, b in paras)
    elif layout == "one-line":
        body = " ".join(f"{h}: {b}" if h else b for h, b in paras)
    else:
        raise ValueError(layout)
    if tail:
        body = f"{body} {tail}"
    return f"{sample.title}\n\n{body}\n"


_WORD = re.compile(r"\w+")
# A publisher's copyright note inside the source abstract ("(PsycInfo Database Record (c) 2021
# APA, all rights reserved).") is not abstract text: the cleaner rightly drops it.
_SOURCE_COPYRIGHT = re.compile(
    r"\s*\((?:[^()]|\([^()]*\))*\b(?:all rights reserved|©)(?:[^()]|\([^()]*\))*\)\.?$", re.I
)


def token_recall(sample: Sample, abstract: str) -> float:
    """Share of the original abstract's words (headings excluded) found in ``abstract``."""
    bodies = [_SOURCE_COPYRIGHT.sub("", b) for _, b in sample.paragraphs]
    want = Counter(w.casefold() for b in bodies for w in _WORD.findall(b))
    got = Counter(w.casefold() for w in _WORD.findall(abstract))
    return sum((want & got).values()) / max(1, sum(want.values()))


def read_back(tmp: Path, sample: Sample, layout: str, tail: str) -> Document | str:
    """Write the rendered text to a ``.txt`` file and read it as a user's file is read."""
    path = tmp / "abstract.txt"
    path.write_text(render(sample, layout, tail), "utf-8")
    try:
        docs = list(load_documents(str(path)))
    except ExtractorError as exc:
        return f"refused: {exc}"
    return docs[0] if len(docs) == 1 else f"{len(docs)} documents"


def check(tmp: Path, sample: Sample, layout: str, tail_name: str) -> Iterator[str]:
    """Every way ``sample`` in ``layout`` falls short of being kept whole (none: it is)."""
    tail, fragment = TAILS[tail_name]
    doc = read_back(tmp, sample, layout, tail)
    if isinstance(doc, str):
        yield doc
        return
    recall = token_recall(sample, doc.abstract)
    if recall < MIN_RECALL:
        yield f"recall {recall:.3f}"
    if fragment and fragment in doc.abstract:
        yield f"trailing {tail_name} sentence kept"
    if layout != "no-headings" and not doc.sections:
        yield "no sections"
    if layout != "no-headings" and doc.title != sample.title:
        yield f"title {doc.title!r}"
    for sec in doc.sections:
        if not 0 <= sec.start < sec.end <= len(doc.abstract):
            yield f"bad section offsets {sec}"


@pytest.mark.parametrize("tail_name", list(TAILS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_text_layouts_keep_whole_abstracts(
    structured: list[Sample], tmp_path: Path, layout: str, tail_name: str
) -> None:
    failures = {
        s.name: problems
        for s in structured
        if (problems := list(check(tmp_path, s, layout, tail_name)))
    }
    assert not failures, f"{len(failures)}/{len(structured)} not kept whole: {failures}"


def _in_order(wanted: tuple[str, ...], got: tuple[str, ...]) -> bool:
    remaining = iter(got)
    return all(label in remaining for label in wanted)


@pytest.mark.parametrize("layout", ["own-line", "inline", "one-line"])
def test_text_layouts_sections_match_the_source(
    structured: list[Sample], tmp_path: Path, layout: str
) -> None:
    """The source's sections come back in order, the first one first. The text path may find
    more: some MEDLINE records leave mixed-case headings ("Methods:") inside one paragraph."""
    wrong = {}
    for sample in structured:
        doc = read_back(tmp_path, sample, layout, "")
        got = tuple(s.label for s in doc.sections) if isinstance(doc, Document) else ()
        first_headed = sample.paragraphs[0][0] is not None
        if not _in_order(sample.labels, got) or (first_headed and got[:1] != sample.labels[:1]):
            wrong[sample.name] = (sample.labels, got)
    assert not wrong, f"{len(wrong)}/{len(structured)} with other sections: {wrong}"
