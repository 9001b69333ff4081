"""The network cache: values, lifetimes, batches, several processes on one file, and faults."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from refcheck.netcache import FAIL_TTL, FILENAME, OK_TTL, ResponseCache, default_directory

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions, users and fork")


class Clock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def rows_in_file(directory: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(directory / FILENAME)
    try:
        return sorted(db.execute("SELECT kind, key FROM response"))
    finally:
        db.close()


# -- values, lifetimes, batches ------------------------------------------------------------


def test_values_round_trip_and_outlive_the_connection(tmp_path: Path) -> None:
    values = {
        "dict": {"status": 301, "final": "https://example.org/ä", "chain": [301, 200]},
        "list": [1, 2.5, None, True, "x"],
        "text": "Ünïcode ✓",
        "number": 42,
        "false": False,
    }
    with ResponseCache(tmp_path) as cache:
        for key, value in values.items():
            cache.put("url", key, value, ok=True)
        assert {key: cache.get("url", key) for key in values} == values
        assert cache.get("url", "absent") is None
        assert cache.warning is None and cache.enabled
    assert not cache.enabled  # closed by the with block
    assert cache.get("url", "dict") is None  # and a no-op afterwards
    with ResponseCache(tmp_path) as again:
        assert again.get_many("url", values) == values


def test_a_put_replaces_and_kinds_are_separate(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        cache.put("url", "k", "first", ok=False)
        cache.put("url", "k", "second", ok=True)
        cache.put("doi", "k", "a doi", ok=True)
        assert cache.get("url", "k") == "second"
        assert cache.get("doi", "k") == "a doi"
        assert cache.get("crossref", "k") is None
    assert rows_in_file(tmp_path) == [("doi", "k"), ("url", "k")]


def test_successes_live_a_day_and_failures_an_hour(tmp_path: Path) -> None:
    assert (OK_TTL, FAIL_TTL) == (86400.0, 3600.0)
    clock = Clock()
    start = clock.now
    with ResponseCache(tmp_path, now=clock) as cache:
        cache.put("url", "good", 200, ok=True)
        cache.put("url", "bad", 503, ok=False)
        clock.now = start + 3599
        assert cache.get_many("url", ["good", "bad"]) == {"good": 200, "bad": 503}
        clock.now = start + 3600
        assert cache.get_many("url", ["good", "bad"]) == {"good": 200}
        clock.now = start + 86399
        assert cache.get("url", "good") == 200
        clock.now = start + 86400
        assert cache.get("url", "good") is None


def test_lifetimes_can_be_set_and_zero_stores_nothing(tmp_path: Path) -> None:
    clock = Clock()
    start = clock.now
    with ResponseCache(tmp_path, ok_ttl=10, fail_ttl=0, now=clock) as cache:
        cache.put("url", "good", 1, ok=True)
        cache.put("url", "bad", 2, ok=False)
        clock.now = start + 9.5
        assert cache.get_many("url", ["good", "bad"]) == {"good": 1}
    assert rows_in_file(tmp_path) == [("url", "good")]


def test_expired_rows_are_purged_when_the_file_is_opened(tmp_path: Path) -> None:
    clock = Clock()
    start = clock.now
    with ResponseCache(tmp_path, now=clock) as cache:
        cache.put_many([("url", "ok", 1, True), ("url", "failed", 2, False), ("doi", "ok", 3, True)])
    assert len(rows_in_file(tmp_path)) == 3
    clock.now = start + 7200
    with ResponseCache(tmp_path, now=clock) as cache:
        assert rows_in_file(tmp_path) == [("doi", "ok"), ("url", "ok")]
        cache.put("url", "later", 4, ok=True)  # until start + 7200 + 86400
    clock.now = start + 90_000
    with ResponseCache(tmp_path, now=clock):
        assert rows_in_file(tmp_path) == [("url", "later")]


def test_batches_of_more_keys_than_one_statement_takes(tmp_path: Path) -> None:
    rows = [("url", f"https://example.org/{i}", {"status": 200 + i % 7}, i % 5 != 0) for i in range(1200)]
    with ResponseCache(tmp_path) as cache:
        cache.put_many(rows)
        keys = [key for _, key, _, _ in rows]
        found = cache.get_many("url", [*keys, "missing", keys[0]])
        assert found == {key: value for _, key, value, _ in rows}
        assert cache.get_many("doi", keys) == {}
        assert cache.get_many("url", []) == {}
        cache.put_many([])


def test_a_batch_write_is_one_transaction(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        statements: list[str] = []
        assert cache._db is not None
        cache._db.set_trace_callback(statements.append)
        cache.put_many(("url", f"u{i}", i, True) for i in range(1000))
        cache.get_many("url", [f"u{i}" for i in range(1000)])
        assert sum(s.startswith("BEGIN") for s in statements) == 1
        assert sum(s == "COMMIT" for s in statements) == 1


def test_get_many_tells_a_stored_none_from_a_missing_row(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        cache.put("doi", "10.1/none", None, ok=True)
        assert cache.get_many("doi", ["10.1/none", "10.1/other"]) == {"10.1/none": None}


def test_a_value_json_refuses_is_the_callers_error(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        with pytest.raises(TypeError):
            cache.put("url", "k", {1, 2}, ok=True)
        assert cache.enabled and cache.warning is None


def test_clear_forgets_every_row(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:
        cache.put_many([("url", "a", 1, True), ("doi", "b", 2, False)])
        cache.clear()
        assert cache.get_many("url", ["a"]) == {} and cache.get("doi", "b") is None


def test_the_disabled_cache_keeps_nothing_and_says_nothing() -> None:
    cache = ResponseCache.disabled()
    cache.put("url", "a", 1, ok=True)
    cache.put_many([("url", "b", 2, True)])
    assert cache.get("url", "a") is None and cache.get_many("url", ["a", "b"]) == {}
    assert not cache.enabled and cache.warning is None
    cache.clear()
    cache.close()


def test_threads_share_one_cache(tmp_path: Path) -> None:
    with ResponseCache(tmp_path) as cache:

        def work(n: int) -> None:
            for i in range(50):
                cache.put("url", f"t{n}-{i}", i, ok=True)
                cache.get("url", f"t{(n + 1) % 4}-{i}")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(cache.get_many("url", [f"t{n}-{i}" for n in range(4) for i in range(50)])) == 200
        assert cache.warning is None


# -- the default directory ---------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_the_default_directory_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == tmp_path / "xdg" / "refcheck"
    with ResponseCache() as cache:
        cache.put("url", "a", 1, ok=True)
        assert cache.path == tmp_path / "xdg" / "refcheck" / FILENAME
    assert (tmp_path / "xdg" / "refcheck" / FILENAME).is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_without_xdg_cache_home_the_default_is_dot_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_directory() == tmp_path / ".cache" / "refcheck"


def test_importing_the_cache_imports_neither_httpx_nor_platformdirs() -> None:
    code = "import sys, refcheck.netcache\nprint([m for m in ('httpx', 'platformdirs') if m in sys.modules])\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# -- several processes on one file ------------------------------------------------------

WORKER = """
import json, sys
from pathlib import Path
from refcheck.netcache import ResponseCache

