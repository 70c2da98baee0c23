"""Content-level helpers for raw input, shared by ``files`` and ``fetch`` (a leaf module).

:class:`RawInput` (a source as read: the cleaner's input, defined in ``extractor.clean.input``),
decoding bytes with the right charset, rejecting content that is not text, and telling HTML
from plain text. It imports nothing else of ``sources``, so both the file reader and the HTTP
fetcher can use it without importing each other.
"""

from __future__ import annotations

import codecs
import re

from ..clean.input import RawInput
from ..errors import InputError

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


__all__ = ["RawInput", "check_text", "decode_bytes", "detect_kind", "is_url"]
