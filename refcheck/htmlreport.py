"""The HTML report (``refcheck check --format html``): one self-contained page per run.

Per document: the article's text with every citation marked by its match state, the
reference list with how often each entry is cited, and every finding; a summary with a
chart and filters at the top; the JSON report embedded as ``#refcheck-data``.

The page asks no server for anything (styles, script and chart are inline) and reads without
JavaScript: the script only adds the details panel, the filters and keys n/p (j/k).

Ids: ``cite-N`` and ``ref-N`` index the document's ``citations`` and ``references`` in the
embedded data (0-based; in the second and later documents of a run they carry a ``dD-``
prefix), ``f-N`` the run's ``findings``.  A citation mark is ``<a class="m|p|u">`` (matched,
possible, unresolved).  Only the standard library is imported: the CLI loads this module.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from refcheck.check import Result
    from refcheck.model import Finding

_STATE_CLASS = {"matched": "m", "possible": "p", "unresolved": "u"}
_SEVERITIES = ("error", "warning", "info")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def embedded_json(report: dict[str, Any]) -> str:
    """The report as the text of a ``<script type="application/json">``: compact, and with
    every ``<`` written ``\\u003c`` so that no ``</script>`` or ``<!--`` in an article ends it."""
    text = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


class _Groups:
    """Citations whose spans overlap (``[3–5]`` is three citations on one span) share one mark."""

    def __init__(self, result: Result) -> None:
        order = sorted(range(len(result.citations)), key=lambda i: (result.citations[i].span.start, i))
        self.spans: list[list[int]] = []  # [start, end]
        self.members: list[list[int]] = []
        for i in order:
            span = result.citations[i].span
            if self.spans and span.start < self.spans[-1][1]:
                self.spans[-1][1] = max(self.spans[-1][1], span.end)
                self.members[-1].append(i)
            else:
                self.spans.append([span.start, span.end])
                self.members.append([i])
        self.starts = [s for s, _ in self.spans]

    def at(self, start: int, end: int) -> int | None:
        """The group a span overlaps, if any."""
        g = bisect.bisect_right(self.starts, start) - 1
        if g >= 0 and (start < self.spans[g][1] or start == self.spans[g][0]):
            return g
        g += 1
        if g < len(self.spans) and self.spans[g][0] < max(end, start + 1):
            return g
        return None


def _worst(states: list[str]) -> str:
    for state in ("unresolved", "possible"):
        if state in states:
            return state
    return "matched"


def _document(result: Result, d: int, findings: list[tuple[int, Finding]], out: list[str]) -> None:
    """One document's section: article, references, findings."""
    prefix = "" if d == 0 else f"d{d}-"
    doc = result.document
    text = doc.text
    groups = _Groups(result)
    states = [m.state.value for m in result.matches]

    # Which finding is about what: a citation mark, a reference entry, or the document.
    by_group: dict[int, list[int]] = {}
    by_ref: dict[int, list[int]] = {}
    targets: dict[int, str] = {}
    own = [(i, r.span) for i, r in enumerate(result.references) if r.origin is None]
    own.sort(key=lambda item: item[1].start)
    own_starts = [span.start for _, span in own]
    by_origin = {(r.origin.path, r.origin.line): i for i, r in enumerate(result.references) if r.origin is not None}
    for j, finding in findings:
        if finding.origin is not None:
            r = by_origin.get((finding.origin.path, finding.origin.line))
            if r is not None:
                by_ref.setdefault(r, []).append(j)
                targets[j] = f"{prefix}ref-{r}"
            continue
        g = groups.at(finding.span.start, finding.span.end)
        if g is not None:
            by_group.setdefault(g, []).append(j)
            targets[j] = f"{prefix}cite-{groups.members[g][0]}"
            continue
        k = bisect.bisect_right(own_starts, finding.span.start) - 1
        if k >= 0 and finding.span.start < max(own[k][1].end, own[k][1].start + 1):
            r = own[k][0]
            by_ref.setdefault(r, []).append(j)
            targets[j] = f"{prefix}ref-{r}"

    out.append(f'<section class="doc" id="doc-{d}" data-doc="{d}" aria-labelledby="doc-{d}-h">\n')
    counts = Counter(str(f.severity) for _, f in findings)
    summary = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
                        for s in _SEVERITIES if counts[s]) or "no findings"
    out.append(f'<h2 id="doc-{d}-h">{_text(doc.path)}</h2>\n<p class="meta">{len(result.citations)} citations, '
               f"{len(result.references)} references, {summary}</p>\n<div class=\"cols\">\n")

    # The article: the body (and any citation outside it), in paragraphs.
    start, end = doc.body.start, doc.body.end
    if groups.spans:
        start, end = min(start, groups.spans[0][0]), max(end, max(e for _, e in groups.spans))
    out.append(f'<article class="art" aria-label="Text of {_attr(doc.path)}" aria-describedby="s-a">\n')
    g = 0
    cut = start
    paragraphs: list[tuple[int, int]] = []
    for brk in _PARAGRAPH_BREAK.finditer(text, start, end):
        paragraphs.append((cut, brk.start()))
        cut = brk.end()
    paragraphs.append((cut, end))
    for p_start, p_end in paragraphs:
        while p_end > p_start and text[p_end - 1].isspace():
            p_end -= 1
        if p_end <= p_start:
            continue
        out.append(f'<p data-line="{result.where(p_start)[1]}">')
        at = p_start
        while g < len(groups.spans) and groups.spans[g][0] < p_end:
            g_start, g_end = groups.spans[g]
            g_start, g_end = max(g_start, at), min(g_end, p_end)
            members = groups.members[g]
            state = _worst([states[i] for i in members])
            out.append(_text(text[at:g_start]))
            cite = members[0]
            # A mark is described by its state (s-p, s-u: shared descriptions) and its findings;
            # a matched one is a plain link to its entry.  A label per mark would repeat its
            # text, 4,000 times in a long article.
            ids = [] if state == "matched" else [f"s-{_STATE_CLASS[state]}"]
            ids += [f"f-{j}" for j in by_group.get(g, ())]
            described = f' aria-describedby="{" ".join(ids)}"' if ids else ""
            cls = "" if state == "matched" else f' class="{_STATE_CLASS[state]}"'
            entry = result.matches[cite].reference
            href = f"#{prefix}ref-{entry}" if entry is not None else f"#{prefix}cite-{cite}"
            anchors = "".join(f'<span id="{prefix}cite-{i}"></span>' for i in members[1:])
            out.append(f'<a{cls} id="{prefix}cite-{cite}" href="{href}"{described}>'
                       f"{_text(text[g_start:g_end])}{anchors}</a>")
            at = g_end
            g += 1
        out.append(_text(text[at:p_end]) + "</p>\n")
    out.append("</article>\n")

    # The reference list.
    cited_by: dict[int, list[int]] = {}
    for m in result.matches:
        if m.reference is not None:
            cited_by.setdefault(m.reference, []).append(m.citation)
    statuses = _link_statuses(result)
    lookup = dict(findings)
    out.append(f'<aside class="refs" role="complementary" aria-label="References of {_attr(doc.path)}">\n'
               f"<h3>References ({len(result.references)})</h3>\n<ol>\n")
    for i, reference in enumerate(result.references):
        line = reference.origin.line if reference.origin is not None else result.where(reference.span.start)[1]
        cls = ' class="x"' if i in by_ref else ""
        out.append(f'<li id="{prefix}ref-{i}"{cls} data-line="{line}">')
        if reference.origin is not None:
            out.append(f'<span class="o">{_text(reference.origin.path)}:{line}</span> ')
        out.append(_text(reference.text))
        cites = cited_by.get(i, [])
        if cites:
            links = " ".join(f'<a href="#{prefix}cite-{c}">{n}</a>' for n, c in enumerate(cites, 1))
            out.append(f' <span class="n">cited {len(cites)}×: {links}</span>')
        else:
            out.append(' <span class="n z">not cited</span>')
        for url, status in statuses.get(i, ()):
            out.append(f' <span class="ls" data-status="{_attr(status)}">{_text(url)}: {_text(status)}</span>')
        if i in by_ref:
            out.append('<ul class="rf">')
            for j in by_ref[i]:
                out.append(_finding_item(j, lookup[j], None))
            out.append("</ul>")
        out.append("</li>\n")
    out.append("</ol>\n</aside>\n</div>\n")

    # Every finding, in order, with where it is.
    out.append(f'<section class="fl" aria-label="Findings in {_attr(doc.path)}">\n<h3>Findings ({len(findings)})</h3>\n')
    if findings:
        out.append("<ol>\n")
        for j, finding in findings:
            out.append(_finding_item(j, finding, result, targets.get(j)) + "\n")
        out.append("</ol>\n")
    else:
        out.append("<p>No problems found.</p>\n")
    out.append("</section>\n</section>\n")


