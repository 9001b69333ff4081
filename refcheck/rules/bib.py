"""Rules about a bibliography library itself (RC6xx), run by ``refcheck bib lint``: duplicates,
fields, identifiers, names, braces and escapes in .bib (and CSL-JSON) entries.

They read a LibraryContext: the library's raw entries (each field as written, with its line),
its references as ``refcheck check --bib`` reads them, and what the reader found wrong. Every
finding is placed in the library (an Origin: the field's line where there is one, else the
entry's); none carries a fix, since a library is not the article being checked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from refcheck.bib.identifiers import isbn_problem, issn_problem
from refcheck.model import Origin, Problem as ReadProblem, Reference, Severity, Span
from refcheck.rules.registry import Context, Problem, Rule, fold, rule

RULES: list[Rule] = []


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an entry: ``raw`` as written (delimiters and ``#`` included), ``value`` with
    its outer delimiters removed and ``@string`` macros expanded, and the line it starts on."""

    name: str  # lower case
    raw: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a library: its key, type (lower case) and fields, and the line it starts on.

    ``fields`` maps lower-case BibTeX field names (for CSL-JSON: the names a .bib would use,
    ``doi``, ``url``, ``isbn``…) to Fields; ``inherited`` adds those of a ``crossref`` parent."""

    key: str
    type: str
    line: int
    fields: dict[str, Field]
    inherited: dict[str, Field] = field(default_factory=dict)
    shown_type: str = ""  # the type as the library writes it, when not a .bib type (CSL-JSON)

    def get(self, name: str) -> str:
        found = self.fields.get(name)
        return found.value.strip() if found is not None else ""

    def has(self, name: str) -> bool:
        found = self.fields.get(name) or self.inherited.get(name)
        return found is not None and bool(found.value.strip())

    def line_of(self, name: str) -> int:
        found = self.fields.get(name)
        return found.line if found is not None else self.line


@dataclass(frozen=True, slots=True)
class StringDef:
    """An ``@string{name = value}`` definition and its line."""

    name: str
    raw: str
    line: int


@dataclass(frozen=True)
class Library:
    """What the RC6xx rules read about one library file.

    ``kind`` is "bibtex" or "csl-json"; ``duplicate_keys`` are (key, line) of the entries the
    reader skipped for reusing a key; ``failed`` are (line, reason) of blocks it could not read;
    ``problems`` the rest of what it reported (undefined macros, dangling crossrefs…).
    ``this_year`` is injected so the year rule is deterministic; ``key_pattern`` comes from
    ``--key-pattern``."""

    path: str
    text: str = field(repr=False)
    kind: str
    entries: tuple[Entry, ...]
    references: tuple[Reference, ...] = ()
    strings: tuple[StringDef, ...] = ()
    duplicate_keys: tuple[tuple[str, int], ...] = ()
    failed: tuple[tuple[int, str], ...] = ()
    problems: tuple[ReadProblem, ...] = ()
    this_year: int = 2100
    key_pattern: re.Pattern[str] | None = None

    @property
    def bibtex(self) -> bool:
        return self.kind == "bibtex"

    def at(self, line: int, message: str, suggestion: str | None = None,
           severity: Severity | None = None) -> Problem:
        """A problem placed in this library at ``line``."""
        return Problem(message, Span(0, 0), suggestion, (), Origin(self.path, line), severity)


@dataclass(frozen=True, kw_only=True)
class LibraryContext(Context):
    """The context of ``refcheck bib lint``: a Context over the library's references (so the
    registry's Rule, Selection and reporters apply unchanged) and the Library itself."""

    library: Library


LibraryCheck = Callable[[Library], Iterable[Problem]]


def _library_rule(code: str, name: str, severity: Severity) -> Callable[[LibraryCheck], Rule]:
    """Register a rule over a Library in RULES; it finds nothing in an article's Context."""

    def register(check: LibraryCheck) -> Rule:
        @functools.wraps(check)
        def on_context(context: Context) -> Iterable[Problem]:
            return check(context.library) if isinstance(context, LibraryContext) else ()

        return rule(code, name, severity, RULES)(on_context)

    return register


def _label(entry: Entry) -> str:
    return f"'{entry.key}'"


_BRACES = re.compile(r"[{}]")


def _plain(text: str) -> str:
    """A value without braces and with runs of white space as one space."""
    return " ".join(_BRACES.sub("", text).split())


# ---- keys and duplicates -----------------------------------------------------------------------


