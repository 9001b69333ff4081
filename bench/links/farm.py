"""A farm of local HTTP servers for the link-checking benchmark: one behaviour per path, counted per host.

    python bench/links/farm.py [--port 0] [--loopback]

Nine asyncio servers (127.0.0.2 … 127.0.0.10, one port shared by all) speak just enough HTTP/1.1
(keep-alive, HEAD and GET) to act out what a link checker meets on the web.  The path says what a
URL does, so that the generator, not the farm, decides the mix:

    /ok/ID                   200, a small HTML page
    /slow/MS/ID              200 after MS milliseconds
    /stall/ID                never answers (the client's timeout ends it)
    /head405/ID              405 to HEAD, 200 to GET
    /head404/ID              404 to HEAD, 200 to GET (a server that mishandles HEAD)
    /moved/CODE/N/ID         CODE (301 or 308) to /moved/CODE/N-1/ID; N = 0 answers 200
    /found/ID                302 to /ok/found-ID (a temporary redirect: the URL is fine)
    /to404/ID                301 to /missing/moved-ID
    /loop/ID                 301 to /loop2/ID, which 302s back to /loop/ID
    /missing/ID              404
    /gone/ID                 410
    /forbidden/ID            403 (a bot wall); /forbidden-cf/ID adds Cloudflare's "cf-mitigated: challenge"
    /auth/ID                 401 with WWW-Authenticate
    /ratelimit/S/ID          429 with "Retry-After: S" until S seconds after its first request, then 200
    /unavailable/ID          503 with "Retry-After: 1" to the first request, then 200
    /badgateway/ID           502 to the first request, then 200
    /error/ID                500, always
    /reset/ID                reads the request, then resets the connection (RST)
    /big/ID                  405 to HEAD; GET sends a 10 MB body (counting what is sent before the hang-up)
    /api/handles/DOI         the DOI resolver's handle API: 10.5555/exists-… is a DOI, 10.5555/absent-… is not
    anything else            404

A port on every address is bound without listening, so connecting there is refused.

Per host it counts requests (HEAD and GET), the peak of connections open at once, the peak of
requests being answered at once, and bytes sent.  Bytes sent are bytes handed to the kernel: a
client that hangs up after 64 kB has still been sent what the server's send buffer and the
client's receive buffer hold (some hundreds of kB on loopback), so the count is an upper bound of
what the client read.

As a subprocess it prints one JSON line describing the farm, then answers commands on stdin, one a
line: "stats" (a JSON line), "reset" (forget counts and first requests; "ok"), "quit".
Standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from typing import Any

HOSTS = tuple(f"127.0.0.{i}" for i in range(2, 11))
BIG_BODY = 10 * 1024 * 1024
CHUNK = 64 * 1024
DOI_PREFIX = "10.5555/"
_REASONS = {
    200: "OK", 301: "Moved Permanently", 302: "Found", 308: "Permanent Redirect", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip
_PAGE = b"<!doctype html><html><head><title>page</title></head><body><p>A page.</p></body></html>\n"


@dataclass
class HostStats:
    requests: int = 0
    heads: int = 0
    gets: int = 0
    connections: int = 0  # accepted in all
    open: int = 0
    peak_connections: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    bytes_sent: int = 0
    big_bodies: list[dict[str, Any]] = field(default_factory=list)  # {"path", "bytes_sent", "complete"}


class Farm:
    """The servers, their counters and the per-URL memory of first requests (for 429/503/502 once)."""

    def __init__(self, hosts: tuple[str, ...] = HOSTS, port: int = 0, big_body: int = BIG_BODY) -> None:
        self.addresses = hosts
        self.port = port
        self.big_body = big_body
        self.refused_port = 0
        self.stats: dict[str, HostStats] = {h: HostStats() for h in hosts}
        self.first_seen: dict[str, float] = {}
        self.servers: list[asyncio.base_events.Server] = []
        self._holds: list[socket.socket] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ life

    async def start(self) -> None:
        """Listen on every address, on one port (the first free one the first address gets, if port is 0)."""
        for attempt in range(20):
            try:
                await self._listen_all(self.port)
                break
            except OSError:
                await self._close_servers()
                if self.port or attempt == 19:
                    raise
        self.refused_port = self._hold_refused_port()

    def _handler(self, host: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._connection(reader, writer, host)

        return handle

    async def _listen_all(self, port: int) -> None:
        for host in self.addresses:
            server = await asyncio.start_server(self._handler(host), host, port, backlog=1024, reuse_address=True)
            if port == 0:
                port = server.sockets[0].getsockname()[1]
            self.servers.append(server)
        self.port = port

    def _hold_refused_port(self) -> int:
        """A port bound on every address with nothing listening: connections to it are refused."""
        for _ in range(20):
            holds: list[socket.socket] = []
            try:
                first = socket.socket()
                first.bind((self.addresses[0], 0))
                holds.append(first)
                port = first.getsockname()[1]
                for host in self.addresses[1:]:
                    s = socket.socket()
                    holds.append(s)
                    s.bind((host, port))
                self._holds = holds
                return int(port)
            except OSError:
                for s in holds:
                    s.close()
        raise OSError("no port free on every address for the refused URLs")

    async def _close_servers(self) -> None:
        for server in self.servers:
            server.close()
        for server in self.servers:
            with suppress(Exception):
                await server.wait_closed()
        self.servers = []

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for server in self.servers:
            server.close()
        self.servers = []
        for s in self._holds:
            s.close()

    def reset(self) -> None:
        """Zero the counts (in place: connections open now stay counted) and forget first requests."""
        for st in self.stats.values():
            st.requests = st.heads = st.gets = st.connections = st.bytes_sent = 0
            st.peak_connections, st.peak_in_flight = st.open, st.in_flight
            st.big_bodies = []
        self.first_seen = {}

    def snapshot(self) -> dict[str, Any]:
        return {host: asdict(st) for host, st in self.stats.items()}

    def describe(self) -> dict[str, Any]:
        return {
            "hosts": [f"http://{h}:{self.port}" for h in self.addresses],
            "port": self.port,
            "refused_port": self.refused_port,
            "refused": [f"http://{h}:{self.refused_port}" for h in self.addresses],
            "doi_url": f"http://{self.addresses[-1]}:{self.port}/api/handles/",
        }

    # ------------------------------------------------------------ HTTP

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        st = self.stats[host]
        st.connections += 1
        st.open += 1
        st.peak_connections = max(st.peak_connections, st.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = (lines[0].split(" ") + ["", "", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                st.requests += 1
                if method == "HEAD":
                    st.heads += 1
                elif method == "GET":
                    st.gets += 1
                st.in_flight += 1
                st.peak_in_flight = max(st.peak_in_flight, st.in_flight)
                try:
                    keep = await self._answer(method, target.split("?", 1)[0], reader, writer, st)
                finally:
                    st.in_flight -= 1
                wants_close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                if not keep or wants_close:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            st.open -= 1
            with suppress(Exception):
                writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _send(self, writer: asyncio.StreamWriter, st: HostStats, method: str, status: int,
                    body: bytes = b"", headers: dict[str, str] | None = None) -> bool:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Server: refcheck-bench-farm",
                 "Content-Type: text/html; charset=utf-8" if not body.startswith(b"{") else "Content-Type: application/json",
                 f"Content-Length: {len(body)}"]  # fmt: skip
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if method != "HEAD":
            data += body
        writer.write(data)
        st.bytes_sent += len(data)
        await writer.drain()
        return True

    def _first(self, path: str) -> float:
        """When this path was first asked for (now, if this is the first time)."""
        return self.first_seen.setdefault(path, time.monotonic())

    async def _answer(self, method: str, path: str, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter, st: HostStats) -> bool:
        """Answer one request; False when the connection must end."""
        parts = path.strip("/").split("/")
        kind = parts[0]
        send = self._send
        if kind == "ok":
            return await send(writer, st, method, 200, _PAGE)
        if kind == "slow":
            await asyncio.sleep(int(parts[1]) / 1000)
            return await send(writer, st, method, 200, _PAGE)
        if kind == "stall":
            # Never answer; notice the client hanging up, so the connection is not counted open forever.
            while await reader.read(65536):
                pass
            return False
        if kind == "head405":
            return await send(writer, st, method, 405 if method == "HEAD" else 200, _PAGE, {"Allow": "GET"})
        if kind == "head404":
            return await send(writer, st, method, 404 if method == "HEAD" else 200, _PAGE)
        if kind == "moved":
            code, left, ident = int(parts[1]), int(parts[2]), parts[3]
            if left <= 0:
                return await send(writer, st, method, 200, _PAGE)
            return await send(writer, st, method, code, b"", {"Location": f"/moved/{code}/{left - 1}/{ident}"})
        if kind == "found":
            return await send(writer, st, method, 302, b"", {"Location": f"/ok/found-{parts[1]}"})
        if kind == "to404":
            return await send(writer, st, method, 301, b"", {"Location": f"/missing/moved-{parts[1]}"})
        if kind == "loop":
            return await send(writer, st, method, 301, b"", {"Location": f"/loop2/{parts[1]}"})
        if kind == "loop2":
            return await send(writer, st, method, 302, b"", {"Location": f"/loop/{parts[1]}"})
        if kind == "gone":
            return await send(writer, st, method, 410, _PAGE)
        if kind == "forbidden":
            return await send(writer, st, method, 403, _PAGE)
        if kind == "forbidden-cf":
            return await send(writer, st, method, 403, _PAGE, {"cf-mitigated": "challenge"})
        if kind == "auth":
            return await send(writer, st, method, 401, _PAGE, {"WWW-Authenticate": 'Basic realm="bench"'})
        if kind == "ratelimit":
            wait = int(parts[1])
            # 5 % short of the wait, for clocks that round: a client that waits as told gets through.
            if time.monotonic() - self._first(path) < wait * 0.95:
                return await send(writer, st, method, 429, _PAGE, {"Retry-After": str(wait)})
            return await send(writer, st, method, 200, _PAGE)
        if kind in ("unavailable", "badgateway"):
            if path not in self.first_seen:
                self._first(path)
                if kind == "unavailable":
                    return await send(writer, st, method, 503, _PAGE, {"Retry-After": "1"})
                return await send(writer, st, method, 502, _PAGE)
            return await send(writer, st, method, 200, _PAGE)
        if kind == "error":
            return await send(writer, st, method, 500, _PAGE)
        if kind == "reset":
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if kind == "big":
            if method == "HEAD":
                return await send(writer, st, method, 405, _PAGE, {"Allow": "GET"})
            return await self._big(writer, st, path)
        if kind == "api" and len(parts) >= 3 and parts[1] == "handles":
            doi = "/".join(parts[2:])
            if doi.casefold().startswith(DOI_PREFIX + "exists-"):
                return await send(writer, st, method, 200, json.dumps({"responseCode": 1, "handle": doi}).encode())
            return await send(writer, st, method, 404, json.dumps({"responseCode": 100}).encode())
        return await send(writer, st, method, 404, _PAGE)

    async def _big(self, writer: asyncio.StreamWriter, st: HostStats, path: str) -> bool:
        """Send the big body in chunks, counting the bytes the kernel took before the client hung up."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # A small send buffer, so that the count is not inflated by megabytes queued in the kernel.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)
        head = (f"HTTP/1.1 200 OK\r\nServer: refcheck-bench-farm\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {self.big_body}\r\n\r\n").encode("latin-1")  # fmt: skip
        record: dict[str, Any] = {"path": path, "bytes_sent": 0, "complete": False}
        st.big_bodies.append(record)
        chunk = b"x" * CHUNK
        written = 0
        try:
            writer.write(head)
            await writer.drain()
            while written < self.big_body:
                piece = chunk[: self.big_body - written]
                writer.write(piece)
                written += len(piece)
                await writer.drain()
            record["complete"] = True
        except (ConnectionError, OSError):
            pass
        unsent = writer.transport.get_write_buffer_size() if not writer.transport.is_closing() else 0
        record["bytes_sent"] = max(0, written - unsent)
        st.bytes_sent += int(record["bytes_sent"]) + len(head)
        return bool(record["complete"])


