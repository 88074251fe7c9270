"""The SAQ sweep (`app/saq_sweep.py`) on a real `redis-server`: a job a worker has just moved to
the active list, whose record does not say `active` yet, is not taken for abandoned at first
sight (SAQ's own sweep aborts it: the job is canceled or runs twice); one still there at the
next sweep is; a live job is left alone, a silent one is swept and retried."""

from __future__ import annotations

import asyncio
from pathlib import Path

from saq import Job, Status

from app.saq_sweep import SweptRedisQueue
from tests.engines import redis_server


async def _scenario(url: str) -> None:
    queue = SweptRedisQueue.from_url(url, name="t")
    await queue.connect()
    try:

        async def sweep() -> list[str]:
            await queue.redis.delete(queue._sweep)  # the interval's lock: every call sweeps here
            return await queue.sweep(lock=60, abort=0.1)

        job = await queue.enqueue(Job(function="f", key="just-taken", heartbeat=1, retries=2, timeout=0))
        assert job is not None
        # what a worker's dequeue does first: the job moves to the active list, still `queued`
        await queue.redis.lmove(queue._queued, queue._active, "RIGHT", "LEFT")
        assert await sweep() == []  # perhaps just taken: left alone
        swept = await sweep()  # still not active one sweep later: abandoned
        assert swept == [job.id]
        again = await queue.job("just-taken")
        assert again is not None and again.status == Status.QUEUED  # retried
        assert await queue.redis.lrem(queue._queued, 0, job.id) == 1  # (out of the way)

        live = await queue.enqueue(Job(function="f", key="live", heartbeat=60, timeout=0))
        assert live is not None
        await queue.redis.lmove(queue._queued, queue._active, "RIGHT", "LEFT")
        await live.update(status=Status.ACTIVE)  # active and heard from
        assert await sweep() == []
        assert await sweep() == []
    finally:
        await queue.disconnect()


def test_a_just_taken_job_is_not_swept_a_silent_one_is(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        asyncio.run(_scenario(url))
