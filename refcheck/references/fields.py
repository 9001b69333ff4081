"""Read a reference entry's bibliographic fields: author block, date, title, container, numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from refcheck.dates import find_dates
from refcheck.model import Date, Span
from refcheck.names import PARTICLES, is_initials
from refcheck.prefilter import lowered, may_contain

Region = tuple[int, int]


def _at_word_start(words: str, suffix: str = "") -> str:
    """``\\b(?:w1|w2|…)`` followed by ``suffix``, as alternatives the regex engine can skip to.

    The engine tries a pattern that starts with ``\\b`` at every character, but
    jumps straight to the next possible first letter when every alternative
    starts with a literal one.  So the boundary goes into a lookbehind after the
    first letter ("v(?<=\\bv)ol" matches exactly where "\\bvol" does), and the
    suffix is repeated in each alternative, which tries the same things in the
    same order.  Each word must start with a plain letter.
    """
    return "|".join(f"{w[0]}(?<=\\b{w[0]}){w[1:]}{suffix}" for w in words.split("|"))


# Opening quotes and the closers each accepts.  The seed-style ‘…` closes with
# a backtick; German „…“ closes with a left double quote.
_CLOSERS: dict[str, str] = {
    '"': '"”“',
    "“": "”\"“",
    "”": "”\"",
    "‘": "’`'",
    "'": "'’",
    "«": "»",
    "„": "“”\"",
    "‚": "‘’",
    "‹": "›",
}
_AFTER_CLOSER = set(" \t,.;:!?)]–—-")
_OPENERS = re.compile("[" + re.escape("".join(_CLOSERS)) + "]")

# Words an author list may hold in lower case.
_NAME_LOWER = frozenset({"and", "und", "et", "y", "e", "en", "al", "al.", "ed.", "eds.", "by", "&"}) | {
    w for p in PARTICLES for w in p.split()
}
_ROLE_MARKER = re.compile(
    r"(?:[(\[]\s?(?:eds?|hrsg|hg|dir|coord|éds?|red)\.?\s?[)\]]|\b(?:eds?|hrsg|hg|dir|éds?)\.)\s*(?:\.\s*)?$",
    re.IGNORECASE,
)
# A _ROLE_MARKER match is its marker, at most 10 characters ("[ coord. ]"), then only
# spaces and one full stop at most: it starts this close to the end of what else is there.
_ROLE_MARKER_REACH = 16
_PUBLICATION_WORDS = frozenset(
    """news post times politics guardian conversation journal review magazine herald tribune
    telegraph press daily weekly gazette chronicle observer economist online independent mail
    standard express mirror sun bulletin today insider wire reuters bbc cnn npr abc nbc cbs
    zeitung spiegel monde figaro libération pais repubblica corriere atlantic yorker forbes wired
    vox axios politico slate salon bloomberg blog""".split()
)
_NEWSPAPER_WORDS = frozenset(
    """news post times guardian herald tribune telegraph gazette chronicle observer independent
    mail standard express mirror sun daily zeitung monde figaro libération pais repubblica corriere
    reuters bbc cnn npr politics conversation wire bulletin ledger courier sunday examiner inquirer
    dispatch globe""".split()
)
_MAGAZINE_WORDS = frozenset(
    "magazine atlantic yorker forbes wired economist spiegel weekly time newsweek vogue".split()
)
_PUBLISHER_WORDS = re.compile(
    _at_word_start(
        r"Press|Presses|Presse|Publishing|Publishers?|Publications|Verlag|Books|Wiley|Springer|Routledge|Elsevier|"
        r"Penguin|Sage|SAGE|Éditions|Editions|Gallimard|Seuil|Hachette|Macmillan|Palgrave|Blackwell|"
        r"Norton|Knopf|Random House|HarperCollins|Pearson|McGraw|Cengage|Suhrkamp|Beck|Kohlhammer|"
        r"Hanser|Dunod|Flammarion|Ltd|Inc|GmbH|Co\.",
        r"\b",
    )
)
_THESIS = re.compile(
    r"\b(?:thesis|dissertation|Diss\.|doctoral|Ph\.?\s?D\.?|master'?s|M\.?A\. thesis|M\.?Sc|"
    r"thèse|Doktorarbeit|Masterarbeit|Habilitation|tesis)\b",
    re.IGNORECASE,
)
_REPORT = re.compile(
    r"\b(?:report|working\s+paper|white\s+paper|technical\s+note|policy\s+brief|discussion\s+paper|"
    r"briefing|Bericht|rapport|informe|Arbeitspapier|occasional\s+paper|fact\s+sheet)\b",
    re.IGNORECASE,
)
_CONFERENCE = re.compile(
    r"\b(?:proceedings|proc\.|conference|symposium|workshop|congress|colloquium|Tagung|Konferenz|"
    r"actes|colloque|congrès|meeting)\b",
    re.IGNORECASE,
)
_EDITION = re.compile(
    r"\(?\b(?P<num>\d{1,3})(?:st|nd|rd|th|\.|e|ème|a|ª)?\s*(?:ed(?:n|ition)?\b\.?|Aufl(?:age|\.)?|"
    r"[ée]d(?:ition|\.)|edici[óo]n)\)?"
    r"|\(?\b(?P<word>[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]ifth|[Rr]evised|[Ee]xpanded|[Nn]ew)\s+"
    r"(?:ed(?:n|ition)?\b\.?)\)?",
)
_EDITION_WORDS = {"second": "2", "third": "3", "fourth": "4", "fifth": "5"}
# Every match of _EDITION's numbered form holds a match of the first pattern (from its
# last digit); every match of its worded form holds one of the second and a word end.
_MAY_BE_EDITION = re.compile(r"\d(?:st|nd|rd|th|\.|e|ème|a|ª)?\s*(?:ed|Aufl|éd)")
_MAY_BE_EDITION_WORD = re.compile(r"ed(?<=\sed)")  # "ed" after a space, found by its literal start
_EDITION_WORD_ENDS = ("econd", "hird", "ourth", "ifth", "evised", "xpanded", "ew")
_PLACE_PUBLISHER = re.compile(
    r"(?<![\w.])(?!(?:In|Dans|URL|Available|Retrieved|Online|Accessed|DOI|doi)\b)"
    r"(?P<place>[A-Z][\w'’-]{1,30}(?:[ -][A-Z][\w'’-]{1,30}){0,3}(?:,\s?[A-Z][A-Za-z.]{1,12})?)"
    r"\s?:\s?(?P<publisher>[A-Z][^.;:()\[\]]{1,80}?)(?=\s*[.,;(]|\s*$|\s+\d{4})"
)


# The patterns below are written for speed (see _at_word_start); they read as:
#   _VOLUME_WORDS  \b(?:vol|Vol|VOL|Bd|Jg|Vol\.|t|tome|Band|Jahrgang)\.?\s*(?P<v>\d+[A-Z]?)
#   _ISSUE_WORDS   (?:\b(?:no|No|NO|nr|Nr|issue|Issue|H|Heft|num|n)\.?|n°|№)\s*(?P<i>\d+(?:[-–/]\d+)?)
#   _PAGE_WORDS    \b(?:pp|p|S|pages?|Seiten?|pgs?)\.?\s*(?P<p>[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?)
_VOLUME_WORDS = re.compile(
    "(?:" + _at_word_start(r"vol|Vol|VOL|Bd|Jg|Vol\.|t|tome|Band|Jahrgang") + r")\.?\s*(?P<v>\d+[A-Z]?)"
)
_ISSUE_WORDS = re.compile(
    "(?:" + _at_word_start("no|No|NO|nr|Nr|issue|Issue|H|Heft|num|n", r"\.?") + r"|n°|№)\s*(?P<i>\d+(?:[-–/]\d+)?)"
)
_PAGE_WORDS = re.compile(
    "(?:" + _at_word_start("pp|p|S|pages?|Seiten?|pgs?") + r")\.?\s*(?P<p>[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?)"
)
# "12(3), 45–67", "12(3):45-67", "12, 45–67", "12:45-67", "2019;12(3):45-67".
# "(?<![\w.])(?P<v>\d{1,5})" written with its lookbehind after the first digit, for speed
# (as in _at_word_start): "\d(?<![\w.]\d)" holds where "(?<![\w.])\d" does.
_VOLUME_ISSUE_PAGES = re.compile(
    r"(?P<v>\d(?<![\w.]\d)\d{0,4})\s?(?:\((?P<i>[\w–/-]{1,12})\))?\s?(?P<sep>[:,])\s?"
    r"(?P<p>[eA-Z]?\d{1,7}(?:\s?[-–—]+\s?[eA-Z]?\d{1,7})?)(?![\w/])"
)
# A page range standing alone: "22–29", "101–18".
_BARE_PAGES = re.compile(r"(?<![\w.])[A-Za-z]?\d{1,6}\s?[-–—]\s?[A-Za-z]?\d{1,6}(?![\w/])")
_VOLUME_ISSUE = re.compile(r"(?P<v>\d(?<![\w.]\d)\d{0,4})\s?\((?P<i>[\w–/-]{1,12})\)")
_SENTENCE_END = re.compile(r"[.?!](?=\s|$)")
_IN = re.compile(r"(?:In|in|Dans|dans|En|en)\s*:?\s+(?=\S)")
_EDITED_BY = re.compile(
    r"\b(?:edited\s+by|ed\.\s+by|eds?\.|hrsg\.\s+v(?:on|\.)|hg\.\s+v(?:on|\.)|sous\s+la\s+direction\s+de|"
    r"dir\.)\s+",
    re.IGNORECASE,
)
# Literal parts of every match of _EDITED_BY (see prefilter).
_EDITED_BY_NEEDLES = ("edited", "ed.", "eds.", "hrsg.", "hg.", "sous", "dir.")
_ROLE_IN_PARENS = re.compile(r"\(\s*(?:eds?|Eds?|EDS?|Hrsg|hrsg|Hg|dir|coord|éds?|Éds?)\.?\s*\)\.?,?")
_NEXT_TOKEN = re.compile(r"\s*(\S+)")
_NAME_CHUNK = re.compile(r"([^,.;:()]{1,60}),")
_ITALIC = re.compile(r"(\*{1,2}|_{1,2})([^*_\n]{1,500}?)\1")
_YEAR_RANGE = re.compile(r"(?:1[5-9]|20)\d\d\s?[-–—]\s?(?:1[5-9]|20)?\d\d")
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile(r"[0-9]")
_CONTAINER_END = re.compile(r"[.?!;](?=\s|$)|,\s")
_COMMA = re.compile(r",\s")
_PUNCTUATION_RUN = re.compile(r"[ \t.,;:)\]]*")
_BOOK_TITLE_END = re.compile(r"\s\((?:pp?|S)\.|,\s(?:pp?|S)\.|[.?!](?=\s|$)")
# \b(?:In|Dans)\s*:?\s, written for speed (see _at_word_start).
_IN_WORD = re.compile(_at_word_start("In|Dans", r"\s*:?\s"))
# Literal parts of every match of _THESIS, _REPORT and _CONFERENCE (see prefilter):
# guess_type searches a whole entry with them only when one is there.
_THESIS_NEEDLES = (
    "thesis", "diss", "doctoral", "ph", "master", "msc", "m.sc", "th\u00e8se", "doktorarbeit", "habilitation",
    "tesis",
)
_REPORT_NEEDLES = (
    "report", "working", "white", "technical", "policy", "discussion", "briefing", "bericht", "rapport",
    "informe", "arbeitspapier", "occasional", "fact",
)
_CONFERENCE_NEEDLES = (
    "proc", "conference", "symposium", "workshop", "congr", "colloq", "tagung", "konferenz", "actes", "meeting",
)


@dataclass
class Fields:
    """The bibliographic fields of one entry, in offsets relative to it."""

    author: Region | None = None
    editor: Region | None = None
    issued: Date | None = None
    issued_span: Region | None = None
    title: Region | None = None
    container: Region | None = None
    volume: Region | None = None
    issue: Region | None = None
    page: Region | None = None
    publisher: Region | None = None
    place: Region | None = None
    edition: str = ""
    edition_span: Region | None = None
    editor_role: bool = False  # the author block is an editor list: "Smith, J. (Ed.)."
    title_end: int = 0  # just past the title, its closing quote included


def _strip_region(text: str, start: int, end: int, chars: str = " \t,.;:*_") -> Region | None:
    if end <= start:
        return None
    if text[start] not in chars and text[end - 1] not in chars:
        return (start, end)  # the usual case: nothing to strip
    # lstrip and rstrip drop what a loop over the characters would, in C.
    rest = text[start:end].lstrip(chars)
    start = end - len(rest)
    end = start + len(rest.rstrip(chars))
    return (start, end) if end > start else None


def _next_token(text: str, pos: int) -> str:
    m = _NEXT_TOKEN.match(text, pos)
    return m.group(1) if m else ""


# --- Where the author block ends ------------------------------------------------------------


def _continues_names(text: str, pos: int) -> bool:
    """After an initial's full stop at ``pos``, does the author list go on?"""
    rest = text[pos : pos + 120].lstrip()
    if not rest:
        return False
    token = rest.split(None, 1)[0]
    if rest[0] in "&,;(" or token in ("and", "und", "et", "y", "e", "en", "&"):
        return True
    if is_initials(token.rstrip(",;:")) or token.rstrip(",;.") in ("Jr", "Sr", "Jnr"):
        return True
    # Another author written "Jones, B." follows: a short capitalised chunk ended by a comma.
    chunk = _NAME_CHUNK.match(rest)
    if chunk is None:
        return False
    words = chunk.group(1).split()
    return 0 < len(words) <= 3 and all(w[:1].isupper() or w in _NAME_LOWER for w in words)


