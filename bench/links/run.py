"""Time `refcheck links` and linkinator on the link farm, and score what they say against the truth.

    python bench/links/run.py [--count 1000] [--seed 0] [--timeout 3] [--library] [--no-peers] [--json]

It starts the farm (bench/links/farm.py, a child process: nine HTTP servers on 127.0.0.2-10),
writes the article and its truth (bench/links/generate.py) to bench/out/links/, then runs, each
as a child process timed from start to exit, with the farm's counts reset before each:

- refcheck: `python -m refcheck links ARTICLE --format json --no-cache --doi-url FARM --timeout 3
  --retries 2 --per-host 8 --concurrency 64`, once that command exists; before that (or with
  --library) a child python that calls refcheck.links.collect_links and check_links with the same
  settings;
- linkinator (npm, pinned in bench/package.json, installed into bench/node_modules on first use)
  on the same article: `linkinator ARTICLE --markdown --format json --timeout 3000 --skip doi.org`
  without retries, with --retry (waits for Retry-After on 429), and with --retry --retry-errors
  --retry-errors-count 2 (5xx and network failures again after 2-4 s and a jitter).

For each it prints the wall time, the farm's requests, peak requests in flight and peak
connections per host, the bytes of the 10 MB bodies sent before the checker hung up, and the
statuses against the truth: dead links found, false alarms, and a table of truth by status.
Results go to bench/out/links.json.  No traffic leaves the machine: every URL of the article is on
the farm, and linkinator is told to skip the doi.org forms of DOIs (which refcheck sends to the
farm's handle API).  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

LINKS = Path(__file__).resolve().parent
BENCH = LINKS.parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(LINKS))
import generate  # noqa: E402  (bench/links is not a package)

TARGET_RATIO = 0.85  # refcheck's wall time / the fastest correct peer's
PER_HOST = 8
DOI_SKIP = r"^https?://(dx\.|www\.)?doi\.org/"
FAILING = {"dead", "error", "timeout", "broken"}  # what a checker reports as a broken link
LIVE = {"ok", "redirected"}
REFCHECK_CLASSES = ["ok", "redirected", "dead", "blocked", "error", "timeout"]
LINKINATOR_CLASSES = ["ok", "broken", "skipped"]

# The library path: what `refcheck links --format json` prints, made by a child python.
_LIBRARY_CHILD = r"""
import asyncio, json, sys
from pathlib import Path
from refcheck.links import check_links, collect_links
settings = json.loads(sys.argv[2])
results = asyncio.run(check_links(collect_links(Path(sys.argv[1]).read_text(encoding="utf-8")), **settings))
print(json.dumps({"version": 1, "links": [
    {"url": r.link.target, "status": r.status.value, "http_status": r.http_status, "final_url": r.final_url,
     "redirects": [{"url": h.url, "status": h.status} for h in r.redirects], "attempts": r.attempts,
     "elapsed_ms": r.elapsed_ms, "bytes_read": r.bytes_read} for r in results]}))
