"""Read an article into a Document: its text, body and reference section, and line positions."""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refcheck.model import Citation, Span


class InputError(Exception):
    """Input that cannot be checked: a missing, binary, empty or undecodable file."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Place:
    """Where a stretch of a Document's text came from: from ``start`` on (until the next
    Place), the text is that of ``path`` from its 1-based ``line`` on.  ``label`` names the
    place for readers when lines mean little ("footnote 3" in a .docx)."""

    start: int
    path: str
    line: int = 1
    label: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    r"""An article's text and the regions refcheck reads.

    ``body`` is where citations are looked for; ``references`` is the reference
    section (after its heading, before any page furniture), or None when the
    article has none.

    What a format reader (refcheck.formats) adds:

    - ``kind``: "text", "markdown", "latex", "docx" or "html";
    - ``ignore``: spans where no citation is looked for (comments, code, verbatim);
    - ``keys``: the key citations the reader found (``[@key]``, ``\cite{key}``, a
      Zotero field), CitationKind.KEY with their spans in ``text``;
    - ``entries``: explicit reference entries — span in ``text`` and citation key
      (``\bibitem{key}``) — read instead of splitting ``references``;
    - ``bibliography``: the bibliographic files the document names (``\bibliography{}``,
      ``bibliography:``), as paths that can be opened;
    - ``items``: CSL-JSON items the document carries itself (YAML ``references:``, Zotero
      and Mendeley fields), each with the 1-based line it is on;
    - ``places``: for text put together from several files or parts (``\input``, a
      .docx's footnotes), where each stretch came from; empty when ``text`` is ``path``'s.
    - ``source``: the original bytes when ``text`` is not the file's text (a .docx), for
      fixes; None otherwise.
    """

    path: str
    text: str
    body: Span
    references: Span | None
    heading: Span | None = None
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    kind: str = "text"
    ignore: tuple[Span, ...] = ()
    keys: tuple[Citation, ...] = ()
    entries: tuple[tuple[Span, str], ...] = ()
    bibliography: tuple[str, ...] = ()
    items: tuple[tuple[dict[str, Any], int], ...] = ()
    places: tuple[Place, ...] = ()
    source: bytes | None = None


class Lines:
    """Turns character offsets into 1-based (line, column) positions; columns count code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            self._starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._text = text

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_span(self, line: int) -> Span:
        """The span of 1-based ``line`` without its line break."""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self._text)
        if end > start and self._text[end - 1] == "\r":
            end -= 1
        return Span(start, end)

    def line_text(self, line: int) -> str:
        span = self.line_span(line)
        return self._text[span.start : span.end]


