"""The HTML report: snapshots of its structure and data for the samples, well-formedness, no
external references, the marks per state, escaping, the size bench.

Set REFCHECK_UPDATE_SNAPSHOTS=1 to rewrite the snapshots (tests/snapshots/html/) after a
deliberate change.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from refcheck.check import check_file, check_text
from refcheck.cli import main
from refcheck.htmlreport import embedded_data, html_report
from refcheck.links import Kind, Link, LinkResult, Status
from refcheck.model import Span
from refcheck.rules.registry import Online

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots" / "html"
SAMPLES = [
    *sorted(p.name for p in (ROOT / "samples").iterdir() if p.suffix in {".md", ".txt"} and p.name != "README.md"),
    "web-article.html",
    "latex/saltmarsh.tex",
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
KEPT = {"id", "class", "role", "href", "hidden", "tabindex", "type", "lang"}


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # so reports name the samples as users see them: samples/…


class Page(HTMLParser):
    """The parts of a page the tests read: an outline of its elements (tag, the attributes
    that carry structure, short text), its JSON data, its scripts and styles, and every
    fault of nesting."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.outline: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.data_json = ""
        self._in: str | None = None
        self.feed(page)
        self.close()
        if self.stack:
            self.errors.append(f"not closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        kept = " ".join(f"{k}={v!r}" if v is not None else k for k, v in attrs
                        if k in KEPT or k.startswith(("aria-", "data-")))
        self.outline.append(f"{'  ' * len(self.stack)}<{tag}{' ' + kept if kept else ''}>")
        if tag in ("script", "style"):
            self._in = "data" if found.get("id") == "refcheck-data" else tag
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag of a void element: {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "data":
            self.data_json += data
        elif self._in is not None:
            self.raw[self._in].append(data)
        elif data.strip():
            text = " ".join(data.split())
            self.outline.append(f"{'  ' * len(self.stack)}{text[:60]!r}")

    def data(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.data_json)
        return loaded


def structure(page: str) -> str:
    """The snapshot of a page: its outline, then its data, without the CSS and script."""
    parsed = Page(page)
    return "\n".join(parsed.outline) + "\n--- refcheck-data\n" + json.dumps(parsed.data(), ensure_ascii=False, indent=1) + "\n"


def compare(name: str, produced: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("REFCHECK_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(produced, encoding="utf-8", newline="")
    assert path.exists(), f"no snapshot {path.name}; run with REFCHECK_UPDATE_SNAPSHOTS=1"
    assert produced == path.read_text(encoding="utf-8")


def external(page: str) -> list[str]:
    """Whatever would make the page ask a server for something when opened."""
    parsed = Page(page)
    found = []
    for tag, attrs in parsed.tags:
        if tag in {"link", "img", "iframe", "object", "embed", "audio", "video", "source"}:
            found.append(f"<{tag}>")
        for name in ("src", "href", "action", "poster", "srcset", "xlink:href"):
            value = (attrs.get(name) or "").strip().lower()
            if value.startswith(("http:", "https:", "//")) or (name == "src" and value):
                found.append(f"{name}={value}")
    for css in parsed.raw["style"]:
        found += re.findall(r"@import|url\(", css)
    for script in parsed.raw["script"]:
        found += re.findall(r"\bfetch\(|XMLHttpRequest|\bimport\(|https?://", script)
    return found


@pytest.mark.parametrize("sample", SAMPLES)
def test_report_snapshot(sample: str) -> None:
    result = check_file(f"samples/{sample}")
    page = html_report([result])
    compare(f"{sample.replace('/', '_')}.txt", structure(page))
    assert html_report([check_file(f"samples/{sample}")]) == page  # same input, same bytes


@pytest.mark.parametrize("sample", SAMPLES)
def test_report_is_well_formed_and_self_contained(sample: str) -> None:
    result = check_file(f"samples/{sample}")
    page = html_report([result])
    parsed = Page(page)
    assert parsed.errors == []
    assert external(page) == []
    assert page.startswith("<!DOCTYPE html>")
    ids = [attrs["id"] for _, attrs in parsed.tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique"
    # Every citation has its anchor; every link inside the page lands on an id.
    assert {f"cite-{i}" for i in range(len(result.citations))} <= set(ids)
    hrefs = {attrs["href"] for _, attrs in parsed.tags if attrs.get("href")}
    assert {h[1:] for h in hrefs if h and h.startswith("#")} <= set(ids)
    for _, attrs in parsed.tags:
        for name in ("aria-describedby", "aria-labelledby"):
            for target in (attrs.get(name) or "").split():
                assert target in ids, f"{name}={target}"
    data = parsed.data()
    assert data == json.loads(json.dumps(embedded_data([result])))
    assert parsed.tags[0][0] == "html" and ("main", {"role": "main"}) in parsed.tags


def marks(page: str) -> list[dict[str, str | None]]:
    """The citation marks of a page: the links of its article text."""
    parsed = Page(page)
    found, inside = [], False
    for tag, attrs in parsed.tags:
        if tag == "article":
            inside = True
        elif tag in {"aside", "section"}:
            inside = False
        elif tag == "a" and inside:
            found.append(attrs)
    return found


def test_marks_per_state_in_the_harvard_essay() -> None:
    result = check_file("samples/harvard-essay.md")
    page = html_report([result])
    states = Counter({"m": 0, "p": 0, "u": 0})
    states.update(mark.get("class") or "m" for mark in marks(page))
    expected = Counter(m.state.value[0] for m in result.matches)
    assert states == Counter({"m": expected["m"], "p": expected["p"], "u": expected["u"]})
    assert states == Counter({"m": 19, "p": 3, "u": 0})
    # The possible marks are described by the findings about the citations.
    data = Page(page).data()
    findings = data["findings"]
    assert isinstance(findings, list)
    rules = Counter()
    for mark in marks(page):
        described = (mark.get("aria-describedby") or "").split()
        if mark.get("class") == "p":
            assert described[0] == "s-p"
        for target in described:
            if target.startswith("f-"):
                rules[findings[int(target[2:])]["rule"]] += 1
    assert rules == Counter({"author-misspelled": 1, "given-name-as-surname": 1, "date-mismatch": 1})
    # The entries' findings are with them: uncited, duplicate, missing and malformed URLs.
    assert page.count('class="n z">not cited') == 2  # Vickery, and the duplicate of Adebayo (2020)
    for rule in ("uncited-reference", "duplicate-reference", "missing-url", "malformed-url", "reference-order"):
        assert re.search(rf'<li id="ref-\d+" class="x"[^\n]*<b>{rule}</b>', page), rule


def test_unresolved_marks() -> None:
    result = check_file("samples/vancouver-notes.txt")
    page = html_report([result])
    unresolved = [m for m in marks(page) if m.get("class") == "u"]
    assert len(unresolved) == 1
    assert (unresolved[0].get("aria-describedby") or "").startswith("s-u f-")


def test_hostile_article_text_is_escaped() -> None:
    article = (
        "Early work (Smith, 2020) said <script>alert('body')</script> and </script><!-- more -->.\n\n"
        'See also <img src="https://evil.example/x.png" onerror="alert(1)"> (Jones & Co, 2019).\n\n'
        "References\n\n"
        "Smith, J. (2020). A title </script><script>alert('ref')</script>. Journal, 1(2), 3-4.\n\n"
        "Jones, K. (2019). <b>Bold</b> & \"quoted\". Press.\n"
    )
    result = check_text(article, path="<hostile>.md")
    page = html_report([result])
    parsed = Page(page)
    assert parsed.errors == []
    assert [tag for tag, _ in parsed.tags].count("script") == 2  # the data and the page's own script
    assert not any(tag == "img" for tag, _ in parsed.tags)
    assert external(page) == []
    assert "&lt;script&gt;alert(&#x27;body&#x27;)" in page or "&lt;script&gt;alert('body')" in page
    assert "</script><script>alert" not in page
    assert parsed.data()["documents"] == json.loads(json.dumps(embedded_data([result])))["documents"]
    assert "<!--" not in page.split('id="refcheck-data">', 1)[1]


def test_several_documents_have_a_table_of_contents_and_their_own_ids() -> None:
    results = [check_file("samples/harvard-essay.md"), check_file("samples/vancouver-notes.txt")]
    page = html_report(results)
    parsed = Page(page)
    assert parsed.errors == []
    assert ("nav", {"class": "toc", "aria-label": "Documents"}) in parsed.tags
    ids = [attrs["id"] for _, attrs in parsed.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    assert "doc-1" in ids and "d1-cite-0" in ids and "d1-ref-0" in ids
    total = len(results[0].findings) + len(results[1].findings)
    assert f"f-{total - 1}" in ids and f"f-{total}" not in ids


def test_clean_report_and_accessibility_parts() -> None:
    page = html_report([check_file("samples/apa-paper.md")])
    parsed = Page(page)
    roles = {attrs.get("role") for _, attrs in parsed.tags}
    assert {"main", "complementary"} <= roles
    assert any(attrs.get("aria-live") == "polite" for _, attrs in parsed.tags)
    assert "No problems found." in page
    css = "".join(parsed.raw["style"])
    assert "@media print" in css and "prefers-color-scheme:dark" in css
    assert all(attrs.get("data-line") for tag, attrs in parsed.tags if tag == "p" and attrs.get("data-line") is not None)


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["check", "samples/harvard-essay.md", "--format", "html", "-o", str(out)]) == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and Page(page).errors == []


def test_size_bench_on_a_small_article() -> None:
    spec = importlib.util.spec_from_file_location("refcheck_bench_html_report", ROOT / "bench" / "html_report.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    figure = bench.measure(60)
    assert figure.references == 60 and figure.citations > 0
    assert 0 < figure.bytes < 30_000 + bench.LIMIT_BYTES * 60 / 1000  # the page (style, script), then in proportion
    assert bench.main(["--references", "30"]) == 0


def test_link_status_is_shown_with_its_entry() -> None:
    result = check_file("samples/harvard-essay.md")
    text = result.document.text
    url = "https://www.cyclesafetyforum.org/articles/why-half-measures-put-riders-at-risk"
    start = text.index(url, result.document.references.start if result.document.references else 0)
    link = Link(Kind.URL, url, (Span(start, start + len(url)),))
    checked = dataclasses.replace(result, online=Online(links=(LinkResult(link, Status.DEAD, http_status=404),)))
    page = html_report([checked])
    entry = next(i for i, r in enumerate(result.references) if r.span.start <= start < r.span.end)
    assert re.search(rf'<li id="ref-{entry}"[^\n]*<span class="ls" data-status="dead">{re.escape(url)}: dead</span>', page)
    assert Page(page).errors == []
