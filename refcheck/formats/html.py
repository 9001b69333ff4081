"""Read an HTML article into a Document: the visible text of its body, one line a block.

Scripts, styles, navigation, page headers and footers, templates and the like are dropped;
block elements and ``<br>`` end lines; whitespace collapses as a browser collapses it and
entities are decoded. ``places`` map the text back to the lines of the .html file, so that
findings point at them. The reference section is a References heading (``<h1>``–``<h6>``)
and what follows it up to the next heading of the same or a higher level. The targets of
links (``href``) are not in the text: ``html_links`` gives them, placed at their anchor text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from refcheck import document as documents
from refcheck.document import Document, Place
from refcheck.model import Span

if TYPE_CHECKING:
    from refcheck.links import Link

__all__ = ["html_links", "read"]

# Elements whose content is not part of the article's text.
_DROPPED = frozenset((
    "script", "style", "nav", "header", "footer", "template", "noscript", "head", "svg", "math",
    "iframe", "object", "canvas", "button", "select", "textarea", "dialog",
))
# Elements that begin and end a line of text.
_BLOCKS = frozenset((
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "html", "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
))
# Elements whose text is code: no citation is looked for in it.
_CODE = frozenset(("code", "pre", "kbd", "samp"))
_VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
))
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACE = re.compile(r"[ \t\n\r\f]+")
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


@dataclass
class _Line:
    pieces: list[str] = field(default_factory=list)
    length: int = 0
    places: list[tuple[int, int]] = field(default_factory=list)  # (offset in the line, source line)
    level: int | None = None  # a heading's level


class _Text(HTMLParser):
    """Collects the lines of visible text, where they came from, anchors and code spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, list[tuple[int, int]], int | None]] = []
        self.anchors: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
        self.code: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._line = _Line()
        self._dropped: list[str] = []  # the dropped elements open, innermost last
        self._open_anchors: list[tuple[str, tuple[int, int]]] = []
        self._open_code: list[tuple[int, int]] = []
        self._pre = 0

    # Positions are (line index, offset in that line), resolved to text offsets at the end.
    def _here(self) -> tuple[int, int]:
        return len(self.lines), self._line.length

    def _break(self) -> None:
        line = self._line
        text = "".join(line.pieces).rstrip(" ")
        if text.strip():
            places = [(min(offset, len(text)), source) for offset, source in line.places]
            self.lines.append((text, places, line.level))
        else:
            # An empty line is not kept: positions that point into it move to the next line.
            self._move_open(len(self.lines))
        self._line = _Line()

    def _move_open(self, index: int) -> None:
        self._open_anchors = [(href, (index, 0) if at[0] >= index else at) for href, at in self._open_anchors]
        self._open_code = [(index, 0) if at[0] >= index else at for at in self._open_code]

    def _add(self, text: str, source: int) -> None:
        line = self._line
        if not text:
            return
        if not line.places or line.places[-1][1] != source:
            line.places.append((line.length, source))
        line.pieces.append(text)
        line.length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._dropped.clear()  # the body begins: a <head> left open ends here
        if self._dropped:
            if tag in _DROPPED and tag not in _VOID:
                self._dropped.append(tag)
            return
        if tag in _DROPPED:
            self._dropped.append(tag)
            return
        if tag in _BLOCKS:
            self._break()
            if tag in _HEADINGS:
                self._line.level = _HEADINGS[tag]
        if tag == "br":
            self._break()
        elif tag == "a":
            href = next((value for name, value in attrs if name == "href" and value), "")
            self._open_anchors.append((href.strip(), self._here()))
        if tag in _CODE:
            self._open_code.append(self._here())
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag not in _DROPPED:
            self.handle_starttag(tag, attrs)
            if tag not in _VOID:
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._dropped:
            if tag in self._dropped:
                # Close up to the matching open tag (an unclosed one inside it ends with it).
                while self._dropped and self._dropped.pop() != tag:
                    pass
            return
        if tag == "a" and self._open_anchors:
            href, start = self._open_anchors.pop()
            if href:
                self.anchors.append((href, start, self._end_here()))
        if tag in _CODE and self._open_code:
            self.code.append((self._open_code.pop(), self._end_here()))
        if tag == "pre" and self._pre:
            self._pre -= 1
        if tag in _BLOCKS:
            self._break()

    def _end_here(self) -> tuple[int, int]:
        """The end of what was written so far: trailing spaces are not part of it."""
        text = "".join(self._line.pieces)
        return len(self.lines), len(text.rstrip(" "))

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        source = self.getpos()[0]
        if self._pre:
            for index, part in enumerate(data.split("\n")):
                if index:
                    self._break()
                self._add(part.replace("\t", " ").rstrip("\r"), source + index)
            return
        for index, part in enumerate(data.split("\n")):
            text = _SPACE.sub(" ", part if not index else " " + part)
            if not self._line.length or "".join(self._line.pieces[-1:]).endswith(" "):
                text = text.lstrip(" ")
            self._add(text, source + index)

    def finish(self) -> None:
        self.close()
        self._break()
        # An anchor never closed ends with the line it began on (not with the page).
        for href, start in self._open_anchors:
            if href:
                line = self.lines[start[0]][0] if start[0] < len(self.lines) else ""
                self.anchors.append((href, start, (start[0], len(line))))
        self._open_anchors.clear()
        for start in self._open_code:
            self.code.append((start, (len(self.lines), 0)))
        self._open_code.clear()


