"""Read a Word .docx article into a Document: paragraphs, tables, notes and citation fields.

The text has one paragraph a line. Body paragraphs (table cells' too, in document order)
keep their order, except that the reference section is moved last and the footnotes and
endnotes are put just before it, so that ``body`` (one span) covers the notes and
``references`` the list; the list's paragraphs are a blank line apart, one entry each. ``places`` says where each line came from: line N of the body
is paragraph N (counting every paragraph of the body, table cells included); a note's
lines are placed at the paragraph that holds its mark, labelled "footnote 3".

Zotero and Mendeley citation fields become key citations (their visible text is ignored by
the author-date finder) and their CSL items become ``items``; a Zotero or Mendeley
bibliography field marks the reference list, whose paragraphs are then keyed to the items
they render. python-docx (imported by the functions that use it) opens the package.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from refcheck import document as documents
from refcheck.document import Document, InputError, Place
from refcheck.model import Citation, CitationKind, Edit, Span

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.oxml.xmlchemy import BaseOxmlElement

__all__ = ["RunSlice", "read", "runs_of"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _TBL, _TR, _TC = f"{_W}p", f"{_W}r", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_VAL, _ID, _TYPE = f"{_W}val", f"{_W}id", f"{_W}type"

# Inline containers whose runs are part of the paragraph's text.
_INLINE = frozenset(f"{_W}{name}" for name in (
    "hyperlink", "ins", "moveTo", "smartTag", "sdt", "sdtContent", "customXml", "dir", "bdo",
))
# Inline containers whose runs are not: deleted and moved-away text (tracked changes are
# read as accepted).
_DELETED = frozenset(f"{_W}{name}" for name in ("del", "moveFrom"))
# What a run's special characters read as: a line break within a paragraph is a space, so
# that each paragraph stays one line.
_CHARACTERS = {f"{_W}tab": "\t", f"{_W}br": " ", f"{_W}cr": " ", f"{_W}noBreakHyphen": "-"}

_CITATION_FIELD = re.compile(r"^\s*ADDIN\s+(?:ZOTERO_ITEM\s+)?CSL_CITATION\b", re.IGNORECASE)
_BIBLIOGRAPHY_FIELD = re.compile(r"^\s*ADDIN\s+(?:ZOTERO_BIBL\b|Mendeley\s+Bibliography\b)", re.IGNORECASE)
_NOTE_PARTS = (
    ("footnote", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"),
    ("endnote", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"),
)
_MENDELEY_CONTROL = "MENDELEY_CITATION_v3_"
_SEPARATORS = frozenset(("separator", "continuationSeparator", "continuationNotice"))
_ENTRY_LABEL = re.compile(r"\s*(?:\[\d{1,4}\]|\d{1,4}[.)])\s+")
_KEY_GROUPS = 1_000_000  # group numbers of key citations, apart from the author-date finder's


@dataclass(frozen=True, slots=True)
class RunSlice:
    """Where a stretch of a .docx Document's text is in the file, for edits.

    ``text[span]`` is the text of one run from character ``offset`` of it on (a run's text
    being its ``w:t`` texts, tabs as "\\t" and breaks as spaces). The run is
    ``list(list(root.iter(w:p))[paragraph].iter(w:r))[run]`` of the XML part named ``part``
    ("/word/document.xml", "/word/footnotes.xml", "/word/endnotes.xml").
    """

    span: Span
    part: str
    paragraph: int
    run: int
    offset: int


@dataclass
class _Paragraph:
    """One paragraph as read, before the text is put together."""

    part: str
    index: int  # among the part's w:p elements
    line: int = 0  # the line reported for it
    label: str = ""
    level: int | None = None  # outline level of a heading (0 is Heading 1)
    start: int = 0  # where it is in the Document's text, once put together
    entry: bool = False  # a paragraph of the reference list
    pieces: list[str] = field(default_factory=list)
    length: int = 0
    slices: list[tuple[int, int, int, int]] = field(default_factory=list)  # start, end, run, offset

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass
class _Field:
    instruction: list[str] = field(default_factory=list)
    result: tuple[int, int] | None = None  # (paragraph, offset) where its visible text begins


@dataclass(frozen=True, slots=True)
class _Done:
    instruction: str
    start: tuple[int, int]
    end: tuple[int, int]


@dataclass
class _Reader:
    """Walks the XML of the parts in document order, collecting paragraphs and fields."""

    levels: dict[str, int]
    paragraphs: list[_Paragraph] = field(default_factory=list)
    fields: list[_Done] = field(default_factory=list)
    anchors: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, id) → paragraph
    _open: list[_Field] = field(default_factory=list)

    def blocks(self, container: BaseOxmlElement, part: str, numbers: dict[int, int]) -> None:
        for child in container.iterchildren():
            tag = child.tag
            if tag == _P:
                self.paragraph(child, part, numbers)
            elif tag == _TBL:
                for row in child.iterchildren(_TR):
                    for cell in row.iterchildren(_TC):
                        self.blocks(cell, part, numbers)
            elif tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
                self.blocks(child, part, numbers)

    def paragraph(self, element: BaseOxmlElement, part: str, numbers: dict[int, int]) -> None:
        paragraph = _Paragraph(part, numbers.get(id(element), -1), level=self._level(element))
        runs = list(element.iter(_R))  # kept alive: lxml then gives the same proxies below
        run_numbers = {id(r): i for i, r in enumerate(runs)}
        self.paragraphs.append(paragraph)
        self._inline(element, paragraph, run_numbers, deleted=False)

    def _level(self, element: BaseOxmlElement) -> int | None:
        properties = element.find(f"{_W}pPr")
        if properties is None:
            return None
        outline = properties.find(f"{_W}outlineLvl")
        if outline is not None:
            level = _int(outline.get(_VAL))
            return level if level is not None and level < 9 else None
        style = properties.find(f"{_W}pStyle")
        return self.levels.get(style.get(_VAL, "")) if style is not None else None

    def _inline(self, element: BaseOxmlElement, paragraph: _Paragraph, runs: dict[int, int],
                deleted: bool) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == _R:
                self._run(child, paragraph, runs.get(id(child), -1), deleted)
            elif tag == f"{_W}fldSimple":
                self._begin()
                self._open[-1].instruction.append(child.get(f"{_W}instr", ""))
                self._separate()
                self._inline(child, paragraph, runs, deleted)
                self._end()
            elif tag == _SDT and (instruction := _control_citation(child)) is not None:
                self._begin()
                self._open[-1].instruction.append(instruction)
                self._separate()
                self._inline(child, paragraph, runs, deleted)
                self._end()
            elif tag in _INLINE:
                self._inline(child, paragraph, runs, deleted)
            elif tag in _DELETED:
                self._inline(child, paragraph, runs, True)

    def _run(self, run: BaseOxmlElement, paragraph: _Paragraph, number: int, deleted: bool) -> None:
        written = 0  # characters of this run so far
        for child in run.iterchildren():
            tag = child.tag
            if tag == f"{_W}fldChar":
                kind = child.get(f"{_W}fldCharType")
                if kind == "begin":
                    self._begin()
                elif kind == "separate":
                    self._separate()
                elif kind == "end":
                    self._end()
                continue
            if tag == f"{_W}instrText":
                if self._open and self._open[-1].result is None:
                    self._open[-1].instruction.append(child.text or "")
                continue
            if tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
                kind = "footnote" if tag == f"{_W}footnoteReference" else "endnote"
                self.anchors.setdefault((kind, child.get(_ID, "")), len(self.paragraphs) - 1)
                continue
            if deleted:
                continue
            if tag == f"{_W}t":
                piece = child.text or ""
            elif tag in _CHARACTERS:
                piece = _CHARACTERS[tag]
            else:
                continue
            if not piece:
                continue
            start = paragraph.length
            paragraph.pieces.append(piece)
            paragraph.length += len(piece)
            last = paragraph.slices[-1] if paragraph.slices else None
            if last is not None and last[2] == number and last[1] == start:
                paragraph.slices[-1] = (last[0], paragraph.length, number, last[3])
            else:
                paragraph.slices.append((start, paragraph.length, number, written))
            written += len(piece)

    def close_fields(self) -> None:
        """Forget fields left open (a damaged file): they end with their part."""
        self._open.clear()

    # Fields: a stack, as fields nest; a field may run over several paragraphs (a bibliography).
    def _here(self) -> tuple[int, int]:
        return len(self.paragraphs) - 1, self.paragraphs[-1].length

    def _begin(self) -> None:
        self._open.append(_Field())

    def _separate(self) -> None:
        if self._open and self._open[-1].result is None:
            self._open[-1].result = self._here()

    def _end(self) -> None:
        if not self._open:
            return
        done = self._open.pop()
        here = self._here()
        self.fields.append(_Done("".join(done.instruction), done.result or here, here))


def _control_citation(control: BaseOxmlElement) -> str | None:
    """A Mendeley Cite content control (tag "MENDELEY_CITATION_v3_" and the citation's JSON in
    base64) as the instruction of the citation field it stands for; None for another control."""
    tag = control.find(f"{_W}sdtPr/{_W}tag")
    value = tag.get(_VAL, "") if tag is not None else ""
    if not value.startswith(_MENDELEY_CONTROL):
        return None
    import base64
    import binascii

    encoded = value[len(_MENDELEY_CONTROL) :]
    try:
        data = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        data = ""
    return "ADDIN CSL_CITATION " + data


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --- opening -------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(data: bytes, path: str) -> WordDocument:
    """The Word document in ``data``, or InputError saying in one line why it is none."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data.startswith(_OLE):
            # An encrypted .docx is an OLE compound file with an EncryptionInfo stream.
            encrypted = "EncryptionInfo".encode("utf-16-le") in data
            why = "password-protected" if encrypted else "an old Word 97-2003 .doc file"
        elif not data:
            why = "empty file"
        else:
            why = "not a zip archive"
        raise InputError(path, f"not a Word .docx file ({why})")
    try:
        import docx

        return docx.Document(io.BytesIO(data))
    # python-docx reports a damaged package with whatever its parts raise: KeyError for a
    # missing part, ValueError for another Office type, XML syntax errors, zip errors.
    except Exception as exc:  # noqa: BLE001 - every one of them is an input error here
        raise InputError(path, f"not a Word .docx file ({_why(exc)})") from None


