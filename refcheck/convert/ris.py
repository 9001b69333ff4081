"""CSL-JSON items to RIS (the tagged format of reference managers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["to_ris"]

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
