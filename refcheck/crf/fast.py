"""Labelling many reference strings at once: the CRF's best paths over numpy arrays.

CRFsuite's tagger takes one string at a time and a token's features as
strings, some twenty of them, that it looks up one by one.  Here the features
come in groups that recur (a word's own features, what a word shows its
neighbours at each offset, a token's state, the string's style, the shapes of
two neighbours: see refcheck.crf.features.walk), each group's weights are
summed once, and a token's score for each label is the sum of its nine groups'
sums.  The best paths of many strings are then found together, strings of
about the same length side by side.

The labels are CRFsuite's own: the same weights (read from the model file),
the same scores up to rounding, and the same best path (crf1d's Viterbi: no
start or end weights, the first label of a tie).  Summing in groups rounds
differently from CRFsuite, so where a decision on the best path is within
``MARGIN`` of another choice, the string is left to CRFsuite's tagger
(``best_paths`` returns None for it).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import accumulate, chain, repeat
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from refcheck.crf.features import _NONE, _PAIR_AFTER, _PAIR_BEFORE, _pair, _word, state_features, walk
from refcheck.crf.weights import Weights

__all__ = ["MARGIN", "FastLabeller"]

# Scores differ from CRFsuite's by rounding alone: at most some 3e-8 for 400 tokens with
# weights under 100 (the shipped model's are under 13); a decision closer than this is left
# to CRFsuite.
MARGIN = 1e-6
# At most this many strings are labelled side by side.
_BUCKET = 256
# The weights of at most this many groups are summed at a time.
_SUMMED = 4096
# The sums of at most this many words (800 bytes each) are kept from one batch to the next.
_MAX_WORDS = 100_000

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


class _Rows(dict[str, int]):
    """Attribute → row of the weight matrix."""

    def __init__(self, attributes: Sequence[str]) -> None:
        super().__init__(zip(attributes, range(len(attributes))))
        self.zero = len(attributes)  # the row of the strings the model does not know

    def of(self, strings: list[str]) -> list[int]:
        """The rows of ``strings``."""
        rows = list(map(self.get, strings, repeat(self.zero)))
        if "\0" in "".join(strings):
            # CRFsuite takes an attribute as a C string: up to a NUL.
            rows = [self.get(s.split("\0", 1)[0], self.zero) for s in strings]
        return rows


class FastLabeller:
    """A model's weights, ready to label many token sequences at once."""

    def __init__(self, weights: Weights) -> None:
        self.labels = list(weights.labels)
        count = len(self.labels)
        self._rows = _Rows(weights.attributes)
        matrix = np.zeros((len(weights.attributes) + 1, count))
        matrix[
            np.frombuffer(weights.state_attributes, dtype=np.uint32).astype(np.intp),
            np.frombuffer(weights.state_labels, dtype=np.uint32).astype(np.intp),
        ] = np.frombuffer(weights.state_weights, dtype=np.float64)
        self._matrix = matrix
        # transitions[i, j]: from label i to label j.
        self._transitions = np.frombuffer(weights.transitions, dtype=np.float64).reshape(count, count).copy()
        self._reset()

    def _reset(self) -> None:
        """Forget the groups met so far (they take some 1 kB a word)."""
        count = len(self.labels)
        # Each group of features met, by id, and the sum of its weights; group 0 is the empty one.
        self._groups: list[tuple[str, ...]] = [()]
        self._group_ids: dict[tuple[str, ...], int] = {(): 0}
        self._vectors = np.zeros((1, count))
        self._summed = 1
        # Each word met, by index, and the sums of its own group and of its groups seen
        # from offsets -2, -1, 1 and 2 (in _word_vectors[index, 0 … 4]).  Index 0 is no
        # word: what a token sees at an offset outside the string ("-2:none" …).
        self._words: dict[str, int] = {}
        self._new_words: list[str] = []
        self._word_vectors = np.zeros((1, 5, count))
        # Each pair of neighbouring shapes met, by index (0: none), with the ids of its
        # "-1:+0" group (the second token's) and of its "+0:+1" group (the first token's).
        self._pairs: dict[tuple[str, str], int] = {}
        self._pair_groups = array("i", [0, 0])
        self._states: dict[int, int] = {}
        self._none = [self._group(group) for group in _NONE]
        self._word_vectors[0, 1:] = self._sums(_NONE)

    def _group(self, group: tuple[str, ...]) -> int:
        found = self._group_ids.get(group)
        if found is None:
            found = self._group_ids[group] = len(self._groups)
            self._groups.append(group)
        return found

    def _word(self, word: str) -> int:
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = len(self._words) + 1
            self._new_words.append(word)
        return found

    def _pair(self, shapes: tuple[str, str]) -> int:
        found = self._pairs.get(shapes)
        if found is None:
            found = self._pairs[shapes] = len(self._pair_groups) // 2
            self._pair_groups.append(self._group((_pair(_PAIR_BEFORE, *shapes),)))
            self._pair_groups.append(self._group((_pair(_PAIR_AFTER, *shapes),)))
        return found

    def _state(self, key: int) -> int:
        found = self._states[key] = self._group(state_features(key))
        return found

    def _sums(self, groups: Sequence[tuple[str, ...]]) -> Floats:
        """The summed weights of each of ``groups`` (none empty)."""
        out = np.empty((len(groups), len(self.labels)))
        for at in range(0, len(groups), _SUMMED):
            chunk = groups[at : at + _SUMMED]
            rows = self._rows.of(list(chain.from_iterable(chunk)))
            starts = [0, *accumulate(map(len, chunk[:-1]))]
            np.add.reduceat(self._matrix[rows], starts, axis=0, out=out[at : at + _SUMMED])
        return out

    def _sum_new(self) -> None:
        """Sum the weights of the groups and words met since the last call."""
        done = self._summed
        if len(self._groups) > done:
            self._vectors = _room(self._vectors, len(self._groups))
            self._vectors[done : len(self._groups)] = self._sums(self._groups[done:])
            self._summed = len(self._groups)
        if self._new_words:
            groups = []
            for word in self._new_words:
                info = _word(word)
                groups.append(info.own)
                groups.extend(info.context)
            end = len(self._words) + 1
            self._word_vectors = _room(self._word_vectors, end)
            self._word_vectors[end - len(self._new_words) : end] = self._sums(groups).reshape(-1, 5, len(self.labels))
            self._new_words = []

    def _walk(self, sequences: Sequence[tuple[Sequence[str], Sequence[bool]]]) -> _Batch:
        """Index the groups of the tokens of the (non-empty) sequences."""
        words_at = array("i")
        state_ids = array("i")
        pairs_at = array("i")
        style_ids = []
        words_get, states_get, pairs_get = self._words.get, self._states.get, self._pairs.get
        for words, glued in sequences:
            info, style, states = walk(words, glued)
            found = list(map(words_get, words))
            if None in found:
                found = [self._word(w) if f is None else f for f, w in zip(found, words)]
            words_at.extend(found)  # type: ignore[arg-type]
            found = list(map(states_get, states))
            if None in found:
                found = [self._state(k) if f is None else f for f, k in zip(found, states)]
            state_ids.extend(found)  # type: ignore[arg-type]
            shapes = [i.shape for i in info]
            found = list(map(pairs_get, zip(shapes, shapes[1:])))
            if None in found:
                found = [self._pair(k) if f is None else f for f, k in zip(found, zip(shapes, shapes[1:]))]
            pairs_at.extend(found)  # type: ignore[arg-type]
            pairs_at.append(0)  # none after the last token
            style_ids.append(self._group(style))
        self._sum_new()
        pair_groups = np.frombuffer(self._pair_groups, dtype=np.int32).reshape(-1, 2)
        pairs = np.frombuffer(pairs_at, dtype=np.int32)
        return _Batch(
            np.frombuffer(words_at, dtype=np.int32),
            np.frombuffer(state_ids, dtype=np.int32),
            # The first token of a string has the pair index 0 of the string before it.
            pair_groups[np.roll(pairs, 1), 0],
            pair_groups[pairs, 1],
            np.array(style_ids, dtype=np.intp),
        )

    def group_strings(self, words: Sequence[str], glued: Sequence[bool]) -> list[list[tuple[str, ...]]]:
        """The groups whose sums make each token's scores (for tests: one after the other they
        must be the token's ``features``)."""
        batch = self._walk([(words, glued)])
        n = len(words)
        info = [_word(w) for w in words]
        groups = self._groups
        out = []
        for i in range(n):
            row = [info[i].own, groups[batch.states[i]], groups[batch.styles[0]]]
            for column, offset in enumerate((-2, -1, 1, 2)):
                inside = 0 <= i + offset < n
                row.append(info[i + offset].context[column] if inside else groups[self._none[column]])
            row += [groups[batch.before[i]], groups[batch.after[i]]]
            out.append(row)
        return out

    def best_paths(self, sequences: Sequence[tuple[Sequence[str], Sequence[bool]]]) -> list[list[int] | None]:
        """The best label path (label indices) of each sequence of (words, glued), or None
        where CRFsuite could choose otherwise by rounding (see MARGIN)."""
        out: list[list[int] | None] = [[] for _ in sequences]
        todo = [k for k, (words, _) in enumerate(sequences) if words]
        if not todo:
            return out
        if len(self._words) > _MAX_WORDS:
            self._reset()
        batch = self._walk([sequences[k] for k in todo])
        lengths = np.array([len(sequences[k][0]) for k in todo], dtype=np.intp)
        starts = np.cumsum(lengths) - lengths
        order = np.argsort(lengths, kind="stable")
        for at in range(0, len(order), _BUCKET):
            chunk = order[at : at + _BUCKET]
            for k, path in zip(chunk.tolist(), self._viterbi(batch, chunk, starts[chunk], lengths[chunk])):
                out[todo[k]] = path
        return out

    def _scores(self, batch: _Batch, strings: Ints, starts: Ints, lengths: Ints) -> Floats:
        """scores[t, j, b]: label j's score for token t of string b (its last token's past its end)."""
        width = int(lengths.max())
        steps = np.arange(width)
        tokens = starts[None, :] + np.minimum(steps[:, None], lengths - 1)  # (T, B)
        # The words from two before the first token to two after the last, 0 outside the string.
        around = np.arange(-2, width + 2)[:, None]
        inside = (around >= 0) & (around < lengths[None, :])
        words = self._word_vectors[np.where(inside, batch.words[starts[None, :] + np.where(inside, around, 0)], 0)]
        # A token's own groups, and what its neighbours at -2, -1, 1 and 2 show it.
        scores = words[2 : width + 2, :, 0].copy()
        for column, at in enumerate((0, 1, 3, 4)):
            scores += words[at : at + width, :, 1 + column]
        scores += self._vectors[batch.states[tokens]]
        scores += self._vectors[batch.styles[strings]]
        scores += self._vectors[batch.before[tokens]]
        scores += self._vectors[batch.after[tokens]]
        return np.ascontiguousarray(scores.transpose(0, 2, 1))

    def _viterbi(self, batch: _Batch, strings: Ints, starts: Ints, lengths: Ints) -> list[list[int] | None]:
        """Best paths of the strings whose tokens are batch[starts[b] : starts[b] + lengths[b]]."""
        scores = self._scores(batch, strings, starts, lengths)
        width, count, size = scores.shape
        transitions = np.repeat(self._transitions[:, :, None], size, axis=2)  # [i, j, b]
        # alpha[t, j, b]: the best score of a path through string b's first t + 1 tokens ending in j.
        alpha = np.empty_like(scores)
        alpha[0] = scores[0]
        each = np.empty((count, count, size))
        for t in range(1, width):
            np.add(alpha[t - 1, :, None, :], transitions, out=each)
            np.maximum.reduce(each, axis=0, out=alpha[t])
            alpha[t] += scores[t]
        columns = np.arange(size)
        last = lengths - 1
        doubtful = np.zeros(size, dtype=bool)

        def pick(choices: Floats, active: npt.NDArray[np.bool_]) -> Ints:
            """The best of each column (the first of a tie), marking those whose best is not clear."""
            best = choices.argmax(axis=0)
            top = choices[best, columns]
            choices[best, columns] = -np.inf
            doubtful[:] |= active & (top - choices.max(axis=0) < MARGIN)
            return best  # type: ignore[no-any-return]

        label = pick(alpha[last, :, columns].T.copy(), np.ones(size, dtype=bool))
        path = np.empty((width, size), dtype=np.intp)
        for t in range(width - 1, 0, -1):
            path[t] = label
            active = t <= last
            before = pick(alpha[t - 1] + self._transitions[:, label], active)
            label = np.where(active, before, label)
        path[0] = label
        rows = path.T.tolist()
        return [None if doubt else row[:n] for row, n, doubt in zip(rows, lengths.tolist(), doubtful.tolist())]


def _room(vectors: Floats, size: int) -> Floats:
    """``vectors``, or a copy with room for ``size`` of them (a quarter more than it had, at least)."""
    if size <= len(vectors):
        return vectors
    grown = np.zeros((max(size, len(vectors) * 5 // 4), *vectors.shape[1:]))
    grown[: len(vectors)] = vectors
    return grown


class _Batch(NamedTuple):
    """The groups of the tokens of a batch of strings, the tokens one after the other."""

    words: Ints  # each token's word index
    states: Ints  # each token's state group
    before: Ints  # each token's "-1:+0" pair group (0 for a string's first token)
    after: Ints  # each token's "+0:+1" pair group (0 for a string's last token)
    styles: Ints  # each string's style group
