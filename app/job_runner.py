"""Running jobs as asyncio tasks: tracked by id, cancellable, finished the same way every time.

`JobRunner.start` runs a job's work in a background task (`"async": true` requests);
`JobRunner.run` does the same and waits for it (synchronous requests, which are therefore
cancellable too). Whatever the work does, the runner writes the terminal state:

    work returns          -> success (progress 1)
    work raises a problem -> failure, the problem in `metadata.error`
    the job is canceled   -> canceled
    the service stops     -> failure (`interrupted`), as `JobStore.recover_interrupted` would

in one compare-and-set write together with the job's notices (its webhook outbox rows,
`JobStore.finish`), then sends them. When the stored job is already terminal (canceled
elsewhere), that write loses: nothing is sent and the job takes the stored state. Nothing in
here knows what the work is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from app.errors import Conflict, JobCanceled, PromptgenError, job_error
from app.jobs import INTERRUPTED, TERMINAL, JobStore, Notices
from app.protocol import Job

log = logging.getLogger(__name__)
T = TypeVar("T")
CANCEL_WAIT_S = 5.0


def problem_of(exc: BaseException) -> dict[str, Any]:
    """The problem-details summary of an error, as a job's `metadata.error` records it."""
    if isinstance(exc, PromptgenError):
        error: dict[str, Any] = job_error(exc)
        for key in ("backend", "field"):
            if exc.extensions.get(key) is not None:
                error[key] = exc.extensions[key]
        return error
    return {
        "type": "https://promptgen.dev/problems/internal",
        "status": 500,
        "detail": "an unexpected error occurred; it has been logged",
    }


class Leases(Protocol):
    """Tells other processes which jobs run here (the distributed profile's queue keeps a lease
    per running job, so its sweep never fails a job a live process runs)."""

    def hold(self, job_id: str) -> None: ...

    def release(self, job_id: str) -> None: ...


class JobRunner:
    """Background job tasks, by job id."""

    def __init__(self, jobs: JobStore, notices: Notices | None = None) -> None:
        self.jobs = jobs
        self.notices = notices
        self.leases: Leases | None = None
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._finishing: dict[str, asyncio.Task[None]] = {}  # a job canceled before it started
        self._stopping = False
        self._abandoned: set[str] = set()  # canceled here, but not the job: it runs elsewhere

    def start(self, job: Job, work: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Run `work` for `job` in the background (the job must already be saved)."""
        task: asyncio.Task[T] = asyncio.create_task(self._run(job, work), name=f"job {job.job_id}")
        self._tasks[job.job_id] = task
        if self.leases is not None:
            self.leases.hold(job.job_id)
        task.add_done_callback(lambda t: self._done(job, t))
        return task

    async def run(self, job: Job, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` for `job` and wait for it; a canceled job raises `JobCanceled`."""
        task = self.start(job, work)
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:  # the caller went away: so does the job
            task.cancel()
            raise
        if task.cancelled():
            raise JobCanceled(f"job {job.job_id} was canceled", jobId=job.job_id)
        return task.result()

    async def conclude(self, job: Job, status: str, error: dict[str, Any] | None = None) -> bool:
        """Write `job`'s terminal `status` unless it is terminal already (compare-and-set, with
        its notices); whether this write won (`job` takes the stored state when it did not)."""
        return await self._finish(job, status, error=error)

    def running(self, job_id: str) -> bool:
        return job_id in self._tasks

    async def cancel(self, job_id: str) -> Job:
        """Cancel a running job; answers its record once the cancellation is written."""
        job = await self.jobs.get(job_id)
        if job.status in TERMINAL:
            raise Conflict(f"job {job_id} is already {job.status}", jobId=job_id, jobStatus=job.status)
        task = self._tasks.get(job_id)
        if task is None:
            raise Conflict(
                f"job {job_id} ({job.job_type}) cannot be canceled: it is not a cancellable job "
                "running in this service",
                jobId=job_id,
            )
        task.cancel()
        await asyncio.wait([task], timeout=CANCEL_WAIT_S)
        finishing = self._finishing.get(job_id)
        if finishing is not None:
            await asyncio.wait([finishing], timeout=CANCEL_WAIT_S)
        return await self.jobs.get(job_id)

    def abandon(self, job_id: str, cancel: bool = True) -> None:
        """Stop running `job_id` here without writing any state: the queue took it back (it
        runs again elsewhere, or the queue's sweep ends it). `cancel=False` only marks it, for
        a stop that cancels it a moment later."""
        task = self._tasks.get(job_id)
        if task is not None:
            self._abandoned.add(job_id)
            if cancel:
                task.cancel()

    async def drain(self, timeout_s: float) -> int:
        """Let the running jobs end by themselves for up to `timeout_s` (a graceful stop);
        returns how many are still running."""
        tasks = list(self._tasks.values())
        if tasks and timeout_s > 0:
            await asyncio.wait(tasks, timeout=timeout_s)
        return len(self._tasks)

    async def aclose(self) -> None:
        """Stop every running job; each is recorded as interrupted."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        for finishing in list(self._finishing.values()):
            with contextlib.suppress(BaseException):
                await finishing

    async def _run(self, job: Job, work: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await work()
        except asyncio.CancelledError:
            await self._finish_canceled(job)
            raise
        except PromptgenError as exc:
            exc.extensions["jobId"] = job.job_id
            await self._finish(job, "failure", error=problem_of(exc))
            raise
        except Exception as exc:
            log.exception("job %s failed unexpectedly", job.job_id)
            await self._finish(job, "failure", error=problem_of(exc))
            raise
        await self._finish(job, "success")
        return result

    async def _finish_canceled(self, job: Job) -> None:
        if job.job_id in self._abandoned:
            return  # (forgotten by `_done`, once the task is over)
        if self._stopping:
            error = {"type": INTERRUPTED, "status": 503, "detail": "the service stopped while this job ran"}
            await self._finish(job, "failure", error=error)
        else:
            await self._finish(job, "canceled")

    async def _finish(self, job: Job, status: str, error: dict[str, Any] | None = None) -> bool:
        if job.status in TERMINAL:
            return False
        if error is not None:
            job.metadata.error = error
        self.jobs.transition(job, status, progress=1.0 if status == "success" else None)
        winner = await self.jobs.conclude(job, self.notices)
        if winner is not None:  # the stored job was already terminal: its state stands
            log.info("job %s was already %s; its %s is not recorded", job.job_id, winner.status, status)
            for field in ("status", "progress", "status_history", "metadata", "updated_at"):
                setattr(job, field, getattr(winner, field))
            return False
        return True

    def _done(self, job: Job, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(job.job_id, None)
        if self.leases is not None:
            self.leases.release(job.job_id)
        abandoned = job.job_id in self._abandoned
        self._abandoned.discard(job.job_id)
        if task.cancelled() and job.status not in TERMINAL and not abandoned:
            # canceled before its first step: `_run` never ran, so the cancellation is written here
            finishing = asyncio.ensure_future(self._finish_canceled(job))
            self._finishing[job.job_id] = finishing
            finishing.add_done_callback(lambda f: self._after_finishing(job.job_id, f))
        elif not task.cancelled() and task.exception() is not None:
            pass  # recorded by `_run`; retrieving it here keeps asyncio from logging it again

    def _after_finishing(self, job_id: str, finishing: asyncio.Future[None]) -> None:
        self._finishing.pop(job_id, None)
        if not finishing.cancelled() and finishing.exception() is not None:
            log.error("the cancellation of job %s could not be written: %s", job_id, finishing.exception())
