"""`refcheck links` and `refcheck check --links`, run as users run them, against real servers on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from loopback import RoutingHandler, serve

_counts: dict[str, int] = {}
_lock = threading.Lock()


class _Handler(RoutingHandler):
    def _route(self) -> None:
        with _lock:
            _counts[self.path] = _counts.get(self.path, 0) + 1
        path = self.path.split("?", 1)[0]
        if path in ("/ok", "/new", "/login", "/"):
            self._send(200, b"hello")
        elif path == "/moved":
            self._send(301, headers={"Location": "/new"})
        elif path == "/temporary":
            self._send(302, headers={"Location": "/ok"})
        elif path == "/members/paper":
            self._send(302, headers={"Location": "/login?next=/members/paper"})
        elif path == "/old-story":
            self._send(301, headers={"Location": "/"})
        elif path == "/forbidden":
            self._send(403)
        elif path == "/challenge":
            self._send(403, b"Just a moment...", {"cf-mitigated": "challenge"})
        elif path == "/error":
            self._send(500)
        elif path == "/head-404":
            self._send(404 if self.command == "HEAD" else 200, b"fine")
        elif path == "/stall":
            time.sleep(4)
            self._send(200)
        elif path.startswith("/handles/"):
            doi = path[len("/handles/") :]
            if doi.casefold() == "10.1000/real":
                self._send(200, json.dumps({"responseCode": 1, "handle": doi}).encode())
            else:
                self._send(404, json.dumps({"responseCode": 100, "handle": doi}).encode())
        else:
            self._send(404, b"not here")


def _serve(host: str) -> tuple[ThreadingHTTPServer, str]:
    return serve(_Handler, host)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd, url = _serve("127.0.0.1")
    try:
        yield url
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def refcheck(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.casefold()}
    env.pop("CI", None)
    done = subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, timeout=timeout,
                          env=env, cwd=cwd)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def _article(server: str) -> str:
    return (
        "# Notes\n\n"
        f"The survey [@a] is at <{server}/ok> and moved to {server}/moved. See also\n"
        f"[the data]({server}/missing) and {server}/forbidden, {server}/error and {server}/temporary.\n"
        f"A DOI: doi:10.1000/REAL, and a wrong one https://doi.org/10.1000/invented.\n"
        f"Again {server}/moved.\n"
    )


def _json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    report = json.loads(done.stdout)
    assert isinstance(report, dict)
    return report


def test_links_json_report_one_record_per_link(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(_article(server), encoding="utf-8")
    (tmp_path / "b.md").write_text(f"Also at {server}/ok.\n", encoding="utf-8")
    done = refcheck("links", "a.md", "b.md", "--format", "json", "--no-cache", "--retries", "0",
                    "--doi-url", server + "/handles/", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = _json(done)
    assert report["version"] == 1
    links = {entry["url"]: entry for entry in report["links"]}  # type: ignore[attr-defined]
    assert len(links) == 8 == len(report["links"])  # type: ignore[arg-type]
    ok = links[server + "/ok"]
    assert ok["status"] == "ok" and ok["http_status"] == 200
    assert ok["locations"] == [{"path": "a.md", "line": 3, "column": 24}, {"path": "b.md", "line": 1, "column": 9}]
    moved = links[server + "/moved"]
    assert moved["status"] == "redirected" and moved["final_url"] == server + "/new"
    assert moved["redirects"] == [{"url": server + "/moved", "status": 301}]
    assert [loc["line"] for loc in moved["locations"]] == [3, 6]
    assert links[server + "/missing"]["status"] == "dead"
    assert links[server + "/forbidden"]["status"] == "blocked"
    assert links[server + "/error"]["status"] == "error"
    assert links[server + "/temporary"]["status"] == "ok"
    assert links["10.1000/REAL"]["status"] == "ok" and links["10.1000/REAL"]["kind"] == "doi"
    assert links["10.1000/invented"]["status"] == "dead"
    rules = sorted((f["rule"], f["line"]) for f in report["findings"])  # type: ignore[attr-defined]
    assert rules == [
        ("dead-link", 4), ("doi-not-found", 5), ("link-blocked", 4), ("link-error", 4),
        ("link-redirected", 3), ("link-redirected", 6),
    ]  # fmt: skip
    redirected = next(f for f in report["findings"] if f["rule"] == "link-redirected")  # type: ignore[attr-defined]
    assert redirected["suggestion"] == server + "/new"
    assert redirected["fix"][0]["replacement"] == server + "/new"


def test_links_text_report_and_summary(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(_article(server), encoding="utf-8")
    done = refcheck("links", "a.md", "--no-cache", "--retries", "0", "--doi-url", server + "/handles/", cwd=tmp_path)
    assert done.returncode == 1
    assert f"a.md:4:12: RC401 dead-link ‘{server}/missing’ is dead: HTTP 404" in done.stdout
    assert "RC406 doi-not-found DOI 10.1000/invented does not exist" in done.stdout
    assert "Checked 8 links: 3 ok, 1 redirected, 2 dead, 1 blocked, 1 error." in done.stdout
    assert done.stderr == ""


def test_fix_replaces_moved_urls_and_nothing_else(server: str, tmp_path: Path) -> None:
    body = f"Caf\xe9 notes\r\nSee {server}/moved and \\url{{{server}/moved}}.\r\nAnd {server}/ok\r\n"
    article = tmp_path / "a.txt"
    article.write_bytes(body.encode("cp1252"))
    done = refcheck("links", "a.txt", "--fix", "--no-cache", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fixed 2 problems in a.txt" in done.stderr
    assert article.read_bytes() == body.replace("/moved", "/new").encode("cp1252")
    again = refcheck("links", "a.txt", "--fix", "--no-cache", cwd=tmp_path)
    assert again.returncode == 0 and "fixed" not in again.stderr
    assert article.read_bytes() == body.replace("/moved", "/new").encode("cp1252")


def test_suspicious_redirects_and_bot_walls(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        f"{server}/members/paper {server}/old-story {server}/challenge {server}/head-404\n", encoding="utf-8")
    done = refcheck("links", "a.md", "--format", "json", "--no-cache", "--fix", cwd=tmp_path)
    report = _json(done)
    by_url = {e["url"][len(server):]: e for e in report["links"]}  # type: ignore[attr-defined]
    assert by_url["/members/paper"]["status"] == "redirected"
    assert by_url["/members/paper"]["detail"] == "redirects to a login page"
    assert by_url["/members/paper"]["suggestion"] is None
    assert by_url["/old-story"]["detail"] == "redirects to the home page"
    assert by_url["/challenge"]["status"] == "blocked"
    assert by_url["/head-404"]["status"] == "ok"  # HEAD lied; GET's answer counts
    assert all(not f["fix"] for f in report["findings"])  # type: ignore[attr-defined]
    assert "fixed" not in done.stderr


def test_accept_and_exclude(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(_article(server), encoding="utf-8")
    done = refcheck("links", "a.md", "--format", "json", "--no-cache", "--retries", "0",
                    "--doi-url", server + "/handles/", "--accept", "200..=299,403",
                    "--exclude", "/missing$", "--exclude", "^10\\.1000/inv", cwd=tmp_path)
    report = _json(done)
    statuses = {e["url"][len(server):] if e["url"].startswith(server) else e["url"]: e["status"]
                for e in report["links"]}  # type: ignore[attr-defined]
    assert "/missing" not in statuses and "10.1000/invented" not in statuses
    assert statuses["/forbidden"] == "ok"
    assert {f["rule"] for f in report["findings"]} == {"link-error", "link-redirected"}  # type: ignore[attr-defined]
    only_200 = refcheck("links", "a.md", "--format", "json", "--no-cache", "--retries", "0",
                        "--doi-url", server + "/handles/", "--accept", "200", cwd=tmp_path)
    assert {e["status"] for e in _json(only_200)["links"] if e["url"] == server + "/ok"} == {"ok"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--accept", "200-299"), "--accept: cannot read '200-299'"),
        (("--accept", "299..=200"), "is not a range of HTTP statuses"),
        (("--exclude", "(unclosed"), "--exclude: '(unclosed' is not a regular expression"),
    ],
)
def test_bad_options_are_one_line_and_status_2(tmp_path: Path, option: tuple[str, str], message: str) -> None:
    (tmp_path / "a.md").write_text("https://example.invalid/\n", encoding="utf-8")
    done = refcheck("links", "a.md", *option, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_missing_file_is_status_2_and_the_rest_still_checked(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"{server}/ok\n", encoding="utf-8")
    done = refcheck("links", "nope.md", "a.md", "--no-cache", cwd=tmp_path)
    assert done.returncode == 2
    assert "refcheck: error: nope.md: no such file" in done.stderr
    assert "Checked 1 link: 1 ok." in done.stdout


def test_bibliography_file_links_are_placed_at_their_entries(server: str, tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(
        "@article{a,\n  title = {A},\n  url = {" + server + "/ok},\n}\n\n"
        "@misc{b,\n  title = {B},\n  url = {" + server + "/missing},\n  doi = {10.1000/invented},\n}\n",
        encoding="utf-8")
    done = refcheck("links", "refs.bib", "--no-cache", "--retries", "0", "--doi-url", server + "/handles/",
                    cwd=tmp_path)
    assert done.returncode == 1
    assert f"refs.bib:6:1: RC401 dead-link ‘{server}/missing’ is dead: HTTP 404" in done.stdout
    assert "refs.bib:6:1: RC406 doi-not-found DOI 10.1000/invented" in done.stdout
    article = tmp_path / "paper.md"
    article.write_text("As A (2020) and B (2021) show.\n", encoding="utf-8")
    checked = refcheck("check", "paper.md", "--bib", "refs.bib", "--links", "--no-cache", "--retries", "0",
                       "--doi-url", server + "/handles/", "--format", "json", cwd=tmp_path)
    report = _json(checked)
    placed = {(f["rule"], f["path"], f["line"]) for f in report["findings"]}  # type: ignore[attr-defined]
    assert ("dead-link", "refs.bib", 6) in placed and ("doi-not-found", "refs.bib", 6) in placed


def test_check_links_adds_findings_to_the_report(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "Tides rose (Marsh, 2019).\n\n## References\n\n"
        f"Marsh, P. (2019). Tides. The Courier. {server}/missing\n", encoding="utf-8")
    offline = refcheck("check", "a.md", "--format", "json", cwd=tmp_path)
    assert offline.returncode == 0, offline.stdout
    online = refcheck("check", "a.md", "--links", "--no-cache", "--format", "json", cwd=tmp_path)
    assert online.returncode == 1
    findings = _json(online)["findings"]
    assert [(f["code"], f["rule"], f["line"], f["column"]) for f in findings] == [  # type: ignore[attr-defined]
        ("RC401", "dead-link", 5, 39)]
    ignored = refcheck("check", "a.md", "--links", "--no-cache", "--ignore", "dead-link", cwd=tmp_path)
    assert ignored.returncode == 0 and "RC401" not in ignored.stdout


def test_network_down_gives_link_errors_not_dead_links(tmp_path: Path) -> None:
    a, b = _closed_port("127.0.0.1"), _closed_port("127.0.0.1")
    (tmp_path / "a.md").write_text(
        f"http://127.0.0.1:{a}/x and http://localhost:{b}/y and doi:10.1000/abc\n", encoding="utf-8")
    started = time.monotonic()
    done = refcheck("links", "a.md", "--no-cache", "--format", "json", "--doi-url",
                    f"http://127.0.0.1:{_closed_port('127.0.0.1')}/handles/", cwd=tmp_path)
    assert time.monotonic() - started < 20
    assert done.returncode == 1
    report = _json(done)
    assert {e["status"] for e in report["links"]} == {"error"}  # type: ignore[attr-defined]
    assert {f["rule"] for f in report["findings"]} == {"link-error"}  # type: ignore[attr-defined]
    assert all("network" in e["detail"] or "DOI resolver" in e["detail"] for e in report["links"])  # type: ignore[attr-defined]


def test_one_refused_host_among_live_ones_is_dead(server: str, tmp_path: Path) -> None:
    port = _closed_port("127.0.0.1")
    (tmp_path / "a.md").write_text(f"{server}/ok and http://127.0.0.1:{port}/gone\n", encoding="utf-8")
    done = refcheck("links", "a.md", "--no-cache", cwd=tmp_path)
    assert "RC401 dead-link" in done.stdout and "connection refused" in done.stdout


def test_deadline_gives_up_stalled_links_without_hanging(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"{server}/stall and {server}/ok\n", encoding="utf-8")
    started = time.monotonic()
    done = refcheck("links", "a.md", "--no-cache", "--deadline", "1", "--timeout", "30", "--format", "json",
                    cwd=tmp_path)
    assert time.monotonic() - started < 4  # the stalled server answers after 4 s
    by_url = {e["url"]: e for e in _json(done)["links"]}  # type: ignore[attr-defined]
    assert by_url[server + "/ok"]["status"] == "ok"
    stalled = by_url[server + "/stall"]
    assert stalled["status"] == "timeout" and "deadline of 1 s" in stalled["detail"]
    assert done.returncode == 1


def test_malformed_urls_are_findings_not_crashes(tmp_path: Path) -> None:
    long_url = "https://long.example/" + "a" * 70_000
    (tmp_path / "a.tex").write_text(
        "See http//broken.example/x, https://snow\u2603man.example/ and \\url{https://exa mple.org/} "
        f"and {long_url} and [x](https://a.example/(unbalanced).\n", encoding="utf-8")
    done = refcheck("links", "a.tex", "--no-cache", "--format", "json", "--timeout", "2", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    report = _json(done)
    details = {e["url"][:30]: e["detail"] for e in report["links"]}  # type: ignore[attr-defined]
    assert "scheme needs" in details["http//broken.example/x"]
    assert "IDNA" in details["https://snow\u2603man.example/"]
    assert "URL too long" in details[long_url[:30]]


def test_a_second_run_reads_the_cache_and_asks_no_server(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"{server}/cached-ok-check {server}/ok and {server}/gone-cached\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = refcheck("links", "a.md", "--cache-dir", str(cache), "--format", "json", "--retries", "0", cwd=tmp_path)
    asked = dict(_counts)
    second = refcheck("links", "a.md", "--cache-dir", str(cache), "--format", "json", "--retries", "0", cwd=tmp_path)
    assert _counts == asked  # nothing asked again
    one, two = _json(first), _json(second)
    assert [e["status"] for e in one["links"]] == [e["status"] for e in two["links"]]  # type: ignore[attr-defined]
    assert [e["cached"] for e in two["links"]] == [True, True, True]  # type: ignore[attr-defined]
    assert (cache / "network-v1.sqlite3").exists()
    assert "(3 from the cache)" in refcheck("links", "a.md", "--cache-dir", str(cache), cwd=tmp_path).stdout
    fresh = refcheck("links", "a.md", "--cache-dir", str(cache), "--no-cache", "--format", "json", cwd=tmp_path)
    assert not any(e["cached"] for e in _json(fresh)["links"])  # type: ignore[attr-defined]


def test_an_unusable_cache_is_one_warning(server: str, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"{server}/ok\n", encoding="utf-8")
    (tmp_path / "blocker").write_text("a file where the cache directory should be", encoding="utf-8")
    done = refcheck("links", "a.md", "--cache-dir", str(tmp_path / "blocker" / "cache"), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr.count("refcheck: warning:") == 1 and "Traceback" not in done.stderr


def test_a_progress_bar_on_a_terminal_only(server: str, tmp_path: Path) -> None:
    import pty

    (tmp_path / "a.md").write_text(f"{server}/ok {server}/moved\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.casefold() and k != "CI"}
    env["TERM"] = "xterm"
    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "refcheck", "links", "a.md", "--no-cache", "--format", "json"],
                          stdout=subprocess.PIPE, stderr=follower, cwd=tmp_path, env=env, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert b"Checking links" in b"".join(chunks)
    assert json.loads(done.stdout)["version"] == 1  # the report itself is untouched
    piped = refcheck("links", "a.md", "--no-cache", cwd=tmp_path)
    assert "Checking links" not in piped.stderr and piped.stderr == ""
