"""refcheck serve: the form, checks of pasted text and uploads, downloads, limits and errors."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from refcheck import cli, serve

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's TestClient on httpx: deprecated, still what it ships
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SAMPLES = Path(__file__).parent.parent / "samples"

ARTICLE = """\
Cycle lanes cut collisions (Smith, 2021), though not everywhere (Jones, 2019).

References

Smith, J. (2020). Painted lanes and real collisions. Journal of Transport, 12(3), 45-67.
"""

MARKDOWN = """\
---
bibliography: refs.bib
---
Protected lanes matter [@smith2020], and so does lighting [@doe2018].

# References
"""

BIB = """\
@article{smith2020,
  author = {Smith, Jane},
  title = {Painted lanes and real collisions},
  journal = {Journal of Transport},
  year = {2020},
  volume = {12},
  pages = {45--67},
}
"""


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = serve.create_app(max_upload=200_000, warm=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _links(page: str) -> dict[str, str]:
    return dict(re.findall(r'<a href="(/download/[^"]+)" id="rc-(\w+)"', page))  # href → kind


def _download(client: TestClient, page: str, kind: str) -> httpx.Response:
    href = next(h for h, k in _links(page).items() if k == kind)
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    return response


def _docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    word = Document()
    for text in paragraphs:
        word.add_paragraph(text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_form_page(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file" name="article"' in page.text and 'name="bib"' in page.text
    assert '<textarea name="text"' in page.text
    for name in ("apa", "harvard", "ieee"):
        assert f'<option value="{name}"' in page.text
    assert ".docx" in page.text and ".Rmd".lower() in page.text


def test_pasted_text_gives_the_report_with_findings(client: TestClient) -> None:
    page = client.post("/check", data={"text": ARTICLE, "style": "apa"})
    assert page.status_code == 200
    assert 'id="rc-bar"' in page.text and 'href="/"' in page.text
    assert "date-mismatch" in page.text  # Smith 2021 cited, 2020 listed
    assert "Jones" in page.text  # cited, not listed
    links = set(_links(page.text).values())
    assert links == {"references", "bibtex", "fixed"}


def test_downloads(client: TestClient) -> None:
    page = client.post("/check", data={"text": ARTICLE, "style": "harvard"}).text
    bib = _download(client, page, "bibtex")
    assert bib.text.startswith("@article{") and "Painted lanes" in bib.text
    assert 'filename="pasted.bib"' in bib.headers["content-disposition"]
    listing = _download(client, page, "references")
    assert "Smith, J. (2020)" in listing.text and "harvard" in listing.headers["content-disposition"]
    href = next(h for h, k in _links(page).items() if k == "references")
    assert "<div class=\"csl-entry\">" in client.get(href + "?style=apa&to=html").text
    fixed = _download(client, page, "fixed")
    assert "(Smith, 2020)" in fixed.text and fixed.text.count("\n") == ARTICLE.count("\n")
    assert client.get(href + "?style=no-such-style").status_code == 400


def test_upload_markdown_with_its_bib(client: TestClient) -> None:
    files = [("article", ("essay.md", MARKDOWN.encode(), "text/markdown")),
             ("bib", ("refs.bib", BIB.encode(), "application/x-bibtex"))]  # fmt: skip
    page = client.post("/check", files=files, data={"style": "apa"})
    assert page.status_code == 200
    assert "essay.md" in page.text and "refcheck-serve-" not in page.text  # named as uploaded
    assert "doe2018" in page.text  # a key the .bib does not have
    bib = _download(client, page.text, "bibtex")
    assert "smith2020" in bib.text or "Painted lanes" in bib.text


def test_upload_docx_and_download_it_fixed(client: TestClient) -> None:
    import docx

    data = _docx(["Cycle lanes cut collisions (Smith, 2021).", "References",
                  "Smith, J. (2020). Painted lanes and real collisions. Journal of Transport, 12(3), 45-67."])  # fmt: skip
    page = client.post("/check", files={"article": ("paper.docx", data, "application/octet-stream")})
    assert page.status_code == 200 and "date-mismatch" in page.text
    assert "paper.docx:1:" in page.text and "refcheck-serve-" not in page.text
    fixed = _download(client, page.text, "fixed")
    assert 'filename="paper-fixed.docx"' in fixed.headers["content-disposition"]
    texts = [p.text for p in docx.Document(io.BytesIO(fixed.content)).paragraphs]
    assert texts[0] == "Cycle lanes cut collisions (Smith, 2020)."


def test_over_the_upload_limit_is_413(client: TestClient) -> None:
    page = client.post("/check", files={"article": ("big.txt", b"x" * 300_000, "text/plain")})
    assert page.status_code == 413
    assert "too large" in page.text and "0.2 MB" in page.text


def test_broken_docx_is_one_line_not_a_traceback(client: TestClient) -> None:
    page = client.post("/check", files={"article": ("broken.docx", b"PK\x03\x04 not really", "application/octet-stream")})
    assert page.status_code == 400
    error = re.search(r'<p class="rc-error" role="alert" id="rc-error">([^<]*)</p>', page.text)
    assert error is not None and error.group(1).startswith("broken.docx: ")
    assert "Traceback" not in page.text and "/tmp" not in page.text


def test_undecodable_text_and_wrong_kinds(client: TestClient) -> None:
    page = client.post("/check", files={"article": ("notes.txt", b"\x00\x01\x02\xff" * 50, "text/plain")})
    assert page.status_code == 400 and "notes.txt: " in page.text and "Traceback" not in page.text
    page = client.post("/check", files={"article": ("photo.png", b"\x89PNG", "image/png")})
    assert page.status_code == 400 and "not an article refcheck reads" in page.text
    assert client.post("/check", data={"text": "  "}).status_code == 400


def test_unexpected_errors_are_a_page_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(serve, "check_upload", broken)
    with TestClient(serve.create_app(warm=False), raise_server_exceptions=False) as c:
        page = c.post("/check", data={"text": ARTICLE})
    assert page.status_code == 500 and "Something went wrong" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text


def test_unknown_or_expired_check_is_404() -> None:
    now = [0.0]
    store = serve.Store(size=2, ttl=10, clock=lambda: now[0])
    check = serve.Check("a.md", "apa", (), None, 0)
    first, second, third = store.add(check), store.add(check), store.add(check)
    assert store.get(first) is None and store.get(second) is check  # bounded
    now[0] = 11
    assert store.get(third) is None  # expired
    with TestClient(serve.create_app(warm=False, store=store)) as c:
        assert c.get(f"/download/{second}/bibtex").status_code == 404


def test_parse_size_and_loopback() -> None:
    assert serve.parse_size("20MB") == 20_000_000
    assert serve.parse_size("1MiB") == 1024 * 1024 and serve.parse_size("500") == 500
    with pytest.raises(ValueError):
        serve.parse_size("lots")
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("localhost") and serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.5")


def _cli_serve(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run `refcheck serve` with its server replaced by one start of the app; the URLs opened."""
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))

    def run(app: object, host: str, port: int) -> None:
        with TestClient(app):  # type: ignore[arg-type]
            pass

    monkeypatch.setattr(serve, "run_server", run)
    assert cli.main(["serve", *argv]) == 0
    return opened


