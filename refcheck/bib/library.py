"""A .bib library as blocks in file order: entries, comments, ``@preamble``, ``@string`` and
blocks that did not parse (kept verbatim), read and written without losing any of them.

The reader is refcheck's own (not bibtexparser): tidying needs every byte outside the entries
kept as written, a broken block kept whole, and 10,000 entries read in a fraction of a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

# The order fields are written in; the rest follow alphabetically.
FIELD_ORDER: tuple[str, ...] = (
    "author", "editor", "title", "subtitle", "booktitle", "journal", "journaltitle", "year", "date",
    "month", "volume", "number", "issue", "pages", "chapter", "edition", "series", "publisher",
    "address", "location", "organization", "institution", "school", "howpublished", "type", "note",
    "isbn", "issn", "eprint", "archiveprefix", "primaryclass", "doi", "url", "urldate",
)
_RANK = {name: i for i, name in enumerate(FIELD_ORDER)}

TextKind = Literal["comment", "preamble", "string", "malformed"]


@dataclass(frozen=True, slots=True)
class Field:
    """One ``name = value``.  ``value`` is the text inside the braces when ``braced``, else a
    bare expression as written (a ``@string`` name, or a ``#`` concatenation)."""

    name: str
    value: str
    braced: bool = True


@dataclass(frozen=True, slots=True)
class Entry:
    entry_type: str
    key: str
    fields: tuple[Field, ...]
    line: int = 0

    def get(self, name: str) -> str:
        for field in self.fields:
            if field.name == name:
                return field.value
        return ""


@dataclass(frozen=True, slots=True)
class Text:
    """Anything that is not an entry, kept verbatim: a comment (``%`` lines, free text or
    ``@comment``), a ``@preamble``, a ``@string``, or a block that did not parse."""

    kind: TextKind
    text: str
    line: int = 0


Block = Entry | Text

_HEAD = re.compile(r"@[ \t\r\n]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_WS = re.compile(r"\s*")
_KEY = re.compile(r"\s*([^,\s{}()\"=#]*)\s*")
_NAME = re.compile(r"\s*([^\s=,{}()\"#]+)\s*=\s*")
_BARE = re.compile(r"[^\s,#{}()\"=]+")
_BRACES = re.compile(r"[{}]")
_QUOTED = re.compile(r'[{}"]')
_NEXT_LINE_AT = re.compile(r"\n[ \t]*@")


class _Malformed(Exception):
    pass


def _close_brace(text: str, start: int) -> int:
    """The index just past the brace closing the one at ``start - 1``."""
    depth = 1
    for m in _BRACES.finditer(text, start):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    raise _Malformed("unbalanced braces")


def _close_block(text: str, start: int, opener: str) -> int:
    if opener == "{":
        return _close_brace(text, start)
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == ")" and depth == 0:
            return i + 1
    raise _Malformed("unclosed parenthesis")


def squeeze(text: str) -> str:
    """``text`` with white space trimmed and inner runs collapsed to one space."""
    return " ".join(text.split())


def _value(text: str, pos: int, closer: str) -> tuple[Field, int]:
    """The value starting at ``pos``: (a Field without a name, the position after it)."""
    parts: list[tuple[str, bool]] = []
    while True:
        c = text[pos:pos + 1]
        if c == "{":
            end = _close_brace(text, pos + 1)
            parts.append((squeeze(text[pos + 1:end - 1]), True))
            pos = end
        elif c == '"':
            depth = 0
            for m in _QUOTED.finditer(text, pos + 1):
                g = m.group()
                if g == "{":
                    depth += 1
                elif g == "}":
                    depth -= 1
                    if depth < 0:
                        raise _Malformed("unbalanced braces in a quoted value")
                elif depth == 0:
                    break
            else:
                raise _Malformed("unclosed quote")
            parts.append((squeeze(text[pos + 1:m.start()]), True))
            pos = m.end()
        else:
            m2 = _BARE.match(text, pos)
            if m2 is None or (closer == ")" and m2.group().endswith(")")):
                raise _Malformed(f"a value expected at {text[pos:pos + 20]!r}")
            parts.append((m2.group(), False))
            pos = m2.end()
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
        if text[pos:pos + 1] != "#":
            break
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    if len(parts) == 1:
        value, braced = parts[0]
        if not braced and value.isdigit():
            braced = True  # numbers are written in braces like every other value
        return Field("", value, braced), pos
    joined = " # ".join("{" + v + "}" if b else v for v, b in parts)
    return Field("", joined, False), pos


def _entry(text: str, start: int, body: int, opener: str, entry_type: str, line: int) -> tuple[Entry, int]:
    closer = "}" if opener == "{" else ")"
    m = _KEY.match(text, body)
    assert m is not None
    key, pos = m.group(1), m.end()
    fields: list[Field] = []
    seen: set[str] = set()
    if text[pos:pos + 1] == closer:
        return Entry(entry_type, key, (), line), pos + 1
    if text[pos:pos + 1] != ",":
        raise _Malformed(f"a comma expected after the key {key!r}")
    pos += 1
    while True:
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        c = text[pos:pos + 1]
        if c == closer:
            return Entry(entry_type, key, tuple(fields), line), pos + 1
        if c == "":
            raise _Malformed("the entry does not end")
        nm = _NAME.match(text, pos)
        if nm is None:
            raise _Malformed(f"a field expected at {text[pos:pos + 20]!r}")
        field, pos = _value(text, nm.end(), closer)
        name = nm.group(1).lower()
        if name not in seen:  # BibTeX itself reads the first of a repeated field
            seen.add(name)
            fields.append(replace(field, name=name))
        c = text[pos:pos + 1]
        if c == ",":
            pos += 1
        elif c != closer:
            raise _Malformed(f"a comma expected after the field {name!r}")


def read(text: str) -> tuple[list[Block], list[str]]:
    """The blocks of a .bib text in order, and a warning for each block that did not parse
    (kept as a verbatim ``malformed`` block)."""
    blocks: list[Block] = []
    warnings: list[str] = []
    pos = 0
    line = 1

    def comment(until: int) -> None:
        segment = text[pos:until]
        between = segment.strip()
        if between:
            lead = len(segment) - len(segment.lstrip())
            blocks.append(Text("comment", between, line + text.count("\n", pos, pos + lead)))

    while True:
        m = _HEAD.search(text, pos)
        if m is None:
            comment(len(text))
            break
        comment(m.start())
        line += text.count("\n", pos, m.start())
        kind = m.group(1).lower()
        try:
            if kind in ("comment", "preamble", "string"):
                end = _close_block(text, m.end(), m.group(2))
                blocks.append(Text(kind, text[m.start():end].strip(), line))  # type: ignore[arg-type]
            else:
                entry, end = _entry(text, m.start(), m.end(), m.group(2), kind, line)
                blocks.append(entry)
        except _Malformed as error:
            nxt = _NEXT_LINE_AT.search(text, m.end())
            end = nxt.start() if nxt else len(text)
            blocks.append(Text("malformed", text[m.start():end].strip(), line))
            warnings.append(f"line {line}: a block that does not parse ({error}), kept as written")
        line += text.count("\n", m.start(), end)
        pos = end
    return blocks, warnings


def field_rank(name: str) -> tuple[int, str]:
    return (_RANK.get(name, len(_RANK)), name)


def write_entry(entry: Entry, indent: str = "  ") -> str:
    lines = [f"@{entry.entry_type}{{{entry.key},"]
    for field in entry.fields:
        value = "{" + field.value + "}" if field.braced else field.value
        lines.append(f"{indent}{field.name} = {value},")
    if entry.fields:
        lines[-1] = lines[-1][:-1]
    else:
        lines[0] = lines[0][:-1]
    lines.append("}")
    return "\n".join(lines)


def write(blocks: Iterable[Block]) -> str:
    """The blocks as .bib text, one blank line between them."""
    out = [write_entry(b) if isinstance(b, Entry) else b.text for b in blocks]
    return "\n\n".join(out) + "\n" if out else ""


# -- what an entry is about: for duplicates, sorting and keys ------------------------------------

_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_COMMAND = re.compile(r"\\[A-Za-z]+|\\.|[^\w]")


def plain(text: str) -> str:
    """``text`` folded for comparison: accents, braces, commands and punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _COMMAND.sub("", "".join(c for c in folded if not unicodedata.combining(c)))


def doi(entry: Entry) -> str:
    return _DOI.sub("", entry.get("doi").strip()).lower()


def year(entry: Entry) -> str:
    found = re.search(r"\d{4}", entry.get("year") or entry.get("date"))
    return found.group() if found else ""


def split_names(value: str) -> list[str]:
    """The names of an author or editor field, split on ``and`` outside braces."""
    names: list[str] = []
    depth = 0
    start = 0
    for m in re.finditer(r"[{}]|\s+and\s+", value):
        g = m.group()
        if g == "{":
            depth += 1
        elif g == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:m.start()])
            start = m.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def family(name: str) -> str:
    """The family part of one BibTeX name: before the comma, or the last word."""
    if name.startswith("{") and name.endswith("}") and _balanced(name[1:-1]):
        return name[1:-1]
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split()
    return words[-1] if words else ""


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def first_family(entry: Entry) -> str:
    names = split_names(entry.get("author") or entry.get("editor"))
    return family(names[0]) if names else ""


def sort_blocks(entries: Sequence[Entry], how: str) -> list[Entry]:
    if how == "none":
        return list(entries)
    if how == "key":
        return sorted(entries, key=lambda e: (e.key.casefold(), e.key))
    return sorted(entries, key=lambda e: (plain(first_family(e)), year(e), plain(e.get("title")),
                                          e.key.casefold(), e.key))