def _why(exc: Exception) -> str:
    name = type(exc).__name__
    if isinstance(exc, KeyError) and exc.args:
        exc = ValueError(str(exc.args[0]))  # str() of a KeyError quotes its message
    missing = name == "KeyError" and re.search(r"Content_Types|document\.xml", str(exc))
    if name == "PackageNotFoundError" or missing:
        return "a zip archive without a Word document in it"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    if "content type is" in message:
        return "a zip archive of another kind: " + message.split("content type is", 1)[1].strip(" '\"")
    return f"damaged: {message}"


def _heading_levels(word: WordDocument) -> dict[str, int]:
    """Paragraph style id → outline level (0 for Heading 1) of the styles that are headings."""
    root = word.styles.element
    styles = {s.get(f"{_W}styleId", ""): s for s in root.iterchildren(f"{_W}style")}

    def level(style_id: str, depth: int = 0) -> int | None:
        style = styles.get(style_id)
        if style is None or depth > 10:
            return None
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if outline is not None:
            found = _int(outline.get(_VAL))
            return found if found is not None and found < 9 else None
        name = style.find(f"{_W}name")
        m = re.fullmatch(r"heading\s*([1-9])", (name.get(_VAL, "") if name is not None else "").strip(), re.I)
        if m:
            return int(m.group(1)) - 1
        based = style.find(f"{_W}basedOn")
        return level(based.get(_VAL, ""), depth + 1) if based is not None else None

    out: dict[str, int] = {}
    for style_id in styles:
        found = level(style_id)
        if found is not None:
            out[style_id] = found
    return out


