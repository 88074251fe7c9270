"""The job store's deferred writes: visible at once, on disk by the end of the loop turn (its
flush task, started by the turn's first deferred save), never older than the newest save, and
all written by `close`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.db import Database
from app.jobs import JobStore
from tests.db_helpers import rows, with_database


def on_disk(path: Path, job_id: str) -> str | None:
    """The status the SQLite file holds for `job_id`, read through a separate connection."""
    found = rows(path, "SELECT status FROM jobs WHERE job_id = ?", (job_id,))
    return found[0][0] if found else None


async def turn_over(store: JobStore) -> None:
    """Let the flush this turn scheduled run to its end."""
    await asyncio.sleep(0)
    task = store._flush_task
    if task is not None:
        await task
    await store.flush()  # waits for a flush in flight (they run one at a time)


def test_a_deferred_save_is_readable_at_once_and_on_disk_after_the_turn(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"

    async def scenario(db: Database) -> None:
        store = JobStore(db)
        job = store.new("generate-prompt", {"prompt": "a fox"}, status="success")
        await store.save(job, defer=True)
        assert (await store.get(job.job_id)).status == "success"  # from memory
        assert on_disk(path, job.job_id) is None  # not yet written: the turn is not over
        await turn_over(store)
        assert on_disk(path, job.job_id) == "success"

    with_database(path, scenario)


def test_deferred_saves_of_one_turn_share_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    executed: list[int] = []

    async def scenario(db: Database) -> list[str]:
        store = JobStore(db)
        write = db.execute_many

        async def counting(sql, rows) -> None:  # type: ignore[no-untyped-def]
            executed.append(len(rows))
            await write(sql, rows)

        db.execute_many = counting  # type: ignore[method-assign]
        jobs = [store.new("generate-prompt", {"n": i}, status="success") for i in range(5)]
        for job in jobs:
            await store.save(job, defer=True)
        await turn_over(store)
        return [job.job_id for job in jobs]

    ids = with_database(path, scenario)
    assert executed == [5]
    assert all(on_disk(path, job_id) == "success" for job_id in ids)


def test_a_later_immediate_save_is_not_overwritten_by_an_older_deferred_one(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"

    async def scenario(db: Database) -> str:
        store = JobStore(db)
        job = store.new("generate-prompt", {}, status="in-progress")
        await store.save(job, defer=True)
        store.transition(job, "failure")
        await store.save(job)  # immediate: writes the deferred row's newer state now
        await turn_over(store)  # the scheduled flush finds nothing older to write
        assert (await store.get(job.job_id)).status == "failure"
        return job.job_id

    job_id = with_database(path, scenario)
    assert on_disk(path, job_id) == "failure"


def test_close_writes_what_is_left_deferred(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"

    async def scenario(db: Database) -> str:
        store = JobStore(db)
        job = store.new("generate-prompt", {}, status="success")
        await store.save(job, defer=True)
        await store.close()  # before its scheduled flush ran
        return job.job_id

    job_id = with_database(path, scenario)
    assert on_disk(path, job_id) == "success"


def test_unfinished_sees_deferred_jobs(tmp_path: Path) -> None:
    async def scenario(db: Database) -> list[str]:
        store = JobStore(db)
        job = store.new("generate-prompt", {}, status="in-progress")
        await store.save(job, defer=True)
        return [j.job_id for j in await store.unfinished()] + [job.job_id]

    *found, job_id = with_database(tmp_path / "jobs.sqlite3", scenario)
    assert found == [job_id]
