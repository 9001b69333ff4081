"""CSL-JSON items to BibTeX, written through bibtexparser 2."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["to_bibtex", "cite_key"]

# CSL types → BibTeX entry types.
ENTRY_TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "book": "book",
    "chapter": "incollection",
    "entry-encyclopedia": "incollection",
    "paper-conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "misc",
    "post-weblog": "misc",
    "dataset": "misc",
}
# CSL variables → BibTeX fields, for the simple ones.
_FIELDS = (
    ("title", "title"),
    ("volume", "volume"),
    ("issue", "number"),
    ("page", "pages"),
    ("publisher", "publisher"),
    ("publisher-place", "address"),
    ("edition", "edition"),
    ("DOI", "doi"),
    ("URL", "url"),
    ("ISBN", "isbn"),
)
# Words left out of a key's title part.
_KEY_SKIP = frozenset("a an the of on in and for to at by with from der die das le la les el los de".split())
# Characters that mean something to BibTeX and must be escaped in a value.
_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def cite_key(item: dict[str, Any]) -> str:
    """A readable key: first author's family name, year, first significant title word."""
    names = item.get("author") or item.get("editor") or []
    who = ""
    if names:
        first = names[0]
        if first.get("family"):
            who = _ascii(first["family"])
        elif first.get("literal"):
            who = _ascii(first["literal"].split()[0])
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    year = str(parts[0][0]) if parts and parts[0] else ""
    words = [w for w in re.findall(r"\w+", item.get("title", "")) if w.lower() not in _KEY_SKIP]
    what = _ascii(words[0]) if words else ""
    return (who + year + what) or "ref"


def _escape(value: str, protect_case: bool = False) -> str:
    out = "".join(_SPECIAL.get(c, c) for c in value)
    if protect_case:
        # Keep capitals of acronyms and proper nouns from BibTeX styles' lower-casing.
        out = re.sub(r"\b(\w*[A-Z]\w*[A-Z]\w*)\b", r"{\1}", out)
    return out


def _name(name: dict[str, str]) -> str:
    if "literal" in name:
        return "{" + _escape(name["literal"]) + "}"
    family = name.get("family", "")
    particle = name.get("non-dropping-particle", "")
    if particle:
        family = f"{particle} {family}"
    parts = [_escape(family)]
    if name.get("suffix"):
        parts.append(_escape(name["suffix"]))
    if name.get("given"):
        parts.append(_escape(name["given"]))
    elif len(parts) == 1:
        return "{" + parts[0] + "}" if " " in parts[0] else parts[0]
    return ", ".join(parts)


def _date(date: dict[str, Any] | None) -> tuple[str, str, str]:
    """Year, month and day of a CSL date, as text ("" where unknown)."""
    parts = ((date or {}).get("date-parts") or [[]])[0] if date else []
    values = [str(p) for p in parts] + ["", "", ""]
    return values[0], values[1], values[2]


def _fields(item: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for role in ("author", "editor"):
        if item.get(role):
            out.append((role, " and ".join(_name(n) for n in item[role])))
    kind = ENTRY_TYPES.get(item.get("type", ""), "misc")
    container = item.get("container-title")
    if container:
        key = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(kind, "howpublished")
        out.append((key, _escape(container)))
    year, month, day = _date(item.get("issued"))
    if year:
        out.append(("year", year))
    if month:
        out.append(("month", month))
    for csl, bib in _FIELDS:
        value = item.get(csl)
        if value:
            if bib == "pages":
                value = re.sub(r"\s*[-–—]+\s*", "--", str(value))
            elif bib in ("doi", "url", "isbn"):
                value = str(value)
            else:
                value = _escape(str(value), protect_case=bib == "title")
            out.append((bib, value))
    if item.get("type") == "report" and item.get("publisher"):
        out = [(("institution" if k == "publisher" else k), v) for k, v in out]
    if item.get("type") == "thesis" and item.get("publisher"):
        out = [(("school" if k == "publisher" else k), v) for k, v in out]
    accessed = _date(item.get("accessed"))
    if accessed[0]:
        out.append(("urldate", "-".join(p.zfill(2) if i else p for i, p in enumerate(accessed) if p)))
    return out


def to_bibtex(items: Iterable[dict[str, Any]]) -> str:
    """BibTeX for the items, keys made unique with a, b, c… on collisions."""
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field
    from bibtexparser.entrypoint import write_string

    library = Library()
    used: dict[str, int] = {}
    for item in items:
        base = cite_key(item)
        count = used.get(base, 0)
        used[base] = count + 1
        key = base if count == 0 else base + _suffix(count)
        kind = ENTRY_TYPES.get(item.get("type", ""), "misc")
        library.add(Entry(kind, key, [Field(k, v) for k, v in _fields(item)]))
    return str(write_string(library))


def _suffix(count: int) -> str:
    """a, b, …, z, aa, ab, … for the second, third… entry with one key."""
    letters = ""
    count -= 1
    while True:
        letters = chr(ord("a") + count % 26) + letters
        count = count // 26 - 1
        if count < 0:
            return letters
