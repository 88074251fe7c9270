"""Two `python -m app serve` replicas on real shared engines (issue 20, item 7): one Postgres
(tests/pg.py), one `redis-server` (the SAQ job queue and the rate limits) and one S3-compatible
server (moto), all started here on loopback, with a fake OpenAI-compatible image provider in
this process that holds image calls until a test lets them go.

Each replica has its own data directory and reaches the image provider under its own path
(`/a/v1`, `/b/v1`, ...), so a test can tell which replica runs a job. Nothing here waits for a
fixed time: every wait polls for the state it needs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chain_helpers import WEBHOOK_SECRET, Receiver
from tests.engines import ROOT, S3_KEY, S3_SECRET, bucket_keys, free_port, new_bucket, redis_server, s3_server
from tests.fakes.image_providers import FakeServer, Recorded, Reply, png_bytes
from tests.pg import new_database

START_S = 60.0  # a replica's start (imports, migrations), generous for a busy machine
WAIT_S = 30.0  # any other state a test waits for
HEARTBEAT_S = 2  # PROMPTGEN_QUEUE_HEARTBEAT_S of the replicas


class HeldImages(FakeServer):
    """OpenAI Images under `/<replica>/v1/images/generations`. `hold` makes every call wait
    until `allow` lets some through or `release` lets all (a call whose replica died just
    waits; its answer goes nowhere)."""

    def __init__(self) -> None:
        super().__init__()
        self.turns = threading.Condition()
        self.allowed: int | None = None  # None: every call answers at once
        self.route("POST", r"/(?P<who>\w+)/v1/images/generations", self._generate)

    def hold(self) -> None:
        with self.turns:
            self.allowed = 0

    def allow(self, calls: int) -> None:
        with self.turns:
            self.allowed = (self.allowed or 0) + calls
            self.turns.notify_all()

    def release(self) -> None:
        with self.turns:
            self.allowed = None
            self.turns.notify_all()

    def callers(self) -> list[str]:
        return [
            m.group(1) for r in self.requests if (m := re.fullmatch(r"/(\w+)/v1/images/generations", r.path))
        ]

    def _generate(self, request: Recorded, match: re.Match[str]) -> Reply:
        with self.turns:
            self.turns.wait_for(lambda: self.allowed is None or self.allowed > 0, timeout=WAIT_S * 2)
            if self.allowed:
                self.allowed -= 1
        n = int(request.json().get("n") or 1)
        data = [{"b64_json": base64.b64encode(png_bytes(i)).decode("ascii")} for i in range(n)]
        return Reply(200, {"created": 1_700_000_000, "data": data})


class Replica:
    """One `python -m app serve` process, restartable, killable."""

    def __init__(self, name: str, env: dict[str, str], folder: Path, command: str = "serve") -> None:
        self.name = name
        self.command = command
        self.env = env
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=WAIT_S)

    def start(self) -> Replica:
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 - the process keeps it
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTGEN_")}
        args = (
            ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
            if self.command == "serve"
            else [self.command]
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env={**clean, **self.env, "PROMPTGEN_DATA_DIR": str(self.folder / self.name)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if self.command != "serve":
            return self  # no HTTP: its work shows in what it does
        deadline = time.monotonic() + START_S
        while True:
            assert self.process.poll() is None, f"replica {self.name} exited: {self.log()[-3000:]}"
            with contextlib.suppress(httpx.HTTPError):
                if self.http.get("/readyz").status_code == 200:
                    return self
            assert time.monotonic() < deadline, f"replica {self.name} did not start: {self.log()[-3000:]}"
            time.sleep(0.1)

    def log(self) -> str:
        return (self.folder / f"{self.name}.log").read_text(errors="replace")

    def kill(self) -> None:
        """`kill -9`: nothing of the process runs after this."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=WAIT_S)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Cluster:
    """The shared engines and the fakes; `queue_url` is the replicas' job queue (the Redis by
    default; `database` for SAQ's Postgres queue in the database, tests/test_replicas_pg_queue.py)."""

    def __init__(
        self, db_url: str, redis_url: str, endpoint: str, bucket: str, folder: Path, queue_url: str = ""
    ) -> None:
        self.db_url, self.redis_url, self.endpoint, self.bucket = db_url, redis_url, endpoint, bucket
        self.queue_url = queue_url or redis_url
        self.folder = folder
        self.images = HeldImages().start()
        self.receiver = Receiver().start()
        self.replicas: list[Replica] = []

    def env(self, name: str, **extra: str) -> dict[str, str]:
        values = {
            "PROMPTGEN_DATABASE_URL": self.db_url,
            "PROMPTGEN_QUEUE_URL": self.queue_url,
            "PROMPTGEN_BLOB_URL": f"s3://{self.bucket}/assets",
            "PROMPTGEN_BLOB_ENDPOINT": self.endpoint,
            "PROMPTGEN_BLOB_ACCESS_KEY_ID": S3_KEY,
            "PROMPTGEN_BLOB_SECRET_ACCESS_KEY": S3_SECRET,
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_IMAGE_BACKEND": "openai:gpt-image-1",
            "PROMPTGEN_IMAGE_OPENAI_BASE_URL": f"{self.images.url}/{name}/v1",
            "PROMPTGEN_IMAGE_API_KEY": "sk-test",
            "PROMPTGEN_IMAGE_TIMEOUT_S": "90",
            "PROMPTGEN_IMAGE_CONCURRENCY": "1",
            "PROMPTGEN_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PROMPTGEN_WEBHOOK_BACKOFF_BASE_S": "0.05",
            "PROMPTGEN_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "PROMPTGEN_QUEUE_HEARTBEAT_S": str(HEARTBEAT_S),  # a busy machine may pause a process 1 s
            "PROMPTGEN_QUEUE_SWEEP_S": "1",
            "PROMPTGEN_SHUTDOWN_GRACE_S": "0",
            "PROMPTGEN_LOG_FORMAT": "text",
        }
        values.update({f"PROMPTGEN_{k.upper()}": v for k, v in extra.items()})
        return values

    def replica(self, name: str, command: str = "serve", **extra: str) -> Replica:
        one = Replica(name, self.env(name, **extra), self.folder, command).start()
        self.replicas.append(one)
        return one

    def close(self) -> None:
        self.images.release()
        for one in self.replicas:
            one.stop()
        self.images.stop()
        self.receiver.stop()

    def sql(self, query: str, *args: Any) -> list[Any]:
        import asyncpg

        async def run() -> list[Any]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())


