"""`refcheck bib tidy` (being written)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH")


def main(args: argparse.Namespace) -> int:
    print("refcheck: error: bib tidy is not written yet", file=sys.stderr)
    return 2
