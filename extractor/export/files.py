"""Writing export files safely: a temp file in the same folder, then ``os.replace``.

A failed or interrupted export never leaves a half-written file behind and never clobbers
the previous export: the new content appears only once it is complete.

What the path *is* stays what it is:

* ``-`` is standard output.
* A character device (``/dev/null``, a terminal) or a FIFO is opened and written directly;
  it is never replaced by a regular file.
* A symbolic link is followed: the regular file it points to (through any chain of links)
  is replaced atomically, and the link itself stays a link. A dangling link creates its
  target. A link that resolves to a device or FIFO is written through like one, and so is
  one that goes through ``/proc`` (``/dev/stdout``, ``/dev/fd/N``: an open descriptor, which
  may be appending to a log that replacing or truncating would lose). Writing through opens
  for appending and never truncates.
* An existing regular file keeps its permission bits.
* A directory, a block device or a socket is refused with an :class:`ExportError`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, cast

from ..errors import ExportError

STDOUT = "-"
_MAX_LINKS = 40  # as Linux's own limit on a chain of symbolic links


def is_stdout(path: Path | str) -> bool:
    """True for ``-``, which every writer here takes to mean standard output."""
    return str(path) == STDOUT


@dataclass(frozen=True)
class _Target:
    """Where a write to ``path`` goes and how."""

    how: Literal["stdout", "through", "replace"]
    path: Path  # the file to open ("through") or to replace ("replace")
    mode: int | None = None  # permission bits of the regular file being replaced


def _cannot(path: Path, exc: OSError, what: str = "cannot write") -> ExportError:
    return ExportError(f"{what}: {exc.strerror or exc}", source=str(path))


def _follow(path: Path) -> Path | None:
    """Where a chain of symbolic links from ``path`` ends (``path`` itself when it is not a
    link), or None when the chain goes through ``/proc``: ``/dev/stdout`` or ``/dev/fd/3``
    name an open file descriptor, which is written through, never replaced."""
    current = path
    for _ in range(_MAX_LINKS):
        if os.path.realpath(os.path.dirname(os.path.abspath(current))).startswith("/proc/"):
            return None
        if not os.path.islink(current):
            return current
        current = Path(os.path.dirname(current), os.readlink(current))
    raise ExportError("too many levels of symbolic links", source=str(path))


def _target(path: Path) -> _Target:
    """Classify ``path`` (see the module docstring); raise ExportError when it is refused."""
    if is_stdout(path):
        return _Target("stdout", path)
    try:
        info: os.stat_result | None = os.stat(path)  # follows links
    except FileNotFoundError:
        info = None  # a new file, or a dangling link
    except OSError as exc:  # a loop of links, a parent that is a file, no permission
        raise _cannot(path, exc) from exc
    if info is not None:
        kind = info.st_mode
        if stat.S_ISDIR(kind):
            raise ExportError("is a directory, not a file", source=str(path))
        if stat.S_ISCHR(kind) or stat.S_ISFIFO(kind):
            return _Target("through", path)
        if stat.S_ISBLK(kind):
            raise ExportError("is a block device; refusing to write to it", source=str(path))
        if not stat.S_ISREG(kind):
            raise ExportError("is not a regular file, FIFO or device", source=str(path))
    replace = _follow(path)
    if replace is None:
        return _Target("through", path)
    if not replace.parent.is_dir():
        raise ExportError(f"folder {str(replace.parent)!r} does not exist", source=str(path))
    return _Target("replace", replace, None if info is None else stat.S_IMODE(info.st_mode))


def check_writable(path: Path) -> None:
    """Fail early, with one clear line, when ``path`` cannot be written (see the module
    docstring for what each kind of path does).

    Raises:
        ExportError: the folder is missing or ``path`` is a directory, block device or socket.
    """
    _target(path)


@contextmanager
def _writing(path: Path, *, binary: bool, newline: str | None = None) -> Iterator[IO[Any]]:
    """Yield a stream for ``path``; a regular file appears only once the block succeeds."""
    target = _target(path)
    if target.how == "stdout":
        stream: IO[Any] = sys.stdout
        if binary:
            stream.flush()
            stream = sys.stdout.buffer
        yield stream
        stream.flush()
        return
    mode, encoding = ("wb", None) if binary else ("w", "utf-8")
    if target.how == "through":
        try:
            # append, never truncate: a device or FIFO has nothing to truncate, and a
            # descriptor's file (``>> log``) keeps what it held
            through = mode.replace("w", "a")
            with open(target.path, through, encoding=encoding, newline=newline) as out:
                yield out
        except OSError as exc:
            raise _cannot(path, exc) from exc
        return
    final = target.path
    tmp = str(final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp"))
    try:
        # os.open with 0o666 (not mkstemp's 0o600) so the export gets the umask's usual mode.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _cannot(path, exc, "cannot write here") from exc
    try:
        if target.mode is not None:
            os.fchmod(fd, target.mode)  # a replaced file keeps its permissions
        with open(fd, mode, encoding=encoding, newline=newline) as out:
            yield out
        os.replace(tmp, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot(path, exc) from exc
        raise


@contextmanager
def atomic_text(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """``with atomic_text(path) as out:`` — UTF-8 text, in place only once complete.

    ``-`` writes to standard output; a device or FIFO is written directly and a symbolic
    link is followed (its target replaced, the link kept): see the module docstring.

    Args:
        path: the file to (re)write.
        newline: passed to ``open`` (``""`` for the csv module).

    Raises:
        ExportError: the file cannot be written (missing folder, permissions, disk full, a
            directory or block device in the way).
    """
    with _writing(path, binary=False, newline=newline) as out:
        yield cast(TextIO, out)


@contextmanager
def atomic_binary(path: Path) -> Iterator[BinaryIO]:
    """Like :func:`atomic_text` for bytes (images)."""
    with _writing(path, binary=True) as out:
        yield cast(BinaryIO, out)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` atomically; returns ``path``.

    Raises:
        ExportError: the file cannot be written.
    """
    with atomic_text(path, newline="") as out:
        out.write(text)
    return path


__all__ = [
    "STDOUT",
    "atomic_binary",
    "atomic_text",
    "check_writable",
    "is_stdout",
    "write_text_atomic",
]
