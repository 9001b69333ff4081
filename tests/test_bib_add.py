"""``refcheck bib add``: identifiers, lookups against a local server shaped like the real APIs,
keys, and appends that keep every byte of the library."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.bib.fetch import (
    arxiv_item,
    crossref_item,
    csl_item,
    isbn13,
    openalex_item,
    openlibrary_item,
    read_identifier,
)
from refcheck.bib.keys import make_key
from refcheck.convert.bibtex import from_bibtex, to_bibtex

# ---- made-up works, in the shapes the services answer with -------------------------------------

ALPHA_DOI = "10.5555/rc.alpha.2019"
BETA_DOI = "10.5555/rc.beta.2020"
GAMMA_DOI = "10.5555/rc.gamma.2021"
MISSING_DOI = "10.5555/rc.nowhere"

ALPHA_CSL = {  # content negotiation at the resolver: CSL-JSON with Crossref's extras
    "indexed": {"date-parts": [[2024, 1, 2]]},
    "reference-count": 2,
    "reference": [{"key": "r1", "unstructured": "Someone (2001)."}],
    "license": [{"URL": "https://example.org/licence"}],
    "type": "article-journal",
    "title": "Tidal Rhythms in Estuarine Sediments",
    "author": [{"given": "Ada", "family": "Okonkwo", "sequence": "first"},
               {"given": "Jonas", "family": "Brandt", "sequence": "additional"}],
    "container-title": "Journal of Imaginary Geology",
    "volume": "12",
    "issue": "3",
    "page": "101-119",
    "publisher": "Example Society",
    "issued": {"date-parts": [[2019, 6, 1]]},
    "DOI": ALPHA_DOI,
    "URL": f"https://doi.org/{ALPHA_DOI}",
    "ISSN": ["1234-5679"],
}
BETA_CROSSREF = {
    "status": "ok",
    "message-type": "work",
    "message": {
        "DOI": BETA_DOI,
        "type": "journal-article",
        "title": ["The Grammar of Lighthouses"],
        "subtitle": ["Signals at Sea"],
        "author": [{"given": "Mirela", "family": "Drăgan", "sequence": "first", "affiliation": []}],
        "container-title": ["Coastal Semiotics"],
        "published-print": {"date-parts": [[2020, 5]]},
        "issued": {"date-parts": [[2020, 5]]},
        "volume": "8",
        "page": "7-29",
        "publisher": "Harbour Lane Press",
        "reference": [{"key": "x"}],
    },
}
GAMMA_OPENALEX = {
    "id": "https://openalex.org/W0000000001",
    "doi": f"https://doi.org/{GAMMA_DOI}",
    "title": "Counting Moths by Moonlight",
    "display_name": "Counting Moths by Moonlight",
    "publication_year": 2021,
    "publication_date": "2021-09-14",
    "type": "article",
    "authorships": [{"author": {"display_name": "Tomasz Wierzbicki"}},
                    {"author": {"display_name": "Lena Hafstad"}}],
    "primary_location": {"source": {"display_name": "Annals of Nocturnal Ecology"}},
    "biblio": {"volume": "4", "issue": "2", "first_page": "55", "last_page": "70"},
}
BOOK_ISBN = "9780306406157"
BOOK = {
    "url": "https://openlibrary.org/books/OL0000000M/a-field-guide",
    "key": "/books/OL0000000M",
    "title": "A Field Guide to Invisible Cities",
    "authors": [{"url": "https://openlibrary.org/authors/OL1A/Ilse_Marquardt", "name": "Ilse Marquardt"}],
    "number_of_pages": 212,
    "identifiers": {"isbn_10": ["0306406152"], "isbn_13": [BOOK_ISBN]},
    "publishers": [{"name": "Harbour Lane Press"}],
    "publish_places": [{"name": "Rotterdam"}],
    "publish_date": "March 2015",
}

EDITION_ISBN = "9781861972712"  # known to Open Library's edition records, not to its books API
EDITION = {
    "key": "/books/OL2M",
    "title": "Salt and Ledger",
    "subtitle": "Accounts of a Trading House",
    "authors": [{"key": "/authors/OL9A"}],
    "publishers": ["Quayside Books"],
    "publish_date": "1998",
    "isbn_13": [EDITION_ISBN],
}


def _atom(entries: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
            '  <title type="html">ArXiv Query: id_list</title>\n'
            f'  <opensearch:totalResults>1</opensearch:totalResults>\n{entries}</feed>\n')


SPARSE = """  <entry>
    <id>http://arxiv.org/abs/2101.01234v2</id>
    <updated>2021-02-01T10:00:00Z</updated>
    <published>2021-01-04T18:00:00Z</published>
    <title>Sparse Echoes: Learning
      from Quiet Data</title>
    <summary>We listen.</summary>
    <author><name>Priya Raman</name></author>
    <author><name>Jonas Brandt</name></author>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""
