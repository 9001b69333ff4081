"""Citation keys made from an entry's data, by a pattern: ``{family}{year}{firstword}``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

DEFAULT_PATTERN = "{family}{year}{firstword}"

# Words a key never starts its title part with.
_SKIP = frozenset("a an the of on in at to for and or with from by de la le les der die das el los un une".split())
_FIELD = re.compile(r"\{(\w+)\}")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^A-Za-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def _families(item: dict[str, Any]) -> list[str]:
    names = item.get("author") or item.get("editor") or []
    found = []
    for name in names:
        if not isinstance(name, dict):
            continue
        family = str(name.get("family") or "").strip()
        literal = str(name.get("literal") or "").strip()
        found.append(_ascii(family) if family else _ascii(literal.split()[0]) if literal else "")
    return [f for f in found if f]


def _year(item: dict[str, Any]) -> str:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts") or [[]]
        if parts and parts[0]:
            return str(parts[0][0])
    return ""


def _words(item: dict[str, Any]) -> list[str]:
    return [_ascii(w) for w in re.findall(r"\w+", str(item.get("title", ""))) if w.casefold() not in _SKIP]


def fields(item: dict[str, Any]) -> dict[str, str]:
    """The values a pattern may use: ``family`` (first author's, lower case), ``Family`` (as
    written), ``families`` (up to three, joined), ``year``, ``firstword`` (first significant
    title word, lower case), ``shorttitle`` (three words)."""
    families = _families(item)
    words = [w for w in _words(item) if w]
    return {
        "family": families[0].lower() if families else "",
        "Family": families[0] if families else "",
        "families": "".join(f.lower() for f in families[:3]),
        "year": _year(item),
        "firstword": words[0].lower() if words else "",
        "shorttitle": "".join(w.lower() for w in words[:3]),
    }


def make_key(item: dict[str, Any], pattern: str = DEFAULT_PATTERN, taken: Iterable[str] = ()) -> str:
    """A key for ``item`` by ``pattern``, made unique against ``taken`` with a, b, c… (then
    aa, ab…); "ref" when the pattern gives nothing.  Raises ValueError for a pattern field
    that does not exist."""
    values = fields(item)

    def value(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise ValueError(f"key pattern field {{{m.group(1)}}} does not exist (known: "
                             f"{', '.join('{' + k + '}' for k in values)})")
        return values[m.group(1)]

    base = _FIELD.sub(value, pattern) or "ref"
    used = {k.casefold() for k in taken}
    return base if base.casefold() not in used else free_key(base, used)


def free_key(base: str, used: set[str]) -> str:
    """``base`` with the first suffix a, b, … z, aa, ab… that makes it unused (``used`` holds
    case-folded keys)."""
    for n in range(1, 10_000):
        suffix = ""
        m = n
        while m:
            m, r = divmod(m - 1, 26)
            suffix = chr(ord("a") + r) + suffix
        if (base + suffix).casefold() not in used:
            return base + suffix
    raise ValueError(f"no free key for {base}")
