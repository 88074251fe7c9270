"""Service overhead: /v1/generate/prompt with a zero-cost backend against a bare
Litestar+msgspec echo endpoint on the same server, requests per second with wrk on loopback,
server and load generator pinned to different cores. Target: at least 60% of the echo.

The prompt requests are unseeded, so the cache never answers them: every request runs the
strict decode, the structured mode's plan/assemble/repair over the scripted model's rows,
a job write to SQLite and the metrics middleware.

A second server, identical but for a structured mode whose work is taken out (no rows, one
fixed prompt), is measured in the same rounds: what the route costs without the mode's text
work (`without_mode_*` in the raw figures), so each run shows where the gap to the echo lies.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import msgspec
from litestar import Request, post

from benchmarks.common import PinnedServer, cores, result, wrk
from modes.base import ModeContext, Plan
from modes.structured import StructuredMode

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


class StructuredWithoutWork(StructuredMode):
    """The structured mode with its text work taken out: no rows for the model, no repair,
    one fixed prompt. Everything around the mode (decode, job, metrics, response) still runs."""

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        return Plan(rows=[])

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list) -> list[str | None]:
        return [f"{ctx.spark}, soft morning light, wide establishing shot"]


def bench_app_without_mode_work():  # uvicorn --factory benchmarks.bench_overhead:bench_app_without_mode_work
    import modes

    modes.registry.add("structured", StructuredWithoutWork)  # in this server's process only
    return bench_app()


def _median_round(ratios: list[float]) -> int:
    return sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]


def run(seconds: int = 3, rounds: int = 3) -> dict:
    """Alternating rounds (echo, prompt, then the prompt route without the mode's work on its
    twin server); the ratio is the median round's. A neighbour's load moves every endpoint's
    rate by 20% between runs on this machine, and alternating keeps each round's figures under
    the same load."""
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
        with (
            PinnedServer("benchmarks.bench_overhead:bench_app", env, core=server_core) as server,
            PinnedServer(
                "benchmarks.bench_overhead:bench_app_without_mode_work",
                {**env, "PROMPTGEN_DATA_DIR": str(Path(tmp) / "without-mode")},
                core=server_core,
            ) as bare_mode,
        ):
            urls = (  # echo, the prompt route, the prompt route without the mode's work
                server.url + "/bench/echo",
                server.url + "/v1/generate/prompt",
                bare_mode.url + "/v1/generate/prompt",
            )
            for url in urls:  # warm up
                wrk(url, body, seconds=1, core=client_core)
            triples = [
                [wrk(url, body, seconds=seconds, core=client_core) for url in urls] for _ in range(rounds)
            ]
    ratios = [full["rps"] / bare["rps"] for bare, full, _ in triples]
    without_ratios = [without["rps"] / bare["rps"] for bare, _, without in triples]
    median, without_median = _median_round(ratios), _median_round(without_ratios)
    bare, full, _ = triples[median]
    ratio = ratios[median]
    non_2xx = sum(f["non_2xx"] + w["non_2xx"] for _, f, w in triples)
    return result(
        "service-overhead",
        ratio,
        TARGET,
        ratio >= TARGET and non_2xx == 0,
        prompt_rps=full["rps"],
        echo_rps=bare["rps"],
        round_ratios=[round(r, 3) for r in ratios],
        without_mode_ratio=round(without_ratios[without_median], 3),
        without_mode_rps=triples[without_median][2]["rps"],
        without_mode_round_ratios=[round(r, 3) for r in without_ratios],
        prompt_non_2xx=non_2xx,
        seconds=seconds,
        server_core=server_core,
        client_core=client_core,
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
