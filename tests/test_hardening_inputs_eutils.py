"""Hardening (issue 14): E-utilities replies are read with a byte cap, long waits are announced.

Before, a 300 MB reply was read whole on every try (2.6 GB resident over 4 tries) and
``Retry-After: 86400`` meant a silent 60 s sleep per try. A fake E-utilities server on
127.0.0.1 serves scripted replies; nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from serving import serving_in_thread

from extractor.errors import FetchError
from extractor.settings import Settings
from extractor.sources import eutils
from extractor.sources.eutils import EutilsClient, EutilsConfig, RateLimiter

SETTINGS = Settings(user_agent="evidence-test/1.0", timeout=5, retries=3, backoff=0.01)
MB = 1 << 20
ESEARCH = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>2</Count><RetMax>2</RetMax>'
    b"<RetStart>0</RetStart><IdList><Id>11111111</Id><Id>22222222</Id></IdList></eSearchResult>"
)


@dataclass
class Reply:
    """What the fake answers to one request."""

    status: int = 200
    body: bytes = ESEARCH
    headers: dict[str, str] = field(default_factory=dict)
    length: bool = True  # send Content-Length (else the body ends when the connection closes)
    repeat: int = 1  # the body is sent this many times over (a long reply, little memory)


@dataclass
class Fake:
    url: str = ""
    replies: list[Reply] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        fake = self.server.fake
        with fake.lock:
            fake.requests += 1
            reply = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        if reply.length:
            self.send_header("Content-Length", str(len(reply.body) * reply.repeat))
        else:
            self.send_header("Connection", "close")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(reply.repeat):
                self.wfile.write(reply.body)
        if not reply.length:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: Fake


@pytest.fixture()
def fake() -> Iterator[Fake]:
    state = Fake()
    server = Server(("127.0.0.1", 0), Handler)
    server.fake = state
    with serving_in_thread(server) as base:
        state.url = base + "/entrez/eutils/"
        yield state


def client(fake: Fake, **kwargs: object) -> EutilsClient:
    options: dict[str, object] = {"cache": False, "limiter": RateLimiter(1000)}
    options.update(kwargs)
    return EutilsClient(EutilsConfig(base_url=fake.url), settings=SETTINGS, **options)  # type: ignore[arg-type]


# A reply that is not XML at all: before the cap it was read whole, then retried as malformed.
FILLER = b"<eSearchResult>" + b"x" * (64 * 1024 - 15)
BIG_REPLIES = {
    "content-length": Reply(body=FILLER, repeat=64),  # 4 MiB, and says so
    "no-content-length": Reply(body=FILLER, repeat=64, length=False),  # 4 MiB, unannounced
    "gzip-bomb": Reply(
        body=gzip.compress(b"<eSearchResult>" + b" " * (40 * MB)),
        headers={"Content-Encoding": "gzip"},  # 40 KB on the wire, 40 MiB unpacked
    ),
}


@pytest.mark.parametrize("kind", list(BIG_REPLIES))
@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "requests-cache"])
def test_hardening_inputs_eutils_big_reply_refused_at_once(
    fake: Fake, tmp_path: Path, kind: str, cache: bool
) -> None:
    fake.replies = [BIG_REPLIES[kind]]
    eutils_client = client(fake, max_reply_bytes=MB, cache=cache, cache_dir=tmp_path)
    with pytest.raises(FetchError) as info:
        eutils_client.esearch("lupus")
    message = str(info.value)
    assert message.endswith(f"esearch failed: reply larger than {MB} bytes, the limit")
    assert "\n" not in message
    assert fake.requests == 1  # the same question gets the same answer: not retried
    # nothing was cached: asking again reaches the server again
    fake.replies = [Reply()]
    assert eutils_client.esearch("lupus") == ["11111111", "22222222"]
    assert fake.requests == 2


def test_hardening_inputs_eutils_capped_read_keeps_the_cache_working(
    fake: Fake, tmp_path: Path
) -> None:
    fake.replies = [Reply()]
    for _ in range(2):
        with client(fake, cache=True, cache_dir=tmp_path, max_reply_bytes=MB) as eutils_client:
            assert eutils_client.esearch("lupus") == ["11111111", "22222222"]
    assert fake.requests == 1  # the second run was answered from the cache


def test_hardening_inputs_eutils_default_cap(fake: Fake) -> None:
    assert eutils.MAX_REPLY_BYTES == 64 * MB
    fake.replies = [BIG_REPLIES["gzip-bomb"]]
    with pytest.raises(FetchError, match="reply larger than"):
        client(fake, max_reply_bytes=eutils.MAX_REPLY_BYTES // 2).esearch("lupus")


def test_hardening_inputs_eutils_cli_big_reply_one_line(
    fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from extractor.cli import cli

    bomb = gzip.compress(b"<PubmedArticleSet>" + b" " * (eutils.MAX_REPLY_BYTES + MB))
    fake.replies = [Reply(body=bomb, headers={"Content-Encoding": "gzip"})]
    monkeypatch.setenv("EVIDENCE_EUTILS_URL", fake.url)
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["extract", "12345678", "--no-db"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert f"efetch failed: reply larger than {eutils.MAX_REPLY_BYTES} bytes" in lines[0]
    assert fake.requests == 1


def test_hardening_inputs_eutils_long_retry_after_is_capped_and_announced(fake: Fake) -> None:
    fake.replies = [Reply(status=429, body=b"busy", headers={"Retry-After": "86400"}), Reply()]
    notices: list[str] = []
    waits: list[float] = []
    eutils_client = client(fake, notify=notices.append)
    eutils_client._sleep = waits.append
    assert eutils_client.esearch("lupus") == ["11111111", "22222222"]
    assert waits == [30.0]
    assert notices == [
        "esearch: HTTP 429 Too Many Requests; waiting 30 s before try 2 of 4; "
        "the server asked for 86400 s, more than we wait"
    ]


def test_hardening_inputs_eutils_short_waits_are_quiet(fake: Fake) -> None:
    fake.replies = [Reply(status=503, body=b"busy"), Reply()]
    notices: list[str] = []
    waits: list[float] = []
    eutils_client = client(fake, notify=notices.append)
    eutils_client._sleep = waits.append
    assert eutils_client.esearch("lupus")
    assert waits == [0.01] and notices == []


def test_hardening_inputs_eutils_waits_go_to_stderr_by_default(
    fake: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.replies = [Reply(status=429, body=b"busy", headers={"Retry-After": "2"}), Reply()]
    eutils_client = client(fake)
    eutils_client._sleep = lambda seconds: None
    assert eutils_client.esearch("lupus")
    assert capsys.readouterr().err == (
        "esearch: HTTP 429 Too Many Requests; waiting 2 s before try 2 of 4\n"
    )
