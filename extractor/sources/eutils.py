"""A small NCBI E-utilities client: ``esearch`` for PMIDs, ``efetch`` for PubMed XML.

It keeps to NCBI's usage rules: at most 3 requests a second without an API key and 10 with
one, ``tool``/``email``/``api_key`` sent with every request, and ``efetch`` in batches of at
most 200 ids. Replies are cached on disk with requests-cache, so a re-run makes no network
requests; the rate limit counts only real network requests, never cache hits.

Failures (429, 5xx, timeouts, connection errors, truncated or unparseable bodies) are retried
with exponential backoff, honouring ``Retry-After`` up to 30 s (a wait of a second or more is
announced on stderr); after the last try a single :class:`~extractor.errors.FetchError` with a
one-line message is raised. Replies are read up to 64 MiB: a larger one is refused at once.

Example::

    client = EutilsClient()
    pmids = client.esearch("ivig[ti] AND lupus", retmax=50)
    for document in client.fetch_documents(pmids):
        print(document.pmid, document.title)
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as SafeET
import requests
from defusedxml import DefusedXmlException
from requests.adapters import HTTPAdapter

from ..errors import FetchError
from ..settings import Settings, get_settings
from .fetch import MAX_RETRY_AFTER, RETRY_STATUSES  # one cap and one retry list for all HTTP

if TYPE_CHECKING:
    from ..records import Document

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CACHE_DIR = Path("output") / "http-cache"
TOOL = "evidence-extractor"
#: NCBI's limits: requests per second without and with an API key.
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0
#: NCBI asks for at most 200 ids per efetch request.
EFETCH_MAX_IDS = 200
#: PubMed's esearch refuses ``retstart`` beyond 9,999, with or without the history server.
ESEARCH_MAX_RESULTS = 10_000
#: Largest reply read (after decompression); 200 PubMed records are a few MB.
MAX_REPLY_BYTES = 64 * 1024 * 1024
#: Waits at least this long are announced (``notify``), so a slow run is never silent.
NOTIFY_WAIT = 1.0
#: Longest exponential backoff between two tries.
MAX_BACKOFF = 30.0


@dataclass(frozen=True, slots=True)
class EutilsConfig:
    """Where and as whom to talk to E-utilities.

    Attributes:
        base_url: E-utilities root (``EVIDENCE_EUTILS_URL``), ending in ``/``.
        api_key: NCBI API key (``NCBI_API_KEY``); raises the rate limit from 3 to 10/s.
        email: contact address sent to NCBI (``EVIDENCE_EMAIL`` or ``NCBI_EMAIL``).
        tool: tool name sent to NCBI.
        cache_dir: on-disk HTTP cache directory (``EVIDENCE_CACHE_DIR``).
    """

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    email: str | None = None
    tool: str = TOOL
    cache_dir: Path = field(default_factory=lambda: DEFAULT_CACHE_DIR)

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @classmethod
    def from_env(
        cls,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        tool: str | None = None,
        cache_dir: str | Path | None = None,
    ) -> EutilsConfig:
        """Read the configuration from the environment; arguments given here win.

        Args:
            base_url: overrides ``EVIDENCE_EUTILS_URL``.
            api_key: overrides ``NCBI_API_KEY``.
            email: overrides ``EVIDENCE_EMAIL`` / ``NCBI_EMAIL``.
            tool: overrides the default tool name.
            cache_dir: overrides ``EVIDENCE_CACHE_DIR``.
        """
        env = os.environ
        return cls(
            base_url=base_url or env.get("EVIDENCE_EUTILS_URL") or DEFAULT_BASE_URL,
            api_key=api_key or env.get("NCBI_API_KEY") or None,
            email=email or env.get("EVIDENCE_EMAIL") or env.get("NCBI_EMAIL") or None,
            tool=tool or TOOL,
            cache_dir=Path(cache_dir or env.get("EVIDENCE_CACHE_DIR") or DEFAULT_CACHE_DIR),
        )

    @property
    def rate(self) -> float:
        """Requests per second NCBI allows with this configuration."""
        return RATE_WITH_KEY if self.api_key else RATE_WITHOUT_KEY

    def params(self) -> dict[str, str]:
        """The identification parameters sent with every request."""
        params = {"tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        return params


class RateLimiter:
    """Space calls at least ``1 / rate`` seconds apart; safe to share between threads.

    Each caller reserves the next free slot under a lock and sleeps outside it, so any
    ``n + 1`` consecutive calls span at least ``n / rate`` seconds.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def wait(self) -> None:
        """Block until this caller may make its request."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


class _ReplyTooLarge(Exception):
    """A reply was larger than the client's byte cap (not worth another try)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"reply larger than {limit} bytes")
        self.limit = limit