def _finding_item(j: int, finding: Finding, result: Result | None, target: str | None = None) -> str:
    """A finding as a list item; the full one (with its place, in the findings list) has the
    id ``f-N`` that marks and entries point at."""
    severity = str(finding.severity)
    head = f'<code>{finding.code}</code> <b>{_text(finding.rule)}</b> {_text(finding.message)}'
    if finding.suggestion:
        head += f' <span class="sg">suggestion: <kbd>{_text(finding.suggestion)}</kbd></span>'
    if result is None:
        return f'<li class="{severity[0]}" data-f="{j}">{head}</li>'
    if finding.origin is not None:
        place = f"{finding.origin.path}:{finding.origin.line}"
    else:
        path, line, column = result.where(finding.span.start)
        place = f"{path}:{line}:{column}"
    where = f'<a href="#{target}">{_text(place)}</a>' if target else _text(place)
    return (f'<li id="f-{j}" class="f {severity[0]}" data-rule="{_attr(finding.rule)}" data-sev="{severity}">'
            f"{where} {head}</li>")


def _link_statuses(result: Result) -> dict[int, list[tuple[str, str]]]:
    """The status of each checked link (``--links``), by the reference it is in."""
    found: dict[int, list[tuple[str, str]]] = {}
    if result.online is None or not result.online.links:
        return found
    spans = sorted((r.span.start, r.span.end, i) for i, r in enumerate(result.references) if r.origin is None)
    starts = [s for s, _, _ in spans]
    by_origin = {(r.origin.path, r.origin.line): i for i, r in enumerate(result.references) if r.origin is not None}
    for checked in result.online.links:
        link = checked.link
        where = set()
        for span in link.spans:
            k = bisect.bisect_right(starts, span.start) - 1
            if k >= 0 and span.start < spans[k][1]:
                where.add(spans[k][2])
        for origin in link.origins:
            if (origin.path, origin.line) in by_origin:
                where.add(by_origin[(origin.path, origin.line)])
        for i in sorted(where):
            found.setdefault(i, []).append((link.target, checked.status.value))
    return found


