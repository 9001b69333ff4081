"""Read a reference entry's identifiers and online markers: URLs, DOIs, ISBNs, access dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from refcheck.dates import find_dates
from refcheck.model import Date
from refcheck.prefilter import lowered, may_contain

DOI_SHAPE = re.compile(r"10\.\d{4,9}/\S+")
_TOKEN = re.compile(r"\S+")
# Markdown links: "[text](url)".  Bounded, so that a run of "[" cannot make it quadratic.
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,1000})\]\(([^\s()]{1,2000})\)")
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org", "hdl.handle.net/10"})
_TRAILING = ".,;:!?'\"’”»>*_"
_QUOTES = "'\"‘’“”«»„‚`‹›"
_PAGE_EXTENSIONS = (".html", ".htm", ".php", ".asp", ".aspx", ".jsp", ".shtml", ".cfm", ".pdf")
_ISBN = re.compile(r"\bISBN(?:-1[03])?\s*:?\s*((?:97[89][- ]?)?\d[\d -]{7,15}[\dXx])\b")
_ACCESS_WORDS = re.compile(
    r"(?:[\[(]\s*)?(?:last\s+)?\b(?:accessed|retrieved|viewed|visited|consulted|abgerufen|zugegriffen|"
    r"zugriff|consulté|consulte|consultado|accesso|geraadpleegd|cited|downloaded)\b"
    r"(?:\s+(?:on|am|le|el|the|at|il|op))*\s*:?\s*",
    re.IGNORECASE,
)
_ONLINE_WORDS = re.compile(
    r"\bavailable\s+(?:at|from|online|on|via)\b\s*:?|\[online\]|\(online\)|\bonline\s*:|"
    r"\bretrieved\s+from\b|\bverfügbar\s+unter\b\s*:?|\bonline\s+verfügbar\b\s*:?|"
    r"\bdisponible\s+(?:sur|en|à)\b\s*:?|\bURL\s*:|\bin\s+ligne\b|\[en\s+ligne\]",
    re.IGNORECASE,
)
# Literal parts of every match of the two patterns above (see prefilter): an
# entry without any of them is not searched.
_ACCESS_NEEDLES = (
    "access", "retrieved", "viewed", "visited", "consult", "abgerufen", "zug", "geraadpleegd", "cited",
    "downloaded",
)
_ONLINE_NEEDLES = ("available", "online", "retrieved", "verf", "disponible", "url", "ligne")
# After an access date: its closing bracket, or the "from" of "Retrieved May 3, 2020, from".
_ACCESS_TAIL = re.compile(r"\s*[\])]|,?\s*from\b\s*:?")
_SPACE = re.compile(r"\s")  # the same characters as str.isspace()
_QUOTE_SPLIT = re.compile(r"([" + re.escape(_QUOTES) + r"])")
# What _candidates looks for: a "/" or ":", and three characters that can start a token
# whose casefold starts with "www" or "doi".  Only "\u1e98" (casefold "w\u030a") and
# "\u0130" (casefold "i\u0307") fold to a string starting with w, d, o or i besides
# the ASCII letters, so every such token holds a match of _WWW_OR_DOI after its "<([".
# It reads "(?<![^\s<(\[])(?:[Ww\u1e98]{3}|[Dd][Oo][Ii\u0130])", written to start with
# a character set, which lets the engine skip in C to the next possible first letter.
_SLASH_OR_COLON = re.compile(r"[/:]")
_WWW_OR_DOI = re.compile(
    r"[Ww\u1e98Dd](?<![^\s<(\[][Ww\u1e98Dd])(?:(?<=[Ww\u1e98])[Ww\u1e98][Ww\u1e98]|(?<=[Dd])[Oo][Ii\u0130])"
)
_REST_OF_TOKEN = re.compile(r"\S*")


@dataclass
class Identifiers:
    """What the identifier pass found, in offsets relative to the entry."""

    url: str = ""
    url_span: tuple[int, int] | None = None
    doi: str = ""
    doi_span: tuple[int, int] | None = None
    isbn: str = ""
    isbn_span: tuple[int, int] | None = None
    accessed: Date | None = None
    accessed_span: tuple[int, int] | None = None
    online: bool = False
    malformed: list[tuple[int, int, str]] = field(default_factory=list)
    # Regions the later field passes must not read (URLs, clauses like "Accessed on …").
    consumed: list[tuple[int, int]] = field(default_factory=list)


def strip_trailing(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation from a URL-like token; keep balanced closing brackets."""
    # Counted once, then kept up to date, so that a run of ")" stays linear.
    opened = {")": text.count("(", start, end), "]": text.count("[", start, end)}
    closed = {")": text.count(")", start, end), "]": text.count("]", start, end)}
    while end > start:
        ch = text[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch in closed and opened[ch] < closed[ch]:
            closed[ch] -= 1
            end -= 1
        else:
            break
    return end


def _lstrip_token(text: str, start: int, end: int) -> int:
    while start < end and text[start] in "<([{" + _QUOTES:
        start += 1
    return start


def valid_url(url: str) -> bool:
    """Whether ``url`` is a usable absolute http(s) URL."""
    return _valid_url_host(url) is not None


# "http(s)://host" with a plain ASCII host name (no user, port, IPv6 brackets or "%"),
# then nothing, or a path, query or fragment in printable ASCII (no spaces): nearly
# every URL in a reference list.  _split_url reads these without urlsplit.
_PLAIN_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9.-]*)(?:[/?#][!-~]*)?")


def _split_url(url: str) -> tuple[str, str, str]:
    """``urlsplit(url)``'s scheme and path, and its ``hostname or ""``.

    Raises ValueError where urlsplit does.  urlsplit costs some microseconds
    (and its cache holds 128 URLs, where a list has thousands).  For a plain
    URL it does this: it removes nothing (no leading control character, tab or
    line break); the scheme is what precedes the first ":", lower-cased; the
    netloc runs from "//" to the first "/", "?" or "#"; the hostname is the
    netloc lower-cased, as it holds no "@", ":", "[" or "%" to take apart; the
    path is the rest without its "#" fragment and then its "?" query.
    """
    m = _PLAIN_URL.fullmatch(url)
    if m is None:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname or "", parts.path
    path = url[m.end(1) :].split("#", 1)[0].split("?", 1)[0]
    return url[: url.index(":")].lower(), m.group(1).lower(), path


def _valid_url_host(url: str) -> str | None:
    """The host of ``url`` when ``valid_url(url)``, else None (so that it is parsed once)."""
    if _SPACE.search(url) is not None:
        return None
    try:
        scheme, host, _ = _split_url(url)
    except ValueError:
        return None
    if scheme.casefold() not in ("http", "https"):
        return None
    if host == "localhost" or ("." in host and not host.startswith(".") and not host.endswith(".")):
        return host
    return None


def valid_doi(doi: str) -> bool:
    return DOI_SHAPE.fullmatch(doi) is not None


def _is_path_fragment(piece: str) -> bool:
    """A URL path without scheme or host: several "/" segments, or a page and query."""
    core = piece.strip(_TRAILING + "()[]")
    lowered = core.casefold()
    if "/" not in core and not any(ext in lowered for ext in _PAGE_EXTENSIONS):
        return False
    segments = [s for s in core.split("/") if s]
    if any(f"{ext}?" in lowered or lowered.endswith(ext) for ext in _PAGE_EXTENSIONS) and "/" in core:
        return True
    if "?" in core and "=" in core and "/" in core:
        return True
    if core.count("/") < 3:
        return False
    # Dates such as 19/09/2018 are all digits; a path has a word in it.
    return any(len(s) >= 4 and any(c.isalpha() for c in s) for s in segments)


class _Reader:
    """One pass over an entry's tokens, recording URLs, DOIs and malformed links."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found = Identifiers()
        self.linked = False  # a URL, DOI link included, makes the entry "online"

    def add_url(self, start: int, end: int, url: str, host: str | None = None) -> None:
        """Record a URL; ``host`` is its host name, when the caller has it already."""
        self.linked = True
        if host is None:
            host = _split_url(url)[1]
        if host.casefold() in _DOI_HOSTS:
            doi = unquote(_split_url(url)[2].lstrip("/"))
            self.add_doi(start, end, doi)
            return
        if not self.found.url:
            self.found.url = url
            self.found.url_span = (start, end)
        self.found.consumed.append((start, end))

    def add_doi(self, start: int, end: int, doi: str) -> None:
        doi = doi.rstrip(_TRAILING)
        if valid_doi(doi):
            if not self.found.doi:
                self.found.doi = doi
                self.found.doi_span = (start, end)
        else:
            self.found.malformed.append((start, end, self.text[start:end]))
        self.found.consumed.append((start, end))

    def add_malformed(self, start: int, end: int) -> None:
        self.found.malformed.append((start, end, self.text[start:end]))
        self.found.consumed.append((start, end))


def _markdown_links(reader: _Reader) -> None:
    """Record "[text](url)" links; the link text stays readable as the entry's text."""
    text = reader.text
    for m in _MD_LINK.finditer(text):
        url_start, url_end = m.span(2)
        url = m.group(2)
        host = _valid_url_host(url)
        if host is not None:
            reader.add_url(url_start, url_end, url, host)
        elif url.casefold().startswith(("http", "www")) or _is_path_fragment(url):
            reader.add_malformed(url_start, url_end)
        else:
            continue
        # The brackets go too, so that the link text reads as plain text.
        reader.found.consumed.extend([(m.start(), m.start() + 1), (m.end(1), url_start), (url_end, m.end())])


def _token(reader: _Reader, start: int, end: int, next_token: tuple[int, int] | None) -> bool:
    """Classify one whitespace-separated token; True when the next token was used too."""
    before = len(reader.found.consumed)
    used_next = _classify(reader, start, end, next_token)
    if len(reader.found.consumed) > before and reader.text[start] in "<([":
        # "<https://…>": the brackets go with the link.
        reader.found.consumed.append((start, end))
    return used_next


def _classify(reader: _Reader, start: int, end: int, next_token: tuple[int, int] | None) -> bool:
    text = reader.text
    start = _lstrip_token(text, start, end)
    lowered = text[start:end].casefold()
    at = lowered.find("http")
    if at == -1:
        at = lowered.find("www.")
    if at == -1 and lowered == "www":
        reader.add_malformed(start, end)
        return False
    if at != -1:
        begin = start + at
        stop = strip_trailing(text, begin, end)
        url = text[begin:stop]
        if url.casefold().startswith("www"):
            if "." in url[4:] and len(url) > 6:
                reader.add_url(begin, stop, url)
            else:
                reader.add_malformed(begin, stop)
            return False
        head = url.casefold()
        if not head.startswith(("http://", "https://")):
            if len(head) > 5 and head[4:6].lstrip("s")[:1] in (":", "/"):
                reader.add_malformed(begin, stop)  # "http//example.com", "https:/x"
            return False
        host = _valid_url_host(url)
        if host is not None:
            reader.add_url(begin, stop, url, host)
            return False
        # "https://exa mple.com": a broken host continued in the next token.
        if next_token is not None and "." in text[next_token[0] : next_token[1]] and "/" not in url[8:]:
            nstop = strip_trailing(text, next_token[0], next_token[1])
            reader.add_malformed(begin, nstop)
            return True
        reader.add_malformed(begin, stop)
        return False
    return _doi_or_fragment(reader, start, end, next_token)


def _doi_or_fragment(reader: _Reader, start: int, end: int, next_token: tuple[int, int] | None) -> bool:
    text = reader.text
    lowered = text[start:end].casefold()
    if lowered.startswith("doi"):
        rest = start + 3
        while rest < end and text[rest] in ": ":
            rest += 1
        if rest == end:
            # "DOI:" then the DOI in the next token.
            if next_token is None or lowered not in ("doi:", "doi"):
                return False
            nstart = _lstrip_token(text, *next_token)
            nstop = strip_trailing(text, nstart, next_token[1])
            if nstop > nstart:
                reader.add_doi(start, nstop, text[nstart:nstop])
            return True
        if lowered[3:4] in (":", "."):
            stop = strip_trailing(text, rest, end)
            reader.add_doi(start, stop, text[rest:stop])
        return False
    if lowered.startswith("10.") and "/" in lowered:
        stop = strip_trailing(text, start, end)
        reader.add_doi(start, stop, text[start:stop])
        return False
    # A URL path with its scheme and host lost, often glued to a closing quote.
    pos = start
    for piece in _QUOTE_SPLIT.split(text[start:end]):
        if len(piece) > 1 and _is_path_fragment(piece):
            stop = strip_trailing(text, pos, pos + len(piece))
            reader.add_malformed(pos, stop)
        pos += len(piece)
    return False


def _access_dates(text: str, found: Identifiers) -> None:
    """"Accessed on 26th September 2018", "[cited 2020 May 3]", "Retrieved May 3, 2020, from"."""
    for m in _ACCESS_WORDS.finditer(text):
        found.online = True
        dates = find_dates(text, m.end(), min(len(text), m.end() + 40))
        if not dates or dates[0][1].year is None or dates[0][0].start - m.end() > 4:
            continue
        span, date = dates[0]
        end = span.end
        # Take the closing bracket and a following "from" with the clause.
        tail = _ACCESS_TAIL.match(text[end : end + 12])
        if tail is not None:
            end += tail.end()
        if found.accessed is None:
            found.accessed = date
            found.accessed_span = (span.start, span.end)
        found.consumed.append((m.start(), end))


def _online_markers(text: str, found: Identifiers) -> None:
    for m in _ONLINE_WORDS.finditer(text):
        found.online = True
        found.consumed.append(m.span())


def _isbn(text: str, found: Identifiers) -> None:
    if "ISBN" not in text:
        return  # the pattern is case-sensitive: a cheap test spares the search
    m = _ISBN.search(text)
    if m is not None:
        found.isbn = m.group(1).strip()
        found.isbn_span = m.span(1)
        found.consumed.append(m.span())


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given regions replaced by spaces (same length, so offsets hold)."""
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        parts.append(text[pos:start])
        parts.append(" " * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _token_end(text: str, pos: int) -> int:
    m = _REST_OF_TOKEN.match(text, pos)
    return m.end() if m is not None else pos  # \S* always matches


def _candidates(text: str) -> list[tuple[int, int]]:
    """The whitespace-separated tokens, in order, that hold a "/" or ":" or may start with www/doi.

    A superset of the tokens _read_tokens reads.  Scanning for the rare characters
    in C and finding the token around each is much faster than a regex that
    tries every token (and every character, for its "token start" lookbehind).
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _SLASH_OR_COLON.search(text, pos)) is not None:
        hit = m.start()
        # The token starts after the last whitespace before the hit; ``pos`` is
        # 0 or a token's end, so no token starts inside text[pos:hit] but whole.
        before = text[pos:hit]
        word = before.rsplit(None, 1)[-1] if before and not before[-1].isspace() else ""
        pos = _token_end(text, hit)
        spans.append((hit - len(word), pos))
    more: list[tuple[int, int]] = []
    pos = 0
    while (m := _WWW_OR_DOI.search(text, pos)) is not None:
        hit = m.start()
        start = hit
        while start > 0 and text[start - 1] in "<([":
            start -= 1
        if start > 0 and not text[start - 1].isspace():
            pos = hit + 1  # inside a word: "Kodoi"
            continue
        pos = _token_end(text, hit)
        more.append((start, pos))
    # Each list is in order; a token found by both is one token.
    return sorted({*spans, *more}) if more else spans


def _read_tokens(reader: _Reader) -> None:
    """Classify the whitespace-separated tokens that may hold an identifier.

    Every identifier has a "/" or ":" or starts with www/doi, so most words are
    skipped; _candidates finds the rest without a Python loop over every
    token, and the exact test below picks from those.
    """
    text = reader.text
    skip_before = 0  # a token that _token used as the "next token" is not read again
    for start, end in _candidates(text):
        if start < skip_before:
            continue
        token = text[start:end]
        if "/" not in token and ":" not in token and not token.lstrip("<([").casefold().startswith(
            ("www", "doi")
        ):
            continue
        following = _TOKEN.search(text, end)
        nxt = following.span() if following is not None else None
        if _token(reader, start, end, nxt) and nxt is not None:
            skip_before = nxt[1]


def read_identifiers(text: str) -> Identifiers:
    """Find URLs, DOIs, ISBNs, malformed links, the access date and online markers in an entry."""
    reader = _Reader(text)
    _markdown_links(reader)
    _isbn(text, reader.found)
    # Tokens are read with links and the ISBN already taken out.
    reader.text = blank(text, reader.found.consumed)
    _read_tokens(reader)
    found = reader.found
    masked = blank(text, found.consumed)
    # Blanking only removes text, so a needle missing from the entry is missing from ``masked``.
    lower = lowered(text)
    if may_contain(lower, _ACCESS_NEEDLES):
        _access_dates(masked, found)
    if may_contain(lower, _ONLINE_NEEDLES):
        _online_markers(masked, found)
    found.online = found.online or reader.linked
    return found
