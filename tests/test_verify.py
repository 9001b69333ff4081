"""refcheck.verify and the RC5xx rules, against stand-in Crossref and OpenAlex servers on loopback.

The works the servers know are made up for these tests; the JSON is shaped like the real
services' documented answers (Crossref ``/works/{doi}`` and ``/works?query.bibliographic=``,
OpenAlex ``/works/doi:{doi}`` and ``/works?search=``).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from loopback import RecordingClock, serve
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.check import check_text, with_online
from refcheck.fixes import apply_fixes
from refcheck.links import Fetcher, Politeness
from refcheck.model import Name, Reference, Span
from refcheck.references import parse_reference
from refcheck.rules.registry import Online
from refcheck.verify import (
    Agreement,
    Cache,
    Outcome,
    Verification,
    agreement,
    author_overlap,
    container_agreement,
    crossref_work,
    openalex_work,
    title_similarity,
    verify_references,
    year_agreement,
)

# ---------------------------------------------------------------- the made-up works


@dataclass
class Made:
    doi: str | None
    title: str  # as the index has it (Crossref's may carry markup)
    authors: list[tuple[str, str]]  # (given, family)
    year: int
    container: str = ""
    subtitle: str = ""
    kind: str = "journal-article"
    print_year: int | None = None  # a later print year than ``year`` (online first)
    in_crossref: bool = True
    in_openalex: bool = True
    updated_by: list[dict[str, Any]] = field(default_factory=list)
    update_to: list[dict[str, Any]] = field(default_factory=list)
    is_retracted: bool = False


WORKS = [
    Made("10.5555/tide.2019.001", "Tidal resonance in narrow estuaries",
         [("Adaeze", "Okonkwo"), ("Pär", "Lindqvist"), ("Hélène", "Moreau")], 2018,
         "Journal of Coastal Dynamics", subtitle="a field study", print_year=2019),
    Made("10.5555/lichen.2016.9", "Lichen succession on volcanic glass",
         [("Sigrún", "Haraldsdóttir"), ("Ivan", "Petrenko")], 2016, "Arctic Botany Letters"),
    Made("10.5555/ledger.2012", "The quiet ledger", [("Joost", "van der Meulen")], 2012,
         subtitle="bookkeeping in small Hanseatic towns, 1400–1550", kind="book"),
    Made("10.5555/mlclim.2022.7", "Sparse attention for long-horizon weather emulation",
         [("Rui", "Tanaka"), ("Felix", "Oduya"), ("Ines", "Brandt"), ("Tomas", "Novak")], 2022,
         "Proceedings of the Workshop on Machine Learning for Climate", kind="proceedings-article"),
    Made("10.5555/mcl.2017.42", "Rapid synthesis of copper nanowires in ambient water",
         [("Marta", "Kowalczyk"), ("Chidi", "Ibekwe")], 2017, "Materials Chemistry Letters",
         updated_by=[{"updated": {"date-parts": [[2018, 5, 2]]}, "DOI": "10.5555/mcl.2018.notice7",
                      "type": "retraction", "source": "publisher", "label": "Retraction"}]),
    Made("10.5555/mcl.2018.notice7", "Retraction notice to: Rapid synthesis of copper nanowires in ambient water",
         [], 2018, "Materials Chemistry Letters",
         update_to=[{"updated": {"date-parts": [[2018, 5, 2]]}, "DOI": "10.5555/mcl.2017.42",
                     "type": "retraction", "source": "publisher", "label": "Retraction"}]),
    Made("10.6666/gut.2020.5", "Gut microbiome diversity predicts marathon performance",
         [("Amélie", "Delacroix"), ("Jonas", "Sørensen")], 2020, "Sports Microbiology",
         in_crossref=False, is_retracted=True),
    Made("10.5555/wpr.2015.8", "Measuring trust in municipal water utilities",
         [("Gwen", "Fairweather"), ("Rubén", "Castellano")], 2015, "Water Policy Review"),
    Made("10.5555/epr.2016.3", "Measuring trust in municipal electricity utilities",
         [("Oskar", "Lindgren"), ("Mei", "Tan")], 2016, "Energy Policy Review"),
    Made("10.5555/jgls.2021.3", "Phonological drift in heritage Norwegian spoken in the Midwest",
         [("Kari", "Engebretsen")], 2021, "Journal of Germanic Linguistics Studies"),
    Made("10.5555/comb.2020.11",
         "Bounds on <i>k</i>-colourings of sparse hypergraphs with "
         "<mml:math><mml:mi>n</mml:mi></mml:math> vertices",
         [("Yusuf", "Adebayo"), ("Lena", "Hoffmann")], 2020, "Combinatorics Today"),
    Made("10.5555/geo.2014.2", "RETRACTED: Seismic precursors in groundwater radon at shallow wells",
         [("Ilse", "Brouwer")], 2014, "Geophysical Notes"),
    Made("10.5555/hydro.2013.6", "Aquifer recharge estimates from tritium profiles in loess",
         [("Dmitri", "Volkov")], 2013, "Hydrology Briefs",
         update_to=[{"DOI": "10.5555/hydro.2013.6", "type": "withdrawal", "label": "Withdrawal"}]),
    Made(None, "Kiln temperatures inferred from glaze crazing in Song dynasty stoneware",
         [("Hana", "Kobori"), ("Tomasz", "Wrona")], 2011, "Journal of Ceramic Archaeometry", in_crossref=False),
]
BY_DOI = {w.doi.casefold(): w for w in WORKS if w.doi}


def _date(year: int) -> dict[str, Any]:
    return {"date-parts": [[year, 3, 4]]}


def crossref_item(work: Made, score: float | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "indexed": {"date-parts": [[2024, 1, 2]], "timestamp": 1704153600000},
        "publisher": "Stand-in Press",
        "DOI": work.doi,
        "type": work.kind,
        "title": [work.title],
        "author": [{"given": g, "family": f, "sequence": "first" if i == 0 else "additional", "affiliation": []}
                   for i, (g, f) in enumerate(work.authors)],
        "issued": _date(work.year),
        "published": _date(work.year),
        "published-online": _date(work.year),
        "container-title": [work.container] if work.container else [],
        "prefix": "10.5555",
        "member": "99999",
        # A long reference list, as real records have: far more than the link checker's 64 kB.
        "reference-count": 1500,
        "reference": [{"key": f"ref{i}", "unstructured": f"A. Nother, A cited work number {i}, "
                       "Some Journal of Things 1 (2000) 1–10."} for i in range(1500)],
    }
    if work.subtitle:
        item["subtitle"] = [work.subtitle]
    if work.print_year:
        item["published-print"] = _date(work.print_year)
    if work.updated_by:
        item["updated-by"] = work.updated_by
    if work.update_to:
        item["update-to"] = work.update_to
    if score is not None:
        item["score"] = score
    return item


def openalex_item(work: Made) -> dict[str, Any]:
    title = re.sub(r"<[^>]+>", "", work.title) + (f": {work.subtitle}" if work.subtitle else "")
    return {
        "id": f"https://openalex.org/W{abs(hash(work.title)) % 10**10}",
        "doi": f"https://doi.org/{work.doi}" if work.doi else None,
        "title": title,
        "display_name": title,
        "publication_year": work.year,
        "type": "article",
        "authorships": [{"author_position": "first" if i == 0 else "middle",
                         "author": {"id": f"https://openalex.org/A{i}", "display_name": f"{g} {f}"},
                         "raw_author_name": f"{g} {f}", "institutions": []}
                        for i, (g, f) in enumerate(work.authors)],
        "primary_location": {"source": {"display_name": work.container}} if work.container else {"source": None},
        "is_retracted": work.is_retracted,
    }


_STOPWORDS = frozenset({"the", "and", "for", "with", "from"})


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) >= 3 and w not in _STOPWORDS}


def _search(works: Sequence[Made], query: str, rows: int, with_authors: bool) -> list[tuple[int, Made]]:
    """Like a search engine: every work sharing a word with the query, best first."""
    wanted = _words(query)
    ranked = []
    for work in works:
        words = _words(f"{work.title} {work.subtitle}")
        if with_authors:
            words |= _words(" ".join(f for _, f in work.authors) + f" {work.container} {work.year}")
        shared = len(wanted & words)
        if shared:
            ranked.append((shared, work))
    ranked.sort(key=lambda r: -r[0])
    return ranked[:rows]


# ---------------------------------------------------------------- the servers

_lock = threading.Lock()
REQUESTS: list[tuple[str, str]] = []  # (server, path with query)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    name = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with _lock:
            REQUESTS.append((self.name, self.path))
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = unquote(parts.path)
        if "explode" in json.dumps(query):
            self._send(500, b"Internal error")
            return
        self.route(path, query)

    def route(self, path: str, query: dict[str, str]) -> None:
        raise NotImplementedError


class _Crossref(_Handler):
    name = "crossref"

    def route(self, path: str, query: dict[str, str]) -> None:
        if path.startswith("/works/"):
            doi = path[len("/works/"):].casefold()
            if doi == "10.5555/boom":
                self._send(500, b"Internal Server Error")
            elif doi == "10.5555/busy":
                self._send(429, b"Too Many Requests", {"Retry-After": "0"})
            elif doi == "10.5555/slow":
                time.sleep(1.0)
                self._send(200, {"status": "ok", "message-type": "work", "message": crossref_item(WORKS[0])})
            elif doi == "10.5555/alias.tide":
                self._send(301, b"", {"Location": "/works/10.5555/tide.2019.001"})
            elif doi in BY_DOI and BY_DOI[doi].in_crossref:
                message = crossref_item(BY_DOI[doi])
                self._send(200, {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                                 "message": message})
            else:
                self._send(404, b"Resource not found.")
        elif path == "/works":
            rows = int(query.get("rows", "20"))
            found = _search([w for w in WORKS if w.in_crossref], query.get("query.bibliographic", ""), rows, True)
            self._send(200, {"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": {
                "facets": {}, "total-results": len(found), "items-per-page": rows,
                "query": {"start-index": 0, "search-terms": query.get("query.bibliographic")},
                "items": [crossref_item(w, 20.0 + n) for n, w in found]}})
        else:
            self._send(404, b"Resource not found.")


class _OpenAlex(_Handler):
    name = "openalex"

    def route(self, path: str, query: dict[str, str]) -> None:
        if path.startswith("/works/doi:"):
            doi = path[len("/works/doi:"):].casefold()
            if doi in BY_DOI and BY_DOI[doi].in_openalex:
                self._send(200, openalex_item(BY_DOI[doi]))
            else:
                self._send(404, {"error": "NotFoundError", "message": "The requested resource could not be found."})
        elif path == "/works":
            per_page = int(query.get("per-page", "25"))
            found = _search([w for w in WORKS if w.in_openalex], query.get("search", ""), per_page, False)
            self._send(200, {"meta": {"count": len(found), "page": 1, "per_page": per_page},
                             "results": [openalex_item(w) for _, w in found], "group_by": []})
        else:
            self._send(404, {"error": "NotFoundError", "message": "Not found."})


def _serve(handler: type[_Handler], host: str) -> tuple[ThreadingHTTPServer, str]:
    return serve(handler, host)


@dataclass(frozen=True)
class Servers:
    crossref: str
    openalex: str


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    crossref, crossref_url = _serve(_Crossref, "127.0.0.1")
    try:
        openalex, openalex_url = _serve(_OpenAlex, "127.0.0.2")
    except OSError:  # no second loopback address here: another port
        openalex, openalex_url = _serve(_OpenAlex, "127.0.0.1")
    try:
        yield Servers(crossref_url, openalex_url)
    finally:
        for httpd in (crossref, openalex):
            httpd.shutdown()
            httpd.server_close()


_Clock = RecordingClock


class MemoryCache:
    """The Cache protocol in a dict; values go through JSON, as a real cache's would."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], Any] = {}
        self.puts: list[tuple[str, str, bool]] = []

    def get(self, kind: str, key: str) -> Any | None:
        return self.kept.get((kind, key))

    def put(self, kind: str, key: str, value: Any, ok: bool) -> None:
        self.kept[(kind, key)] = json.loads(json.dumps(value))
        self.puts.append((kind, key, ok))