@contextlib.contextmanager
def running_cluster(db_url: str, folder: Path, queue_url: str = "") -> Iterator[Cluster]:
    """An S3 server started for the cluster, and a Redis for its job queue unless `queue_url`
    names another (then there is none: `redis_url` is empty)."""
    with contextlib.ExitStack() as stack:
        redis_url = "" if queue_url else stack.enter_context(redis_server(folder))
        endpoint = stack.enter_context(s3_server())
        one = Cluster(db_url, redis_url, endpoint, new_bucket(endpoint), folder, queue_url)
        try:
            yield one
        finally:
            one.close()


@pytest.fixture(scope="module")
def cluster(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("replicas")
    with running_cluster(new_database(postgres_server, "replicas_"), folder) as one:
        yield one


@pytest.fixture(scope="module")
def pair(cluster: Cluster) -> tuple[Replica, Replica]:
    """Replicas a (a job whose worker dies runs once more) and b (it does not: queue_retries 0)."""
    return cluster.replica("a"), cluster.replica("b", queue_retries="0")


def wait(condition: Callable[[], Any], what: str, timeout_s: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def submit(replica: Replica, cluster: Cluster, **fields: Any) -> str:
    body = {
        "prompt": "a red kite over the dunes",
        "promptGeneration": {"mode": "none"},
        "async": True,
        "webhook_url": cluster.receiver.hook_url,
        **fields,
    }
    answer = replica.http.post("/v1/generate/image", json=body)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["job"]["jobId"])


def job(replica: Replica, job_id: str) -> dict[str, Any]:
    answer = replica.http.get(f"/v1/jobs/{job_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def running_on(cluster: Cluster, before: int) -> str:
    """The replica whose image call is held: the first caller after `before` calls."""
    callers = wait(lambda: cluster.images.callers()[before:], "an image call")
    return str(callers[0])


def terminal_hooks(cluster: Cluster, job_id: str) -> list[dict[str, Any]]:
    found = []
    for delivery in cluster.receiver.deliveries():
        body = json.loads(delivery.body)
        if json.dumps(body).find(job_id) >= 0:
            found.append(
                {"id": delivery.headers.get("x-promptgen-delivery"), "event": body.get("event"), **body}
            )
    return found


# ----------------------------------------------------------------------------- scenarios


def test_a_job_submitted_on_a_is_read_and_canceled_through_b(
    cluster: Cluster, pair: tuple[Replica, Replica]
) -> None:
    a, b = pair
    cluster.images.hold()
    before = len(cluster.images.requests)
    try:
        job_id = submit(a, cluster)
        running_on(cluster, before)  # some replica's worker runs it, its image call held
        assert job(b, job_id)["status"] == "in-progress"  # read through the other replica
        canceled = b.http.post(f"/v1/jobs/{job_id}/action", json={"action": "cancel"})
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
    finally:
        cluster.images.release()
    assert job(a, job_id)["status"] == "canceled"
    hooks = wait(lambda: terminal_hooks(cluster, job_id), "the canceled job's webhook")
    assert b.http.post(f"/v1/jobs/{job_id}/action", json={"action": "cancel"}).status_code == 409
    assert [h["id"] for h in hooks] == [hooks[0]["id"]]  # one delivery of the one event
    assert not cluster.sql("SELECT asset_id FROM assets WHERE job_id = $1", job_id)  # nothing left


def test_an_asset_written_through_a_is_served_by_b(cluster: Cluster, pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    data = png_bytes(7, (8, 8))
    url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    made = a.http.post("/v1/assets", json={"image": url, "name": "kite"})
    assert made.status_code == 201, made.text
    asset = made.json()["asset"]
    served = b.http.get(asset["url"])
    assert served.status_code == 200 and served.content == data
    assert b.http.get(f"/v1/assets/{asset['assetId']}").json()["asset"] == asset
    assert any(
        key.endswith(asset["assetId"] + ".png") for key in bucket_keys(cluster.endpoint, cluster.bucket)
    )


def test_restarting_b_does_not_disturb_a_running_job(cluster: Cluster, pair: tuple[Replica, Replica]) -> None:
    """Neither B's start nor its sweeps touch A's jobs: a queued one A's worker runs, and a
    synchronous one A runs for its request (held by A's lease), both past several heartbeats."""
    a, b = pair
    b.stop()  # only a's worker can take the queued job
    cluster.images.hold()
    before = len(cluster.images.requests)
    answers: list[httpx.Response] = []
    sync = threading.Thread(
        target=lambda: answers.append(
            httpx.post(
                f"http://127.0.0.1:{a.port}/v1/generate/image",
                json={"prompt": "a blue kite", "promptGeneration": {"mode": "none"}},
                timeout=WAIT_S * 3,
            )
        )
    )
    try:
        job_id = submit(a, cluster)
        sync.start()
        wait(lambda: cluster.images.callers()[before:] == ["a", "a"], "both image calls held on a")
        b.start()  # a start touches no job another process owns
        running = cluster.sql("SELECT job_id FROM jobs WHERE status = 'in-progress'")
        assert len(running) == 2 and job_id in {r["job_id"] for r in running}
        # long enough for B's sweep to have judged both (heartbeat 2 s, a sweep every second)
        quiet = time.monotonic() + 3 * HEARTBEAT_S
        wait(lambda: time.monotonic() > quiet, "several heartbeats")
        assert all(job(b, r["job_id"])["status"] == "in-progress" for r in running)
    finally:
        cluster.images.release()
        sync.join(WAIT_S * 3)
    assert answers and answers[0].status_code == 200, answers and answers[0].text
    assert answers[0].json()["job"]["status"] == "success"
    done = wait(
        lambda: (j := job(b, job_id))["status"] in ("success", "failure", "canceled") and j, "the job's end"
    )
    assert done["status"] == "success", done
    assert len(done["metadata"]["output"]["images"]) == 1


@pytest.mark.parametrize(("accepted_by", "how"), [("a", "kill"), ("b", "kill"), ("b", "stop")])
def test_kill_9_of_the_replica_running_a_job(
    cluster: Cluster, pair: tuple[Replica, Replica], accepted_by: str, how: str
) -> None:
    """Accepted by a, the job runs once more after its worker dies: success on the replica that
    lives, the images of the dead attempt removed. Accepted by b (`queue_retries` 0), it ends
    `failure` (`interrupted`). Either way: one terminal webhook, no orphan asset. A replica
    stopped (SIGTERM, no grace left) hands the job back to the queue: success elsewhere, even
    without retries."""
    replicas = dict(zip("ab", pair, strict=True))
    for one in pair:
        if not one.alive:
            one.start()
    cluster.images.hold()
    before = len(cluster.images.requests)
    # two prompts, one image each, one provider call at a time: the first image is stored, the
    # second call is held when the replica dies
    fields = {"promptGeneration": {"mode": "structured", "numResults": 2}, "n": 2}
    try:
        job_id = submit(replicas[accepted_by], cluster, **fields)
        runner = replicas[running_on(cluster, before)]
        cluster.images.allow(1)  # the first call answers, the second is held
        first_images = wait(
            lambda: cluster.sql("SELECT asset_id FROM assets WHERE job_id = $1", job_id),
            "the first image stored",
        )
        assert len(first_images) == 1
        wait(lambda: len(cluster.images.requests) >= before + 2, "the second image call")
        runner.kill() if how == "kill" else runner.stop()
    finally:
        cluster.images.release()
    survivor = next(one for one in pair if one is not runner)
    done = wait(
        lambda: (j := job(survivor, job_id))["status"] in ("success", "failure", "canceled") and j,
        "the job's end",
    )
    stored = {r["asset_id"] for r in cluster.sql("SELECT asset_id FROM assets WHERE job_id = $1", job_id)}
    if accepted_by == "a" or how == "stop":
        assert done["status"] == "success", (done["status"], done["metadata"].get("error"))
        images = {i["assetId"] for i in done["metadata"]["output"]["images"]}
        assert len(images) == 2 and stored == images  # the dead attempt's image went
        assert first_images[0]["asset_id"] not in stored
    else:
        assert done["status"] == "failure", done
        assert done["metadata"]["error"]["type"].endswith("/interrupted")
        assert stored == set()
    kept = {r["asset_id"] for r in cluster.sql("SELECT asset_id FROM assets")}
    blobs = {
        re.sub(r"\.\w+$", "", key.rsplit("/", 1)[-1]) for key in bucket_keys(cluster.endpoint, cluster.bucket)
    }
    assert blobs <= kept  # no blob without its asset
    hooks = wait(lambda: terminal_hooks(cluster, job_id), "the job's webhook")
    rows = cluster.sql("SELECT delivery_id FROM webhook_deliveries WHERE job_id = $1", job_id)
    assert len(rows) == 1 and {h["id"] for h in hooks} == {rows[0]["delivery_id"]}
    runner.start()  # for the next scenario


def test_a_rate_limit_of_3_holds_across_two_replicas(cluster: Cluster) -> None:
    env = {"rate_limit_per_minute": "3", "rate_limit_burst": "3", "rate_limit_url": cluster.redis_url}
    c, d = cluster.replica("c", **env), cluster.replica("d", **env)
    try:
        codes = [r.http.get("/v1/jobs/job_000000000000000000000000").status_code for r in (c, d, c, d)]
        assert codes[:3] == [404, 404, 404] and codes[3] == 429, codes
    finally:
        c.stop()
        d.stop()


def test_python_m_app_worker_runs_the_jobs_of_replicas_without_workers(
    cluster: Cluster, pair: tuple[Replica, Replica]
) -> None:
    """`PROMPTGEN_WORKERS=external`: the replica only enqueues; `python -m app worker` runs the job
    (a queue of their own, Redis database 1; a and b, on another queue with the same database,
    are stopped: replicas sharing a database share its queue)."""
    for one in pair:
        one.stop()
    queue = {"queue_url": cluster.redis_url.rsplit("/", 1)[0] + "/1"}
    front = cluster.replica("front", workers="external", **queue)
    worker = cluster.replica("w", command="worker", **queue)
    try:
        before = len(cluster.images.requests)
        photo = "data:image/png;base64," + base64.b64encode(png_bytes(3, (16, 16))).decode("ascii")
        pg = {"mode": "structured", "images": [photo]}  # the job's input image: stored as an asset
        job_id = submit(front, cluster, promptGeneration=pg)
        done = wait(
            lambda: (j := job(front, job_id))["status"] in ("success", "failure", "canceled") and j,
            "the job's end",
        )
        assert done["status"] == "success", (done["metadata"].get("error"), worker.log()[-3000:])
        assert cluster.images.callers()[before:] == ["w"]  # run by the worker, not the replica
        import redis

        with redis.Redis.from_url(queue["queue_url"]) as client:
            stored = json.loads(client.get(f"saq:job:promptgen:{job_id}") or b"{}")
        (asset_id,) = stored["kwargs"]["payload"]["promptGeneration"]["images"]
        assert asset_id.startswith("asset_") and front.http.get(f"/v1/assets/{asset_id}").status_code == 200
    finally:
        worker.stop()
        front.stop()
    assert "Traceback" not in worker.log()