def _read_capped(response: requests.Response, limit: int) -> None:
    """Read ``response``'s body into ``response.content``, refusing more than ``limit`` bytes.

    Done in the transport adapter, below requests-cache: the cache reads a reply whole before
    handing it on, so a cap applied after ``session.get`` would come too late.

    Raises:
        _ReplyTooLarge: ``Content-Length`` or the body read so far is over ``limit``.
    """
    try:
        declared = int(response.headers.get("Content-Length", ""))
    except ValueError:
        declared = None
    chunks: list[bytes] = []
    size = 0
    try:
        if declared is not None and declared > limit:
            raise _ReplyTooLarge(limit)
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > limit:
                raise _ReplyTooLarge(limit)
            chunks.append(chunk)
    except _ReplyTooLarge:
        response.close()
        raise
    response._content = b"".join(chunks)


class _RateLimitedAdapter(HTTPAdapter):
    """Transport adapter that waits on a limiter before each real network request, and reads
    each reply with a byte cap.

    requests-cache answers hits before the adapter is reached, so hits are never throttled.
    """

    def __init__(self, limiter: RateLimiter, max_bytes: int = MAX_REPLY_BYTES) -> None:
        super().__init__(max_retries=0)  # retries are ours: they also cover bad bodies
        self.limiter = limiter
        self.max_bytes = max_bytes

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.limiter.wait()
        response = super().send(request, *args, **kwargs)
        _read_capped(response, self.max_bytes)
        return response


