"""Field accuracy of refcheck's reference parser on labelled reference strings.

    python bench/parse_accuracy.py ../shared/data/refstrings-dev.jsonl [more.jsonl …]

Reads labelled strings (one JSON object a line, with ``text`` and ``fields``
{label: [values]} in AnyStyle/GROBID labels), parses every ``text`` with
``refcheck.parse``, and prints per-field precision, recall and F1 and the
whole-reference exact rate, per labelled set.

By default only the held-out part is scored: the strings whose SHA-1 (of the
UTF-8 text), read as an integer, is divisible by 5.  Training may use the rest
(see ``--part``).

How a field is judged:

* text fields: the multiset of normalised tokens (case-folded, split on
  non-word characters, accents kept, connective and label words such as
  "and", "pp", "pages", "eds" dropped) must equal the labelled one;
* the date: the four-digit year;
* DOI and URL: the normalised identifier (no resolver or scheme, lower case,
  no trailing punctuation);
* AnyStyle's labels have no issue (its volume spans "20(5)"), so on its
  strings a predicted issue is scored as part of the volume.

A predicted field that is absent from the labels counts against precision; a
labelled field that is missing or wrong counts against recall.  A reference is
exact when every field, labelled or predicted, is right.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from refcheck.training.split import held_out, validation  # noqa: E402

FIELDS = (
    "author",
    "editor",
    "title",
    "container-title",
    "year",
    "volume",
    "issue",
    "page",
    "publisher",
    "publisher-place",
    "edition",
    "URL",
    "DOI",
)

# Labels of the AnyStyle and GROBID data → the fields scored here.
LABELS = {
    "author": "author",
    "editor": "editor",
    "title": "title",
    "journal": "container-title",
    "container-title": "container-title",
    "date": "year",
    "volume": "volume",
    "issue": "issue",
    "pages": "page",
    "publisher": "publisher",
    "location": "publisher-place",
    "edition": "edition",
    "url": "URL",
    "doi": "DOI",
}

CONNECTIVES = frozenset(
    "and und et al y e & pp p pg page pages s seite seiten eds ed edn edited by hrsg hg hgg dir"
    " coord vol vols no nr in de".split()
)
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/|doi:)", re.IGNORECASE)
_URL_PREFIX = re.compile(r"^(?:url:\s*)?(?:https?://)?(?:www\.)?", re.IGNORECASE)


def tokens(value: str) -> Counter[str]:
    return Counter(t for t in _WORD.findall(value.casefold()) if t not in CONNECTIVES)


def normalise(name: str, values: Iterable[str]) -> Any:
    """The comparable form of a field given all its values; None when it is empty."""
    values = [v for v in values if v and v.strip()]
    if not values:
        return None
    if name == "year":
        for value in values:
            m = _YEAR.search(value)
            if m is not None:
                return m.group(1)
        return None
    if name in ("DOI", "URL"):
        prefix = _DOI_PREFIX if name == "DOI" else _URL_PREFIX
        # Spaces inside an identifier are PDF-extraction damage ("doi :10.1038 /x"): ignored.
        value = prefix.sub("", "".join(values[0].split())).rstrip(".,;)]/").casefold()
        return value or None
    counted: Counter[str] = Counter()
    for value in values:
        counted.update(tokens(value))
    return frozenset(counted.items()) or None


def _name_text(name: dict[str, Any]) -> str:
    if "literal" in name:
        return str(name["literal"])
    parts = (name.get(k, "") for k in ("given", "non-dropping-particle", "family", "suffix"))
    return " ".join(p for p in parts if p)


def predicted_fields(item: dict[str, Any], issue_in_volume: bool = False) -> dict[str, Any]:
    """The scored fields of a CSL-JSON item, normalised.

    AnyStyle labels have no issue: its ``volume`` spans "20(5)" and "vol. 20, no. 5".
    With ``issue_in_volume`` the predicted issue is scored as part of the volume.
    """
    raw: dict[str, list[str]] = defaultdict(list)
    for role in ("author", "editor"):
        raw[role] = [_name_text(n) for n in item.get(role, ())]
    issued = item.get("issued") or {}
    parts = issued.get("date-parts") or [[]]
    if parts and parts[0]:
        raw["year"] = [str(parts[0][0])]
    elif issued.get("literal"):
        raw["year"] = [str(issued["literal"])]
    for key in FIELDS:
        if key in item and key not in ("author", "editor"):
            raw[key] = [str(item[key])]
    if issue_in_volume and raw.get("issue"):
        raw["volume"] = raw.get("volume", []) + raw.pop("issue")
    return {k: normalise(k, raw.get(k, ())) for k in FIELDS}


def labelled_fields(record: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, list[str]] = defaultdict(list)
    for label, values in record.get("fields", {}).items():
        name = LABELS.get(label)
        if name is not None:
            raw[name].extend(values)
    return {k: normalise(k, raw.get(k, ())) for k in FIELDS}


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    labelled: Counter[str] = field(default_factory=Counter)
    exact: int = 0
    total: int = 0
    errors: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def add(self, text: str, gold: dict[str, Any], guess: dict[str, Any]) -> None:
        self.total += 1
        right = True
        for name in FIELDS:
            g, p = gold[name], guess[name]
            if g is not None:
                self.labelled[name] += 1
            if p is not None:
                self.predicted[name] += 1
            if g is not None and g == p:
                self.tp[name] += 1
            elif g is not None or p is not None:
                right = False
                self.errors.append((text, name, g, p))
        self.exact += right

    def prf(self, names: Sequence[str]) -> tuple[float, float, float]:
        tp = sum(self.tp[n] for n in names)
        predicted = sum(self.predicted[n] for n in names)
        labelled = sum(self.labelled[n] for n in names)
        p = tp / predicted if predicted else 0.0
        r = tp / labelled if labelled else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load(paths: Sequence[str], part: str) -> list[tuple[str, dict[str, Any]]]:
    """(set name, record) for every record of the chosen part."""
    out = []
    for path in paths:
        stem = Path(path).stem
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                keep = held_out(record["text"])
                if part == "train":
                    keep = not keep
                elif part == "validation":
                    keep = validation(record["text"])
                elif part == "all":
                    keep = True
                if keep:
                    out.append((f"{stem}:{record.get('set', '')}", record))
    return out


def default_parser() -> Callable[[list[str]], list[dict[str, Any]]]:
    from refcheck.parse import parse_strings, to_csl_json

    def parse(lines: list[str]) -> list[dict[str, Any]]:
        return to_csl_json(parse_strings(lines))

    return parse


def evaluate(
    records: list[tuple[str, dict[str, Any]]],
    parse: Callable[[list[str]], list[dict[str, Any]]],
) -> tuple[dict[str, Score], float]:
    by_set: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, record in records:
        by_set[name].append(record)
    scores: dict[str, Score] = {}
    elapsed = 0.0
    for name, group in sorted(by_set.items()):
        texts = [r["text"] for r in group]
        started = time.perf_counter()
        items = parse(texts)
        elapsed += time.perf_counter() - started
        if len(items) != len(texts):
            raise SystemExit(f"parser returned {len(items)} items for {len(texts)} strings")
        score = scores[name] = Score()
        for record, item in zip(group, items):
            anystyle = str(record.get("id", "")).startswith("anystyle")
            score.add(record["text"], labelled_fields(record), predicted_fields(item, anystyle))
    return scores, elapsed


def merged(scores: Iterable[Score]) -> Score:
    total = Score()
    for s in scores:
        total.tp.update(s.tp)
        total.predicted.update(s.predicted)
        total.labelled.update(s.labelled)
        total.exact += s.exact
        total.total += s.total
        total.errors.extend(s.errors)
    return total


def report(scores: dict[str, Score], groups: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for title, names in groups.items():
        chosen = [scores[n] for n in names if n in scores]
        if not chosen:
            continue
        s = merged(chosen)
        p, r, f = s.prf(FIELDS)
        out[title] = {
            "references": s.total,
            "exact": s.exact / s.total if s.total else 0.0,
            "micro": {"precision": p, "recall": r, "f1": f},
            "fields": {
                n: dict(zip(("precision", "recall", "f1"), s.prf([n])), labelled=s.labelled[n])
                for n in FIELDS
            },
        }
    return out


def print_table(results: dict[str, Any]) -> None:
    for title, result in results.items():
        print(f"\n## {title}: {result['references']} references, "
              f"exact {result['exact']:.3f}, micro-F1 {result['micro']['f1']:.3f} "
              f"(P {result['micro']['precision']:.3f}, R {result['micro']['recall']:.3f})")
        print(f"{'field':<16} {'labelled':>8} {'P':>6} {'R':>6} {'F1':>6}")
        for name, row in result["fields"].items():
            if row["labelled"] or row["precision"]:
                print(f"{name:<16} {row['labelled']:>8} {row['precision']:>6.3f} "
                      f"{row['recall']:>6.3f} {row['f1']:>6.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labelled", nargs="+", help="labelled JSONL files")
    parser.add_argument("--part", choices=("held-out", "validation", "train", "all"), default="held-out")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--errors", type=int, default=0, metavar="N",
                        help="print N wrong fields (of the first set group)")
    parser.add_argument("--field", help="with --errors, only this field")
    args = parser.parse_args(argv)
    for path in args.labelled:
        if not Path(path).is_file():
            print(f"parse_accuracy: {path}: no such file", file=sys.stderr)
            return 2
    records = load(args.labelled, args.part)
    scores, elapsed = evaluate(records, default_parser())
    names = sorted(scores)
    groups: dict[str, list[str]] = {}
    clean = [n for n in names if n.endswith((":gold", ":core"))]
    if clean:
        groups["anystyle gold+core"] = clean
    for n in names:
        if n not in clean:
            groups[n] = [n]
    grobid = [n for n in names if "grobid" in n]
    if len(grobid) > 1:
        groups["grobid (all)"] = grobid
    groups["all"] = names
    results = report(scores, groups)
    total = sum(s.total for s in scores.values())
    if args.json:
        print(json.dumps({"part": args.part, "seconds": elapsed, "results": results}, indent=2))
    else:
        print(f"{total} {args.part} references parsed in {elapsed:.2f} s "
              f"({total / elapsed if elapsed else 0:.0f}/s)")
        print_table(results)
    if args.errors:
        shown = 0
        for text, name, gold, guess in merged(scores.values()).errors:
            if args.field and name != args.field:
                continue
            print(f"\n{name}: {text}\n  labelled: {_show(gold)}\n  parsed:   {_show(guess)}")
            shown += 1
            if shown >= args.errors:
                break
    return 0


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return " ".join(sorted(f"{t}×{n}" if n > 1 else t for t, n in value))
    return repr(value)


if __name__ == "__main__":
    sys.exit(main())