def parse(entry: str) -> Reference:
    return parse_reference(entry, Span(0, len(entry)), learned=True)


def verify(references: Sequence[Reference], servers: Servers, *, cache: Cache | None = None,
           mailto: str | None = None, crossref: str | None = None, openalex: str | None = None,
           timeout: float = 5.0, retries: int = 1) -> list[Verification]:
    async def run() -> list[Verification]:
        async with httpx.AsyncClient(trust_env=False) as client:
            fetcher = Fetcher(client, Politeness(timeout=timeout, retries=retries, backoff=0.01), _Clock())
            return await verify_references(references, fetcher, crossref_url=crossref or servers.crossref,
                                           openalex_url=openalex or servers.openalex, mailto=mailto, cache=cache)

    return asyncio.run(run())


def requests_during(action: Any) -> list[tuple[str, str]]:
    with _lock:
        start = len(REQUESTS)
    action()
    with _lock:
        return REQUESTS[start:]


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------- scoring


def test_title_similarity_forgives_format_not_other_titles() -> None:
    same = "Tidal resonance in narrow estuaries: a field study"
    assert title_similarity(same.upper(), same) == 1.0
    assert title_similarity("Bounds on k-colourings of sparse hypergraphs with n vertices",
                            WORKS[10].title) == 1.0  # HTML and MathML tags
    assert title_similarity("Tidal resonance in narrow estuaries", same) >= 0.9  # subtitle on one side
    assert title_similarity(same, "Tidal resonance in narrow estuaries") >= 0.9
    assert title_similarity("Tidal resonance in narrow estuar…", same) >= 0.9  # truncated
    assert title_similarity("Tidal resonence in narow estuaries: a field study", same) >= 0.9  # typos
    assert title_similarity("RETRACTED: Seismic precursors in radon", "Seismic precursors in radon") == 1.0
    assert title_similarity("Lichen succession on volcanic glass", same) < 0.6
    # Two titles that open alike but go on differently are not one.
    assert title_similarity("Measuring trust in rural water cooperatives",
                            "Measuring trust in municipal water utilities") < 0.85
    # A short main title is no ground for calling two titles one.
    assert title_similarity("Introduction: tides", "Introduction: lichens") < 0.85


