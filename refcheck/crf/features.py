"""Token features for the reference labeller, in the manner of GROBID and AnyStyle.

Each token gets features of its own (the word, its shape, affixes, what kind
of number it is, dictionary membership), of its neighbours, of where it sits
(position in the string, inside quotes or brackets, after the year) and of the
punctuation around it.  A word's own features depend only on the word and are
cached, so that a long list costs little more than its distinct words.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

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
    out: list[str] = []
    for char in word[:12]:
        if char.isdigit():
            code = "d"
        elif char.isalpha():
            code = "X" if char.isupper() else "x" if char.islower() else "a"
        else:
            code = char
        if len(out) >= 2 and out[-1] == code and out[-2] == code:
            continue
        out.append(code)
    return "".join(out)


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
        if any(c.isdigit() for c in word):
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
    return tuple((f"{k}:w={folded}", f"{k}:shape={shape}") for k in (-2, -1, 1, 2))


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


def features(tokens: list[Token]) -> list[tuple[str, ...]]:
    """The features of every token."""
    n = len(tokens)
    own = [_own(t.text) for t in tokens]
    folded = [f[0][2:] for f in own]
    shapes = [f[1][6:] for f in own]
    # What the whole string looks like: its style shows in every token.
    words = set(folded)
    style_list = []
    if words & _QUOTE_MARKS:
        style_list.append("style=quotes")
    if any(folded[k] == "(" and k + 1 < n and "year" in own[k + 1] for k in range(min(n, 60))):
        style_list.append("style=year-in-parens")
    if n and (own[0][1] in ("shape=d", "shape=dd", "shape=ddd") or folded[0] == "["):
        style_list.append("style=numbered")
    if "<" in words or "*" in words or "_" in words:
        style_list.append("style=markup")
    style_list.append("length=short" if n < 15 else "length=medium" if n < 40 else "length=long")
    style = tuple(style_list)
    out: list[tuple[str, ...]] = []
    context = [_context(t.text) for t in tokens]
    quote = ""  # the opening quotation mark, while inside a quotation
    paren = bracket = False
    seen_year = seen_quote_close = False
    segment = 0  # how many sentence-ending full stops came before
    segment_start = True  # the first word of the string or after a sentence-ending stop
    seen_in = False  # after "In" opening a sentence or "in:": a container follows
    last_punct = "^"  # the last punctuation mark before the token
    for i, token in enumerate(tokens):
        word = token.text
        state = _state(
            i * 10 // n,
            (i == 0) | (i == n - 1) << 1,
            i > 0 and not token.space_before,
            bool(quote),
            paren,
            bracket,
            seen_year,
            seen_quote_close,
            seen_in,
            segment_start,
            min(segment, 6),
            last_punct,
            shapes[i][:2],
            _KEYWORDS.get(folded[i]),
        )
        # Neighbours: context[j][k] holds token j's word and shape seen from offset -2, -1, 1, 2.
        f = (
            own[i]
            + state
            + style
            + (context[i - 2][0] if i >= 2 else _NONE[0])
            + (context[i - 1][1] if i >= 1 else _NONE[1])
            + (context[i + 1][2] if i + 1 < n else _NONE[2])
            + (context[i + 2][3] if i + 2 < n else _NONE[3])
        )
        if i > 0:
            f += (_pair("-1:+0:shape=", shapes[i - 1], shapes[i]),)
        if i + 1 < n:
            f += (_pair("+0:+1:shape=", shapes[i], shapes[i + 1]),)
        out.append(f)
        # State for the tokens after this one.
        if word[0].isalnum():
            if folded[i] == "in" and (segment_start or (i + 1 < n and tokens[i + 1].text == ":")):
                seen_in = True
            segment_start = False
        else:
            last_punct = word if len(word) == 1 else "id"
            if word in ".?!" and i and _ends_sentence(tokens[i - 1].text):
                segment += 1
                segment_start = True
        if quote:
            if word in _CLOSERS.get(quote, ""):
                quote = ""
                seen_quote_close = True
        elif word in _OPENERS and (word not in "'’" or token.space_before or i == 0):
            quote = word
        if word == "(":
            paren = True
        elif word == ")":
            paren = False
        elif word == "[":
            bracket = True
        elif word == "]":
            bracket = False
        elif "year" in own[i]:
            seen_year = True
    return out
