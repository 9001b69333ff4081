"""The HTML report (``refcheck check --format html``): one self-contained page per run.

A first version: the text report in a page.  (Being written: the article with its citations
marked, the reference list, a summary, filters and keyboard navigation.)
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refcheck.check import Result


def html_report(results: Sequence[Result], color: bool = False) -> str:
    from refcheck.report import text_report

    body = html.escape(text_report(results, False))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>refcheck report</title>\n</head>\n<body>\n<main>\n<pre>" + body + "</pre>\n</main>\n</body>\n</html>\n"
    )
