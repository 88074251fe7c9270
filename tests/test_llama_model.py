"""`llama_model.LlamaForCausalLM` (plain torch, the quantized path's model) computes transformers'
`LlamaForCausalLM` with the float64 attention bit for bit, and the quantized path loads without
transformers and without keeping the GGUF's mapping."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from models.lm.base import ChatMessage, LMRequest
from models.lm.decoding import decode_step_for, register_attention
from models.lm.lanes import SMALL, blocks_of
from models.lm.llama_model import KVCache, LlamaConfig, LlamaForCausalLM, causal_mask
from models.lm.llama_step import StepCache
from models.lm.prefill import cache_of, forward_last, new_cache, with_cache
from models.lm.prefix_cache import PrefixStore
from tests.conftest import MODEL_CACHE, ROOT


def _bits(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous().view(torch.int32)


@pytest.fixture(scope="module")
def pair(tiny_model_dir):
    """transformers' tiny Llama (float64 attention) and ours holding the same weights, each
    multiplying through the decoding kernels as the service's models do (`decode_step_for`
    packs them). Through torch's products the two can differ in the last bit: MKL rounds a
    strided input (the last position's rows) differently at another address alignment."""
    from transformers import AutoModelForCausalLM

    from models.lm import kernels

    if kernels.kernel() is None:
        pytest.skip("no decoding kernels here")
    theirs = AutoModelForCausalLM.from_pretrained(
        str(tiny_model_dir), dtype=torch.float32, local_files_only=True, attn_implementation=register_attention()
    ).eval()
    ours = LlamaForCausalLM(LlamaConfig.from_file(tiny_model_dir / "config.json")).eval()
    ours.load_state(theirs.state_dict())
    shapes = [{name: tuple(p.shape) for name, p in m.named_parameters()} for m in (theirs, ours)]
    assert torch.equal(ours.model.rotary_emb.inv_freq, theirs.model.rotary_emb.inv_freq)
    for model in (theirs, ours):
        decode_step_for(model)
    return theirs, ours, shapes


def _inputs(vocab: int, rows: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, vocab, (rows, length), generator=g)
    mask = torch.ones((rows, length), dtype=torch.long)
    for r in range(1, rows):
        mask[r, : r * 2] = 0  # left padding, longer each row
    return ids, mask


def test_the_modules_are_transformers_names_and_shapes(pair):
    _, _, (their_shapes, our_shapes) = pair
    if "lm_head.weight" not in their_shapes:  # tied: listed once
        our_shapes = {name: shape for name, shape in our_shapes.items() if name != "lm_head.weight"}
    assert our_shapes == their_shapes and len(our_shapes) == 2 + 9 * 2  # embedding, final norm, 9 a layer


@pytest.mark.parametrize(("rows", "length"), [(1, 1), (1, 17), (3, 9), (5, 30)])
def test_prefill_logits_and_cache_have_transformers_bits(pair, rows, length):
    theirs, ours, _ = pair
    ids, mask = _inputs(theirs.config.vocab_size, rows, length, rows * 100 + length)
    with torch.inference_mode():
        outputs = [m(input_ids=ids, attention_mask=mask, **with_cache(m)) for m in (theirs, ours)]
        plain = [m(input_ids=ids) for m in (theirs, ours)]  # no mask, no cache, positions from 0
    (a, b), (c, d) = outputs, plain
    assert torch.equal(_bits(a.logits), _bits(b.logits))
    assert torch.equal(_bits(c.logits), _bits(d.logits))
    for their_layer, our_layer in zip(cache_of(a).layers, cache_of(b).layers, strict=True):
        assert torch.equal(their_layer.keys, our_layer.keys) and torch.equal(their_layer.values, our_layer.values)


def test_a_tail_after_a_cached_head_with_positions_and_last_logits_has_transformers_bits(pair):
    theirs, ours, _ = pair
    ids, mask = _inputs(theirs.config.vocab_size, 3, 20, 5)
    results = []
    with torch.inference_mode():
        for m in (theirs, ours):
            head = cache_of(m(input_ids=ids[:, :12], attention_mask=mask[:, :12], **with_cache(m)))
            positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, 12:]
            out = forward_last(m, input_ids=ids[:, 12:], attention_mask=mask, position_ids=positions, **with_cache(m, head))
            assert out.logits.shape[1] == 1
            # a 2D mask longer than the keys (cut to them), as transformers reads one
            short = m(input_ids=ids[:, 12:14], attention_mask=mask[:, :13], **with_cache(m, new_cache(m)))
            # no mask and no positions after a cached head: positions go on from its length
            more = m(input_ids=ids[:, :3], **with_cache(m, head))
            results.append((out.logits, short.logits, more.logits, cache_of(more).get_seq_length()))
    (a, b, e, n), (c, d, f, k) = results
    assert torch.equal(_bits(a), _bits(c)) and torch.equal(_bits(b), _bits(d)) and torch.equal(_bits(e), _bits(f))
    assert n == k == 23


