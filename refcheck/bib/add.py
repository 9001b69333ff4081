"""``refcheck bib add``: entries fetched by DOI, ISBN or arXiv id, keyed, and appended to a library
(every byte already in a .bib file kept) or printed."""

from __future__ import annotations

import argparse
import bisect
import os
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refcheck.bib.fetch import Identifier, Lookup

_BIB_KEY = re.compile(r"@\s*(\w+)\s*[{(]\s*([^\s,{}()]+)\s*,")
_EPRINT = re.compile(r"\beprint\s*=\s*[{\"]\s*([^\s{}\"]+)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s{}\"?#]+?)(?:\.pdf)?(?=$|[\s{}\"?#])", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.|www\.)?doi\.org/)", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")
_JSON_SUFFIXES = (".json", ".csljson")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("identifiers", nargs="+", metavar="ID",
                        help="a DOI (10.…, doi:…, https://doi.org/…), an ISBN-10 or -13, or an arXiv id "
                             "(2101.01234, arXiv:2101.01234v2, hep-th/9901001)")
    parser.add_argument("--to", metavar="LIBRARY",
                        help="append to this .bib or CSL-JSON (.json) library (made when missing); "
                             "without it the entries are printed")
    parser.add_argument("--key-pattern", default="{family}{year}{firstword}", metavar="PATTERN",
                        help="citation keys by this pattern (default: %(default)s; also {Family}, "
                             "{families}, {shorttitle}), made unique against the library's keys")
    parser.add_argument("--format", choices=("bibtex", "csl-json"), default=None,
                        help="what to print without --to (default: bibtex)")
    parser.add_argument("--doi-url", default="https://doi.org/", metavar="URL",
                        help="the DOI resolver asked for CSL-JSON (default: %(default)s)")
    parser.add_argument("--crossref-url", default="https://api.crossref.org", metavar="URL",
                        help="the Crossref API (default: %(default)s)")
    parser.add_argument("--openalex-url", default="https://api.openalex.org", metavar="URL",
                        help="the OpenAlex API (default: %(default)s)")
    parser.add_argument("--openlibrary-url", default="https://openlibrary.org", metavar="URL",
                        help="Open Library, for ISBNs (default: %(default)s)")
    parser.add_argument("--arxiv-url", default="https://export.arxiv.org/api/query", metavar="URL",
                        help="the arXiv API (default: %(default)s)")
    parser.add_argument("--mailto", default="", metavar="EMAIL",
                        help="an address for the APIs' polite pools (Crossref, OpenAlex)")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                        help="seconds to wait for an answer (default: %(default)s)")


# ---- the library -------------------------------------------------------------------------------


@dataclass(slots=True)
class Library:
    """What ``add`` needs to know of a library: its bytes, its keys and the identifiers it holds."""

    path: str
    kind: str  # "bibtex" or "csl-json"
    data: bytes = b""
    keys: set[str] = field(default_factory=set)
    dois: dict[str, str] = field(default_factory=dict)  # identifier → key of the entry holding it
    isbns: dict[str, str] = field(default_factory=dict)
    arxiv: dict[str, str] = field(default_factory=dict)

    def holder(self, identifier: Identifier) -> str | None:
        """The key of the entry that already holds ``identifier`` ("" for an entry without key), or None."""
        table = {"doi": self.dois, "isbn": self.isbns, "arxiv": self.arxiv}[identifier.kind]
        return table.get(identifier.bare)

    def note(self, item: dict[str, Any], key: str) -> None:
        """Remember the key and the identifiers of ``item``, an entry of the library."""
        from refcheck.bib.fetch import isbn13

        if key:
            self.keys.add(key)
        doi = _DOI_PREFIX.sub("", str(item.get("DOI") or "").strip())
        if doi:
            self.dois.setdefault(doi.casefold(), key)
            arxiv_doi = _ARXIV_DOI.match(doi)
            if arxiv_doi:
                self.arxiv.setdefault(_VERSION.sub("", arxiv_doi.group(1)), key)
        # An ISBN field may hold several ("978-… (hbk); 978-… (pbk)").
        for isbn in re.split(r"[,;/(]", str(item.get("ISBN") or "")):
            value = isbn13(re.sub(r"(?i)^\s*isbn(?:-1[03])?:?|\)\s*$", "", isbn))
            if value:
                self.isbns.setdefault(value, key)
        for m in _ARXIV_URL.finditer(str(item.get("URL") or "")):
            self.arxiv.setdefault(_VERSION.sub("", m.group(1)), key)
        if str(item.get("archive") or "").casefold() == "arxiv" and item.get("number"):
            self.arxiv.setdefault(_VERSION.sub("", str(item["number"]).strip()), key)
        for eprint in (item.get("eprint"), item.get("arxiv")):
            if isinstance(eprint, str) and eprint.strip():
                self.arxiv.setdefault(_VERSION.sub("", eprint.strip()), key)


