"""The rule registry: every rule in code order, and running the selected ones."""

from __future__ import annotations

from refcheck.model import Finding
from refcheck.rules import bib, citations, links, references, verify
from refcheck.rules.registry import Context, Problem, Rule, Selection, rule

RULES: tuple[Rule, ...] = tuple(
    sorted((*citations.RULES, *references.RULES, *links.RULES, *verify.RULES), key=lambda r: r.code)
)

# The rules that read what the network said (Context.online): they run after the others,
# once links are checked and references looked up.
# The rules of ``refcheck bib lint`` (RC6xx): they read a library (bib.LibraryContext), not an
# article, so ``check`` never runs them.
BIB_RULES: tuple[Rule, ...] = tuple(sorted(bib.RULES, key=lambda r: r.code))

ONLINE: frozenset[str] = frozenset(r.code for r in (*links.RULES, *verify.RULES))

__all__ = ["BIB_RULES", "ONLINE", "RULES", "Context", "Problem", "Rule", "Selection", "rule", "run", "order", "by_name"]


def by_name(name_or_code: str) -> Rule | None:
    for r in RULES:
        if name_or_code in (r.name, r.code):
            return r
    return None


def run(context: Context, selection: Selection = Selection(), only: frozenset[str] | None = None) -> list[Finding]:
    """The findings of every selected rule (of those coded in ``only``, when given), ordered by
    position, then code: those in the article first, then those about entries of
    bibliographic files, by file and line."""
    found: list[Finding] = []
    for r in RULES:
        if selection.enabled(r) and (only is None or r.code in only):
            found.extend(r.run(context))
    found.sort(key=_order)
    return found


def order(findings: list[Finding]) -> list[Finding]:
    """``findings`` in report order (see run)."""
    return sorted(findings, key=_order)


def _order(f: Finding) -> tuple[str, int, int, str, int, str]:
    # The article sorts first: "" before any file name.
    path, line = (f.origin.path, f.origin.line) if f.origin is not None else ("", 0)
    return path, line, f.span.start, f.code, f.span.end, f.message
