"""Fetching over HTTP against a local server on 127.0.0.1 (no real network)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import ClassVar

import pytest
from serving import QuietHandler, serving_in_thread

from extractor.errors import FetchError
from extractor.settings import Settings
from extractor.sources import fetch_url

PAGE = (
    b"<!DOCTYPE html><html><head><title>t</title></head><body><p>An article page.</p></body></html>"
)
FAST = Settings(retries=2, backoff=0.01, timeout=5)


class Handler(QuietHandler):
    """Serves scripted responses per path and records request headers."""

    hits: ClassVar[dict[str, int]] = {}
    agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        count = Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        Handler.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/ok":
            self._send(200, PAGE)
        elif self.path == "/busy":
            if count == 1:
                self._send(429, b"slow down", {"Retry-After": "1"})
            else:
                self._send(200, PAGE)
        elif self.path == "/broken":
            self._send(500, b"oops")
        else:
            self._send(404, b"missing")


@pytest.fixture()
def server() -> Iterator[str]:
    Handler.hits.clear()
    Handler.agents.clear()
    with serving_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as base:
        yield base


def test_fetch_ok_html(server: str) -> None:
    raw = fetch_url(f"{server}/ok", settings=FAST)
    assert raw.kind == "html" and "An article page." in raw.content
    assert raw.url == f"{server}/ok"


def test_fetch_sends_user_agent(server: str) -> None:
    fetch_url(f"{server}/ok", settings=Settings(user_agent="test-agent/1.0", retries=0))
    assert Handler.agents == ["test-agent/1.0"]


def test_fetch_honours_retry_after(server: str) -> None:
    began = time.monotonic()
    raw = fetch_url(f"{server}/busy", settings=FAST)
    assert raw.kind == "html"
    assert Handler.hits["/busy"] == 2
    assert time.monotonic() - began >= 0.9


def test_fetch_server_error_after_retries(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_url(f"{server}/broken", settings=FAST)
    assert Handler.hits["/broken"] == 3  # first try + 2 retries


def test_fetch_not_found(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 404 Not Found"):
        fetch_url(f"{server}/nothing", settings=FAST)


def test_fetch_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect"):
        fetch_url(f"http://127.0.0.1:{port}/", settings=Settings(retries=0, timeout=2))