def _kind_of(path: str) -> str | None:
    lower = path.casefold()
    if lower.endswith(".bib"):
        return "bibtex"
    if lower.endswith(_JSON_SUFFIXES):
        return "csl-json"
    return None


def read_library(path: str) -> Library:
    """The library at ``path`` (empty when there is no such file).  Raises ValueError when it
    cannot be read, OSError when it cannot be opened."""
    kind = _kind_of(path)
    if kind is None:
        raise ValueError(f"{path}: a library is a .bib or a CSL-JSON .json file")
    library = Library(path, kind)
    if not os.path.exists(path):
        return library
    with open(path, "rb") as handle:
        library.data = handle.read()
    if kind == "bibtex":
        # An entry is appended in ASCII: a .bib file in another encoding still reads well enough here.
        text = library.data.decode("utf-8", errors="replace").lstrip("\ufeff")
        from refcheck.convert.bibtex import from_bibtex

        items, _ = from_bibtex(text)
        for item in items:
            library.note(item, str(item.get("citation-key") or item.get("id") or ""))
        # Keys and eprints read from the text too: an entry bibtexparser cannot read still holds its key.
        library.keys.update(m.group(2) for m in _BIB_KEY.finditer(text)
                            if m.group(1).casefold() not in ("string", "preamble", "comment"))
        starts = [(m.start(), m.group(2)) for m in _BIB_KEY.finditer(text)]
        for m in _EPRINT.finditer(text):
            before = bisect.bisect_right(starts, (m.start(), "\uffff")) - 1
            owner = starts[before][1] if before >= 0 else ""
            library.arxiv.setdefault(_VERSION.sub("", m.group(1)), owner)
    else:
        from refcheck.convert.csljson import from_csl_json
        from refcheck.convert.items import Unreadable

        try:
            text = library.data.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
        try:
            items, _ = from_csl_json(text)
        except Unreadable as error:
            raise ValueError(f"{path}:{error.line}: {error.message}") from None
        for item in items:
            library.note(item, str(item.get("id") or ""))
    return library


# ---- writing -----------------------------------------------------------------------------------


def bibtex_entry(item: dict[str, Any], extra: dict[str, str]) -> str:
    """One BibTeX entry for ``item``, with ``extra`` fields (arXiv's eprint…) at its end."""
    from refcheck.convert.bibtex import to_bibtex

    if extra:
        # An arXiv preprint: @misc with eprint, archivePrefix and primaryClass, not number and publisher.
        item = {k: v for k, v in item.items() if k not in ("number", "publisher", "archive")}
    text = to_bibtex([item]).strip()
    if extra and text.endswith("\n}"):
        fields = "".join(f",\n\t{k} = {{{v}}}" for k, v in extra.items())
        text = text[: -len("\n}")] + fields + "\n}"
    return text + "\n"


def append_bibtex(data: bytes, entries: list[str]) -> bytes:
    """``data`` (a .bib file's bytes, all kept) with ``entries`` after a blank line, in the file's
    line endings."""
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    body = "\n".join(entries).replace("\n", newline.decode()).encode("utf-8")
    if not data.strip(b" \t\r\n"):
        separator = b"" if not data or data.endswith(b"\n") else newline
    elif data.endswith(newline + newline) or data.endswith(b"\n\n"):
        separator = b""
    elif data.endswith(b"\n"):
        separator = newline
    else:
        separator = newline + newline
    return data + separator + body


def _indent_of(text: str, array_start: int) -> tuple[str, bool]:
    """The indentation of the array's first item, and whether items stand on lines of their own."""
    m = re.compile(r"\[([ \t]*\r?\n)?([ \t]*)").match(text, array_start)
    if m is None or m.group(1) is None:
        return "", False
    return m.group(2), True