def test_author_overlap_with_particles_typos_initials_and_et_al() -> None:
    theirs = ["Okonkwo", "Lindqvist", "Moreau"]
    assert author_overlap([Name("Okonkwo", "A.")], theirs) == 1.0  # et al.
    assert author_overlap([Name("Okonkow", "A"), Name("Lindqvist", "P")], theirs) == 1.0  # a typo
    assert author_overlap([Name("Meulen", "J.", "van der")], ["van der Meulen"]) == 1.0
    assert author_overlap([Name("García Márquez", "G.")], ["Márquez"]) == 1.0  # OpenAlex's last word
    assert author_overlap([Name("Smith-Okonkwo", "A.")], theirs) == 1.0
    assert author_overlap([Name("HARALDSDOTTIR", "S.")], ["Haraldsdóttir"]) == 1.0
    assert author_overlap([Name("Brightwater"), Name("Quansah")], theirs) == 0.0
    assert author_overlap([Name("Okonkwo"), Name("Quansah"), Name("Pirelli")], theirs) == pytest.approx(1 / 3)
    assert author_overlap([], theirs) is None and author_overlap([Name("Okonkwo")], []) is None
    assert author_overlap([Name("Lee")], ["Li"]) == 0.0  # short names must be equal


def test_year_and_container() -> None:
    assert year_agreement(2019, [2018, 2019]) == 1.0
    assert year_agreement(2020, [2019]) == 0.5
    assert year_agreement(2021, [2019]) == 0.0
    assert year_agreement(None, [2019]) is None
    assert container_agreement("J. Coast. Dyn.", "Journal of Coastal Dynamics") == 1.0
    assert container_agreement("In: Journal of Coastal Dynamics", "Journal of Coastal Dynamics") == 1.0
    assert (container_agreement("Arctic Botany Letters", "Journal of Coastal Dynamics") or 0.0) < 0.6
    assert container_agreement("", "Journal of Coastal Dynamics") is None


@pytest.mark.parametrize(
    ("found", "verdict"),
    [
        (Agreement(0.97, 1.0, 1.0, None), "match"),
        (Agreement(0.86, 0.5, 0.5, 0.3), "match"),  # half the authors, a year off
        (Agreement(0.82, 1.0, 1.0, None), "match"),  # a messier title, every author and the year
        (Agreement(0.82, 1.0, 0.5, None), "grey"),
        (Agreement(0.97, None, 1.0, 1.0), "match"),  # no authors on one side
        (Agreement(0.90, None, 1.0, 1.0), "grey"),
        (Agreement(0.80, None, 1.0, 1.0), "no"),  # a near title alone is not enough
        (Agreement(0.99, 0.0, 1.0, 1.0), "grey"),  # the very title, other authors
        (Agreement(0.85, 0.0, 1.0, 1.0), "no"),
        (Agreement(0.55, 1.0, 1.0, 1.0), "no"),
        (Agreement(0.95, 0.34, 0.0, 1.0), "no"),  # three years off, one author in three
        (Agreement(0.95, 1.0, 0.0, 1.0), "grey"),
    ],
)
def test_verdict_gates(found: Agreement, verdict: str) -> None:
    assert found.verdict() == verdict