"""


# ---------------------------------------------------------------- the farm


class FarmProcess:
    """bench/links/farm.py as a child process, spoken to over its stdin and stdout."""

    def __init__(self, loopback: bool = False) -> None:
        command = [sys.executable, str(LINKS / "farm.py")] + (["--loopback"] if loopback else [])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.description: dict[str, Any] = json.loads(self._line())

    def _line(self) -> str:
        stdout: IO[str] | None = self.process.stdout
        line = stdout.readline() if stdout is not None else ""
        if not line:
            raise RuntimeError("the farm did not start (see its error above)")
        return line

    def _ask(self, command: str) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def stats(self) -> dict[str, Any]:
        return dict(self._ask("stats"))

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()


# ---------------------------------------------------------------- the checkers


@dataclass
class Run:
    name: str
    command: list[str]
    settings: dict[str, Any]
    seconds: float = 0.0  # the best of the repeats
    runs: list[float] = field(default_factory=list)  # every repeat's wall time
    exit_code: int | None = None
    statuses: dict[str, str] = field(default_factory=dict)  # target → the status class it reported
    bytes_read: dict[str, int] = field(default_factory=dict)  # target → what the checker says it read
    elapsed_ms: dict[str, int] = field(default_factory=dict)  # target → how long the checker says it took
    farm: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    shown: list[str] = field(default_factory=list)  # the command as printed

    def __post_init__(self) -> None:
        self.shown = self.shown or self.command


def _child_env() -> dict[str, str]:
    """The environment without proxies, so that every request goes straight to the farm."""
    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")} | {"NO_PROXY": "*"}


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_child_env(), cwd=ROOT)
    return time.perf_counter() - start, done


def has_links_command() -> bool:
    done = subprocess.run([sys.executable, "-m", "refcheck", "links", "--help"], capture_output=True, cwd=ROOT)
    return done.returncode == 0


def run_refcheck(article: Path, doi_url: str, timeout: float, retries: int, library: bool) -> Run:
    """One refcheck run as a user would start it: the CLI, or (before it exists) the library in a child."""
    settings = {"concurrency": 64, "per_host": PER_HOST, "timeout": timeout, "retries": retries, "doi_url": doi_url}
    if library:
        command = [sys.executable, "-c", _LIBRARY_CHILD, str(article), json.dumps(settings)]
        name = "refcheck (library)"
    else:
        command = [sys.executable, "-m", "refcheck", "links", str(article), "--format", "json", "--no-cache",
                   "--doi-url", doi_url, "--timeout", str(timeout), "--retries", str(retries),
                   "--per-host", str(PER_HOST), "--concurrency", "64"]  # fmt: skip
        name = "refcheck links"
    run = Run(name, command, settings)
    run.shown = (command[:2] + ["<library child>"] + command[3:4]) if library else command
    run.seconds, done = _timed(command)
    run.exit_code = done.returncode
    if done.returncode not in (0, 1):
        run.error = done.stderr.strip()[-2000:]
        return run
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        run.error = f"not JSON: {done.stdout[:200]!r} {done.stderr.strip()[-500:]}"
        return run
    for link in answer.get("links", []):
        run.statuses[link["url"]] = link["status"]
        run.bytes_read[link["url"]] = int(link.get("bytes_read") or 0)
        run.elapsed_ms[link["url"]] = int(link.get("elapsed_ms") or 0)
    return run


def install_linkinator() -> Path | None:
    """npm-install bench/package.json's pinned linkinator into bench/node_modules (git-ignored)."""
    binary = BENCH / "node_modules" / ".bin" / "linkinator"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    subprocess.run([npm, "install", "--prefix", str(BENCH), "--no-audit", "--no-fund", "--silent"], check=True)
    return binary if binary.exists() else None


def run_linkinator(binary: Path, article: Path, timeout: float, variant: str) -> Run:
    """linkinator on the article: "none" (no retries), "retry" (429 + Retry-After) or "retry-errors" too."""
    command = [str(binary), str(article.relative_to(ROOT)), "--markdown", "--format", "json",
               "--timeout", str(int(timeout * 1000)), "--skip", DOI_SKIP]  # fmt: skip
    if variant in ("retry", "retry-errors"):
        command.append("--retry")
    if variant == "retry-errors":
        command += ["--retry-errors", "--retry-errors-count", "2"]
    settings = {"timeout_ms": int(timeout * 1000), "concurrency": 100, "variant": variant}
    run = Run(f"linkinator ({'no retries' if variant == 'none' else '--' + variant})", command, settings)
    run.seconds, done = _timed(command)
    run.exit_code = done.returncode
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        run.error = f"not JSON: {done.stdout[:200]!r} {done.stderr.strip()[-500:]}"
        return run
    for link in answer.get("links", []):
        url = link.get("url", "")
        if url.startswith("http"):
            run.statuses[url] = str(link.get("state", "")).lower()
    # linkinator's JSON leaves out the links it skipped (here the doi.org URLs and Cloudflare challenges).
    return run


def assert_local(article_text: str, farm: dict[str, Any]) -> None:
    """Refuse to run when the article links anywhere but the farm (and doi.org, which is skipped)."""
    allowed = {urlsplit(u).hostname for u in farm["hosts"] + farm["refused"]} | {"doi.org"}
    for url in re.findall(r"https?://[^\s)>\]]+", article_text):
        if urlsplit(url).hostname not in allowed:
            sys.exit(f"links/run.py: the article links outside the farm: {url}")


