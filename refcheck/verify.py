"""Does each reference exist, and are its metadata right? Lookups in Crossref and OpenAlex.

How a reference is looked up
----------------------------
* With a DOI: Crossref ``/works/{doi}``; when Crossref does not know it (404), OpenAlex
  ``/works/doi:{doi}``. The record found is compared with the entry: FOUND, or MISMATCH
  when its title, authors or year differ beyond the tolerances below. When neither knows
  the DOI (the link check reports a dead DOI), the entry is searched for as if it had none.
* Without a DOI: a Crossref bibliographic query (title, first author's family name, year),
  five candidates; when none is a match, an OpenAlex search on the title, five more.
* Not looked up (UNCHECKED): an entry without a title of two words or more, or without
  both authors and year (a bare URL, a stray line), and web pages, news, software, laws and
  the like, which neither index lists.

How a candidate is scored
-------------------------
Four agreements, each from 0 to 1, and None when either side lacks the field:

* title: rapidfuzz's normalised Indel similarity of the titles folded (case, accents,
  punctuation, HTML and MathML tags, a "RETRACTED:" prefix dropped); a subtitle present on
  one side only is compared without it, and a title cut short (truncated, or ending in
  "…") against the same length of the other; those two ways count 0.95 of their similarity.
* authors: the share of the entry's first five family names that the record lists, folded
  (particles and hyphens dropped) and allowing one typo (two in names of nine letters or
  more); an "et al." list is judged by the names it gives.
* year: 1 for the same year as any the record gives (issued, print, online), 0.5 one year
  off (online-first against print), else 0.
* container: 1 when one name abbreviates the other ("J. Mar. Ecol."), else their similarity.

``score = (0.55·title + 0.25·authors + 0.12·year + 0.08·container) / (the weights present)``.
The score orders candidates and is reported; the verdict comes from the gates below, which
put precision first: a real entry in a messy format must not come out NOT_FOUND, and an
invented one must never be FOUND under another work's DOI.

* a match (FOUND) needs the year within one (or unknown) and either
  title ≥ 0.85 with authors ≥ 0.5, or title ≥ 0.80 with every name and the exact year
  agreeing, or title ≥ 0.95 with the exact year when one side names no authors;
* not this work: title < 0.60; or no author in common and title < 0.93; or no authors to
  compare (a notice, an editorial) and title < 0.85; or the year two or more off with
  fewer than half the authors;
* anything else is the grey zone: the entry comes out UNCHECKED with the nearest record and
  its score, and nothing is reported.

NOT_FOUND means every search answered and no candidate was even in the grey zone; for
books, theses, reports and entries of unknown type, which the indexes list patchily, that
is UNCHECKED too. A failed request (refused, timed out, 5xx, 429 after the retries) gives
UNCHECKED, never NOT_FOUND.

By DOI, the record is MISMATCH when the title similarity is below 0.65 (for a chapter, its
book's title counts too), when no author is in common, or when the year is two or more off
every year the record gives; ``mismatches`` names each field.

A work is retracted when Crossref's ``updated-by`` has a retraction, partial retraction,
withdrawal or removal (the publisher's notice, or Retraction Watch's), when its
``update-to`` has one pointing at the record's own DOI (the notice put in the article's
place), when its title starts "RETRACTED:" or "WITHDRAWN:", or when OpenAlex says
``is_retracted``.
"""

from __future__ import annotations

import asyncio
import enum
import html
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode

from refcheck.model import Name, Reference
from refcheck.names import name_key

if TYPE_CHECKING:
    from refcheck.links import Fetcher


class Outcome(enum.Enum):
    FOUND = "found"  # a confident match
    NOT_FOUND = "not-found"  # every lookup answered; no candidate anywhere near
    MISMATCH = "mismatch"  # the reference's DOI resolves to a work that differs from it
    # Nothing to say: a lookup failed (network, server error), the entry is too thin or of a
    # kind neither index lists, or the nearest record is neither clearly it nor clearly not.
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class Work:
    """A candidate record from Crossref or OpenAlex, reduced to what is compared."""

    source: str  # "crossref" or "openalex"
    title: str
    families: tuple[str, ...]  # the authors' family names (or organisations), in order
    year: int | None
    container: str
    doi: str
    retraction: str = ""  # the notice, when the record says the work is retracted or withdrawn
    years: tuple[int, ...] = ()  # every year the record gives: issued, print, online