# ---------------------------------------------------------------- running it


class FarmThread:
    """A Farm on its own event loop in a daemon thread; stats and reset are safe to call from outside."""

    def __init__(self, farm: Farm) -> None:
        self.farm = farm
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="link-farm", daemon=True)

    def start(self) -> FarmThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.farm.start(), self.loop).result(timeout=30)
        return self

    def _call(self, fn: Any) -> Any:
        async def call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout=30)

    def stats(self) -> dict[str, Any]:
        return dict(self._call(self.farm.snapshot))

    def reset(self) -> None:
        self._call(self.farm.reset)

    def stop(self) -> None:
        with suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.farm.close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def can_bind(hosts: tuple[str, ...] = HOSTS) -> bool:
    """Whether every farm address can be bound (Linux routes all of 127/8 to loopback; macOS does not)."""
    for host in hosts:
        try:
            with socket.socket() as s:
                s.bind((host, 0))
        except OSError:
            return False
    return True


@contextmanager
def running(port: int = 0, loopback_only: bool = False, big_body: int = BIG_BODY) -> Iterator[FarmThread]:
    """A started farm in a thread: 127.0.0.2-10, or distinct ports on 127.0.0.1 when asked or needed."""
    farm = _make_farm(port, loopback_only, big_body)
    thread = FarmThread(farm).start()
    try:
        yield thread
    finally:
        thread.stop()


