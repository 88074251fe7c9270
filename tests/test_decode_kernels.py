"""The decoding kernel: a row's product has the same bits whatever shares the call, on every
code path, and it is the product it claims to be."""

from __future__ import annotations

import copy
import platform
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from app.settings import load_settings
from models.lm import kernels
from models.lm.decoding import decode_step_for
from models.lm.lanes import SMALL, blocks_of
from models.lm.local import LocalLanguageModel
from models.lm.prefill import cache_of, with_cache

SHAPES = [(576, 576), (960, 576), (100, 37), (33, 1536), (16, 1)]


@pytest.fixture(scope="module")
def kernel():
    built = kernels.kernel()
    assert built is not None, "the decoding kernels must build here (make test installs gcc's toolchain)"
    return built


def _weights(out: int, width: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(out, width, generator=g), torch.randn(19, width, generator=g)


@pytest.mark.parametrize(("out", "width"), SHAPES)
def test_a_rows_product_has_the_same_bits_in_any_row_count(kernel, out, width):
    weight, x = _weights(out, width, out + width)
    packed = kernels.Packed(weight)
    whole = kernel.mm(packed, x)
    assert whole.shape == (19, out)
    for rows in range(1, 19):
        assert torch.equal(kernel.mm(packed, x[:rows]), whole[:rows]), rows
        assert torch.equal(kernel.mm(packed, x[rows : rows + 1]), whole[rows : rows + 1]), rows
    reference = x.double() @ weight.double().T
    torch.testing.assert_close(whole.double(), reference, rtol=0, atol=1e-4 * width**0.5)


def test_thread_count_does_not_change_a_bit(kernel):
    weight, x = _weights(960, 576, 7)
    packed = kernels.Packed(weight)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = kernel.mm(packed, x)
        torch.set_num_threads(max(2, threads))
        assert torch.equal(kernel.mm(packed, x), alone)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("flags", [("-O3", "-fopenmp", "-ffp-contract=off", "-shared", "-fPIC")])
def test_every_code_path_gives_the_same_bits(kernel, tmp_path, flags):
    """The portable build (scalar fmaf, or whatever the baseline ISA allows) equals this CPU's."""
    portable = kernels.DecodeKernels(kernels.build(tmp_path, flags=(*flags, "-march=x86-64")))
    assert portable.path == "scalar"
    for out, width in SHAPES:
        weight, x = _weights(out, width, 3)
        packed = kernels.Packed(weight)
        assert torch.equal(portable.mm(packed, x), kernel.mm(packed, x)), (out, width)


def test_bad_rows_are_refused(kernel):
    packed = kernels.Packed(torch.ones(16, 8))
    with pytest.raises(ValueError, match="float32 rows of 8"):
        kernel.mm(packed, torch.ones(2, 9))
    with pytest.raises(ValueError, match="float32"):
        kernel.mm(packed, torch.ones(2, 8, dtype=torch.float64))


def test_the_torch_choice_decodes_through_torch_and_a_bad_choice_is_refused(tiny_model_dir):
    assert kernels.kernel("torch") is None
    with pytest.raises(ValueError, match="'auto' or 'torch'"):
        kernels.kernel("mkl")
    with pytest.raises(SystemExit, match="invalid configuration"):
        load_settings(env={"PROMPTGEN_LM_KERNEL": "mkl"}, dotenv=None)
    settings = load_settings(env={"PROMPTGEN_LM_KERNEL": "torch", "PROMPTGEN_LM_MODEL": str(tiny_model_dir)}, dotenv=None)
    lm = LocalLanguageModel.from_settings(settings)
    lm.load_sync()
    assert decode_step_for(lm._model).kernel is None


def test_a_missing_compiler_falls_back_with_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with caplog.at_level("WARNING"):
        assert kernels._build_and_load(tmp_path) is None
    assert "decoding kernels unavailable" in caplog.text


FAKE_CC = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  shift
done
sleep "${FAKE_CC_SLEEP:-0}"
printf 'a whole library' > "$out"
"""


@pytest.fixture
def fake_cc(tmp_path, monkeypatch):
    """A compiler that writes a stand-in library at once: builds are cheap to count and compare."""
    compiler = tmp_path / "fake-cc"
    compiler.write_text(FAKE_CC)
    compiler.chmod(0o755)
    monkeypatch.setenv("CC", str(compiler))
    return compiler


def _package_files() -> set[Path]:
    return {path for path in Path(kernels.__file__).parent.rglob("*") if "__pycache__" not in path.parts}


def test_the_build_key_changes_with_the_cpu_the_flags_the_compiler_and_the_source():
    base = (b"source", kernels.FLAGS, "/usr/bin/cc", "cc 13.2", kernels.cpu_features())
    key = kernels.build_key(*base)
    assert kernels.build_key(*base) == key
    changed = [
        (b"source 2", *base[1:]),
        (base[0], kernels.FALLBACK_FLAGS[1], *base[2:]),
        (*base[:2], "/opt/cc", *base[3:]),
        (*base[:3], "cc 14.1", base[4]),
        (*base[:4], base[4] + " avx512f"),
    ]
    assert len({kernels.build_key(*parts) for parts in changed} - {key}) == len(changed)
    assert kernels.cpu_features().startswith(platform.machine())


def test_a_build_is_named_for_its_cpu_and_flags_and_kept_out_of_the_package(fake_cc, tmp_path, monkeypatch):
    before = _package_files()
    folder = tmp_path / "data" / "kernels"
    first = kernels.build(folder)
    assert first.parent == folder and first.read_text() == "a whole library"
    assert kernels.build(folder) == first  # found, not rebuilt
    monkeypatch.setattr(kernels, "cpu_features", lambda: "x86_64: fpu sse2 avx2 avx512f")
    other_cpu = kernels.build(folder)
    other_flags = kernels.build(folder, flags=kernels.FALLBACK_FLAGS[1])
    assert len({first, other_cpu, other_flags}) == 3
    # a rebuild for one CPU replaces that CPU's older builds, never another CPU's
    assert sorted(folder.glob("decode-*.so")) == sorted([first, other_flags])
    assert not list(folder.glob(".build-*"))  # no temporary folder left behind
    assert _package_files() == before


def test_the_default_folder_is_the_data_directory_or_the_user_cache(fake_cc, tmp_path, monkeypatch):
    before = _package_files()
    monkeypatch.delenv("PROMPTGEN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert kernels.build().parent == tmp_path / "cache" / "promptgen" / "kernels"
    monkeypatch.setenv("PROMPTGEN_DATA_DIR", str(tmp_path / "data"))
    assert kernels.build().parent == tmp_path / "data" / "kernels"
    assert kernels.cache_folder(tmp_path / "elsewhere") == tmp_path / "elsewhere" / "kernels"
    assert _package_files() == before
    settings = load_settings(env={"PROMPTGEN_DATA_DIR": str(tmp_path / "service")}, dotenv=None)
    assert LocalLanguageModel.from_settings(settings).kernel_dir == kernels.cache_folder(settings.data_path)


def test_concurrent_builds_each_get_a_whole_library(fake_cc, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CC_SLEEP", "0.2")
    with ThreadPoolExecutor(4) as pool:
        built = list(pool.map(lambda _: kernels.build(tmp_path), range(4)))
    assert len(set(built)) == 1
    assert built[0].read_text() == "a whole library"
    assert [path.name for path in tmp_path.iterdir() if path != fake_cc] == [built[0].name]


@pytest.fixture
def model(tiny_llama):
    return tiny_llama


def test_a_decoding_step_gives_each_row_the_bits_it_gets_alone(model, kernel):
    step = decode_step_for(model)
    assert step.kernel is not None
    rows = 6
    torch.manual_seed(0)
    ids = torch.randint(3, model.config.vocab_size, (rows, 9))
    mask = torch.ones((rows, 10), dtype=torch.long)
    with torch.inference_mode():
        cache = cache_of(model(input_ids=ids, attention_mask=mask[:, :9], **with_cache(model)))
        tokens = torch.randint(3, model.config.vocab_size, (rows,))
        positions = mask[:, :9].sum(-1)
        together = step(tokens, positions, copy.deepcopy(cache), mask, blocks_of([SMALL] * rows))
        for row in (0, 3, 5):
            alone_cache = copy.deepcopy(cache)
            alone_cache.batch_select_indices(torch.tensor([row]))
            alone = step(tokens[row : row + 1], positions[row : row + 1], alone_cache, mask[row : row + 1], blocks_of([SMALL]))
            assert torch.equal(alone[0], together[row]), row


def _attention_inputs(rows: int, positions: int, seed: int, heads: int = 6, kv_heads: int = 2, dim: int = 20):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(rows, heads, dim, generator=g)
    keys = torch.randn(rows, kv_heads, positions, dim, generator=g)
    values = torch.randn(rows, kv_heads, positions, dim, generator=g)
    mask = torch.ones((rows, positions), dtype=torch.long)
    for r in range(rows):
        mask[r, : r % 4] = 0  # left padding of 0-3 positions
    return q, keys, values, mask


def _reference_attention(q, keys, values, mask, scale):
    rows, heads, dim = q.shape
    group = heads // keys.shape[1]
    k = keys.double().repeat_interleave(group, dim=1)
    v = values.double().repeat_interleave(group, dim=1)
    scores = torch.einsum("rhd,rhjd->rhj", q.double(), k) * scale
    scores = scores.masked_fill(mask[:, None, :] == 0, float("-inf"))
    return torch.einsum("rhj,rhjd->rhd", torch.softmax(scores, dim=-1), v).reshape(rows, heads * dim)


def test_attention_is_softmax_attention_over_the_unmasked_positions(kernel):
    q, keys, values, mask = _attention_inputs(5, 33, 1)
    ours = kernel.attend(q, keys, values, mask, 0.25)
    torch.testing.assert_close(ours.double(), _reference_attention(q, keys, values, mask, 0.25), rtol=1e-5, atol=1e-6)


def test_a_rows_attention_ignores_its_neighbours_its_padding_and_the_threads(kernel):
    q, keys, values, mask = _attention_inputs(7, 40, 2)
    whole = kernel.attend(q, keys, values, mask, 0.2)
    for r in range(7):
        alone = kernel.attend(q[r : r + 1], keys[r : r + 1], values[r : r + 1], mask[r : r + 1], 0.2)
        assert torch.equal(alone, whole[r : r + 1]), r
    # the same row behind 9 more masked positions holding garbage: the same bits
    pad = 9
    padded_keys = torch.cat([torch.full((1, 2, pad, 20), 1e30), keys[3:4]], dim=2)
    padded_values = torch.cat([torch.full((1, 2, pad, 20), float("nan")), values[3:4]], dim=2)
    padded_mask = torch.cat([torch.zeros((1, pad), dtype=torch.long), mask[3:4]], dim=1)
    assert torch.equal(kernel.attend(q[3:4], padded_keys, padded_values, padded_mask, 0.2), whole[3:4])
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.equal(kernel.attend(q, keys, values, mask, 0.2), whole)
    finally:
        torch.set_num_threads(threads)


def test_attention_reads_strided_cache_views(kernel):
    """The step cache hands over views of longer buffers: strides, not copies."""
    q, keys, values, mask = _attention_inputs(3, 12, 3)
    room_k = torch.zeros(3, 2, 20, 20)
    room_v = torch.zeros(3, 2, 20, 20)
    room_k[:, :, :12], room_v[:, :, :12] = keys, values
    assert torch.equal(
        kernel.attend(q, room_k[:, :, :12], room_v[:, :, :12], mask, 0.3), kernel.attend(q, keys, values, mask, 0.3)
    )


def test_attention_refuses_inputs_that_do_not_fit(kernel):
    q, keys, values, mask = _attention_inputs(2, 8, 4)
    with pytest.raises(ValueError, match="attend needs"):
        kernel.attend(q, keys, values, mask[:, :7], 0.1)
    with pytest.raises(ValueError, match="attend needs"):
        kernel.attend(q, keys.double(), values, mask, 0.1)
    with pytest.raises(ValueError, match="attend needs"):
        kernel.attend(q[:, :5], keys, values, mask, 0.1)  # 5 query heads over 2 kv heads



@pytest.mark.parametrize("rows", [(32, 16, 16), (32, 16, 5), (20, 16)])
def test_stacked_weights_pack_as_their_concatenation(kernel, rows):
    weights = [torch.randn(n, 24, generator=torch.Generator().manual_seed(n)) for n in rows]
    stacked = kernels.Packed.stacked(weights)
    assert torch.equal(stacked.panels, kernels.Packed(torch.cat(weights)).panels)
    assert stacked.out_features == sum(rows)
    x = torch.randn(3, 24)
    first = stacked.rows(0, rows[0])  # a view: its last panel may hold the next weight's rows
    assert torch.equal(kernel.mm(first, x), kernel.mm(kernels.Packed(weights[0]), x))
    with pytest.raises(ValueError, match="panel-aligned"):
        stacked.rows(3, 4)


def test_a_transposed_weight_view_packs_like_its_copy(kernel):
    weight = torch.randn(24, 32).t()  # [32, 24], not contiguous
    assert torch.equal(kernels.Packed.stacked([weight, weight]).panels, kernels.Packed(torch.cat([weight, weight])).panels)
    assert torch.equal(kernels.Packed(weight).panels, kernels.Packed(weight.contiguous()).panels)
