"""Reusing a stored conversation prefix's KV across requests: bounded, never mutating what it
reuses, and (on the real model, where it matters) bit-identical to computing from scratch, so
a seeded request gets the same prompts whatever was served before it."""

from __future__ import annotations

import asyncio

import pytest
import torch

from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LocalLanguageModel
from models.lm.prefill import cache_of, with_cache
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
    assert store.tokens_reused == shared > 0
    assert store.tokens_computed == len(first) + len(second) - shared
    assert all(torch.equal(a, layer.keys) for a, layer in zip(before, stored.layers, strict=True))
    assert reused.get_seq_length() == len(second)


def test_a_stored_prefix_is_served_without_running_the_model_and_any_tail_is_run(tiny) -> None:
    store = PrefixStore()
    ids = conversation_ids(tiny, "a fox")
    with torch.inference_mode():
        store.kv_for(tiny._model, ids)
        again = store.kv_for(tiny._model, ids)
        assert (store.forward_passes, store.tokens_computed) == (1, len(ids))
        longer = store.kv_for(tiny._model, [*ids, ids[-1]])  # a one-token tail
    assert store.forward_passes == 2 and store.tokens_reused == 2 * len(ids)
    assert again.get_seq_length() == len(ids) and longer.get_seq_length() == len(ids) + 1


def test_the_tails_of_a_batchs_prefixes_run_in_one_forward_pass(tiny) -> None:
    store = PrefixStore()
    sparks = ["a fox", "a robot barista in a rainy street", "moon", "a tiny dragon on a teacup"]
    prefixes = [conversation_ids(tiny, spark) for spark in sparks]
    with torch.inference_mode():
        caches = store.kv_for_many(tiny._model, prefixes)
        alone = [cache_of(tiny._model(input_ids=torch.tensor([ids]), **with_cache(tiny._model))) for ids in prefixes]
    assert store.forward_passes == 2  # the first alone (nothing stored yet), then the other tails together
    assert store.tokens_reused > 0
    for cache, reference, ids in zip(caches, alone, prefixes, strict=True):
        assert cache.get_seq_length() == len(ids)
        for a, b in zip(cache.layers, reference.layers, strict=True):
            torch.testing.assert_close(a.keys, b.keys)
            torch.testing.assert_close(a.values, b.values)


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


@pytest.mark.smollm
def test_on_the_real_model_a_reused_prefix_is_bit_identical(smollm_dir) -> None:
    """Tails of every length from 1 to 13 tokens (the row counts where an unpadded product
    would round differently), run alone and as one batch with different head lengths, give
    the bits of running each prefix whole."""
    lm = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    lm.load_sync()
    base = conversation_ids(lm, "a lighthouse in a storm")
    prefixes = [base[: len(base) - tail] for tail in range(13, 0, -1)]
    extra = [base + [base[-1]] * tail for tail in (1, 2, 3, 5, 6, 7, 9, 10, 11)]
    with torch.inference_mode():
        fresh = [cache_of(lm._model(input_ids=torch.tensor([ids]), **with_cache(lm._model))) for ids in prefixes + extra]
        one_by_one = PrefixStore(max_entries=1)  # each reuses the one before: tails of 1 token
        caches = [one_by_one.kv_for(lm._model, ids) for ids in prefixes]
        batched = PrefixStore()
        batched.kv_for(lm._model, prefixes[0])
        caches += batched.kv_for_many(lm._model, extra)  # tails of 14-24 tokens in one batch
    assert one_by_one.tokens_reused > 0 and batched.forward_passes == 2
    for cache, reference in zip(caches, fresh, strict=True):
        for a, b in zip(cache.layers, reference.layers, strict=True):
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
