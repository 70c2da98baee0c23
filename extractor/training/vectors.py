"""Static word vectors for the PICO tagger, trained here on raw biomedical text.

No pretrained vectors can be downloaded, so :func:`build_vectors` trains word2vec (gensim) on
the unlabelled text of the shared corpora and saves a spaCy pipeline holding only the vectors
table, for ``[initialize] vectors`` of ``models/configs/pico-vectors.cfg``. The text comes from

* EBM-NLP ``starting_spans`` **training folds** (their tokens; never ``dev.txt``, our
  evaluation set, and never a test file);
* Evidence Inference ``abstracts/*.abst`` (title, abstract and body; section headings dropped);
* PICO-Corpus ``brat/*.txt``;
* BC5CDR ``pubtator/CDR_{Training,Development}Set.PubTator.txt`` (title and abstract);
* NCBI-disease ``iob/{train,devel}.tsv`` (sentences of tokens).

A document whose PMID is an EBM-NLP dev PMID, or that repeats a dev abstract's text (100 or more of
its token 8-grams found in dev, see :func:`is_dev_copy`), is left out, so the vectors never saw the
text we evaluate on. Raw text is split into tokens like EBM-NLP's (PTB-like: punctuation apart,
hyphens, slashes and decimal points kept inside words) and word2vec learns one vector per lower-case
form. spaCy's ``StaticVectors`` looks tokens up by ``vocab.vectors.attr``, but spaCy 3.8 saves that
attribute for floret tables only: a default table keyed by ``LOWER`` is read back keyed by ``ORTH``.
So the table keeps the default ``ORTH`` keys and maps every casing seen in the text ("Placebo",
"PLACEBO", "HbA1c") to the row of its lower-case form, which looks tokens up like ``LOWER`` would
and survives ``to_disk``/``spacy.load``. Command line::

    python -m extractor.training.vectors --shared ../shared --output build/vectors
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ExtractorError
from .ebm_nlp import DEV_FILE, EBM_SUBDIR, TRAIN_FILES, iter_ebm_documents

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO / "build" / "vectors"
DATA = Path("data")
# A document sharing DEV_MATCHES or more token 8-grams with EBM-NLP dev holds a copy of a dev
# abstract. Measured on the shared data: the copies share 174-394, other documents at most 71
# (EBM-NLP training abstracts of the same trial group) and usually under 20 (boilerplate such
# as "there were no significant differences between the two groups").
DEV_NGRAM = 8
DEV_MATCHES = 100

# PTB-like tokens: numbers with decimal points or commas, words with inner hyphens, slashes or
# dots ("double-blind", "mg/kg", "i.v"), "'s", "+/-", else one symbol.
_TOKEN = re.compile(r"\+/-|'s\b|\d+(?:[.,]\d+)+|\w+(?:[-/.]\w+)*|\S", re.UNICODE)
# Evidence Inference section headings ("TITLE:", "ABSTRACT.METHODS:", "BODY.RESULTS.HEA.").
_HEADING = re.compile(r"^(?:TITLE|ABSTRACT|BODY)(?:\.[A-Z0-9 _&/-]*)*[.:]?\s*$")


@dataclass(slots=True)
class TextDocument:
    """One unlabelled document: where it came from, its PMID if known, and its paragraphs."""

    source: str
    pmid: str
    paragraphs: list[list[str]]  # tokens as written


def tokenize_text(text: str) -> list[str]:
    """PTB-like tokens of raw text, close to EBM-NLP's tokenisation (case kept)."""
    return _TOKEN.findall(text)


def source_files(shared_dir: Path) -> dict[str, list[Path]]:
    """The files the vectors are trained on, by corpus, in a fixed order.

    Only training text of EBM-NLP (``fold*_train.txt``) is listed; ``dev.txt`` never is.
    Missing corpora give empty lists.
    """
    data = Path(shared_dir) / DATA
    ebm = data / "ebm_nlp" / "starting_spans"
    files = {
        "ebm_nlp": [ebm / name for name in TRAIN_FILES if (ebm / name).is_file()],
        "evidence_inference": sorted((data / "evidence_inference" / "abstracts").glob("*.abst")),
        "pico_corpus": sorted((data / "pico_corpus" / "brat").glob("*.txt")),
        "bc5cdr": sorted((data / "bc5cdr" / "pubtator").glob("CDR_*Set.PubTator.txt")),
        "ncbi_disease": sorted((data / "ncbi_disease" / "iob").glob("*.tsv")),
    }
    for name, paths in files.items():
        # Belt and braces: no evaluation or held-out file, whatever a corpus folder holds.
        files[name] = [p for p in paths if p.name != DEV_FILE and "test" not in p.name.lower()]
    return files


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractorError(f"cannot read {path}: {exc}") from exc


def _paragraphs(text: str) -> list[list[str]]:
    out = []
    for line in text.splitlines():
        if line.strip() and not _HEADING.match(line.strip()):
            tokens = tokenize_text(line)
            if tokens:
                out.append(tokens)
    return out


