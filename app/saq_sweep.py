"""SAQ's Redis queue with a sweep that never takes a live job for a dead one.

SAQ's own `RedisQueue.sweep` treats every job in the active list whose record does not say
`active` as abandoned. But a worker moves a job to the active list (`BLMOVE`) a moment before
it writes `active` into the job's record, so a sweep that runs in between (a worker starting,
whose first sweep runs at once, or any sweep with a short interval) aborts a job that was
just taken, and the job is canceled or run twice. This sweep, as SAQ's otherwise (one sweeper
at a time, by a lock the length of the interval):

    active or aborting, and heard from within its heartbeat    left alone
    active or aborting, past its heartbeat (its worker died)   aborted, then retried or ended
    not yet active                                             left alone the first time it is
                                                               seen; the next sweep of this
                                                               process takes it as abandoned

and it waits at most `abort` seconds for a dead worker to acknowledge the abort (SAQ waits 5).
"""

from __future__ import annotations

import contextlib
import logging

from saq import Status
from saq.queue.redis import RedisQueue

log = logging.getLogger(__name__)

LIVE = (Status.ACTIVE, Status.ABORTING)


class SweptRedisQueue(RedisQueue):
    """`RedisQueue` with the sweep described in the module docstring."""

    swept_error = "swept: its worker stopped"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._not_yet_active: set[str] = set()  # seen in the active list, not active, last sweep

    async def sweep(self, lock: int = 60, abort: float = 1.0) -> list[str]:
        if not await self.redis.set(self._sweep, 1, ex=max(1, lock), nx=True):
            return []  # another process sweeps this interval
        swept: list[str] = []
        pending: set[str] = set()
        listed: list[bytes | str] = await self.redis.lrange(self._active, 0, -1)  # type: ignore[misc]
        for entry in listed:
            job_id = entry.decode() if isinstance(entry, bytes) else entry
            job = self.deserialize(await self.redis.get(job_id))
            if job is None:  # its record expired: only the list entries are left
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.lrem(self._active, 0, job_id)
                    pipe.zrem(self._incomplete, job_id)
                    await pipe.execute()
                swept.append(job_id)
                continue
            if job.status in LIVE and not job.stuck:
                continue
            if job.status not in LIVE and job_id not in self._not_yet_active:
                pending.add(job_id)  # perhaps just taken by a worker: looked at again next time
                continue
            log.info("sweeping job %s (%s)", job.key, job.status)
            swept.append(job_id)
            await self.abort(job, error=self.swept_error)
            with contextlib.suppress(TimeoutError):  # its worker is gone: nothing acknowledges it
                await job.refresh(abort)
            if job.retryable:
                await self.retry(job, error=self.swept_error)
            else:
                await self.finish(job, Status.ABORTED, error=self.swept_error)
        self._not_yet_active = pending
        return swept
