"""``refcheck bib lint``: the RC6xx rules over .bib and CSL-JSON libraries, reported like ``check``."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refcheck.check import Result
    from refcheck.rules import Selection

_FAIL_ON = ("error", "warning", "info", "never")
_FORMATS = ("text", "json", "sarif", "github", "junit")
_JSON_SUFFIXES = (".json",)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _pattern(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(f"not a regular expression: {error}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="LIBRARY", help=".bib or CSL-JSON (.json) files; - for stdin")
    parser.add_argument("--format", choices=_FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--fail-on", choices=_FAIL_ON, default="warning",
                        help="lowest severity that makes the exit status 1 (default: warning)")
    parser.add_argument("--select", type=_codes, default=("RC6",), metavar="CODES",
                        help="comma-separated codes, prefixes or rule names to run (default: RC6, every one)")
    parser.add_argument("--ignore", type=_codes, default=(), metavar="CODES",
                        help="comma-separated codes, prefixes or rule names not to run")
    parser.add_argument("--key-pattern", type=_pattern, default=None, metavar="REGEX",
                        help="report keys that do not match REGEX in full (RC618; off unless given)")
    parser.add_argument("-o", "--output", default=None, metavar="FILE", help="write the report to FILE")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="color the text report (default: auto, on a terminal)")


def lint_file(path: str, selection: Selection, key_pattern: re.Pattern[str] | None = None,
              this_year: int | None = None) -> Result:
    """The Result of linting one library; raises InputError for a file that cannot be read."""
    import datetime

    from refcheck.check import Result
    from refcheck.document import Document
    from refcheck.model import Span
    from refcheck.rules import BIB_RULES, order
    from refcheck.rules.bib import LibraryContext, bibtex_library, csl_library
    from refcheck.sources import read_bibliography

    year = this_year if this_year is not None else datetime.date.today().year
    json_file = path.casefold().endswith(_JSON_SUFFIXES)
    source = read_bibliography(path, "csl-json" if json_file else "bibtex")
    if json_file:
        library = csl_library(source.path, source.text, _csl_items(source.text), source.references,
                              source.problems, year, key_pattern)
    else:
        library = bibtex_library(source.path, source.text, source.references, source.problems, year, key_pattern)
    doc = Document(source.path, source.text, Span(0, 0), None)
    context = LibraryContext(doc, (), source.references, (), source.lines, library=library)
    found = []
    for r in BIB_RULES:
        if selection.enabled(r):
            found.extend(r.run(context))
    return Result(doc, (), source.references, (), tuple(order(found)), source.lines, (source,))


def _csl_items(text: str) -> list[tuple[dict[str, object], int]]:
    """The items of a CSL-JSON text with the line each starts on."""
    from refcheck.convert.csljson import csl_json_entries

    entries = csl_json_entries(text)
    return [(item, line) for item, line in zip(entries.items, entries.lines)]


def sarif_report(results: Sequence[Result]) -> str:
    """The SARIF log of ``check``, describing the RC6xx rules instead of the article's: a
    finding is about the library itself, not a library checked with an article."""
    import json

    from refcheck.outputs import sarif_rule, to_sarif  # the one SARIF rule description
    from refcheck.rules import BIB_RULES

    log = to_sarif(results)
    run = log["runs"][0]
    run["tool"]["driver"]["rules"] = [sarif_rule(r) for r in BIB_RULES]
    index = {r.code: i for i, r in enumerate(BIB_RULES)}
    for item in run["results"]:
        item.pop("relatedLocations", None)
        if item["ruleId"] in index:
            item["ruleIndex"] = index[item["ruleId"]]
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def main(args: argparse.Namespace) -> int:
    from refcheck.document import InputError
    from refcheck.model import Severity
    from refcheck.report import FORMATS, text_report
    from refcheck.rules import Selection

    selection = Selection(select=args.select, ignore=args.ignore)
    results = []
    failed = False
    for path in args.paths:
        try:
            results.append(lint_file(path, selection, args.key_pattern))
        except InputError as error:
            print(f"refcheck: error: {error}", file=sys.stderr)
            failed = True
        except OSError as error:
            print(f"refcheck: error: {path}: {error.strerror or error}", file=sys.stderr)
            failed = True
    if args.format == "sarif":
        report = sarif_report(results)
    elif args.format == "text":
        color = args.output is None and (args.color == "always" or args.color == "auto" and sys.stdout.isatty())
        report = text_report(results, color)
    else:
        report = FORMATS[args.format](results, False)
    if args.output is None:
        sys.stdout.write(report)
    else:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                out.write(report)
        except OSError as error:
            print(f"refcheck: error: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
            return 2
    if failed:
        return 2
    if args.fail_on != "never":
        threshold = Severity.parse(args.fail_on)
        if any(f.severity >= threshold for r in results for f in r.findings):
            return 1
    return 0
