"""Personal and organisation names: matching keys, name dictionaries and author-list parsing."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from refcheck.model import Name, Span
from refcheck.prefilter import lowered

_DATA = Path(__file__).parent / "data"

# Lower-case name particles (CSL "non-dropping-particle").  Multi-word
# particles are listed too so that callers can test a whole phrase.
PARTICLES: frozenset[str] = frozenset(
    {
        "van", "von", "de", "der", "den", "du", "da", "di", "del", "della", "dei", "degli",
        "la", "le", "ten", "ter", "te", "dos", "das", "do", "des", "zu", "zum", "zur", "op",
        "het", "'t", "y", "al", "el", "bin", "ibn", "st", "af", "av",
        "van der", "van den", "van de", "van het", "von der", "von dem", "von und zu",
        "de la", "de las", "de los", "de l'", "van 't", "in 't", "del la", "da la",
    }
)
# Words that may form a particle; a particle is a run of them written lower-case.
_PARTICLE_WORDS = frozenset(w for p in PARTICLES for w in p.split())

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd", "jnr", "snr"})

# Words that make a chunk of an author list an organisation rather than a person.
_ORG_WORDS = frozenset(
    """
    organization organisation association institute institut institution university universität
    université universidad college school society department ministry ministère ministerium agency
    council commission foundation stiftung committee bureau office group centre center corporation
    inc inc. ltd ltd. llc plc company co. network board federation union bank trust service services
    government programme program party team consortium project initiative authority administration
    alliance coalition forum fund panel network news post times guardian telegraph press herald
    tribune gazette journal review magazine broadcasting radio television tv channel politics
    conversation online daily weekly observer economist chronicle reuters wikipedia unit laboratory
    laboratories labs library museum archive archives statistics nations academy academies court
    parliament senate congress assembly cabinet police hospital clinic trust census collaboration
    working
    """.split()
)
# Lower-case function words inside a capitalised phrase mark an institution's name.
_ORG_PHRASE = re.compile(r"\b(?:of|for|on|the|and|und|für|pour)\b")
# Capitalised prefixes that belong to the family name ("Ó Súilleabháin", "Mac Giolla").
_FAMILY_PREFIXES = frozenset({"Ó", "Ní", "Nic", "Mac", "Mc", "Ua", "Uí", "Abu", "Ibn", "Bin"})

# Lower-case Latin-script letters that begin genuine given-name abbreviations ("Th.", "Ch.", "Wm.")
_ABBREVIATED_GIVEN = frozenset({"th.", "ch.", "wm.", "jos.", "geo.", "chas.", "thos.", "jas.", "ph."})

# Separators of an author list.  Conjunctions in several languages, then
# commas and semicolons.  Each alternative is a fixed string, so it is linear.
# Leading spaces are left to the chunk trimming: a pattern starting with "\s*"
# would rescan a long run of spaces from every position in it.
#
# It reads   [,;]\s*(?:(?:and|&|und|et|y|e|en|og|och|i|и)\s+)?
#            |(?<=\s)(?:and|&|und|et|y|e|en|og|och|и)\s+
#            |&\s*
# but is written so that every alternative starts with a literal character, which
# lets the engine skip in C to the next possible start instead of trying each
# position: the lookbehind moves after the first character ("a(?<=\sa)nd" holds
# where "(?<=\s)and" does), and the alternatives keep their order.
_CONJUNCTION_AFTER_SEPARATOR = r"(?:(?:and|&|und|et|y|e|en|og|och|i|и)\s+)?"
_SEPARATOR = re.compile(
    rf",\s*{_CONJUNCTION_AFTER_SEPARATOR}|;\s*{_CONJUNCTION_AFTER_SEPARATOR}|"
    + "|".join(f"{w[0]}(?<=\\s{w[0]}){w[1:]}\\s+" for w in "and|&|und|et|y|e|en|og|och|и".split("|"))
    + r"|&\s*"
)
_ET_AL = re.compile(
    r"(?:^|(?<=\s)|(?<=,))(?:et\s*al\b\.?|et\s+alii\b|and\s+others\b|u\.\s*a\.|et\s+coll?\b\.?|"
    r"m\.\s*fl\.|e\.a\.)",
    re.IGNORECASE,
)
# Every match of _ET_AL, lower-cased (see prefilter), holds a match of this
# case-sensitive pattern, which the engine finds fast: its alternatives start with letters.
_MAY_BE_ET_AL = re.compile(r"et\s*al|and\s+others|u\.\s*a\.|et\s+col|m\.\s*fl\.|e\.a\.")
# Editor and role markers that may trail a name in an author or editor list.
_ROLE = re.compile(
    r"(?:\((?:eds?|Eds?|EDS?|Hrsg|Hg|hg|dir|coord|comp|trans|Trans|éds?|Éds?|red|Red)\.?\)|"
    r"\b(?:eds?|Eds?|Hrsg|Hg|hg|dir|éds?)\.)\s*$"
)
# The longest marker _ROLE matches before its trailing spaces: "(coord.)", "(trans.)".
_ROLE_REACH = 8
_WORD = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['’]s?$")
_INITIAL_SEPARATORS = re.compile(r"[.\-‐]")
_HYPHENS = re.compile(r"[-‐]")
_CONJUNCTION = re.compile(r"\b(?:and|und|et|y|e|en)\b|&")

# The word tests below are pure functions of one short string, and an author
# list asks them about the same words again and again (every "J." and "Smith"
# of a 20,000-entry list): they are cached.  Bounded, so that a long-running
# process reading many lists keeps a fixed amount of memory.
_WORD_CACHE = 1 << 16


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _letters(text: str) -> str:
    return "".join(c for c in _fold(text) if c.isalnum())


@functools.lru_cache(maxsize=_WORD_CACHE)
def name_key(text: str) -> str:
    """The matching key for a family name.

    Case, diacritics, apostrophes, hyphens, spaces and other punctuation are
    dropped, as is a possessive "'s"; leading particles are dropped only when
    something remains ("van der Berg" -> "berg", "Van" -> "van").
    """
    folded = _fold(text).strip()
    folded = _POSSESSIVE.sub("", folded) if len(folded) > 2 else folded
    words = folded.replace("’", "'").split()
    while len(words) > 1 and words[0] in _PARTICLE_WORDS:
        words = words[1:]
    return "".join(c for c in "".join(words) if c.isalnum())


@functools.cache
def _dictionary(filename: str) -> frozenset[str]:
    try:
        lines = (_DATA / filename).read_text(encoding="utf-8").splitlines()
    except OSError:
        # The dictionaries only sharpen guesses: without them, names still parse.
        return frozenset()
    return frozenset(_letters(line) for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=_WORD_CACHE)
def is_initials(word: str) -> bool:
    """Whether ``word`` is an initial or a run of them: "J.", "J", "JA", "J.-P.", "É."."""
    word = word.strip(",;")
    if not word or len(word) > 12:
        return False
    if word.casefold() in _ABBREVIATED_GIVEN:
        return True
    if "." not in word and "-" not in word:
        # Undotted runs are Vancouver initials ("JA"); longer runs are acronyms.
        return len(word) <= 3 and word.isalpha() and word.isupper()
    pieces = [p for p in _INITIAL_SEPARATORS.split(word) if p]
    return bool(pieces) and len(pieces) <= 4 and all(len(p) == 1 and p.isupper() for p in pieces)


@functools.lru_cache(maxsize=_WORD_CACHE)
def is_given_name(word: str) -> bool:
    """Whether ``word`` is a known given name or initials (case- and diacritic-insensitive)."""
    word = word.strip(" ,;.")
    if not word:
        return False
    if is_initials(word) or is_initials(word + "."):
        return True
    names = _dictionary("given_names.txt")
    if _letters(word) in names:
        return True
    parts = [p for p in _HYPHENS.split(word) if p]
    return len(parts) > 1 and all(_letters(p) in names or is_initials(p) for p in parts)


@functools.lru_cache(maxsize=_WORD_CACHE)
def is_family_name(word: str) -> bool:
    """Whether ``word`` is one of the very common family names in the dictionary."""
    word = word.strip(" ,;.")
    return bool(word) and _letters(word) in _dictionary("family_names.txt")


# --- Splitting a list into chunks ------------------------------------------------------


def _chunks(text: str) -> list[tuple[int, int]]:
    """Split an author list at commas, semicolons and conjunctions; stop at "et al."."""
    stop = len(text)
    et_al = _ET_AL.search(text) if _MAY_BE_ET_AL.search(lowered(text)) is not None else None
    if et_al is not None:
        stop = et_al.start()
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in _SEPARATOR.finditer(text, 0, stop):
        sep_start, sep_end = m.span()
        # Only the conjunction "y" strips to "y" or "i" (no separator starts with "i").
        if sep_start == sep_end or (text[sep_start] == "y" and _joins_family(text, pos, m, stop)):
            continue
        pieces.append((pos, sep_start))
        pos = sep_end
    pieces.append((pos, stop))
    out: list[tuple[int, int]] = []
    for start, end in pieces:
        # Trim spaces and stray punctuation, but keep the full stop of an initial.
        # (lstrip and rstrip drop the same characters as a loop over them would.)
        rest = text[start:end].lstrip(" \t\n\u00a0.,;:(")
        start = end - len(rest)
        chunk = rest.rstrip(" \t\n\u00a0,;:")  # text[start:end] once trimmed
        end = start + len(chunk)
        if len(chunk) > 1 and chunk[-1] == "." and not _ends_in_initial_or_abbrev(chunk):
            end -= 1
        if end > start:
            out.append((start, end))
    return _rejoin_organisations(text, out)


_NEXT_FAMILY = re.compile(r"[^\W\d_][\w'’-]{0,60},")


def _joins_family(text: str, pos: int, m: re.Match[str], stop: int) -> bool:
    """Spanish and Catalan double family names: "Ortega y Gasset, J." is one family, not two names."""
    if m.group().strip() not in ("y", "i"):
        return False
    left = text[pos : m.start()].split()
    right = _NEXT_FAMILY.match(text, m.end(), stop)
    return len(left) == 1 and not is_initials(left[0]) and left[0][:1].isupper() and right is not None


@functools.lru_cache(maxsize=_WORD_CACHE)
def _ends_in_initial_or_abbrev(chunk: str) -> bool:
    # Cached: it is asked about every "J." of a list.
    words = chunk.split()
    last = words[-1] if words else chunk
    return is_initials(last) or last.casefold() in _SUFFIXES or last.casefold() in {"ed.", "eds."}


def _rejoin_organisations(text: str, chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo a split at "and"/"&" inside an organisation name ("Department of Health and Social Care")."""
    out: list[tuple[int, int]] = []
    for start, end in chunks:
        if out:
            prev_start, prev_end = out[-1]
            between = text[prev_end:start]
            if (
                "," not in between
                and ";" not in between
                and _is_organisation(text[prev_start:prev_end])
                and not _is_organisation_start(text[start:end])
            ):
                out[-1] = (prev_start, end)
                continue
        out.append((start, end))
    return out


