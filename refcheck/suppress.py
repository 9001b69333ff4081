"""Suppression comments in an article: ``refcheck: ignore`` and ``refcheck: ignore-file``.

A comment is ``<!-- refcheck: ignore CODES -->`` (Markdown, HTML, plain text) or
``% refcheck: ignore CODES`` (LaTeX), CODES being rule codes, code prefixes or rule names
separated by commas (``RC103``, ``RC1``, ``uncited-reference``), or nothing for every rule:

- ``refcheck: ignore CODES`` after text on a line suppresses those findings on that line;
  on a line of its own, on the next line that is neither blank nor another suppression
  comment (comments stacked above a line all apply to it);
- ``refcheck: ignore-file CODES`` anywhere suppresses those findings in the whole file,
  including those about entries of the bibliographic files checked with it.

A finding belongs to the line where its span starts; one about an entry of a bibliographic
file (it has an ``origin``) is suppressed by ``ignore-file`` only.  ``#`` is not a comment
marker: in Markdown it makes a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from refcheck.document import Lines, Place
from refcheck.model import Finding

__all__ = ["Suppression", "covers", "find_suppressions", "mask", "placed_suppressions", "suppress", "unknown_codes"]

_COMMENT = re.compile(
    r"<!--\s*refcheck:\s*(?P<html>ignore-file|ignore)(?![\w-])(?P<html_codes>(?:(?!-->)[^\n])*?)\s*-->"
    r"|(?<!\\)%\s*refcheck:\s*(?P<tex>ignore-file|ignore)(?![\w-])(?P<tex_codes>[^\n]*)"
)


@dataclass(frozen=True, slots=True)
class Suppression:
    """One comment: the codes it names (empty: every rule), the 1-based line it applies to
    (None for ``ignore-file``; 0 for a comment that no line follows) and the line it is on."""

    codes: tuple[str, ...]
    line: int | None
    at: int

    @property
    def whole_file(self) -> bool:
        return self.line is None


def covers(patterns: Sequence[str], code: str, rule: str) -> bool:
    """Whether ``patterns`` (codes, code prefixes or rule names; none: all) name a rule."""
    if not patterns:
        return True
    upper = code.upper()
    return any(p == rule or upper.startswith(p.upper()) for p in patterns)


def mask(text: str) -> str:
    """``text`` with its suppression comments blanked out (spaces, so that every offset
    stays), for the readers of citations and references: a comment above an entry is no
    part of the entry."""
    if "refcheck:" not in text:
        return text
    return _COMMENT.sub(lambda m: " " * len(m.group()), text)


def find_suppressions(text: str, lines: Lines | None = None) -> list[Suppression]:
    """The suppression comments of ``text``, in order."""
    if "refcheck:" not in text:  # most articles have none: skip the scan
        return []
    lines = lines if lines is not None else Lines(text)
    found: list[Suppression] = []
    own_lines: set[int] = set()
    pending: list[tuple[tuple[str, ...], int]] = []
    matches = list(_COMMENT.finditer(text))
    for m in matches:
        kind = m.group("html") or m.group("tex")
        raw = m.group("html_codes") if m.group("html") else m.group("tex_codes")
        codes = tuple(part.strip() for part in re.split(r"[,\s]+", raw or "") if part.strip())
        line, _ = lines.position(m.start())
        if kind == "ignore-file":
            found.append(Suppression(codes, None, line))
            continue
        span = lines.line_span(line)
        rest = text[span.start : m.start()] + text[m.end() : span.end]
        if _COMMENT.sub("", rest).strip():
            found.append(Suppression(codes, line, line))
        else:
            own_lines.add(line)
            pending.append((codes, line))
    total = lines.position(len(text))[0]
    for codes, line in pending:
        target = line + 1
        while target <= total and (target in own_lines or not lines.line_text(target).strip()):
            target += 1
        found.append(Suppression(codes, target if target <= total else 0, line))  # 0: no line follows
    return sorted(found, key=lambda s: s.at)


def placed_suppressions(source: str, path: str, places: Sequence[Place], lines: Lines) -> list[Suppression]:
    """The suppression comments of a file whose text refcheck reads is not the file's own
    (HTML: its visible text), placed by ``places`` (which text offset came from which line
    of ``path``): a comment applies to the first line of text from its target line in the
    file, or from a later line."""
    found = find_suppressions(source)
    if not found:
        return []
    starts = sorted((p.line, p.start) for p in places if p.path == path)
    placed = []
    for s in found:
        if s.line is None:
            placed.append(s)
            continue
        after = next((start for line, start in starts if line >= s.line), None) if s.line else None
        placed.append(Suppression(s.codes, lines.position(after)[0] if after is not None else 0, s.at))
    return placed


def suppress(findings: Iterable[Finding], suppressions: Sequence[Suppression],
             lines: Lines) -> tuple[list[Finding], int]:
    """``findings`` without those the comments suppress, and how many those were."""
    if not suppressions:
        return list(findings), 0
    whole = [s for s in suppressions if s.whole_file]
    by_line: dict[int, list[Suppression]] = {}
    for s in suppressions:
        if s.line is not None:
            by_line.setdefault(s.line, []).append(s)
    kept = []
    dropped = 0
    for finding in findings:
        applicable = list(whole)
        if finding.origin is None:
            line, _ = lines.position(finding.span.start)
            applicable += by_line.get(line, ())
        if any(covers(s.codes, finding.code, finding.rule) for s in applicable):
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped


def unknown_codes(suppressions: Iterable[Suppression], rules: Iterable[tuple[str, str]]) -> list[tuple[int, str]]:
    """The codes of ``suppressions`` that name none of ``rules`` (code, name) — a typing
    slip that would suppress nothing — as (line of the comment, code)."""
    known = list(rules)
    return [(s.at, code) for s in suppressions for code in s.codes
            if not any(covers((code,), rule_code, name) for rule_code, name in known)]  # fmt: skip
