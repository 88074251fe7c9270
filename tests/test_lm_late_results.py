"""The local backend under overload: a caller that gives up while its rows run costs the others
of its batch nothing, and its finished outputs answer the same rows asked again (a seeded
request's retry) at once, with the bits it would have got alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.errors import UpstreamTimeout
from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LATE_RESULTS, LocalLanguageModel


def rows_for(spark: str, seed: int, n: int = 3) -> list[LMRequest]:
    messages = (ChatMessage("system", "You write image prompts."), ChatMessage("user", f"Spark: {spark}"))
    return [
        LMRequest(messages=messages, prefill="Subject: x\nSetting:", max_new_tokens=8, seed=seed + i)
        for i in range(n)
    ]


@pytest.fixture
def model(tiny_model_dir: Any) -> LocalLanguageModel:
    lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", batch_window_ms=20)
    lm.load_sync()
    return lm


def texts(outputs: Any) -> list[str]:
    return [o.text for o in outputs]


def hold_batches(model: LocalLanguageModel) -> tuple[asyncio.Event, asyncio.Event]:
    """Batches wait for `release` before they run; `running` is set once one is waiting."""
    release, running = asyncio.Event(), asyncio.Event()
    original = model._run

    async def held(fn: Any, *args: Any) -> Any:
        running.set()
        await release.wait()
        return await original(fn, *args)

    model._run = held  # type: ignore[method-assign]
    return release, running


@pytest.mark.parametrize("gives_up", ["deadline", "cancelled"])
def test_a_caller_giving_up_mid_batch_costs_the_others_nothing_and_its_rows_are_kept(
    model: LocalLanguageModel, gives_up: str
) -> None:
    mine, theirs = rows_for("a fox", 10), rows_for("a lighthouse at night", 20)
    alone_mine = texts(asyncio.run(model.generate(mine, 60)))
    alone_theirs = texts(asyncio.run(model.generate(theirs, 60)))

    async def scenario() -> list[str]:
        release, running = hold_batches(model)
        # With "deadline", the caller's own deadline passes while its rows are in the held batch.
        first = asyncio.create_task(model.generate(mine, 2.0 if gives_up == "deadline" else 60))
        other = asyncio.create_task(model.generate(theirs, 60))
        await running.wait()  # both callers' rows are in the batch now (one window)
        if gives_up == "cancelled":
            first.cancel()  # as the request's own deadline cancels its handler
            with pytest.raises(asyncio.CancelledError):
                await first
        else:
            with pytest.raises(UpstreamTimeout):
                await first
        release.set()
        return texts(await other)

    batches = model.batches_run
    assert asyncio.run(scenario()) == alone_theirs  # the other caller's result, unchanged
    assert model.batches_run == batches + 1 and model.late_kept == 1

    retried = texts(asyncio.run(model.generate(mine, 60)))  # the same rows again: no new batch
    assert retried == alone_mine
    assert model.batches_run == batches + 1 and model.late_served == 1
    again = texts(asyncio.run(model.generate(mine, 60)))  # served once; then computed as usual
    assert again == alone_mine and model.batches_run == batches + 2


def test_a_caller_that_gave_up_before_its_rows_ran_costs_no_work(model: LocalLanguageModel) -> None:
    async def scenario() -> None:
        release, running = hold_batches(model)
        busy = asyncio.create_task(model.generate(rows_for("a fox", 1), 60))
        await running.wait()  # the first batch holds the model
        queued = asyncio.create_task(model.generate(rows_for("a harbour", 5), 60))
        await asyncio.sleep(0)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await busy

    batches = model.batches_run
    asyncio.run(scenario())
    assert model.batches_run == batches + 1 and model.late_kept == 0  # the cancelled rows never ran


def test_kept_outputs_are_bounded(model: LocalLanguageModel) -> None:
    for i in range(LATE_RESULTS + 5):
        model._keep_late(rows_for("a fox", 1000 + i, n=1), [])
    assert len(model._late) == LATE_RESULTS
    assert tuple(rows_for("a fox", 1000, n=1)) not in model._late  # the oldest went first


def test_batches_take_the_earliest_deadline_first(model: LocalLanguageModel) -> None:
    """A request's re-sample comes back with what is left of its deadline: it must not queue
    behind requests that arrived after its request and are due later."""
    model.max_batch_rows = 3  # one caller a batch
    ran: list[str] = []
    release, running = hold_batches(model)
    held = model._run

    async def recording(fn: Any, *args: Any) -> Any:
        ran.append(args[0][0].messages[-1].content)
        return await held(fn, *args)

    model._run = recording  # type: ignore[method-assign]

    async def scenario() -> None:
        busy = asyncio.create_task(model.generate(rows_for("busy", 1), 60))
        await running.wait()  # the model is busy with the first batch
        newer = asyncio.create_task(model.generate(rows_for("newer", 2), 60))
        await asyncio.sleep(0)
        resample = asyncio.create_task(model.generate(rows_for("resample", 3), 30))  # due sooner
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(busy, newer, resample)

    asyncio.run(scenario())
    assert ran == ["Spark: busy", "Spark: resample", "Spark: newer"]