def _numbers(root: BaseOxmlElement) -> tuple[list[BaseOxmlElement], dict[int, int]]:
    """The part's paragraphs (kept alive, so that lxml gives the same proxies) and their indices."""
    paragraphs = list(root.iter(_P))
    return paragraphs, {id(p): i for i, p in enumerate(paragraphs)}


def _note_parts(word: WordDocument, path: str) -> Iterator[tuple[str, str, BaseOxmlElement]]:
    """(kind, part name, root element) of the footnotes and endnotes parts there are."""
    from docx.oxml import parse_xml

    for kind, relationship in _NOTE_PARTS:
        for rel in word.part.rels.values():
            if rel.reltype != relationship or rel.is_external:
                continue
            part = rel.target_part
            try:
                root = parse_xml(part.blob)
            except Exception as exc:  # noqa: BLE001 - lxml's XMLSyntaxError, a damaged part
                raise InputError(path, f"not a Word .docx file (damaged {kind}s: {_why(exc)})") from None
            yield kind, str(part.partname), root
            break


# --- reading -------------------------------------------------------------------------------


def read(path: str) -> Document:
    """The Document of the .docx file at ``path``; InputError if it is not one."""
    data, name = documents.read_bytes(path)
    return _read(data, name)[0]


def runs_of(doc: Document) -> list[RunSlice]:
    """Where each stretch of ``doc.text`` is in the .docx it was read from (``doc.source``):
    the runs its characters came from, in text order. Line breaks between paragraphs, and
    text that comes from no run, have no slice."""
    if doc.source is None:
        raise ValueError(f"{doc.path}: the Document has no source bytes (not read from a .docx)")
    again, slices = _read(doc.source, doc.path)
    if again.text != doc.text:
        raise ValueError(f"{doc.path}: the Document's text is not that of its source")
    return slices


