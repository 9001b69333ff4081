"""Reference lists: split a section into entries and parse each entry into a Reference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from refcheck.crf import label_many, label_spans
from refcheck.model import Name, Reference, Span
from refcheck.names import read_names
from refcheck.references.entries import split_entries
from refcheck.references.fields import Fields, Region, guess_type, read_fields
from refcheck.references.identifiers import Identifiers, blank, read_identifiers
from refcheck.references.learned import learned_fields

__all__ = ["parse_reference", "parse_references", "read_references", "split_entries"]

# Only so much of an entry is read: a real reference is a few hundred characters,
# and a runaway "entry" (a whole page without blank lines) should stay cheap.
_MAX_ENTRY = 20_000


def _value(text: str, region: Region | None) -> str:
    if region is None:
        return ""
    return " ".join(text[region[0] : region[1]].strip(" \t*_").split())


def _names(
    text: str, region: Region | None, base: int, family_first: bool | None
) -> tuple[tuple[Name, ...], bool]:
    """The names in ``region``, and whether the prevailing order decided any of them."""
    if region is None:
        return (), False
    return read_names(text[region[0] : region[1]], base + region[0], family_first)


def _field_spans(fields: Fields, ids: Identifiers, base: int) -> tuple[tuple[str, Span], ...]:
    regions: list[tuple[str, Region | None]] = [
        ("author", None if fields.editor_role else fields.author),
        ("editor", fields.author if fields.editor_role else fields.editor),
        ("issued", fields.issued_span),
        ("title", fields.title),
        ("container-title", fields.container),
        ("volume", fields.volume),
        ("issue", fields.issue),
        ("page", fields.page),
        ("publisher", fields.publisher),
        ("publisher-place", fields.place),
        ("edition", fields.edition_span),
        ("DOI", ids.doi_span),
        ("URL", ids.url_span),
        ("ISBN", ids.isbn_span),
        ("accessed", ids.accessed_span),
    ]
    return tuple([(key, Span(base + r[0], base + r[1])) for key, r in regions if r is not None])


def parse_reference(
    text: str,
    span: Span,
    number: int | None = None,
    family_first: bool | None = None,
    learned: bool = False,
) -> Reference:
    """Parse the entry at ``span`` of the document ``text`` into a Reference.

    All spans in the result are offsets into ``text``.  ``family_first`` is
    the list's prevailing name order (see ``read_references``).  With
    ``learned``, the fields are found by the learned labeller (refcheck.crf)
    when its model is there, else by the rules.
    """
    return _parse(text, span, number, family_first, learned)[0]


def parse_references(
    entries: Sequence[tuple[str, Span, int | None]], learned: bool = False
) -> list[Reference]:
    """``parse_reference(text, span, number, learned=learned)`` of each entry; with
    ``learned``, the learned labeller labels them all at once (faster for many)."""
    return [reference for reference, _ in _parse_all(entries, learned)]


def _parse_all(
    entries: Sequence[tuple[str, Span, int | None]], learned: bool
) -> list[tuple[Reference, _Reread]]:
    labelled = label_many([_head(text, span)[3] for text, span, _ in entries]) if learned else None
    if labelled is None:
        return [_parse(text, span, number, None) for text, span, number in entries]
    return [
        _parse(text, span, number, None, True, spans)
        for (text, span, number), spans in zip(entries, labelled)
    ]


# What ``read_references`` needs to read an entry's names again in another order:
# the masked entry, its fields and its start, or None when the order cannot change them.
_Reread = tuple[str, Fields, int] | None


def _head(text: str, span: Span) -> tuple[int, int, str, str]:
    """Where the entry at ``span`` is (start, end), its text on one line and the part of it that is read."""
    start = max(0, min(span.start, len(text)))
    end = max(start, min(span.end, len(text)))
    entry = text[start:end].replace("\n", " ").replace("\r", " ")
    return start, end, entry, entry[:_MAX_ENTRY]


def _parse(
    text: str,
    span: Span,
    number: int | None,
    family_first: bool | None,
    learned: bool = False,
    labelled: list[tuple[str, int, int]] | None = None,
) -> tuple[Reference, _Reread]:
    """The Reference, with what is needed to read its names again in another order.

    ``labelled``: the learned labeller's spans of the entry, when ``learned`` and
    they are known already.
    """
    start, end, entry, head = _head(text, span)
    # Step 1: identifiers and online markers, then blank them out for the later steps.
    ids = read_identifiers(head)
    masked = blank(head, ids.consumed)
    trailing = min((s for s, _ in ids.consumed), default=len(head))
    # Step 2: the bibliographic fields, in reading order.
    spans = (label_spans(head) if labelled is None else labelled) if learned else None
    fields = read_fields(masked, trailing) if spans is None else learned_fields(masked, spans)
    # Step 3: names, values and the type.
    authors, editors, ordered_by_list = _people(masked, fields, start, family_first)
    if spans is not None and not _plausible(authors + editors):
        # The labeller's reading makes no sense ("inland" as a family name): the rules'
        # reading, when it makes more.
        ruled = read_fields(masked, trailing)
        people = _people(masked, ruled, start, family_first)
        if (people[0] or people[1]) and _plausible(people[0] + people[1]):
            fields, (authors, editors, ordered_by_list) = ruled, people
    container = _value(masked, fields.container)
    title = _value(masked, fields.title)
    has_link = bool(ids.url) or "doi.org" in entry
    kind = guess_type(masked, container, fields, bool(editors) and not fields.editor_role, has_link, bool(ids.isbn))
    reference = Reference(
        span=Span(start, end),
        text=entry,
        number=number,
        authors=authors,
        editors=editors,
        issued=fields.issued,
        title=title,
        container_title=container,
        volume=_value(masked, fields.volume),
        issue=_value(masked, fields.issue),
        page=_value(masked, fields.page),
        publisher=_value(masked, fields.publisher),
        publisher_place=_value(masked, fields.place),
        edition=fields.edition,
        doi=ids.doi,
        url=ids.url,
        isbn=ids.isbn,
        accessed=ids.accessed,
        type=kind,
        online=ids.online,
        malformed_urls=tuple([(Span(start + s, start + e), t) for s, e, t in ids.malformed]),
        field_spans=_field_spans(fields, ids, start),
    )
    return reference, ((masked, fields, start) if ordered_by_list else None)


def _plausible(names: tuple[Name, ...]) -> bool:
    """Whether a reading of an entry's names could be right: a family name starts with a
    capital, unless it has a particle ("van") or the whole name is lower case ("bell hooks")."""
    for name in names:
        if name.literal or not name.family:
            continue
        if name.family[0].islower() and not name.particle and name.given[:1].isupper():
            return False
    return True


def _people(
    masked: str, fields: Fields, start: int, family_first: bool | None
) -> tuple[tuple[Name, ...], tuple[Name, ...], bool]:
    """Authors and editors, and whether the prevailing order decided any of them."""
    listed, ordered_by_list = _names(masked, fields.author, start, family_first)
    authors, editors = ((), listed) if fields.editor_role else (listed, ())
    if fields.editor is not None:
        more, more_by_list = _names(masked, fields.editor, start, family_first)
        editors = editors + more
        ordered_by_list = ordered_by_list or more_by_list
    return authors, editors, ordered_by_list


def _prevailing_order(references: list[Reference]) -> bool | None:
    """True when most entries write their first author "Family, Given" (or "Family G")."""
    family = given = 0
    for ref in references:
        if not ref.authors:
            continue
        order = ref.authors[0].order
        if order in ("family-comma", "family-first"):
            family += 1
        elif order == "given-first":
            given += 1
    if family == given:
        return None
    return family > given


def read_references(text: str, section: Span, learned: bool = False) -> list[Reference]:
    """Split the section into entries and parse them, reading names in the list's prevailing order.

    Entries are parsed once; once the list's prevailing order is known, only
    the names it decided are read again, since nothing else depends on it.
    With ``learned``, the learned labeller finds the fields (see parse_reference).
    """
    parsed = _parse_all([(text, span, number) for span, number in split_entries(text, section)], learned)
    first = [reference for reference, _ in parsed]
    family_first = _prevailing_order(first)
    if family_first is None:
        return first
    out = []
    for reference, reread in parsed:
        if reread is None:
            # No name of this entry was ordered by the list: reading it again gives the same.
            out.append(reference)
            continue
        masked, fields, start = reread
        authors, editors, _ = _people(masked, fields, start, family_first)
        if authors != reference.authors or editors != reference.editors or any(
            a.order != b.order for a, b in zip(authors, reference.authors)
        ):
            reference = replace(reference, authors=authors, editors=editors)
        out.append(reference)
    return out
