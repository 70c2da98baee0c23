"""The E-utilities client against a fake NCBI on 127.0.0.1 serving real E-utilities replies.

The fake serves ``esearch.fcgi`` from the real eSearchResult files in ``../shared/pubmed/xml``
(or a synthetic result set for paging tests) and ``efetch.fcgi`` from the real PubmedArticleSet
files there: one id known to a file gets that file verbatim, several get a PubmedArticleSet of
the requested articles it knows, in the requested order. Faults are queued per endpoint.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from serving import QuietHandler, serving_in_thread

from extractor.errors import FetchError
from extractor.settings import Settings
from extractor.sources.eutils import EutilsClient, EutilsConfig, RateLimiter

SETTINGS = Settings(user_agent="evidence-test/1.0", timeout=0.5, retries=3, backoff=0.01)
PREFIX = "/entrez/eutils/"
SET_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
ESEARCH_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
    b'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)


@dataclass
class Seen:
    """One request as the fake server received it."""

    at: float
    endpoint: str
    params: dict[str, str]
    user_agent: str


@dataclass
class FakeNcbi:
    """State of the fake E-utilities: corpus, scripted faults and the request log."""

    files: dict[str, bytes]  # pmid -> a real efetch file holding just that article
    articles: dict[str, bytes]  # pmid -> its <PubmedArticle> element
    esearch: dict[str, bytes]  # term -> a real eSearchResult body
    synthetic_ids: list[str] | None = None  # serve these for every esearch, paged
    faults: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def log(self, endpoint: str) -> list[Seen]:
        return [s for s in self.seen if s.endpoint == endpoint]


def _load_corpus(root: Path) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    articles: dict[str, bytes] = {}
    searches: dict[str, bytes] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted(root.rglob("*.xml")):
        data = path.read_bytes()
        try:
            tree = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            continue
        if tree.tag == "eSearchResult":
            searches[path.stem] = data
        elif tree.tag == "PubmedArticleSet":
            found = tree.findall("PubmedArticle")
            for article in found:
                pmid = article.findtext("MedlineCitation/PMID")
                if pmid and pmid not in articles:
                    articles[pmid] = etree.tostring(article)
                    if len(found) == 1:
                        files[pmid] = data
    return files, articles, searches


class Handler(QuietHandler):
    server: _Server
    content_type = "text/xml; charset=UTF-8"

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        endpoint = parts.path.rsplit("/", 1)[-1]
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with fake.lock:
            fake.seen.append(
                Seen(time.monotonic(), endpoint, params, self.headers.get("User-Agent", ""))
            )
            queue = fake.faults.get(endpoint, [])
            fault, arg = queue.pop(0) if queue else ("", "")
        if fault == "status":
            self._send(int(arg), b"<html>busy</html>", {"Retry-After": "1"} if arg == "429" else {})
            return
        if fault == "retry-after":
            self._send(429, b'{"error":"API rate limit exceeded"}', {"Retry-After": arg})
            return
        if fault == "slow":
            time.sleep(float(arg))
        body = self._answer(endpoint, params) if parts.path == PREFIX + endpoint else None
        if body is None:
            self._send(404, b"<html>not found</html>")
        elif fault == "truncated":  # Content-Length says more than we send
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
        elif fault == "cut-xml":  # a consistent length, but the XML stops half-way
            self._send(200, body[: len(body) // 2])
        else:
            # after a slow fault the client has given up and closed the connection
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(200, body)

    def _answer(self, endpoint: str, params: dict[str, str]) -> bytes | None:
        fake = self.server.fake
        if endpoint == "esearch.fcgi":
            term = params.get("term", "")
            if not term:
                return ESEARCH_HEAD + (
                    b"<eSearchResult><ERROR>Empty term and query_key - nothing todo</ERROR>"
                    b"</eSearchResult>"
                )
            if fake.synthetic_ids is not None:
                start = int(params.get("retstart", 0))
                size = int(params.get("retmax", 20))
                ids = fake.synthetic_ids[start : start + size]
                return (
                    ESEARCH_HEAD
                    + (
                        f"<eSearchResult><Count>{len(fake.synthetic_ids)}</Count>"
                        f"<RetMax>{len(ids)}</RetMax><RetStart>{start}</RetStart><IdList>"
                        + "".join(f"<Id>{i}</Id>" for i in ids)
                        + "</IdList></eSearchResult>"
                    ).encode()
                )
            return fake.esearch.get(term)
        if endpoint == "efetch.fcgi":
            ids = [i for i in params.get("id", "").split(",") if i]
            if len(ids) == 1 and ids[0] in fake.files:
                return fake.files[ids[0]]
            parts = [fake.articles[i] + b"\n" for i in ids if i in fake.articles]
            return SET_HEAD + b"".join(parts) + b"</PubmedArticleSet>\n"
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeNcbi


@pytest.fixture(scope="module")
def corpus(shared_dir: Path) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    files, articles, searches = _load_corpus(shared_dir / "pubmed" / "xml")
    assert len(files) >= 5 and "esearch5" in searches
    return files, articles, searches


@pytest.fixture()
def ncbi(corpus: tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]) -> Iterator[FakeNcbi]:
    files, articles, searches = corpus
    fake = FakeNcbi(
        files=files,
        articles=articles,
        esearch={"stem cells": searches["esearch5"], "abcXYZ": searches["esearch8"]},
    )
    server = _Server(("127.0.0.1", 0), Handler)
    server.fake = fake
    with serving_in_thread(server) as base:
        fake.url = base + PREFIX
        yield fake


def make_client(fake: FakeNcbi, **kwargs: object) -> EutilsClient:
    """A client for the fake: no cache and no rate limit unless a test asks for them."""
    options: dict[str, object] = {"cache": False, "limiter": RateLimiter(1000)}
    options.update(kwargs)
    config = EutilsConfig(base_url=fake.url, email="dev@example.org")
    return EutilsClient(config, settings=SETTINGS, **options)  # type: ignore[arg-type]


def pmids_in(data: bytes) -> list[str]:
    root = etree.fromstring(data, etree.XMLParser(load_dtd=False, no_network=True))
    return [a.findtext("MedlineCitation/PMID") or "" for a in root.iter("PubmedArticle")]


def known(fake: FakeNcbi, n: int) -> list[str]:
    return sorted(fake.files)[:n]


# --- searching -------------------------------------------------------------------------------


def test_eutils_esearch_returns_pmids_in_order(ncbi: FakeNcbi) -> None:
    client = make_client(ncbi)
    assert client.esearch("stem cells") == ["6540636", "5830998", "4460425", "4466840", "3443459"]
    (seen,) = ncbi.log("esearch.fcgi")
    assert seen.params["db"] == "pubmed" and seen.params["term"] == "stem cells"


def test_eutils_esearch_no_hits_is_empty(ncbi: FakeNcbi) -> None:
    assert make_client(ncbi).esearch("abcXYZ") == []


def test_eutils_esearch_error_element_raises(ncbi: FakeNcbi) -> None:
    with pytest.raises(FetchError, match="Empty term"):
        make_client(ncbi).esearch("")


def test_eutils_esearch_pages_through_large_results(ncbi: FakeNcbi) -> None:
    ncbi.synthetic_ids = [str(30_000_000 + i) for i in range(25)]
    assert make_client(ncbi).esearch("big", batch=10) == ncbi.synthetic_ids
    pages = [(s.params["retstart"], s.params["retmax"]) for s in ncbi.log("esearch.fcgi")]
    assert pages == [("0", "10"), ("10", "10"), ("20", "5")]  # the last page asks for the rest


def test_eutils_esearch_stops_at_retmax(ncbi: FakeNcbi) -> None:
    ncbi.synthetic_ids = [str(30_000_000 + i) for i in range(25)]
    assert make_client(ncbi).esearch("big", retmax=15, batch=10) == ncbi.synthetic_ids[:15]
    pages = [(s.params["retstart"], s.params["retmax"]) for s in ncbi.log("esearch.fcgi")]
    assert pages == [("0", "10"), ("10", "5")]


# --- fetching --------------------------------------------------------------------------------


def test_eutils_efetch_single_id_gets_the_real_file(ncbi: FakeNcbi) -> None:
    pmid = known(ncbi, 1)[0]
    (data,) = make_client(ncbi).efetch([pmid])
    assert data == ncbi.files[pmid]
    (seen,) = ncbi.log("efetch.fcgi")
    assert seen.params["db"] == "pubmed" and seen.params["retmode"] == "xml"


def test_eutils_efetch_batches_of_at_most_200(ncbi: FakeNcbi) -> None:
    real = known(ncbi, 5)
    ids = real + [str(40_000_000 + i) for i in range(445)]
    batches = list(make_client(ncbi).efetch(ids))
    sizes = [len(s.params["id"].split(",")) for s in ncbi.log("efetch.fcgi")]
    assert sizes == [200, 200, 50]
    assert len(batches) == 3
    assert pmids_in(batches[0]) == real  # the articles the server knows, in the asked order


def test_eutils_efetch_batch_size_is_capped_at_200(ncbi: FakeNcbi) -> None:
    ids = [str(40_000_000 + i) for i in range(250)]
    list(make_client(ncbi).efetch(ids, batch_size=1000))
    assert len(ncbi.log("efetch.fcgi")) == 2


def test_eutils_efetch_drops_duplicate_ids(ncbi: FakeNcbi) -> None:
    a, b = known(ncbi, 2)
    (data,) = make_client(ncbi).efetch([a, b, a])
    assert pmids_in(data) == [a, b]


# --- identification and configuration --------------------------------------------------------


def test_eutils_sends_tool_email_api_key_and_user_agent(ncbi: FakeNcbi) -> None:
    client = make_client(ncbi, api_key="secret-key")
    client.esearch("stem cells")
    list(client.efetch(known(ncbi, 1)))
    for seen in ncbi.seen:
        assert seen.params["tool"] == "evidence-extractor"
        assert seen.params["email"] == "dev@example.org"
        assert seen.params["api_key"] == "secret-key"
        assert seen.user_agent == "evidence-test/1.0"


def test_eutils_base_url_from_environment(ncbi: FakeNcbi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_EUTILS_URL", ncbi.url.rstrip("/"))
    monkeypatch.setenv("NCBI_EMAIL", "env@example.org")
    client = EutilsClient(settings=SETTINGS, cache=False, limiter=RateLimiter(1000))
    assert client.esearch("stem cells")[0] == "6540636"
    assert ncbi.seen[0].params["email"] == "env@example.org"


def test_eutils_config_from_env_and_overrides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EVIDENCE_EUTILS_URL", "http://example.invalid/eutils")
    monkeypatch.setenv("NCBI_API_KEY", "k1")
    monkeypatch.setenv("EVIDENCE_EMAIL", "a@example.org")
    monkeypatch.setenv("NCBI_EMAIL", "b@example.org")
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "c"))
    config = EutilsConfig.from_env()
    assert config.base_url == "http://example.invalid/eutils/"
    assert (config.api_key, config.email, config.cache_dir) == (
        "k1",
        "a@example.org",
        tmp_path / "c",
    )
    assert config.rate == 10
    assert EutilsConfig.from_env(api_key="k2", email="c@example.org").params() == {
        "tool": "evidence-extractor",
        "email": "c@example.org",
        "api_key": "k2",
    }
    client = EutilsClient(settings=SETTINGS, cache=False, base_url="http://other.invalid/x/")
    assert client.config.base_url == "http://other.invalid/x/" and client.config.api_key == "k1"
    monkeypatch.delenv("NCBI_API_KEY")
    assert EutilsConfig.from_env().rate == 3


# --- rate limit ------------------------------------------------------------------------------


def _spans(times: list[float], window: int) -> list[float]:
    return [times[i + window - 1] - times[i] for i in range(len(times) - window + 1)]


def test_eutils_rate_limit_without_key_is_3_per_second(ncbi: FakeNcbi) -> None:
    client = make_client(ncbi, limiter=None)
    list(client.efetch([str(40_000_000 + i) for i in range(6)], batch_size=1))
    times = [s.at for s in ncbi.seen]
    assert len(times) == 6
    assert min(_spans(times, 4)) >= 0.95  # any 4 consecutive requests span about 1 s or more


def test_eutils_rate_limit_with_key_allows_10_per_second(ncbi: FakeNcbi) -> None:
    client = make_client(ncbi, limiter=None, api_key="k")
    list(client.efetch([str(40_000_000 + i) for i in range(11)], batch_size=1))
    times = [s.at for s in ncbi.seen]
    assert min(_spans(times, 11)) >= 0.95  # never more than 10 in any second ...
    assert times[-1] - times[0] < 2.0  # ... but far faster than 3 a second


def test_eutils_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(50)
    stamps: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        limiter.wait()
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert stamps[-1] - stamps[0] >= 9 / 50 - 0.01


# --- retries ---------------------------------------------------------------------------------


def test_eutils_retries_after_429_honouring_retry_after(ncbi: FakeNcbi) -> None:
    ncbi.faults["esearch.fcgi"] = [("retry-after", "1")]
    assert make_client(ncbi).esearch("stem cells")[0] == "6540636"
    first, second = ncbi.seen
    assert second.at - first.at >= 0.95


def test_eutils_retry_after_is_capped(ncbi: FakeNcbi) -> None:
    ncbi.faults["esearch.fcgi"] = [("retry-after", "3600")]
    started = time.monotonic()
    assert make_client(ncbi, max_retry_after=0.1).esearch("stem cells")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "faults",
    [
        [("status", "500"), ("status", "500")],
        [("status", "502"), ("status", "503"), ("status", "504")],
        [("truncated", "")],
        [("cut-xml", "")],
        [("slow", "1.0")],
    ],
    ids=["500-500", "502-503-504", "truncated", "cut-xml", "timeout"],
)
def test_eutils_retries_then_succeeds(ncbi: FakeNcbi, faults: list[tuple[str, str]]) -> None:
    ncbi.faults["efetch.fcgi"] = list(faults)
    pmid = known(ncbi, 1)[0]
    (data,) = make_client(ncbi).efetch([pmid])
    assert data == ncbi.files[pmid]
    assert len(ncbi.seen) == len(faults) + 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (("status", "500"), "HTTP 500"),
        (("truncated", ""), "reply truncated"),
        (("cut-xml", ""), "malformed XML"),
        (("slow", "0.7"), "timed out"),
    ],
    ids=["500", "truncated", "cut-xml", "timeout"],
)
def test_eutils_persistent_failure_raises_fetch_error(
    ncbi: FakeNcbi, fault: tuple[str, str], message: str
) -> None:
    ncbi.faults["efetch.fcgi"] = [fault] * 10
    with pytest.raises(FetchError, match=message) as info:
        list(make_client(ncbi, retries=2).efetch(known(ncbi, 1)))
    assert "\n" not in str(info.value) and "after 3 tries" in str(info.value)
    assert len(ncbi.seen) == 3


def test_eutils_client_error_is_not_retried(ncbi: FakeNcbi) -> None:
    client = make_client(ncbi)
    client.config = EutilsConfig(base_url=ncbi.url + "nowhere/")
    with pytest.raises(FetchError, match="HTTP 404"):
        client.esearch("stem cells")
    assert len(ncbi.seen) == 1


# --- cache -----------------------------------------------------------------------------------


def test_eutils_cached_rerun_makes_zero_requests(ncbi: FakeNcbi, tmp_path: Path) -> None:
    ids = known(ncbi, 3)
    ncbi.faults["efetch.fcgi"] = [("cut-xml", "")]  # a bad reply must not be cached

    def run() -> tuple[list[str], list[bytes]]:
        with make_client(ncbi, cache=True, cache_dir=tmp_path / "cache") as client:
            return client.esearch("stem cells"), list(client.efetch(ids, batch_size=2))

    first = run()
    assert len(ncbi.seen) == 4  # esearch, a cut reply, its retry, the second batch
    assert run() == first
    assert len(ncbi.seen) == 4  # nothing new reached the server
    assert pmids_in(first[1][0]) == ids[:2]


def test_eutils_cache_hits_are_not_rate_limited(ncbi: FakeNcbi, tmp_path: Path) -> None:
    ids = [str(40_000_000 + i) for i in range(4)]
    with make_client(ncbi, cache=True, cache_dir=tmp_path) as client:
        list(client.efetch(ids, batch_size=1))
    started = time.monotonic()
    with make_client(ncbi, cache=True, cache_dir=tmp_path, limiter=None) as client:
        list(client.efetch(ids, batch_size=1))
    assert time.monotonic() - started < 0.5  # four uncached requests would take ≥ 1 s
    assert len(ncbi.seen) == 4


# --- documents -------------------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("extractor.sources.pubmed_xml") is None,
    reason="extractor.sources.pubmed_xml (the PubMed XML parser) is not written yet",
)
def test_eutils_fetch_documents_parses_batches(ncbi: FakeNcbi) -> None:
    ids = known(ncbi, 3)
    documents = list(make_client(ncbi).fetch_documents(ids))
    assert [d.pmid for d in documents] == ids


# --- the command line over the fake server -----------------------------------------------------


@pytest.fixture()
def cli_env(ncbi: FakeNcbi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVIDENCE_EUTILS_URL", ncbi.url)
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return tmp_path / "fetched.db"


def test_eutils_cli_fetch_pmids_and_batch_pmid_list(
    ncbi: FakeNcbi, cli_env: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from extractor.cli import cli
    from extractor.store import database

    ids = known(ncbi, 3)
    result = CliRunner().invoke(cli, ["fetch", *ids[:2], "--db", str(cli_env), "-q"])
    assert result.exit_code == 0, result.stderr
    assert len(ncbi.log("efetch.fcgi")) == 1  # both ids in one request
    listing = tmp_path / "pmids.txt"
    listing.write_text("# my review\n" + "\n".join(ids) + "\n", "utf-8")
    result = CliRunner().invoke(cli, ["batch", str(listing), "--db", str(cli_env)])
    assert "0 failed" in result.stderr, result.stderr
    with database(cli_env) as db:
        stored = {r[0] for r in db.execute("SELECT pmid FROM documents")}
        with_abstract = {p for p in ids if ncbi.articles[p].count(b"<AbstractText") > 0}
        assert stored == with_abstract
        sources = [r[0] for r in db.execute("SELECT source FROM documents")]
        assert all(s.startswith("pmid:") for s in sources)
    # the second run hit the on-disk cache for the first two ids
    assert len(ncbi.log("efetch.fcgi")) == 2


def test_eutils_cli_fetch_query_list(ncbi: FakeNcbi, cli_env: Path) -> None:
    from click.testing import CliRunner

    from extractor.cli import cli

    result = CliRunner().invoke(cli, ["fetch", "--query", "stem cells", "--list"])
    assert result.exit_code == 0, result.stderr
    listed = result.stdout.split()
    assert listed and all(p.isdigit() for p in listed)
    assert len(ncbi.log("efetch.fcgi")) == 0


def test_eutils_cli_unreachable_server_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from extractor.cli import cli

    monkeypatch.setenv("EVIDENCE_EUTILS_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EVIDENCE_RETRIES", "0")
    result = CliRunner().invoke(cli, ["extract", "12345678", "--no-db"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
