"""Issue 22, item 1: the README's first request succeeds on a slow machine.

A slow machine is made deterministic here, not timed: every decoding step of the tiny model
sleeps (`slow_steps`), far past a deliberately tiny `lm_timeout_s`, on an otherwise idle
service; and a model whose load waits for the test stands for a slow first load. Nothing
asserts a duration: only what the caller gets back (200, or an honest 503 with its advice,
never a 504 for a request that was making progress alone).
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from app.errors import Overloaded, UpstreamTimeout
from app.settings import load_settings
from models.lm import decoding
from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LocalLanguageModel
from models.lm.scripted import ScriptedLanguageModel
from tests.conftest import make_client

STEP_SLEEP_S = 0.05  # every decoding step; the deadlines below are shorter than one step
README_REQUEST = {
    "mode": "structured",
    "prompt": "a lighthouse keeper's cat watching a storm",
    "numResults": 3,
    "seed": 42,
}


def slow_down(monkeypatch: pytest.MonkeyPatch, seconds: float = STEP_SLEEP_S) -> None:
    """Every decoding step (each deadline check of `decode_batch`) sleeps `seconds` first."""
    check = decoding._check

    def slow(deadline: float) -> None:
        time.sleep(seconds)
        check(deadline)

    monkeypatch.setattr(decoding, "_check", slow)


@pytest.fixture
def slow_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_down(monkeypatch)


def rows(seed: int, n: int = 1) -> list[LMRequest]:
    messages = (ChatMessage("system", "You write image prompts."), ChatMessage("user", "Spark: a red fox"))
    return [LMRequest(messages=messages, max_new_tokens=4, seed=seed + i) for i in range(n)]


def tiny(tiny_model_dir: Path, **kwargs: Any) -> LocalLanguageModel:
    lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", kernel="torch", **kwargs)
    lm.load_sync()
    return lm


def test_a_slow_models_only_request_finishes_with_the_bits_it_gets_on_a_fast_one(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lm = tiny(tiny_model_dir, alone_limit_s=60)
    fast = [o.text for o in asyncio.run(lm.generate(rows(7, 2), 60))]
    slow_down(monkeypatch)
    # Its deadline passes before the first step ends; nothing else waits: it runs to the end.
    slow = [o.text for o in asyncio.run(lm.generate(rows(7, 2), 0.01))]
    assert slow == fast


def test_a_request_arriving_during_a_slow_warm_up_is_not_timed_out_for_waiting(
    tiny_model_dir: Path, slow_steps: None
) -> None:
    lm = tiny(tiny_model_dir, alone_limit_s=60)

    async def scenario() -> list[Any]:
        warming = asyncio.create_task(lm.warm(rows(100, 4)))
        while lm.batches_run == 0:  # until the warm-up's batch runs (and holds the model)
            await asyncio.sleep(0.001)
        assert lm.warming
        outputs = await lm.generate(rows(3), 0.01)  # its deadline passes behind the warm-up
        await warming
        return outputs

    assert len(asyncio.run(scenario())) == 1


def test_without_a_limit_for_lone_requests_the_deadline_is_the_callers(
    tiny_model_dir: Path, slow_steps: None
) -> None:
    lm = tiny(tiny_model_dir)  # alone_limit_s=None: a plain deadline, as before
    with pytest.raises(UpstreamTimeout):
        asyncio.run(lm.generate(rows(1), 0.01))


def test_a_slow_batch_with_work_waiting_behind_it_still_keeps_the_deadline_and_says_why(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lm = tiny(tiny_model_dir, alone_limit_s=60, max_batch_rows=1, batch_window_ms=0)
    slow_down(monkeypatch, 0.5)

    async def scenario() -> tuple[Any, Any]:
        # The first batch starts at once; its first step ends past both deadlines.
        first = lm.generate(rows(1), 0.25)
        second = lm.generate(rows(2), 0.25)  # does not fit the first batch: it waits behind it
        return tuple(await asyncio.gather(first, second, return_exceptions=True))  # type: ignore[return-value]

    first, second = asyncio.run(scenario())
    assert isinstance(first, UpstreamTimeout)
    assert "busy" in first.detail and "PROMPTGEN_LM_TIMEOUT_S" in first.detail
    assert first.extensions["setting"] == "PROMPTGEN_LM_TIMEOUT_S" and first.retry_after is not None
    assert isinstance(second, Overloaded)  # never started: a 503 with Retry-After, not a 504
    assert "PROMPTGEN_LM_TIMEOUT_S" in second.detail


def test_the_readmes_first_request_succeeds_on_a_slow_idle_machine(
    tmp_path: Path, tiny_model_dir: Path, slow_steps: None
) -> None:
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_model=str(tiny_model_dir),
        lm_kernel="torch",
        lm_timeout_s=0.01,  # far less than one (slowed) step: every generation outlasts it
        request_timeout_s=120.0,
    )
    lm = LocalLanguageModel.from_settings(settings)
    with make_client(settings, lm) as client:  # sent at once: during the load and warm-up
        response = client.post("/v1/generate/prompt", json=README_REQUEST)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["prompts"]) == 3
        assert body["usage"]["backend"] == "local" and body["usage"]["modelCalls"] >= 1
        assert body["usage"]["completionTokens"] > 0  # the model's rows ran to their end


class SlowLoad(ScriptedLanguageModel):
    """A scripted model whose load finishes when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.loaded = False

    async def load(self) -> None:
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        self.loaded = True

    @property
    def ready(self) -> bool:
        return self.loaded


def test_a_request_arriving_during_the_load_waits_for_it(tmp_path: Path) -> None:
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    lm = SlowLoad()
    with make_client(settings, lm) as client:
        answer: dict[str, Any] = {}
        sender = threading.Thread(
            target=lambda: answer.update(r=client.post("/v1/generate/prompt", json=README_REQUEST))
        )
        sender.start()
        service = client.app.state.service
        for _ in range(2000):
            if service.waiting_for_load:
                break
            time.sleep(0.005)
        assert service.waiting_for_load == 1 and "r" not in answer  # waiting, not failed
        assert client.get("/readyz").status_code == 503
        lm.release.set()
        sender.join(60)
        assert answer["r"].status_code == 200, answer["r"].text
        assert len(answer["r"].json()["prompts"]) == 3


def test_a_load_outlasting_the_requests_deadline_is_a_503_with_retry_after_not_a_504(tmp_path: Path) -> None:
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="scripted",
        lm_timeout_s=1.0,
        request_timeout_s=2.0,  # waits 1 s for the load (the other second is the generation's)
    )
    lm = SlowLoad()
    try:
        with make_client(settings, lm) as client:
            response = client.post("/v1/generate/prompt", json=README_REQUEST)
            lm.release.set()
    finally:
        lm.release.set()
    assert response.status_code == 503, response.text
    problem = response.json()
    assert problem["type"].endswith("/overloaded") and problem["reason"] == "loading"
    assert "still loading" in problem["detail"] and "/readyz" in problem["detail"]
    assert 5 <= int(response.headers["Retry-After"]) <= 60
