"""Read dates in the forms people write them: years, full dates in many languages, n.d."""

from __future__ import annotations

import functools
import re
import unicodedata

from refcheck.model import Date, Span

# Month names and their usual abbreviations in English, German, French,
# Spanish, Italian, Portuguese and Dutch, keyed lower-case without accents.
_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januar", "janvier", "janv", "enero", "ene", "gennaio", "genn", "gen",
        "janeiro", "januari", "jänner", "janner"),
    2: ("february", "feb", "febr", "februar", "fevrier", "fev", "fevr", "febrero", "febbraio",
        "fevereiro", "februari"),
    3: ("march", "mar", "marz", "maerz", "mars", "marzo", "marco", "maart", "mrt", "mär"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maggio", "mag", "maio", "mei"),
    6: ("june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho"),
    7: ("july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"),
    8: ("august", "aug", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "set", "settembre",
        "sett", "setembro"),
    10: ("october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro",
         "out"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "dez", "dezember", "decembre", "diciembre", "dic", "dicembre",
         "dezembro"),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


MONTHS: dict[str, int] = {word: num for num, words in _MONTH_WORDS.items() for word in words}

# Spelled with their accents too, so that the pattern matches the text as written.
_ACCENTED = ("März", "février", "févr", "août", "décembre", "março", "jänner")


_Trie = dict[str, "_Trie"]


def _trie_pattern(words: set[str]) -> str:
    """An alternation of ``words`` factored by common prefixes ("ju(?:ne|ly)").

    Python's regex engine tries a flat alternation word by word at every position; the
    factored form rejects a non-month after its first letter, which makes finding dates
    several times faster.  It matches the same words: each alternative must end a word, so
    which branch is tried first does not change the match.
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + (")?" if "" in node else ")")

    return render(trie)


_MONTH_ALTERNATION = _trie_pattern({*MONTHS, *(w.lower() for w in _ACCENTED)})
# Months are matched case-insensitively but must start a word and end one (an
# abbreviation may carry a full stop).
_MONTH = rf"(?:{_MONTH_ALTERNATION})(?![^\W\d_])\.?"
_ORD = r"(?:st|nd|rd|th|er|e|º|ª|\.)?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_SUFFIX = r"(?:[a-z](?![^\W\d_]))?"

# The abbreviations are matched in lower case only: "N. D." and "S. D." are initials.
_UNDATED = (
    r"(?-i:n\.\s?d\.?|n\.d|s\.\s?d\.|s\.\s?f\.|o\.\s?J\.)|no\sdate|undated|in\spress|forthcoming"
)

DATE_PATTERN = re.compile(
    rf"""
    (?P<iso>(?<!\d)(?P<iso_y>{_YEAR})-(?P<iso_m>[01]?\d)-(?P<iso_d>[0-3]?\d)(?!\d))
    | (?P<dmy>(?<!\d)(?P<dmy_d>[0-3]?\d){_ORD}\s*(?:of\s+|de\s+)?(?P<dmy_m>{_MONTH}),?\s*(?:de\s+)?
        (?P<dmy_y>{_YEAR})(?P<dmy_s>{_SUFFIX})(?!\d))
    | (?P<mdy>(?<![^\W\d_])(?P<mdy_m>{_MONTH})\s*(?P<mdy_d>[0-3]?\d){_ORD},?\s*(?<!\d)(?P<mdy_y>{_YEAR})
        (?P<mdy_s>{_SUFFIX})(?!\d))
    | (?P<ymd>(?<!\d)(?P<ymd_y>{_YEAR})(?P<ymd_s>{_SUFFIX}),?\s+(?P<ymd_m>{_MONTH})
        (?:\s*(?P<ymd_d>[0-3]?\d){_ORD})?(?![\d]))
    | (?P<my>(?<![^\W\d_])(?P<my_m>{_MONTH})\s+(?P<my_y>{_YEAR})(?P<my_s>{_SUFFIX})(?!\d))
    | (?P<y>(?<![\d\w/.-])(?P<y_y>{_YEAR})(?P<y_s>{_SUFFIX})(?![\d/]|\.\d|-\d))
    | (?P<nd>(?<![^\W\d_])(?:{_UNDATED})(?![^\W\d_]))
    """,
    re.IGNORECASE | re.VERBOSE,
)


@functools.lru_cache(maxsize=1 << 14)
def _month(word: str) -> int | None:
    # Cached: find_dates asks about every word before every year (the authors' names).
    if word.isascii():
        # Folding ASCII only lower-cases it (NFKD leaves ASCII alone), and lower() is cheaper.
        return MONTHS.get(word.lower().rstrip("."))
    return MONTHS.get(_fold(word).rstrip("."))


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= 31


def _group(m: re.Match[str], name: str) -> str | None:
    """``m.groupdict().get(name)``, without building the dict of all 30-odd groups."""
    return m.group(name) if name in DATE_PATTERN.groupindex else None


def _date_from_match(m: re.Match[str]) -> Date | None:
    kind = m.lastgroup
    # ``lastgroup`` names the innermost group closed last, so look at which
    # top-level alternative matched instead.  Exactly one did (the engine unsets
    # the groups of an alternative that failed), so the order of this test does
    # not matter: the commonest, a bare year, comes first.
    for kind in ("y", "iso", "dmy", "mdy", "ymd", "my", "nd"):
        if m.group(kind) is not None:
            break
    else:  # pragma: no cover - the pattern has no other alternatives
        return None
    if kind == "y":
        # A bare year, the commonest: what the general case below gives for it
        # (no month or day, so always valid).
        return Date(year=int(m.group("y_y")), month=None, day=None, suffix=(m.group("y_s") or "").lower())
    if kind == "nd":
        literal = m.group("nd")
        folded = literal.casefold()
        if folded.startswith(("in press", "forthcoming")):
            return Date(literal=folded)
        return Date(literal="n.d.")
    year = int(m.group(f"{kind}_y"))
    suffix = (_group(m, f"{kind}_s") or "").lower()
    month: int | None = None
    day: int | None = None
    if kind == "iso":
        month, day = int(m.group("iso_m")), int(m.group("iso_d"))
    elif kind in ("dmy", "mdy", "ymd", "my"):
        month = _month(m.group(f"{kind}_m"))
        day_text = _group(m, f"{kind}_d")
        day = int(day_text) if day_text else None
    if not _valid(year, month, day):
        return None
    return Date(year=year, month=month, day=day, suffix=suffix)


_ANCHOR = re.compile(rf"(?<!\d){_YEAR}(?!\d)|(?<![^\W\d_])(?:{_UNDATED})", re.IGNORECASE)
# _ANCHOR costs some 80 ns a character, as the engine tries it at every one.  Most
# texts hold no undated marker, and then only its years are looked for, with:
# the year alternative of _ANCHOR with its lookbehind moved after the first digit
# ("1" not after a digit), so that the engine skips from one "1" or "2" to the next.
# A year (digits) and an undated marker (letters) never overlap, so without
# markers this finds exactly the anchors _ANCHOR finds.
_YEAR_ANCHOR = re.compile(r"1(?<!\d1)[5-9]\d\d(?!\d)|2(?<!\d2)0\d\d(?!\d)")
# Every undated marker holds a match of this (so that without one, _YEAR_ANCHOR serves).
# The abbreviations are case-sensitive ("n.d", "s. f.", "o. J."), so ".", then a
# lookbehind for the letter before it, finds them; the words hold "date", "press" or
# "forthcoming", matched without regard to case (so "ſ" is an "s", as in _UNDATED).
# One character set comes first, which lets the engine skip in C between candidates.
_MAY_HOLD_UNDATED = re.compile(
    r"[.DdPpFf](?:(?<=[nso]\.)\s?[dfJ]|(?<=[Dd])(?i:ate)|(?<=[Pp])(?i:ress)|(?<=[Ff])(?i:orthcoming))"
)
# How far before its year a date can start: "Wednesday, 20th of September, 2018".
_REACH = 48


_WORD = re.compile(r"[^\W_]+")


def _ascii_date_start() -> re.Pattern[str]:
    """Where a word that may start a date begins, in ASCII text: see _date_starts."""
    rests: dict[str, set[str]] = {}
    for word in MONTHS:
        if word.isascii():
            rests.setdefault(word[0], set()).add(word[1:])
    firsts = "".join(sorted(rests))
    # "X(?<![^\W_][\s\S])" holds where "(?<![^\W_])X" does: the word is not preceded by a
    # letter or digit.  A month must be the whole word: "(?![^\W_])".
    return re.compile(
        f"[0-9{firsts}{firsts.upper()}](?<![^\\W_][\\s\\S])(?:(?<=[0-9])|"
        + "|".join(
            f"(?<=[{c}{c.upper()}])(?i:{_trie_pattern(rests[c])})(?![^\\W_])" for c in sorted(rests)
        )
        + ")"
    )


_ASCII_DATE_START = _ascii_date_start()


def _date_starts(text: str, window: int, at: int) -> list[int]:
    """The starts of the words in text[window:at] that may start a date: a number or a month."""
    if text[window:at].isascii():
        # In ASCII, a word is a run of letters and digits, isdigit() means 0-9 and a
        # month is a key of MONTHS in lower case: _ASCII_DATE_START finds these words'
        # starts in one scan.  (Its lookbehind looks before ``window``, as the test below
        # does, and its lookahead sees ``at`` as the end, where _WORD cuts a word too.)
        return [m.start() for m in _ASCII_DATE_START.finditer(text, window, at)]
    return [
        w.start()
        for w in _WORD.finditer(text, window, at)
        if (w.start() == 0 or not text[w.start() - 1].isalnum()) and _may_start_date(w.group())
    ]


def _may_start_date(token: str) -> bool:
    return token[0].isdigit() or _month(token) is not None


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[tuple[Span, Date]]:
    """Every date in ``text[start:end]``, in order, with its span in ``text``.

    Longer forms win over the year inside them: "September 20th 2018" is one
    date, not a month and a year.  Every date holds one year or undated
    marker (its anchor), and starts with a number or a month name shortly
    before it; the full pattern is tried only at those starts, so the cost
    follows the number of dates, not the length of the text.
    """
    stop = len(text) if end is None else end
    found: list[tuple[Span, Date]] = []
    covered = start
    undated = _MAY_HOLD_UNDATED.search(text, start, stop) is not None
    for anchor in (_ANCHOR if undated else _YEAR_ANCHOR).finditer(text, start, stop):
        at = anchor.start()
        if at < covered:
            continue
        window = max(covered, at - _REACH)
        starts = _date_starts(text, window, at)
        starts.append(at)
        for position in starts:
            m = DATE_PATTERN.match(text, position, stop)
            if m is None or m.end() <= at:
                continue
            date = _date_from_match(m)
            if date is not None:
                found.append((Span(m.start(), m.end()), date))
                covered = m.end()
            break
        # A date holds one anchor, so the next one starts after this anchor:
        # no character is scanned twice.
        covered = max(covered, anchor.end())
    return found


def parse_date(text: str) -> Date | None:
    """The date that ``text`` consists of (surrounding spaces, brackets and
    punctuation allowed), or None."""
    stripped = text.strip(" \t\n\u00a0()[],;:")
    if not stripped:
        return None
    m = DATE_PATTERN.fullmatch(stripped)
    if m is None:
        return None
    return _date_from_match(m)


def same_date(cited: Date, listed: Date) -> bool:
    """Whether a cited date agrees with a listed one at the precision both give."""
    if cited.year is None or listed.year is None:
        return (cited.year is None) == (listed.year is None)
    if cited.year != listed.year:
        return False
    if cited.suffix and listed.suffix and cited.suffix != listed.suffix:
        return False
    if cited.month is not None and listed.month is not None and cited.month != listed.month:
        return False
    if cited.day is not None and listed.day is not None and cited.day != listed.day:
        return False
    return True
