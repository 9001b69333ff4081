"""Read a pandoc Markdown article (.md, .qmd, .Rmd): its ``[@key]`` citations, its YAML front
matter (bibliography, references, nocite) and the code and comments to leave alone."""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from refcheck import document as documents
from refcheck.document import Document, InputError, Lines
from refcheck.formats.latex import GROUPS_FROM, merged
from refcheck.matching import EVERY_ENTRY
from refcheck.model import Citation, CitationKind, Span

__all__ = ["read"]

# --- front matter ----------------------------------------------------------------------------
# A YAML block at the very start: "---" (not followed by a blank line, which would make it a
# rule) to "---" or "...".
_FRONT_OPEN = re.compile(r"---[ \t]*\r?\n(?![ \t]*\r?\n)")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)

# --- code and comments -----------------------------------------------------------------------
_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"[ ]{0,3}(?:[-*+]|\d{1,9}[.)]|\(?@\w*\)|#\.)[ \t]")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
# Heading attributes ("# References {#refs .unnumbered}", "{-}") are no part of a heading's words.
_ATTRIBUTES = re.compile(r"^([ ]{0,3}#{1,6}[ \t].*?)[ \t]*(\{[^{}\n]*\})[ \t]*$", re.MULTILINE)

# --- citations -------------------------------------------------------------------------------
# A key as pandoc reads it: a letter, digit or "_", then those and punctuation inside it; or
# anything but braces inside "@{…}".
_KEY = r"(?:\{(?P<braced>[^{}\n]+)\}|(?P<key>\w(?:[:.#$%&\-+?<>~/]*\w)*))"
_CITE = re.compile(rf"(?P<minus>-?)@{_KEY}")
# No key follows a letter or digit (an e-mail address), a backslash (an escaped "@", bookdown's
# "\@ref(…)"), a slash (a URL) or another "@".
_NOT_AFTER = re.compile(r"[\w\\/@`]")
# Cross-references of Quarto and pandoc-crossref, not citations: "@fig-map", "@tbl:costs".
_CROSS_REFERENCE = re.compile(
    r"(?:fig|tbl|sec|eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|alg|apx|ch)[-:]"
)
_BRACKETS = re.compile(r"(?<![!\\\]])\[([^\[\]\n]*(?:\n(?![ \t]*\n)[^\[\]\n]*)*)\](?![(\[:])")
# The text of a link or an image: "[@jdoe](https://example.org/jdoe)" names no work.
_LINK_TEXT = re.compile(r"!?\[[^\[\]\n]*\](?=\()")
_NOCITE = re.compile(rf"@(?:\*|{_KEY})")
_LOCATOR = re.compile(r"[ \t]?\[([^\[\]@\n]*)\](?![(\[:])")
_SPACE = re.compile(r"\s+")


def read(path: str | Path) -> Document:
    """The Document of the Markdown article at ``path``: what refcheck.document reads in any
    Markdown, with pandoc's key citations and the bibliographies of the front matter.

    Raises InputError for a file that cannot be read, front matter that is not YAML, and a
    bibliography it names that does not exist."""
    data, name = documents.read_bytes(path)
    text, encoding, warnings = documents.decode(data, name)
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # as refcheck.document does: offsets stay valid
    front = _front_matter(text)
    start = front.end if front is not None else 0
    # The reference section is looked for without the front matter, whose "references:" reads
    # like a heading, and without heading attributes.
    plain = _blank(text, [front] if front is not None else [])
    plain = _ATTRIBUTES.sub(lambda m: m.group(1) + " " * (len(m.group()) - len(m.group(1))), plain)
    doc = dataclasses.replace(
        documents.from_text(plain, name, encoding=encoding, warnings=warnings), text=text, kind="markdown"
    )
    code = _code(text, start)
    keys, cites = _citations(text, start, code)
    bibliography: tuple[str, ...] = ()
    items: tuple[tuple[dict[str, Any], int], ...] = ()
    if front is not None:
        meta = _Meta(text, front, name)
        bibliography, items = meta.bibliography(), meta.items()
        keys = [*meta.nocite(), *keys]
    return dataclasses.replace(
        doc,
        body=Span(max(start, doc.body.start), max(start, doc.body.end)),
        ignore=merged([*([front] if front is not None else []), *code, *cites]),
        keys=tuple(keys),
        bibliography=bibliography,
        items=items,
    )


def _blank(text: str, spans: list[Span]) -> str:
    """``text`` with each span's characters but its line breaks turned to spaces."""
    for span in spans:
        part = re.sub(r"[^\n]", " ", text[span.start : span.end])
        text = text[: span.start] + part + text[span.end :]
    return text


# --- front matter ----------------------------------------------------------------------------


def _front_matter(text: str) -> Span | None:
    """The YAML block at the start of ``text``, its delimiters included."""
    opening = _FRONT_OPEN.match(text)
    if opening is None:
        return None
    closing = _FRONT_CLOSE.search(text, opening.end())
    return Span(0, closing.end()) if closing is not None else None


