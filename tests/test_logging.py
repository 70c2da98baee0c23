"""``-v`` logs what each stage did, one safe line per event; without it stderr stays quiet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EVIDENCE = str(Path(sys.executable).parent / "evidence")


def _extract(*options: str, source: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EVIDENCE, *options, "extract", str(source), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verbose_logs_each_stage(seed_path: Path, tmp_path: Path) -> None:
    quiet = _extract(source=seed_path, db=tmp_path / "a.db")
    assert quiet.returncode == 0, quiet.stderr
    assert "extractor." not in quiet.stderr

    info = _extract("-v", source=seed_path, db=tmp_path / "b.db")
    stages = [line.split(":", 1)[0] for line in info.stderr.splitlines()]
    assert stages == ["extractor.sources", "extractor.clean", "extractor.nlp"]
    assert "abstract of 1463 characters, 5 sections, from the text cleaner" in info.stderr

    debug = _extract("-vv", source=seed_path, db=tmp_path / "c.db")
    assert "extractor.store: stored sha:e931ea5de782998d" in debug.stderr.splitlines()


def test_log_lines_are_one_terminal_safe_line(tmp_path: Path) -> None:
    page = tmp_path / "odd\nname\x1b]0;x\x07.txt"
    page.write_text("not an abstract", encoding="utf-8")
    done = _extract("-v", source=page, db=tmp_path / "d.db")
    assert done.returncode == 1
    assert "\x1b" not in done.stderr
    assert all(line.startswith(("extractor.", "error: ")) for line in done.stderr.splitlines())
