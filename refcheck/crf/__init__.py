"""The learned reference labeller: a linear-chain CRF over the tokens of a reference.

The model (``reference.crfsuite``, trained by ``python -m refcheck.training``)
labels each token with a field; ``label_spans`` turns the labels into spans of
the string, one per field occurrence.  Names, dates and identifiers inside the
spans are read by the rule-based code (refcheck.names, refcheck.dates,
refcheck.references.identifiers).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from refcheck.crf.features import features
from refcheck.crf.labels import OTHER
from refcheck.crf.tokens import tokenize

__all__ = ["MODEL", "Labeller", "default_labeller", "label_spans"]

MODEL = Path(__file__).resolve().parent / "reference.crfsuite"
# REFCHECK_CRF=0 uses the rule-based reader only (for comparison); REFCHECK_CRF=PATH
# uses the model at PATH instead of the shipped one (to measure a newly trained one).
_ENV = "REFCHECK_CRF"


class Labeller:
    """A loaded model."""

    def __init__(self, path: Path = MODEL) -> None:
        import pycrfsuite

        self._tagger: Any = pycrfsuite.Tagger()
        self._tagger.open(str(path))

    def label(self, text: str) -> list[tuple[str, int, int]]:
        """The fields of ``text`` as (label, start, end), in reading order.

        A field's tokens run together, with the punctuation between them: OTHER
        tokens between two tokens of one label belong to the field.
        """
        tokens = tokenize(text)
        if not tokens:
            return []
        labels = self._tagger.tag(features(tokens))
        spans: list[tuple[str, int, int]] = []
        for token, label in zip(tokens, labels):
            if label == OTHER:
                continue
            if spans and spans[-1][0] == label:
                spans[-1] = (label, spans[-1][1], token.end)
            else:
                spans.append((label, token.start, token.end))
        return spans


@functools.cache
def default_labeller() -> Labeller | None:
    """The shipped model, or None when it is missing or switched off (REFCHECK_CRF=0)."""
    setting = os.environ.get(_ENV, "")
    if setting == "0":
        return None
    path = Path(setting) if setting and setting != "1" else MODEL
    if not path.exists():
        return None
    try:
        return Labeller(path)
    except (ImportError, OSError):
        return None


def label_spans(text: str) -> list[tuple[str, int, int]] | None:
    """The labelled fields of one reference string, or None without a model."""
    labeller = default_labeller()
    return None if labeller is None else labeller.label(text)