class _Meta:
    """The YAML front matter of a Markdown file, and where each value of it is."""

    def __init__(self, text: str, front: Span, path: str) -> None:
        import yaml

        self.text = text
        self.path = path
        self.start = text.index("\n") + 1  # the YAML begins on line 2
        closing = _FRONT_CLOSE.search(text, self.start)
        self.end = closing.start() if closing is not None else front.end
        source = text[self.start : self.end]
        self.node: Any = None
        self.data: Any = None
        loader = yaml.SafeLoader(source)
        try:
            self.node = loader.get_single_node()
            self.data = loader.construct_document(self.node) if self.node is not None else None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 2 if mark is not None else 1
            problem = error.problem or str(error).splitlines()[0]
            raise InputError(path, f"line {line}: the front matter is not YAML: {problem}") from None
        except yaml.YAMLError as error:
            raise InputError(path, f"line 1: the front matter is not YAML: {str(error).splitlines()[0]}") from None
        finally:
            loader.dispose()
        if not isinstance(self.data, dict):
            self.data, self.node = {}, None

    def value(self, key: str) -> tuple[Any, Any]:
        """The value of ``key`` and its YAML node (None, None if absent)."""
        if self.node is None or key not in self.data:
            return None, None
        node = next((v for k, v in self.node.value if getattr(k, "value", None) == key), None)
        return self.data[key], node

    def line(self, node: Any) -> int:
        return int(node.start_mark.line) + 2 if node is not None else 1

    def bibliography(self) -> tuple[str, ...]:
        """The files of ``bibliography:`` (a path or a list of them), relative to the file."""
        value, node = self.value("bibliography")
        if value is None:
            return ()
        named = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        nodes = node.value if isinstance(value, list) else [node] * len(named)
        found: list[str] = []
        directory = os.path.dirname(self.path)
        for written, at in zip(named, nodes):
            if not isinstance(written, str) or not written.strip() or "://" in written:
                continue
            full = os.path.join(directory, os.path.expanduser(written.strip()))
            if not os.path.isfile(full):
                raise InputError(self.path, f"line {self.line(at)}: bibliography names {written}, which does not exist")
            if full not in found:
                found.append(full)
        return tuple(found)

    def items(self) -> tuple[tuple[dict[str, Any], int], ...]:
        """The CSL items of ``references:``, each with the line it starts on."""
        from refcheck.convert.items import tidy

        value, node = self.value("references")
        if not isinstance(value, list):
            return ()
        found: list[tuple[dict[str, Any], int]] = []
        for n, (item, at) in enumerate(zip(value, node.value)):
            if isinstance(item, dict):
                tidied, _ = tidy(item)
                tidied.setdefault("id", f"item{n + 1}")
                found.append((tidied, self.line(at)))
        return tuple(found)

    def nocite(self) -> list[Citation]:
        """The cites of ``nocite:`` ("@a, @b", or "@*" for every entry), where they are written."""
        value, node = self.value("nocite")
        if node is None:
            return []
        start = self.start + int(node.start_mark.index)
        end = self.start + int(node.end_mark.index)
        cites: list[Citation] = []
        for m in _NOCITE.finditer(self.text, start, end):
            if m.group() == "@*":
                key, span = EVERY_ENTRY, Span(m.start() + 1, m.end())
            else:
                key, span = _key_of(m)
            cites.append(Citation(span=span, text=key, kind=CitationKind.KEY, key=key, group=GROUPS_FROM - 1))
        return cites


# --- code and comments -----------------------------------------------------------------------


def _code(text: str, start: int) -> list[Span]:
    """The code blocks (fenced and indented), HTML comments and code spans after ``start``."""
    found = _blocks(text, start)
    starts = [s.start for s in found]
    comments = [Span(m.start(), m.end()) for m in _COMMENT.finditer(text, start)
                if not _inside(starts, found, m.start())]  # fmt: skip
    found = sorted([*found, *comments])
    return sorted([*found, *_code_spans(text, start, found)])


def _blocks(text: str, start: int) -> list[Span]:
    """Fenced code blocks, and indented ones (after a blank line, not in a list item)."""
    spans: list[Span] = []
    lines = text[start:].split("\n")
    pos = start
    fence: tuple[str, int] | None = None
    fence_start = 0
    indented_start: int | None = None
    blank_before = True
    in_list = False
    for line in lines:
        end = pos + len(line)
        stripped = line.strip()
        if fence is not None:
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] and not m.group(2).strip():
                spans.append(Span(fence_start, end))
                fence = None
            pos = end + 1
            continue
        indented = line.startswith(("    ", "\t")) and bool(stripped)
        if indented_start is not None and not indented and stripped:
            spans.append(_trim_blank(text, indented_start, pos))
            indented_start = None
        m = _FENCE.match(line)
        if m and indented_start is None and (m.group(1)[0] == "~" or "`" not in m.group(2)):
            fence, fence_start = (m.group(1)[0], len(m.group(1))), pos
        elif indented and indented_start is None and blank_before and not in_list:
            indented_start = pos
        elif stripped and not indented:
            in_list = bool(_LIST_ITEM.match(line)) or (in_list and not blank_before)
        blank_before = not stripped
        pos = end + 1
    if fence is not None:
        spans.append(Span(fence_start, len(text)))  # an unclosed fence runs to the end
    if indented_start is not None:
        spans.append(_trim_blank(text, indented_start, len(text)))
    return spans


