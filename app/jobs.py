"""Job records: every generation leaves one, readable at `GET /v1/jobs/{jobId}`.

A job moves `queued` -> `in-progress` -> `success` | `failure` | `canceled`; every change is
saved at once, so a reader sees progress as it happens. A job still unfinished when the
service starts was left by a process that stopped mid-way: `recover_interrupted` marks it
`failure` with an `interrupted` error, so no job stays "running" forever.

`save(job, defer=True)` is for records whose caller is about to hand the whole job to the
client anyway (the synchronous prompt call): the row waits in memory until the end of the
current event-loop turn and is written together with every other deferred row of that turn,
in one transaction. One commit per turn instead of one per request is most of what a job
costs; readers see deferred rows at once (`get` looks in memory first), and `close` writes
what is left.

A write the disk refuses is never swallowed: it is logged, kept in `write_error` (which
`/readyz` reports until a later write succeeds) and raised to the saver (a `507`); deferred
rows whose caller has already been answered stay in memory and are written by the next flush.
`sweep` keeps finished jobs to an age and a count (the service runs it periodically).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

import msgspec

from app.db import Database
from app.errors import NotFound
from app.protocol import Job, JobMetadata, StatusEntry

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY,
        job_type TEXT NOT NULL,
        status TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)",
    "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at)",
)

UPSERT = (
    "INSERT INTO jobs(job_id, job_type, status, body, created_at, updated_at) VALUES (?,?,?,?,?,?) "
    "ON CONFLICT(job_id) DO UPDATE SET status=excluded.status, body=excluded.body, "
    "updated_at=excluded.updated_at"
)
MAX_DEFERRED = 256  # rows held in memory before a deferred save writes them at once
SWEEP_BATCH = 500  # jobs deleted per statement by a sweep (the database lock is held that long)

TERMINAL = frozenset({"success", "failure", "canceled"})
INTERRUPTED = "https://promptgen.dev/problems/interrupted"
_FINISHED = "status IN ('success', 'failure', 'canceled')"

log = logging.getLogger(__name__)


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


class JobStore:
    """Persists `Job` records as msgpack blobs keyed by id."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Job)
        self._lock = threading.RLock()
        self._deferred: dict[str, tuple[str, str, str, bytes, str, str]] = {}
        self._flush_loop: asyncio.AbstractEventLoop | None = None  # where a flush is scheduled
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

    def progress(self, job: Job, progress: float) -> None:
        """Record progress (0-1) of a running job and save it."""
        job.progress = round(min(1.0, max(job.progress, progress)), 4)
        job.updated_at = now_iso()
        self.save(job)

    def fail(self, job: Job, error: dict[str, Any]) -> None:
        """Mark `job` failed with `error` (a problem: type, status, detail) and save it."""
        job.metadata.error = error
        self.transition(job, "failure")
        self.save(job)

    def recover_interrupted(self) -> list[Job]:
        """Fail every job a previous process left unfinished; returns them, now failed."""
        recovered = []
        for job in self.unfinished():
            self.fail(
                job,
                {
                    "type": INTERRUPTED,
                    "status": 503,
                    "detail": f"the service stopped while this job was {job.status}; submit it again",
                },
            )
            recovered.append(job)
        return recovered

    def save(self, job: Job, defer: bool = False) -> None:
        """Write `job`; with `defer`, at the end of this event-loop turn with the others deferred."""
        row = (
            job.job_id,
            job.job_type,
            job.status,
            self._encoder.encode(job),
            job.created_at,
            job.updated_at,
        )
        with self._lock:
            previous = self._deferred.get(row[0])
            self._deferred[row[0]] = row  # a newer state of the same job replaces the older
            loop = _running_loop() if defer and len(self._deferred) < MAX_DEFERRED else None
            if loop is None or self._flush_loop not in (None, loop):
                try:
                    self.flush()  # not deferred, no loop, or a flush pending on another loop: write now
                except Exception:
                    # the saver learns of the failure, so its row is not kept for a later write
                    if previous is None:
                        self._deferred.pop(row[0], None)
                    else:
                        self._deferred[row[0]] = previous
                    raise
            elif self._flush_loop is None:  # the first deferred row of this turn schedules its flush
                self._flush_loop = loop
                loop.call_soon(self._flush_deferred)

    def _flush_deferred(self) -> None:
        with contextlib.suppress(Exception):  # logged and kept by `flush`; retried by the next
            self.flush()

    def flush(self) -> None:
        """Write every deferred row in one transaction; a failure is logged, recorded in
        `write_error` and raised, and the rows stay for the next flush."""
        with self._lock:
            self._flush_loop = None
            if not self._deferred:
                return
            rows = list(self._deferred.values())
            try:
                self.db.execute_many(UPSERT, rows)
            except Exception as exc:
                self.write_failures += 1
                detail = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
                if self.write_error is None:  # once an outage; `/readyz` says it meanwhile
                    log.error(
                        "job records could not be written (%d waiting, %s first): %s",
                        len(rows),
                        rows[0][0],
                        detail,
                    )
                self.write_error = detail
                raise
            self._deferred.clear()
            if self.write_error is not None:
                log.warning("job records are written again after %d failed write(s)", self.write_failures)
                self.write_error = None

    @property
    def unwritten(self) -> int:
        """Job rows held in memory that are not on disk yet."""
        return len(self._deferred)

    def sweep(self, max_age_s: float, max_count: int, now: float | None = None) -> int:
        """Delete finished jobs created more than `max_age_s` ago, and those beyond the
        `max_count` newest finished ones (0 turns either bound off); returns how many. Running
        and queued jobs are never touched."""
        with contextlib.suppress(Exception):  # a failed flush is logged; the sweep frees space anyway
            self.flush()
        removed = 0
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            removed += self._delete_while(
                f"SELECT job_id FROM jobs WHERE {_FINISHED} AND created_at < ? LIMIT ?", (cutoff, SWEEP_BATCH)
            )
        if max_count > 0:
            removed += self._delete_while(
                f"SELECT job_id FROM jobs WHERE {_FINISHED} ORDER BY created_at DESC, job_id LIMIT ? OFFSET ?",
                (SWEEP_BATCH, max_count),
            )
        return removed

    def _delete_while(self, select: str, params: tuple[object, ...]) -> int:
        removed = 0
        while True:
            count = self.db.execute(f"DELETE FROM jobs WHERE job_id IN ({select})", params)
            removed += max(0, count)
            if count < SWEEP_BATCH:
                return removed

    def close(self) -> None:
        self.flush()

    def get(self, job_id: str) -> Job:
        with self._lock:
            pending = self._deferred.get(job_id)
            if pending is not None:
                return self._decoder.decode(pending[3])
            row = self.db.fetchone("SELECT body FROM jobs WHERE job_id = ?", (job_id,))
        if row is None:
            raise NotFound(f"no job with id {job_id!r}", jobId=job_id)
        return self._decoder.decode(row["body"])

    def unfinished(self) -> list[Job]:
        self.flush()
        rows = self.db.fetchall("SELECT body FROM jobs WHERE status NOT IN ('success','failure','canceled')")
        return [self._decoder.decode(r["body"]) for r in rows]
