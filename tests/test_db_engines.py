"""Issue 20, item 1: storage behind one async layer, on both engines.

- migrations: `alembic upgrade head` on an empty SQLite file and an empty Postgres database,
  then `alembic check` finds no drift between the migrations and `app/schema.py`;
  `python -m app migrate` does the same;
- a data directory today's code (before migrations) built is adopted once, and every row of
  every table survives, byte for byte;
- the same store contract on SQLite and Postgres;
- job state changes are compare-and-set: a cancel through one replica's store and a success
  through another's, on one Postgres, cannot both win; the terminal update and its webhook
  outbox row are one transaction.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy.exc import IntegrityError

from app.assets import AssetStore
from app.db import Database, open_database
from app.image_protocol import CreateStyleModelRequest
from app.images import ValidatedImage
from app.jobs import JobStore
from app.settings import load_settings
from app.style_models import StyleModelStore
from app.webhooks import WebhookSender
from tests.conftest import ROOT, make_client
from tests.db_helpers import rows, with_database
from tests.pg import pg_url  # noqa: F401  (fixture; its server is the session's, tests/conftest.py)

ENGINES = ["sqlite", "postgres"]


@pytest.fixture(params=ENGINES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'promptgen.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def alembic(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "-x", f"url={url}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PROMPTGEN_LOG_LEVEL": "WARNING"},
    )


def test_alembic_upgrade_head_on_an_empty_database_then_check_finds_no_drift(url: str) -> None:
    done = alembic("upgrade", "head", url=url)
    assert done.returncode == 0, done.stderr
    check = alembic("check", url=url)
    assert check.returncode == 0, check.stderr + check.stdout
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_saq_tables_in_the_database_are_no_drift(pg_url: str) -> None:  # noqa: F811
    """`PROMPTGEN_QUEUE_URL=database`: SAQ makes its tables beside the service's; they are SAQ's
    to migrate, and `alembic check` leaves them out."""
    from app.saq_postgres import SweptPostgresQueue
    from app.settings import plain_postgres_url

    async def make_saq_tables() -> None:
        queue = SweptPostgresQueue(url=plain_postgres_url(pg_url), name="t", min_size=1, max_size=2)
        await queue.connect()
        await queue.disconnect()

    assert alembic("upgrade", "head", url=pg_url).returncode == 0
    asyncio.run(make_saq_tables())
    assert {r["tablename"] for r in pg_rows(pg_url, "SELECT tablename FROM pg_tables")} >= {
        "saq_jobs",
        "queue_marks",
    }
    check = alembic("check", url=pg_url)
    assert check.returncode == 0, check.stderr + check.stdout


def test_the_queue_marks_lapse_renew_and_go_on_both_engines(url: str) -> None:
    """The leases and cancel marks of SAQ's Postgres queue (`app/queue_marks.py`), kept in the
    service's database: set for a while, renewed, dropped, lapsed ones unseen and pruned."""
    from app.queue_marks import DatabaseMarks

    async def scenario(db: Database) -> None:
        marks = DatabaseMarks(db)
        await marks.put(["lease:job_a", "lease:job_b"], 60)
        await marks.put(["canceled:job_a"], -1)  # already lapsed
        assert await marks.has("lease:job_a") and await marks.has("lease:job_b")
        assert not await marks.has("canceled:job_a") and not await marks.has("lease:job_c")
        await marks.put(["lease:job_b"], -1)  # a renewal moves its end, here into the past
        assert not await marks.has("lease:job_b")
        await marks.drop("lease:job_a")
        assert not await marks.has("lease:job_a")
        await marks.prune()
        assert await db.fetchall("SELECT key FROM queue_marks") == []

    with_database(url, scenario)


def pg_rows(url: str, query: str) -> list[Any]:
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(query))
        finally:
            await conn.close()

    return asyncio.run(run())


