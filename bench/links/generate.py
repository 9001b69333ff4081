"""Write a Markdown article full of links to the farm (bench/links/farm.py), and the truth about each.

    python bench/links/generate.py --port 8080 [--count 1000 | --small] [--seed 0] [-o bench/out/links]

The article cites COUNT distinct targets spread over the farm's nine hosts: URLs written bare,
as Markdown links [text](url) and as <url>, some several times in different forms, and DOIs
written "doi:10.5555/…" or "https://doi.org/10.5555/…" in a reference list.  The mix (per 1,000)
is in MIX: about a fifth dead, redirects of every kind, rate limits, flaky servers, bot walls,
slow and stalled servers.  ``--small`` writes one or two targets per behaviour, with shorter
waits, for the tests.

truth.json maps each target, as refcheck reports it (the URL as written, or the DOI), to the
status class a correct checker gives it: ok, redirected, dead, blocked, error or timeout.  The
output is the same bytes for the same hosts, count and seed.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from farm import DOI_PREFIX, HOSTS  # noqa: E402  (bench/links is not a package)

# behaviour → (targets per 1,000, the status class a correct checker reports)
MIX: dict[str, tuple[int, str]] = {
    "ok": (462, "ok"),
    "ok-query": (25, "ok"),
    "slow": (40, "ok"),
    "head405": (30, "ok"),
    "head404": (15, "ok"),
    "found": (30, "ok"),
    "ratelimit": (20, "ok"),
    "unavailable": (15, "ok"),
    "badgateway": (15, "ok"),
    "big": (5, "ok"),
    "moved": (60, "redirected"),
    "missing": (120, "dead"),
    "gone": (30, "dead"),
    "to404": (20, "dead"),
    "refused": (10, "dead"),
    "forbidden": (20, "blocked"),
    "forbidden-cf": (5, "blocked"),
    "auth": (10, "blocked"),
    "error": (5, "error"),
    "loop": (5, "error"),
    "reset": (5, "error"),
    "stall": (3, "timeout"),
    "doi-exists": (35, "ok"),
    "doi-absent": (15, "dead"),
}
SMALL_COUNTS = {"moved": 2}  # --small: one of each, two permanent chains (301 × 1, 308 × 3)

_WORDS = (
    "climate soil river urban memory labour trade policy health network archive coastal migration "
    "language market energy forest harbour census ritual museum survey ledger treaty mining textile"
).split()
_SENTENCES = (
    "The evidence is uneven across regions.",
    "Several studies report the same pattern.",
    "This reading has been contested.",
    "The data were collected over three seasons.",
    "Later work qualifies the claim.",
    "The archive holds the original returns.",
    "A replication found a smaller effect.",
)
_SURNAMES = "Varnley Osk Tarrow Meln Quade Hollis Brandt Ekwu Sato Ferreira Novak Lund".split()


@dataclass(frozen=True)
class Target:
    target: str  # the URL as written, or the DOI
    kind: str  # "url" or "doi"
    behaviour: str
    status: str  # the truth


def _path(behaviour: str, slug: str, rng: random.Random, small: bool) -> str:
    if behaviour == "ok-query":
        return f"/ok/{slug}?ref=article&page={rng.randint(1, 9)}"
    if behaviour == "slow":
        return f"/slow/{rng.randint(200, 400) if small else rng.randint(500, 1000)}/{slug}"
    if behaviour == "ratelimit":
        return f"/ratelimit/{1 if small else 2}/{slug}"
    if behaviour == "moved":
        code = rng.choice((301, 308))
        return f"/moved/{code}/{rng.randint(1, 4)}/{slug}"
    if behaviour == "refused":
        return f"/{slug}"
    return f"/{behaviour}/{slug}"


def make_targets(hosts: list[str], refused: list[str], count: int = 1000, seed: int = 0,
                 small: bool = False, without: frozenset[str] | set[str] = frozenset()) -> list[Target]:
    """The distinct targets in article order: hosts and behaviours spread by the seeded generator.

    Behaviours ``without`` are left out and their share goes to plain ok URLs.
    """
    rng = random.Random(seed)
    if small:
        counts = {b: SMALL_COUNTS.get(b, 1) for b in MIX}
    else:
        counts = {b: round(n * count / 1000) for b, (n, _) in MIX.items()}
    for behaviour in without:
        counts[behaviour] = 0
    if not small:
        counts["ok"] += count - sum(counts.values())
    targets = []
    n = 0
    for behaviour, how_many in counts.items():
        status = MIX[behaviour][1]
        for i in range(how_many):
            n += 1
            slug = f"{n:04d}-{rng.choice(_WORDS)}"
            if behaviour.startswith("doi-"):
                which = "exists" if behaviour == "doi-exists" else "absent"
                targets.append(Target(f"{DOI_PREFIX}{which}-{n:04d}", "doi", behaviour, status))
                continue
            if small and behaviour == "moved":
                path = f"/moved/{(301, 308)[i % 2]}/{(1, 3)[i % 2]}/{slug}"
            else:
                path = _path(behaviour, slug, rng, small)
            base = rng.choice(refused) if behaviour == "refused" else hosts[rng.randrange(len(hosts))]
            targets.append(Target(base + path, "url", behaviour, status))
    rng.shuffle(targets)
    return targets


def _url_form(url: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return url + rng.choice((" for details.", ", as reported.", "; see also the appendix.", " (accessed 2024)."))
    if roll < 0.8:
        text = rng.choice(("the report", "this page", "the dataset", "an overview", url))
        return f"[{text}]({url})."
    return f"<{url}>."


def write_article(targets: list[Target], seed: int = 0) -> str:
    """The Markdown text: sections of paragraphs citing the URLs, then a reference list with the DOIs."""
    rng = random.Random(f"{seed}:article")
    urls = [t for t in targets if t.kind == "url"]
    dois = [t for t in targets if t.kind == "doi"]
    # About one URL in seven comes back later in another form.
    mentions: list[str] = [t.target for t in urls]
    for t in urls:
        if rng.random() < 0.15:
            for _ in range(rng.randint(1, 2)):
                mentions.insert(rng.randrange(len(mentions) + 1), t.target)
    lines = ["# Links in the literature: a benchmark article", ""]
    section = 0
    for start in range(0, len(mentions), 3):
        if start % 60 == 0:
            section += 1
            lines += [f"## {section}. Section {section}", ""]
        parts = []
        for url in mentions[start : start + 3]:
            parts.append(rng.choice(_SENTENCES))
            parts.append(rng.choice(("See", "Compare", "As shown at", "Data:", "Source:")) + " " + _url_form(url, rng))
        lines += [" ".join(parts), ""]
    lines += ["## References", ""]
    for i, t in enumerate(dois):
        year = 1990 + rng.randrange(34)
        name = rng.choice(_SURNAMES)
        title = f"On {rng.choice(_WORDS)} and {rng.choice(_WORDS)}"
        written = f"https://doi.org/{t.target}" if rng.random() < 0.3 else f"doi:{t.target}"
        lines.append(f"- {name}, A. ({year}). {title}. *Journal of Studies*, {i + 1}(2), 1–20. {written}")
        if rng.random() < 0.15:  # the same DOI cited again in the other form
            other = f"doi:{t.target}" if written.startswith("https") else f"https://doi.org/{t.target}"
            lines.append(f"- {name}, A. ({year}b). {title}, a reply. *Journal of Studies*, {i + 1}(3), 21–22. {other}")
    lines.append("")
    return "\n".join(lines)


def generate(hosts: list[str], refused: list[str], count: int = 1000, seed: int = 0,
             small: bool = False, without: frozenset[str] | set[str] = frozenset()) -> tuple[str, dict[str, Any]]:
    """The article and its truth: {"links": {target: {"kind", "behaviour", "status"}}, …}."""
    targets = make_targets(hosts, refused, count, seed, small, without)
    article = write_article(targets, seed)
    truth = {
        "seed": seed,
        "count": len(targets),
        "small": small,
        "without": sorted(without),
        "hosts": hosts,
        "links": {t.target: {"kind": t.kind, "behaviour": t.behaviour, "status": t.status} for t in targets},
    }
    return article, truth


def write(out_dir: Path, hosts: list[str], refused: list[str], count: int = 1000, seed: int = 0,
          small: bool = False, without: frozenset[str] | set[str] = frozenset()) -> tuple[Path, Path, dict[str, Any]]:
    article, truth = generate(hosts, refused, count, seed, small, without)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "article-small" if small else "article"
    article_path, truth_path = out_dir / f"{name}.md", out_dir / f"{name}.truth.json"
    article_path.write_text(article, encoding="utf-8")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return article_path, truth_path, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the farm's port (on 127.0.0.2 … 127.0.0.10)")
    parser.add_argument("--refused-port", type=int, default=9, help="a port where connections are refused")
    parser.add_argument("--count", type=int, default=1000, help="distinct URLs and DOIs")
    parser.add_argument("--small", action="store_true", help="one or two of each behaviour, short waits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--without", default="", help="behaviours to leave out, comma-separated (e.g. stall)")
    parser.add_argument("-o", "--out", type=Path, default=Path(__file__).resolve().parent.parent / "out" / "links")
    args = parser.parse_args(argv)
    hosts = [f"http://{h}:{args.port}" for h in HOSTS]
    refused = [f"http://{h}:{args.refused_port}" for h in HOSTS]
    without = {b.strip() for b in args.without.split(",") if b.strip()}
    article, truth_path, truth = write(args.out, hosts, refused, args.count, args.seed, args.small, without)
    statuses: dict[str, int] = {}
    for entry in truth["links"].values():
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    print(f"{article}: {truth['count']} targets ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}); "
          f"truth in {truth_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
