"""`refcheck check --fix` and `--diff`: only the safe fixes, nothing else touched, and a second run changes nothing."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.check import check_text
from refcheck.fixes import SAFE, fix
from refcheck.model import Edit, Finding, Severity, Span

ARTICLE = (
    "Tides rose (Marsh, 2018) and fell again (Wheeler and Homes, 2018), as Ortiz (2020) saw.\n"
    "\n"
    "## References\n"
    "\n"
    "- Wheeler, A. and Holmes, M. (2018). Lessons from the shore. Sea Press.\n"
    "- Ortiz, L. (2020). Coastal retreat. Journal of Shores, 4(2), 1–9.\n"
    "- Marsh, P. (2019). Tides and their keepers. Harbour Books.\n"
)
FIXED = (
    "Tides rose (Marsh, 2019) and fell again (Wheeler and Holmes, 2018), as Ortiz (2020) saw.\n"
    "\n"
    "## References\n"
    "\n"
    "- Marsh, P. (2019). Tides and their keepers. Harbour Books.\n"
    "- Ortiz, L. (2020). Coastal retreat. Journal of Shores, 4(2), 1–9.\n"
    "- Wheeler, A. and Holmes, M. (2018). Lessons from the shore. Sea Press.\n"
)


def refcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, cwd=cwd, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def test_the_library_fix_makes_each_safe_fix_once() -> None:
    result = check_text(ARTICLE, "a.md")
    assert {f.rule for f in result.findings} >= {"author-misspelled", "date-mismatch", "reference-order"}
    done = fix(result)
    assert done.text == FIXED
    assert sorted(f.rule for f in done.findings) == sorted(
        f.rule for f in result.findings if f.rule in SAFE)
    assert fix(check_text(done.text, "a.md")).text == done.text  # nothing more to do


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [("utf-8", "\n", b""), ("utf-8", "\r\n", b""), ("utf-8", "\r\n", b"\xef\xbb\xbf"), ("cp1252", "\r\n", b"")],
)
def test_fix_on_the_command_line_keeps_every_other_byte(tmp_path: Path, encoding: str, newline: str,
                                                         bom: bytes) -> None:
    extra = "Caf\xe9 notes, \u2018quoted\u2019.\n"
    article = tmp_path / "a.md"
    article.write_bytes(bom + (extra + ARTICLE).replace("\n", newline).encode(encoding))
    done = refcheck("check", "a.md", "--fix", cwd=tmp_path)
    assert "refcheck: fixed 4 problems in a.md" in done.stderr  # two of them reference-order
    assert article.read_bytes() == bom + (extra + FIXED).replace("\n", newline).encode(encoding)
    assert "author-misspelled" not in done.stdout and "reference-order" not in done.stdout
    again = refcheck("check", "a.md", "--fix", cwd=tmp_path)
    assert "fixed" not in again.stderr
    assert article.read_bytes() == bom + (extra + FIXED).replace("\n", newline).encode(encoding)


def test_diff_shows_the_fixes_and_writes_nothing(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    done = refcheck("check", "a.md", "--diff", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("--- a/a.md\n+++ b/a.md\n")
    assert "-Tides rose (Marsh, 2018) and fell again (Wheeler and Homes, 2018)" in done.stdout
    assert "+- Marsh, P. (2019). Tides and their keepers. Harbour Books.\n" in done.stdout
    assert article.read_text(encoding="utf-8") == ARTICLE
    article.write_text(FIXED, encoding="utf-8")
    clean = refcheck("check", "a.md", "--diff", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_a_list_is_not_reordered_when_numbered_or_interleaved_with_prose() -> None:
    numbered = ARTICLE.replace("- Wheeler", "1. Wheeler").replace("- Ortiz", "2. Ortiz").replace("- Marsh", "3. Marsh")
    assert "3. Marsh" in fix(check_text(numbered, "a.md")).text.split("## References")[1].splitlines()[-1]
    sections = ARTICLE.replace("- Ortiz", "### Journals\n\n- Ortiz")
    entries = fix(check_text(sections, "a.md")).text.split("## References")[1]
    assert entries.index("Wheeler") < entries.index("Journals")


def test_an_entry_fixed_and_moved_in_one_pass() -> None:
    result = check_text(ARTICLE, "a.md")
    at = ARTICLE.index("Sea Press")
    moved = Finding("RC402", "link-redirected", Severity.INFO, "moved", Span(at, at + 9), "Tide Press",
                    (Edit(Span(at, at + 9), "Tide Press"),))
    done = fix(dataclasses.replace(result, findings=(*result.findings, moved)))
    assert done.text == FIXED.replace("Sea Press", "Tide Press")


def test_unsafe_fixes_are_not_applied() -> None:
    text = ("Talks stalled (Denyer and Min, 2018).\n\n## References\n\n"
            "Denyer, S. and Kim, Min Joo (2018) Talks in the north. Seoul: Han River Press.\n")
    result = check_text(text, "a.md")
    assert any(f.rule == "given-name-as-surname" and f.fix for f in result.findings)
    assert fix(result).text == text