directory, worker, count, workers, open_first = Path(sys.argv[1]), *map(int, sys.argv[2:6])
cache = ResponseCache(directory) if open_first else None
print("ready", flush=True)
sys.stdin.readline()  # the starting gun: every process is past its imports by now
if cache is None:
    cache = ResponseCache(directory)
unread = 0
for i in range(count):
    value = {"worker": worker, "i": i}
    if i % 4 == 3:
        cache.put_many([("url", f"w{worker}-{i}", value, True)])
    else:
        cache.put("url", f"w{worker}-{i}", value, ok=i % 3 != 0)
    if cache.get("url", f"w{worker}-{i}") != value:
        unread += 1
    if i % 10 == 0:
        cache.get_many("url", [f"w{other}-{j}" for other in range(workers) for j in range(i)])
print(json.dumps({"warning": cache.warning, "unread": unread}), flush=True)
cache.close()
"""


def run_together(directory: Path, workers: int, count: int, *, open_first: bool) -> list[dict[str, object]]:
    """Start ``workers`` processes, let them all reach the starting line, then release them at once."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(directory), str(n), str(count), str(workers), str(int(open_first))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(workers)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        reports = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0 and not err, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_four_processes_write_one_file_at_once_and_lose_nothing(tmp_path: Path) -> None:
    reports = run_together(tmp_path, workers=4, count=200, open_first=True)
    assert reports == [{"warning": None, "unread": 0}] * 4
    keys = [f"w{n}-{i}" for n in range(4) for i in range(200)]
    with ResponseCache(tmp_path) as cache:
        found = cache.get_many("url", keys)
    assert found == {f"w{n}-{i}": {"worker": n, "i": i} for n in range(4) for i in range(200)}
    assert len(rows_in_file(tmp_path)) == 800


def test_processes_creating_the_file_at_once_all_get_a_working_cache(tmp_path: Path) -> None:
    for round_ in range(3):
        directory = tmp_path / f"round{round_}" / "cache"  # neither directory nor file exists yet
        reports = run_together(directory, workers=6, count=1, open_first=False)
        assert reports == [{"warning": None, "unread": 0}] * 6
        assert rows_in_file(directory) == [("url", f"w{n}-0") for n in range(6)]


@posix_only
def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("url", "parent", 1, ok=True)

    def child() -> None:
        cache.put("url", "child", 2, ok=True)
        os._exit(0 if cache.get("url", "parent") == 1 and cache.warning is None else 1)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert cache.get("url", "child") == 2 and cache.warning is None
    cache.close()


# -- faults: the cache turns into a no-op, with one warning ------------------------------


def assert_a_quiet_no_op(cache: ResponseCache) -> None:
    cache.put("url", "a", 1, ok=True)
    cache.put_many([("url", "b", 2, False)])
    assert cache.get("url", "a") is None
    assert cache.get_many("url", ["a", "b"]) == {}
    assert not cache.enabled
    cache.close()


