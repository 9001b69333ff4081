"""Token features for the reference labeller, in the manner of GROBID and AnyStyle.

Each token gets features of its own (the word, its shape, affixes, what kind
of number it is, dictionary membership), of its neighbours, of where it sits
(position in the string, inside quotes or brackets, after the year) and of the
punctuation around it.  A word's own features depend only on the word and are
cached, so that a long list costs little more than its distinct words.

A token's features come in groups: its word's own (``_own``), its state
(``_state``, by a state key from ``walk``), the string's style, what each
neighbour shows at its offset (``_context``) and the shapes of it and each
neighbour (``_pair``).  ``features`` joins them for CRFsuite; refcheck.crf.fast
sums each group's weights once.  A feature added inside one of these groups
reaches both; a new group must be added to both (tests/test_crf.py checks that
they agree).  What ``_state`` is given comes from ``walk``: the string's state
from ``_next_state``, the word's from ``_word``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from typing import Any, NamedTuple

from refcheck.crf.tokens import Token
from refcheck.dates import MONTHS

__all__ = ["features"]

# Opening quotation marks and what closes each.
_CLOSERS = {"“": "”\"", "„": "“”", "«": "»", "‘": "’'", "\"": "\"”", "'": "'’", "’": "’", "`": "'’`"}
_OPENERS = frozenset(_CLOSERS)
_QUOTE_MARKS = frozenset("“”«»„\"")


@functools.cache
def _words(name: str) -> frozenset[str]:
    text = resources.files("refcheck.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        _fold(line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _fold(word: str) -> str:
    folded = word.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _shape(word: str) -> str:
    """Capitals as X, small letters as x, digits as d, runs longer than two shortened."""
    head = word[:12]
    codes = head.translate(_ASCII_SHAPES) if head.isascii() else "".join([_char_shape(c) for c in head])
    return _LONG_RUN.sub(_first_two, codes) if len(codes) > 2 else codes


def _char_shape(char: str) -> str:
    if char.isdigit():
        return "d"
    if char.isalpha():
        return "X" if char.isupper() else "x" if char.islower() else "a"
    return char


_ASCII_SHAPES = str.maketrans({c: _char_shape(c) for c in map(chr, range(128)) if c.isalnum()})
_LONG_RUN = re.compile(r"(.)\1\1+", re.DOTALL)


def _first_two(run: re.Match[str]) -> str:
    return run.group()[:2]


@functools.lru_cache(maxsize=1 << 16)
def _own(word: str) -> tuple[str, ...]:
    """The features of a word by itself."""
    folded = _fold(word)
    out = [f"w={folded}", f"shape={_shape(word)}"]
    if len(word) > 2:
        out += [f"p3={folded[:3]}", f"s3={folded[-3:]}", f"s2={folded[-2:]}"]
    first = word[0]
    if word.startswith(("http", "HTTP", "www", "ftp")):
        out.append("url")
    elif word[:3].lower() in ("doi", "10.") and "/" in word:
        out.append("doi")
    elif word.isdecimal():
        value = int(word)
        out.append(f"digits={min(len(word), 5)}")
        if len(word) == 4 and 1500 <= value <= 2099:
            out.append("year")
        elif value <= 31:
            out.append("small-number")
    elif first.isalpha():
        if word.isupper():
            out.append("caps" if len(word) > 1 else "initial")
        elif first.isupper():
            out.append("capitalised")
        elif word.islower():
            out.append("lower")
        if not word.isalpha() and any(c.isdigit() for c in word):
            out.append("alnum")
        if not word.isascii():
            out.append("non-ascii")
        if folded in MONTHS or folded.rstrip(".") in MONTHS:
            out.append("month")
        for name, tag in _DICTIONARIES:
            if folded in _words(name):
                out.append(tag)
        if folded in _ROMAN and word.isupper() or folded in _ROMAN and word.islower():
            out.append("roman")
    elif first.isdigit():
        out.append("alnum")
    else:
        out.append(f"punct={word}")
        if word in "-–—‐":
            out.append("dash")
    return tuple(out)


_DICTIONARIES = (
    ("given_names.txt", "given-name"),
    ("family_names.txt", "family-name"),
    ("journal_words.txt", "journal-word"),
    ("publisher_words.txt", "publisher-word"),
    ("places.txt", "place"),
)
_ROMAN = frozenset("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split())
_KEYWORDS: dict[str, str] = {
    "et": "et",
    "al": "al",
    "and": "and",
    "in": "in",
    "ed": "ed",
    "eds": "ed",
    "edn": "edition",
    "edition": "edition",
    "ed.": "ed",
    "hrsg": "ed",
    "hg": "ed",
    "vol": "vol",
    "vols": "vol",
    "volume": "vol",
    "bd": "vol",
    "tome": "vol",
    "no": "no",
    "nr": "no",
    "issue": "no",
    "pp": "pp",
    "p": "pp",
    "pages": "pp",
    "s": "pp",
    "available": "available",
    "retrieved": "retrieved",
    "accessed": "accessed",
    "abgerufen": "accessed",
    "consulté": "accessed",
    "online": "online",
    "doi": "doi-word",
    "isbn": "isbn-word",
    "press": "press",
    "university": "university",
    "thesis": "thesis",
    "dissertation": "thesis",
    "report": "report",
    "proceedings": "proceedings",
    "conference": "proceedings",
    "translated": "translated",
    "trans": "translated",
    "edited": "edited",
    "by": "by",
}


_KEYWORD_FEATURES = {v: f"kw={v}" for v in set(_KEYWORDS.values())}


def _ends_sentence(before: str) -> bool:
    """Whether a full stop after ``before`` ends a sentence rather than an initial or
    an abbreviation ("J.", "Vol.")."""
    if len(before) == 1 and before.isalpha():
        return False
    return _fold(before) not in _ABBREVIATIONS


_ABBREVIATIONS = frozenset(
    "al ed eds vol vols no nr pp p pg ch chap fig eq ser suppl jr sr st dr mr mrs ms prof"
    " inc ltd co corp univ dept trans transl rev repr n d s f".split()
)


# Feature strings are made once and reused: building them costs more than the rest.
_POSITIONS = tuple(f"pos={k}" for k in range(11))
_SEGMENTS = tuple(f"seg={k}" for k in range(7))


@functools.lru_cache(maxsize=1 << 16)
def _context(word: str) -> tuple[tuple[str, str], ...]:
    """The features a word gives its neighbours at offsets -2, -1, 1 and 2."""
    own = _own(word)
    folded, shape = own[0][2:], own[1][6:]
    return (
        ("-2:w=" + folded, "-2:shape=" + shape),
        ("-1:w=" + folded, "-1:shape=" + shape),
        ("1:w=" + folded, "1:shape=" + shape),
        ("2:w=" + folded, "2:shape=" + shape),
    )


@functools.lru_cache(maxsize=1 << 12)
def _after(punct: str, shape: str) -> tuple[str, str]:
    return f"after={punct}", f"after={punct}|{shape}"


@functools.lru_cache(maxsize=1 << 14)
def _pair(prefix: str, a: str, b: str) -> str:
    return f"{prefix}{a}|{b}"


@functools.lru_cache(maxsize=1 << 14)
def _state(
    position: int,
    edges: int,  # 1: first token, 2: last token
    glued: bool,
    quote: bool,
    paren: bool,
    bracket: bool,
    seen_year: bool,
    seen_quote_close: bool,
    seen_in: bool,
    segment_start: bool,
    segment: int,
    last_punct: str,
    shape: str,
    keyword: str | None,
) -> tuple[str, ...]:
    """The features of a token's place and state; few combinations recur, so each is made once."""
    flags = (
        (edges & 1, "first"),
        (edges & 2, "last"),
        (glued, "glued"),
        (quote, "in-quote"),
        (paren, "in-paren"),
        (bracket, "in-bracket"),
        (seen_year, "after-year"),
        (seen_quote_close, "after-quote"),
        (seen_in, "after-in"),
        (segment_start, "segment-start"),
    )
    out = [_POSITIONS[position], *(name for on, name in flags if on)]
    out.append(_SEGMENTS[segment])
    out.extend(_after(last_punct, shape))
    if keyword is not None:
        out.append(_KEYWORD_FEATURES[keyword])
    return tuple(out)


