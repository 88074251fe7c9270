"""Job records: every generation leaves one, readable at `GET /v1/jobs/{jobId}`.

A job moves `queued` -> `in-progress` -> `success` | `failure` | `canceled`; every change is
saved at once, so a reader sees progress as it happens. Every write is compare-and-set on
the stored status: a row already terminal is never overwritten (`... ON CONFLICT DO UPDATE
... WHERE status NOT IN (terminal)`), so of a cancel on one replica and a success on another
exactly one wins; `finish` says which, and writes the terminal state together with its
webhook outbox rows in one transaction. A job still unfinished when the service starts was
left by a process that stopped mid-way: `recover_interrupted` marks it `failure` with an
`interrupted` error, so no job stays "running" forever.

`save(job, defer=True)` is for records whose caller is about to hand the whole job to the
client anyway (the synchronous prompt call): the row waits in memory until the end of the
current event-loop turn and is written together with every other deferred row of that turn,
in one transaction (one flush task per turn, started by the turn's first deferred save).
One commit per turn instead of one per request is most of what a job costs; readers see
deferred rows at once (`get` looks in memory first), and `close` writes what is left.

A write the disk refuses is never swallowed: it is logged, kept in `write_error` (which
`/readyz` reports until a later write succeeds) and raised to the saver (a `507`); deferred
rows whose caller has already been answered stay in memory and are written by the next flush.
`sweep` keeps finished jobs to an age and a count (the service runs it periodically).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.db import Database
from app.errors import NotFound
from app.protocol import Job, JobMetadata, StatusEntry
from app.schema import jobs as jobs_table
from app.schema import webhook_deliveries

MAX_DEFERRED = 256  # rows held in memory before a deferred save writes them at once
SWEEP_BATCH = 500  # jobs deleted per statement by a sweep

TERMINAL = frozenset({"success", "failure", "canceled"})
INTERRUPTED = "https://promptgen.dev/problems/interrupted"
_TERMINAL = sorted(TERMINAL)

log = logging.getLogger(__name__)
CLOSE_TRIES = 2  # writes of the deferred rows at the stop (`JobStore.close`)
CLOSE_RETRY_S = 0.5


class Notices(Protocol):
    """What a finished job announces (its webhooks): rows written in the same transaction as
    its terminal state, each sent once that transaction has committed."""

    def prepare(self, job: Job) -> list[Any]: ...

    def row(self, notice: Any) -> dict[str, Any]: ...

    def send(self, notice: Any) -> None: ...


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_at(seconds: float) -> str:
    """`now_iso`'s format for a moment in Unix seconds: such stamps compare as text."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def new_job_id() -> str:
    return "job_" + secrets.token_hex(12)


def upsert_unless_terminal(db: Database) -> Any:
    """Insert a job row, or update it unless the stored one is terminal (compare-and-set)."""
    insert = (pg_insert if db.dialect == "postgresql" else sqlite_insert)(jobs_table)
    return insert.on_conflict_do_update(
        index_elements=[jobs_table.c.job_id],
        set_={
            "status": insert.excluded.status,
            "body": insert.excluded.body,
            "updated_at": insert.excluded.updated_at,
        },
        # written out, not bound: the statement also runs as executemany (one flush, many rows)
        where=text("jobs.status NOT IN ({})".format(", ".join(f"'{t}'" for t in _TERMINAL))),
    )


