"""Chained call: POST /v1/generate/image over a fake image provider that answers after a fixed
delay, against a direct call to that provider measured in the same run. Target: the service
adds under 10 ms at the median (prompt generation with the zero-cost scripted backend, the
provider call, decoding and storing the image as an asset, the job record).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from typing import Any

import httpx

from benchmarks.common import PinnedServer, cores, result
from tests.fakes.image_providers import FakeOpenAI, Recorded, Reply

DELAY_S = 0.2
TARGET_MS = 10.0


class DelayedOpenAI(FakeOpenAI):
    def _generate(self, request: Recorded, match: Any) -> Reply:
        reply = super()._generate(request, match)
        reply.delay = DELAY_S
        return reply


def run(requests: int = 30) -> dict:
    with DelayedOpenAI() as provider, tempfile.TemporaryDirectory() as tmp:
        env = {
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_DATA_DIR": tmp,
            "PROMPTGEN_IMAGE_BACKEND": "openai:gpt-image-1",
            "PROMPTGEN_IMAGE_OPENAI_BASE_URL": provider.base_url,
            "PROMPTGEN_FETCH_ALLOW_HOSTS": "127.0.0.1",
            "PROMPTGEN_LOG_LEVEL": "WARNING",
        }
        with (
            PinnedServer("app.server:create_app", env, core=cores()[0]) as server,
            httpx.Client(timeout=30) as http,
        ):
            direct, chained = [], []
            body = {"model": "gpt-image-1", "prompt": "a lighthouse", "n": 1}
            chain_body = {"prompt": "a lighthouse keeper's cat", "promptGeneration": {"numResults": 1}}
            for i in range(requests + 3):
                started = time.perf_counter()
                r = http.post(provider.base_url + "/images/generations", json=body)
                d = time.perf_counter() - started
                started = time.perf_counter()
                c = http.post(server.url + "/v1/generate/image", json=chain_body)
                t = time.perf_counter() - started
                if r.status_code != 200 or c.status_code != 200:
                    raise RuntimeError(
                        f"unexpected status: provider {r.status_code}, chain {c.status_code} {c.text}"
                    )
                if i >= 3:  # warm-up
                    direct.append(d)
                    chained.append(t)
    direct_ms = statistics.median(direct) * 1000
    chained_ms = statistics.median(chained) * 1000
    overhead = chained_ms - direct_ms
    return result(
        "chained-call-overhead",
        chained_ms / direct_ms,
        TARGET_MS,
        overhead < TARGET_MS,
        chained_median_ms=round(chained_ms, 2),
        provider_direct_median_ms=round(direct_ms, 2),
        overhead_ms=round(overhead, 2),
        provider_delay_ms=DELAY_S * 1000,
        requests=requests,
        note="target: overhead_ms under 10; ratio: chained over direct",
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
