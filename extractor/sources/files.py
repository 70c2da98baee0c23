"""Read one source (file path, ``-`` for stdin, or URL) into a ``RawInput``.

The kind (``html`` or ``text``) is decided by content, not by file extension, and every way a
source can be unusable (missing, a directory, empty, binary, too large, garbage) is turned into
one :class:`~extractor.errors.InputError` with a clear message. Files are read with a byte cap
whatever their size claims, and named pipes, devices and sockets are refused (``-`` reads stdin).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..settings import Settings, get_settings
from .fetch import fetch_url
from .raw import RawInput, check_text, decode_bytes, detect_kind, is_url


def _read_stream(stream: IO[Any], source: str, max_bytes: int) -> str:
    data = stream.read(max_bytes + 1)
    if isinstance(data, str):
        if len(data.encode("utf-8", "replace")) > max_bytes:
            raise InputError(f"input is larger than {max_bytes} bytes", source=source)
        return data
    if len(data) > max_bytes:
        raise InputError(f"input is larger than {max_bytes} bytes", source=source)
    return decode_bytes(data, source=source)


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int, source: str) -> InputError:
    what = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
    return InputError(
        f"not a regular file ({what}); save it to a file, or pipe it in and give '-'",
        source=source,
    )


def read_file_capped(path: Path, max_bytes: int, *, source: str = "") -> bytes:
    """Read a regular file, refusing anything else and anything over ``max_bytes``.

    Named pipes, devices and sockets are refused before they are read (``/dev/zero`` never
    ends, a pipe without a writer blocks forever), and at most ``max_bytes + 1`` bytes are
    read whatever ``st_size`` says (it is 0 for ``/proc`` files).

    Args:
        path: the file.
        max_bytes: the largest size accepted.
        source: the name used in error messages (defaults to ``path``).

    Raises:
        InputError: missing, a directory, not a regular file, unreadable or too large.
    """
    source = source or str(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise InputError("no such file", source=source) from exc
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source=source) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a file", source=source)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(info.st_mode, source)
    if info.st_size > max_bytes:
        raise InputError(
            f"file is {info.st_size} bytes, larger than the limit of {max_bytes}", source=source
        )
    try:
        # O_NONBLOCK: should the path have become a pipe since stat(), open() must not wait.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_regular(mode, source)
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source=source) from exc
    if len(data) > max_bytes:
        raise InputError(f"file is larger than the limit of {max_bytes} bytes", source=source)
    return data


def read_source(
    source: str,
    *,
    settings: Settings | None = None,
    stdin: IO[Any] | None = None,
) -> RawInput:
    """Read a URL, ``-`` (stdin) or file path into a :class:`RawInput`.

    Args:
        source: an ``http(s)`` URL, ``-`` for standard input, or a file path.
        settings: runtime settings (``max_bytes``, network options); defaults to the environment.
        stdin: the stream read for ``-`` (text or bytes); defaults to ``sys.stdin``.

    Returns:
        The decoded content and its kind (``html`` or ``text``), decided by content.

    Raises:
        InputError: missing file, a directory, not a regular file (pipe, device, socket),
            empty, binary, too large or garbage input.
        FetchError: a URL could not be fetched.
    """
    settings = settings or get_settings()
    if is_url(source):
        return fetch_url(source, settings=settings)
    if source == "-":
        stream: IO[Any] = stdin if stdin is not None else sys.stdin
        buffer = getattr(stream, "buffer", None)
        content = _read_stream(buffer if buffer is not None else stream, "-", settings.max_bytes)
    else:
        data = read_file_capped(Path(source).expanduser(), settings.max_bytes, source=source)
        content = decode_bytes(data, source=source)
    check_text(content, source=source)
    return RawInput(source=source, content=content, kind=detect_kind(content))


__all__ = [
    "RawInput",
    "check_text",
    "decode_bytes",
    "detect_kind",
    "is_url",
    "read_file_capped",
    "read_source",
]
