r"""Read a LaTeX article: the files it ``\input``\ s, its ``\cite`` commands, the bibliographies
it names, its ``thebibliography`` entries, and the comments and verbatim text to leave alone."""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from refcheck import document as documents
from refcheck.document import Document, InputError, Lines, Place
from refcheck.model import Citation, CitationKind, Span

__all__ = ["read"]

# How deep \input may nest: deeper than any real article, shallow enough to stop a runaway.
MAX_DEPTH = 20

# Key citations number their groups from here, so that no group of a \cite command shares a
# number with a group of the author-date citations found in the prose (numbered from 0):
# code that gathers a group's citations (refcheck.csl.document) must not mix the two.
GROUPS_FROM = 1_000_000

# --- what is not read ----------------------------------------------------------------------
# One pass finds, in order, a verbatim environment, a \verb-like command, an escaped
# character ("\%" is a per cent sign, "\\" a line break, so "\\%" starts a comment) and a
# comment, so that a "%" inside verbatim text or an "\end{verbatim}" inside a comment is
# read as what it is.
_VERBATIM_ENVIRONMENTS = ("verbatim", "Verbatim", "BVerbatim", "LVerbatim", "lstlisting", "minted", "comment")
_SCAN = re.compile(
    rf"\\begin[ \t]*\{{(?P<env>(?:{'|'.join(_VERBATIM_ENVIRONMENTS)})\*?)\}}"
    r"|\\(?P<verb>verb|lstinline|mintinline)(?![A-Za-z])\*?"
    r"|\\(?:url|nolinkurl|href)[ \t]*\{[^{}\n]*\}"  # a "%" in a URL is no comment
    r"|\\[^A-Za-z]"
    r"|%"
)
# An optional argument of any command ("\\[2pt]", "\item[3]", "\begin{enumerate}[1.]"): not
# prose, so nothing in it is a numeric citation.
_OPTIONAL = re.compile(r"(?:\\(?:[A-Za-z]+\*?|\\)|[}\]])[ \t]*(?=\[)")

# --- what is read --------------------------------------------------------------------------
_INCLUDE = re.compile(r"\\(input|include)[ \t]*\{([^{}\n]*)\}")
_BIBLIOGRAPHY = re.compile(
    r"\\(bibliography|addbibresource|addglobalbib)(?![A-Za-z])[ \t]*(?:\[([^\]]*)\])?[ \t]*\{([^{}]*)\}"
)
_DOCUMENT = re.compile(r"\\begin[ \t]*\{document\}")
_THEBIBLIOGRAPHY = re.compile(r"\\begin[ \t]*\{thebibliography\}[ \t]*(?:\{[^{}]*\})?")
_END_THEBIBLIOGRAPHY = re.compile(r"\\end[ \t]*\{thebibliography\}")
_BIBITEM = re.compile(r"\\bibitem[ \t]*(?:\[[^\]]*\])?[ \t]*\{([^{}]*)\}")

_CITE = re.compile(r"\\([A-Za-z]*[Cc]ite[a-z]*)(?![A-Za-z])(\*?)")
# natbib and biblatex commands that cite (their starred forms too).
_CITE_COMMANDS = frozenset(
    "cite citep citet citeauthor citeyear citeyearpar citealp citealt citenum citetitle "
    "parencite textcite autocite footcite footcitetext smartcite supercite fullcite footfullcite "
    "nocite Cite Citep Citet Citeauthor Citealp Citealt Parencite Textcite Autocite Footcite "
    "Smartcite".split()
)
# biblatex's multicite commands: "\parencites(pre)(post)[pre][post]{a}[post]{b}".
_MULTICITE_COMMANDS = frozenset(
    "cites Cites parencites Parencites textcites Textcites autocites Autocites footcites "
    "smartcites Smartcites supercites".split()
)
# The commands whose cites name the author in the running text.
_NARRATIVE = frozenset("citet Citet textcite Textcite textcites Textcites".split())
_KEY = re.compile(r"[^,\s]+")
_SPACE = re.compile(r"\s+")


