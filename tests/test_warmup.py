"""The warm-up after the model loads: each spark-only mode's conversation head computed once, so
the first request of a mode is as fast as later ones, with the same tokens; /readyz waits for it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

import modes
from app.service import WARM_SPARK
from app.settings import load_settings
from models.lm.base import LMRequest
from models.lm.local import LocalLanguageModel
from models.lm.scripted import ScriptedLanguageModel
from modes.base import ModeContext
from tests.conftest import make_client, poll_readyz


def plan_rows(mode: str, spark: str, seed: int) -> list[LMRequest]:
    ctx = ModeContext(mode=mode, spark=spark, num_results=1, seed=seed)
    return modes.get_mode(mode).plan(ctx, 1, 0, True).rows


def test_a_warmed_local_model_reuses_the_mode_head_and_samples_the_same_tokens(tiny_model_dir: Path) -> None:
    spark = "a paper boat on a canal"  # shares no word with the examples: the default pair
    rows = plan_rows("structured", spark, seed=11)

    async def first_request(warm: bool) -> tuple[list[str], LocalLanguageModel]:
        lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32")
        await lm.load()
        if warm:
            await lm.warm(plan_rows("structured", WARM_SPARK, seed=0))
        before = lm.prefixes.tokens_reused
        outputs = await lm.generate(rows, 60)
        lm.reused_by_request = lm.prefixes.tokens_reused - before  # type: ignore[attr-defined]
        return [o.text for o in outputs], lm

    cold_texts, cold = asyncio.run(first_request(warm=False))
    warm_texts, warm = asyncio.run(first_request(warm=True))
    assert warm_texts == cold_texts
    assert cold.reused_by_request == 0  # type: ignore[attr-defined]
    # The system prompt and both examples (hundreds of tokens) come from the warm-up.
    assert warm.reused_by_request > 200  # type: ignore[attr-defined]


class Recording(ScriptedLanguageModel):
    def __init__(self) -> None:
        super().__init__()
        self.warmed: list[list[LMRequest]] = []

    async def warm(self, rows: list[LMRequest]) -> None:
        self.warmed.append(rows)


def test_the_service_warms_each_mode_a_spark_alone_can_run(tmp_path: Path) -> None:
    lm = Recording()
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings, lm) as client:
        assert poll_readyz(client).status_code == 200  # the warm-up runs after the start: ready once it is done
    [rows] = lm.warmed
    spark_modes = [name for name in modes.registry.names() if modes.get_mode(name).needs_spark]
    assert {"structured", "completion", "inventive"} <= set(spark_modes)
    expected = [r for name in spark_modes for r in plan_rows(name, WARM_SPARK, seed=0)]
    assert [(r.messages, r.prefill) for r in rows] == [(r.messages, r.prefill) for r in expected]


def test_no_warm_up_when_it_is_switched_off(tmp_path: Path) -> None:
    lm = Recording()
    settings = load_settings(
        env={"PROMPTGEN_LM_WARMUP": "false"}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted"
    )
    with make_client(settings, lm) as client:
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/generate/prompt", json={"prompt": "a fox"}).status_code == 200
    assert lm.warmed == []


def test_readyz_waits_for_the_warm_up(tmp_path: Path) -> None:
    class SlowWarm(ScriptedLanguageModel):
        def __init__(self) -> None:
            super().__init__()
            self.release: asyncio.Event | None = None

        async def warm(self, rows: list[LMRequest]) -> None:
            self.release = asyncio.Event()
            await self.release.wait()

    lm = SlowWarm()
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings, lm) as client:
        for _ in range(100):
            if lm.release is not None:
                break
            client.get("/healthz")
        warming = client.get("/readyz")
        # Requests are served meanwhile: readiness is a hint to a load balancer, not a gate.
        assert client.post("/v1/generate/prompt", json={"prompt": "a fox"}).status_code == 200
        assert lm.release is not None
        client.blocking_portal.call(lm.release.set)
        ready = poll_readyz(client)
    assert warming.status_code == 503 and "warming up" in warming.json()["detail"]
    assert ready.status_code == 200


def test_a_failed_warm_up_is_logged_and_the_service_still_gets_ready(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenWarm(ScriptedLanguageModel):
        async def warm(self, rows: list[LMRequest]) -> Any:
            raise RuntimeError("no room for the heads")

    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with caplog.at_level(logging.WARNING, logger="app.server"), make_client(settings, BrokenWarm()) as client:
        assert poll_readyz(client).status_code == 200
        assert client.post("/v1/generate/prompt", json={"prompt": "a fox"}).status_code == 200
    assert any("warming the scripted language model failed" in r.getMessage() for r in caplog.records)
