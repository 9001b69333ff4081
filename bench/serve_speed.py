"""How fast `refcheck serve` answers an upload: a real uvicorn on 127.0.0.1, HTTP posts with httpx.

    python bench/serve_speed.py [ARTICLE…]        # default: samples/harvard-essay.md, and a seed-sized one

For each article it posts the file to /check 11 times and prints the first answer's time (the
reference model is warmed in the background when the server starts, so the first answer is close
to the rest) and the median and worst of the others; the seed-sized article (~15 kB of Markdown:
the essay with its body paragraphs repeated) is written to bench/out/.  Target: under 0.5 s.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5


def seed_sized() -> Path:
    """The sample essay with its body paragraphs repeated to about 15 kB."""
    text = (ROOT / "samples" / "harvard-essay.md").read_text(encoding="utf-8")
    head, _, references = text.partition("## References")
    body = head.split("\n\n")
    grown = list(body)
    while len("\n\n".join(grown)) + len(references) < 15_000:
        grown.extend(body[1:])
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "seed-sized.md"
    path.write_text("\n\n".join(grown) + "## References" + references, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    articles = [Path(a) for a in argv] or [ROOT / "samples" / "harvard-essay.md", seed_sized()]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "refcheck", "serve", "--no-browser", "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    worst = 0.0
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, trust_env=False)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
            for path in articles:
                data = path.read_bytes()
                times = []
                for _ in range(11):
                    start = time.perf_counter()
                    answer = client.post("/check", files={"article": (path.name, data, "text/markdown")},
                                         data={"style": "apa"})
                    times.append(time.perf_counter() - start)
                    if answer.status_code != 200:
                        print(f"{path}: HTTP {answer.status_code}", file=sys.stderr)
                        return 1
                rest = times[1:]
                worst = max(worst, statistics.median(rest))
                print(f"{path.name} ({len(data):,} bytes): first {times[0] * 1000:.0f} ms, then median "
                      f"{statistics.median(rest) * 1000:.0f} ms, worst {max(rest) * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait()
    print(f"target: median under {TARGET_S * 1000:.0f} ms: {'ok' if worst < TARGET_S else 'MISSED'}")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