def read(path: str | Path) -> Document:
    """The Document of the LaTeX article at ``path``, with the files it includes spliced in.

    Raises InputError for a file that cannot be read, a bibliography it names that does not
    exist, and unbalanced braces."""
    main = str(path)
    assembly = _Assembly(main)
    data, name = documents.read_bytes(path)
    assembly.add(name, data, 0, ())
    text = "".join(assembly.pieces)
    places = tuple(assembly.places) if assembly.spliced else ()
    locate = _Locator(text, places, name)
    hidden = _ignored(text)
    _check_braces(text, hidden, locate)
    ignore = [*hidden, *_optional_arguments(text, hidden)]

    doc = documents.from_text(text, name, encoding=assembly.encoding, warnings=tuple(assembly.warnings))
    keys, commands = _citations(text, ignore)
    ignore.extend(commands)  # what a \cite command holds is read as keys, not as prose
    bibliography = _bibliographies(text, ignore, locate, main)
    begin = _first_outside(_DOCUMENT, text, ignore)
    body_start = begin.end() if begin is not None else 0
    doc = dataclasses.replace(
        doc,
        kind="latex",
        body=Span(body_start, max(body_start, doc.body.end)),
        ignore=merged(ignore),
        keys=tuple(keys),
        bibliography=tuple(bibliography),
        places=places,
        # Text put together from several files is no file's text: --fix leaves it alone.
        source=data if places else None,
    )
    listed = _first_outside(_THEBIBLIOGRAPHY, text, ignore)
    if listed is not None:
        doc = _with_thebibliography(doc, listed, hidden)
    return doc


# --- \input and \include -------------------------------------------------------------------


@dataclass
class _Assembly:
    """The text of a main file with its included files spliced in, and where each part came from."""

    main: str
    pieces: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    length: int = 0
    spliced: bool = False

    def add(self, name: str, data: bytes, depth: int, within: tuple[Path, ...]) -> None:
        """Append the text of file ``name`` (its ``data``), following its \\input commands."""
        text, encoding, warnings = documents.decode(data, name)
        if text.startswith("\ufeff"):
            text = " " + text[1:]  # as refcheck.document does: offsets stay valid
        if not within:
            self.encoding = encoding
        self.warnings.extend(warnings)
        here = (*within, _resolved(Path(name)))
        ignored = _ignored(text)
        starts = [s.start for s in ignored]
        lines = Lines(text)
        last = 0
        self._place(name, 1)
        for m in _INCLUDE.finditer(text):
            if _inside(starts, ignored, m.start()) or "#" in m.group(2):
                continue  # commented out, or the parameter of a macro definition
            command, written = m.group(1), m.group(2).strip()
            found = self._find(written, name, command == "include")
            where = f"{name}:{lines.position(m.start())[0]}"
            if found is None:
                self.warnings.append(f"{where}: \\{command} names {written}, which does not exist; not read")
                continue
            if _resolved(found) in here:
                self.warnings.append(f"{where}: \\{command}{{{written}}} includes itself; not read again")
                continue
            if depth >= MAX_DEPTH:
                self.warnings.append(f"{where}: \\{command} nested more than {MAX_DEPTH} deep; not read")
                continue
            self._append(text[last : m.start()])
            child, _ = documents.read_bytes(found)
            self.spliced = True
            self.add(str(found), child, depth + 1, here)
            last = m.end()
            self._place(name, lines.position(last)[0])
        self._append(text[last:])

    def _append(self, text: str) -> None:
        self.pieces.append(text)
        self.length += len(text)

    def _place(self, name: str, line: int) -> None:
        if self.places and self.places[-1].start == self.length:
            self.places.pop()  # nothing came from the place before
        self.places.append(Place(self.length, name, line))

    def _find(self, written: str, including: str, tex: bool) -> Path | None:
        """The file an \\input or \\include names: relative to the main file's directory (where
        LaTeX runs), else to the including file's; with ``.tex`` added when it has no
        extension (\\include always adds it)."""
        names = [written + ".tex"] if tex or not Path(written).suffix else [written, written + ".tex"]
        for directory in _directories(self.main, including):
            for candidate in names:
                path = directory / candidate
                if path.is_file():
                    return path
        return None


