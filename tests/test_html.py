"""refcheck.formats.html: the visible text of an HTML article, placed on the lines of the file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.check import check_file
from refcheck.formats import html
from refcheck.links import Kind

FIXTURES = Path(__file__).parent / "fixtures" / "html"
ARTICLE = FIXTURES / "article.html"


def _line_of(needle: str) -> int:
    """The 1-based line of the fixture where ``needle`` first is."""
    return next(n for n, line in enumerate(ARTICLE.read_text("utf-8").splitlines(), 1) if needle in line)


def test_the_text_is_the_visible_body_one_block_a_line() -> None:
    doc = html.read(str(ARTICLE))
    assert doc.kind == "html"
    assert doc.source == ARTICLE.read_bytes()
    lines = doc.text.split("\n")
    assert lines[:9] == [
        "Urban trees",
        "Early work on trees (Smith, 2019) was extended by Jones and Brown (2020).",
        "Later studies (Smiht, 2019) disagree (Jones & Brown, 2021).",
        "Café culture is another matter",  # <br> ends a line; entities decoded
        "(Garcia, 2017; see the data).",
        'print("(Code, 2005)")',
        "As argued by (Nobody, 2000).",
        "Planting followed wealth (van der Linde & Achterberg, 2015).",
        "References",
    ]
    for noise in ("Style", "Script", "Header", "Nav", "Noscript", "Template", "Footer", "Home", "Privacy",
                  "blog post"):
        assert noise not in doc.text


def test_the_reference_section_ends_at_the_next_heading() -> None:
    doc = html.read(str(ARTICLE))
    assert doc.heading is not None and doc.text[doc.heading.start : doc.heading.end] == "References"
    assert doc.references is not None
    # The entries a blank line apart: each list item is one entry, "van der Linde" too.
    section = doc.text[doc.references.start : doc.references.end].split("\n\n")
    assert [entry.split(",")[0] for entry in section] == ["Garcia", "Jones", "Smith", "van der Linde"]
    assert "Commenter" not in doc.text[doc.body.start : doc.body.end]
    assert "Commenter" not in section[-1]


def test_findings_point_at_the_lines_of_the_html_file() -> None:
    result = check_file(ARTICLE)
    found = {(f.rule, result.document.text[f.span.start : f.span.end], result.where(f.span.start)[1])
             for f in result.findings}
    assert found == {
        ("author-misspelled", "Smiht", _line_of("Smiht")),
        # The paragraph is wrapped: the year is on the line after its start.
        ("date-mismatch", "2021", _line_of("Brown, 2021")),
        ("unresolved-citation", "Nobody, 2000", _line_of("Nobody")),
    }
    cited = {c.text for c in result.citations}
    assert "Code, 2005" not in cited  # code is ignored
    assert result.where(result.document.text.index("(Garcia, 2017"))[:2] == (str(ARTICLE), _line_of("(Garcia"))
    assert result.where(result.document.references.start)[1] == _line_of("<li>Garcia")  # type: ignore[union-attr]


def test_html_links_are_placed_at_their_anchor_text() -> None:
    doc = html.read(str(ARTICLE))
    links = html.html_links(doc)
    assert [(link.kind, link.target, [doc.text[s.start : s.end] for s in link.spans]) for link in links] == [
        (Kind.URL, "https://example.org/garcia", ["see the data"]),
        (Kind.DOI, "10.1234/urban.2020.12", ["https://doi.org/10.1234/urban.2020.12"]),
    ]
    # Relative links and those of dropped parts (nav, footer) are not the article's.
    assert all(not link.target.startswith("/") and "privacy" not in link.target for link in links)


def test_the_charset_of_a_meta_element() -> None:
    doc = html.read(str(FIXTURES / "latin1.html"))
    assert doc.encoding == "iso8859-1"
    assert doc.text.split("\n")[0] == "Café au lait (Müller, 2018)."
    assert check_file(FIXTURES / "latin1.html").findings == ()


def test_malformed_html_is_read() -> None:
    doc = html.read(str(FIXTURES / "malformed.html"))
    assert doc.text.split("\n")[:5] == [
        "Unclosed paragraph (Smith, 2019)",
        "Another bold nested text (Jones, 2020)",
        "Cell (Garcia, 2017)",
        "Second cell ¬anentity; & &#xZZ;",
        "An unclosed anchor",
    ]
    assert "Script" not in doc.text and "No end to the head" not in doc.text
    (link,) = html.html_links(doc)
    assert doc.text[link.spans[0].start : link.spans[0].end] == "unclosed anchor"
    result = check_file(FIXTURES / "malformed.html")
    assert not [f for f in result.findings if f.rule in ("unresolved-citation", "uncited-reference")]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#apbrlihdvscet12()\n")), max_size=200))
def test_any_markup_is_read_without_error(tmp_path_factory: pytest.TempPathFactory, markup: str) -> None:
    path = tmp_path_factory.mktemp("html") / "page.html"
    path.write_text("<p>x</p>" + markup, "utf-8")
    doc = html.read(str(path))
    assert all(0 <= p.start <= len(doc.text) for p in doc.places)
    assert all(0 <= s.start <= s.end <= len(doc.text) for s in doc.ignore)
    html.html_links(doc)


def test_cli_json() -> None:
    run = subprocess.run([sys.executable, "-m", "refcheck", "check", str(ARTICLE), "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert {(f["rule"], f["line"]) for f in report["findings"]} == {
        ("author-misspelled", _line_of("Smiht")),
        ("date-mismatch", _line_of("Brown, 2021")),
        ("unresolved-citation", _line_of("Nobody")),
    }


def test_checking_html_imports_no_network_or_word_library() -> None:
    code = (
        "import sys\nfrom refcheck.cli import main\n"
        f"main(['check', {str(ARTICLE)!r}])\n"
        "print([m for m in ('httpx', 'rich', 'docx', 'lxml') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr
