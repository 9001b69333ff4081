"""What a rule is: its code, name, severity and documentation, and the context it reads."""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from typing import TYPE_CHECKING

from refcheck.document import Document, Lines
from refcheck.model import Citation, Edit, Finding, Match, Origin, Reference, Severity, Span

if TYPE_CHECKING:
    from refcheck.links import LinkResult
    from refcheck.verify import Verification


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule function reports; the registry turns it into a Finding.

    ``origin`` places a problem about an entry of a bibliographic file (see
    ``Context.entry_problem``); ``span`` then points nowhere."""

    message: str
    span: Span
    suggestion: str | None = None
    fix: tuple[Edit, ...] = ()
    origin: Origin | None = None
    severity: Severity | None = None  # the rule's own, unless the problem says otherwise


@dataclass(frozen=True, slots=True)
class Online:
    """What the network said about one document: ``check --links`` and ``check --verify``.

    ``links`` are the results for the links of this document (its text and its
    bibliographic files); ``verified`` one Verification for each reference looked up."""

    links: Sequence[LinkResult] = ()
    verified: Sequence[Verification] = ()


@dataclass(frozen=True)
class Context:
    """Everything a rule may read about one document.

    ``online`` is None unless links were checked or references verified; the rules of
    RC4xx and RC5xx read it and find nothing without it."""

    document: Document
    citations: Sequence[Citation]
    references: Sequence[Reference]
    matches: Sequence[Match]
    lines: Lines = field(repr=False)
    online: Online | None = None

    @property
    def numeric(self) -> bool:
        """Whether the document uses a numbered reference list (IEEE, Vancouver)."""
        listed = self.listed
        numbered = sum(1 for r in listed if r.number is not None)
        return bool(listed) and numbered * 2 >= len(listed)

    @cached_property
    def listed(self) -> list[Reference]:
        """The entries of the article's own reference list, without those of bibliographic files."""
        return [r for r in self.references if r.origin is None]

    @cached_property
    def duplicates(self) -> dict[int, int]:
        """Entries that describe the same work as an earlier one: later index → earlier index.

        The same DOI, or the same title, date and first author (other authors may differ).
        """
        from refcheck.names import name_key

        seen: dict[tuple[str, ...], int] = {}
        found: dict[int, int] = {}
        for index, reference in enumerate(self.references):
            keys: list[tuple[str, ...]] = []
            if reference.doi:
                keys.append(("doi", reference.doi.casefold()))
            title = fold(reference.title)
            if title and reference.issued is not None:
                first = reference.authors[0] if reference.authors else None
                who = name_key(first.literal or first.family) if first else ""
                keys.append(("work", title, str(reference.issued), who))
            for key in keys:
                if key in seen:
                    found[index] = seen[key]
                    break
            for key in keys:
                seen.setdefault(key, index)
        return found

    def entry_problem(self, reference: Reference, message: str, within: Span | None = None,
                      suggestion: str | None = None, fix: tuple[Edit, ...] = ()) -> Problem:
        """A problem about an entry: on the first line of the entry in the article (see
        ``entry_line_span``), or at the entry's file and line for one read from a bibliographic
        file, whose text no fix may edit."""
        if reference.origin is not None:
            return Problem(message, reference.span, suggestion, (), reference.origin)
        return Problem(message, self.entry_line_span(reference, within), suggestion, fix)

    def where(self, reference: Reference) -> str:
        """Where an entry is, for a message: "line 12" in the article, "refs.bib:12" in a file."""
        if reference.origin is not None:
            return str(reference.origin)
        line, _ = self.lines.position(reference.span.start)
        return f"line {line}"

    def entry_line_span(self, reference: Reference, within: Span | None = None) -> Span:
        """A span on the first line of an entry: ``within`` if it starts there, else the
        entry's authors (or title) as a short handle on the entry, else the line."""
        line, _ = self.lines.position(reference.span.start)
        line_span = self.lines.line_span(line)
        end = min(reference.span.end, line_span.end)
        for candidate in (within, reference.field_span("author"), reference.field_span("title")):
            if candidate is not None and reference.span.start <= candidate.start < end:
                return Span(candidate.start, min(candidate.end, end))
        return Span(reference.span.start, end)


_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Text compared without case, accents or punctuation."""
    folded = text.casefold()
    if not folded.isascii():  # most text is ASCII: skip the decomposition then
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", folded).strip()


Check = Callable[[Context], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: a plain function with a stable code, a name and a default severity."""

    code: str
    name: str
    severity: Severity
    check: Check

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]

    def run(self, context: Context) -> list[Finding]:
        return [
            Finding(self.code, self.name, p.severity if p.severity is not None else self.severity, p.message,
                    p.span, p.suggestion, p.fix, p.origin)
            for p in self.check(context)
        ]


def rule(code: str, name: str, severity: Severity, into: list[Rule]) -> Callable[[Check], Rule]:
    """Register a rule function in ``into`` under its code and name."""

    def register(check: Check) -> Rule:
        made = Rule(code, name, severity, check)
        into.append(made)
        return made

    return register


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rules run: ``select`` and ``ignore`` take code prefixes ("RC1", "RC103") or rule
    names; the most specific entry wins, and ``ignore`` wins a tie."""

    select: tuple[str, ...] = ("RC",)
    ignore: tuple[str, ...] = ()

    @staticmethod
    def _specificity(rule: Rule, patterns: Sequence[str]) -> int:
        best = -1
        for pattern in patterns:
            if pattern == rule.name:
                return 1000
            if rule.code.startswith(pattern.upper()):
                best = max(best, len(pattern))
        return best

    def enabled(self, rule: Rule) -> bool:
        chosen = self._specificity(rule, self.select)
        return chosen >= 0 and chosen > self._specificity(rule, self.ignore)