def sentence_end(text: str, start: int, stop: int) -> int | None:
    """The offset just past the first sentence-ending full stop at or after ``start``."""
    for m in _SENTENCE_END.finditer(text, start, stop):
        i = m.start()
        word_start = text.rfind(" ", start, i) + 1
        token = text[word_start : i + 1].lstrip("([-–")
        if text[i] == ".":
            bare = token.rstrip(".")
            if is_initials(token) or bare in ("Jr", "Sr", "Jnr", "St", "Ste", "Mc"):
                if _continues_names(text, i + 1):
                    continue
            elif bare.casefold() in ("ed", "eds", "hrsg", "hg", "dir", "coord") and "(" in token:
                return i + 1
        return i + 1
    return None


def _looks_like_names(text: str) -> bool:
    """An author block holds capitalised words, initials and a few joining words."""
    words = text.split()
    if not words:
        return False
    lower = [w for w in words if w[:1].islower() and w.strip(".,;:()") not in _NAME_LOWER]
    return len(lower) <= 1 and not _has_digit(text)


def _has_digit(text: str) -> bool:
    """Whether any character of ``text`` is a digit by ``str.isdigit``."""
    if text.isascii():
        # In ASCII, only 0-9 are digits, and a regex finds them without a Python loop.
        return _ASCII_DIGIT.search(text) is not None
    return any(ch.isdigit() for ch in text)