def test_python_m_app_migrate(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": url, "PROMPTGEN_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "schema revision 0003" in done.stdout
    assert alembic("check", url=url).returncode == 0


# ----------------------------------------------------------------------------- an existing data directory

# The DDL of the code before migrations (app/db.py's stores, each `ensure_schema`), as it ran; the
# assets table as it was before its `job_id` column (added in place by that code's asset store).
OLD_DDL = (
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
    """CREATE TABLE IF NOT EXISTS assets (
        asset_id TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS asset_descriptions (
        asset_id TEXT NOT NULL,
        describer TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (asset_id, describer)
    )""",
    """CREATE TABLE IF NOT EXISTS style_models (
        model_id TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        delivery_id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        url TEXT NOT NULL,
        event TEXT NOT NULL,
        body BLOB NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_status ON webhook_deliveries(status)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries(created_at)",
)
JOB_COLUMN = (
    "ALTER TABLE assets ADD COLUMN job_id TEXT",
    "CREATE INDEX IF NOT EXISTS assets_job_created ON assets(job_id, created_at) WHERE job_id IS NOT NULL",
)
TABLES = ("jobs", "assets", "asset_descriptions", "style_models", "webhook_deliveries")


def old_data_directory(data: Path, with_job_column: bool) -> dict[str, list[tuple[Any, ...]]]:
    """A data directory as the code before migrations left it, with rows in every table
    (a finished job and its generated image, an upload, a description, a style model, a
    delivered and a pending webhook); returns every row of every table."""
    data.mkdir(parents=True)
    encode = msgspec.msgpack.encode
    conn = sqlite3.connect(data / "promptgen.sqlite3")
    for statement in OLD_DDL + (JOB_COLUMN if with_job_column else ()):
        conn.execute(statement)
    job_id = "job_" + "1" * 24
    job = {
        "jobId": job_id, "jobType": "generate-image", "status": "success", "progress": 1.0,
        "statusHistory": [{"status": "success", "date": "2026-11-01T00:00:00.000Z"}],
        "metadata": {"input": {"prompt": "a fox"}, "output": {"images": []}},
        "createdAt": "2026-11-01T00:00:00.000Z", "updatedAt": "2026-11-01T00:00:01.000Z",
    }  # fmt: skip
    conn.execute(
        "INSERT INTO jobs VALUES (?, 'generate-image', 'success', ?, ?, ?)",
        (job_id, encode(job), job["createdAt"], job["updatedAt"]),
    )
    for asset_id, name in (("asset_" + "a" * 24, f"{job_id}-0"), ("asset_" + "b" * 24, "my upload")):
        body = {
            "assetId": asset_id, "name": name, "description": "", "mediaType": "image/png", "width": 1,
            "height": 1, "size": 1, "sha256": "0" * 64, "createdAt": "2026-11-01T00:00:00.000Z",
            "url": f"/v1/assets/{asset_id}/content",
        }  # fmt: skip
        if with_job_column:
            owner = job_id if name.startswith("job_") else None
            conn.execute(
                "INSERT INTO assets VALUES (?,?,?,?)", (asset_id, encode(body), body["createdAt"], owner)
            )
        else:
            conn.execute("INSERT INTO assets VALUES (?,?,?)", (asset_id, encode(body), body["createdAt"]))
    conn.execute(
        "INSERT INTO asset_descriptions VALUES (?, 'builtin', ?)",
        ("asset_" + "b" * 24, encode({"subject": "a fox"})),
    )
    model = {
        "modelId": "model_" + "c" * 24, "name": "foxes", "trainingImages": ["asset_" + "b" * 24],
        "examplePrompts": ["a fox in snow"], "capabilities": "", "status": "ready",
        "createdAt": "2026-11-01T00:00:00.000Z",
    }  # fmt: skip
    conn.execute(
        "INSERT INTO style_models VALUES (?,?,?)", (model["modelId"], encode(model), model["createdAt"])
    )
    for delivery_id, status in (("whd_done", "delivered"), ("whd_left", "pending")):
        conn.execute(
            "INSERT INTO webhook_deliveries VALUES (?, ?, 'http://127.0.0.1:9/hook', 'job.succeeded', ?, ?, 1, "
            "'', '2026-11-01T00:00:01.000Z', '2026-11-01T00:00:01.000Z')",
            (delivery_id, job_id, b'{"event":"job.succeeded"}', status),
        )
    conn.commit()
    conn.close()
    return {table: all_rows(data / "promptgen.sqlite3", table) for table in TABLES}


def all_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    key = {"asset_descriptions": "asset_id, describer"}.get(table, "1")
    return [tuple(r) for r in rows(path, f"SELECT * FROM {table} ORDER BY {key}")]


@pytest.mark.parametrize("with_job_column", [True, False], ids=["today", "before-the-job-column"])
def test_an_existing_data_directory_is_stamped_once_and_loses_nothing(
    tmp_path: Path, with_job_column: bool
) -> None:
    data = tmp_path / "data"
    before = old_data_directory(data, with_job_column)
    path = data / "promptgen.sqlite3"

    with_database(path, lambda db: asyncio.sleep(0))  # what the service does at start
    after = {table: all_rows(path, table) for table in TABLES}
    if not with_job_column:  # the column the old code added in place, filled the way it filled it
        owners = {r[0]: r[3] for r in after["assets"]}
        assert owners == {"asset_" + "a" * 24: "job_" + "1" * 24, "asset_" + "b" * 24: None}
        after["assets"] = [r[:3] for r in after["assets"]]
    claims = [r[10:] for r in after["webhook_deliveries"]]  # the columns a later revision added
    assert claims == [(None, None)] * 2
    after["webhook_deliveries"] = [r[:10] for r in after["webhook_deliveries"]]
    assert after == before  # every row of every table, byte for byte
    assert [tuple(r) for r in rows(path, "SELECT version_num FROM alembic_version")] == [("0003",)]
    check = alembic("check", url=f"sqlite:///{path}")
    assert check.returncode == 0, check.stderr + check.stdout

    with_database(path, lambda db: asyncio.sleep(0))  # a second start: nothing more to do
    assert {table: all_rows(path, table) for table in TABLES}["jobs"] == before["jobs"]

    settings = load_settings(env={}, dotenv=None, data_dir=str(data), lm_backend="scripted")
    with make_client(settings) as client:  # and the service reads it all
        assert client.get("/v1/jobs/job_" + "1" * 24).json()["status"] == "success"
        assert client.get("/v1/assets/asset_" + "b" * 24).json()["asset"]["name"] == "my upload"
        assert client.get("/v1/models/model_" + "c" * 24).json()["model"]["name"] == "foxes"


FIXTURE = ROOT / "tests" / "fixtures" / "data-dir-before-migrations"


def test_a_data_directory_the_code_before_migrations_made_is_adopted_losing_nothing(tmp_path: Path) -> None:
    """A data directory the service before migrations wrote (main at 1a5fdf1, committed as made:
    tests/fixtures/data-dir-before-migrations) is stamped at start, every row kept byte for
    byte, and served: jobs, assets and their bytes, the style model."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    path = data / "promptgen.sqlite3"
    before = {table: all_rows(path, table) for table in TABLES}
    assert all(before.values()) and not rows(
        path, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'"
    )
    blobs = {p.name: p.read_bytes() for p in (data / "blobs" / "assets").iterdir()}

    # no retention sweep: the fixture's rows age, and what is kept is the point
    settings = load_settings(
        env={}, dotenv=None, data_dir=str(data), lm_backend="scripted", retention_interval_s=0
    )
    for _ in range(2):  # the first start adopts it, the second finds nothing to do
        with make_client(settings) as client:
            for job_id, status in ((r[0], r[2]) for r in before["jobs"]):
                assert client.get(f"/v1/jobs/{job_id}").json()["status"] == status
            for asset_id in (r[0] for r in before["assets"]):
                asset = client.get(f"/v1/assets/{asset_id}").json()["asset"]
                content = client.get(asset["url"])
                assert content.status_code == 200 and content.content == blobs[asset_id + ".png"]
            for model_id in (r[0] for r in before["style_models"]):
                assert client.get(f"/v1/models/{model_id}").status_code == 200
        after = {table: all_rows(path, table) for table in TABLES}
        after["webhook_deliveries"] = [r[:10] for r in after["webhook_deliveries"]]  # + the claim columns
        assert after == before
        assert [tuple(r) for r in rows(path, "SELECT version_num FROM alembic_version")] == [("0003",)]
    assert {p.name: p.read_bytes() for p in (data / "blobs" / "assets").iterdir()} == blobs
    check = alembic("check", url=f"sqlite:///{path}")
    assert check.returncode == 0, check.stderr + check.stdout


# ----------------------------------------------------------------------------- one contract, two engines


def image(data: bytes) -> ValidatedImage:
    return ValidatedImage(data=data, media_type="image/png", width=1, height=1, sha256=uuid.uuid4().hex)


def test_the_stores_behave_the_same_on_both_engines(url: str, tmp_path: Path) -> None:
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")

    async def scenario(db: Database) -> None:
        jobs = JobStore(db)
        job = jobs.new("generate-prompt", {"prompt": "a fox"}, status="in-progress")
        await jobs.save(job, defer=True)
        others = [jobs.new("generate-prompt", {"n": i}, status="success") for i in range(3)]
        for other in others:
            await jobs.save(other, defer=True)
        await jobs.flush()
        assert [j.job_id for j in await jobs.unfinished()] == [job.job_id]
        await jobs.progress(job, 0.5)
        assert (await jobs.get(job.job_id)).progress == 0.5
        jobs.transition(job, "success", progress=1.0)
        assert await jobs.finish(job) is None
        assert await jobs.unfinished() == []
        assert await jobs.sweep(max_age_s=0, max_count=2) == 2

        assets = AssetStore(db, tmp_path / "blobs")
        upload = await assets.create(image(b"one"), name="upload")
        made = await assets.create(image(b"two"), job_id=job.job_id)
        assert (await assets.content(upload.asset_id)) == (upload, b"one")
        assert await assets.generated_by(job.job_id) == [made.asset_id]
        from models.describers.base import ImageDescription

        description = ImageDescription(subject="a fox")
        await assets.cache_description(upload.asset_id, "builtin", description)
        await assets.cache_description(upload.asset_id, "builtin", description)  # replaced, not doubled
        assert await assets.cached_description(upload.asset_id, "builtin") == description
        models = StyleModelStore(db, assets)
        model = await models.create(
            CreateStyleModelRequest(name="foxes", training_images=[made.asset_id], example_prompts=["a fox"])
        )
        assert await models.all() == [model] and await models.get(model.model_id) == model
        assert await assets.sweep_job_assets(0, 0) == 0
        assert await assets.sweep_job_assets(1, 0, keep={made.asset_id}, now=2e9) == 0  # a model trains on it
        await assets.delete(upload.asset_id)
        assert await assets.cached_description(upload.asset_id, "builtin") is None

        sender = WebhookSender(db, settings)
        delivery = sender.prepare(job, "http://127.0.0.1:9/hook")
        await db.execute_many(
            "INSERT INTO webhook_deliveries(delivery_id, job_id, url, event, body, status, attempts, last_error, "
            "created_at, updated_at) VALUES (:delivery_id, :job_id, :url, :event, :body, :status, :attempts, "
            ":last_error, :created_at, :updated_at)",
            [sender.row(delivery)],
        )
        assert (await sender.status(delivery.delivery_id)) == {
            "status": "pending",
            "attempts": 0,
            "last_error": "",
        }
        await sender._record(delivery.delivery_id, "delivered", 1, "")
        assert await sender.sweep(max_age_s=1, max_count=0, now=2e9) == 1

    with_database(url, scenario)


# ----------------------------------------------------------------------------- compare-and-set


def test_a_cancel_on_one_replica_and_a_success_on_another_cannot_both_win(pg_url: str) -> None:  # noqa: F811
    settings = load_settings(env={}, dotenv=None, lm_backend="scripted", webhook_secret="s")

    async def scenario() -> None:
        first, second = await open_database(pg_url), await open_database(pg_url)  # two replicas
        try:
            a, b = JobStore(first), JobStore(second)
            hooks_a, hooks_b = WebhookSender(first, settings), WebhookSender(second, settings)
            for _ in range(10):
                job = a.new("generate-image", {"prompt": "a fox"}, status="in-progress")
                await a.save(job)
                on_a = msgspec.msgpack.decode(msgspec.msgpack.encode(job), type=type(job))
                on_b = await b.get(job.job_id)
                a.transition(on_a, "success", progress=1.0)
                b.transition(on_b, "canceled")
                row_a = hooks_a.row(hooks_a.prepare(on_a, "http://127.0.0.1:9/a"))
                row_b = hooks_b.row(hooks_b.prepare(on_b, "http://127.0.0.1:9/b"))
                results = await asyncio.gather(a.finish(on_a, [row_a]), b.finish(on_b, [row_b]))
                winners = [r for r in results if r is None]
                assert len(winners) == 1, results
                stored = (await a.get(job.job_id)).status
                loser = next(r for r in results if r is not None)
                assert loser.status == stored  # the loser is told what won
                outbox = await first.fetchall(
                    "SELECT event FROM webhook_deliveries WHERE job_id = :job", {"job": job.job_id}
                )
                assert [r["event"] for r in outbox] == [
                    {"success": "job.succeeded", "canceled": "job.canceled"}[stored]
                ]
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


def test_the_terminal_update_and_its_outbox_row_are_one_transaction(url: str) -> None:
    settings = load_settings(env={}, dotenv=None, lm_backend="scripted", webhook_secret="s")

    async def scenario(db: Database) -> None:
        jobs, hooks = JobStore(db), WebhookSender(db, settings)
        job = jobs.new("generate-image", {}, status="in-progress")
        await jobs.save(job)
        jobs.transition(job, "success", progress=1.0)
        row = hooks.row(hooks.prepare(job, "http://127.0.0.1:9/hook"))
        with pytest.raises(IntegrityError):  # the outbox row cannot be written
            await jobs.finish(job, [{**row, "body": None}])
        assert (await jobs.get(job.job_id)).status == "in-progress"  # rolled back with it
        assert await db.fetchall("SELECT * FROM webhook_deliveries") == []
        assert await jobs.finish(job, [row]) is None
        assert (await jobs.get(job.job_id)).status == "success"
        assert [r["delivery_id"] for r in await db.fetchall("SELECT * FROM webhook_deliveries")] == [
            row["delivery_id"]
        ]
        jobs.transition(job, "failure")
        assert (await jobs.finish(job)).status == "success"  # terminal stays terminal
        await jobs.save(job)  # a plain save cannot overwrite it either
        assert (await jobs.get(job.job_id)).status == "success"

    with_database(url, scenario)


# ----------------------------------------------------------------------------- the service on Postgres


def test_the_service_on_postgres(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    from tests import image_samples as samples

    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted", database_url=pg_url
    )
    with make_client(settings) as client:
        answer = client.post("/v1/generate/prompt", json={"prompt": "a fox", "numResults": 2, "seed": 1})
        assert answer.status_code == 200, answer.text
        job = answer.json()["job"]
        assert client.get(f"/v1/jobs/{job['jobId']}").json() == job
        asset = client.post(
            "/v1/assets", json={"image": samples.data_url(samples.photo("rocket.jpg"), "image/jpeg")}
        )
        assert asset.status_code == 201, asset.text
        asset_id = asset.json()["asset"]["assetId"]
        assert client.get(f"/v1/assets/{asset_id}/content").status_code == 200
        assert client.post("/v1/models", json={"name": "m", "trainingImages": [asset_id]}).status_code == 201
        assert client.delete(f"/v1/assets/{asset_id}").status_code == 204
    assert not (tmp_path / "data" / "promptgen.sqlite3").exists()  # the data directory holds blobs only


# ----------------------------------------------------------------------------- webhooks exactly once (item 3)


def test_two_senders_on_one_postgres_send_each_event_once(pg_url: str) -> None:  # noqa: F811
    from tests.chain_helpers import Receiver
    from tests.fakes.image_providers import Reply

    settings = load_settings(
        env={},
        dotenv=None,
        lm_backend="scripted",
        webhook_secret="s",
        fetch_allow_hosts="127.0.0.1",
        webhook_timeout_s=5.0,
        webhook_backoff_base_s=0.3,
        webhook_backoff_max_s=0.3,
    )
    with Receiver() as receiver:
        receiver.script("POST", Receiver.HOOK, Reply(500))  # the first attempt of one row fails: a retry

        async def scenario() -> None:
            first, second = await open_database(pg_url), await open_database(pg_url)  # two replicas
            a, b = WebhookSender(first, settings), WebhookSender(second, settings)
            try:
                jobs = JobStore(first)
                left = []  # rows a replica that died wrote and never sent: pending, their claims lapsed
                for _ in range(20):
                    job = jobs.new("generate-image", {}, status="success")
                    left.append(
                        {
                            **a.row(a.prepare(job, receiver.hook_url)),
                            "claimed_by": "dead",
                            "claimed_until": "2000",
                        }
                    )
                await first.execute_many(
                    "INSERT INTO webhook_deliveries(delivery_id, job_id, url, event, body, status, attempts, "
                    "last_error, created_at, updated_at, claimed_by, claimed_until) VALUES (:delivery_id, :job_id, "
                    ":url, :event, :body, :status, :attempts, :last_error, :created_at, :updated_at, :claimed_by, "
                    ":claimed_until)",
                    left,
                )
                # a job finishing on replica A meanwhile: its row is A's from the insert on
                done = jobs.new("generate-image", {"webhook_url": receiver.hook_url}, status="in-progress")
                await jobs.save(done)
                jobs.transition(done, "success", progress=1.0)
                delivery = a.prepare(done, receiver.hook_url)
                assert await jobs.finish(done, [a.row(delivery)]) is None
                # both replicas start at once, and poll again while the retry waits out its backoff
                counts = await asyncio.gather(a.resume_pending(), b.resume_pending())
                a.dispatch(delivery)
                assert sum(counts) == 20
                await asyncio.sleep(0.1)
                assert await a.claim_lapsed() + await b.claim_lapsed() == 0  # every pending row is held
                await a.drain(10)
                await b.drain(10)
                statuses = await first.fetchall("SELECT status FROM webhook_deliveries")
                assert [r["status"] for r in statuses] == ["delivered"] * 21
            finally:
                await a.aclose()
                await b.aclose()
                await first.close()
                await second.close()

        asyncio.run(scenario())
        attempts: dict[str, list[str]] = {}
        for call in receiver.deliveries():
            attempts.setdefault(call.headers["x-promptgen-delivery"], []).append(
                call.headers["x-promptgen-attempt"]
            )
    assert len(attempts) == 21  # one delivery id per event
    assert sorted(attempts.values()) == [["1"]] * 20 + [["1", "2"]]  # each attempt sent once, the retry too


def test_the_delivery_id_is_derived_from_the_job_and_the_event() -> None:
    from app.webhooks import delivery_id_for

    settings = load_settings(env={}, dotenv=None, lm_backend="scripted", webhook_secret="s")
    sender = WebhookSender(Database("sqlite://"), settings)
    job = JobStore(Database("sqlite://")).new("generate-image", {}, status="success")
    first, again = sender.prepare(job, "https://a.example/"), sender.prepare(job, "https://a.example/")
    assert first.delivery_id == again.delivery_id == delivery_id_for(job.job_id, "job.succeeded")
    job.status = "failure"
    assert sender.prepare(job, "https://a.example/").delivery_id != first.delivery_id


# ----------------------------------------------------------------------------- without Postgres


def test_without_postgres_its_tests_skip_saying_why_except_under_make_test(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import pg

    monkeypatch.setattr(pg, "_binary", lambda name: None)  # the Debian package is not installed
    monkeypatch.delenv(pg.REQUIRED, raising=False)
    with pytest.raises(
        pytest.skip.Exception, match=r"postgresql package \(make system-deps\): initdb and pg_ctl"
    ):
        pg.require_postgres()
    monkeypatch.setenv(pg.REQUIRED, "required")  # make test, after system-deps
    with pytest.raises(pytest.fail.Exception, match="initdb and pg_ctl not found"):
        pg.require_postgres()
