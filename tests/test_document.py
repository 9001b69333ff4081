"""Reading articles: decoding, the reference section, line positions."""

from pathlib import Path

import pytest

from refcheck.document import InputError, Lines, find_reference_section, from_bytes, read

ARTICLE = "Intro text citing (Marsh, 2019).\n\n{heading}\n\nMarsh, P. (2019) ‘Tides’, The Courier.\n"


def section_text(text: str) -> str | None:
    _, section, _ = find_reference_section(text)
    return None if section is None else text[section.start : section.end]


@pytest.mark.parametrize(
    "heading",
    [
        "References", "REFERENCES", "## References", "# Reference list", "Bibliography", "Works Cited",
        "Literature cited", "Sources", "Notes and references", "**References**", "References:",
        "7. References", "VII. REFERENCES", "Literatur", "Literaturverzeichnis", "Bibliographie",
        "Références", "Referencias", "Bibliografía", "Riferimenti bibliografici", "Referências",
        "Literatuur", "### Works cited ###",
    ],
)
def test_heading_languages_and_forms(heading: str) -> None:
    text = ARTICLE.format(heading=heading)
    assert section_text(text) == "Marsh, P. (2019) ‘Tides’, The Courier."
    _, _, body = find_reference_section(text)
    assert "(Marsh, 2019)" in text[body.start : body.end]
    assert heading not in text[body.start : body.end]


def test_setext_heading() -> None:
    text = "Body (Marsh, 2019).\n\nReferences\n----------\n\nMarsh, P. (2019) ‘Tides’, The Courier.\n"
    assert section_text(text) == "Marsh, P. (2019) ‘Tides’, The Courier."


def test_heading_word_inside_a_sentence_is_not_a_heading() -> None:
    text = "The references in this essay are few.\n\nNothing else here.\n"
    assert section_text(text) is None


def test_section_stops_at_page_furniture_and_next_heading() -> None:
    text = (
        "Body (Marsh, 2019).\n\n## References\n\nMarsh, P. (2019) ‘Tides’, The Courier.\n\n"
        "## Appendix\n\nMore text.\n"
    )
    assert section_text(text) == "Marsh, P. (2019) ‘Tides’, The Courier."
    text = "Body (Marsh, 2019).\n\nReferences\n\nMarsh, P. (2019) ‘Tides’, The Courier.\n\nLeave a Reply\n\nLog Out\n"
    assert section_text(text) == "Marsh, P. (2019) ‘Tides’, The Courier."


def test_trailing_run_without_heading() -> None:
    text = (
        "A long paragraph of prose that argues a point at length, as essays do (Marsh, 2019).\n\n"
        "However, in 2020 things changed, and nobody saw it coming.\n\n"
        "Marsh, Peter, The Courier (4 March 2019), ‘Tides rise again’, available at: "
        "(Accessed on 5 March 2019).\n\n"
        "Okafor, Chidi, The Ledger (1 May 2020), ‘Sea walls’, available at: https://ledger.example/walls "
        "(Accessed on 2 May 2020).\n\n"
        "Leave a Reply\n\nYou are commenting using your account. Log Out /  Change )\n"
    )
    section = section_text(text)
    assert section is not None
    assert section.startswith("Marsh, Peter")
    assert section.endswith("(Accessed on 2 May 2020).")


def test_no_reference_section() -> None:
    assert section_text("Just prose (Marsh, 2019) and no list.\n") is None


def test_lines_positions_count_code_points() -> None:
    text = "ab\nçé😀x\n\nlast"
    lines = Lines(text)
    assert lines.position(0) == (1, 1)
    assert lines.position(3) == (2, 1)
    assert lines.position(text.index("x")) == (2, 4)
    assert lines.position(text.index("last")) == (4, 1)
    assert lines.line_text(2) == "çé😀x"
    assert lines.line_text(3) == ""


def test_decoding(tmp_path: Path) -> None:
    body = "Müller (2019) — “quoted” text\n"
    assert from_bytes(body.encode("utf-8"), "a").text == body
    assert from_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"), "a").text == body
    doc = from_bytes(body.encode("utf-16"), "a")
    assert doc.text.strip() == body.strip() and len(doc.warnings) == 0
    doc = from_bytes("Müller (2019) – text\n".encode("cp1252"), "old.txt")
    assert doc.text == "Müller (2019) – text\n"
    assert doc.encoding == "cp1252"
    assert doc.warnings == ("old.txt: not UTF-8; decoded as cp1252",)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"  \n\n\t ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
        (b"abc \x81\x8d\x8f\x90\x9d def", "cannot decode"),
    ],
)
def test_bad_input(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.path == str(path)
    assert caught.value.problem.startswith(problem)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.md")
    with pytest.raises(InputError, match="is a directory"):
        read(tmp_path)