@_library_rule("RC601", "duplicate-key", Severity.ERROR)
def duplicate_key(library: Library) -> Iterator[Problem]:
    """Two entries with one citation key: BibTeX keeps the first and LaTeX cites only it.

    Bad:  ``@article{smith2020, …}`` twice in one file
    Good: ``@article{smith2020, …}`` and ``@article{smith2020b, …}``
    """
    first = {e.key.casefold(): e.line for e in library.entries}
    for key, line in library.duplicate_keys:
        earlier = first.get(key.casefold())
        where = f"; first used at line {earlier}" if earlier is not None else ""
        yield library.at(line, f"duplicate key '{key}'{where}", "give each entry its own key")


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_NEAR_TITLE = 95  # rapidfuzz ratio of folded titles that makes two entries one work
_NEAR_LENGTH = 20  # shorter titles are too alike by chance to compare loosely


def _doi(value: str) -> str:
    value = re.sub(r"\\([_%&#~$])", r"\1", value.strip())
    return _DOI_PREFIX.sub("", value).strip()


def _year(entry: Entry) -> str:
    year = _plain(entry.get("year"))
    if not year:
        match = re.match(r"\d{4}", _plain(entry.get("date")))
        year = match.group(0) if match else ""
    return year


@_library_rule("RC602", "duplicate-entry", Severity.WARNING)
def duplicate_entry(library: Library) -> Iterator[Problem]:
    """An entry that describes the same work as an earlier one under another key.

    The same DOI, the same title (without case, accents or punctuation) and year, or a title
    all but identical and the same year. Entries are reported, never merged:
    ``refcheck bib merge`` merges.

    Bad:  ``@article{smith2020, doi = {10.1000/xyz}}`` and ``@article{smith20, doi = {10.1000/XYZ}}``
    Good: one entry, cited under one key
    """
    from rapidfuzz import fuzz, process

    by_doi: dict[str, Entry] = {}
    by_title: dict[tuple[str, str], Entry] = {}
    titles_by_year: dict[str, list[tuple[str, Entry]]] = {}
    for entry in library.entries:
        doi = _doi(entry.get("doi")).casefold()
        title = fold(_plain(entry.get("title")))
        year = _year(entry)
        earlier: Entry | None = None
        if doi:
            earlier = by_doi.get(doi)
        if earlier is None and title:
            earlier = by_title.get((title, year))
        if earlier is None and len(title) >= _NEAR_LENGTH:
            near = titles_by_year.get(year, [])
            if near:
                found = process.extractOne(title, [t for t, _ in near], scorer=fuzz.ratio,
                                           score_cutoff=_NEAR_TITLE)
                if found is not None:
                    earlier = near[found[2]][1]
        if earlier is not None:
            message = f"{_label(entry)} is a possible duplicate of '{earlier.key}' at line {earlier.line}"
            yield library.at(entry.line, message, f"keep one of '{earlier.key}' and '{entry.key}'")
        if doi:
            by_doi.setdefault(doi, entry)
        if title:
            by_title.setdefault((title, year), entry)
            if len(title) >= _NEAR_LENGTH:
                titles_by_year.setdefault(year, []).append((title, entry))


@_library_rule("RC618", "key-off-pattern", Severity.INFO)
def key_off_pattern(library: Library) -> Iterator[Problem]:
    """A citation key that does not follow the pattern given with ``--key-pattern REGEX``.

    Only checked when a pattern is given; the whole key must match it.

    Bad:  ``@article{Smith:2020:Deep, …}`` with ``--key-pattern '[a-z]+[0-9]{4}[a-z]*'``
    Good: ``@article{smith2020, …}``
    """
    if library.key_pattern is None:
        return
    for entry in library.entries:
        if not library.key_pattern.fullmatch(entry.key):
            yield library.at(entry.line, f"key '{entry.key}' does not match {library.key_pattern.pattern!r}")


# ---- fields ----------------------------------------------------------------------------------

# Required fields by entry type, each a set of alternatives, in the BibTeX and biblatex data
# models (biblatex's journaltitle and date stand for journal and year).
_YEAR = ("year", "date")
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), _YEAR),
    "book": (("author", "editor"), ("title",), ("publisher",), _YEAR),
    "mvbook": (("author", "editor"), ("title",), ("publisher",), _YEAR),
    "inbook": (("author", "editor"), ("title",), ("chapter", "pages"), ("publisher",), _YEAR),
    "booklet": (("title",),),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), _YEAR),
    "inproceedings": (("author",), ("title",), ("booktitle",), _YEAR),
    "conference": (("author",), ("title",), ("booktitle",), _YEAR),
    "proceedings": (("title",), _YEAR),
    "manual": (("title",),),
    "phdthesis": (("author",), ("title",), ("school", "institution"), _YEAR),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), _YEAR),
    "thesis": (("author",), ("title",), ("school", "institution"), _YEAR),
    "techreport": (("author",), ("title",), ("institution",), _YEAR),
    "report": (("author",), ("title",), ("institution",), _YEAR),
    "unpublished": (("author",), ("title",), ("note",)),
    # BibTeX requires nothing of a misc; refcheck asks for where to find it.
    "misc": (("url", "howpublished", "eprint", "doi", "note"),),
    "online": (("title",), ("url", "doi", "eprint")),
    "electronic": (("title",), ("url",)),
    "www": (("title",), ("url",)),
}