def _trim_blank(text: str, start: int, end: int) -> Span:
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _code_spans(text: str, start: int, outside: list[Span]) -> list[Span]:
    """Inline code: a run of backticks to the next run as long, within a paragraph."""
    starts = [s.start for s in outside]
    found: list[Span] = []
    pos = start
    while (m := _BACKTICKS.search(text, pos)) is not None:
        if _inside(starts, outside, m.start()):
            pos = m.end()
            continue
        run = m.group()
        close = m.end()
        stop = text.find("\n\n", m.end())
        stop = len(text) if stop < 0 else stop
        while (other := _BACKTICKS.search(text, close, stop)) is not None and other.group() != run:
            close = other.end()
        if other is None:
            pos = m.end()  # an unmatched run of backticks is literal
            continue
        found.append(Span(m.start(), other.end()))
        pos = other.end()
    return found


def _inside(starts: list[int], spans: list[Span], offset: int) -> bool:
    at = bisect.bisect_right(starts, offset) - 1
    return at >= 0 and offset < spans[at].end


# --- citations -------------------------------------------------------------------------------


def _key_of(m: re.Match[str]) -> tuple[str, Span]:
    if m.group("braced") is not None:
        return m.group("braced"), Span(m.start("braced"), m.end("braced"))
    return m.group("key"), Span(m.start("key"), m.end("key"))


def _is_key(text: str, m: re.Match[str]) -> bool:
    """Whether ``m`` (an "@key" or "-@key") is a citation: not in an e-mail address or a URL,
    nor a cross-reference to a figure, table or section."""
    if m.start() > 0 and _NOT_AFTER.match(text, m.start() - 1):
        return False
    return not _CROSS_REFERENCE.match(m.group("braced") or m.group("key"))


def _citations(text: str, start: int, code: list[Span]) -> tuple[list[Citation], list[Span]]:
    """The key citations of the body (bracketed groups and narrative cites) outside ``code``,
    and the spans they take up."""
    starts = [s.start for s in code]
    cites: list[tuple[int, Citation]] = []
    taken: list[Span] = []
    group = GROUPS_FROM
    for m in _BRACKETS.finditer(text, start):
        if "@" not in m.group(1) or _inside(starts, code, m.start()):
            continue
        found = _bracketed(text, m.start(1), m.end(1), group)
        if found:
            cites.extend((c.span.start, c) for c in found)
            taken.append(Span(m.start(), m.end()))
            group += 1
    links = [Span(m.start(), m.end()) for m in _LINK_TEXT.finditer(text, start)]
    link_starts = [s.start for s in links]
    taken_starts = [s.start for s in taken]
    for m in _CITE.finditer(text, start):
        if _inside(link_starts, links, m.start()):
            continue
        if m.group("minus") or _inside(starts, code, m.start()) or _inside(taken_starts, taken, m.start()):
            continue
        if not _is_key(text, m):
            continue
        key, span = _key_of(m)
        locator = ""
        end = m.end()
        after = _LOCATOR.match(text, m.end())
        if after is not None:
            locator, end = _note(after.group(1)), after.end()
        cites.append((span.start, Citation(span=span, text=key, kind=CitationKind.KEY, key=key,
                                           locator=locator, narrative=True, group=group)))  # fmt: skip
        taken.append(Span(m.start(), end))
        group += 1
    cites.sort(key=lambda pair: pair[0])
    # Groups numbered in the order they are written (narrative cites were found last).
    numbers: dict[int, int] = {}
    ordered = [dataclasses.replace(c, group=numbers.setdefault(c.group, GROUPS_FROM + len(numbers)))
               for _, c in cites]  # fmt: skip
    return ordered, taken


def _bracketed(text: str, start: int, end: int, group: int) -> list[Citation]:
    """The cites of a bracketed group ``[see @a, p. 4; -@b]``: every part separated by ";"
    must hold a key, or the brackets are no citation (pandoc reads them as text)."""
    found: list[Citation] = []
    pos = start
    for part in text[start:end].split(";"):
        part_start, part_end = pos, pos + len(part)
        pos = part_end + 1
        if not part.strip():
            continue
        m = next((c for c in _CITE.finditer(text, part_start, part_end) if _is_key(text, c)), None)
        if m is None:
            return []
        key, span = _key_of(m)
        prefix = _note(text[part_start : m.start()])
        locator = _note(text[m.end() : part_end]).lstrip(",").strip()
        found.append(Citation(span=span, text=key, kind=CitationKind.KEY, key=key, locator=locator,
                              prefix=prefix, group=group))  # fmt: skip
    return found


def _note(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
