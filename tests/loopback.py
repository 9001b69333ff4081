"""What the network tests share: a routing HTTP handler, a server on a loopback address, a clock."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RoutingHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 (kept alive), quiet; HEAD and GET both go to ``_route``, which subclasses write."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # keep the test output clean

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._route()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._route()

    def _route(self) -> None:
        raise NotImplementedError


def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> tuple[ThreadingHTTPServer, str]:
    """``handler`` served on a free port of ``host`` in a daemon thread: the server and its URL."""
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{host}:{httpd.server_address[1]}"


class RecordingClock:
    """The real monotonic time, but sleeps only recorded (Retry-After and backoffs cost nothing)."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)
