"""BibTeX and biblatex: CSL-JSON items written as either, and .bib files read back into items
(both through bibtexparser 2)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from refcheck.convert.items import Entries, date_from_text, date_text
from refcheck.convert.latex import decode, encode
from refcheck.model import Problem

__all__ = ["to_bibtex", "to_biblatex", "from_bibtex", "bibtex_entries", "cite_key"]

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
# CSL types → biblatex entry types, where they differ from BibTeX's.
BIBLATEX_TYPES = {
    **ENTRY_TYPES,
    "report": "report",
    "thesis": "thesis",
    "webpage": "online",
    "post-weblog": "online",
    "dataset": "dataset",
    "software": "software",
    "manuscript": "unpublished",
}
# BibTeX and biblatex entry types → CSL types.
CSL_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "inbook": "chapter",
    "bookinbook": "chapter", "incollection": "chapter", "suppbook": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference", "proceedings": "book",
    "mvproceedings": "book", "collection": "book", "mvcollection": "book", "reference": "book",
    "inreference": "entry-encyclopedia", "online": "webpage", "electronic": "webpage", "www": "webpage",
    "misc": "document", "techreport": "report", "report": "report", "manual": "report",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "unpublished": "manuscript",
    "booklet": "pamphlet", "periodical": "periodical", "patent": "patent", "dataset": "dataset",
    "software": "software", "standard": "standard",
}  # fmt: skip
# CSL variables ↔ BibTeX fields holding plain text, for both directions.
_FIELDS = (
    ("title", "title"),
    ("volume", "volume"),
    ("page", "pages"),
    ("publisher", "publisher"),
    ("publisher-place", "address"),
    ("edition", "edition"),
    ("collection-title", "series"),
    ("note", "note"),
    ("DOI", "doi"),
    ("URL", "url"),
    ("ISBN", "isbn"),
    ("ISSN", "issn"),
)
# Fields read as they stand, not as LaTeX (a URL's % and _ are not TeX's).
_VERBATIM = frozenset({"doi", "url", "isbn", "issn", "eprint", "file"})
# Words left out of a key's title part.
_KEY_SKIP = frozenset("a an the of on in and for to at by with from der die das le la les el los de".split())
# Words with two capitals (acronyms, CamelCase names) kept from BibTeX styles' lower-casing.
_CAPITALS = re.compile(r"\b(\w*[A-Z]\w*[A-Z]\w*)\b")
_KEY_OK = re.compile(r"[^\s,{}()=#%\"'\\]+")


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
            who = _ascii(str(first["family"]))
        elif str(first.get("literal", "")).strip():
            who = _ascii(str(first["literal"]).split()[0])
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    year = str(parts[0][0]) if parts and parts[0] else ""
    words = [w for w in re.findall(r"\w+", str(item.get("title", ""))) if w.lower() not in _KEY_SKIP]
    what = _ascii(words[0]) if words else ""
    return (who + year + what) or "ref"


# ---- writing ---------------------------------------------------------------------------------


def _text(value: str, ascii_letters: bool, protect_case: bool = False) -> str:
    if not protect_case:
        return encode(value, ascii_letters)
    pieces = _CAPITALS.split(value)
    return "".join(
        ("{" + encode(p, ascii_letters) + "}") if i % 2 else encode(p, ascii_letters) for i, p in enumerate(pieces)
    )


def _name(name: dict[str, str], ascii_letters: bool) -> str:
    if "literal" in name:
        return "{" + encode(name["literal"], ascii_letters) + "}"
    family = name.get("family", "")
    particle = name.get("non-dropping-particle", "") or name.get("dropping-particle", "")
    if particle:
        family = f"{particle} {family}"
    parts = [encode(family, ascii_letters)]
    if name.get("suffix"):
        parts.append(encode(name["suffix"], ascii_letters))
    if name.get("given"):
        parts.append(encode(name["given"], ascii_letters))
    elif len(parts) == 1:
        return "{" + parts[0] + "}" if " " in parts[0] else parts[0]
    return ", ".join(parts)


def _fields(item: dict[str, Any], biblatex: bool) -> list[tuple[str, str]]:
    ascii_letters = not biblatex
    out: list[tuple[str, str]] = []
    for role in ("author", "editor", "translator"):
        if item.get(role):
            out.append((role, " and ".join(_name(n, ascii_letters) for n in item[role])))
    if item.get("title"):
        out.append(("title", _text(str(item["title"]), ascii_letters, protect_case=True)))
    kind = ENTRY_TYPES.get(item.get("type", ""), "misc")
    container = item.get("container-title")
    if container:
        journal = "journaltitle" if biblatex else "journal"
        key = {"article": journal, "incollection": "booktitle", "inproceedings": "booktitle"}.get(kind, "howpublished")
        out.append((key, _text(str(container), ascii_letters)))
    if biblatex:
        if date_text(item.get("issued")):
            out.append(("date", date_text(item.get("issued"))))
    else:
        year, _, month = date_text(item.get("issued")).partition("-")
        if year:
            out.append(("year", year))
        if month:
            out.append(("month", str(int(month[:2]))))
    if item.get("issue"):
        out.append(("number", _text(str(item["issue"]), ascii_letters)))
    elif item.get("number"):
        out.append(("number", _text(str(item["number"]), ascii_letters)))
    for csl, bib in _FIELDS:
        value = item.get(csl)
        if not value or bib == "title":
            continue
        if bib == "pages":
            value = re.sub(r"\s*[-–—]+\s*", "--", str(value))
        elif bib in _VERBATIM:
            value = str(value)
        else:
            value = _text(str(value), ascii_letters)
        if biblatex and bib == "address":
            bib = "location"
        out.append((bib, value))
    if item.get("genre") and item.get("type") in ("thesis", "report"):
        out.append(("type", _text(str(item["genre"]), ascii_letters)))
    if item.get("type") in ("report", "thesis") and item.get("publisher"):
        owner = "institution" if item.get("type") == "report" or biblatex else "school"
        out = [((owner if k == "publisher" else k), v) for k, v in out]
    accessed = date_text(item.get("accessed"))
    if accessed:
        out.append(("urldate", accessed))
    return out


def _entry_type(item: dict[str, Any], biblatex: bool) -> str:
    kind = item.get("type", "")
    if biblatex:
        return BIBLATEX_TYPES.get(kind, "misc")
    if kind == "thesis" and "master" in str(item.get("genre", "")).lower():
        return "mastersthesis"
    return ENTRY_TYPES.get(kind, "misc")


def _write(items: Iterable[dict[str, Any]], biblatex: bool) -> str:
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field

    library = Library()
    used: dict[str, int] = {}
    for item in items:
        # A key the item brought with it (read from a .bib file) is kept, so that \cite commands still work.
        own = str(item.get("citation-key", ""))
        base = own if _KEY_OK.fullmatch(own) else cite_key(item)
        count = used.get(base, 0)
        used[base] = count + 1
        key = base if count == 0 else base + _suffix(count)
        library.add(Entry(_entry_type(item, biblatex), key, [Field(k, v) for k, v in _fields(item, biblatex)]))
    return str(write_string(library))


def to_bibtex(items: Iterable[dict[str, Any]]) -> str:
    """BibTeX for the items: TeX's special characters escaped, accented letters as LaTeX
    accents, keys made unique with a, b, c… on collisions."""
    return _write(items, biblatex=False)


def to_biblatex(items: Iterable[dict[str, Any]]) -> str:
    """biblatex for the items: Unicode kept, ``date``, ``urldate``, ``journaltitle``, ``@online``."""
    return _write(items, biblatex=True)


def _suffix(count: int) -> str:
    """a, b, …, z, aa, ab, … for the second, third… entry with one key."""
    letters = ""
    count -= 1
    while True:
        letters = chr(ord("a") + count % 26) + letters
        count = count // 26 - 1
        if count < 0:
            return letters


# ---- reading ---------------------------------------------------------------------------------

# BibTeX fields → CSL variables, read as text (besides those of _FIELDS).
_MORE_FIELDS = {
    "location": "publisher-place",
    "journaltitle": "container-title",
    "journal": "container-title",
    "booktitle": "container-title",
    "shortjournal": "container-title-short",
    "addendum": "note",
    "abstract": "abstract",
    "language": "language",
    "chapter": "chapter-number",
    "type": "genre",
}
_READ_FIELDS = {bib: csl for csl, bib in _FIELDS} | _MORE_FIELDS
# Who published a report, thesis or manual, when there is no publisher field.
_PUBLISHERS = ("institution", "school", "organization")
_ROLES = ("author", "editor", "translator")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _literal(part: str) -> bool:
    """``{World Health Organization}``: one brace group, not an accented letter such as ``{\\"O}``."""
    if not (part.startswith("{") and part.endswith("}")) or part[1:2] == "\\":
        return False
    depth = 0
    for i, char in enumerate(part):
        depth += (char == "{") - (char == "}")
        if depth == 0 and i < len(part) - 1:
            return False
    return True


def _names(value: str, line: int, problems: list[Problem]) -> list[dict[str, str]]:
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
    from bibtexparser.middlewares.names import split_multiple_persons_names

    out: list[dict[str, str]] = []
    for raw in split_multiple_persons_names(value):
        if raw.strip() == "others":
            continue  # "and others": et al., no name to keep
        try:
            parts = parse_single_name_into_parts(raw, strict=True)
        except InvalidNameError as error:
            problems.append(Problem(line, f"cannot split the name '{raw}' ({error}); kept as written"))
            out.append({"literal": decode(raw)})
            continue
        if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1 and _literal(parts.last[0]):
            out.append({"literal": decode(parts.last[0])})
            continue
        name = {
            "family": decode(" ".join(parts.last)),
            "given": decode(" ".join(parts.first)),
            "non-dropping-particle": decode(" ".join(parts.von)),
            "suffix": decode(" ".join(parts.jr)),
        }
        out.append({k: v for k, v in name.items() if v})
    return out


def _month(value: str) -> int | None:
    from refcheck.dates import MONTHS

    value = value.strip()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    return MONTHS.get(value.lower().rstrip("."))


def _issued(fields: dict[str, str]) -> dict[str, Any] | None:
    if fields.get("date"):
        return date_from_text(fields["date"]) or {"literal": decode(fields["date"])}
    year = decode(fields.get("year", ""))
    if not year:
        return None
    if not re.fullmatch(r"-?\d{1,4}", year):
        return {"literal": year}
    parts = [int(year)]
    month = _month(decode(fields.get("month", "")))
    if month is not None:
        parts.append(month)
        day = decode(fields.get("day", ""))
        if day.isdigit() and 1 <= int(day) <= 31:
            parts.append(int(day))
    return {"date-parts": [parts]}


def _verbatim(value: str) -> str:
    """A URL or DOI as written, without TeX's escapes (``\\_``) or a ``\\url{}`` around it."""
    value = re.sub(r"^\\(?:url|href)\s*\{(.*)\}$", r"\1", value.strip())
    return re.sub(r"\\([_%&#~$])", r"\1", value).strip()


def _item(kind: str, key: str, fields: dict[str, str], lines: dict[str, int],
          problems: list[Problem]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": key, "citation-key": key, "type": kind}
    for role in _ROLES:
        if fields.get(role):
            item[role] = _names(fields[role], lines[role], problems)
    issued = _issued(fields)
    if issued:
        item["issued"] = issued
    for bib, value in fields.items():
        csl = _READ_FIELDS.get(bib)
        if csl is None or csl in item or not value.strip():
            continue
        if bib in _VERBATIM:
            text = _verbatim(value)
            item[csl] = _DOI_PREFIX.sub("", text) if csl == "DOI" else text
        elif bib == "pages":
            item[csl] = re.sub(r"\s*[-–—]+\s*", "-", decode(value))
        else:
            item[csl] = decode(value)
    if "title" not in item and fields.get("booktitle") and kind == "book":
        item["title"] = item.pop("container-title")  # a proceedings volume's own title
    if fields.get("number"):
        item["issue" if kind == "article-journal" else "number"] = decode(fields["number"])
    for owner in _PUBLISHERS:
        if fields.get(owner) and "publisher" not in item:
            item["publisher"] = decode(fields[owner])
    if "howpublished" in fields:
        how = decode(fields["howpublished"])
        if re.match(r"\\(?:url|href)\b|https?://", fields["howpublished"].strip()):
            item.setdefault("URL", _verbatim(fields["howpublished"]))
        elif how:
            item.setdefault("container-title", how)
    if fields.get("urldate"):
        accessed = date_from_text(fields["urldate"])
        if accessed is None:
            problems.append(Problem(lines["urldate"], f"urldate '{fields['urldate']}' is not a date"))
        else:
            item["accessed"] = accessed
    if kind == "document" and item.get("URL"):
        item["type"] = "webpage"  # @misc with a url: a web page
    return item


def _inherit(child: dict[str, str], parent: dict[str, str]) -> dict[str, str]:
    """``child``'s fields, with those it lacks taken from its crossref ``parent``
    (a book's or proceedings' title becomes the part's booktitle)."""
    out = dict(child)
    if "title" in parent and "booktitle" not in out:
        out["booktitle"] = parent["title"]
    for key, value in parent.items():
        if key not in out and key not in ("title", "crossref", "ids"):
            out[key] = value
    return out


# BibTeX's own month macros.
_MONTH_MACROS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())


def value_pieces(raw: str) -> list[str]:
    """The parts of a value joined with ``#``, split where the ``#`` is outside braces and quotes."""
    pieces, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            pieces.append(raw[start:i])
            start = i + 1
    pieces.append(raw[start:])
    return [p.strip() for p in pieces]


def expand_macros(raw: str, strings: dict[str, str], undefined: list[str], depth: int = 0) -> str:
    """A raw field value with its delimiters removed and ``@string`` macros expanded."""
    out = []
    for piece in value_pieces(raw):
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            out.append(piece[1:-1])
        elif piece.isdigit() or piece.lower() in _MONTH_MACROS and piece.lower() not in strings:
            out.append(piece)
        elif piece.lower() in strings and depth < 20:
            out.append(expand_macros(strings[piece.lower()], strings, undefined, depth + 1))
        else:
            undefined.append(piece)
            out.append(piece)
    return "".join(out)


def problem_text(error: Exception) -> str:
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    return " ".join(str(reason).split())


def from_bibtex(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """CSL-JSON items for the entries of a .bib file, and what was wrong in it (1-based lines)."""
    entries = bibtex_entries(text)
    return entries.items, entries.problems


def bibtex_entries(text: str) -> Entries:
    """The items of a .bib file with the line each entry starts on, and its problems.

    LaTeX is decoded to Unicode, ``@string`` macros expanded, ``crossref`` followed; an entry
    that cannot be read is reported and skipped, and the rest still converts.
    """
    import logging

    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

    # bibtexparser logs what it cannot read; here that becomes problems, so its log stays quiet.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    # No middlewares: values come raw, so that macros joined with # are expanded here too
    # and names are split while their protective braces still show.
    library = parse_string(text, parse_stack=[])
    strings = {b.key.lower(): str(b.value) for b in library.blocks if isinstance(b, String)}
    problems: list[Problem] = []
    entries: list[tuple[Entry, dict[str, str], dict[str, int]]] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(line, f"duplicate key '{block.key}'; this entry is skipped"))
        elif isinstance(block, ParsingFailedBlock):
            opening = re.match(r"\s*@?\s*(\w*)", block.raw or "")
            what = f"@{opening.group(1)} entry" if opening and opening.group(1) else "entry"
            problems.append(Problem(line, f"{what} cannot be read: {problem_text(block.error)}; skipped"))
        elif isinstance(block, Entry):
            fields: dict[str, str] = {}
            lines: dict[str, int] = {}
            for field in block.fields:
                key = field.key.lower()
                lines[key] = (field.start_line or block.start_line or 0) + 1
                undefined: list[str] = []
                fields[key] = expand_macros(str(field.value), strings, undefined)
                for name in undefined:
                    problems.append(Problem(lines[key], f"'{name}' in field '{key}' is not a defined @string"))
            entries.append((block, fields, lines))
    by_key = {entry.key.lower(): fields for entry, fields, _ in entries}
    items = []
    starts = []
    for entry, fields, lines in entries:
        line = (entry.start_line or 0) + 1
        starts.append(line)
        if "crossref" in fields:
            parent = by_key.get(fields["crossref"].strip().lower())
            if parent is None:
                problems.append(Problem(lines["crossref"], f"crossref '{fields['crossref']}' names no entry"))
            else:
                fields = _inherit(fields, parent)
        kind = CSL_TYPES.get(entry.entry_type.lower())
        if kind is None:
            problems.append(Problem(line, f"unknown entry type @{entry.entry_type}; read as a document"))
            kind = "document"
        item = _item(kind, entry.key, fields, lines, problems)
        if entry.entry_type.lower() == "mastersthesis" and "genre" not in item:
            item["genre"] = "Master's thesis"
        items.append(item)
    problems.sort(key=lambda p: p.line)
    return Entries(items, starts, problems)
