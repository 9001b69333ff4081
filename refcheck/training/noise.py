"""The slips that people and PDF extraction add to rendered references, labels kept in step.

Each function takes the text and the label of every character and returns
both, changed; an inserted character takes the label of its neighbour.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = ["add_noise"]

Labelled = tuple[str, list[str]]

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY_MONTH = re.compile(rf"\b([1-9]|[12]\d|3[01])(?= (?:{_MONTHS})\b)")
_MONTH_DAY = re.compile(rf"\b(?:{_MONTHS}) ([1-9]|[12]\d|3[01])\b")
_LIGATURES = {"fi": "ﬁ", "fl": "ﬂ", "ff": "ﬀ"}


def _replace(text: str, labels: list[str], start: int, end: int, new: str, label: str | None = None) -> Labelled:
    fill = label if label is not None else (labels[start] if start < len(labels) else labels[start - 1] if start else "")
    return text[:start] + new + text[end:], labels[:start] + [fill] * len(new) + labels[end:]


def _positions(text: str, char: str) -> list[int]:
    return [i for i, c in enumerate(text) if c == char]


def _swap_one(rng: random.Random, text: str, labels: list[str], char: str, new: str) -> Labelled:
    """One occurrence of ``char``, chosen at random, replaced by ``new``."""
    found = _positions(text, char)
    if not found:
        return text, labels
    at = rng.choice(found)
    return _replace(text, labels, at, at + 1, new, labels[at])


def drop_comma(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    return _swap_one(rng, text, labels, ",", "")


def double_comma(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    return _swap_one(rng, text, labels, ",", ",,")


def no_space_after_comma(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    found = [i + 1 for i in _positions(text, ",") if text[i + 1 : i + 2] == " "]
    if not found:
        return text, labels
    at = rng.choice(found)
    return _replace(text, labels, at, at + 1, "")


def double_space(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    return _swap_one(rng, text, labels, " ", "  ")


def straight_quotes(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    table = rng.choice(
        [
            str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}),
            str.maketrans({"“": "``", "”": "''"}),
            str.maketrans({"”": "`", "’": "`"}),  # a backtick typed as a closing quote
            str.maketrans({'"': "“"}),
        ]
    )
    out_text: list[str] = []
    out_labels: list[str] = []
    for char, label in zip(text, labels):
        new = char.translate(table)
        out_text.append(new)
        out_labels.extend([label] * len(new))
    return "".join(out_text), out_labels


def ligatures(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    for pair, ligature in _LIGATURES.items():
        start = 0
        while (at := text.find(pair, start)) >= 0:
            text, labels = _replace(text, labels, at, at + 2, ligature, labels[at])
            start = at + 1
    return text, labels


def line_break_hyphen(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    words = [m for m in re.finditer(r"[^\W\d_]{7,}", text)]
    if not words:
        return text, labels
    word = rng.choice(words)
    at = word.start() + rng.randint(3, len(word.group()) - 3)
    return _replace(text, labels, at, at, "- ", labels[at])


def ordinal_day(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    """"13 March" → "13th March", "March 13" → "March 13th"."""
    days = [(m.end(1), int(m.group(1))) for m in _DAY_MONTH.finditer(text)]
    days += [(m.end(1), int(m.group(1))) for m in _MONTH_DAY.finditer(text)]
    if not days:
        return text, labels
    end, day = rng.choice(days)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return _replace(text, labels, end, end, suffix, labels[end - 1])


def _runs(labels: list[str], label: str) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i, value in enumerate(labels):
        if value == label:
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
    return runs


def drop_url(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    """"Available at:" with the URL missing, as in hurried reference lists."""
    runs = _runs(labels, "url")
    if not runs:
        return text, labels
    start, end = runs[-1]
    return _replace(text, labels, start, end, "")


def truncate_url(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    runs = [r for r in _runs(labels, "url") if r[1] - r[0] > 16]
    if not runs:
        return text, labels
    start, end = runs[-1]
    cut = rng.randint(start + 12, end - 1)
    return _replace(text, labels, cut, end, "")


def lower_case(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    words = [m for m in re.finditer(r"\b[A-Z][a-z]{3,}\b", text)]
    if not words:
        return text, labels
    word = rng.choice(words)
    return text[: word.start()] + word.group().lower() + text[word.end() :], labels


def drop_final_stop(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    stripped = text.rstrip()
    if stripped.endswith("."):
        return text[: len(stripped) - 1], labels[: len(stripped) - 1]
    return text, labels


_BARE_INITIALS = re.compile(r"(?<![\w.])([A-Z]{1,3})(?![\w.])")


def initial_stops(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    """Stops typed after bare initials: "Raman P, Okafor CJ" → "Raman P., Okafor C.J."."""
    for start, end in reversed(_runs(labels, "author") + _runs(labels, "editor")):
        for m in reversed(list(_BARE_INITIALS.finditer(text, start, end))):
            if text[m.end() : m.end() + 1] == ".":
                continue  # the list's own stop: "Okafor CJ." stays
            label = labels[m.start()]
            dotted = ".".join(m.group()) + "." if rng.random() < 0.5 else m.group() + "."
            text, labels = _replace(text, labels, m.start(), m.end(), dotted, label)
    return text, labels


def emphasis(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    """Markdown emphasis around the container or title (and volume): "*Nature*, *12*(3)"."""
    mark = rng.choice(["*", "_", "**"])
    for label in ("volume", "container-title", "title"):
        runs = _runs(labels, label)
        if not runs or (label == "title" and _runs(labels, "container-title")):
            continue
        start, end = runs[0]
        text, labels = _replace(text, labels, end, end, mark, "")
        text, labels = _replace(text, labels, start, start, mark, "")
    return text, labels


# Each slip and how often it happens.
_NOISE: tuple[tuple[Callable[[random.Random, str, list[str]], Labelled], float], ...] = (
    (drop_comma, 0.12),
    (double_comma, 0.03),
    (no_space_after_comma, 0.04),
    (double_space, 0.04),
    (straight_quotes, 0.2),
    (ligatures, 0.03),
    (line_break_hyphen, 0.04),
    (ordinal_day, 0.25),
    (drop_url, 0.04),
    (truncate_url, 0.03),
    (lower_case, 0.05),
    (drop_final_stop, 0.1),
    (initial_stops, 0.04),
    (emphasis, 0.04),
)


def add_noise(rng: random.Random, text: str, labels: list[str]) -> Labelled:
    """``text`` with a few random slips."""
    for slip, chance in _NOISE:
        if rng.random() < chance:
            text, labels = slip(rng, text, labels)
    return text, labels
