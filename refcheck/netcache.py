"""The network cache: link-check and reference look-up results kept in SQLite between runs.

One file, ``network-v1.sqlite3``, in the user's cache directory (or ``--cache-dir``).  A row
is ``(kind, key) -> JSON value`` with an absolute expiry time: a success lives a day, a
failure an hour.  Several processes (``-j 2``, two CI jobs) may use the file at once: WAL
mode, a busy timeout, one short transaction per call.

The cache must never make a run fail.  Whatever goes wrong with the file system or the
database (a directory that can't be created or written, a locked database past the
timeout, a full disk) turns the cache into a no-op and leaves one human-readable
sentence in ``ResponseCache.warning`` for the CLI to print.  A damaged database file is
moved aside (to ``network-v1.sqlite3.corrupt``, one slot) and a fresh one started.

Only the standard library is imported here; platformdirs only when the default
directory is asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Final

if sys.platform != "win32":
    import fcntl

__all__ = ["FAIL_TTL", "FILENAME", "OK_TTL", "ResponseCache", "default_directory"]

#: The file name carries the schema version: a new schema gets a new file, so that an
#: older refcheck and a newer one never read each other's rows.
FILENAME: Final = "network-v1.sqlite3"
SCHEMA_VERSION: Final = 1
OK_TTL: Final = 86400.0
FAIL_TTL: Final = 3600.0
TIMEOUT: Final = 5.0

# Keys per SELECT: under the 999 bound parameters of older SQLite builds.
_CHUNK: Final = 500
# SQLite's primary result codes for a file that is not (or no longer) a sound database.
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6

_CREATE_TABLE: Final = """
CREATE TABLE IF NOT EXISTS response (
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    ok      INTEGER NOT NULL,
    stored  REAL NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID
"""
_CREATE_INDEX: Final = "CREATE INDEX IF NOT EXISTS response_expires ON response (expires)"
_INSERT: Final = (
    "INSERT OR REPLACE INTO response (kind, key, value, ok, stored, expires) VALUES (?, ?, ?, ?, ?, ?)"
)


def default_directory() -> Path:
    """The user's cache directory for refcheck: ``$XDG_CACHE_HOME/refcheck`` or ``~/.cache/refcheck``
    on Linux, ``~/Library/Caches/refcheck`` on macOS, ``%LOCALAPPDATA%\\refcheck\\Cache`` on Windows."""
    import platformdirs  # only here: a run with --cache-dir or --no-cache never needs it

    return Path(platformdirs.user_cache_dir("refcheck", appauthor=False))


class _Incompatible(Exception):
    """The file is an SQLite database, but not one with our schema."""


class ResponseCache:
    """Network results by ``(kind, key)``, e.g. ``("url", "https://…")`` or ``("doi", "10.1/x")``.

    Values are anything ``json.dumps`` takes; a value that it refuses is the caller's bug and
    raises ``TypeError`` or ``ValueError``.  ``get`` cannot tell a stored ``None`` from a
    missing row (``get_many`` can).  A lifetime of zero or less stores nothing.

    Open one per process: after ``fork()`` the child opens a connection of its own on first
    use (SQLite connections must not cross a fork); the file itself is shared safely.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        ok_ttl: float = OK_TTL,
        fail_ttl: float = FAIL_TTL,
        timeout: float = TIMEOUT,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.ok_ttl = ok_ttl
        self.fail_ttl = fail_ttl
        self.timeout = timeout
        self._now = now
        #: One human-readable sentence when something went wrong, for the CLI to print once.
        self.warning: str | None = None
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        # Serialises the calls of several threads on the one connection.
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._inherited: list[sqlite3.Connection] = []
        try:
            self.path = (directory if directory is not None else default_directory()) / FILENAME
        except (OSError, RuntimeError) as exc:  # e.g. no home directory to expand "~" in
            self._note(f"network cache off: no cache directory ({_describe(exc)})")
            return
        self._open()

    @classmethod
    def disabled(cls) -> ResponseCache:
        """A cache that keeps nothing (``--no-cache``): the same methods, all no-ops, no warning."""
        cache = cls.__new__(cls)
        cache.ok_ttl, cache.fail_ttl, cache.timeout = OK_TTL, FAIL_TTL, TIMEOUT
        cache._now = time.time
        cache.warning = None
        cache.path = None
        cache._db = None
        cache._lock = threading.Lock()
        cache._pid = os.getpid()
        cache._inherited = []
        return cache

    # -- the API ---------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether the cache is working: false when disabled, closed, or turned off by a fault."""
        return self._db is not None

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored for ``(kind, key)``, or None if there is none or it has expired."""
        return self.get_many(kind, (key,)).get(key)

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """The unexpired values among ``keys`` of ``kind``: a dict with only the keys found."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        with self._lock:
            db = self._connection()
            if db is None or not wanted:
                return found
            now = self._now()
            try:
                for start in range(0, len(wanted), _CHUNK):
                    chunk = wanted[start : start + _CHUNK]
                    marks = ", ".join("?" * len(chunk))
                    rows = db.execute(
                        f"SELECT key, value FROM response WHERE kind = ? AND expires > ? AND key IN ({marks})",
                        (kind, now, *chunk),
                    )
                    for key, text in rows:
                        with contextlib.suppress(ValueError):  # a row not ours to read: as if absent
                            found[key] = json.loads(text)
            except sqlite3.Error as exc:
                self._fail(exc)
        return found

    def put(self, kind: str, key: str, value: Any, ok: bool) -> None:
        """Store ``value`` for ``(kind, key)``: for ``ok_ttl`` seconds if ``ok``, else ``fail_ttl``."""
        self.put_many(((kind, key, value, ok),))

    def put_many(self, rows: Iterable[tuple[str, str, Any, bool]]) -> None:
        """Store ``(kind, key, value, ok)`` rows in one transaction."""
        now = self._now()
        records = []
        # Encoded before the transaction, to keep the write lock short.
        for kind, key, value, ok in rows:
            ttl = self.ok_ttl if ok else self.fail_ttl
            if ttl > 0:
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                records.append((kind, key, text, int(ok), now, now + ttl))
        with self._lock:
            db = self._connection()
            if db is None or not records:
                return
            try:
                with _transaction(db):
                    db.executemany(_INSERT, records)
            except sqlite3.Error as exc:
                self._fail(exc)

    def clear(self) -> None:
        """Forget every row (the file stays)."""
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                with _transaction(db):
                    db.execute("DELETE FROM response")
            except sqlite3.Error as exc:
                self._fail(exc)

    def close(self) -> None:
        """Close the file; the cache is a no-op afterwards.  Closing twice is fine."""
        with self._lock:
            self._close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "enabled" if self.enabled else "disabled"
        return f"ResponseCache({str(self.path)!r}, {state})"

    # -- opening, and what happens when things go wrong ------------------------------------

    def _open(self) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._note(f"network cache off: cannot create {self.path.parent} ({_describe(exc)})")
            return
        try:
            self._db = self._connect()
            return
        except (sqlite3.Error, _Incompatible) as exc:
            if not _is_damaged(exc):
                self._note(f"network cache off: {self.path}: {_describe(exc)}")
                return
        try:
            aside = self._move_aside()
            self._db = self._connect()
        except (sqlite3.Error, _Incompatible, OSError) as exc:
            self._note(f"network cache off: {self.path} is damaged and could not be replaced ({_describe(exc)})")
            return
        if aside is not None:
            self._note(f"network cache: {self.path} was damaged; moved it to {aside} and started afresh")

    def _connect(self) -> sqlite3.Connection:
        """A connection to a file with our schema, expired rows purged."""
        assert self.path is not None
        # isolation_level=None: no implicit transactions; ours are explicit and short.
        # timeout is SQLite's busy timeout: how long a call waits for another process's lock.
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    self._prepare(db)
                    return db
                except sqlite3.OperationalError as exc:
                    # Switching to WAL while another process creates the file can answer "busy"
                    # without waiting on the busy handler; try again until the timeout.
                    if _code(exc) not in (_SQLITE_BUSY, _SQLITE_LOCKED) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
        except BaseException:
            db.close()
            raise

    def _prepare(self, db: sqlite3.Connection) -> None:
        # WAL: readers never wait for the writer.  A file system without shared memory answers
        # another mode, which is slower under contention but just as safe: carry on.
        db.execute("PRAGMA journal_mode = WAL").fetchone()
        # NORMAL in WAL mode cannot corrupt the file; a power cut may lose the last rows,
        # which a cache can afford, and commits need no fsync.
        db.execute("PRAGMA synchronous = NORMAL")
        # One IMMEDIATE transaction: of two processes creating the schema at once, the
        # second waits and then finds it made.
        with _transaction(db):
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                db.execute(_CREATE_TABLE)
                db.execute(_CREATE_INDEX)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise _Incompatible(f"schema version {version}, not {SCHEMA_VERSION}")
            # The occasional purge: one DELETE over the expiry index, at every open.
            db.execute("DELETE FROM response WHERE expires <= ?", (self._now(),))

    def _move_aside(self) -> Path | None:
        """Move the damaged file (and its WAL files) aside; None if another process already did.

        Under a lock file, and only after checking again that the file is damaged: two
        processes that both found it damaged must not move aside the new file that the
        first one made.
        """
        assert self.path is not None
        path = self.path
        with _file_lock(path.with_name(path.name + ".lock"), self.timeout):
            if _sound(path, self.timeout):
                return None
            aside = path.with_name(path.name + ".corrupt")
            os.replace(path, aside)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    path.with_name(path.name + suffix).unlink()
            return aside

    def _fail(self, exc: sqlite3.Error) -> None:
        """A fault during a run: the cache is off for the rest of it."""
        self._close()
        message = f"network cache off: {self.path}: {_describe(exc)}"
        if _is_damaged(exc):
            try:
                self._move_aside()
                message += " (moved aside; the next run starts afresh)"
            except (sqlite3.Error, OSError):
                pass
        self._note(message)

    def _note(self, message: str) -> None:
        self.warning = message if self.warning is None else f"{self.warning}; {message}"

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is not None and self._pid != os.getpid():
            # Forked: the parent's connection is left alone, neither used nor closed here
            # (SQLite's locks belong to the parent process), and the child opens its own.
            self._inherited.append(self._db)
            self._db = None
            self._pid = os.getpid()
            self._open()
        return self._db


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock at BEGIN, so that waiting for it goes through the busy
    # timeout rather than failing at the first write.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX); on Windows, none (the check-again still holds)."""
    if sys.platform == "win32":
        yield
        return
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sound(path: Path, timeout: float) -> bool:
    """Whether ``path`` is absent or a sound database; raises on other faults (e.g. locked)."""
    if not path.exists():
        return True
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        if db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            return False
        return int(db.execute("PRAGMA user_version").fetchone()[0]) in (0, SCHEMA_VERSION)
    except sqlite3.DatabaseError as exc:
        if _is_damaged(exc):
            return False
        raise
    finally:
        db.close()


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_damaged(exc: Exception) -> bool:
    if isinstance(exc, _Incompatible):
        return True
    return isinstance(exc, sqlite3.Error) and _code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