def test_the_step_runs_on_our_models_cache_as_on_transformers(pair):
    theirs, ours, _ = pair
    ids, mask = _inputs(theirs.config.vocab_size, 3, 10, 9)
    step_mask = torch.cat([mask, torch.ones((3, 1), dtype=torch.long)], dim=1)
    results = []
    with torch.inference_mode():
        for m in (theirs, ours):
            cache = cache_of(m(input_ids=ids, attention_mask=mask, **with_cache(m)))
            held = StepCache(cache, 2)
            logits = decode_step_for(m)(torch.tensor([5, 6, 7]), mask.sum(-1), held, step_mask, blocks_of([SMALL] * 3))
            results.append((logits, held.keys[1][:, :, :11].clone(), cache))
    (a, keys_a, _), (b, keys_b, ours_cache) = results
    assert torch.equal(_bits(a), _bits(b)) and torch.equal(keys_a, keys_b)
    assert isinstance(ours_cache, KVCache) and ours_cache.get_seq_length() == 10


def test_the_mask_is_transformers_eager_mask():
    from transformers.masking_utils import eager_mask

    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    for past, q in ((0, 6), (2, 4), (5, 1), (3, 5)):  # (3, 5): the mask is shorter than the keys
        theirs = eager_mask(batch_size=2, q_length=q, kv_length=past + q, q_offset=past, attention_mask=mask.bool())
        assert torch.equal(causal_mask(mask, 2, q, past, torch.float32), theirs), (past, q)
    theirs = eager_mask(batch_size=2, q_length=3, kv_length=3)
    assert torch.equal(causal_mask(None, 2, 3, 0, torch.float32), theirs)


