"""The README's examples run as written, in order, from a fresh checkout.

Every command in a ``sh`` block and every ``$ …`` line of a ``console`` block is run with
``bash -o pipefail`` in a scratch copy of the repository layout (``corpus/``, an empty
``output/``, ``../shared``). Lines the README marks as placeholders (``<…>``), as needing the
network, or as running until Ctrl-C are not run; ``make`` lines are the setup contract that CI
itself runs. ``output/shared.db`` (built by ``make evidence-db`` from ~3,000 abstracts) is built
here from a sample of the same sources (the MEDLINE files, and Evidence Inference abstracts
including some on each drug the examples ask about), so the examples that read it run against
real records without taking minutes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SKIP_MARKERS = ("needs network", "until Ctrl-C")
PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>")


def _commands(markdown: str) -> list[str]:
    """Shell commands of the README's ``sh`` and ``console`` blocks, continuation lines joined."""
    commands: list[str] = []
    for lang, body in re.findall(r"^```(sh|console)\n(.*?)^```", markdown, re.S | re.M):
        pending = ""
        for line in body.splitlines():
            if lang == "console" and not pending:
                if not line.startswith("$ "):
                    continue  # output shown in the README
                line = line[2:]
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            pending = f"{pending}\n{line}" if pending else line
            try:
                shlex.split(pending, comments=True)
            except ValueError:  # an open quote: the command goes on on the next line
                continue
            commands.append(pending)
            pending = ""
        assert not pending, f"unterminated command in the README: {pending!r}"
    return commands


def _runnable(command: str) -> bool:
    return not (
        command.startswith("make ")
        or PLACEHOLDER.search(command)
        or any(marker in command for marker in SKIP_MARKERS)
    )


def test_parser_finds_commands_and_placeholders() -> None:
    text = (
        "```sh\nevidence a  # one\ncat <page.html> | evidence b\n```\n"
        '```console\n$ sqlite3 x "SELECT 1\n    FROM t"\nrow|1\n$ evidence c | head\n```\n'
    )
    commands = _commands(text)
    assert commands == [
        "evidence a  # one",
        "cat <page.html> | evidence b",
        'sqlite3 x "SELECT 1\n    FROM t"',
        "evidence c | head",
    ]
    assert [_runnable(c) for c in commands] == [True, False, True, True]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("readme")
    (root / "shared").symlink_to(shared_dir.resolve())
    work = root / "repo"
    work.mkdir()
    shutil.copytree(REPO / "corpus", work / "corpus")
    (work / "output").mkdir()
    abstracts = sorted((shared_dir / "data" / "evidence_inference" / "abstracts").iterdir())
    sample = work / "sample"
    sample.mkdir()
    # The first abstracts, plus a dozen on each drug the read-side examples ask about.
    chosen = set(abstracts[:20])
    for term in ("metformin", "diclofenac", "immunoglobulin"):
        chosen.update([p for p in abstracts if term in p.read_text(errors="replace").lower()][:12])
    for path in chosen:
        shutil.copy(path, sample / path.name)
    build = [
        str(BIN / "evidence"),
        "batch",
        "corpus/",
        str(shared_dir / "pubmed" / "medline"),
        "sample/",
        "--db",
        "output/shared.db",
        "-q",
    ]
    done = subprocess.run(build, cwd=work, env=_env(work), capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: some MEDLINE records have no abstract
    return work


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["EVIDENCE_SHARED"] = str(work.parent / "shared")
    env.pop("EVIDENCE_DB", None)
    env["COLUMNS"] = "120"
    return env


def test_readme_examples_run_as_written(workdir: Path) -> None:
    commands = _commands((REPO / "README.md").read_text(encoding="utf-8"))
    runnable = [c for c in commands if _runnable(c)]
    assert len(runnable) >= 15, runnable  # the parser still finds the examples
    if shutil.which("sqlite3") is None:
        runnable = [c for c in runnable if not c.startswith("sqlite3")]
    failures = []
    for command in runnable:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=workdir,
            env=_env(workdir),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures.append(f"$ {command}\n  exit {done.returncode}: {done.stderr[-500:]}")
    assert not failures, "\n".join(failures)
    assert (workdir / "output" / "card.html").stat().st_size > 1000
    assert (workdir / "output" / "evidence_comparisons.csv").exists()
