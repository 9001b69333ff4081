"""bench/links: the farm acts out each behaviour, the generator's truth matches, refcheck.links agrees."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refcheck.links import LinkResult, check_links, collect_links

LINKS_BENCH = Path(__file__).resolve().parent.parent / "bench" / "links"
sys.path.insert(0, str(LINKS_BENCH))
import farm  # noqa: E402  (bench/links is not a package)
import generate  # noqa: E402

pytestmark = pytest.mark.skipif(
    not farm.can_bind(), reason="the link farm needs 127.0.0.2-127.0.0.10 (Linux routes 127/8 to loopback)"
)

PER_HOST = 8
CROWD = 24  # slow URLs on one host, to see the per-host limit reached and kept


# Behaviours refcheck.links does not yet get right, with what it says (see bench/README.md).


@pytest.fixture(scope="module")
def checked() -> Iterator[dict[str, Any]]:
    with farm.running(big_body=1024 * 1024) as thread:
        described = thread.farm.describe()
        article, truth = generate.generate(described["hosts"], described["refused"], small=True)
        crowd = " ".join(f"{described['hosts'][0]}/slow/300/crowd-{i}" for i in range(CROWD))
        links = collect_links(article + "\n" + crowd + "\n")
        results = asyncio.run(check_links(
            links, per_host=PER_HOST, timeout=0.8, retries=2, backoff=0.02, max_backoff=0.05,
            doi_url=described["doi_url"],
        ))  # fmt: skip
        yield {"truth": truth, "results": {r.link.target: r for r in results}, "stats": thread.stats()}


def test_small_article_has_every_behaviour_and_forms() -> None:
    article, truth = generate.generate(["http://h1:1", "http://h2:1"], ["http://h1:2"], small=True)
    assert {entry["behaviour"] for entry in truth["links"].values()} == set(generate.MIX)
    assert {link.target for link in collect_links(article)} == set(truth["links"])
    assert "](http://" in article and "<http://" in article and "doi:10.5555/" in article
    assert generate.generate(["http://h1:1", "http://h2:1"], ["http://h1:2"], small=True) == (article, truth)


def test_full_mix_is_about_a_fifth_dead() -> None:
    _, truth = generate.generate([f"http://h{i}:1" for i in range(9)], ["http://h0:2"], count=1000)
    statuses = [entry["status"] for entry in truth["links"].values()]
    assert len(statuses) == 1000
    assert 0.17 < statuses.count("dead") / 1000 < 0.23


@pytest.mark.parametrize(
    "behaviour",
    list(generate.MIX),
)
def test_refcheck_gives_each_behaviour_its_true_status(checked: dict[str, Any], behaviour: str) -> None:
    results: dict[str, LinkResult] = checked["results"]
    for target, entry in checked["truth"]["links"].items():
        if entry["behaviour"] == behaviour:
            result = results[target]
            assert result.status.value == entry["status"], (target, result)


def test_per_host_limit_is_kept_and_reached(checked: dict[str, Any]) -> None:
    stats = checked["stats"]
    assert max(st["peak_in_flight"] for st in stats.values()) == PER_HOST
    assert all(st["peak_connections"] <= PER_HOST for st in stats.values()), stats
    assert all(checked["results"][f"{h}/slow/300/crowd-{i}"].status.value == "ok"
               for h in checked["truth"]["hosts"][:1] for i in range(CROWD))  # fmt: skip


def test_big_body_is_not_read_to_the_end(checked: dict[str, Any]) -> None:
    bodies = [b for st in checked["stats"].values() for b in st["big_bodies"]]
    assert bodies and not any(b["complete"] for b in bodies)


def test_rate_limited_and_flaky_urls_were_asked_again(checked: dict[str, Any]) -> None:
    results: dict[str, LinkResult] = checked["results"]
    for target, entry in checked["truth"]["links"].items():
        if entry["behaviour"] in ("ratelimit", "unavailable", "badgateway"):
            assert results[target].attempts >= 2, results[target]
