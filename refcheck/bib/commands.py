"""``refcheck bib``: its subcommands, each a module with ``add_arguments(parser)`` and ``main(args)``.

The modules import only the standard library at the top, so that building the command line
(``refcheck --version`` too) stays fast; the work is imported inside ``main``.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("refcheck.bib.lint", "check a .bib or CSL-JSON library: duplicates, fields, identifiers, names, braces…"),
    "tidy": ("refcheck.bib.tidy", "rewrite a .bib library in a canonical layout (sorted, fields ordered, keys, merges)"),
    "merge": ("refcheck.bib.merge", "merge .bib libraries into one, with duplicate detection and a report"),
    "add": ("refcheck.bib.add", "fetch entries by DOI, ISBN or arXiv id and append them to a library"),
}


def add_parser(commands: Any) -> None:
    """Add ``bib`` and its subcommands to the ``commands`` of the main parser."""
    bib = commands.add_parser(
        "bib",
        help="manage a bibliography library: lint, tidy, merge, add",
        description="Lint, tidy, merge and grow .bib (and CSL-JSON) libraries.",
    )
    sub = bib.add_subparsers(dest="bib_command", metavar="COMMAND", required=True)
    for name, (module, summary) in SUBCOMMANDS.items():
        parser = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        importlib.import_module(module).add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    module, _ = SUBCOMMANDS[args.bib_command]
    return int(importlib.import_module(module).main(args))
