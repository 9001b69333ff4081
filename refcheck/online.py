"""The network side of a run: check the links of documents and look their references up.

``check --links``, ``check --verify`` and ``refcheck links`` all come here.  One run opens
one httpx client and one Fetcher, so that the concurrency and per-host limits hold across
every document and both kinds of check; results are cached (see refcheck.netcache).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refcheck.links import (
    DOI_URL,
    Fetcher,
    Hop,
    Kind,
    Link,
    LinkResult,
    Politeness,
    Status,
    check_with,
    collect_links,
    links_of_references,
)
from refcheck.rules.registry import Online

if TYPE_CHECKING:
    import httpx

    from refcheck.check import Result
    from refcheck.document import Document
    from refcheck.model import Reference
    from refcheck.netcache import ResponseCache
    from refcheck.verify import Verification

OK_STATUSES = frozenset(range(200, 300))


@dataclass(frozen=True)
class NetworkOptions:
    """Everything a run's network checks may be told (the command's options).

    ``accept``: the HTTP statuses that count as alive (default 200–299); ``exclude``:
    URLs (or DOIs) matching any of these are neither checked nor reported;
    ``deadline``: seconds after which the links still unchecked are given up.
    """

    politeness: Politeness = Politeness()
    doi_url: str = DOI_URL
    deadline: float | None = 600.0
    accept: frozenset[int] = OK_STATUSES
    exclude: tuple[re.Pattern[str], ...] = ()
    cache: bool = True
    cache_dir: Path | None = None
    crossref_url: str = "https://api.crossref.org"
    openalex_url: str = "https://api.openalex.org"
    mailto: str | None = None
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)  # tests only


def parse_accept(text: str) -> frozenset[int]:
    """``200..=299,403`` (lychee's syntax): codes, inclusive ranges ``a..=b`` and
    half-open ranges ``a..b``.  Raises ValueError with the part it cannot read."""
    codes: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(\d{3})(?:\.\.(=?)(\d{3}))?", part)
        if m is None:
            raise ValueError(f"cannot read {part!r}: give codes and ranges such as 200..=299,403")
        low = int(m.group(1))
        high = low if m.group(3) is None else int(m.group(3)) - (0 if m.group(2) else 1)
        if not 100 <= low <= high <= 599:
            raise ValueError(f"{part!r} is not a range of HTTP statuses (100–599)")
        codes.update(range(low, high + 1))
    if not codes:
        raise ValueError("no status given")
    return frozenset(codes)


def document_links(result: Result) -> list[Link]:
    """The links of a checked document: those in its text, then those of its bibliographic files."""
    return [*text_links(result.document), *links_of_references(result.references)]


def text_links(doc: Document) -> list[Link]:
    """The links of a document's text; for HTML, its anchors' targets too."""
    if doc.kind == "html":
        from refcheck.formats.html import html_links

        return html_links(doc)
    return collect_links(doc.text)


def _accepted(result: LinkResult, accept: frozenset[int]) -> LinkResult:
    """``result`` classified again with ``accept`` as the statuses that count as alive."""
    code = result.http_status
    if code is None or result.link.kind is Kind.DOI or accept == OK_STATUSES:
        return result
    if code in accept:
        if result.status in (Status.OK, Status.REDIRECTED):
            return result
        return dataclasses.replace(result, status=Status.OK, detail=f"HTTP {code} accepted")
    if result.status in (Status.OK, Status.REDIRECTED):
        return dataclasses.replace(result, status=Status.ERROR, suggestion="",
                                   detail=f"HTTP {code} is not an accepted status")
    return result


# ---------------------------------------------------------------- the cache


def _cache_key(link: Link, doi_url: str) -> str:
    return doi_url + link.target.casefold() if link.kind is Kind.DOI else link.target


def _to_cache(result: LinkResult) -> dict[str, Any]:
    return {
        "status": result.status.value, "http_status": result.http_status, "final_url": result.final_url,
        "redirects": [[h.url, h.status] for h in result.redirects], "attempts": result.attempts,
        "elapsed_ms": result.elapsed_ms, "suggestion": result.suggestion, "detail": result.detail,
    }  # fmt: skip


def _from_cache(link: Link, value: Any) -> LinkResult | None:
    try:
        return LinkResult(
            link, Status(value["status"]), value["http_status"], value["final_url"],
            tuple(Hop(url, status) for url, status in value["redirects"]), value["attempts"],
            value["elapsed_ms"], 0, value["suggestion"], value["detail"], cached=True,
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None  # written by another version: checked again


def open_cache(options: NetworkOptions) -> ResponseCache | None:
    if not options.cache:
        return None
    from refcheck.netcache import ResponseCache

    return ResponseCache(options.cache_dir)


# ---------------------------------------------------------------- running


@dataclass
class Run:
    """What one run of network checks found: per group of links, their results; per
    group of references, their verifications; and a warning about the cache, if any."""

    links: list[list[LinkResult]]
    verified: list[list[Verification]]
    warnings: list[str]


def run(
    link_groups: Sequence[Sequence[Link]] = (),
    reference_groups: Sequence[Sequence[Reference]] = (),
    options: NetworkOptions = NetworkOptions(),
    *,
    on_total: Callable[[int], None] | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
) -> Run:
    """Check the links of every group and verify the references of every group, in one
    event loop over one client.  A link that several groups have is checked once; excluded
    links are left out of the results."""
    return asyncio.run(_run(link_groups, reference_groups, options, on_total, on_result))


async def _run(
    link_groups: Sequence[Sequence[Link]],
    reference_groups: Sequence[Sequence[Reference]],
    options: NetworkOptions,
    on_total: Callable[[int], None] | None,
    on_result: Callable[[LinkResult], None] | None,
) -> Run:
    groups = [[link for link in group if not _excluded(link, options.exclude)] for group in link_groups]
    distinct: dict[tuple[str, str], Link] = {}
    for group in groups:
        for link in group:
            distinct.setdefault(link.key, link)
    cache = open_cache(options)
    warnings: list[str] = []
    known: dict[tuple[str, str], LinkResult] = {}
    try:
        if cache is not None and distinct:
            keys = {key: _cache_key(link, options.doi_url) for key, link in distinct.items()}
            stored = cache.get_many("link", list(keys.values()))
            for key, link in distinct.items():
                value = stored.get(keys[key])
                if value is not None:
                    found = _from_cache(link, value)
                    if found is not None:
                        known[key] = found
        todo = [link for key, link in distinct.items() if key not in known]
        if on_total is not None:
            on_total(len(distinct))
        if on_result is not None:
            for result in known.values():
                on_result(result)
        async with Fetcher(None, options.politeness, transport=options.transport) as fetcher:
            checking = check_with(fetcher, todo, doi_url=options.doi_url, deadline=options.deadline,
                                  on_result=on_result)
            verifying = asyncio.gather(*(_verify(refs, fetcher, options, cache) for refs in reference_groups))
            checked, verified = await asyncio.gather(checking, verifying)
        if cache is not None:
            cache.put_many(
                ("link", _cache_key(r.link, options.doi_url), _to_cache(r), r.status in (Status.OK, Status.REDIRECTED))
                for r in checked if _cacheable(r)
            )  # fmt: skip
            if cache.warning:
                warnings.append(cache.warning)
    finally:
        if cache is not None:
            cache.close()
    for result in checked:
        known[result.link.key] = result
    per_group = [
        [_accepted(dataclasses.replace(known[link.key], link=link), options.accept) for link in group]
        for group in groups
    ]
    return Run(per_group, list(verified), warnings)


def _cacheable(result: LinkResult) -> bool:
    # A link not checked for want of time, or while the network seemed down, says nothing
    # about the link; a malformed one costs nothing to find again.
    if result.link.malformed or (result.status is Status.TIMEOUT and result.attempts == 0):
        return False
    return not (result.connect and result.status is Status.ERROR)


def _excluded(link: Link, patterns: Sequence[re.Pattern[str]]) -> bool:
    return any(p.search(link.target) for p in patterns)


async def _verify(references: Sequence[Reference], fetcher: Fetcher, options: NetworkOptions,
                  cache: ResponseCache | None) -> list[Verification]:
    from refcheck.verify import verify_references

    return await verify_references(references, fetcher, crossref_url=options.crossref_url,
                                   openalex_url=options.openalex_url, mailto=options.mailto, cache=cache)


def summary(groups: Sequence[Sequence[LinkResult]]) -> str:
    """One line: how many distinct links were checked, by status, and how many came from the cache."""
    distinct: dict[tuple[str, str], LinkResult] = {}
    for group in groups:
        for result in group:
            distinct.setdefault(result.link.key, result)
    counts = {status: 0 for status in Status}
    for result in distinct.values():
        counts[result.status] += 1
    parts = [f"{n} {status.value}" for status, n in counts.items() if n]
    cached = sum(1 for r in distinct.values() if r.cached)
    total = len(distinct)
    line = f"Checked {total} link{'s' if total != 1 else ''}"
    if parts:
        line += ": " + ", ".join(parts)
    if cached:
        line += f" ({cached} from the cache)"
    return line + ".\n"

