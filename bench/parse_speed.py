"""Speed and memory of `refcheck parse` on N reference lines, beside 1,000 lines.

    python bench/parse_speed.py [--lines 10000] [--repeat 3]

The lines are the reference list of a synthetic article (bench/generate.py): APA-like journal
articles, books and dated news items.  Each run is one child process measured by run.py's
wrapper (wall time and peak RSS of the child alone); the best of --repeat runs counts.  Also
reported: loading the model alone.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from generate import generate
from run import measure

BENCH = Path(__file__).resolve().parent
TARGET_PER_SECOND = 3000
TARGET_LOAD_S = 0.15
TARGET_PEAK_MB = 300


def reference_lines(count: int) -> list[str]:
    article, _ = generate(count, seed=0, mistakes=False)
    section = article.split("## References", 1)[1]
    return [line.strip() for line in section.splitlines() if line.strip()][:count]


def best(command: list[str], repeat: int) -> tuple[float, float]:
    runs = [measure(command) for _ in range(repeat)]
    for seconds, peak, code, _, stderr in runs:
        if code != 0:
            sys.exit(f"parse_speed: {' '.join(command)} exited {code}: {stderr.strip()}")
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    results = {}
    for count in (1000, args.lines):
        path = out / f"references-{count}.txt"
        path.write_text("\n".join(reference_lines(count)) + "\n", encoding="utf-8")
        seconds, peak = best([sys.executable, "-m", "refcheck", "parse", str(path), "-o", str(out / "parsed.json")], args.repeat)
        results[count] = {"seconds": seconds, "peak_mb": peak}
    load, _ = best([sys.executable, "-c", "import refcheck.crf as c; c.default_labeller()"], args.repeat)
    small, large = results[1000], results[args.lines]
    # The start-up is in both runs; the difference is the work on the extra lines.
    rate = (args.lines - 1000) / max(1e-9, large["seconds"] - small["seconds"])
    summary = {
        "lines": args.lines,
        "seconds": large["seconds"],
        "peak_mb": large["peak_mb"],
        "seconds_1000": small["seconds"],
        "ratio": large["seconds"] / small["seconds"],
        "references_per_second": rate,
        "process_with_model_load_s": load,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{args.lines} lines: {large['seconds']:.2f} s, peak {large['peak_mb']:.0f} MB; "
              f"1000 lines: {small['seconds']:.2f} s; ratio {summary['ratio']:.2f}")
        print(f"{rate:.0f} references/s beyond start-up (target ≥ {TARGET_PER_SECOND}): "
              f"{'ok' if rate >= TARGET_PER_SECOND else 'MISSED'}")
        print(f"a process that imports refcheck.crf and loads the model: {load:.3f} s")
        print(f"peak memory {large['peak_mb']:.0f} MB (target < {TARGET_PEAK_MB}): "
              f"{'ok' if large['peak_mb'] < TARGET_PEAK_MB else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
