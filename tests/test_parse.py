"""`refcheck parse` and the library under it: one record per input line, in order."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.cli import main
from refcheck.crf.labels import OTHER, token_labels
from refcheck.crf.tokens import MAX_TOKENS, tokenize
from refcheck.parse import parse_strings, split_lines, to_csl_json, to_format

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_split_lines_keeps_empty_lines_and_drops_the_final_newline() -> None:
    assert split_lines("a\r\n\nb\n") == ["a", "", "b"]
    assert split_lines("") == []
    assert split_lines("a\u2028b") == ["a\u2028b"]  # only line feeds end a line


def test_one_item_per_line_in_order(tmp_path: Path, capsys: object) -> None:
    lines = [
        "Smith, J. (2019). A title. Journal of Things, 3(2), 1-9.",
        "",
        "\x01\x02\x7f junk",
        "سلام عليكم (٢٠١٩)",
        "山田太郎 (2019) 日本語の題名. 東京: 出版社.",
        "x" * 100_000,
    ]
    source = tmp_path / "refs.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["parse", str(source), "-o", str(out)]) == 0
    items = json.loads(out.read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == [f"ref{i}" for i in range(1, 7)]
    assert items[0]["author"] == [{"family": "Smith", "given": "J."}]
    assert items[0]["issued"] == {"date-parts": [[2019]]}
    assert items[1] == {"id": "ref2", "type": "document"}


def test_empty_input_is_an_empty_array(tmp_path: Path) -> None:
    source = tmp_path / "empty.txt"
    source.write_bytes(b"")
    out = tmp_path / "out.json"
    assert main(["parse", str(source), "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == []


def test_bad_input_is_one_line_and_status_2(tmp_path: Path) -> None:
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    for path in (str(tmp_path / "missing.txt"), str(tmp_path), str(binary)):
        done = subprocess.run([sys.executable, "-m", "refcheck", "parse", path], capture_output=True, text=True)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and path in done.stderr
        assert "Traceback" not in done.stderr


def test_article_mode_parses_the_reference_list() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "refcheck", "parse", "--article", str(SAMPLES / "apa-paper.md")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert len(items) >= 8
    assert all(item.get("author") or item.get("title") for item in items)


def test_bibtex_and_ris() -> None:
    refs = parse_strings(
        [
            "Wheeler, T. and Holmes, M. (2018) Lessons & tales. Journal of Stuff, 12(3), pp. 4–9. doi:10.1000/xyz",
            "Wheeler, T. (2018) Lessons again. London: Routledge.",
        ]
    )
    bib = to_format(refs, "bibtex")
    assert "@article{wheeler2018lessons," in bib
    assert "@book{wheeler2018lessonsa," in bib or "@misc{wheeler2018lessonsa," in bib
    assert "Lessons \\& tales" in bib and "pages = {4--9}" in bib and "doi = {10.1000/xyz}" in bib
    ris = to_format(refs, "ris")
    assert ris.count("TY  - ") == 2 and ris.count("ER  - ") == 2
    assert "AU  - Wheeler, T.\nAU  - Holmes, M." in ris and "SP  - 4\nEP  - 9" in ris


def test_tokens_keep_identifiers_whole_and_give_back_punctuation() -> None:
    text = "See https://x.org/a_(b). doi:10.1000/xyz. O’Brien"
    assert [t.text for t in tokenize(text)] == [
        "See", "https://x.org/a_(b)", ".", "doi:10.1000/xyz", ".", "O’Brien",
    ]  # fmt: skip
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text
    assert len(tokenize("a " * 10_000)) == MAX_TOKENS


def test_labelled_spans_become_tight_token_labels() -> None:
    text = "Head, P., “Acts,” in The Book (ed. A. Clarke), pp. 415-44."
    spans = [("author", "Head, P.,"), ("title", "“Acts,”"), ("container-title", "in The Book"),
             ("editor", "(ed. A. Clarke),"), ("pages", "pp. 415-44.")]  # fmt: skip
    tokens = tokenize(text)
    labels = token_labels(text, tokens, spans)
    assert labels is not None
    got = {t.text: label for t, label in zip(tokens, labels)}
    assert got["Head"] == "author" and got["Acts"] == "title" and got["“"] == OTHER
    assert got["Clarke"] == "editor" and got["415"] == "pages"
    assert labels[-1] == OTHER  # the final full stop is outside the span
    assert token_labels(text, tokens, [("title", "not in the text")]) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=8))
def test_parse_strings_never_fails_and_keeps_the_count(lines: list[str]) -> None:
    lines = [line.replace("\n", " ") for line in lines]
    items = to_csl_json(parse_strings(lines))
    assert len(items) == len(lines)


def test_long_lines_stay_linear() -> None:
    def cost(n: int) -> float:
        line = ("Smith, J., " * n)[: n * 10]
        started = time.perf_counter()
        parse_strings([line])
        return time.perf_counter() - started

    cost(1000)
    small, large = min(cost(10_000) for _ in range(2)), min(cost(100_000) for _ in range(2))
    assert large < 30 * small + 0.05


def test_hostile_lines_get_one_item_each() -> None:
    lines = [
        "",
        "   ",
        "\x00\x01\x02\ufffd\x7f" * 60,
        "سامي حداد. تاريخ المدن الساحلية. بيروت: دار النهار، ٢٠٠٣.",
        "נועה לוי. ערים על החוף. תל אביב: עם עובד, 2011.",
        "王小明（2015）《城市与河流》，北京：人民出版社。",
        "山田太郎 (2010)「港町の歴史」『地域史研究』12巻3号, 4–9頁.",
        "Kim, Minji (2019). 바다와 도시. Seoul: Hanul, pp. 3–8.",
        "word " * 20_000,  # 100 kB
        "Title. " * 15_000,
    ]
    items = to_csl_json(parse_strings(lines))
    assert len(items) == len(lines)
    assert items[0] == {"id": "ref1", "type": "document"}
    assert any(item.get("issued") == {"date-parts": [[2011]]} for item in items[4:5])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", categories=["Lo", "Nd", "Po", "Zs", "Ps", "Pe"]),
                        max_size=400), max_size=5))  # fmt: skip
def test_scripts_without_case_never_fail(lines: list[str]) -> None:
    assert len(to_csl_json(parse_strings(lines))) == len(lines)


def test_indented_json_is_the_standard_librarys() -> None:
    from refcheck.parse import dumps_indented

    values = [
        [], {}, "", 0, -12, 10**30, None, True, False, 1.5, float("nan"), [[], {}], (1, "a"),
        {"a": [{"b": [[2019, 3, 1]]}], "é\"\\\n\u2028\x00": "漢字 “q”", "c": {"d": None}},
        {1: "x"}, [{"family": "Smith", "given": "J."}, {"literal": "WHO"}],
    ]  # fmt: skip
    for value in values:
        assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)
    lines = ["Smith, J. (2019). A title. Journal, 3(2), 1–9. https://doi.org/10.1000/x", "", "Nonsense ((("]
    items = to_csl_json(parse_strings(lines))
    assert dumps_indented(items) == json.dumps(items, ensure_ascii=False, indent=2)