# Fields an entry of a type should have, though styles cope without them.
_RECOMMENDED: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("doi",), ("volume",), ("pages", "eid")),
    "inproceedings": (("pages", "eid"),),
    "incollection": (("pages",),),
    "book": (("isbn",),),
    "online": (("urldate",),),
    # biblatex requires the type of a report or thesis; styles print well enough without it.
    "report": (("type",),),
    "thesis": (("type",),),
}


# The .bib field names the rules read → the CSL-JSON variables they stand for, for messages.
_CSL_NAMES = {"journal": "container-title", "journaltitle": "container-title", "booktitle": "container-title",
              "year": "issued", "date": "issued", "pages": "page", "eid": "page", "doi": "DOI", "url": "URL",
              "isbn": "ISBN", "issn": "ISSN", "school": "publisher", "institution": "publisher",
              "howpublished": "URL", "eprint": "URL", "urldate": "accessed", "editor": "editor"}


def _missing(entry: Entry, table: dict[str, tuple[tuple[str, ...], ...]], csl: bool) -> list[str]:
    out = []
    for alts in table.get(entry.type, ()):
        if any(entry.has(a) for a in alts):
            continue
        names = list(dict.fromkeys(_CSL_NAMES.get(a, a) for a in alts)) if csl else list(alts)
        out.append(" or ".join(names))
    return out


def _type(entry: Entry) -> str:
    return entry.shown_type or f"@{entry.type}"


@_library_rule("RC603", "missing-required-field", Severity.WARNING)
def missing_required_field(library: Library) -> Iterator[Problem]:
    """An entry without a field its type requires (BibTeX and biblatex data models).

    An article needs author, title, journal (or journaltitle) and year (or date); a book
    author or editor, title, publisher and year; an inproceedings author, title, booktitle
    and year; a thesis its school; a techreport its institution; a misc its url or
    howpublished (or an arXiv eprint, a doi or a note saying what it is). Fields inherited through ``crossref`` count.

    Bad:  ``@article{smith2020, author = {Smith, John}, title = {Tides}, year = 2020}``
    Good: ``@article{smith2020, author = {Smith, John}, title = {Tides}, journal = {Ocean}, year = 2020}``
    """
    for entry in library.entries:
        missing = _missing(entry, _REQUIRED, not library.bibtex)
        if missing:
            fields = "field" if len(missing) == 1 else "fields"
            yield library.at(entry.line, f"{_type(entry)} {_label(entry)} lacks required {fields} "
                                         f"{', '.join(missing)}")


@_library_rule("RC604", "missing-recommended-field", Severity.INFO)
def missing_recommended_field(library: Library) -> Iterator[Problem]:
    """An entry without a field its type should have, though styles cope without it.

    An article's doi, volume and pages, the pages of a paper in proceedings or a collection,
    a book's isbn, an online source's urldate, the type of a biblatex report or thesis.

    Bad:  ``@article{smith2020, …, journal = {Ocean}, year = 2020}``
    Good: ``@article{smith2020, …, volume = 4, pages = {1--9}, doi = {10.1000/xyz}}``
    """
    for entry in library.entries:
        missing = _missing(entry, _RECOMMENDED, not library.bibtex)
        if missing:
            fields = "field" if len(missing) == 1 else "fields"
            yield library.at(entry.line, f"{_type(entry)} {_label(entry)} lacks recommended {fields} "
                                         f"{', '.join(missing)}")


# ---- identifiers -----------------------------------------------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/\S+")


@_library_rule("RC605", "invalid-doi", Severity.ERROR)
def invalid_doi(library: Library) -> Iterator[Problem]:
    """A doi field that is not a DOI.

    A DOI is ``10.``, a registrant code of four to nine digits, ``/`` and a suffix without
    spaces; a ``https://doi.org/`` or ``doi:`` prefix is allowed.

    Bad:  ``doi = {10.100/xyz}``, ``doi = {https://doi.org/ 10.1000/xyz}``
    Good: ``doi = {10.1000/xyz}``
    """
    for entry in library.entries:
        raw = entry.get("doi")
        if raw and not _DOI.fullmatch(_doi(_plain(raw))):
            yield library.at(entry.line_of("doi"), f"doi '{raw}' of {_label(entry)} is not a DOI")


_LIST = re.compile(r"\s*[,;]\s*|\s+and\s+|\s{2,}")


