"""Blobs in object storage (`PROMPTGEN_BLOB_URL=s3://bucket/prefix`): two service instances with
their own data directories share one bucket; writes are create-only; delete and retention
remove the objects; an unreachable store is a 503 naming it; the credentials stay out of the
configuration printout and the logs.

Runs against a real S3-compatible server on loopback (`moto[server]` in `.venv-moto`, made
when missing: see tests/engines.py)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.assets import AssetStore
from app.blobs import BlobExists, LocalBlobStore, ObjectBlobStore, create_blob_store
from app.chain.store import remove_left_by
from app.db import Database
from app.images import ValidatedImage
from app.jobs import JobStore
from app.settings import Settings, load_settings
from tests import image_samples as samples
from tests.chain_helpers import chain_settings, client_for
from tests.conftest import make_client
from tests.db_helpers import with_database
from tests.engines import S3_KEY, S3_SECRET, bucket_keys, free_port, new_bucket, s3_server
from tests.fakes.image_providers import FakeOpenAI, png_bytes

PREFIX = "tenant/assets"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint: str) -> str:
    return new_bucket(endpoint)


def s3(endpoint: str, bucket: str) -> dict[str, Any]:
    return {
        "blob_url": f"s3://{bucket}/{PREFIX}",
        "blob_endpoint": endpoint,
        "blob_access_key_id": S3_KEY,
        "blob_secret_access_key": S3_SECRET,
    }


def replica(tmp_path: Path, name: str, endpoint: str, bucket: str, **extra: Any) -> Settings:
    return load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / name),
        lm_backend="scripted",
        **s3(endpoint, bucket),
        **extra,
    )


def store(endpoint: str, bucket: str) -> ObjectBlobStore:
    return ObjectBlobStore(
        f"s3://{bucket}/{PREFIX}", endpoint=endpoint, access_key_id=S3_KEY, secret_access_key=S3_SECRET
    )


def image(data: bytes) -> ValidatedImage:
    return ValidatedImage(data=data, media_type="image/png", width=4, height=4, sha256=uuid.uuid4().hex)


def upload(client: Any, data: bytes) -> dict[str, Any]:
    response = client.post("/v1/assets", json={"image": samples.data_url(data), "name": "lighthouse"})
    assert response.status_code == 201, response.text
    return response.json()["asset"]  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- the store


def test_object_store_writes_are_create_only_reads_and_deletes(endpoint: str, bucket: str) -> None:
    blobs = store(endpoint, bucket)

    async def scenario() -> None:
        await blobs.put("asset_a.png", b"first", "image/png")
        with pytest.raises(BlobExists):
            await blobs.put("asset_a.png", b"second", "image/png")
        assert await blobs.get("asset_a.png") == b"first"  # never overwritten
        await blobs.put("asset_b.png", b"b", "image/png")
        assert await blobs.get("asset_missing.png") is None
        await blobs.delete(["asset_b.png", "asset_missing.png"])  # a missing key is no error
        assert await blobs.get("asset_b.png") is None

    asyncio.run(scenario())
    assert bucket_keys(endpoint, bucket) == [f"{PREFIX}/asset_a.png"]  # under the prefix
    asyncio.run(blobs.delete(["asset_a.png"]))
    assert bucket_keys(endpoint, bucket) == []


def test_the_local_folder_is_create_only_too(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")

    async def scenario() -> None:
        await blobs.put("asset_a.png", b"first", "image/png")
        with pytest.raises(BlobExists):
            await blobs.put("asset_a.png", b"second", "image/png")
        assert await blobs.get("asset_a.png") == b"first"

    asyncio.run(scenario())
    assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == ["asset_a.png"]  # no .tmp left


@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_an_asset_id_taken_is_never_overwritten_nor_removed(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    blobs: Any = LocalBlobStore(tmp_path / "blobs")
    if where == "bucket":
        endpoint = request.getfixturevalue("endpoint")
        blobs = store(endpoint, new_bucket(endpoint))
    monkeypatch.setattr("app.assets.new_asset_id", lambda: "asset_" + "a" * 24)  # a collision, forced

    async def scenario(db: Database) -> None:
        assets = AssetStore(db, tmp_path / "blobs", blobs=blobs)
        first = await assets.create(image(b"first"))
        with pytest.raises(BlobExists) as refused:
            await assets.create(image(b"second"))
        assert refused.value.extensions == {} and "never overwrite" in refused.value.detail  # a 409
        assert await assets.content(first.asset_id) == (first, b"first")  # the first one whole

    with_database(tmp_path / "db.sqlite3", scenario)


def test_the_configuration_chooses_the_store(tmp_path: Path, endpoint: str, bucket: str) -> None:
    default = tmp_path / "data" / "blobs" / "assets"
    assert isinstance(create_blob_store(load_settings(env={}, dotenv=None), default), LocalBlobStore)
    folder = create_blob_store(
        load_settings(env={}, dotenv=None, blob_url=f"file://{tmp_path}/elsewhere"), default
    )
    assert isinstance(folder, LocalBlobStore) and folder.folder == tmp_path / "elsewhere"
    remote = create_blob_store(replica(tmp_path, "a", endpoint, bucket), default)
    assert isinstance(remote, ObjectBlobStore) and remote.shared and remote.prefix == PREFIX
    for wrong in ("ftp://host/x", "s3:///no-bucket"):
        with pytest.raises(SystemExit):
            load_settings(env={}, dotenv=None, blob_url=wrong)


# ----------------------------------------------------------------------------- two replicas


def test_an_asset_written_through_one_replica_is_served_and_deleted_by_another(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    photo = samples.photo("rocket.jpg")
    png = samples.encode(samples.sunset(64, 40))
    with (
        make_client(replica(tmp_path, "a", endpoint, bucket)) as a,
        make_client(replica(tmp_path, "b", endpoint, bucket)) as b,
    ):
        first = upload(a, png)
        second = a.post("/v1/assets", json={"image": samples.data_url(photo, "image/jpeg")}).json()["asset"]
        assert not list((tmp_path / "a" / "blobs" / "assets").glob("*"))  # no bytes on A's disk
        for asset in (first, second):
            assert asset["url"] == f"/v1/assets/{asset['assetId']}/content"  # the same URL as ever
            assert b.get(f"/v1/assets/{asset['assetId']}").json()["asset"] == asset
        content = b.get(first["url"])
        assert content.status_code == 200 and content.content == png
        assert (
            content.headers["content-type"] == "image/png"
            and content.headers["etag"] == f'"{first["sha256"]}"'
        )
        assert b.get(second["url"]).content == photo
        # B conditions a generation on A's asset as well as A does
        body = {"mode": "contextual", "images": [first["assetId"]], "seed": 1}
        assert b.post("/v1/generate/prompt", json=body).status_code == 200
        keys = bucket_keys(endpoint, bucket)
        assert f"{PREFIX}/{first['assetId']}.png" in keys and f"{PREFIX}/{second['assetId']}.jpg" in keys

        assert a.delete(f"/v1/assets/{first['assetId']}").status_code == 204  # by its writer
        assert b.delete(f"/v1/assets/{second['assetId']}").status_code == 204  # by the other replica
        for client in (a, b):
            assert client.get(first["url"]).status_code == 404
            assert client.get(f"/v1/assets/{first['assetId']}").status_code == 404
            assert client.get(second["url"]).status_code == 404
        assert bucket_keys(endpoint, bucket) == []
        assert b.get("/v1/assets/asset_" + "0" * 24).status_code == 404  # unknown anywhere


def test_a_generated_image_stored_by_one_replica_is_served_by_the_other(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    with FakeOpenAI() as fake:
        settings_a = chain_settings(tmp_path / "a", fake.base_url, **s3(endpoint, bucket))
        settings_b = chain_settings(tmp_path / "b", fake.base_url, **s3(endpoint, bucket))
        with client_for(settings_a) as a, client_for(settings_b) as b:
            answer = a.post("/v1/generate/image", json={"prompt": "a red fox", "n": 2})
            assert answer.status_code == 200, answer.text
            images = answer.json()["images"]
            served = [b.get(i["url"]) for i in images]
            assert [r.status_code for r in served] == [200, 200]
            assert [r.content for r in served] == [a.get(i["url"]).content for i in images]
            assert all(r.content.startswith(b"\x89PNG") for r in served)


def test_retention_and_recovery_remove_the_objects(tmp_path: Path, endpoint: str, bucket: str) -> None:
    async def scenario(db: Database) -> None:
        assets = AssetStore(db, tmp_path / "unused", blobs=store(endpoint, bucket))
        upload_ = await assets.create(image(b"upload"))
        generated = [await assets.create(image(b"g%d" % i), job_id=f"job_{i:024x}") for i in range(5)]
        assert len(bucket_keys(endpoint, bucket)) == 2 * 6  # each asset: its bytes and its record
        removed = await assets.sweep_job_assets(0, 2, keep={generated[0].asset_id}, now=time.time())
        assert removed == 2  # beyond the two newest, the kept one spared
        left = {k.rsplit("/", 1)[1].split(".")[0] for k in bucket_keys(endpoint, bucket)}
        assert len(bucket_keys(endpoint, bucket)) == 2 * 4
        assert {upload_.asset_id, generated[0].asset_id} <= left
        assert left == {row["asset_id"] for row in await db.fetchall("SELECT asset_id FROM assets")}
        jobs = JobStore(db)
        killed = jobs.new("generate-image", {"prompt": "a fox"}, status="in-progress")
        orphan = await assets.create(image(b"orphan"), name=f"{killed.job_id}-0", job_id=killed.job_id)
        assert await remove_left_by(assets, [killed]) == 1
        assert not any(orphan.asset_id in k for k in bucket_keys(endpoint, bucket))
        assert assets.remove_stale_temporaries(0) == 0  # a PUT leaves nothing partial

    with_database(tmp_path / "db.sqlite3", scenario)
    assert not (tmp_path / "unused").exists()  # the folder is not even made


def test_a_row_that_cannot_be_written_leaves_no_object(tmp_path: Path, endpoint: str, bucket: str) -> None:
    async def scenario(db: Database) -> None:
        assets = AssetStore(db, tmp_path / "unused", blobs=store(endpoint, bucket))
        real = db.execute

        async def refuse(statement: Any, params: Any = None) -> int:
            if str(statement).startswith("INSERT INTO assets"):
                raise RuntimeError("the database refused the row")
            return await real(statement, params)

        db.execute = refuse  # type: ignore[method-assign]
        for data in (b"x", b"y"):
            with pytest.raises(RuntimeError):
                await assets.create(image(data))

    with_database(tmp_path / "db.sqlite3", scenario)
    assert bucket_keys(endpoint, bucket) == []


# ----------------------------------------------------------------------------- failures and secrets


def test_an_unreachable_object_store_is_a_503_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    settings = replica(tmp_path, "a", down, "nowhere")
    with make_client(settings) as client, caplog.at_level(logging.WARNING):
        started = time.monotonic()
        response = client.post("/v1/assets", json={"image": samples.data_url(png_bytes(1))})
        assert time.monotonic() - started < 20
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["type"].endswith("/upstream-unavailable") and body["backend"] == "blob-store"
        assert "127.0.0.1" not in body["detail"] and response.headers["retry-after"]
        assert client.get("/v1/assets/asset_" + "1" * 24).status_code == 503
    assert S3_SECRET not in caplog.text and S3_KEY not in caplog.text


def test_the_credentials_are_masked_in_the_configuration_and_the_logs(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    masked = replica(
        tmp_path, "a", endpoint, bucket, rate_limit_url="redis://:hunter2-secret@127.0.0.1:1/0"
    ).masked()
    assert (
        masked["blob_access_key_id"] == masked["blob_secret_access_key"] == masked["rate_limit_url"] == "***"
    )
    assert masked["blob_url"] == f"s3://{bucket}/{PREFIX}" and masked["blob_endpoint"] == endpoint
    env = {
        "PROMPTGEN_BLOB_URL": f"s3://{bucket}/{PREFIX}",
        "PROMPTGEN_BLOB_ACCESS_KEY_ID": S3_KEY,
        "PROMPTGEN_BLOB_SECRET_ACCESS_KEY": S3_SECRET,
        "PATH": "/usr/bin:/bin",
    }
    printed = subprocess.run(
        [sys.executable, "-m", "app", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    assert "PROMPTGEN_BLOB_SECRET_ACCESS_KEY=***" in printed.stdout
    assert "PROMPTGEN_BLOB_ACCESS_KEY_ID=***" in printed.stdout
    assert S3_SECRET not in printed.stdout + printed.stderr and S3_KEY not in printed.stdout