def test_cli_warns_when_not_loopback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli_serve(["--host", "0.0.0.0", "--no-browser"], monkeypatch) == []
    err = capsys.readouterr().err
    assert "warning: serving on 0.0.0.0, not a loopback address" in err
    assert "http://0.0.0.0:8765/" in err


def test_cli_serves_on_loopback_and_opens_the_browser(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli_serve(["--port", "9123"], monkeypatch) == ["http://127.0.0.1:9123/"]
    err = capsys.readouterr().err
    assert "warning" not in err and "serving on http://127.0.0.1:9123/" in err


def test_cli_rejects_a_bad_size(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--max-upload", "huge"])
    assert "not a size" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_real_server_over_http() -> None:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(serve.create_app(warm=False), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            assert "rc-form" in http.get("/").text
            data = (SAMPLES / "harvard-essay.md").read_bytes()
            page = http.post("/check", files={"article": ("harvard-essay.md", data, "text/markdown")},
                             data={"style": "harvard"})  # fmt: skip
            assert page.status_code == 200 and "harvard-essay.md" in page.text
            href = next(h for h, k in _links(page.text).items() if k == "bibtex")
            assert http.get(href).text.lstrip().startswith("@")
    finally:
        server.should_exit = True
        thread.join(10)


def test_check_does_not_import_the_web_stack() -> None:
    import subprocess
    import sys

    code = ("import sys; from refcheck import cli; cli.main(['check', '-o', '/dev/null', sys.argv[1]]); "
            "print(sorted({'starlette', 'uvicorn', 'multipart', 'python_multipart'} & set(sys.modules)))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "harvard-essay.md")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "[]", done.stderr
