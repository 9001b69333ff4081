"""Find the URLs and DOIs of a text and check that they are alive, over httpx (async, bounded)."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import enum
import html
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, unquote, urljoin, urlsplit

from refcheck import __version__
from refcheck.model import Origin, Reference, Span
from refcheck.references.identifiers import strip_trailing, valid_doi

if TYPE_CHECKING:
    import ssl

    import httpx

# A URL runs to whitespace or a character that cannot stand unescaped in one and that
# the markups around URLs use as delimiters (Markdown "]", LaTeX "}", HTML quotes, "<>").
_BARE_URL = re.compile(r"""https?://[^\s<>"'{}|\\^`\[\]]+""", re.IGNORECASE)
# LaTeX escapes characters in \href's URL (not in \url's): "\#", "\%", "\_", "\&".
_LATEX_URL = re.compile(r"\\(?:url|href)\s*\{([^{}\s]{1,4000})\}")
_LATEX_ESCAPE = re.compile(r"\\([#%_&~$])")
_HTML_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"<>\s]{1,4000})"|'([^'<>\s]{1,4000})')""", re.IGNORECASE)
_DOI_PREFIXED = re.compile(r"\bdoi:\s*(10\.\d{4,9}/[^\s\"<>{}\[\]]+)", re.IGNORECASE)
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
# Near misses of a URL: "http//x" (no colon), "http:/x" (one slash), "http:\\x".
_NEAR_URL = re.compile(r"""\bhttps?(?://(?=[^/\s])|:/(?=[^/\s])|:\\\\(?=\S))[^\s<>"'{}|^`\[\]]+""", re.IGNORECASE)

USER_AGENT = f"refcheck/{__version__} (citation checker; link check)"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MAX_BODY = 64 * 1024
MAX_HOPS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_AFTER = frozenset({429, 503})
_TRANSIENT = frozenset({502, 504})


class Kind(enum.Enum):
    URL = "url"
    DOI = "doi"


@dataclass(frozen=True, slots=True)
class Link:
    """One distinct URL or DOI and every place the text has it.

    ``origins`` are the entries of bibliographic files that give it (their ``spans``
    point nowhere); ``malformed`` says why a URL-like string is not a URL ("http//x"),
    which is then reported without a request."""

    kind: Kind
    target: str  # the URL as written, or the DOI ("10.1000/xyz")
    spans: tuple[Span, ...]
    origins: tuple[Origin, ...] = ()
    malformed: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """What makes two links one: a DOI compared without case, a URL as written."""
        return self.kind.value, self.target.casefold() if self.kind is Kind.DOI else self.target


class Status(enum.Enum):
    OK = "ok"
    REDIRECTED = "redirected"  # permanently moved: ``suggestion`` holds the new URL
    DEAD = "dead"
    BLOCKED = "blocked"
    ERROR = "error"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect: the URL asked for and the status that sent the checker on."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class LinkResult:
    link: Link
    status: Status
    http_status: int | None = None
    final_url: str = ""
    redirects: tuple[Hop, ...] = ()
    attempts: int = 0
    elapsed_ms: int = 0
    bytes_read: int = 0
    suggestion: str = ""
    detail: str = ""
    connect: bool = False  # failed to connect: no server answered
    cached: bool = False  # read from the cache, not checked in this run


