"""Rewrite a whole article in a CSL style: its matched in-text citations and its reference list.

Everything else in the article is kept byte for byte.  citeproc-py renders each cite with the
style's citation layout; what it lacks is done here: for works it would cite alike, more
names of an et-al list, then initials or given names (``disambiguate-add-names``,
``disambiguate-add-givenname`` and its ``givenname-disambiguation-rule``), then year
suffixes (2018a, 2018b), ``et-al-subsequent-min``/``-use-first`` for cites after a work's first,
``collapse="citation-number"`` ranges ("(3–6)", "[3]–[6]") and ``collapse="year"`` ("Smith,
2018a, 2018b"), and narrative cites ("Wheeler and Holmes (2018)"), which CSL 1.0 cannot ask
for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from refcheck.csl import StyleError, _load, _prepared, _reason, new_bibliography, render_entries, resolve_style
from refcheck.fixes import apply_edits
from refcheck.model import Citation, Edit, Match, Span

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
                 locale: str | None, suffixes_only: bool = False) -> None:  # fmt: skip
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
            if not suffixes_only:  # a list formatted on its own needs the letters only
                self.bibliography = self._bibliography(self.items)
                self.cite_bibliography = self._bibliography(self._expanded(self.cite_items))
        except StyleError:
            raise
        except Exception as error:  # citeproc-py fails on some styles and items: name the style
            raise StyleError(f"style {self.path.stem}: citeproc-py failed ({_reason(error)})") from None
        self.key = {n: self.items[at]["id"] for at, n in enumerate(order)}
        self.seen: set[int] = set()

    def _bibliography(self, items: list[dict[str, Any]], sort: bool = True) -> Any:
        # Sorting is not needed for one work rendered alone.
        return new_bibliography(self.style, items, self.to, sort)

    def _suffixed(self, base: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items, with the names their cites show (CSL's ``disambiguate-add-names`` and
        ``disambiguate-add-givenname``) worked out, and then "year-suffix" letters for works
        the style would still cite alike, in bibliography order
        (``disambiguate-add-year-suffix``)."""
        items = list(_prepared(base))
        self.shown: dict[str, int] = {}  # names shown by a work's cites when more than the style's
        self.levels: dict[str, dict[int, int]] = {}  # a work's names expanded: position → level
        self.cite_items = items
        self.keys: list[str] = []  # the works in bibliography order
        self.rendered: dict[tuple[str, int | None, tuple[tuple[int, int], ...]], str] = {}
        if self.format != "numeric":
            self._names_disambiguated(items)
        if self.citation.get("disambiguate-add-year-suffix", "false") != "true":
            return items
        alike: dict[str, list[str]] = {}
        for key, body in self._bodies(items).items():
            alike.setdefault(body, []).append(key)
        letters: dict[str, str] = {}
        for keys in alike.values():
            if len(keys) > 1:
                letters.update({key: _letters(n) for n, key in enumerate(keys)})
        self.cite_items = [{**item, "year-suffix": letters[item["id"]]} if item["id"] in letters else item
                           for item in self.cite_items]  # fmt: skip
        return [{**item, "year-suffix": letters[item["id"]]} if item["id"] in letters else item for item in items]

    def _bodies(self, items: list[dict[str, Any]]) -> dict[str, str]:
        """Each work's first cite as it reads now, names shown and expanded, in bibliography
        order.  A cite is rendered once for each way its names are shown: alone, since an
        author-date cite does not depend on the other works."""
        if self.format == "numeric":  # a number is the work's place among all of them
            bibliography = self._bibliography(items)
            return {c.key: self._body(bibliography, c.key, "", "", first=True) for c in bibliography.items}
        if not self.keys:
            self.keys = [c.key for c in self._bibliography(items).items]
        by_id = {item["id"]: item for item in items}
        out = {}
        for key in self.keys:
            state = (key, self.shown.get(key), tuple(sorted(self.levels.get(key, {}).items())))
            body = self.rendered.get(state)
            if body is None:
                alone = self._bibliography(self._expanded([by_id[key]]), sort=False)
                body = self.rendered[state] = self._body(alone, key, "", "", first=True)
            out[key] = body
        return out

    def _expanded(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items as their cites show them: expanded names written out in full ("J. Smith")
        so that any name form renders them so."""
        mark = _name_option(self.style, self.citation, "initialize-with")
        out = []
        for item in items:
            levels = self.levels.get(item["id"])
            role = _names_role(item)
            if not levels or role is None:
                out.append(item)
                continue
            names = [_expanded_name(name, levels.get(at, 0), mark) for at, name in enumerate(item[role])]
            out.append({**item, role: names})
        return out

    def _names_disambiguated(self, items: list[dict[str, Any]]) -> None:
        """CSL 1.0.2's order: more names of an et-al list, then given names, for works whose
        cites read alike; the givenname rules other than ``by-cite`` also expand a first (or
        any) name shared by different people across the article."""
        add_names = self.citation.get("disambiguate-add-names", "false") == "true"
        add_given = self.citation.get("disambiguate-add-givenname", "false") == "true"
        rule = str(self.citation.get("givenname-disambiguation-rule") or "by-cite")
        if not (add_names or add_given):
            return
        mark = _name_option(self.style, self.citation, "initialize-with")
        top = 1 if rule.endswith("-with-initials") else 2
        if mark is None:  # no initials to add: only full given names can tell people apart
            top = 0 if rule.endswith("-with-initials") else 2
        by_key = {item["id"]: item for item in items}
        use_first = int(self.citation.get("et-al-use-first") or 0)
        et_al_min = int(self.citation.get("et-al-min") or 0)

        def visible(key: str) -> int:
            role = _names_role(by_key[key])
            count = len(by_key[key][role]) if role else 0
            if key in self.shown:
                return min(self.shown[key], count)
            return use_first if et_al_min and count >= et_al_min and count > 1 else count

        if add_names:
            for keys in _ambiguous(self._bodies(items)):
                longest = max(len(by_key[k].get(_names_role(by_key[k]) or "", [])) for k in keys)
                open_ = list(keys)
                for n in range(visible(keys[0]) + 1, longest + 1):
                    for key in open_:
                        self.shown[key] = n
                    bodies = self._bodies(items)
                    clashing = {k for group in _ambiguous(bodies) for k in group}
                    open_ = [k for k in open_ if k in clashing]
                    if not open_:
                        break
                for key in open_:  # more names told these apart from nothing: back to the style's
                    self.shown.pop(key, None)
        if rule != "by-cite" and add_given and top:
            self._names_expanded_globally(items, visible, rule.startswith("primary-name"), top, mark)
        if add_given and top:
            primary = rule.startswith("primary-name")
            for keys in _ambiguous(self._bodies(items)):
                open_ = list(keys)
                saved = {k: dict(self.levels.get(k, {})) for k in keys}
                clashes = _clashing_names(by_key, keys, visible, primary)
                for level in range(1, top + 1):
                    for key, at in clashes:
                        if key in open_:
                            self.levels.setdefault(key, {})[at] = level
                    clashing = {k for group in _ambiguous(self._bodies(items)) for k in group}
                    open_ = [k for k in open_ if k in clashing]
                    if not open_:
                        break
                for key in open_:  # given names did not help: back to as they were
                    self.levels[key] = saved[key]

    def _names_expanded_globally(self, items: list[dict[str, Any]], visible: Callable[[str], int], primary: bool, top: int,
                                 mark: str | None) -> None:  # fmt: skip
        """``all-names`` and ``primary-name`` rules: a shown name that another person's shown
        name renders alike gets initials, or its full given name when initials are not enough."""
        shown: list[tuple[str, int, dict[str, Any]]] = []
        for item in items:
            role = _names_role(item)
            if role is None:
                continue
            for at, name in enumerate(item[role][: 1 if primary else visible(item["id"])]):
                if isinstance(name, dict) and "family" in name:
                    shown.append((item["id"], at, name))
        alike: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
        for _, _, name in shown:
            alike.setdefault(_form(name, 0, mark), {})[_person(name)] = name
        for key, at, name in shown:
            person = _person(name)
            others = [o for p, o in alike[_form(name, 0, mark)].items() if p != person]
            if not others:
                continue
            for level in range(1, top + 1):
                if all(_form(o, level, mark) != _form(name, level, mark) for o in others) or level == top:
                    if _form(name, level, mark) != _form(name, 0, mark):
                        self.levels.setdefault(key, {})[at] = level
                    break

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
            shown = getattr(self, "shown", {}).get(key)
            if shown is not None:
                # More names than the style's et-al list shows tell this work's cites apart
                # (disambiguate-add-names); all of them when that is every name.
                use_first = int(self.citation.get("et-al-use-first") or 0)
                self.citation.set("et-al-use-first", str(max(shown, use_first)))
                if shown >= _name_count(bibliography.source[key]):
                    self.citation.set("et-al-min", str(shown + 1))
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
        bodies = [(c, self._body(self.cite_bibliography, self.key[c.reference], c.locator, c.label, first[c])) for c in ordered]
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
    renderer = _Renderer(style, list(items), [], "text", locale, suffixes_only=True)
    by_id = {item["id"]: item for item in renderer.items}
    return [by_id[renderer.key[n]] for n in range(len(items))]


def _names_role(item: dict[str, Any]) -> str | None:
    """The names a cite shows: the author's, or whose stand in for them."""
    for role in ("author", "editor", "translator"):
        if isinstance(item.get(role), list) and item[role]:
            return role
    return None


def _name_count(reference: Any) -> int:
    for role in ("author", "editor", "translator"):
        names = reference.get(role)
        if names:
            return len(names)
    return 0


def _person(name: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(name.get(part) or "") for part in ("family", "given", "non-dropping-particle", "dropping-particle"))


def _initials(given: str, mark: str) -> str:
    """"J. K." for "Jean Karl" with ". " (CSL's initialize-with: each initial then the mark)."""
    return "".join(part[0] + mark for part in given.replace("-", " ").split()).rstrip()


def _form(name: dict[str, Any], level: int, mark: str | None) -> str:
    """A name as it reads at one step of expansion: 0 as the style writes it (family name),
    1 with initials, 2 with the full given name."""
    family = " ".join(str(name[p]) for p in ("non-dropping-particle", "family") if name.get(p))
    given = str(name.get("given") or "")
    if level == 0 or not given:
        return family
    if level == 1:
        return f"{_initials(given, mark)} {family}" if mark is not None else family
    full = " ".join(str(name[p]) for p in ("dropping-particle", "non-dropping-particle", "family") if name.get(p))
    return f"{given} {full}"


def _expanded_name(name: Any, level: int, mark: str | None) -> Any:
    """A CSL-JSON name expanded to ``level`` and written whole into its family name, which
    every name form shows."""
    if level == 0 or not isinstance(name, dict) or "family" not in name or not name.get("given"):
        return name
    return {"family": _form(name, level, mark), **({"suffix": name["suffix"]} if name.get("suffix") else {})}


def _ambiguous(bodies: dict[str, str]) -> list[list[str]]:
    """The sets of works whose cites read alike."""
    alike: dict[str, list[str]] = {}
    for key, body in bodies.items():
        alike.setdefault(body, []).append(key)
    return [keys for keys in alike.values() if len(keys) > 1]


def _clashing_names(by_key: dict[str, dict[str, Any]], keys: Sequence[str], visible: Callable[[str], int],
                    primary: bool) -> set[tuple[str, int]]:  # fmt: skip
    """(work, position) of each shown name in a set of works that reads like a different
    person's shown name in another work of the set."""
    shown: list[tuple[str, int, dict[str, Any]]] = []
    for key in keys:
        names = by_key[key].get(_names_role(by_key[key]) or "", [])
        for at, name in enumerate(names[: 1 if primary else visible(key)]):
            if isinstance(name, dict) and "family" in name:
                shown.append((key, at, name))
    return {(key, at) for key, at, name in shown
            if any(k != key and _person(o) != _person(name) and _form(o, 0, None) == _form(name, 0, None)
                   for k, _, o in shown)}  # fmt: skip


def _name_option(style: Any, citation: Any, option: str) -> str | None:
    """A name option as the citation's names see it: on a cs:name element the citation
    layout reaches (through its macros), or inherited from the citation or the style."""
    seen: set[str] = set()
    elements = [citation.layout]
    while elements:
        element = elements.pop()
        for name in element.xpath_search(".//cs:name"):
            if name.get(option) is not None:
                return str(name.get(option))
        for user in element.xpath_search(".//*[@macro]"):
            macro = str(user.get("macro"))
            if macro not in seen:
                seen.add(macro)
                found = style.root.xpath_search(f"./cs:macro[@name='{macro}']")
                elements.extend(found)
    value = citation.get(option, style.root.get(option))
    return None if value is None else str(value)


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