def test_score_is_the_weighted_mean_of_what_is_there() -> None:
    assert Agreement(1.0, 1.0, 1.0, 1.0).score == 1.0
    assert Agreement(1.0, None, None, None).score == 1.0
    assert Agreement(0.0, 1.0, 1.0, 1.0).score == pytest.approx(0.45)
    assert Agreement(None, None, None, None).score == 0.0


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 3000) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["DOI", "doi", "title", "subtitle", "author", "editor", "family", "given", "name",
                         "issued", "date-parts", "published-print", "container-title", "updated-by", "update-to",
                         "type", "authorships", "author", "display_name", "publication_year", "is_retracted",
                         "primary_location", "source"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["DOI", "doi", "title", "subtitle", "author", "editor", "issued",
                                        "published-online", "container-title", "updated-by", "update-to",
                                        "authorships", "publication_year", "is_retracted", "primary_location",
                                        "display_name"]), _JSON, max_size=8))
def test_records_of_any_shape_never_crash(item: dict[str, Any]) -> None:
    reference = parse(MESSY[0][0])
    for work in (crossref_work(item), openalex_work(item)):
        assert isinstance(work.title, str) and all(isinstance(f, str) for f in work.families)
        assert 0.0 <= agreement(reference, work).score <= 1.0


# ---------------------------------------------------------------- by DOI


def test_found_by_doi_with_one_request(servers: Servers) -> None:
    reference = parse("Okonkwo, A., Lindqvist, P. and Moreau, H. (2019) ‘Tidal resonance in narrow estuaries’, "
                      "J. Coast. Dyn., 12(3), pp. 44–59. https://doi.org/10.5555/tide.2019.001")
    results: list[Verification] = []
    seen = requests_during(lambda: results.extend(verify([reference], servers)))
    [found] = results
    assert found.outcome is Outcome.FOUND, found
    assert found.work is not None and found.work.source == "crossref"
    assert found.work.doi == "10.5555/tide.2019.001"
    assert found.work.title == "Tidal resonance in narrow estuaries: a field study"
    assert found.work.families == ("Okonkwo", "Lindqvist", "Moreau")
    assert found.work.year == 2018 and 2019 in found.work.years  # online first, then print
    assert found.score >= 0.85 and found.mismatches == ()
    assert [name for name, _ in seen] == ["crossref"]  # the big record read whole, no fallback


def test_a_doi_of_another_work_is_a_mismatch_naming_the_fields(servers: Servers) -> None:
    wrong_doi = parse("Okonkwo, A., Lindqvist, P. and Moreau, H. (2019) ‘Tidal resonance in narrow estuaries’, "
                      "Journal of Coastal Dynamics, 12(3), pp. 44–59. https://doi.org/10.5555/lichen.2016.9")
    wrong_year = parse("Fairweather, G. and Castellano, R. (2011) ‘Measuring trust in municipal water utilities’, "
                       "Water Policy Review, 8, pp. 201–219. doi:10.5555/wpr.2015.8")
    one_off = parse("Fairweather, G. and Castellano, R. (2016) ‘Measuring trust in municipal water utilities’, "
                    "Water Policy Review, 8, pp. 201–219. doi:10.5555/wpr.2015.8")
    other, year, tolerated = verify([wrong_doi, wrong_year, one_off], servers)
    assert other.outcome is Outcome.MISMATCH
    assert other.mismatches == (
        ("title", "Tidal resonance in narrow estuaries", "Lichen succession on volcanic glass"),
        ("author", "Okonkwo, Lindqvist, Moreau", "Haraldsdóttir, Petrenko"),
        ("year", "2019", "2016"),
    )
    assert year.outcome is Outcome.MISMATCH and year.mismatches == (("year", "2011", "2015"),)
    assert tolerated.outcome is Outcome.FOUND and tolerated.mismatches == ()


def test_crossref_404_falls_back_to_openalex_which_says_retracted(servers: Servers) -> None:
    reference = parse("Delacroix, A. and Sørensen, J. (2020) ‘Gut microbiome diversity predicts marathon "
                      "performance’, Sports Microbiology, 2, pp. 1–9. doi:10.6666/gut.2020.5")
    results: list[Verification] = []
    seen = requests_during(lambda: results.extend(verify([reference], servers)))
    [found] = results
    assert found.outcome is Outcome.FOUND
    assert found.work is not None and found.work.source == "openalex"
    assert found.work.doi == "10.6666/gut.2020.5"
    assert found.work.families == ("Delacroix", "Sørensen")
    assert found.work.retraction == "retracted (OpenAlex)"
    assert [(name, unquote(path.split("?")[0])) for name, path in seen] == [
        ("crossref", "/works/10.6666/gut.2020.5"), ("openalex", "/works/doi:10.6666/gut.2020.5")]