@dataclass(frozen=True, slots=True)
class Verification:
    """What the lookups said about one reference (``reference`` indexes the checked list)."""

    reference: int
    outcome: Outcome
    work: Work | None = None
    score: float = 0.0
    mismatches: tuple[tuple[str, str, str], ...] = ()  # (field, ours, theirs)
    detail: str = ""


class Cache(Protocol):
    """Where lookups are kept between runs (refcheck.netcache): JSON-able values by kind and key.

    ``ok`` is False for an answer that says "not found", which a cache may keep less long."""

    def get(self, kind: str, key: str) -> Any | None: ...

    def put(self, kind: str, key: str, value: Any, ok: bool) -> None: ...


# ---------------------------------------------------------------- thresholds

WEIGHTS = {"title": 0.55, "authors": 0.25, "year": 0.12, "container": 0.08}
SURE_TITLE = 0.85  # a match, with half the authors or more
LOOSE_TITLE = 0.80  # a match, with every author and the exact year
LONE_TITLE = 0.95  # a match on title and exact year when one side names no authors
NEAR_TITLE = 0.60  # below: not this work
SAME_TITLE = 0.93  # at or above, no author in common is the grey zone, not "not this work"
DOI_TITLE = 0.65  # below: the DOI's record has another title
SURE_AUTHORS = 0.5
_SHORTCUT = 0.95  # what a comparison without the subtitle, or of a cut title, is worth

# Kinds of work neither index lists: not looked up without a DOI.
_UNLISTED = frozenset({
    "webpage", "post", "post-weblog", "article-newspaper", "article-magazine", "software",
    "legislation", "legal_case", "bill", "regulation", "treaty", "interview", "personal_communication",
    "broadcast", "motion_picture", "song", "map", "speech", "patent", "graphic", "musical_score",
})
# Kinds both index well: only these (and entries with a DOI) may come out NOT_FOUND.
_LISTED = frozenset({"article-journal", "article", "paper-conference", "chapter", "review", "review-book"})

HEADERS = {"Accept": "application/json", "Accept-Encoding": "identity"}
MAX_JSON = 2 * 1024 * 1024  # a Crossref record with its reference list runs to a few hundred kB
MAX_HOPS = 3


# ---------------------------------------------------------------- comparing

_TAG = re.compile(r"<[^<>]{0,300}>")
_NON_WORD = re.compile(r"[\W_]+")
_RETRACTED_TITLE = re.compile(r"^\s*(retracted(?:\s+article)?|withdrawn)\s*[:.–—-]\s*", re.IGNORECASE)
_SUBTITLE = re.compile(r"\s*(?::|\?|!|\s[-–—]\s|\.\s)\s*")
_CUT = re.compile(r"\s*(?:\.\.\.|…)\s*$")
_TRAILING_NOTE = re.compile(r"\s*\[[^\[\]]{1,40}\]\s*$")  # "[Internet]", "[PhD thesis]"
_CONTAINER_NOISE = re.compile(r"^(?:in|the)\s+")
_STOP = frozenset({"of", "the", "and", "for", "in", "on", "a", "an", "de", "la", "le", "der", "und", "fur"})


