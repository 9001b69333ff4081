"""CSL-JSON and CSL-YAML files: read into items (with the line of each problem) and written."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from refcheck.convert.items import Entries, Unreadable, tidy
from refcheck.model import Problem

__all__ = ["csl_json_entries", "csl_yaml_entries", "from_csl_json", "from_csl_yaml", "to_csl_json", "to_csl_yaml"]

_SPACE = re.compile(r"\s*")


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _item_offsets(text: str) -> list[int]:
    """Where each item of valid CSL-JSON text starts: in the top-level array, or in the
    array under the top-level object's "items"."""
    import json

    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if text.startswith("{", pos):
        pos += 1
        while True:
            pos = _skip(text, pos)
            if not text.startswith('"', pos):
                return []
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            if key == "items":
                break
            pos = _skip(text, decoder.raw_decode(text, pos)[1])
            pos += text.startswith(",", pos)
    if not text.startswith("[", pos):
        return []
    offsets: list[int] = []
    pos += 1
    while True:
        pos = _skip(text, pos)
        if not text or text.startswith("]", pos):
            return offsets
        offsets.append(pos)
        pos = _skip(text, decoder.raw_decode(text, pos)[1])
        pos += text.startswith(",", pos)


def _lines(text: str, offsets: Sequence[int]) -> list[int]:
    out, line, last = [], 1, 0
    for offset in offsets:
        line += text.count("\n", last, offset)
        last = offset
        out.append(line)
    return out


def _items(data: Any, lines: Sequence[int], keys: tuple[str, ...]) -> Entries:
    if isinstance(data, dict):
        data = next((data[k] for k in keys if isinstance(data.get(k), list)), None)
        if data is None:
            raise Unreadable(1, f"expected a list of items, or an object with {' or '.join(map(repr, keys))}")
    if not isinstance(data, list):
        raise Unreadable(1, "expected a list of CSL items")
    items: list[dict[str, Any]] = []
    starts: list[int] = []
    problems: list[Problem] = []
    for n, value in enumerate(data):
        line = lines[n] if n < len(lines) else 1
        if not isinstance(value, dict):
            problems.append(Problem(line, f"item {n + 1} is not an object; skipped"))
            continue
        item, dropped = tidy(value)
        item.setdefault("id", f"item{n + 1}")
        problems.extend(Problem(line, f"item {item['id']}: {what}; dropped") for what in dropped)
        items.append(item)
        starts.append(line)
    return Entries(items, starts, problems)


def from_csl_json(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The items of a CSL-JSON file: an array, or an object with "items"."""
    entries = csl_json_entries(text)
    return entries.items, entries.problems


def csl_json_entries(text: str) -> Entries:
    """The items of a CSL-JSON file with the line each starts on, and its problems."""
    import json

    if not text.strip():
        return Entries([], [], [])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(error.lineno, f"not JSON: {error.msg}") from None
    return _items(data, _lines(text, _item_offsets(text)), ("items",))


def from_csl_yaml(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The items of a CSL-YAML file: a list, or a mapping with "references" (as pandoc
    writes it) or "items"; the first YAML document that holds them."""
    entries = csl_yaml_entries(text)
    return entries.items, entries.problems


def csl_yaml_entries(text: str) -> Entries:
    """The items of a CSL-YAML file with the line each starts on, and its problems."""
    import yaml

    if not text.strip():
        return Entries([], [], [])
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as error:  # a character YAML does not allow
        raise Unreadable(1, f"not YAML: {str(error).splitlines()[0]}") from None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            if isinstance(node, yaml.MappingNode):
                # Lines of the items under "references" or "items".
                node = next((v for k, v in node.value if k.value in ("references", "items")), node)
            lines = [n.start_mark.line + 1 for n in node.value] if isinstance(node, yaml.SequenceNode) else []
            return _items(data, lines, ("references", "items"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise Unreadable(mark.line + 1 if mark else 1, f"not YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise Unreadable(1, f"not YAML: {str(error).splitlines()[0]}") from None
    finally:
        loader.dispose()
    return Entries([], [], [])


def to_csl_json(items: Iterable[dict[str, Any]]) -> str:
    """The items as an indented CSL-JSON array."""
    from refcheck.parse import dumps_indented

    return dumps_indented(list(items)) + "\n"


def to_csl_yaml(items: Iterable[dict[str, Any]]) -> str:
    """The items as CSL-YAML under "references", the way pandoc reads a bibliography."""
    import yaml

    body = yaml.safe_dump({"references": list(items)}, allow_unicode=True, sort_keys=False,
                          default_flow_style=False, width=100)
    return "---\n" + body + "...\n"