def test_retractions_in_crossref_records(servers: Servers) -> None:
    entries = [
        # updated-by: the publisher's retraction notice
        "Kowalczyk, M. and Ibekwe, C. (2017) ‘Rapid synthesis of copper nanowires in ambient water’, "
        "Materials Chemistry Letters, 5, pp. 12–19. https://doi.org/10.5555/mcl.2017.42",
        # the same, found by search
        "Kowalczyk, M. and Ibekwe, C. (2017) ‘Rapid synthesis of copper nanowires in ambient water’, "
        "Materials Chemistry Letters, 5, pp. 12–19.",
        # a "RETRACTED:" title
        "Brouwer, I. (2014) ‘Seismic precursors in groundwater radon at shallow wells’, Geophysical Notes, 3, "
        "pp. 1–8. https://doi.org/10.5555/geo.2014.2",
        # update-to naming the record's own DOI: the notice put in the article's place
        "Volkov, D. (2013) ‘Aquifer recharge estimates from tritium profiles in loess’, Hydrology Briefs, 2, "
        "pp. 9–14. https://doi.org/10.5555/hydro.2013.6",
        # the notice itself is no retracted work
        "Materials Chemistry Letters (2018) ‘Retraction notice to: Rapid synthesis of copper nanowires in "
        "ambient water’, Materials Chemistry Letters, 6, p. 1. https://doi.org/10.5555/mcl.2018.notice7",
        # a work with no update at all
        "Engebretsen, K. (2021) ‘Phonological drift in heritage Norwegian spoken in the Midwest’, Journal of "
        "Germanic Linguistics Studies, 3(1), pp. 1–22. https://doi.org/10.5555/jgls.2021.3",
    ]
    results = verify([parse(e) for e in entries], servers)
    assert [v.outcome for v in results] == [Outcome.FOUND] * 6, [v.detail for v in results]
    assert [v.work.retraction if v.work else None for v in results] == [
        "retracted (notice 10.5555/mcl.2018.notice7)",
        "retracted (notice 10.5555/mcl.2018.notice7)",
        "retracted (so marked in its title)",
        "withdrawn (the DOI now holds the notice)",
        "",
        "",
    ]


def test_a_redirect_is_followed(servers: Servers) -> None:
    reference = parse("Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’, Journal of Coastal Dynamics, "
                      "12(3), pp. 44–59. doi:10.5555/alias.tide")
    [found] = verify([reference], servers)
    assert found.outcome is Outcome.FOUND and found.work is not None
    assert found.work.doi == "10.5555/tide.2019.001"


def test_a_doi_neither_knows_is_searched_for(servers: Servers) -> None:
    real = parse("Fairweather, G. and Castellano, R. (2015) ‘Measuring trust in municipal water utilities’, "
                 "Water Policy Review, 8, pp. 201–219. doi:10.5555/wpr.2015.99")
    invented = parse("Villanueva, C. (2019) ‘Quantum entanglement in migratory songbird navigation corridors’, "
                     "Journal of Avian Physics, 2(1), pp. 1–15. doi:10.5555/avian.2019.1")
    bare = parse("doi:10.5555/nothing.here")
    found, not_found, thin = verify([real, invented, bare], servers)
    assert found.outcome is Outcome.FOUND and found.work is not None
    assert found.work.doi == "10.5555/wpr.2015.8"
    assert "neither Crossref nor OpenAlex knows the DOI 10.5555/wpr.2015.99" in found.detail
    assert "10.5555/wpr.2015.8" in found.detail
    assert not_found.outcome is Outcome.NOT_FOUND and not_found.work is None
    assert thin.outcome is Outcome.UNCHECKED and "too little to search for" in thin.detail


# ---------------------------------------------------------------- by search

MESSY = [
    # typos in the title
    ("Okonkwo, A., Lindqvist, P. and Moreau, H. (2019) ‘Tidal resonence in narow estuaries: a field study’, "
     "Journal of Coastal Dynamics, 12(3), pp. 44–59.", "10.5555/tide.2019.001"),
    # no subtitle, initials only, the journal abbreviated
    ("Okonkwo A, Lindqvist P, Moreau H. Tidal resonance in narrow estuaries. J Coast Dyn. 2019;12(3):44-59.",
     "10.5555/tide.2019.001"),
    # the online-first year, et al.
    ("Okonkwo, A. et al. (2018). Tidal resonance in narrow estuaries: A field study. Journal of Coastal Dynamics.",
     "10.5555/tide.2019.001"),
    # a truncated title
    ("Okonkwo, A., Lindqvist, P. & Moreau, H. (2019). Tidal resonance in narrow estuar... Journal of Coastal "
     "Dynamics, 12, 44.", "10.5555/tide.2019.001"),
    # capitals, accents dropped, a year off
    ("HARALDSDOTTIR, S. & PETRENKO, I. 2017. LICHEN SUCCESSION ON VOLCANIC GLASS. Arctic Botany Letters, 9, 3–17.",
     "10.5555/lichen.2016.9"),
    # Chicago, title case, full names
    ("Haraldsdóttir, Sigrún, and Ivan Petrenko. 2016. “Lichen Succession on Volcanic Glass.” Arctic Botany "
     "Letters 9: 3–17.", "10.5555/lichen.2016.9"),
    # a book without its subtitle, a particle
    ("van der Meulen, J. (2012). The quiet ledger. Amsterdam: Harbour Press.", "10.5555/ledger.2012"),
    # IEEE, abbreviated proceedings
    ("[3] R. Tanaka, F. Oduya, I. Brandt, and T. Novak, \"Sparse attention for long-horizon weather emulation,\" "
     "in Proc. Workshop Mach. Learn. Climate, 2022, pp. 1–9.", "10.5555/mlclim.2022.7"),
    # "In:" noise, et al.
    ("Tanaka, R. et al. (2022) ‘Sparse attention for long-horizon weather emulation’, In: Proceedings of the "
     "Workshop on Machine Learning for Climate, pp. 1–9.", "10.5555/mlclim.2022.7"),
    # a misspelled author, Vancouver
    ("Fairwether G, Castellano R. Measuring trust in municipal water utilities. Water Policy Rev. 2015;8:201–19.",
     "10.5555/wpr.2015.8"),
    # ACM, given names first, title case
    ("Gwen Fairweather and Rubén Castellano. 2015. Measuring Trust in Municipal Water Utilities. Water Policy "
     "Review 8 (2015), 201–219.", "10.5555/wpr.2015.8"),
    # punctuation differs
    ("Engebretsen, K. (2021). Phonological drift in heritage Norwegian spoken in the mid-west. Journal of "
     "Germanic Linguistics Studies 3(1), 1-22.", "10.5555/jgls.2021.3"),
    # a title with markup in Crossref
    ("Adebayo, Y. and Hoffmann, L. (2020) ‘Bounds on k-colourings of sparse hypergraphs with n vertices’, "
     "Combinatorics Today, 7, pp. 101–130.", "10.5555/comb.2020.11"),
    # only OpenAlex has it, without a DOI
    ("Kobori, H. and Wrona, T. (2011) ‘Kiln temperatures inferred from glaze crazing in Song dynasty stoneware’, "
     "Journal of Ceramic Archaeometry, 4(1), pp. 1–15.", ""),
]