def test_a_file_where_the_directory_should_be(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("not a directory")
    cache = ResponseCache(tmp_path / "cache")
    assert cache.warning is not None and "cannot create" in cache.warning and str(tmp_path / "cache") in cache.warning
    assert_a_quiet_no_op(cache)
    cache = ResponseCache(tmp_path / "cache" / "below")
    assert cache.warning is not None and "cannot create" in cache.warning
    assert_a_quiet_no_op(cache)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory that an unprivileged user can reach (pytest's tmp_path is the owner's alone)."""
    path = Path(tempfile.mkdtemp(prefix="refcheck-netcache-"))
    path.chmod(0o755)
    yield path
    for inner in path.rglob("*"):
        if inner.is_dir():
            inner.chmod(0o755)
    shutil.rmtree(path)


def probe_read_only(directory: Path) -> dict[str, object]:
    """Run the cache in a forked child that may not write in ``directory``: root writes
    anywhere, so as root the child becomes nobody (uid 65534) first.  Forked rather than
    started, because nobody may not be able to reach the interpreter."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        status = 1
        try:
            os.close(reader)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            cache = ResponseCache(directory)
            cache.put("url", "a", 1, ok=True)
            cache.put_many([("url", "b", 2, True)])
            report = {"warning": cache.warning, "enabled": cache.enabled,
                      "found": cache.get_many("url", ["a", "b", "before"])}
            os.write(writer, json.dumps(report).encode())
            status = 0
        except BaseException as exc:  # anything at all is a failure to report, not a second pytest
            os.write(writer, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    report: dict[str, object] = json.loads(output)
    assert os.waitstatus_to_exitcode(status) == 0, report
    return report


@posix_only
def test_a_read_only_directory_that_the_cache_cannot_be_created_in(shared_tmp: Path) -> None:
    (shared_tmp / "ro").mkdir(mode=0o555)
    (shared_tmp / "ro").chmod(0o555)
    report = probe_read_only(shared_tmp / "ro" / "cache")
    assert report["enabled"] is False and report["found"] == {}
    assert isinstance(report["warning"], str) and "Permission denied" in report["warning"]

    report = probe_read_only(shared_tmp / "ro")
    assert report["enabled"] is False and report["found"] == {}
    assert isinstance(report["warning"], str) and str(shared_tmp / "ro" / FILENAME) in report["warning"]


@posix_only
def test_a_read_only_cache_made_by_someone_else(shared_tmp: Path) -> None:
    with ResponseCache(shared_tmp / "cache") as cache:
        cache.put("url", "before", 0, ok=True)
    (shared_tmp / "cache" / FILENAME).chmod(0o444)
    (shared_tmp / "cache").chmod(0o555)
    report = probe_read_only(shared_tmp / "cache")
    assert report["enabled"] is False and report["found"] == {}
    assert isinstance(report["warning"], str) and report["warning"].startswith("network cache off:")


def test_a_garbage_file_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    garbage = os.urandom(4096) + b"not a database"
    (tmp_path / FILENAME).write_bytes(garbage)
    with ResponseCache(tmp_path) as cache:
        assert cache.enabled
        assert cache.warning is not None and "was damaged" in cache.warning and ".corrupt" in cache.warning
        cache.put("url", "a", 1, ok=True)
        assert cache.get("url", "a") == 1
    assert (tmp_path / (FILENAME + ".corrupt")).read_bytes() == garbage
    with ResponseCache(tmp_path) as cache:  # and the next run finds the new file sound
        assert cache.warning is None and cache.get("url", "a") == 1


def test_a_database_of_another_schema_is_moved_aside(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("CREATE TABLE other (x)")
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    with ResponseCache(tmp_path) as cache:
        assert cache.enabled and cache.warning is not None and "was damaged" in cache.warning
        cache.put("url", "a", 1, ok=True)
        assert cache.get("url", "a") == 1


def test_a_database_locked_past_the_timeout(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, timeout=0.2)
    cache.put("url", "a", 1, ok=True)
    blocker = sqlite3.connect(tmp_path / FILENAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert cache.get("url", "a") == 1  # WAL: a writer does not block readers
        started = time.monotonic()
        cache.put("url", "b", 2, ok=True)
        assert time.monotonic() - started < 3
        assert cache.warning is not None and "locked" in cache.warning
        assert_a_quiet_no_op(cache)

        late = ResponseCache(tmp_path, timeout=0.2)  # opening purges: a write, which waits too
        assert late.warning is not None and "locked" in late.warning
        assert_a_quiet_no_op(late)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (tmp_path / (FILENAME + ".corrupt")).exists() is False


def test_a_full_disk(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    assert cache._db is not None
    # The disk is full as far as SQLite can tell once the file may not grow.
    pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
    cache._db.execute(f"PRAGMA max_page_count = {pages}")
    cache.put("url", "big", "x" * 100_000, ok=True)
    assert cache.warning is not None and "full" in cache.warning
    assert_a_quiet_no_op(cache)
