"""Running over a repository: directories, globs, .gitignore, and -j N (refcheck.discover, cli)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.discover import discover, glob_pattern
from refcheck.formats import ARTICLE_SUFFIXES

# RC101 on line 1, RC102 and RC204 on line 7.
ARTICLE = (
    "Prose citing (Marsh, 2019) and (Okafor, 2021).\n\n## References\n\n"
    "Marsh, P. (2019) Tides. London: Sea Press.\n\nLee, K. (2018) Walls. London: Sea Press.\n"
)
CLEAN = "Prose citing (Marsh, 2019).\n\n## References\n\nMarsh, P. (2019) Tides. London: Sea Press.\n"


def refcheck(*args: str, cwd: Path | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "refcheck", *args], input=stdin, capture_output=True,
                          timeout=120, cwd=cwd)  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def documents(stdout: str) -> list[str]:
    return [d["path"] for d in json.loads(stdout)["documents"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository: articles at several depths, files to skip, .gitignore at the root and below."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, {
        ".gitignore": "drafts/\n*.tmp.md\n!keep.tmp.md\n",
        "a.md": CLEAN,
        "notes.csv": "not,an,article\n",
        "docs/b.tex": CLEAN,
        "docs/c.txt": CLEAN,
        "docs/deep/d.rmd": CLEAN,
        "docs/x.tmp.md": CLEAN,
        "docs/keep.tmp.md": CLEAN,
        "docs/.gitignore": "deep/private.md\n",
        "docs/deep/private.md": CLEAN,
        "drafts/e.md": CLEAN,
        "node_modules/pkg/readme.md": CLEAN,
        "_build/html/index.html": CLEAN,
        ".hidden/f.md": CLEAN,
        "site/.cache.md": CLEAN,
        "a-b.md": CLEAN,
    })  # fmt: skip
    return tmp_path


def test_directory_walk_honours_gitignore_and_skips(repo: Path) -> None:
    found = discover([str(repo)], ARTICLE_SUFFIXES)
    assert found.errors == []
    assert [Path(f).relative_to(repo).as_posix() for f in found.files] == [
        "a-b.md", "a.md", "docs/b.tex", "docs/c.txt", "docs/deep/d.rmd", "docs/keep.tmp.md",
    ]  # fmt: skip


def test_directory_named_from_the_current_directory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert discover(["."], ARTICLE_SUFFIXES).files[:2] == ["a-b.md", "a.md"]
    assert discover(["docs"], ARTICLE_SUFFIXES).files == [
        "docs/b.tex", "docs/c.txt", "docs/deep/d.rmd", "docs/keep.tmp.md"]  # fmt: skip


def test_gitignore_of_the_repository_root_applies_below(repo: Path) -> None:
    # Walking docs/ alone still reads the root's .gitignore (*.tmp.md) and docs/.gitignore.
    found = discover([str(repo / "docs")], ARTICLE_SUFFIXES)
    names = [Path(f).name for f in found.files]
    assert names == ["b.tex", "c.txt", "d.rmd", "keep.tmp.md"]


def test_an_ignored_directory_named_explicitly_is_walked(repo: Path) -> None:
    assert [Path(f).name for f in discover([str(repo / "drafts")], ARTICLE_SUFFIXES).files] == ["e.md"]


def test_links_to_directories_are_not_followed(repo: Path) -> None:
    (repo / "docs" / "loop").symlink_to(repo, target_is_directory=True)
    (repo / "docs" / "linked.md").symlink_to(repo / "a.md")
    names = [Path(f).relative_to(repo).as_posix() for f in discover([str(repo / "docs")], ARTICLE_SUFFIXES).files]
    assert names == ["docs/b.tex", "docs/c.txt", "docs/deep/d.rmd", "docs/keep.tmp.md", "docs/linked.md"]


def test_explicit_files_whatever_their_extension_and_once_each(repo: Path) -> None:
    csv = str(repo / "notes.csv")
    found = discover([csv, str(repo), str(repo / "a.md"), "-"], ARTICLE_SUFFIXES)
    assert found.files[0] == csv
    assert sum(Path(f).name == "a.md" for f in found.files) == 1
    assert found.files[-1] == "-"


def test_globs(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert discover(["docs/**/*.md"], ARTICLE_SUFFIXES).files == ["docs/keep.tmp.md"]
    assert discover(["**/*.tex", "*.md"], ARTICLE_SUFFIXES).files == ["docs/b.tex", "a-b.md", "a.md"]
    assert discover(["docs/*/*.rmd"], ARTICLE_SUFFIXES).files == ["docs/deep/d.rmd"]
    # A glob matches files whatever their extension, but not in skipped or ignored places.
    assert discover(["*.csv"], ARTICLE_SUFFIXES).files == ["notes.csv"]
    assert discover(["**/readme.md", "**/e.md"], ARTICLE_SUFFIXES).errors == [
        "**/readme.md: no files match", "**/e.md: no files match"]  # fmt: skip
    # A glob's fixed directories are named by the user: walked even if ignored.
    assert discover(["drafts/*.md"], ARTICLE_SUFFIXES).files == ["drafts/e.md"]
    # Hidden ones only when the pattern names them.
    assert discover(["site/*.md"], ARTICLE_SUFFIXES).errors == ["site/*.md: no files match"]
    assert discover(["site/.*.md"], ARTICLE_SUFFIXES).files == ["site/.cache.md"]


def test_glob_pattern() -> None:
    match = glob_pattern("docs/**/[a-c]?.md").fullmatch
    assert match("docs/ab.md") and match("docs/x/y/c1.md")
    assert not match("docs/d1.md") and not match("docs/abc.md") and not match("other/ab.md")
    assert glob_pattern("*.md").fullmatch("a.md") and not glob_pattern("*.md").fullmatch("x/a.md")
    assert glob_pattern("[!a]*").fullmatch("b") and not glob_pattern("[!a]*").fullmatch("a")


def test_cli_directory_and_glob(repo: Path) -> None:
    done = refcheck("check", ".", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert documents(done.stdout) == [
        "a-b.md", "a.md", "docs/b.tex", "docs/c.txt", "docs/deep/d.rmd", "docs/keep.tmp.md"]  # fmt: skip
    done = refcheck("check", "docs/**/*.rmd", "--format", "json", cwd=repo)
    assert documents(done.stdout) == ["docs/deep/d.rmd"]


def test_cli_empty_glob_is_an_error_but_the_rest_is_checked(repo: Path) -> None:
    done = refcheck("check", "nothing/**/*.md", "a.md", "--format", "json", cwd=repo)
    assert done.returncode == 2
    assert done.stderr == "refcheck: error: nothing/**/*.md: no files match\n"
    assert documents(done.stdout) == ["a.md"]


def test_cli_directory_without_articles(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("x\n", encoding="utf-8")
    done = refcheck("check", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == f"refcheck: error: {tmp_path}: is a directory with no files to check\n"


def test_links_takes_directories(repo: Path) -> None:
    done = refcheck("links", "docs", "--no-cache", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["links"] == []


# --- -j N ------------------------------------------------------------------------------

@pytest.fixture
def many(tmp_path: Path) -> Path:
    for index in range(12):
        text = ARTICLE if index % 3 == 0 else CLEAN
        write(tmp_path, {f"part{index % 2}/article{index:02}.md": text.replace("Prose", f"Prose {index}")})
    return tmp_path


@pytest.mark.parametrize("form", ["json", "text"])
def test_jobs_give_the_same_report(many: Path, form: str) -> None:
    one = refcheck("check", ".", "--format", form, "-j", "1", cwd=many)
    two = refcheck("check", ".", "--format", form, "-j", "2", cwd=many)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr == ""
    if form == "json":
        assert len(documents(one.stdout)) == 12


def test_jobs_with_a_bad_file_and_standard_input(many: Path) -> None:
    (many / "part0" / "broken.md").write_bytes(b"\x89PNG\x00\x00\x01")
    (many / "part1" / "empty.md").write_bytes(b"")
    args = ("check", ".", "-", "--format", "json")
    one = refcheck(*args, "-j", "1", cwd=many, stdin=CLEAN.encode())
    two = refcheck(*args, "-j", "2", cwd=many, stdin=CLEAN.encode())
    zero = refcheck(*args, "-j", "0", cwd=many, stdin=CLEAN.encode())
    assert one.returncode == two.returncode == zero.returncode == 2
    assert one.stdout == two.stdout == zero.stdout
    assert one.stderr == two.stderr == zero.stderr
    assert one.stderr.splitlines() == [
        "refcheck: error: part0/broken.md: binary file, not text",
        "refcheck: error: part1/empty.md: empty file",
    ]
    paths = documents(two.stdout)
    assert len(paths) == 13 and paths[-1] == "<stdin>"


def test_jobs_must_not_be_negative(many: Path) -> None:
    assert refcheck("check", ".", "-j", "-1", cwd=many).returncode == 2