def _decode(data: bytes, path: str) -> tuple[str, str, tuple[str, ...]]:
    """The HTML's text: by its byte-order mark, else its ``<meta charset>``, else UTF-8
    (cp1252 with a warning when it is not UTF-8)."""
    import codecs

    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = declared.group(1).decode("ascii").lower()
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            encoding = ""
        # A page that says UTF-16 in ASCII bytes is not UTF-16 (the HTML standard reads it as UTF-8).
        if encoding and not encoding.startswith("utf-16") and not encoding.startswith("utf-32"):
            try:
                return data.decode(encoding), encoding, ()
            except UnicodeDecodeError:
                text = data.decode(encoding, errors="replace")
                return text, encoding, (f"{path}: not valid {encoding}; undecodable bytes replaced",)
    text, encoding, warnings = documents.decode(data, path)
    return text.lstrip("\ufeff"), encoding, warnings


@dataclass(frozen=True, slots=True)
class _Parsed:
    text: str
    places: tuple[Place, ...]
    levels: dict[int, int]  # line start offset → heading level
    anchors: tuple[tuple[str, Span], ...]
    code: tuple[Span, ...]


def _parse(html: str, path: str) -> _Parsed:
    parser = _Text()
    parser.feed(html)
    parser.finish()
    starts: list[int] = []
    offset = 0
    for text, _, _ in parser.lines:
        starts.append(offset)
        offset += len(text) + 1
    text = "\n".join(line for line, _, _ in parser.lines)
    end = len(text)

    def at(position: tuple[int, int]) -> int:
        index, column = position
        if index >= len(starts):
            return end
        return min(starts[index] + min(column, len(parser.lines[index][0])), end)

    places: list[Place] = []
    levels: dict[int, int] = {}
    for start, (_, line_places, level) in zip(starts, parser.lines):
        for column, source in line_places:
            places.append(Place(start + column, path, source))
        if level is not None:
            levels[start] = level
    anchors = tuple((href, Span(at(a), max(at(a), at(b)))) for href, a, b in parser.anchors)
    code = tuple(sorted({Span(at(a), max(at(a), at(b))) for a, b in parser.code}))
    return _Parsed(text, tuple(places), levels, anchors, code)


def read(path: str) -> Document:
    """The Document of the HTML file at ``path``."""
    data, name = documents.read_bytes(path)
    return _document(data, name)[0]