def _summary(results: Sequence[Result], out: list[str]) -> None:
    severities: Counter[str] = Counter()
    rules: Counter[tuple[str, str]] = Counter()
    rule_severity: dict[str, str] = {}
    for result in results:
        for finding in result.findings:
            severities[str(finding.severity)] += 1
            rules[(finding.code, finding.rule)] += 1
            rule_severity[finding.rule] = str(finding.severity)
    total = sum(severities.values())
    citations = sum(len(r.citations) for r in results)
    references = sum(len(r.references) for r in results)
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    out.append('<section class="sum" aria-label="Summary">\n')
    names = {"error": "errors", "warning": "warnings", "info": "info"}
    parts = " ".join(f'<span class="cnt {s[0]}">{severities[s]} {s if severities[s] == 1 else names[s]}</span>'
                     for s in _SEVERITIES)
    out.append(f"<p>{total} finding{'s' if total != 1 else ''} in {files}: {parts}; "
               f"{citations} citations, {references} references.</p>\n")
    if rules:
        ordered = sorted(rules.items(), key=lambda item: item[0])
        out.append('<table class="rules"><caption>Findings by rule</caption>\n'
                   "<tr><th>Code</th><th>Rule</th><th>Severity</th><th>Count</th></tr>\n")
        for (code, rule), n in ordered:
            sev = rule_severity[rule]
            out.append(f'<tr data-rule="{_attr(rule)}"><td><code>{code}</code></td><td>{_text(rule)}</td>'
                       f'<td class="{sev[0]}">{sev}</td><td>{n}</td></tr>\n')
        out.append("</table>\n")
        out.append(_chart(ordered, rule_severity))
        out.append('<div class="flt" role="group" aria-label="Show only" hidden>Show only: '
                   '<button type="button" aria-pressed="true" data-k="" data-v="">all</button>')
        for s in _SEVERITIES:
            if severities[s]:
                out.append(f' <button type="button" aria-pressed="false" data-k="sev" data-v="{s}">{s}</button>')
        for (_, rule), _n in ordered:
            out.append(f' <button type="button" aria-pressed="false" data-k="rule" data-v="{_attr(rule)}">'
                       f"{_text(rule)}</button>")
        out.append("</div>\n")
    out.append('<p class="keys">Keys: <kbd>n</kbd>/<kbd>j</kbd> next finding, <kbd>p</kbd>/<kbd>k</kbd> previous, '
               "<kbd>Esc</kbd> close details. Marks: ✓ matched, ? possible, ✗ unresolved.</p>\n</section>\n")


