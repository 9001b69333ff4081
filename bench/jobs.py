"""Time `refcheck check DIR` over a directory of many small articles, in 1 and in 2 processes.

    python bench/jobs.py [--files 1000] [--repeat 3] [--jobs 2] [--dir DIR] [--json]

Writes (or reuses, under --dir) a seeded directory of small author-date articles made by
bench/generate.py — 4 to 12 references each, 10 % of them with a misspelled surname and
one in six without its last reference entry, so that the run has findings — then times
`python -m refcheck check DIR -j 1` and `-j N` (the text report) as child processes,
checks that both write the same report, and prints both times and their ratio.  Target:
-j 2 takes at most 0.65 of -j 1 (on two cores).

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import generate

TARGET_RATIO = 0.65


def write_articles(directory: Path, count: int, seed: int = 0) -> int:
    """Write ``count`` articles under ``directory`` (in ten subdirectories); the number
    with a reference entry taken out."""
    rng = random.Random(seed)
    removed = 0
    for index in range(count):
        text, _ = generate(rng.randint(4, 12), seed=seed * 100_003 + index, mistakes=rng.random() < 0.1)
        if index % 6 == 5:
            head, _, tail = text.rpartition("\n\n")  # the last entry: its citations go unmatched
            text = head + "\n"
            removed += 1
        path = directory / f"part{index % 10}" / f"article{index:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return removed


def run(directory: Path, jobs: int, extra: tuple[str, ...] = ()) -> tuple[float, str]:
    """Wall time of one `refcheck check` and its report."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "refcheck", "check", str(directory), "-j", str(jobs), "--no-config", *extra],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"refcheck exited {done.returncode}: {done.stderr}")
    return elapsed, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default: 3)")
    parser.add_argument("--jobs", type=int, default=2, help="the parallel run's -j (default: 2)")
    parser.add_argument("--dir", type=Path, help="write the articles here (default: a temporary directory)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        directory = args.dir or Path(scratch) / "articles"
        if not directory.exists() or not any(directory.iterdir()):
            directory.mkdir(parents=True, exist_ok=True)
            write_articles(directory, args.files)
        serial, parallel = [], []
        reports = set()
        for _ in range(args.repeat):
            for jobs, times in ((1, serial), (args.jobs, parallel)):
                elapsed, report = run(directory, jobs)
                times.append(elapsed)
                reports.add(report)
        if len(reports) != 1:
            sys.exit("the reports of -j 1 and -j N differ")
        report = json.loads(run(directory, args.jobs, ("--format", "json"))[1])
    one, many = min(serial), min(parallel)
    figures = {
        "files": len(report["documents"]), "findings": len(report["findings"]),
        "jobs_1_s": round(one, 3), f"jobs_{args.jobs}_s": round(many, 3), "ratio": round(many / one, 3),
        "target_ratio": TARGET_RATIO,
    }  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['files']} files, {figures['findings']} findings")
        print(f"-j 1: {one:.2f} s")
        print(f"-j {args.jobs}: {many:.2f} s")
        print(f"ratio: {many / one:.3f} (target <= {TARGET_RATIO})")
    return 0 if many / one <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
