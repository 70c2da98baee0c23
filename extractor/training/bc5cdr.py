"""Read BC5CDR (and NCBI-disease) into spaCy ``Doc`` objects with CHEMICAL/DISEASE ``doc.ents``.

Two formats are read:

* **PubTator** (``data/bc5cdr/pubtator/CDR_{Training,Development}Set.PubTator.txt``): per
  abstract a ``PMID|t|title`` line, a ``PMID|a|abstract`` line, then one
  ``PMID<TAB>start<TAB>end<TAB>mention<TAB>Chemical|Disease<TAB>MeSH[<TAB>names]`` line per
  mention (and ``PMID<TAB>CID<TAB>…`` relation lines, skipped), a blank line between abstracts.
  The text is ``title + " " + abstract`` and the offsets point into it. Each abstract is
  tokenised with the evidence pipeline's tokenizer (scispaCy's ``combined_rule_tokenizer``) and
  each mention becomes an entity through ``doc.char_span(..., alignment_mode="expand")``: a
  mention that does not start and end on token boundaries ("naloxone" inside
  "[3H]-naloxone") is widened to whole tokens and counted as *misaligned*. Overlapping mentions
  (rare) keep the longer one and count as *overlapping*.
* **IOB** (``data/bc5cdr/iob/BC5CDR-IOB/{train,devel}.tsv``, ``data/ncbi_disease/iob/*.tsv``):
  ``token<TAB>B-Chemical|I-Disease|O …`` lines, a blank line between sentences; each sentence
  becomes one ``Doc`` of its own tokens (spaces guessed), an ``I-`` tag that does not continue
  an entity of its type starts one.

Labels are upper-cased: ``Chemical`` → ``CHEMICAL``, ``Disease`` → ``DISEASE``. Every problem
with a file raises :class:`~extractor.errors.ExtractorError` naming the file and line.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from ..errors import ExtractorError, ModelError
from .ebm_nlp import guess_spaces

LABELS = ("CHEMICAL", "DISEASE")
PUBTATOR_DIR = Path("data") / "bc5cdr" / "pubtator"
PUBTATOR_FILES = {
    "train": "CDR_TrainingSet.PubTator.txt",
    "dev": "CDR_DevelopmentSet.PubTator.txt",
}
BC5CDR_IOB_DIR = Path("data") / "bc5cdr" / "iob" / "BC5CDR-IOB"
NCBI_IOB_DIR = Path("data") / "ncbi_disease" / "iob"
IOB_FILES = {"train": "train.tsv", "dev": "devel.tsv"}


def _label(kind: str) -> str | None:
    label = kind.strip().upper()
    return label if label in LABELS else None


@dataclass(slots=True)
class Mention:
    """One annotated mention: character offsets into the document text and its label."""

    start: int
    end: int
    label: str
    text: str


@dataclass(slots=True)
class PubtatorDocument:
    """One PubTator abstract: PMID, ``title + " " + abstract`` and its mentions."""

    pmid: str
    text: str
    mentions: list[Mention] = field(default_factory=list)


@dataclass(slots=True)
class ReadStats:
    """What turning mentions into entities cost: misaligned (widened) and overlapping (dropped)."""

    documents: int = 0
    mentions: int = 0
    misaligned: int = 0
    overlapping: int = 0
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "mentions": self.mentions,
            "misaligned": self.misaligned,
            "overlapping": self.overlapping,
        }


def _open(path: Path, what: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtractorError(f"cannot read {what} file: {exc}", source=str(path)) from exc


def iter_pubtator(path: Path) -> Iterator[PubtatorDocument]:
    """Yield the abstracts of a PubTator file, in file order.

    Raises:
        ExtractorError: the file cannot be read, a line is malformed, or a mention's offsets
            do not point at its text.
    """
    current: PubtatorDocument | None = None
    title: str | None = None
    pmid = ""
    for lineno, line in enumerate(_open(path, "PubTator"), 1):
        where = f"{path}:{lineno}"
        if not line.strip():
            continue
        head, sep, rest = line.partition("|")
        if sep and rest[:2] in ("t|", "a|") and "\t" not in head:
            if rest[0] == "t":
                if current is not None:
                    yield current
                current, title = None, rest[2:]
                pmid = head
            else:
                if title is None or head != pmid:
                    raise ExtractorError(f"{where}: abstract line without its title line")
                current = PubtatorDocument(pmid, f"{title} {rest[2:]}")
                title = None
            continue
        parts = line.split("\t")
        if current is None or parts[0] != current.pmid:
            raise ExtractorError(f"{where}: annotation outside its abstract: {line[:80]!r}")
        if len(parts) >= 2 and parts[1] in ("CID", "CIR"):
            continue  # a relation line
        if len(parts) < 5:
            raise ExtractorError(f"{where}: expected PMID, start, end, mention, type: {line!r}")
        try:
            start, end = int(parts[1]), int(parts[2])
        except ValueError:
            raise ExtractorError(f"{where}: offsets are not integers: {line!r}") from None
        if not 0 <= start < end <= len(current.text) or current.text[start:end] != parts[3]:
            raise ExtractorError(
                f"{where}: offsets {start}-{end} do not point at {parts[3]!r} in the text"
            )
        label = _label(parts[4])
        if label is None:
            raise ExtractorError(f"{where}: unknown entity type {parts[4]!r}")
        current.mentions.append(Mention(start, end, label, parts[3]))
    if title is not None:
        raise ExtractorError(f"{path}: the last title has no abstract line")
    if current is not None:
        yield current


def scispacy_tokenizer(nlp: Language) -> Tokenizer:
    """The evidence pipeline's tokenizer (scispaCy's ``combined_rule_tokenizer``) on ``nlp``'s
    vocab; ``nlp`` itself is left as it is.

    Raises:
        ModelError: scispaCy is not installed.
    """
    try:
        from scispacy.custom_tokenizer import combined_rule_tokenizer
    except ImportError as exc:
        raise ModelError(f"scispacy is required: {exc}") from exc
    with warnings.catch_warnings():
        # scispaCy's infix regex makes Python warn "Possible set union" (harmless)
        warnings.simplefilter("ignore", FutureWarning)
        return combined_rule_tokenizer(nlp)


def pubtator_doc(
    tokenizer: Callable[[str], Doc], document: PubtatorDocument, stats: ReadStats | None = None
) -> Doc:
    """Tokenise ``document`` with ``tokenizer`` and set its mentions as ``doc.ents``."""
    doc = tokenizer(document.text)
    doc.user_data["pmid"] = document.pmid
    spans: list[Span] = []
    for mention in document.mentions:
        span = doc.char_span(
            mention.start, mention.end, label=mention.label, alignment_mode="expand"
        )
        if span is None:  # only for offsets outside the text, which the reader rejects
            raise ExtractorError(f"no tokens for mention {mention.text!r}", source=document.pmid)
        if stats is not None and (span.start_char, span.end_char) != (mention.start, mention.end):
            stats.misaligned += 1
            if len(stats.examples) < 20:
                stats.examples.append(f"{document.pmid}: {mention.text!r} -> {span.text!r}")
        spans.append(span)
    kept = filter_spans(spans)  # longest first; drops exact duplicates and overlaps
    if stats is not None:
        unique = {(s.start, s.end) for s in spans}
        stats.documents += 1
        stats.mentions += len(document.mentions)
        stats.overlapping += len(unique) - len(kept)
    doc.ents = kept
    return doc


def read_pubtator(
    path: Path,
    tokenizer: Callable[[str], Doc],
    *,
    limit: int | None = None,
    stats: ReadStats | None = None,
) -> list[Doc]:
    """Docs with CHEMICAL/DISEASE ents for the first ``limit`` abstracts of a PubTator file,
    tokenised by ``tokenizer`` (:func:`scispacy_tokenizer` for the evidence pipeline's tokens)."""
    docs: list[Doc] = []
    for document in iter_pubtator(path):
        if limit is not None and len(docs) >= limit:
            break
        docs.append(pubtator_doc(tokenizer, document, stats))
    return docs


def iter_iob(path: Path) -> Iterator[tuple[list[str], list[str]]]:
    """Yield ``(words, iob_tags)`` per sentence of a ``token<TAB>tag`` file (labels upper-cased).

    Raises:
        ExtractorError: the file cannot be read or a line is not ``token<TAB>B-/I-/O``.
    """
    words: list[str] = []
    tags: list[str] = []
    for lineno, line in enumerate(_open(path, "IOB"), 1):
        if not line.strip():
            if words:
                yield words, tags
            words, tags = [], []
            continue
        parts = line.split("\t")
        tag = parts[-1].strip()
        if len(parts) < 2 or not parts[0]:
            raise ExtractorError(f"{path}:{lineno}: expected 'token<TAB>tag', got {line!r}")
        if tag != "O":
            prefix, _, kind = tag.partition("-")
            label = _label(kind)
            if prefix not in ("B", "I") or label is None:
                raise ExtractorError(f"{path}:{lineno}: unknown tag {tag!r}")
            tag = f"{prefix}-{label}"
        words.append(parts[0])
        tags.append(tag)
    if words:
        yield words, tags


def _repair_iob(tags: list[str]) -> list[str]:
    """``I-X`` that does not follow ``B-X``/``I-X`` becomes ``B-X`` (spaCy rejects it)."""
    out: list[str] = []
    for tag in tags:
        if tag.startswith("I-") and (not out or out[-1] == "O" or out[-1][2:] != tag[2:]):
            tag = "B-" + tag[2:]
        out.append(tag)
    return out


def iob_doc(vocab: Vocab, words: list[str], tags: list[str] | None) -> Doc:
    """A Doc of the sentence's own words, with its entities when ``tags`` is given."""
    ents = _repair_iob(tags) if tags is not None else None
    return Doc(vocab, words=words, spaces=guess_spaces(words), ents=ents)


def read_iob(path: Path, vocab: Vocab, *, limit: int | None = None) -> list[Doc]:
    """Docs with CHEMICAL/DISEASE ents, one per sentence of an IOB file (the first ``limit``)."""
    docs: list[Doc] = []
    for words, tags in iter_iob(path):
        if limit is not None and len(docs) >= limit:
            break
        docs.append(iob_doc(vocab, words, tags))
    return docs


def detect_format(path: Path) -> str:
    """``"pubtator"`` or ``"iob"``, from the file's first non-blank line.

    Raises:
        ExtractorError: the file cannot be read or is neither format.
    """
    try:
        with Path(path).open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtractorError(f"cannot read annotation file: {exc}", source=str(path)) from exc
    head, _, rest = first.partition("|")
    if rest[:2] in ("t|", "a|") and head.strip().isdigit():
        return "pubtator"
    if first.count("\t") == 1 and (first.rstrip("\n").split("\t")[1][:2] in ("O", "B-", "I-")):
        return "iob"
    raise ExtractorError(
        "neither a PubTator file (PMID|t|title …) nor an IOB file (token<TAB>tag)",
        source=str(path),
    )


__all__ = [
    "LABELS",
    "Mention",
    "PubtatorDocument",
    "ReadStats",
    "detect_format",
    "iob_doc",
    "iter_iob",
    "iter_pubtator",
    "pubtator_doc",
    "read_iob",
    "read_pubtator",
    "scispacy_tokenizer",
]
