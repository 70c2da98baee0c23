"""The rows a pipeline component writes to a ``Doc`` extension, checked against the text."""

from __future__ import annotations

from typing import Any


def quoted_rows(nlp: Any, text: str, extension: str) -> list[dict[str, Any]]:
    """``doc._.<extension>`` for ``text``; every row must quote the text at its offsets."""
    doc = nlp(text)
    rows: list[dict[str, Any]] = getattr(doc._, extension)
    for row in rows:
        assert doc.text[row["start"] : row["end"]] == row["text"], row
    return rows
