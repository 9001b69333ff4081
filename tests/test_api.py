"""The public API: what ``refcheck`` exports is a contract."""

import refcheck


def test_exported_members() -> None:
    assert refcheck.__all__ == [
        "__version__",
        "Citation", "Date", "Document", "Edit", "Finding", "InputError", "Match", "Name", "Origin",
        "Problem", "RULES", "Reference", "Result", "Selection", "Severity", "Span", "StyleError",
        "check_document", "check_file", "check_text", "find_citations", "format_document",
        "format_references", "from_text", "match", "parse_reference", "parse_strings", "read",
        "read_items", "read_references", "read_source", "render_bibliography", "resolve_style",
        "to_csl_json", "to_json",
    ]
    for name in refcheck.__all__:
        assert getattr(refcheck, name) is not None


def test_library_call_returns_data() -> None:
    result = refcheck.check_text(
        "Prose (Marsh, 2019).\n\n## References\n\nMarsh, P. (2018) Tides. London: Sea Press.\n", "a.md"
    )
    assert [f.rule for f in result.findings] == ["date-mismatch"]
    assert result.references[0].authors[0].family == "Marsh"
    report = refcheck.to_json([result])
    assert report["findings"][0]["line"] == 1
