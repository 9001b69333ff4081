"""Fields of an entry from the spans the learned labeller found (see refcheck.crf).

The labeller says where each field is; this module trims what the field's
span holds besides its value ("pp.", "Vol.", "In:", "(Eds.)", quotes) and
reads the date, so that the result has the shape the rule-based reader
gives (refcheck.references.fields.Fields).
"""

from __future__ import annotations

import re

from refcheck.dates import find_dates
from refcheck.model import Date
from refcheck.references.fields import Fields, Region

__all__ = ["learned_fields"]

_EDGE = " \t.,;:*_/\"'“”‘’«»„‚‹›`()[]{}"
_PAGES_LABEL = re.compile(r"(?i)\s*(?:pp?|pgs?|pages?|s|seiten?|bl|col)\b\.?\s*")
_VOLUME_LABEL = re.compile(r"(?i)\s*(?:vols?|volume|bd|band|tome|t|jg|jahrgang|anno|year)\b\.?\s*")
_ISSUE_LABEL = re.compile(r"(?i)\s*(?:nos?|nr|number|issue|iss|heft|h|fasc|n[°º])\b\.?\s*|\s*n[°º]\s*")
# A volume span that holds the issue too, as AnyStyle labels them: "12(3)", "9, no. 2".
_VOLUME_ISSUE = re.compile(
    r"\s*([^\s(),]+)\s*(?:\(\s*([^()]+?)\s*\)|,?\s*(?i:nos?|nr|issue|iss|heft|h|n[°º])\.?\s*(\S+?))\s*$"
)
_CONTAINER_LEAD = re.compile(r"(?i)\s*(?:in|dans|en|im)\b\s*:?\s*")
_EDITOR_LEAD = re.compile(
    r"(?i)\s*(?:in\s*:?\s*)?(?:(?:edited|ed|eds|hrsg|hg)\.?\s+(?:by|v\.|von)\s+|(?:ed|eds|dir|coord|hrsg|hg)\.\s+)?"
)
_ROLE_TAIL = re.compile(
    r"(?i)[\s,]*(?:[(\[]\s*)?(?<![^\W\d_])(?:eds?|editors?|editor\(s\)|hrsg|hgg?|dirs?|coords?|éds?|red|ed\.\s*by)\.?(?:\s*[)\]])?\s*[.,:;]*\s*$"
)
_EDITION_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)")
_EDITION_WORDS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "revised": "revised",
}  # fmt: skip


def _strip(text: str, start: int, end: int) -> Region | None:
    """``text[start:end]`` without the punctuation and spaces at its edges.

    A closing bracket or quote stays when the region opened it.
    """
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        closer = text[end - 1]
        if closer == "." and end - start >= 2 and text[end - 2].isalpha() and (
            end - start == 2 or not text[end - 3].isalpha()
        ):
            break  # the full stop of an initial: "Smith, J."
        opener = {")": "(", "]": "["}.get(closer)
        if opener is not None and opener in text[start : end - 1]:
            break
        end -= 1
    return (start, end) if start < end else None


def _with_initial_stop(text: str, region: Region | None) -> Region | None:
    """A name list's region with the full stop after a final initial: "…, Ruiz-Santos, A."."""
    if region is None:
        return None
    start, end = region
    if (
        text[end : end + 1] == "."
        and text[end - 1].isalpha()
        and (end - 1 == start or not text[end - 2].isalpha())
    ):
        return start, end + 1
    return region


def _after(pattern: re.Pattern[str], text: str, region: Region | None) -> Region | None:
    """``region`` without a leading label matched by ``pattern`` ("pp. ", "Vol. ")."""
    if region is None:
        return None
    m = pattern.match(text, region[0], region[1])
    if m is not None and m.end() > region[0]:
        return _strip(text, m.end(), region[1])
    return region


def learned_fields(text: str, spans: list[tuple[str, int, int]]) -> Fields:
    """The Fields of the entry ``text`` from its labelled spans."""
    first: dict[str, Region] = {}
    dates: list[Region] = []
    for label, start, end in spans:
        region = _strip(text, start, end)
        if region is None:
            continue
        if label == "date":
            dates.append((start, end))
        if label not in first:
            first[label] = region
    fields = Fields()
    author = first.get("author")
    if author is not None:
        role = _ROLE_TAIL.search(text, author[0], author[1])
        if role is not None and role.start() > author[0] and "editor" not in first:
            # "Smith, J. (Ed.)": the names before the role are the editors.
            fields.editor_role = True
            author = _strip(text, author[0], role.start())
        fields.author = _with_initial_stop(text, author)
    editor = first.get("editor")
    if editor is not None:
        m = _EDITOR_LEAD.match(text, editor[0], editor[1])
        start = m.end() if m is not None else editor[0]
        role = _ROLE_TAIL.search(text, start, editor[1])
        end = role.start() if role is not None and role.start() > start else editor[1]
        fields.editor = _with_initial_stop(text, _strip(text, start, end))
    for region in dates:
        found = find_dates(text, region[0], region[1])
        if found:
            span, date = found[0]
            fields.issued, fields.issued_span = date, (span.start, span.end)
            break
    else:
        # The labeller saw a date that the date reader does not take ("1999/2000"): its year.
        for region in dates:
            year = _YEAR.search(text, region[0], region[1])
            if year is not None:
                fields.issued, fields.issued_span = Date(year=int(year.group())), year.span()
                break
    title = first.get("title")
    fields.title = title
    if title is not None:
        fields.title_end = title[1]
    fields.container = _after(_CONTAINER_LEAD, text, first.get("container-title"))
    volume = _after(_VOLUME_LABEL, text, first.get("volume"))
    issue = _after(_ISSUE_LABEL, text, first.get("issue"))
    if volume is not None and issue is None:
        m = _VOLUME_ISSUE.match(text, volume[0], volume[1])
        if m is not None:
            volume, issue = m.span(1), m.span(2) if m.group(2) else m.span(3)
    fields.volume = volume
    fields.issue = issue
    fields.page = _after(_PAGES_LABEL, text, first.get("pages"))
    fields.publisher = first.get("publisher")
    fields.place = first.get("location")
    edition = first.get("edition")
    if edition is not None:
        written = text[edition[0] : edition[1]]
        number = _EDITION_NUMBER.search(written)
        word = written.split()[0].casefold().rstrip(".") if written.split() else ""
        fields.edition = number.group() if number else _EDITION_WORDS.get(word, written)
        fields.edition_span = edition
    return fields