def _directories(main: str, including: str) -> list[Path]:
    found = [Path(os.path.dirname(main))]
    own = Path(os.path.dirname(including))
    if own != found[0]:
        found.append(own)
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


class _Locator:
    """Offsets into the spliced text → the file and line they came from."""

    def __init__(self, text: str, places: tuple[Place, ...], path: str) -> None:
        self.lines = Lines(text)
        self.places = places
        self.starts = [p.start for p in places]
        self.path = path

    def __call__(self, offset: int) -> tuple[str, int]:
        line, _ = self.lines.position(offset)
        at = bisect.bisect_right(self.starts, offset) - 1
        if at < 0:
            return self.path, line
        place = self.places[at]
        first, _ = self.lines.position(place.start)
        return place.path, place.line + line - first


# --- comments, verbatim, braces --------------------------------------------------------------


def _ignored(text: str) -> list[Span]:
    """The comments and verbatim text of ``text``, in order."""
    spans: list[Span] = []
    pos = 0
    while (m := _SCAN.search(text, pos)) is not None:
        if m.group("env"):
            end = re.compile(rf"\\end[ \t]*\{{{re.escape(m.group('env'))}\}}").search(text, m.end())
            stop = end.end() if end else len(text)
            spans.append(Span(m.start(), stop))
        elif m.group("verb"):
            stop = _verb_end(text, m.end(), m.group("verb"))
            spans.append(Span(m.start(), stop))
        elif m.group() == "%":
            newline = text.find("\n", m.end())
            stop = len(text) if newline < 0 else newline
            spans.append(Span(m.start(), stop))
        else:
            stop = m.end()
        pos = max(stop, m.end())
    return spans


def _verb_end(text: str, pos: int, command: str) -> int:
    """Where ``\\verb|…|`` (or ``\\lstinline[…]{…}``, ``\\mintinline{lang}|…|``) ends."""
    if command == "lstinline" and text.startswith("[", pos):
        close = text.find("]", pos)
        pos = close + 1 if close >= 0 else pos
    if command == "mintinline" and text.startswith("{", pos):
        close = text.find("}", pos)
        pos = close + 1 if close >= 0 else pos
    if pos >= len(text) or text[pos] in " \t\n":
        return pos
    closer = "}" if text[pos] == "{" and command != "verb" else text[pos]
    newline = text.find("\n", pos + 1)
    line_end = len(text) if newline < 0 else newline
    close = text.find(closer, pos + 1, line_end)
    return line_end if close < 0 else close + 1


def merged(spans: list[Span]) -> tuple[Span, ...]:
    """``spans`` in order, those that overlap or touch made one (refcheck.check looks an offset
    up among them by their starts)."""
    out: list[Span] = []
    for span in sorted(spans):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end)
        else:
            out.append(span)
    return tuple(out)


def _inside(starts: list[int], spans: list[Span], offset: int) -> bool:
    at = bisect.bisect_right(starts, offset) - 1
    return at >= 0 and offset < spans[at].end


def _outside(text: str, ignored: list[Span]) -> list[tuple[int, int]]:
    """The stretches of ``text`` between the ignored spans."""
    stretches: list[tuple[int, int]] = []
    last = 0
    for span in sorted(ignored):
        if span.start > last:
            stretches.append((last, span.start))
        last = max(last, span.end)
    stretches.append((last, len(text)))
    return stretches


