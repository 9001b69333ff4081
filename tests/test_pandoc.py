"""The pandoc Markdown reader (.md, .qmd, .Rmd): [@key] citations, YAML front matter (bibliography,
references, nocite), code and comments left alone, and what plain Markdown reading still does."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck import formats
from refcheck.check import check_file
from refcheck.document import InputError
from refcheck.formats import markdown
from refcheck.model import CitationKind, Edit, Severity
from refcheck.report import to_json

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "pandoc"


def refcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)  # fmt: skip


@pytest.fixture
def quarto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "quarto")


def cites(text: str, name: str = "paper.md") -> list[tuple[str, str, str, bool]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        doc = markdown.read(path)
    return [(c.key, c.locator, c.prefix, c.narrative) for c in doc.keys]


# --- citations -----------------------------------------------------------------------------


@pytest.mark.usefixtures("quarto")
def test_quarto_citations_with_prefixes_and_locators() -> None:
    doc = markdown.read("report.qmd")
    assert doc.kind == "markdown"
    assert [(c.key, c.locator, c.prefix, c.narrative) for c in doc.keys] == [
        ("whitlock2017", "", "", False),  # nocite:
        ("nakamura2019", "", "", False),
        ("delacroix2016", "pp. 45-47", "see", False),
        ("akesson2020", "ch. 2", "also", False),
        ("akesson2020", "", "", False),
        ("vanderlinde2021", "", "", False),
        ("fairbairn2022", "p. 33", "", True),  # @fairbairn2022 [p. 33]
        ("varga2018", "", "", False),  # [-@varga2018]: the author suppressed, still a cite
        ("cityparks2022", "", "", False),
        ("osei2021", "", "", True),
        ("nakamura2091", "", "", False),
        ("tram:lines/2019", "", "", True),  # @{tram:lines/2019}
    ]
    assert all(doc.text[c.span.start : c.span.end] == c.key and c.kind is CitationKind.KEY for c in doc.keys)
    groups = [c.group for c in doc.keys[1:]]
    assert groups == sorted(groups) and groups[1] == groups[2] and groups[3] == groups[4]


@pytest.mark.usefixtures("quarto")
def test_code_comments_emails_and_cross_references_are_not_citations() -> None:
    found = {c.key for c in check_file("report.qmd").citations}
    assert not found & {"dataclass", "not_a_citation", "property", "oldsource2015", "fig-shade", "example.org"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to name@example.org today.", []),
        ("As @smith2019's study shows.", [("smith2019", "", "", True)]),
        ("Cited by @smith2019.", [("smith2019", "", "", True)]),
        ("[@a; @b, 12]", [("a", "", "", False), ("b", "12", "", False)]),
        ("[see @a; Jones said so]", [("a", "", "", True)]),  # not a citation group; @a alone is one
        ("[a link to @a](https://example.org)", []),
        ("![a figure of @a](map.png)", []),
        ("\\@ref(fig:map) and \\@escaped", []),
        ("Use `@decorator` here.", []),
        ("See @sec-methods and @tbl:costs.", []),
        ("A key @_under:score.x-y+z? with [@{weird key}, p. 3].",
         [("_under:score.x-y+z", "", "", True), ("weird key", "p. 3", "", False)]),
        ("<!-- [@hidden] -->\n\n[@shown]", [("shown", "", "", False)]),
        ("Para.\n\n    [@indented] code\n\nNext [@after].", [("after", "", "", False)]),
        ("~~~\n[@fenced]\n~~~\n", []),
        ("- item [@a]\n\n    continued @b\n", [("a", "", "", False), ("b", "", "", True)]),
    ],
)
def test_citation_syntax(text: str, expected: list[tuple[str, str, str, bool]]) -> None:
    assert cites(text) == expected


# --- front matter ---------------------------------------------------------------------------


@pytest.mark.usefixtures("quarto")
def test_front_matter_bibliography_and_inline_references() -> None:
    doc = markdown.read("report.qmd")
    assert doc.bibliography == ("sources.bib",)
    assert [(item["id"], line) for item, line in doc.items] == [("cityparks2022", 12), ("osei2021", 19)]
    assert doc.items[1][0]["issued"] == {"date-parts": [[2021]]}
    assert doc.references is None and doc.heading is None  # "references:" is no heading
    assert doc.text[doc.body.start :].lstrip().startswith("## Why shade matters")
    assert doc.text[: doc.body.start].rstrip().endswith("@whitlock2017\n---")


@pytest.mark.usefixtures("quarto")
def test_quarto_findings_and_where_they_are() -> None:
    result = check_file("report.qmd")
    matched = {c.key: result.references[m.reference].origin for c, m in zip(result.citations, result.matches)
               if m.reference is not None}  # fmt: skip
    assert str(matched["osei2021"]) == "report.qmd:19" and str(matched["nakamura2019"]) == "sources.bib:1"
    report = to_json([result])
    found = [(f["code"], f["severity"], f["path"], f["line"], f["column"], f["message"]) for f in report["findings"]]
    assert found == [
        ("RC101", "error", "report.qmd", 44, 43, "@nakamura2091 matches no entry; did you mean @nakamura2019?"),
        ("RC102", "info", "sources.bib", 70, 1, "Hartley (2015) is never cited"),  # whitlock2017 is in nocite
    ]
    (unresolved,) = [f for f in result.findings if f.code == "RC101"]
    assert unresolved.fix == (Edit(unresolved.span, "nakamura2019"),)


def test_rmarkdown_nocite_star_and_code_chunks() -> None:
    result = check_file(FIXTURES / "rmarkdown" / "analysis.Rmd")
    assert [c.key for c in result.citations] == ["*", "brannigan2021", "okafor2022", "marsh2019"]
    assert result.findings == ()  # pryce2016 is cited by nocite: '@*'


def test_rmarkdown_uncited_entry_without_nocite_is_info(tmp_path: Path) -> None:
    source = FIXTURES / "rmarkdown"
    (tmp_path / "transport.json").write_bytes((source / "transport.json").read_bytes())
    text = (source / "analysis.Rmd").read_text().replace("nocite: '@*'\n", "")
    (tmp_path / "analysis.Rmd").write_text(text)
    found = [(f.code, f.severity, f.message) for f in check_file(tmp_path / "analysis.Rmd").findings]
    assert found == [("RC102", Severity.INFO, "Pryce (2016) is never cited")]


def test_nocite_keys_are_cites_where_written(tmp_path: Path) -> None:
    text = "---\ntitle: T\nnocite: |\n  @a, @b\n---\n\nBody [@c].\n"
    path = tmp_path / "p.md"
    path.write_text(text)
    doc = markdown.read(path)
    assert [(c.key, text[c.span.start : c.span.end]) for c in doc.keys] == [("a", "a"), ("b", "b"), ("c", "c")]


def test_a_rule_is_not_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("---\n\nText [@a].\n\n---\n")
    doc = markdown.read(path)
    assert doc.items == () and doc.bibliography == () and [c.key for c in doc.keys] == ["a"]


def test_bad_yaml_is_one_line_and_status_2(tmp_path: Path) -> None:
    (tmp_path / "paper.qmd").write_text("---\ntitle: A\nbibliography: [refs.bib\nauthor: B\n---\n\nText.\n")
    done = refcheck("check", "paper.qmd", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("refcheck: error: paper.qmd: line 4: the front matter is not YAML:")


def test_missing_bibliography_is_status_2(tmp_path: Path) -> None:
    (tmp_path / "paper.md").write_text("---\ntitle: A\nbibliography:\n  - here.bib\n  - gone.bib\n---\n\n[@a]\n")
    (tmp_path / "here.bib").write_text("@book{a, author={Ames, A.}, title={T}, year={2001}}\n")
    done = refcheck("check", "paper.md", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "refcheck: error: paper.md: line 5: bibliography names gone.bib, which does not exist\n"


# --- what plain Markdown reading does still ---------------------------------------------------


def test_samples_are_read_as_markdown() -> None:
    doc = formats.read(ROOT / "samples" / "apa-paper.md")
    assert doc.kind == "markdown" and doc.heading is not None and doc.keys == ()


def test_written_list_under_a_heading_with_attributes(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(
        "---\ntitle: Tides\n---\n\nSea walls fail (Okafor, 2021).\n\n# References {.unnumbered}\n\n"
        "Okafor, C. (2021) Walls against the sea. Leeds: Harbour Books.\n"
    )
    result = check_file(path)
    assert result.document.heading is not None
    assert [r.authors[0].family for r in result.references] == ["Okafor"]
    assert result.findings == ()


def test_reading_never_fails_but_with_an_input_error() -> None:
    tokens = st.sampled_from([*"ab \n[]-;@{}`~<>!#", "---\n", "```\n", "    ", "@key", "<!--", "-->", "\\@", "x@y.org"])

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(tokens, max_size=25).map("".join))
    def read(text: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "p.md"
            path.write_text(text + "x", encoding="utf-8")
            try:
                doc = markdown.read(path)
            except InputError:
                return
            assert all(doc.text[c.span.start : c.span.end] == c.key for c in doc.keys if c.key != "*")

    read()
