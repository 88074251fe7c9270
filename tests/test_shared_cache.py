"""A cache shared by several replicas (Redis): what one computes the others serve, and a store
that is down, silent or holding garbage costs a miss, never a failed or hanging request.

Runs against a real `redis-server` (installed by `make test`'s system-deps) on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import redis

from app.protocol import GeneratePromptRequest
from app.settings import Settings, load_settings
from app.shared_cache import KEY_PREFIX
from models.lm.scripted import ScriptedLanguageModel
from tests.conftest import make_client

BODY = {"prompt": "a copper teapot", "numResults": 2, "seed": 3}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (system-deps)"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def replica(tmp_path: Path, name: str, url: str, **settings: object) -> tuple[Settings, ScriptedLanguageModel]:
    """One service process's settings (its own data directory) on the shared store `url`."""
    return (
        load_settings(
            env={}, dotenv=None, data_dir=str(tmp_path / name), lm_backend="scripted", cache_url=url, **settings
        ),
        ScriptedLanguageModel(),
    )


def shared_events(client) -> dict[str, float]:
    lines = client.get("/metrics").text.splitlines()
    return {
        event: float(line.rsplit(" ", 1)[1])
        for line in lines
        for event in ("shared_hit", "shared_error")
        if line.startswith(f'promptgen_cache_events_total{{event="{event}"}}')
    }


def test_a_result_one_replica_computed_is_served_by_another(tmp_path, redis_url) -> None:
    settings_a, lm_a = replica(tmp_path, "a", redis_url)
    settings_b, lm_b = replica(tmp_path, "b", redis_url)
    with make_client(settings_a, lm_a) as a, make_client(settings_b, lm_b) as b:
        first = a.post("/v1/generate/prompt", json=BODY).json()
        second = b.post("/v1/generate/prompt", json=BODY).json()
        assert first["usage"]["cache"] == "miss" and second["usage"]["cache"] == "hit"
        assert second["prompts"] == first["prompts"] and second["usage"]["seed"] == 3
        assert lm_a.calls and not lm_b.calls  # replica b never ran its model
        assert shared_events(b) == {"shared_hit": 1, "shared_error": 0}
        again = b.post("/v1/generate/prompt", json=BODY).json()  # now from b's own memory
        assert again["usage"]["cache"] == "hit" and shared_events(b)["shared_hit"] == 1


def test_entries_expire_after_the_configured_time(tmp_path, redis_url) -> None:
    settings, lm = replica(tmp_path, "ttl", redis_url, cache_ttl_s=600)
    with make_client(settings, lm) as client:
        client.post("/v1/generate/prompt", json={**BODY, "seed": 11})
        key = client.app.state.service.cache_key_for(
            msgspec.convert({**BODY, "seed": 11}, GeneratePromptRequest)
        )
    ttl = redis.Redis.from_url(redis_url).ttl(KEY_PREFIX + key)
    assert 0 < ttl <= 600


def test_an_unreadable_entry_is_recomputed_and_replaced(tmp_path, redis_url) -> None:
    settings, lm = replica(tmp_path, "garbage", redis_url)
    store = redis.Redis.from_url(redis_url)
    with make_client(settings, lm) as client:
        request = {**BODY, "seed": 12}
        key = KEY_PREFIX + client.app.state.service.cache_key_for(
            msgspec.convert(request, GeneratePromptRequest)
        )
        store.set(key, b"\xc1 not msgpack")
        answer = client.post("/v1/generate/prompt", json=request).json()
        assert answer["usage"]["cache"] == "miss" and lm.calls
        assert shared_events(client)["shared_error"] == 1
    settings_b, lm_b = replica(tmp_path, "garbage-b", redis_url)
    with make_client(settings_b, lm_b) as other:  # the entry was rewritten with the real result
        assert other.post("/v1/generate/prompt", json=request).json()["prompts"] == answer["prompts"]
        assert not lm_b.calls


def test_a_store_that_is_down_costs_a_miss_and_is_left_alone_for_a_while(tmp_path) -> None:
    settings, lm = replica(tmp_path, "down", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    with make_client(settings, lm) as client:
        first = client.post("/v1/generate/prompt", json=BODY)
        assert first.status_code == 200 and first.json()["usage"]["cache"] == "miss"
        assert client.post("/v1/generate/prompt", json=BODY).json()["usage"]["cache"] == "hit"  # memory
        other = client.post("/v1/generate/prompt", json={**BODY, "seed": 4})
        assert other.status_code == 200 and other.json()["usage"]["cache"] == "miss"
        assert shared_events(client)["shared_error"] == 1  # one failure, then skipped, not retried


def test_a_store_that_never_answers_costs_its_timeout_not_a_hang(tmp_path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the kernel; nothing ever replies
    try:
        port = silent.getsockname()[1]
        settings, lm = replica(tmp_path, "silent", f"redis://127.0.0.1:{port}/0", cache_timeout_ms=100)
        with make_client(settings, lm) as client:
            answer = client.post("/v1/generate/prompt", json=BODY)
            assert answer.status_code == 200 and answer.json()["usage"]["cache"] == "miss"
            assert shared_events(client)["shared_error"] == 1
    finally:
        silent.close()


def test_a_cache_url_of_another_kind_is_refused_at_start(tmp_path) -> None:
    env = {"PROMPTGEN_CACHE_URL": "memcached://127.0.0.1:11211"}
    with pytest.raises(SystemExit, match=r"invalid configuration: `cache_url` must start with redis://"):
        load_settings(env=env, dotenv=None, data_dir=str(tmp_path), lm_backend="scripted")