_NONE = (("-2:none",), ("-1:none",), ("1:none",), ("2:none",))
# The pairs of neighbouring shapes: the first token's is its "+0:+1" pair, the next one's "-1:+0".
_PAIR_BEFORE, _PAIR_AFTER = "-1:+0:shape=", "+0:+1:shape="


class _Word(NamedTuple):
    """What the features of a string need of one of its words, made once per word."""

    own: tuple[str, ...]  # _own(word)
    context: tuple[tuple[str, str], ...]  # _context(word)
    folded: str
    shape: str
    plain: bool  # starts with a letter or digit: no punctuation state to follow
    year: bool
    state: int  # the word's part of a state key (see walk): its short shape and keyword
    ends_sentence: bool  # a full stop after it would end a sentence
    inert: bool  # a word that is no year nor "in": it leaves the string's state as it is, but at a segment's start


@functools.lru_cache(maxsize=1 << 16)
def _word(word: str) -> _Word:
    own = _own(word)
    folded, shape = own[0][2:], own[1][6:]
    state = _WORD_STATES.intern((shape[:2], _KEYWORDS.get(folded))) << _WORD_SHIFT
    plain, year = word[0].isalnum(), "year" in own
    inert = plain and not year and folded != "in"
    return _Word(own, _context(word), folded, shape, plain, year, state, _ends_sentence(word), inert)


