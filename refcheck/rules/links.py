"""Rules about the links of a document, checked over the network (RC4xx): ``--links`` only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from refcheck.links import Kind, LinkResult, Status
from refcheck.model import Edit, Severity, Span
from refcheck.rules.registry import Context, Problem, Rule, rule

RULES: list[Rule] = []


def _shown(url: str, width: int = 80) -> str:
    return url if len(url) <= width else url[: width - 1] + "…"


def _what(result: LinkResult) -> str:
    link = result.link
    return f"DOI {link.target}" if link.kind is Kind.DOI else f"‘{_shown(link.target)}’"


def _problems(context: Context, wanted: Callable[[LinkResult], bool],
              message: Callable[[LinkResult], str], fixable: bool = False) -> Iterator[Problem]:
    """One problem at every place of every link whose result is ``wanted``."""
    if context.online is None:
        return
    text = context.document.text
    # A malformed URL in the reference list is malformed-url's (RC202) to report.
    malformed = [span for reference in context.references for span, _ in reference.malformed_urls]
    for result in context.online.links:
        if not wanted(result):
            continue
        said = message(result)
        link = result.link
        for span in link.spans:
            if link.malformed and any(m.start <= span.start < m.end for m in malformed):
                continue
            fix: tuple[Edit, ...] = ()
            if fixable and result.suggestion and text[span.start : span.end] == link.target:
                fix = (Edit(span, result.suggestion),)
            yield Problem(said, span, result.suggestion or None, fix)
        for origin in link.origins:
            yield Problem(said, Span(0, 0), result.suggestion or None, (), origin)


def _dead(result: LinkResult) -> str:
    if result.http_status is None:
        return f"{_what(result)} is dead: {result.detail}"
    if result.redirects:
        return f"{_what(result)} is dead: it redirects to ‘{_shown(result.final_url)}’, which answers HTTP {result.http_status}"
    return f"{_what(result)} is dead: HTTP {result.http_status}"


@rule("RC401", "dead-link", Severity.ERROR, RULES)
def dead_link(context: Context) -> Iterator[Problem]:
    """A URL whose page is gone: 404, 410 or another 4xx, an unknown host, a refused connection.

    A redirect chain that ends in one of those is dead too. Runs with ``--links``. Find where the page went (the Internet Archive often has it),
    or cite an archived copy.

    Bad:  ``Available at: https://news.example/2019/tides.html`` (HTTP 404)
    Good: ``Available at: https://web.archive.org/web/2019/https://news.example/2019/tides.html``
    """
    yield from _problems(context, lambda r: r.status is Status.DEAD and r.link.kind is Kind.URL, _dead)


def _redirected(result: LinkResult) -> str:
    if result.suggestion:
        return f"{_what(result)} has moved permanently to ‘{_shown(result.suggestion)}’"
    return (f"{_what(result)} {result.detail} (‘{_shown(result.final_url)}’): "
            "the cited page may be gone or behind a login")


@rule("RC402", "link-redirected", Severity.INFO, RULES)
def link_redirected(context: Context) -> Iterator[Problem]:
    """A URL that has moved permanently, or that is sent to a login or home page.

    Permanently: its first redirect is a 301 or 308. Runs with ``--links``. With ``--fix`` a permanently moved URL is replaced by the address
    it moved to, where it is written in full in the article (not in a bibliography file). A
    redirect to a login or the home page is reported without a fix: the page the citation
    meant is probably gone. Temporary redirects (302, 303, 307) are not reported.

    Bad:  ``http://journal.example/v3/12`` (301 to https://journal.example/articles/v3-12)
    Good: ``https://journal.example/articles/v3-12``
    """
    yield from _problems(context, lambda r: r.status is Status.REDIRECTED, _redirected, fixable=True)


@rule("RC403", "link-blocked", Severity.INFO, RULES)
def link_blocked(context: Context) -> Iterator[Problem]:
    """A URL whose server turned refcheck away: 401, 403, a bot wall, or 429 after the retries.

    Runs with ``--links``. Many publishers turn programs away; the page may well be
    alive. Open it in a browser, or ``--accept 200..=299,403`` to count 403 as alive.

    Bad:  ``https://publisher.example/doi/full/10.1000/x`` (HTTP 403 to programs)
    Good: ``https://doi.org/10.1000/x`` (a DOI is checked through the resolver)
    """
    yield from _problems(context, lambda r: r.status is Status.BLOCKED,
                         lambda r: f"{_what(r)} turned refcheck away (HTTP {r.http_status}): check it in a browser")


def _error(result: LinkResult) -> str:
    if result.http_status is not None and not result.detail:
        return f"{_what(result)} could not be checked: the server answered HTTP {result.http_status}"
    return f"{_what(result)} could not be checked: {result.detail or 'error'}"


@rule("RC404", "link-error", Severity.WARNING, RULES)
def link_error(context: Context) -> Iterator[Problem]:
    """A link that could not be checked: a server error, a reset, TLS, a loop, a malformed URL.

    Also a TLS failure, more than 10 redirects, or no network at all. Runs with ``--links``. Says nothing about the page itself: try again later.

    Bad:  ``http//journal.example/v3`` (not a URL), or a server answering 500
    Good: ``https://journal.example/v3``
    """
    yield from _problems(context, lambda r: r.status is Status.ERROR, _error)


@rule("RC405", "link-timeout", Severity.WARNING, RULES)
def link_timeout(context: Context) -> Iterator[Problem]:
    """A link whose server did not answer in time, or that was unchecked at the deadline.

    Each attempt has ``--timeout`` seconds; links still unchecked at the run's
    ``--deadline`` are given up. Runs with ``--links``. Slow servers come back; try again later, or give a longer
    ``--timeout``.

    Bad:  ``https://slow.example/report.pdf`` (no answer in 20 s, three times)
    Good: the same URL, answering when tried again
    """

    def said(result: LinkResult) -> str:
        if result.detail and result.attempts == 0:
            return f"{_what(result)} {result.detail}"
        return f"{_what(result)} did not answer in time ({result.attempts} attempts)"

    yield from _problems(context, lambda r: r.status is Status.TIMEOUT, said)


@rule("RC406", "doi-not-found", Severity.ERROR, RULES)
def doi_not_found(context: Context) -> Iterator[Problem]:
    """A DOI that the DOI resolver does not know: mistyped, or never registered.

    Runs with ``--links``. DOIs are checked through the resolver's handle API
    (``--doi-url``), not the publisher's page, which often turns programs away.

    Bad:  ``https://doi.org/10.1000/jx.2019.0312`` (no such DOI)
    Good: ``https://doi.org/10.1000/jx.2019.0321``
    """
    yield from _problems(context, lambda r: r.status is Status.DEAD and r.link.kind is Kind.DOI,
                         lambda r: f"{_what(r)} does not exist: the DOI resolver does not know it")
