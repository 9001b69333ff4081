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
# A full stop that ends a sentence inside a labelled title: after a word of two or more
# letters (not an initial, as in "U.S. policy"), before a word (in Markdown emphasis or not).
_SENTENCE_BREAK = re.compile(r"(?<=[^\W\d_]{2})\.\s+(?=[*_]*[^\W\d_])")
_EDITOR_CUE = re.compile(r"(?i)\b(?:eds?|editors?|edited|hrsg|hgg?|dirs?|coords?|éds?|red)\b")
_LEADING = " \t[]().0123456789"
_QUOTE_PAIRS = {"‘": "’", "“": "”", '"': '"', "'": "'", "«": "»", "„": "“", "‚": "‘"}
_ABBREVIATED = frozenset("al ed eds vol vols no nr pp st dr mr mrs ms jr sr inc ltd co corp univ dept".split())
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)")
_EDITION_WORDS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "revised": "revised",
}  # fmt: skip


def _strip(text: str, start: int, end: int) -> Region | None:
    """``text[start:end]`` without the punctuation and spaces at its edges.

    A closing bracket stays when the region opened it, and so does the last stop of a
    dotted abbreviation ("U.K."); the full stop after a name's final initial is put back
    by _with_initial_stop, while a journal's "Q." loses it as its other words do.
    """
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        closer = text[end - 1]
        if closer == "." and end - start >= 3 and text[end - 2].isalpha() and text[end - 3] == ".":
            break  # a dotted abbreviation keeps its last stop: "U.K.", "D.C."
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


def _split_container(text: str, title: Region) -> tuple[Region, Region | None]:
    """A title that ran on into the journal or site ("Moving inland. Coast Stud"): split at
    its last sentence break when what follows is short, as a journal's or site's name is."""
    last = None
    for m in _SENTENCE_BREAK.finditer(text, title[0], title[1]):
        word = text[max(title[0], m.start() - 40) : m.start()].rsplit(None, 1)[-1].casefold()
        if word not in _ABBREVIATED:
            last = m
    if last is None or len(text[last.end() : title[1]].split()) > 8:
        return title, None
    head = _strip(text, title[0], last.start() + 1)
    tail = _strip(text, last.end(), title[1])
    if head is None or tail is None:
        return title, None
    return head, tail


def _split_quoted(text: str, title: Region) -> tuple[Region, Region | None]:
    """A quoted title that ran on past its closing quote into the site or journal
    ("‘The estates the bike network forgot’, *Southside Voice*"): split at the quote."""
    before = title[0] - 1
    while before >= 0 and text[before] in " *_":
        before -= 1
    closer = _QUOTE_PAIRS.get(text[before]) if before >= 0 else None
    if closer is None:
        return title, None
    for m in re.finditer(re.escape(closer) + r"(?=[\s,.;:]|$)", text[title[0] : title[1]]):
        at = title[0] + m.start()
        head, tail = _strip(text, title[0], at), _strip(text, at + 1, title[1])
        if head is None or tail is None or len(text[tail[0] : tail[1]].split()) > 8:
            return title, None
        return head, tail
    return title, None


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
    editor = first.get("editor")
    if (
        editor is not None
        and "author" not in first
        and not text[: editor[0]].strip(_LEADING)
        and _EDITOR_CUE.search(text, editor[0], min(len(text), editor[1] + 12)) is None
    ):
        # Names that open the entry with no word saying they edited it are its authors.
        first["author"] = first.pop("editor")
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
    if fields.issued is None:
        # "(n.d.)" left unlabelled: an undated marker anywhere says the entry has no date.
        for span, date in find_dates(text, 0, len(text)):
            if date.year is None:
                fields.issued, fields.issued_span = date, (span.start, span.end)
                break
    title = first.get("title")
    container = _after(_CONTAINER_LEAD, text, first.get("container-title"))
    if title is None and container is not None and "volume" not in first and "pages" not in first:
        # A lone "container" with no volume or pages is the work itself: "*Title*. Publisher."
        title, container = container, None
    # (A URL's span is blanked in ``text``, so the labels say whether there was one.)
    if title is not None and container is None:
        title, container = _split_quoted(text, title)
    if title is not None and container is None and any(
        label in ("volume", "pages", "issue", "url", "doi") for label, _, _ in spans
    ):
        title, container = _split_container(text, title)
    fields.title = title
    if title is not None:
        fields.title_end = title[1]
    fields.container = container
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
