"""The job queue port: where an asynchronous job waits for, and runs on, a worker.

    enqueue   hand a saved job to a worker (`"async": true` requests)
    cancel    reach the job wherever it runs; answers its record once the cancel is written
    progress  a running job's progress as the queue knows it (the job record has it too)
    start     recovery at start; `drain` / `aclose` at stop

Two implementations, chosen by `PROMPTGEN_QUEUE_URL` (`app.chain.service.create_job_queue`):

    LocalQueue  (empty, the embedded profile) today's runner: asyncio tasks in this process;
                at start every job left unfinished in the database is failed `interrupted`,
                since this process is the only one that runs jobs
    SaqQueue    (redis://..., postgresql://... or `database`: the distributed profile,
                `app/saq_queue.py`) SAQ on Redis or on Postgres (`app/saq_engines.py`): any
                replica's worker (or `python -m app worker`) runs the job from its stored
                input; cancel is SAQ's abort; a dead worker's job is retried or ends
                `interrupted`; start touches no job another process owns, and a stop hands
                the jobs its worker still runs back to the queue

Either way `JobRunner` (`app/job_runner.py`) runs the job's work in the process that has it
and writes its terminal state (compare-and-set, with its webhook rows). Synchronous requests
run where they were accepted, through the same runner.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from app.job_runner import JobRunner
from app.jobs import JobStore
from app.protocol import Job


class Work(Protocol):
    """A queued job's work: run here (`run`), or its input stored for another worker (`payload`)."""

    def run(self) -> Awaitable[Any]: ...

    async def payload(self) -> dict[str, Any]: ...


# Rebuilds a job's work from its stored input, in whichever worker runs it.
Resume = Callable[[Job, dict[str, Any]], Work]


class JobQueue(Protocol):
    """What the service asks of a queue (see the module docstring)."""

    name: str
    runner: JobRunner

    async def start(self) -> list[Job]: ...

    async def enqueue(self, job: Job, work: Work, done: Callable[[], None]) -> None: ...

    async def cancel(self, job_id: str) -> Job: ...

    async def progress(self, job_id: str) -> float | None: ...

    async def drain(self, timeout_s: float) -> int: ...

    async def aclose(self) -> None: ...


class LocalQueue:
    """The embedded profile's queue: the job runs at once as a task of this process."""

    name = "in-process"

    def __init__(self, jobs: JobStore, runner: JobRunner) -> None:
        self.jobs = jobs
        self.runner = runner

    async def start(self) -> list[Job]:
        """Fail every job a previous process left unfinished (this is the only process)."""
        return await self.jobs.recover_interrupted(self.runner.notices)

    async def enqueue(self, job: Job, work: Work, done: Callable[[], None]) -> None:
        task = self.runner.start(job, work.run)
        task.add_done_callback(lambda _task: done())

    async def cancel(self, job_id: str) -> Job:
        return await self.runner.cancel(job_id)

    async def progress(self, job_id: str) -> float | None:
        return (await self.jobs.get(job_id)).progress

    async def drain(self, timeout_s: float) -> int:
        return await self.runner.drain(timeout_s)

    async def aclose(self) -> None:
        await self.runner.aclose()
