"""refcheck check --bib: references read from .bib, CSL-JSON, CSL-YAML and RIS files."""

import json
from pathlib import Path

import jsonschema
import pytest

from refcheck.check import check_text
from refcheck.cli import main
from refcheck.matching import match
from refcheck.model import Citation, CitationKind, Date, Name, Origin, Reference, Span, State
from refcheck.sources import read_bibliography

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "refcheck" / "schema" / "report-v1.json").read_text(encoding="utf-8"))

ARTICLE = """\
# Tides

Coastal retreat is accelerating (Müller and Holmes, 2018). Earlier work disagreed
(Ortiz, 2019), though Homes (2020) later sided with Müller and Holmes (2018).
"""

BIB = r"""@string{jos = {Journal of Shores}}

@article{muller2018,
  author = {M{\"u}ller, J{\"o}rg and Holmes, Marcus},
  title = {Coastal {Retreat}},
  journal = jos,
  year = {2018},
  volume = {4},
  pages = {1--9},
  doi = {10.1234/shores.4.1},
}

@book{ortiz2019,
  author = {Ortiz, Luc{\'\i}a},
  title = {Shorelines},
  publisher = {Tide Press},
  year = 2019,
}

@article{holmes2020,
  author = {Holmes, Marcus},
  title = {A reply},
  journal = jos,
  year = {2020},
}

@book{pena2021,
  author = {Pe{\~n}a, Ana},
  title = {Sea walls},
  year = {2021},
}
"""

CSL_JSON = """[
  {"id": "muller2018", "type": "article-journal", "title": "Coastal retreat",
   "author": [{"family": "Müller", "given": "Jörg"}, {"family": "Holmes", "given": "Marcus"}],
   "issued": {"date-parts": [[2018]]}, "container-title": "Journal of Shores"},
  {"id": "ortiz2019", "type": "book", "title": "Shorelines",
   "author": [{"family": "Ortiz", "given": "Lucía"}], "issued": {"date-parts": [[2019]]}},
  {"id": "holmes2020", "type": "article-journal", "title": "A reply",
   "author": [{"family": "Holmes", "given": "Marcus"}], "issued": {"date-parts": [[2020]]},
   "container-title": "Journal of Shores"},
  {"id": "pena2021", "type": "book", "title": "Sea walls",
   "author": [{"family": "Peña", "given": "Ana"}], "issued": {"date-parts": [[2021]]}}
]
"""

CSL_YAML = """references:
- id: muller2018
  type: article-journal
  title: Coastal retreat
  author: [{family: Müller, given: Jörg}, {family: Holmes, given: Marcus}]
  issued: 2018
  container-title: Journal of Shores
- id: ortiz2019
  type: book
  title: Shorelines
  author: [{family: Ortiz, given: Lucía}]
  issued: 2019
- id: holmes2020
  type: article-journal
  title: A reply
  author: [{family: Holmes, given: Marcus}]
  issued: 2020
  container-title: Journal of Shores
- id: pena2021
  type: book
  title: Sea walls
  author: [{family: Peña, given: Ana}]
  issued: 2021
"""

RIS = """TY  - JOUR
AU  - Müller, Jörg
AU  - Holmes, Marcus
TI  - Coastal retreat
JO  - Journal of Shores
PY  - 2018
ER  -

TY  - BOOK
AU  - Ortiz, Lucía
TI  - Shorelines
PY  - 2019
ER  -

TY  - JOUR
AU  - Holmes, Marcus
TI  - A reply
JO  - Journal of Shores
PY  - 2020
ER  -

TY  - BOOK
AU  - Peña, Ana
TI  - Sea walls
PY  - 2021
ER  -
"""

