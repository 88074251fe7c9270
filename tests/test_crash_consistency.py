"""Issue 19, item 5: what a process killed mid-job (`kill -9`) leaves is cleaned up at start.

The kill is simulated by writing what it leaves: a chained job still `in-progress` in the
database, and the images it had stored (`<job id>-<n>`, with their blobs). Starting the service
fails the job (`interrupted`) and removes those images; other assets stay.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from app.assets import AssetStore
from app.chain.store import remove_left_by
from app.db import Database
from app.images import ImageLimits, validate_image_bytes
from app.jobs import JobStore
from tests.chain_helpers import chain_settings, client_for
from tests.db_helpers import with_database


def image(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def _validated(data: bytes):  # type: ignore[no-untyped-def]
    return await validate_image_bytes(data, "image/png", "image", ImageLimits())


def stores(db: Database, data: Path) -> tuple[JobStore, AssetStore]:
    return JobStore(db), AssetStore(db, data / "blobs" / "assets")


def test_images_of_a_job_killed_mid_way_are_removed_at_start(tmp_path: Path) -> None:
    settings = chain_settings(tmp_path / "data")
    settings.data_path.mkdir(parents=True)

    async def left_by_a_killed_process(db: Database):  # type: ignore[no-untyped-def]
        jobs, assets = stores(db, settings.data_path)
        killed = jobs.new("generate-image", {"prompt": "a fox"}, status="in-progress")
        await jobs.save(killed)
        done = jobs.new("generate-image", {"prompt": "a cat"}, status="success")
        await jobs.save(done)
        left = [
            await assets.create(
                await _validated(image((i * 80, 20, 20))), name=f"{killed.job_id}-{i}", job_id=killed.job_id
            )
            for i in range(2)
        ]
        finished = await assets.create(
            await _validated(image((20, 200, 20))), name=f"{done.job_id}-0", job_id=done.job_id
        )
        upload = await assets.create(await _validated(image((20, 20, 200))), name="my upload")
        blobs = {a.asset_id: next(assets.blob_dir.glob(a.asset_id + ".*")) for a in [*left, finished, upload]}
        return killed, done, left, finished, upload, blobs

    killed, done, left, finished, upload, blobs = with_database(
        settings.data_path / "promptgen.sqlite3", left_by_a_killed_process
    )

    with client_for(settings) as client:
        job = client.get(f"/v1/jobs/{killed.job_id}").json()
        assert job["status"] == "failure" and job["metadata"]["error"]["type"].endswith("/interrupted")
        for asset in left:
            assert client.get(f"/v1/assets/{asset.asset_id}").status_code == 404
            assert not blobs[asset.asset_id].exists()
        for asset in (finished, upload):  # a finished job's images and uploads are not the crash's
            assert client.get(f"/v1/assets/{asset.asset_id}").status_code == 200
            assert blobs[asset.asset_id].exists()
        assert client.get(f"/v1/jobs/{done.job_id}").json()["status"] == "success"

    with client_for(settings) as client:  # a second start finds nothing more to do
        assert client.get(f"/v1/assets/{upload.asset_id}").status_code == 200


def test_remove_left_by_counts_what_it_removed_and_ignores_jobs_without_images(tmp_path: Path) -> None:
    async def scenario(db: Database) -> None:
        jobs, assets = stores(db, tmp_path / "data")
        killed = jobs.new("generate-image", {}, status="in-progress")
        prompt_job = jobs.new("generate-prompt", {}, status="in-progress")
        await assets.create(
            await _validated(image((1, 2, 3))), name=f"{killed.job_id}-0", job_id=killed.job_id
        )
        assert await remove_left_by(assets, [killed, prompt_job]) == 1
        assert await remove_left_by(assets, [killed]) == 0
        assert list(assets.blob_dir.glob("asset_*")) == []

    with_database(tmp_path / "data" / "promptgen.sqlite3", scenario)
