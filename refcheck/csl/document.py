"""Rewrite a whole article in a CSL style: its matched in-text citations and its reference list.

Everything else in the article is kept byte for byte.  citeproc-py renders each cite with the
style's citation layout; what it lacks is done here: year suffixes for works it would cite
alike (2018a, 2018b), ``et-al-subsequent-min``/``-use-first`` for cites after a work's first,
``collapse="citation-number"`` ranges ("(3–6)", "[3]–[6]") and ``collapse="year"`` ("Smith,
2018a, 2018b"), and narrative cites ("Wheeler and Holmes (2018)"), which CSL 1.0 cannot ask
for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from refcheck.csl import StyleError, _load, _prepared, _reason, render_entries, resolve_style
from refcheck.fixes import apply_edits
from refcheck.model import Citation, CitationKind, Edit, Match, Span

__all__ = ["Left", "Rewrite", "format_document", "year_suffixed"]

_MARKDOWN = (".md", ".markdown", ".mdown", ".mkd", ".rmd", ".qmd")
_OPENING = {"(": ")", "[": "]"}
# What may stand between the cites of one bracket pair besides their prefixes.
_SEPARATORS = re.compile(r"[\s,;]*")
_EN_DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class Left:
    """A citation written back as it was, and why."""

    span: Span
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The article in the new style, the edits that made it (in the input's offsets, in order)
    and the citations left as written."""

    text: str
    edits: tuple[Edit, ...]
    left: tuple[Left, ...]


@dataclass(frozen=True, slots=True)
class _Cite:
    reference: int
    locator: str
    label: str
    prefix: str


@dataclass(frozen=True, slots=True)
class _Group:
    """The cites written in one bracket pair or one narrative cite, and the span they replace."""

    span: Span
    cites: tuple[_Cite, ...]
    narrative: bool
    names: str  # a narrative cite's names as written ("Baptiste et al.")


def format_document(text: str, style: str, path: str = "<text>", locale: str | None = None) -> Rewrite:
    """``text`` with every matched in-text citation and its reference list in ``style``.

    ``path`` decides the output format of the reference list (Markdown for ``.md`` and the
    like, plain text otherwise); citations that match no reference, or more than one, are
    left as written and listed in ``left``.  Raises StyleError for a style that cannot be used.
    """
    from refcheck import document as documents
    from refcheck.citations import find_citations
    from refcheck.matching import match
    from refcheck.references import read_references

    doc = documents.from_text(text, path)
    citations = find_citations(doc.text, doc.body)
    references = read_references(doc.text, doc.references, learned=True) if doc.references else []
    matches = list(match(citations, references))
    groups, left = _groups(doc.text, citations, matches)
    to = "markdown" if path.casefold().endswith(_MARKDOWN) else "text"
    edits: list[Edit] = []
    if groups or references:
        renderer = _Renderer(style, [r.to_csl(f"ref{n}") for n, r in enumerate(references)], groups, to, locale)
        edits = [Edit(g.span, renderer.group(g)) for g in groups]
        if doc.references is not None and references:
            edits.append(Edit(doc.references, _reference_list(doc.text, doc.references, renderer.entries())))
    edits.sort(key=lambda e: e.span)
    return Rewrite(apply_edits(doc.text, edits), tuple(edits), tuple(left))


def _reference_list(text: str, span: Span, entries: list[str]) -> str:
    """The new entries, separated as the old ones were (a blank line or a line break), with
    the old list's leading and trailing white space."""
    old = text[span.start : span.end]
    body = old.strip()
    separator = "\n\n" if re.search(r"\n[ \t]*\n", body) else "\n"
    if "\r\n" in old:
        separator = separator.replace("\n", "\r\n")
    return old[: len(old) - len(old.lstrip())] + separator.join(entries) + old[len(old.rstrip()) :]


# --- citations into groups -----------------------------------------------------------------


def _groups(text: str, citations: Sequence[Citation], matches: Sequence[Match]) -> tuple[list[_Group], list[Left]]:
    by_group: dict[int, list[int]] = {}
    for n, citation in enumerate(citations):
        by_group.setdefault(citation.group, []).append(n)
    groups: list[_Group] = []
    left: list[Left] = []
    for members in by_group.values():
        cites = [citations[n] for n in members]
        unmatched = [c for n, c in zip(members, cites) if not _matched(matches[n])]
        if unmatched:
            for c in unmatched:
                left.append(Left(c.span, c.text, "matches no reference" if matches[members[cites.index(c)]].reference is None
                                 else "matches more than one reference"))  # fmt: skip
            continue
        narrative = any(c.narrative for c in cites)
        found = _narrative_span(text, cites) if narrative else _bracket_span(text, cites)
        if found is None:
            for c in cites:
                left.append(Left(c.span, c.text, "other text shares its brackets"))
            continue
        span, names = found
        group = tuple(_Cite(_reference(matches[n]), *_locator(c.locator), c.prefix) for n, c in zip(members, cites))
        groups.append(_Group(span, group, narrative, names))
    groups.sort(key=lambda g: g.span)
    kept: list[_Group] = []
    for g in groups:
        if kept and g.span.start < kept[-1].span.end:  # "(see [1])": the outer one is rewritten
            left.append(Left(g.span, text[g.span.start : g.span.end], "overlaps another citation"))
        else:
            kept.append(g)
    groups = kept
    left.sort(key=lambda item: item.span)
    return groups, left