# The line each file's uncited entry (Peña 2021) starts on.
SOURCES = [("refs.bib", BIB, 27), ("refs.json", CSL_JSON, 10), ("refs.yaml", CSL_YAML, 19), ("refs.ris", RIS, 22)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(("name", "text", "uncited_line"), SOURCES)
def test_citations_resolve_against_a_bibliographic_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, uncited_line: int
) -> None:
    article = write(tmp_path, "paper.md", ARTICLE)
    source = write(tmp_path, name, text)
    status, out, err = run(capsys, str(article), "--bib", str(source), "--format", "json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    (document,) = report["documents"]
    states = [(c["text"], c["state"], c["reference"]) for c in document["citations"]]
    assert states == [
        ("Müller and Holmes, 2018", "matched", 0),
        ("Ortiz, 2019", "matched", 1),
        ("Homes (2020)", "possible", 2),
        ("Müller and Holmes (2018)", "matched", 0),
    ]
    assert [r["path"] for r in document["references"]] == [str(source)] * 4
    assert document["references"][0]["csl"]["author"][0]["family"] == "Müller"
    assert [r["cited"] for r in document["references"]] == [2, 1, 1, 0]
    found = {(f["rule"], f["path"], f["line"]) for f in report["findings"]}
    assert found == {("author-misspelled", str(article), 4), ("uncited-reference", str(source), uncited_line)}
    uncited = next(f for f in report["findings"] if f["rule"] == "uncited-reference")
    assert uncited["message"] == "Peña (2021) is never cited"
    assert uncited["document"] == str(article)
    assert uncited["fix"] == []
    misspelled = next(f for f in report["findings"] if f["rule"] == "author-misspelled")
    assert "document" not in misspelled
    assert misspelled["fix"][0]["replacement"] == "Holmes"


def test_text_report_names_the_bib_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = write(tmp_path, "paper.md", ARTICLE)
    source = write(tmp_path, "refs.bib", BIB)
    status, out, _ = run(capsys, str(article), "--bib", str(source))
    assert status == 1
    lines = out.splitlines()
    assert f"{article}:4:23: RC103 author-misspelled ‘Homes’ is spelled ‘Holmes’ in the reference list" in lines
    at = lines.index(f"{source}:27:1: RC102 uncited-reference Peña (2021) is never cited")
    # The entry's first line in the .bib file, underlined.
    assert lines[at + 1 : at + 3] == [" 27 | @book{pena2021,", "    | ^^^^^^^^^^^^^^^"]
    assert lines[-1] == "Found 2 problems (1 error, 1 info) in 1 file."


def test_several_bib_files_add_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = write(tmp_path, "paper.md", ARTICLE)
    first = write(tmp_path, "a.bib", BIB.split("@book{pena2021")[0])
    second = write(tmp_path, "b.ris", RIS.split("TY  - JOUR\nAU  - Holmes")[0])
    status, out, _ = run(capsys, str(article), "--bib", str(first), "--bib", str(second), "--format", "json")
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    references = report["documents"][0]["references"]
    assert [(r["path"], r["line"]) for r in references] == [
        (str(first), 3), (str(first), 13), (str(first), 20), (str(second), 1), (str(second), 9),
    ]
    # The RIS copies of Müller and Holmes (2018) and Ortiz (2019) duplicate the .bib entries.
    duplicates = [(f["path"], f["line"], f["message"]) for f in report["findings"] if f["rule"] == "duplicate-reference"]
    assert duplicates == [
        (str(second), 1, f"Müller and Holmes (2018) duplicates Müller and Holmes (2018) at {first}:3"),
        (str(second), 9, f"Ortiz (2019) duplicates Ortiz (2019) at {first}:13"),
    ]
    assert status == 1


def test_a_malformed_bib_still_checks_its_good_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = write(tmp_path, "paper.md", "Shown before (Ortiz, 2019) and since (Holmes, 2020).\n")
    broken = BIB.replace("  year = 2019,\n}", "  year = 2019,\n  title = {never closed\n}\n\n@misc{stray, author = nope}")
    broken = broken.replace("journal = jos,\n  year = {2020}", "journal = jsx,\n  year = {2020}")
    source = write(tmp_path, "refs.bib", broken)
    status, out, err = run(capsys, str(article), "--bib", str(source), "--format", "json")
    problems = err.splitlines()
    assert problems, err
    assert all(line.startswith(f"{source}:") for line in problems)
    assert any("'jsx' in field 'journal' is not a defined @string" in line for line in problems)
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    keys = [r["csl"]["id"] for r in report["documents"][0]["references"]]
    assert "muller2018" in keys and "holmes2020" in keys
    assert [c["state"] for c in report["documents"][0]["citations"]][1] == "matched"
    assert status == 1


def test_a_missing_bib_file_is_one_line_and_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = write(tmp_path, "paper.md", ARTICLE)
    status, out, err = run(capsys, str(article), "--bib", str(tmp_path / "nope.bib"))
    assert (status, out) == (2, "")
    assert err == f"refcheck: error: {tmp_path / 'nope.bib'}: no such file\n"


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("refs.txt", "Holmes, M. (2020) A reply.\n", "unknown kind of file"),
    ("refs.json", "[{", "not JSON"),
])  # fmt: skip
def test_an_unreadable_bib_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, problem: str
) -> None:
    article = write(tmp_path, "paper.md", ARTICLE)
    status, out, err = run(capsys, str(article), "--bib", str(write(tmp_path, name, text)))
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and problem in err


def test_key_citations_match_entries_by_key(tmp_path: Path) -> None:
    source = read_bibliography(write(tmp_path, "refs.bib", BIB))
    cites = [Citation(Span(0, 1), f"@{key}", CitationKind.KEY, key=key) for key in ("ortiz2019", "holmes2020", "nobody")]
    found = [(m.reference, m.state) for m in match(cites, source.references)]
    assert found == [(1, State.MATCHED), (2, State.MATCHED), (None, State.UNRESOLVED)]


