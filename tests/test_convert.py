"""`refcheck convert` and the readers and writers under it: real files in, real files out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.cli import main
from refcheck.convert.bibtex import from_bibtex, to_biblatex, to_bibtex
from refcheck.convert.csljson import from_csl_json, from_csl_yaml, to_csl_yaml
from refcheck.convert.latex import decode, encode
from refcheck.convert.ris import from_ris, to_ris
from refcheck.document import InputError
from refcheck.model import Problem
from refcheck.parse import parse_strings, to_csl_json
from refcheck.sources import read_items, read_source, text_kind, write

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "convert"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# What BibTeX carries of an item (ids and keys are the writer's to choose).
_CARRIED = ("type", "author", "editor", "title", "container-title", "volume", "issue", "page", "publisher",
            "publisher-place", "edition", "DOI", "URL", "ISBN", "note", "accessed")  # fmt: skip


def _carried(item: dict[str, Any], day: bool = False) -> dict[str, Any]:
    out = {k: item[k] for k in _CARRIED if k in item}
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        out["issued"] = parts if day else parts[:2]  # BibTeX's year and month have no day
    return out


def test_free_text_to_bibtex_and_back_keeps_the_fields(tmp_path: Path) -> None:
    lines = [
        "Wheeler, T. and Holmes, M. (2018) Lessons & tales. Journal of Stuff, 12(3), pp. 4-9. doi:10.1000/xyz_1",
        "Müller, J. (2019) Straße und Café. Berlin: Springer.",
        "van Gogh, V. (2001) Letters to Theo. In: Smith, A. (ed.) Collected letters. London: Penguin, pp. 10-20.",
        "World Health Organization (2020) Heat and health. Available at: https://www.who.int/heat "
        "(Accessed: 4 May 2021).",
    ]
    items = to_csl_json(parse_strings(lines))
    bib = tmp_path / "refs.bib"
    bib.write_text(to_bibtex(items), encoding="utf-8")
    assert bib.read_text(encoding="utf-8").isascii()  # accents written as LaTeX
    back, problems = read_source(bib)
    assert problems == []
    assert [_carried(b) for b in back] == [_carried(i) for i in items]
    assert items[1]["author"] == [{"family": "Müller", "given": "J."}]


def test_hand_written_bib_reads_without_loss() -> None:
    items, problems = read_source(FIXTURES / "library.bib")
    assert problems == []
    assert [i["id"] for i in items] == ["muller2018dna", "lindgren2001heat", "proc2001", "who2020", "osei2019"]
    article, paper, proceedings, web, thesis = items
    assert article == {
        "id": "muller2018dna", "citation-key": "muller2018dna", "type": "article-journal",
        "author": [
            {"family": "Müller", "given": "Jörg"},
            {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
            {"literal": "World Health Organization"},
            {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        ],
        "issued": {"date-parts": [[2018, 3]]},
        "title": "The DNA of café & ß-Straße: 50% off",
        "container-title": "Journal of Urban Climate Studies (Online)",
        "volume": "12", "issue": "3", "page": "201-219",
        "DOI": "10.5281/jucs.2018_0312",
        "note": "First published online",
    }  # fmt: skip
    # crossref: the proceedings' title, year, publisher and place are inherited.
    assert paper["type"] == "paper-conference"
    assert paper["container-title"] == "Proceedings of the Nordic Climate Conference"
    assert paper["issued"] == {"date-parts": [[2001]]}
    assert (paper["publisher"], paper["publisher-place"]) == ("ACM Press", "Malmö")
    assert paper["author"][1] == {"family": "Fontaine", "given": "Jean", "non-dropping-particle": "de la"}
    assert proceedings["type"] == "book" and proceedings["title"].startswith("Proceedings")
    assert web["type"] == "webpage" and web["author"] == [{"literal": "World Health Organization"}]
    assert web["issued"] == {"date-parts": [[2020, 6, 1]]} and web["accessed"] == {"date-parts": [[2021, 5, 4]]}
    assert web["URL"].endswith("climate-change-heat-and-health")
    assert thesis["type"] == "thesis" and thesis["publisher"] == "University of Ghana"


def test_malformed_bib_gives_problems_at_their_lines_and_converts_the_rest() -> None:
    items, problems = read_source(FIXTURES / "malformed.bib")
    assert [(p.line, p.message.split(":")[0].split(";")[0]) for p in problems] == [
        (7, "@article entry cannot be read"),
        (12, "duplicate key 'good1'"),
        (16, "unknown entry type @foo"),
        (22, "'undefinedmacro' in field 'journal' is not a defined @string"),
    ]
    assert [(i["id"], i["title"]) for i in items] == [
        ("good1", "First good"), ("odd", "An unknown type"), ("good2", "Second good"),
    ]  # fmt: skip
    assert items[0]["author"] == [{"family": "Smith", "given": "Ann"}]


def test_unterminated_entry_at_the_end_is_a_problem_not_a_failure() -> None:
    items, problems = from_bibtex("@book{a, title={A}}\n\n@book{b, title = {never closed\n")
    assert [i["id"] for i in items] == ["a"]
    assert [p.line for p in problems] == [3]


def test_bibtex_escapes_and_accents() -> None:
    item = {"id": "x", "type": "article-journal", "title": "R&D costs 50% of $5 #1 a_b {x} ~^\\ in NASA's Łódź",
            "author": [{"family": "Gödel", "given": "Kurt"}, {"family": "Gogh", "given": "Vincent",
                                                               "non-dropping-particle": "van"},
                       {"literal": "Société Générale"}],
            "container-title": "Nature", "issued": {"date-parts": [[2020, 2, 3]]}}  # fmt: skip
    bib = to_bibtex([item])
    assert r"title = {R\&D costs 50\% of \$5 \#1 a\_b \{x\} \textasciitilde{}\textasciicircum{}\textbackslash{}" in bib
    assert "{NASA}'s {\\L}{\\'o}d{\\'z}" in bib
    assert r'author = {G{\"o}del, Kurt and van Gogh, Vincent and {Soci{\'e}t{\'e} G{\'e}n{\'e}rale}}' in bib
    assert "@article{godel2020r," in bib and "journal = {Nature}" in bib and "month = {2}" in bib
    (back,), problems = from_bibtex(bib)
    assert problems == [] and back["title"] == item["title"] and back["author"] == item["author"]


def test_biblatex_keeps_unicode_and_uses_its_own_fields() -> None:
    items = [
        {"id": "w", "type": "webpage", "title": "Heat and health", "author": [{"literal": "Organisation mondiale"}],
         "URL": "https://who.int/a_b", "issued": {"date-parts": [[2020, 6, 1]]},
         "accessed": {"date-parts": [[2021, 5, 4]]}, "note": "Fact sheet"},
        {"id": "a", "type": "article-journal", "title": "Café", "author": [{"family": "Åkesson", "given": "Lö"}],
         "container-title": "Revue & co", "issued": {"date-parts": [[2017]]}, "publisher-place": "Paris"},
        {"id": "t", "type": "report", "title": "R", "publisher": "Met Office", "number": "12"},
    ]  # fmt: skip
    out = to_biblatex(items)
    assert "@online{organisation2020heat," in out
    assert "date = {2020-06-01}" in out and "urldate = {2021-05-04}" in out and "url = {https://who.int/a_b}" in out
    assert "note = {Fact sheet}" in out
    assert "author = {Åkesson, Lö}" in out and "journaltitle = {Revue \\& co}" in out and "location = {Paris}" in out
    assert "@report{" in out and "institution = {Met Office}" in out
    back, problems = from_bibtex(out)
    assert problems == []
    assert [_carried(b, day=True) for b in back] == [_carried(i, day=True) for i in items]


def test_bibtex_entry_types() -> None:
    kinds = ["article-journal", "book", "chapter", "paper-conference", "webpage", "report", "thesis", "document"]
    items = [{"id": k, "type": k, "title": k, "URL": "https://x.org"} for k in kinds]
    out = to_bibtex(items)
    for entry in ("@article{", "@book{", "@incollection{", "@inproceedings{", "@misc{", "@techreport{",
                  "@phdthesis{"):  # fmt: skip
        assert entry in out
    back, _ = from_bibtex(out)
    # A @misc with a url reads back as a web page.
    assert [b["type"] for b in back] == kinds[:-1] + ["webpage"]


def test_keys_from_a_bib_file_are_kept_and_others_are_made_stable() -> None:
    items, _ = read_source(FIXTURES / "library.bib")
    again, _ = from_bibtex(to_bibtex(items))
    assert [i["id"] for i in again] == [i["id"] for i in items]
    fresh = [{"id": "ref1", "type": "book", "title": "Lessons", "author": [{"family": "Wheeler"}],
              "issued": {"date-parts": [[2018]]}}] * 2  # fmt: skip
    assert "@book{wheeler2018lessons," in to_bibtex(fresh) and "@book{wheeler2018lessonsa," in to_bibtex(fresh)


def test_csl_yaml_round_trip(tmp_path: Path) -> None:
    items, _ = read_source(FIXTURES / "library.bib")
    target = tmp_path / "refs.yaml"
    target.write_text(write(items, "csl-yaml"), encoding="utf-8")
    assert target.read_text(encoding="utf-8").startswith("---\nreferences:\n")
    back, problems = read_source(target)
    assert problems == [] and back == items


def test_csl_yaml_as_people_write_it() -> None:
    text = "references:\n- id: a\n  issued: 2019-04-02\n  author:\n    family: Doe\n- 4\n" \
           "- id: c\n  issued:\n  - year: 2001\n    month: 2\n"  # fmt: skip
    items, problems = from_csl_yaml(text)
    assert items == [
        {"id": "a", "issued": {"date-parts": [[2019, 4, 2]]}, "author": [{"family": "Doe"}], "type": "document"},
        {"id": "c", "issued": {"date-parts": [[2001, 2]]}, "type": "document"},
    ]
    assert problems == [Problem(6, "item 2 is not an object; skipped")]


def test_csl_json_reads_arrays_and_items_objects_with_lines() -> None:
    text = '{"meta": {"x": [1, 2]},\n "items": [\n  {"id": "a", "title": "A"},\n  7,\n  {"id": "b", "author": "X"}\n]}'
    items, problems = from_csl_json(text)
    assert items == [{"id": "a", "title": "A", "type": "document"}, {"id": "b", "type": "document"}]
    assert problems == [Problem(4, "item 2 is not an object; skipped"),
                        Problem(5, "item b: 'author' is not a list of names; dropped")]  # fmt: skip
    assert from_csl_json('[{"id": "a", "type": "book"}]') == ([{"id": "a", "type": "book"}], [])


def test_ris_round_trip(tmp_path: Path) -> None:
    items, _ = read_source(FIXTURES / "library.bib")
    target = tmp_path / "refs.ris"
    target.write_text(to_ris(items), encoding="utf-8")
    back, problems = read_source(target)
    assert problems == []
    assert [_carried(b, day=True) for b in back] == [_carried(i, day=True) for i in items]
    assert [b["id"] for b in back] == [i["id"] for i in items]


def test_ris_problems_have_lines_and_the_rest_converts() -> None:
    text = "junk\nAU  - X, Y\nTY  - FOO\nTI  - t\nPY  - 2019///\nER  - \nTY  - JOUR\nTI  - u\nDA  - soon\n"
    items, problems = from_ris(text)
    assert [(i["type"], i["title"]) for i in items] == [("document", "t"), ("article-journal", "u")]
    assert [p.line for p in problems] == [1, 2, 3, 7, 9]


@pytest.mark.parametrize("text", ["[1,", "{]"])
def test_unreadable_json_is_an_input_error_with_its_line(tmp_path: Path, text: str) -> None:
    source = tmp_path / "bad.json"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json:1: not JSON"):
        read_source(source)


def test_unknown_extension_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "refs.xml"
    source.write_text("<xml/>", encoding="utf-8")
    with pytest.raises(InputError, match="unknown kind of file"):
        read_source(source)


def test_latex_decoding() -> None:
    assert decode(r"{\"o} \'e \& {\ss} 10--20 {DNA} a~b \url{http://x.org/a_b} 50% \textit{it}") == \
        "ö é & ß 10–20 DNA a b http://x.org/a_b 50% it"  # fmt: skip


_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 .,:;!?'\"()-&%$#_{}~^\\/éüßøÅŁıçñ")), min_size=1, max_size=25
).map(lambda s: " ".join(s.split())).filter(bool)
_WORD = st.text(alphabet=st.sampled_from(list("abcdeéüøßł")), min_size=1, max_size=8)
_FAMILY = st.builds(lambda first, rest: first + rest, st.sampled_from(list("ABCÅÖŁ")), _WORD)
_NAME = st.one_of(
    st.builds(lambda f, g: {"family": f, "given": g}, _FAMILY, _FAMILY),
    st.builds(lambda f, g: {"family": f, "given": g, "non-dropping-particle": "van"}, _FAMILY, _FAMILY),
    st.builds(lambda a, b: {"literal": f"{a} {b}"}, _FAMILY, _FAMILY),
)
_ITEM = st.fixed_dictionaries(
    {"type": st.sampled_from(["article-journal", "book", "chapter", "paper-conference", "report", "thesis"]),
     "title": _TEXT},
    optional={"author": st.lists(_NAME, min_size=1, max_size=3), "container-title": _TEXT, "volume": _TEXT,
              "publisher": _TEXT, "note": _TEXT, "DOI": st.just("10.1000/a_b%c"),
              "issued": st.builds(lambda y, m: {"date-parts": [[y, m]]}, st.integers(1000, 2100), st.integers(1, 12)),
              "page": st.builds(lambda a, b: f"{a}-{b}", st.integers(1, 999), st.integers(1000, 2000))},
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_ITEM, min_size=1, max_size=3))
def test_items_survive_bibtex(items: list[dict[str, Any]]) -> None:
    # Containers of a book or report have no BibTeX field of their own.
    items = [{k: v for k, v in i.items() if k != "container-title" or i["type"] in ("article-journal", "chapter",
                                                                                    "paper-conference")}
             for i in items]  # fmt: skip
    for writer in (to_bibtex, to_biblatex):
        back, problems = from_bibtex(writer(items))
        assert problems == []
        assert [_carried(b) for b in back] == [_carried(i) for i in items]


@given(_TEXT)
def test_latex_encoding_round_trips(text: str) -> None:
    assert decode(encode(text)) == text
    assert decode(encode(text, ascii_letters=False)) == text


# ---- the command line -------------------------------------------------------------------------


def test_convert_bib_to_csl_json_with_problems_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    source = FIXTURES / "malformed.bib"
    assert main(["convert", str(source), "--to", "csl-json", "-o", str(out)]) == 0
    assert [i["id"] for i in json.loads(out.read_text(encoding="utf-8"))] == ["good1", "odd", "good2"]
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[0] for line in err] == [f"{source}:{n}" for n in (7, 12, 16, 22)]
    assert not list(tmp_path.glob(".out.json.*"))  # the temporary file was renamed


@pytest.mark.parametrize("to", ["bibtex", "biblatex", "csl-json", "csl-yaml", "ris"])
def test_every_format_from_every_format(tmp_path: Path, to: str) -> None:
    first = tmp_path / f"refs.{ {'bibtex': 'bib', 'biblatex': 'bib', 'csl-json': 'json', 'csl-yaml': 'yaml', 'ris': 'ris'}[to] }"
    assert main(["convert", str(FIXTURES / "library.bib"), "--to", to, "-o", str(first)]) == 0
    out = tmp_path / "again.json"
    assert main(["convert", str(first), "--to", "csl-json", "-o", str(out)]) == 0
    titles = [i["title"] for i in json.loads(out.read_text(encoding="utf-8"))]
    assert titles[0] == "The DNA of café & ß-Straße: 50% off" and len(titles) == 5


def test_article_and_list_are_told_apart(tmp_path: Path) -> None:
    article = (SAMPLES / "apa-paper.md").read_text(encoding="utf-8")
    assert text_kind(article) == "article"
    listing = "Smith, J. (2019). A title. Journal of Things, 3(2), 1-9.\n\nJones, K. (2020). Another. London: Pan.\n"
    assert text_kind(listing) == "list"
    source = tmp_path / "refs.txt"
    source.write_text(listing, encoding="utf-8")
    items, problems, _ = read_items(source)
    assert [i["author"][0]["family"] for i in items] == ["Smith", "Jones"] and problems == []
    items, _, _ = read_items(SAMPLES / "apa-paper.md")
    assert len(items) >= 8 and all(i.get("author") or i.get("title") for i in items)


def test_convert_article_to_bibtex_from_stdin() -> None:
    done = subprocess.run([sys.executable, "-m", "refcheck", "convert", "-", "--to", "bibtex"],
                          input=(SAMPLES / "apa-paper.md").read_text(encoding="utf-8"),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("@article{") >= 3 and done.stdout.isascii()


def test_unreadable_input_is_one_line_and_status_2(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"id": 1},\n', encoding="utf-8")
    binary = tmp_path / "b.bib"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    unknown = tmp_path / "x.docx"
    unknown.write_bytes(b"PK\x03\x04")
    for path in (tmp_path / "missing.bib", tmp_path, binary, bad_json):
        done = subprocess.run([sys.executable, "-m", "refcheck", "convert", str(path), "--to", "ris"],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and str(path) in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "refcheck", "convert", str(bad_json), "--to", "ris"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert f"{bad_json}:2: not JSON" in done.stderr


def test_version_imports_neither_bibtexparser_nor_yaml() -> None:
    code = (
        "import sys\nfrom refcheck.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('bibtexparser', 'yaml', 'pylatexenc', 'refcheck.sources') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().endswith("[]"), done.stdout + done.stderr


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 3000) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(["id", "type", "title", "author", "editor", "issued", "accessed", "container-title",
                         "page", "volume", "issue", "DOI", "URL", "genre", "publisher", "note", "citation-key"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(_KEYS, _JSON | st.lists(st.dictionaries(
    st.sampled_from(["family", "given", "literal", "suffix", "non-dropping-particle"]), _JSON))), max_size=3))
def test_any_csl_json_converts_to_every_format(items: list[dict[str, Any]]) -> None:
    read, _ = from_csl_json(json.dumps(items))
    for to in ("bibtex", "biblatex", "csl-json", "csl-yaml", "ris"):
        assert isinstance(write(read, to), str)
