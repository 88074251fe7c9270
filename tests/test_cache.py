"""Seeded results are cached and identical in-flight requests share one backend call."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.cache import ResultCache
from app.server import create_app
from benchmarks.common import LiveServer
from models.lm.base import LMOutput, LMRequest
from models.lm.scripted import ScriptedLanguageModel


class SlowScripted(ScriptedLanguageModel):
    """Scripted answers after a delay, so concurrent requests overlap."""

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        await asyncio.sleep(0.2)
        return await super().generate(requests, deadline_s)


def body(**kw):
    return {"prompt": "a copper teapot", "numResults": 2, "seed": 3, **kw}


def test_a_repeated_seeded_request_is_served_from_the_cache(client, scripted):
    first = client.post("/v1/generate/prompt", json=body()).json()
    calls = len(scripted.calls)
    second = client.post("/v1/generate/prompt", json=body()).json()
    assert second["prompts"] == first["prompts"]
    assert first["usage"]["cache"] == "miss" and second["usage"]["cache"] == "hit"
    assert len(scripted.calls) == calls
    assert second["job"]["jobId"] != first["job"]["jobId"]  # every request still gets its own job


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 4},
        {"numResults": 3},
        {"temperature": 1.1},
        {"mode": "inventive"},
        {"prompt": "a silver teapot"},
        {"topP": 0.5},
    ],
)
def test_any_changed_input_is_a_miss(client, change):
    client.post("/v1/generate/prompt", json=body())
    assert client.post("/v1/generate/prompt", json=body(**change)).json()["usage"]["cache"] == "miss"


def test_unseeded_requests_bypass_the_cache(client, scripted):
    request = {"prompt": "a copper teapot"}
    client.post("/v1/generate/prompt", json=request)
    calls = len(scripted.calls)
    again = client.post("/v1/generate/prompt", json=request).json()
    assert again["usage"]["cache"] == "bypass" and len(scripted.calls) > calls


def test_identical_concurrent_requests_make_one_backend_call(settings):
    lm = SlowScripted()

    async def scenario(url: str):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/generate/prompt", json=body()) for _ in range(8))
            )
        return [r.json() for r in responses]

    with LiveServer(create_app(settings, lm=lm)) as server:
        results = asyncio.run(scenario(server.url))
    assert len(lm.calls) == 1
    assert len({tuple(r["prompts"]) for r in results}) == 1
    assert sorted(r["usage"]["cache"] for r in results) == ["coalesced"] * 7 + ["miss"]


def test_failures_are_not_cached():
    cache: ResultCache[int] = ResultCache(4)
    attempts = 0

    async def flaky() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("boom")
        return 7

    async def scenario():
        with pytest.raises(RuntimeError):
            await cache.get_or_compute("k", flaky)
        return await cache.get_or_compute("k", flaky)

    assert asyncio.run(scenario()) == (7, "miss")


def test_the_cache_is_bounded():
    cache: ResultCache[int] = ResultCache(3)

    async def scenario():
        for i in range(10):
            await cache.get_or_compute(str(i), lambda i=i: asyncio.sleep(0, result=i))

    asyncio.run(scenario())
    assert len(cache) == 3
