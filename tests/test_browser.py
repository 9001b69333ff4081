"""The HTML report and refcheck serve in a real browser: headless system Chromium via Playwright.

Skipped (with the reason) where there is no Chromium or no Playwright; see tests/conftest.py.
Screenshots go to tests/screenshots/ (not committed), for a person to look at.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
SCREENSHOTS = Path(__file__).parent / "screenshots"


def _report_figure(capsys: pytest.CaptureFixture[str], name: str, value: Any) -> None:
    """Say a measured figure on the terminal and keep it in tests/screenshots/figures.json."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / "figures.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=2) + "\n")
    with capsys.disabled():
        print(f"\n[browser] {name}: {value}")


@pytest.fixture(scope="module")
def harvard_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of samples/harvard-essay.md, as `refcheck check --format html -o` writes it."""
    out = tmp_path_factory.mktemp("report") / "harvard-essay.html"
    done = subprocess.run([sys.executable, "-m", "refcheck", "check", str(ROOT / "samples" / "harvard-essay.md"),
                           "--format", "html", "-o", str(out)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return out


def test_report_paints_fast(page: Any, harvard_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page.goto(harvard_report.as_uri())
    page.wait_for_load_state("load")
    # The paint entries are recorded a frame or two after load.
    page.wait_for_function("performance.getEntriesByType('paint').length > 0", timeout=5000)
    paints = page.evaluate("performance.getEntriesByType('paint').map(e => [e.name, e.startTime])")
    times = {name: round(start, 1) for name, start in paints}
    _report_figure(capsys, "report first paint (ms)", times)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    assert page.title()
    first = times.get("first-contentful-paint", times.get("first-paint"))
    assert first is not None, "Chromium gave no paint timing"
    assert first < 1000


def test_report_marks_citations_by_state(page: Any, harvard_report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page.goto(harvard_report.as_uri())
    # A citation mark is an <a id="cite-N"> in the article: no class when matched, "p" when a
    # possible match (a finding on it), "u" when unresolved.
    classes = page.eval_on_selector_all("article.art a[id^='cite-']", "els => els.map(e => e.className)")
    names = {"": "matched", "p": "possible", "u": "unresolved"}
    counts = dict(Counter(names.get(c, c) for c in classes))
    _report_figure(capsys, "report marked citations by state", counts)
    # The essay's answer key: Fenwik (misspelled), Nuno (a given name) and Brannigan's year are
    # possible matches; every other citation matches its entry.
    assert counts == {"matched": 19, "possible": 3}


def test_selecting_the_misspelled_citation_shows_its_suggestion(page: Any, harvard_report: Path) -> None:
    page.goto(harvard_report.as_uri())
    mark = page.locator("article.art a.p", has_text="Fenwik").first
    mark.click()
    panel = page.locator("#dp")
    panel.wait_for(state="visible")
    text = panel.inner_text()
    assert "Fenwick" in text and "author-misspelled" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`refcheck serve --no-browser` on a free port of 127.0.0.1, in its own process; its URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "refcheck", "serve", "--no-browser", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    assert process.stderr is not None
                    pytest.fail(f"refcheck serve did not start: {process.stderr.read().decode()}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _docx(path: Path) -> Path:
    from docx import Document

    word = Document()
    for text in ("Cycle lanes cut collisions (Smith, 2021), though not everywhere (Jones, 2019).", "References",
                 "Smith, J. (2020). Painted lanes and real collisions. Journal of Transport, 12(3), 45-67."):  # fmt: skip
        word.add_paragraph(text)
    word.save(str(path))
    return path


def test_serve_upload_a_docx_and_download_its_bibtex(page: Any, server: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(server)
    page.screenshot(path=str(SCREENSHOTS / "serve-form.png"), full_page=True)
    page.set_input_files("#article", str(_docx(tmp_path / "paper.docx")))
    page.select_option("#style", "harvard")
    started = time.perf_counter()
    with page.expect_navigation():
        page.click("#rc-submit")
    _report_figure(capsys, "serve: .docx upload answered, incl. navigation (ms)",
                   round((time.perf_counter() - started) * 1000, 1))
    assert page.locator("#rc-bar").is_visible()
    assert "paper.docx" in page.content() and "date-mismatch" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "serve-report.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#rc-bibtex")
    download = info.value
    assert download.suggested_filename == "paper.bib"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("@article{") and "Painted lanes and real collisions" in text


def test_serve_shows_a_broken_upload_as_one_line(page: Any, server: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not a real archive")
    page.goto(server)
    page.set_input_files("#article", str(broken))
    with page.expect_navigation():
        page.click("#rc-submit")
    assert page.locator("#rc-error").inner_text().startswith("broken.docx: ")
    assert "Traceback" not in page.content()


def test_serve_paste(page: Any, server: str) -> None:
    page.goto(server)
    page.fill("#text", "As Smith (2021) found.\n\nReferences\n\nSmith, J. (2020). A title. A Journal, 1, 2-3.\n")
    with page.expect_navigation():
        page.click("#rc-submit")
    assert "date-mismatch" in page.content()


def test_serve_copies_the_formatted_references(page: Any, server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page.goto(server)
    page.fill("#text", "As Smith (2020) found.\n\nReferences\n\nSmith, J. (2020). A title. A Journal, 1, 2-3.\n")
    with page.expect_navigation():
        page.click("#rc-submit")
    page.click("#rc-copy")
    page.wait_for_function("document.getElementById('rc-copied').textContent.length > 0")
    assert page.inner_text("#rc-copied") == "References copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Smith, J. (2020). A title.")