def test_messy_entries_of_real_works_are_found(servers: Servers) -> None:
    results = verify([parse(entry) for entry, _ in MESSY], servers)
    got = [(v.outcome, v.work.doi if v.work else None) for v in results]
    assert got == [(Outcome.FOUND, doi) for _, doi in MESSY], [v.detail for v in results]
    assert all(v.score >= 0.8 for v in results), [v.score for v in results]
    assert results[-1].work is not None and results[-1].work.source == "openalex"


INVENTED = [
    # close-ish to real titles, by other people
    "Brightwater, L. and Quansah, E. (2018) ‘Tidal resonance in shallow lagoons: a modelling study’, Journal of "
    "Coastal Dynamics, 11(2), pp. 30–41.",
    "Mendelsohn, R. (2016). Lichen succession on basaltic lava fields. Arctic Botany Letters, 4, 12–20.",
    "Pirelli, G., & Zhou, X. (2015). Measuring trust in rural water cooperatives. Water Policy Review, 8, 101–118.",
    "Achterberg, F. (2022) ‘Dense attention for short-horizon weather forecasting’, in Proceedings of the Workshop "
    "on Machine Learning for Climate, pp. 10–18.",
    "Okafor, N. (2021). Phonological drift in heritage Icelandic spoken in Manitoba. Journal of Germanic "
    "Linguistics Studies, 3(2), 40–61.",
    "Ferreira, D. and Lund, S. (2017) ‘Rapid synthesis of silver nanowires in ionic liquids’, Materials Chemistry "
    "Letters, 5, pp. 88–94.",
    "Nakashima, T. (2018). Bounds on list colourings of dense hypergraphs. Combinatorics Today, 7, 1–20.",
    # a real author, another subject
    "Castellano, R. (2019). Urban heat islands and informal settlement design. Cities and Climate, 6, 210–225.",
    # nothing like any work
    "Villanueva, C. (2019). Quantum entanglement in migratory songbird navigation corridors. Journal of Avian "
    "Physics, 2(1), 1–15.",
    "Thornbury, K. (2020). Post-colonial archives and the ethics of digital repatriation. Museum Studies Quarterly, "
    "14, 77–93.",
    "Halvorsen, E. and Mbeki, T. (2013) ‘Microplastic ingestion by deep-sea amphipods in the Kermadec trench’, "
    "Marine Pollution Reports, 9, pp. 55–67.",
    "[7] P. Ostrowski and L. Mwangi, “Trust calibration in municipal drone delivery networks,” IEEE Trans. Urban "
    "Syst., vol. 4, no. 2, pp. 88–97, 2021.",
]


def test_invented_references_are_not_found(servers: Servers) -> None:
    results = verify([parse(entry) for entry in INVENTED], servers)
    assert [v.outcome for v in results] == [Outcome.NOT_FOUND] * len(INVENTED), [v.detail for v in results]
    assert all(v.work is None for v in results)
    assert "no record close enough" in results[0].detail
    assert "another work" in results[0].detail  # the nearest candidate is named


def test_a_real_title_under_other_names_is_never_found(servers: Servers) -> None:
    entries = [
        # the very title of a real work, by invented people: grey, so silent
        "Pemberton, J. and Adeyemi, K. (2015). Measuring trust in municipal water utilities. Water Policy Review, "
        "8, 201–219.",
        # a real author, an invented title near one of hers
        "Engebretsen, K. (2021). Vowel mergers in heritage Icelandic spoken in Manitoba. Journal of Germanic "
        "Linguistics Studies, 3(2), 40–61.",
        # one real author of two, a title near the real one
        "Lindgren, P. and Osei, A. (2016) ‘Measuring distrust in municipal gas utilities’, Energy Policy Review, 3, "
        "pp. 5–17.",
    ]
    results = verify([parse(entry) for entry in entries], servers)
    assert all(v.outcome is not Outcome.FOUND for v in results), [(v.outcome, v.detail) for v in results]
    same_title = results[0]
    assert same_title.outcome is Outcome.UNCHECKED
    assert same_title.work is not None and same_title.work.doi == "10.5555/wpr.2015.8"
    assert "neither clearly this work nor clearly another" in same_title.detail


def test_books_and_unknown_kinds_are_not_called_missing(servers: Servers) -> None:
    book = parse("Ashdown, P. (2016). The ledger and the loom: textile accounts in Flemish guilds. Leuven: "
                 "Pressa Academica.")
    assert book.type == "book"
    [result] = verify([book], servers)
    assert result.outcome is Outcome.UNCHECKED and "patchily" in result.detail


