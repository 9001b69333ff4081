"""The weights of a CRFsuite model, read straight from its file.

refcheck.crf.fast labels many strings at once with these weights instead of
CRFsuite's tagger, so it needs them exactly as CRFsuite keeps them: doubles,
not the six decimals that ``pycrfsuite.Tagger().info()`` prints (which also
takes a quarter of a second).  The file is read as CRFsuite's CRF1d model
writer lays it out (crf1d_model.c: a header, the string databases of the
labels and the attributes, and the features as (type, source, target,
weight) records); reading the shipped 2.3 MB model takes some 20 ms, so a
newly trained model needs no further step.
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path
from typing import NamedTuple

__all__ = ["Weights", "read_model"]


class Weights(NamedTuple):
    """A CRFsuite model's weights."""

    labels: list[str]
    attributes: list[str]
    # State weights, one per (attribute, label) pair the model has: attribute ids, label ids, weights.
    state_attributes: array[int]
    state_labels: array[int]
    state_weights: array[float]
    # transitions[i * len(labels) + j]: from label i to label j; 0.0 where the model has none.
    transitions: array[float]


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    """The strings of a CRFsuite string database (CQDB) at ``offset``, by id."""
    if data[offset : offset + 4] != b"CQDB":
        raise ValueError("not a CRFsuite model: no string database where the header says")
    out = [""] * count
    at = offset + 24 + 256 * 8  # the header and the hash-table references come first
    for _ in range(count):
        key_id, size = struct.unpack_from("<iI", data, at)
        out[key_id] = data[at + 8 : at + 7 + size].decode("utf-8")  # without the closing NUL
        at += 8 + size
    return out


def read_model(model: Path) -> Weights:
    """The weights of a CRFsuite model file (CRF1d, as python-crfsuite's Trainer writes it)."""
    data = model.read_bytes()
    if data[:4] != b"lCRF" or data[8:12] != b"FOMC":
        raise ValueError("not a CRFsuite CRF1d model")
    labels_count, attributes_count, features_at, labels_at, attributes_at = struct.unpack_from("<5I", data, 20)
    labels = _strings(data, labels_at, labels_count)
    attributes = _strings(data, attributes_at, attributes_count)
    if data[features_at : features_at + 4] != b"FEAT":
        raise ValueError("not a CRFsuite model: no features where the header says")
    (count,) = struct.unpack_from("<I", data, features_at + 8)
    state_attributes, state_labels, state_weights = array("I"), array("I"), array("d")
    transitions = array("d", bytes(8 * labels_count * labels_count))
    records = data[features_at + 12 : features_at + 12 + 20 * count]
    for kind, source, target, weight in struct.iter_unpack("<IIId", records):
        if kind == 0:  # a state feature: attribute → label
            state_attributes.append(source)
            state_labels.append(target)
            state_weights.append(weight)
        elif kind == 1:  # a transition: label → label
            transitions[source * labels_count + target] = weight
    return Weights(labels, attributes, state_attributes, state_labels, state_weights, transitions)