def test_a_config_it_does_not_implement_is_refused(tiny_model_dir):
    import json

    values = json.loads((tiny_model_dir / "config.json").read_text())
    LlamaConfig.from_dict(values)
    for change in ({"rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5}}, {"mlp_bias": True}, {"model_type": "gpt2"}):
        with pytest.raises(ValueError):
            LlamaConfig.from_dict({**values, **change})


# The embedded model: our model on the GGUF's quantized panels against transformers' float32 model.


def _conversation(spark: str) -> tuple[ChatMessage, ...]:
    return (
        ChatMessage(role="system", content="You write vivid, concrete prompts for an image generator."),
        ChatMessage(role="user", content=f"Write one image prompt about: {spark}"),
    )


@pytest.fixture(scope="module")
def embedded(smollm_dir):
    from models.lm import kernels
    from models.lm.local import LocalLanguageModel

    if kernels.kernel() is None:
        pytest.skip("no decoding kernels here: the quantized path (our model) does not run")
    dense = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    dense.load_sync()
    quant = LocalLanguageModel(cache_dir=MODEL_CACHE, dtype="float32")
    quant.load_sync()
    assert isinstance(quant._model, LlamaForCausalLM) and not isinstance(dense._model, LlamaForCausalLM)
    return dense, quant


def test_prefill_through_the_prefix_store_and_steps_have_the_float32_models_bits(embedded):
    dense, quant = embedded
    rows = [LMRequest(messages=_conversation(s)) for s in ("a fox in the snow", "a red kite over a beach")]
    ids = [dense._tokenizer(dense.render_conversation(r), add_special_tokens=False).input_ids for r in rows]
    assert ids == [quant._tokenizer(quant.render_conversation(r), add_special_tokens=False).input_ids for r in rows]
    results = []
    with torch.inference_mode():
        for lm in (dense, quant):
            model, store = lm._model, PrefixStore()
            store.kv_for(model, ids[0][:-5])  # the second prefix reuses its head and runs its tail
            caches = store.kv_for_many(model, [ids[0], ids[1]])
            step = decode_step_for(model)
            logits = []
            for cache, row in zip(caches, ids, strict=True):
                held, mask, pos = StepCache(cache, 3), torch.ones((1, len(row)), dtype=torch.long), torch.tensor([len(row)])
                for token in (42, 1000, 7):
                    mask = torch.cat([mask, torch.ones((1, 1), dtype=torch.long)], dim=1)
                    logits.append(step(torch.tensor([token]), pos, held, mask, blocks_of([SMALL])))
                    pos = pos + 1
            results.append(logits)
    for a, b in zip(*results, strict=True):
        assert torch.equal(_bits(a), _bits(b))


def test_read_weights_gives_views_of_the_files_mapping(monkeypatch):
    import gguf

    from models.lm import gguf_model
    from models.lm.local import EMBEDDED_NAME, embedded_gguf_path

    readers: list[gguf.GGUFReader] = []
    real = gguf.GGUFReader

    def reader(*args, **kwargs):  # type: ignore[no-untyped-def]
        readers.append(real(*args, **kwargs))
        return readers[-1]

    monkeypatch.setattr(gguf, "GGUFReader", reader)
    folder = gguf_model.model_files(embedded_gguf_path(), MODEL_CACHE, EMBEDDED_NAME)
    weights = gguf_model.read_weights(embedded_gguf_path(), LlamaConfig.from_file(folder / "config.json"))
    mapping: np.memmap = readers[0].data
    start, end = mapping.ctypes.data, mapping.ctypes.data + mapping.nbytes
    quantized = {name: t for name, (kind, t) in weights.items() if kind != "f32"}
    assert len(quantized) == 211
    reordered = {name for name in quantized if ".q_proj." in name or ".k_proj." in name}
    assert len(reordered) == 60  # q and k rows put back in transformers' order: a copy (4% of the rows)
    assert all(start <= t.data_ptr() < end for name, t in quantized.items() if name not in reordered)
    assert not any(start <= quantized[name].data_ptr() < end for name in reordered)
    assert all(not (start <= t.data_ptr() < end) for kind, t in weights.values() if kind == "f32")


LOADED = """
import sys
from pathlib import Path
from models.lm.base import ChatMessage, LMRequest
from models.lm.local import LocalLanguageModel
lm = LocalLanguageModel(cache_dir=Path(sys.argv[1]))
lm.load_sync()
row = LMRequest(messages=(ChatMessage(role="user", content="a fox"),), max_new_tokens=3, seed=1)
print(len(lm.generate_sync([row], float("inf"))[0].text) > 0)
print("transformers" in sys.modules)
print(any("SmolLM2" in line and ".gguf" in line for line in open("/proc/self/maps")))
"""


def test_the_quantized_path_imports_no_transformers_and_releases_the_gguf():
    done = subprocess.run(
        [sys.executable, "-c", LOADED, str(MODEL_CACHE)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    generated, imported, mapped = done.stdout.split()[-3:]
    assert generated == "True"
    assert imported == "False", "the quantized path imported transformers"
    assert mapped == "False", "the GGUF is still mapped once the model is loaded"