def _check_braces(text: str, ignored: list[Span], locate: _Locator) -> None:
    """Raise InputError, naming the file and line, for a brace that is never closed or a
    closing brace that closes nothing."""
    opened: list[int] = []
    for start, end in _outside(text, ignored):
        pos = start
        while True:
            found = _next_brace(text, pos, end)
            if found < 0:
                break
            char = text[found]
            if char == "\\":
                pos = found + 2  # an escaped brace or backslash
                continue
            if char == "{":
                opened.append(found)
            elif opened:
                opened.pop()
            else:
                path, line = locate(found)
                raise InputError(path, f"line {line}: unbalanced braces: this '}}' closes no '{{'")
            pos = found + 1
    if opened:
        path, line = locate(opened[0])
        what = _command_before(text, opened[0])
        raise InputError(path, f"line {line}: unbalanced braces: the '{{' {what}is never closed")


_BRACE = re.compile(r"[{}\\]")


def _next_brace(text: str, pos: int, end: int) -> int:
    m = _BRACE.search(text, pos, end)
    return m.start() if m else -1


def _command_before(text: str, offset: int) -> str:
    m = re.search(r"(\\[A-Za-z]+\*?)(?:\[[^\]\n]*\])*[ \t]*$", text[max(0, offset - 200) : offset])
    return f"of {m.group(1)} " if m else ""


def _optional_arguments(text: str, ignored: list[Span]) -> list[Span]:
    """The optional arguments of commands (``[…]`` right after ``\\name`` or a ``}``)."""
    starts = [s.start for s in ignored]
    found: list[Span] = []
    for m in _OPTIONAL.finditer(text):
        if _inside(starts, ignored, m.start()):
            continue
        close = _argument_end(text, m.end(), "]")
        if close is not None:
            found.append(Span(m.end(), close))
    return found


def _argument_end(text: str, pos: int, closer: str) -> int | None:
    """Just past the ``closer`` that ends the argument opened at ``pos``, braces nested."""
    depth = 0
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index + 1 if closer == "}" else None
            depth -= 1
        elif char == closer and depth == 0:
            return index + 1
        elif char == "\n" and closer == "]" and text.startswith("\n", index + 1):
            return None  # a paragraph break: no optional argument runs on so long
        index += 1
    return None


def _first_outside(pattern: re.Pattern[str], text: str, ignored: list[Span]) -> re.Match[str] | None:
    starts = [s.start for s in sorted(ignored)]
    spans = sorted(ignored)
    for m in pattern.finditer(text):
        if not _inside(starts, spans, m.start()):
            return m
    return None


# --- citations -----------------------------------------------------------------------------


def _citations(text: str, ignored: list[Span]) -> tuple[list[Citation], list[Span]]:
    """The key citations of the cite commands outside ``ignored``, and the commands' spans."""
    spans = sorted(ignored)
    starts = [s.start for s in spans]
    cites: list[Citation] = []
    commands: list[Span] = []
    group = GROUPS_FROM
    for m in _CITE.finditer(text):
        name = m.group(1)
        multi = name in _MULTICITE_COMMANDS
        if not (multi or name in _CITE_COMMANDS) or _inside(starts, spans, m.start()):
            continue
        pos = m.end()
        if multi:  # the notes of the whole list: "(pre)(post)"
            for _ in range(2):
                at = _skip_space(text, pos)
                end = _argument_end(text, at, ")") if text.startswith("(", at) else None
                if end is None:
                    break
                pos = end
        found: list[Citation] = []
        while True:
            notes: list[tuple[int, int]] = []
            at = _skip_space(text, pos)
            while text.startswith("[", at) and len(notes) < 2:
                end = _argument_end(text, at, "]")
                if end is None:
                    break
                notes.append((at + 1, end - 1))
                at = _skip_space(text, end)
            if not text.startswith("{", at):
                break
            end = _argument_end(text, at, "}")
            if end is None:
                break
            prefix, locator = "", ""
            if len(notes) == 2:
                prefix, locator = _note(text, *notes[0]), _note(text, *notes[1])
            elif notes:
                locator = _note(text, *notes[0])
            for key in _KEY.finditer(text, at + 1, end - 1):
                if "#" in key.group():
                    continue  # "#1": the parameter of a macro definition
                found.append(Citation(
                    span=Span(key.start(), key.end()), text=key.group(), kind=CitationKind.KEY,
                    key=key.group(), locator=locator, prefix=prefix, narrative=name in _NARRATIVE,
                    group=group,
                ))  # fmt: skip
            pos = end
            if not multi:
                break
        if pos > m.end():
            commands.append(Span(m.start(), pos))
        if found:
            cites.extend(found)
            group += 1
    return cites, commands


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _note(text: str, start: int, end: int) -> str:
    """A pre- or postnote as a reader sees it: ``p.~4`` is ``p. 4``."""
    note = text[start:end].replace("~", " ").replace("{", "").replace("}", "")
    return _SPACE.sub(" ", note).strip()


