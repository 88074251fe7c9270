"""Per-key rate limits: GCRA in one atomic SQLite statement, shared by every process on a data
directory, or in one Lua script on Redis, shared by every replica; 429 with Retry-After and
RateLimit-* headers. The algorithm's cases run on every store, through the sync and the async
path alike; the Redis cases on a real `redis-server` on loopback (tests/engines.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.ratelimit import Decision, MemoryRateStore, RateLimiter, RateStore, RedisRateStore, SQLiteRateStore
from app.settings import Settings, load_settings
from tests.conftest import make_client
from tests.engines import free_port, redis_server

KEY_A, KEY_B = "rate_key_alpha_0001", "rate_key_bravo_0002"
SLOW_MACHINE_S = 5  # Redis's deadline in these tests: a loaded 2-core machine, not a fault
PROMPT = {"prompt": "a lighthouse", "seed": 5}


def limited_settings(tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "lm_backend": "scripted",
        "api_keys": f"{KEY_A},{KEY_B}",
        "rate_limit_per_minute": 6,  # one every 10 s: nothing refills during a test
        "rate_limit_burst": 3,
    }
    values.update(extra)
    return load_settings(env={}, dotenv=None, **values)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def limited(tmp_path: Path, scripted: Any) -> Iterator[TestClient]:
    with make_client(limited_settings(tmp_path), scripted) as client:
        yield client


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> RateStore:
    if kind == "memory":
        return MemoryRateStore()
    if kind == "sqlite":
        return SQLiteRateStore(tmp_path / "rl.sqlite3")
    import redis

    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return RedisRateStore(url, timeout_s=SLOW_MACHINE_S)


Hit = Callable[[str, float], Awaitable[Decision]]


def run_case(limiter: RateLimiter, path: str, case: Callable[[Hit], Awaitable[None]]) -> None:
    """`case` with the limiter's sync (`hit`) or async (`ahit`) path, in one event loop."""

    async def sync_hit(identity: str, now: float) -> Decision:
        return limiter.hit(identity, now)

    async def main() -> None:
        await case(sync_hit if path == "sync" else limiter.ahit)
        await limiter.aclose()

    asyncio.run(main())


# ----------------------------------------------------------------------------- the algorithm

STORES = ["memory", "sqlite", "redis"]


@pytest.mark.parametrize("path", ["sync", "async"])
@pytest.mark.parametrize("store", STORES)
def test_a_burst_is_allowed_then_one_request_per_interval(
    tmp_path: Path, store: str, path: str, request: pytest.FixtureRequest
) -> None:
    limiter = RateLimiter(
        make_store(store, tmp_path, request), per_minute=60, burst=3
    )  # one a second, three at once

    async def case(hit: Hit) -> None:
        now = 1000.0
        decisions = [await hit("k", now) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
        assert [d.reset_s for d in decisions] == pytest.approx([1.0, 2.0, 3.0, 3.0])
        assert decisions[3].retry_after_s == pytest.approx(1.0)
        assert not (await hit("k", now + 0.5)).allowed  # refused requests cost nothing, and refill takes time
        assert (await hit("k", now + 1.0)).allowed
        assert (await hit("k", now + 100)).remaining == 2  # a long pause refills the whole burst, no more

    run_case(limiter, path, case)


@pytest.mark.parametrize("path", ["sync", "async"])
@pytest.mark.parametrize("store", STORES)
def test_identities_have_their_own_buckets(
    tmp_path: Path, store: str, path: str, request: pytest.FixtureRequest
) -> None:
    limiter = RateLimiter(make_store(store, tmp_path, request), per_minute=60, burst=1)

    async def case(hit: Hit) -> None:
        assert (await hit("a", 5.0)).allowed and (await hit("b", 5.0)).allowed
        assert not (await hit("a", 5.0)).allowed

    run_case(limiter, path, case)


@pytest.mark.parametrize("store", STORES)
def test_blocked_for_reads_without_counting(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    limiter = RateLimiter(make_store(store, tmp_path, request), per_minute=60, burst=2)
    assert limiter.blocked_for("x", 10.0) == 0.0  # nobody yet
    for _ in range(3):
        limiter.hit("x", 10.0)
    assert limiter.blocked_for("x", 10.0) == pytest.approx(1.0)
    assert asyncio.run(limiter.ablocked_for("x", 10.5)) == pytest.approx(0.5)
    assert limiter.hit("x", 10.5).allowed is False  # peeking took nothing, and gave nothing


def test_the_redis_key_lives_until_its_bucket_is_full_again(redis_url: str) -> None:
    import time

    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    limiter = RateLimiter(RedisRateStore(redis_url, timeout_s=SLOW_MACHINE_S), per_minute=60, burst=3)
    limiter.hit("ttl", time.time())
    limiter.hit("ttl", time.time())
    ttl_ms = client.pttl("promptgen:ratelimit:v1:ttl")
    assert 2000 <= ttl_ms <= 3100  # two intervals drawn, plus a second's margin


def _hammer(path: str, count: int, now: float, results: Any) -> None:
    limiter = RateLimiter(SQLiteRateStore(Path(path)), per_minute=60, burst=25)
    results.put(sum(limiter.hit("shared-key", now).allowed for _ in range(count)))


def test_the_sqlite_store_enforces_one_limit_across_processes(tmp_path: Path) -> None:
    """Four worker processes, 40 requests each at the same instant: exactly the burst gets through."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    path = str(tmp_path / "rl.sqlite3")
    SQLiteRateStore(Path(path))  # create the file once, as the first worker would
    workers = [context.Process(target=_hammer, args=(path, 40, 1000.0, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sum(results.get(timeout=5) for _ in workers) == 25


def test_an_unavailable_store_lets_requests_through(tmp_path: Path) -> None:
    store = SQLiteRateStore(tmp_path / "rl.sqlite3")
    store.close()  # every statement now fails
    limiter = RateLimiter(store, per_minute=60, burst=1)
    assert limiter.hit("k").allowed and limiter.hit("k").allowed


def test_an_unreachable_redis_lets_requests_through_and_is_left_alone_a_while() -> None:
    store = RedisRateStore(f"redis://127.0.0.1:{free_port()}/0")
    limiter = RateLimiter(store, per_minute=60, burst=1)
    assert limiter.hit("k").allowed and limiter.hit("k").allowed
    assert limiter.blocked_for("k") == 0.0

    async def the_async_side() -> None:
        assert (await limiter.ahit("k")).allowed and (await limiter.ahit("k")).allowed
        assert await limiter.ablocked_for("k") == 0.0
        await limiter.aclose()

    asyncio.run(the_async_side())
    assert store._down_until > 0  # the next calls did not even try


def _hammer_redis(url: str, count: int, now: float, results: Any) -> None:
    limiter = RateLimiter(RedisRateStore(url, timeout_s=SLOW_MACHINE_S), per_minute=60, burst=25)
    results.put(sum(limiter.hit("shared-key", now).allowed for _ in range(count)))


def test_the_redis_store_enforces_one_limit_across_processes(redis_url: str) -> None:
    """Four processes, 40 requests each at the same instant: exactly the burst gets through."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_hammer_redis, args=(redis_url, 40, 1000.0, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sum(results.get(timeout=5) for _ in workers) == 25


# ----------------------------------------------------------------------------- over HTTP


def test_requests_beyond_the_burst_get_a_429_with_retry_after_and_ratelimit_headers(
    limited: TestClient,
) -> None:
    answers = [limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["ratelimit-limit"] == "3" for a in answers)
    refused = answers[3]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert int(refused.headers["ratelimit-reset"]) >= int(refused.headers["retry-after"])
    body = refused.json()
    assert body["type"].endswith("/rate-limited") and body["retryAfter"] == int(
        refused.headers["retry-after"]
    )


def test_each_key_has_its_own_limit(limited: TestClient) -> None:
    for _ in range(3):
        limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A))
    assert limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A)).status_code == 429
    assert limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_B)).status_code == 200