@_library_rule("RC606", "invalid-isbn", Severity.ERROR)
def invalid_isbn(library: Library) -> Iterator[Problem]:
    """An isbn that is not an ISBN-10 or ISBN-13, or whose check digit is wrong.

    Several ISBNs may be given, separated by commas or semicolons.

    Bad:  ``isbn = {978-0-306-40615-6}``
    Good: ``isbn = {978-0-306-40615-7}``
    """
    for entry in library.entries:
        for isbn in (p for p in _LIST.split(_plain(entry.get("isbn"))) if p):
            why = isbn_problem(isbn)
            if why is not None:
                yield library.at(entry.line_of("isbn"), f"ISBN '{isbn}' of {_label(entry)} {why}")


@_library_rule("RC607", "invalid-issn", Severity.ERROR)
def invalid_issn(library: Library) -> Iterator[Problem]:
    """An issn (or eissn) that is not an ISSN, or whose check digit is wrong.

    Bad:  ``issn = {0378-5954}``
    Good: ``issn = {0378-5955}``
    """
    for entry in library.entries:
        for name in ("issn", "eissn"):
            for issn in (p for p in _LIST.split(_plain(entry.get(name))) if p):
                why = issn_problem(issn)
                if why is not None:
                    yield library.at(entry.line_of(name), f"ISSN '{issn}' of {_label(entry)} {why}")


_URL_COMMAND = re.compile(r"^\\(?:url|href)\s*\{(.*?)\}", re.DOTALL)


def _url_problem(url: str) -> str | None:
    if re.search(r"\s", url):
        return "has spaces in it"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "cannot be read as a URL"
    if parts.scheme.lower() not in ("http", "https", "ftp", "ftps"):
        return "has no http(s) scheme" if not parts.scheme else f"has the scheme '{parts.scheme}'"
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost") or host.startswith(".") or host.endswith(".."):
        return "has no host"
    return None


@_library_rule("RC608", "invalid-url", Severity.ERROR)
def invalid_url(library: Library) -> Iterator[Problem]:
    """A url that is not an absolute http(s) or ftp URL with a host, or that has spaces in it.

    The url field is read, and a ``\\url{}`` in howpublished.

    Bad:  ``url = {www.example.org/report}``, ``url = {https://exa mple.org}``
    Good: ``url = {https://www.example.org/report}``
    """
    for entry in library.entries:
        candidates = [("url", entry.get("url"))]
        how = _URL_COMMAND.match(entry.get("howpublished"))
        if how:
            candidates.append(("howpublished", how.group(1)))
        for name, value in candidates:
            url = re.sub(r"\\([_%&#~$])", r"\1", _URL_COMMAND.sub(r"\1", value.strip()))
            if not url:
                continue
            why = _url_problem(url)
            if why is not None:
                suggestion = f"https://{url}" if why == "has no http(s) scheme" and "." in url.split("/")[0] else None
                yield library.at(entry.line_of(name), f"URL '{url}' of {_label(entry)} {why}", suggestion)


_ARXIV_NEW = re.compile(r"\d{2}(0[1-9]|1[0-2])\.\d{4,5}(v\d+)?")
_ARXIV_OLD = re.compile(r"[a-z]+(-[a-z]+)*(\.[A-Z]{2})?/\d{2}(0[1-9]|1[0-2])\d{3}(v\d+)?")


def arxiv_valid(text: str) -> bool:
    """Whether ``text`` is an arXiv identifier, new (``2101.01234v2``) or old (``hep-th/9901001``)."""
    text = re.sub(r"^arxiv:", "", text.strip(), flags=re.IGNORECASE)
    return bool(_ARXIV_NEW.fullmatch(text) or _ARXIV_OLD.fullmatch(text))


@_library_rule("RC609", "invalid-arxiv-id", Severity.ERROR)
def invalid_arxiv_id(library: Library) -> Iterator[Problem]:
    """An eprint of an arXiv entry (archivePrefix or eprinttype arXiv) that is not an arXiv id.

    Bad:  ``eprint = {2101.1234}, archivePrefix = {arXiv}``
    Good: ``eprint = {2101.01234}, archivePrefix = {arXiv}``
    """
    for entry in library.entries:
        archive = _plain(entry.get("archiveprefix") or entry.get("eprinttype")).casefold()
        eprint = _plain(entry.get("eprint"))
        if archive == "arxiv" and eprint and not arxiv_valid(eprint):
            yield library.at(entry.line_of("eprint"), f"eprint '{eprint}' of {_label(entry)} is not an arXiv id")


# ---- pages, dates ----------------------------------------------------------------------------

_RANGE = re.compile(r"^(\s*)([^\s\-–—‐−]+)\s*(?:-|–|—|‐|−|\\textendash\s*|\\textemdash\s*)\s*([^\s\-–—‐−]+)(\s*)$")


