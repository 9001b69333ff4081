"""Report formats for CI: SARIF 2.1.0, GitHub workflow commands and JUnit XML.

Each writer takes the check results and returns text, like the writers of refcheck.report,
and places a finding where ``finding_record`` does (a finding about an entry of a
bibliographic file is placed in that file). The heavier imports (the rules, hashlib,
ElementTree) happen inside the writers: building the command line needs only the names.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from refcheck.model import Finding, Severity

if TYPE_CHECKING:
    from refcheck.check import Result
    from refcheck.rules import Rule

# No page of refcheck's own is published yet: a reserved name (RFC 6761) stands in for it.
INFORMATION_URI = "https://example.invalid/refcheck"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "refcheck/v1"  # the key of refcheck's own partial fingerprint; bump on a change of recipe

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _record(result: Result, finding: Finding) -> dict[str, Any]:
    from refcheck.report import finding_record  # report registers these writers: import it late

    return finding_record(result, finding)


def _columns(result: Result, finding: Finding) -> bool:
    """Whether a finding's columns are those of its file. They are not where the text read
    is not the file's text (a .docx, an .html: see Document.source): its lines are placed
    in the file, its columns count the text read, and nothing may edit the file by them."""
    return finding.origin is not None or result.document.source is None


def _subject(result: Result, finding: Finding) -> str:
    """What a finding is about, as text that does not move when lines are added above it:
    the text of its span (or of its line, for an empty span); for a finding about an entry
    of a bibliographic file, the entry's first line there."""
    if finding.origin is not None:
        lines = result.source_lines(finding.origin.path)
        text = lines.line_text(finding.origin.line) if lines is not None else ""
    elif finding.span.end > finding.span.start:
        text = result.document.text[finding.span.start : finding.span.end]
    else:
        line, _ = result.lines.position(finding.span.start)
        text = result.lines.line_text(line)
    return " ".join(text.split())


def _summary(results: Sequence[Result]) -> str:
    counts = Counter(f.severity for r in results for f in r.findings)
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    if not counts:
        return f"No problems found in {files}."
    total = sum(counts.values())
    parts = [f"{counts[s]} {name}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}"
             for s, name in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info"))
             if counts[s]]  # fmt: skip
    return f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files}."


# --- SARIF 2.1.0 ----------------------------------------------------------------


def _relative(path: str) -> Path:
    """A path relative to the directory refcheck ran in (which GitHub takes for the root of
    the repository) where it can be."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(Path.cwd())
        except ValueError:
            pass
    return candidate


def _uri(path: str) -> str:
    """A path as a SARIF artifact URI: relative where it can be, with ``/``; else a file URI."""
    candidate = _relative(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return quote(PurePosixPath(*candidate.parts).as_posix(), safe="/")


_CODE = re.compile(r"``(.+?)``")


def _markdown(doc: str) -> str:
    """A rule's docstring as Markdown: ````code```` in backticks, Bad and Good as a list."""

    def code(match: re.Match[str]) -> str:
        inner = match.group(1)
        return f"`` {inner} ``" if "`" in inner else f"`{inner}`"

    out = []
    for line in doc.splitlines():
        line = _CODE.sub(code, line)
        for label in ("Bad:", "Good:"):
            if line.startswith(label):
                line = f"- **{label}** {line[len(label):].strip()}"
        out.append(line)
    return "\n".join(out)


def sarif_rule(rule: Rule) -> dict[str, Any]:
    doc = rule.doc
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": _markdown(doc)},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }


def _region(where: dict[str, Any], columns: bool = True) -> dict[str, int]:
    if not columns:  # whole lines
        return {"startLine": where["line"], "endLine": where["end_line"]}
    return {"startLine": where["line"], "startColumn": where["column"],
            "endLine": where["end_line"], "endColumn": where["end_column"]}  # fmt: skip


