"""Which labelled strings are held out for measuring and never trained on."""

from __future__ import annotations

import hashlib

__all__ = ["held_out"]


def held_out(text: str) -> bool:
    """True for the fifth of labelled strings whose SHA-1 (of the UTF-8 text), read as an
    integer, is divisible by 5."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 5 == 0
