"""Split a reference string into the tokens the sequence labeller labels.

A token is a URL or DOI (kept whole), a run of letters and digits (with inner
apostrophes), or one other non-space character.  Tokens carry their offsets,
so that labelled tokens map back to spans of the string.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["MAX_TOKENS", "Token", "split", "tokenize"]

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
    words, starts, spaced = split(text)
    return [Token(w, s, s + len(w), b) for w, s, b in zip(words, starts, spaced)]


def split(text: str) -> tuple[list[str], list[int], list[bool]]:
    """What ``tokenize`` gives, as lists: the tokens' texts, their start offsets and
    whether a space (or the start of the string) comes before each."""
    words: list[str] = _TOKEN.findall(text)
    if "://" in text or "www." in text or "10." in text:  # perhaps a URL or a DOI
        cut = []
        for word in words:
            if len(word) > 4 and word.startswith(_IDENTIFIER_STARTS):
                end = _identifier_length(word)
                cut.append(word[:end])
                # What an identifier gives back is read as single characters.
                cut.extend(word[end:])
            else:
                cut.append(word)
        words = cut
    del words[MAX_TOKENS:]
    # Between two tokens there is only white space, so each is found where the last ended.
    starts = []
    spaced = []
    find = text.find
    last = 0
    for word in words:
        start = find(word, last)
        starts.append(start)
        spaced.append(start > last)
        last = start + len(word)
    return words, starts, spaced


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
