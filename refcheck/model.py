"""The nouns of refcheck: spans, names, dates, references, citations, findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into a document's text."""

    start: int
    end: int

    def shift(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset)


@dataclass(frozen=True, slots=True)
class Name:
    """A person or organisation, shaped like a CSL-JSON name.

    ``order`` records how the name was written (not part of its identity):
    ``"family-comma"`` ("Holmes, Marcus"), ``"family-first"`` ("Lyons Kate",
    "Smith JA"), ``"given-first"`` ("Marcus Holmes"), ``"family-only"``,
    ``"literal"`` (an organisation).
    """

    family: str = ""
    given: str = ""
    particle: str = ""  # CSL non-dropping-particle: "van", "de la"
    suffix: str = ""  # "Jr.", "III"
    literal: str = ""  # organisations: "World Health Organization"
    order: str = field(default="", compare=False)
    span: Span | None = field(default=None, compare=False)

    def to_csl(self) -> dict[str, str]:
        if self.literal:
            return {"literal": self.literal}
        out: dict[str, str] = {}
        if self.family:
            out["family"] = self.family
        if self.given:
            out["given"] = self.given
        if self.particle:
            out["non-dropping-particle"] = self.particle
        if self.suffix:
            out["suffix"] = self.suffix
        return out

    @classmethod
    def from_csl(cls, name: dict[str, Any]) -> Name:
        """The name of a CSL name mapping. A dropping particle ("van" of Ludwig van Beethoven,
        cited as "Beethoven") is kept with the given name, where a citation never writes it."""

        def part(key: str) -> str:
            value = name.get(key)
            return str(value).strip() if isinstance(value, (str, int)) else ""

        if part("literal"):
            return cls(literal=part("literal"), order="literal")
        given = " ".join(p for p in (part("given"), part("dropping-particle")) if p)
        return cls(family=part("family"), given=given, particle=part("non-dropping-particle"),
                   suffix=part("suffix"), order="family-comma" if given else "family-only")

    @property
    def display(self) -> str:
        """The name as a reader would write it, given name first."""
        if self.literal:
            return self.literal
        parts = [self.given, self.particle, self.family, self.suffix]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Date:
    """A date as precise as the source gives it.

    ``suffix`` is the disambiguating letter of ``2019a``; ``literal`` holds
    undated forms such as ``n.d.``, ``in press`` or ``forthcoming``.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    suffix: str = ""
    literal: str = ""

    def to_csl(self) -> dict[str, Any]:
        if self.year is None:
            return {"literal": self.literal} if self.literal else {}
        parts: list[int] = [self.year]
        if self.month is not None:
            parts.append(self.month)
            if self.day is not None:
                parts.append(self.day)
        return {"date-parts": [parts]}

    @classmethod
    def from_csl(cls, value: Any, suffix: str = "") -> Date | None:
        """The date of a CSL date variable (its first date-parts, or its literal); None for none."""
        if not isinstance(value, dict):
            return None
        parts = (value.get("date-parts") or [[]])[0]
        numbers: list[int] = []
        for part in parts[:3] if isinstance(parts, list) else ():
            try:
                numbers.append(int(part))
            except (TypeError, ValueError):
                break
        if numbers:
            month = numbers[1] if len(numbers) > 1 else None
            day = numbers[2] if len(numbers) > 2 else None
            return cls(numbers[0], month, day, suffix)
        literal = value.get("literal")
        return cls(literal=literal.strip()) if isinstance(literal, str) and literal.strip() else None

    @property
    def undated(self) -> bool:
        return self.year is None

    def __str__(self) -> str:
        if self.year is None:
            return self.literal or "n.d."
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text + self.suffix


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a reference read from a bibliographic file (``--bib``) is: the file as named and
    the 1-based line its entry starts on. Such a reference is not in the article's text."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a reference list, parsed into CSL-JSON-shaped fields.

    ``span`` covers the entry in the document text (without a list marker or
    number label); ``text`` is that text with line breaks turned to spaces.
    ``field_spans`` maps field names ("author", "title", "URL", …) to where
    they were read, in document offsets.  ``malformed_urls`` keeps URL-like
    text that is not a usable URL (truncated, no scheme) and bad DOIs.

    A reference read from a bibliographic file instead (``from_csl``) has an ``origin``, the
    file and line of its entry; its ``span`` is empty and points nowhere in the article,
    ``text`` is its citation key, and it has no field spans: nothing may edit it.
    """

    span: Span
    text: str
    number: int | None = None  # the entry's own label: "[3]", "3."
    authors: tuple[Name, ...] = ()
    editors: tuple[Name, ...] = ()
    issued: Date | None = None
    title: str = ""
    container_title: str = ""
    volume: str = ""
    issue: str = ""
    page: str = ""
    publisher: str = ""
    publisher_place: str = ""
    edition: str = ""
    doi: str = ""
    url: str = ""
    isbn: str = ""
    accessed: Date | None = None
    type: str = ""
    online: bool = False  # the entry says it is online: "available at", "[online]"…
    malformed_urls: tuple[tuple[Span, str], ...] = ()
    field_spans: tuple[tuple[str, Span], ...] = ()
    key: str = ""  # the citation key of an entry read from a bibliographic file
    origin: Origin | None = None

    @classmethod
    def from_csl(cls, item: dict[str, Any], origin: Origin | None = None) -> Reference:
        """The reference for a CSL-JSON item (as refcheck.sources reads them: dates as
        date-parts or literals, names as lists of mappings), found at ``origin``."""

        def text(key: str) -> str:
            value = item.get(key)
            return str(value).strip() if isinstance(value, (str, int, float)) else ""

        key = text("id") or text("citation-key")
        return cls(
            span=Span(0, 0),
            text=key,
            authors=_names(item.get("author")),
            editors=_names(item.get("editor")),
            issued=Date.from_csl(item.get("issued"), text("year-suffix")),
            title=text("title"),
            container_title=text("container-title"),
            volume=text("volume"),
            issue=text("issue"),
            page=text("page"),
            publisher=text("publisher"),
            publisher_place=text("publisher-place"),
            edition=text("edition"),
            doi=text("DOI"),
            url=text("URL"),
            isbn=text("ISBN"),
            accessed=Date.from_csl(item.get("accessed")),
            type=text("type"),
            key=key,
            origin=origin,
        )

    def field_span(self, name: str) -> Span | None:
        for key, span in self.field_spans:
            if key == name:
                return span
        return None

    def to_csl(self, id: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if id is not None:
            out["id"] = id
        out["type"] = self.type or "document"
        if self.number is not None:
            out["citation-number"] = self.number
        if self.authors:
            out["author"] = [n.to_csl() for n in self.authors]
        if self.editors:
            out["editor"] = [n.to_csl() for n in self.editors]
        if self.issued is not None and self.issued.to_csl():
            out["issued"] = self.issued.to_csl()
        if self.issued is not None and self.issued.suffix:
            out["year-suffix"] = self.issued.suffix
        simple = {
            "title": self.title,
            "container-title": self.container_title,
            "volume": self.volume,
            "issue": self.issue,
            "page": self.page,
            "publisher": self.publisher,
            "publisher-place": self.publisher_place,
            "edition": self.edition,
            "DOI": self.doi,
            "URL": self.url,
            "ISBN": self.isbn,
        }
        out.update({k: v for k, v in simple.items() if v})
        if self.accessed is not None and self.accessed.to_csl():
            out["accessed"] = self.accessed.to_csl()
        return out


def _names(value: Any) -> tuple[Name, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Name.from_csl(n) for n in value if isinstance(n, dict))


class CitationKind(str, enum.Enum):
    AUTHOR_DATE = "author-date"
    NUMERIC = "numeric"
    KEY = "key"


@dataclass(frozen=True, slots=True)
class Citation:
    """One cite: a single work referred to from the body of the text.

    A parenthetical group such as ``(Smith, 2018; Jones, 2019)`` yields two
    citations sharing ``group``; ``[3–5]`` yields three numeric citations
    sharing the span of ``3–5``.  ``authors`` are the names as written
    (possessive ``'s`` removed), ``author_spans`` where each was written.
    """

    span: Span
    text: str
    kind: CitationKind = CitationKind.AUTHOR_DATE
    authors: tuple[str, ...] = ()
    author_spans: tuple[Span, ...] = ()
    et_al: bool = False
    date: Date | None = None
    date_span: Span | None = None
    locator: str = ""
    prefix: str = ""
    narrative: bool = False
    number: int | None = None
    key: str = ""
    group: int = 0


class State(str, enum.Enum):
    MATCHED = "matched"
    POSSIBLE = "possible"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One way a citation differs from the reference it was matched to.

    ``kind`` is one of ``misspelled``, ``given-name``, ``author-order``,
    ``author-missing`` (a co-author dropped), ``author-extra``, ``et-al``,
    ``author-unknown`` and ``date``.  ``author`` indexes the citation's
    authors when the discrepancy is about one of them; ``expected`` is what
    the reference has there.
    """

    kind: str
    expected: str = ""
    author: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """The pairing of one citation with the reference it names, if any.

    ``candidates`` lists the references that fit equally well when the match
    is ambiguous; for an unresolved citation it holds the nearest reference,
    if any is near.
    """

    citation: int  # index into the citation list
    reference: int | None  # index into the reference list
    state: State
    discrepancies: tuple[Discrepancy, ...] = ()
    candidates: tuple[int, ...] = ()


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text at ``span`` with ``replacement``."""

    span: Span
    replacement: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found: a value, never an exception.

    A finding about an entry of a bibliographic file has that entry's ``origin``; its
    ``span`` then points nowhere in the article, and it has no fix.
    """

    code: str
    rule: str
    severity: Severity
    message: str
    span: Span
    suggestion: str | None = None
    fix: tuple[Edit, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a bibliographic file, at a 1-based line; the rest still converts."""

    line: int
    message: str
