"""Start-up stays light: the CLI imports its heavy libraries only in the commands that use them.

Function-local imports marked ``# lazy: … (start-up time)`` keep these out of ``evidence --help``
and of every command that does not need them; a module-level import of any of them (directly or
through one of our modules) fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EVIDENCE = str(Path(sys.executable).parent / "evidence")

# Loaded only by the commands that need them: spaCy/thinc for the pipeline, datasette for
# `serve`, matplotlib for `export plot`. (requests is not listed: the URL sources import it.)
HEAVY = ("spacy", "thinc", "datasette", "matplotlib")


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


@pytest.mark.parametrize("statement", ["import extractor.cli", "import extractor"])
def test_import_does_not_load_heavy_libraries(statement: str) -> None:
    modules = _modules_after(statement)
    assert [name for name in HEAVY if name in modules] == []


def test_help_exits_0_without_heavy_libraries() -> None:
    proc = subprocess.run([EVIDENCE, "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: evidence" in proc.stdout
    run_cli = "from extractor.cli import cli; cli(['--help'], standalone_mode=False)"
    modules = _modules_after(run_cli)
    assert [name for name in HEAVY if name in modules] == []