@_library_rule("RC610", "page-range-dash", Severity.WARNING)
def page_range_dash(library: Library) -> Iterator[Problem]:
    """A page range in a .bib written with one hyphen or a Unicode dash instead of ``--``.

    BibTeX and biblatex turn ``--`` into the en dash of a range; one hyphen stays a hyphen.

    Bad:  ``pages = {12-34}``, ``pages = {12–34}``
    Good: ``pages = {12--34}``
    """
    if not library.bibtex:
        return
    for entry in library.entries:
        raw = entry.get("pages")
        for part in raw.split(","):
            match = _RANGE.match(part)
            if match:
                fixed = f"{match.group(2)}--{match.group(3)}"
                yield library.at(entry.line_of("pages"), f"page range '{part.strip()}' of {_label(entry)} "
                                                          f"should be written with '--'", f"pages = {{{fixed}}}")


_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _month_ok(value: str) -> bool:
    from refcheck.dates import MONTHS

    value = _plain(value).strip().rstrip(".")
    if value.isdigit():
        return 1 <= int(value) <= 12
    return value.casefold() in MONTHS or value.casefold() in _MONTH_MACROS


@_library_rule("RC611", "invalid-month", Severity.WARNING)
def invalid_month(library: Library) -> Iterator[Problem]:
    """A month that is not a month: write a macro (``jan`` … ``dec``) or a number from 1 to 12.

    Bad:  ``month = {Janury}``, ``month = 13``
    Good: ``month = jan``, ``month = 1``
    """
    from rapidfuzz import process

    names = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
             "october", "november", "december")
    for entry in library.entries:
        value = entry.get("month")
        if not value or _month_ok(value):
            continue
        suggestion = None
        found = process.extractOne(_plain(value).casefold(), names, score_cutoff=75)
        if found is not None:
            suggestion = f"month = {_MONTH_MACROS[found[2]]}"
        yield library.at(entry.line_of("month"), f"month '{value}' of {_label(entry)} is not a month", suggestion)


@_library_rule("RC612", "invalid-year", Severity.WARNING)
def invalid_year(library: Library) -> Iterator[Problem]:
    """A year that is not four digits, or later than next year (a date's year too).

    Bad:  ``year = {20}``, ``year = {2O21}``, ``year = 2099``
    Good: ``year = 2021``
    """
    for entry in library.entries:
        for name in ("year", "date"):
            raw = _plain(entry.get(name))
            if not raw:
                continue
            match = re.match(r"\d{4}(?!\d)", raw) if name == "date" else re.fullmatch(r"\d{4}", raw)
            if match is None:
                what = "a four-digit year" if name == "year" else "a date beginning with a four-digit year"
                yield library.at(entry.line_of(name), f"{name} '{raw}' of {_label(entry)} is not {what}")
            elif int(match.group(0)) > library.this_year + 1:
                yield library.at(entry.line_of(name), f"{name} '{raw}' of {_label(entry)} is in the future")


# ---- names -----------------------------------------------------------------------------------

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"})
_ROLES = ("author", "editor", "translator")


def _split_names(value: str) -> list[str]:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return [n.strip() for n in split_multiple_persons_names(value) if n.strip() and n.strip() != "others"]


def _depth0(text: str) -> str:
    """``text`` with every brace group blanked out (so its commas and capitals do not count)."""
    out, depth = [], 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        out.append(char if depth == 0 and char != "}" else " ")
    return "".join(out)


def _name_problem(name: str, comma_convention: bool) -> tuple[str, str | None] | None:
    """What looks wrong with one BibTeX name, and a suggestion."""
    from refcheck.names import is_given_name

    bare = _depth0(name)
    words = bare.split()
    if not words:
        return None  # {World Health Organization}: a literal
    commas = bare.count(",")
    parts = [p.strip() for p in bare.split(",")]
    if ";" in bare:
        return "names separated by ';': separate names with 'and'", name.replace(";", " and")
    if commas >= 2 and not (commas == 2 and parts[1].casefold() in _SUFFIXES):
        return "looks like several names separated by commas: separate names with 'and'", None
    letters = [w for w in words if any(c.isalpha() for c in w)]
    if len(letters) >= 1 and all(w.isupper() and sum(c.isalpha() for c in w) >= 2 for w in letters):
        if len(words) == 1:  # IEEE, NASA: an organisation, which braces keep whole
            return "is all in capitals: an organisation's name goes in braces", f"{{{name}}}"
        return "is all in capitals", " ".join(w if len(w) <= 1 else w.capitalize() for w in name.split())
    if commas == 1:
        family = parts[0].split()
        if len(family) == 1 and re.fullmatch(r"[A-Z]\.?", family[0]):
            return f"has the initial '{family[0]}' as its family name", None
        return None
    if len(words) >= 2 and re.fullmatch(r"[A-Z]\.?", words[-1]) and not all(len(w.rstrip(".")) == 1 for w in words):
        return f"has the initial '{words[-1]}' as its family name", f"{' '.join(words[:-1])} {words[-1]}"
    if len(words) == 2 and re.fullmatch(r"[A-Z]{1,3}", words[1]) and words[0][0].isupper() and len(words[0]) > 3:
        return "looks inverted (family name, then initials, without a comma)", f"{words[0]}, {words[1]}"
    if comma_convention and len(words) == 2 and is_given_name(words[1]) and not is_given_name(words[0]):
        return ("looks inverted: written without a comma where the library writes 'Family, Given'",
                f"{words[0]}, {words[1]}")
    return None


