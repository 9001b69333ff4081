"""Every rule against its fixture cases: failing text, passing text and, where it has a fix, fixed text."""

import tomllib
from pathlib import Path

import pytest

from refcheck.check import check_text
from refcheck.fixes import apply_fixes
from refcheck.rules import ONLINE, RULES, Selection

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def cases() -> list[tuple[str, dict[str, str]]]:
    found = []
    for path in sorted(FIXTURES.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            found.append((path.stem, case))
    return found


def test_every_rule_has_fixture_cases() -> None:
    # The network rules (RC4xx, RC5xx) find nothing offline: tests/test_links_cli.py and
    # tests/test_verify.py run them against servers on loopback.
    names = {path.stem for path in FIXTURES.glob("*.toml")}
    assert names == {r.name for r in RULES if r.code not in ONLINE}


def test_every_rule_is_documented_with_bad_and_good() -> None:
    for r in RULES:
        assert r.summary, r.name
        assert "Bad:" in r.doc and "Good:" in r.doc, r.name


def test_codes_and_names_are_unique_and_stable() -> None:
    assert [(r.code, r.name) for r in RULES] == [
        ("RC101", "unresolved-citation"),
        ("RC102", "uncited-reference"),
        ("RC103", "author-misspelled"),
        ("RC104", "author-mismatch"),
        ("RC105", "given-name-as-surname"),
        ("RC106", "date-mismatch"),
        ("RC107", "ambiguous-citation"),
        ("RC108", "inconsistent-citation"),
        ("RC201", "missing-url"),
        ("RC202", "malformed-url"),
        ("RC203", "duplicate-reference"),
        ("RC204", "reference-order"),
        ("RC205", "missing-fields"),
        ("RC206", "numbering-order"),
        ("RC301", "no-reference-list"),
        ("RC401", "dead-link"),
        ("RC402", "link-redirected"),
        ("RC403", "link-blocked"),
        ("RC404", "link-error"),
        ("RC405", "link-timeout"),
        ("RC406", "doi-not-found"),
        ("RC501", "reference-not-found"),
        ("RC502", "metadata-mismatch"),
        ("RC503", "missing-doi"),
        ("RC504", "retracted"),
    ]


@pytest.mark.parametrize(("rule", "case"), cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_rule_case(rule: str, case: dict[str, str]) -> None:
    only = Selection(select=(rule,))
    failing = check_text(case["fail"], "fail.md", only)
    assert failing.findings, f"{rule} found nothing in: {case['name']}"
    assert {f.rule for f in failing.findings} == {rule}
    passing = check_text(case["pass"], "pass.md")
    assert [f for f in passing.findings] == [], f"{case['name']}: {[f.message for f in passing.findings]}"
    if "fixed" in case:
        assert apply_fixes(case["fail"], failing.findings) == case["fixed"]
        assert check_text(case["fixed"], "fixed.md").findings == ()


def test_selection_most_specific_wins() -> None:
    by = {r.code: r for r in RULES}
    s = Selection(select=("RC",), ignore=("RC1",))
    assert not s.enabled(by["RC103"]) and s.enabled(by["RC201"])
    s = Selection(select=("RC103",), ignore=("RC1",))
    assert s.enabled(by["RC103"]) and not s.enabled(by["RC101"])
    s = Selection(select=("RC1",), ignore=("author-misspelled",))
    assert not s.enabled(by["RC103"]) and s.enabled(by["RC104"])


def test_readme_rules_table_is_current() -> None:
    import subprocess
    import sys

    table = subprocess.run([sys.executable, "-m", "refcheck", "rules", "--format", "markdown"],
                           capture_output=True, text=True, check=True).stdout.strip()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert table in readme