TEACUP = """  <entry>
    <id>http://arxiv.org/abs/hep-th/9901001v1</id>
    <published>1999-01-02T00:00:00Z</published>
    <title>Strings on a Teacup</title>
    <author><name>Aurelio Benedetti</name></author>
    <arxiv:doi>10.5555/rc.teacup.1999</arxiv:doi>
    <arxiv:primary_category term="hep-th" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""
ARXIV_ERROR = """  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_9999.99999</id>
    <title>Error</title>
    <summary>incorrect id format for 9999.99999</summary>
  </entry>
"""


# ---- the server --------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    log: list[dict[str, str]]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the name is http.server's
        pass

    def _send(self, status: int, body: bytes = b"", kind: str = "application/json", location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, kind: str = "application/json") -> None:
        self._send(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), kind)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.log.append({"path": path, "query": url.query, "accept": self.headers.get("Accept", ""),
                         "agent": self.headers.get("User-Agent", "")})
        csl = "application/vnd.citationstyles.csl+json"
        if path.startswith("/doi/"):
            doi = path[len("/doi/"):]
            if doi == ALPHA_DOI:  # the resolver sends content negotiation on to the agency's API
                return self._send(302, location=f"/cn/{doi}")
            if doi in (BETA_DOI, GAMMA_DOI):
                return self._send(406, b"not acceptable", "text/plain")
            return self._send(404, b"DOI not found", "text/html")
        if path == f"/cn/{ALPHA_DOI}":
            if self.headers.get("Accept") != csl:
                return self._send(406)
            return self._json(ALPHA_CSL, csl)
        if path.startswith("/crossref/works/"):
            doi = path[len("/crossref/works/"):]
            if doi == BETA_DOI:
                return self._json(BETA_CROSSREF)
            return self._send(404, b"Resource not found.", "text/plain")
        if path.startswith("/openalex/works/doi:"):
            if path[len("/openalex/works/doi:"):] == GAMMA_DOI:
                return self._json(GAMMA_OPENALEX)
            return self._send(404, b'{"error": "404"}')
        if path == f"/ol/isbn/{EDITION_ISBN}.json":
            return self._send(302, location="/ol/books/OL2M.json")
        if path == "/ol/books/OL2M.json":
            return self._json(EDITION)
        if path == "/ol/authors/OL9A.json":
            return self._json({"key": "/authors/OL9A", "name": "Noor Haddad", "personal_name": "Noor Haddad"})
        if path == "/ol/api/books":
            key = query.get("bibkeys", "")
            return self._json({key: BOOK} if key == f"ISBN:{BOOK_ISBN}" else {})
        if path == "/arxiv":
            # A batch with an unknown id in it is answered with the error alone, as arXiv does.
            known = {"2101.01234": SPARSE, "2101.01234v2": SPARSE, "hep-th/9901001": TEACUP}
            wanted = query.get("id_list", "").split(",")
            entries = "".join(known[w] for w in wanted) if all(w in known for w in wanted) else ARXIV_ERROR
            return self._send(200, _atom(entries).encode("utf-8"), "application/atom+xml")
        return self._send(404, b"no route")


class Server:
    def __init__(self) -> None:
        self.log: list[dict[str, str]] = []
        handler = type("Handler", (_Handler,), {"log": self.log})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def options(self) -> list[str]:
        return ["--doi-url", f"{self.base}/doi/", "--crossref-url", f"{self.base}/crossref",
                "--openalex-url", f"{self.base}/openalex", "--openlibrary-url", f"{self.base}/ol",
                "--arxiv-url", f"{self.base}/arxiv"]

    def paths(self) -> list[str]:
        return [r["path"] for r in self.log]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    serving = Server()
    yield serving
    serving.httpd.shutdown()
    serving.httpd.server_close()


@pytest.fixture()
def api(server: Server) -> Server:
    server.log.clear()
    return server


# The CLI runs in a subprocess whose sockets cannot leave this machine: name lookups and
# connections to anything but 127.0.0.1 fail, so that no test can touch the internet.
RUNNER = """
import socket, sys
_getaddrinfo, _connect = socket.getaddrinfo, socket.socket.connect
LOCAL = ("127.0.0.1", "::1", "localhost")
def getaddrinfo(host, *args, **kwargs):
    if host not in LOCAL and host is not None:
        raise socket.gaierror(socket.EAI_NONAME, f"no internet in tests: {host}")
    return _getaddrinfo(host, *args, **kwargs)
