"""No function in ``extractor`` is longer than :data:`MAX_LINES` lines.

Every module is parsed (not imported); functions, methods and async functions count, nested
ones too. A function's length is ``end_lineno - lineno + 1``: from its ``def`` line (decorators
excluded) to its last line, docstring included. A longer function is split where a name can say
what the part does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import extractor

ROOT = Path(extractor.__file__).resolve().parent
MAX_LINES = 100


def _long_functions(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            if length > MAX_LINES:
                where = path.relative_to(ROOT.parent).as_posix()
                yield f"{where}:{node.lineno} {node.name} ({length} lines)"


def test_no_function_is_longer_than_max_lines() -> None:
    paths = sorted(ROOT.rglob("*.py"))
    assert paths
    too_long = [entry for path in paths for entry in _long_functions(path)]
    assert not too_long, f"functions over {MAX_LINES} lines:\n" + "\n".join(too_long)
