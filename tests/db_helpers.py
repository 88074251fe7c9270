"""Tests' access to the service's database: stores opened (and migrated) inside a test's own
event loop, and rows read straight from an embedded SQLite file with `sqlite3`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from app.db import Database, open_database

T = TypeVar("T")


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    """`sql`'s rows from the SQLite file at `path`, through a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def with_database(path: Path | str, scenario: Callable[[Database], Awaitable[T]]) -> T:
    """Run `scenario(db)` in a fresh event loop on the database at `path` (migrated), closed after."""

    async def run() -> T:
        db = await open_database(path)
        try:
            return await scenario(db)
        finally:
            await db.close()

    return asyncio.run(run())


def app_call(client: Any, function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`await function(*args)` on the event loop of a running `TestClient`'s app (its stores
    are bound to that loop)."""
    return client.blocking_portal.call(function, *args)  # type: ignore[no-any-return]