def _read(data: bytes, path: str) -> tuple[Document, list[RunSlice]]:
    word = _open(data, path)
    reader = _Reader(_heading_levels(word))
    keep, numbers = _numbers(word.element)
    reader.blocks(word.element.body, str(word.part.partname), numbers)
    del keep
    body = list(reader.paragraphs)
    for line, paragraph in enumerate(body, 1):
        paragraph.line = line
    notes = _read_notes(word, reader, path, len(body))
    warnings: list[str] = []
    cited, bibliography = _citation_fields(reader.fields, warnings, path, reader.paragraphs)
    heading_at, section = _reference_section(body, bibliography)

    # The order of the text: the body without the reference section, the notes, the section.
    listed: list[_Paragraph] = []
    if section is None:
        order = [*body, *notes]
    else:
        first = heading_at if heading_at is not None else section[0]
        listed = body[first : section[1]]
        order = [*body[:first], *body[section[1] :], *notes, *listed]
    entry_paragraphs = listed[1:] if heading_at is not None else listed
    for paragraph in entry_paragraphs:
        paragraph.entry = True
    text, places = _arrange(order, path)

    heading: Span | None = None
    references: Span | None = None
    body_span = Span(0, len(text))
    if listed:
        body_span = Span(0, max(0, listed[0].start - 1))
        if heading_at is not None:
            heading = _trim(text, listed[0].start, listed[0].start + listed[0].length)
        if entry_paragraphs:
            last = entry_paragraphs[-1]
            references = _trim(text, entry_paragraphs[0].start, last.start + last.length)

    # Key citations, items and the spans the author-date finder leaves to them.
    def at(position: tuple[int, int]) -> int:
        return reader.paragraphs[position[0]].start + position[1]

    keys: list[Citation] = []
    ignore: list[Span] = []
    items: dict[str, tuple[dict[str, Any], int]] = {}
    for group, (done, cited_items) in enumerate(cited, _KEY_GROUPS):
        span = Span(at(done.start), at(done.end))
        ignore.append(span)
        line = reader.paragraphs[done.start[0]].line
        for key, item in cited_items:
            keys.append(Citation(span, text[span.start : span.end], CitationKind.KEY, key=key, group=group))
            items.setdefault(key, (item, line))
    entries: list[tuple[Span, str]] = []
    if items and references is not None:
        entries, items = _keyed_entries(text, entry_paragraphs, items)

    doc = Document(
        path=path,
        text=text,
        body=body_span,
        references=references,
        heading=heading,
        warnings=tuple(warnings),
        kind="docx",
        ignore=tuple(sorted(ignore)),
        keys=tuple(sorted(keys, key=lambda c: (c.span.start, c.span.end))),
        entries=tuple(entries),
        items=tuple(items.values()),
        places=tuple(places),
        source=data,
    )
    slices = [
        RunSlice(Span(p.start + s, p.start + e), p.part, p.index, run, run_offset)
        for p in order
        for s, e, run, run_offset in p.slices
    ]
    return doc, slices


