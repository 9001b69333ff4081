"""Split a reference string into the tokens the sequence labeller labels.

A token is a URL or DOI (kept whole), a run of letters and digits (with inner
apostrophes), or one other non-space character.  Tokens carry their offsets,
so that labelled tokens map back to spans of the string.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Token", "tokenize"]

_TOKEN = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"“”]+"  # a URL, whole
    r"|(?i:doi:\s?)?10\.\d{4,9}/[^\s<>\"“”]+"  # a DOI, whole
    r"|[^\W_]+(?:['’][^\W_]+)*"  # a word or a number
    r"|\S",  # anything else, one character at a time
)
# At most this many tokens are labelled; the rest of a very long line is left unlabelled.
MAX_TOKENS = 400


class Token(NamedTuple):
    text: str
    start: int
    end: int
    space_before: bool


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, in order (at most MAX_TOKENS of them)."""
    out: list[Token] = []
    last = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        start = m.start()
        end = start + len(word)
        if len(word) > 4 and word.startswith(_IDENTIFIER_STARTS):
            cut = start + _identifier_length(word)
            out.append(Token(text[start:cut], start, cut, start > last))
            # What an identifier gives back is read as single characters.
            out.extend(Token(text[i], i, i + 1, False) for i in range(cut, end))
        else:
            out.append(Token(word, start, end, start > last))
        last = end
        if len(out) >= MAX_TOKENS:
            return out[:MAX_TOKENS]
    return out


_IDENTIFIER_STARTS = ("http", "HTTP", "www", "ftp", "doi", "DOI", "10.")


def _identifier_length(word: str) -> int:
    """A URL or DOI without the punctuation that ends the sentence around it.

    A closing bracket stays when the identifier opened it ("…/Foo_(bar)").
    """
    end = len(word)
    while end > 1 and word[end - 1] in ".,;:'’\"”>)]":
        closer = word[end - 1]
        if closer in ")]" and word.count("([" [closer == "]"], 0, end) >= word.count(closer, 0, end):
            break
        end -= 1
    return end