def _role_marker(text: str, block: Region) -> re.Match[str] | None:
    """``_ROLE_MARKER.search(text, *block)``, searching only the end of the block, where a match must lie."""
    start, end = block
    # What is left without the spaces and the one full stop that may follow the marker.
    rest = text[start:end].rstrip()
    rest = rest[:-1].rstrip() if rest.endswith(".") else rest
    return _ROLE_MARKER.search(text, max(start, start + len(rest) - _ROLE_MARKER_REACH), end)


def _author_block(text: str, end: int) -> Region | None:
    """The author block up to ``end``, keeping the full stop of a final initial or "Jr."."""
    block = _strip_region(text, 0, end, " \t,;:([")
    if block is None:
        return None
    start, stop = block
    while stop > start and text[stop - 1] == "." and not _keeps_stop(text, start, stop):
        stop -= 1
    return _strip_region(text, start, stop, " \t,;:([")


def _keeps_stop(text: str, start: int, stop: int) -> bool:
    last = text[start:stop].split()[-1].lstrip("(")
    return is_initials(last) or last.rstrip(".") in ("Jr", "Sr", "Jnr", "al")


# --- Dates ----------------------------------------------------------------------------------


def _issued(
    text: str, after: int, title: Region | None, dates: list[tuple[Span, Date]]
) -> tuple[Span, Date] | None:
    """The publication date: right after the author block if it is there, else the likeliest.

    ``dates`` are all the dates in ``text``.
    """
    candidates = [
        (span, date)
        for span, date in dates
        if title is None or span.end <= title[0] or span.start >= title[1]
    ]
    if not candidates:
        return None
    for span, date in candidates:
        gap = text[after : span.start] if span.start >= after else None
        if gap is not None and gap.strip(" \t.,;:([") == "":
            return span, date
    for span, date in candidates:
        before = text[:span.start].rstrip()
        after_text = text[span.end :].lstrip()
        if before.endswith(("(", "[")) or not after_text or after_text[0] in ".,;:)]":
            return span, date
    return candidates[0]