def _stderr_line(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Retryable(Exception):
    """One try failed in a way worth another try."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _parse_xml(content: bytes) -> ET.Element:
    """Parse a reply safely; a reply that is not well-formed XML is worth retrying."""
    try:
        return SafeET.fromstring(content)
    except ET.ParseError as exc:
        raise _Retryable(f"incomplete or malformed XML ({exc})") from exc


def _error_text(root: ET.Element) -> str | None:
    """The text of an E-utilities ``<ERROR>`` element, if the reply carries one."""
    error = root if root.tag == "ERROR" else root.find("ERROR")
    if error is None:
        return None
    return " ".join((error.text or "").split()) or "unspecified error"


class EutilsClient:
    """Search PubMed and fetch PubMed XML through NCBI E-utilities.

    Args:
        config: where and as whom to talk; :meth:`EutilsConfig.from_env` when omitted.
        settings: user agent, timeout, retries and backoff; ``Settings.from_env()`` otherwise.
        base_url, api_key, email, cache_dir: override the matching ``config`` fields.
        cache: keep an on-disk HTTP cache in ``config.cache_dir`` (``False`` for none).
        expire_after: cache lifetime (seconds or timedelta); ``None`` keeps replies forever.
        timeout: seconds per request; overrides ``settings.timeout``.
        retries: retries after the first try; overrides ``settings.retries``.
        backoff: backoff factor in seconds (waits ``backoff * 2**n``); overrides the settings.
        max_retry_after: longest ``Retry-After`` honoured, seconds (a longer ask is cut to it).
        max_reply_bytes: largest reply read; a larger one raises ``FetchError`` at once.
        limiter: a shared :class:`RateLimiter`; one at ``config.rate`` is made otherwise.
        notify: called with one line before each wait of a second or more (what failed, how
            long the wait is, what the server asked for); prints to stderr by default.
    """

    def __init__(
        self,
        config: EutilsConfig | None = None,
        *,
        settings: Settings | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        cache_dir: str | Path | None = None,
        cache: bool = True,
        expire_after: float | timedelta | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        limiter: RateLimiter | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        config = config or EutilsConfig.from_env()
        config = replace(
            config,
            base_url=base_url or config.base_url,
            api_key=api_key or config.api_key,
            email=email or config.email,
            cache_dir=Path(cache_dir) if cache_dir is not None else config.cache_dir,
        )
        settings = settings or get_settings()
        self.config = config
        self.timeout = settings.timeout if timeout is None else timeout
        self.retries = max(0, settings.retries if retries is None else retries)
        self.backoff = settings.backoff if backoff is None else backoff
        self.max_retry_after = max_retry_after
        self.max_reply_bytes = max_reply_bytes
        self.limiter = limiter or RateLimiter(config.rate)
        self.notify = notify or _stderr_line
        self._sleep: Callable[[float], None] = time.sleep
        self.session = self._make_session(settings.user_agent, cache, expire_after)

    def _make_session(
        self, user_agent: str, cache: bool, expire_after: float | timedelta | None
    ) -> requests.Session:
        session: requests.Session
        if cache:
            from requests_cache import CachedSession

            self.config.cache_dir.mkdir(parents=True, exist_ok=True)
            session = CachedSession(
                cache_name=str(self.config.cache_dir / "eutils.sqlite"),
                backend="sqlite",
                expire_after=-1 if expire_after is None else expire_after,
                allowable_codes=(200,),
                allowable_methods=("GET", "POST"),
                # Who asks does not change the answer: keep keys out of the cache key and
                # (for api_key) out of the stored response.
                ignored_parameters=("api_key", "tool", "email"),
            )
        else:
            session = requests.Session()
        adapter = _RateLimitedAdapter(self.limiter, self.max_reply_bytes)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = user_agent
        session.headers["Accept"] = "application/xml, text/xml;q=0.9, */*;q=0.5"
        return session

    def close(self) -> None:
        """Close the HTTP session (and the cache database)."""
        self.session.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------

    def _forget(self, response: requests.Response) -> None:
        """Drop a reply we rejected from the cache, so the next try really asks again."""
        key = getattr(response, "cache_key", None)
        cache = getattr(self.session, "cache", None)
        if key and cache is not None:
            cache.delete(key)

    def _try_once(
        self, url: str, params: Mapping[str, str], label: str
    ) -> tuple[ET.Element, bytes]:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except _ReplyTooLarge as exc:  # the same question gets the same answer: no retry
            raise FetchError(f"{label} failed: {exc}, the limit", source=url) from None
        except requests.Timeout as exc:
            raise _Retryable(f"timed out after {self.timeout:g} s") from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            # urllib3 reports a body shorter than its Content-Length this way
            raise _Retryable("reply truncated (connection closed mid-body)") from exc
        except requests.ConnectionError as exc:
            raise _Retryable(f"connection error ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            # the exception text can hold the full URL, api_key included: name only the type
            raise FetchError(f"{label} failed: {type(exc).__name__}", source=url) from exc
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retryable(
                f"HTTP {status} {response.reason}",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise FetchError(f"{label} failed: HTTP {status} {response.reason}", source=url)
        try:
            root = _parse_xml(response.content)
        except _Retryable:
            self._forget(response)
            raise
        except DefusedXmlException as exc:
            self._forget(response)
            raise FetchError(f"{label} failed: unsafe XML refused ({exc})") from exc
        return root, response.content

    def _request(self, endpoint: str, params: Mapping[str, str | int]) -> tuple[ET.Element, bytes]:
        """GET ``endpoint`` with retries; return the parsed root and the raw body."""
        url = self.config.base_url + endpoint
        query = {k: str(v) for k, v in params.items()}
        query.update(self.config.params())
        label = endpoint.removesuffix(".fcgi")
        attempts = self.retries + 1
        for attempt in range(attempts):
            try:
                return self._try_once(url, query, label)
            except _Retryable as exc:
                if attempt + 1 >= attempts:
                    raise FetchError(
                        f"{label} failed after {attempts} tries: {exc}", source=url
                    ) from exc
                delay = min(self.backoff * 2**attempt, MAX_BACKOFF)
                asked = ""
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self.max_retry_after))
                    if exc.retry_after > delay:
                        asked = f"; the server asked for {exc.retry_after:g} s, more than we wait"
                if delay >= NOTIFY_WAIT:
                    self.notify(
                        f"{label}: {exc}; waiting {delay:g} s before try {attempt + 2} of "
                        f"{attempts}{asked}"
                    )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- E-utilities ------------------------------------------------------------------------

    def esearch(self, term: str, *, retmax: int | None = None, batch: int = 10_000) -> list[str]:
        """Search PubMed and return the matching PMIDs, in PubMed's order.

        Pages through the results with ``retstart`` in pages of ``batch`` ids.

        Args:
            term: a PubMed query (``"ivig[ti] AND lupus"``).
            retmax: most PMIDs wanted; all of them (PubMed's cap: 10,000) when ``None``.
            batch: ids per request, 1 to 10,000.

        Raises:
            FetchError: the search failed, or E-utilities answered with an ``ERROR``.
        """
        batch = max(1, min(batch, ESEARCH_MAX_RESULTS))
        wanted = ESEARCH_MAX_RESULTS if retmax is None else min(retmax, ESEARCH_MAX_RESULTS)
        pmids: list[str] = []
        seen: set[str] = set()
        retstart = 0
        while retstart < wanted:
            page = min(batch, wanted - retstart)
            params: dict[str, str | int] = {
                "db": "pubmed",
                "term": term,
                "retstart": retstart,
                "retmax": page,
            }
            root, _ = self._request("esearch.fcgi", params)
            if root.tag != "eSearchResult":
                raise FetchError(f"esearch returned <{root.tag}>, not <eSearchResult>", source=term)
            error = _error_text(root)
            if error is not None:
                raise FetchError(f"esearch error: {error}", source=term)
            ids = [(el.text or "").strip() for el in root.iterfind("IdList/Id")]
            for pmid in ids:
                if pmid and pmid not in seen:
                    seen.add(pmid)
                    pmids.append(pmid)
            count = int(root.findtext("Count") or 0)
            wanted = min(wanted, count)
            if not ids:
                break
            retstart += len(ids)
        return pmids[:wanted] if retmax is not None else pmids

    def efetch(self, pmids: Sequence[str], *, batch_size: int = EFETCH_MAX_IDS) -> Iterator[bytes]:
        """Fetch PubMed XML for ``pmids``, one ``PubmedArticleSet`` body per batch.

        Args:
            pmids: PubMed ids; duplicates are fetched once.
            batch_size: ids per request, at most 200 (NCBI's limit).

        Yields:
            Each batch's raw XML bytes, in the order of ``pmids``.

        Raises:
            FetchError: a batch could not be fetched, or E-utilities answered with an ``ERROR``.
        """
        batch_size = max(1, min(batch_size, EFETCH_MAX_IDS))
        ids = list(dict.fromkeys(str(p).strip() for p in pmids if str(p).strip()))
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            params = {"db": "pubmed", "id": ",".join(chunk), "retmode": "xml"}
            root, content = self._request("efetch.fcgi", params)
            error = _error_text(root)
            if error is not None:
                raise FetchError(f"efetch error: {error}", source=f"pmids {chunk[0]}…")
            yield content

    def fetch_documents(self, pmids: Sequence[str]) -> Iterator[Document]:
        """Fetch ``pmids`` and parse them into Documents with ``parse_pubmed_xml``.

        Raises:
            FetchError: see :meth:`efetch`.
            ParseError: a fetched batch is not valid PubMed XML.
        """
        from .pubmed_xml import parse_pubmed_xml  # type: ignore[import-not-found,unused-ignore]

        for i, data in enumerate(self.efetch(pmids)):
            yield from parse_pubmed_xml(io.BytesIO(data), source_label=f"pmid-batch-{i}")


__all__ = [
    "DEFAULT_BASE_URL",
    "EFETCH_MAX_IDS",
    "MAX_REPLY_BYTES",
    "MAX_RETRY_AFTER",
    "EutilsClient",
    "EutilsConfig",
    "RateLimiter",
]
