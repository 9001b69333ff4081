"""Writers for check results: text and JSON over one record shape, and the table of every format
(the CI formats are in refcheck.outputs)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from refcheck.model import Finding, Origin, Severity, Span
from refcheck.outputs import github_report, junit_report, sarif_report
from refcheck.htmlreport import html_report

if TYPE_CHECKING:  # for annotations only: the command line reads FORMATS without the pipeline
    from refcheck.check import Result
    from refcheck.links import LinkResult
    from refcheck.verify import Verification

JSON_VERSION = 1


def _position(result: Result, span: Span) -> dict[str, int]:
    _, line, column = result.where(span.start)
    _, end_line, end_column = result.where(span.end)
    return {"line": line, "column": column, "end_line": end_line, "end_column": end_column}


def _origin_position(result: Result, origin: Origin) -> dict[str, int]:
    """The whole first line of an entry in a bibliographic file."""
    lines = result.source_lines(origin.path)
    width = len(lines.line_text(origin.line)) if lines is not None else 0
    return {"line": origin.line, "column": 1, "end_line": origin.line, "end_column": width + 1}


def finding_record(result: Result, finding: Finding) -> dict[str, Any]:
    """One finding as the JSON report writes it; one about an entry of a bibliographic file
    is placed in that file, and names the article it was checked with as ``document``."""
    if finding.origin is not None:
        where = {"path": finding.origin.path, **_origin_position(result, finding.origin),
                 "document": result.document.path}  # fmt: skip
    else:
        where = {"path": result.where(finding.span.start)[0], **_position(result, finding.span)}
        place = result.place(finding.span.start)
        if place is not None and place.label:
            where["place"] = place.label
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        **where,
        "suggestion": finding.suggestion,
        "fix": [
            {**_position(result, edit.span), "replacement": edit.replacement} for edit in finding.fix
        ],
    }


def document_record(result: Result) -> dict[str, Any]:
    """What was read from one document: its citations and references."""
    def position(offset: int) -> tuple[int, int]:
        _, line, column = result.where(offset)
        return line, column

    citations = []
    for citation, m in zip(result.citations, result.matches):
        line, column = position(citation.span.start)
        end_line, end_column = position(citation.span.end)
        citations.append(
            {
                "text": citation.text,
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "authors": list(citation.authors),
                "date": str(citation.date) if citation.date is not None else None,
                "locator": citation.locator or None,
                "reference": m.reference,
                "state": m.state.value,
            }
        )
    references = []
    verified = {v.reference: v for v in result.online.verified} if result.online is not None else {}
    for index, (reference, cited) in enumerate(zip(result.references, result.cited_counts())):
        record: dict[str, Any] = {"index": index}
        if reference.origin is not None:
            # An entry of a bibliographic file: where it starts there, under its own key.
            record.update(path=reference.origin.path, line=reference.origin.line, end_line=reference.origin.line)
            csl = reference.to_csl(id=reference.key or f"ref{index + 1}")
        else:
            line, _ = position(reference.span.start)
            end_line, _ = position(max(reference.span.start, reference.span.end - 1))
            record.update(line=line, end_line=end_line)
            csl = reference.to_csl(id=f"ref{index + 1}")
        record.update(text=reference.text, csl=csl, cited=cited)
        verification = verified.get(index)
        if verification is not None:
            record["verification"] = _verification(verification)
        references.append(record)
    return {"path": result.document.path, "citations": citations, "references": references}


def _verification(verification: Verification) -> dict[str, Any]:
    work = verification.work
    record = None
    if work is not None:
        record = {"source": work.source, "title": work.title, "families": list(work.families), "year": work.year,
                  "container": work.container or None, "doi": work.doi or None,
                  "retraction": work.retraction or None}  # fmt: skip
    return {"outcome": verification.outcome.value, "score": round(verification.score, 3), "record": record,
            "detail": verification.detail or None}


def to_json(results: Sequence[Result]) -> dict[str, Any]:
    """The versioned JSON report of a run (see refcheck/schema/report-v1.json)."""
    return {
        "version": JSON_VERSION,
        "findings": [finding_record(r, f) for r in results for f in r.findings],
        "documents": [document_record(r) for r in results],
    }


def json_report(results: Sequence[Result], color: bool = False) -> str:
    """The JSON report as text: one finding, citation or reference a line.

    Each record is written by the C encoder (``json.dumps`` without ``indent``), which is
    many times faster than indenting every level: a 20,000-reference article makes a
    report of some 50 MB.
    """
    report = to_json(results)
    # One encoder for every record: json.dumps with options builds a new one per call.
    dump = json.JSONEncoder(ensure_ascii=False).encode

    def records(items: Sequence[Any], indent: str) -> str:
        if not items:
            return "[]"
        inner = f",\n{indent}  ".join(dump(item) for item in items)
        return f"[\n{indent}  {inner}\n{indent}]"

    documents = [
        f'{{"path": {dump(d["path"])},\n    "citations": {records(d["citations"], "    ")},\n'
        f'    "references": {records(d["references"], "    ")}}}'
        for d in report["documents"]
    ]
    body = ",\n  ".join(documents)
    return (
        f'{{"version": {dump(report["version"])},\n'
        f'"findings": {records(report["findings"], "")},\n'
        f'"documents": [{body}]}}\n'
    )


# --- text ---------------------------------------------------------------------

_STYLE = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
_WINDOW = 100  # characters of a long source line shown around a finding


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and text else text


def _excerpt(result: Result, finding: Finding) -> tuple[str, int, int]:
    """The finding's source line (cut to a window on long lines) and the caret's offset and width."""
    if finding.origin is not None:  # the entry's first line in its file, underlined whole
        lines = result.source_lines(finding.origin.path)
        text = lines.line_text(finding.origin.line).replace("\t", " ").replace("\r", "") if lines else ""
        start, width = len(text) - len(text.lstrip()), max(1, len(text.strip()))
        if len(text) > _WINDOW:
            text, width = text[:_WINDOW] + "…", max(1, min(width, _WINDOW - start))
        return text, start, width
    line, column = result.lines.position(finding.span.start)
    text = result.lines.line_text(line).replace("\t", " ").replace("\r", "")
    start = column - 1
    width = max(1, min(finding.span.end - finding.span.start, len(text) - start))
    if len(text) <= _WINDOW:
        return text, start, width
    left = max(0, start - _WINDOW // 3)
    right = min(len(text), left + _WINDOW)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return prefix + text[left:right] + suffix, start - left + len(prefix), min(width, right - start)


def text_report(results: Sequence[Result], color: bool = False) -> str:
    """``path:line:col: CODE rule message``, the source line with a caret, the suggestion; a summary."""
    out: list[str] = []
    counts: Counter[Severity] = Counter()
    for result in results:
        for finding in result.findings:
            counts[finding.severity] += 1
            label = ""
            if finding.origin is not None:
                path, (line, column) = finding.origin.path, (finding.origin.line, 1)
            else:
                path, line, column = result.where(finding.span.start)
                place = result.place(finding.span.start)
                if place is not None and place.label:
                    label = f" ({place.label})"
            where = _paint(f"{path}:{line}:{column}:", "1", color) + label
            code = _paint(finding.code, _STYLE[finding.severity], color)
            out.append(f"{where} {code} {finding.rule} {finding.message}")
            source, offset, width = _excerpt(result, finding)
            gutter = " " * len(str(line))
            out.append(f" {line} | {source}")
            out.append(f" {gutter} | {' ' * offset}{_paint('^' * width, _STYLE[finding.severity], color)}")
            if finding.suggestion:
                out.append(f" {gutter} = suggestion: {finding.suggestion}")
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    total = sum(counts.values())
    if total == 0:
        out.append(f"No problems found in {files}.")
    else:
        names = ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info"))
        parts = [
            f"{counts[s]} {name}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}"
            for s, name in names
            if counts[s]
        ]
        problems = "problem" if total == 1 else "problems"
        out.append(f"Found {total} {problems} ({', '.join(parts)}) in {files}.")
    return "\n".join(out) + "\n"


def links_report(results: Sequence[Result], links: Sequence[Sequence[LinkResult]]) -> str:
    """``refcheck links --format json``: one record per distinct URL or DOI, with every place
    it occurs in every file, then the findings (records as in the check report)."""
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for result, group in zip(results, links):
        for checked in group:
            link = checked.link
            record = records.get(link.key)
            if record is None:
                record = records[link.key] = {
                    "url": link.target,
                    "kind": link.kind.value,
                    "status": checked.status.value,
                    "http_status": checked.http_status,
                    "final_url": checked.final_url or None,
                    "redirects": [{"url": hop.url, "status": hop.status} for hop in checked.redirects],
                    "attempts": checked.attempts,
                    "elapsed_ms": checked.elapsed_ms,
                    "bytes_read": checked.bytes_read,
                    "cached": checked.cached,
                    "suggestion": checked.suggestion or None,
                    "detail": checked.detail or None,
                    "locations": [],
                }
            for span in link.spans:
                path, line, column = result.where(span.start)
                record["locations"].append({"path": path, "line": line, "column": column})
            for origin in link.origins:
                record["locations"].append({"path": origin.path, "line": origin.line, "column": 1})
    report = {
        "version": JSON_VERSION,
        "links": list(records.values()),
        "findings": [finding_record(r, f) for r in results for f in r.findings],
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


Writer = Callable[[Sequence["Result"], bool], str]

FORMATS: dict[str, Writer] = {
    "text": text_report,
    "json": json_report,
    "sarif": sarif_report,
    "github": github_report,
    "junit": junit_report,
    "html": html_report,
}
