"""refcheck.formats.docx: Word articles built here with python-docx (none is committed)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.text.paragraph import Paragraph

from refcheck.check import check_file
from refcheck.document import InputError
from refcheck.formats import docx
from refcheck.model import CitationKind

W = nsdecls("w")
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
ENDNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"


# --- building .docx files -------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _xml(paragraph: Paragraph, xml: str) -> None:
    paragraph._p.append(parse_xml(xml))


def _item(item_id: int | str, family: str, year: int | str, title: str, uri: str = "",
          kind: str = "book") -> dict[str, Any]:
    return {
        "id": item_id,
        "uris": [uri or f"http://zotero.org/users/1/items/{family.upper()}"],
        "itemData": {"id": item_id, "type": kind, "title": title, "publisher": "Press",
                     "author": [{"family": family, "given": "A."}], "issued": {"date-parts": [[str(year)]]}},
    }


def complex_field(paragraph: Paragraph, instruction: str, result: str, piece: int = 40) -> None:
    """A field as Word and Zotero write it: begin, the instruction over several runs,
    separate, the visible result, end."""
    _xml(paragraph, f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>')
    for start in range(0, len(instruction), piece):
        text = _escape(instruction[start : start + piece])
        _xml(paragraph, f'<w:r {W}><w:instrText xml:space="preserve">{text}</w:instrText></w:r>')
    _xml(paragraph, f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>')
    _xml(paragraph, f'<w:r {W}><w:t xml:space="preserve">{_escape(result)}</w:t></w:r>')
    _xml(paragraph, f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')


def simple_field(paragraph: Paragraph, instruction: str, result: str) -> None:
    _xml(paragraph, f'<w:fldSimple {W} w:instr="{_escape(instruction)}">'
                    f'<w:r><w:t xml:space="preserve">{_escape(result)}</w:t></w:r></w:fldSimple>')


def zotero(*items: dict[str, Any]) -> str:
    return "ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps({"citationID": "c", "citationItems": list(items)})


def note_mark(paragraph: Paragraph, number: int, kind: str = "footnote") -> None:
    _xml(paragraph, f'<w:r {W}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                    f'<w:{kind}Reference w:id="{number}"/></w:r>')


def add_notes(word: Any, notes: dict[int, str], kind: str = "footnote") -> None:
    """A footnotes (or endnotes) part with its separators, related to the document."""
    body = "".join(
        f'<w:{kind} w:id="{number}"><w:p><w:r><w:{kind}Ref/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {_escape(text)}</w:t></w:r></w:p></w:{kind}>'
        for number, text in notes.items()
    )
    xml = (f'<w:{kind}s {W}>'
           f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
           f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
           f'</w:r></w:p></w:{kind}>{body}</w:{kind}s>')
    content_type, relationship = (FOOTNOTES, RT.FOOTNOTES) if kind == "footnote" else (ENDNOTES, RT.ENDNOTES)
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, xml.encode(), word.part.package)
    word.part.relate_to(part, relationship)


REFERENCES = [
    "Garcia, M. (2017). Methods of measurement. Journal of Methods, 3(2), 10–20.",
    "Jones, A., & Brown, B. (2020). Trees in cities. Urban Studies, 12, 1–9.",
    "Smith, J. (2019). Forest growth. Nature, 500, 1–5.",
    "Taylor, K. (2015). Uncited work. London: Science Press.",
]


def article(path: Path) -> Path:
    """An article with every part the reader reads; its paragraphs are numbered in comments."""
    word = WordDocument()
    word.add_heading("Introduction", 1)  # 1
    word.add_paragraph("Early work on trees (Smith, 2019) was extended by Jones and Brown (2020).")  # 2
    word.add_paragraph("Later studies (Smiht, 2019) disagree (Jones & Brown, 2021).")  # 3
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Method"  # 4
    table.cell(0, 1).text = "As in (Garcia, 2017)."  # 5
    paragraph = word.add_paragraph("Zotero: ")  # 6
    doe = _item(11, "Doe", 2020, "Rivers")
    complex_field(paragraph, zotero(doe, _item(12, "Roe", 2018, "Lakes")), "(Doe, 2020; Roe, 2018)")
    paragraph.add_run(" and again ")
    # The same work under another local id, known by its URI.
    simple_field(paragraph, zotero({**doe, "id": 99}), "(Doe, 2020)")
    paragraph.add_run(".")
    note_mark(paragraph, 1)
    paragraph = word.add_paragraph("Another claim.")  # 7
    note_mark(paragraph, 2)
    word.add_heading("References", 1)  # 8
    for entry in REFERENCES:  # 9-12
        word.add_paragraph(entry)
    add_notes(word, {1: "See Smith (2019) and (Taylor, 2016).", 2: "As argued by (Nobody, 2000)."})
    word.save(str(path))
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return article(tmp_path / "article.docx")


# --- the text -------------------------------------------------------------------------------


def test_text_is_one_paragraph_a_line_with_tables_then_notes_before_the_references(sample: Path) -> None:
    doc = docx.read(str(sample))
    assert doc.kind == "docx"
    assert doc.source == sample.read_bytes()
    lines = doc.text.split("\n")
    assert lines[:7] == [
        "Introduction",
        "Early work on trees (Smith, 2019) was extended by Jones and Brown (2020).",
        "Later studies (Smiht, 2019) disagree (Jones & Brown, 2021).",
        "Method",
        "As in (Garcia, 2017).",
        "Zotero: (Doe, 2020; Roe, 2018) and again (Doe, 2020).",
        "Another claim.",
    ]
    assert lines[7:9] == [" See Smith (2019) and (Taylor, 2016).", " As argued by (Nobody, 2000)."]
    # The entries a blank line apart: each paragraph is one entry.
    assert lines[9:] == ["References", *"\n\n".join(REFERENCES).split("\n")]
    assert doc.heading is not None and doc.text[doc.heading.start : doc.heading.end] == "References"
    assert doc.references is not None
    assert doc.text[doc.references.start : doc.references.end] == "\n\n".join(REFERENCES)
    # The body covers the notes and stops before the heading.
    assert "Nobody" in doc.text[doc.body.start : doc.body.end]
    assert "References" not in doc.text[doc.body.start : doc.body.end]


def test_places_give_paragraph_numbers_and_label_notes_at_their_marks(sample: Path) -> None:
    result = check_file(sample)
    text = result.document.text

    def where(needle: str) -> tuple[int, str]:
        offset = text.index(needle)
        place = max((p for p in result.document.places if p.start <= offset), key=lambda p: p.start)
        return result.where(offset)[1], place.label

    assert where("Smiht") == (3, "")
    assert where("Garcia, 2017") == (5, "")  # the second cell of the table
    assert where("Taylor, 2016") == (6, "footnote 1")  # its mark is in paragraph 6
    assert where("Nobody") == (7, "footnote 2")
    assert where("Smith, J. (2019)") == (11, "")  # the reference section is placed where it is
    assert result.where(text.index("Smiht")) == (str(sample), 3, 16)


# --- checking ---------------------------------------------------------------------------------


def test_findings_in_body_table_and_footnotes(sample: Path) -> None:
    result = check_file(sample)
    found = {(f.rule, result.document.text[f.span.start : f.span.end], result.where(f.span.start)[1])
             for f in result.findings}
    assert ("author-misspelled", "Smiht", 3) in found
    assert ("date-mismatch", "2021", 3) in found
    assert ("date-mismatch", "2016", 6) in found  # footnote 1
    assert ("unresolved-citation", "Nobody, 2000", 7) in found  # footnote 2
    # Neither the Zotero fields' visible text nor the cited items are reported as unresolved
    # or uncited; the table's citation matched.
    rules = [f.rule for f in result.findings]
    assert rules.count("unresolved-citation") == 1
    assert "uncited-reference" not in rules
    cited = {c.text for c in result.citations}
    assert {"Garcia, 2017", "Smith (2019)", "Taylor, 2016"} <= cited


def test_zotero_fields_are_key_citations_and_items(sample: Path) -> None:
    doc = docx.read(str(sample))
    keys = [(c.key, doc.text[c.span.start : c.span.end]) for c in doc.keys]
    assert keys == [("11", "(Doe, 2020; Roe, 2018)"), ("12", "(Doe, 2020; Roe, 2018)"), ("11", "(Doe, 2020)")]
    assert all(c.kind is CitationKind.KEY for c in doc.keys)
    assert [doc.text[s.start : s.end] for s in doc.ignore] == ["(Doe, 2020; Roe, 2018)", "(Doe, 2020)"]
    # Deduplicated by URI: the item cited as 99 is item 11.
    assert [(item["id"], item["title"], line) for item, line in doc.items] == [("11", "Rivers", 6), ("12", "Lakes", 6)]
    result = check_file(sample)
    matched = {result.citations[m.citation].key: result.references[m.reference].title
               for m in result.matches if m.reference is not None and result.citations[m.citation].key}
    assert matched == {"11": "Rivers", "12": "Lakes"}
    authors = {a for c in result.citations for a in c.authors}
    assert "Doe" not in authors and "Roe" not in authors


def test_a_bibliography_field_is_the_reference_list_keyed_to_the_items(tmp_path: Path) -> None:
    word = WordDocument()
    paragraph = word.add_paragraph("Chicago notes and a Zotero list.")
    note_mark(paragraph, 1)
    word.add_paragraph("Bibliography")  # a heading written as plain text
    entries = ["Doe, Jane. Rivers. Press, 2020.", "Roe, Rick. Lakes. Press, 2018."]
    first = word.add_paragraph()
    _xml(first, f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>')
    _xml(first, f'<w:r {W}><w:instrText xml:space="preserve">ADDIN ZOTERO_BIBL {{"uncited":[]}} '
                f'CSL_BIBLIOGRAPHY</w:instrText></w:r>')
    _xml(first, f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>')
    first.add_run(entries[0])
    last = word.add_paragraph(entries[1])
    _xml(last, f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')
    add_notes(word, {1: "Placeholder."})
    # The note's citation field, in the footnotes part: rewrite the part with a field.
    word.save(str(tmp_path / "plain.docx"))
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(tmp_path / "plain.docx") as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/footnotes.xml":
                instruction = _escape(zotero(_item(1, "Doe", 2020, "Rivers"), _item(2, "Roe", 2018, "Lakes")))
                field = (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>{instruction}'
                         f'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                         '<w:r><w:t>Doe, Rivers, 4; Roe, Lakes.</w:t></w:r>'
                         '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
                data = data.replace(b"<w:t xml:space=\"preserve\"> Placeholder.</w:t></w:r>",
                                    b"<w:t xml:space=\"preserve\"> </w:t></w:r>" + field.encode())
            target.writestr(info, data)
    doc = docx.read(str(path))
    assert doc.text.split("\n") == ["Chicago notes and a Zotero list.", " Doe, Rivers, 4; Roe, Lakes.",
                                    "Bibliography", entries[0], "", entries[1]]
    assert [(doc.text[s.start : s.end], key) for s, key in doc.entries] == [(entries[0], "1"), (entries[1], "2")]
    assert doc.items == ()  # each item is checked as the entry that renders it
    assert [c.key for c in doc.keys] == ["1", "2"]
    result = check_file(path)
    assert [f.rule for f in result.findings if f.rule in ("uncited-reference", "unresolved-citation")] == []
    assert all(m.reference is not None for m in result.matches)
    assert doc.places[1].label == "footnote 1" and doc.places[1].line == 1


def test_mendeley_fields_and_endnotes(tmp_path: Path) -> None:
    word = WordDocument()
    paragraph = word.add_paragraph("Mendeley cites ")
    item = {"id": "ITEM-1", "uris": ["http://www.mendeley.com/documents/?uuid=abc"],
            "itemData": {"id": "ITEM-1", "type": "book", "title": "Seas", "author": [{"family": "Poe"}],
                         "issued": {"date-parts": [[1999]]}}}
    instruction = "ADDIN CSL_CITATION " + json.dumps({"citationItems": [item], "schema": "x"})
    complex_field(paragraph, instruction, "(Poe, 1999)")
    paragraph.add_run(" here.")
    note_mark(paragraph, 1, "endnote")
    add_notes(word, {1: "Compare (Smith, 2019)."}, "endnote")
    path = tmp_path / "mendeley.docx"
    word.save(str(path))
    doc = docx.read(str(path))
    assert [(c.key, doc.text[c.span.start : c.span.end]) for c in doc.keys] == [("ITEM-1", "(Poe, 1999)")]
    assert [i["title"] for i, _ in doc.items] == ["Seas"]
    assert doc.text.split("\n")[1] == " Compare (Smith, 2019)."
    assert doc.places[-1].label == "endnote 1"
    result = check_file(path)
    assert [f.rule for f in result.findings if f.rule == "unresolved-citation"] == ["unresolved-citation"]


def test_a_damaged_field_is_a_warning(tmp_path: Path) -> None:
    word = WordDocument()
    paragraph = word.add_paragraph("Broken ")
    complex_field(paragraph, "ADDIN ZOTERO_ITEM CSL_CITATION {not json", "(Doe, 2020)")
    path = tmp_path / "broken.docx"
    word.save(str(path))
    doc = docx.read(str(path))
    assert doc.keys == () and doc.items == ()
    assert doc.warnings == (f"{path}: paragraph 1: a citation field whose data cannot be read",)


def test_headings_end_the_section_and_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    word = WordDocument()
    paragraph = word.add_paragraph("Shown (Smith, 2019)")
    _xml(paragraph, f'<w:del {W} w:id="1" w:author="a"><w:r><w:delText> gone (Gone, 1900)</w:delText></w:r></w:del>')
    _xml(paragraph, f'<w:ins {W} w:id="2" w:author="a"><w:r><w:t xml:space="preserve"> added</w:t></w:r></w:ins>')
    _xml(paragraph, f'<w:hyperlink {W}><w:r><w:t xml:space="preserve"> linked.</w:t></w:r></w:hyperlink>')
    word.add_heading("References", 1)
    word.add_paragraph("Smith, J. (2019). Forest growth. Nature, 500, 1–5.")
    word.add_heading("Appendix", 1)
    word.add_paragraph("As in (Smith, 2019).")
    path = tmp_path / "appendix.docx"
    word.save(str(path))
    doc = docx.read(str(path))
    assert doc.text.split("\n") == ["Shown (Smith, 2019) added linked.", "Appendix", "As in (Smith, 2019).",
                                    "References", "Smith, J. (2019). Forest growth. Nature, 500, 1–5."]
    assert [(p.start, p.line) for p in doc.places] == [(0, 1), (doc.text.index("Appendix"), 4),
                                                       (doc.text.index("References"), 2)]
    result = check_file(path)
    assert len(result.citations) == 2 and result.findings == ()
    assert result.where(doc.text.index("As in"))[1] == 5


@pytest.mark.parametrize("name", ["apa-paper.md", "harvard-essay.md"])
def test_a_sample_as_docx_has_the_findings_of_its_text(tmp_path: Path, name: str) -> None:
    """A sample article written into Word, a paragraph for each of its paragraphs (and list
    lines), a Word heading for each heading, is checked as its text is."""
    import re

    source = Path(__file__).parent.parent / "samples" / name
    word = WordDocument()
    for block in re.split(r"\n\s*\n", source.read_text("utf-8")):
        lines = block.strip().split("\n")
        heading = re.match(r"(#+)\s+(.*)", lines[0])
        if heading and len(lines) == 1:
            word.add_heading(heading.group(2), len(heading.group(1)))
        elif any(re.match(r"\s*(?:\d+\.|\[\d+\]|[-*])\s", line) for line in lines[1:]):
            for line in lines:
                word.add_paragraph(line)
        elif block.strip():
            word.add_paragraph(" ".join(lines))
    path = tmp_path / "sample.docx"
    word.save(str(path))
    as_text, as_word = check_file(source), check_file(path)

    def seen(result: Any) -> list[tuple[str, str]]:
        return sorted((f.rule, result.document.text[f.span.start : f.span.end]) for f in result.findings)

    assert seen(as_word) == seen(as_text)
    assert len(as_word.references) == len(as_text.references)
    assert len(as_word.citations) == len(as_text.citations)


# --- runs -----------------------------------------------------------------------------------


def test_runs_of_maps_text_back_to_runs(sample: Path) -> None:
    from docx.oxml.ns import qn

    doc = docx.read(str(sample))
    slices = docx.runs_of(doc)
    word = WordDocument(str(sample))
    roots = {"/word/document.xml": word.element}
    for rel in word.part.rels.values():
        if rel.reltype == RT.FOOTNOTES:
            roots[str(rel.target_part.partname)] = parse_xml(rel.target_part.blob)

    def run_text(run: Any) -> str:
        return "".join(c.text or "" if c.tag == qn("w:t") else "\t" if c.tag == qn("w:tab") else ""
                       for c in run.iterchildren())

    for piece in slices:
        paragraph = list(roots[piece.part].iter(qn("w:p")))[piece.paragraph]
        run = list(paragraph.iter(qn("w:r")))[piece.run]
        written = doc.text[piece.span.start : piece.span.end]
        assert run_text(run)[piece.offset : piece.offset + len(written)] == written
    # Every character but the line breaks comes from a run.
    covered = sum(s.span.end - s.span.start for s in slices)
    assert covered == len(doc.text) - doc.text.count("\n")
    smiht = doc.text.index("Smiht")
    (hit,) = [s for s in slices if s.span.start <= smiht < s.span.end]
    assert hit.part == "/word/document.xml" and hit.offset + smiht - hit.span.start == len("Later studies (")
    note = doc.text.index("Taylor")
    (hit,) = [s for s in slices if s.span.start <= note < s.span.end]
    assert hit.part == "/word/footnotes.xml"


def test_runs_of_needs_the_source(sample: Path) -> None:
    import dataclasses

    doc = docx.read(str(sample))
    with pytest.raises(ValueError):
        docx.runs_of(dataclasses.replace(doc, source=None))


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"plain text, not a zip", "not a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "password-protected"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "an old Word 97-2003 .doc file"),
        (None, "a zip archive without a Word document in it"),
        (b"xlsx", "a zip archive of another kind: "
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ],
)
def test_not_a_word_file(tmp_path: Path, data: bytes | None, why: str) -> None:
    path = tmp_path / "bad.docx"
    if data is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    elif data == b"xlsx":  # an Office package of another kind
        package = "http://schemas.openxmlformats.org/package/2006"
        sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", f'<Types xmlns="{package}/content-types">'
                             f'<Override PartName="/xl/workbook.xml" ContentType="{sheet}"/></Types>')
            archive.writestr("_rels/.rels", f'<Relationships xmlns="{package}/relationships">'
                             f'<Relationship Id="rId1" Type="{office}" Target="xl/workbook.xml"/></Relationships>')
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        docx.read(str(path))
    assert caught.value.problem == f"not a Word .docx file ({why})"


def test_cli_json_and_the_not_a_zip_error(sample: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "refcheck", "check", str(sample), "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    found = {(f["rule"], f["line"], f["column"]) for f in report["findings"]}
    assert {("author-misspelled", 3, 16), ("date-mismatch", 3, 54), ("date-mismatch", 6, 32),
            ("unresolved-citation", 7, 16)} <= found
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    run = subprocess.run([sys.executable, "-m", "refcheck", "check", str(bad)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "not a Word .docx file (not a zip archive)" in run.stderr
    assert "Traceback" not in run.stderr


def test_mendeley_cite_content_controls(tmp_path: Path) -> None:
    import base64

    word = WordDocument()
    paragraph = word.add_paragraph("Mendeley Cite writes ")
    item = {"id": "f1e2", "itemData": {"id": "f1e2", "type": "book", "title": "Seas",
                                        "author": [{"family": "Poe", "given": "E."}],
                                        "issued": {"date-parts": [[1999]]}}}
    tag = "MENDELEY_CITATION_v3_" + base64.b64encode(json.dumps(
        {"citationID": "MENDELEY_CITATION_1", "citationItems": [item]}).encode()).decode().rstrip("=")
    _xml(paragraph, f'<w:sdt {W}><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr>'
                    f'<w:sdtContent><w:r><w:t>(Poe, 1999)</w:t></w:r></w:sdtContent></w:sdt>')
    paragraph.add_run(" in content controls.")
    path = tmp_path / "cite.docx"
    word.save(str(path))
    doc = docx.read(str(path))
    assert doc.text == "Mendeley Cite writes (Poe, 1999) in content controls."
    assert [(c.key, doc.text[c.span.start : c.span.end]) for c in doc.keys] == [("f1e2", "(Poe, 1999)")]
    assert [i["title"] for i, _ in doc.items] == ["Seas"]


def test_a_damaged_document_part_is_an_input_error(sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "damaged.docx"
    with zipfile.ZipFile(sample) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)
    with pytest.raises(InputError) as caught:
        docx.read(str(path))
    assert caught.value.problem.startswith("not a Word .docx file (damaged: ")
    assert "\n" not in caught.value.problem


# --- fixing -----------------------------------------------------------------------------------


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_fix_edits_only_the_changed_runs(sample: Path) -> None:
    import re

    before = _members(sample)
    done = subprocess.run([sys.executable, "-m", "refcheck", "check", str(sample), "--fix", "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert "refcheck: fixed 3 problems in" in done.stderr, done.stderr
    after = _members(sample)
    assert set(after) == set(before)
    changed = [name for name in before if after[name] != before[name]]
    assert changed == ["word/document.xml", "word/footnotes.xml"]
    text = docx.read(str(sample)).text
    assert "Later studies (Smith, 2019) disagree (Jones & Brown, 2020)." in text
    assert "See Smith (2019) and (Taylor, 2015)." in text or "(Taylor, 2016)" not in text
    # Only the text of w:t elements differs: the XML with every w:t text blanked is the same.
    def shape(xml: bytes) -> bytes:
        return re.sub(rb"(<w:t(?: [^>]*)?>)[^<]*(</w:t>)", rb"\1\2", xml).replace(b' xml:space="preserve"', b"")
    for name in changed:
        assert shape(after[name]) == shape(before[name])
    remaining = json.loads(done.stdout)["findings"]
    assert {f["rule"] for f in remaining} == {"unresolved-citation"}
    again = subprocess.run([sys.executable, "-m", "refcheck", "check", str(sample), "--fix"],
                           capture_output=True, text=True, timeout=60)
    assert "fixed" not in again.stderr
    assert _members(sample) == after


def test_fixed_source_refuses_edits_outside_runs(sample: Path) -> None:
    from refcheck.model import Edit, Span

    doc = docx.read(str(sample))
    newline = doc.text.index("\n")
    with pytest.raises(ValueError, match="in no run"):
        docx.fixed_source(doc, [Edit(Span(newline - 2, newline + 2), "x")])
