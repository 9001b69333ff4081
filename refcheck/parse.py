"""Parse reference strings given one per line, outside any article.

This is the library side of ``refcheck parse``: text in, Reference records out,
one per input line and in order, even for a line that makes no sense.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from refcheck.model import Reference, Span
from refcheck.references import parse_references
from refcheck.references.entries import split_entries

__all__ = ["parse_strings", "parse_string", "split_lines", "to_csl_json", "to_format", "FORMATS"]

FORMATS = ("csl-json", "bibtex", "ris")

# A bare number before the first word is the entry's label in a numbered list
# ("37 Cluxton, R. J. …"), unless it could be the year the entry starts with.
_BARE_LABEL = re.compile(r"\s*(\d{1,3})\s+(?=[^\W\d_])")


def _entry(text: str) -> tuple[Span, int | None]:
    """Where the reference is in the line, without its label, and the label's number."""
    found = split_entries(text, Span(0, len(text)))
    if len(found) == 1:
        span, number = found[0]
        if number is None and (m := _BARE_LABEL.match(text, span.start, span.end)) is not None:
            return Span(m.end(), span.end), int(m.group(1))
        return span, number
    # The entry splitter may see several entries (or none) in one line; a line is one entry.
    stripped = text.strip()
    start = text.find(stripped) if stripped else 0
    return Span(start, start + len(stripped)), None


def split_lines(text: str) -> list[str]:
    """The lines of ``text``: split at line feeds only (with an optional carriage return),
    no empty line after a final line feed."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_strings(lines: Iterable[str]) -> list[Reference]:
    """One Reference per line, names read in the prevailing order of all the lines."""
    texts = [line.replace("\r", " ").replace("\n", " ") for line in lines]
    return parse_references([(text, *_entry(text)) for text in texts], learned=True)


def parse_string(text: str) -> Reference:
    """Parse a single reference string."""
    return parse_strings([text])[0]


def to_csl_json(references: Iterable[Reference]) -> list[dict[str, Any]]:
    """CSL-JSON items, with ids ``ref1``, ``ref2``, … in order."""
    return [ref.to_csl(f"ref{i}") for i, ref in enumerate(references, 1)]


class _Unsupported(Exception):
    pass


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, several times faster.

    The standard library indents with its encoder written in Python; this one knows
    only what CSL-JSON holds (strings, whole numbers, booleans, null, lists and
    objects with string keys) and leaves anything else to ``json.dumps``.
    """
    import json

    out: list[str] = []
    try:
        _indent(value, "\n", out, json.encoder.encode_basestring)
    except _Unsupported:
        return json.dumps(value, ensure_ascii=False, indent=2)
    return "".join(out)


def _indent(value: Any, newline: str, out: list[str], string: Any) -> None:
    """Append ``value`` as indented JSON; ``newline`` is a line break and the indent of its level."""
    kind = type(value)
    if kind is str:
        out.append(string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            out.append(separator)
            out.append(string(key))
            out.append(": ")
            _indent(item, inner, out, string)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indent(item, inner, out, string)
            separator = "," + inner
        out.append(newline + "]")
    elif kind is int:
        out.append(int.__repr__(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        raise _Unsupported


def to_format(references: Iterable[Reference], to: str) -> str:
    """The references as text in one of FORMATS."""
    if to not in FORMATS:
        raise ValueError(f"unknown format {to!r}; expected one of {', '.join(FORMATS)}")
    from refcheck.sources import write

    return write(to_csl_json(references), to)
