"""Find the in-text citations of a document's body: author-date, narrative and numeric."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from refcheck.dates import (
    _SUFFIX,
    _YEAR,
    DATE_PATTERN,
    MONTHS,
    _trie_pattern,
    find_dates,
    parse_date,
)
from refcheck.model import Citation, CitationKind, Date, Span

__all__ = ["find_citations"]

# --- Groups --------------------------------------------------------------------------------
# A group is the text between one pair of round or square brackets.  The length bound keeps
# the scan linear: each attempt stops at the next bracket or after 400 characters.  The two
# kinds are scanned separately so that "(see [1])" and "[Smith (2019)]" both expose the
# inner group.
_PAREN = re.compile(r"\(([^()]{1,400})\)")
_BRACKET = re.compile(r"\[([^\[\]]{1,400})\]")
_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")

# --- Masking -------------------------------------------------------------------------------
# Code and URLs are replaced by NULs of the same length, so offsets stay valid while nothing
# inside them can look like a name, a date or a bracket.
_MASK = "\x00"
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})([^\n]*)$", re.MULTILINE)
# An inline code span opens after a space or opening punctuation and closes before a space or
# closing punctuation.  This keeps prose that uses ` as a closing quote ("soon` this") from
# being read as code.
# (The pattern opens with the backtick itself, so that the engine can skip to the next one;
# the lookbehind then checks the character before it.)
_CODE_SPAN = re.compile(
    r"`(?<![^\s(\[{\"'“‘*_]`)(`?)(?=[^`\s])"
    r"((?:[^`\n]|\n(?![ \t]*\n)){1,2000}?)"
    r"(?<=[^`\s])`\1(?![^\s)\]}.,;:!?\"'”’*_])"
)
# A URL runs from its scheme ("https://") or "www." to the next space or quote.  The markers
# are found with str.find, far faster than a pattern tried at every character.
_URL_TAIL = re.compile(r"[^\s<>\"“”]+")
_MAX_SCHEME = 10

# --- Dates ---------------------------------------------------------------------------------
# A date starts at a run of digits or at a month name.  Text that may hold an undated form
# ("n.d.", "s.f.", "o.J.", "in press", …) is left to find_dates, which reads those.
_GAP_DIGITS = re.compile(r"(\D*)(\d+)")
# The bare-year alternative of DATE_PATTERN, without its lookahead (it is used up to the end
# of the text only).
_FINAL_YEAR = re.compile(rf"(?<![\d\w/.-]){_YEAR}{_SUFFIX}", re.IGNORECASE)
_LETTER_RUN = re.compile(r"[^\W\d_]{3,}")
_WORD_START = re.compile(r"(?<![^\W\d_])[^\W\d_]")
# A month name in lower-case ASCII text, as a whole word ("mar" in "mar 3", not in "mark").
_ASCII_MONTH = re.compile(
    rf"(?<![a-z])(?:{_trie_pattern({w for w in MONTHS if w.isascii()})})(?![a-z])"
)
# Substrings of every undated form, after casefolding ("no date", "in\u00a0press", "n. d.").
_UNDATED_HINTS = ("n.", "s.", "o.", "date", "press", "forthcoming")

# --- Names ---------------------------------------------------------------------------------
# Combining marks that \w does not count as letters (decomposed accents, Indic vowel signs);
# a word may carry them after its first letter.
_MARKS = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0dff\u0e31-\u0e4e]"
)
# Every character falls in some token, so the tokens of a range are contiguous and their
# offsets follow from their lengths: findall, without match objects, is much faster.
_TOKEN = re.compile(
    rf"[^\W\d_]+(?:{_MARKS}+[^\W\d_]*|['’\-‐][^\W\d_]+)*"  # a word
    r"|\[[^\[\]\n]{1,120}\]"  # a bracketed gloss: "WHO [World Health Organization]"
    r"|\s+"
    r"|.",
    re.DOTALL,
)
# fmt: off
_PARTICLES = frozenset((
    "van", "von", "de", "der", "den", "du", "da", "di", "del", "della", "dei", "des", "la",
    "le", "lo", "ten", "ter", "te", "dos", "das", "do", "d'", "d’", "al", "el", "bin", "ibn",
    "zu", "vom", "zum", "zur",
))
# fmt: on
_CONNECTORS = frozenset(("and", "und", "et", "y", "&"))
# Lower-case words allowed inside an organisation's name: "Bank of England".
_INNER = frozenset(("of", "for", "on", "the"))
# Capitalised words that start a sentence or clause and are never an author's name; a walk
# back from a narrative "(2019)" stops at them.
# fmt: off
_FUNCTION_WORDS = frozenset((
    "A", "An", "And", "As", "At", "After", "Against", "Although", "Also", "Among", "Another",
    "Any", "Are", "According", "Additionally", "All", "Based", "Be", "Because", "Been",
    "Before", "Being", "Between", "Both", "Building", "But", "By", "Can", "Chapter", "Citing",
    "Compare", "Consequently", "Could", "Crucially", "Despite", "Did", "Do", "Does", "Drawing",
    "During", "Each", "Earlier", "Eq", "Equation", "Even", "Every", "Fig", "Figure", "Finally",
    "First", "For", "Following", "From", "Further", "Furthermore", "Given", "Hence", "Her",
    "Here", "His", "However", "How", "I", "If", "Importantly", "In", "Indeed", "Instead",
    "Interestingly", "Is", "It", "Its", "Later", "Like", "Likewise", "Many", "Meanwhile",
    "Might", "Moreover", "Most", "Must", "Nevertheless", "Next", "No", "Nonetheless", "Nor",
    "Not", "Notably", "Now", "Of", "On", "One", "Only", "Or", "Other", "Others", "Our", "Over",
    "Page", "Part", "Per", "Previously", "Recent", "Recently", "Second", "See", "Section",
    "Several", "Shall", "She", "He", "Should", "Similarly", "Since", "So", "Some",
    "Specifically", "Such", "Table", "Than", "That", "The", "Their", "Them", "Then", "There",
    "Therefore", "These", "They", "Third", "This", "Those", "Though", "Thus", "To", "Today",
    "Two", "Under", "Unlike", "Upon", "Using", "Various", "Via", "Was", "We", "Were", "What",
    "When", "Where", "Whereas", "Whether", "Which", "While", "Who", "Whose", "Why", "Will",
    "With", "Within", "Without", "Work", "Would", "Yet", "You", "Your", "Dr", "Prof",
    "Professor", "Mr", "Mrs", "Ms", "Mx", "Sir", "Dame", "Lord", "Lady", "President", "Senator",
    "Secretary", "Minister",
))
# fmt: on
_ARTICLES = frozenset(("the", "a", "an"))
# Month names that are not also common surnames, so "in September (2018)" is no citation.
_NOT_NAMES = frozenset(
    ("January", "February", "March", "July", "September", "October", "November", "December")
)
_MAX_NAMES = 12
_MAX_NAME_WORDS = 6
_SHORT_WINDOW = 60
_WALK_WINDOW = 240

_PREFIX_WORDS = (
    r"see\s+also|but\s+see|see|cf\.|compare|e\.\s?g\.|i\.\s?e\.|for\s+example|for\s+instance"
    r"|as\s+cited\s+in|cited\s+in|quoted\s+in|according\s+to|reviewed\s+in|adapted\s+from|also"
)
# The letters that _PREFIX_WORDS start with, in every form that IGNORECASE matches them in
# (found by trying [abcefiqrs] on every character: "İ" and "ı" match i, "ſ" matches s).
_PREFIX_INITIALS = frozenset("abcefiqrsABCEFIQRS\u0130\u0131\u017f")
_PREFIX = re.compile(
    rf"\s*(?P<prefix>(?:{_PREFIX_WORDS})(?:,?\s+(?:{_PREFIX_WORDS}))*)(?:,\s*|\s+)",
    re.IGNORECASE,
)

# --- Locators ------------------------------------------------------------------------------
_LABEL = (
    r"(?i:pp|p|pg|pgs|paras|para|chaps|chap|chapters|chapter|ch|secs|sec|sections|section"
    r"|figs|fig|figures|figure|tab|table|vols|vol|volume|nos|no|nn|n|cols|col|ll|l|arts|art"
    r"|lines|line|seiten|seite|s|abs|rn|loc|§§|§|¶¶|¶)"
)
_NUM = r"(?:\d+|[ivxlcdm]+|[IVXLCDM]+)"
_PAGES = r"\d+(?:\s*[-–—]\s*\d+)?"
_LOCATOR = re.compile(
    rf"""\s*(?:[,:]\s*)?(?P<loc>{_LABEL}\.?\s*{_NUM}(?:\s*[-–—]\s*{_NUM})?
        (?:\s*(?:,|&|and)\s*{_PAGES}(?![^\W\d_]))*(?:\s*ff?\.?|[a-z])?)(?![^\W\d_])
    | \s*[,:]\s*(?P<bare>{_PAGES}(?:\s*,\s*{_PAGES})*)\s*$""",
    re.VERBOSE,
)
# "2018a, b": further suffix letters; not "2018a, p. 4".
_SUFFIX_LETTER = re.compile(r"\s*,\s*([a-z])(?![^\W\d_]|\.)")

# --- Numeric -------------------------------------------------------------------------------
_NUMERIC = re.compile(
    r"\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?(?:\s*[,;]\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?)*\s*"
)
_NUMERIC_PART = re.compile(r"(\d{1,3})(?:\s*[-–—]\s*(\d{1,3}))?")
# A range longer than this is not a list of cited works ("[1-999]").
_MAX_RANGE = 100


@dataclass(frozen=True, slots=True)
class _Authors:
    names: tuple[str, ...]
    spans: tuple[Span, ...]
    et_al: bool
    prefix: str
    start: int  # where the cite's text begins: its first name, initials included


@dataclass(slots=True)
class _Draft:
    """A cite being assembled; becomes a Citation once its group number is known."""

    start: int
    end: int
    authors: _Authors
    date: Date
    date_span: Span
    locator: str = ""
    narrative: bool = False


def find_citations(text: str, body: Span | None = None) -> list[Citation]:
    """Every in-text citation in ``text[body.start:body.end]``, in document order.

    Spans are offsets into ``text``.  One Citation is returned per cited work; the cites
    written in one bracket pair, or in one narrative occurrence, share a ``group`` number.
    After the first cite of an author with several dates ("Smith, 2018, 2019a"), each further
    cite's span covers only its own date and locator.  A narrative cite's span runs from the
    first author's name through the closing parenthesis.
    """
    start = 0 if body is None else max(0, min(body.start, len(text)))
    end = len(text) if body is None else max(start, min(body.end, len(text)))
    masked = _mask(text, start, end)
    # Both kinds of group in document order.  (No two start at one character, and sorting the
    # two sorted runs by a built-in key is a single merge in C: faster than heapq.merge.)
    groups = [*_PAREN.finditer(masked, start, end), *_BRACKET.finditer(masked, start, end)]
    groups.sort(key=re.Match.start)
    result: list[Citation] = []
    group = 0
    # An article cites the same works in the same words again and again: a group that reads
    # nothing outside its brackets is parsed once, and its cites are moved to each repeat.
    seen: dict[str, tuple[int, list[Citation]]] = {}
    memo: dict[str, _Read] = {}
    for m in groups:
        paren = m.re is _PAREN
        found: list[Citation] | None = None
        # (A square-bracket group is not: what follows it decides whether it is a link.)
        key = m.group() if paren else ""
        if _MASK in key:
            key = ""
        if key:
            hit = seen.get(key)
            if hit is not None:
                found = [_moved(c, m.start() - hit[0], group) for c in hit[1]]
        if found is None:
            context: list[bool] = []
            if paren:
                found = _author_date_group(
                    text, masked, m.start(1), m.end(1), start, group, True, memo, context
                )
            else:
                found = _bracket_group(text, masked, m, start, group, memo)
            if key and not context:
                seen[key] = (m.start(), found)
        if found:
            result.extend(found)
            group += 1
    return _in_order(result)


def _moved(cite: Citation, delta: int, group: int) -> Citation:
    """``cite`` found again ``delta`` characters further on, in group ``group``."""
    # (Spans are built here rather than with Span.shift: a call less for each.)
    span, date_span = cite.span, cite.date_span
    return Citation(
        span=Span(span.start + delta, span.end + delta),
        text=cite.text,
        kind=cite.kind,
        authors=cite.authors,
        author_spans=tuple([Span(s.start + delta, s.end + delta) for s in cite.author_spans]),
        et_al=cite.et_al,
        date=cite.date,
        date_span=None
        if date_span is None
        else Span(date_span.start + delta, date_span.end + delta),
        locator=cite.locator,
        prefix=cite.prefix,
        narrative=cite.narrative,
        number=cite.number,
        key=cite.key,
        group=group,
    )


def _in_order(cites: list[Citation]) -> list[Citation]:
    """Sort cites by position; only nested brackets ("[… (2019) …]") can disorder them."""
    if all(a.span.start <= b.span.start for a, b in itertools.pairwise(cites)):
        return cites
    cites = sorted(cites, key=lambda c: c.span.start)
    numbers: dict[int, int] = {}
    for cite in cites:
        numbers.setdefault(cite.group, len(numbers))
    return [dataclasses.replace(c, group=numbers[c.group]) for c in cites]


# --- Masking -------------------------------------------------------------------------------


def _mask(text: str, start: int, end: int) -> str:
    """``text`` with the Markdown code and the URLs of the body blanked out."""
    masked = text
    if "```" in text or "~~~" in text:
        masked = _blank(masked, _fence_ranges(masked, start, end))
    if masked.find("`", start, end) >= 0:
        masked = _blank(masked, (m.span() for m in _CODE_SPAN.finditer(masked, start, end)))
    return _blank(masked, _url_ranges(masked, start, end))


def _fence_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    opener: re.Match[str] | None = None
    for m in _FENCE.finditer(text, start, end):
        if opener is None:
            opener = m
            continue
        fence, opening = m.group(1), opener.group(1)
        if fence[0] == opening[0] and len(fence) >= len(opening) and not m.group(2).strip():
            ranges.append((opener.start(), m.end()))
            opener = None
    if opener is not None:
        # An unclosed fence runs to the end, as CommonMark reads it.
        ranges.append((opener.start(), end))
    return ranges


def _url_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for marker in ("://", "www."):
        pos = text.find(marker, start, end)
        while pos >= 0:
            begin = pos
            if marker == "://":
                while begin > max(start, pos - _MAX_SCHEME) and text[begin - 1].isalpha():
                    begin -= 1
            tail = _URL_TAIL.match(text, pos, end)
            stop = pos + len(marker) if tail is None else tail.end()
            if begin < pos or marker == "www.":
                ranges.append((begin, _url_end(text, begin, stop)))
            pos = text.find(marker, stop, end)
    ranges.sort()
    return ranges


def _url_end(text: str, begin: int, stop: int) -> int:
    # Trailing punctuation belongs to the sentence, and a closing bracket to the prose around
    # the URL unless the URL opened it ("…/Foo_(bar)").  Counting once keeps this linear.
    balance = {
        ")": text.count("(", begin, stop) - text.count(")", begin, stop),
        "]": text.count("[", begin, stop) - text.count("]", begin, stop),
    }
    while stop > begin and text[stop - 1] in ".,;:!?'’)]":
        closer = text[stop - 1]
        if closer in balance:
            if balance[closer] >= 0:
                break
            balance[closer] += 1
        stop -= 1
    return stop


def _blank(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    pieces: list[str] = []
    last = 0
    for a, b in ranges:
        if a < last or a >= b:
            continue
        pieces.append(text[last:a])
        pieces.append(_MASK * (b - a))
        last = b
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


# --- Numeric -------------------------------------------------------------------------------


def _bracket_group(
    text: str, masked: str, m: re.Match[str], body_start: int, group: int, memo: dict[str, _Read]
) -> list[Citation]:
    after = masked[m.end() : m.end() + 1]
    # "[text](url)" and "[text][ref]" are links; "[1]: url" at a line's start defines one.
    if after in ("(", "["):
        return []
    if after == ":" and (m.start() == 0 or masked[m.start() - 1] == "\n"):
        return []
    cs, ce = m.span(1)
    if _NUMERIC.fullmatch(masked, cs, ce) is None:
        return _author_date_group(text, masked, cs, ce, body_start, group, False, memo)
    cites: list[Citation] = []
    for part in _NUMERIC_PART.finditer(masked, cs, ce):
        first = int(part.group(1))
        last = int(part.group(2)) if part.group(2) else first
        if first == 0 or last < first or last - first >= _MAX_RANGE:
            return []
        span = Span(part.start(), part.end())
        cite_text = text[span.start : span.end]
        for number in range(first, last + 1):
            cites.append(
                Citation(
                    span=span,
                    text=cite_text,
                    kind=CitationKind.NUMERIC,
                    number=number,
                    group=group,
                )
            )
    return cites


# --- Author-date ---------------------------------------------------------------------------


def _author_date_group(
    text: str,
    masked: str,
    cs: int,
    ce: int,
    body_start: int,
    group: int,
    paren: bool,
    memo: dict[str, _Read],
    context: list[bool] | None = None,
) -> list[Citation]:
    """The cites in one bracket group whose content is ``masked[cs:ce]``.

    When the text before the group was read, True is appended to ``context``.  ``memo``
    remembers the segments read so far in the document (see _read_segment).
    """
    if masked.find("\n", cs, ce) >= 0 and _BLANK_LINE.search(masked, cs, ce):
        return []
    cites: list[Citation] = []
    # The authors of the last cite, their spans in the text, and its span if it is narrative.
    authors: _Authors | None = None
    author_spans: tuple[Span, ...] = ()
    narrative_span: Span | None = None
    number = 0
    ss = cs
    while True:  # over the ";"-separated segments
        se = masked.find(";", ss, ce)
        if se < 0:
            se = ce
        offset, read = _read_segment(text, masked, ss, se, memo)
        if read is not None:
            named, drafts = read
            if not named and authors is None and paren and number == 0:
                # A date with no name before it may close a narrative cite: "Smith (2019)".
                if context is not None:
                    context.append(True)
                if drafts:  # (else the walk back would be wasted)
                    authors = _walk_back(text, masked, cs - 1, body_start)
                    if authors is not None:
                        author_spans = authors.spans
                        # A narrative cite's span runs from the first name through the ")".
                        narrative_span = Span(authors.start, ce + 1)
            # The drafts of an unnamed segment are more dates for the authors of the cite
            # before them, "(Smith, 2019; 2020)", and are dropped if there is none.
            if named or authors is not None:
                relative = _KNOWN
                for draft in drafts:
                    if draft.authors is not relative:
                        # Names read in this segment: shift their spans once for their drafts.
                        relative = authors = draft.authors
                        author_spans = tuple(
                            [Span(s.start + offset, s.end + offset) for s in relative.spans]
                        )
                        narrative_span = None
                    assert authors is not None
                    if narrative_span is None:
                        span = Span(draft.start + offset, draft.end + offset)
                    else:
                        span = narrative_span
                    date_span = draft.date_span
                    cites.append(
                        Citation(
                            span=span,
                            text=text[span.start : span.end],
                            authors=authors.names,
                            author_spans=author_spans,
                            et_al=authors.et_al,
                            date=draft.date,
                            date_span=Span(date_span.start + offset, date_span.end + offset),
                            locator=draft.locator,
                            prefix=authors.prefix,
                            narrative=narrative_span is not None,
                            group=group,
                        )
                    )
        if se == ce:
            return cites
        ss = se + 1
        number += 1


# A segment as read on its own, offsets relative to its start: whether a name comes before its
# first date, and its drafts.  Drafts of an unnamed segment carry _KNOWN for their authors,
# who are those of the cite before it or the names before the group.  None: no date.
_Read = tuple[bool, list[_Draft]] | None
_KNOWN = _Authors((), (), False, "", 0)


def _read_segment(
    text: str, masked: str, ss: int, se: int, memo: dict[str, _Read]
) -> tuple[int, _Read]:
    """Where the segment ``masked[ss:se]`` starts, leading spaces skipped, and its reading.

    A segment is read from its own text alone: the dates and names in it end at its ends
    (no date or name holds a ";"), and the patterns look behind its start only for a
    digit or a letter, which neither "(", "[", ";" nor a space is.  So an article's many
    repeats of "Smith, 2019" in different groups are read once, kept in ``memo``.
    Leading spaces are skipped so that "; Smith, 2019" reads as "(Smith, 2019": a space
    is no token and stands before any prefix, name or date.
    """
    segment = masked[ss:se]
    if segment.startswith(" "):
        stripped = segment.lstrip(" ")
        ss += len(segment) - len(stripped)
        segment = stripped
    if _MASK in segment:
        # Masking only writes NULs, so without one the text reads the same as ``masked``.
        return ss, _read(text[ss:se], segment)
    read = memo.get(segment, _UNREAD)
    if read is _UNREAD:
        read = memo[segment] = _read(segment, segment)
    return ss, read


_UNREAD: _Read = (False, [])


def _read(text: str, masked: str) -> _Read:
    """The reading of a whole segment (see _read_segment)."""
    dates = _dates_in(masked, 0, len(masked))
    if not dates:
        return None
    if masked[: dates[0][0].start].strip():
        return True, _segment(text, masked, 0, len(masked), dates, None, False)
    return False, _segment(text, masked, 0, len(masked), dates, _KNOWN, False)


def _dates_in(masked: str, cs: int, ce: int) -> list[tuple[Span, Date]]:
    """The dates in ``masked[cs:ce]``, exactly as dates.find_dates reads them.

    find_dates tries DATE_PATTERN at every character, which costs about half a microsecond
    each: too slow for every group of a long document.  A date can only start where a run
    of digits or a month name starts (each alternative opens with a digit after a non-digit,
    or a month after a non-letter), so the pattern is tried there alone.  Undated forms and
    dates with a month name are rarer and left to find_dates.
    """
    folded = masked[cs:ce].casefold()
    for hint in _UNDATED_HINTS:
        if hint in folded:
            return find_dates(masked, cs, ce)
    # The starts of the runs of digits, from the gaps and runs that findall returns (no
    # match objects).
    starts: list[int] = []
    pos = cs
    for gap, digits in _GAP_DIGITS.findall(masked, cs, ce):
        pos += len(gap)
        starts.append(pos)
        pos += len(digits)
    if not starts:
        return []
    # MONTHS holds the month names folded to ASCII; a word with other letters may be an
    # accented spelling ("März"), where trying the pattern is at worst wasted.
    if folded.isascii():
        # Its words are runs of a-z: one is a month name just where _ASCII_MONTH finds one.
        month = _ASCII_MONTH.search(folded) is not None
    else:
        month = any(not w.isascii() or w in MONTHS for w in _LETTER_RUN.findall(folded))
    if month:
        # Full dates ("20 September 2018") are rarer: find_dates reads them, so that what
        # counts as a word around a month name ("März20th") is decided in one place.
        return find_dates(masked, cs, ce)
    if len(starts) == 1 and _FINAL_YEAR.fullmatch(masked, starts[0], ce):
        # The common "Smith, 2019" and "Smith 2019a": the one start is a year that ends the
        # text, a suffix letter allowed.  There every other alternative of DATE_PATTERN needs
        # more text (a "-", a month name), so it matches the same text: spare the long pattern.
        date = _date_of(masked[starts[0] : ce])
        return [] if date is None else [(Span(starts[0], ce), date)]
    found: list[tuple[Span, Date]] = []
    last = cs
    for start in starts:
        if start < last:
            continue
        date_match = DATE_PATTERN.match(masked, start, ce)
        if date_match is None:
            continue
        if _LETTER_RUN.search(date_match.group()) is not None:
            # A month name glued to other letters ("20thSeptember"), which the month test
            # above does not see: leave such text to find_dates.
            return find_dates(masked, cs, ce)
        last = date_match.end()
        date = _date_of(date_match.group())
        if date is not None:
            found.append((Span(start, last), date))
    return found


@functools.lru_cache(maxsize=4096)
def _date_of(written: str) -> Date | None:
    """parse_date, remembered: a document cites the same few dates over and over."""
    return parse_date(written)


def _segment(
    text: str,
    masked: str,
    ss: int,
    se: int,
    dates: list[tuple[Span, Date]],
    known: _Authors | None,
    narrative: bool,
) -> list[_Draft]:
    """The cites of one ";"-separated segment, given the dates found in it.

    When the authors are ``known`` (a narrative cite, or more dates after a ";"), the segment
    must hold nothing but dates and locators.  Otherwise the text before the first date names
    the authors, and a later date starts a new cite when a name precedes it ("…2018: Denyer
    and Gearan, 2018").
    """
    strict = known is not None
    first_span, first_date = dates[0]
    authors = known or _parse_authors(text, masked, ss, first_span.start)
    if authors is None:
        return []
    start = first_span.start if strict else authors.start
    drafts = [_Draft(start, first_span.end, authors, first_date, first_span, narrative=narrative)]
    prev = first_span.end
    k = 1
    while True:
        limit = dates[k][0].start if k < len(dates) else se
        prev = _suffix_letters(text, masked, prev, limit, drafts)
        if k >= len(dates):
            break
        span, date = dates[k]
        last = drafts[-1]
        joint = masked[prev : span.start].replace(",", " ").strip()
        if joint in ("", "and", "&"):
            # Another work by the same authors: "Smith, 2018, 2019a".
            drafts.append(
                _Draft(span.start, span.end, last.authors, date, span, narrative=narrative)
            )
        elif joint in ("-", "–", "—") and not strict:
            last.end = span.end  # a span of years: "Smith, 2018–2019"
        else:
            loc = _LOCATOR.match(masked, prev, span.start)
            if (
                loc is not None
                and loc.group("loc")
                and not masked[loc.end() : span.start].replace(",", " ").strip()
            ):
                last.locator = text[loc.start("loc") : loc.end("loc")]
                last.end = loc.end("loc")
                drafts.append(
                    _Draft(span.start, span.end, last.authors, date, span, narrative=narrative)
                )
            elif strict:
                return []
            else:
                new = _next_authors(text, masked, prev, span.start)
                if new is None:
                    break
                drafts.append(_Draft(new.start, span.end, new, date, span))
        prev = span.end
        k += 1
    if k < len(dates) and strict:
        return []
    loc = _LOCATOR.match(masked, prev, se)
    rest = prev
    if loc is not None:
        name = "loc" if loc.group("loc") else "bare"
        drafts[-1].locator = text[loc.start(name) : loc.end(name)]
        drafts[-1].end = loc.end(name)
        rest = loc.end()
    if strict and masked[rest:se].strip():
        return []
    return drafts


def _suffix_letters(text: str, masked: str, prev: int, limit: int, drafts: list[_Draft]) -> int:
    """Read the further letters of "Smith 2018a, b" as cites of their own."""
    last = drafts[-1]
    if not last.date.suffix:
        return prev
    while (m := _SUFFIX_LETTER.match(masked, prev, limit)) is not None:
        span = Span(m.start(1), m.end(1))
        date = dataclasses.replace(last.date, suffix=m.group(1))
        drafts.append(
            _Draft(span.start, span.end, last.authors, date, span, narrative=last.narrative)
        )
        prev = m.end()
    return prev


def _next_authors(text: str, masked: str, start: int, end: int) -> _Authors | None:
    """The authors of a new cite written between two dates: "…, 2018: Denyer and Gearan, "."""
    pos = start
    while pos < end and masked[pos].isspace():
        pos += 1
    if masked.startswith(("and ", "& "), pos, end):
        pos += 2 if masked[pos] == "&" else 4
    elif pos < end and masked[pos] in ",:&":
        pos += 1
    return _parse_authors(text, masked, pos, end)


# --- Names ---------------------------------------------------------------------------------

_Token = tuple[str, str, int, int]  # kind, text, start, end


def _tokens(masked: str, start: int, end: int) -> list[_Token]:
    """The words, brackets and other characters of ``masked[start:end]``, without spaces.

    A blank line becomes an "other" token, so that names are never read across paragraphs.
    """
    out: list[_Token] = []
    pos = start
    for token in _TOKEN.findall(masked, start, end):
        if token == " ":  # (the commonest token, dropped like every other run of spaces)
            pos += 1
            continue
        first = token[0]
        stop = pos + len(token)
        if first.isspace():
            if token.count("\n") > 1:
                out.append(("other", token, pos, stop))
        elif first in ",&.":
            out.append(("punct", token, pos, stop))
        elif len(token) > 1:
            out.append(("bracket" if first == "[" else "word", token, pos, stop))
        else:
            out.append(("word" if first.isalpha() else "other", token, pos, stop))
        pos = stop
    return out


def _is_name_word(word: str) -> bool:
    """A capitalised word, or one in a caseless script, or "d’Alembert"-like."""
    return not word[0].islower() or not word.islower()


def _parse_authors(text: str, masked: str, start: int, end: int) -> _Authors | None:
    """The prefix and author names written in ``masked[start:end]``, or None if that text is
    anything else."""
    prefix = ""
    # Most names cannot start a prefix word: skip the long case-insensitive pattern for them.
    if start < end and (masked[start] in _PREFIX_INITIALS or masked[start].isspace()):
        m = _PREFIX.match(masked, start, end)
        if m is not None:
            prefix = text[m.start("prefix") : m.end("prefix")]
            start = m.end()
    stripped = masked[start:end].rstrip()
    if stripped.endswith(","):
        stripped = stripped[:-1].rstrip()
    tokens = _tokens(masked, start, start + len(stripped))
    names: list[str] = []
    spans: list[Span] = []
    words: list[_Token] = []
    pending = False  # a particle or "of" waits for the capitalised word it belongs to
    after_comma = False
    et_al = False
    i = 0
    while i < len(tokens):
        kind, word, s, e = tokens[i]
        if et_al:
            return None
        if kind == "word":
            if word == "et" and i + 1 < len(tokens) and tokens[i + 1][1] == "al":
                if pending or not (words or (names and after_comma)):
                    return None
                if words:
                    _add_name(text, words, names, spans)
                    words = []
                et_al = True
                i += 3 if i + 2 < len(tokens) and tokens[i + 2][1] == "." else 2
                continue
            if _is_name_word(word):
                words.append(tokens[i])
                pending = after_comma = False
            elif word in _CONNECTORS and not pending:
                if words:
                    _add_name(text, words, names, spans)
                    words = []
                elif not (names and after_comma):
                    return None
                after_comma = False
            elif word in _PARTICLES or (word in _INNER and words):
                words.append(tokens[i])
                pending = True
            else:
                return None
        elif word == "," or word == "&":
            if pending or not (words or (word == "&" and names and after_comma)):
                return None
            if words:
                _add_name(text, words, names, spans)
                words = []
            after_comma = word == ","
        elif kind == "bracket" and words and not pending:
            # "WHO [World Health Organization]" is one name.
            words.append(tokens[i])
        elif word == "." and words and not pending and _abbreviation(words[-1], s):
            # An initial or abbreviation keeps its full stop: "J. Smith", "Smith Jr.".
            words[-1] = (words[-1][0], words[-1][1] + ".", words[-1][2], e)
        else:
            return None
        i += 1
    if pending:
        return None
    if words:
        _add_name(text, words, names, spans)
    elif not et_al:
        return None  # ends with "and" or ","
    if not names:
        return None
    return _Authors(tuple(names), tuple(spans), et_al, prefix, tokens[0][2])


def _add_name(text: str, words: list[_Token], names: list[str], spans: list[Span]) -> None:
    found = _name(text, words)
    if found is None and not names:
        # A lone initial is still a name when nothing else is: "(X, 2019)" stays a cite.
        found = " ".join(text[words[0][2] : words[-1][3]].split()), Span(words[0][2], words[-1][3])
    if found is not None:  # else the initials of the name before it: "Smith, J."
        names.append(found[0])
        spans.append(found[1])


def _abbreviation(word: _Token, dot: int) -> bool:
    return word[3] == dot and len(word[1]) <= 3 and word[1][0].isupper() and word[0] == "word"


def _name(text: str, words: list[_Token]) -> tuple[str, Span] | None:
    """A name from its words in reading order, or None if it is only initials.

    Initials around a one-word family name are dropped ("J. Smith", "Smith JA"), a possessive
    is removed ("Smith’s"); an organisation keeps its abbreviations ("U.S. Department of
    Education").
    """
    first, last = 0, len(words)
    while last - first > 1 and _trailing_initials(words[last - 1][1], words[last - 2][1]):
        last -= 1
    if last - first > 1 and all(_initial(w[1]) for w in words[first : last - 1]):
        first = last - 1
    if _initial(words[first][1]) and last - first == 1:
        return None
    start, end = words[first][2], words[last - 1][3]
    final = words[last - 1][1]
    if len(final) > 2 and final[-2:] in ("'s", "’s") and words[last - 1][0] == "word":
        end -= 2
    return " ".join(text[start:end].split()), Span(start, end)


def _initial(word: str) -> bool:
    letters = word.rstrip(".")
    return len(letters) == 1 and letters.isupper()


def _trailing_initials(word: str, before: str) -> bool:
    """Vancouver-style initials after a family name: the "JA" of "Smith JA"."""
    letters = word.replace(".", "")
    return 0 < len(letters) <= 2 and letters.isupper() and not before.isupper()


def _walk_back(text: str, masked: str, paren: int, body_start: int) -> _Authors | None:
    """The names written just before the "(" at ``paren``: "Smith and Jones (2019)"."""
    # Most names fit the short window; a long list of names needs the longer one.
    for window in (_SHORT_WINDOW, _WALK_WINDOW):
        lo = max(body_start, paren - window)
        tokens = _tokens(masked, lo, paren)
        cut = lo > body_start
        if cut and tokens:
            tokens = tokens[1:]  # the window may have cut the first token in two
        found, floor = _names_before(text, tokens)
        if floor >= 0 or not cut:
            return found
    return found


def _names_before(text: str, tokens: list[_Token]) -> tuple[_Authors | None, int]:
    """Read names leftwards from the end of ``tokens``; also return the index of the token
    that stopped the reading (-1 when the tokens ran out)."""
    i = len(tokens) - 1
    # "Jones’ (2019)": a plural possessive's apostrophe stands alone.
    if (
        i > 0
        and tokens[i][1] in ("'", "’")
        and tokens[i - 1][0] == "word"
        and tokens[i - 1][1].endswith("s")
        and tokens[i - 1][3] == tokens[i][2]
    ):
        i -= 1
    # "Smith et al.’s (2019)": the possessive stands apart after "al.".
    if (
        i > 1
        and tokens[i][1] == "s"
        and tokens[i - 1][1] in ("'", "’")
        and tokens[i - 2][1] in (".", "al")
    ):
        i -= 2
    et_al = False
    if i >= 2 and tokens[i][1] == "." and tokens[i - 1][1] == "al" and tokens[i - 2][1] == "et":
        et_al, i = True, i - 3
    elif i >= 1 and tokens[i][1] == "al" and tokens[i - 1][1] == "et":
        et_al, i = True, i - 2
    names: list[str] = []
    spans: list[Span] = []
    seen_and = False
    left = floor = i
    while len(names) < _MAX_NAMES:
        words: list[_Token] = []
        j = i
        while j >= 0 and len(words) < _MAX_NAME_WORDS:
            kind, word, _, _ = tokens[j]
            if kind != "word" or word in _FUNCTION_WORDS:
                break
            if not _is_name_word(word) and not (words and word in _PARTICLES):
                break
            words.append(tokens[j])
            j -= 1
        floor = j
        # "Crucially Moon (2018)": a sentence adverb is no part of the name.
        if len(words) > 1 and words[-1][1].endswith("ly") and words[-1][1][1:].islower():
            words.pop()
            j += 1
        if not words:
            break
        words.reverse()
        _add_name(text, words, names, spans)
        left = j
        if j < 0:
            break
        word = tokens[j][1]
        if word in _CONNECTORS:
            i = j - 1
            if i >= 0 and tokens[i][1] == ",":
                i -= 1  # the Oxford comma: "Smith, Jones, and Lee"
            seen_and = True
        elif word == "," and seen_and:
            i = j - 1
        else:
            break
    if not names:
        return None, floor
    if left >= 0 and tokens[left][0] == "word" and tokens[left][1].lower() in _ARTICLES:
        return None, floor  # "the Korean War (1950–1953)"
    if len(names) == 1 and names[0] in _NOT_NAMES:
        return None, floor  # "in September (2018)"
    names.reverse()
    spans.reverse()
    return _Authors(tuple(names), tuple(spans), et_al, "", spans[0].start), floor
