"""Split a reference section into its entries: paragraphs, lines, numbered and list items."""

from __future__ import annotations

import re

from refcheck.model import Span

# A list label at the start of a line: "[1]", "(1)", "1.", "1)", or a Markdown
# bullet.  Three digits at most, so that a year ("2019.") is never a label.
_LABEL = re.compile(
    r"[ \t]*(?:\[(?P<bracket>\d{1,4})\]|\((?P<paren>\d{1,3})\)|(?P<dot>\d{1,3})[.)](?=\s)|[-*+•‣–](?=\s))[ \t]*"
)
_HEADING_WORDS = (
    r"references?|reference\s+list|bibliography|works\s+cited|sources|literature(?:\s+cited)?|"
    r"literatur(?:verzeichnis)?|quellen(?:verzeichnis)?|bibliographie|r[ée]f[ée]rences"
    r"(?:\s+bibliographiques)?|bibliograf[ií]a|referencias|further\s+reading|notes|endnotes|"
    r"citations|works\s+consulted"
)
# Matched against the stripped line, so that no pattern starts with a run of spaces.
_HEADING = re.compile(
    rf"(?:#{{1,6}} ?)?(?:\*\*|__)? ?(?:{_HEADING_WORDS}) ?:? ?(?:\*\*|__)?",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s")
_UNDERLINE = re.compile(r"={3,}|-{3,}")
# "Family, X" or "Family X," at the start of a line: how a new entry usually begins.
_AUTHOR_START = re.compile(r"[^\W\d_][^\s,]{0,40}(?:,[ \t]|[ \t]+[^\W\d_][^\s,]{0,40},)")
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)|\bn\.\s?d\.")


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of ``text[start:end]`` as (start, end) offsets, without their line breaks."""
    out: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        line_end = stop - 1 if stop > pos and text[stop - 1] == "\r" else stop
        out.append((pos, line_end))
        if nl == -1:
            break
        pos = nl + 1
    return out


def _is_blank(text: str, line: tuple[int, int]) -> bool:
    return not text[line[0] : line[1]].strip()


def _is_heading(text: str, line: tuple[int, int]) -> bool:
    stripped = text[line[0] : line[1]].strip()
    return (
        _HEADING.fullmatch(stripped) is not None
        or _MARKDOWN_HEADING.match(stripped) is not None
        or _UNDERLINE.fullmatch(stripped) is not None
    )


def _label(text: str, line: tuple[int, int]) -> tuple[int, int | None] | None:
    """Where a labelled line's content starts and the label's number, if the line has a label."""
    m = _LABEL.match(text, line[0], line[1])
    if m is None or m.end() >= line[1]:
        return None
    digits = m.group("bracket") or m.group("paren") or m.group("dot")
    return m.end(), int(digits) if digits else None


def _starts_like_author(text: str, line: tuple[int, int]) -> bool:
    if text[line[0] : line[0] + 1].isspace():
        return False  # an indented line continues a hanging-indent entry
    return (
        _AUTHOR_START.match(text, line[0], line[1]) is not None
        and _YEAR.search(text, line[0], line[1]) is not None
    )


def _ends_entry(text: str, line: tuple[int, int]) -> bool:
    tail = text[line[0] : line[1]].rstrip()
    if not tail:
        return True
    if tail[-1] in ".)]>!?":
        return True
    # An entry may end with a bare URL or DOI, which takes no full stop.
    last = tail.rsplit(None, 1)[-1]
    return "/" in last or last.casefold().startswith(("doi:", "www."))


def _paragraphs(text: str, lines: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    out: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for line in lines:
        if _is_blank(text, line):
            if current:
                out.append(current)
                current = []
        else:
            current.append(line)
    if current:
        out.append(current)
    return out


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _split_paragraph(text: str, lines: list[tuple[int, int]]) -> list[tuple[Span, int | None]]:
    """One entry per line that starts like an entry; other lines continue the entry before."""
    groups: list[tuple[int, int, int | None]] = []  # (content start, end, number)
    for index, line in enumerate(lines):
        label = _label(text, line)
        starts = label is not None or (
            index > 0 and _starts_like_author(text, line) and _ends_entry(text, lines[index - 1])
        )
        if groups and not starts:
            start, _, number = groups[-1]
            groups[-1] = (start, line[1], number)
            continue
        if label is not None:
            groups.append((label[0], line[1], label[1]))
        else:
            groups.append((line[0], line[1], None))
    out: list[tuple[Span, int | None]] = []
    for start, end, number in groups:
        span = _trimmed(text, start, end)
        if span is not None:
            out.append((span, number))
    return out


def split_entries(text: str, section: Span) -> list[tuple[Span, int | None]]:
    """Split ``text[section.start:section.end]`` into reference entries.

    Returns each entry's span (without list marker, number label or
    surrounding whitespace) and its label number, if any.
    """
    start = max(0, min(section.start, len(text)))
    end = max(start, min(section.end, len(text)))
    lines = _lines(text, start, end)
    # Headings at the top of the section ("## References") are no entries.
    first = 0
    while first < len(lines) and (_is_blank(text, lines[first]) or _is_heading(text, lines[first])):
        first += 1
    entries: list[tuple[Span, int | None]] = []
    for paragraph in _paragraphs(text, lines[first:]):
        entries.extend(_split_paragraph(text, paragraph))
    return entries
