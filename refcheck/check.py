"""The pipeline for one document: find citations and references, match them, run the rules."""

from __future__ import annotations

import bisect
import dataclasses
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from dataclasses import dataclass, field
from pathlib import Path

from refcheck import document as documents
from refcheck.citations import find_citations
from refcheck.document import Document, Lines, Place
from refcheck.matching import match
from refcheck.model import Citation, Finding, Match, Reference, Span
from refcheck.references import parse_reference, read_references
from refcheck.rules import ONLINE, RULES, Context, Selection, order, run
from refcheck.rules.registry import Online
from refcheck.sources import Bibliography
from refcheck.suppress import Suppression, find_suppressions, mask, placed_suppressions, suppress, unknown_codes


@dataclass(frozen=True)
class Result:
    """What refcheck learned about one document.

    ``references`` are the entries of the article's own list, then those of ``sources``, the
    bibliographic files given with it, in order; such an entry has an ``origin``.
    """

    document: Document
    citations: tuple[Citation, ...]
    references: tuple[Reference, ...]
    matches: tuple[Match, ...]
    findings: tuple[Finding, ...]
    lines: Lines = field(repr=False)
    sources: tuple[Bibliography, ...] = field(default=(), repr=False)
    online: Online | None = field(default=None, repr=False)  # what the network said (check_online)
    suppressed: int = 0  # findings left out by the article's suppression comments (refcheck.suppress)

    def where(self, offset: int) -> tuple[str, int, int]:
        """The file, 1-based line and column of an offset into the document's text: its own
        path and line, or, for text put together from several files or parts (see
        Document.places), those of the part it came from."""
        line, column = self.lines.position(offset)
        place = self.place(offset)
        if place is None:
            return self.document.path, line, column
        first, _ = self.lines.position(place.start)
        return place.path, place.line + line - first, column

    def place(self, offset: int) -> Place | None:
        """The Place of the part of the text that ``offset`` is in (see Document.places)."""
        places = self.document.places
        if not places:
            return None
        at = bisect.bisect_right(self._place_starts, offset) - 1
        return places[at] if at >= 0 else None

    @cached_property
    def _place_starts(self) -> list[int]:
        return [p.start for p in self.document.places]

    def source_lines(self, path: str) -> Lines | None:
        """The lines of the bibliographic file named ``path``, if it is one of ``sources``."""
        return next((source.lines for source in self.sources if source.path == path), None)

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


def check_document(doc: Document, selection: Selection = Selection(),
                   sources: Sequence[Bibliography] = ()) -> Result:
    """Find the citations and references of ``doc``, match them and run the rules.

    The entries of ``sources`` (see refcheck.sources.read_bibliography) are references too,
    after those of the article's own list, if it has one. With sources, only a list under a
    heading is the article's own: without one, the closing paragraphs refcheck would take
    for a list (they look like references) are read as body text."""
    if sources and doc.heading is None and doc.references is not None:
        doc = dataclasses.replace(doc, references=None, body=Span(0, len(doc.text)))
    # Suppression comments are read as blank space (refcheck.suppress): no part of an
    # entry or a paragraph; the result keeps the text as it is.
    masked = mask(doc.text)
    parsed = doc if masked is doc.text else dataclasses.replace(doc, text=masked)
    with _no_cycle_collection():
        result = _check(parsed, selection, tuple(sources))
    lines = result.lines if parsed is doc else Lines(doc.text)
    suppressions = _suppressions(doc, lines)
    if not suppressions and parsed is doc:
        return result
    findings, suppressed = suppress(result.findings, suppressions, lines)
    result = dataclasses.replace(result, document=doc, lines=lines, findings=tuple(findings), suppressed=suppressed)
    slips = unknown_codes(suppressions, ((r.code, r.name) for r in RULES))
    if not slips:
        return result
    warnings = []
    for line, code in slips:
        path, at, _ = result.where(lines.line_span(line).start)
        warnings.append(f"{path}:{at}: refcheck: ignore names no rule: {code!r}")
    return dataclasses.replace(result, document=dataclasses.replace(doc, warnings=(*doc.warnings, *warnings)))