# --- Title ----------------------------------------------------------------------------------


def _quote_title(text: str, start: int, limit: int) -> tuple[int, int, int] | None:
    """A quoted title at or after ``start``: from its opening quote to the last fitting closer."""
    # The regex skips to each quote character in C instead of a Python loop over the entry.
    for m in _OPENERS.finditer(text, start, max(start, limit)):
        pos = m.start()
        if pos == 0 or not text[pos - 1].isalnum():
            return _closing(text, pos, limit)
    return None


def _closing(text: str, opener: int, limit: int) -> tuple[int, int, int] | None:
    closers = _CLOSERS[text[opener]]
    fitting: list[int] = []
    for j in range(opener + 1, limit):
        ch = text[j]
        if ch not in closers:
            continue
        before = text[j - 1]
        after = text[j + 1] if j + 1 < len(text) else " "
        if before.isalnum() and after.isalnum():
            continue  # an apostrophe inside a word: "Korea’s"
        if before.isspace() and ch in _CLOSERS:
            continue  # an opening quote of a nested quotation
        fitting.append(j)
    if not fitting:
        return None
    # Prefer a closer followed by the punctuation that ends a title, else the last one.
    best = fitting[-1]
    for j in reversed(fitting):
        tail = text[j + 1 : j + 3].lstrip()
        if j + 1 >= limit or not tail or tail[0] in ",.;:":
            best = j
            break
    inner = _strip_region(text, opener + 1, best, " \t,.;:")
    if inner is None:
        return None
    return inner[0], inner[1] + (1 if text[inner[1] : inner[1] + 1] in ("?", "!") else 0), best + 1