def connect(self, address):
    if isinstance(address, tuple) and address[0] not in LOCAL:
        raise OSError(f"no internet in tests: {address[0]}")
    return _connect(self, address)
socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
from refcheck.cli import main
sys.exit(main(sys.argv[1:]))
"""


def refcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.casefold()}
    done = subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, timeout=90, env=env, cwd=cwd)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def add(api: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return refcheck("bib", "add", *args, *api.options())


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- identifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("10.5555/rc.alpha.2019", "doi", "10.5555/rc.alpha.2019"),
    ("doi:10.5555/rc.alpha.2019", "doi", "10.5555/rc.alpha.2019"),
    ("DOI: 10.5555/rc.alpha.2019", "doi", "10.5555/rc.alpha.2019"),
    ("https://doi.org/10.5555/rc.alpha.2019", "doi", "10.5555/rc.alpha.2019"),
    ("http://dx.doi.org/10.1002/(SICI)1097-4571", "doi", "10.1002/(SICI)1097-4571"),
    ("0-306-40615-2", "isbn", "9780306406157"),
    ("0306406152", "isbn", "9780306406157"),
    ("978-0-306-40615-7", "isbn", "9780306406157"),
    ("ISBN 978-1-86197-271-2", "isbn", "9781861972712"),
    ("080442957X", "isbn", "9780804429573"),
    ("2101.01234", "arxiv", "2101.01234"),
    ("2101.01234v2", "arxiv", "2101.01234v2"),
    ("arXiv:2101.01234", "arxiv", "2101.01234"),
    ("https://arxiv.org/abs/2101.01234v3", "arxiv", "2101.01234v3"),
    ("0704.0001", "arxiv", "0704.0001"),
    ("hep-th/9901001", "arxiv", "hep-th/9901001"),
    ("arXiv:math.GT/0309136", "arxiv", "math.GT/0309136"),
])  # fmt: skip
def test_identifiers_are_read(text: str, kind: str, value: str) -> None:
    identifier = read_identifier(text)
    assert (identifier.kind, identifier.value) == (kind, value)


@pytest.mark.parametrize(("text", "why"), [
    ("978-0-306-40615-8", "check digit"),
    ("0-306-40615-3", "check digit"),
    ("hello", "not a DOI, ISBN or arXiv id"),
    ("10.12/x", "not a DOI, ISBN or arXiv id"),
    ("2101.012", "not a DOI, ISBN or arXiv id"),
    ("", "not a DOI, ISBN or arXiv id"),
])  # fmt: skip
def test_bad_identifiers_are_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        read_identifier(text)


def test_isbn13_of_isbn10() -> None:
    assert isbn13("0-306-40615-2") == BOOK_ISBN
    assert isbn13("978-0-306-40615-8") == ""


# ---- conversions -----------------------------------------------------------------------------


def test_crossref_message_becomes_csl() -> None:
    item = crossref_item(BETA_CROSSREF["message"])  # type: ignore[arg-type]
    assert item == {
        "type": "article-journal", "title": "The Grammar of Lighthouses: Signals at Sea",
        "author": [{"family": "Drăgan", "given": "Mirela"}], "issued": {"date-parts": [[2020, 5]]},
        "container-title": "Coastal Semiotics", "volume": "8", "page": "7-29",
        "publisher": "Harbour Lane Press", "DOI": BETA_DOI,
    }  # fmt: skip


def test_markup_is_taken_out_of_titles() -> None:
    item = crossref_item({"title": ["Growth of <i>E.&#160;coli</i> in H<sub>2</sub>O &amp; <jats:italic>salt</jats:italic>"],
                          "container-title": ["Fish &amp; Chips"], "type": "journal-article"})
    assert item["title"] == "Growth of E. coli in H2O & salt"
    assert item["container-title"] == "Fish & Chips"
    assert crossref_item({"title": ["a < b and c > d"]})["title"] == "a < b and c > d"


def test_openalex_work_becomes_csl() -> None:
    item = openalex_item(GAMMA_OPENALEX)
    assert item["author"] == [{"family": "Wierzbicki", "given": "Tomasz"}, {"family": "Hafstad", "given": "Lena"}]
    assert item["issued"] == {"date-parts": [[2021, 9, 14]]}
    assert (item["container-title"], item["page"], item["DOI"]) == ("Annals of Nocturnal Ecology", "55-70", GAMMA_DOI)


def test_arxiv_entry_becomes_csl() -> None:
    found = arxiv_item(_atom(SPARSE).encode(), "2101.01234")
    assert found is not None
    item, extra = found
    assert item["title"] == "Sparse Echoes: Learning from Quiet Data"
    assert item["number"] == "2101.01234" and item["URL"] == "https://arxiv.org/abs/2101.01234"
    assert extra == {"eprint": "2101.01234", "archivePrefix": "arXiv", "primaryClass": "cs.LG"}
    assert arxiv_item(_atom(ARXIV_ERROR).encode(), "9999.99999") is None
    with pytest.raises(ValueError):
        arxiv_item(b"<feed", "2101.01234")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
_KEYS = st.sampled_from(["title", "subtitle", "author", "editor", "issued", "published-print", "type", "DOI",
                         "container-title", "page", "authorships", "publication_date", "publication_year",
                         "primary_location", "biblio", "doi", "authors", "publishers", "publish_date", "name",
                         "display_name", "family", "given", "date-parts", "source", "first_page"])
_RECORDS = st.dictionaries(_KEYS, _JSON | st.lists(st.dictionaries(_KEYS, _JSON, max_size=3), max_size=2),
                           max_size=8)


@settings(max_examples=300, deadline=None)
@given(_RECORDS)
def test_conversions_never_crash_and_give_writable_items(record: dict[str, Any]) -> None:
    for item in (csl_item(record), crossref_item(record), openalex_item(record), openlibrary_item(record, BOOK_ISBN)):
        assert isinstance(item["type"], str)
        make_key(item)
        to_bibtex([item])


# ---- each kind through the command line ------------------------------------------------------


def test_doi_by_content_negotiation_through_a_redirect(api: Server) -> None:
    done = add(api, ALPHA_DOI)
    assert done.returncode == 0, done.stderr
    assert api.paths() == [f"/doi/{ALPHA_DOI}", f"/cn/{ALPHA_DOI}"]
    assert all(r["accept"] == "application/vnd.citationstyles.csl+json" for r in api.log)
    assert done.stdout.startswith("@article{okonkwo2019tidal,\n")
    items, problems = from_bibtex(done.stdout)
    assert problems == []
    (item,) = items
    assert item["title"] == "Tidal Rhythms in Estuarine Sediments"
    assert item["container-title"] == "Journal of Imaginary Geology"
    assert [a["family"] for a in item["author"]] == ["Okonkwo", "Brandt"]
    assert (item["DOI"], item["volume"], item["page"]) == (ALPHA_DOI, "12", "101-119")
    assert "\tpages = {101--119},\n" in done.stdout
    assert "reference" not in done.stdout.lower() and "licence" not in done.stdout
    assert "url = " not in done.stdout  # only the DOI's own link: the doi field is enough


def test_doi_falls_back_to_crossref_when_negotiation_is_refused(api: Server) -> None:
    done = add(api, f"doi:{BETA_DOI}", "--mailto", "someone@example.org")
    assert done.returncode == 0, done.stderr
    assert api.paths() == [f"/doi/{BETA_DOI}", f"/crossref/works/{BETA_DOI}"]
    assert "mailto=someone%40example.org" in api.log[1]["query"]
    assert "mailto:someone@example.org" in api.log[1]["agent"]
    (item,), _ = from_bibtex(done.stdout)
    assert item["id"] == "dragan2020grammar"
    assert item["title"] == "The Grammar of Lighthouses: Signals at Sea"
    assert item["author"] == [{"family": "Drăgan", "given": "Mirela"}]


def test_doi_falls_back_to_openalex_when_crossref_does_not_know_it(api: Server) -> None:
    done = add(api, f"https://doi.org/{GAMMA_DOI}", "--format", "csl-json")
    assert done.returncode == 0, done.stderr
    assert api.paths() == [f"/doi/{GAMMA_DOI}", f"/crossref/works/{GAMMA_DOI}", f"/openalex/works/doi:{GAMMA_DOI}"]
    (item,) = json.loads(done.stdout)
    assert item["id"] == "wierzbicki2021counting" and "citation-key" not in item
    assert item["container-title"] == "Annals of Nocturnal Ecology"


def test_isbn_from_open_library(api: Server) -> None:
    done = add(api, "0-306-40615-2")
    assert done.returncode == 0, done.stderr
    assert api.paths() == ["/ol/api/books"]
    assert "bibkeys=ISBN%3A9780306406157" in api.log[0]["query"] and "jscmd=data" in api.log[0]["query"]
    assert done.stdout.startswith("@book{marquardt2015field,\n")
    (item,), _ = from_bibtex(done.stdout)
    assert (item["publisher"], item["publisher-place"], item["ISBN"]) == ("Harbour Lane Press", "Rotterdam", BOOK_ISBN)
    assert item["issued"] == {"date-parts": [[2015]]}


def test_arxiv_new_style_as_misc_with_eprint(api: Server) -> None:
    done = add(api, "arXiv:2101.01234")
    assert done.returncode == 0, done.stderr
    assert api.paths() == ["/arxiv"] and "id_list=2101.01234" in api.log[0]["query"]
    assert done.stdout == (
        "@misc{raman2021sparse,\n"
        "\tauthor = {Raman, Priya and Brandt, Jonas},\n"
        "\ttitle = {Sparse Echoes: Learning from Quiet Data},\n"
        "\tyear = {2021},\n"
        "\tmonth = {1},\n"
        "\turl = {https://arxiv.org/abs/2101.01234},\n"
        "\teprint = {2101.01234},\n"
        "\tarchivePrefix = {arXiv},\n"
        "\tprimaryClass = {cs.LG}\n"
        "}\n"
    )


def test_arxiv_old_style_keeps_its_doi_and_version(api: Server) -> None:
    done = add(api, "hep-th/9901001", "2101.01234v2")
    assert done.returncode == 0, done.stderr
    assert api.paths() == ["/arxiv"] and "id_list=hep-th%2F9901001%2C2101.01234v2" in api.log[0]["query"]
    assert "eprint = {hep-th/9901001}" in done.stdout and "primaryClass = {hep-th}" in done.stdout
    assert "doi = {10.5555/rc.teacup.1999}" in done.stdout
    assert "eprint = {2101.01234v2}" in done.stdout


# ---- what goes wrong -------------------------------------------------------------------------


def test_not_found_is_one_line_and_the_others_are_still_added(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.bib"
    done = add(api, MISSING_DOI, "9999.99999", ALPHA_DOI, "--to", str(library))
    assert done.returncode == 1
    _no_traceback(done)
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 2
    assert MISSING_DOI in errors[0] and "not found" in errors[0]
    assert "9999.99999" in errors[1] and "not found" in errors[1]
    (item,), _ = from_bibtex(library.read_text())
    assert item["DOI"] == ALPHA_DOI


def test_an_unknown_arxiv_id_in_a_batch_is_asked_alone(api: Server) -> None:
    done = add(api, "2101.01234", "9999.99999", "hep-th/9901001")
    assert done.returncode == 1
    assert done.stderr.count("not found") == 1 and "arXiv:9999.99999" in done.stderr
    assert done.stdout.count("@misc{") == 2
    queries = [r["query"] for r in api.log]
    assert len(queries) == 4 and "%2C" in queries[0] and all("%2C" not in q for q in queries[1:])


def test_isbn_from_the_edition_record_when_the_books_api_knows_nothing(api: Server) -> None:
    done = add(api, "978-1-86197-271-2")
    assert done.returncode == 0, done.stderr
    assert api.paths() == ["/ol/api/books", f"/ol/isbn/{EDITION_ISBN}.json", "/ol/books/OL2M.json",
                           "/ol/authors/OL9A.json"]
    (item,), _ = from_bibtex(done.stdout)
    assert item["id"] == "haddad1998salt"
    assert (item["title"], item["publisher"], item["ISBN"]) == (
        "Salt and Ledger: Accounts of a Trading House", "Quayside Books", EDITION_ISBN)


def test_unknown_isbn_is_not_found(api: Server) -> None:
    done = add(api, "978-3-16-148410-0")
    assert done.returncode == 1 and "9783161484100" in done.stderr and "not found" in done.stderr
    assert done.stdout == ""
    assert api.paths() == ["/ol/api/books", "/ol/isbn/9783161484100.json"]


def test_bad_isbn_checksum_and_unknown_identifiers_are_errors(api: Server) -> None:
    done = add(api, "978-0-306-40615-8", "not-an-id", ALPHA_DOI)
    assert done.returncode == 2
    _no_traceback(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 2
    assert "978-0-306-40615-8" in lines[0] and "check digit" in lines[0]
    assert "not-an-id" in lines[1]
    assert "@article{okonkwo2019tidal," in done.stdout


def test_network_failure_is_one_line_exit_2(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{_closed_port()}"
    library = tmp_path / "lib.bib"
    library.write_bytes(b"@misc{a, title={A}}\n")
    done = refcheck("bib", "add", ALPHA_DOI, "0306406152", "--to", str(library), "--timeout", "5",
                    "--doi-url", f"{down}/doi/", "--crossref-url", down, "--openalex-url", down,
                    "--openlibrary-url", down, "--arxiv-url", down)
    assert done.returncode == 2
    _no_traceback(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and all("lookup failed" in line for line in lines)
    assert library.read_bytes() == b"@misc{a, title={A}}\n"


def test_no_internet_is_touched_even_with_the_default_endpoints() -> None:
    done = refcheck("bib", "add", ALPHA_DOI, "--timeout", "5")
    assert done.returncode == 2
    _no_traceback(done)
    assert "lookup failed" in done.stderr


def test_bad_library_suffix_or_key_pattern(api: Server, tmp_path: Path) -> None:
    done = add(api, ALPHA_DOI, "--to", str(tmp_path / "lib.txt"))
    assert done.returncode == 2 and "a library is a .bib or a CSL-JSON .json file" in done.stderr
    done = add(api, ALPHA_DOI, "--key-pattern", "{nope}")
    assert done.returncode == 2 and "{nope}" in done.stderr
    assert api.log == []


# ---- the library -----------------------------------------------------------------------------


def test_identifier_already_in_the_library_is_not_added(api: Server, tmp_path: Path) -> None:
    original = (
        "@article{mine,\n  title = {Tidal rhythms},\n  doi = {https://doi.org/10.5555/RC.ALPHA.2019}\n}\n\n"
        "@book{book, title = {Guide}, isbn = {978-0-306-40615-7}}\n\n"
        "@misc{pre, title = {Echoes}, eprint = {2101.01234v1}, archivePrefix = {arXiv}}\n"
    ).encode()
    library = tmp_path / "lib.bib"
    library.write_bytes(original)
    done = add(api, ALPHA_DOI, "0306406152", "arXiv:2101.01234v2", "--to", str(library))
    assert done.returncode == 0, done.stderr
    assert api.log == []  # nothing looked up
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and all("already in" in line for line in lines)
    assert "as mine" in lines[0] and "as book" in lines[1] and "as pre" in lines[2]
    assert library.read_bytes() == original


def test_identifier_given_twice_is_added_once(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.bib"
    done = add(api, ALPHA_DOI, f"doi:{ALPHA_DOI.upper()}", "--to", str(library))
    assert done.returncode == 0, done.stderr
    items, _ = from_bibtex(library.read_text())
    assert len(items) == 1


def test_keys_are_unique_against_the_library_and_each_other(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.bib"
    library.write_bytes(b"@article{okonkwo2019tidal, title = {Another Work}}\n")
    done = add(api, ALPHA_DOI, "--to", str(library))
    assert done.returncode == 0, done.stderr
    assert "added okonkwo2019tidala" in done.stderr
    done = add(api, "2101.01234", "--to", str(library), "--key-pattern", "{year}")
    done = add(api, "2101.01234v2", "hep-th/9901001", "--key-pattern", "{year}x")
    assert done.returncode == 0, done.stderr
    assert "@misc{2021x," in done.stdout and "@misc{1999x," in done.stdout
    text = library.read_text()
    assert "@misc{2021," in text
    keys = [item["id"] for item in from_bibtex(text)[0]]
    assert keys == ["okonkwo2019tidal", "okonkwo2019tidala", "2021"]


@pytest.mark.parametrize(("original", "separator", "newline"), [
    (b"@misc{a,\n  title = {A}\n}\n", b"\n", b"\n"),
    (b"@misc{a,\r\n  title = {A}\r\n}\r\n", b"\r\n", b"\r\n"),
    (b"@misc{a,\n  title = {A}\n}", b"\n\n", b"\n"),
    (b"@misc{a,\r\n  title = {A}\r\n}", b"\r\n\r\n", b"\r\n"),
    (b"% my library\n@misc{a, title = {A}}\n\n", b"", b"\n"),
    (b"\xef\xbb\xbf@misc{a, title = {\xc3\x84}}  \t\n% trailing comment", b"\n\n", b"\n"),
    (b"@misc{a, title = {\xe9t\xe9}}\n", b"\n", b"\n"),  # Latin-1: the new entries are ASCII
    (b"\n\n", b"", b"\n"),
    (b"", b"", b"\n"),
])  # fmt: skip
def test_append_keeps_every_byte_of_the_bib_file(api: Server, tmp_path: Path, original: bytes,
                                                  separator: bytes, newline: bytes) -> None:
    library = tmp_path / "lib.bib"
    library.write_bytes(original)
    done = add(api, ALPHA_DOI, "0306406152", "--to", str(library))
    assert done.returncode == 0, done.stderr
    data = library.read_bytes()
    assert data.startswith(original + separator + b"@article{okonkwo2019tidal,")
    added = data[len(original) + len(separator):]
    assert added.endswith(b"}" + newline)
    if newline == b"\r\n":
        assert b"\n" not in added.replace(b"\r\n", b"")
    else:
        assert b"\r" not in added
    assert b"\n\n@book{marquardt2015field," in added.replace(b"\r\n", b"\n")
    assert added.isascii()
    items, problems = from_bibtex(data.decode("utf-8", errors="replace").lstrip("\ufeff"))
    assert [i["id"] for i in items][-2:] == ["okonkwo2019tidal", "marquardt2015field"]


def test_a_missing_library_is_made(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "new.bib"
    done = add(api, GAMMA_DOI, "--to", str(library))
    assert done.returncode == 0, done.stderr
    assert library.read_text().startswith("@article{wierzbicki2021counting,\n")


def test_write_is_atomic_and_keeps_the_mode(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.bib"
    library.write_bytes(b"@misc{a, title={A}}\n")
    library.chmod(0o640)
    done = add(api, ALPHA_DOI, "--to", str(library))
    assert done.returncode == 0, done.stderr
    assert library.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib.bib"]  # no temporary file left


EXISTING = [
    {"id": "old1", "type": "book", "title": "Older Things", "author": [{"family": "Ng", "given": "Wen"}],
     "issued": {"date-parts": [[1990]]}, "ISBN": "978-1-86197-271-2"},
    {"id": "okonkwo2019tidal", "type": "article-journal", "title": "Not the Same", "note": "ü"},
]


@pytest.mark.parametrize("layout", ["indent2", "indent4-crlf", "compact", "object"])
def test_csl_json_library(api: Server, tmp_path: Path, layout: str) -> None:
    if layout == "indent2":
        original = json.dumps(EXISTING, indent=2, ensure_ascii=False) + "\n"
    elif layout == "indent4-crlf":
        original = json.dumps(EXISTING, indent=4, ensure_ascii=False).replace("\n", "\r\n") + "\r\n"
    elif layout == "compact":
        original = json.dumps(EXISTING, ensure_ascii=False)
    else:
        original = json.dumps({"items": EXISTING}, indent=2, ensure_ascii=False) + "\n"
    library = tmp_path / "lib.json"
    library.write_bytes(original.encode("utf-8"))
    done = add(api, ALPHA_DOI, "2101.01234", "9781861972712", "--to", str(library))
    assert done.returncode == 0, done.stderr
    assert "isbn:9781861972712 is already in" in done.stderr and "as old1" in done.stderr
    data = library.read_bytes()
    loaded = json.loads(data)
    items = loaded["items"] if layout == "object" else loaded
    assert items[:2] == EXISTING
    assert [i["id"] for i in items[2:]] == ["okonkwo2019tidala", "raman2021sparse"]
    assert items[2]["DOI"] == ALPHA_DOI and "citation-key" not in items[2]
    assert items[3]["archive"] == "arXiv" and items[3]["number"] == "2101.01234"
    if layout != "object":
        # The array's bytes up to its last item stay as they were.
        last = original.rstrip().rstrip("]").rstrip()
        assert data.startswith(last.encode("utf-8"))
        assert data.endswith(original[len(original.rstrip().rstrip("]").rstrip()):].encode("utf-8"))
    if layout == "indent4-crlf":
        assert b"\n" not in data.replace(b"\r\n", b"")
        assert b'\r\n    {\r\n        "id": "okonkwo2019tidala"' in data
    if layout == "compact":
        assert b"\n" not in data


@pytest.mark.parametrize("original", [b"[]", b"[\n]\n", b""])
def test_empty_csl_json_library(api: Server, tmp_path: Path, original: bytes) -> None:
    library = tmp_path / "lib.json"
    library.write_bytes(original)
    done = add(api, ALPHA_DOI, "--to", str(library))
    assert done.returncode == 0, done.stderr
    (item,) = json.loads(library.read_bytes())
    assert item["id"] == "okonkwo2019tidal"


def test_unreadable_csl_json_library_is_left_alone(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.json"
    library.write_bytes(b"[{,]")
    done = add(api, ALPHA_DOI, "--to", str(library))
    assert done.returncode == 2 and "lib.json:1" in done.stderr
    _no_traceback(done)
    assert library.read_bytes() == b"[{,]" and api.log == []


def test_csl_json_library_not_in_utf8_is_left_alone(api: Server, tmp_path: Path) -> None:
    library = tmp_path / "lib.json"
    library.write_bytes(b'[{"id": "a", "title": "\xe9"}]')
    done = add(api, ALPHA_DOI, "--to", str(library))
    assert done.returncode == 2 and "not UTF-8" in done.stderr
    _no_traceback(done)


def test_the_module_imports_only_the_standard_library() -> None:
    code = ("import sys, refcheck.bib.add; "
            "print(sorted(m for m in ('httpx', 'bibtexparser', 'refcheck.bib.fetch', 'refcheck.links') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
