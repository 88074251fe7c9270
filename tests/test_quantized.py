"""Decoding from the GGUF's quantized blocks (`kernels.QuantPacked`, `gguf_model`): the same
bits as the float32 weights of the safetensors conversion, product by product and token by
token, whatever shares a call."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import torch

from models.lm import gguf_model, kernels
from models.lm.base import ChatMessage, LMRequest
from models.lm.decoding import decode_step_for
from models.lm.lanes import SMALL, blocks_of
from models.lm.local import EMBEDDED_NAME, LocalLanguageModel, embedded_gguf_path
from models.lm.prefill import cache_of, with_cache
from tests.conftest import MODEL_CACHE

SHAPES = [(576, 576, "q4_1"), (192, 1536, "q4_1"), (40, 64, "q4_1"), (100, 576, "q8_0"), (16, 32, "q8_0")]


@pytest.fixture(scope="module")
def kernel():
    built = kernels.kernel()
    assert built is not None, "the decoding kernels must build here (make test installs gcc's toolchain)"
    return built


def _raw(out: int, width: int, kind: str, seed: int) -> torch.Tensor:
    """Random GGUF rows with realistic half scales (and some subnormal and negative ones)."""
    g = torch.Generator().manual_seed(seed)
    block = kernels.QUANT_FORMATS[kind][0]
    raw = torch.randint(0, 256, (out, width // 32, block), dtype=torch.uint8, generator=g)
    scales = (torch.rand(out, width // 32, 2 if kind == "q4_1" else 1, generator=g) - 0.5) * 0.02
    scales[0, 0, 0] = 3e-7  # a subnormal half
    halves = scales.to(torch.float16).contiguous().view(torch.uint8).reshape(out, width // 32, -1)
    raw[..., : halves.shape[-1]] = halves
    return raw.reshape(out, -1)


@pytest.mark.parametrize(("out", "width", "kind"), SHAPES)
def test_a_quantized_product_has_the_bits_of_the_dequantized_float32_one(kernel, out, width, kind):
    raw = _raw(out, width, kind, out + width)
    quant, dense = kernels.QuantPacked(kind, raw), kernels.Packed(kernels.dequantize(kind, raw))
    x = torch.randn(19, width, generator=torch.Generator().manual_seed(1))
    whole = kernel.mm(quant, x)
    assert torch.equal(whole.view(torch.int32), kernel.mm(dense, x).view(torch.int32))
    for rows in (1, 2, 7, 8, 9):  # alone, or with any neighbours: the same bits
        assert torch.equal(kernel.mm(quant, x[:rows]), whole[:rows]), rows
        assert torch.equal(kernel.mm(quant, x[rows : rows + 1]), whole[rows : rows + 1]), rows


def test_dequantizing_is_gguf_pys_arithmetic():
    import gguf

    raw = {"q4_1": _raw(48, 96, "q4_1", 3), "q8_0": _raw(48, 96, "q8_0", 4)}
    for kind, rows in raw.items():
        theirs = gguf.dequantize(rows.numpy(), gguf.GGMLQuantizationType[kind.upper()])
        assert np.array_equal(kernels.dequantize(kind, rows).numpy().view(np.int32), theirs.view(np.int32)), kind


def test_the_kernels_repacking_equals_the_portable_one(kernel):
    for out, width, kind in SHAPES:
        raw = _raw(out, width, kind, 5)
        built, kernels._built[:] = kernels._built[:], []  # no kernels: QuantPacked repacks in torch
        try:
            torch_packed = kernels.QuantPacked(kind, raw)
        finally:
            kernels._built[:] = built
        assert torch.equal(kernel.quant_pack(kind, raw, out, width // 32), torch_packed.panels), (out, width, kind)


def test_embedding_rows_have_the_dequantized_bits_from_the_raw_rows_or_the_heads_panels(kernel):
    raw = _raw(40, 64, "q8_0", 8)
    embedding = gguf_model.QuantEmbedding("q8_0", raw, 64)
    ids = torch.tensor([[0, 17, 39], [5, 5, 16]])
    expected = kernels.dequantize("q8_0", raw)[ids]
    assert torch.equal(embedding(ids), expected)
    embedding.share(kernels.QuantPacked("q8_0", raw))
    assert embedding.raw is not None  # not tied: keeps its own rows
    embedding.tied = True
    embedding.share(kernels.QuantPacked("q8_0", raw))
    assert embedding.raw is None
    assert torch.equal(embedding(ids), expected)


def test_thread_count_and_code_path_do_not_change_a_bit(kernel, tmp_path):
    portable = kernels.DecodeKernels(
        kernels.build(tmp_path, flags=("-O3", "-fopenmp", "-ffp-contract=off", "-shared", "-fPIC", "-march=x86-64"))
    )
    assert portable.path == "scalar"
    threads = torch.get_num_threads()
    try:
        for out, width, kind in SHAPES:
            quant = kernels.QuantPacked(kind, _raw(out, width, kind, 6))
            x = torch.randn(11, width)
            torch.set_num_threads(1)
            alone = kernel.mm(quant, x)
            assert torch.equal(portable.mm(quant, x), alone), (out, width, kind)
            torch.set_num_threads(max(2, threads))
            assert torch.equal(kernel.mm(quant, x), alone), (out, width, kind)
    finally:
        torch.set_num_threads(threads)


def test_bad_rows_are_refused(kernel):
    quant = kernels.QuantPacked("q4_1", _raw(16, 64, "q4_1", 7))
    with pytest.raises(ValueError, match="float32 rows of 64"):
        kernel.mm(quant, torch.ones(2, 32))
    with pytest.raises(ValueError, match="no kernel for"):
        kernels.QuantPacked("q4_k", torch.zeros((16, 144), dtype=torch.uint8))


# The real model: the GGUF's quantized blocks against today's float32 safetensors conversion.


@pytest.fixture(scope="module")
def both(smollm_dir, kernel):
    dense = LocalLanguageModel(model_path=str(smollm_dir), dtype="float32")
    dense.load_sync()
    quant = LocalLanguageModel(cache_dir=MODEL_CACHE, dtype="float32")
    quant.load_sync()
    assert getattr(quant._model, "_promptgen_quantized", False)
    return dense, quant


def _conversation(spark: str) -> tuple[ChatMessage, ...]:
    return (
        ChatMessage(role="system", content="You write vivid, concrete prompts for an image generator."),
        ChatMessage(role="user", content=f"Write one image prompt about: {spark}"),
    )


def test_the_quantized_model_holds_no_float32_copy_of_its_projections(both):
    _, quant = both
    step = decode_step_for(quant._model)
    assert all(isinstance(w, kernels.QuantPacked) for layer in step.layers for w in (layer.qkv, layer.o, layer.gate_up, layer.down))
    assert isinstance(step.head, kernels.QuantPacked) and step.head.kind == "q8_0"
    assert step.weight_bytes() < 110e6  # float32: 538 MB
    assert (MODEL_CACHE / f"{EMBEDDED_NAME}.gguf-files" / "tokenizer.json").is_file()
    linears = [m for m in quant._model.modules() if isinstance(m, torch.nn.Linear)]
    assert all(m.weight.numel() == 0 for m in linears)


def test_prefill_and_step_logits_have_the_float32_models_bits(both):
    dense, quant = both
    text = dense.render_conversation(LMRequest(messages=_conversation("a lighthouse keeper's cat watching a storm")))
    ids = torch.tensor([dense._tokenizer(text, add_special_tokens=False).input_ids] * 3)
    ids[1, :4] = ids[0, 4:8]  # three rows, not all alike
    mask = torch.ones((3, ids.shape[1] + 1), dtype=torch.long)
    mask[2, :5] = 0  # left padding
    results = []
    with torch.inference_mode():
        for lm in (dense, quant):
            model = lm._model
            out = model(input_ids=ids, attention_mask=mask[:, :-1], **with_cache(model))
            cache = cache_of(out)
            step = decode_step_for(model)
            from models.lm.llama_step import StepCache

            logits = step(torch.tensor([42, 1000, 7]), mask[:, :-1].sum(-1), StepCache(cache, 2), mask, blocks_of([SMALL] * 3))
            results.append((out.logits, logits))
    (dense_prefill, dense_step), (quant_prefill, quant_step) = results
    assert torch.equal(dense_prefill.view(torch.int32), quant_prefill.view(torch.int32))
    assert torch.equal(dense_step.view(torch.int32), quant_step.view(torch.int32))


def test_seeded_rows_get_the_float32_models_tokens_alone_or_micro_batched(both):
    dense, quant = both
    rows = [
        LMRequest(messages=_conversation("a glass dragon"), seed=1, max_new_tokens=24),
        LMRequest(messages=_conversation("a glass dragon"), seed=2, max_new_tokens=24, temperature=1.1),
        LMRequest(messages=_conversation("an old tram in the rain"), prefill="An old", seed=3, max_new_tokens=24),
        LMRequest(messages=_conversation("a cyberpunk samurai"), seed=4, max_new_tokens=24, top_p=0.5),
    ]
    expected = [o.text for o in dense.generate_sync(rows, float("inf"))]
    assert [o.text for o in quant.generate_sync(rows, float("inf"))] == expected
    assert [quant.generate_sync([row], float("inf"))[0].text for row in rows] == expected

    async def together():
        outs = await asyncio.gather(*(quant.generate(rows[i : i + 2], 600) for i in (0, 2)))
        return [o.text for out in outs for o in out]

    assert asyncio.run(together()) == expected


def test_the_gguf_tensors_map_to_the_llama_parameters():
    assert gguf_model.hf_name("blk.3.attn_q.weight") == "model.layers.3.self_attn.q_proj.weight"
    assert gguf_model.hf_name("blk.0.ffn_norm.weight") == "model.layers.0.post_attention_layernorm.weight"
    assert gguf_model.hf_name("token_embd.weight") == "model.embed_tokens.weight"
    assert gguf_model.hf_name("rope_freqs.weight") is None
    assert embedded_gguf_path().suffix == ".gguf"