def _chart(ordered: list[tuple[tuple[str, str], int]], rule_severity: dict[str, str]) -> str:
    """An inline SVG bar chart of findings by rule."""
    bar, label_width, width = 18, 220, 200
    most = max(n for _, n in ordered)
    height = bar * len(ordered) + 4
    rows = []
    for k, ((code, rule), n) in enumerate(ordered):
        y = 2 + k * bar
        length = max(2, round(width * n / most))
        rows.append(f'<text x="0" y="{y + 13}">{code} {_text(rule)}</text>'
                    f'<rect class="{rule_severity[rule][0]}" x="{label_width}" y="{y + 2}" width="{length}" height="{bar - 4}"/>'
                    f'<text x="{label_width + length + 4}" y="{y + 13}">{n}</text>')
    return (f'<svg class="chart" role="img" aria-labelledby="chart-t" width="{label_width + width + 40}" '
            f'height="{height}" viewBox="0 0 {label_width + width + 40} {height}">'
            f'<title id="chart-t">Findings by rule</title>{"".join(rows)}</svg>\n')


def embedded_data(results: Sequence[Result]) -> dict[str, Any]:
    """The JSON report (refcheck.report.to_json) without the references' ``csl``: the page
    shows the entries as written, and the parsed fields of a 1,000-entry list would be a
    sixth of its size (``--format json`` has them)."""
    from refcheck.report import to_json  # refcheck.report imports this module

    report = to_json(results)
    for document in report["documents"]:
        for reference in document["references"]:
            reference.pop("csl", None)
    return report


def html_report(results: Sequence[Result], color: bool = False) -> str:
    """The report of a run as one self-contained HTML page (``color`` is not used)."""
    out = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           '<meta name="generator" content="refcheck">\n<title>refcheck report</title>\n'
           f"<style>{_CSS}</style>\n</head>\n<body>\n"
           '<header><h1>refcheck report</h1>\n']
    _summary(results, out)
    if len(results) > 1:
        out.append('<nav class="toc" aria-label="Documents"><h2>Documents</h2><ol>\n')
        for d, result in enumerate(results):
            n = len(result.findings)
            out.append(f'<li><a href="#doc-{d}">{_text(result.document.path)}</a> ({n} finding{"s" if n != 1 else ""})</li>\n')
        out.append("</ol></nav>\n")
    out.append('</header>\n<main role="main">\n')
    j = 0
    for d, result in enumerate(results):
        findings = list(enumerate(result.findings, j))
        j += len(findings)
        _document(result, d, findings, out)
    out.append('</main>\n<div hidden><span id="s-a">Citations link to their reference entries; one that does not match says so.</span><span id="s-p">possible match, '
               'see its findings</span><span id="s-u">unresolved citation</span></div>\n<div id="dp" role="region" aria-label="Details" aria-live="polite" hidden></div>\n'
               '<script type="application/json" id="refcheck-data">')
    out.append(embedded_json(embedded_data(results)))
    out.append(f"</script>\n<script>{_JS}</script>\n</body>\n</html>\n")
    return "".join(out)


