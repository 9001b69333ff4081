"""Rules about the reference list itself (RC2xx) and the document as a whole (RC3xx)."""

from __future__ import annotations

from collections.abc import Iterator

from refcheck.model import CitationKind, Edit, Reference, Severity
from refcheck.matching import family_key
from refcheck.rules.citations import entry_label
from refcheck.rules.registry import Context, Problem, Rule, fold, rule

RULES: list[Rule] = []

_WEB_TYPES = frozenset({"webpage", "article-newspaper", "post-weblog", "post"})


@rule("RC201", "missing-url", Severity.WARNING, RULES)
def missing_url(context: Context) -> Iterator[Problem]:
    """An entry that says it is online, or is a web or news source, but gives no URL or DOI.

    "Available at", "accessed", "retrieved from" and "[online]" say a source is online.

    Bad:  ``Marsh, P. (2019) ‘Tides’, The Courier. Available at: (Accessed: 4 March 2019).``
    Good: ``Marsh, P. (2019) ‘Tides’, The Courier. Available at: https://courier.example/tides (Accessed: 4 March 2019).``
    """
    for reference in context.references:
        if reference.url or reference.doi or reference.malformed_urls:
            continue  # a malformed URL is malformed-url's to report
        if reference.online:
            why = "says it is online"
        elif reference.type in _WEB_TYPES:
            why = "is a web or news source"
        else:
            continue
        yield context.entry_problem(reference, f"{entry_label(reference)} {why} but gives no URL or DOI")


@rule("RC202", "malformed-url", Severity.ERROR, RULES)
def malformed_url(context: Context) -> Iterator[Problem]:
    """A URL that is not a valid absolute http(s) URL, or a malformed DOI.

    Catches truncated links, links without a scheme or host, and links with spaces.

    A web address without its scheme (``www.…``) is flagged where the other URLs of
    the list have one (MLA leaves the scheme out on purpose), with ``https://`` as its fix.

    Bad:  ``Available at: –only-after-the-vote/2019/03/04/story.html``
    Good: ``Available at: https://news.example/2019/03/04/story.html``
    """
    for reference in context.references:
        for span, text in reference.malformed_urls:
            shown = text if len(text) <= 60 else text[:57] + "…"
            message = f"‘{shown}’ in {entry_label(reference)} is not a complete URL or DOI"
            yield context.entry_problem(reference, message, span)
    # A web address without its scheme: MLA omits "https://" on purpose, so
    # it is a fault only where the rest of the list writes the scheme.
    urls = [r for r in context.references if r.url]
    schemeless = [r for r in urls if not r.url.casefold().startswith(("http://", "https://"))]
    if len(schemeless) * 2 >= len(urls):
        return
    for reference in schemeless:
        span = reference.field_span("URL") or reference.span
        suggestion = f"https://{reference.url}"
        yield context.entry_problem(
            reference,
            f"‘{reference.url}’ in {entry_label(reference)} has no scheme, unlike the other URLs in the list",
            span,
            suggestion,
            (Edit(span, suggestion),),
        )


@rule("RC203", "duplicate-reference", Severity.WARNING, RULES)
def duplicate_reference(context: Context) -> Iterator[Problem]:
    """Two entries that describe the same work.

    Same DOI, or the same title, date and first author even when the other
    authors differ. The later entry is reported.

    Bad:  ``Denyer, S. (2018) ‘Summit plans’…`` and ``Denyer, S. and Kim, M. J. (2018) ‘Summit plans’…``
    Good: one entry for the work.
    """
    for index, earlier_index in context.duplicates.items():
        reference, earlier = context.references[index], context.references[earlier_index]
        if earlier.origin is not None:
            where = f"at {context.where(earlier)}"
        elif reference.origin is not None:  # reported in a file: name the article
            where = f"on {context.where(earlier)} of {context.document.path}"
        else:
            where = f"on {context.where(earlier)}"
        yield context.entry_problem(reference, f"{entry_label(reference)} duplicates {entry_label(earlier)} {where}")


def _sort_key(reference: Reference, particles: bool = False) -> tuple[str, str]:
    if reference.authors:
        first = reference.authors[0]
        family = f"{first.particle} {first.family}" if particles and first.particle else first.family
        who = fold(first.literal or family)
    else:
        who = fold(reference.title)
    return who, fold(str(reference.issued)) if reference.issued is not None else ""


def sort_key(reference: Reference) -> tuple[str, str]:
    """Where an entry goes in an author-date list put in order: first author (particles
    left out, as APA does), then date; an order no reference-order finding objects to."""
    return _sort_key(reference, False)


def _order_keys(reference: Reference) -> tuple[tuple[str, str], tuple[str, str], tuple[str, ...]]:
    """Sort keys without and with particles, and the author list, for reference-order."""
    authors = tuple(family_key(n.family or n.literal) for n in reference.authors)
    return _sort_key(reference, False), _sort_key(reference, True), authors


