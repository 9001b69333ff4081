"""Size and time of the HTML report (``refcheck check --format html``) of a long article.

    python bench/html_report.py [--references 1000] [--limit-mb 2]

The article is bench/generate.py's, with its 1% of misspelled names (so the report has
findings); checking it is not timed, rendering the report is.  The report must stay under
--limit-mb megabytes (10^6 bytes): exit 1 when it does not.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # refcheck from this checkout when not installed

LIMIT_BYTES = 2_000_000


def _generate(references: int, seed: int) -> str:
    """bench/generate.py's article, loaded by path: bench is not a package, and other
    benchmarks have a module named ``generate`` of their own."""
    spec = importlib.util.spec_from_file_location("refcheck_bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    article, _ = module.generate(references, seed=seed, mistakes=True)
    return str(article)


class Figure(NamedTuple):
    references: int
    citations: int
    findings: int
    bytes: int
    seconds: float


def measure(references: int, seed: int = 0) -> Figure:
    """Check a generated article of ``references`` entries and render its HTML report."""
    from refcheck.check import check_text
    from refcheck.htmlreport import html_report

    article = _generate(references, seed)
    result = check_text(article, path=f"synthetic-{references}.md")
    start = time.perf_counter()
    page = html_report([result])
    seconds = time.perf_counter() - start
    return Figure(len(result.references), len(result.citations), len(result.findings),
                  len(page.encode("utf-8")), seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=int, default=1000, help="entries in the article (default: 1000)")
    parser.add_argument("--limit-mb", type=float, default=LIMIT_BYTES / 1e6, help="size limit in MB (default: 2)")
    args = parser.parse_args(argv)
    figure = measure(args.references)
    limit = int(args.limit_mb * 1e6)
    verdict = "ok" if figure.bytes < limit else "TOO BIG"
    print(f"html report: {figure.references} references, {figure.citations} citations, {figure.findings} findings: "
          f"{figure.bytes / 1e6:.2f} MB ({figure.bytes:,} bytes, limit {limit:,}) in {figure.seconds * 1000:.0f} ms: {verdict}")
    return 0 if figure.bytes < limit else 1


if __name__ == "__main__":
    raise SystemExit(main())
