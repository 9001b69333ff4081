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


def first_paint(page_html: str, name: str) -> float | None:
    """Milliseconds to first contentful paint of ``page_html`` in headless Chromium (the
    system's, as the browser tests use it), or None when there is no Chromium or Playwright."""
    import shutil

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        return None
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    path = out / name
    path.write_text(page_html, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            # The paint entries are recorded a frame or two after load.
            page.wait_for_function("performance.getEntriesByType('paint').length > 0", timeout=10000)
            entries = page.evaluate("performance.getEntriesByType('paint').map(e => [e.name, e.startTime])")
        finally:
            browser.close()
    times = dict(entries)
    value = times.get("first-contentful-paint", times.get("first-paint"))
    return float(value) if value is not None else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--references", type=int, default=1000, help="entries in the article (default: 1000)")
    parser.add_argument("--limit-mb", type=float, default=LIMIT_BYTES / 1e6, help="size limit in MB (default: 2)")
    parser.add_argument("--paint", action="store_true",
                        help="also time the first paint of the report in headless Chromium (the system's)")
    args = parser.parse_args(argv)
    figure = measure(args.references)
    limit = int(args.limit_mb * 1e6)
    verdict = "ok" if figure.bytes < limit else "TOO BIG"
    print(f"html report: {figure.references} references, {figure.citations} citations, {figure.findings} findings: "
          f"{figure.bytes / 1e6:.2f} MB ({figure.bytes:,} bytes, limit {limit:,}) in {figure.seconds * 1000:.0f} ms: {verdict}")
    ok = figure.bytes < limit
    if args.paint:
        from refcheck.check import check_text
        from refcheck.htmlreport import html_report

        big = html_report([check_text(_generate(args.references, 0), path=f"synthetic-{args.references}.md")])
        small = html_report([check_text(_generate(20, 0), path="synthetic-20.md")])
        big_ms, small_ms = first_paint(big, "report-big.html"), first_paint(small, "report-small.html")
        if big_ms is None or small_ms is None:
            print("first paint: no Chromium or Playwright here; skipped")
        else:
            ratio = big_ms / small_ms if small_ms else float("inf")
            print(f"first paint in headless Chromium: {big_ms:.0f} ms ({args.references} references) against "
                  f"{small_ms:.0f} ms (20 references), ratio {ratio:.2f}; target < 1000 ms: "
                  f"{'ok' if big_ms < 1000 else 'MISSED'}")
            ok = ok and big_ms < 1000
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