def _read_notes(word: WordDocument, reader: _Reader, path: str, body_count: int) -> list[_Paragraph]:
    """The paragraphs of the footnotes, then of the endnotes, each kind in the order of their
    marks (as Word numbers them), labelled "footnote 3" and placed at the line of their mark."""
    notes: list[_Paragraph] = []
    for kind, part, root in _note_parts(word, path):
        keep, numbers = _numbers(root)
        found: list[tuple[int, int, list[_Paragraph]]] = []
        for note in root.iterchildren(f"{_W}{kind}"):
            note_id = note.get(_ID, "")
            number = _int(note_id)
            if note.get(_TYPE) in _SEPARATORS or number is None or number <= 0:
                continue
            first = len(reader.paragraphs)
            reader.close_fields()
            reader.blocks(note, part, numbers)
            anchor = reader.anchors.get((kind, note_id), body_count)  # a note without a mark: last
            found.append((anchor, number, reader.paragraphs[first:]))
        del keep
        found.sort(key=lambda f: (f[0], f[1]))
        for shown, (anchor, _, paragraphs) in enumerate(found, 1):
            line = reader.paragraphs[anchor].line if anchor < body_count else body_count
            for paragraph in paragraphs:
                paragraph.line, paragraph.label = line, f"{kind} {shown}"
                notes.append(paragraph)
    return notes


def _arrange(order: list[_Paragraph], path: str) -> tuple[str, list[Place]]:
    """The text of the paragraphs one a line, setting each paragraph's ``start``, and a Place
    wherever the lines stop following on from one another (and for each note's paragraph).

    The entries of the reference list are a blank line apart: each paragraph is one entry,
    whatever its first word (the list's reader takes a line that starts in lower case, "van
    der Linde, M.", for the rest of the entry before)."""
    places: list[Place] = []
    offset = 0
    previous: _Paragraph | None = None
    pieces: list[str] = []
    for paragraph in order:
        apart = paragraph.entry and previous is not None and previous.entry
        if previous is not None:
            pieces.append("\n\n" if apart else "\n")
            offset += 2 if apart else 1
        paragraph.start = offset
        follows = previous is not None and paragraph.line == previous.line + 1 and not previous.label
        if not follows or paragraph.label or apart:
            places.append(Place(offset, path, paragraph.line, paragraph.label))
        pieces.append(paragraph.text)
        offset += paragraph.length
        previous = paragraph
    return "".join(pieces), places


def _keyed_entries(
    text: str, paragraphs: list[_Paragraph], items: dict[str, tuple[dict[str, Any], int]]
) -> tuple[list[tuple[Span, str]], dict[str, tuple[dict[str, Any], int]]]:
    """A reference list that renders cited items (a bibliography field, or typed to match):
    each paragraph an entry (its number label left out), keyed to the item it renders, and
    the items no entry renders. No entries when no paragraph renders an item."""
    entries: list[tuple[Span, str]] = []
    unused = dict(items)
    for paragraph in paragraphs:
        label = _ENTRY_LABEL.match(paragraph.text)
        start = paragraph.start + (label.end() if label else 0)
        entry = _trim(text, start, paragraph.start + paragraph.length)
        if entry is None:
            continue
        key = _rendered_item(text[entry.start : entry.end], unused)
        if key:
            del unused[key]
        entries.append((entry, key))
    if not any(key for _, key in entries):
        return [], items
    return entries, unused  # an item the list renders is checked as that entry