def _quoted(text: str, start: int, limit: int) -> tuple[Region, int] | None:
    found = _quote_title(text, start, limit)
    return None if found is None else ((found[0], found[1]), found[2])


def _italic_title(text: str, start: int) -> Region | None:
    m = _ITALIC.match(text, start)
    if m is None:
        return None
    return _strip_region(text, m.start(2), m.end(2), " \t,.;:")


# An unquoted title ends at a sentence end, before a parenthesised edition or
# report note, or before a bare "volume(issue), pages" run (a journal name lost).
#
# It reads   [.?!](?=\s|$)
#            |\s[(\[](?=[^)\]]{0,60}(?:ed\.|edn|Aufl|dissertation|thesis|Report|report|pp\.|Vol))
#            |,(?=\s\d{1,5}\s?\([\w–/-]{1,12}\),)
# written to start with one character set (so that the engine skips in C to the next
# candidate) and then pick the alternative by that character, which no two share.
_TITLE_END = re.compile(
    r"[.?!,\s](?:(?<=[.?!])(?=\s|$)"
    r"|(?<=\s)[(\[](?=[^)\]]{0,60}(?:ed\.|edn|Aufl|dissertation|thesis|Report|report|pp\.|Vol))"
    r"|(?<=,)(?=\s\d{1,5}\s?\([\w–/-]{1,12}\),))"
)


def _sentence_title(text: str, start: int, stop: int) -> Region | None:
    """An unquoted title: the sentence starting at ``start``."""
    end = stop
    m = _TITLE_END.search(text, start, stop)
    while m is not None and m.group(0) == "." and _is_abbreviation(text, start, m.start()):
        m = _SENTENCE_END.search(text, m.end(), stop)
    if m is not None:
        end = m.start() + (1 if m.group(0) in ("?", "!") else 0)
    return _strip_region(text, start, end, " \t,.;:*_")


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    """A full stop inside a title: "U.S.", "vs.", "Dr." followed by more title."""
    word_start = text.rfind(" ", start, dot) + 1
    word = text[word_start:dot]
    nxt = _next_token(text, dot + 1)
    if word.casefold() in ("vs", "dr", "st", "mr", "mrs", "no", "vol", "e.g", "i.e", "etc"):
        return bool(nxt) and nxt[0].islower()
    return "." in word and len(word) <= 4 and bool(nxt) and nxt[0].isupper() and word.isupper()


# --- Numbers, publisher, edition ------------------------------------------------------------


def _numbers(text: str, start: int, stop: int, fields: Fields) -> int | None:
    """Volume, issue and pages after the title; returns where the first of them starts."""
    if _DIGIT.search(text, start, stop) is None:
        return None  # every pattern below needs a digit (\d, as this test): six searches spared
    first: int | None = None
    for pattern, group, attr in (
        (_VOLUME_WORDS, "v", "volume"),
        (_ISSUE_WORDS, "i", "issue"),
        (_PAGE_WORDS, "p", "page"),
    ):
        m = pattern.search(text, start, stop)
        if m is not None and getattr(fields, attr) is None:
            setattr(fields, attr, m.span(group))
            first = m.start() if first is None else min(first, m.start())
    if fields.volume is None:
        m = _VOLUME_ISSUE_PAGES.search(text, start, stop)
        while m is not None and not _plausible_volume(text, m, fields):
            m = _VOLUME_ISSUE_PAGES.search(text, m.end(), stop)
        if m is not None:
            fields.volume = m.span("v")
            if m.group("i"):
                fields.issue = m.span("i")
            if fields.page is None:
                fields.page = m.span("p")
            first = m.start() if first is None else min(first, m.start())
        else:
            m2 = _VOLUME_ISSUE.search(text, start, stop)
            if m2 is not None:
                fields.volume = m2.span("v")
                fields.issue = m2.span("i")
                first = m2.start() if first is None else min(first, m2.start())
    # Every match of _BARE_PAGES holds a dash: without one, the slow search is spared.
    if fields.page is None and _has_dash(text, start, stop):
        m3 = _BARE_PAGES.search(text, start, stop)
        if m3 is not None and not _YEAR_RANGE.fullmatch(m3.group()):
            fields.page = m3.span()
            first = m3.start() if first is None else min(first, m3.start())
    return first


