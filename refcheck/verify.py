"""Does each reference exist, and are its metadata right? Lookups in Crossref and OpenAlex."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Outcome(enum.Enum):
    FOUND = "found"  # a confident match
    NOT_FOUND = "not-found"  # no candidate close enough
    MISMATCH = "mismatch"  # the reference's DOI resolves to a work that differs from it
    UNCHECKED = "unchecked"  # the lookup failed (network, server error): nothing to say


@dataclass(frozen=True, slots=True)
class Work:
    """A candidate record from Crossref or OpenAlex, reduced to what is compared."""

    source: str  # "crossref" or "openalex"
    title: str
    families: tuple[str, ...]  # the authors' family names (or organisations), in order
    year: int | None
    container: str
    doi: str
    retraction: str = ""  # the notice, when the record says the work is retracted or withdrawn


@dataclass(frozen=True, slots=True)
class Verification:
    """What the lookups said about one reference (``reference`` indexes the checked list)."""

    reference: int
    outcome: Outcome
    work: Work | None = None
    score: float = 0.0
    mismatches: tuple[tuple[str, str, str], ...] = ()  # (field, ours, theirs)
    detail: str = ""
