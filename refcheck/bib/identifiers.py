"""ISBN and ISSN check digits: shared by ``bib lint`` and ``bib add``."""

from __future__ import annotations

import re


def isbn_problem(text: str) -> str | None:
    """Why ``text`` is not an ISBN-10 or ISBN-13 (hyphens and spaces allowed), or None."""
    digits = re.sub(r"[\s-]", "", text).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        if total % 11:
            check = (11 - sum((10 - i) * int(c) for i, c in enumerate(digits[:9])) % 11) % 11
            return f"has a wrong check digit (expected {'X' if check == 10 else check})"
        return None
    if re.fullmatch(r"97[89]\d{10}", digits):
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        if total % 10:
            check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits[:12])) % 10) % 10
            return f"has a wrong check digit (expected {check})"
        return None
    return "is not an ISBN-10 or ISBN-13"


def issn_problem(text: str) -> str | None:
    """Why ``text`` is not an ISSN (``1234-567X``), or None."""
    digits = re.sub(r"[\s-]", "", text).upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return "is not an ISSN (eight digits, the last may be X)"
    check = (11 - sum((8 - i) * int(c) for i, c in enumerate(digits[:7])) % 11) % 11
    expected = "X" if check == 10 else str(check)
    return None if digits[7] == expected else f"has a wrong check digit (expected {expected})"


def isbn_valid(text: str) -> bool:
    """Whether ``text`` is an ISBN-10 or ISBN-13 with a right check digit."""
    return isbn_problem(text) is None


def issn_valid(text: str) -> bool:
    """Whether ``text`` is an ISSN with a right check digit."""
    return issn_problem(text) is None