def _document(data: bytes, path: str) -> tuple[Document, tuple[tuple[str, Span], ...]]:
    """The Document of the HTML ``data``, and the targets of its anchors with their text spans."""
    html, encoding, warnings = _decode(data, path)
    parsed = _parse(html, path)
    found = documents.from_text(parsed.text, path)
    references = found.references
    if found.heading is not None and references is not None:
        references = _section(parsed, found.heading, references)
    # The entries a blank line apart: each list item or paragraph is one entry, whatever its
    # first word (the list's reader takes a line that starts in lower case, "van der Linde,
    # M.", for the rest of the entry before). Every line begins with a Place, so lines of the
    # file stay right.
    text = parsed.text
    breaks: list[int] = []
    if references is not None:
        at = text.find("\n", references.start, references.end)
        while at != -1:
            breaks.append(at)
            at = text.find("\n", at + 1, references.end)

    def moved(offset: int) -> int:
        return offset + bisect.bisect_left(breaks, offset)

    def span(old: Span) -> Span:
        return Span(moved(old.start), moved(old.end))

    if breaks:
        pieces, last = [], 0
        for at in breaks:
            pieces.append(text[last : at + 1])
            last = at + 1
        text = "\n".join([*pieces, text[last:]])
    doc = Document(
        path=path,
        text=text,
        body=span(found.body),
        references=span(references) if references is not None else None,
        heading=span(found.heading) if found.heading is not None else None,
        encoding=encoding,
        warnings=warnings,
        kind="html",
        ignore=tuple(span(s) for s in parsed.code),
        places=tuple(Place(moved(p.start), p.path, p.line, p.label) for p in parsed.places),
        source=data,
    )
    return doc, tuple((href, span(s)) for href, s in parsed.anchors)


def _section(parsed: _Parsed, heading: Span, section: Span) -> Span | None:
    """The section cut at the next heading of the same or a higher level than its own."""
    text = parsed.text
    line_start = text.rfind("\n", 0, heading.start) + 1
    level = parsed.levels.get(line_start, 7)
    for start in sorted(parsed.levels):
        if heading.start < start < section.end and parsed.levels[start] <= level:
            end = start
            while end > section.start and text[end - 1].isspace():
                end -= 1
            return Span(section.start, end) if end > section.start else None
    return section


def html_links(doc: Document) -> list[Link]:
    """The links of an HTML Document: the URLs and DOIs of its text (refcheck.links.collect_links)
    and the http(s) targets of its anchors, each placed at its anchor text; one Link for each
    distinct target, with all its places, in order of first appearance."""
    from refcheck.links import Kind, Link, collect_links  # its regular expressions: only for links

    if doc.source is None:
        raise ValueError(f"{doc.path}: the Document has no source bytes (not read from HTML)")
    again, anchors = _document(doc.source, doc.path)
    if again.text != doc.text:
        raise ValueError(f"{doc.path}: the Document's text is not that of its source")
    found: dict[tuple[str, str], Link] = {link.key: link for link in collect_links(doc.text)}
    for href, span in anchors:
        if not href.casefold().startswith(("http://", "https://")):
            continue
        # The target read as text tells a doi.org URL (a DOI) from any other URL.
        read_as = collect_links(href)
        if len(read_as) == 1 and read_as[0].spans == (Span(0, len(href)),):
            link = Link(read_as[0].kind, read_as[0].target, (span,), malformed=read_as[0].malformed)
        else:
            link = Link(Kind.URL, href, (span,))
        known = found.get(link.key)
        if known is None:
            found[link.key] = link
        elif span not in known.spans:
            found[link.key] = Link(known.kind, known.target, tuple(sorted((*known.spans, span))),
                                   known.origins, known.malformed)
    return sorted(found.values(), key=lambda link: min((s.start for s in link.spans), default=0))

