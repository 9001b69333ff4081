"""The lookups of ``refcheck bib add``: identifiers (DOI, ISBN, arXiv id) read and checked, and
their metadata fetched over HTTP and converted to CSL-JSON items.

DOIs by content negotiation at the resolver, then Crossref, then OpenAlex; ISBNs from Open
Library's books API; arXiv ids from arXiv's Atom API.  Nothing here prints.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    import httpx

    from refcheck.links import Fetcher

__all__ = ["Endpoints", "Identifier", "Lookup", "read_identifier", "isbn13", "look_up", "look_up_all",
           "crossref_item", "openalex_item", "openlibrary_item", "arxiv_item"]

CSL_ACCEPT = "application/vnd.citationstyles.csl+json"
MAX_BODY = 2_000_000
MAX_HOPS = 5
_MISSING = frozenset({404, 410})

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.|www\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
_ARXIV_OLD = re.compile(r"([a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_ISBN_CHARS = re.compile(r"(?:isbn(?:-1[03])?:?\s*)?([0-9Xx][0-9Xx -]{8,20})", re.IGNORECASE)


# ---- identifiers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier as given (``text``) and read: its ``kind`` ("doi", "isbn", "arxiv") and its
    canonical ``value`` (a DOI as written, an ISBN-13 without hyphens, an arXiv id with its
    version when one was given)."""

    kind: str
    value: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.value}" if self.kind != "arxiv" else f"arXiv:{self.value}"

    @property
    def bare(self) -> str:
        """The value compared against a library's: a DOI in lower case, an arXiv id without version."""
        if self.kind == "doi":
            return self.value.casefold()
        if self.kind == "arxiv":
            return re.sub(r"v\d+$", "", self.value)
        return self.value


def isbn13(isbn: str) -> str:
    """The ISBN-13 of a valid ISBN-10 or -13 (hyphens and spaces allowed), or "" when it is not one."""
    from refcheck.bib.identifiers import isbn_valid

    digits = re.sub(r"[\s-]", "", isbn).upper()
    if not isbn_valid(digits):
        return ""
    if len(digits) == 13:
        return digits
    body = "978" + digits[:9]
    check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(body)) % 10) % 10
    return body + str(check)


def read_identifier(text: str) -> Identifier:
    """The identifier ``text`` names; ValueError (with the reason) when it names none."""
    given = text.strip()
    doi = _DOI_PREFIX.sub("", given)
    if _DOI.fullmatch(doi):
        return Identifier("doi", doi, text)
    arxiv = _ARXIV_PREFIX.sub("", given)
    m = _ARXIV_NEW.fullmatch(arxiv) or _ARXIV_OLD.fullmatch(arxiv)
    if m:
        return Identifier("arxiv", m.group(0), text)
    m = _ISBN_CHARS.fullmatch(given)
    if m:
        digits = re.sub(r"[\s-]", "", m.group(1)).upper()
        if len(digits) in (10, 13) and re.fullmatch(r"\d{9}[\dX]|\d{13}", digits):
            value = isbn13(digits)
            if not value:
                raise ValueError(f"{given}: the ISBN's check digit is wrong")
            return Identifier("isbn", value, text)
    raise ValueError(f"{given}: not a DOI, ISBN or arXiv id")


# ---- conversions ---------------------------------------------------------------------------


