"""Servers for tests: ``evidence serve`` in a subprocess, scripted HTTP servers in a thread."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_serving(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Return once Datasette answers at ``url``; fail if ``proc`` exits or 60 s pass."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"evidence serve exited early:\n{log.read_text()}")
        try:
            if _status(f"{url}/-/versions.json") == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"evidence serve did not answer:\n{log.read_text()}")
        time.sleep(0.1)


class QuietHandler(BaseHTTPRequestHandler):
    """A scripted request handler that logs nothing and sends whole replies."""

    content_type = "text/html; charset=utf-8"

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving_in_thread(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve from a daemon thread until the block ends; yields ``http://127.0.0.1:<port>``."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
