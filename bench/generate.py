"""Write a deterministic synthetic author-date article for benchmarking refcheck.

    python bench/generate.py N -o article.md [--seed S] [--mistakes]

The article has N references (APA-like: journal articles with DOIs, books,
dated news items with URLs) under "## References", sorted by first author then
year, and exactly 4N in-text citations: parenthetical, narrative, multi-cite
groups, "et al." for three or more authors, page locators and full-date
citations of news items. Every reference is cited at least once and no two
references share authors and year unless told apart by an a/b suffix, so a
clean article should produce no findings. With --mistakes, about 1% of
citations misspell their first author's surname.

Standard library only.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

# --- word lists -----------------------------------------------------------
# fmt: off
# (kept compact: one word a line would make these lists 300 lines long)

ONSETS = (
    "b", "br", "c", "ch", "d", "dr", "f", "fr", "g", "gr", "h", "j", "k", "kr", "l",
    "m", "n", "p", "pr", "r", "s", "sh", "sk", "st", "t", "th", "tr", "v", "w", "z",
)
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou")
CODAS = ("", "", "n", "r", "l", "s", "m", "nd", "rt", "st", "ck", "ld", "rn")
ENDINGS = (
    "son", "ley", "ton", "well", "ford", "man", "by", "wick", "more", "dale", "er",
    "ing", "ard", "ett", "ow", "ham", "ridge", "field", "stone", "ay", "ova",
    "eski", "ari", "ano", "ez", "sen", "berg", "mann", "ini", "aki",
)
GIVEN_INITIALS = "ABCDEFGHIJKLMNOPRSTVWY"

ADJECTIVES = (
    "local", "regional", "informal", "shared", "public", "seasonal", "urban",
    "rural", "coastal", "collective", "digital", "fragile", "durable", "uneven",
    "emerging", "persistent", "hidden", "temporary", "everyday", "competing",
    "adaptive", "cumulative", "partial", "formal", "distributed", "marginal",
    "routine", "unexpected", "long-term", "short-term", "visible", "contested",
)
NOUNS = (
    "network", "practice", "institution", "market", "household", "archive",
    "landscape", "boundary", "infrastructure", "community", "policy", "budget",
    "routine", "settlement", "region", "workforce", "tradition", "record", "system",
    "framework", "habit", "audience", "platform", "corridor", "coalition",
    "harvest", "schedule", "ledger", "threshold", "migration", "neighbourhood",
    "dialect", "fishery", "timetable", "cooperative", "estate",
)
VERBS = (
    "shapes", "reinforces", "undermines", "reflects", "sustains", "reorganises",
    "obscures", "limits", "extends", "transforms", "mediates", "anticipates",
    "complicates", "stabilises", "weakens", "structures", "redistributes",
)
REPORTING = (
    "argue", "show", "suggest", "report", "observe", "note", "conclude",
    "demonstrate", "find", "propose",
)
REPORTING_ONE = (
    "argues", "shows", "suggests", "reports", "observes", "notes", "concludes",
    "demonstrates", "finds", "proposes",
)
ADVERBS = (
    "In practice",
    "Over time",
    "In most cases",
    "By contrast",
    "Historically",
    "At the same time",
    "In several studies",
    "More broadly",
    "Even so",
    "In rural areas",
    "For many households",
    "Across the period",
)
JOURNAL_WORDS = (
    "Studies", "Review", "Quarterly", "Research", "Journal", "Letters",
    "Perspectives", "Annals", "Bulletin", "Inquiry",
)
JOURNAL_FIELDS = (
    "Regional", "Social", "Urban", "Environmental", "Historical", "Economic",
    "Rural", "Maritime", "Cultural", "Policy", "Infrastructure", "Planning",
)
PUBLISHERS = (
    "Harrowgate Academic",
    "Linden Press",
    "Westmarch University Press",
    "Corrie & Vale",
    "Fenmoor Press",
    "Northway Publishing",
    "Aldous Books",
)
OUTLETS = (
    "The Coastal Courier",
    "Daily Ledger",
    "The Morning Signal",
    "Valley Chronicle",
    "The Civic Post",
    "Harbour Times",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)
SECTIONS = (
    "Background", "Context", "Evidence", "Patterns", "Variation", "Mechanisms",
    "Institutions", "Outcomes", "Comparisons", "Limits", "Implications",
)

# fmt: on


# --- the article's records ------------------------------------------------


@dataclass(slots=True)
class Author:
    family: str
    initials: str  # "A. B."


@dataclass(slots=True)
class Ref:
    authors: list[Author]
    year: int
    suffix: str = ""
    kind: str = "journal"  # journal | book | news
    title: str = ""
    month: int = 0
    day: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[str, int, str]:
        return (self.authors[0].family.casefold(), self.year, self.suffix)


class Names:
    """Distinct surnames built from syllables (enough for N = 20,000 and more)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self) -> str:
        r = self.rng
        while True:
            parts = [r.choice(ONSETS) + r.choice(VOWELS) + r.choice(CODAS)]
            if r.random() < 0.5:
                parts.append(r.choice(ONSETS) + r.choice(VOWELS))
            parts.append(r.choice(ENDINGS))
            name = "".join(parts)
            if len(name) >= 5 and name not in self.used:
                self.used.add(name)
                return name.capitalize()


def plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def initials(rng: random.Random) -> str:
    count = 1 if rng.random() < 0.6 else 2
    return " ".join(rng.choice(GIVEN_INITIALS) + "." for _ in range(count))


def title(rng: random.Random) -> str:
    r = rng
    text = (
        f"{r.choice(ADJECTIVES)} {plural(r.choice(NOUNS))} and the {r.choice(NOUNS)} "
        f"of {r.choice(ADJECTIVES)} {plural(r.choice(NOUNS))}"
    )
    return text[0].upper() + text[1:]


def build_refs(n: int, rng: random.Random) -> list[Ref]:
    names = Names(rng)
    refs: list[Ref] = []
    while len(refs) < n:
        roll = rng.random()
        count = 1 if roll < 0.45 else 2 if roll < 0.75 else rng.randint(3, 5)
        authors = [Author(names.make(), initials(rng)) for _ in range(count)]
        year = rng.randint(1975, 2024)
        kind_roll = rng.random()
        kind = "journal" if kind_roll < 0.7 else "book" if kind_roll < 0.85 else "news"
        group = rng.random()
        if kind != "news" and group < 0.04 and len(refs) + 2 <= n:
            # the same authors twice in one year, told apart by a and b
            t1, t2 = title(rng), title(rng)
            while t2 == t1:
                t2 = title(rng)
            t1, t2 = sorted((t1, t2))
            refs.append(Ref(authors, year, "a", kind, t1))
            refs.append(Ref(authors, year, "b", rng.choice(("journal", "book")), t2))
        elif kind != "news" and group < 0.12 and len(refs) + 2 <= n:
            # the same authors in two different years
            gap = rng.randint(1, 6)
            other = year + gap if year + gap <= 2024 else year - gap
            refs.append(Ref(authors, year, "", kind, title(rng)))
            refs.append(Ref(authors, other, "", "journal", title(rng)))
        else:
            ref = Ref(authors, year, "", kind, title(rng))
            if kind == "news":
                ref.month = rng.randint(1, 12)
                ref.day = rng.randint(1, 28)
            refs.append(ref)
    refs.sort(key=lambda r: r.sort_key)
    for i, ref in enumerate(refs):
        if ref.kind == "journal":
            field_name = rng.choice(JOURNAL_FIELDS)
            ref.extra["journal"] = f"{field_name} {rng.choice(JOURNAL_WORDS)}"
            ref.extra["volume"] = str(rng.randint(1, 60))
            ref.extra["issue"] = str(rng.randint(1, 6))
            first = rng.randint(1, 900)
            ref.extra["pages"] = f"{first}–{first + rng.randint(8, 30)}"
            ref.extra["doi"] = f"10.5555/rcbench.{i + 1:06d}"
        elif ref.kind == "book":
            ref.extra["publisher"] = rng.choice(PUBLISHERS)
        else:
            outlet = rng.choice(OUTLETS)
            ref.extra["outlet"] = outlet
            slug = outlet.lower().removeprefix("the ").replace(" ", "")
            words = "-".join(ref.title.lower().split()[:5])
            ref.extra["url"] = (
                f"https://www.{slug}.example/{ref.year}/{ref.month:02d}/{ref.day:02d}/{words}"
            )
    return refs


# --- rendering --------------------------------------------------------------


def render_entry(ref: Ref) -> str:
    people = [f"{a.family}, {a.initials}" for a in ref.authors]
    if len(people) == 1:
        who = people[0]
    elif len(people) == 2:
        who = f"{people[0]}, & {people[1]}"
    else:
        who = ", ".join(people[:-1]) + f", & {people[-1]}"
    x = ref.extra
    if ref.kind == "journal":
        return (
            f"{who} ({ref.year}{ref.suffix}). {ref.title}. *{x['journal']}*, "
            f"*{x['volume']}*({x['issue']}), {x['pages']}. https://doi.org/{x['doi']}"
        )
    if ref.kind == "book":
        return f"{who} ({ref.year}{ref.suffix}). *{ref.title}*. {x['publisher']}."
    month = MONTHS[ref.month - 1]
    return f"{who} ({ref.year}, {month} {ref.day}). {ref.title}. *{x['outlet']}*. {x['url']}"


def cite_names(ref: Ref, family: str, narrative: bool) -> str:
    """The author part of a citation; `family` may be a misspelling."""
    if len(ref.authors) == 1:
        return family
    if len(ref.authors) == 2:
        joiner = "and" if narrative else "&"
        return f"{family} {joiner} {ref.authors[1].family}"
    return f"{family} et al."


def cite_date(ref: Ref) -> str:
    if ref.kind == "news":
        return f"{ref.day} {MONTHS[ref.month - 1]} {ref.year}"
    return f"{ref.year}{ref.suffix}"


