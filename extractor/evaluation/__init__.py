"""Evaluation of the extractors against the annotated corpora in ``../shared/data``.

Each module scores one kind of output and returns a plain dict (rendered by ``evidence
evaluate …`` as a table or ``--json``). Every corpus is split deterministically by document id
into a ``dev`` part (used while developing rules and models) and a ``report`` part (the figures
we report); see :func:`split_of`.
"""

from __future__ import annotations

import hashlib


def split_of(doc_id: str) -> str:
    """``dev`` or ``report`` for a document id: a stable 50/50 split by hash of the id."""
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    return "dev" if digest[0] % 2 == 0 else "report"


__all__ = ["split_of"]
