"""Short-lived marks the SAQ queue shares between processes, next to the queue's own state.

    lease      "lease:<job id>": a live process runs the job (a synchronous request, a worker);
               refreshed every third of a heartbeat, it lapses two heartbeats after its process
               died, and the queue's sweep may then end the job
    cancel     "canceled:<job id>": a caller canceled the job (not SAQ's sweep, not a stop), so
               the worker whose task SAQ's abort cancels writes `canceled`

A mark is a key with a lifetime. Two stores, one per queue engine, behind the same four calls:

    RedisMarks     keys with an expiry on the queue's Redis (`promptgen:lease:<job id>`, ...)
    DatabaseMarks  rows of `queue_marks` (key, expires_at) in the service's database, when the
                   queue is SAQ's Postgres queue: the database every replica shares already
                   holds the jobs the marks are about; expired rows are pruned by the sweep
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.db import Database
from app.schema import queue_marks

LEASE = "lease:"  # + job id
CANCEL_MARK = "canceled:"  # + job id


class Marks(Protocol):
    """Keys with a lifetime, shared by every process on the queue."""

    async def put(self, keys: Iterable[str], ttl_s: float) -> None:
        """Set (or renew) each key for `ttl_s` seconds."""
        ...

    async def drop(self, key: str) -> None: ...

    async def has(self, key: str) -> bool:
        """Whether `key` is set and has not lapsed."""
        ...

    async def prune(self) -> None:
        """Forget lapsed keys (a store without expiry of its own)."""
        ...


class RedisMarks:
    """Marks as Redis keys with an expiry (`promptgen:` + key)."""

    PREFIX = "promptgen:"

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def put(self, keys: Iterable[str], ttl_s: float) -> None:
        ttl_ms = max(1, round(ttl_s * 1000))
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self.PREFIX + key, "1", px=ttl_ms)
            await pipe.execute()

    async def drop(self, key: str) -> None:
        await self.redis.delete(self.PREFIX + key)

    async def has(self, key: str) -> bool:
        return bool(await self.redis.exists(self.PREFIX + key))

    async def prune(self) -> None:
        return None  # Redis expires them


class DatabaseMarks:
    """Marks as rows of `queue_marks` (wall-clock expiry, as the jobs' own stamps)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        insert = (pg_insert if db.dialect == "postgresql" else sqlite_insert)(queue_marks)
        self._upsert = insert.on_conflict_do_update(
            index_elements=[queue_marks.c.key], set_={"expires_at": insert.excluded.expires_at}
        )

    async def put(self, keys: Iterable[str], ttl_s: float) -> None:
        until = time.time() + ttl_s
        await self.db.execute_many(self._upsert, [{"key": key, "expires_at": until} for key in keys])

    async def drop(self, key: str) -> None:
        await self.db.execute(delete(queue_marks).where(queue_marks.c.key == key))

    async def has(self, key: str) -> bool:
        query = select(func.count().label("n")).where(
            queue_marks.c.key == key, queue_marks.c.expires_at > time.time()
        )
        row = await self.db.fetchone(query)
        return bool(row and row["n"])

    async def prune(self) -> None:
        await self.db.execute(delete(queue_marks).where(queue_marks.c.expires_at <= time.time()))