# ---------------------------------------------------------------- scoring


# What linkinator, which knows only ok, broken and skipped, should say for each true status: it
# skips what it recognises as a bot wall (a 403 with "cf-mitigated") and leaves skipped links out.
LINKINATOR_EXPECTED = {"ok": "ok", "redirected": "ok", "dead": "broken", "error": "broken", "timeout": "broken",
                       "blocked": "skipped"}


def score(run: Run, truth: dict[str, Any], classes: list[str], urls_only: bool = False) -> dict[str, Any]:
    """Dead links found, false alarms and the table of truth against reported status.

    For linkinator (``urls_only``: it does not check DOIs) a link it leaves out of its JSON was
    skipped, and the status expected is LINKINATOR_EXPECTED's.
    """
    links = {t: e for t, e in truth["links"].items() if not urls_only or e["kind"] == "url"}
    absent = "skipped" if urls_only else "absent"
    table: dict[str, Counter[str]] = {}
    missed: list[str] = []
    false_live: list[str] = []
    false_blocked: list[str] = []
    wrong: Counter[str] = Counter()  # behaviour → targets whose status is not the truth
    for target, entry in links.items():
        said = run.statuses.get(target, absent)
        table.setdefault(entry["status"], Counter())[said] += 1
        if entry["status"] == "dead" and said not in FAILING:
            missed.append(target)
        if entry["status"] in LIVE and said in FAILING:
            false_live.append(target)
        if entry["status"] == "blocked" and said in FAILING:
            false_blocked.append(target)
        if said != (LINKINATOR_EXPECTED[entry["status"]] if urls_only else entry["status"]):
            wrong[entry["behaviour"]] += 1
    dead = sum(1 for e in links.values() if e["status"] == "dead")
    columns = classes + sorted({c for row in table.values() for c in row} - set(classes))
    by_behaviour: dict[str, dict[str, int]] = {}
    for behaviour in generate.MIX:
        answers = Counter(run.statuses.get(t, absent) for t, e in links.items() if e["behaviour"] == behaviour)
        if answers:
            by_behaviour[behaviour] = dict(answers)
    slowest: dict[str, int] = {}
    for target, ms in run.elapsed_ms.items():
        behaviour = truth["links"].get(target, {}).get("behaviour", "?")
        slowest[behaviour] = max(slowest.get(behaviour, 0), ms)
    return {
        "targets": len(links),
        "dead": dead,
        "dead_found": dead - len(missed),
        "missed_dead": missed,
        "false_alarms_live": false_live,
        "false_alarms_blocked": false_blocked,
        "correct": not missed and not false_live,
        "table": {row: {c: table[row][c] for c in columns} for row in REFCHECK_CLASSES if row in table},
        "columns": columns,
        "by_behaviour": by_behaviour,
        "wrong_by_behaviour": dict(wrong),
        "extra": sorted(set(run.statuses) - set(truth["links"]))[:20],
        "slowest_ms_by_behaviour": dict(sorted(slowest.items(), key=lambda kv: -kv[1])),
        "big_bytes_read": [run.bytes_read[t] for t, e in links.items() if e["behaviour"] == "big" and t in run.bytes_read],
    }


def farm_summary(stats: dict[str, Any]) -> dict[str, Any]:
    bodies = [b for st in stats.values() for b in st["big_bodies"]]
    return {
        "requests": {h: st["requests"] for h, st in stats.items()},
        "heads": sum(st["heads"] for st in stats.values()),
        "gets": sum(st["gets"] for st in stats.values()),
        "connections": {h: st["connections"] for h, st in stats.items()},
        "peak_in_flight": {h: st["peak_in_flight"] for h, st in stats.items()},
        "peak_connections": {h: st["peak_connections"] for h, st in stats.items()},
        "bytes_sent": sum(st["bytes_sent"] for st in stats.values()),
        "big_bodies": bodies,
    }


# ---------------------------------------------------------------- report


