"""The pipeline for one document: find citations and references, match them, run the rules."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from refcheck import document as documents
from refcheck.citations import find_citations
from refcheck.document import Document, Lines
from refcheck.matching import match
from refcheck.model import Citation, Finding, Match, Reference
from refcheck.references import read_references
from refcheck.rules import Context, Selection, run


@dataclass(frozen=True)
class Result:
    """What refcheck learned about one document."""

    document: Document
    citations: tuple[Citation, ...]
    references: tuple[Reference, ...]
    matches: tuple[Match, ...]
    findings: tuple[Finding, ...]
    lines: Lines = field(repr=False)

    def cited_counts(self) -> list[int]:
        """How many citations matched each reference."""
        counts = [0] * len(self.references)
        for m in self.matches:
            if m.reference is not None:
                counts[m.reference] += 1
        return counts


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    A long article makes a few hundred thousand small objects that all live to the end,
    and no cycles; the collector would walk them all again and again, a quarter of the run.
    Memory is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_document(doc: Document, selection: Selection = Selection()) -> Result:
    """Find the citations and references of ``doc``, match them and run the rules."""
    with _no_cycle_collection():
        return _check(doc, selection)


def _check(doc: Document, selection: Selection) -> Result:
    citations = tuple(find_citations(doc.text, doc.body))
    references = tuple(read_references(doc.text, doc.references, learned=True)) if doc.references else ()
    matches = tuple(match(citations, references))
    lines = Lines(doc.text)
    context = Context(doc, citations, references, matches, lines)
    findings = tuple(run(context, selection))
    return Result(doc, citations, references, matches, findings, lines)


def check_text(text: str, path: str = "<text>", selection: Selection = Selection()) -> Result:
    """Check an article given as text."""
    return check_document(documents.from_text(text, path), selection)


def check_file(path: str | Path, selection: Selection = Selection()) -> Result:
    """Check the article at ``path`` ("-" for standard input); raises InputError for bad input."""
    return check_document(documents.read(path), selection)