def _citation_fields(
    fields: Iterable[_Done], warnings: list[str], path: str, paragraphs: list[_Paragraph]
) -> tuple[list[tuple[_Done, list[tuple[str, dict[str, Any]]]]], _Done | None]:
    """The citation fields with their (key, CSL item) pairs, and the first bibliography field.

    An item is known by its id and by its URIs: the same work cited twice is one item, and
    its key is the first id it had."""
    cited: list[tuple[_Done, list[tuple[str, dict[str, Any]]]]] = []
    bibliography: _Done | None = None
    known: dict[str, str] = {}  # id or URI → key
    for done in sorted(fields, key=lambda f: f.start):
        if _BIBLIOGRAPHY_FIELD.match(done.instruction):
            bibliography = bibliography or done
            continue
        if not _CITATION_FIELD.match(done.instruction):
            continue
        data = _field_json(done.instruction)
        if data is None:
            where = paragraphs[done.start[0]]
            label = f" ({where.label})" if where.label else ""
            warnings.append(f"{path}: paragraph {where.line}{label}: "
                            "a citation field whose data cannot be read")
            continue
        pairs: list[tuple[str, dict[str, Any]]] = []
        for entry in data.get("citationItems") or ():
            if not isinstance(entry, dict):
                continue
            item = entry.get("itemData")
            item = dict(item) if isinstance(item, dict) else {}
            uris = [str(u) for u in (entry.get("uris") or entry.get("uri") or ()) if u]
            ids = [str(v) for v in (entry.get("id"), item.get("id")) if v not in (None, "")]
            names = [*ids, *uris]
            if not names:
                continue
            key = next((known[n] for n in names if n in known), names[0])
            for n in names:
                known.setdefault(n, key)
            item["id"] = key
            pairs.append((key, item))
        cited.append((done, pairs))
    return cited, bibliography


def _field_json(instruction: str) -> dict[str, Any] | None:
    start = instruction.find("{")
    if start < 0:
        return None
    try:
        data, _ = json.JSONDecoder().raw_decode(instruction[start:])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _reference_section(
    body: list[_Paragraph], bibliography: _Done | None
) -> tuple[int | None, tuple[int, int] | None]:
    """The index of the reference heading's paragraph in ``body`` (None without one) and the
    section as [first, end) paragraph indices (None without a section)."""
    if not body:
        return None, None
    if bibliography is not None and bibliography.start[0] < len(body):
        first = bibliography.start[0]
        end = min(len(body), bibliography.end[0] + 1)
        before = first - 1
        while before >= 0 and not body[before].text.strip():
            before -= 1
        heading_at: int | None = None
        if before >= 0:
            line = body[before].text
            if body[before].level is not None or documents.find_reference_section(line)[0] is not None:
                heading_at = before
        return heading_at, (first, end)
    text = "\n".join(p.text for p in body)
    heading, section, _ = documents.find_reference_section(text)
    starts: list[int] = []
    offset = 0
    for paragraph in body:
        starts.append(offset)
        offset += paragraph.length + 1

    def paragraph_at(position: int) -> int:
        import bisect

        return bisect.bisect_right(starts, position) - 1

    if heading is not None:
        heading_at = paragraph_at(heading.start)
        level = body[heading_at].level
        limit = level if level is not None else 9
        end = len(body)
        if section is not None:
            end = paragraph_at(max(section.end - 1, section.start)) + 1
        # A Word heading of the same or a higher level ends the section (an appendix).
        for index in range(heading_at + 1, end):
            found = body[index].level
            if found is not None and found <= limit:
                end = index
                break
        return heading_at, (heading_at + 1, max(end, heading_at + 1))
    if section is not None:
        return None, (paragraph_at(section.start), paragraph_at(max(section.end - 1, section.start)) + 1)
    return None, None


def _rendered_item(entry: str, items: dict[str, tuple[dict[str, Any], int]]) -> str:
    """The key of the item that ``entry`` renders: its first author (or title) and year are in
    it; "" for none."""
    folded = entry.casefold()
    for key, (item, _) in items.items():
        who = ""
        for role in ("author", "editor"):
            names = item.get(role)
            if isinstance(names, list) and names and isinstance(names[0], dict):
                who = str(names[0].get("family") or names[0].get("literal") or "")
                break
        who = who or str(item.get("title") or "")
        if not who.strip() or who.casefold().strip() not in folded:
            continue
        year = _year(item.get("issued"))
        if year and year not in entry:
            continue
        return key
    return ""


def _year(issued: Any) -> str:
    if not isinstance(issued, dict):
        return ""
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return str(parts[0][0])
    literal = issued.get("raw") or issued.get("literal")
    m = re.search(r"\d{4}", str(literal)) if literal else None
    return m.group() if m else ""


