"""Which labelled strings are held out for measuring and never trained on."""

from __future__ import annotations

import hashlib

__all__ = ["held_out", "validation"]


def _fifth(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 5


def held_out(text: str) -> bool:
    """True for the fifth of labelled strings whose SHA-1 (of the UTF-8 text), read as an
    integer, is divisible by 5."""
    return _fifth(text) == 0


def validation(text: str) -> bool:
    """True for the fifth whose SHA-1 leaves 1 when divided by 5: kept out of training with
    ``--validate``, to choose settings on without looking at the held-out part."""
    return _fifth(text) == 1
