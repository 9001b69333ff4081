"""Apply the edits of findings to a text, never touching a byte outside them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refcheck.model import Edit, Finding, Reference, Span

if TYPE_CHECKING:
    from refcheck.check import Result


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with every non-overlapping edit applied; of two overlapping edits the first wins."""
    chosen: list[Edit] = []
    for edit in sorted(set(edits), key=lambda e: (e.span.start, e.span.end, e.replacement)):
        if chosen and edit.span.start < chosen[-1].span.end:
            continue
        chosen.append(edit)
    parts: list[str] = []
    position = 0
    for edit in chosen:
        parts.append(text[position : edit.span.start])
        parts.append(edit.replacement)
        position = edit.span.end
    parts.append(text[position:])
    return "".join(parts)


def apply_fixes(text: str, findings: Iterable[Finding]) -> str:
    return apply_edits(text, (edit for finding in findings for edit in finding.fix))


# The rules whose fixes ``--fix`` applies: those that cannot change what the text means.
# (given-name-as-surname and malformed-url have fixes too, but a reader should look first.)
SAFE = frozenset({"author-misspelled", "date-mismatch", "reference-order", "link-redirected", "missing-doi"})

_SORTABLE = (".md", ".markdown", ".qmd", ".rmd", ".txt")
# What may stand between two entries of a list that can be put in order: blank lines and
# Markdown list markers (a numbered list cannot: its numbers would be wrong).
_BETWEEN = re.compile(r"[ \t]*(?:\r?\n[ \t]*)+(?:[-*+][ \t]+)?")


@dataclass(frozen=True, slots=True)
class Fixed:
    """What ``--fix`` makes of one document: its new text and the findings it fixed."""

    text: str
    findings: tuple[Finding, ...]
    edits: tuple[Edit, ...] = ()  # the edits of ``text`` made, in the old text's offsets


def fix(result: Result, rules: frozenset[str] = SAFE) -> Fixed:
    """The text of ``result``'s article with the fixes of ``rules`` applied, in one pass that
    a second run leaves alone: a reference list put in order is put in order with the other
    fixes of its entries already made.  Only the article's own text is edited."""
    text = result.document.text
    findings = [f for f in result.findings if f.rule in rules and f.origin is None]
    edits = [edit for f in findings if f.rule != "reference-order" for edit in f.fix]
    applied = [f for f in findings if f.fix and f.rule != "reference-order"]
    if any(f.rule == "reference-order" for f in findings):
        entries = [r for r in result.references if r.origin is None]
        sorted_list = _sorted_list(result, entries, edits)
        if sorted_list is not None:
            region, replacement = sorted_list
            edits = [e for e in edits if not region.start <= e.span.start < region.end] + [Edit(region, replacement)]
            applied += [f for f in findings if f.rule == "reference-order"]
    return Fixed(apply_edits(text, edits), tuple(applied), tuple(edits))


def _sorted_list(result: Result, entries: list[Reference], edits: list[Edit]) -> tuple[Span, str] | None:
    """The span of the article's reference list and its text in order, each entry with its
    own fixes made; None when the list cannot safely be reordered."""
    from refcheck.rules.references import sort_key

    doc = result.document
    if len(entries) < 2 or not doc.path.casefold().endswith(_SORTABLE) and doc.kind != "markdown":
        return None
    if any(r.number is not None for r in entries):
        return None
    text = doc.text
    spans = [r.span for r in entries]
    if any(b.start < a.end for a, b in zip(spans, spans[1:])):
        return None
    between = [text[a.end : b.start] for a, b in zip(spans, spans[1:])]
    if not all(_BETWEEN.fullmatch(gap) for gap in between):
        return None  # prose, a heading or a comment between entries: leave the order to the writer
    fixed = []
    for span in spans:
        own = [Edit(Span(e.span.start - span.start, e.span.end - span.start), e.replacement)
               for e in edits if span.start <= e.span.start and e.span.end <= span.end]
        fixed.append(apply_edits(text[span.start : span.end], own))
    order = sorted(range(len(entries)), key=lambda i: sort_key(entries[i]))
    parts = [fixed[order[0]]]
    for gap, index in zip(between, order[1:]):
        parts.extend((gap, fixed[index]))
    return Span(spans[0].start, spans[-1].end), "".join(parts)