def _is_organisation_start(chunk: str) -> bool:
    # "World Bank and UNESCO" are two organisations; "Health and Social Care" is one.
    words = chunk.split()
    return bool(words) and (_is_acronym(words[0]) or words[0] in {"The", "the"})


def _is_acronym(word: str) -> bool:
    core = word.strip(".,;:()")
    return 2 <= len(core) <= 10 and core.isupper() and core.isalpha() and len(core) >= 3


@functools.lru_cache(maxsize=_WORD_CACHE)
def _is_organisation_word(word: str) -> bool:
    # Cached: folding (Unicode normalisation) costs more than the look-up it serves.
    return _fold(word).strip(".,;:()") in _ORG_WORDS


def _is_organisation(chunk: str, words: list[str] | None = None) -> bool:
    """Whether ``chunk`` names an organisation; ``words`` is ``chunk.split()``, if the caller has it."""
    if words is None:
        words = chunk.split()
    if not words:
        return False
    if len(words) == 1:
        return _is_acronym(words[0])
    if words[0].casefold() in {"the", "die", "der", "das", "le", "la", "les", "el"} and words[0][0].isupper():
        return True
    if any(_is_organisation_word(w) for w in words):
        return True
    # "Bill & Melinda Gates" aside, function words mark an institution's name.
    return len(words) >= 3 and _ORG_PHRASE.search(chunk) is not None and not any(
        is_initials(w) for w in words
    )


