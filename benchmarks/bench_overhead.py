"""Service overhead: /v1/generate/prompt with a zero-cost backend against a bare
Litestar+msgspec echo endpoint on the same server, requests per second with wrk on loopback,
server and load generator pinned to different cores. Target: at least 60% of the echo.

The prompt requests are unseeded, so the cache never answers them: every request runs the
strict decode, the structured mode's plan/assemble/repair over the scripted model's rows,
a job write to SQLite and the metrics middleware.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import msgspec
from litestar import Request, post

from benchmarks.common import PinnedServer, cores, result, wrk

TARGET = 0.60


class EchoBody(msgspec.Struct, forbid_unknown_fields=True):
    prompt: str
    numResults: int = 1


@post("/bench/echo", status_code=200)
async def echo(request: Request) -> EchoBody:
    return msgspec.json.decode(await request.body(), type=EchoBody)


def bench_app():  # uvicorn --factory benchmarks.bench_overhead:bench_app
    from app.server import create_app

    app = create_app()
    app.register(echo)
    return app


def run(seconds: int = 3, rounds: int = 3) -> dict:
    """Alternating rounds (echo, then prompt) on one server; the ratio is the median round's.
    A neighbour's load moves both endpoints' rates by 20% between runs on this machine, and
    alternating keeps each round's pair under the same load."""
    available = cores()
    server_core = available[0]
    client_core = available[1] if len(available) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_DATA_DIR": tmp,
            "PROMPTGEN_LOG_LEVEL": "WARNING",
        }
        body = Path(tmp) / "body.json"
        body.write_text(json.dumps({"prompt": "a lighthouse in a storm", "numResults": 1}))
        with PinnedServer("benchmarks.bench_overhead:bench_app", env, core=server_core) as server:
            wrk(server.url + "/bench/echo", body, seconds=1, core=client_core)  # warm up
            wrk(server.url + "/v1/generate/prompt", body, seconds=1, core=client_core)
            pairs = [
                (
                    wrk(server.url + "/bench/echo", body, seconds=seconds, core=client_core),
                    wrk(server.url + "/v1/generate/prompt", body, seconds=seconds, core=client_core),
                )
                for _ in range(rounds)
            ]
    ratios = [full["rps"] / bare["rps"] for bare, full in pairs]
    bare, full = pairs[sorted(range(rounds), key=ratios.__getitem__)[rounds // 2]]
    ratio = full["rps"] / bare["rps"]
    non_2xx = sum(f["non_2xx"] for _, f in pairs)
    return result(
        "service-overhead",
        ratio,
        TARGET,
        ratio >= TARGET and non_2xx == 0,
        prompt_rps=full["rps"],
        echo_rps=bare["rps"],
        round_ratios=[round(r, 3) for r in ratios],
        prompt_non_2xx=non_2xx,
        seconds=seconds,
        server_core=server_core,
        client_core=client_core,
    )

if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
