"""The rule registry: every rule in code order, and running the selected ones."""

from __future__ import annotations

from refcheck.model import Finding
from refcheck.rules import citations, references, verify
from refcheck.rules.registry import Context, Problem, Rule, Selection, rule

RULES: tuple[Rule, ...] = tuple(sorted((*citations.RULES, *references.RULES, *verify.RULES), key=lambda r: r.code))

__all__ = ["RULES", "Context", "Problem", "Rule", "Selection", "rule", "run", "by_name"]


def by_name(name_or_code: str) -> Rule | None:
    for r in RULES:
        if name_or_code in (r.name, r.code):
            return r
    return None


def run(context: Context, selection: Selection = Selection()) -> list[Finding]:
    """The findings of every selected rule, ordered by position, then code: those in the
    article first, then those about entries of bibliographic files, by file and line."""
    found: list[Finding] = []
    for r in RULES:
        if selection.enabled(r):
            found.extend(r.run(context))
    found.sort(key=_order)
    return found


def _order(f: Finding) -> tuple[str, int, int, str, int, str]:
    # The article sorts first: "" before any file name.
    path, line = (f.origin.path, f.origin.line) if f.origin is not None else ("", 0)
    return path, line, f.span.start, f.code, f.span.end, f.message
