"""The files a run checks: command-line paths expanded — directories walked, globs matched.

A file named on the command line is checked whatever its extension; a directory is walked
for the files whose extension is one of ``suffixes``; a glob (``"docs/**/*.md"``, quoted so
that refcheck, not the shell, expands it) is matched by walking from its fixed leading
directories, ``**`` standing for any number of directories.  Walks skip version-control
and build directories (SKIP_DIRS), hidden files and directories, and what the
``.gitignore`` files of the repository say to ignore (those of the directories walked, and
those from the repository's root down to where the walk starts).  Each path gives its
files in sorted order; a file found twice is checked once, where it was first found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = ["SKIP_DIRS", "Discovery", "discover", "glob_pattern", "is_glob"]

# Directories never walked into: version control, dependencies, caches and build output.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "_darcs", "CVS",
    "node_modules", "bower_components", "site-packages", "__pycache__", "__pypackages__",
    ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "_build", "build", "dist", "_site", "_freeze", ".ipynb_checkpoints",
})  # fmt: skip

_MAGIC = re.compile(r"[*?[]")


def is_glob(path: str) -> bool:
    """Whether ``path`` is a pattern: it has ``*``, ``?`` or ``[``."""
    return _MAGIC.search(path) is not None


@dataclass
class Discovery:
    """The files to check, in order, and a message for each path that gave none."""

    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def discover(paths: Iterable[str], suffixes: Sequence[str]) -> Discovery:
    """The files named by ``paths``: files as they are ("-" is standard input), the files of a
    directory with one of ``suffixes`` (case-folded), the files a glob matches.

    A glob that matches nothing, or a directory with no file to check, is an error (in
    ``errors``); a path that does not exist is passed on as a file, for the reader to say so."""
    found = Discovery()
    seen: set[str] = set()
    folded = tuple(s.casefold() for s in suffixes)

    def add(name: str) -> None:
        key = name if name == "-" else os.path.normcase(os.path.abspath(name))
        if key not in seen:
            seen.add(key)
            found.files.append(name)

    for path in paths:
        if path == "-" or os.path.isfile(path):
            add(path)
        elif os.path.isdir(path):
            files = list(_walk(path, lambda rel: rel.casefold().endswith(folded)))
            if not files:
                found.errors.append(f"{path}: is a directory with no files to check")
            for name in files:
                add(name)
        elif is_glob(path):
            files = list(_glob(path))
            if not files:
                found.errors.append(f"{path}: no files match")
            for name in files:
                add(name)
        else:
            add(path)  # missing: the reader says so
    return found


def _glob(pattern: str) -> Iterator[str]:
    """The files that ``pattern`` matches, walking from its fixed leading directories."""
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = 0
    while fixed < len(parts) - 1 and not is_glob(parts[fixed]):
        fixed += 1
    base = "/".join(parts[:fixed]) or "."
    if parts[:fixed] == [""]:
        base = "/"  # an absolute pattern whose first directory is a pattern
    if not os.path.isdir(base):
        return
    matcher = glob_pattern("/".join(parts[fixed:]))
    yield from _walk(base, lambda rel: matcher.fullmatch(rel) is not None, hidden=_names_hidden(parts[fixed:]))


def _names_hidden(parts: Sequence[str]) -> bool:
    """Whether a glob names hidden files or directories itself (a part that starts with a dot)."""
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


@lru_cache(maxsize=256)
def glob_pattern(pattern: str) -> re.Pattern[str]:
    """A regular expression for a glob over ``/``-separated relative paths: ``*`` and ``?``
    within a name, ``[…]`` a class, ``**`` any number of directories (a whole part)."""
    out = []
    parts = pattern.split("/")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
            continue
        i = 0
        while i < len(part):
            char = part[i]
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "[":
                end = part.find("]", i + 2 if part[i + 1 : i + 2] in ("!", "^") else i + 1)
                if end == -1:
                    out.append(re.escape(char))
                else:
                    inner = part[i + 1 : end]
                    negate = inner[:1] in ("!", "^")
                    inner = inner[1:] if negate else inner
                    out.append(f"[{'^/' if negate else ''}{inner.replace(chr(92), chr(92) * 2)}]")
                    i = end
            else:
                out.append(re.escape(char))
            i += 1
        if not last:
            out.append("/")
    return re.compile("".join(out))


@dataclass(frozen=True)
class _Ignores:
    """The .gitignore files that apply at a directory: (their directory, their patterns),
    outermost first; the innermost that says anything about a path decides."""

    specs: tuple[tuple[Path, GitIgnoreSpec], ...] = ()

    def ignored(self, path: Path, directory: bool) -> bool:
        verdict = False
        for base, spec in self.specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            include = spec.check_file(rel + "/" if directory else rel).include
            if include is not None:
                verdict = include
        return verdict

    def entering(self, directory: Path) -> _Ignores:
        spec = _read_gitignore(directory)
        return _Ignores((*self.specs, (directory, spec))) if spec is not None else self


def _read_gitignore(directory: Path) -> GitIgnoreSpec | None:
    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _outer_ignores(start: Path) -> _Ignores:
    """The .gitignore files from the repository's root (the nearest directory above ``start``
    with a ``.git``) down to ``start``'s parent; none outside a repository."""
    chain = []
    for directory in (start, *start.parents):
        chain.append(directory)
        if (directory / ".git").exists():
            break
    else:
        return _Ignores()
    ignores = _Ignores()
    for directory in reversed(chain[1:]):
        ignores = ignores.entering(directory)
    return ignores


def _walk(top: str, wanted: Callable[[str], bool], hidden: bool = False) -> Iterator[str]:
    """The files under ``top`` (named from ``top``, as given) whose ``/``-separated path
    relative to ``top`` is ``wanted``, in sorted order, outside skipped and ignored
    directories (hidden ones too, unless ``hidden``).  ``top`` itself is walked even if
    a .gitignore names it: the user asked for it."""
    root = Path(top).absolute()
    ignores = _outer_ignores(root)
    if ignores.ignored(root, directory=True):
        ignores = _Ignores()  # the outer patterns would ignore all of it

    def name(rel: str) -> str:
        return rel if top in (".", "./") else os.path.join(top, rel)

    def walk(directory: Path, rel: str, ignores: _Ignores) -> Iterator[str]:
        ignores = ignores.entering(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") and not hidden:
                continue
            child_rel = f"{rel}{entry.name}"
            path = directory / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)  # as git: a link is not walked into
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or ignores.ignored(path, directory=True):
                    continue
                yield from walk(path, child_rel + "/", ignores)
            elif entry.is_file() and wanted(child_rel) and not ignores.ignored(path, directory=False):
                yield name(child_rel)

    yield from walk(root, "", ignores)