def _has_dash(text: str, start: int, stop: int) -> bool:
    return text.find("-", start, stop) != -1 or text.find("–", start, stop) != -1 or text.find("—", start, stop) != -1


def _plausible_volume(text: str, m: re.Match[str], fields: Fields) -> bool:
    # A year is not a volume ("2019, 45-67" is rare; "2019;12(3)" puts the year first).
    if fields.issued_span is not None and m.start("v") == fields.issued_span[0]:
        return False
    if m.group("sep") == "," and not m.group("i"):
        # "12, 45–67" only with a page range, else "Vol 3, 2019" would read as pages.
        return "-" in m.group("p") or "–" in m.group("p") or "—" in m.group("p")
    return True


def _edition(text: str, start: int, fields: Fields) -> Region | None:
    # _EDITION can start at almost any character, so searching with it is slow; most
    # entries have no edition, and these faster searches, which every match implies, say so.
    if _MAY_BE_EDITION.search(text, start) is None and not (
        _MAY_BE_EDITION_WORD.search(text, start) is not None
        and any(text.find(word, start) != -1 for word in _EDITION_WORD_ENDS)
    ):
        return None
    m = _EDITION.search(text, start)
    if m is None:
        return None
    if m.group("num"):
        fields.edition = m.group("num")
    else:
        word = m.group("word")
        fields.edition = _EDITION_WORDS.get(word.casefold(), word)
    fields.edition_span = m.span()
    return m.span()


def _publisher(text: str, start: int, stop: int, fields: Fields) -> int | None:
    if text.find(":", start, stop) == -1:
        return None  # "Place: Publisher" has a colon; a search without one is slow and fails
    m = _PLACE_PUBLISHER.search(text, start, stop)
    if m is not None and _DIGIT.search(m.group("place")) is None:
        fields.place = m.span("place")
        pub = _strip_region(text, *m.span("publisher"))
        fields.publisher = pub
        return m.start()
    return None


# --- The block before the date -------------------------------------------------------------


def container_in_author_block(text: str, block: Region) -> Region | None:
    """The seed's "Family, Given, The Washington Post (date)": the last comma part may be the container."""
    start, end = block
    comma = text.rfind(",", start, end)
    if comma == -1:
        return None
    part = _strip_region(text, comma + 1, end)
    if part is None:
        return None
    words = text[part[0] : part[1]].split()
    first = words[0]
    folded = {w.casefold().strip(".,") for w in words}
    if (
        first == "The"
        or (len(first) >= 2 and first.isupper() and first.isalpha() and not is_initials(first + "."))
        or (first.isupper() and len(first) >= 3)
        or folded & _PUBLICATION_WORDS
    ):
        return part
    return None


# --- The whole pass ---------------------------------------------------------------------------

# How far into an entry the author block's closing date is looked for.
_FIRST_DATE_REACH = 400


