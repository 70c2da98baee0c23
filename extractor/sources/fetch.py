"""Fetch a page over HTTP(S) with retries, backoff and ``Retry-After`` honoured.

Every failure (network error, timeout, final HTTP error status) becomes one
:class:`~extractor.errors.FetchError` with a one-line message such as ``HTTP 404 Not Found``.
"""

from __future__ import annotations

import sys

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from ..errors import FetchError, InputError
from ..settings import Settings, get_settings
from .raw import RawInput, check_text, decode_bytes, detect_kind

#: Longest ``Retry-After`` we wait, whatever a server asks (keeps the CLI responsive); the same
#: cap as for PubMed E-utilities. Every wait of a second or more is announced on stderr.
MAX_RETRY_AFTER = 30.0
#: Statuses retried (after ``Retry-After`` or a backoff), here and for PubMed E-utilities.
RETRY_STATUSES = (429, 500, 502, 503, 504)


class CappedRetry(Retry):
    """``Retry`` that honours ``Retry-After`` but never sleeps longer than ``MAX_RETRY_AFTER``."""

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        wait = min(float(value), MAX_RETRY_AFTER)
        if wait >= 1:
            asked = response.headers.get("Retry-After", "")
            more = f"; the server asked for {asked}, more than we wait" if value > wait else ""
            sys.stderr.write(f"HTTP {response.status}: waiting {wait:g} s before retrying{more}\n")
        return wait


def make_session(settings: Settings | None = None) -> requests.Session:
    """Build a ``requests.Session`` with retries on 429/5xx and the configured User-Agent.

    Args:
        settings: runtime settings (``retries``, ``backoff``, ``user_agent``).
    """
    settings = settings or get_settings()
    retry = CappedRetry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    session.headers["Accept"] = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"
    return session


def _kind(content_type: str, content: str) -> str:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in {"text/html", "application/xhtml+xml"}:
        return "html"
    if ctype == "text/plain":
        return detect_kind(content) if content.lstrip().startswith("<") else "text"
    return detect_kind(content)


def fetch_url(
    url: str,
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
) -> RawInput:
    """GET ``url`` and return its decoded content.

    Args:
        url: an ``http(s)`` URL.
        settings: runtime settings (timeout, retries, backoff, user agent, max_bytes).
        session: a session to reuse; one is made with :func:`make_session` otherwise.

    Returns:
        A :class:`RawInput` whose ``url`` is the final URL after redirects.

    Raises:
        FetchError: connection failure, timeout, too many redirects or an HTTP error status.
        InputError: the body is empty, binary or larger than ``settings.max_bytes``.
    """
    settings = settings or get_settings()
    own = session is None
    sess = session or make_session(settings)
    try:
        response = sess.get(url, timeout=settings.timeout, stream=True)
        try:
            if response.status_code >= 400:
                reason = response.reason or ""
                raise FetchError(f"HTTP {response.status_code} {reason}".strip(), source=url)
            buffer = bytearray()
            for chunk in response.iter_content(65536):
                buffer += chunk
                if len(buffer) > settings.max_bytes:
                    raise InputError(
                        f"response is larger than {settings.max_bytes} bytes", source=url
                    )
            data = bytes(buffer)
        finally:
            response.close()
    except requests.exceptions.Timeout as exc:
        raise FetchError(f"timed out after {settings.timeout:g}s", source=url) from exc
    except requests.exceptions.TooManyRedirects as exc:
        raise FetchError("too many redirects", source=url) from exc
    except requests.exceptions.RetryError as exc:
        raise FetchError(f"gave up after {settings.retries} retries", source=url) from exc
    except requests.exceptions.ConnectionError as exc:
        raise FetchError("could not connect", source=url) from exc
    except requests.exceptions.InvalidURL as exc:
        raise FetchError("invalid URL", source=url) from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"request failed: {type(exc).__name__}", source=url) from exc
    finally:
        if own:
            sess.close()
    declared = response.encoding if "charset" in response.headers.get("content-type", "") else None
    content = decode_bytes(data, declared=declared, source=url)
    check_text(content, source=url)
    kind = _kind(response.headers.get("content-type", ""), content)
    return RawInput(source=url, content=content, kind=kind, url=response.url or url)


__all__ = ["MAX_RETRY_AFTER", "RETRY_STATUSES", "CappedRetry", "fetch_url", "make_session"]
