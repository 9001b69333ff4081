"""``refcheck bib tidy``: rewrite a .bib library in a canonical layout — entries sorted, fields
in a fixed order, values in braces, keys regenerated and duplicates merged on request.

Layout decisions (documented in the README):
- comments, ``@preamble`` and ``@string`` blocks are written first, in their order in the file,
  then the entries (in their own place with ``--sort none``); they are kept verbatim;
- every value is written ``{…}``, numbers too (``year = {2020}``); a bare ``@string`` name
  (``month = jan``) and a ``#`` concatenation stay bare;
- a block that does not parse is kept verbatim, among the comments, with a warning.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refcheck.bib.library import Block, Entry

MERGE_MODES = ("first", "last", "combine")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("library", metavar="LIBRARY", help="the .bib file to tidy")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--in-place", "-i", action="store_true", help="rewrite LIBRARY itself (atomically)")
    where.add_argument("--output", "-o", metavar="FILE", help="write to FILE (standard output otherwise)")
    add_layout_arguments(parser, default_sort="key", default_merge=None)


def add_layout_arguments(parser: argparse.ArgumentParser, default_sort: str, default_merge: str | None) -> None:
    """The options ``bib tidy`` and ``bib merge`` share."""
    parser.add_argument("--sort", choices=("key", "author-year", "none"), default=default_sort,
                        help=f"order of the entries (default: {default_sort})")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--escape", action="store_true", help="write non-ASCII letters as LaTeX (é → {\\'e})")
    text.add_argument("--unicode", action="store_true", help="write LaTeX accents as Unicode ({\\'e} → é)")
    parser.add_argument("--regenerate-keys", action="store_true", help="make every key anew by --key-pattern")
    parser.add_argument("--key-pattern", default="{family}{year}{firstword}", metavar="PATTERN",
                        help="fields: {family} {Family} {families} {year} {firstword} {shorttitle} "
                             "(default: {family}{year}{firstword})")
    parser.add_argument("--merge", choices=MERGE_MODES, default=default_merge,
                        help="merge duplicates (same key, DOI, or title and year): keep the first, the last, "
                             "or combine their fields (the first wins on conflicts)"
                             + ("" if default_merge is None else f" (default: {default_merge})")
                             + ("; without it duplicates are only reported" if default_merge is None else ""))


# -- text of the values --------------------------------------------------------------------------

# LaTeX accents and special letters that stand for one Unicode letter.
_ACCENT = re.compile(
    r"\{\\[\"'`^~=.][ ]?(?:\{[A-Za-z]\}|\\[ij]|[A-Za-z])\}"  # {\"o} {\'{e}}
    r"|\{\\[uvHckbdrt][ ]?(?:\{[A-Za-z]\}|[A-Za-z])\}"  # {\v c} {\c{c}}
    r"|\\[\"'`^~=.](?:\{[A-Za-z]\}|[A-Za-z])"  # \"o \'{e}
    r"|\\[uvHckbdrt]\{[A-Za-z]\}"  # \v{c}
    r"|\{\\(?:ss|o|O|aa|AA|ae|AE|oe|OE|l|L)\}"  # {\ss} {\o}
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _to_unicode(value: str) -> str:
    from refcheck.convert.latex import decode

    def one(m: re.Match[str]) -> str:
        import unicodedata

        letter = unicodedata.normalize("NFC", decode(m.group()))
        return letter if len(letter) == 1 and ord(letter) > 127 else m.group()

    return _ACCENT.sub(one, value)


def _to_latex(value: str) -> str:
    from refcheck.convert.latex import encode

    return _NON_ASCII.sub(lambda m: encode(m.group()), value)


def _recode(blocks: list[Block], change: Callable[[str], str]) -> list[Block]:
    from dataclasses import replace

    from refcheck.bib.library import Entry

    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Entry):
            fields = tuple(replace(f, value=change(f.value)) if f.braced else f for f in block.fields)
            block = replace(block, fields=fields)
        out.append(block)
    return out


# -- keys ----------------------------------------------------------------------------------------

def csl_shape(entry: Entry) -> dict[str, Any]:
    """The little of CSL-JSON that :func:`refcheck.bib.keys.make_key` reads."""
    from refcheck.bib.library import family, split_names, year
    from refcheck.convert.latex import decode

    names = split_names(entry.get("author") or entry.get("editor"))
    item: dict[str, Any] = {"author": [{"family": decode(family(n))} for n in names[:3]],
                            "title": decode(entry.get("title"))}
    if year(entry):
        item["issued"] = {"date-parts": [[int(year(entry))]]}
    return item


def regenerate_keys(entries: Sequence[Entry], pattern: str) -> list[Entry]:
    """Every entry with a key made by ``pattern``; colliding keys get a, b, c… in an order
    decided by the entries' content (not their place), so that tidying twice is tidying once."""
    from dataclasses import replace

    from refcheck.bib.keys import make_key
    from refcheck.bib.library import write_entry

    bases = [make_key(csl_shape(e), pattern) for e in entries]
    order = sorted(range(len(entries)),
                   key=lambda i: (bases[i], write_entry(replace(entries[i], key="", line=0))))
    taken: set[str] = set()
    keys: dict[int, str] = {}
    for i in order:
        keys[i] = make_key(csl_shape(entries[i]), pattern, taken)
        taken.add(keys[i].casefold())
    return [replace(e, key=keys[i]) for i, e in enumerate(entries)]


# -- duplicates ----------------------------------------------------------------------------------

