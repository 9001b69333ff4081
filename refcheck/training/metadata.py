"""Made-up bibliographic records (CSL-JSON items) of every common kind, from a seed."""

from __future__ import annotations

import random
from functools import cache
from importlib import resources
from typing import Any

from refcheck.training import vocabulary as v

__all__ = ["make_item", "TYPES"]

# Types and how often each is made.
TYPES = {
    "article-journal": 34,
    "book": 13,
    "chapter": 12,
    "paper-conference": 8,
    "article-newspaper": 7,
    "webpage": 8,
    "report": 6,
    "thesis": 4,
    "article-magazine": 3,
    "post-weblog": 2,
    "dataset": 1,
    "entry-encyclopedia": 2,
}


@cache
def _names(filename: str) -> tuple[str, ...]:
    text = resources.files("refcheck.data").joinpath(filename).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _given(rng: random.Random) -> str:
    pool = v.EXTRA_GIVENS if rng.random() < 0.15 else _names("given_names.txt")
    given = rng.choice(pool)
    roll = rng.random()
    if roll < 0.15:
        given += " " + rng.choice(_names("given_names.txt"))
    elif roll < 0.25:
        given += " " + rng.choice("ABCDEFGHJKLMNPRSTW") + "."
    return given


def _family(rng: random.Random) -> str:
    pool = v.EXTRA_FAMILIES if rng.random() < 0.2 else _names("family_names.txt")
    family = rng.choice(pool)
    if rng.random() < 0.04:
        family += "-" + rng.choice(_names("family_names.txt"))
    return family


def _person(rng: random.Random) -> dict[str, str]:
    name = {"family": _family(rng), "given": _given(rng)}
    roll = rng.random()
    if roll < 0.06:
        particle = rng.choice(v.PARTICLES)
        if particle[0].islower() and rng.random() < 0.7:
            name["non-dropping-particle"] = particle
        else:
            name["non-dropping-particle"] = particle[0].upper() + particle[1:]
    elif roll < 0.08:
        name["suffix"] = rng.choice(v.SUFFIXES)
    return name


def _people(rng: random.Random, most: int = 20) -> list[dict[str, str]]:
    roll = rng.random()
    if roll < 0.3:
        count = 1
    elif roll < 0.55:
        count = 2
    elif roll < 0.72:
        count = 3
    elif roll < 0.9:
        count = rng.randint(4, 7)
    else:
        count = rng.randint(8, 20)
    return [_person(rng) for _ in range(min(count, most))]


def _words(rng: random.Random, lang: str, low: int, high: int) -> list[str]:
    words: list[str] = []
    for _ in range(rng.randint(low, high)):
        if words and rng.random() < 0.3:
            words.append(rng.choice(v.CONNECTORS[lang]))
        words.append(rng.choice(v.TITLE_WORDS[lang]))
    return words


def _title(rng: random.Random, lang: str) -> str:
    words = _words(rng, lang, 2, 9)
    if rng.random() < 0.5:
        words = [w[0].upper() + w[1:] if len(w) > 3 or i == 0 else w for i, w in enumerate(words)]
    else:
        words[0] = words[0][0].upper() + words[0][1:]
    title = " ".join(words)
    roll = rng.random()
    if roll < 0.3:
        sub = _words(rng, lang, 2, 6)
        title += ": " + sub[0][0].upper() + sub[0][1:] + " " + " ".join(sub[1:])
    elif roll < 0.36:
        title += "?"
    elif roll < 0.4:
        title = f"{title} in {rng.randint(1800, 2020)}"
    return title.strip()


