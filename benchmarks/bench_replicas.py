"""Chained-job throughput with two replicas, as a ratio of one (issue 20): the distributed
profile on real engines started here (Postgres, redis-server, moto S3; `tests/engines.py`,
`tests/pg.py`), `python -m app serve` replicas each pinned to a core of its own, a fake image
provider that answers after a fixed delay, the scripted language model.

One run: replica A alone takes `jobs` asynchronous chained generations (prompt generation, one
image, stored as an asset in the bucket, the job record in Postgres), submitted at once and
waited for; then replica B starts beside it and the same number is submitted, half through
each. Throughput is jobs finished per second from the first submission to the last job's end;
the ratio is two replicas' over one's. Target 1.6: the second replica's worker runs as many
jobs at once as the first (`PROMPTGEN_WORKER_CONCURRENCY`), so a provider-bound load should
nearly double.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import ROOT, cores, free_port, result
from tests.engines import S3_KEY, S3_SECRET, new_bucket, redis_server, s3_server
from tests.fakes.image_providers import FakeOpenAI, Recorded, Reply
from tests.pg import running_postgres

DELAY_S = 1.0  # each image call (a real one takes seconds)
TARGET = 1.6
CONCURRENCY = 4  # jobs one replica's worker runs at once


class DelayedOpenAI(FakeOpenAI):
    def _generate(self, request: Recorded, match: Any) -> Reply:
        reply = super()._generate(request, match)
        reply.delay = DELAY_S
        return reply


@contextlib.contextmanager
def replica(env: dict[str, str], folder: Path, core: int | None) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if core is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(core), *command]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTGEN_")}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**clean, **env, "PROMPTGEN_DATA_DIR": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"a replica exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("a replica did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def throughput(urls: list[str], jobs: int, database: str) -> float:
    """Submit `jobs` async chained generations round-robin over `urls`; jobs per second until
    the last ends (read from the database, so that polling costs the replicas nothing)."""
    import asyncpg

    body = {"prompt": "a lighthouse keeper's cat", "promptGeneration": {"numResults": 1}, "async": True}
    conn = await asyncpg.connect(database)
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            started = time.perf_counter()
            answers = await asyncio.gather(
                *(http.post(urls[i % len(urls)] + "/v1/generate/image", json=body) for i in range(jobs))
            )
            ids = []
            for answer in answers:
                if answer.status_code != 202:
                    raise RuntimeError(f"unexpected status {answer.status_code}: {answer.text}")
                ids.append(answer.json()["job"]["jobId"])
            while True:
                rows = await conn.fetch("SELECT status FROM jobs WHERE job_id = ANY($1::text[])", ids)
                statuses = [r["status"] for r in rows]
                if any(s in ("failure", "canceled") for s in statuses):
                    raise RuntimeError(f"a job did not succeed: {statuses}")
                if statuses.count("success") == jobs:
                    return jobs / (time.perf_counter() - started)
                await asyncio.sleep(0.05)
    finally:
        await conn.close()


def run(jobs: int = 48) -> dict:
    import asyncpg

    with (
        tempfile.TemporaryDirectory() as tmp,
        DelayedOpenAI() as provider,
        running_postgres() as postgres,
        redis_server(Path(tmp)) as redis_url,
        s3_server() as endpoint,
    ):

        async def create() -> None:
            conn = await asyncpg.connect(postgres)
            try:
                await conn.execute('CREATE DATABASE "bench"')
            finally:
                await conn.close()

        asyncio.run(create())
        database = postgres.rsplit("/", 1)[0] + "/bench"
        env = {
            "PROMPTGEN_DATABASE_URL": database,
            "PROMPTGEN_QUEUE_URL": redis_url,
            "PROMPTGEN_BLOB_URL": f"s3://{new_bucket(endpoint)}/assets",
            "PROMPTGEN_BLOB_ENDPOINT": endpoint,
            "PROMPTGEN_BLOB_ACCESS_KEY_ID": S3_KEY,
            "PROMPTGEN_BLOB_SECRET_ACCESS_KEY": S3_SECRET,
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_IMAGE_BACKEND": "openai:gpt-image-1",
            "PROMPTGEN_IMAGE_OPENAI_BASE_URL": provider.base_url,
            "PROMPTGEN_WORKER_CONCURRENCY": str(CONCURRENCY),
            "PROMPTGEN_IMAGE_QUEUE": str(jobs),
            "PROMPTGEN_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "PROMPTGEN_LOG_LEVEL": "WARNING",
        }
        pinned = cores()
        first, second = pinned[0], pinned[1 % len(pinned)]
        with replica(env, Path(tmp) / "a", first) as a:
            asyncio.run(throughput([a], 4, database))  # warm-up: connections, the first asset and plan
            one = asyncio.run(throughput([a], jobs, database))
            with replica(env, Path(tmp) / "b", second) as b:
                asyncio.run(throughput([b], 4, database))
                two = asyncio.run(throughput([a, b], jobs, database))
    ratio = two / one
    return result(
        "chain throughput, 2 replicas / 1",
        ratio,
        TARGET,
        ratio >= TARGET,
        jobs=jobs,
        one_replica_jobs_per_s=round(one, 2),
        two_replicas_jobs_per_s=round(two, 2),
        provider_delay_s=DELAY_S,
        worker_concurrency=CONCURRENCY,
        cores=len(pinned),
    )


if __name__ == "__main__":
    print(run())
