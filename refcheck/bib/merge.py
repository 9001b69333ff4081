"""``refcheck bib merge``: the union of .bib libraries, with duplicate detection and a report.

A key that two libraries give different works is renamed in the later one (``key`` →
``keya``, ``keyb``…); the same entry twice is kept once; the same work under two keys (or one
key) is merged per ``--merge`` (default ``first``).  The result is written in ``bib tidy``'s
layout, entries in the order of the files unless ``--sort`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refcheck.bib.library import Block, Entry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from refcheck.bib.tidy import add_layout_arguments

    parser.add_argument("paths", nargs="+", metavar="LIBRARY", help="the .bib files, in order of precedence")
    parser.add_argument("--output", "-o", metavar="OUT", help="write to OUT (standard output otherwise)")
    parser.add_argument("--report", choices=("text", "json"), default="text",
                        help="how to report what was merged and renamed, on standard error (default: text)")
    add_layout_arguments(parser, default_sort="none", default_merge="first")


def _same_work(a: Entry, b: Entry) -> bool:
    from refcheck.bib.library import doi, plain, year

    if doi(a) and doi(a) == doi(b):
        return True
    title = plain(a.get("title"))
    return bool(title) and title == plain(b.get("title")) and bool(year(a)) and year(a) == year(b)


def _content(entry: Entry) -> tuple[str, list[tuple[str, str, bool]]]:
    return entry.entry_type, sorted((f.name, f.value, f.braced) for f in entry.fields if f.value or not f.braced)


def union(libraries: Sequence[tuple[str, Sequence[Block]]]) -> tuple[list[Block], dict[str, Any]]:
    """The blocks of all libraries in order, with clashing keys renamed and repeated entries
    dropped; and the report of both."""
    from dataclasses import replace

    from refcheck.bib.keys import free_key
    from refcheck.bib.library import Entry

    blocks: list[Block] = []
    by_key: dict[str, Entry] = {}
    report: dict[str, Any] = {"renamed": [], "identical": [], "merged": []}
    for path, library in libraries:
        for block in library:
            if isinstance(block, Entry):
                norm = replace(block, entry_type=block.entry_type.lower(), line=0)
                seen = by_key.get(block.key.casefold())
                if seen is not None:
                    if _content(seen) == _content(norm):
                        report["identical"].append({"file": path, "key": block.key})
                        continue
                    if not _same_work(seen, norm):
                        new = free_key(block.key, set(by_key))
                        report["renamed"].append({"file": path, "from": block.key, "to": new})
                        block = replace(block, key=new)
                        norm = replace(norm, key=new)
                    # the same work under the same key: merged by --merge with the rest
                by_key.setdefault(block.key.casefold(), norm)
            blocks.append(block)
    return blocks, report


def main(args: argparse.Namespace) -> int:
    from refcheck.bib.library import Entry, read, write
    from refcheck.bib.tidy import tidy
    from refcheck.cli import _write

    libraries = []
    for path in args.paths:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            print(f"refcheck: error: {path}: {error}", file=sys.stderr)
            return 2
        blocks, warnings = read(text)
        for warning in warnings:
            print(f"{path}: {warning}", file=sys.stderr)
        libraries.append((path, blocks))
    blocks, report = union(libraries)
    try:
        merged, records = tidy(blocks, sort=args.sort, escape=args.escape, unicode=args.unicode,
                               regenerate=args.regenerate_keys, key_pattern=args.key_pattern, merge=args.merge)
    except ValueError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return 2
    report["merged"] = records
    report["entries"] = sum(1 for b in merged if isinstance(b, Entry))
    if args.report == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2), file=sys.stderr)
    else:
        from refcheck.bib.tidy import describe

        for r in report["renamed"]:
            print(f"{r['file']}: key {r['from']} is another work's key already: renamed {r['to']}", file=sys.stderr)
        for r in report["identical"]:
            print(f"{r['file']}: {r['key']} is already there, the same: kept once", file=sys.stderr)
        for record in records:
            print(describe(record), file=sys.stderr)
        print(f"{report['entries']} entries from {len(libraries)} libraries", file=sys.stderr)
    _write(write(merged), args.output)
    return 0