def _read_pubtator(path: Path) -> Iterator[TextDocument]:
    current: dict[str, list[str]] = {}
    for line in _read(path).splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3 and parts[1] in ("t", "a"):
            current.setdefault(parts[0], []).append(parts[2])
    for pmid, texts in current.items():
        yield TextDocument("bc5cdr", pmid, [tokenize_text(t) for t in texts if t.strip()])


def _read_iob(path: Path) -> Iterator[TextDocument]:
    sentences: list[list[str]] = []
    sentence: list[str] = []
    for line in _read(path).splitlines():
        token = line.split("\t", 1)[0].strip()
        if token:
            sentence.append(token)
        elif sentence:
            sentences.append(sentence)
            sentence = []
    if sentence:
        sentences.append(sentence)
    # No document boundaries or PMIDs in these files: one pseudo-document per 10 sentences.
    for start in range(0, len(sentences), 10):
        yield TextDocument("ncbi_disease", "", sentences[start : start + 10])


def iter_text_documents(shared_dir: Path) -> Iterator[TextDocument]:
    """Every unlabelled document of :func:`source_files`, before the dev filter."""
    for source, paths in source_files(shared_dir).items():
        for path in paths:
            if source == "ebm_nlp":
                for doc in iter_ebm_documents(path):
                    yield TextDocument(source, doc.pmid, [list(doc.words)])
            elif source == "evidence_inference":
                yield TextDocument(source, "", _paragraphs(_read(path)))
            elif source == "pico_corpus":
                yield TextDocument(source, path.stem, _paragraphs(_read(path)))
            elif source == "bc5cdr":
                yield from _read_pubtator(path)
            else:
                yield from _read_iob(path)


def _ngrams(tokens: list[str], n: int = DEV_NGRAM) -> Iterator[bytes]:
    lower = [t.lower() for t in tokens]
    for i in range(len(lower) - n + 1):
        yield hashlib.blake2b(" ".join(lower[i : i + n]).encode(), digest_size=8).digest()


@dataclass(slots=True)
class DevIndex:
    """What identifies EBM-NLP dev text: its PMIDs and the hashes of its token 8-grams."""

    pmids: set[str]
    ngrams: set[bytes]


def read_dev_index(shared_dir: Path) -> DevIndex:
    """PMIDs and 8-gram hashes of EBM-NLP ``dev.txt`` (empty when the file is absent)."""
    path = Path(shared_dir) / EBM_SUBDIR / DEV_FILE
    index = DevIndex(set(), set())
    if path.is_file():
        for doc in iter_ebm_documents(path):
            index.pmids.add(doc.pmid)
            index.ngrams.update(_ngrams(doc.words))
    return index


def is_dev_copy(document: TextDocument, dev: DevIndex, *, matches: int = DEV_MATCHES) -> bool:
    """Whether ``document`` is (or contains) an EBM-NLP dev abstract: same PMID, or at least
    ``matches`` of its token 8-grams found in dev (short titles alone are not enough)."""
    if document.pmid and document.pmid in dev.pmids:
        return True
    found = 0
    for paragraph in document.paragraphs:
        found += sum(g in dev.ngrams for g in _ngrams(paragraph))
        if found >= matches:
            return True
    return False


def write_corpus(
    shared_dir: Path, path: Path, casings: Counter[str] | None = None
) -> dict[str, Any]:
    """Write the training text to ``path``: a paragraph a line, lower-cased tokens.

    Args:
        shared_dir: the shared folder holding ``data/``.
        path: the corpus file to write.
        casings: if given, counts every token written that is not lower-case, as written.

    Returns:
        Counts per source: documents kept, documents left out as dev copies, tokens.
    """
    dev = read_dev_index(shared_dir)
    stats: dict[str, dict[str, int]] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for document in iter_text_documents(shared_dir):
            counts = stats.setdefault(
                document.source, {"documents": 0, "dev_copies": 0, "tokens": 0}
            )
            if is_dev_copy(document, dev):
                counts["dev_copies"] += 1
                continue
            counts["documents"] += 1
            for paragraph in document.paragraphs:
                # gensim cuts lines at 10,000 tokens; paragraphs are far shorter.
                line = " ".join(paragraph)
                out.write(line.lower() + "\n")
                if casings is not None:
                    casings.update(t for t in paragraph if t != t.lower())
                counts["tokens"] += len(paragraph)
    return stats