def _suppressions(doc: Document, lines: Lines) -> list[Suppression]:
    """The suppression comments of ``doc``: in its text, or in the file for HTML, whose
    text is the page's visible text (comments left out)."""
    if doc.kind == "html" and doc.source is not None and b"refcheck:" in doc.source:
        source = doc.source.decode(doc.encoding, errors="replace")
        return placed_suppressions(source, doc.path, doc.places, lines)
    return find_suppressions(doc.text, lines)


def _check(doc: Document, selection: Selection, sources: tuple[Bibliography, ...]) -> Result:
    citations = tuple(_citations(doc))
    if doc.entries:
        listed = [dataclasses.replace(parse_reference(doc.text, span, learned=True), key=key)
                  for span, key in doc.entries]
    else:
        listed = read_references(doc.text, doc.references, learned=True) if doc.references else []
    references = (*listed, *(r for source in sources for r in source.references))
    matches = tuple(match(citations, references))
    lines = Lines(doc.text)
    context = Context(doc, citations, references, matches, lines)
    findings = tuple(run(context, selection))
    return Result(doc, citations, references, matches, findings, lines, sources)


def _citations(doc: Document) -> list[Citation]:
    """The citations of ``doc``'s body, outside its ignored spans, and the key citations its
    format reader found, in document order."""
    found = find_citations(doc.text, doc.body)
    if doc.ignore:
        spans = sorted(doc.ignore)
        starts = [s.start for s in spans]

        def ignored(offset: int) -> bool:
            at = bisect.bisect_right(starts, offset) - 1
            return at >= 0 and offset < spans[at].end

        found = [c for c in found if not ignored(c.span.start)]
    if doc.keys:
        found = sorted([*found, *doc.keys], key=lambda c: (c.span.start, c.span.end))
    return found


def own_sources(doc: Document) -> list[Bibliography]:
    """The bibliographies a document brings itself: the files it names (``\\bibliography``,
    ``bibliography:``) and the CSL items it carries (YAML ``references:``, Zotero fields).
    Raises InputError for a named file that cannot be read."""
    from refcheck.sources import items_bibliography, read_bibliography

    found = [read_bibliography(path) for path in doc.bibliography]
    if doc.items:
        found.append(items_bibliography(doc.path, doc.text, doc.items))
    return found


def check_text(text: str, path: str = "<text>", selection: Selection = Selection(),
               sources: Sequence[Bibliography] = ()) -> Result:
    """Check an article given as text."""
    return check_document(documents.from_text(text, path), selection, sources)


def check_file(path: str | Path, selection: Selection = Selection(),
               sources: Sequence[Bibliography] = ()) -> Result:
    """Check the article at ``path`` ("-" for standard input), read by its format (see
    refcheck.formats), with the bibliographies it names or carries; raises InputError for
    bad input."""
    from refcheck import formats

    doc = formats.read(path)
    given = {_resolved(source.path) for source in sources}
    own = [source for source in own_sources(doc) if _resolved(source.path) not in given or source.path == doc.path]
    return check_document(doc, selection, [*sources, *own])


def _resolved(path: str) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path)


def with_online(result: Result, online: Online, selection: Selection = Selection()) -> Result:
    """``result`` with the findings of the network rules (RC4xx, RC5xx) on what ``online``
    holds: the results of checking this document's links, its references' verifications."""
    context = Context(result.document, result.citations, result.references, result.matches, result.lines, online)
    found, suppressed = suppress(run(context, selection, only=ONLINE),
                                 _suppressions(result.document, result.lines), result.lines)
    return dataclasses.replace(result, findings=tuple(order([*result.findings, *found])), online=online,
                               suppressed=result.suppressed + suppressed)