@_library_rule("RC613", "mangled-name", Severity.WARNING)
def mangled_name(library: Library) -> Iterator[Problem]:
    """A person's name in author or editor that looks inverted or mangled.

    ``Smith John`` without a comma where two in three names of the library are written
    ``Family, Given``; ``Smith JA``; a lone initial as family name; several names separated
    by commas or ``;`` instead of ``and``; a name all in capitals. Braced names
    (``{World Health Organization}``) are left alone.

    Bad:  ``author = {Smith, John, Doe, Jane}``, ``author = {SMITH, JOHN}``
    Good: ``author = {Smith, John and Doe, Jane}``
    """
    if not library.bibtex:
        return
    written: list[tuple[Entry, str, str]] = []
    for entry in library.entries:
        for role in _ROLES:
            for name in _split_names(entry.get(role)):
                written.append((entry, role, name))
    people = [n for _, _, n in written if len(_depth0(n).split()) >= 2]
    with_comma = sum(1 for n in people if "," in _depth0(n))
    convention = len(people) >= 5 and with_comma * 3 >= len(people) * 2  # two in three
    for entry, role, name in written:
        found = _name_problem(name, convention)
        if found is not None:
            why, suggestion = found
            yield library.at(entry.line_of(role), f"{role} '{name}' of {_label(entry)} {why}", suggestion)


# ---- BibTeX syntax ---------------------------------------------------------------------------


@_library_rule("RC614", "unbalanced-braces", Severity.ERROR)
def unbalanced_braces(library: Library) -> Iterator[Problem]:
    """An entry that cannot be read, most often for an unbalanced brace or quote.

    BibTeX skips such an entry, and may swallow the entries after it.

    Bad:  ``title = {The {DNA of tides},``
    Good: ``title = {The {DNA} of tides},``
    """
    for line, reason in library.failed:
        yield library.at(line, f"entry cannot be read: {reason}")


@_library_rule("RC619", "library-problem", Severity.WARNING)
def library_problem(library: Library) -> Iterator[Problem]:
    """Something else the reader of the library found wrong.

    A macro that is not a defined ``@string``, a crossref to no entry, an unknown entry
    type, a urldate that is not a date.

    Bad:  ``journal = jnl`` with no ``@string{jnl = …}``
    Good: ``@string{jnl = {Journal of Tides}}`` before it
    """
    for problem in library.problems:
        yield library.at(problem.line, problem.message)


# Fields whose value is verbatim (a URL, a path, an identifier): their characters are not TeX.
_VERBATIM = frozenset({"abstract", "url", "doi", "eprint", "file", "pdf", "urldate", "howpublished", "isbn", "issn",
                       "eissn", "archiveprefix", "eprinttype", "eprintclass", "primaryclass", "keywords",
                       "ids", "crossref", "date", "year", "month", "bdsk-url-1", "bdsk-url-2", "verba",
                       "verbb", "verbc", "pmid", "pmcid", "mrnumber"})
_SPECIAL = re.compile(r"(?<!\\)[&%#_]")


def _outside_math(text: str) -> str:
    """``text`` with ``$…$`` blanked out, where ``_`` is a subscript."""
    return re.sub(r"\$[^$]*\$", lambda m: " " * len(m.group(0)), text)


@_library_rule("RC615", "unescaped-character", Severity.WARNING)
def unescaped_character(library: Library) -> Iterator[Problem]:
    """``&``, ``%``, ``#`` or ``_`` unescaped in a text field of a .bib.

    In a title, journal, publisher, note… LaTeX stops with an error or, for ``%``, drops the
    rest of the line. Verbatim fields (url, doi, file…) and math (``$x_1$``) are left alone.

    Bad:  ``journal = {Journal of Tides & Waves}``
    Good: ``journal = {Journal of Tides \\& Waves}``
    """
    if not library.bibtex:
        return
    for entry in library.entries:
        for name, fld in entry.fields.items():
            if name in _VERBATIM:
                continue
            found = sorted({m.group(0) for m in _SPECIAL.finditer(_outside_math(fld.value))})
            if found:
                chars = ", ".join(f"'{c}'" for c in found)
                escaped = ", ".join(f"'\\{c}'" for c in found)
                yield library.at(fld.line, f"unescaped {chars} in {name} of {_label(entry)}", f"write {escaped}")