def read_fields(text: str, trailing: int) -> Fields:
    """Read the fields of an entry whose identifiers are blanked out of ``text``.

    ``trailing`` is where the trailing identifier part starts (the first URL,
    access clause or similar), which bounds a quoted title.
    """
    fields = Fields()
    n = len(text)
    quoted = _quoted(text, 0, trailing)
    quote = quoted[0] if quoted else None
    # The author block ends at the first sentence end, quote or date.
    ends = [e for e in (sentence_end(text, 0, n), quote[0] - 1 if quote else None) if e is not None]
    # The first date is looked for in the first 400 characters only.  A shorter
    # entry is read once for both this and the publication date below.
    first_date = find_dates(text, 0, min(n, _FIRST_DATE_REACH))
    dates = first_date if n <= _FIRST_DATE_REACH else find_dates(text)
    if first_date:
        ends.append(first_date[0][0].start)
    block_end = min(ends) if ends else n
    block = _author_block(text, block_end)
    title: Region | None = quote
    role_end: int | None = None
    role = _role_marker(text, block) if block is not None else None
    if block is not None and role is not None:
        fields.editor_role = True
        role_end = role.end()
        block = _author_block(text, role.start())
    if block is not None and not _looks_like_names(text[block[0] : block[1]]):
        # No author: the entry starts with its title ("Title. (2019). Publisher.").
        if title is None:
            title = block
        block = None
    issued = _issued(text, role_end or (block[1] if block else 0), title, dates)
    if issued is not None:
        fields.issued, fields.issued_span = issued[1], (issued[0].start, issued[0].end)
    if block is not None and issued is not None and text[block[1] : issued[0].start].strip(" \t.,;:") == "(":
        container = container_in_author_block(text, block)
        if container is not None and text.rfind(",", block[0], block[1]) > block[0]:
            fields.container = container
            block = _strip_region(text, block[0], text.rfind(",", block[0], container[0]))
    fields.author = block
    cursor = role_end if role_end is not None else block[1] if block else 0
    if fields.issued_span and fields.issued_span[0] >= cursor and not text[cursor : fields.issued_span[0]].strip(" \t.,;:(["):
        cursor = fields.issued_span[1]
    edition = _edition(text, cursor, fields)
    if edition is not None:
        text = text[: edition[0]] + " " * (edition[1] - edition[0]) + text[edition[1] :]
    if title is None:
        cursor = _skip_punctuation(text, cursor)
        title = _italic_title(text, cursor) or _sentence_title(text, cursor, n)
    fields.title = title
    rest = title[1] if title else cursor
    if quoted is not None and title == quoted[0]:
        rest = quoted[1]
    elif rest < n and text[rest] in "*_":
        rest += 1
    _container_and_rest(text, rest, n, fields)
    return fields


def _skip_punctuation(text: str, pos: int) -> int:
    if pos >= len(text):
        return pos
    m = _PUNCTUATION_RUN.match(text, pos)
    return m.end() if m is not None else pos  # (a run of none matches too)


def _container_and_rest(text: str, start: int, stop: int, fields: Fields) -> None:
    """Container (or book in a chapter), editors, volume, issue, pages, publisher and place."""
    pos = _skip_punctuation(text, start)
    if text[pos : pos + 1] == "[":
        # "[Doctoral dissertation, University X]": the institution publishes a thesis.
        close = text.find("]", pos, pos + 300)
        if close != -1:
            comma = text.find(",", pos, close)
            if comma != -1 and fields.publisher is None:
                fields.publisher = _strip_region(text, comma + 1, close)
            pos = _skip_punctuation(text, close + 1)
            if _THESIS.search(text, start, close):
                return
    numbers_at = _numbers(text, pos, stop, fields)
    publisher_at = _publisher(text, pos, stop, fields)
    if fields.container is not None:
        return
    m = _IN.match(text, pos)
    if m is not None:
        _chapter(text, m.end(), stop, fields)
        return
    ends = [e for e in (numbers_at, publisher_at) if e is not None]
    if fields.issued_span and fields.issued_span[0] > pos:
        ends.append(fields.issued_span[0])
    end = min(ends) if ends else stop
    sentence = _container_sentence_end(text, pos, end)
    region = _strip_region(text, pos, sentence, " \t,.;:*_([")
    if region is None:
        return
    words = text[region[0] : region[1]]
    edited = _EDITED_BY.search(words) if may_contain(lowered(words), _EDITED_BY_NEEDLES) else None
    if edited is not None:
        # MLA: "Book Title, edited by A. Editor, Publisher"
        after = region[0] + edited.end()
        ed_end = _names_end(text, after, stop)
        fields.editor = _strip_region(text, after, ed_end)
        region = _strip_region(text, region[0], region[0] + edited.start())
        if region is None:
            return
    words = text[region[0] : region[1]]
    # (The searches come last: every test here is pure, so the order does not change the answer.)
    if numbers_at is None and len(words) < 60 and (_THESIS.search(words) or _REPORT.search(words)):
        # "PhD thesis, University X" / "Working Paper 12.": a genre, then who issued it.
        after = _skip_punctuation(text, sentence)
        nxt = _strip_region(text, after, _container_sentence_end(text, after, stop))
        if fields.publisher is None and nxt is not None and text[nxt[0]].isupper():
            fields.publisher = nxt
        return
    if numbers_at is None and _is_publisher(text[region[0] : region[1]]):
        if fields.publisher is None:
            fields.publisher = region
        return
    if len(text[region[0] : region[1]].split()) > 14:
        return  # a second sentence of prose is no container
    fields.container = region