def test_health_and_metrics_are_never_rate_limited(limited: TestClient) -> None:
    for _ in range(10):
        assert limited.get("/healthz").status_code == 200
        assert limited.get("/metrics").status_code == 200


def test_without_keys_the_limit_is_per_client_address(tmp_path: Path, scripted: Any) -> None:
    with make_client(limited_settings(tmp_path, api_keys=""), scripted) as client:
        statuses = [client.post("/v1/generate/prompt", json=PROMPT).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_two_workers_on_one_data_directory_share_the_limit(tmp_path: Path, scripted: Any) -> None:
    settings = limited_settings(tmp_path)
    with make_client(settings, scripted) as first, make_client(settings, scripted) as second:
        statuses = [
            (first if i % 2 == 0 else second)
            .post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A))
            .status_code
            for i in range(6)
        ]
    assert statuses.count(200) == 3 and statuses.count(429) == 3


def test_two_replicas_on_one_redis_share_a_limit_of_three(
    tmp_path: Path, scripted: Any, redis_url: str
) -> None:
    """Two service instances, each with its own data directory (no SQLite file in common), on
    one Redis: a limit of three holds across them, for the key and for the failed-auth count."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    shared = {
        "rate_limit_url": redis_url,
        "rate_limit_timeout_ms": SLOW_MACHINE_S * 1000,
        "auth_failures_burst": 2,
    }
    first = limited_settings(tmp_path / "a", **shared)
    second = limited_settings(tmp_path / "b", **shared)
    with make_client(first, scripted) as a, make_client(second, scripted) as b:
        answers = [
            (a if i % 2 == 0 else b).post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A))
            for i in range(6)
        ]
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429, 429]
        assert [r.headers["ratelimit-remaining"] for r in answers[:3]] == ["2", "1", "0"]
        assert all(1 <= int(r.headers["retry-after"]) <= 10 for r in answers[3:])
        assert b.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_B)).status_code == 200
        # wrong keys are counted across the replicas too: two on A use the burst, and B answers
        # the address 429 before looking at its key, even a right one
        wrong = [a.get("/v1/jobs/job_x", headers=auth("wrong-key-000001")).status_code for _ in range(2)]
        assert wrong == [401, 401]
        assert b.get("/v1/jobs/job_x", headers=auth(KEY_B)).status_code == 429
    assert not (tmp_path / "a" / "data" / "ratelimit.sqlite3").exists()


def test_rate_limited_requests_are_counted_in_the_metrics(limited: TestClient) -> None:
    for _ in range(5):
        limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A))
    assert "promptgen_rate_limited_total 2" in limited.get("/metrics").text
