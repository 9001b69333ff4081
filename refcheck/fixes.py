"""Apply the edits of findings to a text, never touching a byte outside them."""

from __future__ import annotations

from collections.abc import Iterable

from refcheck.model import Edit, Finding


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
