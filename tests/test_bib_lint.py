"""refcheck bib lint: the RC6xx rules over .bib and CSL-JSON libraries, and the command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from refcheck.bib.lint import lint_file
from refcheck.model import Severity
from refcheck.rules import BIB_RULES, RULES, Selection
from refcheck.bib.identifiers import isbn_valid, issn_valid
from refcheck.rules.bib import arxiv_valid

FIXTURES = Path(__file__).parent / "fixtures" / "bib"
LIBRARY = FIXTURES / "library.bib"
CLEAN = FIXTURES / "clean.bib"
YEAR = 2026


def lint(path: Path | str, select: tuple[str, ...] = ("RC6",), ignore: tuple[str, ...] = (),
         key_pattern: str | None = None) -> list[tuple[str, int]]:
    pattern = re.compile(key_pattern) if key_pattern is not None else None
    result = lint_file(str(path), Selection(select, ignore), pattern, this_year=YEAR)
    assert all(f.origin is not None and f.origin.path == str(path) for f in result.findings)
    return [(f.code, f.origin.line) for f in result.findings if f.origin is not None]


def lint_text(tmp_path: Path, text: str, name: str = "lib.bib", **options: object) -> list[tuple[str, int]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lint(path, **options)  # type: ignore[arg-type]


def messages(tmp_path: Path, text: str, code: str) -> list[str]:
    path = tmp_path / "lib.bib"
    path.write_text(text, encoding="utf-8")
    result = lint_file(str(path), Selection((code,)), None, this_year=YEAR)
    return [f.message + (f" => {f.suggestion}" if f.suggestion else "") for f in result.findings]


# ---- the rules as a set ---------------------------------------------------------------------------


def test_bib_rules_are_documented_and_apart_from_check() -> None:
    codes = [r.code for r in BIB_RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert all(c.startswith("RC6") for c in codes)
    assert not set(codes) & {r.code for r in RULES}  # check never runs them
    for r in BIB_RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name)
        assert r.summary.endswith(".") and "Bad:" in r.doc and "Good:" in r.doc, r.code


def test_library_fixture_gives_exactly_one_of_each_problem() -> None:
    assert lint(LIBRARY) == [
        ("RC617", 3),  # @string unused
        ("RC602", 16),  # holmes2019b: same DOI and title as holmes2019
        ("RC601", 26),  # holmes2019 again
        ("RC603", 33),  # book without publisher
        ("RC606", 37),  # ISBN check digit
        ("RC616", 42),  # DNA unprotected
        ("RC605", 47),  # 10.100/…
        ("RC607", 48),  # ISSN check digit
        ("RC610", 57),  # 45-67
        ("RC611", 58),  # Janury
        ("RC613", 63),  # names separated by commas
        ("RC612", 66),  # 2121
        ("RC615", 74),  # &
        ("RC608", 77),  # www. without scheme
        ("RC609", 84),  # 2201.123
        ("RC604", 88),  # inproceedings without pages
        ("RC613", 97),  # editor in capitals
        ("RC619", 100),  # undefined @string cup
        ("RC614", 105),  # unbalanced brace
    ]


def test_library_fixture_severities() -> None:
    result = lint_file(str(LIBRARY), Selection(("RC6",)), None, this_year=YEAR)
    by_code = {f.code: f.severity for f in result.findings}
    assert by_code["RC601"] is Severity.ERROR and by_code["RC614"] is Severity.ERROR
    assert by_code["RC602"] is Severity.WARNING and by_code["RC610"] is Severity.WARNING
    assert by_code["RC616"] is Severity.INFO and by_code["RC617"] is Severity.INFO


def test_clean_library_gives_nothing() -> None:
    assert lint(CLEAN) == []
    assert lint(CLEAN, key_pattern=r"[a-z]+[0-9]{4}[a-z]?") == []


def test_select_and_ignore() -> None:
    assert {code for code, _ in lint(LIBRARY, select=("RC61",))} == {
        "RC610", "RC611", "RC612", "RC613", "RC614", "RC615", "RC616", "RC617", "RC619"}
    assert ("RC613", 63) not in lint(LIBRARY, ignore=("mangled-name",))
    assert lint(LIBRARY, select=("duplicate-key",)) == [("RC601", 26)]


# ---- identifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize("isbn, valid", [
    ("978-0-306-40615-7", True), ("9780306406157", True), ("978-0-306-40615-6", False),
    ("0-306-40615-2", True), ("0306406152", True), ("0-306-40615-3", False),
    ("0-8044-2957-X", True), ("0-8044-2957-x", True), ("0-8044-2957-5", False),
    ("979-10-90636-07-1", True), ("12345", False), ("977-0-306-40615-7", False),
])
def test_isbn_checksum(isbn: str, valid: bool) -> None:
    assert isbn_valid(isbn) is valid


@pytest.mark.parametrize("issn, valid", [
    ("0378-5955", True), ("0378-5954", False), ("2049-3630", True), ("0317-8471", True),
    ("1050-124X", True), ("1050-1240", False), ("2169-9275", True), ("123-4567", False),
])
def test_issn_checksum(issn: str, valid: bool) -> None:
    assert issn_valid(issn) is valid


@pytest.mark.parametrize("eprint, valid", [
    ("2101.01234", True), ("2101.01234v2", True), ("0704.0001", True), ("arXiv:2101.01234", True),
    ("hep-th/9901001", True), ("math.GT/0309136", True), ("2101.123", False), ("2113.01234", False),
    ("hep-th/99010", False), ("arxiv.org/abs/2101.01234", False),
])
def test_arxiv_id_syntax(eprint: str, valid: bool) -> None:
    assert arxiv_valid(eprint) is valid


def test_doi_and_url_forms(tmp_path: Path) -> None:
    text = """@misc{a, title = {A}, year = 2020, doi = {https://doi.org/10.1000/xyz}, url = {https://example.org/a_b}}
@misc{b, title = {B}, year = 2020, doi = {doi:10.1000/abc}, url = {\\url{https://example.org/b\\_c}}}
@misc{c, title = {C}, year = 2020, doi = {10.1000 /abc}, url = {ftp://files.example.org/c}}
@misc{d, title = {D}, year = 2020, url = {https://exa mple.org/d}}
@misc{e, title = {E}, year = 2020, howpublished = {\\url{mailto:someone@example.org}}}
"""
    assert lint_text(tmp_path, text, select=("RC605", "RC608")) == [("RC605", 3), ("RC608", 4), ("RC608", 5)]


# ---- duplicates -----------------------------------------------------------------------------------


def test_duplicates_by_doi_title_and_near_title(tmp_path: Path) -> None:
    text = """@article{a, author = {Smith, John}, title = {Ocean heat content in the twentieth century},
  journal = {J}, year = 2020, doi = {10.1000/ABC}}
@article{b, author = {Smith, John}, title = {Something else entirely}, journal = {J}, year = 2021,
  doi = {https://doi.org/10.1000/abc}}
@article{c, author = {Smith, John}, title = {Ocean Heat Content in the Twentieth Century.}, journal = {J}, year = 2020}
@article{d, author = {Smith, John}, title = {Ocean heat content in the twentieth centuy}, journal = {J}, year = 2020}
@article{e, author = {Smith, John}, title = {Ocean heat content in the twentieth century}, journal = {J}, year = 2012}
@article{f, author = {Smith, John}, title = {Short}, journal = {J}, year = 2020}
@article{g, author = {Smith, John}, title = {Shorts}, journal = {J}, year = 2020}
"""
    assert lint_text(tmp_path, text, select=("RC602",)) == [("RC602", 3), ("RC602", 5), ("RC602", 6)]
    found = messages(tmp_path, text, "RC602")
    assert found[0].startswith("'b' is a possible duplicate of 'a' at line 1")


# ---- fields -----------------------------------------------------------------------------------------


def test_required_fields_by_type(tmp_path: Path) -> None:
    text = """@article{a, author = {Smith, John}, title = {T}, journaltitle = {J}, date = {2020-03}}
@inproceedings{b, author = {Smith, John}, title = {T}, year = 2020}
@phdthesis{c, author = {Smith, John}, title = {T}, year = 2020}
@techreport{d, author = {Smith, John}, title = {T}, year = 2020, institution = {I}}
@book{e, editor = {Smith, John}, title = {T}, publisher = {P}, year = 2020}
@proceedings{p, title = {Proceedings of P}, year = 2020, publisher = {P}}
@inproceedings{f, author = {Smith, John}, title = {T}, crossref = {p}}
@misc{g, title = {T}}
@online{h, title = {T}, url = {https://example.org}}
@misc{i, title = {Town tram lines}, note = {Pamphlet}}
@report{j, author = {Smith, John}, title = {T}, institution = {I}, date = {2020}}
"""
    assert lint_text(tmp_path, text, select=("RC603",)) == [("RC603", 2), ("RC603", 3), ("RC603", 8)]
    assert messages(tmp_path, text, "RC603")[1] == "@phdthesis 'c' lacks required field school or institution"


def test_page_ranges(tmp_path: Path) -> None:
    text = """@misc{a, title = {A}, url = {https://e.org}, pages = {12-34}}
@misc{b, title = {B}, url = {https://e.org}, pages = {12–34}}
@misc{c, title = {C}, url = {https://e.org}, pages = {12--34}}
@misc{d, title = {D}, url = {https://e.org}, pages = {e1234}}
@misc{e, title = {E}, url = {https://e.org}, pages = {S12 - S34}}
"""
    assert lint_text(tmp_path, text, select=("RC610",)) == [("RC610", 1), ("RC610", 2), ("RC610", 5)]
    assert messages(tmp_path, text, "RC610")[1].endswith("=> pages = {12--34}")


def test_months_and_years(tmp_path: Path) -> None:
    text = """@misc{a, title = {A}, url = {https://e.org}, year = 2027, month = dec}
@misc{b, title = {B}, url = {https://e.org}, year = 2028, month = 12}
@misc{c, title = {C}, url = {https://e.org}, year = {20}, month = {13}}
@misc{d, title = {D}, url = {https://e.org}, year = {2O21}, month = {Sept.}}
@misc{e, title = {E}, url = {https://e.org}, date = {2019-04-01}, month = {Febuary}}
"""
    assert lint_text(tmp_path, text, select=("RC611", "RC612")) == [
        ("RC612", 2), ("RC611", 3), ("RC612", 3), ("RC612", 4), ("RC611", 5)]
    assert messages(tmp_path, text, "RC611")[1].endswith("=> month = feb")


# ---- names --------------------------------------------------------------------------------------------


def test_mangled_names(tmp_path: Path) -> None:
    text = """@misc{a, title = {A}, url = {https://e.org}, author = {Smith, John and Doe, Jane and Brown, Sarah}}
@misc{b, title = {B}, url = {https://e.org}, author = {Lee, Min and Garcia, Maria and Kim, Ji}}
@misc{c, title = {C}, url = {https://e.org}, author = {Holmes John}}
@misc{d, title = {D}, url = {https://e.org}, author = {Lyons JA}}
@misc{e, title = {E}, url = {https://e.org}, author = {John S.}}
@misc{f, title = {F}, url = {https://e.org}, author = {Smith, J.; Doe, J.}}
@misc{g, title = {G}, url = {https://e.org}, author = {{World Health Organization} and King, Jr., Martin}}
@misc{h, title = {H}, url = {https://e.org}, author = {IEEE and {NASA}}}
"""
    assert lint_text(tmp_path, text, select=("RC613",)) == [("RC613", 3), ("RC613", 4), ("RC613", 5), ("RC613", 6), ("RC613", 8)]
    found = messages(tmp_path, text, "RC613")
    assert "looks inverted" in found[0] and found[0].endswith("=> Holmes, John")
    assert found[1].endswith("=> Lyons, JA")
    assert found[4].endswith("=> {IEEE}")


def test_inverted_names_need_a_comma_convention(tmp_path: Path) -> None:
    # Without a library that writes "Family, Given", "Holmes John" may be as meant.
    text = """@misc{c, title = {C}, url = {https://e.org}, author = {Holmes John and Kate Lyons}}
@misc{h, title = {H}, url = {https://e.org}, author = {J. R. R. Tolkien and Ludwig van Beethoven}}
"""
    assert lint_text(tmp_path, text, select=("RC613",)) == []


# ---- BibTeX syntax ----------------------------------------------------------------------------------


def test_unescaped_characters(tmp_path: Path) -> None:
    text = """@misc{a, title = {Tides \\& waves}, url = {https://e.org/a_b%20c}}
@misc{b, title = {Growth of 5% a year}, url = {https://e.org}}
@misc{c, title = {The $x_1$ model}, url = {https://e.org}, note = {see item #4}}
@misc{d, title = {snake_case names}, url = {https://e.org}, file = {a_b.pdf}}
"""
    assert lint_text(tmp_path, text, select=("RC615",)) == [("RC615", 2), ("RC615", 3), ("RC615", 4)]


def test_unprotected_capitals(tmp_path: Path) -> None:
    text = """@misc{a, title = {Sequencing DNA with Bayesian methods}, url = {https://e.org}}
@misc{b, title = {Sequencing {DNA} with {Bayesian} methods}, url = {https://e.org}}
@misc{c, title = {Tidal Mixing in Shallow Seas}, url = {https://e.org}}
@misc{d, title = {Tidal Mixing in the {COVID-19} Era and mRNA}, url = {https://e.org}}
@misc{e, title = {Tides: A review of estuaries}, url = {https://e.org}}
"""
    assert lint_text(tmp_path, text, select=("RC616",)) == [("RC616", 1), ("RC616", 4)]
    found = messages(tmp_path, text, "RC616")
    assert found[0].endswith("=> title = {Sequencing {DNA} with {Bayesian} methods}")
    assert found[1].startswith("title of 'd' has capitals a style will lower-case: 'mRNA' =>")


def test_key_pattern(tmp_path: Path) -> None:
    text = """@misc{smith2020, title = {A}, url = {https://e.org}}
@misc{Smith:2020:Tides, title = {B}, url = {https://e.org}}
"""
    assert lint_text(tmp_path, text, select=("RC618",)) == []
    assert lint_text(tmp_path, text, select=("RC618",), key_pattern=r"[a-z]+\d{4}[a-z]?") == [("RC618", 2)]


def test_unused_strings_count_strings_using_strings(tmp_path: Path) -> None:
    text = """@string{pub = {Ocean Press}}
@string{place = {Oslo}}
@string{full = pub # ", " # place}
@string{spare = {Spare}}
@book{a, author = {Smith, John}, title = {T}, publisher = full, year = 2020, isbn = {0-306-40615-2}}
"""
    assert lint_text(tmp_path, text) == [("RC617", 4)]


_BIB_PIECES = st.sampled_from([
    "@article{", "@string{", "@misc{", "}", "{", ",", " = ", "author", "title", "pages", "month", "year",
    "doi", "isbn", "issn", "url", "eprint", "archivePrefix", " and ", "Smith, John", "DNA", "12-34", "jan",
    "#", "&", "%", "_", '"', "\n", "10.1000/x", "2020", "k1", "k2", "arXiv", "2101.01234", "crossref",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_BIB_PIECES, max_size=40).map("".join))
def test_lint_never_crashes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.bib"
    path.write_text(text, encoding="utf-8")
    try:
        result = lint_file(str(path), Selection(("RC6",)), re.compile("k1"), this_year=YEAR)
    except Exception as error:  # only a file that cannot be read at all may stop the lint
        from refcheck.document import InputError

        assert isinstance(error, InputError), error
        return
    assert all(f.origin is not None and f.origin.line >= 1 for f in result.findings)


# ---- CSL-JSON ---------------------------------------------------------------------------------------


def test_csl_json_library() -> None:
    assert lint(FIXTURES / "library.json", ignore=("RC604",)) == [
        ("RC602", 11),  # same DOI as holmes2019, as a URL and in lower case
        ("RC606", 27),  # ISBN-10 check digit
        ("RC603", 29),  # article-journal without container-title
        ("RC605", 35),
        ("RC608", 36),
    ]


# ---- the command --------------------------------------------------------------------------------------


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "refcheck", "bib", "lint", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd)


def test_cli_exit_statuses() -> None:
    assert run(str(CLEAN)).returncode == 0
    assert run(str(LIBRARY)).returncode == 1
    assert run(str(LIBRARY), "--fail-on", "never").returncode == 0
    assert run(str(LIBRARY), "--select", "RC616,RC617", "--fail-on", "warning").returncode == 0
    assert run(str(LIBRARY), "--select", "RC616,RC617", "--fail-on", "info").returncode == 1


def test_cli_missing_file_is_one_line_and_the_rest_still_linted(tmp_path: Path) -> None:
    done = run(str(tmp_path / "missing.bib"), str(LIBRARY), "--format", "json")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "missing.bib" in done.stderr
    report = json.loads(done.stdout)
    assert {f["path"] for f in report["findings"]} == {str(LIBRARY)}
    assert run(str(tmp_path / "missing.bib")).returncode == 2


def test_cli_json_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = run(str(LIBRARY), "--format", "json", "-o", str(out))
    assert done.returncode == 1 and done.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["version"] == 1
    first = report["findings"][0]
    assert (first["code"], first["rule"], first["severity"], first["line"]) == ("RC617", "unused-string", "info", 3)
    assert [(f["code"], f["line"]) for f in report["findings"]] == lint(LIBRARY)


def test_cli_sarif_report_describes_the_bib_rules() -> None:
    done = run(str(LIBRARY), "--format", "sarif")
    log = json.loads(done.stdout)
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.code for r in BIB_RULES]
    results = log["runs"][0]["results"]
    assert len(results) == len(lint(LIBRARY))
    for item in results:
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("library.bib")
        assert "relatedLocations" not in item


def test_cli_text_and_github_reports() -> None:
    text = run(str(LIBRARY), "--select", "RC601").stdout
    assert f"{LIBRARY}:26:1: RC601 duplicate-key duplicate key 'holmes2019'; first used at line 5" in text
    github = run(str(LIBRARY), "--format", "github", "--select", "RC610").stdout
    assert github.startswith(f"::warning file=") and "line=57" in github


def test_cli_bad_key_pattern_is_a_usage_error() -> None:
    assert run(str(CLEAN), "--key-pattern", "[").returncode == 2


def test_cli_imports_stay_light() -> None:
    code = ("import sys; from refcheck.cli import build_parser; build_parser(); "
            "print('bibtexparser' in sys.modules, 'rapidfuzz' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"]