def append_csl_json(data: bytes, items: list[dict[str, Any]]) -> bytes:
    """``data`` (a CSL-JSON file) with ``items`` appended.  A top-level array keeps every byte:
    the new items go in before its closing bracket, indented like its first item (on one line
    when the array is on one line).  An object with "items", or an empty file, is written anew."""
    import json

    from refcheck.parse import dumps_indented

    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data[len(bom):].decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    if not text.strip():
        return bom + (dumps_indented(items) + "\n").encode("utf-8")
    parsed = json.loads(text)
    stripped = text.rstrip()
    start = len(text) - len(text.lstrip())
    if not isinstance(parsed, list) or not stripped.endswith("]") or not text.startswith("[", start):
        if not isinstance(parsed, dict):
            raise ValueError("expected a list of CSL items, or an object with 'items'")
        parsed["items"] = list(parsed.get("items") or []) + items
        return bom + (dumps_indented(parsed).replace("\n", newline) + newline).encode("utf-8")
    close = len(stripped) - 1
    end = len(text[:close].rstrip())  # just past the last item, or past "["
    empty = text[end - 1] == "["
    indent, lines = _indent_of(text, start)
    if lines:
        indent = indent if not empty or indent else "  "
        # Each item indented like the file: one step is the first item's indent.
        pieces = [json.dumps(item, ensure_ascii=False, indent=indent).replace("\n", newline + indent)
                  for item in items]
        insert = ("" if empty else ",") + newline + indent + ("," + newline + indent).join(pieces)
        if empty and text[end:close].strip(" \t") == "":
            insert += newline
    else:
        insert = ("" if empty else ", ") + ", ".join(json.dumps(item, ensure_ascii=False) for item in items)
    return bom + (text[:end] + insert + text[end:]).encode("utf-8")


# ---- the command -------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(f"refcheck: {message}", file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    from refcheck.bib.fetch import read_identifier
    from refcheck.bib.keys import make_key

    status = 0
    identifiers: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    for text in args.identifiers:
        try:
            identifier = read_identifier(text)
        except ValueError as error:
            _say(f"error: {error}")
            status = 2
            continue
        if (identifier.kind, identifier.bare) not in seen:
            seen.add((identifier.kind, identifier.bare))
            identifiers.append(identifier)

    library: Library | None = None
    if args.to:
        try:
            library = read_library(args.to)
        except (OSError, ValueError) as error:
            _say(f"error: {error}")
            return 2
    if args.format and args.to:
        _say("error: --format is for printing; --to writes in the library's own format")
        return 2
    try:
        make_key({}, args.key_pattern)
    except ValueError as error:
        _say(f"error: {error}")
        return 2

    wanted: list[Identifier] = []
    for identifier in identifiers:
        holder = library.holder(identifier) if library is not None else None
        if holder is not None:
            _say(f"{identifier.label} is already in {args.to}" + (f" as {holder}" if holder else "")
                 + "; not added again")
        else:
            wanted.append(identifier)

    lookups = _look_up(wanted, args) if wanted else []
    taken = set(library.keys) if library is not None else set()
    added: list[tuple[str, Lookup]] = []
    for lookup in lookups:
        label = lookup.identifier.label
        if lookup.status == "missing":
            _say(f"error: {label}: not found" + (f" ({lookup.detail})" if lookup.detail else ""))
            status = max(status, 1)
            continue
        if lookup.status != "ok":
            _say(f"error: {label}: the lookup failed" + (f" ({lookup.detail})" if lookup.detail else ""))
            status = 2
            continue
        key = make_key(lookup.item, args.key_pattern, taken)
        taken.add(key)
        lookup.item["id"] = key
        lookup.item["citation-key"] = key
        added.append((key, lookup))

    if not added:
        return status
    if library is None:
        if (args.format or "bibtex") == "bibtex":
            sys.stdout.write("\n".join(bibtex_entry(lookup.item, lookup.extra) for _, lookup in added))
        else:
            from refcheck.parse import dumps_indented

            sys.stdout.write(dumps_indented([_csl_only(lookup.item) for _, lookup in added]) + "\n")
        return status

    from refcheck.cli import _write_bytes

    if library.kind == "bibtex":
        data = append_bibtex(library.data, [bibtex_entry(lookup.item, lookup.extra) for _, lookup in added])
    else:
        data = append_csl_json(library.data, [_csl_only(lookup.item) for _, lookup in added])
    try:
        _write_bytes(data, args.to)
    except OSError as error:
        _say(f"error: {args.to}: cannot write: {error.strerror or error}")
        return 2
    for key, lookup in added:
        _say(f"added {key} ({lookup.identifier.label}, from {lookup.source}) to {args.to}")
    return status


def _csl_only(item: dict[str, Any]) -> dict[str, Any]:
    """The item as a CSL-JSON library keeps it: "id" first, no BibTeX key of its own."""
    return {"id": item["id"], **{k: v for k, v in item.items() if k not in ("id", "citation-key")}}


def _look_up(identifiers: list[Identifier], args: argparse.Namespace) -> list[Lookup]:
    from refcheck.bib.fetch import Endpoints, look_up_all

    endpoints = Endpoints(doi=args.doi_url, crossref=args.crossref_url, openalex=args.openalex_url,
                          openlibrary=args.openlibrary_url, arxiv=args.arxiv_url, mailto=args.mailto)
    return look_up_all(identifiers, endpoints, timeout=args.timeout)