def _matched(m: Match) -> bool:
    return m.reference is not None and len(m.candidates) <= 1


def _reference(m: Match) -> int:
    assert m.reference is not None  # _matched was checked first
    return m.reference


def _narrative_span(text: str, cites: Sequence[Citation]) -> tuple[Span, str] | None:
    """"Baptiste et al. (2020)": the whole span, and the names before the parenthesis."""
    span = Span(min(c.span.start for c in cites), max(c.span.end for c in cites))
    dated = [c.date_span.start for c in cites if c.date_span is not None]
    if not dated:
        return None
    paren = text.rfind("(", span.start, min(dated))
    if paren < 0 or text[span.end - 1] != ")":
        return None
    return span, text[span.start : paren].rstrip()


def _bracket_span(text: str, cites: Sequence[Citation]) -> tuple[Span, str] | None:
    """The bracket pair around a group of cites, brackets included, when it holds nothing but
    the cites, their prefixes and separators."""
    first = min(c.span.start for c in cites)
    last = max(c.span.end for c in cites)
    opening = max(text.rfind("(", 0, first), text.rfind("[", 0, first))
    if opening < 0:
        return None
    closing = text.find(_OPENING[text[opening]], last)
    if closing < 0:
        return None
    inside = list(text[opening + 1 : closing])
    for c in cites:
        for at in range(c.span.start - opening - 1, c.span.end - opening - 1):
            inside[at] = " "
    rest = "".join(inside)
    for c in cites:
        if c.prefix:
            rest = rest.replace(c.prefix, " ", 1)
    if _SEPARATORS.fullmatch(rest) is None:
        return None
    return Span(opening, closing + 1), ""


_LOCATOR_LABELS = {
    "p": "page", "pp": "page", "pg": "page", "pgs": "page", "para": "paragraph", "paras": "paragraph",
    "ch": "chapter", "chap": "chapter", "chaps": "chapter", "chapter": "chapter", "chapters": "chapter",
    "sec": "section", "secs": "section", "section": "section", "sections": "section", "§": "section",
    "§§": "section", "¶": "paragraph", "¶¶": "paragraph", "fig": "figure", "figs": "figure",
    "figure": "figure", "figures": "figure", "vol": "volume", "vols": "volume", "volume": "volume",
    "no": "issue", "nos": "issue", "col": "column", "cols": "column", "l": "line", "ll": "line",
    "line": "line", "lines": "line", "n": "note", "nn": "note", "tab": "table", "table": "table",
}  # fmt: skip
_LOCATOR = re.compile(r"(?P<label>[^\W\d_]+|§§?|¶¶?)?\.?\s*(?P<value>.+)", re.DOTALL)


def _locator(written: str) -> tuple[str, str]:
    """("14", "page") for "p. 14"; a bare number is a page."""
    written = written.strip()
    if not written:
        return "", ""
    found = _LOCATOR.fullmatch(written)
    if found is None:
        return written, "page"
    label = (found["label"] or "p").casefold()
    return found["value"].strip(), _LOCATOR_LABELS.get(label, "page")


# --- rendering ----------------------------------------------------------------------------


