"""Reusing a stored conversation prefix's KV across requests: bounded, never mutating what it
reuses, and (on the real model, where it matters) bit-identical to computing from scratch, so
a seeded request gets the same prompts whatever was served before it."""

from __future__ import annotations

import asyncio

import pytest
import torch

from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LocalLanguageModel
from models.lm.prefix_cache import PrefixStore
from modes import ModeContext, get_mode

SYSTEM = ChatMessage("system", "You write prompts for an AI image generator. " * 6)


def conversation_ids(lm: LocalLanguageModel, spark: str) -> list[int]:
    row = LMRequest(messages=(SYSTEM, ChatMessage("user", f"Spark: {spark}")))
    return lm._tokenizer(lm.render_conversation(row), add_special_tokens=False).input_ids


@pytest.fixture(scope="module")
def tiny(tiny_model_dir) -> LocalLanguageModel:
    model = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32")
    model.load_sync()
    return model


def test_a_shared_head_is_reused_and_the_stored_prefix_is_left_untouched(tiny) -> None:
    store = PrefixStore()
    first = conversation_ids(tiny, "a fox in the snow")
    second = conversation_ids(tiny, "a robot barista")
    with torch.inference_mode():
        stored = store.kv_for(tiny._model, first)
        before = [layer.keys.clone() for layer in stored.layers]
        reused = store.kv_for(tiny._model, second)
    shared = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    head = min(shared, len(second) - store.min_rows)  # the computed tail keeps its minimum too
    assert store.tokens_reused == head >= store.min_rows
    assert store.tokens_computed == len(first) + len(second) - head
    assert all(torch.equal(a, layer.keys) for a, layer in zip(before, stored.layers, strict=True))
    assert reused.get_seq_length() == len(second)


def test_both_the_reused_head_and_the_computed_tail_keep_the_minimum_rows(tiny) -> None:
    store = PrefixStore(min_rows=16)
    ids = conversation_ids(tiny, "a fox")
    with torch.inference_mode():
        store.kv_for(tiny._model, ids)
        store.kv_for(tiny._model, ids + [ids[-1]] * 3)  # only 3 new tokens: reuse stops 16 short
    assert store.tokens_reused == len(ids) + 3 - 16


def test_the_store_is_bounded_and_forgets_the_least_recently_used(tiny) -> None:
    store = PrefixStore(max_entries=2)
    first, second, third = (list(range(start, start + 40)) for start in (100, 300, 500))  # unrelated
    with torch.inference_mode():
        store.kv_for(tiny._model, first)
        store.kv_for(tiny._model, second)
        store.kv_for(tiny._model, first + [7] * 20)  # reuses `first`: now the most recently used
        store.kv_for(tiny._model, third)
    assert len(store._entries) == 2
    assert tuple(second) not in store._entries and tuple(third) in store._entries


def test_nothing_shorter_than_the_minimum_is_reused(tiny) -> None:
    store = PrefixStore()
    with torch.inference_mode():
        store.kv_for(tiny._model, list(range(100, 140)))
        store.kv_for(tiny._model, [*range(100, 110), *range(500, 540)])  # 10 shared tokens
    assert store.tokens_reused == 0


@pytest.mark.smollm
def test_on_the_real_model_a_reused_prefix_is_bit_identical(smollm_dir) -> None:
    lm = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    lm.load_sync()
    store = PrefixStore()
    ids = conversation_ids(lm, "a lighthouse in a storm")
    with torch.inference_mode():
        store.kv_for(lm._model, conversation_ids(lm, "a paper lantern festival"))
        reused = store.kv_for(lm._model, ids)
        fresh = lm._model(input_ids=torch.tensor([ids]), use_cache=True).past_key_values
    assert store.tokens_reused > 16
    for a, b in zip(reused.layers, fresh.layers, strict=True):
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)


@pytest.mark.smollm
def test_on_the_real_model_a_seeded_request_does_not_depend_on_what_came_before(smollm_dir) -> None:
    def rows(spark: str) -> list[LMRequest]:
        ctx = ModeContext(mode="structured", spark=spark, num_results=1, seed=5)
        return get_mode("structured").plan(ctx, 1, 0, True).rows

    warmed = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    asyncio.run(warmed.generate(rows("a glass greenhouse on the moon"), 600))
    after_another = asyncio.run(warmed.generate(rows("a lighthouse in a storm"), 600))
    assert warmed.prefixes.tokens_reused > 0
    cold = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    cold.prefixes = PrefixStore(max_entries=0)  # never reuses anything
    alone = asyncio.run(cold.generate(rows("a lighthouse in a storm"), 600))
    assert [o.text for o in after_another] == [o.text for o in alone]
