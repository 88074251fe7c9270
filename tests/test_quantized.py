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


def test_the_kernels_norm_and_silu_have_torchs_bits(kernel):
    if not kernel._lib.silu_ready():
        pytest.skip("no AVX-512 or no torch Sleef exp here: the step keeps torch's norm and silu")
    assert kernel.fused_checked(576, 1536, 1e-5)
    g = torch.Generator().manual_seed(5)
    for rows, width in ((1, 576), (4, 64), (3, 40), (2, 8200)):  # scalars past the vectors, a cascade
        x = torch.randn((rows, width), generator=g) * torch.logspace(-3, 3, rows).unsqueeze(1)
        w = torch.randn(width, generator=g)
        assert torch.equal(kernel.rms_norm(x, w, 1e-5), torch.nn.functional.rms_norm(x, (width,), w, 1e-5)), width
    gate_up = torch.randn((3, 2 * 1000), generator=g) * 30  # a tail past the last vector of 16
    want = torch.nn.functional.silu(gate_up[:, :1000]) * gate_up[:, 1000:]
    assert torch.equal(kernel.silu_mul(gate_up, 1000), want)


def test_the_step_in_one_call_has_the_bits_of_the_step_through_torch(both):
    """`decode_step` (the whole step in C) against the same step with torch's norm, silu and
    one kernel call per product: the same logits and cache, for rows together, padded or alone."""
    from models.lm.llama_step import StepCache

    for lm in both:
        model = lm._model
        step = decode_step_for(model)
        if step.kernel is None or not step.kernel._lib.silu_ready():
            pytest.skip("no AVX-512 or no torch Sleef exp here: the step keeps torch's norm and silu")
        assert step._fused is not None
        text = lm.render_conversation(LMRequest(messages=_conversation("a paper boat on a flooded street")))
        ids = torch.tensor([lm._tokenizer(text, add_special_tokens=False).input_ids] * 3)
        ids[1, :6] = ids[0, 6:12]
        mask = torch.ones((3, ids.shape[1]), dtype=torch.long)
        mask[2, :7] = 0
        with torch.inference_mode():
            cache = cache_of(model(input_ids=ids, attention_mask=mask, **with_cache(model)))
        runs = []
        fused = step._fused
        for use in (fused, None):
            step._fused = use
            try:
                held, m, pos, outs = StepCache(cache, 1), mask, mask.sum(-1), []  # room for 1: grows
                for token in (42, 1000, 7):
                    m = torch.cat([m, torch.ones((3, 1), dtype=torch.long)], dim=1)
                    outs.append(step(torch.tensor([token, token + 1, token + 2]), pos, held, m, blocks_of([SMALL] * 3)))
                    pos = pos + 1
                alone = StepCache(cache, 3)
                alone.batch_select_indices(torch.tensor([2]))
                outs.append(step(torch.tensor([44]), mask[2:].sum(-1), alone, torch.cat([mask[2:], torch.ones((1, 1), dtype=torch.long)], 1), blocks_of([SMALL])))
                runs.append((outs, held.keys[7][:, :, : held.lengths[7]].clone()))
            finally:
                step._fused = fused
        (fused_outs, fused_keys), (torch_outs, torch_keys) = runs
        for a, b in zip(fused_outs, torch_outs, strict=True):
            assert torch.equal(a.view(torch.int32), b.view(torch.int32))
        assert torch.equal(fused_keys, torch_keys)
        assert torch.equal(fused_outs[3][0], fused_outs[0][2])  # a padded row alone: its bits


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