_CSS = """
:root{--bg:#fff;--fg:#1b1b1b;--mute:#5a5a5a;--line:#d8d8d8;--ok:#1a7f37;--warn:#9a6700;--bad:#c62828;
--okbg:#e9f7ee;--warnbg:#fff4d6;--badbg:#fde8e8;--info:#0b6e99;--focus:#5b3cc4;--panel:#f6f6f8;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#16171a;--fg:#e6e6e6;--mute:#a8a8a8;--line:#3a3b40;--ok:#5fd38a;
--warn:#f2c14e;--bad:#ff7b72;--okbg:#15301f;--warnbg:#3a2f10;--badbg:#421b1b;--info:#6cc4f0;--focus:#b9a6ff;--panel:#222328}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:110rem;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);
font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
h1{margin:.2rem 0}h2{margin:1.5rem 0 .3rem;word-break:break-all}h3{margin:.5rem 0}
.meta,.keys{color:var(--mute)}
code,kbd{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.cols{display:block}
@media (min-width:70rem){.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:2rem}
.refs{position:sticky;top:0;max-height:100vh;overflow:auto}}
.art p{white-space:pre-wrap;margin:0 0 1em}
.art a{color:inherit;text-decoration-line:underline;text-decoration-thickness:2px;text-underline-offset:3px;border-radius:2px}
.art a::after{font-size:.75em;font-weight:bold;vertical-align:super;margin-left:1px}
.art a{text-decoration-style:solid;text-decoration-color:var(--ok)}.art a::after{content:"\\2713";color:var(--ok)}
.art a.p{text-decoration-style:wavy;text-decoration-color:var(--warn);background:var(--warnbg)}.art a.p::after{content:"?";color:var(--warn)}
.art a.u{text-decoration-style:double;text-decoration-color:var(--bad);background:var(--badbg)}.art a.u::after{content:"\\2717";color:var(--bad)}
a:focus-visible,li:focus,button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
:target{outline:2px dashed var(--focus);outline-offset:2px}
.refs ol,.fl ol{padding-left:2.2rem}.refs,.fl{overflow-wrap:anywhere}.refs li{margin-bottom:.6em}
.refs li.x{border-left:4px double var(--warn);padding-left:.4rem}
.o{font-size:.8em;border:1px solid var(--line);border-radius:3px;padding:0 .25em;color:var(--mute)}
.n{color:var(--mute);font-size:.85em}.z{color:var(--bad);font-style:italic}
.ls{font-size:.85em;border:1px dashed var(--line);padding:0 .2em}
.rf{margin:.2em 0;padding-left:1.2rem;font-size:.9em}
.f{margin-bottom:.3em}
li.e::marker,.cnt.e,td.e{color:var(--bad)}li.w::marker,.cnt.w,td.w{color:var(--warn)}li.i::marker,.cnt.i,td.i{color:var(--info)}
.rf li.e::before,.f.e::before{content:"\\2717 "}.rf li.w::before,.f.w::before{content:"! "}.rf li.i::before,.f.i::before{content:"i "}
.sg kbd{background:var(--okbg);padding:0 .2em;border-radius:3px}
.cnt{font-weight:bold;margin-right:.5em}
table.rules{border-collapse:collapse;margin:.5rem 0}table.rules td,table.rules th{border:1px solid var(--line);padding:.1rem .5rem;text-align:left}
caption{text-align:left;font-weight:bold}
.chart{display:block;max-width:100%;font-size:12px}.chart text{fill:var(--fg)}
.chart rect.e{fill:var(--bad)}.chart rect.w{fill:var(--warn)}.chart rect.i{fill:var(--info)}
.flt button{font:inherit;margin:.15rem;padding:.1rem .5rem;border:1px solid var(--line);border-radius:3px;background:var(--bg);color:var(--fg)}
.flt button[aria-pressed=true]{background:var(--fg);color:var(--bg)}
.dim{opacity:.35}
#dp{position:fixed;right:1rem;bottom:1rem;width:min(30rem,calc(100vw - 2rem));max-height:50vh;overflow:auto;
background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;box-shadow:0 4px 16px rgba(0,0,0,.25)}
#dp button{float:right}
@media print{.flt,#dp,.keys,.chart{display:none!important}.cols{display:block}.refs{position:static;max-height:none}
.dim{opacity:1}body{max-width:none;font-size:11pt}a{color:inherit}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.fl li,.refs li{break-inside:avoid}}
"""