class _Renderer:
    """One style, one article's references: cites and bibliography entries numbered and
    suffixed alike."""

    def __init__(self, style: str, items: list[dict[str, Any]], groups: Sequence[_Group], to: str,
                 locale: str | None) -> None:  # fmt: skip
        self.path = resolve_style(style)
        self.style = _load(str(self.path), locale)
        self.to = to
        self.locale = locale
        citation = getattr(self.style.root, "citation", None)
        if citation is None or getattr(self.style.root, "bibliography", None) is None:
            raise StyleError(f"style {self.path.stem}: has no citation or no bibliography")
        self.citation = citation
        self.format = _citation_format(self.style)
        if self.format == "note":
            raise StyleError(f"style {self.path.stem}: a note style; --document needs an author-date or numeric style")
        # Registered in order of first citation (which numbers a numeric style's list), then
        # the references no one cites, in the list's order.
        order = list(dict.fromkeys([c.reference for g in groups for c in g.cites] + list(range(len(items)))))
        self.order = order
        base = []
        for n in order:
            item = dict(items[n])
            item.pop("year-suffix", None)  # the article's own letters: worked out again below
            item.pop("citation-number", None)
            base.append(item)
        try:
            self.items = self._suffixed(base)
            self.bibliography = self._bibliography(self.items)
        except StyleError:
            raise
        except Exception as error:  # citeproc-py fails on some styles and items: name the style
            raise StyleError(f"style {self.path.stem}: citeproc-py failed ({_reason(error)})") from None
        self.key = {n: self.items[at]["id"] for at, n in enumerate(order)}
        self.seen: set[int] = set()

    def _bibliography(self, items: list[dict[str, Any]]) -> Any:
        from citeproc import Citation, CitationItem, CitationStylesBibliography
        from citeproc.source.json import CiteProcJSON

        from refcheck.csl import _formatter

        bibliography = CitationStylesBibliography(self.style, CiteProcJSON(items), _formatter(self.to))
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        bibliography.sort()
        return bibliography

    def _suffixed(self, base: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items, with "year-suffix" letters for works the style would cite alike, in
        bibliography order (CSL's ``disambiguate-add-year-suffix``)."""
        items = list(_prepared(base))
        if self.citation.get("disambiguate-add-year-suffix", "false") != "true":
            return items
        bibliography = self._bibliography(items)
        alike: dict[str, list[str]] = {}
        for cited in bibliography.items:
            alike.setdefault(self._body(bibliography, cited.key, "", "", first=True), []).append(cited.key)
        letters: dict[str, str] = {}
        for keys in alike.values():
            if len(keys) > 1:
                letters.update({key: _letters(n) for n, key in enumerate(keys)})
        return [{**item, "year-suffix": letters[item["id"]]} if item["id"] in letters else item for item in items]

    def entries(self) -> list[str]:
        """The bibliography, in the style's order."""
        return [entry for _, entry in render_entries(self.items, str(self.path), self.to, self.locale) if entry]

    def _body(self, bibliography: Any, key: str, locator: str, label: str, first: bool) -> str:
        """One cite as the citation layout renders it, without the layout's affixes."""
        from citeproc import Citation, CitationItem
        from citeproc.source import Locator

        item = CitationItem(key, locator=Locator(label, locator)) if locator else CitationItem(key)
        citation = Citation([item])
        citation.bibliography = bibliography
        self.citation.cites = bibliography._cites
        layout = self.citation.layout
        saved = {name: self.citation.get(name) for name in ("et-al-min", "et-al-use-first")}
        subsequent = {"et-al-min": self.citation.get("et-al-subsequent-min"),
                      "et-al-use-first": self.citation.get("et-al-subsequent-use-first")}  # fmt: skip
        try:
            if not first:
                # citeproc-py reads et-al-min/-use-first from the citation element: the
                # subsequent values stand in for them while a later cite is rendered.
                for name, value in subsequent.items():
                    if value is not None:
                        self.citation.set(name, value)
            layout.repressed = {}
            out = layout.render_children(item)
        finally:
            for name, value in saved.items():
                if value is None:
                    self.citation.attrib.pop(name, None)
                else:
                    self.citation.set(name, value)
        return "" if out is None else str(out)

    def _sorted(self, cites: Sequence[_Cite]) -> list[_Cite]:
        """The cites of one group in the order of the style's citation sort (as citeproc-py's
        Layout.render_citation orders them)."""
        from citeproc import Citation, CitationItem

        bibliography = self.bibliography
        items = [CitationItem(self.key[c.reference]) for c in cites]
        back = {id(item): cite for item, cite in zip(items, cites)}
        citation = Citation(items)
        citation.bibliography = bibliography
        items.sort(key=lambda item: bibliography.keys.index(item.key))
        sort = self.citation.sort
        if sort is not None:
            items = sort.sort(items, self.citation.layout)
        return [back[id(item)] for item in items]

    def group(self, group: _Group) -> str:
        """The replacement text of one group of cites."""
        try:
            return self._group(group)
        except StyleError:
            raise
        except Exception as error:  # citeproc-py fails on some styles and items: name the style
            raise StyleError(f"style {self.path.stem}: citeproc-py failed ({_reason(error)})") from None

    def _group(self, group: _Group) -> str:
        cites = list(dict.fromkeys(group.cites))  # "[3, 3]" cites one work once
        firsts = []
        for cite in cites:
            firsts.append(cite.reference not in self.seen)
            self.seen.add(cite.reference)
        first = dict(zip(cites, firsts))
        ordered = self._sorted(cites)
        bodies = [(c, self._body(self.bibliography, self.key[c.reference], c.locator, c.label, first[c])) for c in ordered]
        layout = self.citation.layout
        prefix, suffix = str(layout.get("prefix", "")), str(layout.get("suffix", ""))
        delimiter = str(layout.get("delimiter", ""))
        if self.format == "numeric":
            parts = self._numbered(bodies)
            rendered = prefix + delimiter.join(parts) + suffix
            return f"{group.names} {rendered}" if group.narrative and group.names else rendered
        runs = self._by_names(bodies)
        if group.narrative:
            return ", ".join(self._narrative(names, dates, body) for names, dates, body in runs)
        parts = []
        for names, dates, body in runs:
            parts.append(f"{names}{self._names_delimiter()}{', '.join(dates)}" if names is not None else body)
        return prefix + delimiter.join(parts) + suffix

    def _numbered(self, bodies: list[tuple[_Cite, str]]) -> list[str]:
        """Each cite's text, with runs of three or more consecutive numbers collapsed into a
        range when the style asks (``collapse="citation-number"``)."""
        if self.citation.get("collapse") != "citation-number":
            return [body for _, body in bodies]
        numbers = {key: n for n, key in enumerate(self.bibliography.keys, 1)}
        out: list[str] = []
        run: list[tuple[int, str]] = []

        def close() -> None:
            if len(run) >= 3:
                out.append(f"{run[0][1]}{_EN_DASH}{run[-1][1]}")
            else:
                out.extend(body for _, body in run)
            run.clear()

        for cite, body in bodies:
            number = numbers[self.key[cite.reference]]
            if cite.locator or (run and number != run[-1][0] + 1):
                close()
            if cite.locator:
                out.append(body)
            else:
                run.append((number, body))
        close()
        return out

    def _names_delimiter(self) -> str:
        return str(self.citation.get("cite-group-delimiter") or ", ")

    def _by_names(self, bodies: list[tuple[_Cite, str]]) -> list[tuple[str | None, list[str], str]]:
        """Cites split into names and the rest ("Nakamura", "2019a, p. 14"); neighbours with
        the same names joined when the style collapses years (``collapse="year"``)."""
        collapse = self.citation.get("collapse") in ("year", "year-suffix", "year-suffix-ranged")
        runs: list[tuple[str | None, list[str], str]] = []
        for cite, body in bodies:
            names, rest = self._split(cite, body)
            if collapse and names is not None and runs and runs[-1][0] == names:
                runs[-1][1].append(rest)
            else:
                runs.append((names, [rest], body))
        return runs

    def _split(self, cite: _Cite, body: str) -> tuple[str | None, str]:
        item = self.items[self.order.index(cite.reference)]
        parts = item.get("issued", {}).get("date-parts", [[None]])
        year = parts[0][0] if parts and parts[0] else None
        if year is None:
            return None, body
        found = re.search(rf"(?<!\d){year}{re.escape(item.get('year-suffix', ''))}(?![\d])", body)
        if found is None or found.start() == 0:
            return None, body
        names = body[: found.start()].rstrip(" ,;:")
        return (names, body[found.start() :]) if names else (None, body)

    def _narrative(self, names: str | None, dates: list[str], body: str) -> str:
        if names is None:
            return body
        # In running text "and" is written out: "Wheeler and Holmes (2018)".
        word = self._and()
        names = re.sub(r"(,?) & ", lambda m: f"{m[1]} {word} ", names)
        return f"{names} ({', '.join(dates)})"

    def _and(self) -> str:
        try:
            term = self.style.root.get_term("and")
        except Exception:  # citeproc-py: a locale without the term
            return "and"
        return str(getattr(term, "text", None) or "and")


def year_suffixed(items: Sequence[dict[str, Any]], style: str, locale: str | None = None) -> list[dict[str, Any]]:
    """``items`` with the year suffixes ("2018a", "2018b") that ``style`` gives works it would
    cite alike, for a reference list formatted on its own; unchanged for a style that does
    not ask for them (``disambiguate-add-year-suffix``) or has no citation layout."""
    parsed = _load(str(resolve_style(style)), locale)
    citation = getattr(parsed.root, "citation", None)
    if citation is None or citation.get("disambiguate-add-year-suffix", "false") != "true":
        return list(items)
    if _citation_format(parsed) == "note":
        return list(items)
    renderer = _Renderer(style, list(items), [], "text", locale)
    by_id = {item["id"]: item for item in renderer.items}
    return [by_id[renderer.key[n]] for n in range(len(items))]


def _citation_format(style: Any) -> str:
    for category in style.root.info.xpath_search("./cs:category"):
        found = category.get("citation-format")
        if found:
            return str(found)
    numbered = style.root.citation.layout.xpath_search(".//cs:text[@variable='citation-number']")
    return "numeric" if numbered else "author-date"


def _letters(n: int) -> str:
    """a, b, …, z, aa, ab, … (as citeproc-js numbers year suffixes)."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out
