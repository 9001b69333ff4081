"""Generate the training corpus and train the reference labeller: one seeded command.

    python -m refcheck.training --labelled ../shared/data [--out refcheck/crf/reference.crfsuite]

The corpus of made-up records rendered through CSL styles is cached in
``--cache`` (default ~/.cache/refcheck); the labelled strings (AnyStyle and
GROBID data, read from ``--labelled``) join the training set except the
held-out fifth, which only bench/parse_accuracy.py reads.  ``--labelled none``
trains on the generated corpus alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from refcheck.crf.features import features
from refcheck.crf.labels import OTHER, tighten, token_labels
from refcheck.crf.tokens import Token, tokenize
from refcheck.training.corpus import generate, read_corpus
from refcheck.training.split import held_out, validation

_DEFAULT_OUT = Path(__file__).resolve().parent.parent / "crf" / "reference.crfsuite"
# CSL styles refcheck wrote for training: references typed by hand (see styles/training).
_OWN_STYLES = Path(__file__).resolve().parent.parent.parent / "styles" / "training"


def corpus_sequences(path: Path) -> Iterator[tuple[list[Token], list[str]]]:
    """Tokens and token labels of the generated corpus."""
    for text, runs in read_corpus(path):
        chars = [""] * len(text)
        for start, end, label in runs:
            chars[start:end] = [label] * (end - start)
        tokens = tokenize(text)
        labels: list[str] = []
        which: list[int] = []
        for token in tokens:
            counted = Counter(chars[token.start : token.end])
            label, count = counted.most_common(1)[0]
            if label == "" and count * 2 == token.end - token.start and len(counted) > 1:
                label = next(k for k in counted if k)  # a tie goes to the field
            labels.append(label or OTHER)
            which.append(hash(label) if label else -1)
        # Consecutive tokens with one label form a span; the punctuation at its edges is OTHER.
        runs_of: list[int] = []
        run = 0
        for i, label in enumerate(labels):
            if i and label != labels[i - 1]:
                run += 1
            runs_of.append(run if label != OTHER else -1)
        yield tokens, tighten(tokens, labels, runs_of)


def labelled_sequences(folder: Path, validate: bool = False) -> Iterator[tuple[list[Token], list[str]]]:
    """Tokens and token labels of the labelled strings that are not held out (nor, with
    ``validate``, in the validation fifth)."""
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                text = record["text"]
                if held_out(text) or (validate and validation(text)):
                    continue
                tokens = tokenize(text)
                labels = token_labels(text, tokens, record["spans"])
                if labels is not None and tokens:
                    yield tokens, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refcheck.training", description=__doc__.split("\n\n")[0])
    parser.add_argument("--labelled", required=True, help="folder of labelled *.jsonl, or 'none'")
    parser.add_argument("--size", type=int, default=30000, help="generated records (default 30000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "refcheck")
    parser.add_argument("--out", type=Path, default=_DEFAULT_OUT)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--c1", type=float, default=1.0)
    parser.add_argument("--c2", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--use", type=int, default=None, metavar="N",
                        help="train on the first N generated records only (default: all)")
    parser.add_argument("--own", type=int, default=3000, metavar="N",
                        help="records rendered through styles/training (default 3000)")
    parser.add_argument("--labelled-weight", type=int, default=3, metavar="K",
                        help="repeat each labelled string K times (default 3): real references "
                        "count more than made-up ones")
    parser.add_argument("--validate", action="store_true",
                        help="also keep the validation fifth out of training, to compare settings "
                        "with bench/parse_accuracy.py --part validation")
    args = parser.parse_args(argv)
    import pycrfsuite

    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    corpus = generate(args.size, args.seed, args.cache, args.workers, log)
    log(f"corpus: {corpus}")
    trainer = pycrfsuite.Trainer(verbose=False)
    sequences = list(corpus_sequences(corpus))[: args.use]
    log(f"{len(sequences)} generated sequences")
    own_styles = sorted(_OWN_STYLES.glob("*.csl"))
    if args.own and own_styles:
        own = generate(args.own, args.seed, args.cache, args.workers, log, own_styles)
        sequences += list(corpus_sequences(own))
        log(f"{len(sequences)} with the records in refcheck's own styles")
    if args.labelled != "none":
        folder = Path(args.labelled)
        if not folder.is_dir():
            print(f"refcheck.training: {folder}: not a folder", file=sys.stderr)
            return 2
        labelled = list(labelled_sequences(folder, args.validate))
        log(f"{len(labelled)} labelled sequences")
        sequences += labelled * args.labelled_weight
    random.Random(args.seed).shuffle(sequences)
    for tokens, labels in sequences:
        trainer.append(features(tokens), labels)
    log("features done")
    trainer.set_params(
        {
            "c1": args.c1,
            "c2": args.c2,
            "max_iterations": args.iterations,
            "feature.possible_transitions": True,
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".partial")
    trainer.train(str(partial))
    partial.replace(args.out)
    log(f"model: {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