_WORD = re.compile(r"(?<![\\\w])([^\W\d_][\w'’-]*)")
_ACRONYM = re.compile(r"[A-Z0-9-]*[A-Z][A-Z0-9-]*[A-Z][\w-]*|[A-Z][A-Z0-9]*[0-9][\w-]*")
_INNER_CAPITAL = re.compile(r"[a-z]+[A-Z][\w-]*|[A-Z][a-z]+[A-Z][\w-]*")
_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or the to via with vs".split())


def _unprotected(title: str) -> list[tuple[int, int]]:
    """The spans of the words of a title, outside braces, that a BibTeX style would lower-case
    though they should keep their capitals: acronyms, words with inner capitals, and (in a
    sentence-case title) capitalised words that do not begin the title or a sentence or clause."""
    bare = _depth0(title)
    words = [(m.start(1), m.end(1), m.group(1)) for m in _WORD.finditer(bare)]
    if not words:
        return []
    # Sentence case when at least half the longer words after the first are in lower case
    # (acronyms and words like mRNA say nothing either way).
    long_words = [w for _, _, w in words[1:] if len(w) > 3 and w.casefold() not in _SMALL_WORDS
                  and not (_ACRONYM.fullmatch(w) or _INNER_CAPITAL.fullmatch(w))]
    sentence_case = bool(long_words) and sum(1 for w in long_words if w[0].islower()) * 2 >= len(long_words)
    found = []
    for index, (start, end, word) in enumerate(words):
        if _ACRONYM.fullmatch(word) or _INNER_CAPITAL.fullmatch(word):
            found.append((start, end))
        elif sentence_case and index > 0 and len(word) > 1 and word[0].isupper():
            before = bare[: start].rstrip()
            if not before.endswith((":", ".", "?", "!", "—", "–")) and not before.endswith("--"):
                found.append((start, end))
    return found


@_library_rule("RC616", "unprotected-capitals", Severity.INFO)
def unprotected_capitals(library: Library) -> Iterator[Problem]:
    """Capitals in a title that BibTeX styles will lower-case, not protected by braces.

    Acronyms (``DNA``, ``COVID-19``), words with inner capitals (``mRNA``, ``LaTeX``) and,
    in a title written in sentence case, proper nouns (``Bayesian``).

    Bad:  ``title = {Sequencing DNA with Bayesian methods}``
    Good: ``title = {Sequencing {DNA} with {Bayesian} methods}``
    """
    if not library.bibtex:
        return
    for entry in library.entries:
        fld = entry.fields.get("title")
        if fld is None:
            continue
        spans = _unprotected(fld.value)
        if not spans:
            continue
        words = ", ".join(f"'{fld.value[s:e]}'" for s, e in spans)
        protected = fld.value
        for start, end in reversed(spans):
            protected = f"{protected[:start]}{{{protected[start:end]}}}{protected[end:]}"
        yield library.at(fld.line, f"title of {_label(entry)} has capitals a style will lower-case: {words}",
                         f"title = {{{protected}}}")


def _macros(raw: str) -> Iterator[str]:
    """The bare words (macro names) of a raw value, outside braces and quotes."""
    from refcheck.convert.bibtex import value_pieces

    for piece in value_pieces(raw):
        if piece and piece[0] not in "{\"" and not piece.isdigit():
            yield piece.casefold()


@_library_rule("RC617", "unused-string", Severity.INFO)
def unused_string(library: Library) -> Iterator[Problem]:
    """An ``@string`` macro that no entry (and no other ``@string``) uses.

    Bad:  ``@string{jnl = {Journal of Tides}}`` and no ``journal = jnl``
    Good: ``@string{jnl = {Journal of Tides}}`` and ``journal = jnl``
    """
    used: set[str] = set()
    for entry in library.entries:
        for fld in entry.fields.values():
            used.update(_macros(fld.raw))
    for string in library.strings:
        used.update(_macros(string.raw))
    for string in library.strings:
        if string.name.casefold() not in used:
            yield library.at(string.line, f"@string '{string.name}' is not used")


# ---- reading a library -----------------------------------------------------------------------


def _strip_value(raw: str, strings: dict[str, str]) -> str:
    """A raw value without its delimiters, macros expanded (the reader's own expansion)."""
    from refcheck.convert.bibtex import expand_macros  # the one expansion .bib values get

    return expand_macros(raw, strings, [])


