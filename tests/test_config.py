"""Configuration files: where they are found, which wins, and their errors (refcheck.config)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck import config

# RC101 on line 1, RC102 and RC204 on line 7.
ARTICLE = (
    "Prose citing (Marsh, 2019) and (Okafor, 2021).\n\n## References\n\n"
    "Marsh, P. (2019) Tides. London: Sea Press.\n\nLee, K. (2018) Walls. London: Sea Press.\n"
)


def refcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "refcheck", *args], input=b"", capture_output=True,
                          timeout=120, cwd=cwd)  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def codes(stdout: str) -> list[str]:
    return [f["code"] for f in json.loads(stdout)["findings"]]


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.refcheck]\nignore = ["RC2"]\n',
                     "docs/a.md": ARTICLE})  # fmt: skip
    done = refcheck("check", "docs/a.md", "--format", "json", cwd=tmp_path)
    assert codes(done.stdout) == ["RC101", "RC102"]


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path, {"refcheck.toml": 'ignore = "RC102, RC204"\n', "sub/pyproject.toml": '[tool.black]\nx = 1\n',
                     "sub/a.md": ARTICLE})  # fmt: skip
    assert codes(refcheck("check", "sub/a.md", "--format", "json", cwd=tmp_path).stdout) == ["RC101"]


def test_refcheck_toml_wins_over_pyproject_and_the_nearest_wins(tmp_path: Path) -> None:
    write(tmp_path, {
        "refcheck.toml": 'select = ["RC101"]\n',
        "docs/pyproject.toml": '[tool.refcheck]\nselect = ["RC102"]\n',
        "docs/refcheck.toml": 'select = ["RC204"]\n',
        "docs/a.md": ARTICLE, "a.md": ARTICLE,
    })  # fmt: skip
    assert codes(refcheck("check", "docs/a.md", "--format", "json", cwd=tmp_path).stdout) == ["RC204"]
    assert codes(refcheck("check", "a.md", "--format", "json", cwd=tmp_path).stdout) == ["RC101"]
    # The first path decides, a directory from itself.
    assert codes(refcheck("check", "docs", "--format", "json", cwd=tmp_path).stdout) == ["RC204"]
    assert codes(refcheck("check", "docs/*.md", "--format", "json", cwd=tmp_path).stdout) == ["RC204"]
    # Standard input: from the current directory.
    done = subprocess.run([sys.executable, "-m", "refcheck", "check", "-", "--format", "json"],
                          input=ARTICLE.encode(), capture_output=True, cwd=tmp_path / "docs")  # fmt: skip
    assert codes(done.stdout.decode()) == ["RC204"]


def test_the_command_line_wins(tmp_path: Path) -> None:
    write(tmp_path, {"refcheck.toml": 'ignore = ["RC102"]\nfail-on = "never"\nformat = "json"\n', "a.md": ARTICLE})
    done = refcheck("check", "a.md", cwd=tmp_path)
    assert done.returncode == 0 and codes(done.stdout) == ["RC101", "RC204"]
    done = refcheck("check", "a.md", "--ignore", "RC204", "--fail-on", "error", cwd=tmp_path)
    assert done.returncode == 1 and codes(done.stdout) == ["RC101", "RC102"]
    done = refcheck("check", "a.md", "--format", "text", cwd=tmp_path)
    assert done.stdout.startswith("a.md:1:33: RC101")


def test_config_and_no_config(tmp_path: Path) -> None:
    write(tmp_path, {"refcheck.toml": 'ignore = ["RC102"]\n', "other/settings.toml": 'select = ["RC204"]\n',
                     "a.md": ARTICLE})  # fmt: skip
    assert codes(refcheck("check", "a.md", "--format", "json", "--no-config", cwd=tmp_path).stdout) == [
        "RC101", "RC102", "RC204"]  # fmt: skip
    assert codes(refcheck("check", "a.md", "--format", "json", "--config", "other/settings.toml",
                          cwd=tmp_path).stdout) == ["RC204"]  # fmt: skip
    done = refcheck("check", "a.md", "--config", "missing.toml", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, "refcheck: error: missing.toml:1: no such file\n")
    assert refcheck("check", "a.md", "--config", "x.toml", "--no-config", cwd=tmp_path).returncode == 2


def test_bib_is_relative_to_the_configuration_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "refcheck.toml": 'bib = ["refs/library.bib"]\nselect = ["RC101"]\n',
        "refs/library.bib": "@book{okafor, author = {Okafor, C.}, title = {Walls}, year = {2021}, publisher = {P}}\n",
        "docs/a.md": ARTICLE,
    })  # fmt: skip
    done = refcheck("check", "a.md", "--format", "json", cwd=tmp_path / "docs")
    assert done.returncode == 0, done.stdout + done.stderr
    assert codes(done.stdout) == []


def test_per_file_ignores(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.refcheck.per-file-ignores]\n"docs/legacy/" = ["RC2", "uncited-reference"]\n'
                          '"notes.md" = "RC101"\n"/docs/x/*.md" = "RC204"\n"x/*.md" = "RC1"\n',
        "docs/legacy/old/a.md": ARTICLE, "docs/a.md": ARTICLE, "docs/x/notes.md": ARTICLE,
    })  # fmt: skip
    done = refcheck("check", "docs", "--format", "json", cwd=tmp_path)
    found = [(f["path"], f["code"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [
        ("docs/a.md", "RC101"), ("docs/a.md", "RC102"), ("docs/a.md", "RC204"),
        ("docs/legacy/old/a.md", "RC101"),
        ("docs/x/notes.md", "RC102"),
    ]  # fmt: skip


def test_jobs_and_network_settings_are_taken(tmp_path: Path) -> None:
    write(tmp_path, {"refcheck.toml": "jobs = 2\ntimeout = 5\nretries = 0\nlinks = false\n"
                                      'exclude = ["example"]\ncache-dir = ".cache"\n',
                     "a.md": ARTICLE, "b.md": ARTICLE})  # fmt: skip
    done = refcheck("check", ".", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    assert len(json.loads(done.stdout)["documents"]) == 2


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", '[project]\nname = "x"\n\n[tool.refcheck]\nignore = []\nslect = ["RC1"]\n',
         "pyproject.toml:6: unknown key 'slect' in [tool.refcheck] (did you mean 'select'?)"),
        ("refcheck.toml", "# settings\n\nfail_on = 'error'\n",
         "refcheck.toml:3: unknown key 'fail_on' in refcheck.toml (did you mean 'fail-on'?)"),
        ("refcheck.toml", "colour = 'never'\nselect = 3\n",
         "refcheck.toml:1: unknown key 'colour' in refcheck.toml (did you mean 'color'?)"),
        ("refcheck.toml", "wibble = 1\n", "refcheck.toml:1: unknown key 'wibble' in refcheck.toml"),
        ("refcheck.toml", "\nselect = 3\n", "refcheck.toml:2: 'select': expected an array of strings, not an integer"),
        ("refcheck.toml", "links = 'yes'\n", "refcheck.toml:1: 'links': expected true or false, not a string"),
        ("refcheck.toml", "fail-on = 'fatal'\n",
         "refcheck.toml:1: 'fail-on': expected one of error, warning, info, never, not 'fatal'"),
        ("refcheck.toml", "concurrency = 0\n", "refcheck.toml:1: 'concurrency': 0 is out of range"),
        ("refcheck.toml", "jobs = 1.5\n", "refcheck.toml:1: 'jobs': expected an integer, not a number"),
        ("refcheck.toml", "timeout = true\n", "refcheck.toml:1: 'timeout': expected a number, not a boolean"),
        ("refcheck.toml", "bib = [1]\n", "refcheck.toml:1: 'bib': expected an array of strings, not an array"),
        ("refcheck.toml", "x = 1\n[per-file-ignores]\n'a.md' = ['RC1']\n'b.md' = 2\n",
         "refcheck.toml:1: unknown key 'x' in refcheck.toml"),
        ("refcheck.toml", "[per-file-ignores]\n'a.md' = ['RC1']\n'b.md' = 2\n",
         "refcheck.toml:3: 'per-file-ignores': 'b.md': expected an array of strings, not an integer"),
        ("pyproject.toml", "[tool.refcheck]\nper-file-ignores = ['a.md']\n",
         "pyproject.toml:2: 'per-file-ignores': expected a table of globs to codes, not an array"),
        ("pyproject.toml", "[tool.refcheck]\nselect = ['RC1'\n\n",
         "pyproject.toml:2: invalid TOML: Unclosed array (at the end of the file)"),
        ("refcheck.toml", "select = \n", "refcheck.toml:1: invalid TOML: Invalid value (column 10)"),
        ("pyproject.toml", "tool.refcheck = 1\n", "pyproject.toml:1: [tool.refcheck] must be a table"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path, {name: text, "a.md": ARTICLE})
    done = refcheck("check", "a.md", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"refcheck: error: {message}\n"
    assert done.stdout == ""


def test_an_error_names_the_file_from_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.refcheck]\n\n\nsellect = 1\n", "docs/a.md": ARTICLE})
    done = refcheck("check", "a.md", cwd=tmp_path / "docs")
    assert done.stderr == f"refcheck: error: {tmp_path / 'pyproject.toml'}:4: unknown key 'sellect' in " \
        "[tool.refcheck] (did you mean 'select'?)\n"


def test_links_takes_its_own_settings_only(tmp_path: Path) -> None:
    # select would choose no link rules at all; links runs RC4 whatever the file says.
    write(tmp_path, {"refcheck.toml": 'select = ["RC1"]\nverify = true\nformat = "json"\n', "a.md": ARTICLE})
    done = refcheck("links", "a.md", "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["links"] == []


def test_key_lines() -> None:
    text = (
        '[project]\nname = "select"\n\n[tool.refcheck]\nselect = ["RC1"]\n'
        'tool.refcheck.ignore = 1\n"fail-on" = "error"\n\n[tool.refcheck.per-file-ignores]\n'
        '"docs/*.md" = ["RC1"]\n'
    )
    settings = config.Config(Path("pyproject.toml"), {}, ("tool", "refcheck"), text)
    assert settings.line("select") == 5
    assert settings.line("fail-on") == 7
    assert settings.line("per-file-ignores") == 9
    assert settings.line("per-file-ignores", "docs/*.md") == 10
    assert settings.line("nowhere") == 4
    own = config.Config(Path("refcheck.toml"), {}, (), 'a = 1\nper-file-ignores = { "x.md" = 1 }\n')
    assert own.line("per-file-ignores", "x.md") == 2


def test_find(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.refcheck]\n", "a/b/c.md": "", "a/refcheck.toml": ""})
    assert config.find(tmp_path / "a" / "b") == (tmp_path / "a" / "refcheck.toml").absolute()
    assert config.find(tmp_path) == (tmp_path / "pyproject.toml").absolute()


def test_format_takes_style(tmp_path: Path) -> None:
    write(tmp_path, {"refcheck.toml": 'style = "ieee"\nselect = ["RC1"]\n',
                     "refs.txt": "Marsh, P. (2019) Tides. London: Sea Press.\n"})  # fmt: skip
    assert refcheck("format", "refs.txt", cwd=tmp_path).stdout.startswith("[1] P. Marsh, Tides.")
    assert refcheck("format", "refs.txt", "--style", "apa", cwd=tmp_path).stdout.startswith("Marsh, P. (2019).")
