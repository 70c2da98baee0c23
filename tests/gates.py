"""Quality gates pinned to the corpus they score.

A floor is a figure measured on particular files; when those files change, the figure can move
for reasons that have nothing to do with the code. So each gate pins a short sha256 of the exact
files it scores (as trafilatura's evaluation pins its corpus) and checks it before its floors: a
changed corpus fails with "re-measure" instead of being silently re-scored against old floors.
The digest is 16 hex digits, like the records gate's split digest
(:func:`extractor.evaluation.ids_digest`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for name, data in sorted(parts):
        sha.update(f"{name}\0{len(data)}\0".encode())
        sha.update(data)
    return sha.hexdigest()[:16]


def corpus_digest(root: Path, paths: Iterable[Path]) -> str:
    """Digest of files under ``root``: each one's path relative to ``root`` and its bytes."""
    root = Path(root)
    names = {Path(p).resolve().relative_to(root.resolve()).as_posix() for p in paths}
    return _digest((name, (root / name).read_bytes()) for name in names)


def data_digest(data: Any) -> str:
    """Digest of a hand-written sample kept as Python data (stable across reformatting)."""
    return _digest([("data", json.dumps(data, sort_keys=True).encode())])


def pages_files(shared_dir: Path) -> list[Path]:
    """``pages/GROUND_TRUTH.json`` and every page it lists: the page cleaner's gate corpus."""
    truth = Path(shared_dir) / "pages" / "GROUND_TRUTH.json"
    entries = json.loads(truth.read_text("utf-8"))["entries"]
    return [truth, *(truth.parent / entry["file"] for entry in entries)]


def assert_pinned(name: str, pinned: str, digest: str) -> None:
    """Fail unless the scored corpus is the one the gate's floors were measured on."""
    assert digest == pinned, (
        f"the {name} corpus changed: re-measure and update the floor and digest together "
        f"(digest now {digest}, pinned {pinned})"
    )
