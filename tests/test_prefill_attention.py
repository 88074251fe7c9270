"""The prefill's float64 attention in C (`DecodeKernels.attend_f64`): the float32 results of
torch's float64 attention (`decoding.fp64_attention`, the reference it replaces), whatever the
padding, the neighbours, the threads or the code path."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from models.lm import kernels
from models.lm.decoding import fp64_attention
from models.lm.llama_model import causal_mask


@pytest.fixture(scope="module")
def kernel():
    built = kernels.kernel()
    assert built is not None, "the decoding kernels must build here (make test installs gcc's toolchain)"
    return built


def _inputs(batch, heads, kv_heads, q_len, past, dim, pads, seed=0):
    """Query [batch, heads, q_len, dim] as the model makes it (a transposed view), keys and values
    of past + q_len positions, and transformers' additive causal mask with `pads[b]` left-padded
    positions in row b."""
    g = torch.Generator().manual_seed(seed)
    k_len = past + q_len
    q = (torch.randn(batch, q_len, heads, dim, generator=g) * 3).transpose(1, 2)
    k = torch.randn(batch, kv_heads, k_len, dim, generator=g) * 3
    v = torch.randn(batch, kv_heads, k_len, dim, generator=g)
    attention = torch.ones(batch, k_len, dtype=torch.long)
    for b, pad in enumerate(pads):
        attention[b, :pad] = 0
    return q, k, v, causal_mask(attention, batch, q_len, past, torch.float32)


def _reference(q, k, v, mask, scale):
    return fp64_attention(None, q, k, v, mask, scaling=scale)[0]


def _ours(kernel, q, k, v, mask, scale):
    return kernel.attend_f64(q, k, v, mask[:, 0] == 0, scale)


@pytest.mark.parametrize(
    ("batch", "heads", "kv_heads", "q_len", "past", "dim", "pads"),
    [
        (15, 9, 3, 12, 230, 64, [0, 5, 30] * 5),  # a structured request's rows (the embedded model)
        (1, 9, 3, 187, 43, 64, [0]),  # a conversation's tail after a stored head
        (3, 4, 2, 17, 9, 128, [4, 0, 20]),  # 128-dim heads; row 2's first queries see no key
        (2, 6, 6, 7, 3, 20, [0, 2]),  # a head size without a register path, no grouping
    ],
)
def test_the_prefill_attention_has_torchs_float64_results(kernel, batch, heads, kv_heads, q_len, past, dim, pads):
    q, k, v, mask = _inputs(batch, heads, kv_heads, q_len, past, dim, pads)
    ours = _ours(kernel, q, k, v, mask, dim**-0.5)
    assert ours.shape == (batch, q_len, heads, dim)
    assert torch.equal(ours, _reference(q, k, v, mask, dim**-0.5))


def test_a_rows_result_ignores_its_neighbours_its_padding_and_the_threads(kernel):
    q, k, v, mask = _inputs(4, 9, 3, 10, 30, 64, [0, 3, 8, 0], seed=1)
    whole = _ours(kernel, q, k, v, mask, 0.125)
    for b in range(4):
        alone = _ours(kernel, q[b : b + 1], k[b : b + 1], v[b : b + 1], mask[b : b + 1], 0.125)
        assert torch.equal(alone, whole[b : b + 1]), b
    # row 0 behind 11 more masked positions holding garbage: the same bits
    pad = 11
    padded_k = torch.cat([torch.full((1, 3, pad, 64), 1e30), k[:1]], dim=2)
    padded_v = torch.cat([torch.full((1, 3, pad, 64), float("nan")), v[:1]], dim=2)
    padded_mask = torch.cat([torch.full((1, 1, 10, pad), torch.finfo(torch.float32).min), mask[:1]], dim=3)
    assert torch.equal(_ours(kernel, q[:1], padded_k, padded_v, padded_mask, 0.125), whole[:1])
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.equal(_ours(kernel, q, k, v, mask, 0.125), whole)
    finally:
        torch.set_num_threads(threads)


def test_the_portable_build_gives_the_same_bits(kernel, tmp_path):
    """Without AVX-512 (scalar sums, libm's exp) the results are this CPU's."""
    flags = ("-O3", "-fopenmp", "-ffp-contract=off", "-shared", "-fPIC", "-march=x86-64")
    portable = kernels.DecodeKernels(kernels.build(tmp_path, flags=flags))
    q, k, v, mask = _inputs(5, 9, 3, 9, 40, 64, [0, 6, 12, 0, 3], seed=2)
    assert torch.equal(_ours(portable, q, k, v, mask, 0.125), _ours(kernel, q, k, v, mask, 0.125))


def test_fp64_attention_runs_through_the_kernels_attached_to_its_module(kernel, monkeypatch):
    q, k, v, mask = _inputs(2, 9, 3, 6, 14, 64, [0, 4], seed=3)
    calls = []
    real = kernel.attend_f64

    def counted(*args):
        calls.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(kernel, "attend_f64", counted)
    module = SimpleNamespace(_promptgen_attend=kernel)
    through, _ = fp64_attention(module, q, k, v, mask, scaling=0.125)
    assert calls == [q.shape]
    assert torch.equal(through, _reference(q, k, v, mask, 0.125))


def test_inputs_that_do_not_fit_are_refused(kernel):
    q, k, v, mask = _inputs(2, 9, 3, 6, 14, 64, [0, 4])
    allowed = mask[:, 0] == 0
    with pytest.raises(ValueError, match="attend_f64 needs"):
        kernel.attend_f64(q, k, v, allowed[:, :, :-1], 0.125)
    with pytest.raises(ValueError, match="attend_f64 needs"):
        kernel.attend_f64(q, k.double(), v, allowed, 0.125)
    with pytest.raises(ValueError, match="attend_f64 needs"):
        kernel.attend_f64(q[:, :8], k, v, allowed, 0.125)  # 8 query heads over 3 kv heads
