"""The pipeline for one document: find citations and references, match them, run the rules."""

from __future__ import annotations

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


def check_document(doc: Document, selection: Selection = Selection()) -> Result:
    citations = tuple(find_citations(doc.text, doc.body))
    references = tuple(read_references(doc.text, doc.references)) if doc.references else ()
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
