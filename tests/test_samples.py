"""The samples: snapshots of their text and JSON reports, and the answer keys of samples/README.md.

Set REFCHECK_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after a deliberate change.
"""

import json
import os
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from refcheck.check import check_file
from refcheck.report import json_report, text_report

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"
SAMPLES = sorted(p.name for p in (ROOT / "samples").iterdir() if p.suffix in {".md", ".txt"} and p.name != "README.md")
SCHEMA = json.loads((ROOT / "refcheck" / "schema" / "report-v1.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # so reports name the samples as users see them: samples/…


def compare(name: str, produced: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("REFCHECK_UPDATE_SNAPSHOTS"):
        path.write_text(produced, encoding="utf-8", newline="")
    assert path.exists(), f"no snapshot {path.name}; run with REFCHECK_UPDATE_SNAPSHOTS=1"
    assert produced == path.read_text(encoding="utf-8")


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 3


@pytest.mark.parametrize("sample", SAMPLES)
def test_text_report_snapshot(sample: str) -> None:
    result = check_file(f"samples/{sample}")
    compare(f"{sample}.txt", text_report([result]))


@pytest.mark.parametrize("sample", SAMPLES)
def test_json_report_snapshot_and_schema(sample: str) -> None:
    result = check_file(f"samples/{sample}")
    produced = json_report([result])
    jsonschema.validate(json.loads(produced), SCHEMA)
    compare(f"{sample}.json", produced)
    assert json_report([check_file(f"samples/{sample}")]) == produced  # same input, same bytes


def rules_found(sample: str) -> Counter[str]:
    return Counter(f.rule for f in check_file(f"samples/{sample}").findings)


@pytest.mark.parametrize("sample", ["apa-paper.md", "ieee-paper.md"])
def test_clean_samples_are_clean(sample: str) -> None:
    result = check_file(f"samples/{sample}")
    assert [f.message for f in result.findings] == []
    assert all(m.state.value == "matched" for m in result.matches)
    assert result.citations and all(result.cited_counts())


def test_harvard_essay_answer_key() -> None:
    result = check_file("samples/harvard-essay.md")
    assert rules_found("harvard-essay.md") == Counter({
        "author-misspelled": 1,
        "given-name-as-surname": 2,
        "date-mismatch": 1,
        "duplicate-reference": 1,
        "reference-order": 1,
        "malformed-url": 1,
        "missing-url": 2,
        "uncited-reference": 1,
    })
    by_rule = {f.rule: f for f in result.findings}
    assert by_rule["author-misspelled"].suggestion == "Fenwick"
    assert "Vickery" in by_rule["uncited-reference"].message
    assert "Okafor" in by_rule["reference-order"].message or "Marsh" in by_rule["reference-order"].message
    given = sorted(f.suggestion or "" for f in result.findings if f.rule == "given-name-as-surname")
    assert given == ["Raman, Priya", "Tavares"]


def test_vancouver_answer_key() -> None:
    result = check_file("samples/vancouver-notes.txt")
    assert rules_found("vancouver-notes.txt") == Counter(
        {"numbering-order": 1, "uncited-reference": 1, "unresolved-citation": 1}
    )
    unresolved = next(f for f in result.findings if f.rule == "unresolved-citation")
    assert "[9]" in unresolved.message
