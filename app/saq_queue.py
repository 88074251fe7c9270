"""The distributed profile's job queue: SAQ on Redis (`PROMPTGEN_QUEUE_URL=redis://...`) or on
Postgres (`postgresql://...`, or `database`: the service's own Postgres), `app/saq_engines.py`.

An `"async": true` job is saved (queued) in the shared database, its input stored (images as
assets, `Work.payload`) and enqueued as a SAQ job keyed by the job id. Any process with a
worker (every replica by default, `PROMPTGEN_WORKERS=in-process`; or `python -m app worker`)
takes it, rebuilds its work from the stored input and runs it through `JobRunner`, which
writes progress and the terminal state (compare-and-set, with the webhook rows).

    cancel     from any replica: SAQ's abort reaches the worker running the job (its task is
               canceled there and `JobRunner` writes `canceled`); a job no worker has taken yet
               is canceled by the caller, compare-and-set
    heartbeat  a running job touches its SAQ job every third of `queue_heartbeat_s`; SAQ's own
               sweep (every `queue_sweep_s`, in every worker) takes a job whose worker went
               silent as dead and runs it again (`queue_retries`), after removing the images
               the dead attempt had stored, or gives it up
    sweep      this module's: a job unfinished in the database, unheard of for a heartbeat,
               that no live process holds (a lease per running job, refreshed beside the queue,
               `app/queue_marks.py`: a synchronous request runs where it was accepted) and that
               SAQ no longer has
               waiting or running, ends `failure` (`interrupted`), its stored images removed

Nothing here touches a job at start: a replica starting (or restarting) leaves every other
process's jobs alone; a replica stopping (SIGTERM) hands the queued jobs it still runs after
the grace period back to the queue, so a rolling restart loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from saq import Job as SaqJob
from saq import Status, Worker
from saq.types import TimersDict

from app.chain.store import remove_left_by
from app.errors import Conflict, NotFound, Overloaded
from app.job_queue import Resume, Work
from app.job_runner import CANCEL_WAIT_S, JobRunner
from app.jobs import INTERRUPTED, TERMINAL, JobStore, iso_at
from app.protocol import Job
from app.queue_marks import CANCEL_MARK, LEASE
from app.saq_engines import queue_engine
from app.settings import Settings

log = logging.getLogger(__name__)

FUNCTION = "promptgen.job"
WAITING = frozenset({Status.NEW, Status.QUEUED, Status.ACTIVE, Status.ABORTING})
CANCEL_POLL_S = 0.05
KEPT_S = 3600  # how long SAQ keeps a finished job's record
CANCELED = "canceled"  # the abort reason of a caller's cancel (SAQ's sweep gives another)


def interrupted(detail: str) -> dict[str, Any]:
    return {"type": INTERRUPTED, "status": 503, "detail": detail}


class SaqQueue:
    """Jobs on SAQ (see the module docstring)."""

    name = "saq"  # on `self.engine.name`

    def __init__(
        self, settings: Settings, jobs: JobStore, runner: JobRunner, resume: Resume, assets: Any
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.runner = runner
        self.resume = resume
        self.assets = assets
        self.engine = queue_engine(settings, jobs.db)
        self.queue = self.engine.queue
        self.marks = self.engine.marks  # leases and a caller's cancels, beside the queue
        self.heartbeat_s = max(1, settings.queue_heartbeat_s)
        self.worker: Worker | None = None
        self._held: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._working: set[str] = set()  # the jobs this process's worker runs
        self._closing = False
        runner.leases = self

    # ------------------------------------------------------------------------- lifecycle

    async def start(self, worker: bool | None = None) -> list[Job]:
        """Connect; start a worker when this process runs them; recover nothing (see above)."""
        await self.queue.connect()
        await self.engine.ping()  # an unreachable queue stops the start, with its reason
        if worker if worker is not None else self.settings.workers == "in-process":
            sweep = max(1, round(self.settings.queue_sweep_s))
            timers: TimersDict = {"sweep": sweep, "abort": 1, "schedule": 1, "worker_info": 10}
            self.worker = Worker(
                self.queue,
                [(FUNCTION, self._process)],
                concurrency=max(1, self.settings.worker_concurrency),
                timers=timers,
            )
            self.worker.SIGNALS = []  # the server's (uvicorn's) signal handling stays as it is
            self._loops.append(asyncio.create_task(self.worker.start(), name="saq worker"))
        self._loops.append(
            asyncio.create_task(self._every(self.heartbeat_s / 3, self._refresh), name="leases")
        )
        self._loops.append(
            asyncio.create_task(self._every(self.settings.queue_sweep_s, self.sweep), name="sweep")
        )
        return []

    async def drain(self, timeout_s: float) -> int:
        return await self.runner.drain(timeout_s)

    async def aclose(self) -> None:
        """Stop (after `drain` gave running jobs the grace period): the queued jobs this
        worker still runs go back to the queue, and run again on another worker (SAQ requeues a
        job whose worker stops; `_process` abandons it here); the jobs of synchronous requests
        still running are recorded as interrupted, as in one process."""
        self._closing = True
        for job_id in self._working:  # whichever cancellation reaches them first, nothing is written
            self.runner.abandon(job_id, cancel=False)
        if self.worker is not None:
            with contextlib.suppress(Exception):
                await self.worker.stop()
        await self.runner.aclose()
        for task in self._loops:
            task.cancel()
        for task in [*self._loops, *self._background]:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self.queue.disconnect()

    # ------------------------------------------------------------------------- the port

    async def enqueue(self, job: Job, work: Work, done: Callable[[], None]) -> None:
        """Store the job's input and hand it to SAQ; a queue that cannot take it fails the job
        (and the request, 503)."""
        try:
            payload = await work.payload()
            await self.queue.enqueue(
                SaqJob(
                    function=FUNCTION,
                    kwargs={"job_id": job.job_id, "payload": payload},
                    key=job.job_id,
                    timeout=0,  # the job's own deadlines bound it; the heartbeat says it is alive
                    heartbeat=self.heartbeat_s,
                    retries=1 + max(0, self.settings.queue_retries),
                    ttl=KEPT_S,
                )
            )
        except Exception as exc:
            detail = f"the job queue could not take the job: {type(exc).__name__}: {exc}"
            await self.runner.conclude(job, "failure", error=interrupted(detail))
            raise Overloaded(detail, retry_after=5, jobId=job.job_id) from exc
        finally:
            done()

    async def cancel(self, job_id: str) -> Job:
        """Cancel the job wherever it runs; answers its record once the cancel is written."""
        job = await self.jobs.get(job_id)
        if job.status in TERMINAL:
            raise Conflict(f"job {job_id} is already {job.status}", jobId=job_id, jobStatus=job.status)
        if self.runner.running(job_id):  # here: a synchronous request, or this worker's job
            return await self.runner.cancel(job_id)
        queued = await self.queue.job(job_id)
        if queued is None:
            raise Conflict(
                f"job {job_id} ({job.job_type}) cannot be canceled here: it runs in the replica that "
                "accepted its synchronous request, and ends when that request does",
                jobId=job_id,
            )
        if queued.status in WAITING:
            # the worker tells a caller's cancel from SAQ's other aborts by this mark (the SAQ
            # record's error is no place for it: a heartbeat rewrites the record)
            await self.marks.put([CANCEL_MARK + job_id], KEPT_S)
            await self.queue.abort(queued, CANCELED)  # a running job's worker cancels its task
        if queued.status in WAITING:  # running: its worker writes the cancel
            deadline = time.monotonic() + CANCEL_WAIT_S
            while time.monotonic() < deadline:
                job = await self.jobs.get(job_id)
                if job.status in TERMINAL:
                    return job
                await asyncio.sleep(CANCEL_POLL_S)
        await self.runner.conclude(job, "canceled")  # no worker has it (any longer): written here
        return job

    async def progress(self, job_id: str) -> float | None:
        queued = await self.queue.job(job_id)
        return queued.progress if queued is not None else (await self.jobs.get(job_id)).progress

    # ------------------------------------------------------------------------- the worker

    async def _process(self, ctx: dict[str, Any], *, job_id: str, payload: dict[str, Any]) -> str:
        """SAQ's function: run the stored job (once more after a dead worker's attempt)."""
        queued: SaqJob = ctx["job"]
        # the heartbeat first: whatever comes before the work (removing a dead attempt's images)
        # may take longer than the heartbeat, and a silent job is taken for a dead one
        beat = asyncio.create_task(
            self._every(self.heartbeat_s / 3, lambda: self._touch(queued, job_id), now=True)
        )
        try:
            try:
                job = await self.jobs.get(job_id)
            except NotFound:
                return "missing"  # swept meanwhile
            if job.status in TERMINAL:
                return job.status  # canceled before it ran, or given up by a sweep
            if queued.attempts > 1:  # a worker died running it: its images go, the job runs again
                log.warning("job %s runs again (attempt %d): its worker stopped", job_id, queued.attempts)
                await remove_left_by(self.assets, [job])
            task = self.runner.start(job, self.resume(job, payload).run)  # its outcome: on the job
            self._working.add(job_id)
            try:
                await asyncio.wait([task])
            except asyncio.CancelledError:
                # SAQ's abort (a caller's cancel, or its sweep took the job back), or this worker
                # stopping (SAQ requeues the job): only a caller's cancel is written here
                by_caller = False
                try:
                    by_caller = not self._closing and await self._canceled_by_caller(job_id)
                finally:
                    if not by_caller:
                        self.runner.abandon(job_id)  # it runs again elsewhere, or a sweep ends it
                    task.cancel()
                raise
            finally:
                self._working.discard(job_id)
            return job.status
        finally:
            beat.cancel()

    async def _canceled_by_caller(self, job_id: str) -> bool:
        return await self.marks.has(CANCEL_MARK + job_id)

    async def _touch(self, queued: SaqJob, job_id: str) -> None:
        """The heartbeat: the job's progress, copied to SAQ, which tells SAQ this worker lives."""
        await queued.update(progress=(await self.jobs.get(job_id)).progress)

    # ------------------------------------------------------------------------- leases

    def hold(self, job_id: str) -> None:
        self._held.add(job_id)
        self._spawn(self.marks.put([LEASE + job_id], 2 * self.heartbeat_s))

    def release(self, job_id: str) -> None:
        self._held.discard(job_id)
        self._spawn(self.marks.drop(LEASE + job_id))

    async def _refresh(self) -> None:
        if self._held:
            await self.marks.put([LEASE + job_id for job_id in list(self._held)], 2 * self.heartbeat_s)

    def _spawn(self, call: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(call)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------------- sweep

    async def sweep(self) -> list[Job]:
        """Fail the jobs whose process died (see the module docstring); returns them."""
        await self.marks.prune()
        quiet_since = iso_at(time.time() - self.heartbeat_s)
        given_up = []
        for job in await self.jobs.unfinished():
            if job.updated_at >= quiet_since or await self.marks.has(LEASE + job.job_id):
                continue
            queued = await self.queue.job(job.job_id)
            if queued is not None and queued.status in WAITING:
                continue  # SAQ has it: waiting, running, or to be swept (and retried) by SAQ
            # its images first: once the job reads `failure`, nothing it stored is left
            await remove_left_by(self.assets, [job])
            error = interrupted("the process running this job stopped before it finished; submit it again")
            if await self.runner.conclude(job, "failure", error=error):
                given_up.append(job)
        if given_up:
            log.warning("%d job(s) whose process stopped mid-way failed as interrupted", len(given_up))
        return given_up

    @staticmethod
    async def _every(seconds: float, call: Callable[[], Coroutine[Any, Any, Any]], now: bool = False) -> None:
        if not now:
            await asyncio.sleep(max(0.1, seconds))
        while True:
            try:
                await call()
            except Exception as exc:  # the queue's engine or the database away for a while: try again
                log.warning(
                    "%s failed: %s: %s", getattr(call, "__name__", "a queue task"), type(exc).__name__, exc
                )
            await asyncio.sleep(max(0.1, seconds))
