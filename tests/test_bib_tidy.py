"""refcheck bib tidy and bib merge (refcheck.bib.tidy, refcheck.bib.merge, refcheck.bib.library).

Set REFCHECK_UPDATE_SNAPSHOTS=1 to rewrite the snapshot after a deliberate change.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.bib.library import Entry, Text, read, write
from refcheck.bib.tidy import tidy
from refcheck.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "bib"
SNAPSHOTS = Path(__file__).parent / "snapshots"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def tidy_text(text: str, **options: object) -> str:
    blocks, _ = read(text)
    return write(tidy(blocks, **options)[0])  # type: ignore[arg-type]


def test_layout_of_a_messy_library_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["bib", "tidy", str(FIXTURES / "messy.bib")], capsys)
    assert status == 0
    snapshot = SNAPSHOTS / "bib_tidy_messy.bib"
    if os.environ.get("REFCHECK_UPDATE_SNAPSHOTS"):
        snapshot.write_text(out, encoding="utf-8")
    assert out == snapshot.read_text(encoding="utf-8")
    assert "a block that does not parse" in err and "duplicates (doi): zhang2019, dup" in err


def test_layout_details() -> None:
    out = tidy_text(Path(FIXTURES / "messy.bib").read_text(encoding="utf-8"))
    kim = out[out.index("@article{Kim2021"):]
    kim = kim[:kim.index("\n}\n")]
    names = re.findall(r"^  (\w+) = ", kim, re.M)
    assert names == ["author", "title", "journal", "year", "volume", "number", "url", "urldate",
                     "abstract", "keywords"]
    assert "  journal = {Social Studies}," in kim and "  abstract = {An abstract over lines.}," in kim
    assert "issn" not in kim  # empty: removed
    assert "  volume = {12}," in kim  # quoted → braced; numbers braced too
    assert "  month = jan," in out  # a @string name stays bare
    assert "  title = {Stuff} # {and more}," in out
    keys = re.findall(r"^@\w+\{([^,\n]+)", out, re.M)
    assert keys[-4:] == ["adams1980", "bee2020", "dup", "Kim2021", "zhang2019"][-4:]


def test_idempotent_on_the_fixture() -> None:
    text = Path(FIXTURES / "messy.bib").read_text(encoding="utf-8")
    for options in ({}, {"sort": "author-year"}, {"sort": "none"}, {"escape": True}, {"unicode": True},
                    {"regenerate": True, "merge": "combine"}, {"regenerate": True, "sort": "author-year"}):
        once = tidy_text(text, **options)
        assert tidy_text(once, **options) == once, options


def test_comments_preamble_strings_and_malformed_kept() -> None:
    text = Path(FIXTURES / "messy.bib").read_text(encoding="utf-8")
    out = tidy_text(text)
    for kept in ("% My library, exported 2024", '@PREAMBLE{ "\\newcommand{\\noopsort}[1]{}" }',
                 '@String{ jbio = "Journal of Biology" }', "% -- books --", "@comment{a real comment}",
                 "@article{broken,\n  title = {Unclosed"):
        assert kept in out
    # --sort none keeps every block in its place
    none = tidy_text(text, sort="none")
    assert none.index("% -- books --") < none.index("@book{adams1980") < none.index("@misc{dup")


def test_escape_and_unicode() -> None:
    text = "@article{a, author = {M{\\\"u}ller, J{\\\"o}rg}, title = {Caf{\\'e} {\\ss} \\v{c}}}\n"
    uni = tidy_text(text, unicode=True)
    assert "Müller, Jörg" in uni and "Café ß č" in uni
    back = tidy_text(uni, escape=True)
    assert "é" not in back and "ü" not in back and "\\" in back


def test_in_place_is_atomic_and_keeps_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "lib.bib"
    library.write_text((FIXTURES / "messy.bib").read_text(encoding="utf-8"), encoding="utf-8")
    library.chmod(0o640)
    inode = library.stat().st_ino
    status, out, _ = run(["bib", "tidy", str(library), "--in-place"], capsys)
    assert status == 0 and out == ""
    assert stat.S_IMODE(library.stat().st_mode) == 0o640
    assert library.stat().st_ino != inode  # replaced by a rename, not written over
    assert library.read_text(encoding="utf-8") == (SNAPSHOTS / "bib_tidy_messy.bib").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["lib.bib"]  # no temporary file left


def test_output_file_and_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.bib"
    assert run(["bib", "tidy", str(FIXTURES / "messy.bib"), "-o", str(out)], capsys)[0] == 0
    assert out.read_text(encoding="utf-8").startswith("% My library")
    status, _, err = run(["bib", "tidy", str(tmp_path / "nope.bib")], capsys)
    assert status == 2 and "nope.bib" in err


def test_regenerated_keys_with_collisions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = ("@article{x1, author = {Smith, Ann}, title = {The Deep sea}, year = 2020}\n"
            "@article{x2, author = {John Smith}, title = {Deep water}, year = 2020}\n"
            "@article{x3, author = {Smith, B.}, title = {Deep space}, year = 2020}\n"
            "@book{x4, editor = {M{\\\"u}ller, K.}, title = {On Bees}, year = {1999}}\n")
    out = tidy_text(text, regenerate=True)
    keys = re.findall(r"^@\w+\{([^,\n]+)", out, re.M)
    assert keys == ["muller1999bees", "smith2020deep", "smith2020deepa", "smith2020deepb"]
    # the same keys whatever the entries' order
    reordered = "\n".join(reversed(text.strip().split("\n")))
    assert tidy_text(reordered, regenerate=True) == out
    library = tmp_path / "k.bib"
    library.write_text(text, encoding="utf-8")
    status, out2, _ = run(["bib", "tidy", str(library), "--regenerate-keys", "--key-pattern", "{Family}-{year}"], capsys)
    assert status == 0
    assert re.findall(r"^@\w+\{([^,\n]+)", out2, re.M) == ["Muller-1999", "Smith-2020", "Smith-2020a", "Smith-2020b"]
    status, _, err = run(["bib", "tidy", str(library), "--regenerate-keys", "--key-pattern", "{nope}"], capsys)
    assert status == 2 and "{nope}" in err


DUPES = ("@article{a, title = {Same Work}, year = 2020, doi = {10.1/X}, pages = {1--2}}\n"
         "@article{b, title = {Same work!}, year = 2020, volume = {3}, pages = {9}}\n"
         "@misc{c, title = {Other}, doi = {https://doi.org/10.1/x}, note = {n}}\n"
         "@misc{d, title = {Unrelated}, year = 2021}\n")


@pytest.mark.parametrize(("mode", "expected"), [
    ("first", "@article{a,\n  title = {Same Work},\n  year = {2020},\n  pages = {1--2},\n  doi = {10.1/X}\n}"),
    ("last", "@misc{c,\n  title = {Other},\n  note = {n},\n  doi = {https://doi.org/10.1/x}\n}"),
    ("combine", "@article{a,\n  title = {Same Work},\n  year = {2020},\n  volume = {3},\n  pages = {1--2},\n"
                "  note = {n},\n  doi = {10.1/X}\n}"),
])
def test_merge_modes(mode: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "d.bib"
    library.write_text(DUPES, encoding="utf-8")
    status, out, err = run(["bib", "tidy", str(library), "--merge", mode], capsys)
    assert status == 0
    entries = out.strip().split("\n\n")
    assert entries == [expected, "@misc{d,\n  title = {Unrelated},\n  year = {2021}\n}"]
    assert f"merged (title and year, --merge {mode}): a, b, c" in err


def test_duplicates_only_reported_without_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "d.bib"
    library.write_text(DUPES + "@misc{d, title = {Again}}\n", encoding="utf-8")
    status, out, err = run(["bib", "tidy", str(library)], capsys)
    assert status == 0 and out.count("@") == 5
    assert "duplicates (title and year): a, b, c" in err and "duplicates (key): d, d" in err


def test_merge_two_files_with_a_key_clash_and_a_duplicate_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b, out = tmp_path / "a.bib", tmp_path / "b.bib", tmp_path / "out.bib"
    a.write_text("% A\n@article{smith2020, author = {Smith, J.}, title = {Alpha}, year = 2020, doi = {10.1/a}}\n"
                 "@book{same, title = {Same}, year = {2001}}\n", encoding="utf-8")
    b.write_text("% B\n@article{smith2020, author = {Smith, K.}, title = {Beta}, year = 2021}\n"
                 "@book{same, title = {Same}, year = 2001}\n"
                 "@article{other, title = {Alpha}, doi = {https://doi.org/10.1/A}, pages = {1--2}}\n", encoding="utf-8")
    status, stdout, err = run(["bib", "merge", str(a), str(b), "-o", str(out), "--merge", "combine",
                               "--report", "json"], capsys)
    assert status == 0 and stdout == ""
    report = json.loads(err)
    assert report["renamed"] == [{"file": str(b), "from": "smith2020", "to": "smith2020a"}]
    assert report["identical"] == [{"file": str(b), "key": "same"}]
    assert report["merged"] == [{"keys": ["smith2020", "other"], "reason": "doi", "merge": "combine",
                                 "kept": "smith2020"}]
    assert report["entries"] == 3
    text = out.read_text(encoding="utf-8")
    assert re.findall(r"^@\w+\{([^,\n]+)", text, re.M) == ["smith2020", "same", "smith2020a"]
    assert "pages = {1--2}" in text and "% A" in text and "% B" in text
    status, _, err = run(["bib", "merge", str(a), str(b), "-o", str(out)], capsys)
    assert "renamed smith2020a" in err and "merged (doi, --merge first): smith2020, other → smith2020" in err


# -- property: generated libraries survive tidy ---------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='{}\\@"%'),
                max_size=12)


@st.composite
def _value(draw: st.DrawFn, depth: int = 0) -> str:
    parts = draw(st.lists(st.one_of(_TEXT, _value(depth + 1)) if depth < 2 else _TEXT, max_size=4))
    inner = "".join(parts)
    return inner if depth == 0 else "{" + inner + "}"


_NAME = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
_KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9:_-]{0,10}", fullmatch=True)
_COMMENT = st.from_regex(r"% [^@\n\r{}\x00-\x1f\x7f]{0,30}", fullmatch=True).map(str.strip)


@st.composite
def _library(draw: st.DrawFn) -> tuple[str, dict[str, tuple[str, dict[str, str]]], list[str]]:
    keys = draw(st.lists(_KEY, max_size=6, unique_by=str.casefold))
    entries: dict[str, tuple[str, dict[str, str]]] = {}
    comments: list[str] = []
    chunks = []
    for key in keys:
        kind = draw(st.sampled_from(["article", "Book", "MISC", "inproceedings"]))
        fields = draw(st.dictionaries(_NAME, _value(), max_size=6))
        entries[key] = (kind.lower(), fields)
        if draw(st.booleans()):
            comment = draw(_COMMENT)
            if comment:
                comments.append(comment)
                chunks.append(comment)
        body = []
        for name, value in fields.items():
            quoted = draw(st.booleans()) and '"' not in value
            space = draw(st.sampled_from([" ", "", "\n    ", "  "]))
            body.append(f"{name.upper() if draw(st.booleans()) else name}{space}={space}"
                        + (f'"{value}"' if quoted else "{" + value + "}"))
        chunks.append(f"@{kind}{{{key},\n  " + ",\n  ".join(body) + "\n}")
    return "\n".join(chunks) + "\n", entries, comments


def _squeeze(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_library())
def test_property_tidy_keeps_every_entry_field_and_comment(library: tuple[str, dict[str, tuple[str, dict[str, str]]], list[str]]) -> None:
    text, entries, comments = library
    out = tidy_text(text)
    assert tidy_text(out) == out
    parsed = bibtexparser.parse_string(out)  # an independent reader of the output
    assert not parsed.failed_blocks
    got = {e.key: e for e in parsed.entries}
    assert set(got) == set(entries)
    for key, (kind, fields) in entries.items():
        assert got[key].entry_type.lower() == kind
        values = {f.key: f.value for f in got[key].fields}
        expected = {name: _squeeze(value) for name, value in fields.items() if _squeeze(value)}
        assert set(values) == set(expected)
        for name, value in expected.items():
            assert _squeeze(values[name]) == value  # bibtexparser gives the value inside the braces
    blocks, _ = read(out)
    kept = [b.text for b in blocks if isinstance(b, Text)]
    for comment in comments:
        assert any(comment in k for k in kept)
    assert sum(isinstance(b, Entry) for b in blocks) == len(entries)
