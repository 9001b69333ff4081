"""Configuration files: ``[tool.refcheck]`` in pyproject.toml or the top level of refcheck.toml.

The keys are the command's long options without their dashes (``select``, ``fail-on``,
``timeout``…) and ``per-file-ignores``; the command line's own options win over them (see
refcheck.cli).  This module finds and reads the file and places its errors — bad TOML, an
unknown key, a value of the wrong type — at a line of it; which keys there are and what
their values must be is the command line's to say (``validate``'s ``options``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["NAMES", "Config", "ConfigError", "find", "load", "validate"]

# The files looked for in each directory, the first found winning.
NAMES = ("refcheck.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration file refcheck cannot use: ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.line, self.message))


@dataclass(frozen=True)
class Config:
    """The settings of one file: ``values`` by key (as written, with dashes), ``table`` the
    TOML table that holds them (``("tool", "refcheck")`` in pyproject.toml, ``()`` in
    refcheck.toml)."""

    path: Path
    values: Mapping[str, Any]
    table: tuple[str, ...] = ()
    text: str = field(default="", repr=False)

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def name(self) -> str:
        """The file's name for a message: relative to the current directory when under it."""
        return _display(self.path)

    def line(self, *keys: str) -> int:
        """The line where ``keys`` (a key, or a key of a table under a key) is set."""
        return _key_line(self.text, self.table, keys)

    def error(self, message: str, *keys: str) -> ConfigError:
        return ConfigError(self.name, self.line(*keys), message)


def _display(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if relative.startswith("..") else relative


def find(start: Path) -> Path | None:
    """The configuration file nearest ``start`` (a directory), walking up to the root:
    refcheck.toml, or pyproject.toml with a ``[tool.refcheck]`` table."""
    start = start.absolute()
    for directory in (start, *start.parents):
        own = directory / "refcheck.toml"
        if own.is_file():
            return own
        project = directory / "pyproject.toml"
        if project.is_file() and _has_tool_table(project):
            return project
    return None


_TOOL_HEADER = re.compile(r"(?m)^\s*\[\s*tool\s*\.\s*[\"']?refcheck[\"']?\s*[\].]|^\s*tool\s*\.\s*refcheck\s*[.=]")


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml has ``[tool.refcheck]``: a scan of the text, so that a
    pyproject.toml of another tool's is not parsed (nor its errors reported) on each run."""
    try:
        return _TOOL_HEADER.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def load(path: Path) -> Config:
    """The settings of the file at ``path``; raises ConfigError if it cannot be read, is not
    TOML, or its settings are not a table."""
    import tomllib

    name = _display(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(name, 1, f"cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ConfigError(name, 1, "is not UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        line = 1
        if found:
            line = int(found.group(1))
            message = f"{message[: found.start()]} (column {found.group(2)})"
        elif message.endswith("(at end of document)"):
            line = len(text.rstrip().splitlines()) or 1
            message = message.replace("(at end of document)", "(at the end of the file)")
        raise ConfigError(name, line, f"invalid TOML: {message}") from None
    table: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        table = ("tool", "refcheck")
        values = data.get("tool", {}).get("refcheck", {})
    else:
        values = data
    config = Config(path, {}, table, text)
    if not isinstance(values, dict):
        raise config.error(f"[{'.'.join(table)}] must be a table")
    return Config(path, values, table, text)


# A key's converter takes the TOML value and gives the option's value, raising ValueError
# with a message saying what the value must be.
Converter = Callable[[Any], Any]


def validate(config: Config, options: Mapping[str, Converter], scope: str) -> dict[str, Any]:
    """The values of ``config`` converted by ``options`` (key → converter); raises
    ConfigError for a key not in ``options`` (suggesting a near one) or a value its
    converter refuses.  ``scope`` names the table for messages."""
    import difflib

    converted: dict[str, Any] = {}
    for key, value in config.values.items():
        convert = options.get(key)
        if convert is None:
            near = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise config.error(f"unknown key {key!r} in {scope}{hint}", key)
        try:
            converted[key] = convert(value)
        except ValueError as error:
            raise config.error(f"{key!r}: {error}", *_where(key, value, error)) from None
    return converted


class EntryError(ValueError):
    """A value refused at one key of a table (``per-file-ignores``' globs)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _where(key: str, value: Any, error: ValueError) -> tuple[str, ...]:
    if isinstance(error, EntryError):
        return (key, error.key)
    return (key,)


# --- converters ------------------------------------------------------------------------

def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
             dict: "a table"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, not {_kind(value)}")
    return value


def strings(value: Any) -> tuple[str, ...]:
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected an array of strings, not {_kind(value)}")
    return tuple(value)


def codes(value: Any) -> tuple[str, ...]:
    """Rule codes or names: an array of strings, or one string separated by commas."""
    if isinstance(value, str):
        value = value.split(",")
    found = strings(value)
    return tuple(part.strip() for part in found if part.strip())


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {_kind(value)}")
    return value


def number(parse: Callable[[str], Any], integer: bool = False) -> Converter:
    """A number checked as the command line checks it (``parse`` of its text)."""

    def convert(value: Any) -> Any:
        allowed = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ValueError(f"expected {'an integer' if integer else 'a number'}, not {_kind(value)}")
        try:
            return parse(str(value))
        except (ValueError, TypeError):
            raise ValueError(f"{value!r} is out of range") from None

    return convert


def choice(choices: Sequence[str]) -> Converter:
    def convert(value: Any) -> str:
        text = string(value)
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, not {text!r}")
        return text

    return convert


def path_under(directory: Path, convert: Converter) -> Converter:
    """Paths (from ``convert``) relative to ``directory``, the configuration file's; given
    relative to the current directory when under it."""

    def place(value: str) -> str:
        return _display(directory / os.path.expanduser(value))

    def converted(value: Any) -> Any:
        found = convert(value)
        return tuple(place(v) for v in found) if isinstance(found, tuple) else place(found)

    return converted


def per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``{glob: codes}``: the rules not to report in the files a glob matches."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of globs to codes, not {_kind(value)}")
    found = []
    for glob, entry in value.items():
        try:
            found.append((glob, codes(entry)))
        except ValueError as error:
            raise EntryError(glob, f"{glob!r}: {error}") from None
    return tuple(found)


# --- where a key is ----------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_ASSIGNMENT = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")


def _dotted(text: str) -> tuple[str, ...]:
    """The parts of a dotted TOML key: ``tool."refcheck".select`` → tool, refcheck, select."""
    return tuple(part.strip().strip("\"'") for part in re.findall(rf"{_KEY}", text))


def _key_line(text: str, table: tuple[str, ...], keys: Sequence[str]) -> int:
    """The line of ``text`` that sets ``table`` + ``keys`` (or a table under them); else
    the nearest enclosing one's; else 1.  A scan of the lines, as tomllib gives no
    positions: a key is found in its table's section, by a header or an assignment
    (dotted keys and sub-tables too); text inside multi-line strings may mislead it."""
    wanted = (*table, *keys)
    best_depth, best_line = 0, 1
    current: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = _dotted(header.group(1))
            full = current
        else:
            assignment = _ASSIGNMENT.match(line)
            if not assignment:
                continue
            full = (*current, *_dotted(assignment.group(1)))
        depth = 0
        while depth < min(len(full), len(wanted)) and full[depth] == wanted[depth]:
            depth += 1
        if depth > best_depth and (depth == len(wanted) or depth == len(full)):
            best_depth, best_line = depth, number
            if depth == len(wanted):
                break
    return best_line
