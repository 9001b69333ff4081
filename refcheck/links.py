"""Find the URLs and DOIs of a text and check that they are alive, over httpx (async, bounded)."""

from __future__ import annotations

import asyncio
import bisect
import enum
import html
import json
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, unquote, urljoin, urlsplit

from refcheck import __version__
from refcheck.model import Span
from refcheck.references.identifiers import strip_trailing, valid_doi

if TYPE_CHECKING:
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
    """One distinct URL or DOI and every place the text has it."""

    kind: Kind
    target: str  # the URL as written, or the DOI ("10.1000/xyz")
    spans: tuple[Span, ...]


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
    for m in _DOI_PREFIXED.finditer(text):
        end = strip_trailing(text, m.start(1), m.end(1))
        doi = text[m.start(1) : end]
        if valid_doi(doi):
            found.append((Span(m.start(), end), Kind.DOI, doi))

    order: dict[tuple[Kind, str], tuple[str, list[Span]]] = {}
    for span, kind, value in sorted(found, key=lambda f: f[0]):
        key = (kind, value.casefold() if kind is Kind.DOI else value)
        order.setdefault(key, (value, []))[1].append(span)
    return [Link(kind, value, tuple(spans)) for (kind, _), (value, spans) in order.items()]


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
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0


@dataclass(slots=True)
class _Host:
    """Per-host politeness: a connection limit and the earliest time of the next request."""

    gate: asyncio.Semaphore
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


class Fetcher:
    """Polite HTTP requests over one httpx.AsyncClient: limits, waits and retries (see Politeness).

    Used by the link checks and by the lookups of ``check --verify``; one Fetcher a run, so
    that both share the per-host limits.
    """

    def __init__(self, client: httpx.AsyncClient, settings: Politeness = Politeness(),
                 clock: Clock | None = None, rng: random.Random | None = None) -> None:
        self.client = client
        self.settings = settings
        self.gate = asyncio.Semaphore(settings.concurrency)
        self.per_host = settings.per_host
        self.hosts: dict[str, _Host] = {}
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()

    def _host(self, url: str) -> _Host:
        host = urlsplit(url).netloc.casefold()
        if host not in self.hosts:
            self.hosts[host] = _Host(asyncio.Semaphore(self.per_host))
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
                    extra: dict[str, str] | None) -> tuple[int, str, bytes, float | None]:
        """One request: status, Location, up to ``max_body`` bytes of body, and Retry-After in seconds."""
        host = self._host(url)
        async with self.gate, host.gate:
            await self._polite(host)
            headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Language": "en;q=0.9, *;q=0.5"}
            headers.update(extra or {})
            async with self.client.stream(
                method, url, headers=headers, timeout=self.settings.timeout, follow_redirects=False
            ) as response:
                body = bytearray()
                if read_body:
                    async for chunk in response.aiter_raw():
                        body.extend(chunk[: max_body - len(body)])
                        if len(body) >= max_body:
                            break
                retry_after = self._retry_after(response.headers.get("retry-after", ""))
                return response.status_code, response.headers.get("location", ""), bytes(body), retry_after

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

    async def fetch(self, method: str, url: str, read_body: bool = False, max_body: int = MAX_BODY,
                    headers: dict[str, str] | None = None) -> Answer:
        """One logical request, retried on 429/503 (after Retry-After) and transient failures.

        The body (with ``read_body``) is read raw, as sent, up to ``max_body`` bytes; ask for
        ``Accept-Encoding: identity`` in ``headers`` to read JSON."""
        import httpx

        attempts = 0
        while True:
            attempts += 1
            last = attempts > self.settings.retries
            try:
                status, location, body, retry_after = await self._once(method, url, read_body, max_body, headers)
            except httpx.TimeoutException as exc:
                if last:
                    return Answer(None, failure=Status.TIMEOUT, detail=type(exc).__name__, attempts=attempts)
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            except httpx.ConnectError as exc:
                text = str(exc)
                failure = Status.ERROR if "ssl" in text.casefold() or "certificate" in text.casefold() else Status.DEAD
                return Answer(None, failure=failure, detail=text or type(exc).__name__, attempts=attempts)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                if last:
                    return Answer(None, failure=Status.ERROR, detail=str(exc) or type(exc).__name__,
                                   attempts=attempts)
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            except (httpx.HTTPError, ValueError) as exc:  # unsupported URL, bad header, proxy error…
                return Answer(None, failure=Status.ERROR, detail=str(exc) or type(exc).__name__, attempts=attempts)
            if not last and status in _RETRY_AFTER:
                await self.clock.sleep(retry_after if retry_after is not None else self._backoff(attempts - 1))
                continue
            if not last and status in _TRANSIENT:
                await self.clock.sleep(self._backoff(attempts - 1))
                continue
            return Answer(status, location, body, attempts=attempts, bytes_read=len(body))