def _first(value: Any) -> str:
    """A text value, or the first text of a list of them (Crossref gives titles as lists)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return " ".join(value.split()) if isinstance(value, str) else ""


_MARKUP = re.compile(r"</?(?:[a-z]+:)?[a-z][a-z0-9-]*(?:\s[^<>]*)?/?>", re.IGNORECASE)


def _plain(text: str) -> str:
    """Text without the markup Crossref leaves in titles (``<i>``, ``<jats:sub>``, ``<mml:math>``)
    and with its entities (``&amp;``) decoded."""
    import html

    return " ".join(html.unescape(_MARKUP.sub("", text)).split()) if "<" in text or "&" in text else text


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _person(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    out = {k: _first(value.get(k)) for k in ("family", "given", "suffix", "non-dropping-particle",
                                               "dropping-particle", "literal")}
    out = {k: v for k, v in out.items() if v}
    if not out.get("family") and not out.get("literal"):
        name = _first(value.get("name"))
        if not name:
            return None
        out = {"literal": name}
    return out


def split_name(display: str) -> dict[str, str]:
    """A display name ("Ada B. Okonkwo", "Okonkwo, Ada") as CSL family and given names."""
    display = " ".join(display.split())
    if "," in display:
        family, given = (p.strip() for p in display.split(",", 1))
        return {"family": family, "given": given} if given else {"family": family}
    words = display.split()
    if len(words) > 1 and words[-1].rstrip(".").casefold() in ("jr", "sr", "ii", "iii", "iv"):
        return {"family": words[-2], "given": " ".join(words[:-2]), "suffix": words[-1]}
    if len(words) == 1:
        return {"family": words[0]}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def _date_parts(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = [int(p) for p in parts[0][:3] if isinstance(p, int) or (isinstance(p, str) and p.isdigit())]
            if first:
                return {"date-parts": [first]}
    if isinstance(value, str):
        m = re.match(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
        if m:
            return {"date-parts": [[int(g) for g in m.groups() if g]]}
    return None


# Crossref and OpenAlex types → CSL types (CSL-JSON from content negotiation has CSL's already).
_CROSSREF_TYPES = {
    "journal-article": "article-journal", "proceedings-article": "paper-conference", "book-chapter": "chapter",
    "book-section": "chapter", "book-part": "chapter", "reference-entry": "entry-encyclopedia",
    "book": "book", "monograph": "book", "edited-book": "book", "reference-book": "book",
    "report": "report", "dissertation": "thesis", "dataset": "dataset", "posted-content": "article",
    "standard": "standard", "component": "document", "peer-review": "review",
}  # fmt: skip
_OPENALEX_TYPES = {
    "article": "article-journal", "book-chapter": "chapter", "book": "book", "dataset": "dataset",
    "dissertation": "thesis", "report": "report", "preprint": "article", "standard": "standard",
    "review": "review", "reference-entry": "entry-encyclopedia",
}  # fmt: skip
_CSL_TEXT = ("title", "container-title", "container-title-short", "collection-title", "volume", "issue",
             "page", "publisher", "publisher-place", "edition", "DOI", "URL", "ISBN", "ISSN", "number",
             "genre", "language")
_CSL_NAMES = ("author", "editor", "translator")
_CSL_DATES = ("issued", "published-print", "published-online", "published", "created")


def csl_item(data: dict[str, Any], types: dict[str, str] | None = None) -> dict[str, Any]:
    """A clean CSL-JSON item from CSL-JSON or a Crossref ``message``: the variables a library
    keeps (no reference lists, licences, links…), lists of titles as their first, dates as date-parts."""
    kind = _first(data.get("type"))
    item: dict[str, Any] = {"type": (types or {}).get(kind, kind) or "document"}
    title = _plain(_first(data.get("title")))
    subtitle = _plain(_first(data.get("subtitle")))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}" if title else subtitle
    if title:
        item["title"] = title
    for role in _CSL_NAMES:
        people = [p for p in map(_person, _list(data.get(role))) if p]
        if people:
            item[role] = people
    for key in _CSL_DATES:
        date = _date_parts(data.get(key))
        if date:
            item["issued"] = date
            break
    for key in _CSL_TEXT:
        if key == "title":
            continue
        value = _first(data.get(key))
        if key in ("container-title", "collection-title", "publisher"):
            value = _plain(value)
        if value:
            item[key] = value
    return item


def crossref_item(message: dict[str, Any]) -> dict[str, Any]:
    """The CSL-JSON item of a Crossref ``work`` message."""
    return csl_item(message, _CROSSREF_TYPES)


def openalex_item(work: dict[str, Any]) -> dict[str, Any]:
    """The CSL-JSON item of an OpenAlex work object."""
    item: dict[str, Any] = {"type": _OPENALEX_TYPES.get(_first(work.get("type")), "article-journal")}
    title = _plain(_first(work.get("title")) or _first(work.get("display_name")))
    if title:
        item["title"] = title
    authors = []
    for authorship in _list(work.get("authorships")):
        if not isinstance(authorship, dict):
            continue
        author = authorship.get("author")
        name = _first(author.get("display_name")) if isinstance(author, dict) else ""
        name = name or _first(authorship.get("raw_author_name"))
        if name:
            authors.append(split_name(name))
    if authors:
        item["author"] = authors
    date = _date_parts(work.get("publication_date")) or _date_parts(str(work.get("publication_year") or ""))
    if date:
        item["issued"] = date
    location = work.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict) and _first(source.get("display_name")):
        item["container-title"] = _first(source.get("display_name"))
    biblio: dict[str, Any] = work["biblio"] if isinstance(work.get("biblio"), dict) else {}
    for key, csl in (("volume", "volume"), ("issue", "issue")):
        if _first(biblio.get(key)):
            item[csl] = _first(biblio.get(key))
    first, last = _first(biblio.get("first_page")), _first(biblio.get("last_page"))
    if first:
        item["page"] = f"{first}-{last}" if last and last != first else first
    doi = _DOI_PREFIX.sub("", _first(work.get("doi")))
    if doi:
        item["DOI"] = doi
    return item


def openlibrary_item(book: dict[str, Any], isbn: str) -> dict[str, Any]:
    """The CSL-JSON item of an Open Library books API record (``jscmd=data``)."""
    item: dict[str, Any] = {"type": "book"}
    title = _first(book.get("title"))
    subtitle = _first(book.get("subtitle"))
    if title:
        item["title"] = f"{title}: {subtitle}" if subtitle else title
    authors = [split_name(_first(a.get("name"))) for a in _list(book.get("authors"))
               if isinstance(a, dict) and _first(a.get("name"))]
    if authors:
        item["author"] = authors
    date = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", _first(book.get("publish_date")))
    if date:
        item["issued"] = {"date-parts": [[int(date.group(1))]]}
    for key, csl in (("publishers", "publisher"), ("publish_places", "publisher-place")):
        names = [_first(p.get("name")) for p in _list(book.get(key)) if isinstance(p, dict)]
        if any(names):
            item[csl] = next(n for n in names if n)
    if _first(book.get("edition_name")):
        item["edition"] = _first(book.get("edition_name"))
    item["ISBN"] = isbn
    return item


_ATOM = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}


def arxiv_item(xml: bytes, wanted: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The CSL-JSON item of an arXiv Atom feed's entry, with the BibTeX fields it adds
    (``eprint``, ``archivePrefix``, ``primaryClass``); None when the feed holds no such entry.
    Raises ValueError for a feed that is not XML."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(xml)
    except ET.ParseError as error:
        raise ValueError(f"the answer is not XML: {error}") from None
    for entry in root.findall("a:entry", _ATOM):
        link = (entry.findtext("a:id", "", _ATOM) or "").strip()
        # arXiv answers an unknown id with an entry whose id is an error page.
        if "/api/errors" in link or not link:
            continue
        found = link.rsplit("/abs/", 1)[-1]
        if re.sub(r"v\d+$", "", found) != re.sub(r"v\d+$", "", wanted):
            continue
        eprint = wanted if re.search(r"v\d+$", wanted) else re.sub(r"v\d+$", "", found)
        item: dict[str, Any] = {"type": "article"}
        title = " ".join((entry.findtext("a:title", "", _ATOM) or "").split())
        if not title:
            continue
        item["title"] = title
        authors = [split_name(name) for a in entry.findall("a:author", _ATOM)
                   if (name := " ".join((a.findtext("a:name", "", _ATOM) or "").split()))]
        if authors:
            item["author"] = authors
        date = _date_parts((entry.findtext("a:published", "", _ATOM) or "").strip())
        if date:
            item["issued"] = date
        item["number"] = eprint
        item["archive"] = "arXiv"
        item["publisher"] = "arXiv"
        item["URL"] = f"https://arxiv.org/abs/{eprint}"
        doi = (entry.findtext("arxiv:doi", "", _ATOM) or "").strip()
        if doi:
            item["DOI"] = doi
        extra = {"eprint": eprint, "archivePrefix": "arXiv"}
        primary = entry.find("arxiv:primary_category", _ATOM)
        if primary is not None and primary.get("term"):
            extra["primaryClass"] = str(primary.get("term"))
        return item, extra
    return None


# ---- lookups -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the lookups go (tests point them at a local server) and the address to give the APIs."""

    doi: str = "https://doi.org/"
    crossref: str = "https://api.crossref.org"
    openalex: str = "https://api.openalex.org"
    openlibrary: str = "https://openlibrary.org"
    arxiv: str = "https://export.arxiv.org/api/query"
    mailto: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a lookup found: ``status`` "ok" with the CSL-JSON ``item`` (and BibTeX fields
    beyond what the item converts to), "missing" (no source knows it) or "failed" (a network
    failure or an unusable answer), with ``detail`` saying why and ``source`` where it came from."""

    identifier: Identifier
    status: str
    item: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    source: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class _Got:
    status: str  # "ok", "missing", "refused" (answered, but not with what was asked), "failed"
    body: bytes = b""
    detail: str = ""


class _Lookups:
    def __init__(self, fetcher: Fetcher, endpoints: Endpoints) -> None:
        self.fetcher = fetcher
        self.endpoints = endpoints
        self.headers = {"Accept-Encoding": "identity"}
        if endpoints.mailto:
            from refcheck.links import USER_AGENT

            self.headers["User-Agent"] = f"{USER_AGENT} mailto:{endpoints.mailto}"

    def _polite(self, url: str) -> str:
        """The URL with ``mailto`` (Crossref's and OpenAlex's polite pool)."""
        if not self.endpoints.mailto:
            return url
        return url + ("&" if "?" in url else "?") + urlencode({"mailto": self.endpoints.mailto}, quote_via=quote)

    async def get(self, url: str, accept: str, what: str) -> _Got:
        """GET ``url``, following a few redirects."""
        headers = {**self.headers, "Accept": accept}
        answer = await self.fetcher.follow(url, max_body=MAX_BODY, headers=headers, hops=MAX_HOPS)
        if answer.status is None:
            why = answer.failure.value if answer.failure is not None else "error"
            return _Got("failed", detail=f"{what}: {why}" + (f" ({answer.detail})" if answer.detail else ""))
        if answer.status in _MISSING:
            return _Got("missing", detail=f"{what}: HTTP {answer.status}")
        if answer.status >= 500:
            return _Got("failed", detail=f"{what}: HTTP {answer.status}")
        if answer.status != 200:
            return _Got("refused", detail=f"{what}: HTTP {answer.status}")
        if answer.bytes_read >= MAX_BODY:
            return _Got("refused", detail=f"{what}: answer longer than {MAX_BODY} bytes")
        return _Got("ok", answer.body)

    async def json(self, url: str, accept: str, what: str) -> tuple[_Got, Any]:
        got = await self.get(url, accept, what)
        if got.status != "ok":
            return got, None
        try:
            return got, json.loads(got.body)
        except ValueError:
            return _Got("refused", detail=f"{what}: the answer is not JSON"), None

    async def doi(self, identifier: Identifier) -> Lookup:
        doi = identifier.value
        path = quote(doi, safe="/:;()")
        tried: list[_Got] = []
        got, data = await self.json(self.endpoints.doi + path, CSL_ACCEPT, "doi.org")
        if isinstance(data, dict) and (data.get("title") or data.get("DOI")):
            return self._doi_found(identifier, csl_item(data, _CROSSREF_TYPES), "doi.org")
        tried.append(got if got.status != "ok" else _Got("refused", detail="doi.org: not CSL-JSON"))
        url = self._polite(f"{self.endpoints.crossref.rstrip('/')}/works/{path}")
        got, data = await self.json(url, "application/json", "Crossref")
        message = data.get("message") if isinstance(data, dict) else None
        if isinstance(message, dict) and message.get("title"):
            return self._doi_found(identifier, crossref_item(message), "Crossref")
        tried.append(got if got.status != "ok" else _Got("refused", detail="Crossref: an answer of unexpected shape"))
        url = self._polite(f"{self.endpoints.openalex.rstrip('/')}/works/doi:{path}")
        got, data = await self.json(url, "application/json", "OpenAlex")
        if isinstance(data, dict) and (data.get("title") or data.get("display_name")):
            return self._doi_found(identifier, openalex_item(data), "OpenAlex")
        tried.append(got if got.status != "ok" else _Got("refused", detail="OpenAlex: an answer of unexpected shape"))
        return _verdict(identifier, tried)

    def _doi_found(self, identifier: Identifier, item: dict[str, Any], source: str) -> Lookup:
        item["DOI"] = item.get("DOI") or identifier.value
        if re.fullmatch(r"https?://(?:dx\.)?doi\.org/" + re.escape(item["DOI"]), item.get("URL", ""), re.IGNORECASE):
            del item["URL"]  # the DOI's own link: the doi field says it already
        return Lookup(identifier, "ok", item, source=source)

    async def isbn(self, identifier: Identifier) -> Lookup:
        """From the books API (authors inline); when it knows nothing, from the edition record
        ``/isbn/{isbn}.json`` (a redirect to ``/books/OL…M.json``) and its authors' records."""
        base = self.endpoints.openlibrary.rstrip("/")
        bibkey = f"ISBN:{identifier.value}"
        url = f"{base}/api/books?" + urlencode({"bibkeys": bibkey, "format": "json", "jscmd": "data"})
        got, data = await self.json(url, "application/json", "Open Library")
        if got.status == "failed":
            return _verdict(identifier, [got])
        book = data.get(bibkey) if isinstance(data, dict) else None
        if isinstance(book, dict) and _first(book.get("title")):
            return Lookup(identifier, "ok", openlibrary_item(book, identifier.value), source="Open Library")
        tried = [got if got.status != "ok" else _Got("missing", detail="Open Library: no such book")]
        got, edition = await self.json(f"{base}/isbn/{identifier.value}.json", "application/json", "Open Library")
        if not isinstance(edition, dict) or not _first(edition.get("title")):
            return _verdict(identifier, [*tried, got])
        keys = [a.get("key") for a in _list(edition.get("authors")) if isinstance(a, dict)]
        keys = [k for k in keys if isinstance(k, str) and re.fullmatch(r"/authors/OL\d+A", k)]
        people = await asyncio.gather(*(self.json(f"{base}{k}.json", "application/json", "Open Library")
                                        for k in keys))
        book = {
            "title": edition.get("title"),
            "subtitle": edition.get("subtitle"),
            "authors": [{"name": _first(p.get("personal_name")) or _first(p.get("name"))}
                        for _, p in people if isinstance(p, dict)],
            "publishers": [{"name": p} for p in _list(edition.get("publishers")) if isinstance(p, str)],
            "publish_places": [{"name": p} for p in _list(edition.get("publish_places")) if isinstance(p, str)],
            "publish_date": edition.get("publish_date"),
            "edition_name": edition.get("edition_name"),
        }
        return Lookup(identifier, "ok", openlibrary_item(book, identifier.value), source="Open Library")

    async def arxiv(self, identifiers: Sequence[Identifier]) -> list[Lookup]:
        """The papers of ``identifiers``, in one request (arXiv asks for few, slow requests); those
        a batch's answer lacks are asked for alone, since arXiv answers a batch with one bad id
        in it with an error alone."""
        ids = ",".join(i.value for i in identifiers)
        url = self.endpoints.arxiv + "?" + urlencode({"id_list": ids, "max_results": str(len(identifiers))})
        got = await self.get(url, "application/atom+xml", "arXiv")
        if got.status != "ok":
            if len(identifiers) > 1 and got.status != "failed":
                return [(await self.arxiv([i]))[0] for i in identifiers]
            return [_verdict(i, [got]) for i in identifiers]
        out: list[Lookup] = []
        for identifier in identifiers:
            try:
                found = arxiv_item(got.body, identifier.value)
            except ValueError as error:
                out.append(Lookup(identifier, "failed", detail=f"arXiv: {error}"))
                continue
            if found is not None:
                out.append(Lookup(identifier, "ok", found[0], found[1], source="arXiv"))
            elif len(identifiers) > 1:
                out.append((await self.arxiv([identifier]))[0])
            else:
                out.append(Lookup(identifier, "missing", detail="arXiv: no such paper"))
        return out


