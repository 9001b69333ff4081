"""Time `refcheck check` on synthetic articles of growing size, a sample and the seed.

    python bench/run.py [--sizes 2000,5000,20000] [--repeat 3] [--json]

Each measurement is one child process, `python -m refcheck ...`, started and
reaped (os.wait4) by a small wrapper interpreter so that its wall time and peak
resident set size are that child's alone. The best wall time of --repeat runs is reported, with the largest peak
RSS seen. refcheck's exit code 1 (findings) is expected; 2, or JSON that does
not parse, is an error and makes this script exit 2.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generate import generate

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SAMPLE = ROOT / "samples" / "harvard-essay.md"
SEED = ROOT.parent / "shared" / "seeds" / "000_169b074b60e7a565.txt"

# The targets from bench/README.md.
TARGET_LARGEST_S = 5.0  # 20,000 references, 80,000 citations
TARGET_RATIO = 12.0  # time(20k) / time(2k)
TARGET_SEED_S = 0.3
TARGET_VERSION_S = 0.15


@dataclass
class Result:
    name: str
    command: list[str]
    references: int | None = None
    citations: int | None = None
    seconds: float | None = None  # best of the runs
    runs: list[float] = field(default_factory=list)
    peak_mb: float | None = None  # largest peak RSS over the runs
    exit_code: int | None = None
    findings: int | None = None
    ratio: float | None = None
    error: str = ""


# The child is started by a small wrapper interpreter rather than by this
# process. On Linux a child spawned by a large parent inherits the parent's
# peak RSS (vfork/posix_spawn share the parent's memory until exec, and exec
# records that memory's high-water mark), so measuring it directly would report
# this script's memory, which holds the generated article. The wrapper is small
# (about 8 MB, below any Python child's own peak), times the child, reaps it
# with os.wait4 and writes "seconds maxrss exitcode" to a report file.
WRAPPER = """
import os, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawn(cmd[0], cmd, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as f:
    f.write(f"{seconds!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(command: list[str]) -> tuple[float, float, int, str, str]:
    """Run one child; return (seconds, peak MB, exit code, stdout, stderr)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        report = Path(tmp) / "report"
        wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, str(report), *command]
        subprocess.run(
            wrapper,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            check=False,
        )
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        try:
            seconds_text, maxrss, code = report.read_text().split()
        except (OSError, ValueError):
            return 0.0, 0.0, 2, stdout, stderr or "the measuring wrapper failed"
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return float(seconds_text), int(maxrss) * scale / 1e6, int(code), stdout, stderr


def bench(result: Result, repeat: int, expect_json: bool) -> Result:
    for _ in range(repeat):
        seconds, peak_mb, code, stdout, stderr = measure(result.command)
        result.runs.append(seconds)
        result.peak_mb = max(result.peak_mb or 0.0, peak_mb)
        result.exit_code = code
        if code not in (0, 1):
            last = stderr.strip().splitlines()[-1:] or [f"exit code {code}"]
            result.error = f"exit {code}: {last[0]}"
            break
        if expect_json:
            try:
                report = json.loads(stdout)
            except json.JSONDecodeError:
                first = (stderr.strip() or stdout.strip()).splitlines()[-1:] or [
                    "no output"
                ]
                result.error = f"output is not JSON: {first[0][:120]}"
                break
            findings = report.get("findings") if isinstance(report, dict) else None
            result.findings = len(findings) if isinstance(findings, list) else None
    if result.runs:
        result.seconds = min(result.runs)
    return result


def check_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "refcheck", "check", "--format", "json", str(path)]


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[Result]) -> None:
    header = (
        "case",
        "references",
        "citations",
        "seconds",
        "peak MB",
        "ratio",
        "findings",
        "exit",
    )
    rows = [header]
    for r in results:
        rows.append(
            (
                r.name,
                fmt(r.references, ","),
                fmt(r.citations, ","),
                fmt(r.seconds, ".3f"),
                fmt(r.peak_mb, ".1f"),
                fmt(r.ratio, ".2f"),
                fmt(r.findings, ","),
                fmt(r.exit_code, "d"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:])
        ]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for r in results:
        if r.error:
            print(f"error in {r.name}: {r.error}")


def targets(results: list[Result], sizes: list[int]) -> list[dict[str, object]]:
    """Compare the results with the targets in bench/README.md."""
    by_name = {r.name: r for r in results}
    checks: list[dict[str, object]] = []

    def add(
        label: str, result: Result | None, value: float | None, limit: float
    ) -> None:
        if result is None:
            return
        if result.error:
            value = None  # a failed run meets no target
        ok = value is not None and value <= limit
        checks.append({"target": label, "value": value, "limit": limit, "ok": ok})

    if max(sizes) == 20000:
        largest = by_name["N=20000"]
        add("seconds for N=20000", largest, largest.seconds, TARGET_LARGEST_S)
    if 2000 in sizes and 20000 in sizes:
        # the ratio only means something if its base ran too
        large, small = by_name["N=20000"], by_name["N=2000"]
        ratio = None if small.error else large.ratio
        add("time ratio 20000/2000", large, ratio, TARGET_RATIO)
    seed = by_name.get("seed")
    add(
        "seconds for the seed article",
        seed,
        seed.seconds if seed else None,
        TARGET_SEED_S,
    )
    version = by_name["--version"]
    add("seconds for --version", version, version.seconds, TARGET_VERSION_S)
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="2000,5000,20000",
        help="comma-separated numbers of references (default: 2000,5000,20000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per case; best time wins"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="generator seed (default: 0)"
    )
    parser.add_argument(
        "--mistakes",
        action="store_true",
        help="generate articles with ~1%% misspelled names",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH / "out",
        help="where to write the generated articles",
    )
    parser.add_argument(
        "--json", action="store_true", help="print machine-readable results"
    )
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("--sizes and --repeat must be positive")

    args.out.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for n in sizes:
        text, counts = generate(n, args.seed, args.mistakes)
        path = args.out / f"article-{n}{'-mistakes' if args.mistakes else ''}.md"
        path.write_text(text, encoding="utf-8")
        result = Result(
            f"N={n}", check_command(path), counts["references"], counts["citations"]
        )
        results.append(bench(result, args.repeat, expect_json=True))
        if not args.json:
            print(f"measured {result.name}", file=sys.stderr)

    base = results[0].seconds
    for r in results:
        if base and r.seconds is not None:
            r.ratio = r.seconds / base

    if SAMPLE.exists():
        results.append(
            bench(Result("harvard-essay", check_command(SAMPLE)), args.repeat, True)
        )
    if SEED.exists():
        results.append(bench(Result("seed", check_command(SEED)), args.repeat, True))
    version = [sys.executable, "-m", "refcheck", "--version"]
    results.append(bench(Result("--version", version), args.repeat, expect_json=False))

    checks = targets(results, sizes)
    failed = any(r.error for r in results)
    if args.json:
        payload = {
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "repeat": args.repeat,
            "results": [asdict(r) for r in results],
            "targets": checks,
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
    else:
        print_table(results)
        print()
        for c in checks:
            value = "-" if c["value"] is None else f"{c['value']:.3f}"
            mark = "ok" if c["ok"] else "MISSED"
            print(f"{mark:6}  {c['target']}: {value} (target <= {c['limit']})")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