def find_duplicates(entries: Sequence[Entry]) -> list[tuple[list[int], str]]:
    """Groups of entries (indexes, in order) that are the same work: the same key, DOI, or
    title and year; each with the reason that joined the group's second entry to it."""
    from refcheck.bib.library import doi, plain, year

    group_of: dict[tuple[str, str], int] = {}
    groups: list[list[int]] = []
    reasons: list[str] = []
    for i, entry in enumerate(entries):
        title = plain(entry.get("title"))
        probes = [("key", entry.key.casefold()), ("doi", doi(entry)),
                  ("title and year", f"{title}\0{year(entry)}" if title and year(entry) else "")]
        probes = [(what, value) for what, value in probes if value]
        found = next(((group_of[p], p[0]) for p in probes if p in group_of), None)
        if found is None:
            g = len(groups)
            groups.append([i])
            reasons.append("")
        else:
            g, why = found
            groups[g].append(i)
            if not reasons[g]:
                reasons[g] = why
        for p in probes:
            group_of.setdefault(p, g)
    return [(members, reasons[g]) for g, members in enumerate(groups) if len(members) > 1]


def combine(entries: Sequence[Entry]) -> Entry:
    """The first entry with the fields the others have and it lacks."""
    from dataclasses import replace

    first = entries[0]
    have = {f.name for f in first.fields}
    extra = []
    for other in entries[1:]:
        for f in other.fields:
            if f.name not in have:
                have.add(f.name)
                extra.append(f)
    return replace(first, fields=first.fields + tuple(extra))


def merge_duplicates(entries: Sequence[Entry], mode: str | None
                     ) -> tuple[list[Entry], list[dict[str, Any]], list[int]]:
    """The entries with each group of duplicates merged by ``mode`` (in the place of the
    group's first entry), or left as they are when ``mode`` is None; a record per group; and
    the indexes (in ``entries``) of the places the entries returned take."""
    groups = find_duplicates(entries)
    records: list[dict[str, Any]] = []
    replace_at: dict[int, Entry] = {}
    dropped: set[int] = set()
    for members, why in groups:
        group = [entries[i] for i in members]
        record: dict[str, Any] = {"keys": [e.key for e in group], "reason": why, "merge": mode}
        if mode is not None:
            kept = group[0] if mode == "first" else group[-1] if mode == "last" else combine(group)
            replace_at[members[0]] = kept
            dropped.update(members[1:])
            record["kept"] = kept.key
        records.append(record)
    kept_at = [i for i in range(len(entries)) if i not in dropped]
    return [replace_at.get(i, entries[i]) for i in kept_at], records, kept_at


def describe(record: dict[str, Any]) -> str:
    keys = ", ".join(record["keys"])
    if record.get("merge") is None:
        return f"duplicates ({record['reason']}): {keys} (left as they are; --merge first|last|combine merges them)"
    return f"merged ({record['reason']}, --merge {record['merge']}): {keys} → {record['kept']}"


# -- the whole --------------------------------------------------------------------------------------

def tidy(blocks: Sequence[Block], sort: str = "key", escape: bool = False, unicode: bool = False,
         regenerate: bool = False, key_pattern: str = "{family}{year}{firstword}",
         merge: str | None = None) -> tuple[list[Block], list[dict[str, Any]]]:
    """The blocks in the canonical layout, and a record of each group of duplicates."""
    from dataclasses import replace

    from refcheck.bib.library import Entry, field_rank, sort_blocks

    work = list(blocks)
    if escape:
        work = _recode(work, _to_latex)
    elif unicode:
        work = _recode(work, _to_unicode)
    texts = [b for b in work if not isinstance(b, Entry)]
    entries = [replace(b, fields=tuple(f for f in b.fields if f.value or not f.braced),
                       entry_type=b.entry_type.lower())
               for b in work if isinstance(b, Entry)]
    entries, records, kept_at = merge_duplicates(entries, merge)
    # Fields are ordered after merging: --merge combine adds fields at the end.
    entries = [replace(e, fields=tuple(sorted(e.fields, key=lambda f: field_rank(f.name)))) for e in entries]
    if regenerate:
        entries = regenerate_keys(entries, key_pattern)
    if sort == "none":
        # Everything in its own place: the merged entries where the group's first one was.
        at = dict(zip(kept_at, entries))
        placed: list[Block] = []
        n = 0
        for b in work:
            if not isinstance(b, Entry):
                placed.append(b)
                continue
            if n in at:
                placed.append(at[n])
            n += 1
        return placed, records
    return [*texts, *sort_blocks(entries, sort)], records


def main(args: argparse.Namespace) -> int:
    from refcheck.bib.library import read, write
    from refcheck.cli import _write

    path = args.library
    try:
        with open(path, encoding="utf-8-sig") as handle:
            original = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        print(f"refcheck: error: {path}: {error}", file=sys.stderr)
        return 2
    blocks, warnings = read(original)
    for warning in warnings:
        print(f"{path}: {warning}", file=sys.stderr)
    try:
        tidied, records = tidy(blocks, sort=args.sort, escape=args.escape, unicode=args.unicode,
                               regenerate=args.regenerate_keys, key_pattern=args.key_pattern, merge=args.merge)
    except ValueError as error:  # a key pattern naming a field that does not exist
        print(f"refcheck: error: {error}", file=sys.stderr)
        return 2
    for record in records:
        print(f"{path}: {describe(record)}", file=sys.stderr)
    text = write(tidied)
    if args.in_place:
        if text != original:
            _write(text, path)
    else:
        _write(text, args.output)
    return 0