class _LinkChecker:
    def __init__(self, fetcher: Fetcher, doi_url: str) -> None:
        self.fetcher = fetcher
        self.fetch = fetcher.fetch
        self.clock = fetcher.clock
        self.doi_url = doi_url

    async def check_url(self, link: Link) -> LinkResult:
        start = self.clock.monotonic()
        url = link.target
        hops: list[Hop] = []
        attempts = 0
        bytes_read = 0
        for _ in range(MAX_HOPS + 1):
            if urlsplit(url).scheme.casefold() not in ("http", "https"):
                return self._result(link, Status.ERROR, None, url, hops, attempts, start, bytes_read,
                                    detail=f"not followed: {url}")
            answer = await self.fetch("HEAD", url, read_body=False)
            attempts += answer.attempts
            if answer.status in (405, 501):
                answer = await self.fetch("GET", url, read_body=True)
                attempts += answer.attempts
            bytes_read += answer.bytes_read
            if answer.status is None:
                failure = answer.failure or Status.ERROR
                return self._result(link, failure, None, url, hops, attempts, start, bytes_read, detail=answer.detail)
            if answer.status in _REDIRECTS and answer.location:
                hops.append(Hop(url, answer.status))
                url = urljoin(url, answer.location)
                continue
            return self._result(link, _classify(answer.status, hops), answer.status, url, hops, attempts, start,
                                bytes_read)
        return self._result(link, Status.ERROR, None, url, hops, attempts, start, bytes_read,
                            detail=f"more than {MAX_HOPS} redirects")

    async def check_doi(self, link: Link) -> LinkResult:
        """Ask the DOI resolver's handle API (``{doi_url}{doi}``): responseCode 1 exists, 100 does not."""
        start = self.clock.monotonic()
        url = self.doi_url + quote(link.target, safe="/")
        answer = await self.fetch("GET", url, read_body=True)
        if answer.status is None:
            return self._result(link, answer.failure or Status.ERROR, None, url, [], answer.attempts, start,
                                answer.bytes_read, detail=answer.detail)
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
        suggestion = final_url if status is Status.REDIRECTED else ""
        elapsed = round((self.clock.monotonic() - start) * 1000)
        return LinkResult(link, status, http_status, final_url, tuple(hops), attempts, elapsed, bytes_read,
                          suggestion, detail)


def _classify(status: int, hops: Sequence[Hop]) -> Status:
    if 200 <= status < 300:
        # A permanent first hop means the cited URL itself has moved.
        return Status.REDIRECTED if hops and hops[0].status in _PERMANENT else Status.OK
    if status in (401, 403, 429):
        return Status.BLOCKED
    if 400 <= status < 500:
        return Status.DEAD
    return Status.ERROR


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
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    max_retry_after: float = 30.0,
    doi_url: str = "https://doi.org/api/handles/",
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> list[LinkResult]:
    """Check every link, one result each in the order given.

    Over ``client`` when given (its own settings kept, redirects followed here), else
    over a client of its own on ``transport``.  At most ``concurrency`` requests at
    once and ``per_host`` to one host, ``host_interval`` seconds apart on one host;
    ``retries`` more attempts after a 429/503 (waiting for Retry-After, at most
    ``max_retry_after`` s) or a transient failure (waiting ``backoff`` × 2ⁿ × 1–2,
    at most ``max_backoff`` s).
    """
    import httpx

    settings = Politeness(concurrency, per_host, host_interval, timeout, retries, backoff, max_backoff,
                          max_retry_after)
    own = client is None
    if client is None:
        client = httpx.AsyncClient(
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            timeout=timeout,
        )
    checker = _LinkChecker(Fetcher(client, settings, clock, rng), doi_url)
    try:
        tasks = [checker.check_doi(link) if link.kind is Kind.DOI else checker.check_url(link) for link in links]
        return list(await asyncio.gather(*tasks))
    finally:
        if own:
            await client.aclose()
