"""Rules about citations and how they match the reference list (RC1xx)."""

from __future__ import annotations

import dataclasses

from collections import Counter, defaultdict
from collections.abc import Iterator

from refcheck.matching import EVERY_ENTRY, family_as_written
from refcheck.model import Citation, CitationKind, Discrepancy, Edit, Reference, Severity, State
from refcheck.rules.registry import Context, Problem, Rule, rule

RULES: list[Rule] = []


def describe(citation: Citation) -> str:
    """A citation as a reader would name it: ``Wheeler and Homes (2018-03-13)``, ``[3]``."""
    if citation.kind is CitationKind.NUMERIC:
        return f"[{citation.number}]"
    if citation.kind is CitationKind.KEY:
        return f"@{citation.key}"
    names = list(citation.authors)
    if citation.et_al:
        who = f"{names[0]} et al." if names else "et al."
    elif len(names) > 1:
        who = ", ".join(names[:-1]) + " and " + names[-1]
    else:
        who = names[0] if names else "?"
    return f"{who} ({citation.date})" if citation.date is not None else who


def entry_label(reference: Reference) -> str:
    """An entry as a reader would name it: ``Holmes and Wheeler (2018)``, ``[4]``."""
    if reference.number is not None and not reference.authors:
        return f"[{reference.number}]"
    names = [family_as_written(n) for n in reference.authors]
    if not names:
        who = f"‘{reference.title[:40]}’" if reference.title else reference.text[:40]
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    year = reference.issued.year if reference.issued and reference.issued.year else None
    when = f"{year}{reference.issued.suffix}" if reference.issued and year else "n.d."
    return f"{who} ({when})"


def _discrepancies(context: Context, kinds: set[str]) -> Iterator[tuple[Citation, Reference, Discrepancy]]:
    for m in context.matches:
        if m.reference is None:
            continue
        for d in m.discrepancies:
            if d.kind in kinds:
                yield context.citations[m.citation], context.references[m.reference], d


@rule("RC101", "unresolved-citation", Severity.ERROR, RULES)
def unresolved_citation(context: Context) -> Iterator[Problem]:
    """A citation that no reference in the list matches.

    The message names the nearest entry, if one is near. For a key citation (``\\cite{key}``,
    ``[@key]``) it names the keys a slip away; the fix puts in the key when only one is.

    Bad:  ``(Okafor, 2021)`` with no Okafor in the reference list.
    Good: ``(Okafor, 2021)`` with ``Okafor, C. (2021) …`` in the list.
    """
    if not context.references:
        return  # no-reference-list says it once for the whole document
    keys: list[str] | None = None
    for m in context.matches:
        if m.state is not State.UNRESOLVED:
            continue
        citation = context.citations[m.citation]
        if citation.kind is CitationKind.KEY:
            if keys is None:
                keys = _keys(context)
            yield _unresolved_key(citation, keys)
            continue
        suggestion = None
        message = f"no reference matches {describe(citation)}"
        if m.candidates:
            nearest = entry_label(context.references[m.candidates[0]])
            message += f"; nearest is {nearest}"
            suggestion = nearest
        elif citation.kind is CitationKind.NUMERIC:
            numbers = [r.number for r in context.references if r.number is not None]
            last = max(numbers) if numbers else len(context.references)
            message += f"; the list ends at [{last}]"
        yield Problem(message, citation.span, suggestion)


def _keys(context: Context) -> list[str]:
    return sorted({r.key for r in context.references if r.key})


