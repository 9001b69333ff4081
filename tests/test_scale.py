"""Large and hostile input is checked normally: a 50 MB article, a 1 MB line without spaces."""

import json
import random
import subprocess
import sys
from pathlib import Path

WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stdout.write(str(done.returncode) + ' ' + str(peak) + '\\n')\n"
    "sys.stdout.buffer.write(done.stdout)\n"
)


def check_with_peak_memory(path: Path) -> tuple[int, int, dict]:  # type: ignore[type-arg]
    """Run ``refcheck check --format json`` in a fresh wrapper so that only its memory is counted."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "-m", "refcheck", "check", "--format", "json", str(path)],
        capture_output=True, text=True, timeout=300,
    )
    head, _, body = done.stdout.partition("\n")
    status, peak_kb = (int(x) for x in head.split())
    return status, peak_kb, json.loads(body)


def test_fifty_megabytes(tmp_path: Path) -> None:
    rng = random.Random(7)
    words = "the of and to in a is that for it as was with be by on not this are or from at which".split()
    paragraphs = []
    for i in range(200):
        sentence = " ".join(rng.choice(words) for _ in range(110)).capitalize()
        paragraphs.append(f"{sentence} (Okafor, 2021).\n\n" if i % 2 else f"{sentence}.\n\n")
    block = "".join(paragraphs)
    article = tmp_path / "big.md"
    with article.open("w", encoding="utf-8") as handle:
        for _ in range(50_000_000 // len(block)):
            handle.write(block)
        handle.write("## References\n\nOkafor, C. (2021) Walls against the sea. Leeds: Harbour Books.\n")
    assert article.stat().st_size > 49_000_000
    status, peak_kb, report = check_with_peak_memory(article)
    assert status == 0, report["findings"][:3]
    citations = report["documents"][0]["citations"]
    assert len(citations) > 30_000 and all(c["state"] == "matched" for c in citations)
    assert peak_kb < 1024 * 1024  # under 1 GB


def test_a_megabyte_without_spaces(tmp_path: Path) -> None:
    article = tmp_path / "long.txt"
    article.write_text("x(" * 500_000 + "\n\nText (Okafor, 2021).\n\nReferences\n\n"
                       "Okafor, C. (2021) Walls against the sea. Leeds: Harbour Books.\n", encoding="utf-8")
    status, peak_kb, report = check_with_peak_memory(article)
    assert status == 0
    assert report["documents"][0]["citations"][0]["state"] == "matched"
    assert peak_kb < 1024 * 1024