# --- bibliographies ------------------------------------------------------------------------


def _bibliographies(text: str, ignored: list[Span], locate: _Locator, main: str) -> list[str]:
    r"""The files named by ``\bibliography`` (".bib" added) and ``\addbibresource``, relative
    to the naming file's directory or the main file's; a remote resource is not read."""
    spans = sorted(ignored)
    starts = [s.start for s in spans]
    found: dict[str, None] = {}
    for m in _BIBLIOGRAPHY.finditer(text):
        if _inside(starts, spans, m.start()):
            continue
        command, options, names = m.group(1), m.group(2) or "", m.group(3)
        if "remote" in options.replace(" ", ""):
            continue
        path, _ = locate(m.start())
        for written in (n.strip() for n in names.split(",")):
            if not written or "#" in written or "://" in written:
                continue
            if command == "bibliography" and not written.endswith(".bib"):
                written += ".bib"
            candidates = [d / written for d in _directories(main, path)]
            existing = next((c for c in candidates if c.is_file()), None)
            if existing is None:
                raise InputError(path, f"\\{command} names {written}, which does not exist")
            found[str(existing)] = None
    return list(found)


def _with_thebibliography(doc: Document, begin: re.Match[str], hidden: list[Span]) -> Document:
    r"""``doc`` with the entries of its ``thebibliography`` environment: each ``\bibitem``'s
    text and key (``hidden``, the comments and verbatim text, left out); the environment is
    the reference section."""
    ignored = hidden
    text = doc.text
    close = _END_THEBIBLIOGRAPHY.search(text, begin.end())
    end = close.start() if close else len(text)
    spans = sorted(ignored)
    starts = [s.start for s in spans]
    items = [m for m in _BIBITEM.finditer(text, begin.end(), end) if not _inside(starts, spans, m.start())]
    entries: list[tuple[Span, str]] = []
    for index, item in enumerate(items):
        stop = items[index + 1].start() if index + 1 < len(items) else end
        span = _trimmed(text, item.end(), stop, starts, spans)
        if span is not None:
            entries.append((span, item.group(1).strip()))
    section = _trimmed(text, begin.end(), end, starts, spans) or Span(begin.end(), begin.end())
    return dataclasses.replace(
        doc,
        body=Span(doc.body.start, max(doc.body.start, begin.start())),
        references=section,
        heading=Span(begin.start(), begin.end()),
        entries=tuple(entries),
    )


def _trimmed(text: str, start: int, end: int, starts: list[int], spans: list[Span]) -> Span | None:
    """``text[start:end]`` without the white space and comments at either end."""
    while start < end:
        if text[start].isspace():
            start += 1
        elif _inside(starts, spans, start):
            start = spans[bisect.bisect_right(starts, start) - 1].end
        else:
            break
    while end > start:
        if text[end - 1].isspace():
            end -= 1
        elif _inside(starts, spans, end - 1):
            end = spans[bisect.bisect_right(starts, end - 1) - 1].start
        else:
            break
    return Span(start, end) if end > start else None