def _fixes(result: Result, finding: Finding, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The finding's fix as one SARIF fix: its edits grouped by the file they change."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit, where in zip(finding.fix, record["fix"]):
        path = result.where(edit.span.start)[0]
        changes.setdefault(path, []).append(
            {"deletedRegion": _region(where), "insertedContent": {"text": edit.replacement}}
        )
    description = f"Replace with ‘{finding.suggestion}’" if finding.suggestion else f"Fix {finding.rule}"
    return [{
        "description": {"text": description},
        "artifactChanges": [{"artifactLocation": {"uri": _uri(path)}, "replacements": replacements}
                            for path, replacements in changes.items()],
    }]  # fmt: skip


def to_sarif(results: Sequence[Result]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: every rule of refcheck, and a result for each finding."""
    import hashlib

    from refcheck import __version__
    from refcheck.rules import RULES

    index = {rule.code: i for i, rule in enumerate(RULES)}
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for result in results:
        for finding in result.findings:
            record = _record(result, finding)
            subject = _subject(result, finding)
            # The same rule on the same text in the same file: the nth of them, so that each
            # keeps its own fingerprint.
            key = (finding.code, record["path"], subject)
            seen[key] += 1
            digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8")).hexdigest()
            item: dict[str, Any] = {
                "ruleId": finding.code,
                "level": _LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(record["path"])},
                    "region": _region(record, _columns(result, finding)),
                }}],
                "partialFingerprints": {FINGERPRINT: digest[:32]},
            }  # fmt: skip
            if finding.code in index:
                item["ruleIndex"] = index[finding.code]
            if "document" in record:
                # Found in a bibliographic file, in checking this article.
                item["relatedLocations"] = [{
                    "id": 1,
                    "physicalLocation": {"artifactLocation": {"uri": _uri(record["document"])}},
                    "message": {"text": "the article checked with it"},
                }]  # fmt: skip
            if finding.suggestion:
                item["properties"] = {"suggestion": finding.suggestion}
            if finding.fix and finding.origin is None and _columns(result, finding):
                item["fixes"] = _fixes(result, finding, record)
            out.append(item)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "refcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [sarif_rule(rule) for rule in RULES],
            }},
            "columnKind": "unicodeCodePoints",
            "results": out,
        }],
    }  # fmt: skip


def sarif_report(results: Sequence[Result], color: bool = False) -> str:
    """``--format sarif``: a SARIF 2.1.0 log, for GitHub code scanning and other viewers."""
    return json.dumps(to_sarif(results), ensure_ascii=False, indent=2) + "\n"


# --- GitHub workflow commands -------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_report(results: Sequence[Result], color: bool = False) -> str:
    """``--format github``: one workflow command a finding (``::error``, ``::warning``,
    ``::notice``), which GitHub Actions shows as an annotation on the line; a summary."""
    out = []
    for result in results:
        for finding in result.findings:
            record = _record(result, finding)
            path = _relative(record["path"]).as_posix()
            where = [f"file={_escape_property(path)}", f"line={record['line']}"]
            if record["end_line"] == record["line"] and _columns(result, finding):
                # GitHub takes columns only for a region on one line.
                where += [f"col={record['column']}", f"endColumn={record['end_column']}"]
            else:
                where.append(f"endLine={record['end_line']}")
            where.append(f"title={_escape_property(f'{finding.code} {finding.rule}')}")
            message = finding.message
            if finding.suggestion:
                message += f"\nsuggestion: {finding.suggestion}"
            out.append(f"::{_COMMANDS[finding.severity]} {','.join(where)}::{_escape_data(message)}")
    out.append(f"refcheck: {_summary(results)}")
    return "\n".join(out) + "\n"


# --- JUnit XML ----------------------------------------------------------------

# Characters XML 1.0 cannot carry, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(finding: Finding, subject: str, nth: int) -> str:
    """A test case's name: the rule and what it is about (the second of the same in a
    document numbered), without a line number, so that a dashboard that compares runs
    sees the same case after lines move."""
    short = subject if len(subject) <= 60 else subject[:59] + "…"
    name = f"{finding.code} {finding.rule}: {short}" if short else f"{finding.code} {finding.rule}"
    return f"{name} ({nth})" if nth > 1 else name


def junit_report(results: Sequence[Result], color: bool = False) -> str:
    """``--format junit``: a test suite for each document and a test case for each finding
    (an error or warning is a failure; an info passes, its message in ``system-out``);
    a document without findings is one passing case, so every document shows."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="refcheck")
    total = failed = 0
    for result in results:
        path = result.document.path
        suite = ET.SubElement(root, "testsuite", name=_xml_text(path))
        cases = failures = 0
        names: Counter[str] = Counter()
        for finding in result.findings:
            record = _record(result, finding)
            where = f"{record['path']}:{record['line']}:{record['column']}"
            name = _case_name(finding, _subject(result, finding), 1)
            names[name] += 1
            if names[name] > 1:
                name = _case_name(finding, _subject(result, finding), names[name])
            case = ET.SubElement(suite, "testcase", name=_xml_text(name),
                                 classname=_xml_text(path), file=_xml_text(record["path"]),
                                 line=str(record["line"]), time="0")  # fmt: skip
            detail = f"{where}: {finding.code} {finding.rule} {finding.message}"
            if finding.suggestion:
                detail += f"\nsuggestion: {finding.suggestion}"
            if finding.severity >= Severity.WARNING:
                failure = ET.SubElement(case, "failure", message=_xml_text(finding.message),
                                        type=str(finding.severity))  # fmt: skip
                failure.text = _xml_text(detail)
                failures += 1
            else:
                ET.SubElement(case, "system-out").text = _xml_text(detail)
            cases += 1
        if not result.findings:
            ET.SubElement(suite, "testcase", name="refcheck", classname=_xml_text(path),
                          file=_xml_text(path), time="0")  # fmt: skip
            cases = 1
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", "0")
        total += cases
        failed += failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
