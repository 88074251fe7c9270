"""`LlamaDecodeStep` computes what transformers' own forward computes, on the same weights."""

from __future__ import annotations

import copy

import pytest
import torch

from models.lm.decoding import decode_step_for
from models.lm.lanes import LARGE, SMALL, blocks_of, decoding_step
from models.lm.local import LocalLanguageModel
from models.lm.prefill import cache_of, with_cache


@pytest.fixture
def model(tiny_llama):
    return tiny_llama


@pytest.mark.parametrize("lane_at", [[SMALL] * 4, [SMALL] * 8 + [SMALL] * 4, [SMALL] * 4 + [LARGE] * 16])
def test_a_step_gives_the_logits_of_the_models_forward(model, lane_at):
    step = decode_step_for(model)
    assert step is not None
    rows = len(lane_at)
    torch.manual_seed(rows)
    ids = torch.randint(3, model.config.vocab_size, (rows, 9))
    mask = torch.ones((rows, 10), dtype=torch.long)
    mask[1, :4] = 0  # a left-padded row
    with torch.inference_mode():
        cache = cache_of(model(input_ids=ids, attention_mask=mask[:, :9], **with_cache(model)))
        reference_cache = copy.deepcopy(cache)
        tokens = torch.randint(3, model.config.vocab_size, (rows,))
        positions = mask[:, :9].sum(-1)
        ours = step(tokens, positions, cache, mask, blocks_of(lane_at))
        with decoding_step(lane_at):
            theirs = model(
                input_ids=tokens[:, None],
                attention_mask=mask,
                position_ids=positions[:, None],
                **with_cache(model, reference_cache),
            ).logits[:, -1]
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    assert torch.equal(ours.argmax(-1), theirs.argmax(-1))
    assert cache.get_seq_length() == reference_cache.get_seq_length() == 10


def test_without_the_kernels_fused_projections_share_the_linears_memory(tiny_model_dir):
    lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32", kernel="torch")
    lm.load_sync()
    model = lm._model
    step = decode_step_for(model)
    attention = model.model.layers[0].self_attn
    fused = step.layers[0].qkv
    assert attention.q_proj.weight.data_ptr() == fused.data_ptr()
    assert attention.k_proj.weight.untyped_storage().data_ptr() == fused.untyped_storage().data_ptr()
    assert decode_step_for(model) is step  # made once per model


def test_with_the_kernels_the_packed_panels_are_the_only_copy_of_the_weights(model):
    step = decode_step_for(model)
    assert step.kernel is not None
    attention = model.model.layers[0].self_attn
    fused = step.layers[0].qkv.panels
    for linear in (attention.q_proj, attention.k_proj, attention.v_proj, model.lm_head):
        assert linear.weight.numel() == 0  # released
    q_panels = attention.q_proj._promptgen_packed.panels
    if attention.q_proj.out_features % 16 == 0:  # aligned: a view of the fused panels
        assert q_panels.untyped_storage().data_ptr() == fused.untyped_storage().data_ptr()
    assert model.model.embed_tokens.weight.numel() > 0  # the embedding keeps its rows
    assert decode_step_for(model) is step


def test_other_architectures_decode_through_the_model():
    class NotLlama:
        config = type("Config", (), {"model_type": "gpt2"})()

    assert decode_step_for(NotLlama()) is None


def test_a_prefill_computes_only_the_last_positions_logits_with_the_same_bits_and_kv(model):
    from models.lm.decoding import forward_last

    torch.manual_seed(0)
    ids = torch.randint(3, model.config.vocab_size, (2, 21))
    with torch.inference_mode():
        full = model(input_ids=ids, use_cache=True)
        last = forward_last(model, input_ids=ids, use_cache=True)
    assert last.logits.shape == (2, 1, model.config.vocab_size)
    assert torch.equal(last.logits[:, -1], full.logits[:, -1])
    for ours, theirs in zip(cache_of(last).layers, cache_of(full).layers, strict=True):
        assert torch.equal(ours.keys, theirs.keys) and torch.equal(ours.values, theirs.values)
