"""The SQLite file under the data directory: one connection, WAL, serialized by a lock.

Writes here are tiny (one row per job or asset) and take tens of microseconds with WAL and
`synchronous=NORMAL`, less than a hop to a worker thread would cost, so stores call it
directly. Each store declares its own tables through `ensure_schema`.

A write the disk refuses (full, read-only, failing) raises `InsufficientStorage` (507), from
SQLite here and from blob files through `storage_error`, never a bare `sqlite3` or `OSError`;
`check_writable` stops the service at start when the data directory cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.errors import InsufficientStorage

# SQLite's primary result codes and the errnos that mean the disk refused a write
_SQLITE_REASONS = {13: "full", 8: "read-only", 10: "io-error"}  # SQLITE_FULL, _READONLY, _IOERR
_OS_REASONS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read-only",
    errno.EACCES: "read-only",
    errno.EPERM: "read-only",
    errno.EIO: "io-error",
}
_SAYS = {
    "full": "the data directory is full",
    "read-only": "the data directory is read-only",
    "io-error": "the data directory cannot be written (I/O error)",
}


def storage_error(exc: BaseException, what: str) -> InsufficientStorage | None:
    """The `InsufficientStorage` that `exc` (a failed SQLite or file write) means, or None when
    it is another failure. `what` names the write for the caller ("storing the asset")."""
    reason: str | None = None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        reason = _SQLITE_REASONS.get(code & 0xFF) if isinstance(code, int) else None
    elif isinstance(exc, OSError):
        reason = _OS_REASONS.get(exc.errno or 0)
    if reason is None:
        return None
    return InsufficientStorage(f"{what} failed: {_SAYS[reason]}", reason=reason)


@contextlib.contextmanager
def storing(what: str) -> Iterator[None]:
    """Turn a write the disk refuses, inside the block, into `InsufficientStorage`."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        translated = storage_error(exc, what)
        if translated is None:
            raise
        raise translated from exc


def free_bytes(path: Path) -> int:
    """Bytes free for unprivileged writers on the file system holding `path`."""
    return shutil.disk_usage(path).free


def check_writable(data: Path) -> None:
    """Raise `InsufficientStorage` (`read-only`) when files cannot be created in `data` (made if
    missing) or its SQLite file cannot be written: the service stops at start rather than fail
    each request. A full disk does not stop it (`/readyz` reports that)."""
    probe = data / f".write-probe-{os.getpid()}"
    try:
        data.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb"):
            pass
        probe.unlink()
        database = data / "promptgen.sqlite3"
        if database.exists() and not os.access(database, os.W_OK):
            raise PermissionError(errno.EACCES, "the SQLite file is not writable", str(database))
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return
        reason = "read-only" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else "io-error"
        raise InsufficientStorage(
            f"the data directory {data} (PROMPTGEN_DATA_DIR) cannot be written: {exc.strerror or exc}",
            reason=reason,
        ) from None


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")

    def ensure_schema(self, statements: Iterable[str]) -> None:
        with self._lock, storing("preparing the database"):
            for statement in statements:
                self._conn.execute(statement)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock, storing("writing to the database"):
            return self._conn.execute(sql, params).rowcount

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run `sql` once per row, all in one transaction (one commit)."""
        with self._lock, storing("writing to the database"):
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")  # may fail too (a full disk): rolled back below
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back already
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()
