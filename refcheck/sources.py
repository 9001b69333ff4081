"""Bibliographic sources: .bib, CSL-JSON, CSL-YAML and RIS files, reference lists and articles
read into CSL-JSON items, and items written out in any of those formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refcheck.document import InputError, Lines
from refcheck.model import Origin, Problem, Reference

if TYPE_CHECKING:
    from refcheck.convert.items import Entries

__all__ = ["FORMATS", "KINDS", "Bibliography", "Problem", "read_bibliography", "read_source", "read_items",
           "text_kind", "write"]  # fmt: skip

Items = list[dict[str, Any]]
Reader = Callable[[str], "Entries"]

# Output formats, for --to.
FORMATS = ("bibtex", "biblatex", "csl-json", "csl-yaml", "ris")
# What an input can be, for --from; "auto" tells by the extension, then by the text.
KINDS = ("auto", "bibtex", "csl-json", "csl-yaml", "ris", "article", "list")
_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".json": "csl-json", ".yaml": "csl-yaml",
               ".yml": "csl-yaml", ".ris": "ris"}  # fmt: skip


def _reader(kind: str) -> Reader:
    if kind == "bibtex":
        from refcheck.convert.bibtex import bibtex_entries

        return bibtex_entries
    if kind == "csl-json":
        from refcheck.convert.csljson import csl_json_entries

        return csl_json_entries
    if kind == "csl-yaml":
        from refcheck.convert.csljson import csl_yaml_entries

        return csl_yaml_entries
    from refcheck.convert.ris import ris_entries

    return ris_entries


def _text(path: str | Path) -> tuple[str, str, tuple[str, ...]]:
    """The decoded text of ``path`` ("-" is standard input), its name and decoding warnings;
    an empty file is empty text."""
    from refcheck.document import decode, read_bytes

    data, name = read_bytes(path)
    if not data.strip():
        return "", name, ()
    text, _, warnings = decode(data, name)
    return text.removeprefix("\ufeff"), name, warnings


def read_source(path: str | Path, kind: str = "auto") -> tuple[Items, list[Problem]]:
    """The items of a .bib, .json (CSL-JSON), .yaml/.yml (CSL-YAML) or .ris file, and the
    problems found in it; raises InputError for a file that cannot be read at all."""
    entries, _, _, _ = _read_entries(path, kind)
    return entries.items, entries.problems


def _read_file(path: str | Path, kind: str) -> tuple[Items, list[Problem], tuple[str, ...]]:
    entries, _, _, warnings = _read_entries(path, kind)
    return entries.items, entries.problems, warnings


def _read_entries(path: str | Path, kind: str) -> tuple[Entries, str, str, tuple[str, ...]]:
    """The entries of a bibliographic file, its name and text, and decoding warnings."""
    from refcheck.convert.items import Unreadable

    if kind == "auto":
        kind = _EXTENSIONS.get(Path(str(path)).suffix.lower(), "")
        if not kind:
            raise InputError(str(path), "unknown kind of file; expected .bib, .json, .yaml, .yml or .ris")
    text, name, warnings = _text(path)
    try:
        entries = _reader(kind)(text)
    except Unreadable as error:
        raise InputError(f"{name}:{error.line}", error.message) from None
    except RecursionError:
        raise InputError(name, "nested too deeply to read") from None
    return entries, name, text, warnings


@dataclass(frozen=True)
class Bibliography:
    """A bibliographic file given to ``refcheck check --bib``: its entries as references, each
    with its ``origin`` (this file and the line the entry starts on), and what was wrong in it."""

    path: str  # as given ("<stdin>" for -): findings about its entries name it
    text: str = field(repr=False)
    references: tuple[Reference, ...]
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()

    @cached_property
    def lines(self) -> Lines:
        return Lines(self.text)


def read_bibliography(path: str | Path, kind: str = "auto") -> Bibliography:
    """The entries of a .bib, CSL-JSON, CSL-YAML or RIS file as references; a malformed entry
    is a problem and the rest are still read. Raises InputError for a file that cannot be read."""
    entries, name, text, warnings = _read_entries(path, kind)
    references = tuple(
        Reference.from_csl(item, Origin(name, line)) for item, line in zip(entries.items, entries.lines)
    )
    return Bibliography(name, text, references, tuple(entries.problems), warnings)


def items_bibliography(path: str, text: str, items: Iterable[tuple[dict[str, Any], int]]) -> Bibliography:
    """CSL items that a document carries (YAML ``references:``, Zotero fields) as a
    Bibliography placed in the document: each entry's origin is the document and the line
    the item is on."""
    references = tuple(Reference.from_csl(item, Origin(path, line)) for item, line in items)
    return Bibliography(path, text, references)


def text_kind(text: str) -> str:
    """"article" for text with a reference-list heading or prose before its references,
    "list" for references one per line and nothing else."""
    from refcheck.document import from_text

    doc = from_text(text)
    if doc.heading is not None:
        return "article"
    if doc.references is not None and text[: doc.references.start].strip():
        return "article"
    return "list"


def read_items(path: str | Path, kind: str = "auto") -> tuple[Items, list[Problem], tuple[str, ...]]:
    """Items from any input refcheck converts, its problems and decoding warnings: a bibliographic
    file (by its extension), else an article's reference list or a list of references one per line."""
    if kind == "auto" and Path(str(path)).suffix.lower() in _EXTENSIONS:
        kind = _EXTENSIONS[Path(str(path)).suffix.lower()]
    if kind not in ("auto", "article", "list"):
        return _read_file(path, kind)
    from refcheck.parse import parse_strings, split_lines, to_csl_json

    text, _, warnings = _text(path)
    if kind == "auto":
        kind = text_kind(text)
    if kind == "article":
        from refcheck.document import from_text
        from refcheck.references import read_references

        doc = from_text(text)
        references = read_references(doc.text, doc.references, learned=True) if doc.references else []
    else:
        references = parse_strings(line for line in split_lines(text) if line.strip())
    return to_csl_json(references), [], warnings


def write(items: Iterable[dict[str, Any]], to: str) -> str:
    """The items as text in one of FORMATS."""
    if to == "bibtex":
        from refcheck.convert.bibtex import to_bibtex

        return to_bibtex(items)
    if to == "biblatex":
        from refcheck.convert.bibtex import to_biblatex

        return to_biblatex(items)
    if to == "csl-json":
        from refcheck.convert.csljson import to_csl_json

        return to_csl_json(items)
    if to == "csl-yaml":
        from refcheck.convert.csljson import to_csl_yaml

        return to_csl_yaml(items)
    if to == "ris":
        from refcheck.convert.ris import to_ris

        return to_ris(items)
    raise ValueError(f"unknown format {to!r}; expected one of {', '.join(FORMATS)}")