def _before(keys: tuple[tuple[str, str], tuple[str, str], tuple[str, ...]],
            previous: tuple[tuple[str, str], tuple[str, str], tuple[str, ...]]) -> bool:
    """Whether an entry sorts before the previous one by first author, then year.

    Styles differ on particles (APA files "van der Linde" under V, Chicago
    often under L): an entry is out of order only if it is under both.
    """
    same_authors = keys[2] == previous[2]
    for particles in (0, 1):
        before, after = previous[particles], keys[particles]
        if not (after[0] < before[0] or (same_authors and after[0] == before[0] and after[1] < before[1])):
            return False
    return True


@rule("RC204", "reference-order", Severity.WARNING, RULES)
def reference_order(context: Context) -> Iterator[Problem]:
    """An author-date reference list not in alphabetical order by first author, then year.

    Bad:  ``Diamond, J. …`` listed before ``Denyer, S. …``.
    Good: ``Denyer, S. …`` before ``Diamond, J. …``.
    """
    # Only the article's own list: the order of a bibliographic file is no reader's concern.
    listed = context.listed
    if context.numeric or len(listed) < 2:
        return
    # Adjacent pairs only: one entry out of place is one finding, not one per entry it passed.
    keys = [_order_keys(r) for r in listed]
    for i in range(1, len(keys)):
        previous, reference = listed[i - 1], listed[i]
        if _before(keys[i], keys[i - 1]):
            yield Problem(
                f"{entry_label(reference)} should come before {entry_label(previous)}",
                context.entry_line_span(reference),
            )


_CONTAINER_TYPES = {
    "article-journal": "journal",
    "article-newspaper": "newspaper",
    "article-magazine": "magazine",
    "chapter": "book",
    "paper-conference": "proceedings",
}


@rule("RC205", "missing-fields", Severity.WARNING, RULES)
def missing_fields(context: Context) -> Iterator[Problem]:
    """An entry without a year, a title, or the container its type needs.

    A journal article needs its journal, a chapter its book. Write ``n.d.``
    for a work that has no date; a web page with an access date may go without.

    Bad:  ``Ortiz, L. ‘Coastal retreat’, Journal of Shores, 4(2), 1–9.`` (no year)
    Good: ``Ortiz, L. (2018) ‘Coastal retreat’, Journal of Shores, 4(2), 1–9.``
    """
    for reference in context.references:
        missing = []
        # A web page dated only by when it was read is normal in IEEE and Vancouver.
        if reference.issued is None and not (reference.accessed and (reference.url or reference.doi)):
            missing.append("year")
        if not reference.title:
            missing.append("title")
        container = _CONTAINER_TYPES.get(reference.type)
        if container and not reference.container_title:
            missing.append(container)
        if missing:
            what = ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1]
            yield context.entry_problem(reference, f"{entry_label(reference)} has no {what}")


@rule("RC206", "numbering-order", Severity.WARNING, RULES)
def numbering_order(context: Context) -> Iterator[Problem]:
    """A numbered list with gaps or repeats, or not numbered in order of first citation.

    IEEE and Vancouver number entries in the order they are first cited; a
    list sorted alphabetically is held only to having no gaps.

    Bad:  the first citation in the text is ``[2]``; the list goes 1, 2, 4.
    Good: citations first appear as [1], [2], [3]…; the list goes 1, 2, 3.
    """
    if not context.numeric:
        return
    expected = 1
    for reference in context.listed:
        if reference.number is None:
            continue
        if reference.number != expected:
            what = "repeats" if reference.number < expected else "skips"
            yield Problem(
                f"entry [{reference.number}] {what} the numbering: expected [{expected}]",
                context.entry_line_span(reference),
                f"[{expected}]",
            )
        expected = reference.number + 1
    keys = [_sort_key(r) for r in context.listed]
    if keys == sorted(keys):
        return  # an alphabetical numeric style: order of citation does not matter
    numbers = [
        c.number for c in context.citations if c.kind is CitationKind.NUMERIC and c.number is not None
    ]
    # Entries that are missing or never cited are other rules' business:
    # the expected order runs over entries that are both listed and cited.
    expected_order = sorted({n for n in numbers} & {r.number for r in context.listed})
    position = 0
    for citation in context.citations:
        number = citation.number
        if citation.kind is not CitationKind.NUMERIC or number not in expected_order:
            continue
        if position < len(expected_order) and number == expected_order[position]:
            position += 1
        elif position < len(expected_order) and number > expected_order[position]:
            yield Problem(
                f"[{number}] is cited before [{expected_order[position]}]; entries should be "
                "numbered in order of first citation",
                citation.span,
            )
            return  # one report: the rest of the numbering follows from it


@rule("RC301", "no-reference-list", Severity.ERROR, RULES)
def no_reference_list(context: Context) -> Iterator[Problem]:
    """Citations in the text but no reference list found.

    refcheck looks for a heading such as References, Bibliography or Works
    cited, or else for a run of reference-like paragraphs at the end.

    Bad:  an article citing ``(Marsh, 2019)`` that ends without a list.
    Good: the article ends with a ``References`` heading and its entries.
    """
    if context.citations and not context.references:
        first = context.citations[0]
        yield Problem(
            f"{len(context.citations)} citations but no reference list was found",
            first.span,
        )