def test_thin_entries_and_web_pages_are_not_looked_up(servers: Servers) -> None:
    entries = [
        parse("https://example.org/some/page"),
        parse("see the appendix"),
        parse("Marsh, P. (2019) ‘Tides rise again’, The Courier, 4 March. Available at: "
              "https://courier.example/tides (Accessed: 5 March 2019)."),
        Reference(Span(0, 0), "x", title="Tidal resonance in narrow estuaries"),  # no authors, no year
    ]
    results: list[Verification] = []
    seen = requests_during(lambda: results.extend(verify(entries, servers)))
    assert seen == []
    assert [v.outcome for v in results] == [Outcome.UNCHECKED] * 4
    assert all(v.detail.startswith("not looked up") for v in results), [v.detail for v in results]


# ---------------------------------------------------------------- failures

TIDE_DOI = "Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’, Journal of Coastal Dynamics. doi:{doi}"


def test_server_errors_timeouts_and_refusals_are_unchecked(servers: Servers) -> None:
    entries = [parse(TIDE_DOI.format(doi=d)) for d in ("10.5555/boom", "10.5555/busy", "10.5555/slow")]
    # a search that Crossref answers with a 500, and OpenAlex with nothing close
    entries.append(parse("Villanueva, C. (2019). Quantum explode entanglement in songbird corridors. Journal of "
                         "Avian Physics, 2(1), 1–15."))
    started = time.monotonic()
    results = verify(entries, servers, timeout=0.3, retries=1)
    assert time.monotonic() - started < 4
    assert [v.outcome for v in results] == [Outcome.UNCHECKED] * 4, [v.detail for v in results]
    boom, busy, slow, search = (v.detail for v in results)
    assert "HTTP 500" in boom and "HTTP 429" in busy and "timeout" in slow and "HTTP 500" in search
    refused = _closed_port_url()
    results = verify([parse(TIDE_DOI.format(doi="10.5555/tide.2019.001")), parse(MESSY[0][0])], servers,
                     crossref=refused, openalex=refused)
    assert [v.outcome for v in results] == [Outcome.UNCHECKED] * 2
    assert all("lookup failed" in v.detail and "dead" in v.detail for v in results), [v.detail for v in results]


def test_crossref_down_openalex_still_answers_by_doi(servers: Servers) -> None:
    [found] = verify([parse(TIDE_DOI.format(doi="10.5555/tide.2019.001"))], servers, crossref=_closed_port_url())
    assert found.outcome is Outcome.FOUND and found.work is not None and found.work.source == "openalex"


# ---------------------------------------------------------------- politeness and the cache


def test_mailto_goes_with_every_request(servers: Servers) -> None:
    references = [parse(MESSY[-1][0]), parse(TIDE_DOI.format(doi="10.6666/gut.2020.5"))]
    seen = requests_during(lambda: verify(references, servers, mailto="team@example.org"))
    assert {name for name, _ in seen} == {"crossref", "openalex"}
    for _, path in seen:
        assert parse_qs(urlsplit(path).query)["mailto"] == ["team@example.org"], path


def test_a_second_run_asks_nothing_thanks_to_the_cache(servers: Servers) -> None:
    cache = MemoryCache()
    references = [parse(entry) for entry, _ in MESSY[:3]] + [parse(INVENTED[0]),
                                                            parse(TIDE_DOI.format(doi="10.6666/gut.2020.5"))]
    first: list[Verification] = []
    asked = requests_during(lambda: first.extend(verify(references, servers, cache=cache, mailto="a@b.org")))
    assert asked
    second: list[Verification] = []
    again = requests_during(lambda: second.extend(verify(references, servers, cache=cache, mailto="c@d.org")))
    assert again == []
    assert second == first
    # The 404 of Crossref for the OpenAlex-only DOI was kept as a "not found".
    assert ("crossref", f"{servers.crossref}/works/10.6666/gut.2020.5", False) in cache.puts
    assert all("mailto" not in key for _, key, _ in cache.puts)
    # What is kept is slim: no reference lists.
    assert all('"reference":' not in json.dumps(value) and len(json.dumps(value)) < 20000
               for value in cache.kept.values())


def test_the_sqlite_cache_serves_a_second_run(servers: Servers, tmp_path: Any) -> None:
    from refcheck.netcache import ResponseCache

    references = [parse(MESSY[0][0]), parse(INVENTED[0]), parse(TIDE_DOI.format(doi="10.6666/gut.2020.5"))]
    cache = ResponseCache(tmp_path)
    try:
        first: list[Verification] = []
        assert requests_during(lambda: first.extend(verify(references, servers, cache=cache)))
        second: list[Verification] = []
        assert requests_during(lambda: second.extend(verify(references, servers, cache=cache))) == []
        assert second == first
    finally:
        cache.close()


def test_the_same_lookup_is_made_once(servers: Servers) -> None:
    reference = parse(TIDE_DOI.format(doi="10.5555/tide.2019.001"))
    results: list[Verification] = []
    seen = requests_during(lambda: results.extend(verify([reference, reference, reference], servers)))
    assert len(seen) == 1
    assert [v.reference for v in results] == [0, 1, 2]
    assert {v.outcome for v in results} == {Outcome.FOUND}


# ---------------------------------------------------------------- the rules, end to end

ARTICLE = """\
Estuaries resonate (Okonkwo et al., 2019), lagoons too (Brightwater and Quansah, 2018), and lichens
grow on glass (Haraldsdóttir and Petrenko, 2016); copper nanowires grow in water (Kowalczyk and
Ibekwe, 2017), and trust can be measured (Fairweather and Castellano, 2015).

## References

Brightwater, L. and Quansah, E. (2018) ‘Tidal resonance in shallow lagoons: a modelling study’, Journal of Coastal Dynamics, 11(2), pp. 30–41.

Fairweather, G. and Castellano, R. (2015) ‘Measuring trust in municipal water utilities’, Water Policy Review, 8, pp. 201–219. https://doi.org/10.5555/wpr.2015.8

Haraldsdóttir, S. and Petrenko, I. (2016) ‘Lichen succession on volcanic glass’, Arctic Botany Letters, 9, pp. 3–17. https://doi.org/10.5555/tide.2019.001

Kowalczyk, M. and Ibekwe, C. (2017) ‘Rapid synthesis of copper nanowires in ambient water’, Materials Chemistry Letters, 5, pp. 12–19. https://doi.org/10.5555/mcl.2017.42

Okonkwo, A., Lindqvist, P. and Moreau, H. (2019) ‘Tidal resonance in narrow estuaries: a field study’, Journal of Coastal Dynamics, 12(3), pp. 44–59.
"""


