"""The local web app (``refcheck serve``): a form to upload or paste an article, its report, downloads.

Starlette on uvicorn, both imported only here.  An upload is written into a temporary
directory (the readers want paths: a .docx, a .bib, a .tex's own files), checked, and the
directory removed before the answer goes out; what the download links need is kept in
memory, keyed by a random id, for a short time and for a bounded number of checks.
"""

from __future__ import annotations

import html
import ipaddress
import re
import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from refcheck.check import Result

__all__ = ["ARTICLE_SUFFIXES", "BIBLIOGRAPHY_SUFFIXES", "DEFAULT_MAX_UPLOAD", "Check", "Store", "create_app",
           "is_loopback", "parse_size", "run_server"]  # fmt: skip

ARTICLE_SUFFIXES = (".docx", ".md", ".markdown", ".txt", ".tex", ".html", ".htm", ".qmd", ".rmd")
BIBLIOGRAPHY_SUFFIXES = (".bib", ".json", ".yaml", ".yml", ".ris")
DEFAULT_MAX_UPLOAD = 20 * 1000 * 1000

_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(text: str) -> int:
    """Bytes of a size such as ``20MB``, ``500kB``, ``1MiB`` or ``1048576``; ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if found is None or found.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (e.g. 20MB, 500kB, 1MiB)")
    size = int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    if size <= 0:
        raise ValueError(f"not a size: {text!r} (it must be more than 0)")
    return size


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only: localhost or a loopback address."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Check:
    """What the download links of one check need: the references as CSL-JSON items and the
    article with its safe fixes made (None when there was nothing to fix)."""

    name: str
    style: str
    items: tuple[dict[str, Any], ...]
    fixed: bytes | None
    fixed_count: int


class Store:
    """Checks by id: the ``size`` most recent, each for ``ttl`` seconds (``clock`` injected)."""

    def __init__(self, size: int = 64, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: OrderedDict[str, tuple[float, Check]] = OrderedDict()
        self._lock = threading.Lock()
        self.size, self.ttl, self.clock = size, ttl, clock

    def add(self, check: Check) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._items[key] = (self.clock(), check)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> Check | None:
        with self._lock:
            self._expire()
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[1]

    def _expire(self) -> None:
        limit = self.clock() - self.ttl
        for key in [k for k, (added, _) in self._items.items() if added < limit]:
            del self._items[key]


class _TooLarge(Exception):
    pass


class _BadUpload(Exception):
    """An upload refcheck cannot check; the message says why, in one line."""


def _safe_name(name: str, fallback: str) -> str:
    """A file name for the temporary directory: the upload's base name, plain characters only."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._") or Path(fallback).stem
    return stem[:100] + re.sub(r"[^\w.]+", "", suffix)[:10]


def _article_items(result: Result) -> tuple[dict[str, Any], ...]:
    """The references of the downloads: the article's own list, and the entries of its
    bibliography files that it cites (a .bib of a thousand entries is not the article's list)."""
    from refcheck.parse import to_csl_json

    cited = {m.reference for m in result.matches if m.reference is not None}
    chosen = [r for i, r in enumerate(result.references) if r.origin is None or i in cited]
    return tuple(to_csl_json(chosen))


