"""CSL-JSON items as read from any source: dates from text, values tidied into CSL's shapes."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from refcheck.model import Problem

__all__ = ["Entries", "Unreadable", "date_from_text", "date_text", "tidy"]

# ISO 8601 / EDTF dates as sources write them: 2018, 2018-03, 2018-03-13, 2018/03/13/ (RIS),
# 2018-03-13T10:00:00Z; the first date of a range (2018/2019, 2018-03-01/2018-03-05).
_ISO = re.compile(r"\s*(-?\d{1,4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?=$|[/T\s]|/$)")


def date_from_text(text: str) -> dict[str, Any] | None:
    """A CSL date from ISO or RIS text; None for text that is not such a date."""
    m = _ISO.match(text)
    if m is None:
        return None
    parts = [int(m.group(1))]
    for group in (m.group(2), m.group(3)):
        if group is None or not 1 <= int(group) <= (12 if len(parts) == 1 else 31):
            break
        parts.append(int(group))
    return {"date-parts": [parts]}


def date_text(date: Any, sep: str = "-") -> str:
    """``2018``, ``2018-03`` or ``2018-03-13`` for a CSL date ("" where it has no parts)."""
    if not isinstance(date, dict):
        return ""
    parts = (date.get("date-parts") or [[]])[0]
    if not parts:
        return ""
    text = [str(parts[0])] + [f"{int(p):02d}" for p in parts[1:3]]
    return sep.join(text)


def _date(value: Any) -> dict[str, Any] | None:
    if isinstance(value, datetime.date):  # YAML reads 2018-03-13 as a date
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, int):
        return {"date-parts": [[value]]}
    if isinstance(value, str):
        return date_from_text(value) or ({"literal": value} if value.strip() else None)
    if isinstance(value, list) and value and all(isinstance(p, dict) for p in value):
        # Old CSL-YAML: a list of {year, month, day} mappings, one per end of a range.
        return {"date-parts": [[int(p[k]) for k in ("year", "month", "day") if k in p] for p in value]}
    if isinstance(value, dict):
        if "date-parts" in value:
            try:
                parts = [[int(p) for p in part] for part in value["date-parts"] if part]
            except (TypeError, ValueError):
                return None
            return {"date-parts": parts} if parts else None
        if isinstance(value.get("literal"), str):
            return {"literal": value["literal"]}
        if "raw" in value:
            return _date(value["raw"])
    return None


_DATES = ("issued", "accessed", "original-date", "event-date", "submitted")
# Variables the writers read as text (a number is text too: "volume": 12).
_TEXT = frozenset({
    "id", "citation-key", "type", "title", "container-title", "container-title-short", "collection-title",
    "volume", "issue", "number", "page", "publisher", "publisher-place", "edition", "DOI", "URL", "ISBN",
    "ISSN", "note", "genre", "language", "abstract", "chapter-number",
})  # fmt: skip
_NAMES = ("author", "editor", "translator", "container-author", "collection-editor", "director", "composer")


def tidy(item: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``item`` with dates as date-parts and names as lists of mappings, and what could not be kept."""
    out: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in item.items():
        if key in _DATES:
            date = _date(value)
            if date is None:
                dropped.append(f"'{key}' is not a date")
                continue
            value = date
        elif key in _NAMES:
            if isinstance(value, dict):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(n, dict) for n in value):
                dropped.append(f"'{key}' is not a list of names")
                continue
            value = [{str(k): str(v) for k, v in n.items() if isinstance(v, (str, int, float))} for n in value]
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif key in _TEXT and (value is None or isinstance(value, (bool, list, dict))):
            dropped.append(f"'{key}' is not text")
            continue
        out[key] = value
    if "type" not in out:
        out["type"] = "document"
    return out, dropped


class Unreadable(ValueError):
    """A source that cannot be read at all (not JSON, not YAML…), at a 1-based line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Entries:
    """What a reader found in a file: its items, the 1-based line each starts on (one per
    item), and its problems by line."""

    items: list[dict[str, Any]]
    lines: list[int]
    problems: list[Problem]
