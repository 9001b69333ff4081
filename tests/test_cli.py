"""The command line, run as users run it: in a subprocess, on real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def refcheck(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "refcheck", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True, timeout=60, env={**os.environ, **(env or {})}, cwd=cwd,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def test_version() -> None:
    done = refcheck("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("refcheck 0.")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: d / "missing.md", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "empty.md").write_bytes(b"") and None or d / "empty.md", "empty file"),
        (lambda d: (d / "image.md").write_bytes(b"\x89PNG\x00\x00\x01") and None or d / "image.md", "binary file"),
        (lambda d: (d / "bad.txt").write_bytes(b"\x81\x8d\x8f") and None or d / "bad.txt", "cannot decode"),
        (lambda d: (d / "bad16.txt").write_bytes(b"\xff\xfe\x00\xd8") and None or d / "bad16.txt",
         "cannot decode"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path: Path, make, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    done = refcheck("check", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(path) in lines[0] and problem in lines[0]
    assert "Traceback" not in done.stderr


def test_usage_error_is_status_2() -> None:
    assert refcheck("check").returncode == 2
    assert refcheck("check", "--format", "yaml", "x.md").returncode == 2
    assert refcheck().returncode == 2


def test_stdin_and_cp1252_warning() -> None:
    text = "Prose citing (Marsh, 2019) – nothing else.\n\nReferences\n\nMarsh, P. (2019) Tides. London: Sea Press.\n"
    done = refcheck("check", "--format", "json", "-", stdin=text.encode("cp1252"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "decoded as cp1252" in done.stderr
    report = json.loads(done.stdout)
    assert report["documents"][0]["path"] == "<stdin>"
    assert report["documents"][0]["citations"][0]["state"] == "matched"


def test_exit_status_follows_fail_on(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text(
        "Prose (Marsh, 2019).\n\n## References\n\nMarsh, P. (2019) Tides. London: Sea Press.\n\n"
        "Okafor, C. (2020) Walls. London: Sea Press.\n",
        encoding="utf-8",
    )
    assert refcheck("check", str(article)).returncode == 1  # uncited-reference is a warning
    assert refcheck("check", "--fail-on", "error", str(article)).returncode == 0
    assert refcheck("check", "--ignore", "uncited-reference", str(article)).returncode == 0
    assert refcheck("check", "--ignore", "RC1", "--select", "RC102", str(article)).returncode == 1
    assert refcheck("check", "--fail-on", "never", str(article)).returncode == 0


def test_text_report_without_colour_when_piped_or_no_color(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("Prose (Marsh, 2019).\n\n## References\n\nMarsh, P. (2018) Tides. London: Sea Press.\n",
                       encoding="utf-8")
    done = refcheck("check", str(article))
    assert "\x1b[" not in done.stdout
    assert f"{article}:1:15: RC106 date-mismatch" in done.stdout
    assert "= suggestion: 2018" in done.stdout
    assert done.stdout.rstrip().endswith("Found 1 problem (1 error) in 1 file.")
    coloured = refcheck("check", "--color", "always", str(article))
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in refcheck("check", "--color", "auto", str(article), env={"NO_COLOR": "1"}).stdout


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = refcheck("check", "--format", "json", "-o", str(out), str(SAMPLES / "apa-paper.md"))
    assert done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_rules_lists_every_rule_with_its_documentation() -> None:
    from refcheck.rules import RULES

    done = refcheck("rules")
    assert done.returncode == 0
    for r in RULES:
        assert f"{r.code} {r.name} ({r.severity})" in done.stdout
    assert "Bad:" in done.stdout and "Good:" in done.stdout


def test_main_in_process_returns_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Nothing cited here.\n", encoding="utf-8")
    assert main(["check", str(article)]) == 0
    assert "No problems found in 1 file." in capsys.readouterr().out


def test_version_is_fast_and_imports_nothing_heavy() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['refcheck', '--version']\n"
        "try:\n    runpy.run_module('refcheck', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'rapidfuzz', 'bibtexparser', 'citeproc', 'rich', 'refcheck.check', "
        "'numpy', 'pycrfsuite') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr


def test_check_does_not_import_network_or_formatting_libraries(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text("Prose (Marsh, 2019).\n\n## References\n\nMarsh, P. (2019) Tides. London: Sea Press.\n",
                       encoding="utf-8")
    code = (
        "import sys\nfrom refcheck.cli import main\n"
        f"main(['check', {str(article)!r}])\n"
        "print([m for m in ('httpx', 'bibtexparser', 'citeproc', 'rich', 'numpy') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr
