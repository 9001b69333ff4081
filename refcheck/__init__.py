"""refcheck: check an article's in-text citations against its reference list.

The public API is imported lazily so that ``import refcheck`` (and the CLI's
``--version``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "check_text": "refcheck.check",
    "check_file": "refcheck.check",
    "check_document": "refcheck.check",
    "Result": "refcheck.check",
    "read": "refcheck.document",
    "from_text": "refcheck.document",
    "Document": "refcheck.document",
    "InputError": "refcheck.document",
    "find_citations": "refcheck.citations",
    "read_references": "refcheck.references",
    "parse_reference": "refcheck.references",
    "match": "refcheck.matching",
    "RULES": "refcheck.rules",
    "Selection": "refcheck.rules",
    "Citation": "refcheck.model",
    "Reference": "refcheck.model",
    "Name": "refcheck.model",
    "Date": "refcheck.model",
    "Span": "refcheck.model",
    "Finding": "refcheck.model",
    "Edit": "refcheck.model",
    "Match": "refcheck.model",
    "Severity": "refcheck.model",
    "Origin": "refcheck.model",
    "Problem": "refcheck.model",
    "to_json": "refcheck.report",
    "parse_strings": "refcheck.parse",
    "to_csl_json": "refcheck.parse",
    "read_source": "refcheck.sources",
    "read_items": "refcheck.sources",
    "render_bibliography": "refcheck.csl",
    "format_references": "refcheck.csl",
    "resolve_style": "refcheck.csl",
    "StyleError": "refcheck.csl",
    "format_document": "refcheck.csl.document",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from refcheck.check import Result, check_document, check_file, check_text
    from refcheck.citations import find_citations
    from refcheck.document import Document, InputError, from_text, read
    from refcheck.matching import match
    from refcheck.csl import StyleError, format_references, render_bibliography, resolve_style
    from refcheck.csl.document import format_document
    from refcheck.model import Citation, Date, Edit, Finding, Match, Name, Origin, Problem, Reference, Severity, Span
    from refcheck.parse import parse_strings, to_csl_json
    from refcheck.sources import read_items, read_source
    from refcheck.references import parse_reference, read_references
    from refcheck.report import to_json
    from refcheck.rules import RULES, Selection


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'refcheck' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