def bibtex_library(path: str, text: str, references: Sequence[Reference] = (),
                   problems: Sequence[ReadProblem] = (), this_year: int = 2100,
                   key_pattern: re.Pattern[str] | None = None) -> Library:
    """The Library of a .bib file's ``text``: raw entries read with bibtexparser (values as
    written), with the ``references`` and ``problems`` refcheck.sources read from it."""
    import logging

    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry as BibEntry, ParsingFailedBlock, String

    from refcheck.convert.bibtex import problem_text

    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    parsed = parse_string(text, parse_stack=[])
    strings = {b.key.lower(): str(b.value) for b in parsed.blocks if isinstance(b, String)}
    entries: list[Entry] = []
    defs: list[StringDef] = []
    duplicates: list[tuple[str, int]] = []
    failed: list[tuple[int, str]] = []
    for block in parsed.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            duplicates.append((block.key, line))
        elif isinstance(block, ParsingFailedBlock):
            failed.append((line, problem_text(block.error)))
        elif isinstance(block, String):
            defs.append(StringDef(block.key, str(block.value), line))
        elif isinstance(block, BibEntry):
            fields = {}
            for f in block.fields:
                raw = str(f.value)
                fields[f.key.lower()] = Field(f.key.lower(), raw, _strip_value(raw, strings),
                                              (f.start_line if f.start_line is not None else line - 1) + 1)
            entries.append(Entry(block.key, block.entry_type.lower(), line, fields))
    by_key = {e.key.casefold(): e for e in entries}
    linked = []
    for entry in entries:
        parent = by_key.get(entry.get("crossref").casefold()) if entry.get("crossref") else None
        if parent is not None:
            inherited = dict(parent.fields)
            if "title" in parent.fields:
                inherited.setdefault("booktitle", parent.fields["title"])
            entry = Entry(entry.key, entry.type, entry.line, entry.fields, inherited)
        linked.append(entry)
    # Duplicate keys, unreadable entries and names that cannot be split have rules of their own.
    others = tuple(p for p in problems if not p.message.startswith(("duplicate key ", "cannot split the name "))
                   and " cannot be read: " not in p.message)
    return Library(path, text, "bibtex", tuple(linked), tuple(references), tuple(defs), tuple(duplicates),
                   tuple(failed), others, this_year, key_pattern)


# CSL-JSON variables → the .bib field names the rules read.
_CSL_FIELDS = {"DOI": "doi", "ISBN": "isbn", "ISSN": "issn", "URL": "url", "title": "title",
               "container-title": "journal", "publisher": "publisher", "page": "pages", "volume": "volume"}
# CSL types → the .bib type whose required fields apply.
_CSL_TYPES = {"article-journal": "article", "book": "book", "chapter": "incollection",
              "paper-conference": "inproceedings", "thesis": "thesis_csl", "report": "techreport_csl",
              "webpage": "online"}
# A CSL thesis or report names its university or institution as publisher.
_REQUIRED["thesis_csl"] = (("author",), ("title",), ("publisher",), _YEAR)
_REQUIRED["techreport_csl"] = (("author",), ("title",), ("publisher",), _YEAR)


def csl_library(path: str, text: str, items: Sequence[tuple[dict[str, object], int]],
                references: Sequence[Reference] = (), problems: Sequence[ReadProblem] = (),
                this_year: int = 2100, key_pattern: re.Pattern[str] | None = None) -> Library:
    """The Library of a CSL-JSON file: its items (with the line each starts on) as entries with
    .bib field names, so that the rules that apply to any library (duplicates, identifiers,
    required fields, years) read them too."""
    entries = []
    seen: dict[str, int] = {}
    duplicates = []
    lines = text.splitlines()
    starts = [line for _, line in items] + [len(lines) + 1]

    def line_of(name: str, start: int, end: int) -> int:
        """The line of the item's ``"name":`` (an item spans lines start to end - 1)."""
        quoted = f'"{name}"'
        return next((n for n in range(start, end) if quoted in lines[n - 1]), start)

    for (item, line), end in zip(items, starts[1:]):
        key = str(item.get("id", "") or item.get("citation-key", ""))
        if key.casefold() in seen:
            duplicates.append((key, line))
            continue
        seen[key.casefold()] = line
        fields: dict[str, Field] = {}
        for csl, bib in _CSL_FIELDS.items():
            value = item.get(csl)
            if isinstance(value, (str, int)) and str(value).strip():
                fields[bib] = Field(bib, str(value), str(value), line_of(csl, line, end))
        for role in _ROLES:
            value = item.get(role)
            if isinstance(value, list) and value:
                fields[role] = Field(role, "", f"{len(value)} names", line)
        issued = item.get("issued")
        if isinstance(issued, dict):
            parts = issued.get("date-parts")
            if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
                fields["year"] = Field("year", str(parts[0][0]), str(parts[0][0]), line_of("issued", line, end))
            elif isinstance(issued.get("literal"), str):
                literal = str(issued["literal"])
                fields["date"] = Field("date", literal, literal, line_of("issued", line, end))
        csl_type = str(item.get("type", ""))
        entries.append(Entry(key, _CSL_TYPES.get(csl_type, csl_type), line, fields, shown_type=f"'{csl_type}'"))
    return Library(path, text, "csl-json", tuple(entries), tuple(references), (), tuple(duplicates), (),
                   tuple(problems), this_year, key_pattern)