def train_word2vec(
    corpus_file: Path,
    *,
    dim: int = 128,
    min_count: int = 3,
    max_rows: int = 50000,
    window: int = 5,
    epochs: int = 5,
    seed: int = 342,
) -> tuple[list[str], Any]:
    """Skip-gram word2vec on ``corpus_file`` (one worker, fixed seed: reproducible).

    Returns:
        ``(words, vectors)``: the kept words, most frequent first, and a float32 array of
        shape ``(len(words), dim)``.
    """
    try:
        from gensim.models import Word2Vec
    except ImportError as exc:
        raise ConfigError("training vectors needs gensim: pip install gensim") from exc

    model = Word2Vec(
        corpus_file=str(corpus_file),
        vector_size=dim,
        window=window,
        min_count=min_count,
        max_final_vocab=max_rows,
        sg=1,
        negative=5,
        sample=1e-4,
        epochs=epochs,
        seed=seed,
        workers=1,
    )
    return list(model.wv.index_to_key), model.wv.vectors.astype("float32")


def save_vectors(
    words: list[str],
    vectors: Any,
    output_dir: Path,
    *,
    name: str,
    casings: Iterable[str] = (),
) -> int:
    """Save a blank English pipeline holding only the vectors table.

    Row ``i`` is keyed by ``words[i]`` (lower-case) and by every form in ``casings`` whose
    lower-case form is ``words[i]`` (see the module docstring for why not ``attr = LOWER``).

    Returns:
        The number of keys.
    """
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank("en")
    for word in words:
        nlp.vocab.strings.add(word)
    table = Vectors(strings=nlp.vocab.strings, data=vectors, keys=words, name=name)
    rows = {word: i for i, word in enumerate(words)}
    for form in casings:
        row = rows.get(form.lower())
        if row is not None and form not in rows:
            table.add(nlp.vocab.strings.add(form), row=row)
    nlp.vocab.vectors = table
    nlp.meta["name"] = name
    nlp.meta["vectors"] = {"name": name, "width": int(vectors.shape[1])}
    nlp.to_disk(output_dir)
    return len(table.key2row)


def build_vectors(
    shared_dir: Path,
    output_dir: Path = DEFAULT_OUTPUT,
    **settings: Any,
) -> dict[str, Any]:
    """Write the corpus, train word2vec and save the spaCy vectors under ``output_dir``.

    ``output_dir/corpus.txt`` is the training text; ``output_dir/model`` the vectors pipeline
    (pass it as ``paths.vectors``); ``output_dir/stats.json`` the counts and settings.

    Args:
        shared_dir: the shared folder holding ``data/``.
        output_dir: where the corpus, model and stats go (git-ignored, e.g. ``build/vectors``).
        settings: passed to :func:`train_word2vec` (``dim``, ``min_count``, ``max_rows`` ...).

    Returns:
        The stats written to ``stats.json``.
    """
    output_dir = Path(output_dir)
    started = time.perf_counter()
    corpus = output_dir / "corpus.txt"
    casings: Counter[str] = Counter()
    sources = write_corpus(shared_dir, corpus, casings)
    corpus_seconds = time.perf_counter() - started
    words, vectors = train_word2vec(corpus, **settings)
    name = f"evidence_w2v_{vectors.shape[1]}d"
    # Casings seen twice or more (a casing seen once is mostly noise, and costs a key).
    forms = sorted(form for form, n in casings.items() if n >= 2)
    keys = save_vectors(words, vectors, output_dir / "model", name=name, casings=forms)
    stats = {
        "name": name,
        "sources": sources,
        "tokens": sum(s["tokens"] for s in sources.values()),
        "rows": len(words),
        "keys": keys,
        "dim": int(vectors.shape[1]),
        "settings": settings,
        "corpus_seconds": round(corpus_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    (output_dir / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats


def nearest(model_dir: Path, words: Iterable[str], n: int = 5) -> dict[str, list[str]]:
    """The ``n`` nearest table words of each word (a quick sanity check of the vectors)."""
    import numpy
    import spacy

    vectors = spacy.load(model_dir).vocab.vectors
    table = vectors.data / (numpy.linalg.norm(vectors.data, axis=1, keepdims=True) + 1e-8)
    row_words = {}
    for key, row in vectors.key2row.items():
        if vectors.strings[key].islower() or row not in row_words:
            row_words[row] = vectors.strings[key]
    out = {}
    for word in words:
        row = vectors.key2row.get(vectors.strings[word]) if word in vectors.strings else None
        if row is None:
            continue
        sims = table @ table[row]
        out[word] = [row_words[int(i)] for i in sims.argsort()[::-1][1 : n + 1]]
    return out


def main(argv: list[str] | None = None) -> None:
    """``python -m extractor.training.vectors``: build ``build/vectors/model``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=50000)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=342)
    args = parser.parse_args(argv)
    stats = build_vectors(
        args.shared,
        args.output,
        dim=args.dim,
        min_count=args.min_count,
        max_rows=args.max_rows,
        window=args.window,
        epochs=args.epochs,
        seed=args.seed,
    )
    print(json.dumps(stats, indent=2))
    probe = ["placebo", "pain", "children", "metformin", "mortality", "randomized"]
    print(json.dumps(nearest(args.output / "model", probe), indent=1))


if __name__ == "__main__":
    from . import run_main

    run_main(main)
