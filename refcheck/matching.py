"""Pair citations with references: exact lookups by normalised family name, fuzzy only on candidates."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from refcheck.dates import same_date
from refcheck.model import (
    Citation,
    CitationKind,
    Date,
    Discrepancy,
    Match,
    Name,
    Reference,
    State,
)
from refcheck.names import PARTICLES, name_key

# A discrepancy about authors costs less than one about the date; an author
# the reference does not have at all costs most.  The cheapest candidate wins.
_COST = {
    "misspelled": 1,
    "given-name": 1,
    "author-order": 1,
    "et-al": 1,
    "author-missing": 2,
    "author-extra": 3,
    "author-unknown": 3,
    "date": 3,
}
_AUTHOR_KINDS = frozenset(_COST) - {"date"}

# The key of ``\nocite{*}`` and of pandoc's ``nocite: '@*'``: a cite of every entry of the
# bibliographic files, which BibTeX and pandoc then list whether cited or not.
EVERY_ENTRY = "*"


@lru_cache(maxsize=65536)
def family_key(text: str) -> str:
    """``names.name_key``, cached: the same few names are looked up again and again."""
    return name_key(text)


def _acronym(literal: str) -> str:
    words = [w for w in literal.replace("-", " ").split() if w[:1].isupper()]
    return "".join(w[0] for w in words).casefold() if len(words) >= 2 else ""


def family_as_written(name: Name) -> str:
    """How a citation should write this author: family name with its particle, or the literal."""
    if name.literal:
        return name.literal
    return f"{name.particle} {name.family}" if name.particle else name.family


class _Author:
    """One reference author, with the keys a citation may use for them."""

    __slots__ = ("name", "key", "acronym", "given")

    def __init__(self, name: Name) -> None:
        self.name = name
        self.key = family_key(name.literal or name.family)
        self.acronym = _acronym(name.literal) if name.literal else ""
        words = name.given.replace("-", " ").replace(".", " ").split()
        self.given = frozenset(k for k in (family_key(w) for w in words) if len(k) > 1)

    def is_named_by(self, key: str) -> bool:
        return key == self.key or (bool(self.acronym) and key == self.acronym)


def near(cited: str, listed: str) -> bool:
    """Whether a cited family-name key is a small slip away from a listed one."""
    from rapidfuzz.distance import OSA

    if min(len(cited), len(listed)) < 3 or cited == listed:
        return False
    limit = 1 if max(len(cited), len(listed)) <= 5 else 2
    return OSA.distance(cited, listed, score_cutoff=limit) <= limit


class Index:
    """References indexed by the keys of their authors' names.

    The family-name index is built at once; the detailed author records and
    the index of given names serve only the slow path (a citation with no
    exact match), so they are built on first use.
    """

    def __init__(self, references: Sequence[Reference]) -> None:
        self.references = references
        self.families = [tuple(family_key(n.literal or n.family) for n in ref.authors) for ref in references]
        self.by_first: dict[str, list[int]] = defaultdict(list)
        for index, (ref, families) in enumerate(zip(references, self.families)):
            if families:
                self.by_first[families[0]].append(index)
                if ref.authors[0].literal and (acronym := _acronym(ref.authors[0].literal)):
                    self.by_first[acronym].append(index)
        self._authors: dict[int, tuple[_Author, ...]] = {}
        self._by_any: dict[str, list[int]] | None = None
        self._keys: list[str] | None = None

    def authors(self, index: int) -> tuple[_Author, ...]:
        found = self._authors.get(index)
        if found is None:
            found = self._authors[index] = tuple(_Author(n) for n in self.references[index].authors)
        return found

    @property
    def by_any(self) -> dict[str, list[int]]:
        """Every key an author may be cited by (family, acronym, given names) → references."""
        if self._by_any is None:
            self._by_any = defaultdict(list)
            for index in range(len(self.references)):
                for author in self.authors(index):
                    for key in (author.key, author.acronym, *author.given):
                        if key and index not in self._by_any[key][-1:]:
                            self._by_any[key].append(index)
        return self._by_any

    def exact(self, index: int, citation: Citation, keys: tuple[str, ...]) -> bool:
        """Whether ``citation`` names reference ``index`` exactly: the fast path of matching."""
        families = self.families[index]
        if citation.et_al:
            if not (len(families) > len(keys) and len(families) != 2 and families[: len(keys)] == keys):
                return False
        elif families != keys:
            return False
        listed = self.references[index].issued
        return citation.date is None or (listed is not None and same_date(citation.date, listed))

    def candidates(self, key: str) -> list[int]:
        found = dict.fromkeys(self.by_first.get(key, ()))
        found.update(dict.fromkeys(self.by_any.get(key, ())))
        return list(found)

    def fuzzy_candidates(self, key: str) -> list[int]:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if self._keys is None:
            self._keys = sorted(self.by_any)
        found: dict[int, None] = {}
        hits = process.extract(key, self._keys, scorer=OSA.distance, score_cutoff=2, limit=8)
        for other, _score, _ in hits:
            if near(key, other):
                found.update(dict.fromkeys(self.by_any[other]))
        return list(found)


def compare(citation: Citation, keys: Sequence[str], authors: Sequence[_Author],
            reference: Reference) -> tuple[int, tuple[Discrepancy, ...]]:
    """The cost of reading ``citation`` as a cite of ``reference``, and what differs."""
    found: list[Discrepancy] = []
    used: set[int] = set()
    for position, key in enumerate(keys):
        if position < len(authors) and authors[position].is_named_by(key):
            used.add(position)
            continue
        if position < len(authors) and near(key, authors[position].key):
            used.add(position)
            found.append(Discrepancy("misspelled", family_as_written(authors[position].name), position))
            continue
        if position < len(authors) and key in authors[position].given:
            used.add(position)
            found.append(Discrepancy("given-name", family_as_written(authors[position].name), position))
            continue
        other = next(
            (i for i, a in enumerate(authors) if i not in used and (a.is_named_by(key) or near(key, a.key))),
            None,
        )
        if other is not None:
            used.add(other)
            found.append(Discrepancy("author-order", family_as_written(authors[other].name), position))
            continue
        kind = "author-extra" if position >= len(authors) else "author-unknown"
        expected = family_as_written(authors[position].name) if position < len(authors) else ""
        found.append(Discrepancy(kind, expected, position))
    if citation.et_al:
        if len(authors) <= len(keys):
            found.append(Discrepancy("et-al", ", ".join(family_as_written(a.name) for a in authors)))
        elif len(authors) == 2:
            found.append(Discrepancy("et-al", " and ".join(family_as_written(a.name) for a in authors)))
    elif len(keys) < len(authors):
        dropped = [family_as_written(a.name) for i, a in enumerate(authors) if i not in used]
        found.append(Discrepancy("author-missing", ", ".join(dropped)))
    if citation.date is not None:
        listed = reference.issued
        if listed is None or not same_date(citation.date, listed):
            found.append(Discrepancy("date", str(listed) if listed is not None else "no date"))
    return sum(_COST[d.kind] for d in found), tuple(found)


def _acceptable(discrepancies: Sequence[Discrepancy], keys: Sequence[str]) -> bool:
    kinds = {d.kind for d in discrepancies}
    if "author-unknown" in kinds or "author-extra" in kinds:
        return False
    # A citation whose authors and date both differ names some other work.
    if "date" in kinds and kinds & _AUTHOR_KINDS:
        return False
    return bool(keys)


def match(citations: Sequence[Citation], references: Sequence[Reference]) -> list[Match]:
    """One Match per citation, in order."""
    index = Index(references)
    numbered = {ref.number: i for i, ref in enumerate(references) if ref.number is not None}
    if not numbered:
        # Unlabelled entries are numbered in list order; entries of a bibliographic file
        # have no number, and are found by their keys.
        listed = [i for i, ref in enumerate(references) if ref.origin is None]
        numbered = {n: i for n, i in enumerate(listed, 1)}
    keyed = {ref.key: i for i, ref in reversed(list(enumerate(references))) if ref.key}
    results: list[Match] = []
    # A match depends only on the cited names, et al. and date: an article cites the same
    # work in the same words many times, and each is matched once.
    seen: dict[tuple[tuple[str, ...], bool, Date | None], Match] = {}
    for position, citation in enumerate(citations):
        if citation.kind is CitationKind.NUMERIC:
            target = numbered.get(citation.number) if citation.number is not None else None
            state = State.UNRESOLVED if target is None else State.MATCHED
            results.append(Match(position, target, state))
        elif citation.kind is CitationKind.AUTHOR_DATE:
            key = (citation.authors, citation.et_al, citation.date)
            found = seen.get(key)
            if found is None:
                found = seen[key] = _match_author_date(position, citation, index)
            else:
                found = dataclasses.replace(found, citation=position)
            results.append(found)
        elif citation.key == EVERY_ENTRY:
            results.append(Match(position, None, State.MATCHED))  # every entry, none in particular
        else:
            target = keyed.get(citation.key)
            results.append(Match(position, target, State.UNRESOLVED if target is None else State.MATCHED))
    return results


def _match_author_date(position: int, citation: Citation, index: Index) -> Match:
    keys = tuple(k for k in (family_key(a) for a in citation.authors) if k)
    if not keys:
        return Match(position, None, State.UNRESOLVED)
    # Fast path: an exact match has the citation's first author first.
    exact = [i for i in index.by_first.get(keys[0], ()) if index.exact(i, citation, keys)]
    if len(exact) == 1:
        return Match(position, exact[0], State.MATCHED)
    if exact:
        return Match(position, exact[0], State.POSSIBLE, (), tuple(exact))
    scored = _score(citation, keys, index, index.candidates(keys[0]))
    if not any(cost == 0 for cost, _, _ in scored):
        # Fuzzy search only when the exact lookup found nothing that fits.
        seen = {i for _, i, _ in scored}
        extra = [i for i in index.fuzzy_candidates(keys[0]) if i not in seen]
        if extra:
            scored = sorted(scored + _score(citation, keys, index, extra), key=lambda t: (t[0], t[1]))
    accepted = [(cost, i, d) for cost, i, d in scored if _acceptable(d, keys)]
    if not accepted:
        nearest = tuple(i for _, i, _ in scored[:1])
        return Match(position, None, State.UNRESOLVED, candidates=nearest)
    best_cost = accepted[0][0]
    best = [(i, d) for cost, i, d in accepted if cost == best_cost]
    reference, discrepancies = best[0]
    if best_cost == 0 and len(best) > 1:
        return Match(position, reference, State.POSSIBLE, (), tuple(i for i, _ in best))
    state = State.MATCHED if not discrepancies else State.POSSIBLE
    return Match(position, reference, state, discrepancies)


def _score(citation: Citation, keys: Sequence[str], index: Index,
           candidates: Sequence[int]) -> list[tuple[int, int, tuple[Discrepancy, ...]]]:
    scored = []
    for i in candidates:
        authors = index.authors(i)
        if not authors:
            continue
        cost, found = compare(citation, keys, authors, index.references[i])
        scored.append((cost, i, found))
    scored.sort(key=lambda item: (item[0], item[1]))
    return scored


def written_like(written: str, name: Name) -> str:
    """The reference's spelling of ``name``, keeping a particle only if the citation wrote one."""
    first = written.split(maxsplit=1)[0].casefold() if written.strip() else ""
    if name.particle and first in PARTICLES:
        return f"{name.particle} {name.family}"
    return name.literal or name.family