class Clock(Protocol):
    """The time the checker sees: injected so that tests need not wait."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# ---------------------------------------------------------------- collecting


def _doi_of_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.hostname or "") not in _DOI_HOSTS:
        return None
    doi = unquote(parts.path.lstrip("/"))
    return doi if valid_doi(doi) else None


def collect_links(text: str) -> list[Link]:
    """The distinct URLs and DOIs of ``text``, in order of first appearance, each with all its spans.

    A DOI written as a doi.org URL or as "doi:10.…" is one DOI (compared without
    case, as DOIs are); trailing sentence punctuation and unbalanced closing
    brackets are not part of a URL.
    """
    found: list[tuple[Span, Kind, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: str) -> None:
        doi = _doi_of_url(value)
        if doi is not None:
            found.append((Span(start, end), Kind.DOI, doi))
        else:
            found.append((Span(start, end), Kind.URL, value))
        taken.append((start, end))

    for m in _LATEX_URL.finditer(text):
        url = _LATEX_ESCAPE.sub(r"\1", m.group(1))
        if url.casefold().startswith(("http://", "https://")):
            add(*m.span(1), url)
    for m in _HTML_HREF.finditer(text):
        group = 1 if m.group(1) is not None else 2
        url = html.unescape(m.group(group))
        if url.casefold().startswith(("http://", "https://")):
            add(*m.span(group), url)

    # The \url, \href and href spans, sorted and apart, so that a bare URL inside one is skipped
    # in logarithmic time (a LaTeX article may have thousands).
    taken.sort()
    starts = [s for s, _ in taken]

    def inside_taken(start: int) -> bool:
        at = bisect.bisect_right(starts, start) - 1
        return at >= 0 and start < taken[at][1]

    for m in _BARE_URL.finditer(text):
        if inside_taken(m.start()):
            continue
        end = strip_trailing(text, m.start(), m.end())
        if end - m.start() > len("https://"):
            add(m.start(), end, text[m.start() : end])
    taken.sort()
    starts = [s for s, _ in taken]
    for m in _NEAR_URL.finditer(text):
        if inside_taken(m.start()):
            continue
        end = strip_trailing(text, m.start(), m.end())
        found.append((Span(m.start(), end), Kind.URL, text[m.start() : end]))
    for m in _DOI_PREFIXED.finditer(text):
        end = strip_trailing(text, m.start(1), m.end(1))
        doi = text[m.start(1) : end]
        if valid_doi(doi):
            found.append((Span(m.start(), end), Kind.DOI, doi))

    order: dict[tuple[Kind, str], tuple[str, list[Span]]] = {}
    for span, kind, value in sorted(found, key=lambda f: f[0]):
        key = (kind, value.casefold() if kind is Kind.DOI else value)
        order.setdefault(key, (value, []))[1].append(span)
    return [Link(kind, value, tuple(spans), malformed=_malformed(value) if kind is Kind.URL else "")
            for (kind, _), (value, spans) in order.items()]


def _malformed(url: str) -> str:
    """Why ``url`` cannot be requested, or "" when it can."""
    import httpx

    lowered = url[:8].casefold()
    if not lowered.startswith(("http://", "https://")):
        return "not a URL: the scheme needs “://”"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:  # idna's errors are ValueErrors
        return f"not a valid URL: {str(exc) or type(exc).__name__}"
    if not parsed.host:
        return "not a valid URL: no host"
    return ""


def links_of_references(references: Iterable[Reference]) -> list[Link]:
    """The URLs and DOIs of bibliographic-file entries, each with the entries (origins) that give it."""
    order: dict[tuple[str, str], tuple[Kind, str, list[Origin]]] = {}
    for reference in references:
        if reference.origin is None:
            continue
        found: list[tuple[Kind, str]] = []
        if reference.doi:
            found.append((Kind.DOI, reference.doi))
        url = reference.url.strip()
        if url and not (reference.doi and _doi_of_url(url) is not None):
            doi = _doi_of_url(url)
            found.append((Kind.DOI, doi) if doi is not None else (Kind.URL, url))
        for kind, value in found:
            key = (kind.value, value.casefold() if kind is Kind.DOI else value)
            order.setdefault(key, (kind, value, []))[2].append(reference.origin)
    return [Link(kind, value, (), tuple(origins), _malformed(value) if kind is Kind.URL else "")
            for kind, value, origins in order.values()]


# ---------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class Politeness:
    """How hard refcheck may press a server: timeouts, retries and waiting between requests.

    ``retries`` more attempts after a 429/503 (waiting for Retry-After, at most
    ``max_retry_after`` s) or a transient failure (waiting ``backoff`` × 2ⁿ × 1–2, at most
    ``max_backoff`` s); at most ``concurrency`` requests at once and ``per_host`` to one host,
    ``host_interval`` seconds apart on one host.
    """

    concurrency: int = 64
    per_host: int = 8
    host_interval: float = 0.0
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 30.0


class Gate:
    """A semaphore that lets waiters in by priority (lower first), then in arrival order.

    A link's first request goes before the follow-ups of others (GET after HEAD, redirects,
    retries): every link is asked once as early as the limits allow, so that a server's
    Retry-After clock, or its stall, starts as soon as possible."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self.waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.arrivals = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.waiting, (priority, next(self.arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self.waiting:
            _, _, future = heapq.heappop(self.waiting)
            if not future.done():
                future.set_result(None)
                return
        self.free += 1


