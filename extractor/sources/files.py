"""Read one source (file path, ``-`` for stdin, or URL) into a ``RawInput``.

The kind (``html`` or ``text``) is decided by content, not by file extension, and every way a
source can be unusable (missing, a directory, empty, binary, too large, garbage) is turned into
one :class:`~extractor.errors.InputError` with a clear message. Files are read with a byte cap
whatever their size claims, and named pipes, devices and sockets are refused (``-`` reads stdin).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..settings import Settings, get_settings


@dataclass(frozen=True, slots=True)
class RawInput:
    """A source as read, before cleaning.

    Attributes:
        source: the path, URL or ``-`` as the user gave it.
        content: the decoded text.
        kind: ``html`` or ``text``.
        url: the final URL for fetched pages, else ``None``.
    """

    source: str
    content: str
    kind: str
    url: str | None = None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.I)
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_TAG = re.compile(
    r"</?(?:html|head|body|div|p|span|a|meta|script|section|article|h[1-6]|br|li|ul|table|td|tr|img|link|title)\b[^>]*>",
    re.I,
)


def is_url(source: str) -> bool:
    """True for ``http://`` and ``https://`` sources."""
    return source.lower().startswith(("http://", "https://"))


def detect_kind(content: str) -> str:
    """Return ``html`` when the text is markup (by doctype/root tags or tag density), else ``text``.

    Args:
        content: decoded page content.
    """
    head = content[:4096]
    if _HTML_START.search(head):
        return "html"
    sample = content[:200_000]
    tags = len(_TAG.findall(sample))
    if tags >= 3 and tags * 40 >= len(sample.split()):
        return "html"
    return "text"


def _sniff_charset(data: bytes) -> str | None:
    """The charset a document declares for itself (BOM, ``<meta charset>``, XML declaration)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match:
        name = match.group(1).decode("ascii", "ignore")
        try:
            return codecs.lookup(name).name
        except LookupError:
            return None
    return None


def decode_bytes(data: bytes, *, declared: str | None = None, source: str = "") -> str:
    """Decode bytes sensibly: BOM, declared or meta charset, UTF-8, then cp1252.

    Args:
        data: raw bytes.
        declared: a charset from outside the document (an HTTP header), tried after the BOM.
        source: for error messages.

    Raises:
        InputError: when the bytes look binary (NUL bytes in a non-UTF-16/32 stream).
    """
    charset = _sniff_charset(data)
    if charset is None and b"\x00" in data[:8192]:
        raise InputError("binary content (NUL bytes), not text or HTML", source=source)
    candidates = [c for c in (charset, declared, "utf-8") if c]
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    # Not valid UTF-8: a legacy Windows file, or UTF-8 with stray legacy bytes pasted in. Read
    # what is valid UTF-8 as UTF-8 and each byte that is not as cp1252, so neither is mangled.
    return data.decode("utf-8", errors=_LEGACY_BYTES)


def _legacy_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes UTF-8 cannot decode, read as cp1252 (5 undefined: U+FFFD)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


_LEGACY_BYTES = "evidence-utf8-or-cp1252"
codecs.register_error(_LEGACY_BYTES, _legacy_bytes)


def check_text(content: str, *, source: str = "") -> None:
    """Reject content that is empty, binary-looking or has no words.

    Raises:
        InputError: with one clear reason.
    """
    if not content.strip():
        raise InputError("empty input (nothing but whitespace)", source=source)
    sample = content[:100_000]
    if "\x00" in sample:
        raise InputError("binary content (NUL bytes), not text or HTML", source=source)
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    if bad > max(8, len(sample) // 10):
        raise InputError("binary content (mostly non-printable), not text or HTML", source=source)
    if not re.search(r"[^\W\d_]{2,}", sample):
        raise InputError("no readable words in the input", source=source)


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
        from .fetch import fetch_url

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