def _journal(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return " ".join(rng.sample(v.JOURNAL_ABBREVIATIONS, rng.randint(2, 4)))
    if roll < 0.45:
        return f"{rng.choice(v.JOURNAL_HEADS)} of {rng.choice(v.JOURNAL_SUBJECTS)}"
    if roll < 0.55:
        return f"{rng.choice(['International', 'European', 'American', 'British', 'Asian'])} Journal of {rng.choice(v.JOURNAL_SUBJECTS)}"
    if roll < 0.65:
        return f"{rng.choice(v.JOURNAL_SUBJECTS)} {rng.choice(v.JOURNAL_HEADS)}"
    # Names without a journal word, as many journals have: "Landscape and Health", "Cell".
    words = [w[0].upper() + w[1:] for w in rng.sample(v.TITLE_WORDS["en"], 3)]
    if roll < 0.75:
        return words[0]
    if roll < 0.9:
        return f"{words[0]} {rng.choice(['and', '&'])} {words[1]}"
    return " ".join(words[: rng.randint(2, 3)])


_SHORT_WORDS = {
    "Journal": "J", "Review": "Rev", "Annals": "Ann", "Bulletin": "Bull", "Proceedings": "Proc",
    "Transactions": "Trans", "Letters": "Lett", "Quarterly": "Q", "Studies": "Stud", "Archives": "Arch",
    "Advances": "Adv", "Reports": "Rep", "Research": "Res", "Science": "Sci", "International": "Int",
    "European": "Eur", "American": "Am", "British": "Br", "Asian": "Asian",
}  # fmt: skip


def _abbreviation(journal: str, rng: random.Random) -> str:
    """A journal's short title as indexes print it: "J Public Health", "Int. J. Nurs."."""
    stops = rng.random() < 0.4
    out = []
    for word in journal.split():
        if word.casefold() in ("of", "and", "the", "&", "for", "on", "in"):
            continue
        known = _SHORT_WORDS.get(word)
        if known is not None:
            word = known + ("." if stops and known != word else "")
        elif len(word) > 5 and not word.endswith("."):
            cut = rng.randint(3, 5)
            word = word[:cut] + ("." if stops else "")
        elif word.endswith(".") and not stops:
            word = word[:-1]
        out.append(word)
    return " ".join(out) or journal


def _outlet(rng: random.Random) -> str:
    """A newspaper, magazine or site: a known one, or one made up from a name or a place."""
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(v.NEWSPAPERS)
    stem = rng.choice(v.PLACES).split(",")[0] if roll < 0.6 else _family(rng)
    if roll > 0.92:
        return stem + rng.choice(v.OUTLET_HEADS).lower()  # "Kelsoreport"
    the = "The " if rng.random() < 0.3 else ""
    return f"{the}{stem} {rng.choice(v.OUTLET_HEADS)}"


def _date(rng: random.Random, precise: float) -> dict[str, Any]:
    year = rng.randint(1950, 2026) if rng.random() < 0.85 else rng.randint(1850, 1949)
    parts = [year]
    if rng.random() < precise:
        parts.append(rng.randint(1, 12))
        if rng.random() < 0.8:
            parts.append(rng.randint(1, 28))
    return {"date-parts": [parts]}


def _pages(rng: random.Random) -> str:
    first = rng.randint(1, 2400)
    roll = rng.random()
    if roll < 0.75:
        return f"{first}-{first + rng.randint(1, 40)}"
    if roll < 0.9:
        return str(first)
    return f"e{rng.randint(100, 99999)}"


def _doi(rng: random.Random) -> str:
    prefix = rng.randint(1000, 99999)
    suffix = rng.choice(
        [
            f"j.{rng.choice(['jebo', 'cell', 'neuron', 'socscimed'])}.{rng.randint(2000, 2025)}.{rng.randint(1, 12):02d}.{rng.randint(1, 999):03d}",
            f"s{rng.randint(10000, 99999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}-{rng.randint(0, 9)}",
            f"{rng.randint(100000, 9999999)}",
            f"{rng.choice(['ajps', 'jcp', 'prl', 'nature'])}.{rng.randint(1000, 99999)}",
        ]
    )
    return f"10.{prefix}/{suffix}"


def _url(rng: random.Random, title: str) -> str:
    slug = "-".join(title.lower().replace(":", "").replace("?", "").split()[:6])
    site = rng.choice(v.SITES)
    path = rng.choice(
        [
            f"news/{slug}",
            f"{rng.randint(2000, 2025)}/{rng.randint(1, 12):02d}/{slug}",
            f"article/{rng.randint(1000, 99999999)}",
            f"publications/{slug}.pdf",
            f"?id={rng.randint(1, 99999)}",
        ]
    )
    return f"{rng.choice(['https://', 'https://www.', 'http://'])}{site}/{path}"


def make_item(rng: random.Random, ident: str) -> dict[str, Any]:
    """One random CSL-JSON item."""
    kind = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
    lang = rng.choices(["en", "de", "fr", "es"], weights=[80, 8, 6, 6])[0]
    item: dict[str, Any] = {"id": ident, "type": kind}
    title = _title(rng, lang)
    item["title"] = title
    if kind in ("webpage", "report", "dataset", "post-weblog") and rng.random() < 0.35:
        item["author"] = [{"literal": rng.choice(v.ORGANISATIONS)}]
    elif not (kind in ("webpage", "entry-encyclopedia") and rng.random() < 0.15):
        item["author"] = _people(rng)
    precise = {"article-newspaper": 0.95, "webpage": 0.7, "post-weblog": 0.9, "article-magazine": 0.6}
    if not (kind in ("webpage", "post-weblog") and rng.random() < 0.2):
        item["issued"] = _date(rng, precise.get(kind, 0.1))
    if kind == "article-journal":
        item["container-title"] = _journal(rng)
        if rng.random() < 0.5:
            item["container-title-short"] = _abbreviation(item["container-title"], rng)
        if rng.random() < 0.92:
            item["volume"] = str(rng.randint(1, 250))
        if rng.random() < 0.6:
            item["issue"] = str(rng.randint(1, 12))
        if rng.random() < 0.93:
            item["page"] = _pages(rng)
        if rng.random() < 0.5:
            item["DOI"] = _doi(rng)
    elif kind in ("book", "report", "thesis"):
        if rng.random() < 0.9:
            item["publisher"] = (
                f"University of {rng.choice(v.PLACES).split(',')[0]}" if kind == "thesis" else rng.choice(v.PUBLISHERS)
            )
        if rng.random() < 0.75:
            item["publisher-place"] = rng.choice(v.PLACES)
        if kind == "book" and rng.random() < 0.15:
            item["edition"] = str(rng.randint(2, 9))
        if kind == "book" and rng.random() < 0.15:
            item["editor"] = _people(rng, 4)
            if rng.random() < 0.6:
                item.pop("author", None)
        if kind == "thesis":
            item["genre"] = rng.choice(["PhD thesis", "Doctoral dissertation", "Master's thesis", "Dissertation"])
        if kind == "report" and rng.random() < 0.5:
            item["number"] = f"{rng.choice(['WP', 'TR', 'No.'])} {rng.randint(1, 999)}"
        if kind == "book" and rng.random() < 0.1:
            item["collection-title"] = f"{rng.choice(v.JOURNAL_SUBJECTS)} {rng.choice(['Series', 'Studies', 'Library'])}"
            if rng.random() < 0.5:
                item["collection-number"] = str(rng.randint(1, 90))
        if rng.random() < 0.08:
            item["ISBN"] = f"978-{rng.randint(0, 9)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}"
        if rng.random() < 0.1:
            item["DOI"] = _doi(rng)
    elif kind in ("chapter", "paper-conference", "entry-encyclopedia"):
        if kind == "paper-conference":
            n = rng.randint(1, 40)
            th = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            item["container-title"] = f"Proceedings of the {n}{th} {rng.choice(['International', 'Annual', 'European'])} Conference on {rng.choice(v.JOURNAL_SUBJECTS)}"
        else:
            item["container-title"] = _title(rng, lang)
        if kind != "paper-conference" or rng.random() < 0.3:
            item["editor"] = _people(rng, 5)
        if rng.random() < 0.85:
            item["page"] = _pages(rng)
        if rng.random() < 0.8:
            item["publisher"] = rng.choice(v.PUBLISHERS)
        if rng.random() < 0.7:
            item["publisher-place"] = rng.choice(v.PLACES)
        if rng.random() < 0.2:
            item["DOI"] = _doi(rng)
    elif kind in ("article-newspaper", "article-magazine"):
        item["container-title"] = _outlet(rng)
        if rng.random() < 0.3:
            item["page"] = str(rng.randint(1, 40))
        if rng.random() < 0.6:
            item["URL"] = _url(rng, title)
    else:  # webpage, post-weblog, dataset
        if rng.random() < 0.6:
            item["container-title"] = _outlet(rng) if rng.random() < 0.6 else rng.choice(v.ORGANISATIONS)
        if rng.random() < 0.92:
            item["URL"] = _url(rng, title)
        if kind == "dataset" and rng.random() < 0.5:
            item["DOI"] = _doi(rng)
    if "URL" not in item and rng.random() < 0.06:
        item["URL"] = _url(rng, title)
    if "URL" in item and rng.random() < 0.75:
        item["accessed"] = _date(rng, 1.0)
        item["accessed"]["date-parts"][0][0] = rng.randint(2005, 2026)
    return item