@dataclass(slots=True)
class _Host:
    """Per-host politeness: a connection limit and the earliest time of the next request."""

    gate: Gate
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's outcome after retries: a status, or the name of a failure."""

    status: int | None
    location: str = ""
    body: bytes = b""
    failure: Status | None = None
    detail: str = ""
    attempts: int = 0
    bytes_read: int = 0
    challenge: bool = False  # a bot wall's challenge page (Cloudflare's "cf-mitigated: challenge")
    connect: bool = False  # the failure was to connect: nothing answered


def _connect_failure(exc: BaseException) -> tuple[Status, str]:
    """What a failure to connect says, and in words: the name does not exist, or the host
    refused — the link is dead; anything else (no network, no route, a name server that does
    not answer, TLS) says nothing about the link.  The cause is read off the exception chain."""
    import errno
    import socket

    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            dead = seen.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
            return (Status.DEAD, "host not found") if dead else (Status.ERROR, f"name lookup failed ({seen})")
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return Status.DEAD, "connection refused"
        if isinstance(seen, OSError) and seen.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return Status.ERROR, f"no route to the host ({seen.strerror})"
        seen = seen.__cause__ or seen.__context__
    return Status.ERROR, str(exc) or type(exc).__name__


class Fetcher:
    """Polite HTTP requests over one httpx.AsyncClient: limits, waits and retries (see Politeness).

    Used by the link checks and by the lookups of ``check --verify``; one Fetcher a run, so
    that both share the per-host limits.
    """

    def __init__(self, client: httpx.AsyncClient | None, settings: Politeness = Politeness(),
                 clock: Clock | None = None, rng: random.Random | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        # Without a client, one client a host, made on first use (see _client_for): a pool
        # of a few connections each, kept alive, where one pool of hundreds costs httpcore
        # more in bookkeeping than the requests themselves.
        self.client = client
        self.transport = transport
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.tls: ssl.SSLContext | None = None
        self.settings = settings
        self.gate = Gate(settings.concurrency)
        self.per_host = settings.per_host
        self.hosts: dict[str, _Host] = {}
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()

    def _client_for(self, host: str) -> httpx.AsyncClient:
        if self.client is not None:
            return self.client
        client = self.clients.get(host)
        if client is None:
            import httpx

            if self.tls is None:
                # One TLS context for every client: loading the CA bundle costs some 20 ms.
                self.tls = httpx.create_ssl_context()
            limits = httpx.Limits(max_connections=self.per_host, max_keepalive_connections=self.per_host)
            client = self.clients[host] = httpx.AsyncClient(transport=self.transport, limits=limits,
                                                            timeout=self.settings.timeout, verify=self.tls)
        return client

    async def aclose(self) -> None:
        """Close the clients of each host (a client given to the Fetcher is the caller's)."""
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _host(self, url: str) -> _Host:
        host = urlsplit(url).netloc.casefold()
        if host not in self.hosts:
            self.hosts[host] = _Host(Gate(self.per_host))
        return self.hosts[host]

    async def _polite(self, host: _Host) -> None:
        """Wait for the host's minimum interval between requests, when there is one."""
        interval = self.settings.host_interval
        if interval <= 0:
            return
        async with host.lock:
            wait = host.next_at - self.clock.monotonic()
            if wait > 0:
                await self.clock.sleep(wait)
            host.next_at = self.clock.monotonic() + interval

    async def _once(self, method: str, url: str, read_body: bool, max_body: int,
                    extra: dict[str, str] | None,
                    sent: asyncio.Event | None = None,
                    priority: int = 1) -> tuple[int, str, bytes, float | None, bool]:
        """One request: status, Location, up to ``max_body`` bytes of body, Retry-After in seconds,
        and whether the answer is a bot wall's challenge."""
        host = self._host(url)
        # The host's slot first: a request waiting for a busy host holds none of the others'.
        await host.gate.acquire(priority)
        try:
            await self.gate.acquire(priority)
        except BaseException:
            host.gate.release()
            raise
        try:
            await self._polite(host)
            if sent is not None:
                sent.set()  # past the limits: the request goes out now
            headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Language": "en;q=0.9, *;q=0.5"}
            headers.update(extra or {})
            client = self._client_for(urlsplit(url).netloc.casefold())
            async with client.stream(
                method, url, headers=headers, timeout=self.settings.timeout, follow_redirects=False
            ) as response:
                body = bytearray()
                if method == "HEAD":
                    await response.aread()  # nothing, but read: the connection can then be used again
                elif read_body:
                    async for chunk in response.aiter_raw():
                        body.extend(chunk[: max_body - len(body)])
                        if len(body) >= max_body:
                            break
                retry_after = self._retry_after(response.headers.get("retry-after", ""))
                challenge = response.headers.get("cf-mitigated", "").casefold() == "challenge"
                return response.status_code, response.headers.get("location", ""), bytes(body), retry_after, challenge
        finally:
            self.gate.release()
            host.gate.release()

    def _retry_after(self, value: str) -> float | None:
        value = value.strip()
        if not value:
            return None
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - self.clock.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
        return min(max(seconds, 0.0), self.settings.max_retry_after)

    def _backoff(self, attempt: int) -> float:
        delay = self.settings.backoff * (2**attempt) * (1 + self.rng.random())
        return float(min(delay, self.settings.max_backoff))

    async def follow(self, url: str, *, max_body: int = MAX_BODY, headers: dict[str, str] | None = None,
                     hops: int = MAX_HOPS) -> Answer:
        """GET ``url`` (see fetch, body read), following up to ``hops`` redirects: the last
        answer; a failure (ERROR) when there are more."""
        for _ in range(hops + 1):
            answer = await self.fetch("GET", url, read_body=True, max_body=max_body, headers=headers)
            if answer.status not in _REDIRECTS or not answer.location:
                return answer
            url = urljoin(url, answer.location)
        return Answer(None, failure=Status.ERROR, detail=f"more than {hops} redirects", attempts=answer.attempts)

    async def fetch(self, method: str, url: str, read_body: bool = False, max_body: int = MAX_BODY,
                    headers: dict[str, str] | None = None, retry_timeouts: bool = True,
                    sent: asyncio.Event | None = None, first: bool = False) -> Answer:
        """One logical request, retried on 429/503 (after Retry-After) and transient failures.

        The body (with ``read_body``) is read raw, as sent, up to ``max_body`` bytes; ask for
        ``Accept-Encoding: identity`` in ``headers`` to read JSON."""
        import httpx

        attempts = 0
        while True:
            attempts += 1
            last = attempts > self.settings.retries
            try:
                status, location, body, retry_after, challenge = await self._once(
                    method, url, read_body, max_body, headers, sent, 0 if first and attempts == 1 else 1)
            except httpx.TimeoutException as exc:
                # A timeout is retried once at most: each attempt costs the whole timeout.
                if last or not retry_timeouts or attempts > 1:
                    return Answer(None, failure=Status.TIMEOUT, detail=type(exc).__name__, attempts=attempts)
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            except httpx.ConnectError as exc:
                failure, text = _connect_failure(exc)
                return Answer(None, failure=failure, detail=text, attempts=attempts, connect=True)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                if last:
                    return Answer(None, failure=Status.ERROR, detail=str(exc) or type(exc).__name__,
                                   attempts=attempts)
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # bad URL or header, proxy error…
                return Answer(None, failure=Status.ERROR, detail=str(exc) or type(exc).__name__, attempts=attempts)
            if not last and status in _RETRY_AFTER:
                await self.clock.sleep(retry_after if retry_after is not None else self._backoff(attempts - 1))
                continue
            if not last and status in _TRANSIENT:
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            return Answer(status, location, body, attempts=attempts, bytes_read=len(body), challenge=challenge)

class _LinkChecker:
    def __init__(self, fetcher: Fetcher, doi_url: str) -> None:
        self.fetcher = fetcher
        self.fetch = fetcher.fetch
        self.clock = fetcher.clock
        self.doi_url = doi_url

    async def check_url(self, link: Link) -> LinkResult:
        start = self.clock.monotonic()
        url = link.target
        if link.malformed:
            return self._result(link, Status.ERROR, None, url, [], 0, start, 0, detail=link.malformed)
        hops: list[Hop] = []
        attempts = 0
        bytes_read = 0
        for _ in range(MAX_HOPS + 1):
            why = _malformed(url)
            if why:
                detail = f"not followed: {url}" if hops else why
                return self._result(link, Status.ERROR, None, url, hops, attempts, start, bytes_read, detail=detail)
            answer, tries = await self._head_then_get(url, first=not hops)
            attempts += tries
            bytes_read += answer.bytes_read
            if answer.status is None:
                failure = answer.failure or Status.ERROR
                result = self._result(link, failure, None, url, hops, attempts, start, bytes_read,
                                      detail=answer.detail)
                return replace(result, connect=answer.connect)
            if answer.status in _REDIRECTS and answer.location:
                hops.append(Hop(url, answer.status))
                url = urljoin(url, answer.location)
                continue
            status = Status.BLOCKED if answer.challenge else _classify(answer.status, hops)
            detail = ""
            if hops and status in (Status.OK, Status.REDIRECTED):
                detail = _suspicious(link.target, url)
                if detail:
                    status = Status.REDIRECTED
            return self._result(link, status, answer.status, url, hops, attempts, start, bytes_read, detail=detail)
        return self._result(link, Status.ERROR, None, url, hops, attempts, start, bytes_read,
                            detail=f"more than {MAX_HOPS} redirects")

    async def _head_then_get(self, url: str, first: bool = False) -> tuple[Answer, int]:
        """HEAD, and GET when HEAD's answer does not count; the answer and the requests made.

        Many servers refuse HEAD (405, 501), answer it wrongly (403, 404, 500) or never: only
        GET's answer counts then.  A HEAD still unanswered after half the timeout is hedged
        with a GET at once, rather than after the whole timeout: a server that stalls costs
        one and a half timeouts, not two.  The GET is the retry of a timeout, which is not
        tried a third time."""
        sent = asyncio.Event()
        head = asyncio.ensure_future(self.fetch("HEAD", url, read_body=False, retry_timeouts=False, sent=sent,
                                                first=first))
        # Half the timeout from when the HEAD went out, not from when it joined the host's queue.
        waiting = asyncio.ensure_future(sent.wait())
        await asyncio.wait({head, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        done, _ = await asyncio.wait({head}, timeout=self.fetcher.settings.timeout / 2)
        if head in done:
            answer = head.result()
            if not _head_refused(answer):
                return answer, answer.attempts
            second = await self.fetch("GET", url, read_body=True,
                                      retry_timeouts=answer.failure is not Status.TIMEOUT)
            return second, answer.attempts + second.attempts
        # The hedge stands in for the HEAD's retry: it goes before others' follow-ups.
        get = asyncio.ensure_future(self.fetch("GET", url, read_body=True, retry_timeouts=False, first=first))
        finished, _ = await asyncio.wait({head, get}, return_when=asyncio.FIRST_COMPLETED)
        if head in finished and not _head_refused(head.result()):
            get.cancel()
            await asyncio.gather(get, return_exceptions=True)
            return head.result(), head.result().attempts + 1
        answer = await get
        if not head.done():
            head.cancel()
        tries = await asyncio.gather(head, return_exceptions=True)
        tried = tries[0]
        return answer, answer.attempts + (tried.attempts if isinstance(tried, Answer) else 1)

    async def check_doi(self, link: Link) -> LinkResult:
        """Ask the DOI resolver's handle API (``{doi_url}{doi}``): responseCode 1 exists, 100 does not."""
        start = self.clock.monotonic()
        url = self.doi_url + quote(link.target, safe="/")
        answer = await self.fetch("GET", url, read_body=True, first=True)
        if answer.status is None:
            # The resolver could not be reached: that says nothing about the DOI.
            failure = Status.ERROR if answer.failure in (None, Status.DEAD) else answer.failure
            result = self._result(link, failure, None, url, [], answer.attempts, start, answer.bytes_read,
                                  detail=f"the DOI resolver did not answer: {answer.detail}")
            return replace(result, connect=answer.connect)
        try:
            code = json.loads(answer.body).get("responseCode")
        except (ValueError, AttributeError):
            code = None
        if code == 1:
            status = Status.OK
        elif code == 100:
            status = Status.DEAD
        elif answer.status in (401, 403, 429):
            status = Status.BLOCKED
        else:
            status = Status.ERROR
        detail = "" if code in (1, 100) else f"unexpected answer from the DOI resolver: HTTP {answer.status}"
        return self._result(link, status, answer.status, url, [], answer.attempts, start, answer.bytes_read,
                            detail=detail)

    def _result(self, link: Link, status: Status, http_status: int | None, final_url: str, hops: list[Hop],
                attempts: int, start: float, bytes_read: int, detail: str = "") -> LinkResult:
        suggestion = final_url if status is Status.REDIRECTED and not detail else ""
        elapsed = round((self.clock.monotonic() - start) * 1000)
        return LinkResult(link, status, http_status, final_url, tuple(hops), attempts, elapsed, bytes_read,
                          suggestion, detail)


def _head_refused(answer: Answer) -> bool:
    """Whether a HEAD's answer does not count and GET must be asked."""
    if answer.status is not None:
        return answer.status >= 400 and answer.status != 429
    return answer.failure is Status.TIMEOUT


_LOGIN = re.compile(r"(?:^|[/._-])(?:log-?in|sign-?in|sso|auth|cas|account|idp|shibboleth)(?:$|[/._?-])", re.I)


def _suspicious(cited: str, final: str) -> str:
    """Why a redirect from ``cited`` to ``final`` looks like the page is gone, or "".

    A deep link sent to the site's home page, or any link sent to a login page, usually
    means that the cited page no longer exists (or is behind a wall)."""
    before, after = urlsplit(cited), urlsplit(final)
    if _LOGIN.search(after.path) and not _LOGIN.search(before.path):
        return "redirects to a login page"
    if before.path.strip("/") and not after.path.strip("/") and not after.query:
        return "redirects to the home page"
    return ""


def _classify(status: int, hops: Sequence[Hop]) -> Status:
    if 200 <= status < 300:
        # A permanent first hop means the cited URL itself has moved.
        return Status.REDIRECTED if hops and hops[0].status in _PERMANENT else Status.OK
    if status in (401, 403, 429):
        return Status.BLOCKED
    if 400 <= status < 500:
        return Status.DEAD
    return Status.ERROR


DOI_URL = "https://doi.org/api/handles/"


async def check_with(
    fetcher: Fetcher,
    links: Sequence[Link],
    *,
    doi_url: str = DOI_URL,
    deadline: float | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
) -> list[LinkResult]:
    """Check every link over ``fetcher``, one result each in the order given.

    Links still unchecked ``deadline`` seconds after the start are given up as timeouts.
    When no server answered at all and the links name several hosts, the network is
    taken to be down: failures to connect are then errors, not dead links.
    """
    checker = _LinkChecker(fetcher, doi_url)

    async def one(link: Link) -> LinkResult:
        result = await (checker.check_doi(link) if link.kind is Kind.DOI else checker.check_url(link))
        if on_result is not None:
            on_result(result)
        return result

    tasks = [asyncio.ensure_future(one(link)) for link in links]
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    results: list[LinkResult] = []
    for link, task in zip(links, tasks):
        if task in done and not task.cancelled():
            results.append(task.result())
        else:
            late = LinkResult(link, Status.TIMEOUT, detail=f"not checked within the deadline of {deadline:g} s")
            if on_result is not None:
                on_result(late)
            results.append(late)
    return _network_down(results)


def _network_down(results: list[LinkResult]) -> list[LinkResult]:
    """Failures to connect turned into errors when nothing answered and several hosts were tried."""
    tried = [r for r in results if not r.link.malformed and r.attempts]
    if not tried or any(not r.connect for r in tried):
        return results
    hosts = {urlsplit(r.final_url or r.link.target).hostname for r in tried}
    if len(hosts) < 2:
        return results
    why = "no server answered any request: is the network down?"
    return [replace(r, status=Status.ERROR, detail=f"{r.detail}; {why}") if r.connect and r.status is Status.DEAD
            else r for r in results]


async def check_links(
    links: Iterable[Link],
    *,
    client: httpx.AsyncClient | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    concurrency: int = 64,
    per_host: int = 8,
    host_interval: float = 0.0,
    timeout: float = 20.0,
    retries: int = 2,
    backoff: float = 0.25,
    max_backoff: float = 8.0,
    max_retry_after: float = 30.0,
    doi_url: str = DOI_URL,
    deadline: float | None = None,
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> list[LinkResult]:
    """Check every link, one result each in the order given (see check_with and Politeness).

    Over ``client`` when given (its own settings kept, redirects followed here), else
    over a client of its own on ``transport``.
    """
    settings = Politeness(concurrency, per_host, host_interval, timeout, retries, backoff, max_backoff,
                          max_retry_after)
    async with Fetcher(client, settings, clock, rng, transport) as fetcher:
        return await check_with(fetcher, list(links), doi_url=doi_url, deadline=deadline)
