"""Per-key rate limits: GCRA in one atomic SQLite statement, shared by every process on a data
directory; 429 with Retry-After and RateLimit-* headers."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.ratelimit import MemoryRateStore, RateLimiter, SQLiteRateStore
from app.settings import Settings, load_settings
from tests.conftest import make_client

KEY_A, KEY_B = "rate_key_alpha_0001", "rate_key_bravo_0002"
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


# ----------------------------------------------------------------------------- the algorithm


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_burst_is_allowed_then_one_request_per_interval(tmp_path: Path, store: str) -> None:
    backend = MemoryRateStore() if store == "memory" else SQLiteRateStore(tmp_path / "rl.sqlite3")
    limiter = RateLimiter(backend, per_minute=60, burst=3)  # one a second, three at once
    now = 1000.0
    decisions = [limiter.hit("k", now) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after_s == pytest.approx(1.0)
    assert not limiter.hit("k", now + 0.5).allowed  # refused requests cost nothing, and refill takes time
    assert limiter.hit("k", now + 1.0).allowed
    assert limiter.hit("k", now + 100).remaining == 2  # a long pause refills the whole burst, no more


def test_identities_have_their_own_buckets(tmp_path: Path) -> None:
    limiter = RateLimiter(SQLiteRateStore(tmp_path / "rl.sqlite3"), per_minute=60, burst=1)
    assert limiter.hit("a", 5.0).allowed and limiter.hit("b", 5.0).allowed
    assert not limiter.hit("a", 5.0).allowed


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


def test_rate_limited_requests_are_counted_in_the_metrics(limited: TestClient) -> None:
    for _ in range(5):
        limited.post("/v1/generate/prompt", json=PROMPT, headers=auth(KEY_A))
    assert "promptgen_rate_limited_total 2" in limited.get("/metrics").text