def _verdict(identifier: Identifier, tried: Sequence[_Got]) -> Lookup:
    """Nothing found: missing when a source said it does not know the identifier, else failed."""
    detail = "; ".join(t.detail for t in tried if t.detail)
    if any(t.status == "missing" for t in tried):
        return Lookup(identifier, "missing", detail=detail)
    if any(t.status == "failed" for t in tried):
        return Lookup(identifier, "failed", detail=detail)
    return Lookup(identifier, "missing", detail=detail)


async def look_up(fetcher: Fetcher, identifiers: Sequence[Identifier], endpoints: Endpoints) -> list[Lookup]:
    """The metadata of each identifier, in their order: DOIs and ISBNs one request (or a few) each,
    at once; arXiv ids together."""
    lookups = _Lookups(fetcher, endpoints)
    papers = [i for i in identifiers if i.kind == "arxiv"]
    others = [i for i in identifiers if i.kind != "arxiv"]
    jobs = [lookups.doi(i) if i.kind == "doi" else lookups.isbn(i) for i in others]
    found, batch = await asyncio.gather(asyncio.gather(*jobs), lookups.arxiv(papers) if papers else _none())
    by_identifier = dict(zip(others, found, strict=True)) | dict(zip(papers, batch, strict=True))
    return [by_identifier[i] for i in identifiers]


async def _none() -> list[Lookup]:
    return []


def look_up_all(identifiers: Sequence[Identifier], endpoints: Endpoints,
                transport: httpx.AsyncBaseTransport | None = None, timeout: float = 20.0) -> list[Lookup]:
    """The metadata of each identifier, looked up together (politely: two at a time a host)."""
    from refcheck.links import Fetcher, Politeness

    async def run() -> list[Lookup]:
        async with Fetcher(None, Politeness(per_host=2, timeout=timeout), transport=transport) as fetcher:
            return await look_up(fetcher, identifiers, endpoints)

    return asyncio.run(run())