def _make_farm(port: int, loopback_only: bool, big_body: int) -> Farm:
    if loopback_only or not can_bind():
        return LoopbackFarm(big_body=big_body)
    return Farm(port=port, big_body=big_body)


class LoopbackFarm(Farm):
    """The fallback: nine servers on distinct ports of 127.0.0.1, each counted as its own host."""

    def __init__(self, big_body: int = BIG_BODY) -> None:
        super().__init__(hosts=tuple(f"127.0.0.1#{i}" for i in range(9)), big_body=big_body)
        self.ports: dict[str, int] = {}

    async def _listen_all(self, port: int) -> None:
        for host in self.addresses:
            server = await asyncio.start_server(self._handler(host), "127.0.0.1", 0, backlog=1024)
            self.ports[host] = server.sockets[0].getsockname()[1]
            self.servers.append(server)

    def _hold_refused_port(self) -> int:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self._holds = [s]
        return int(s.getsockname()[1])

    def describe(self) -> dict[str, Any]:
        return {
            "hosts": [f"http://127.0.0.1:{self.ports[h]}" for h in self.addresses],
            "port": None,
            "refused_port": self.refused_port,
            "refused": [f"http://127.0.0.1:{self.refused_port}"],
            "doi_url": f"http://127.0.0.1:{self.ports[self.addresses[-1]]}/api/handles/",
            "fallback": "nine ports on 127.0.0.1 instead of 127.0.0.2-10 (asked for, or those cannot be bound here)",
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="the port on every address (default: a free one)")
    parser.add_argument("--loopback", action="store_true", help="nine ports on 127.0.0.1 instead of nine addresses")
    args = parser.parse_args(argv)
    farm = _make_farm(args.port, args.loopback, BIG_BODY)
    thread = FarmThread(farm).start()
    print(json.dumps(farm.describe()), flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                print(json.dumps(thread.stats()), flush=True)
            elif command == "reset":
                thread.reset()
                print('"ok"', flush=True)
            elif command == "quit":
                break
            elif command:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
    finally:
        thread.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
