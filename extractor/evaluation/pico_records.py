"""PICO spans of the records, end to end (``evidence evaluate pico-records``).

The component figure of ``evidence evaluate pico`` runs the tagger on EBM-NLP's own tokens. A
user meets something else: a text file goes through ``evidence batch`` (reader → cleaner →
scispaCy tokenizer → rules and models → record) and the record's ``spans`` are what they get.
This module measures that path on an EBM-NLP ``starting_spans`` file:

1. every abstract is written as a plain-text file (its tokens joined with guessed spaces,
   :func:`extractor.training.ebm_nlp.guess_spaces`), named by its PMID;
2. the folder goes through the real command, ``python -m extractor batch DIR --jsonl FILE``
   (a fresh database, ``--force``);
3. each record's spans are mapped back to the file's tokens by character offsets: a gold token
   takes the element of the record spans it overlaps (P: ``POPULATION``, ``CONDITION``,
   ``SAMPLE_SIZE``; I: ``INTERVENTION``, ``COMPARATOR``; O: ``OUTCOME``, ``ADVERSE_EVENT``;
   where several overlap, O before I before P, the order EBM-NLP's aggregated labels use);
4. the token-level P/R/F1 per element and their macro average are the published EBM-NLP metric
   (:func:`extractor.training.evaluate.tag_f1`).

Token offsets are found by walking the record's text (title, then abstract) with each token in
turn; a token the cleaner changed beyond recognition counts as predicted ``N`` (the count is
reported as ``unaligned``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ExtractorError

#: Record span label → EBM-NLP element.
SPAN_ELEMENT = {
    "POPULATION": "P",
    "CONDITION": "P",
    "SAMPLE_SIZE": "P",
    "INTERVENTION": "I",
    "COMPARATOR": "I",
    "OUTCOME": "O",
    "ADVERSE_EVENT": "O",
}
#: Where spans of several elements cover a token, the first of these wins.
_PRIORITY = ("O", "I", "P")
#: How far ahead of the last aligned token the next one may start (characters).
_WINDOW = 40


def _documents(file: Path, skip: int, limit: int | None) -> list[Any]:
    from ..training.ebm_nlp import iter_ebm_documents  # lazy: spaCy (start-up time)

    out: list[Any] = []
    for index, document in enumerate(iter_ebm_documents(file)):
        if index < skip:
            continue
        if limit is not None and len(out) >= limit:
            break
        out.append(document)
    return out


def document_text(words: list[str]) -> str:
    """The plain text a user would have for an EBM-NLP abstract: its words, spaces guessed."""
    from ..training.ebm_nlp import guess_spaces  # lazy: spaCy (start-up time)

    spaces = guess_spaces(words)
    return "".join(w + (" " if s else "") for w, s in zip(words, spaces, strict=True))


def run_batch(folder: Path, jsonl: Path, *, jobs: str = "auto") -> None:
    """Run ``evidence batch`` on ``folder`` as a user would, writing the records to ``jsonl``.

    Raises:
        ExtractorError: the command failed.
    """
    db = jsonl.with_suffix(".db")
    command = [sys.executable, "-m", "extractor", "batch", str(folder), "--db", str(db)]
    command += ["--jsonl", str(jsonl), "--force", "-q", "--jobs", jobs]
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    # 1: some documents failed (reported, scored as no record); anything else: the run failed.
    if done.returncode not in (0, 1) or not jsonl.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ExtractorError(f"evidence batch failed ({done.returncode}): {tail[0]}")


def token_offsets(words: list[str], text: str) -> list[tuple[int, int] | None]:
    """Character offsets of each word in ``text``, walking left to right (None: not found)."""
    offsets: list[tuple[int, int] | None] = []
    cursor = 0
    for word in words:
        at = text.find(word, cursor, cursor + _WINDOW + len(word))
        if at < 0:
            offsets.append(None)
            continue
        offsets.append((at, at + len(word)))
        cursor = at + len(word)
    return offsets


def predicted_tags(
    words: list[str], record: dict[str, Any], mapping: dict[str, str] | None = None
) -> tuple[list[str], int]:
    """The element (``N``/``P``/``I``/``O``) each word gets from the record's spans.

    Returns the tags and the number of words that could not be found in the record's text.
    """
    mapping = SPAN_ELEMENT if mapping is None else mapping
    document = record.get("document", {})
    title = document.get("title") or ""
    abstract = document.get("abstract") or ""
    base = len(title) + 1 if title else 0
    text = f"{title}\n{abstract}" if title else abstract
    cover: list[tuple[int, int, str]] = []
    for span in record.get("spans", ()):
        element = mapping.get(span.get("label", ""))
        if element:
            cover.append((base + span["start"], base + span["end"], element))
    tags: list[str] = []
    missing = 0
    for where in token_offsets(words, text):
        if where is None:
            missing += 1
            tags.append("N")
            continue
        start, end = where
        found = {e for a, b, e in cover if a < end and start < b}
        tags.append(next((e for e in _PRIORITY if e in found), "N"))
    return tags, missing


def score_records(
    documents: Iterable[Any],
    records: dict[str, dict[str, Any]],
    mapping: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Token-level scores of ``records`` (by file stem = PMID) against the documents' labels."""
    from ..training.evaluate import span_scores, tag_f1  # lazy: spaCy (start-up time)

    predicted, gold = [], []
    missing = unaligned = tokens = 0
    for document in documents:
        record = records.get(document.pmid)
        if record is None:
            missing += 1
            tags = ["N"] * len(document.words)
        else:
            tags, lost = predicted_tags(document.words, record, mapping)
            unaligned += lost
        tokens += len(document.words)
        predicted.append(tags)
        gold.append(document.labels)
    return {
        "documents": len(gold),
        "tokens": tokens,
        "no_record": missing,
        "unaligned": unaligned,
        "token": tag_f1(predicted, gold),
        "span": span_scores(list(zip(predicted, gold, strict=True))),
    }


def read_records(jsonl: Path) -> dict[str, dict[str, Any]]:
    """The records of a ``--jsonl`` file by the stem of their source file (the PMID)."""
    out: dict[str, dict[str, Any]] = {}
    with jsonl.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            source = record.get("document", {}).get("source") or ""
            out[Path(source).stem] = record
    return out


def evaluate_pico_records(
    file: Path,
    *,
    skip: int = 0,
    limit: int | None = None,
    jobs: str = "auto",
    keep: Path | None = None,
) -> dict[str, Any]:
    """Score the default pipeline's records on an EBM-NLP token file, end to end.

    Args:
        file: an EBM-NLP ``starting_spans`` file (``dev.txt``).
        skip: leave out the first ``skip`` abstracts.
        limit: score at most this many abstracts (after ``skip``).
        jobs: ``evidence batch --jobs``.
        keep: write the text files and records here (default: a temporary folder).

    Raises:
        ExtractorError: the file cannot be read or the batch failed.
    """
    documents = _documents(Path(file), skip, limit)
    if not documents:
        raise ExtractorError(f"no abstracts in {file} (after --skip {skip})")
    with tempfile.TemporaryDirectory(prefix="evidence-pico-") as tmp:
        work = Path(keep) if keep is not None else Path(tmp)
        texts = work / "texts"
        texts.mkdir(parents=True, exist_ok=True)
        for document in documents:
            (texts / f"{document.pmid}.txt").write_text(document_text(document.words), "utf-8")
        jsonl = work / "records.jsonl"
        run_batch(texts, jsonl, jobs=jobs)
        records = read_records(jsonl)
    result = score_records(documents, records)
    return {"file": str(file), "skip": skip, **result}
