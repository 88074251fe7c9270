"""The `local` backend on a tiny random Llama built offline (real tokenizer and chat template)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from app.errors import Overloaded, UpstreamTimeout
from models.lm import registry
from models.lm.base import ChatMessage, LMRequest
from models.lm.decoding import decode_step_for
from models.lm.local import LocalLanguageModel, newline_token_ids

MESSAGES = (ChatMessage("system", "You write image prompts."), ChatMessage("user", "Spark: a fox"))


def row(seed: int, **kw) -> LMRequest:
    values = {
        "messages": MESSAGES,
        "prefill": "Subject: a fox\nSetting:",
        "max_new_tokens": 8,
        "temperature": 0.9,
        "top_p": 0.9,
        "seed": seed,
    }
    values.update(kw)
    return LMRequest(**values)


@pytest.fixture(scope="module")
def lm(tiny_model_dir) -> LocalLanguageModel:
    model = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", concurrency=1)
    model.load_sync()
    return model


def generate(lm, rows, deadline=60.0):
    return asyncio.run(lm.generate(rows, deadline))


def test_local_backend_is_registered():
    assert "local" in registry.names() and "openai" in registry.names()


def test_one_output_per_row_in_order_within_token_budget(lm):
    outputs = generate(lm, [row(1), row(2, max_new_tokens=3), row(3)])
    assert len(outputs) == 3
    assert outputs[1].completion_tokens <= 3
    assert all(o.completion_tokens <= 8 and o.prompt_tokens > 10 for o in outputs)


def test_same_seed_same_output_and_different_seeds_differ(lm):
    first = generate(lm, [row(s, max_new_tokens=12) for s in range(4)])
    second = generate(lm, [row(s, max_new_tokens=12) for s in range(4)])
    assert [o.text for o in first] == [o.text for o in second]
    assert len({o.text for o in first}) > 1


def test_a_rows_output_does_not_depend_on_its_batch_neighbours(lm):
    alone = generate(lm, [row(42, max_new_tokens=12)])[0].text
    together = generate(lm, [row(7, max_new_tokens=12), row(42, max_new_tokens=12), row(9)])[1].text
    assert alone == together


def test_temperature_zero_is_greedy_whatever_the_seed(lm):
    texts = {o.text for o in generate(lm, [row(s, temperature=0.0, max_new_tokens=10) for s in range(3)])}
    assert len(texts) == 1


def test_stop_at_newline_keeps_output_on_one_line(lm):
    outputs = generate(lm, [row(s, max_new_tokens=30, temperature=1.5, top_p=1.0) for s in range(6)])
    assert all("\n" not in o.text for o in outputs)


def test_newline_tokens_are_those_whose_text_holds_a_newline(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    expected = {
        idx for tok, idx in tokenizer.get_vocab().items() if "\n" in tokenizer.convert_tokens_to_string([tok])
    }
    assert newline_token_ids(tokenizer) == expected
    assert tokenizer.convert_tokens_to_ids("Ċ") in expected and len(expected) > 50  # "\n" in byte-level BPE

    class SlowTokenizer:  # no backend decoder: the tokenizer's own conversion is asked
        def get_vocab(self) -> dict[str, int]:
            return {"a": 0, "b\nc": 1, "\n": 2}

        def convert_tokens_to_string(self, tokens: list[str]) -> str:
            return "".join(tokens)

    assert newline_token_ids(SlowTokenizer()) == {1, 2}


def test_generation_runs_off_the_event_loop(lm):
    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        await lm.generate([row(s, max_new_tokens=30) for s in range(8)], 60)
        task.cancel()
        return ticks

    assert asyncio.run(scenario()) > 3


def test_concurrency_is_bounded(lm, monkeypatch):
    active = 0
    peak = 0
    lock = threading.Lock()
    original = lm.generate_sync

    def tracking(rows, deadline, lanes=None):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        try:
            return original(rows, deadline, lanes)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(lm, "generate_sync", tracking)

    async def scenario():
        await asyncio.gather(*(lm.generate([row(s)], 60) for s in range(4)))

    asyncio.run(scenario())
    assert peak == 1


def test_full_queue_answers_overloaded(tiny_model_dir):
    model = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", concurrency=1, queue_limit=0)
    with pytest.raises(Overloaded):
        generate(model, [row(1)])


def test_deadline_stops_generation_with_a_timeout_error(lm):
    with pytest.raises(UpstreamTimeout):
        generate(lm, [row(s, max_new_tokens=400) for s in range(4)], deadline=0.05)


def test_missing_model_folder_is_a_clear_unavailable_error(tmp_path):
    from app.errors import UpstreamUnavailable

    model = LocalLanguageModel(model_path=str(tmp_path / "nope"))
    with pytest.raises(UpstreamUnavailable, match="cannot load local model"):
        model.load_sync()


CALLER_MIXES = {
    # Three small calls: different prompts, a prefill, a greedy row.
    "small-lane": [
        [row(1, max_new_tokens=10)],
        [row(2, messages=(ChatMessage("user", "Spark: a much longer spark about a castle at night"),))],
        [row(3, prefill="Subject: x\nLighting:"), row(4, temperature=0.0)],
    ],
    # A 10-row call decodes in the large lane, 1- and 3-row calls in the small one, rows
    # finishing at different steps.
    "both-lanes": [
        [row(11, max_new_tokens=12, stop_at_newline=False)],
        [row(20 + i, max_new_tokens=3 + i) for i in range(10)],
        [row(40 + i, prefill="Subject: x\nPalette:", max_new_tokens=6) for i in range(3)],
    ],
}


@pytest.mark.parametrize("kernel", ["auto", "torch"])  # the C kernels, and the lanes without them
@pytest.mark.parametrize("mix", sorted(CALLER_MIXES))
def test_concurrent_callers_share_one_batch_and_get_their_unbatched_results(tiny_model_dir, mix, kernel):
    model = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", batch_window_ms=50, kernel=kernel)
    model.load_sync()
    assert (decode_step_for(model._model).kernel is None) == (kernel == "torch")
    callers = CALLER_MIXES[mix]
    alone = [[o.text for o in generate(model, rows)] for rows in callers]
    batches_before = model.batches_run

    async def together():
        return await asyncio.gather(*(model.generate(rows, 60) for rows in callers))

    merged = [[o.text for o in outs] for outs in asyncio.run(together())]
    assert model.batches_run - batches_before == 1
    assert merged == alone