def _unresolved_key(citation: Citation, keys: list[str]) -> Problem:
    """A key citation that names no entry, with the keys a slip away from it: the fix
    replaces the key only when one key is that close."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    # One slip in a short key, two in a longer one, three in a long one ("brannigan2012").
    limit = max(1, min(3, len(citation.key) // 4))
    hits = process.extract(citation.key, keys, scorer=OSA.distance, processor=str.casefold,
                           score_cutoff=limit, limit=None)  # fmt: skip
    close = [key for key, _, _ in sorted(hits, key=lambda hit: (hit[1], hit[0]))]
    message = f"{describe(citation)} matches no entry"
    if not close:
        return Problem(message, citation.span)
    named = [f"@{key}" for key in close[:3]]
    either = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    fix = (Edit(citation.span, close[0]),) if len(close) == 1 else ()
    return Problem(f"{message}; did you mean {either}?", citation.span, close[0], fix)


@rule("RC102", "uncited-reference", Severity.WARNING, RULES)
def uncited_reference(context: Context) -> Iterator[Problem]:
    """A reference-list entry that no citation uses.

    An uncited copy of another entry is left to duplicate-reference. An entry of a
    bibliographic file (``--bib``, ``\\bibliography{}``, ``bibliography:``) or of CSL items
    the document carries is reported at severity info: BibTeX and pandoc print only what is
    cited, and one library often serves many papers; ``\\nocite{*}`` (pandoc's ``nocite: '@*'``)
    cites all of them.

    Bad:  ``Marsh, P. (2019) …`` listed but never cited.
    Good: every entry is cited at least once, e.g. ``(Marsh, 2019)``.
    """
    if not context.citations:
        return
    cited = {m.reference for m in context.matches if m.reference is not None}
    cited.update(c for m in context.matches for c in m.candidates if m.state is not State.UNRESOLVED)
    # \nocite{*} (nocite: '@*') cites every entry of the bibliographic files.
    everything = any(c.kind is CitationKind.KEY and c.key == EVERY_ENTRY for c in context.citations)
    for index, reference in enumerate(context.references):
        if everything and reference.origin is not None:
            continue
        # An uncited duplicate is reported once, as duplicate-reference.
        if index not in cited and index not in context.duplicates:
            problem = context.entry_problem(reference, f"{entry_label(reference)} is never cited")
            yield problem if reference.origin is None else dataclasses.replace(problem, severity=Severity.INFO)


@rule("RC103", "author-misspelled", Severity.ERROR, RULES)
def author_misspelled(context: Context) -> Iterator[Problem]:
    """A cited family name a small edit away from the matching reference's spelling.

    The fix replaces the cited name with the reference's.

    Bad:  ``(Wheeler and Homes, 2018)`` where the list has ``Holmes, Marcus``.
    Good: ``(Wheeler and Holmes, 2018)``.
    """
    for citation, _reference, d in _discrepancies(context, {"misspelled"}):
        assert d.author is not None
        written = citation.authors[d.author]
        span = citation.author_spans[d.author]
        yield Problem(
            f"‘{written}’ is spelled ‘{d.expected}’ in the reference list",
            span,
            d.expected,
            (Edit(span, d.expected),),
        )


@rule("RC104", "author-mismatch", Severity.ERROR, RULES)
def author_mismatch(context: Context) -> Iterator[Problem]:
    """The cited authors differ in number or order from the matching reference's.

    Flags a dropped co-author, authors in another order, and ``et al.`` used
    for a work with two authors (or with no further authors).

    Bad:  ``(Diamond and Mallory, 2018)`` for a work by Diamond, Mallory and Phillip.
    Good: ``(Diamond, Mallory and Phillip, 2018)``.
    """
    for citation, reference, d in _discrepancies(context, {"author-order", "author-missing", "et-al"}):
        if d.kind == "author-order":
            assert d.author is not None
            message = (f"‘{citation.authors[d.author]}’ is not in that position among the authors of "
                       f"{entry_label(reference)}")
        elif d.kind == "author-missing":
            message = f"{describe(citation)} leaves out {d.expected}, an author of {entry_label(reference)}"
        else:
            message = f"‘et al.’ used, but {entry_label(reference)} has the authors {d.expected}"
        authors = ", ".join(family_as_written(n) for n in reference.authors)
        yield Problem(message, citation.span, authors)


@rule("RC105", "given-name-as-surname", Severity.WARNING, RULES)
def given_name_as_surname(context: Context) -> Iterator[Problem]:
    """A given name used as a family name, in a citation or in the list's name order.

    In a citation: a cited name that the reference gives as a given name.
    In the list: an entry that writes a name given-name first where the rest
    of the list puts the family name first (or the other way round).

    Bad:  ``(Denyer and Min, 2018)`` where the entry lists ``Min Joo Kim``.
    Good: ``(Denyer and Kim, 2018)``, and ``Kim, Min Joo`` in the list.
    """
    for citation, reference, d in _discrepancies(context, {"given-name"}):
        assert d.author is not None
        written = citation.authors[d.author]
        span = citation.author_spans[d.author]
        yield Problem(
            f"‘{written}’ is a given name in {entry_label(reference)}; the family name is ‘{d.expected}’",
            span,
            d.expected,
            (Edit(span, d.expected),),
        )
    yield from _inverted_entries(context)


_FAMILY_FIRST = frozenset({"family-comma", "family-first"})


def _inverted_entries(context: Context) -> Iterator[Problem]:
    # First authors and later authors are counted apart: MLA and Chicago
    # invert only the first name of an entry.
    for first in (True, False):
        names = [
            (ref, name)
            for ref in context.listed  # names in a bibliographic file are not written by hand
            for position, name in enumerate(ref.authors)
            if (position == 0) == first and name.order in _FAMILY_FIRST | {"given-first"}
        ]
        orders = Counter(name.order in _FAMILY_FIRST for _, name in names)
        if len(names) < 3:
            continue
        prevailing, count = orders.most_common(1)[0]
        if count * 3 < len(names) * 2:
            continue  # no clear house order to hold entries to
        for reference, name in names:
            if (name.order in _FAMILY_FIRST) == prevailing or name.span is None:
                continue
            if prevailing:
                wanted = f"{family_as_written(name)}, {name.given}".strip(", ")
                how = "given name first; the rest of the list puts the family name first"
            else:
                wanted = name.display
                how = "family name first; the rest of the list puts the given name first"
            yield Problem(
                f"‘{context.document.text[name.span.start:name.span.end]}’ is written {how}",
                context.entry_line_span(reference, name.span),
                wanted,
                (Edit(name.span, wanted),),
            )


@rule("RC106", "date-mismatch", Severity.ERROR, RULES)
def date_mismatch(context: Context) -> Iterator[Problem]:
    """The authors match a reference but the cited year or full date differs.

    Bad:  ``(Marsh, 2018)`` where the list has ``Marsh, P. (2019)``.
    Good: ``(Marsh, 2019)``.
    """
    for citation, reference, d in _discrepancies(context, {"date"}):
        listed = reference.issued
        suggestion = None
        fix: tuple[Edit, ...] = ()
        if listed is not None and listed.year is not None:
            suggestion = f"{listed.year}{listed.suffix}"
            cited = citation.date
            if cited is not None and cited.month is None and citation.date_span is not None:
                fix = (Edit(citation.date_span, suggestion),)
        span = citation.date_span or citation.span
        yield Problem(
            f"{describe(citation)} gives {citation.date}, but {entry_label(reference)} is dated {d.expected}",
            span,
            suggestion,
            fix,
        )


@rule("RC107", "ambiguous-citation", Severity.WARNING, RULES)
def ambiguous_citation(context: Context) -> Iterator[Problem]:
    """Several references match a citation equally well.

    Usually two works by the same authors in the same year that need
    ``a``/``b`` suffixes in both the list and the citations.

    Bad:  ``(Nakamura, 2019)`` with two 2019 entries by Nakamura.
    Good: ``(Nakamura, 2019a)`` with ``Nakamura (2019a)`` and ``(2019b)`` in the list.
    """
    for m in context.matches:
        if len(m.candidates) > 1 and m.state is not State.UNRESOLVED:
            citation = context.citations[m.citation]
            entries = "; ".join(entry_label(context.references[i]) for i in m.candidates)
            yield Problem(f"{describe(citation)} could be any of: {entries}", citation.span)


@rule("RC108", "inconsistent-citation", Severity.INFO, RULES)
def inconsistent_citation(context: Context) -> Iterator[Problem]:
    """The same source cited in different forms across the document.

    Forms differ when the names or the way the date is written differ; the
    most common form (the first on a tie) is taken as the house form.

    Bad:  ``(Denyer, 20 September 2018)`` here and ``(Denyer, September 20th 2018)`` there.
    Good: one form throughout.
    """
    text = context.document.text
    forms: dict[int, list[tuple[tuple[str, ...], Citation]]] = defaultdict(list)
    for m in context.matches:
        citation = context.citations[m.citation]
        if m.reference is None or m.discrepancies or citation.kind is not CitationKind.AUTHOR_DATE:
            continue
        span = citation.date_span
        date = " ".join(text[span.start : span.end].split()) if span else ""
        forms[m.reference].append(((*citation.authors, date), citation))
    for reference, seen in forms.items():
        counts = Counter(form for form, _ in seen)
        if len(counts) < 2:
            continue
        order = {form: i for i, (form, _) in reversed(list(enumerate(seen)))}
        house = max(counts, key=lambda f: (counts[f], -order[f]))
        for form, citation in seen:
            if form != house:
                yield Problem(
                    f"{entry_label(context.references[reference])} is cited as ‘{' '.join(form)}’ here "
                    f"but as ‘{' '.join(house)}’ elsewhere",
                    citation.span,
                    " ".join(house),
                )