# A token's state (the arguments of _state) is kept as an int, a "state key":
#   bits 0-3: position (i * 10 // n), bits 4-5: edges, bit 6: glued,
#   bits 7-39: the string's state before the token (an index into _STRING_STATES),
#   bits 40-: the word's short shape and keyword (an index into _WORD_STATES).
_STRING_SHIFT, _WORD_SHIFT = 7, 40
# The state of a string before a token: the opening quotation mark while inside a
# quotation (else ""), inside brackets, after the year, after a closing quotation
# mark, after "In" opening a sentence or "in:" (a container follows), at the first
# word of the string or after a sentence-ending stop, how many sentence-ending full
# stops came before (at most 6), the last punctuation mark ("^" at first).
_StringState = tuple[str, bool, bool, bool, bool, bool, bool, int, str]


class _Interned(list[Any]):
    """Values by index, and each value's index (given the first time it is asked for)."""

    def __init__(self) -> None:
        super().__init__()
        self.index_of: dict[Any, int] = {}

    def intern(self, value: Any) -> int:
        found = self.index_of.get(value)
        if found is None:
            found = self.index_of[value] = len(self)
            self.append(value)
        return found


_STRING_STATES = _Interned()
_WORD_STATES = _Interned()


_START = _STRING_STATES.intern(("", False, False, False, False, False, True, 0, "^"))
# Whether each string state is at a segment's start (where any word changes it).
_SEGMENT_START = 6
# (string state, token, whether the token before would end a sentence, glued, whether
# ":" follows an "in") → the next string state, for the tokens that may change it.
_NEXT: dict[tuple[int, str, bool, bool, bool], int] = {}


def _next_state(state: int, word: str, after_end: bool, glued: bool, colon_after_in: bool) -> int:
    """The index of the string's state after ``word``, given its state before."""
    key = (state, word, after_end, glued, colon_after_in)
    quote, paren, bracket, seen_year, seen_quote_close, seen_in, segment_start, segment, last_punct = (
        _STRING_STATES[state]
    )
    # A word (a letter or digit first) can only be a year or "in": quotation marks,
    # brackets and full stops are single marks.
    info = _word(word)
    year = info.year
    if word[0].isalnum():
        if info.folded == "in" and (segment_start or colon_after_in):
            seen_in = True
        segment_start = False
        if year:
            seen_year = True
    else:
        last_punct = word if len(word) == 1 else "id"
        if word in ".?!" and after_end:
            segment = min(segment + 1, 6)
            segment_start = True
        if quote:
            if word in _CLOSERS.get(quote, ""):
                quote = ""
                seen_quote_close = True
        elif word in _OPENERS and (word not in "'’" or not glued):
            quote = word
        if word == "(":
            paren = True
        elif word == ")":
            paren = False
        elif word == "[":
            bracket = True
        elif word == "]":
            bracket = False
        elif year:
            seen_year = True
    if len(_NEXT) > 1 << 16:
        _NEXT.clear()
    after = (quote, paren, bracket, seen_year, seen_quote_close, seen_in, segment_start, segment, last_punct)
    found = _NEXT[key] = _STRING_STATES.intern(after)
    return found