# --- Building one name -----------------------------------------------------------------


def _is_particle_word(word: str) -> bool:
    return word in _PARTICLE_WORDS or word in {"d'", "d’", "l'", "l’"}


def _split_suffix(words: list[str]) -> tuple[list[str], str]:
    if len(words) > 1 and words[-1].casefold().rstrip(",") in _SUFFIXES:
        # A single "V" is more often an initial than "the fifth".
        if words[-1].rstrip(".,") != "V":
            return words[:-1], words[-1].rstrip(",")
    return words, ""


def _leading_particle(words: list[str]) -> tuple[str, list[str]]:
    """Split lower-case particle words off the front, if a family name remains."""
    i = 0
    while i < len(words) - 1 and _is_particle_word(words[i]):
        i += 1
    return " ".join(words[:i]), words[i:]


def _trailing_particle(words: list[str]) -> tuple[list[str], str]:
    """Split lower-case particle words off the end of a given-name part ("Ludwig van")."""
    i = len(words)
    while i > 1 and _is_particle_word(words[i - 1]):
        i -= 1
    return words[:i], " ".join(words[i:])


_WORD_PUNCTUATION = ",;:*_"


def _clean_word(word: str) -> str:
    return word.strip(_WORD_PUNCTUATION)


def _own_order(words: list[str]) -> bool | None:
    """How a comma-less chunk of two or more words is ordered (True: family first),
    or None when its words do not tell and the list's prevailing order decides."""
    first, last = words[0], words[-1]
    if is_family_name(last) and not is_family_name(first):
        return False
    if is_given_name(last) and not is_given_name(first) and not is_initials(first):
        return True
    if is_given_name(first) and not is_given_name(last):
        return False
    if is_initials(first):
        return False
    if is_initials(last):
        return True
    if len(words) == 2:
        return None
    return False


