"""RIS, the tagged format of reference managers: CSL-JSON items written as RIS, and RIS read back."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from refcheck.convert.items import Entries, date_from_text
from refcheck.model import Problem

__all__ = ["to_ris", "from_ris", "ris_entries"]

# CSL types → RIS types.
RIS_TYPES = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "entry-encyclopedia": "ENCYC",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "post-weblog": "BLOG",
    "dataset": "DATA",
}
_SIMPLE = (
    ("title", "TI"),
    ("container-title", "T2"),
    ("volume", "VL"),
    ("issue", "IS"),
    ("publisher", "PB"),
    ("publisher-place", "CY"),
    ("edition", "ET"),
    ("DOI", "DO"),
    ("URL", "UR"),
    ("ISBN", "SN"),
    ("ISSN", "SN"),
    ("collection-title", "T3"),
    ("language", "LA"),
    ("note", "N1"),
)


def _name(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    family = " ".join(p for p in (name.get("non-dropping-particle", ""), name.get("family", "")) if p)
    parts = [family, name.get("given", ""), name.get("suffix", "")]
    while parts and not parts[-1]:
        parts.pop()
    return ", ".join(parts)


def _date(date: dict[str, Any] | None) -> str:
    """RIS dates are YYYY/MM/DD/, with empty parts left blank."""
    parts = ((date or {}).get("date-parts") or [[]])[0] if date else []
    if not parts:
        return ""
    padded = [str(parts[0])] + [f"{int(p):02d}" for p in parts[1:3]]
    padded += [""] * (3 - len(padded))
    return "/".join(padded) + "/"


def _lines(item: dict[str, Any]) -> list[str]:
    lines = [f"TY  - {RIS_TYPES.get(item.get('type', ''), 'GEN')}"]
    key = item.get("citation-key") or item.get("id")
    if key:
        lines.append(f"ID  - {key}")
    for role, tag in (("author", "AU"), ("editor", "A2")):
        lines += [f"{tag}  - {_name(n)}" for n in item.get(role, ())]
    issued = _date(item.get("issued"))
    if issued:
        lines.append(f"PY  - {issued[:4]}")
        lines.append(f"DA  - {issued}")
    for csl, tag in _SIMPLE:
        if item.get(csl):
            lines.append(f"{tag}  - {' '.join(str(item[csl]).split())}")
    page = str(item.get("page", ""))
    if page:
        first, _, last = page.replace("–", "-").partition("-")
        lines.append(f"SP  - {first.strip()}")
        if last.strip():
            lines.append(f"EP  - {last.strip()}")
    accessed = _date(item.get("accessed"))
    if accessed:
        lines.append(f"Y2  - {accessed}")
    if "citation-number" in item:
        lines.append(f"N1  - citation number {item['citation-number']}")
    lines.append("ER  - ")
    return lines


def to_ris(items: Iterable[dict[str, Any]]) -> str:
    """RIS records for the items, separated by blank lines."""
    return "\n".join("\n".join(_lines(item)) + "\n" for item in items)


# RIS types → CSL types: the inverse of RIS_TYPES, and the other types exporters write.
CSL_TYPES = {ris: csl for csl, ris in RIS_TYPES.items()} | {
    "JFULL": "article-journal", "EJOUR": "article-journal", "CONF": "paper-conference",
    "GEN": "document", "WEB": "webpage", "ICOMM": "webpage", "EBOOK": "book", "EDBOOK": "book",
    "ECHAP": "chapter", "UNPB": "manuscript", "MANSCPT": "manuscript", "PAT": "patent", "STAND": "standard",
    "COMP": "software", "RPRT": "report", "THES": "thesis", "MAP": "map", "SER": "book", "PAMP": "pamphlet",
}  # fmt: skip
# RIS tags → CSL variables holding text; the first tag seen for a variable wins.
_TEXT_TAGS = {
    "TI": "title", "T1": "title", "T2": "container-title", "JO": "container-title", "JF": "container-title",
    "BT": "container-title", "JA": "container-title-short", "J2": "container-title-short",
    "T3": "collection-title", "VL": "volume", "IS": "issue", "PB": "publisher", "CY": "publisher-place",
    "ET": "edition", "DO": "DOI", "UR": "URL", "LA": "language", "AB": "abstract", "N2": "abstract",
    "M3": "genre",
}  # fmt: skip
_NAME_TAGS = {"AU": "author", "A1": "author", "A2": "editor", "ED": "editor", "A4": "translator"}
_LINE = re.compile(r"([A-Z][A-Z0-9])\s{1,2}-(?: (.*)|\s*)$")
_ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")
_PARTICLE = re.compile(r"((?:[a-zß-ÿ']+\s)+)(\S.*)")


def _read_name(text: str) -> dict[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        return {"literal": text.strip()}  # no comma: an organisation, or a name we cannot split
    name = {"family": parts[0], "given": parts[1]}
    if len(parts) > 2:
        name["suffix"] = ", ".join(parts[2:])
    if (m := _PARTICLE.fullmatch(parts[0])) is not None:
        name["non-dropping-particle"], name["family"] = m.group(1).strip(), m.group(2)
    return {k: v for k, v in name.items() if v}


class _Record:
    def __init__(self, line: int, kind: str) -> None:
        self.line = line
        self.item: dict[str, Any] = {"type": kind}
        self.pages = ["", ""]
        self.year = ""
        self.last = ""


def _add(record: _Record, tag: str, value: str, line: int, problems: list[Problem]) -> None:
    item = record.item
    if tag in _NAME_TAGS:
        item.setdefault(_NAME_TAGS[tag], []).append(_read_name(value))
    elif tag in _TEXT_TAGS:
        item.setdefault(_TEXT_TAGS[tag], value)
    elif tag in ("SP", "EP"):
        record.pages[tag == "EP"] = value
    elif tag in ("PY", "Y1"):
        record.year = record.year or value
    elif tag in ("DA", "Y2"):
        date = date_from_text(value)
        if date is None:
            problems.append(Problem(line, f"{tag} '{value}' is not a date"))
        else:
            item.setdefault("issued" if tag == "DA" else "accessed", date)
    elif tag == "SN":
        item.setdefault("ISSN" if _ISSN.fullmatch(value) else "ISBN", value)
    elif tag == "N1":
        number = re.fullmatch(r"citation number (\d+)", value)
        if number:
            item["citation-number"] = int(number.group(1))
        else:
            item.setdefault("note", value)
    elif tag == "ID":
        item.setdefault("id", value)


def _finish(record: _Record, n: int, problems: list[Problem]) -> dict[str, Any]:
    item = record.item
    if record.year and "issued" not in item:
        date = date_from_text(record.year)
        if date is None:
            problems.append(Problem(record.line, f"year '{record.year}' is not a date"))
        else:
            item["issued"] = date
    first, last = record.pages
    if first or last:
        item["page"] = f"{first}-{last}" if first and last and first != last else first or last
    item.setdefault("id", f"item{n}")
    return item


def from_ris(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """CSL-JSON items for the records of a RIS file, and what was wrong in it (1-based lines);
    a bad line is reported and the rest still converts."""
    entries = ris_entries(text)
    return entries.items, entries.problems


def ris_entries(text: str) -> Entries:
    """The items of a RIS file with the line of each record's TY, and its problems."""
    items: list[dict[str, Any]] = []
    problems: list[Problem] = []
    starts: list[int] = []
    record: _Record | None = None
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        m = _LINE.match(line.lstrip())
        if m is None:
            if record is not None and record.last in ("AB", "N2", "N1", "TI", "T1"):
                _continue(record, line)
            else:
                problems.append(Problem(number, f"not a RIS line: '{line.strip()[:40]}'"))
            continue
        tag, value = m.group(1), " ".join((m.group(2) or "").split())
        if tag == "TY":
            if record is not None:
                problems.append(Problem(record.line, "record not closed with ER; read anyway"))
                items.append(_finish(record, len(items) + 1, problems))
                starts.append(record.line)
            kind = CSL_TYPES.get(value.upper())
            if kind is None:
                problems.append(Problem(number, f"unknown RIS type '{value}'; read as a document"))
            record = _Record(number, kind or "document")
        elif record is None:
            problems.append(Problem(number, f"{tag} outside a record (no TY before it); ignored"))
        elif tag == "ER":
            items.append(_finish(record, len(items) + 1, problems))
            starts.append(record.line)
            record = None
        elif value:
            _add(record, tag, value, number, problems)
            record.last = tag
    if record is not None:
        problems.append(Problem(record.line, "record not closed with ER; read anyway"))
        items.append(_finish(record, len(items) + 1, problems))
        starts.append(record.line)
    problems.sort(key=lambda p: p.line)
    return Entries(items, starts, problems)


def _continue(record: _Record, line: str) -> None:
    """A wrapped line of a long value (an abstract, a note): joined to the value."""
    key = _TEXT_TAGS.get(record.last, "note")
    if key in record.item:
        record.item[key] = f"{record.item[key]} {' '.join(line.split())}"