def clean(text: str) -> str:
    """A title or name as text: markup tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def fold(text: str) -> str:
    """Text compared without markup, case, accents or punctuation ("&" is "and")."""
    folded = clean(text).replace("&", " and ").casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", folded).split())


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b)) / 100.0


def _main_title(text: str) -> str:
    """The title before its subtitle, or "" when it has none (or too short a main part)."""
    parts = _SUBTITLE.split(text, maxsplit=1)
    if len(parts) < 2 or not parts[1].strip():
        return ""
    main = fold(parts[0])
    return main if len(main) >= 12 and " " in main else ""


def title_similarity(ours: str, theirs: str) -> float:
    """How alike two titles are, 0 to 1 (see the module's documentation)."""
    ours = _TRAILING_NOTE.sub("", _RETRACTED_TITLE.sub("", clean(ours)))
    theirs = _TRAILING_NOTE.sub("", _RETRACTED_TITLE.sub("", clean(theirs)))
    cut = bool(_CUT.search(ours) or _CUT.search(theirs))
    a, b = fold(_CUT.sub("", ours)), fold(_CUT.sub("", theirs))
    if not a or not b:
        return 0.0
    best = _ratio(a, b)
    for with_subtitle, without in ((ours, b), (theirs, a)):
        main = _main_title(with_subtitle)
        if main:
            best = max(best, _SHORTCUT * _ratio(main, without))
    short, long = sorted((a, b), key=len)
    if (cut or len(short) >= 20) and len(short) >= 0.4 * len(long):
        best = max(best, _SHORTCUT * _ratio(short, long[: len(short)]))
    return best


def _same_family(a: str, b: str) -> bool:
    """Whether two family-name keys are one name: equal, one part of a compound or particle
    form of the other ("meulen", "vandermeulen"), or one typo apart (two in long names)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and (long.startswith(short) or long.endswith(short)):
        return True
    if len(short) < 5:
        return False
    from rapidfuzz.distance import OSA

    return int(OSA.distance(a, b)) <= (2 if len(short) >= 9 else 1)


def _our_names(reference: Reference) -> tuple[Name, ...]:
    return reference.authors or reference.editors


def author_overlap(ours: Sequence[Name], theirs: Sequence[str]) -> float | None:
    """The share of our first five names the record lists; None when either side has none."""
    named = [n for n in ours if name_key(n.literal or n.family)][:5]
    their_keys = [k for k in (name_key(t) for t in theirs) if k]
    if not named or not their_keys:
        return None
    found = 0
    for name in named:
        keys = [name_key(name.literal or name.family)]
        given = name_key(name.given)
        if len(given) >= 3 and not name.literal:
            keys.append(given)  # a name read the wrong way round ("Okonkwo Adaeze")
        if any(_same_family(k, t) for k in keys for t in their_keys):
            found += 1
    return found / len(named)


def year_agreement(ours: int | None, theirs: Sequence[int]) -> float | None:
    if ours is None or not theirs:
        return None
    off = min(abs(ours - y) for y in theirs)
    return 1.0 if off == 0 else 0.5 if off == 1 else 0.0


def _abbreviates(short: str, long: str) -> bool:
    s = [w for w in short.split() if w not in _STOP]
    w = [w for w in long.split() if w not in _STOP]
    return bool(s) and len(s) == len(w) and all(lw.startswith(sw) for sw, lw in zip(s, w))


def container_agreement(ours: str, theirs: str) -> float | None:
    a, b = _CONTAINER_NOISE.sub("", fold(ours)), _CONTAINER_NOISE.sub("", fold(theirs))
    if not a or not b:
        return None
    if _abbreviates(a, b) or _abbreviates(b, a):
        return 1.0
    return _ratio(a, b)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How far one record agrees with one entry, field by field (None: not comparable)."""

    title: float | None
    authors: float | None
    year: float | None
    container: float | None

    @property
    def score(self) -> float:
        parts = {"title": self.title, "authors": self.authors, "year": self.year, "container": self.container}
        present = {k: v for k, v in parts.items() if v is not None}
        if not present:
            return 0.0
        return round(sum(WEIGHTS[k] * v for k, v in present.items()) / sum(WEIGHTS[k] for k in present), 3)

    def verdict(self) -> str:
        """"match", "grey" or "no" (see the module's documentation)."""
        t, a, y = self.title or 0.0, self.authors, self.year
        if t < NEAR_TITLE:
            return "no"
        if a == 0.0 and t < SAME_TITLE:
            return "no"
        if a is None and t < SURE_TITLE:  # only the title to go by, and it is not close
            return "no"
        if y == 0.0 and (a is None or a < SURE_AUTHORS):
            return "no"
        if y != 0.0:
            if a is not None and a >= SURE_AUTHORS and t >= SURE_TITLE:
                return "match"
            if a is not None and a >= 0.999 and y == 1.0 and t >= LOOSE_TITLE:
                return "match"
            if a is None and y == 1.0 and t >= LONE_TITLE:
                return "match"
        return "grey"


def agreement(reference: Reference, work: Work) -> Agreement:
    """How ``work`` agrees with ``reference``."""
    title = title_similarity(reference.title, work.title) if reference.title and work.title else None
    year = reference.issued.year if reference.issued is not None else None
    return Agreement(
        title,
        author_overlap(_our_names(reference), work.families),
        year_agreement(year, work.years or ((work.year,) if work.year is not None else ())),
        container_agreement(reference.container_title, work.container),
    )


def _names_shown(names: Sequence[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (" et al." if len(names) > 3 else "")


def mismatches(reference: Reference, work: Work, found: Agreement) -> tuple[tuple[str, str, str], ...]:
    """The fields in which the record of the entry's DOI differs from the entry beyond tolerance."""
    out: list[tuple[str, str, str]] = []
    if found.title is not None and found.title < DOI_TITLE:
        # A chapter may carry its book's DOI.
        book = title_similarity(reference.container_title, work.title) if reference.container_title else 0.0
        if book < SURE_TITLE:
            out.append(("title", reference.title, work.title))
    if found.authors == 0.0:
        ours = [n.literal or (f"{n.particle} {n.family}" if n.particle else n.family) for n in _our_names(reference)]
        out.append(("author", _names_shown(ours), _names_shown(list(work.families))))
    if found.year == 0.0 and reference.issued is not None:
        theirs = "/".join(str(y) for y in sorted(set(work.years))) if work.years else str(work.year)
        out.append(("year", str(reference.issued.year), theirs))
    return tuple(out)


# ---------------------------------------------------------------- records


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return clean(value) if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _year_of(value: Any) -> int | None:
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = parts[0][0]
        if isinstance(first, int) and 0 < first < 3000:
            return first
        if isinstance(first, str) and first.isdigit():
            return int(first)
    return None


_NOTICE_WORDS = {"retraction": "retracted", "partial_retraction": "partially retracted",
                 "withdrawal": "withdrawn", "removal": "removed"}


def _crossref_retraction(item: dict[str, Any], doi: str, title: str) -> str:
    for entry in _list(item.get("updated-by")):
        if not isinstance(entry, dict):
            continue
        word = _NOTICE_WORDS.get(str(entry.get("type", "")).casefold().replace("-", "_"))
        if word:
            notice = _text(entry.get("DOI"))
            if notice and notice.casefold() != doi.casefold():
                return f"{word} (notice {notice})"
            source = "Retraction Watch" if entry.get("source") == "retraction-watch" else "Crossref"
            return f"{word} ({source})"
    for entry in _list(item.get("update-to")):
        # A notice put in place of the article, under the article's own DOI.
        if isinstance(entry, dict) and _text(entry.get("DOI")).casefold() == doi.casefold():
            word = _NOTICE_WORDS.get(str(entry.get("type", "")).casefold().replace("-", "_"))
            if word:
                return f"{word} (the DOI now holds the notice)"
    marked = _RETRACTED_TITLE.match(title)
    if marked:
        word = "withdrawn" if marked.group(1).casefold() == "withdrawn" else "retracted"
        return f"{word} (so marked in its title)"
    return ""


def crossref_work(item: dict[str, Any]) -> Work:
    """The Work of a Crossref ``work`` message (or search item)."""
    title = _text(item.get("title"))
    subtitle = _text(item.get("subtitle"))
    if subtitle and fold(subtitle) not in fold(title):
        title = f"{title}: {subtitle}" if title else subtitle
    people = _list(item.get("author")) or _list(item.get("editor"))
    families = tuple(
        f for f in (_text(p.get("family")) or _text(p.get("name")) for p in people if isinstance(p, dict)) if f
    )
    years: list[int] = []
    for key in ("issued", "published", "published-print", "published-online"):
        year = _year_of(item.get(key))
        if year is not None and year not in years:
            years.append(year)
    doi = _text(item.get("DOI"))
    return Work(
        source="crossref",
        title=title,
        families=families,
        year=years[0] if years else None,
        container=_text(item.get("container-title")) or _text(item.get("short-container-title")),
        doi=doi,
        retraction=_crossref_retraction(item, doi, title),
        years=tuple(years),
    )


_SUFFIX_WORDS = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def _family_of(display: str) -> str:
    """The family name in a display name ("Ada Okonkwo", "Okonkwo, Ada"): the last word."""
    if "," in display:
        return display.split(",", 1)[0].strip()
    words = [w for w in display.split() if w.casefold().rstrip(",") not in _SUFFIX_WORDS]
    return words[-1] if words else ""


def openalex_work(item: dict[str, Any]) -> Work:
    """The Work of an OpenAlex work object."""
    families = []
    for authorship in _list(item.get("authorships")):
        author = authorship.get("author") if isinstance(authorship, dict) else None
        name = _text(author.get("display_name")) if isinstance(author, dict) else ""
        name = name or (_text(authorship.get("raw_author_name")) if isinstance(authorship, dict) else "")
        family = _family_of(name)
        if family:
            families.append(family)
    year = item.get("publication_year")
    year = year if isinstance(year, int) else None
    location = item.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    container = _text(source.get("display_name")) if isinstance(source, dict) else ""
    doi = _text(item.get("doi"))
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/"):
        if doi.casefold().startswith(prefix):
            doi = doi[len(prefix):]
    return Work(
        source="openalex",
        title=_text(item.get("title")) or _text(item.get("display_name")),
        families=tuple(families),
        year=year,
        container=container,
        doi=doi,
        retraction="retracted (OpenAlex)" if item.get("is_retracted") is True else "",
        years=(year,) if year is not None else (),
    )


_CROSSREF_KEYS = ("DOI", "title", "subtitle", "type", "container-title", "short-container-title", "issued",
                  "published", "published-print", "published-online", "update-to", "updated-by", "relation")


def _slim_crossref(item: dict[str, Any]) -> dict[str, Any]:
    """What a Crossref record is kept for: the compared fields, not its reference list."""
    slim: dict[str, Any] = {k: item[k] for k in _CROSSREF_KEYS if k in item}
    for role in ("author", "editor"):
        people = item.get(role)
        if isinstance(people, list):
            slim[role] = [{k: p[k] for k in ("given", "family", "name") if k in p}
                          for p in people if isinstance(p, dict)]
    return slim


def _slim_openalex(item: dict[str, Any]) -> dict[str, Any]:
    slim: dict[str, Any] = {k: item[k] for k in ("id", "doi", "title", "display_name", "publication_year", "type",
                                 "is_retracted") if k in item}
    authorships = item.get("authorships")
    if isinstance(authorships, list):
        slim["authorships"] = [
            {"author": {"display_name": (a.get("author") or {}).get("display_name")},
             "raw_author_name": a.get("raw_author_name")}
            for a in authorships if isinstance(a, dict)
        ]
    location = item.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict):
        slim["primary_location"] = {"source": {"display_name": source.get("display_name")}}
    return slim


def _crossref_items(data: Any) -> list[dict[str, Any]] | None:
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        return None
    if isinstance(message.get("items"), list):
        return [_slim_crossref(i) for i in message["items"] if isinstance(i, dict)]
    return [_slim_crossref(message)]


def _openalex_items(data: Any) -> list[dict[str, Any]] | None:
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("results"), list):
        return [_slim_openalex(i) for i in data["results"] if isinstance(i, dict)]
    if "id" in data or "display_name" in data:
        return [_slim_openalex(data)]
    return None


# ---------------------------------------------------------------- looking up


@dataclass(frozen=True, slots=True)
class _Reply:
    """One lookup's answer: "ok" with records, "missing" (404), or "failed" with why."""

    state: str
    items: tuple[dict[str, Any], ...] = ()
    detail: str = ""


def _searchable(reference: Reference) -> bool:
    """Whether an entry says enough to search for: a title of two words or more (not a web
    address), and authors or a year."""
    folded = fold(reference.title)
    if len(folded) < 8 or len(folded.split()) < 2 or re.search(r"https?:|www\.", reference.title):
        return False
    return bool(_our_names(reference)) or (reference.issued is not None and reference.issued.year is not None)


def _shown(work: Work) -> str:
    title = work.title if len(work.title) <= 70 else work.title[:69] + "…"
    return f"‘{title}’" + (f" ({work.doi})" if work.doi else "")


class _Lookups:
    def __init__(self, fetcher: Fetcher, crossref_url: str, openalex_url: str, mailto: str | None,
                 cache: Cache | None) -> None:
        self.fetcher = fetcher
        self.crossref_url = crossref_url.rstrip("/")
        self.openalex_url = openalex_url.rstrip("/")
        self.mailto = mailto
        self.cache = cache
        self.pending: dict[str, asyncio.Task[_Reply]] = {}

    # -- requests

    async def _get(self, kind: str, base: str, path: str, params: dict[str, str]) -> _Reply:
        """GET ``base + path`` with ``params`` (and mailto), through the cache; one request for
        lookups made twice at once. The cache key is the URL without mailto."""
        key = base + path + ("?" + urlencode(params, quote_via=quote) if params else "")
        if self.cache is not None:
            kept = self.cache.get(kind, key)
            if isinstance(kept, dict) and kept.get("status") == 200 and isinstance(kept.get("items"), list):
                return _Reply("ok", tuple(kept["items"]))
            if isinstance(kept, dict) and kept.get("status") == 404:
                return _Reply("missing")
        if key not in self.pending:
            url = key
            if self.mailto:
                url += ("&" if params else "?") + urlencode({"mailto": self.mailto}, quote_via=quote)
            self.pending[key] = asyncio.ensure_future(self._request(kind, key, url))
        return await self.pending[key]

    async def _request(self, kind: str, key: str, url: str) -> _Reply:
        answer = await self.fetcher.follow(url, max_body=MAX_JSON, headers=HEADERS, hops=MAX_HOPS)
        if answer.status is None:
            why = answer.failure.value if answer.failure is not None else "error"
            return _Reply("failed", detail=f"{kind}: {why}" + (f" ({answer.detail})" if answer.detail else ""))
        if answer.status == 404:
            if self.cache is not None:
                self.cache.put(kind, key, {"status": 404}, False)
            return _Reply("missing")
        if answer.status != 200:
            return _Reply("failed", detail=f"{kind}: HTTP {answer.status}")
        if answer.bytes_read >= MAX_JSON:
            return _Reply("failed", detail=f"{kind}: answer longer than {MAX_JSON} bytes")
        try:
            data = json.loads(answer.body)
        except ValueError:
            return _Reply("failed", detail=f"{kind}: the answer is not JSON")
        items = _crossref_items(data) if kind == "crossref" else _openalex_items(data)
        if items is None:
            return _Reply("failed", detail=f"{kind}: an answer of unexpected shape")
        if self.cache is not None:
            self.cache.put(kind, key, {"status": 200, "items": items}, True)
        return _Reply("ok", tuple(items))

    async def crossref(self, path: str, params: dict[str, str] | None = None) -> _Reply:
        return await self._get("crossref", self.crossref_url, path, params or {})

    async def openalex(self, path: str, params: dict[str, str] | None = None) -> _Reply:
        return await self._get("openalex", self.openalex_url, path, params or {})

    # -- verifying

    async def verify(self, index: int, reference: Reference) -> Verification:
        if reference.doi:
            return await self._by_doi(index, reference, reference.doi)
        if reference.type in _UNLISTED:
            return Verification(index, Outcome.UNCHECKED,
                                detail=f"not looked up: Crossref and OpenAlex do not list works of type {reference.type}")
        if not _searchable(reference):
            return Verification(index, Outcome.UNCHECKED,
                                detail="not looked up: the entry has no title, or neither authors nor a year")
        return await self._by_search(index, reference)

    async def _by_doi(self, index: int, reference: Reference, doi: str) -> Verification:
        path = quote(doi, safe="/:;()")
        crossref = await self.crossref(f"/works/{path}")
        if crossref.state == "ok" and crossref.items:
            return self._compare(index, reference, crossref_work(crossref.items[0]))
        openalex = await self.openalex(f"/works/doi:{path}")
        if openalex.state == "ok" and openalex.items:
            return self._compare(index, reference, openalex_work(openalex.items[0]))
        failed = [r.detail for r in (crossref, openalex) if r.state != "missing"]
        if failed:
            return Verification(index, Outcome.UNCHECKED, detail="lookup failed: " + "; ".join(failed))
        if not _searchable(reference):
            return Verification(index, Outcome.UNCHECKED,
                                detail=f"neither Crossref nor OpenAlex knows the DOI {doi}, and the entry "
                                       "has too little to search for")
        found = await self._by_search(index, reference)
        unknown = f"neither Crossref nor OpenAlex knows the DOI {doi}"
        if found.outcome is Outcome.FOUND and found.work is not None:
            return replace(found, detail=f"{unknown}; the search found the work as {found.work.doi or 'no DOI'}")
        return replace(found, detail=f"{unknown}; {found.detail}")

    def _compare(self, index: int, reference: Reference, work: Work) -> Verification:
        found = agreement(reference, work)
        wrong = mismatches(reference, work, found)
        if wrong:
            fields = ", ".join(f for f, _, _ in wrong)
            return Verification(index, Outcome.MISMATCH, work, found.score, wrong,
                                detail=f"the DOI's record differs in {fields}")
        return Verification(index, Outcome.FOUND, work, found.score, detail=f"by DOI in {work.source}")

    async def _by_search(self, index: int, reference: Reference) -> Verification:
        title = clean(reference.title)
        names = _our_names(reference)
        first = (names[0].literal or names[0].family) if names else ""
        year = reference.issued.year if reference.issued is not None else None
        query = " ".join(p for p in (title[:300], first, str(year) if year else "") if p)
        candidates: list[tuple[int, float, Work]] = []
        rank = {"match": 2, "grey": 1, "no": 0}

        def weigh(works: list[Work]) -> tuple[int, float, Work] | None:
            for work in works:
                found = agreement(reference, work)
                candidates.append((rank[found.verdict()], found.score, work))
            return max(candidates, key=lambda c: (c[0], c[1])) if candidates else None

        crossref = await self.crossref("/works", {"query.bibliographic": query, "rows": "5"})
        best = weigh([crossref_work(i) for i in crossref.items])
        openalex = _Reply("ok")
        if best is None or best[0] < 2:
            openalex = await self.openalex("/works", {"search": fold(title)[:300], "per-page": "5"})
            best = weigh([openalex_work(i) for i in openalex.items])
        if best is not None and best[0] == 2:
            return Verification(index, Outcome.FOUND, best[2], best[1], detail=f"by search in {best[2].source}")
        if best is not None and best[0] == 1:
            return Verification(index, Outcome.UNCHECKED, best[2], best[1],
                                detail=f"the nearest record, {_shown(best[2])}, is neither clearly this work "
                                       "nor clearly another")
        failed = [r.detail for r in (crossref, openalex) if r.state == "failed"]
        if failed:
            return Verification(index, Outcome.UNCHECKED, detail="lookup failed: " + "; ".join(failed))
        nearest = f"; the nearest, {_shown(best[2])}, is another work" if best is not None else ""
        if reference.type not in _LISTED and not reference.doi:
            return Verification(index, Outcome.UNCHECKED, score=best[1] if best else 0.0,
                                detail="no record found, but Crossref and OpenAlex list books, theses, reports "
                                       "and works of unknown type patchily" + nearest)
        return Verification(index, Outcome.NOT_FOUND, score=best[1] if best else 0.0,
                            detail="no record close enough in Crossref or OpenAlex" + nearest)


async def verify_references(
    references: Sequence[Reference],
    fetcher: Fetcher,
    *,
    crossref_url: str = "https://api.crossref.org",
    openalex_url: str = "https://api.openalex.org",
    mailto: str | None = None,
    cache: Cache | None = None,
) -> list[Verification]:
    """Look every reference up in Crossref and OpenAlex: one Verification each, in order.

    The lookups run at once, as far as ``fetcher``'s limits let them; ``mailto`` goes with
    every request (both services' polite pools); ``cache`` keeps each answer, "not found"
    included, so that a second run asks nothing again.
    """
    lookups = _Lookups(fetcher, crossref_url, openalex_url, mailto, cache)
    return list(await asyncio.gather(*(lookups.verify(i, r) for i, r in enumerate(references))))