def _person(words: list[str], family_first: bool | None, span: Span) -> tuple[Name, bool]:
    """The name, and whether ``family_first`` (the prevailing order) decided its order."""
    words, suffix = _split_suffix([_clean_word(w) for w in words if _clean_word(w)])
    if not words:
        return Name(literal=suffix, order="literal", span=span), False
    if len(words) == 1:
        return Name(family=words[0], suffix=suffix, order="family-only", span=span), False
    # Particles are not counted when deciding the order: "Jan van der Berg".
    content = [w for w in words if not _is_particle_word(w) and w not in _FAMILY_PREFIXES] or words
    if len(content) == 1:
        particle, rest = _leading_particle(words)
        name = Name(family=" ".join(rest), particle=particle, suffix=suffix, order="family-only", span=span)
        return name, False
    own = _own_order(content)
    if own if own is not None else bool(family_first):
        particle, rest = _leading_particle(words)
        family, given = rest[0], rest[1:]
        given, trailing = _trailing_particle(given) if len(given) > 1 else (given, "")
        name = Name(
            family=family,
            given=" ".join(given),
            particle=particle or trailing,
            suffix=suffix,
            order="family-first",
            span=span,
        )
        return name, own is None
    # Given-first: the family name is the last word and any particles before it.
    last = len(words) - 1
    while last > 1 and words[last - 1] in _FAMILY_PREFIXES:
        last -= 1
    family = " ".join(words[last:])
    words = words[: last + 1]
    i = len(words) - 1
    while i > 1 and _is_particle_word(words[i - 1]):
        i -= 1
    name = Name(
        family=family,
        given=" ".join(words[:i]),
        particle=" ".join(words[i:-1]),
        suffix=suffix,
        order="given-first",
        span=span,
    )
    return name, own is None


