"""Article formats: read a file into a Document by its extension.

Each format module has ``read(path) -> Document`` (raising refcheck.document.InputError
for input it cannot read) and fills in what its format carries beyond text (see
refcheck.document.Document): key citations, spans to ignore, the bibliographic files it
names, CSL items it embeds, and where each part of the text came from.  Anything else is
read as plain text or Markdown by refcheck.document.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from refcheck import document as documents
from refcheck.document import Document

# Extension (case-folded) → the module that reads it.
READERS: dict[str, str] = {
    ".tex": "refcheck.formats.latex",
    ".ltx": "refcheck.formats.latex",
    ".md": "refcheck.formats.markdown",
    ".markdown": "refcheck.formats.markdown",
    ".qmd": "refcheck.formats.markdown",
    ".rmd": "refcheck.formats.markdown",
    ".docx": "refcheck.formats.docx",
    ".html": "refcheck.formats.html",
    ".htm": "refcheck.formats.html",
    ".xhtml": "refcheck.formats.html",
}

# The extensions refcheck checks when given a directory.
ARTICLE_SUFFIXES: tuple[str, ...] = (".txt", *READERS)


def reader(path: str | Path) -> str | None:
    """The module that reads ``path``, or None for plain text (and standard input)."""
    name = str(path)
    if name == "-":
        return None
    return READERS.get(Path(name).suffix.casefold())


def read(path: str | Path) -> Document:
    """The Document of the article at ``path`` ("-" is standard input), read by its format."""
    module_name = reader(path)
    if module_name is None:
        return documents.read(path)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return documents.read(path)  # a format not written yet: read as text
    doc: Document = module.read(path)
    return doc