_JS = """
(function(){'use strict';
var data=JSON.parse(document.getElementById('refcheck-data').textContent);
var dp=document.getElementById('dp'),filter={k:'',v:''},sel=null;
function esc(s){return String(s).replace(/[&<>"]/g,function(c){return{'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
function ids(el){var f=[];if(el.matches('.art a')){(el.getAttribute('aria-describedby')||'').split(' ').forEach(function(x){if(x.slice(0,2)==='f-')f.push(+x.slice(2));});}
else{el.querySelectorAll('[data-f]').forEach(function(x){f.push(+x.dataset.f);});}return f;}
function pass(j){var f=data.findings[j];return !filter.k||(filter.k==='sev'?f.severity===filter.v:f.rule===filter.v);}
function targets(){var seen=[],out=[];document.querySelectorAll('.fl li.f > a[href]').forEach(function(a){
var li=a.parentNode;if(li.hidden)return;var t=document.getElementById(a.getAttribute('href').slice(1));
if(t&&seen.indexOf(t)<0){seen.push(t);out.push(t);}});
out.sort(function(a,b){return a.compareDocumentPosition(b)&Node.DOCUMENT_POSITION_FOLLOWING?-1:1;});return out;}
function findingHtml(j){var f=data.findings[j],s='<li><code>'+esc(f.code)+'</code> <b>'+esc(f.rule)+'</b> ('+esc(f.severity)+') '+esc(f.message);
if(f.suggestion)s+='<br>suggestion: <kbd>'+esc(f.suggestion)+'</kbd>';
f.fix.forEach(function(e){s+='<br>fix: line '+e.line+':'+e.column+' \\u2192 <kbd>'+esc(e.replacement)+'</kbd>';});return s+'</li>';}
function show(el){var sec=el.closest('.doc'),d=+sec.dataset.doc,doc=data.documents[d],pre=d?'d'+d+'-':'',h='';
if(el.matches('.art a')){var c=doc.citations[+el.id.slice(pre.length+5)];
h='<h3>Citation '+esc(c.text)+'</h3><p>'+esc(c.state)+', line '+c.line+':'+c.column+'</p>';
if(c.reference!==null){h+='<p>Entry: <a href="#'+pre+'ref-'+c.reference+'">'+esc(doc.references[c.reference].text)+'</a></p>';}
else h+='<p>No entry in the reference list.</p>';}
else{var r=doc.references[+el.id.slice(pre.length+4)];h='<h3>Reference</h3><p>'+esc(r.text)+'</p><p>cited '+r.cited+'\\u00d7</p>';}
var f=ids(el);if(f.length)h+='<ul>'+f.map(findingHtml).join('')+'</ul>';
dp.innerHTML='<button type="button" aria-label="Close details">\\u00d7</button>'+h;dp.hidden=false;
dp.querySelector('button').onclick=function(){dp.hidden=true;if(sel)sel.focus();};sel=el;}
document.addEventListener('click',function(e){var a=e.target.closest&&e.target.closest('.art a');if(a){e.preventDefault();show(a);}});
function go(step){var t=targets();if(!t.length)return;var i=sel?t.indexOf(sel):-1;
if(i<0&&sel){i=step>0?-1:t.length;for(var k=0;k<t.length;k++){if(sel.compareDocumentPosition(t[k])&Node.DOCUMENT_POSITION_FOLLOWING){i=step>0?k-1:k;break;}}}
i=(i+step+t.length)%t.length;var el=t[i];if(!el.matches('a'))el.tabIndex=-1;el.focus();el.scrollIntoView({block:'center'});show(el);}
document.addEventListener('keydown',function(e){if(e.ctrlKey||e.metaKey||e.altKey)return;var tag=(e.target.tagName||'');
if(tag==='INPUT'||tag==='TEXTAREA'||tag==='SELECT')return;
if(e.key==='n'||e.key==='j'){go(1);e.preventDefault();}else if(e.key==='p'||e.key==='k'){go(-1);e.preventDefault();}
else if(e.key==='Escape'&&!dp.hidden){dp.hidden=true;if(sel)sel.focus();}});
document.addEventListener('focusin',function(e){var t=e.target;if(t.matches&&t.matches('.art a, .refs li[id]'))sel=t;});
function apply(){document.querySelectorAll('.fl li.f').forEach(function(li){li.hidden=!pass(+li.id.slice(2));});
document.querySelectorAll('.art a, .refs li[id]').forEach(function(el){var f=ids(el);
el.classList.toggle('dim',!!filter.k&&!f.some(pass));});
document.querySelectorAll('.refs li[id] [data-f]').forEach(function(x){x.hidden=!pass(+x.dataset.f);});}
var flt=document.querySelector('.flt');if(flt){flt.hidden=false;flt.addEventListener('click',function(e){var b=e.target.closest('button');if(!b)return;
filter={k:b.dataset.k,v:b.dataset.v};flt.querySelectorAll('button').forEach(function(x){x.setAttribute('aria-pressed',x===b?'true':'false');});apply();});}
})();
"""