def _comma_pair(family_words: list[str], given_words: list[str], span: Span) -> Name:
    """Build a "Family, Given" name."""
    # The cleaned words that are not empty (what [_clean_word(w) for w in … if _clean_word(w)] gives).
    family_words = [c for w in family_words if (c := w.strip(_WORD_PUNCTUATION))]
    given_words = [c for w in given_words if (c := w.strip(_WORD_PUNCTUATION))]
    if len(family_words) == 1 and len(given_words) == 1:
        # The commonest case, "Smith, J.", built directly: one word has no suffix
        # or particle to split off, so the general case below gives just this.
        return Name(
            family=family_words[0], given=given_words[0], particle="", suffix="", order="family-comma", span=span
        )
    given_words, suffix = _split_suffix(given_words)
    family_words, family_suffix = _split_suffix(family_words)
    particle, family = _leading_particle(family_words)
    if not particle and len(given_words) > 1:
        given_words, particle = _trailing_particle(given_words)
    return Name(
        family=" ".join(family),
        given=" ".join(given_words),
        particle=particle,
        suffix=suffix or family_suffix,
        order="family-comma",
        span=span,
    )


def _looks_given(words: list[str]) -> bool:
    """Whether a chunk can be the given-name half of "Family, Given"."""
    return _looks_given_words(tuple(words))


@functools.lru_cache(maxsize=_WORD_CACHE)
def _looks_given_words(words: tuple[str, ...]) -> bool:
    # Cached: a list's given names are mostly the same few initials ("J.", "A. B.").
    if not words or len(words) > 4:
        return False
    for word in words:
        core = _clean_word(word)
        if not core:
            return False
        if is_initials(core) or _is_particle_word(core) or core.casefold() in _SUFFIXES:
            continue
        if not core[0].isupper() or any(c.isdigit() for c in core):
            return False
    return True


def _looks_family(words: list[str]) -> bool:
    """Whether a chunk can be the family half of "Family, Given"."""
    if not words or len(words) > 4:
        return False
    if len(words) == 1:
        # What the general case below gives for one word (it has no particle to split off).
        word = words[0]
        return not ((is_initials(word) and not word.isupper()) or word[:1].isdigit())
    particle, rest = _leading_particle(words)
    if any(is_initials(w) and not w.isupper() for w in rest) or any(w[:1].isdigit() for w in rest):
        return False
    if any(is_initials(w) for w in rest if w not in _FAMILY_PREFIXES) and len(rest) > 1:
        return False
    if len(rest) == 1:
        return True
    # Two-word family names ("García Márquez") pair only when no word is a
    # known given name; otherwise "Mallory Allie" is a whole name already.
    return not any(is_given_name(w) for w in rest if w not in _FAMILY_PREFIXES)


def _is_suffix_chunk(chunk: str) -> bool:
    return chunk.casefold() in _SUFFIXES and chunk.rstrip(".") != "V"