class JobStore:
    """Persists `Job` records as msgpack blobs keyed by id."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._upsert = upsert_unless_terminal(db)
        insert = (pg_insert if db.dialect == "postgresql" else sqlite_insert)(webhook_deliveries)
        self._outbox_insert = insert.on_conflict_do_nothing(index_elements=[webhook_deliveries.c.delivery_id])
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Job)
        self._deferred: dict[str, dict[str, Any]] = {}
        self._flush_task: asyncio.Task[None] | None = None  # this turn's flush, once scheduled
        self._writing: asyncio.Lock | None = None  # flushes in order, one at a time
        self.write_error: str | None = None  # why the last write failed, until one succeeds
        self.write_failures = 0  # writes the disk refused since the start

    def new(self, job_type: str, input_: dict[str, Any], status: str = "queued") -> Job:
        stamp = now_iso()
        return Job(
            job_id=new_job_id(),
            job_type=job_type,
            status=status,
            progress=0.0,
            status_history=[StatusEntry(status=status, date=stamp)],
            metadata=JobMetadata(input=input_),
            created_at=stamp,
            updated_at=stamp,
        )

    def transition(self, job: Job, status: str, progress: float | None = None) -> Job:
        stamp = now_iso()
        job.status = status
        job.updated_at = stamp
        if progress is not None:
            job.progress = progress
        job.status_history.append(StatusEntry(status=status, date=stamp))
        return job

    async def progress(self, job: Job, progress: float) -> None:
        """Record progress (0-1) of a running job and save it."""
        job.progress = round(min(1.0, max(job.progress, progress)), 4)
        job.updated_at = now_iso()
        await self.save(job)

    async def fail(self, job: Job, error: dict[str, Any]) -> None:
        """Mark `job` failed with `error` (a problem: type, status, detail) and save it."""
        job.metadata.error = error
        self.transition(job, "failure")
        await self.save(job)

    async def recover_interrupted(self, notices: Notices | None = None) -> list[Job]:
        """Fail every job a previous process left unfinished (each with its `notices`, in the
        same transaction); returns them, now failed."""
        recovered = []
        for job in await self.unfinished():
            job.metadata.error = {
                "type": INTERRUPTED,
                "status": 503,
                "detail": f"the service stopped while this job was {job.status}; submit it again",
            }
            self.transition(job, "failure")
            if await self.conclude(job, notices) is None:
                recovered.append(job)
        return recovered

    def _row(self, job: Job) -> dict[str, Any]:
        return {
            "job_id": job.job_id,
            "job_type": job.job_type,
            "status": job.status,
            "body": self._encoder.encode(job),
            "created_at": job.created_at,
            "updated_at": job.updated_at,
        }

    async def save(self, job: Job, defer: bool = False) -> None:
        """Write `job`; with `defer`, at the end of this event-loop turn with the others deferred."""
        row = self._row(job)
        job_id = job.job_id
        previous = self._deferred.get(job_id)
        self._deferred[job_id] = row  # a newer state of the same job replaces the older
        loop = _running_loop() if defer and len(self._deferred) < MAX_DEFERRED else None
        if loop is None:
            try:
                await self.flush()  # not deferred (or too many waiting): write now
            except Exception:
                # the saver learns of the failure, so its row is not kept for a later write
                if self._deferred.get(job_id) is row:
                    if previous is None:
                        del self._deferred[job_id]
                    else:
                        self._deferred[job_id] = previous
                raise
        elif self._flush_task is None:  # the first deferred row of this turn schedules its flush
            self._flush_task = loop.create_task(self._flush_deferred(), name="job rows")

    async def _flush_deferred(self) -> None:
        with contextlib.suppress(Exception):  # logged and kept by `flush`; retried by the next
            await self.flush()

    async def flush(self) -> None:
        """Write every deferred row in one transaction; a failure is logged, recorded in
        `write_error` and raised, and the rows stay for the next flush."""
        if self._writing is None:
            self._writing = asyncio.Lock()
        if asyncio.current_task() is self._flush_task:
            self._flush_task = None  # saves from here on schedule the next flush
        async with self._writing:
            if not self._deferred:
                return
            batch = dict(self._deferred)
            rows = list(batch.values())
            try:
                await self.db.execute_many(self._upsert, rows)
            except Exception as exc:
                self.write_failures += 1
                detail = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
                if self.write_error is None:  # once an outage; `/readyz` says it meanwhile
                    log.error(
                        "job records could not be written (%d waiting, %s first): %s",
                        len(rows),
                        rows[0]["job_id"],
                        detail,
                    )
                self.write_error = detail
                raise
            for job_id, row in batch.items():
                if self._deferred.get(job_id) is row:  # not replaced by a newer state meanwhile
                    del self._deferred[job_id]
            if self.write_error is not None:
                log.warning("job records are written again after %d failed write(s)", self.write_failures)
                self.write_error = None

    async def finish(self, job: Job, outbox: Sequence[Mapping[str, Any]] = ()) -> Job | None:
        """Write `job`'s terminal state and its webhook outbox rows in one transaction, unless
        the stored job is terminal already (another replica, or a cancel, won): then nothing
        is written and the stored job is returned. None when this write won."""
        row = self._row(job)
        self._deferred.pop(job.job_id, None)  # this write supersedes an older deferred state
        async with self.db.transaction("writing the job's outcome") as conn:
            won = (await conn.execute(self._upsert, row)).rowcount > 0
            if won and outbox:  # an event's row exists once (its id is derived from job and event)
                await conn.execute(self._outbox_insert, list(outbox))
            if not won:
                stored = (
                    await conn.execute(select(jobs_table.c.body).where(jobs_table.c.job_id == job.job_id))
                ).scalar_one_or_none()
        if won:
            return None
        return self._decoder.decode(stored) if stored is not None else job

    async def conclude(self, job: Job, notices: Notices | None = None) -> Job | None:
        """`finish` with the job's notices written alongside, and sent once committed."""
        prepared = notices.prepare(job) if notices is not None else []
        winner = await self.finish(job, [notices.row(n) for n in prepared] if notices is not None else [])
        if winner is None and notices is not None:
            for notice in prepared:
                notices.send(notice)
        return winner

    @property
    def unwritten(self) -> int:
        """Job rows held in memory that are not on disk yet."""
        return len(self._deferred)

    async def sweep(self, max_age_s: float, max_count: int, now: float | None = None) -> int:
        """Delete finished jobs created more than `max_age_s` ago, and those beyond the
        `max_count` newest finished ones (0 turns either bound off); returns how many. Running
        and queued jobs are never touched."""
        with contextlib.suppress(Exception):  # a failed flush is logged; the sweep frees space anyway
            await self.flush()
        t = jobs_table.c
        finished = t.status.in_(_TERMINAL)
        removed = 0
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            removed += await self._delete_while(
                select(t.job_id).where(finished, t.created_at < cutoff).limit(SWEEP_BATCH)
            )
        if max_count > 0:
            removed += await self._delete_while(
                select(t.job_id)
                .where(finished)
                .order_by(t.created_at.desc(), t.job_id)
                .limit(SWEEP_BATCH)
                .offset(max_count)
            )
        return removed

    async def _delete_while(self, chosen: Any) -> int:
        removed = 0
        while True:
            ids = [r["job_id"] for r in await self.db.fetchall(chosen)]
            if ids:
                await self.db.execute(delete(jobs_table).where(jobs_table.c.job_id.in_(ids)))
            removed += len(ids)
            if len(ids) < SWEEP_BATCH:
                return removed

    async def close(self) -> None:
        """Write what is deferred before the database closes. A stop never raises: a job canceled
        at the stop in the middle of a statement can hold SQLite's lock until its abandoned
        connection is collected (the driver's thread runs on), so a failed write is tried once
        more after collecting it, then logged and left to the next start, which records every
        unfinished job as interrupted (`recover_interrupted`)."""
        if self._flush_task is not None and not self._flush_task.done():
            with contextlib.suppress(BaseException):
                await self._flush_task
        for attempt in range(CLOSE_TRIES):
            try:
                await self.flush()
                return
            except Exception:
                if attempt + 1 < CLOSE_TRIES:
                    gc.collect()  # an abandoned connection closes with its transaction
                    await asyncio.sleep(CLOSE_RETRY_S)
        log.error(
            "stopping with %d job record(s) unwritten; the next start records unfinished jobs as interrupted",
            len(self._deferred),
        )

    async def get(self, job_id: str) -> Job:
        pending = self._deferred.get(job_id)
        if pending is not None:
            return self._decoder.decode(pending["body"])
        row = await self.db.fetchone(select(jobs_table.c.body).where(jobs_table.c.job_id == job_id))
        if row is None:
            raise NotFound(f"no job with id {job_id!r}", jobId=job_id)
        return self._decoder.decode(row["body"])

    async def unfinished(self) -> list[Job]:
        await self.flush()
        rows = await self.db.fetchall(select(jobs_table.c.body).where(jobs_table.c.status.not_in(_TERMINAL)))
        return [self._decoder.decode(r["body"]) for r in rows]