@functools.lru_cache(maxsize=1 << 10)
def _places(n: int) -> tuple[int, ...]:
    """The position and edge bits of the state keys of a string of n tokens."""
    return tuple(i * 10 // n | ((i == 0) | (i == n - 1) << 1) << 4 for i in range(n))


def state_arguments(key: int) -> tuple[Any, ...]:
    """The arguments of _state that a state key (see walk) stands for."""
    quote, *string = _STRING_STATES[key >> _STRING_SHIFT & ((1 << (_WORD_SHIFT - _STRING_SHIFT)) - 1)]
    word = _WORD_STATES[key >> _WORD_SHIFT]
    return (key & 15, key >> 4 & 3, bool(key >> 6 & 1), quote != "", *string, *word)


@functools.lru_cache(maxsize=1 << 14)
def state_features(key: int) -> tuple[str, ...]:
    """The features of a token's place and state, by its state key (see walk)."""
    return _state(*state_arguments(key))


def walk(words: Sequence[str], glued: Sequence[bool]) -> tuple[list[_Word], tuple[str, ...], list[int]]:
    """The parts of the features of a string's tokens that are not a word's own.

    ``words`` are the tokens' texts and ``glued[i]`` says that token i follows
    token i - 1 without a space (False for the first).  Returns each word's
    ``_word``, the style features every token gets and each token's state key
    (the arguments of ``_state`` as an int: see ``state_features``).
    ``features`` puts a token's features together from these and the
    neighbours' ``_context``; refcheck.crf.fast sums the same groups' weights.
    """
    n = len(words)
    info = list(map(_word, words))
    # What the whole string looks like: its style shows in every token.
    folded = {w.folded for w in info}
    style_list = []
    if folded & _QUOTE_MARKS:
        style_list.append("style=quotes")
    if "(" in folded and any(
        info[k].folded == "(" and k + 1 < n and info[k + 1].year for k in range(min(n, 60))
    ):
        style_list.append("style=year-in-parens")
    if n and (info[0].shape in ("d", "dd", "ddd") or info[0].folded == "["):
        style_list.append("style=numbered")
    if "<" in folded or "*" in folded or "_" in folded:
        style_list.append("style=markup")
    style_list.append("length=short" if n < 15 else "length=medium" if n < 40 else "length=long")
    keys: list[int] = []
    append = keys.append
    state = _START
    code = state << _STRING_SHIFT
    next_get = _NEXT.get
    places = _places(n) if n else ()
    ends_sentence = False  # a full stop after the token before would end a sentence
    fresh = True  # the state is at a segment's start
    for i, (w, word, join, place) in enumerate(zip(info, words, glued, places)):
        append(place | join << 6 | code | w.state)
        if not w.inert or fresh:
            colon = w.folded == "in" and i + 1 < n and words[i + 1] == ":"
            key = (state, word, ends_sentence, join, colon)
            after = next_get(key)
            if after is None:
                after = _next_state(*key)
            if after != state:
                state = after
                code = state << _STRING_SHIFT
                fresh = _STRING_STATES[state][_SEGMENT_START]
        ends_sentence = w.ends_sentence
    return info, tuple(style_list), keys


def features(tokens: list[Token]) -> list[tuple[str, ...]]:
    """The features of every token."""
    n = len(tokens)
    words = [t.text for t in tokens]
    info, style, states = walk(words, [i > 0 and not t.space_before for i, t in enumerate(tokens)])
    out: list[tuple[str, ...]] = []
    for i in range(n):
        # Neighbours: context[k] holds a word and shape seen from offset -2, -1, 1, 2.
        f = (
            info[i].own
            + state_features(states[i])
            + style
            + (info[i - 2].context[0] if i >= 2 else _NONE[0])
            + (info[i - 1].context[1] if i >= 1 else _NONE[1])
            + (info[i + 1].context[2] if i + 1 < n else _NONE[2])
            + (info[i + 2].context[3] if i + 2 < n else _NONE[3])
        )
        if i > 0:
            f += (_pair(_PAIR_BEFORE, info[i - 1].shape, info[i].shape),)
        if i + 1 < n:
            f += (_pair(_PAIR_AFTER, info[i].shape, info[i + 1].shape),)
        out.append(f)
    return out
