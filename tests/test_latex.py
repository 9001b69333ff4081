r"""The LaTeX reader: \cite commands and their notes, \input files spliced in and reported where
they are, \bibliography and thebibliography, comments and verbatim text, bad input."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.check import check_file
from refcheck.document import InputError
from refcheck.formats import latex
from refcheck.model import CitationKind, Edit, Severity
from refcheck.report import to_json

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "latex"


def refcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)  # fmt: skip


@pytest.fixture
def natbib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "natbib")  # so reports name the files as a user there sees them


def keys(path: str) -> list[tuple[str, str, str, bool]]:
    doc = latex.read(path)
    return [(c.key, c.locator, c.prefix, c.narrative) for c in doc.keys]


# --- citations -----------------------------------------------------------------------------


@pytest.mark.usefixtures("natbib")
def test_natbib_commands_with_notes_across_input_files() -> None:
    assert keys("main.tex") == [
        ("marsh2019", "", "", True),  # \citet
        ("okafor2021", "ch. 3", "see", False),  # \citep[see][ch.~3]{okafor2021, lindqvist2020}
        ("lindqvist2020", "ch. 3", "see", False),
        ("tavares2018", "", "", False),  # after "40\%": an escaped per cent sign is no comment
        ("okafor2021", "p. 112", "", False),  # \citep[][p.~112]
        ("brannigan2012", "", "", True),  # \citet*
        ("lindqvist2020", "", "", False),
        ("okafor2021", "", "", False),  # \citealp, in the \include'd file
        ("marsh2019", "", "", False),  # \citeyearpar
    ]


@pytest.mark.usefixtures("natbib")
def test_each_key_is_its_own_span_and_one_command_is_one_group() -> None:
    doc = latex.read("main.tex")
    assert all(doc.text[c.span.start : c.span.end] == c.key == c.text for c in doc.keys)
    assert all(c.kind is CitationKind.KEY for c in doc.keys)
    groups = [c.group for c in doc.keys]
    assert groups[1] == groups[2] and len(set(groups)) == len(groups) - 1
    assert min(groups) >= latex.GROUPS_FROM  # never the number of an author-date group


@pytest.mark.usefixtures("natbib")
def test_comments_and_verbatim_hide_citations() -> None:
    found = {key for key, *_ in keys("main.tex")}
    assert "harbridge2023" not in found  # in a % comment
    assert "scriptkey2020" not in found  # in a verbatim environment


def test_biblatex_commands() -> None:
    assert keys(str(FIXTURES / "biblatex" / "paper.tex")) == [
        ("nakamura2019", "12", "", False),  # \parencite[12]
        ("fairbairn2022", "", "", True),  # \Textcite
        ("delacroix2016", "45--47", "see", True),  # \textcite[see][45--47]
        ("akesson2020", "", "cf.", False),  # \autocite[cf.][]{a,b}
        ("vanderlinde2021", "", "cf.", False),
        ("varga2018", "", "", False),  # \footcite
        ("nakamura2019", "", "", False),  # \smartcite
        ("akesson2020", "3", "", False),  # \parencites[3]{a}[see][7]{b}
        ("fairbairn2022", "7", "see", False),
        ("varga2018", "", "", False),  # \citeauthor
        ("*", "", "", False),  # \nocite{*}
    ]


def test_listings_verb_comments_and_optional_arguments_are_not_read() -> None:
    result = check_file(FIXTURES / "biblatex" / "paper.tex")
    cited = {c.key for c in result.citations}
    assert not cited & {"not_a_key", "oldkey1999", "verbkey"}
    # "[7]" in \parencites[see][7]{…} is a postnote, not a numeric citation.
    assert all(c.kind is CitationKind.KEY for c in result.citations)


def test_commands_that_are_not_cites_and_macro_parameters(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text("@book{a1, author={Ames, A.}, title={T}, year={2001}}\n")
    (tmp_path / "p.tex").write_text(
        "\\newcommand{\\seeref}[1]{\\citep[see][]{#1}}\n\\begin{document}\n"
        "\\excite{x} \\citation{y} \\cite*{a1} \\Cite{a1} \\citetext{z}\n"
        "\\bibliography{refs}\n\\end{document}\n"
    )
    assert [c.key for c in latex.read(tmp_path / "p.tex").keys] == ["a1", "a1"]


# --- bibliographies and findings ------------------------------------------------------------


@pytest.mark.usefixtures("natbib")
def test_bibliography_is_found_beside_the_main_file() -> None:
    assert latex.read("main.tex").bibliography == ("references.bib",)
    doc = latex.read(FIXTURES / "biblatex" / "paper.tex")
    assert doc.bibliography == (str(FIXTURES / "biblatex" / "library.bib"),)  # the remote one is not read


@pytest.mark.usefixtures("natbib")
def test_findings_point_at_the_included_files_and_the_bib() -> None:
    report = to_json([check_file("main.tex")])
    found = [(f["code"], f["severity"], f["path"], f["line"], f["column"], f["message"]) for f in report["findings"]]
    assert found == [
        ("RC101", "error", "sections/methods.tex", 5, 63,
         "@brannigan2012 matches no entry; did you mean @brannigan2021?"),
        ("RC102", "info", "references.bib", 36, 1, "Brannigan (2021) is never cited"),  # (its key is misspelled)
        ("RC102", "info", "references.bib", 53, 1, "Vickery (2018) is never cited"),
    ]  # fmt: skip


@pytest.mark.usefixtures("natbib")
def test_misspelled_key_has_a_fix_when_one_key_is_close() -> None:
    result = check_file("main.tex")
    (finding,) = [f for f in result.findings if f.code == "RC101"]
    assert finding.suggestion == "brannigan2021"
    assert finding.fix == (Edit(finding.span, "brannigan2021"),)
    assert result.document.text[finding.span.start : finding.span.end] == "brannigan2012"


@pytest.mark.usefixtures("natbib")
def test_author_date_citations_in_the_prose_still_match() -> None:
    result = check_file("main.tex")
    (holmes,) = [(c, m) for c, m in zip(result.citations, result.matches) if c.kind is CitationKind.AUTHOR_DATE]
    assert holmes[0].authors == ("Holmes",) and result.references[holmes[1].reference].key == "holmes2017"
    assert result.where(holmes[0].span.start) == ("sections/methods.tex", 4, 38)


def test_did_you_mean_lists_the_close_keys_and_fixes_none(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(
        "@book{smith2017, author={Smith, A.}, title={One}, year={2017}}\n"
        "@book{smith2018, author={Smith, A.}, title={Two}, year={2018}}\n"
        "@book{jones2010, author={Jones, B.}, title={Three}, year={2010}}\n"
    )
    (tmp_path / "p.tex").write_text(
        "\\begin{document}\nAs shown \\cite{smith2019}, \\cite{jones2010} and \\cite{nobody}.\n"
        "\\nocite{smith2017,smith2018}\n\\bibliography{refs}\n\\end{document}\n"
    )
    findings = [(f.message, f.suggestion, f.fix) for f in check_file(tmp_path / "p.tex").findings]
    assert findings == [
        ("@smith2019 matches no entry; did you mean @smith2017 or @smith2018?", "smith2017", ()),
        ("@nobody matches no entry", None, ()),
    ]


def test_nocite_star_cites_every_entry_and_without_it_entries_are_info(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "biblatex", tmp_path / "biblatex")
    assert check_file(folder / "paper.tex").findings == ()
    paper = folder / "paper.tex"
    paper.write_text(paper.read_text().replace("\\nocite{*}", ""))
    found = [(f.code, f.severity, f.message) for f in check_file(paper).findings]
    assert found == [("RC102", Severity.INFO, "Whitlock (2017) is never cited")]


def test_thebibliography_entries_by_key() -> None:
    result = check_file(FIXTURES / "thebibliography" / "notes.tex")
    doc = result.document
    assert [key for _, key in doc.entries] == ["chen2020", "kowalski2017", "osei2021", "ramirez2019"]
    assert doc.text[doc.entries[0][0].start : doc.entries[0][0].end].startswith("Chen, W. and Li, X. (2020).")
    assert doc.bibliography == ()
    assert [r.key for r in result.references] == ["chen2020", "kowalski2017", "osei2021", "ramirez2019"]
    found = [(f.code, f.severity, f.message, result.where(f.span.start)[1]) for f in result.findings]
    assert found == [
        ("RC101", Severity.ERROR, "@chen2021 matches no entry; did you mean @chen2020?", 9),
        ("RC102", Severity.WARNING, "Kowalski (2017) is never cited", 19),  # written in the article: a warning
    ]


# --- \input ---------------------------------------------------------------------------------


def test_input_is_spliced_in_with_its_places(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "main.tex").write_text("A \\cite{a}.\n\\input{parts/one}\nB \\cite{b}.\n")
    (tmp_path / "parts" / "one.tex").write_text("First line.\n\\input{parts/two.tex}\nC \\cite{c}.\n")
    (tmp_path / "parts" / "two.tex").write_text("D \\cite{d}.\n")
    doc = latex.read(tmp_path / "main.tex")
    assert doc.text == "A \\cite{a}.\nFirst line.\nD \\cite{d}.\n\nC \\cite{c}.\n\nB \\cite{b}.\n"
    result = check_file(tmp_path / "main.tex")
    where = {c.key: result.where(c.span.start) for c in result.citations}
    main, one, two = (str(tmp_path / n) for n in ("main.tex", "parts/one.tex", "parts/two.tex"))
    assert where == {"a": (main, 1, 9), "d": (two, 1, 9), "c": (one, 3, 9), "b": (main, 3, 9)}
    assert doc.source == (tmp_path / "main.tex").read_bytes()  # --fix does not write spliced text


def test_input_cycles_missing_files_and_comments_are_survived(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text("\\input{loop}\n% \\input{hidden}\n\\input{missing}\n")
    (tmp_path / "loop.tex").write_text("\\cite{x}\n\\input{main}\n")
    (tmp_path / "hidden.tex").write_text("\\cite{hidden}\n")
    doc = latex.read(tmp_path / "main.tex")
    assert [c.key for c in doc.keys] == ["x"]
    assert [w.split(": ", 1)[1] for w in doc.warnings] == [
        "\\input{main} includes itself; not read again",
        "\\input names missing, which does not exist; not read",
    ]


def test_fix_leaves_spliced_files_alone(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "natbib", tmp_path / "natbib")
    before = {p: p.read_bytes() for p in folder.rglob("*.tex")}
    done = refcheck("check", "--fix", "main.tex", cwd=folder)
    assert done.returncode == 1, done.stderr
    assert {p: p.read_bytes() for p in folder.rglob("*.tex")} == before


# --- bad input ------------------------------------------------------------------------------


def test_missing_bibliography_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "paper.tex").write_text("\\begin{document}\n\\cite{a}\n\\bibliography{refs}\n\\end{document}\n")
    done = refcheck("check", "paper.tex", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "refcheck: error: paper.tex: \\bibliography names refs.bib, which does not exist\n"


def test_unclosed_brace_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ch").mkdir()
    (tmp_path / "paper.tex").write_text("\\begin{document}\n\\input{ch/one}\n\\end{document}\n")
    (tmp_path / "ch" / "one.tex").write_text("Some text.\n\nAs shown \\cite{key and more\n\ntext.\n")
    done = refcheck("check", "paper.tex", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"refcheck: error: {os.path.join('ch', 'one.tex')}: line 3: unbalanced braces: "
        "the '{' of \\cite is never closed\n"
    )


def test_stray_closing_brace(tmp_path: Path) -> None:
    (tmp_path / "p.tex").write_text("A {b} c}\n% }\n\\verb|}| \\} done\n")
    with pytest.raises(InputError, match=r"line 1: unbalanced braces: this '}' closes no '{'"):
        latex.read(tmp_path / "p.tex")


def test_percent_in_a_url_is_no_comment(tmp_path: Path) -> None:
    (tmp_path / "p.tex").write_text("See \\url{https://example.org/a%20b} and \\cite{k}.\n")
    assert [c.key for c in latex.read(tmp_path / "p.tex").keys] == ["k"]


_LATEXISH = st.sampled_from([*"ab \n{}[]%\\@,*", "\\cite", "\\citep", "\\input{x}", "\\begin{verbatim}", "\\end{verbatim}",
                             "\\begin{thebibliography}", "\\bibitem{k}", "\\verb", "\\parencites"])  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LATEXISH, max_size=20).map("".join))
def test_reading_never_fails_but_with_an_input_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.tex"
        path.write_text(text + "x")
        try:
            doc = latex.read(path)
        except InputError:
            return
        for c in doc.keys:
            assert doc.text[c.span.start : c.span.end] == c.key
