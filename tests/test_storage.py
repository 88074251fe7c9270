"""Storage that cannot fill silently: retention of jobs, generated images and webhook rows (the
sweep called directly, no sleeping), the free-space floor in `/readyz`, a full disk (a small
tmpfs the test mounts, and stores whose writes fail with ENOSPC / SQLITE_FULL) answered with
problem details and no partial file, a failed job write reported, a read-only data directory
stopping the start with one line."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import event

from app.assets import AssetStore
from app.db import Database, check_writable
from app.errors import InsufficientStorage
from app.images import ValidatedImage
from app.jobs import JobStore, iso_at
from app.settings import Settings, load_settings
from tests import image_samples as samples
from tests.conftest import ROOT, make_client, poll_readyz
from tests.db_helpers import app_call, with_database

PROBLEM = "application/problem+json"
DAY = 86400.0


# ----------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def small_fs(where: Path, size: str, *options: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` for the block (skips the test when it cannot be)."""
    where.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write a file in `folder` until the file system is full; returns it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 1):  # then the last bytes, smaller and smaller
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


def image(data: bytes, media: str = "image/png") -> ValidatedImage:
    return ValidatedImage(data=data, media_type=media, width=1, height=1, sha256=uuid.uuid4().hex)


def sqlite_full() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # type: ignore[attr-defined]
    return exc


