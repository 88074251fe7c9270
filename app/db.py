"""The service's database behind one async layer: SQLAlchemy 2 Core over `aiosqlite` (the
embedded default, a SQLite file under the data directory) or `asyncpg`
(`PROMPTGEN_DATABASE_URL=postgresql://...`). Stores issue the same Core statements on both;
the schema is `app/schema.py`, built and upgraded by Alembic (`app/migrate.py`).

SQLite keeps one connection (WAL, `synchronous=NORMAL`), so writes are serialized as before;
Postgres gets a small pool. `transaction()` is one transaction on one connection.

A write the disk refuses (full, read-only, failing) raises `InsufficientStorage` (507), from
the database here and from blob files through `storage_error`, never a driver error;
`check_writable` stops the service at start when the data directory cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Executable

from app.errors import InsufficientStorage
from app.migrate import upgrade

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
# Postgres SQLSTATEs with the same meanings: disk_full, read_only_sql_transaction, io_error
_PG_REASONS = {"53100": "full", "25006": "read-only", "58030": "io-error"}
_SAYS = {
    "full": "the data directory is full",
    "read-only": "the data directory is read-only",
    "io-error": "the data directory cannot be written (I/O error)",
}


def storage_error(exc: BaseException, what: str) -> InsufficientStorage | None:
    """The `InsufficientStorage` that `exc` (a failed SQLite or file write) means, or None when
    it is another failure. `what` names the write for the caller ("storing the asset")."""
    reason: str | None = None
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the driver's own error
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        reason = _SQLITE_REASONS.get(code & 0xFF) if isinstance(code, int) else None
    elif isinstance(exc, OSError):
        reason = _OS_REASONS.get(exc.errno or 0)
    else:
        code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        reason = _PG_REASONS.get(code) if isinstance(code, str) else None
    if reason is None:
        return None
    return InsufficientStorage(f"{what} failed: {_SAYS[reason]}", reason=reason)


@contextlib.contextmanager
def storing(what: str) -> Iterator[None]:
    """Turn a write the disk refuses, inside the block, into `InsufficientStorage`."""
    try:
        yield
    except (DBAPIError, sqlite3.Error, OSError) as exc:
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


SQLITE_FILE = "promptgen.sqlite3"
Statement = Executable | str


def database_url(target: str | Path) -> str:
    """The async driver URL for `target`: a SQLite file path, `sqlite:///...`,
    `postgresql://...` (or one that already names its driver)."""
    if isinstance(target, Path):
        return f"sqlite+aiosqlite:///{target}"
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if target.startswith(plain):
            return driver + target[len(plain) :]
    return target


def configured_url(database_url_setting: str, data: Path) -> str:
    """`PROMPTGEN_DATABASE_URL`, or the embedded SQLite file under the data directory."""
    return database_url(database_url_setting or (data / SQLITE_FILE))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class Database:
    """One engine; statements are Core constructs (or SQL text with `:name` parameters)."""

    def __init__(self, target: str | Path) -> None:
        self.url = database_url(target)
        self.dialect = self.url.split("+", 1)[0].split(":", 1)[0]
        self.path: Path | None = None
        if self.dialect == "sqlite":
            location = self.url.split(":///", 1)[1] if ":///" in self.url else ""
            if location and location != ":memory:":
                self.path = Path(location)
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # one connection: writes serialized as SQLite wants them, no lock upgrade races
            # (an in-memory database has one anyway)
            one: dict[str, Any] = {"pool_size": 1, "max_overflow": 0} if self.path is not None else {}
            # no reset on return: reads start no transaction here, writes end theirs (`transaction`)
            self.engine: AsyncEngine = create_async_engine(self.url, pool_reset_on_return=None, **one)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(self.url, pool_size=5, max_overflow=10, pool_pre_ping=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextlib.asynccontextmanager
    async def transaction(self, what: str = "writing to the database") -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with storing(what):
            async with self.engine.begin() as conn:
                yield conn

    async def execute(self, statement: Statement, params: Mapping[str, Any] | None = None) -> int:
        """Run one statement in its own transaction; returns the rows it changed."""
        async with self.transaction() as conn:
            result = await conn.execute(_statement(statement), params)
            return max(0, result.rowcount)

    async def execute_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run `statement` once per row, all in one transaction (one commit)."""
        if rows:
            async with self.transaction() as conn:
                await conn.execute(_statement(statement), list(rows))

    async def fetchone(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> RowMapping | None:
        async with self.engine.connect() as conn:
            result = await conn.execute(_statement(statement), params)
            return result.mappings().first()

    async def fetchall(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> list[RowMapping]:
        async with self.engine.connect() as conn:
            result = await conn.execute(_statement(statement), params)
            return list(result.mappings().all())

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (stamping a database today's code built)."""
        async with self.transaction("migrating the database") as conn:
            await upgrade(conn)

    async def close(self) -> None:
        await self.engine.dispose()


def _statement(statement: Statement) -> Executable:
    return text(statement) if isinstance(statement, str) else statement


async def open_database(target: str | Path) -> Database:
    """A database at `target`, migrated to the newest schema."""
    db = Database(target)
    try:
        await db.migrate()
    except BaseException:
        await db.close()
        raise
    return db
