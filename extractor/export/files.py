"""Writing export files safely: a temp file in the same folder, then ``os.replace``.

A failed or interrupted export never leaves a half-written file behind and never clobbers
the previous export: the new content appears only once it is complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from ..errors import ExportError


def check_writable(path: Path) -> None:
    """Fail early, with one clear line, when ``path`` cannot become a file.

    Raises:
        ExportError: the folder is missing or ``path`` is a directory.
    """
    if path.is_dir():
        raise ExportError("is a directory, not a file", source=str(path))
    if not path.parent.is_dir():
        raise ExportError(f"folder {str(path.parent)!r} does not exist", source=str(path))


@contextmanager
def _replacing(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(fd, temp path)`` beside ``path``; move it over ``path`` only on success."""
    check_writable(path)
    tmp = str(path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp"))
    try:
        # os.open with 0o666 (not mkstemp's 0o600) so the export gets the umask's usual mode.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ExportError(f"cannot write here: {exc.strerror or exc}", source=str(path)) from exc
    try:
        yield fd, tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write: {exc.strerror or exc}", source=str(path)) from exc
        raise


@contextmanager
def atomic_text(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """``with atomic_text(path) as out:`` — UTF-8 text, in place only once complete.

    Args:
        path: the file to (re)write.
        newline: passed to ``open`` (``""`` for the csv module).

    Raises:
        ExportError: the file cannot be written (missing folder, permissions, disk full).
    """
    with _replacing(path) as (fd, _tmp), open(fd, "w", encoding="utf-8", newline=newline) as out:
        yield out


@contextmanager
def atomic_binary(path: Path) -> Iterator[BinaryIO]:
    """Like :func:`atomic_text` for bytes (images)."""
    with _replacing(path) as (fd, _tmp), open(fd, "wb") as out:
        yield out


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` atomically; returns ``path``.

    Raises:
        ExportError: the file cannot be written.
    """
    with atomic_text(path, newline="") as out:
        out.write(text)
    return path


__all__ = ["atomic_binary", "atomic_text", "check_writable", "write_text_atomic"]