def check_upload(name: str, data: bytes, bib: tuple[str, bytes] | None, style: str) -> tuple[Result, Check, str]:
    """Check an uploaded article (and its bibliography file) in a temporary directory removed
    before returning (its path is returned too, to be taken out of reports); raises
    _BadUpload with a one-line message."""
    from refcheck.check import check_file
    from refcheck.document import InputError
    from refcheck.fixes import fix
    from refcheck.sources import read_bibliography

    if Path(name).suffix.casefold() not in ARTICLE_SUFFIXES:
        raise _BadUpload(f"{name}: not an article refcheck reads (it reads {', '.join(ARTICLE_SUFFIXES)})")
    if bib is not None and Path(bib[0]).suffix.casefold() not in BIBLIOGRAPHY_SUFFIXES:
        raise _BadUpload(f"{bib[0]}: not a bibliography file (expected {', '.join(BIBLIOGRAPHY_SUFFIXES)})")
    with tempfile.TemporaryDirectory(prefix="refcheck-serve-") as folder:
        path = Path(folder) / _safe_name(name, "article.txt")
        path.write_bytes(data)
        sources = []
        if bib is not None:
            bib_path = Path(folder) / _safe_name(bib[0], "references.bib")
            if bib_path == path:
                bib_path = bib_path.with_stem(bib_path.stem + "-bib")
            bib_path.write_bytes(bib[1])
            try:
                sources.append(read_bibliography(bib_path))
            except InputError as error:
                raise _BadUpload(str(error).replace(str(bib_path), bib[0]).replace(folder, "")) from None
        try:
            result = check_file(path, sources=sources)
        except InputError as error:
            # The message names the temporary file: name the upload instead.
            raise _BadUpload(str(error).replace(str(path), name).replace(folder, "")) from None
        # Shown with the name it was uploaded as, not the temporary path.
        result = _renamed(result, str(path), name, folder)
        done = fix(result)
        fixed: bytes | None = None
        if done.findings and done.text != result.document.text:
            doc = result.document
            if doc.kind == "docx":
                from refcheck.formats.docx import fixed_source

                try:
                    fixed = fixed_source(doc, done.edits)
                except ValueError:
                    fixed = None  # an edit across a tab or a break: not made (as --fix says)
            elif doc.source is None:
                fixed = done.text.encode(doc.encoding if doc.encoding not in ("utf-16", "utf-32") else "utf-8")
    check = Check(name, style, _article_items(result), fixed, len(done.findings) if fixed is not None else 0)
    return result, check, folder


def _renamed(result: Result, path: str, name: str, folder: str) -> Result:
    """``result`` with its document (and the bibliographies beside it) named as uploaded."""
    import dataclasses

    def shown(p: str) -> str:
        if p == path:
            return name
        return p.removeprefix(folder).lstrip("/\\") or p

    doc = result.document
    places = tuple(dataclasses.replace(place, path=shown(place.path)) for place in doc.places)
    doc = dataclasses.replace(doc, path=shown(doc.path), places=places)
    sources = tuple(dataclasses.replace(s, path=shown(s.path)) for s in result.sources)
    return dataclasses.replace(result, document=doc, sources=sources)


def _styles() -> list[str]:
    from refcheck.csl import styles

    return [s.name for s in styles()]


