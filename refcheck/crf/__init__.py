"""The learned reference labeller: a linear-chain CRF over the tokens of a reference.

The model (``reference.crfsuite``, trained by ``python -m refcheck.training``)
labels each token with a field; ``label_spans`` turns the labels into spans of
the string, one per field occurrence.  Names, dates and identifiers inside the
spans are read by the rule-based code (refcheck.names, refcheck.dates,
refcheck.references.identifiers).

``label_many`` labels a list: a short one string by string with CRFsuite's
tagger, a long one all at once with numpy (refcheck.crf.fast), which gives the
same labels several times faster once numpy and the weights are loaded.
"""

from __future__ import annotations

import functools
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from refcheck.crf.features import features
from refcheck.crf.labels import OTHER
from refcheck.crf.tokens import split, tokenize

if TYPE_CHECKING:
    from refcheck.crf.fast import FastLabeller

__all__ = ["MODEL", "Labeller", "default_labeller", "label_many", "label_spans"]

MODEL = Path(__file__).resolve().parent / "reference.crfsuite"
# REFCHECK_CRF=0 uses the rule-based reader only (for comparison); REFCHECK_CRF=PATH
# uses the model at PATH instead of the shipped one (to measure a newly trained one).
_ENV = "REFCHECK_CRF"


# From this many strings on, label_many labels them together with numpy (refcheck.crf.fast):
# importing numpy and reading the weights take some 0.15 s, which CRFsuite's tagger (about
# 0.3 ms a string with its features) would not save below this.
BATCH = 600
# Once numpy and the weights are loaded, from this many strings on.
_LOADED_BATCH = 16
# label_many labels at most this many strings at a time (to bound the memory it takes).
_CHUNK = 2048


class Labeller:
    """A loaded model."""

    def __init__(self, path: Path = MODEL) -> None:
        import pycrfsuite

        self._path = path
        self._tagger: Any = pycrfsuite.Tagger()
        self._tagger.open(str(path))
        self._fast: FastLabeller | None = None
        self._fast_tried = False

    def label(self, text: str) -> list[tuple[str, int, int]]:
        """The fields of ``text`` as (label, start, end), in reading order.

        A field's tokens run together, with the punctuation between them: OTHER
        tokens between two tokens of one label belong to the field.
        """
        tokens = tokenize(text)
        if not tokens:
            return []
        labels = self._tagger.tag(features(tokens))
        return _spans(labels, [t.start for t in tokens], [t.text for t in tokens], OTHER)

    def label_many(self, texts: Sequence[str], batch: int = BATCH) -> list[list[tuple[str, int, int]]]:
        """``label`` of each of ``texts``; with ``batch`` strings or more, all at once (faster),
        and so from ``_LOADED_BATCH`` strings on once the weights are loaded for that."""
        wanted = len(texts) >= batch or (self._fast is not None and len(texts) >= _LOADED_BATCH)
        fast = self._fast_labeller() if wanted else None
        if fast is None:
            return [self.label(text) for text in texts]
        labels = fast.labels
        other = labels.index(OTHER) if OTHER in labels else -1
        out = []
        for at in range(0, len(texts), _CHUNK):
            chunk = texts[at : at + _CHUNK]
            split_texts = [split(text) for text in chunk]
            sequences = [(words, _glued(spaced)) for words, _, spaced in split_texts]
            for text, (words, starts, _), path in zip(chunk, split_texts, fast.best_paths(sequences)):
                if path is None:  # a near tie: CRFsuite's own rounding decides
                    out.append(self.label(text))
                else:
                    out.append([(labels[k], s, e) for k, s, e in _spans(path, starts, words, other)])
        return out

    def _fast_labeller(self) -> FastLabeller | None:
        """The model's weights for labelling many strings at once, or None where they cannot
        be had (no numpy, a model file laid out otherwise than this reader knows)."""
        if not self._fast_tried:
            self._fast_tried = True
            try:
                from refcheck.crf.fast import FastLabeller
                from refcheck.crf.weights import read_model

                fast = FastLabeller(read_model(self._path))
            except (ImportError, OSError, ValueError, IndexError, struct.error):
                return None
            if fast.labels == self._tagger.labels():
                self._fast = fast
        return self._fast


def _glued(spaced: list[bool]) -> list[bool]:
    """Whether each token follows the one before without a space (False for the first)."""
    glued = [not space for space in spaced]
    if glued:
        glued[0] = False
    return glued


Label = TypeVar("Label", str, int)


def _spans(
    labels: Iterable[Label], starts: Sequence[int], words: Sequence[str], other: Label
) -> list[tuple[Label, int, int]]:
    """The runs of tokens of one label as (label, start, end); ``other`` tokens between two of
    one label belong to the run."""
    spans: list[tuple[Label, int, int]] = []
    last = other
    for label, start, word in zip(labels, starts, words):
        if label == other:
            continue
        if label == last:
            spans[-1] = (label, spans[-1][1], start + len(word))
        else:
            spans.append((label, start, start + len(word)))
            last = label
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


def label_many(texts: Sequence[str]) -> list[list[tuple[str, int, int]]] | None:
    """``label_spans`` of each of ``texts`` (faster for many), or None without a model."""
    labeller = default_labeller()
    return None if labeller is None else labeller.label_many(texts)