# --- decoding ---------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, path: str) -> tuple[str, str, tuple[str, ...]]:
    """Decode file bytes: UTF-8 (BOM optional), UTF-16/32 with BOM, else cp1252 with a warning."""
    if not data.strip():
        raise InputError(path, "empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, ()
            except UnicodeDecodeError as exc:
                raise InputError(path, f"cannot decode as {encoding}: {exc.reason}") from None
    # A NUL byte never occurs in text without a UTF-16/32 BOM: this is a binary file.
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot decode: not UTF-8 and not cp1252 ({exc.reason})") from None
    return text, "cp1252", (f"{path}: not UTF-8; decoded as cp1252",)


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """The bytes at ``path`` ("-" is standard input) and the name to report it by."""
    name = str(path)
    if name == "-":
        import sys

        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(path).read_bytes(), name
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None


def read(path: str | Path) -> Document:
    """Read the article at ``path`` ("-" is standard input)."""
    return from_bytes(*read_bytes(path))


def from_bytes(data: bytes, path: str) -> Document:
    text, encoding, warnings = decode(data, path)
    if text.startswith("\ufeff"):
        # A BOM that survived decoding (UTF-16/32) is not part of the text;
        # replacing it with a space keeps every offset valid.
        text = " " + text[1:]
    return from_text(text, path, encoding=encoding, warnings=warnings)


def from_text(
    text: str, path: str = "<text>", *, encoding: str = "utf-8", warnings: tuple[str, ...] = ()
) -> Document:
    """A Document for ``text``, with its reference section located."""
    heading, section, body = find_reference_section(text)
    return Document(
        path=path,
        text=text,
        body=body,
        references=section,
        heading=heading,
        encoding=encoding,
        warnings=warnings,
    )


# --- the reference section -------------------------------------------------

_HEADING_WORDS = (
    "references?",
    "reference list",
    "list of references",
    "references cited",
    "works cited",
    "works consulted",
    "literature cited",
    "cited literature",
    "bibliography",
    "select bibliography",
    "selected bibliography",
    "sources",
    "sources cited",
    "notes and references",
    "references and notes",
    "citations",
    # German, French, Spanish, Italian, Portuguese, Dutch
    "literatur",
    "literaturverzeichnis",
    "quellen",
    "quellenverzeichnis",
    "bibliographie",
    "références",
    "references bibliographiques",
    "références bibliographiques",
    "referencias",
    "referencias bibliográficas",
    "bibliografía",
    "bibliografia",
    "riferimenti",
    "riferimenti bibliografici",
    "referências",
    "referências bibliográficas",
    "literatuur",
    "literatuurlijst",
    "bronnen",
    "literatuurverwijzingen",
)

_HEADING = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*"
    r"(?:(?:[0-9]{1,2}|[IVXLC]{1,6})[.)]?[ \t]+)?"
    rf"(?:{'|'.join(_HEADING_WORDS)})"
    r"[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*#*[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_SETEXT = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*\r?$")
_ATX = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.MULTILINE)

# Page furniture after an article: comment forms, share buttons, navigation.
_FURNITURE = re.compile(
    r"^[ \t]*(?:leave a (?:reply|comment)|post a comment|\d+ (?:comments?|responses?)|comments|"
    r"share this(?: article| post)?:?|like this:?|related(?: posts| articles)?:?|"
    r"post navigation|you are commenting using|fill in your details|log out|"
    r"subscribe|sign up for|about the author|tags?:|filed under|"
    r"previous post|next post|loading\.{0,3}|connecting to %s)(?:\b.*)?\r?$",
    re.IGNORECASE | re.MULTILINE,
)

_YEARISH = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)|\bn\.\s?d\.")
_ENTRY_START = re.compile(
    r"[ \t]*(?:[-*+][ \t]+)?(?:"
    r"\[\d{1,4}\]|\d{1,4}[.)][ \t]|"
    r"(?:(?:van|von|de|der|den|du|da|di|del|della|la|le|ten|ter|dos)[ \t]+)*"
    r"[^\W\d_][\w'’.-]*(?:[ \t]+(?:[^\W\d_][\w'’.-]*)){0,3}[ \t]*[,.(]"
    r")"
)
_SIGNALS = re.compile(
    r"available (?:at|from)|accessed|retrieved|\[online\]|https?://|www\.|\bdoi\b|10\.\d{4,9}/|"
    r"\bpp?\.[ \t]*\d|\bvol\.|\bno\.[ \t]*\d|\(eds?\.?\)|\beds?\.[ \t]|\bin:[ \t]|\bpress\b|"
    r"\d+\(\d+\)|\(\d{4}[a-z]?\)|\(\d{4}, |[‘“\"«][^‘“\"«]{3,}[’”\"`»]|\*[^*]{3,}\*|_[^_]{3,}_|"
    r"\d+[-–]\d+|\bedn?\.|\bedition\b|publisher|university|journal",
    re.IGNORECASE,
)
_CAPITAL_WORD = re.compile(r"^[^\W\d_]")


def _looks_like_reference(paragraph: str) -> bool:
    """Whether a paragraph reads like a reference entry rather than prose."""
    stripped = paragraph.strip()
    if not stripped or len(stripped) > 2000:
        return False
    if not _YEARISH.search(stripped):
        return False
    start = _ENTRY_START.match(stripped)
    if start is None:
        return False
    first_word = stripped.lstrip("-*+ \t").split(None, 1)[0].strip(",.(")
    if first_word.casefold() in _PROSE_STARTS:
        return False
    signals = len(_SIGNALS.findall(stripped[:600]))
    return signals >= 2 or (signals >= 1 and len(stripped) < 400)


