"""SAQ's Postgres queue (`PROMPTGEN_QUEUE_URL=postgresql://...` or `database`), as the service runs it.

SAQ's `PostgresQueue` takes a job (`FOR UPDATE SKIP LOCKED`) and marks it active in one
transaction, so its sweep cannot take a job just taken for an abandoned one (the race
`app/saq_sweep.py` closes on Redis). Two things are changed here:

    the sweep    waits at most `abort` seconds (1, as on Redis; SAQ waits 5) for a dead
                 worker to acknowledge the abort of its job before retrying or ending it
    the tables   SAQ makes its tables (`saq_jobs`, `saq_stats`, `saq_versions`) under an
                 advisory lock its first process keeps, and another process that finds the
                 lock taken goes on at once: on an empty database two replicas starting together
                 could have one of them query tables not yet made. Here a start waits (at most
                 `TABLES_WAIT_S`) until they exist.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from psycopg.sql import SQL
from saq.queue.postgres import JOBS_TABLE, PostgresQueue

TABLES_WAIT_S = 30.0


class SweptPostgresQueue(PostgresQueue):
    """`PostgresQueue` with the changes in the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("swept_error_message", "swept: its worker stopped")
        super().__init__(*args, **kwargs)

    async def init_db(self) -> None:
        await super().init_db()
        deadline = time.monotonic() + TABLES_WAIT_S
        while True:
            async with self.pool.connection() as conn:
                cursor = await conn.execute(SQL("SELECT to_regclass(%s)"), [JOBS_TABLE])
                row = await cursor.fetchone()
            if row is not None and row[0] is not None:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"SAQ's table {JOBS_TABLE} did not appear within {TABLES_WAIT_S:.0f} s")
            await asyncio.sleep(0.1)

    async def sweep(self, lock: int = 60, abort: float = 1.0) -> list[str]:
        return await super().sweep(lock, abort)
