"""Read EBM-NLP ``starting_spans`` token files into spaCy ``Doc`` objects.

The files hold one token per line, ``token POS label`` with ``label`` in ``N`` (none),
``p`` (participants), ``i`` (interventions) or ``o`` (outcomes). A document starts with
``-DOCSTART- -<PMID>- O O``; a blank line follows every ``.`` token (a rough sentence break).

Each document becomes one ``Doc`` whose words are the file's tokens, with spaces guessed so the
text reads naturally ("patients ( n = 20 )" → "patients (n = 20)"), ``token.tag_`` set to the
upper-case PICO label (``N``/``P``/``I``/``O``) and the PMID in ``doc.user_data["pmid"]``. The
tags are what the ``pico_tagger`` learns and what the published token-level metric scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from ..errors import ExtractorError

LABELS = ("N", "P", "I", "O")
PICO_TAGS = ("P", "I", "O")
EBM_SUBDIR = Path("data") / "ebm_nlp" / "starting_spans"
TRAIN_FILES = ("fold0_train.txt", "fold1_train.txt", "fold2_train.txt")
DEV_FILE = "dev.txt"

# No space before these tokens, no space after the opening ones.
_NO_SPACE_BEFORE = {".", ",", ";", ":", ")", "]", "}", "%", "?", "!", "'s", "n't", "'", "/"}
_NO_SPACE_AFTER = {"(", "[", "{", "/", "$"}


@dataclass(slots=True)
class EbmDocument:
    """One abstract of an EBM-NLP token file: its PMID, tokens and upper-case labels."""

    pmid: str
    words: list[str]
    labels: list[str]


def guess_spaces(words: list[str]) -> list[bool]:
    """Whether each word is followed by a space, so the joined text reads naturally."""
    spaces = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None or word in _NO_SPACE_AFTER or nxt in _NO_SPACE_BEFORE:
            spaces.append(nxt is not None and word in _NO_SPACE_BEFORE and nxt in _NO_SPACE_AFTER)
        elif word == "-" or nxt == "-":
            # "double - blind" was one word in the abstract far more often than a dash.
            spaces.append(False)
        else:
            spaces.append(True)
    return spaces


def iter_ebm_documents(path: Path) -> Iterator[EbmDocument]:
    """Yield the documents of one EBM-NLP token file, in file order.

    Raises:
        ExtractorError: the file is missing, not UTF-8 text, or a line is not
            ``token POS label``.
    """
    try:
        handle = Path(path).open(encoding="utf-8")  # noqa: SIM115  (closed by the with below)
    except OSError as exc:
        raise ExtractorError(f"cannot read EBM-NLP file {path}: {exc}") from exc
    current: EbmDocument | None = None
    with handle:
        for lineno, line in enumerate(_lines(handle, path), 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("-DOCSTART-"):
                if current is not None and current.words:
                    yield current
                pmid = line.split()[1].strip("-") if len(line.split()) > 1 else ""
                current = EbmDocument(pmid, [], [])
                continue
            parts = line.split(" ")
            if len(parts) < 3 or current is None:
                raise ExtractorError(f"{path}:{lineno}: expected 'token POS label', got {line!r}")
            label = parts[-1].upper()
            if label not in LABELS:
                raise ExtractorError(f"{path}:{lineno}: unknown label {parts[-1]!r}")
            current.words.append(" ".join(parts[:-2]) or parts[0])
            current.labels.append(label)
    if current is not None and current.words:
        yield current


def _lines(handle: Iterator[str], path: Path) -> Iterator[str]:
    """The file's lines; bytes that are not UTF-8 are one clear error, not a traceback."""
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise ExtractorError(f"{path}: not an EBM-NLP token file (not UTF-8 text: {exc})") from exc


def to_doc(vocab: Vocab, document: EbmDocument, *, with_tags: bool = True) -> Doc:
    """A ``Doc`` of the document's words (tags set unless ``with_tags`` is false)."""
    doc = Doc(
        vocab,
        words=document.words,
        spaces=guess_spaces(document.words),
        tags=list(document.labels) if with_tags else None,
    )
    doc.user_data["pmid"] = document.pmid
    return doc


def read_ebm_nlp(path: Path, vocab: Vocab | None = None, *, limit: int | None = None) -> list[Doc]:
    """Read an EBM-NLP token file into Docs with PICO tags (``N``/``P``/``I``/``O``).

    Args:
        path: a ``starting_spans`` file such as ``dev.txt``.
        vocab: the vocab to build the Docs with (default: a fresh one).
        limit: read at most this many documents (the first ones).
    """
    vocab = vocab if vocab is not None else Vocab()
    docs: list[Doc] = []
    for document in iter_ebm_documents(path):
        if limit is not None and len(docs) >= limit:
            break
        docs.append(to_doc(vocab, document))
    return docs


def write_docbins(
    shared_dir: Path, build_dir: Path, *, n_docs: int | None = None, dev_docs: int | None = None
) -> dict[str, Path]:
    """Write ``train.spacy`` (the three train folds) and ``dev.spacy`` under ``build_dir``.

    Args:
        shared_dir: the shared folder holding ``data/ebm_nlp/starting_spans``.
        build_dir: where to write the DocBins (git-ignored, e.g. ``build/pico``).
        n_docs: use at most this many training documents (for smoke tests).
        dev_docs: use at most this many dev documents (the dev set scored during training).

    Returns:
        ``{"train": path, "dev": path, "dev_file": the EBM-NLP dev.txt read}``.
    """
    folder = Path(shared_dir) / EBM_SUBDIR
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    vocab = Vocab()
    train: list[Doc] = []
    for name in TRAIN_FILES:
        remaining = None if n_docs is None else n_docs - len(train)
        if remaining is not None and remaining <= 0:
            break
        train.extend(read_ebm_nlp(folder / name, vocab, limit=remaining))
    dev = read_ebm_nlp(folder / DEV_FILE, vocab, limit=dev_docs)
    paths = {"train": build_dir / "train.spacy", "dev": build_dir / "dev.spacy"}
    for key, docs in (("train", train), ("dev", dev)):
        DocBin(attrs=["ORTH", "SPACY", "TAG"], docs=docs, store_user_data=True).to_disk(paths[key])
    return {**paths, "dev_file": folder / DEV_FILE}
