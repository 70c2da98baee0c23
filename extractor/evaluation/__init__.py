"""Evaluation of the extractors against the annotated corpora in ``../shared/data``.

Each module scores one kind of output and returns a plain dict (rendered by ``evidence
evaluate …`` as a table or ``--json``). Every corpus is split deterministically by document id;
see :func:`split_of` (the two-way split older gates use) and :func:`split3_of` (train / dev /
report, used by the record-level evaluation and the models trained on Evidence Inference).
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "dev", "report")


def _digest(doc_id: str) -> bytes:
    return hashlib.sha256(doc_id.encode("utf-8")).digest()


def split_of(doc_id: str) -> str:
    """``dev`` or ``report`` for a document id: a stable 50/50 split by hash of the id."""
    return "dev" if _digest(doc_id)[0] % 2 == 0 else "report"


def split3_of(doc_id: str) -> str:
    """``train``, ``dev`` or ``report`` for a document id (25 / 25 / 50 %).

    ``report`` is exactly :func:`split_of`'s report half, so material held out from the older
    two-way gates stays held out; the old ``dev`` half is cut in two by a second hash byte into
    ``train`` (fit models and rules) and ``dev`` (choose rules, thresholds and checkpoints).
    """
    digest = _digest(doc_id)
    if digest[0] % 2:
        return "report"
    return "train" if digest[1] % 2 == 0 else "dev"


def ids_digest(ids: list[str]) -> str:
    """A short digest of a set of document ids (pins a frozen split in the gates)."""
    joined = "\n".join(sorted(set(ids)))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


__all__ = ["SPLITS", "ids_digest", "split3_of", "split_of"]