def test_numeric_citations_do_not_number_bib_entries(tmp_path: Path) -> None:
    source = read_bibliography(write(tmp_path, "refs.bib", BIB))
    result = check_text("As shown in [2].\n", "paper.md", sources=[source])
    assert [m.reference for m in result.matches] == [None]


def test_article_list_and_bib_entries_are_both_read(tmp_path: Path) -> None:
    source = read_bibliography(write(tmp_path, "refs.bib", BIB))
    text = ARTICLE + "\n## References\n\nOrtiz, L. (2019) Shorelines. Tide Press.\n"
    result = check_text(text, "paper.md", sources=[source])
    assert [r.origin for r in result.references] == [None, *(Origin(str(tmp_path / "refs.bib"), n) for n in (3, 13, 20, 27))]
    duplicate = next(f for f in result.findings if f.rule == "duplicate-reference")
    assert duplicate.origin == Origin(str(tmp_path / "refs.bib"), 13)
    assert duplicate.message == "Ortiz (2019) duplicates Ortiz (2019) on line 8 of paper.md"


def test_a_list_without_a_heading_is_body_text_with_bib(tmp_path: Path) -> None:
    # Without --bib, refcheck would take the closing paragraph for a reference list.
    source = read_bibliography(write(tmp_path, "refs.bib", BIB))
    result = check_text(ARTICLE, "paper.md", sources=[source])
    assert len(result.citations) == 4
    assert all(r.origin is not None for r in result.references)


def test_entries_of_a_bib_file_get_no_fixes(tmp_path: Path) -> None:
    bib = """@online{a, author = {Marsh, Pat}, title = {Tides}, year = 2019, url = {https://a.example/tides}}
@online{b, author = {Ortiz, Lu}, title = {Shores}, year = 2019, url = {https://b.example/shores}}
@online{c, author = {Quinn, Al}, title = {Waves}, year = 2019, url = {www.c.example/waves}}
"""
    source = read_bibliography(write(tmp_path, "refs.bib", bib))
    result = check_text("(Marsh, 2019; Ortiz, 2019; Quinn, 2019)\n", "paper.md", sources=[source])
    (finding,) = result.findings
    assert finding.rule == "malformed-url"
    assert finding.origin == Origin(str(tmp_path / "refs.bib"), 3)
    assert finding.suggestion == "https://www.c.example/waves"
    assert finding.fix == ()


def test_reference_from_csl_item() -> None:
    item = {
        "id": "beethoven1801", "type": "chapter", "title": "Sonata", "container-title": "Works",
        "author": [{"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
                   {"family": "Linde", "given": "Anna", "non-dropping-particle": "van der", "suffix": "Jr."},
                   {"literal": "World Health Organization"}],
        "editor": [{"family": "Marsh"}],
        "issued": {"date-parts": [[1801, 3, 5]]}, "year-suffix": "a",
        "accessed": {"literal": "n.d."},
        "volume": 4, "issue": "2", "page": "1-9", "publisher": "Tide Press", "publisher-place": "Leeds",
        "edition": "2", "DOI": "10.1/x", "URL": "https://x.example", "ISBN": "978-0",
    }  # fmt: skip
    reference = Reference.from_csl(item, Origin("refs.json", 2))
    assert reference.authors == (
        Name(family="Beethoven", given="Ludwig van"),
        Name(family="Linde", given="Anna", particle="van der", suffix="Jr."),
        Name(literal="World Health Organization"),
    )
    assert reference.editors == (Name(family="Marsh"),)
    assert reference.issued == Date(1801, 3, 5, "a")
    assert reference.accessed == Date(literal="n.d.")
    assert (reference.key, reference.text, reference.origin) == ("beethoven1801", "beethoven1801", Origin("refs.json", 2))
    assert (reference.volume, reference.issue, reference.page) == ("4", "2", "1-9")
    assert reference.to_csl(id="beethoven1801") == {
        **{k: v for k, v in item.items() if k not in ("author", "accessed", "volume")},
        "author": [{"family": "Beethoven", "given": "Ludwig van"},
                   {"family": "Linde", "given": "Anna", "non-dropping-particle": "van der", "suffix": "Jr."},
                   {"literal": "World Health Organization"}],
        "volume": "4", "accessed": {"literal": "n.d."},
    }  # fmt: skip


def test_reference_from_csl_item_without_fields() -> None:
    reference = Reference.from_csl({"id": "x", "issued": {"literal": "in press"}, "author": "nobody"})
    assert (reference.type, reference.authors, reference.issued, reference.origin) == ("", (), Date(literal="in press"), None)