class FullDisk:
    """Makes `db`'s writes fail as on a full disk (reads pass) until `off()`: the driver's own
    SQLite error, raised where the statement would run."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        event.listen(self.engine, "before_cursor_execute", self._refuse)

    @staticmethod
    def _refuse(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite_full()

    def off(self) -> None:
        if event.contains(self.engine, "before_cursor_execute", self._refuse):
            event.remove(self.engine, "before_cursor_execute", self._refuse)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def upload(client, data: bytes, media: str = "image/png"):
    return client.post("/v1/assets", json={"image": samples.data_url(data, media)})


def storage_settings(data_dir: Path, **overrides) -> Settings:
    return load_settings(env={}, dotenv=None, data_dir=str(data_dir), lm_backend="scripted", **overrides)


async def finished_job(jobs: JobStore, created: float, status: str = "success") -> str:
    job = jobs.new("generate-prompt", {"prompt": "a fox"}, status=status)
    job.created_at = iso_at(created)
    await jobs.save(job)
    return job.job_id


async def job_ids(db: Database) -> set[str]:
    return {r["job_id"] for r in await db.fetchall("SELECT job_id FROM jobs")}


# ----------------------------------------------------------------------------- retention


def test_the_job_sweep_keeps_an_age_and_a_count_and_never_touches_running_jobs(tmp_path: Path) -> None:
    async def scenario(db: Database) -> None:
        jobs = JobStore(db)
        now = time.time()
        old = [
            await finished_job(jobs, now - 40 * DAY, status) for status in ("success", "failure", "canceled")
        ]
        running = jobs.new("generate-image", {}, status="in-progress")
        running.created_at = iso_at(now - 400 * DAY)
        await jobs.save(running)
        recent = [await finished_job(jobs, now - DAY + i) for i in range(10)]

        assert await jobs.sweep(max_age_s=30 * DAY, max_count=0, now=now) == 3
        assert await job_ids(db) == {running.job_id, *recent}
        assert await jobs.sweep(max_age_s=30 * DAY, max_count=4, now=now) == 6
        assert await job_ids(db) == {running.job_id, *recent[-4:]}  # the newest four finished ones
        assert await jobs.sweep(max_age_s=0, max_count=0, now=now + 1000 * DAY) == 0  # both bounds off
        remaining = await job_ids(db)
        assert old and all(job_id not in remaining for job_id in old)

    with_database(tmp_path / "db.sqlite3", scenario)


def test_the_job_sweep_deletes_in_batches_beyond_one_statement(tmp_path: Path) -> None:
    async def scenario(db: Database) -> None:
        jobs = JobStore(db)
        now = time.time()
        rows = [
            dict(job_id=f"job_{i:024x}", job_type="generate-prompt", status="success", body=b"x",
                 created_at=iso_at(now - DAY + i), updated_at=iso_at(now))
            for i in range(1234)
        ]  # fmt: skip
        await db.execute_many(
            "INSERT INTO jobs VALUES (:job_id, :job_type, :status, :body, :created_at, :updated_at)", rows
        )
        assert await jobs.sweep(max_age_s=0, max_count=100, now=now) == 1134
        assert len(await job_ids(db)) == 100

    with_database(tmp_path / "db.sqlite3", scenario)


def test_generated_assets_are_swept_by_age_and_count_uploads_and_training_images_stay(tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"

    async def scenario(db: Database) -> None:
        assets = AssetStore(db, blobs)
        uploaded = await assets.create(image(b"upload"), name="job_" + "0" * 24 + "-0")  # a look-alike name
        generated = [await assets.create(image(b"g%d" % i), job_id=f"job_{i:024x}") for i in range(6)]
        now = time.time()
        for i, asset in enumerate(generated):  # one per second, oldest first (not all in one millisecond)
            await db.execute(
                "UPDATE assets SET created_at = :at WHERE asset_id = :id",
                {"at": iso_at(now - 100 + i), "id": asset.asset_id},
            )

        removed = await assets.sweep_job_assets(0, 2, keep={generated[0].asset_id}, now=now)
        assert removed == 3  # six generated, two newest kept, one a style model uses
        left = {r["asset_id"] for r in await db.fetchall("SELECT asset_id FROM assets")}
        assert left == {
            uploaded.asset_id,
            generated[0].asset_id,
            generated[4].asset_id,
            generated[5].asset_id,
        }
        assert sorted(p.name for p in blobs.iterdir()) == sorted(a + ".png" for a in left)

        assert await assets.sweep_job_assets(DAY, 0, now=now + 2 * DAY) == 3  # by age: every generated one
        assert [r["asset_id"] for r in await db.fetchall("SELECT asset_id FROM assets")] == [
            uploaded.asset_id
        ]

    with_database(tmp_path / "db.sqlite3", scenario)


def test_assets_a_job_made_before_the_job_column_are_recognised(tmp_path: Path) -> None:
    """A data directory from before the `job_id` column (adopted by the migrations)."""
    path = tmp_path / "db.sqlite3"
    job_id = "job_" + "a" * 24
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, job_type TEXT NOT NULL, status TEXT NOT NULL, "
        "body BLOB NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    conn.execute("INSERT INTO jobs VALUES (?, 'generate-image', 'success', x'80', '', '')", (job_id,))
    conn.execute(
        "CREATE TABLE assets (asset_id TEXT PRIMARY KEY, body BLOB NOT NULL, created_at TEXT NOT NULL)"
    )
    encode = msgspec.msgpack.encode
    for asset_id, name in (
        ("asset_a", f"{job_id}-0"),
        ("asset_b", "job_" + "f" * 24 + "-0"),
        ("asset_c", "cat"),
    ):
        body = dict(
            assetId=asset_id, name=name, description="", mediaType="image/png", width=1, height=1,
            size=1, sha256="", createdAt=iso_at(0), url="",
        )  # fmt: skip
        conn.execute("INSERT INTO assets VALUES (?,?,?)", (asset_id, encode(body), iso_at(0)))
    conn.commit()
    conn.close()

    async def scenario(db: Database) -> dict[str, str | None]:
        return {r["asset_id"]: r["job_id"] for r in await db.fetchall("SELECT asset_id, job_id FROM assets")}

    marked = with_database(path, scenario)
    assert marked == {"asset_a": job_id, "asset_b": None, "asset_c": None}  # only a job on record


def test_the_webhook_outbox_keeps_an_age_and_a_count_of_finished_deliveries(settings: Settings) -> None:
    from app.webhooks import WebhookSender

    async def scenario(db: Database) -> dict[str, str]:
        sender = WebhookSender(db, settings)
        now = time.time()
        rows = []
        for i, (status, age) in enumerate(
            [
                ("pending", 90),
                ("delivered", 90),
                ("failed", 90),
                ("delivered", 1),
                ("failed", 1),
                ("delivered", 1),
            ]
        ):
            stamp = iso_at(now - age * DAY + i)
            rows.append(
                dict(delivery_id=f"whd_{i}", job_id="job_x", url="https://example.com/", event="job.succeeded",
                     body=b"{}", status=status, created_at=stamp, updated_at=stamp)
            )  # fmt: skip
        await db.execute_many(
            "INSERT INTO webhook_deliveries(delivery_id, job_id, url, event, body, status, created_at, updated_at) "
            "VALUES (:delivery_id, :job_id, :url, :event, :body, :status, :created_at, :updated_at)",
            rows,
        )
        assert await sender.sweep(max_age_s=7 * DAY, max_count=0, now=now) == 2
        assert await sender.sweep(max_age_s=7 * DAY, max_count=2, now=now) == 1
        return {r["delivery_id"]: r["status"] for r in await db.fetchall("SELECT * FROM webhook_deliveries")}

    left = with_database(settings.data_path / "db.sqlite3", scenario)
    assert left == {"whd_0": "pending", "whd_4": "failed", "whd_5": "delivered"}  # pending never goes


def test_the_service_sweeps_at_start_and_on_demand(settings: Settings) -> None:
    stale = with_database(
        settings.data_path / "promptgen.sqlite3",
        lambda db: finished_job(JobStore(db), time.time() - 60 * DAY),
    )
    with make_client(settings) as client:
        retention = client.app.state.retention
        for _ in range(500):  # the lifespan's first sweep runs in the background at start
            if retention.last:
                break
            time.sleep(0.01)
        assert retention.last["jobs"] == 1
        assert 'promptgen_retention_removed_total{kind="jobs"} 1' in client.get("/metrics").text
        with pytest.raises(Exception, match="no job"):
            app_call(client, client.app.state.jobs.get, stale)
        fresh = client.post("/v1/generate/prompt", json={"prompt": "a fox", "mode": "structured"}).json()
        later = time.time() + 31 * DAY
        assert app_call(client, retention.sweep, later)["jobs"] == 1  # called directly: no waiting
        assert client.get(f"/v1/jobs/{fresh['job']['jobId']}").status_code == 404


def test_stale_temporary_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    assets = AssetStore(Database(tmp_path / "db.sqlite3"), tmp_path / "blobs")
    stale, fresh = tmp_path / "blobs" / "asset_a.png.tmp", tmp_path / "blobs" / "asset_b.png.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert assets.remove_stale_temporaries(3600) == 1
    assert not stale.exists() and fresh.exists()


# ----------------------------------------------------------------------------- a small file system


def test_on_a_full_tmpfs_uploads_are_507_without_partial_files_and_retention_frees_space(
    tmp_path: Path,
) -> None:
    with small_fs(tmp_path / "fs", "4m") as fs:
        # no background sweep (interval 0): it would free space while the loop fills the disk
        settings = storage_settings(
            fs / "data", data_min_free_mb=0, job_asset_retention_max=1, retention_interval_s=0
        )
        photo = samples.photo("rocket.jpg")  # 110 KB
        with make_client(settings) as client:
            store: AssetStore = client.app.state.images.assets
            for _ in range(500):  # the sweep at start is over (it would take part of what follows)
                if client.app.state.retention.last:
                    break
                time.sleep(0.01)
            generated = []
            for i in range(40):  # images "jobs" generated, until the disk refuses one
                try:
                    made = app_call(
                        client, store.create, image(photo, "image/jpeg"), None, None, f"job_{i:024x}"
                    )
                    generated.append(made)
                except InsufficientStorage as exc:
                    assert exc.extensions["reason"] == "full"
                    break
            else:
                pytest.fail("4 MiB never filled")
            filler = fill(fs)  # whatever room is left
            blobs = store.blob_dir

            body = assert_problem(upload(client, photo, "image/jpeg"), 507)
            assert body["type"].endswith("/insufficient-storage") and body["reason"] == "full"
            assert not list(blobs.glob("*.tmp"))  # the partial file is gone
            assert len(list(blobs.iterdir())) == len(generated)  # and no blob without its row

            delete = client.delete(f"/v1/assets/{generated[0].asset_id}")
            assert delete.status_code == 204 or assert_problem(delete, 507)  # never a bare 500

            removed = app_call(client, client.app.state.retention.sweep)
            assert removed["job_assets"] >= len(generated) - 2
            filler.unlink()
            assert upload(client, photo, "image/jpeg").status_code == 201


def test_readyz_is_503_under_the_free_space_floor_with_the_reason(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs", "8m") as fs:
        settings = storage_settings(fs / "data", data_min_free_mb=2)
        with make_client(settings) as client:
            assert poll_readyz(client).status_code == 200
            filler = fill(fs)
            body = assert_problem(client.get("/readyz"), 503)
            assert "PROMPTGEN_DATA_MIN_FREE_MB" in body["detail"] and body["reason"] == "storage"
            body = assert_problem(upload(client, samples.photo("rocket.jpg"), "image/jpeg"), 507)
            assert "MiB free" in body["detail"]  # refused before a byte is written
            filler.unlink()
            assert client.get("/readyz").status_code == 200


# ----------------------------------------------------------------------------- writes that fail


def test_an_upload_whose_write_fails_is_507_and_leaves_no_tmp(client, monkeypatch) -> None:
    def no_space(self: Path, data: bytes) -> int:
        with open(self, "wb") as out:
            out.write(data[:10])  # part of it, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", no_space)
    body = assert_problem(upload(client, samples.photo("rocket.jpg"), "image/jpeg"), 507)
    assert body["reason"] == "full" and "/" not in body["detail"]  # no path in the answer
    blobs = client.app.state.images.assets.blob_dir
    assert list(blobs.iterdir()) == []


def test_an_upload_whose_row_fails_removes_its_blob(client, monkeypatch) -> None:
    db = client.app.state.db
    real = db.execute

    async def full_on_insert(statement, params=None) -> int:  # type: ignore[no-untyped-def]
        if str(statement).startswith("INSERT INTO assets"):
            raise InsufficientStorage("writing to the database failed: the data directory is full")
        return await real(statement, params)

    monkeypatch.setattr(db, "execute", full_on_insert)
    assert_problem(upload(client, samples.photo("rocket.jpg"), "image/jpeg"), 507)
    assert list(client.app.state.images.assets.blob_dir.iterdir()) == []


def test_delete_on_a_full_disk_is_a_507_problem_and_keeps_the_asset(client, monkeypatch) -> None:
    asset = upload(client, samples.photo("rocket.jpg"), "image/jpeg").json()["asset"]
    full = FullDisk(client.app.state.db)
    body = assert_problem(client.delete(f"/v1/assets/{asset['assetId']}"), 507)
    assert body["type"].endswith("/insufficient-storage")
    full.off()
    assert client.get(asset["url"]).status_code == 200  # still whole
    assert client.delete(f"/v1/assets/{asset['assetId']}").status_code == 204


def test_a_failed_job_write_is_logged_and_surfaced_until_a_write_succeeds(
    client, monkeypatch, caplog
) -> None:
    db = client.app.state.db
    jobs: JobStore = client.app.state.jobs
    full = FullDisk(db)
    with caplog.at_level(logging.ERROR, logger="app.jobs"):
        answer = client.post("/v1/generate/prompt", json={"prompt": "a fox", "mode": "structured"})
        assert answer.status_code == 200  # answered before its deferred row was written
        job_id = answer.json()["job"]["jobId"]
        for _ in range(200):  # the flush runs at the end of the server loop's turn
            if jobs.write_error:
                break
            time.sleep(0.01)
    assert any("job records could not be written" in r.getMessage() for r in caplog.records)
    body = assert_problem(client.get("/readyz"), 503)
    assert "job records cannot be written" in body["detail"] and "full" in body["detail"]
    assert client.get(f"/v1/jobs/{job_id}").status_code == 200  # still served from memory

    with pytest.raises(InsufficientStorage):  # a direct save tells its caller
        app_call(client, jobs.save, jobs.new("generate-prompt", {}, status="success"))
    assert jobs.unwritten == 1  # the refused row is not kept; the answered one is

    full.off()
    assert poll_readyz(client).status_code == 200  # the probe itself writes what waited
    assert jobs.write_error is None and jobs.unwritten == 0
    metrics = client.get("/metrics").text
    failures = re.search(r"^promptgen_job_write_failures_total (\d+)$", metrics, re.M)
    assert failures and int(failures[1]) >= 2 and "promptgen_jobs_unwritten 0" in metrics
    assert "promptgen_data_free_bytes " in metrics
    assert app_call(client, db.fetchone, f"SELECT 1 FROM jobs WHERE job_id = '{job_id}'") is not None


def test_a_deferred_flush_failure_does_not_reach_the_loop_exception_handler(tmp_path: Path) -> None:
    seen: list[dict] = []

    async def scenario(db: Database) -> JobStore:
        jobs = JobStore(db)
        FullDisk(db)
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: seen.append(ctx))
        await jobs.save(jobs.new("generate-prompt", {}, status="success"), defer=True)
        await asyncio.sleep(0)
        await asyncio.sleep(0.2)
        return jobs

    jobs = with_database(tmp_path / "db.sqlite3", scenario)
    assert seen == [] and jobs.write_error and jobs.unwritten == 1


# ----------------------------------------------------------------------------- read-only


def test_a_read_only_data_directory_stops_serve_with_one_line(tmp_path: Path) -> None:
    with small_fs(tmp_path / "fs", "1m") as fs:
        data = fs / "data"
        with_database(data / "promptgen.sqlite3", lambda db: asyncio.sleep(0))  # an existing data directory
        remount = subprocess.run(["mount", "-o", "remount,ro", str(fs)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip("cannot remount the tmpfs read-only")
        env = {**os.environ, "PROMPTGEN_DATA_DIR": str(data), "PROMPTGEN_LM_BACKEND": "scripted"}
        done = subprocess.run(
            [sys.executable, "-m", "app", "serve", "--port", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith("promptgen: cannot start:") and "ead-only" in lines[0]
        assert str(data) in lines[0] and "PROMPTGEN_DATA_DIR" in lines[0]

        with pytest.raises(InsufficientStorage) as caught:  # the lifespan checks as well
            check_writable(data)
        assert caught.value.extensions["reason"] == "read-only"


def test_check_writable_without_a_mount(tmp_path: Path, monkeypatch) -> None:
    check_writable(tmp_path / "new")  # made when missing
    real_open = open

    def read_only(path, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" in mode and ".write-probe" in str(path):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    with pytest.raises(InsufficientStorage, match="cannot be written: Read-only file system"):
        check_writable(tmp_path / "new")
    monkeypatch.setattr(
        "builtins.open",
        lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")),
    )
    check_writable(tmp_path / "new")  # a full disk does not stop the start


# ----------------------------------------------------------------------------- through the chain


def test_images_a_job_generates_are_marked_swept_and_a_full_disk_fails_the_job_with_507(
    tmp_path: Path,
) -> None:
    from tests.chain_helpers import chain_settings, client_for
    from tests.fakes.image_providers import FakeOpenAI

    fake = FakeOpenAI()
    with fake:
        settings = chain_settings(tmp_path / "data", fake.base_url, job_asset_retention_max=1)
        with client_for(settings) as client:
            uploaded = upload(client, samples.photo("rocket.jpg"), "image/jpeg").json()["asset"]
            result = client.post("/v1/generate/image", json={"prompt": "a cat", "n": 2})
            assert result.status_code == 200, result.text
            job_id = result.json()["job"]["jobId"]
            images = [image["assetId"] for image in result.json()["images"]]
            db = client.app.state.db
            found = app_call(client, db.fetchall, "SELECT asset_id, job_id FROM assets")
            owners = {r["asset_id"]: r["job_id"] for r in found}
            assert owners == {uploaded["assetId"]: None, **dict.fromkeys(images, job_id)}

            assert app_call(client, client.app.state.retention.sweep)["job_assets"] == len(images) - 1
            left = {r["asset_id"] for r in app_call(client, db.fetchall, "SELECT asset_id FROM assets")}
            assert uploaded["assetId"] in left and len(left) == 2

            client.app.state.images.assets.min_free_bytes = 2**62  # no disk has this much free
            body = assert_problem(client.post("/v1/generate/image", json={"prompt": "a dog"}), 507)
            failed = client.get(f"/v1/jobs/{body['jobId']}").json()
            assert failed["status"] == "failure"
            assert failed["metadata"]["error"]["type"].endswith("/insufficient-storage")


def test_the_asset_sweep_goes_in_batches(tmp_path: Path) -> None:
    async def scenario(db: Database) -> None:
        assets = AssetStore(db, tmp_path / "blobs")
        made = [await assets.create(image(b"%d" % i), job_id=f"job_{i:024x}") for i in range(1203)]
        assert await assets.sweep_job_assets(0, 100, keep={made[0].asset_id}) == 1102
        assert len(await db.fetchall("SELECT asset_id FROM assets")) == 101

    with_database(tmp_path / "db.sqlite3", scenario)
    assert len(list((tmp_path / "blobs").iterdir())) == 101


def test_a_refused_write_whose_caller_was_told_does_not_hold_readiness(tmp_path: Path) -> None:
    from app.retention import storage_problem

    settings = storage_settings(tmp_path, data_min_free_mb=0)

    async def scenario(db: Database) -> None:
        jobs = JobStore(db)
        full = FullDisk(db)
        with pytest.raises(InsufficientStorage):
            await jobs.save(jobs.new("generate-image", {}))
        assert jobs.write_error and jobs.unwritten == 0
        assert await storage_problem(settings, jobs) is None  # nothing waits: the caller got its 507

        await jobs.save(
            jobs.new("generate-prompt", {}, status="success"), defer=True
        )  # answered, then refused
        await asyncio.sleep(0.2)
        assert "job records cannot be written (1 waiting" in (await storage_problem(settings, jobs) or "")
        full.off()
        assert await storage_problem(settings, jobs) is None and jobs.unwritten == 0  # the probe wrote it

    with_database(tmp_path / "db.sqlite3", scenario)


def test_a_stop_waits_for_a_sweep_in_progress(tmp_path: Path) -> None:
    """Cancelling the sweeper (the lifespan's stop) returns only when the sweep in progress has
    ended (its statements run in the database driver's thread, which a cancel does not stop),
    so the database is never closed under it."""
    import threading
    import time as _time

    from app.retention import Retention

    finished = threading.Event()

    class SlowRetention(Retention):
        def __init__(self) -> None:
            self.settings = storage_settings(tmp_path / "data", retention_interval_s=3600)

        async def sweep(self, now: float | None = None) -> dict[str, int]:
            await asyncio.to_thread(_time.sleep, 0.3)  # like a statement in the driver's thread
            finished.set()
            return {}

    async def stop_during_the_sweep() -> None:
        task = asyncio.create_task(SlowRetention().run())
        await asyncio.sleep(0.05)  # the sweep is running
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert finished.is_set()

    asyncio.run(stop_during_the_sweep())