def parse_names(text: str, offset: int = 0, family_first: bool | None = None) -> tuple[Name, ...]:
    """Split an author (or editor) list into Names.

    ``Name.span`` is in absolute offsets (``offset`` plus the index in
    ``text``).  ``family_first`` is the list's prevailing order, used for
    two-word names written without a comma ("Mallory Allie"); None lets the
    list decide from its own "Family, Given" pairs.
    """
    return read_names(text, offset, family_first)[0]


def read_names(text: str, offset: int = 0, family_first: bool | None = None) -> tuple[tuple[Name, ...], bool]:
    """``parse_names``, and whether the prevailing order decided any name.

    When it did not, the list reads the same whatever ``family_first`` is,
    so a caller that learns the prevailing order later need not read it again.
    """
    # A role marker is followed by nothing but spaces: it starts within _ROLE_REACH of
    # the last other character, and a search from there finds the same first match.
    role = _ROLE.search(text, max(0, len(text.rstrip()) - _ROLE_REACH))
    if role is not None:
        text = text[: role.start()]
    chunks = _chunks(text)
    words_of = [text[s:e].split() for s, e in chunks]
    names: list[Name] = []
    paired = False
    ordered_by_list = False
    i = 0
    while i < len(chunks):
        start, end = chunks[i]
        chunk = text[start:end]
        words = words_of[i]
        if names and _is_suffix_chunk(chunk) and not names[-1].literal and not names[-1].suffix:
            last = names[-1]
            names[-1] = Name(
                family=last.family, given=last.given, particle=last.particle, suffix=chunk,
                order=last.order, span=Span(last.span.start if last.span else offset + start, offset + end),
            )
            i += 1
            continue
        if i + 1 < len(chunks) and _can_pair(text, chunks[i], chunks[i + 1], words, words_of[i + 1]):
            next_end = chunks[i + 1][1]
            names.append(_comma_pair(words, words_of[i + 1], Span(offset + start, offset + next_end)))
            paired = True
            i += 2
            continue
        span = Span(offset + start, offset + end)  # made here: a pair above needs none
        if _is_organisation(chunk, words):
            names.append(Name(literal=chunk, order="literal", span=span))
            i += 1
            continue
        prevailing = family_first if family_first is not None else (paired or None)
        name, by_list = _person(words, prevailing, span)
        names.append(name)
        ordered_by_list = ordered_by_list or by_list
        i += 1
    return tuple(n for n in names if n.family or n.literal or n.given), ordered_by_list


def _can_pair(
    text: str, first: tuple[int, int], second: tuple[int, int], words: list[str], following: list[str]
) -> bool:
    """Whether two chunks are the halves of one "Family, Given" name."""
    if not (_looks_family(words) and _looks_given(following)):
        return False
    if not _comma_between(text, first[1], second[0]):
        return False
    if len(words) > 1 and _is_complete_name(words, following):
        return False
    # ``words`` and ``following`` are the two chunks split into words.
    given = text[second[0] : second[1]]
    given_is_organisation = _is_organisation(given, following)
    if given_is_organisation and not all(is_initials(w) for w in following):
        return False
    family = text[first[0] : first[1]]
    if _is_organisation(family, words):
        # A family name in capitals ("DUPONT, Jean") is no acronym when a real given name follows.
        return len(words) == 1 and not given_is_organisation
    return True


def _comma_between(text: str, end: int, start: int) -> bool:
    # "Family, Given" halves are joined by a comma, never by "and".
    between = text[end:start]
    return "," in between and not _has_conjunction(between)


@functools.lru_cache(maxsize=_WORD_CACHE)
def _has_conjunction(between: str) -> bool:
    # Cached: what lies between two chunks is nearly always ", " or "; ".
    return _CONJUNCTION.search(between) is not None


def _is_complete_name(words: list[str], following: list[str]) -> bool:
    """A multi-word chunk that already holds a given name is a whole name, not a family."""
    words = [w for w in words if w not in _FAMILY_PREFIXES]
    return any(is_initials(w) for w in words) or any(is_given_name(w) for w in words)