_CSS = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main.rc-form{max-width:46rem;margin:2rem auto;padding:0 1rem}
.rc-drop{border:2px dashed #8a8a8a;border-radius:8px;padding:1.5rem;text-align:center;background:#fff}
.rc-drop.over{border-color:#1f6feb;background:#eef4ff}
textarea{width:100%;min-height:10rem;font:14px/1.4 ui-monospace,monospace}
fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0;background:#fff}
button{font-size:1rem;padding:.5rem 1.25rem}
.rc-error{background:#fdecea;border:1px solid #d93025;padding:.75rem 1rem;border-radius:6px}
"""

_BAR_CSS = (
    "#rc-bar{position:sticky;top:0;z-index:1000;display:flex;gap:1rem;flex-wrap:wrap;align-items:center;"
    "padding:.5rem 1rem;background:#24292f;color:#fff;font:14px/1.4 system-ui,sans-serif}"
    "#rc-bar a{color:#9ecbff}#rc-bar strong{margin-right:auto}"
)

_DROP_JS = """
const drop=document.getElementById('rc-drop'),input=document.getElementById('article');
for(const e of ['dragenter','dragover'])drop.addEventListener(e,ev=>{ev.preventDefault();drop.classList.add('over')});
for(const e of ['dragleave','drop'])drop.addEventListener(e,ev=>{ev.preventDefault();drop.classList.remove('over')});
drop.addEventListener('drop',ev=>{if(ev.dataTransfer.files.length){input.files=ev.dataTransfer.files;
document.getElementById('rc-chosen').textContent=input.files[0].name}});
input.addEventListener('change',()=>{
document.getElementById('rc-chosen').textContent=input.files.length?input.files[0].name:''});
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    from starlette.responses import HTMLResponse

    return HTMLResponse(
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        status_code=status,
    )


def _form(styles: Sequence[str], max_upload: int, error: str | None = None, status: int = 200) -> Response:
    accept = ",".join(ARTICLE_SUFFIXES)
    options = "".join(
        f'<option value="{html.escape(s)}"{" selected" if s == "apa" else ""}>{html.escape(s)}</option>' for s in styles
    )
    problem = f'<p class="rc-error" role="alert" id="rc-error">{html.escape(error)}</p>' if error else ""
    body = f"""<main class="rc-form">
<h1>refcheck</h1>
<p>Check an article's in-text citations against its reference list.</p>
{problem}
<form method="post" action="/check" enctype="multipart/form-data" id="rc-form">
<fieldset><legend>An article</legend>
<div class="rc-drop" id="rc-drop">
<p>Drop a file here, or choose one ({html.escape(", ".join(ARTICLE_SUFFIXES))}):</p>
<input type="file" name="article" id="article" accept="{accept}">
<p id="rc-chosen"></p>
</div>
<p><label for="bib">With a bibliography file (optional, .bib, CSL-JSON, CSL-YAML, RIS):</label>
<input type="file" name="bib" id="bib" accept="{",".join(BIBLIOGRAPHY_SUFFIXES)}"></p>
</fieldset>
<fieldset><legend>Or paste its text</legend>
<textarea name="text" id="text" placeholder="The article, with its reference list"></textarea>
</fieldset>
<p><label for="style">Reference style of the downloaded list:</label>
<select name="style" id="style">{options}</select></p>
<p><button type="submit" id="rc-submit">Check</button>
<small>Uploads up to {max_upload / 1e6:g} MB; nothing is kept on disk.</small></p>
</form>
</main>
<script>{_DROP_JS}</script>"""
    return _page("refcheck", body, status)


def _bar(key: str, check: Check) -> str:
    link = f"/download/{key}"
    parts = [
        '<nav id="rc-bar"><strong>refcheck</strong>',
        f'<span>{html.escape(check.name)}</span>',
        '<a href="/" id="rc-new">New check</a>',
        f'<a href="{link}/references" id="rc-references" download>References ({html.escape(check.style)})</a>',
        f'<a href="{link}/bibtex" id="rc-bibtex" download>BibTeX</a>',
        # Copies the formatted list as text; shown only where a script may use the clipboard.
        f'<button type="button" id="rc-copy" data-src="{link}/references?to=text" hidden>Copy references</button>',
        f'<span id="rc-copied" role="status" aria-live="polite"></span>',
    ]
    if check.fixed is not None:
        count = check.fixed_count
        fixes = f'{count} fix{"es" if count != 1 else ""}'
        parts.append(f'<a href="{link}/fixed" id="rc-fixed" download>Fixed article ({fixes})</a>')
    parts.append("</nav>")
    parts.append(f"<script>{_COPY_JS}</script>")
    return "".join(parts)


_COPY_JS = """(() => {
  const button = document.getElementById('rc-copy');
  const said = document.getElementById('rc-copied');
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      const answer = await fetch(button.dataset.src);
      if (!answer.ok) throw new Error('HTTP ' + answer.status);
      await navigator.clipboard.writeText(await answer.text());
      said.textContent = 'References copied.';
    } catch (error) {
      said.textContent = 'Could not copy: ' + error.message;
    }
  });
})();"""


def _wrapped(report: str, bar: str) -> str:
    """The report page with the bar at the top of its body (the report is a whole page)."""
    style = f"<style>{_BAR_CSS}</style>"
    head = re.search(r"</head\s*>", report, re.IGNORECASE)
    if head is not None:
        report = report[: head.start()] + style + report[head.start() :]
    else:
        bar = style + bar
    body = re.search(r"<body\b[^>]*>", report, re.IGNORECASE)
    if body is None:
        return bar + report
    return report[: body.end()] + "\n" + bar + report[body.end() :]


def _stem(name: str) -> str:
    return _safe_name(name, "article.txt").rsplit(".", 1)[0] or "article"


def create_app(max_upload: int = DEFAULT_MAX_UPLOAD, store: Store | None = None,
               on_ready: Callable[[], None] | None = None, warm: bool = True) -> Starlette:
    """The web app.  ``on_ready`` is called once it serves (to open a browser); with ``warm``,
    a small check runs in the background at start so that the first upload finds the
    reference model loaded."""
    import contextlib
    from collections.abc import AsyncIterator

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from refcheck.document import InputError

    checks = store if store is not None else Store()
    style_names = _styles()

    async def index(request: Request) -> Response:
        return _form(style_names, max_upload)

    async def body_of(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_upload:
            raise _TooLarge
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_upload:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    async def check(request: Request) -> Response:
        from starlette.datastructures import UploadFile

        try:
            data = await body_of(request)
        except _TooLarge:
            return _form(style_names, max_upload, f"The upload is too large: refcheck serve takes up to "
                         f"{max_upload / 1e6:g} MB (see --max-upload).", 413)  # fmt: skip

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": data, "more_body": False}

        form = await Request(request.scope, replay).form(max_files=2, max_fields=10, max_part_size=max_upload)
        try:
            article, bib, text = form.get("article"), form.get("bib"), form.get("text")
            style = str(form.get("style") or "apa")
            if style not in style_names:
                raise _BadUpload(f"unknown style {style!r}")
            if isinstance(article, UploadFile) and article.filename:
                name, content = article.filename, await article.read()
            elif isinstance(text, str) and text.strip():
                name, content = "pasted.txt", text.encode("utf-8")
            else:
                raise _BadUpload("Choose a file or paste an article's text.")
            given = None
            if isinstance(bib, UploadFile) and bib.filename:
                given = (bib.filename, await bib.read())
            result, done, folder = await run_in_threadpool(check_upload, name, content, given, style)
        except (InputError, _BadUpload) as error:
            return _form(style_names, max_upload, str(error), 400)
        finally:
            await form.close()
        from refcheck.report import FORMATS

        key = checks.add(done)
        # Paths of the removed temporary directory (a .bib's entries, parts of a .docx) are
        # shown relative to it.
        report = FORMATS["html"]([result], False).replace(folder + "/", "").replace(folder, "")
        from starlette.responses import HTMLResponse

        return HTMLResponse(_wrapped(report, _bar(key, done)))

    def found(request: Request) -> Check:
        done = checks.get(request.path_params["key"])
        if done is None:
            raise HTTPException(404, "This check is no longer kept: run it again.")
        return done

    def attachment(text: str | bytes, filename: str, media: str) -> Response:
        return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    async def bibtex(request: Request) -> Response:
        from refcheck.sources import write

        done = found(request)
        return attachment(write(done.items, "bibtex"), f"{_stem(done.name)}.bib", "application/x-bibtex")

    async def references(request: Request) -> Response:
        from refcheck.csl import StyleError, format_references

        done = found(request)
        style = request.query_params.get("style", done.style)
        to = request.query_params.get("to", "text")
        if style not in style_names or to not in ("text", "markdown", "html"):
            raise HTTPException(400, "unknown style or format")
        try:
            text = await run_in_threadpool(format_references, list(done.items), style, to)
        except StyleError as error:
            raise HTTPException(400, str(error)) from None
        suffix, media = {"text": (".txt", "text/plain"), "markdown": (".md", "text/markdown"),
                         "html": (".html", "text/html")}[to]  # fmt: skip
        return attachment(text, f"{_stem(done.name)}-references-{style}{suffix}", f"{media}; charset=utf-8")

    async def fixed(request: Request) -> Response:
        done = found(request)
        if done.fixed is None:
            raise HTTPException(404, "refcheck made no fixes to this article.")
        name = _safe_name(done.name, "article.txt")
        stem, dot, suffix = name.rpartition(".")
        return attachment(done.fixed, f"{stem}-fixed.{suffix}" if dot else f"{name}-fixed", "application/octet-stream")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _page(f"refcheck: {exc.status_code}", f'<main class="rc-form"><h1>{exc.status_code}</h1>'
                     f'<p class="rc-error">{html.escape(str(exc.detail))}</p><p><a href="/">New check</a></p></main>',
                     exc.status_code)  # fmt: skip

    async def server_error(request: Request, exc: Exception) -> Response:
        # Never a traceback in the page: the kind of error is enough for a report.
        return _page("refcheck: error", '<main class="rc-form"><h1>Something went wrong</h1>'
                     f'<p class="rc-error">refcheck failed on this input ({html.escape(type(exc).__name__)}).</p>'
                     '<p><a href="/">New check</a></p></main>', 500)  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=_warm, daemon=True).start()
        if on_ready is not None:
            on_ready()
        yield

    routes = [
        Route("/", index),
        Route("/check", check, methods=["POST"]),
        Route("/download/{key}/bibtex", bibtex),
        Route("/download/{key}/references", references),
        Route("/download/{key}/fixed", fixed),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: http_error, Exception: server_error})  # fmt: skip


def _warm() -> None:
    """Load what the first check would: the reference model, the rules, a style."""
    from refcheck.check import check_text

    check_text("Smith (2020) says so.\n\nReferences\n\nSmith, J. (2020). A title. Journal, 1(2), 3-4.\n")


def run_server(app: Starlette, host: str, port: int) -> None:
    """Serve ``app`` until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
