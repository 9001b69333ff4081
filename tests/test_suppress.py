"""Suppression comments: refcheck: ignore and refcheck: ignore-file (refcheck.suppress)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.check import check_text, with_online
from refcheck.document import Lines
from refcheck.rules.registry import Online
from refcheck.suppress import covers, find_suppressions

BODY = "Prose citing (Marsh, 2019) and (Okafor, 2021)."
REFERENCES = "## References\n\nMarsh, P. (2019) Tides. London: Sea Press.\n\nLee, K. (2018) Walls. London: Sea Press.\n"
# Without comments: RC101 (the body line), RC102 and RC204 (Lee's entry).


def found(text: str) -> list[tuple[str, int]]:
    result = check_text(text)
    return [(f.code, result.lines.position(f.span.start)[0]) for f in result.findings]


def codes(text: str) -> list[str]:
    return [f.code for f in check_text(text).findings]


def test_without_comments() -> None:
    assert codes(f"{BODY}\n\n{REFERENCES}") == ["RC101", "RC102", "RC204"]


@pytest.mark.parametrize("comment", [
    "<!-- refcheck: ignore RC101 -->",
    "<!--refcheck:ignore unresolved-citation-->",
    "% refcheck: ignore RC1",
    "<!-- refcheck: ignore -->",
])  # fmt: skip
def test_own_line_applies_to_the_next_line(comment: str) -> None:
    result = check_text(f"{comment}\n{BODY}\n\n{REFERENCES}")
    assert [f.code for f in result.findings] == ["RC102", "RC204"]
    assert result.suppressed == 1


def test_blank_lines_and_stacked_comments_are_passed_over() -> None:
    text = f"<!-- refcheck: ignore RC102 -->\n\n<!-- refcheck: ignore RC204 -->\n\n{BODY}\n\n{REFERENCES}"
    assert codes(text) == ["RC101", "RC102", "RC204"]  # both apply to the body's line, which has neither
    entries = REFERENCES.replace("Lee,", "<!-- refcheck: ignore RC102 -->\n% refcheck: ignore RC204\n\nLee,")
    assert codes(f"{BODY}\n\n{entries}") == ["RC101"]


def test_at_the_end_of_a_line_applies_to_that_line() -> None:
    assert codes(f"{BODY} <!-- refcheck: ignore RC101 -->\n\n{REFERENCES}") == ["RC102", "RC204"]
    assert codes(f"{BODY} % refcheck: ignore\n\n{REFERENCES}") == ["RC102", "RC204"]
    # Only that line: the next one's findings stay.
    text = f"{BODY} <!-- refcheck: ignore -->\n{BODY.replace('Okafor', 'Mensah')}\n\n{REFERENCES}"
    assert found(text) == [("RC101", 2), ("RC102", 8), ("RC204", 8)]


def test_codes_lists_prefixes_and_names() -> None:
    entries = REFERENCES.replace("Lee,", "<!-- refcheck: ignore RC102, reference-order -->\nLee,")
    assert codes(f"{BODY}\n\n{entries}") == ["RC101"]
    entries = REFERENCES.replace("Lee,", "<!-- refcheck: ignore RC2 -->\nLee,")
    assert codes(f"{BODY}\n\n{entries}") == ["RC101", "RC102"]
    entries = REFERENCES.replace("Lee,", "<!-- refcheck: ignore RC103 -->\nLee,")  # names none of them
    assert codes(f"{BODY}\n\n{entries}") == ["RC101", "RC102", "RC204"]


def test_no_codes_suppresses_every_rule_of_the_next_line() -> None:
    entries = REFERENCES.replace("Lee,", "<!-- refcheck: ignore -->\nLee,")
    result = check_text(f"{BODY}\n\n{entries}")
    assert [f.code for f in result.findings] == ["RC101"]
    assert result.suppressed == 2


@pytest.mark.parametrize(("comment", "left"), [
    ("<!-- refcheck: ignore-file RC102 -->", ["RC101", "RC204"]),
    ("<!-- refcheck: ignore-file RC101,RC204 -->", ["RC102"]),
    ("% refcheck: ignore-file", []),
    ("<!-- refcheck: ignore-file -->", []),
])  # fmt: skip
def test_ignore_file_anywhere(comment: str, left: list[str]) -> None:
    assert codes(f"{BODY}\n\n{REFERENCES}\n{comment}\n") == left
    assert codes(f"{comment}\n{BODY}\n\n{REFERENCES}") == left


def test_an_escaped_percent_and_other_text_are_no_comments() -> None:
    assert codes(f"{BODY} 50\\% refcheck: ignore\n\n{REFERENCES}") == ["RC101", "RC102", "RC204"]
    assert codes(f"{BODY} refcheck: ignore RC101\n\n{REFERENCES}") == ["RC101", "RC102", "RC204"]
    assert codes(f"{BODY} <!-- refcheck: ignored RC101 -->\n\n{REFERENCES}") == ["RC101", "RC102", "RC204"]
    assert codes(f"{BODY}\n\n{REFERENCES}<!-- refcheck: ignore -->\n") == ["RC101", "RC102", "RC204"]


def test_a_code_that_names_no_rule_is_a_warning() -> None:
    result = check_text(f"{BODY} <!-- refcheck: ignore RC101, RC999, uncited -->\n\n{REFERENCES}")
    assert [f.code for f in result.findings] == ["RC102", "RC204"]
    assert result.document.warnings == (
        "<text>:1: refcheck: ignore names no rule: 'RC999'", "<text>:1: refcheck: ignore names no rule: 'uncited'")
    assert check_text(f"{BODY} <!-- refcheck: ignore rc1, RC, dead-link -->\n").document.warnings == ()


def test_find_suppressions() -> None:
    text = "a\n<!-- refcheck: ignore RC101 -->\n\nb % refcheck: ignore\n% refcheck: ignore-file RC2 x\n"
    found = find_suppressions(text, Lines(text))
    assert [(s.codes, s.line, s.at) for s in found] == [
        (("RC101",), 4, 2), ((), 4, 4), (("RC2", "x"), None, 5)]  # fmt: skip
    assert covers((), "RC101", "x") and covers(("rc1",), "RC101", "x") and covers(("x",), "RC999", "x")
    assert not covers(("RC2",), "RC101", "x")


def test_findings_of_the_network_are_suppressed_too() -> None:
    result = check_text(f"<!-- refcheck: ignore-file RC1 -->\n{BODY}\n\n{REFERENCES}")
    assert result.suppressed == 2  # RC101 and RC102
    again = with_online(result, Online())
    assert [f.code for f in again.findings] == ["RC204"] and again.suppressed == 2


def test_a_dead_link_is_suppressed_on_its_line() -> None:
    from refcheck.links import LinkResult, Status, collect_links

    text = (f"{BODY}\n\nSee https://example.org/gone and\n"
            "<!-- refcheck: ignore dead-link -->\nhttps://example.org/also-gone.\n\n{REFERENCES}")  # fmt: skip
    result = check_text(text.replace("{REFERENCES}", REFERENCES))
    dead = [LinkResult(link, Status.DEAD, 404) for link in collect_links(result.document.text)]
    checked = with_online(result, Online(dead))
    lines = [(f.code, checked.lines.position(f.span.start)[0]) for f in checked.findings if f.code == "RC401"]
    assert lines == [("RC401", 3)]
    assert checked.suppressed == 1


def refcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "refcheck", *args], input=b"", capture_output=True,
                          timeout=120, cwd=cwd)  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def test_entries_of_bibliography_files_only_by_ignore_file(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(
        "@book{marsh, author = {Marsh, P.}, title = {Tides}, year = {2019}, publisher = {Sea Press}}\n\n"
        "@book{lee, author = {Lee, K.}, title = {Walls}, year = {2018}, publisher = {Sea Press}}\n",
        encoding="utf-8",
    )
    text = "<!-- refcheck: ignore -->\nProse citing (Marsh, 2019).\n"
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (tmp_path / "b.md").write_text(text + "\n<!-- refcheck: ignore-file uncited-reference -->\n", encoding="utf-8")
    done = refcheck("check", "a.md", "b.md", "--bib", "refs.bib", "--format", "json", "--no-config", cwd=tmp_path)
    findings = [(f["document"], f["path"], f["code"]) for f in json.loads(done.stdout)["findings"]]
    assert findings == [("a.md", "refs.bib", "RC102")]


def check_path(path: Path) -> list[tuple[str, int]]:
    from refcheck.check import check_file

    result = check_file(path)
    return [(f.code, result.where(f.span.start)[1]) for f in result.findings]


def test_in_html_the_comments_of_the_page_apply(tmp_path: Path) -> None:
    page = (
        "<html><body>\n<p>Prose citing (Marsh, 2019) and (Okafor, 2021). <!-- refcheck: ignore RC101 --></p>\n"
        "<p>More citing (Mensah, 2020).</p>\n<h2>References</h2>\n<ul>\n"
        "<li>Marsh, P. (2019) Tides. London: Sea Press.</li>\n<!-- refcheck: ignore uncited-reference -->\n\n"
        "<li>Lee, K. (2018) Walls. London: Sea Press.</li>\n</ul>\n</body></html>\n"
    )
    (tmp_path / "a.html").write_text(page, encoding="utf-8")
    assert check_path(tmp_path / "a.html") == [("RC101", 3), ("RC204", 9)]
    (tmp_path / "b.html").write_text(page.replace("</ul>", "</ul><!-- refcheck: ignore-file RC2 -->"),
                                     encoding="utf-8")  # fmt: skip
    assert check_path(tmp_path / "b.html") == [("RC101", 3)]


def test_in_latex_and_markdown_files(tmp_path: Path) -> None:
    (tmp_path / "a.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        f"{BODY} % refcheck: ignore RC101\n\n% refcheck: ignore\n{BODY.replace('Okafor', 'Mensah')}\n\n"
        f"{BODY.replace('Okafor', 'Bello')}\n\n\\section*{{References}}\n\n{REFERENCES.split(chr(10), 2)[2]}"
        "\\end{document}\n",
        encoding="utf-8",
    )
    assert [f for f in check_path(tmp_path / "a.tex") if f[0] == "RC101"] == [("RC101", 8)]
    (tmp_path / "a.md").write_text(f"---\ntitle: A\n---\n\n<!-- refcheck: ignore RC101 -->\n{BODY}\n\n{REFERENCES}",
                                   encoding="utf-8")  # fmt: skip
    assert check_path(tmp_path / "a.md") == [("RC102", 12), ("RC204", 12)]
