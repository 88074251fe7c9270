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
"""

from __future__ import annotations

import asyncio
import secrets
import threading
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
)

UPSERT = (
    "INSERT INTO jobs(job_id, job_type, status, body, created_at, updated_at) VALUES (?,?,?,?,?,?) "
    "ON CONFLICT(job_id) DO UPDATE SET status=excluded.status, body=excluded.body, "
    "updated_at=excluded.updated_at"
)
MAX_DEFERRED = 256  # rows held in memory before a deferred save writes them at once

TERMINAL = frozenset({"success", "failure", "canceled"})
INTERRUPTED = "https://promptgen.dev/problems/interrupted"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
        row = (job.job_id, job.job_type, job.status, self._encoder.encode(job), job.created_at, job.updated_at)
        with self._lock:
            self._deferred[row[0]] = row  # a newer state of the same job replaces the older
            loop = _running_loop() if defer and len(self._deferred) < MAX_DEFERRED else None
            if loop is None or self._flush_loop not in (None, loop):
                self.flush()  # not deferred, no loop, or a flush pending on another loop: write now
            elif self._flush_loop is None:  # the first deferred row of this turn schedules its flush
                self._flush_loop = loop
                loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every deferred row in one transaction."""
        with self._lock:
            self._flush_loop = None
            if not self._deferred:
                return
            rows = list(self._deferred.values())
            self.db.execute_many(UPSERT, rows)
            self._deferred.clear()

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
