"""The engine under the SAQ job queue (`app/saq_queue.py`), chosen by `PROMPTGEN_QUEUE_URL`:

    redis      redis://, rediss://, unix://   `SweptRedisQueue` (app/saq_sweep.py); the queue's
                                              marks (leases, cancels) as Redis keys
    postgres   postgresql://... or `database` `SweptPostgresQueue` (app/saq_postgres.py, SAQ's
               (the Postgres of                tables next to the service's); the marks as rows
               PROMPTGEN_DATABASE_URL)         of `queue_marks` in the service's database

`SaqQueue` runs the same code on either: the engine only says where the queue and the marks
live (`app/queue_marks.py`) and how to check that the queue answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from saq.queue.base import Queue

from app.db import Database
from app.queue_marks import DatabaseMarks, Marks, RedisMarks
from app.settings import Settings

QUEUE_NAME = "promptgen"
POOL_MIN, POOL_EXTRA = 1, 6  # Postgres connections of the queue: its workers' jobs and a few more


class QueueEngine:
    """Where the SAQ queue and its marks live (see the module docstring)."""

    def __init__(self, name: str, queue: Queue, marks: Marks, ping: Callable[[], Awaitable[Any]]) -> None:
        self.name = name
        self.queue = queue
        self.marks = marks
        self.ping = ping  # raises when the queue cannot be reached


def queue_engine(settings: Settings, db: Database) -> QueueEngine:
    """The engine `settings.queue_url` names (`Settings` refused any other)."""
    if settings.queue_engine == "postgres":
        from app.saq_postgres import SweptPostgresQueue  # psycopg: only for this engine

        queue = SweptPostgresQueue(
            url=settings.queue_target,
            name=QUEUE_NAME,
            min_size=POOL_MIN,
            max_size=max(1, settings.worker_concurrency) + POOL_EXTRA,
        )

        async def ping() -> None:
            async with queue.pool.connection() as conn:
                await conn.execute("SELECT 1")

        return QueueEngine("postgres", queue, DatabaseMarks(db), ping)
    from app.saq_sweep import SweptRedisQueue

    redis_queue = SweptRedisQueue.from_url(settings.queue_target, name=QUEUE_NAME)
    return QueueEngine("redis", redis_queue, RedisMarks(redis_queue.redis), redis_queue.redis.ping)