def misspell(name: str, rng: random.Random, taken: set[str]) -> str:
    for _ in range(20):
        i = rng.randint(1, len(name) - 2)
        how = rng.random()
        if how < 0.4:
            out = name[:i] + name[i + 1 :]  # drop a letter
        elif how < 0.7:
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # swap two
        else:
            out = name[:i] + name[i] + name[i:]  # double a letter
        if out != name and out.lower() not in taken:
            return out
    return name[:-1] + ("a" if name[-1] != "a" else "e")


class Writer:
    """Turns a shuffled queue of references into sentences carrying citations."""

    def __init__(
        self, rng: random.Random, mistake_rate: float, taken: set[str], seed: int = 0
    ) -> None:
        self.rng = rng
        # A separate stream for mistakes, so that --mistakes changes only the
        # misspelled names and leaves the rest of the article byte-identical.
        self.mistake_rng = random.Random(f"mistakes-{seed}")
        self.mistake_rate = mistake_rate
        self.taken = taken
        self.citations = 0
        self.mistakes = 0

    def family(self, ref: Ref) -> str:
        self.citations += 1
        name = ref.authors[0].family
        if self.mistake_rate and self.mistake_rng.random() < self.mistake_rate:
            self.mistakes += 1
            return misspell(name, self.mistake_rng, self.taken)
        return name

    def clause(self) -> str:
        r = self.rng
        return (
            f"the {r.choice(ADJECTIVES)} {r.choice(NOUNS)} {r.choice(VERBS)} "
            f"the {r.choice(NOUNS)} of {r.choice(ADJECTIVES)} {plural(r.choice(NOUNS))}"
        )

    def plain(self) -> str:
        r = self.rng
        text = self.clause()
        if r.random() < 0.5:
            return f"{r.choice(ADVERBS)}, {text}"
        return text[0].upper() + text[1:]

    def parenthetical(self, group: list[Ref]) -> str:
        parts = []
        for ref in group:
            part = f"{cite_names(ref, self.family(ref), False)}, {cite_date(ref)}"
            if len(group) == 1 and ref.kind != "news" and self.rng.random() < 0.12:
                page = self.rng.randint(2, 400)
                if self.rng.random() < 0.6:
                    part += f", p. {page}"
                else:
                    part += f", pp. {page}–{page + self.rng.randint(1, 9)}"
            parts.append(part)
        return f"{self.plain()} ({'; '.join(parts)})."

    def narrative(self, ref: Ref) -> str:
        who = cite_names(ref, self.family(ref), True)
        verbs = REPORTING_ONE if len(ref.authors) == 1 else REPORTING
        return (
            f"{who} ({cite_date(ref)}) {self.rng.choice(verbs)} that {self.clause()}."
        )


def build_body(refs: list[Ref], rng: random.Random, writer: Writer) -> list[str]:
    queue: list[Ref] = list(refs)
    extra = 3 * len(refs)
    queue.extend(rng.choices(refs, k=extra))
    rng.shuffle(queue)

    sentences: list[str] = []
    i = 0
    while i < len(queue):
        if rng.random() < 0.3:
            sentences.append(
                rng.choice((writer.plain(), writer.clause().capitalize())) + "."
            )
            continue
        ref = queue[i]
        roll = rng.random()
        if roll < 0.2 and ref.kind != "news":
            sentences.append(writer.narrative(ref))
            i += 1
        elif roll < 0.45:
            size = rng.choice((2, 2, 3))
            group = [ref]
            j = i + 1
            while (
                j < len(queue)
                and len(group) < size
                and all(queue[j] is not g for g in group)
            ):
                group.append(queue[j])
                j += 1
            sentences.append(writer.parenthetical(group))
            i = j
        else:
            sentences.append(writer.parenthetical([ref]))
            i += 1

    out: list[str] = []
    k = 0
    section = 0
    while k < len(sentences):
        if len(out) % 25 == 0:
            section += 1
            out.append(f"## {section}. {rng.choice(SECTIONS)}")
        size = rng.randint(4, 7)
        out.append(" ".join(sentences[k : k + size]))
        k += size
    return out


def generate(
    n: int, seed: int = 0, mistakes: bool = False
) -> tuple[str, dict[str, int]]:
    """Return the article's text and its counts (references, citations, mistakes)."""
    if n < 1:
        raise ValueError("N must be at least 1")
    rng = random.Random(seed)
    refs = build_refs(n, rng)
    taken = {a.family.lower() for r in refs for a in r.authors}
    writer = Writer(rng, 0.01 if mistakes else 0.0, taken, seed)
    body = build_body(refs, rng, writer)
    lines = [f"# A Synthetic Survey of {n} Sources", ""]
    for para in body:
        lines += [para, ""]
    lines += ["## References", ""]
    for ref in refs:
        lines += [render_entry(ref), ""]
    text = "\n".join(lines)
    counts = {
        "references": len(refs),
        "citations": writer.citations,
        "mistakes": writer.mistakes,
    }
    return text, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, metavar="N", help="number of references")
    parser.add_argument(
        "-o", "--output", type=Path, help="file to write (default: stdout)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--mistakes", action="store_true", help="misspell about 1%% of cited surnames"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    text, counts = generate(args.n, args.seed, args.mistakes)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(
        f"{counts['references']} references, {counts['citations']} citations, "
        f"{counts['mistakes']} misspelled",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
