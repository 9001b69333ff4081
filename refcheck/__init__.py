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
    "to_json": "refcheck.report",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from refcheck.check import Result, check_document, check_file, check_text
    from refcheck.citations import find_citations
    from refcheck.document import Document, InputError, from_text, read
    from refcheck.matching import match
    from refcheck.model import Citation, Date, Edit, Finding, Match, Name, Reference, Severity, Span
    from refcheck.references import parse_reference, read_references
    from refcheck.report import to_json
    from refcheck.rules import RULES, Selection


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'refcheck' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
