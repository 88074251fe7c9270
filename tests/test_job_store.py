"""The job store's deferred writes: visible at once, on disk by the end of the loop turn,
never older than the newest save, and all written by `close`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app.db import Database
from app.jobs import JobStore


def on_disk(path: Path, job_id: str) -> str | None:
    """The status the SQLite file holds for `job_id`, read through a separate connection."""
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT status FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return row[0] if row else None


def store_at(tmp_path: Path) -> tuple[JobStore, Path]:
    path = tmp_path / "jobs.sqlite3"
    return JobStore(Database(path)), path


def test_a_deferred_save_is_readable_at_once_and_on_disk_after_the_turn(tmp_path: Path) -> None:
    store, path = store_at(tmp_path)

    async def scenario() -> None:
        job = store.new("generate-prompt", {"prompt": "a fox"}, status="success")
        store.save(job, defer=True)
        assert store.get(job.job_id).status == "success"  # from memory
        assert on_disk(path, job.job_id) is None  # not yet written: the turn is not over
        await asyncio.sleep(0)
        assert on_disk(path, job.job_id) == "success"

    asyncio.run(scenario())


def test_deferred_saves_of_one_turn_share_one_transaction(tmp_path: Path) -> None:
    store, path = store_at(tmp_path)
    executed: list[int] = []
    write = store.db.execute_many

    def counting(sql: str, rows: list) -> None:  # type: ignore[type-arg]
        executed.append(len(rows))
        write(sql, rows)

    store.db.execute_many = counting  # type: ignore[method-assign]

    async def scenario() -> list[str]:
        jobs = [store.new("generate-prompt", {"n": i}, status="success") for i in range(5)]
        for job in jobs:
            store.save(job, defer=True)
        await asyncio.sleep(0)
        return [job.job_id for job in jobs]

    ids = asyncio.run(scenario())
    assert executed == [5]
    assert all(on_disk(path, job_id) == "success" for job_id in ids)


def test_a_later_immediate_save_is_not_overwritten_by_an_older_deferred_one(tmp_path: Path) -> None:
    store, path = store_at(tmp_path)

    async def scenario() -> str:
        job = store.new("generate-prompt", {}, status="in-progress")
        store.save(job, defer=True)
        store.transition(job, "failure")
        store.save(job)  # immediate: writes the deferred row's newer state now
        await asyncio.sleep(0)  # the scheduled flush finds nothing older to write
        return job.job_id

    job_id = asyncio.run(scenario())
    assert on_disk(path, job_id) == "failure" and store.get(job_id).status == "failure"


def test_close_writes_what_a_loop_that_ended_left_deferred(tmp_path: Path) -> None:
    store, path = store_at(tmp_path)

    async def scenario() -> str:
        job = store.new("generate-prompt", {}, status="success")
        store.save(job, defer=True)
        return job.job_id  # the loop ends before its scheduled flush runs

    job_id = asyncio.run(scenario())
    store.close()
    assert on_disk(path, job_id) == "success"


def test_without_a_running_loop_a_deferred_save_is_written_at_once(tmp_path: Path) -> None:
    store, path = store_at(tmp_path)
    job = store.new("generate-prompt", {}, status="success")
    store.save(job, defer=True)
    assert on_disk(path, job.job_id) == "success"


def test_unfinished_sees_deferred_jobs(tmp_path: Path) -> None:
    store, _ = store_at(tmp_path)

    async def scenario() -> list[str]:
        job = store.new("generate-prompt", {}, status="in-progress")
        store.save(job, defer=True)
        return [j.job_id for j in store.unfinished()] + [job.job_id]

    *found, job_id = asyncio.run(scenario())
    assert found == [job_id]