_PROSE_STARTS = frozenset(
    "however moreover furthermore therefore thus hence in on at as the a an this that these "
    "those it its we our they their he she his her i my but and or so yet although though "
    "while when whereas because since if after before during for from to with without by "
    "finally first second third also nevertheless meanwhile indeed instead overall here there "
    "today recently similarly likewise consequently accordingly notably importantly figure "
    "table note see".split()
)


def _paragraph_spans(text: str, start: int, end: int) -> list[Span]:
    """Blank-line-separated paragraphs of ``text[start:end]`` (a plain scan: linear)."""
    spans: list[Span] = []
    para_start: int | None = None
    para_end = start
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        if text[pos:line_end].strip():
            if para_start is None:
                para_start = pos
            para_end = line_end
        elif para_start is not None:
            spans.append(Span(para_start, para_end))
            para_start = None
        pos = line_end + 1
    if para_start is not None:
        spans.append(Span(para_start, para_end))
    return spans


def _furniture_start(text: str, start: int) -> int:
    """Where page furniture (comment forms, share buttons…) begins after ``start``, or len(text)."""
    m = _FURNITURE.search(text, start)
    return m.start() if m else len(text)


def find_reference_section(text: str) -> tuple[Span | None, Span | None, Span]:
    """Locate (heading, reference section, body) in ``text``.

    The last line that is a reference heading wins (a table of contents may
    name the heading earlier).  Without a heading, the section is the
    trailing run of reference-like paragraphs before any page furniture.
    """
    heading = _last_heading(text)
    if heading is not None:
        section_start = heading.end
        end = _section_end(text, section_start)
        section = _trim(text, section_start, end)
        return heading, section, Span(0, heading.start)
    # No heading: skip page furniture, then walk back over reference-like paragraphs.
    furniture = _furniture_start(text, _content_floor(text))
    paragraphs = _paragraph_spans(text, 0, furniture)
    first: int | None = None
    for index in range(len(paragraphs) - 1, -1, -1):
        span = paragraphs[index]
        block = text[span.start : span.end]
        if _looks_like_reference(block):
            first = index
            continue
        # A paragraph whose trailing lines are entries (no blank line before the list).
        lines = block.split("\n")
        tail = len(lines)
        while tail > 0 and _looks_like_reference(lines[tail - 1]):
            tail -= 1
        if tail < len(lines) and (first is not None or index == len(paragraphs) - 1):
            offset = span.start + sum(len(line) + 1 for line in lines[:tail])
            return None, _trim(text, offset, _last_end(paragraphs, first, span)), Span(0, offset)
        break
    if first is None:
        return None, None, Span(0, len(text))
    section_start = paragraphs[first].start
    return None, _trim(text, section_start, paragraphs[-1].end), Span(0, section_start)


def _last_end(paragraphs: list[Span], first: int | None, current: Span) -> int:
    return paragraphs[-1].end if first is not None else current.end


def _content_floor(text: str) -> int:
    # Furniture is looked for only in the last part of the text, so that a
    # line such as "Comments" early in an article does not cut it short.
    return len(text) // 3


def _last_heading(text: str) -> Span | None:
    last: Span | None = None
    for m in _HEADING.finditer(text):
        last = Span(m.start(), m.end())
    if last is not None:
        # A setext underline belongs to the heading.
        rest = text[last.end + 1 : last.end + 200].split("\n", 1)[0]
        if rest and _SETEXT.match(rest):
            last = Span(last.start, last.end + 1 + len(rest))
    return last


def _section_end(text: str, start: int) -> int:
    """The section runs to page furniture or to the next Markdown heading."""
    end = _furniture_start(text, start)
    for m in _ATX.finditer(text, start, end):
        return m.start()
    return end


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
