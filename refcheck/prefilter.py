"""Cheap literal tests that tell when a case-insensitive pattern cannot match.

Searching an entry with a long case-insensitive alternation whose branches
start with ``\\b`` makes the regex engine try every branch at every position:
tens of microseconds per entry.  Most entries hold none of the words, and a
substring test over the lower-cased entry says so in well under one.

A needle must be a literal run of every match of the pattern it guards (for
"available\\s+at", "available"), so that no needle in the text means no match.
"""

from __future__ import annotations

import re

# Under re.IGNORECASE an ASCII letter also matches these four characters, which
# str.lower() does not turn into it ("ı".lower() is "ı", "İ".lower() is "i̇").
_ODD_CASE = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_ODD_CASE_TABLE = str.maketrans(_ODD_CASE)
_HAS_ODD_CASE = re.compile("[" + "".join(_ODD_CASE) + "]")


def lowered(text: str) -> str:
    """``text`` lower-cased so that an ASCII needle is in it wherever IGNORECASE would find it."""
    # The odd characters are not ASCII, and isascii() costs nothing next to a search.
    if not text.isascii() and _HAS_ODD_CASE.search(text) is not None:
        text = text.translate(_ODD_CASE_TABLE)
    return text.lower()


def may_contain(lower: str, needles: tuple[str, ...]) -> bool:
    """Whether any needle (written in lower case) is in ``lower`` (made by ``lowered``)."""
    for needle in needles:
        if needle in lower:
            return True
    return False