def test_the_four_rules_end_to_end(servers: Servers) -> None:
    offline = check_text(ARTICLE, "article.md")
    assert not [f for f in offline.findings if f.code.startswith("RC5")]
    assert len(offline.references) == 5
    verified = verify(offline.references, servers)
    assert [v.outcome for v in verified] == [Outcome.NOT_FOUND, Outcome.FOUND, Outcome.MISMATCH, Outcome.FOUND,
                                             Outcome.FOUND]
    result = with_online(offline, Online(verified=verified))
    rc5 = [(f.code, f.rule, str(f.severity), f.message) for f in result.findings if f.code.startswith("RC5")]
    assert rc5 == [
        ("RC501", "reference-not-found", "warning",
         "Brightwater and Quansah (2018) matches no record in Crossref or OpenAlex: check that the work exists "
         "and that its title and authors are right"),
        ("RC502", "metadata-mismatch", "error",
         "the DOI 10.5555/tide.2019.001 of Haraldsdóttir and Petrenko (2016) is registered for a different work: "
         "title ‘Lichen succession on volcanic glass’ here, ‘Tidal resonance in narrow estuaries: a field study’ "
         "in Crossref; author ‘Haraldsdóttir, Petrenko’ here, ‘Okonkwo, Lindqvist, Moreau’ in Crossref; "
         "year ‘2016’ here, ‘2018/2019’ in Crossref"),
        ("RC504", "retracted", "error",
         "Kowalczyk and Ibekwe (2017) cites a work that has been retracted (notice 10.5555/mcl.2018.notice7)"),
        ("RC503", "missing-doi", "info",
         "Okonkwo et al. (2019) gives no DOI; Crossref lists the work as 10.5555/tide.2019.001"),
    ]
    [missing] = [f for f in result.findings if f.code == "RC503"]
    assert missing.suggestion == "https://doi.org/10.5555/tide.2019.001"
    fixed = apply_fixes(ARTICLE, [missing])
    assert fixed == ARTICLE.replace("pp. 44–59.\n", "pp. 44–59. https://doi.org/10.5555/tide.2019.001\n")
    # Each finding sits on its entry.
    lines = {f.code: ARTICLE[: f.span.start].count("\n") + 1 for f in result.findings if f.code.startswith("RC5")}
    assert lines == {"RC501": 7, "RC502": 11, "RC504": 13, "RC503": 15}


def test_missing_doi_of_a_bib_file_entry_has_no_fix(servers: Servers, tmp_path: Any) -> None:
    from refcheck.sources import read_bibliography

    bib = tmp_path / "refs.bib"
    bib.write_text("@article{okonkwo2019,\n  author = {Okonkwo, Adaeze},\n"
                   "  title = {Tidal resonance in narrow estuaries},\n  journal = {Journal of Coastal Dynamics},\n"
                   "  year = {2019}\n}\n", encoding="utf-8")
    text = "Estuaries resonate [@okonkwo2019].\n"
    offline = check_text(text, "a.md", sources=[read_bibliography(bib)])
    verified = verify(offline.references, servers)
    assert [v.outcome for v in verified] == [Outcome.FOUND]
    result = with_online(offline, Online(verified=verified))
    [missing] = [f for f in result.findings if f.code == "RC503"]
    assert missing.origin is not None and missing.origin.line == 1
    assert missing.suggestion == "https://doi.org/10.5555/tide.2019.001" and missing.fix == ()


def test_rules_say_nothing_without_the_network_or_when_unchecked(servers: Servers) -> None:
    offline = check_text(ARTICLE, "article.md")
    unchecked = [Verification(i, Outcome.UNCHECKED, detail="lookup failed") for i in range(5)]
    assert with_online(offline, Online(verified=unchecked)).findings == offline.findings
    assert with_online(offline, Online()).findings == offline.findings


def test_check_verify_on_the_command_line_fixes_the_missing_doi(servers: Servers, tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    article = tmp_path / "article.md"
    article.write_bytes(ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.casefold()}
    command = [sys.executable, "-m", "refcheck", "check", "article.md", "--verify", "--no-cache",
               "--crossref-url", servers.crossref, "--openalex-url", servers.openalex, "--mailto", "me@example.org",
               "--format", "json", "--fail-on", "error"]
    done = subprocess.run([*command, "--fix"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 1, done.stderr  # a mismatch and a retraction are errors
    assert "refcheck: fixed 1 problem in article.md" in done.stderr
    report = json.loads(done.stdout)
    assert sorted(f["rule"] for f in report["findings"] if f["code"].startswith("RC5")) == [
        "metadata-mismatch", "reference-not-found", "retracted"]  # missing-doi was fixed
    outcomes = [r["verification"]["outcome"] for r in report["documents"][0]["references"]]
    assert outcomes == ["not-found", "found", "mismatch", "found", "found"]
    expected = ARTICLE.replace("pp. 44–59.\n", "pp. 44–59. https://doi.org/10.5555/tide.2019.001\n")
    assert article.read_bytes() == expected.replace("\n", "\r\n").encode("utf-8")
    again = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert "missing-doi" not in again.stdout