def _container_sentence_end(text: str, start: int, stop: int) -> int:
    end = stop
    m = _CONTAINER_END.search(text, start, stop)
    while m is not None and m.group(0) == "." and _is_abbreviation_in_container(text, start, m.start()):
        m = _CONTAINER_END.search(text, m.end(), stop)
    if m is not None:
        end = m.start()
    return end


def _is_abbreviation_in_container(text: str, start: int, dot: int) -> bool:
    # Abbreviated journal titles: "J. Am. Chem. Soc.", "Phys. Rev. Lett."
    word_start = text.rfind(" ", start, dot) + 1
    word = text[word_start:dot]
    nxt = _next_token(text, dot + 1)
    return len(word) <= 6 and word[:1].isupper() and bool(nxt) and nxt[0].isupper() and not nxt[0].isdigit()


def _names_end(text: str, start: int, stop: int) -> int:
    """Where an editor list after "edited by" ends: the next comma before a non-name, or a full stop."""
    end = sentence_end(text, start, stop) or stop
    for m in _COMMA.finditer(text, start, end):
        following = _next_token(text, m.end())
        if following and not (following[0].isupper() or following in ("and", "&")):
            return m.start()
        if following and _PUBLISHER_WORDS.search(text, m.end(), min(end, m.end() + 60)):
            return m.start()
    return end


def _chapter(text: str, start: int, stop: int, fields: Fields) -> None:
    """After "In": editors and the book's title."""
    role = _ROLE_IN_PARENS.search(text, start, min(stop, start + 400))
    if role is not None:
        fields.editor = _strip_region(text, start, role.start(), " \t,;:")
        book_start = _skip_punctuation(text, role.end())
    else:
        edited = _EDITED_BY.search(text, start, stop)
        book_start = start
        if edited is not None and edited.start() > start:
            # Chicago: "In Book Title, edited by A. Editor, 1–10. Place: Publisher."
            book = _strip_region(text, start, edited.start())
            fields.container = book
            ed_end = _names_end(text, edited.end(), stop)
            fields.editor = _strip_region(text, edited.end(), ed_end)
            pages = _BARE_PAGES.match(text, _skip_punctuation(text, ed_end))
            if pages is not None and fields.page is None:
                fields.page = pages.span()
            return
    italic = _italic_title(text, book_start)
    if italic is not None:
        fields.container = italic
        return
    end = stop
    for candidate in (
        _BOOK_TITLE_END.search(text, book_start, stop),
    ):
        if candidate is not None:
            end = candidate.start()
    fields.container = _strip_region(text, book_start, end)


def _is_publisher(words: str) -> bool:
    return _PUBLISHER_WORDS.search(words) is not None


# --- The type -------------------------------------------------------------------------------


def guess_type(
    text: str,
    container: str,
    fields: Fields,
    has_editors: bool,
    has_link: bool,
    has_isbn: bool,
) -> str:
    """Decide the CSL type from the markers and the fields found."""
    folded_container = {w.casefold().strip(".,:;*_") for w in container.split()}
    has_numbers = fields.volume is not None or fields.issue is not None
    lower = lowered(text)
    if may_contain(lower, _THESIS_NEEDLES) and _THESIS.search(text):
        return "thesis"
    if container and _CONFERENCE.search(container):
        return "paper-conference"
    if has_editors and container:
        return "chapter"
    # The search last: the tests are pure, so their order does not change the answer.
    if container and fields.page is not None and not has_numbers and _IN_WORD.search(text):
        return "chapter"
    if not has_numbers and may_contain(lower, _REPORT_NEEDLES) and _REPORT.search(text):
        return "report"
    if container:
        if folded_container & _MAGAZINE_WORDS:
            return "article-magazine"
        if folded_container & _NEWSPAPER_WORDS and not has_numbers:
            return "article-newspaper"
        if has_numbers or fields.page is not None or "journal" in folded_container:
            return "article-journal"
        if has_link:
            return "webpage"
        if fields.issued is not None and fields.issued.day is not None:
            return "article-newspaper"
        return "article-journal"
    if fields.publisher is not None or has_isbn or fields.edition:
        return "book"
    if has_numbers and fields.page is not None:
        return "article-journal"  # volume, issue and pages: a journal whose name is missing
    if has_link:
        return "webpage"
    if may_contain(lower, _CONFERENCE_NEEDLES) and _CONFERENCE.search(text):
        return "paper-conference"
    return "document"