def _host(h: str) -> str:
    return h.rsplit(".", 1)[-1] if h.startswith("127.0.0.") else h


def print_run(run: Run, result: dict[str, Any]) -> None:
    repeats = f" (best of {', '.join(f'{t:.2f}' for t in run.runs)})" if len(run.runs) > 1 else ""
    print(f"\n## {run.name}: {run.seconds:.2f} s wall{repeats}, exit {run.exit_code}")
    print("   " + " ".join(a if " " not in a else repr(a) for a in run.shown))
    if run.error:
        print(f"   ERROR: {run.error}")
        return
    f = run.farm
    hosts = list(f["requests"])
    print(f"   farm requests {sum(f['requests'].values())} ({f['heads']} HEAD, {f['gets']} GET), "
          f"connections {sum(f['connections'].values())}, bytes sent {f['bytes_sent'] / 1e6:.1f} MB")
    print("   host (127.0.0.x)   " + " ".join(f"{_host(h):>5}" for h in hosts))
    print("   requests           " + " ".join(f"{f['requests'][h]:5d}" for h in hosts))
    for label, key in (("peak in flight", "peak_in_flight"), ("peak connections", "peak_connections")):
        peak = max(f[key].values())
        print(f"   {label:<18} " + " ".join(f"{f[key][h]:5d}" for h in hosts)
              + f"   (per-host limit {PER_HOST}: {'kept' if peak <= PER_HOST else 'EXCEEDED'})")
    print("   connections        " + " ".join(f"{f['connections'][h]:5d}" for h in hosts))
    bodies = f["big_bodies"]
    if bodies:
        sent = [b["bytes_sent"] for b in bodies]
        complete = sum(1 for b in bodies if b["complete"])
        said = result["big_bytes_read"]
        read = f"; the checker says it read {max(said) / 1024:.0f} kB" if said else ""
        print(f"   10 MB bodies: {len(bodies)} GETs, sent {min(sent) / 1024:.0f}-{max(sent) / 1024:.0f} kB each "
              f"before the hang-up ({complete} sent whole){read}")
    s = result
    print(f"   dead found {s['dead_found']}/{s['dead']}; false alarms on live links {len(s['false_alarms_live'])}, "
          f"on bot walls {len(s['false_alarms_blocked'])}; {'correct' if s['correct'] else 'NOT correct'}")
    if s["wrong_by_behaviour"]:
        print("   not the truth, by behaviour: " + ", ".join(
            f"{b} {n} ({'/'.join(f'{k} {v}' for k, v in s['by_behaviour'][b].items())})"
            for b, n in sorted(s["wrong_by_behaviour"].items())))
    if s["slowest_ms_by_behaviour"]:
        print("   slowest link by behaviour (its elapsed_ms): " + ", ".join(
            f"{b} {ms / 1000:.1f} s" for b, ms in list(s["slowest_ms_by_behaviour"].items())[:6]))
    columns = s["columns"]
    print("   truth \\ said  " + " ".join(f"{c:>10}" for c in columns))
    for row, counts in s["table"].items():
        print(f"   {row:<13} " + " ".join(f"{counts[c]:10d}" for c in columns))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="distinct URLs and DOIs in the article")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds, for every checker")
    parser.add_argument("--retries", type=int, default=2, help="refcheck's --retries")
    parser.add_argument("--library", action="store_true", help="call refcheck.links in a child python, not the CLI")
    parser.add_argument("--no-peers", action="store_true", help="refcheck only")
    parser.add_argument("--loopback", action="store_true", help="nine ports on 127.0.0.1, not nine addresses")
    parser.add_argument("--without", default="", help="behaviours to leave out of the article, e.g. stall")
    parser.add_argument("--peers", default="none,retry,retry-errors",
                        help="linkinator runs: none (no retries), retry (--retry), retry-errors (--retry --retry-errors)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each checker; the best wall time counts")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)

    farm = FarmProcess(args.loopback)
    try:
        described = farm.description
        if described.get("fallback"):
            print(f"links/run.py: {described['fallback']}", file=sys.stderr)
        without = {b.strip() for b in args.without.split(",") if b.strip()}
        if without - set(generate.MIX):
            sys.exit(f"links/run.py: no behaviour {', '.join(sorted(without - set(generate.MIX)))}")
        article, truth_path, truth = generate.write(OUT / "links", described["hosts"], described["refused"],
                                                    args.count, args.seed, without=without)
        assert_local(article.read_text(encoding="utf-8"), described)
        library = args.library or not has_links_command()
        runs: list[tuple[Run, dict[str, Any]]] = []

        def measure(run_fn: Any, *a: Any, classes: list[str], urls_only: bool = False) -> None:
            """Best wall time of --repeat runs; the farm's counts and the score of the fastest."""
            best: tuple[Run, dict[str, Any]] | None = None
            times, verdicts = [], set()
            for _ in range(args.repeat):
                farm.reset()
                run = run_fn(*a)
                run.farm = farm_summary(farm.stats())
                result = score(run, truth, classes, urls_only)
                times.append(round(run.seconds, 3))
                verdicts.add(result["correct"])
                if best is None or run.seconds < best[0].seconds or run.error:
                    best = (run, result)
                if run.error:
                    break
            assert best is not None
            best[0].runs = times
            best[1]["correct_in_every_repeat"] = verdicts == {True}
            runs.append(best)
            print_run(*best)

        statuses = Counter(e["status"] for e in truth["links"].values())
        print(f"article {article.relative_to(ROOT)}: {truth['count']} distinct targets "
              f"({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}), "
              f"{sum(1 for e in truth['links'].values() if e['kind'] == 'doi')} of them DOIs; "
              f"farm {described['hosts'][0]} … {described['hosts'][-1]}; timeout {args.timeout:g} s")
        measure(run_refcheck, article, described["doi_url"], args.timeout, args.retries, library,
                classes=REFCHECK_CLASSES)
        binary = None if args.no_peers else install_linkinator()
        if binary is None and not args.no_peers:
            print("\nlinkinator: node and npm are needed; skipped")
        if binary is not None:
            for variant in [v.strip() for v in args.peers.split(",") if v.strip()]:
                measure(run_linkinator, binary, article, args.timeout, variant,
                        classes=LINKINATOR_CLASSES, urls_only=True)
    finally:
        farm.stop()

    refcheck_run = runs[0][0]
    peers = [(run, result) for run, result in runs[1:] if not run.error]
    correct = [run for run, result in peers if result["correct"] and result["correct_in_every_repeat"]]
    fastest = min(correct, key=lambda r: r.seconds) if correct else None
    with_retry = next((run for run, _ in peers if run.settings.get("variant") == "retry"), None)
    summary: dict[str, Any] = {}
    print()
    if with_retry is not None:
        summary["ratio_to_linkinator_retry"] = round(refcheck_run.seconds / with_retry.seconds, 3)
        print(f"refcheck / linkinator --retry: {refcheck_run.seconds:.2f} s / {with_retry.seconds:.2f} s "
              f"= {summary['ratio_to_linkinator_retry']:.2f}")
    if fastest is not None:
        ratio = refcheck_run.seconds / fastest.seconds
        summary["fastest_correct_peer"] = fastest.name
        summary["ratio_to_fastest_correct_peer"] = round(ratio, 3)
        print(f"refcheck / fastest correct peer ({fastest.name}): {ratio:.2f} "
              f"(target ≤ {TARGET_RATIO}) {'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    elif peers:
        print("no peer run was correct (every dead link found, no live link called broken)")
    report = {
        "article": str(article.relative_to(ROOT)),
        "truth": str(truth_path.relative_to(ROOT)),
        "count": truth["count"],
        "seed": args.seed,
        "timeout_s": args.timeout,
        "repeat": args.repeat,
        "without": sorted(without),
        "farm": {k: v for k, v in described.items()},
        "runs": [{**{k: v for k, v in asdict(run).items() if k not in ("statuses", "bytes_read")},
                  "seconds": round(run.seconds, 3), "score": result} for run, result in runs],
        "summary": summary,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "links.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"results in {(OUT / 'links.json').relative_to(ROOT)}")
    if args.json:
        print(json.dumps(report, indent=1))
    return 2 if any(run.error for run, _ in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
