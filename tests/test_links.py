"""refcheck.links: collecting URLs and DOIs, and checking them against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopback import RecordingClock, RoutingHandler, serve
from refcheck.links import USER_AGENT, Kind, Link, LinkResult, Status, check_links, collect_links
from refcheck.model import Span

# ---------------------------------------------------------------- collect_links


def test_collects_every_form_once_with_all_spans() -> None:
    text = (
        "See https://a.org/x. And [y](https://b.org/p_(q)), \\url{https://c.org/a_b} "
        "\\href{https://d.org/x\\#y}{D} <a href=\"https://e.org/?a=1&amp;b=2\">e</a> "
        "doi:10.1000/XYZ. and https://doi.org/10.1000/xyz; again https://a.org/x"
    )
    links = collect_links(text)
    assert [(link.kind, link.target) for link in links] == [
        (Kind.URL, "https://a.org/x"),
        (Kind.URL, "https://b.org/p_(q)"),
        (Kind.URL, "https://c.org/a_b"),
        (Kind.URL, "https://d.org/x#y"),
        (Kind.URL, "https://e.org/?a=1&b=2"),
        (Kind.DOI, "10.1000/XYZ"),
    ]
    first = links[0]
    assert [text[s.start : s.end] for s in first.spans] == ["https://a.org/x", "https://a.org/x"]
    assert len(links[-1].spans) == 2


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("(see https://a.org/page).", "https://a.org/page"),
        ("at <https://a.org/q?x=1>!", "https://a.org/q?x=1"),
        ("“https://a.org/w_(x)”", "https://a.org/w_(x)"),
        ("[https://a.org/md](https://a.org/md)", "https://a.org/md"),
        ("https://a.org/end:", "https://a.org/end"),
    ],
)
def test_trailing_punctuation_is_not_part_of_the_url(text: str, url: str) -> None:
    assert [link.target for link in collect_links(text)] == [url]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("htps:/.aorg[]()<>{}\\\"' =doi10.9x#&;urlef\n")), max_size=120))
def test_collect_links_never_crashes_and_spans_hold_the_link(text: str) -> None:
    for link in collect_links(text):
        assert link.spans and list(link.spans) == sorted(link.spans)
        for span in link.spans:
            assert 0 <= span.start < span.end <= len(text)


def test_no_links_and_non_http_schemes() -> None:
    assert collect_links("ftp://a.org/x mailto:someone@a.org plain text 10.1000/abc") == []
    assert collect_links("") == []


# ---------------------------------------------------------------- a real server

_counts: dict[str, int] = {}
_methods: dict[str, list[str]] = {}
_lock = threading.Lock()
_user_agents: list[str] = []


class _Handler(RoutingHandler):
    def _count(self) -> int:
        with _lock:
            _counts[self.path] = _counts.get(self.path, 0) + 1
            _methods.setdefault(self.path, []).append(self.command)
            return _counts[self.path]

    def _route(self) -> None:
        n = self._count()
        _user_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/ok":
            self._send(200, b"hello")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self._send(301, headers={"Location": f"/hop/{left - 1}" if left > 1 else "/ok"})
        elif path == "/temp":
            self._send(302, headers={"Location": "/ok"})
        elif path == "/to-missing":
            self._send(301, headers={"Location": "/missing"})
        elif path == "/loop":
            self._send(301, headers={"Location": "/loop"})
        elif path == "/gone":
            self._send(410)
        elif path == "/no-head":
            self._send(405 if self.command == "HEAD" else 200, b"body")
        elif path == "/big":
            if self.command == "HEAD":
                self._send(405)
                return
            size = 10 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                for _ in range(size // 65536):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass  # the client stopped reading, as it should
        elif path == "/busy":
            if n == 1:
                self._send(429, headers={"Retry-After": "1"})
            else:
                self._send(200)
        elif path == "/always-busy":
            self._send(429, headers={"Retry-After": "1"})
        elif path == "/flaky":
            self._send(503 if n == 1 else 200)
        elif path == "/reset":
            self.close_connection = True  # no answer at all: the client sees the connection drop
        elif path == "/bad-gateway":
            self._send(502 if n == 1 else 504 if n == 2 else 200)
        elif path == "/forbidden":
            self._send(403)
        elif path == "/slow":
            time.sleep(3.5)
            self._send(200)
        elif path.startswith("/handles/"):
            doi = path[len("/handles/") :]
            if doi.casefold() == "10.1000/real":
                self._send(200, json.dumps({"responseCode": 1, "handle": doi}).encode())
            else:
                self._send(404, json.dumps({"responseCode": 100, "handle": doi}).encode())
        else:
            self._send(404, b"not here")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd, url = serve(_Handler)
    try:
        yield url
    finally:
        httpd.shutdown()
        httpd.server_close()


_Clock = RecordingClock


def _url(target: str) -> Link:
    return Link(Kind.URL, target, (Span(0, len(target)),))


def _check(links: list[Link], clock: _Clock | None = None, **options: float) -> list[LinkResult]:
    async def run() -> list[LinkResult]:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await check_links(links, client=client, clock=clock or _Clock(), **options)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_statuses_against_a_real_server(server: str) -> None:
    _counts.clear()
    clock = _Clock()
    paths = ["/ok", "/hop/3", "/temp", "/missing", "/gone", "/to-missing", "/loop", "/no-head", "/busy",
             "/always-busy", "/flaky", "/forbidden", "/slow", "/reset", "/bad-gateway"]
    results = _check([_url(server + p) for p in paths], clock, timeout=1.0, retries=2, backoff=0.01)
    by_path = {r.link.target[len(server) :]: r for r in results}
    assert [r.link.target for r in results] == [server + p for p in paths]
    assert by_path["/ok"].status is Status.OK and by_path["/ok"].http_status == 200
    hops = by_path["/hop/3"]
    assert hops.status is Status.REDIRECTED
    assert [h.url[len(server) :] for h in hops.redirects] == ["/hop/3", "/hop/2", "/hop/1"]
    assert hops.suggestion == hops.final_url == server + "/ok"
    assert by_path["/temp"].status is Status.OK and by_path["/temp"].final_url == server + "/ok"
    assert by_path["/missing"].status is Status.DEAD and by_path["/missing"].http_status == 404
    assert by_path["/gone"].status is Status.DEAD
    assert by_path["/to-missing"].status is Status.DEAD
    assert by_path["/loop"].status is Status.ERROR and "redirects" in by_path["/loop"].detail
    assert len(by_path["/loop"].redirects) == 11
    no_head = by_path["/no-head"]
    assert no_head.status is Status.OK and no_head.attempts == 2
    # HEAD refused, then GET (a HEAD that a loaded machine's server takes too long to accept
    # times out and is followed by GET as well).
    assert _methods["/no-head"][-1] == "GET", _methods
    assert by_path["/busy"].status is Status.OK and by_path["/busy"].attempts == 2
    assert 1.0 in clock.slept  # waited for Retry-After
    assert by_path["/always-busy"].status is Status.BLOCKED and by_path["/always-busy"].attempts == 3
    assert by_path["/flaky"].status is Status.OK and by_path["/flaky"].attempts == 2
    assert by_path["/forbidden"].status is Status.BLOCKED
    slow = by_path["/slow"]
    assert slow.status is Status.TIMEOUT and slow.attempts == 2  # HEAD, then GET as its one retry
    assert by_path["/reset"].status is Status.ERROR and by_path["/reset"].attempts == 3
    assert by_path["/bad-gateway"].status is Status.OK and by_path["/bad-gateway"].attempts == 3
    backoffs = [d for d in clock.slept if d != 1.0]
    assert backoffs and all(0.01 <= d <= 8.0 for d in backoffs)
    assert all(ua == USER_AGENT for ua in _user_agents)
    assert USER_AGENT.startswith("refcheck/")


def test_retry_after_is_capped_with_the_real_clock(server: str) -> None:
    _counts.clear()
    started = time.monotonic()
    results = asyncio.run(_real_clock([_url(server + "/busy")], max_retry_after=0.05))
    assert results[0].status is Status.OK
    assert time.monotonic() - started < 0.9


async def _real_clock(links: list[Link], **options: float) -> list[LinkResult]:
    async with httpx.AsyncClient(trust_env=False) as client:
        return await check_links(links, client=client, **options)  # type: ignore[arg-type]


def test_a_big_body_is_read_only_in_part(server: str) -> None:
    result = _check([_url(server + "/big")])[0]
    assert result.status is Status.OK
    assert 0 < result.bytes_read <= 64 * 1024


def test_dois_through_a_handle_api(server: str) -> None:
    links = [Link(Kind.DOI, "10.1000/real", (Span(0, 12),)), Link(Kind.DOI, "10.1000/invented", (Span(0, 16),))]
    real, invented = _check(links, doi_url=server + "/handles/")  # type: ignore[arg-type]
    assert real.status is Status.OK
    assert invented.status is Status.DEAD and invented.http_status == 404


def test_refused_connection_is_dead() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the check: nothing listens there
    result = _check([_url(f"http://127.0.0.1:{port}/x")])[0]
    assert result.status is Status.DEAD


# ---------------------------------------------------------------- a mock transport


def test_per_host_limit_and_headers_with_a_mock_transport() -> None:
    active: dict[str, int] = {}
    peak: dict[str, int] = {}
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        active[host] = active.get(host, 0) + 1
        peak[host] = max(peak.get(host, 0), active[host])
        seen.append(request)
        await asyncio.sleep(0.01)
        active[host] -= 1
        if request.url.path == "/ftp":
            return httpx.Response(301, headers={"Location": "ftp://a.example/file"})
        return httpx.Response(200)

    links = [_url(f"https://{host}.example/{i}") for host in "ab" for i in range(10)]
    links.append(_url("https://a.example/ftp"))

    async def run() -> list[LinkResult]:
        return await check_links(links, transport=httpx.MockTransport(handler), per_host=3, clock=_Clock())

    results = asyncio.run(run())
    assert [r.status for r in results[:-1]] == [Status.OK] * 20
    assert results[-1].status is Status.ERROR and "ftp://" in results[-1].detail
    assert peak == {"a.example": 3, "b.example": 3}
    assert {r.method for r in seen} == {"HEAD"}
    assert seen[0].headers["user-agent"] == USER_AGENT
    assert seen[0].headers["accept"].startswith("text/html")


def test_retry_after_as_an_http_date_with_a_mock_transport() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
        return httpx.Response(200)

    class Frozen(_Clock):
        def time(self) -> float:
            return 1445412470.0  # ten seconds before that date

    clock = Frozen()
    results = asyncio.run(check_links([_url("https://c.example/")], transport=httpx.MockTransport(handler),
                                      clock=clock, max_retry_after=5.0))
    assert results[0].status is Status.OK
    assert clock.slept == [5.0]


def test_the_gate_lets_first_requests_in_before_follow_ups() -> None:
    from refcheck.links import Gate

    async def run() -> list[str]:
        gate = Gate(1)
        order: list[str] = []
        await gate.acquire()  # the one slot, taken

        async def wait(name: str, priority: int) -> None:
            await gate.acquire(priority)
            order.append(name)
            gate.release()

        tasks = [asyncio.ensure_future(wait(name, p)) for name, p in
                 (("follow-up 1", 1), ("first 1", 0), ("follow-up 2", 1), ("first 2", 0))]
        cancelled = asyncio.ensure_future(wait("cancelled", 0))
        await asyncio.sleep(0)
        cancelled.cancel()
        gate.release()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(run()) == ["first 1", "first 2", "follow-up 1", "follow-up 2"]


def test_a_stalled_head_is_hedged_with_a_get_after_half_the_timeout(server: str) -> None:
    _methods.clear()
    started = time.monotonic()
    result = _check([_url(server + "/slow")], timeout=1.0, retries=2)[0]
    elapsed = time.monotonic() - started
    assert result.status is Status.TIMEOUT and result.attempts == 2
    assert _methods["/slow"][:2] == ["HEAD", "GET"]
    assert elapsed < 1.9  # HEAD, GET half a timeout later, its timeout: 1.5 s, not 2