# --- fixing --------------------------------------------------------------------------------


def fixed_source(doc: Document, edits: Sequence[Edit]) -> bytes:
    """The bytes of ``doc``'s .docx with ``edits`` (spans of ``doc.text``) made in the text
    of the runs they fall in, and nothing else changed: every other part of the package is
    copied as it was, and in a changed part only the ``w:t`` texts of the changed runs differ.

    An edit is made in the first run it touches; the text it covers in later runs is taken
    out of them, so each run keeps its formatting.  An edit that covers a tab, a break or
    text that comes from no run (between paragraphs) cannot be made: ValueError."""
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml import parse_xml

    if doc.source is None:
        raise ValueError(f"{doc.path}: the Document has no source bytes (not read from a .docx)")
    slices = runs_of(doc)
    starts = [s.span.start for s in slices]
    # (part, paragraph, run) → [(start, end, replacement)] in the run's own offsets
    changes: dict[tuple[str, int, int], list[tuple[int, int, str]]] = {}
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        at = max(0, bisect.bisect_right(starts, edit.span.start) - 1)
        covered: list[tuple[RunSlice, int, int]] = []
        position = edit.span.start
        while at < len(slices) and (slices[at].span.start < edit.span.end or not covered):
            piece = slices[at]
            if piece.span.end <= position and not (piece.span.start == piece.span.end == position):
                at += 1
                continue
            if piece.span.start > position:
                raise ValueError(f"{doc.path}: an edit at {edit.span} covers text that is in no run")
            end = min(piece.span.end, edit.span.end)
            covered.append((piece, position - piece.span.start, end - piece.span.start))
            position = end
            at += 1
            if position >= edit.span.end:
                break
        if not covered or position < edit.span.end:
            raise ValueError(f"{doc.path}: an edit at {edit.span} covers text that is in no run")
        for index, (piece, start, end) in enumerate(covered):
            key = (piece.part, piece.paragraph, piece.run)
            changes.setdefault(key, []).append(
                (piece.offset + start, piece.offset + end, edit.replacement if index == 0 else ""))

    parts: dict[str, BaseOxmlElement] = {}
    with zipfile.ZipFile(io.BytesIO(doc.source)) as package:
        for part in {key[0] for key in changes}:
            parts[part] = parse_xml(package.read(part.lstrip("/")))
        for (part, paragraph_index, run_index), edits_here in changes.items():
            paragraph = list(parts[part].iter(_P))[paragraph_index]
            run = list(paragraph.iter(_R))[run_index]
            _edit_run(run, edits_here, doc.path)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as written:
            for info in package.infolist():
                name = "/" + info.filename
                data = package.read(info.filename)
                if name in parts:
                    # The part's own XML declaration kept as it was (Word's ends in "\r\n").
                    tree = serialize_part_xml(parts[name])
                    if tree.startswith(b"<?xml"):
                        tree = tree[tree.index(b"?>") + 2 :].lstrip(b"\r\n")
                    prologue = re.match(rb"<\?xml[^>]*\?>\s*", data)
                    data = (prologue.group() if prologue else b"") + tree
                written.writestr(info, data)
    return out.getvalue()


def _edit_run(run: BaseOxmlElement, edits: list[tuple[int, int, str]], path: str) -> None:
    """Make ``edits`` (offsets into the run's text, as the reader counts it) in the run's w:t texts."""
    texts: list[tuple[BaseOxmlElement, int, int]] = []  # (w:t, start, end) in the run's text
    written = 0
    for child in run.iterchildren():
        if child.tag == f"{_W}t":
            length = len(child.text or "")
            texts.append((child, written, written + length))
            written += length
        elif child.tag in _CHARACTERS:
            written += 1
    # From the last edit back, so that earlier offsets stay right.
    for start, end, replacement in sorted(edits, reverse=True):
        target = next(((t, s, e) for t, s, e in texts if s <= start and end <= e), None)
        if target is None:
            raise ValueError(f"{path}: an edit crosses a tab or a break in a run")
        element, first, _ = target
        value = element.text or ""
        element.text = value[: start - first] + replacement + value[end - first :]
        if element.text != element.text.strip():
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
