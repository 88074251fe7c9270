"""Goodput under a 10x burst, as a ratio of the unloaded throughput measured in the same run.

A `python -m app serve`-like server (uvicorn, the real embedded model, a fresh data directory
that borrows the converted model and built kernels) is measured in alternating rounds of:

1. unloaded: `clients` closed-loop clients, each sending its next request when the last one is
   answered (after `Retry-After` when refused), for `seconds`: the capacity without overload;
2. burst: requests arriving open-loop at ten times that rate for `seconds`, none retried, then
   every admitted one awaited. Goodput is the answers that succeeded (200) over the time from
   the first arrival to the last answer.

The entry's ratio is the median round's goodput over its unloaded rate. Every request is
seeded with its own seed (no cache hit, no coalescing). The model deadline is
`PROMPTGEN_LM_TIMEOUT_S=deadline_s` (30 s by default: the queue a burst builds would take far
longer). What the service must do: refuse at once what it could not finish by the deadline
(503 with `Retry-After`) and finish what it admits; `met` also needs no 503 without
`Retry-After`, no other failure and no success slower than the deadline.

The model runs one torch thread (`PROMPTGEN_LM_THREADS`, 1 unless set): on a machine shared
with other work, a two-thread OpenMP team waits on a busy neighbour at every step (a request
measured 17-30 s there against 1.5 s with one thread), which would measure the neighbours.

    python -m benchmarks overload                        # about 2-3 minutes, into results.json
    python -m benchmarks.bench_overload --seconds 10 --rounds 1 --deadline 10   # printed only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import PinnedServer, result
from models.lm.local import convert_embedded_model

DATA = Path(os.environ.get("PROMPTGEN_DATA_DIR", ".data"))
SPARKS = [
    "a lighthouse keeper's cat watching a storm",
    "a paper lantern festival on a river",
    "a brass diving helmet on a workbench",
    "an abandoned greenhouse full of ferns",
    "a fox crossing a snowy railway bridge",
    "a night market under neon rain",
    "a clockmaker's cluttered attic",
    "a desert caravan at dawn",
]
TARGET = 0.8
BURST = 10


def body(i: int) -> dict[str, Any]:
    return {"prompt": SPARKS[i % len(SPARKS)], "numResults": 1, "seed": 1000 + i}


async def _send(client: httpx.AsyncClient, i: int) -> tuple[int, float, str | None]:
    started = time.perf_counter()
    try:
        response = await client.post("/v1/generate/prompt", json=body(i))
    except httpx.HTTPError:
        return 0, time.perf_counter() - started, None
    return response.status_code, time.perf_counter() - started, response.headers.get("retry-after")


def _statuses(done: list[tuple[int, float, str | None]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status, _, _ in done:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


async def unloaded(client: httpx.AsyncClient, clients: int, seconds: float, first: int) -> dict[str, Any]:
    counter = iter(range(first, first + 10**6))
    done: list[tuple[int, float, str | None]] = []
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < stop:
            answer = await _send(client, next(counter))
            done.append(answer)
            if answer[0] == 503:  # a polite client: back after Retry-After
                await asyncio.sleep(min(float(answer[2] or 1), max(0.0, stop - time.perf_counter())))

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    ok = [latency for status, latency, _ in done if status == 200]
    return {
        "rps": len(ok) / elapsed,
        "ok": len(ok),
        "failed": len(done) - len(ok),
        "statuses": _statuses(done),
        "seconds": round(elapsed, 2),
        "median_latency_s": round(sorted(ok)[len(ok) // 2], 3) if ok else None,
    }


async def burst(client: httpx.AsyncClient, rate: float, seconds: float, first: int) -> dict[str, Any]:
    tasks: list[asyncio.Task[tuple[int, float, str | None]]] = []
    started = time.perf_counter()
    n = int(rate * seconds)
    for k in range(n):
        delay = started + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_send(client, first + k)))
    done = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    ok = sorted(latency for status, latency, _ in done if status == 200)
    refused = [(latency, retry) for status, latency, retry in done if status == 503]
    retries = sorted(int(retry) for _, retry in refused if retry and retry.isdigit())
    return {
        "offered": n,
        "offered_rps": round(rate, 2),
        "ok": len(ok),
        "goodput_rps": len(ok) / elapsed,
        "seconds": round(elapsed, 2),
        "refused_503": len(refused),
        "refused_without_retry_after": sum(1 for _, retry in refused if not retry),
        "refusal_median_ms": round(sorted(lat for lat, _ in refused)[len(refused) // 2] * 1000, 1)
        if refused
        else None,
        "retry_after_median_s": retries[len(retries) // 2] if retries else None,
        "retry_after_max_s": retries[-1] if retries else None,
        "timeouts_504": sum(1 for status, _, _ in done if status == 504),
        "other": sorted({status for status, _, _ in done} - {200, 503, 504}),
        "statuses": _statuses(done),
        "success_median_latency_s": round(ok[len(ok) // 2], 3) if ok else None,
        "success_max_latency_s": round(ok[-1], 3) if ok else None,
    }


def measure(clients: int, seconds: float, deadline_s: float, rounds: int) -> list[dict[str, Any]]:
    convert_embedded_model(DATA / "models")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("models", "kernels"):  # the converted model and built kernels, not rebuilt
            if (DATA / name).exists():
                (Path(tmp) / name).symlink_to((DATA / name).resolve())
        env = {
            "PROMPTGEN_DATA_DIR": tmp,
            "PROMPTGEN_LM_BACKEND": "local",
            "PROMPTGEN_LM_TIMEOUT_S": str(deadline_s),
            "PROMPTGEN_LM_THREADS": os.environ.get("PROMPTGEN_LM_THREADS", "1"),
            "PROMPTGEN_LOG_LEVEL": "WARNING",
            "PROMPTGEN_API_KEYS": "",
            "PROMPTGEN_RATE_LIMIT_PER_MINUTE": "0",
        }
        with PinnedServer("app.server:create_app", env) as server:

            async def main() -> list[dict[str, Any]]:
                limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
                async with httpx.AsyncClient(
                    base_url=server.url, timeout=deadline_s * 3 + 30, limits=limits
                ) as client:
                    while (await client.get("/readyz")).status_code != 200:  # loaded and warmed
                        await asyncio.sleep(0.1)
                    await unloaded(client, clients, min(3.0, seconds), 0)  # warm the path
                    out: list[dict[str, Any]] = []
                    for r in range(rounds):  # alternating, so a neighbour's load hits both sides
                        reference = await unloaded(client, clients, seconds, 10_000 * (2 * r + 1))
                        overload = await burst(
                            client, BURST * reference["rps"], seconds, 10_000 * (2 * r + 2)
                        )
                        out.append({"unloaded": reference, "burst": overload})
                    return out

            return asyncio.run(main())


def run(clients: int = 4, seconds: float = 15.0, deadline_s: float = 30.0, rounds: int = 2) -> dict[str, Any]:
    figures = measure(clients, seconds, deadline_s, rounds)
    ratios = sorted(f["burst"]["goodput_rps"] / max(f["unloaded"]["rps"], 1e-9) for f in figures)
    ratio = statistics.median(ratios)
    honest = all(
        f["burst"]["refused_without_retry_after"] == 0
        and not f["burst"]["other"]
        and (f["burst"]["success_max_latency_s"] or 0) <= deadline_s + 1
        for f in figures
    )
    return result(
        "overload-goodput-10x-burst",
        ratio,
        TARGET,
        ratio >= TARGET and honest,
        round_ratios=[round(r, 3) for r in ratios],
        clients=clients,
        seconds=seconds,
        deadline_s=deadline_s,
        rounds=figures,
        note=f"ratio: goodput (200s per second, first arrival to last answer) under open-loop "
        f"arrivals at {BURST}x the unloaded rate, over that rate ({clients} closed-loop clients), "
        "alternating rounds of the same run, the median round; real embedded model; met also needs "
        "every 503 with Retry-After and no success slower than the deadline",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--deadline", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.seconds, args.deadline, args.rounds), indent=2))
