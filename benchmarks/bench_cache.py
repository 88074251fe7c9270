"""Cache benchmarks on the real embedded model, through the HTTP app in-process:

- hit against miss: latency of a repeated seeded request against its first (model) run;
- coalescing: N identical concurrent requests against the backend calls they caused, sent
  over loopback to the app served by uvicorn (an in-process test client would run them one
  after another, and the later ones would be plain cache hits).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import httpx

from app.server import create_app
from app.settings import load_settings
from benchmarks.common import LiveServer, result
from models.lm.local import LocalLanguageModel, convert_embedded_model

CACHE = Path(os.environ.get("PROMPTGEN_DATA_DIR", ".data")) / "models"


class CountingLocal(LocalLanguageModel):
    calls = 0

    async def generate(self, requests, deadline_s):  # type: ignore[no-untyped-def]
        type(self).calls += 1
        return await super().generate(requests, deadline_s)


def run(n: int = 8) -> list[dict]:
    folder = convert_embedded_model(CACHE)
    lm = CountingLocal(model_path=str(folder), dtype=os.environ.get("PROMPTGEN_LM_DTYPE", "float32"))
    lm.load_sync()

    async def main() -> tuple[float, float, int, list[str]]:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(env={}, dotenv=None, data_dir=tmp, lm_timeout_s=600)
            with LiveServer(create_app(settings, lm=lm)) as server:
                async with httpx.AsyncClient(base_url=server.url, timeout=600) as client:
                    while (await client.get("/readyz")).status_code != 200:  # loaded and warmed
                        await asyncio.sleep(0.05)
                    body = {"prompt": "a paper lantern festival", "numResults": 3, "seed": 9}
                    started = time.perf_counter()
                    await client.post("/v1/generate/prompt", json=body)
                    miss = time.perf_counter() - started
                    hits = []
                    for _ in range(50):
                        started = time.perf_counter()
                        await client.post("/v1/generate/prompt", json=body)
                        hits.append(time.perf_counter() - started)
                    hit = sorted(hits)[len(hits) // 2]
                    calls_before = CountingLocal.calls
                    same = {
                        "prompt": "a brass diving helmet",
                        "numResults": 2,
                        "seed": 4,
                        "mode": "completion",
                    }
                    responses = await asyncio.gather(
                        *(client.post("/v1/generate/prompt", json=same) for _ in range(n))
                    )
                    return (
                        miss,
                        hit,
                        CountingLocal.calls - calls_before,
                        [r.json()["usage"]["cache"] for r in responses],
                    )

    miss, hit, calls, kinds = asyncio.run(main())
    ratio = miss / hit
    return [
        result(
            "cache-hit-vs-miss",
            ratio,
            50.0,
            ratio >= 50.0,
            miss_ms=round(miss * 1000, 1),
            hit_median_ms=round(hit * 1000, 3),
        ),
        result(
            "coalescing",
            n / max(calls, 1),
            float(n),
            calls == 1 and sorted(kinds) == ["coalesced"] * (n - 1) + ["miss"],
            identical_requests=n,
            backend_calls=calls,
            cache_outcomes=kinds,
            note="ratio: requests per backend call; target: exactly 1 call",
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
