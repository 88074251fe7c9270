"""The decoding kernels (`native/decode.c`): compiled with the system's C compiler on the
model's first load, loaded with ctypes, and used for every product of the model (prefill and
decoding alike, `attach`) and for a decoding step's attention. The packed panels are then the
model's only copy of its projection weights (the `local-settings` benchmark of
`benchmarks/bench_model.py` reports the resident memory with and without them).

Why: MKL's products give a row the same bits only at some column counts (see `lanes.py`), so
rows had to be padded into blocks of 4, 8 or 16 columns, and its skinny kernels run well below
the memory's speed. This kernel computes every output as one ordered chain of fused
multiply-adds, so a row's bits never depend on its neighbours, and streams weights packed in
panels of 16 output rows, at about the same cost for one row as for eight (`decoding-vs-
bandwidth-bound` holds batch-one decoding to a share of the memory-bandwidth bound, and
`local-settings` compares it with torch's products). Its three code paths (AVX-512, AVX2,
scalar `fmaf`) give the same bits, so outputs do not depend on which of them this CPU has.

Quantized weights (`QuantPacked`, `quant_mm`): a GGUF's Q4_1 and Q8_0 rows repacked in the same
panels of 16 output rows (0.625 and 1.06 bytes a weight, against 4), each weight dequantized in
registers with the arithmetic gguf-py's dequantization used for the float32 conversion, then
accumulated in the same chain: a product has the bits `panel_mm` gives on the dequantized
float32 weights, so the embedded model decodes from its GGUF (`gguf_model.py`) with the tokens
of its float32 copy, at a fifth of the bytes a step (`benchmarks/bench_quant.py`).

A whole decoding step in one call (`decode_step`, used by `llama_step.LlamaDecodeStep`): every
layer's norms, products, rotary embedding, cache writes, attention, silu and the residual adds,
then the head, in one OpenMP team. Called op by op from Python, a batch-one step spent more time
in some 35 torch and ctypes calls a layer (each parallel one starting the team) than in its
products. Its RMS norm sums in the order of ATen's CPU sum kernel and its silu calls torch's own
`Sleef_expf16_u10`, so the step has the bits of the op-by-op one; both are checked against torch
on the machine at load (`fused_checked`), and where they differ the step stays op by op. A
batch-one quantized product keeps 8 panels' chains in flight (`QP` in the source): with fewer it
waited on the fused multiply-adds' latency, not on the memory.

Attention runs one row at a time, skipping masked positions, so a row's result does not depend
on its padding either: float32 dot products and value sums in a fixed order, the softmax in
float64. (transformers' batched float64 attention, which stayed batch-invariant by summing
masked positions as exact zeros, spent much of a many-row step in small matrix products, dtype
copies and a softmax a layer.)

The prefill's attention (`attend_f64`, many query positions a row) keeps the float64 arithmetic
of `decoding.fp64_attention`, whose float32 results the eval baseline holds: scores, softmax
(torch's own `Sleef_expd8_u10`) and the weighted values in float64, rounded once, each query
skipping the keys it may not see. It gives torch's bits on every case the tests try (float64
sums in another order round back to the same float32 but for a tie within a float64 ulp of a
float32 boundary, the argument that already made torch's version padding-invariant), in 0.12 s
of the `quant` benchmark's structured request where torch's took 0.30 s: torch multiplied every
masked key and padded row, and converted the cache to float64 each layer
(`tests/test_prefill_attention.py`).

Where the library lives: `build` compiles with `-march=native`, so a library is only good for
the processor it was built on. It is built outside the package, in the data directory's
`kernels/` (the local backend passes it) or else the user's cache (`cache_folder`), under a name
keyed by the source, the flags, the compiler and its version, and the CPU's architecture and
feature flags (`build_key`): a data directory or home folder shared between machines never hands
one processor another's library. Concurrent builds compile under temporary names and rename
their file into place, so a process loads a whole library or builds its own.

Two batch-invariant paths, and why the second stays: where no C compiler is found or the build
fails, `kernel()` is None (a warning says so once) and every product runs in torch's lanes
(`lanes.py`), attention in float64 through torch; `PROMPTGEN_LM_KERNEL=torch` chooses that path
on purpose. It is not removed because it is the only path for what these kernels do not cover:
a machine without a C compiler (the service must still start there, and a seeded request must
still get the same tokens alone or micro-batched), weights that are not float32, and models that
are not Llama-family (they decode through `model(...)`, whose linears only the lanes can route).
It is also the reference the `local-settings` benchmark measures the kernels against, and both
paths are held to batch invariance by the tests (`tests/test_lm_local.py` micro-batches under
each; `tests/test_decoding_lanes.py`, `tests/test_decode_kernels.py`). The two paths round
differently from each other: a seeded result is reproducible on one path, not across both (the
eval baseline is taken with the kernels).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

SOURCE = Path(__file__).parent / "native" / "decode.c"
LANES = 16  # output rows in a panel
FLAGS = ("-O3", "-march=native", "-fopenmp", "-ffp-contract=off", "-shared", "-fPIC")
# Compilers that refuse -march=native or OpenMP still build the kernel: the same bits, slower.
FALLBACK_FLAGS = (FLAGS, tuple(f for f in FLAGS if f != "-march=native"), ("-O3", "-ffp-contract=off", "-shared", "-fPIC"))
_lock = threading.Lock()
_built: list[DecodeKernels | None] = []  # the one build attempt of this process, once made


class Packed:
    """A weight [out, in] in panels of 16 output rows: [panels, in, 16], rows past `out` zero."""

    __slots__ = ("out_features", "panels")

    def __init__(self, weight: torch.Tensor) -> None:
        out, width = weight.shape
        padded = -(-out // LANES) * LANES
        w = weight.detach().to(torch.float32)
        if padded != out:
            w = torch.cat([w, w.new_zeros((padded - out, width))])
        self.panels = w.reshape(padded // LANES, LANES, width).transpose(1, 2).contiguous()
        self.out_features = out

    @classmethod
    def _of(cls, panels: torch.Tensor, out_features: int) -> Packed:
        packed = object.__new__(cls)
        packed.panels, packed.out_features = panels, out_features
        return packed

    @classmethod
    def stacked(cls, weights: list[torch.Tensor]) -> Packed:
        """The weights one under the other, packed: each written straight into its panels when
        its rows fill whole panels (no stacked row-major copy on the way)."""
        if len(weights) == 1 or any(w.shape[0] % LANES for w in weights[:-1]) or weights[0].dtype != torch.float32:
            return cls(torch.cat(weights) if len(weights) > 1 else weights[0])
        width = weights[0].shape[1]
        rows = sum(w.shape[0] for w in weights)
        packed = cls._of(torch.empty((-(-rows // LANES), width, LANES), dtype=torch.float32), rows)
        start = 0
        for w in weights:
            count = w.shape[0]
            part = cls(w).panels if count % LANES else w.reshape(count // LANES, LANES, width).transpose(1, 2)
            packed.panels[start // LANES : start // LANES + part.shape[0]] = part
            start += count
        return packed

    def rows(self, start: int, count: int) -> Packed:
        """Output rows [start, start + count) as a view of these panels (`start` on a panel)."""
        if start % LANES or start + count > self.out_features:
            raise ValueError(f"rows {start}..{start + count} are not a panel-aligned part of {self.out_features}")
        return Packed._of(self.panels[start // LANES : -(-(start + count) // LANES)], count)


QUANT_BLOCK = 32  # inputs a quantized block covers
QUANT_FORMATS = {"q4_1": (20, 320), "q8_0": (34, 544)}  # bytes of a block: in the GGUF, in a panel


class QuantPacked(Packed):
    """GGUF Q4_1 or Q8_0 weight rows [out, in / 32 blocks] repacked in panels of 16 output rows
    (`native/decode.c` describes the layout): `panels` is uint8 [panels, bytes of a panel], rows
    past `out` zero (their weights are zero). `raw`: the rows as the GGUF holds them, uint8
    [out, in / 32 * bytes of a block]."""

    __slots__ = ("in_features", "kind")

    def __init__(self, kind: str, raw: torch.Tensor) -> None:
        built = _built[0] if _built else None
        if built is not None and kind in QUANT_FORMATS:  # the kernels' own repacking: much faster
            out, row_bytes = raw.shape
            blocks = row_bytes // QUANT_FORMATS[kind][0]
            self.panels = built.quant_pack(kind, raw.contiguous(), out, blocks)
            self.out_features, self.in_features, self.kind = out, blocks * QUANT_BLOCK, kind
            return
        if kind not in QUANT_FORMATS:
            raise ValueError(f"no kernel for {kind!r} weights (known: {', '.join(QUANT_FORMATS)})")
        gguf_bytes, _ = QUANT_FORMATS[kind]
        out, row_bytes = raw.shape
        blocks = row_bytes // gguf_bytes
        padded = -(-out // LANES) * LANES
        rows = raw.reshape(out, blocks, gguf_bytes)
        if padded != out:
            rows = torch.cat([rows, rows.new_zeros((padded - out, blocks, gguf_bytes))])
        panels = padded // LANES
        by_lane = rows.reshape(panels, LANES, blocks, gguf_bytes)
        scales = by_lane[..., 0:2].permute(0, 2, 1, 3).reshape(panels, blocks, 2 * LANES)
        if kind == "q4_1":
            mins = by_lane[..., 2:4].permute(0, 2, 1, 3).reshape(panels, blocks, 2 * LANES)
            qs = by_lane[..., 4:]  # byte j: input j (low nibble), input j + 16 (high)
            inputs = torch.cat([qs & 15, qs >> 4], dim=-1)  # [panels, lanes, blocks, 32] in order
            pairs = inputs[..., 0::2] | (inputs[..., 1::2] << 4)  # byte k: inputs 2k, 2k + 1
            quants = pairs.permute(0, 2, 3, 1).reshape(panels, blocks, 16 * LANES)
            parts = [scales, mins, quants]
        else:
            quants = by_lane[..., 2:].permute(0, 2, 3, 1).reshape(panels, blocks, QUANT_BLOCK * LANES)
            parts = [scales, quants]
        self.panels = torch.cat(parts, dim=-1).reshape(panels, -1).contiguous()
        self.out_features, self.in_features, self.kind = out, blocks * QUANT_BLOCK, kind

    @classmethod
    def stacked(cls, weights: list[torch.Tensor], kind: str = "q4_1") -> QuantPacked:  # type: ignore[override]
        """Raw GGUF rows of several weights one under the other, packed as one."""
        return cls(kind, torch.cat(weights) if len(weights) > 1 else weights[0])

    def rows(self, start: int, count: int) -> QuantPacked:
        if start % LANES or start + count > self.out_features:
            raise ValueError(f"rows {start}..{start + count} are not a panel-aligned part of {self.out_features}")
        packed = object.__new__(QuantPacked)
        packed.panels = self.panels[start // LANES : -(-(start + count) // LANES)]
        packed.out_features, packed.in_features, packed.kind = count, self.in_features, self.kind
        return packed


def dequantize(kind: str, raw: torch.Tensor) -> torch.Tensor:
    """GGUF Q4_1 or Q8_0 rows (uint8 [rows, blocks * bytes]) as float32 [rows, blocks * 32], with
    gguf-py's arithmetic (the safetensors conversion's): half scales widened, d * q rounded to
    float32, then (Q4_1) + m rounded to float32; the kernels dequantize the same way."""
    gguf_bytes, _ = QUANT_FORMATS[kind]
    rows = raw.reshape(raw.shape[0], -1, gguf_bytes)
    d = rows[..., 0:2].contiguous().view(torch.float16).to(torch.float32)
    if kind == "q8_0":
        q = rows[..., 2:].contiguous().view(torch.int8).to(torch.float32)
        return (q * d).reshape(raw.shape[0], -1)
    m = rows[..., 2:4].contiguous().view(torch.float16).to(torch.float32)
    qs = rows[..., 4:]
    q = torch.cat([qs & 15, qs >> 4], dim=-1).to(torch.float32)
    return ((d * q) + m).reshape(raw.shape[0], -1)


class DecodeKernels:
    """`mm(packed, x)` = `x @ weight.T` for float32 rows `x` [rows, in]; `attend(...)` one
    step's attention. Each row's bits are independent of the other rows'."""

    def __init__(self, library: Path) -> None:
        self._lib = ctypes.CDLL(str(library))
        pointer, size, number, flag = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_int
        self._mm = self._lib.panel_mm
        self._mm.argtypes = [pointer, pointer, pointer, size, size, size, size, flag]
        self._mm.restype = None
        self._lib.panel_path.restype = ctypes.c_char_p
        self.path = self._lib.panel_path().decode()
        self._quant_mm = self._lib.quant_mm
        self._quant_mm.argtypes = [pointer, pointer, pointer, size, size, size, size, flag, flag]
        self._quant_mm.restype = None
        self._attend = self._lib.attend
        self._attend.argtypes = [pointer] * 5 + [size] * 11 + [number, flag]
        self._attend.restype = ctypes.c_int
        self._attend_f64 = self._lib.attend_f64
        self._attend_f64.argtypes = [pointer] * 5 + [size] * 17 + [number, flag]
        self._attend_f64.restype = ctypes.c_int
        self._rms = self._lib.rms_norm
        self._rms.argtypes = [pointer, pointer, pointer, size, size, ctypes.c_float]
        self._rms.restype = None
        self._silu = self._lib.silu_mul
        self._silu.argtypes = [pointer, pointer, size, size, size]
        self._silu.restype = None
        self._step = self._lib.decode_step
        self._step.argtypes = [pointer, size, pointer, pointer, pointer, *[pointer] * 6, ctypes.c_float, number, flag]
        self._step.restype = ctypes.c_int
        self._lib.set_exp.argtypes = [pointer]
        self._lib.set_exp.restype = None
        self._lib.silu_ready.restype = ctypes.c_int
        self._lib.set_exp(_sleef_exp())
        self._lib.set_expd.argtypes = [pointer]
        self._lib.set_expd.restype = None
        self._lib.set_expd(_sleef_exp("Sleef_expd8_u10"))
        self._checked: dict[tuple[int, int, float], bool] = {}

    def mm(self, packed: Packed, x: torch.Tensor) -> torch.Tensor:
        if isinstance(packed, QuantPacked):
            return self.quant_mm(packed, x)
        panels = packed.panels
        x = x.contiguous()
        if x.dtype != torch.float32 or x.dim() != 2 or x.shape[1] != panels.shape[1]:
            raise ValueError(f"panel_mm needs float32 rows of {panels.shape[1]}, got {tuple(x.shape)} {x.dtype}")
        width = panels.shape[0] * LANES
        out = torch.empty((x.shape[0], width), dtype=torch.float32)
        self._mm(
            panels.data_ptr(),
            x.data_ptr(),
            out.data_ptr(),
            panels.shape[0],
            panels.shape[1],
            x.shape[0],
            width,
            torch.get_num_threads(),
        )
        return out if width == packed.out_features else out[:, : packed.out_features]

    def quant_pack(self, kind: str, raw: torch.Tensor, out: int, blocks: int) -> torch.Tensor:
        """`QuantPacked`'s panels of GGUF rows `raw` (the same bytes as its torch repacking)."""
        panels = torch.zeros((-(-out // LANES), blocks * QUANT_FORMATS[kind][1]), dtype=torch.uint8)
        self._lib.quant_pack(
            ctypes.c_void_p(raw.data_ptr()),
            ctypes.c_void_p(panels.data_ptr()),
            ctypes.c_int64(out),
            ctypes.c_int64(blocks),
            ctypes.c_int(int(kind == "q8_0")),
        )
        return panels

    def quant_mm(self, packed: QuantPacked, x: torch.Tensor) -> torch.Tensor:
        """`mm` of quantized panels: the bits `mm` gives on the dequantized weights."""
        x = x.contiguous()
        if x.dtype != torch.float32 or x.dim() != 2 or x.shape[1] != packed.in_features:
            raise ValueError(f"quant_mm needs float32 rows of {packed.in_features}, got {tuple(x.shape)} {x.dtype}")
        panels = packed.panels
        width = panels.shape[0] * LANES
        out = torch.empty((x.shape[0], width), dtype=torch.float32)
        self._quant_mm(
            panels.data_ptr(),
            x.data_ptr(),
            out.data_ptr(),
            panels.shape[0],
            packed.in_features,
            x.shape[0],
            width,
            torch.get_num_threads(),
            int(packed.kind == "q8_0"),
        )
        return out if width == packed.out_features else out[:, : packed.out_features]

    def attend(
        self, q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, scale: float
    ) -> torch.Tensor:
        """Attention of one new position per row: `q` [rows, heads, dim]; `keys`, `values`
        [rows, kv_heads, positions, dim] (the cache, this step's position included); `mask`
        [rows, positions], nonzero where a row may attend. Returns float32 [rows, heads * dim]."""
        rows, heads, dim = q.shape
        _, kv_heads, positions, _ = keys.shape
        if (
            q.dtype != torch.float32
            or keys.dtype != torch.float32
            or values.dtype != torch.float32
            or keys.shape != (rows, kv_heads, positions, dim)
            or values.shape != keys.shape
            or mask.shape != (rows, positions)
            or heads % kv_heads
            or keys.stride(3) != 1
            or values.stride(3) != 1
        ):
            raise ValueError(
                f"attend needs float32 q {tuple(q.shape)} and keys/values of its rows and heads, a mask "
                f"of rows x positions; got keys {tuple(keys.shape)} values {tuple(values.shape)} mask {tuple(mask.shape)}"
            )
        q = q.contiguous()
        mask = mask.to(torch.int64).contiguous()
        out = torch.empty((rows, heads * dim), dtype=torch.float32)
        failed = self._attend(
            q.data_ptr(),
            keys.data_ptr(),
            values.data_ptr(),
            mask.data_ptr(),
            out.data_ptr(),
            rows,
            heads,
            kv_heads,
            positions,
            dim,
            *keys.stride()[:3],
            *values.stride()[:3],
            float(scale),
            torch.get_num_threads(),
        )
        if failed:
            raise MemoryError("attend: out of memory for its scratch buffers")
        return out


    def attend_f64(
        self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, allowed: torch.Tensor, scale: float
    ) -> torch.Tensor:
        """The prefill's attention as `decoding.fp64_attention` computes it (float64 throughout,
        rounded once), each query skipping the keys it may not see: `query` [batch, heads,
        q_len, dim], `key`/`value` [batch, kv_heads, k_len, dim] float32 (any strides, dim
        contiguous); `allowed` [batch, q_len, k_len] bool. Returns float32 [batch, q_len, heads,
        dim], the layout `fp64_attention` returns."""
        batch, heads, q_len, dim = query.shape
        kv_heads, k_len = key.shape[1], key.shape[2]
        if (
            query.dtype != torch.float32
            or key.dtype != torch.float32
            or value.dtype != torch.float32
            or key.shape != (batch, kv_heads, k_len, dim)
            or value.shape != key.shape
            or allowed.shape != (batch, q_len, k_len)
            or heads % kv_heads
            or min(query.stride(3), key.stride(3), value.stride(3)) != 1
        ):
            raise ValueError(
                f"attend_f64 needs float32 query {tuple(query.shape)}, keys and values {tuple(key.shape)} "
                f"{tuple(value.shape)} of its batch and heads, and allowed {tuple(allowed.shape)} of batch x queries x keys"
            )
        allowed = allowed.to(torch.uint8)
        if allowed.stride(2) != 1:
            allowed = allowed.contiguous()
        out = torch.empty((batch, q_len, heads, dim), dtype=torch.float32)
        failed = self._attend_f64(
            query.data_ptr(),
            key.data_ptr(),
            value.data_ptr(),
            allowed.data_ptr(),
            out.data_ptr(),
            batch,
            heads,
            kv_heads,
            q_len,
            k_len,
            dim,
            *query.stride()[:3],
            *key.stride()[:3],
            *value.stride()[:3],
            *allowed.stride()[:2],
            float(scale),
            torch.get_num_threads(),
        )
        if failed:
            raise MemoryError("attend_f64: out of memory for its scratch buffers")
        return out

    def rms_norm(self, x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
        """`functional.rms_norm(x, (n,), weight, eps)` of float32 rows [rows, n], in C."""
        x, weight = x.contiguous(), weight.contiguous()
        out = torch.empty_like(x)
        self._rms(x.data_ptr(), weight.data_ptr(), out.data_ptr(), x.shape[0], x.shape[1], eps)
        return out

    def silu_mul(self, gate_up: torch.Tensor, inter: int) -> torch.Tensor:
        """`silu(gate_up[:, :inter]) * gate_up[:, inter:]` of float32 rows, in C."""
        gate_up = gate_up.contiguous()
        out = torch.empty((gate_up.shape[0], inter), dtype=torch.float32)
        self._silu(gate_up.data_ptr(), out.data_ptr(), gate_up.shape[0], inter, gate_up.shape[1])
        return out

    def fused_checked(self, hidden: int, inter: int, eps: float) -> bool:
        """Whether `decode_step` may run a whole step in C for a model of these sizes: its RMS
        norm and silu (the two parts that are not products, attention or plain arithmetic) give
        torch's bits on this machine, checked once on random rows of many scales and counts.
        Where they do not (another torch, another CPU), the step keeps torch's norm and silu."""
        key = (hidden, inter, eps)
        if key not in self._checked:
            self._checked[key] = self._check(hidden, inter, eps)
        return self._checked[key]

    def _check(self, hidden: int, inter: int, eps: float) -> bool:
        from torch.nn import functional

        if not self._lib.silu_ready():
            return False
        generator = torch.Generator().manual_seed(0)
        for rows in (1, 2, 3, 5, 8, 13, 40):
            scale = torch.logspace(-4, 4, rows).unsqueeze(1)
            x = torch.randn((rows, hidden), generator=generator) * scale
            weight = torch.randn(hidden, generator=generator)
            if not torch.equal(self.rms_norm(x, weight, eps), functional.rms_norm(x, (hidden,), weight, eps)):
                log.info("the kernels' RMS norm differs from torch's here: the step keeps torch's")
                return False
            gate_up = torch.randn((rows, 2 * inter), generator=generator) * scale * 4
            want = functional.silu(gate_up[:, :inter]) * gate_up[:, inter:]
            if not torch.equal(self.silu_mul(gate_up, inter), want):
                log.info("the kernels' silu differs from torch's here: the step keeps torch's")
                return False
        return True

    def decode_step(
        self,
        layers: ctypes.Array[Any],
        head: Any,
        final_norm: torch.Tensor,
        cache: torch.Tensor,
        h: torch.Tensor,
        logits: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        mask: torch.Tensor,
        dims: torch.Tensor,
        eps: float,
        scale: float,
    ) -> None:
        """A whole decoding step in C (`native/decode.c`'s `decode_step`): `h` [rows, hidden]
        (the embedded tokens, overwritten), `logits` [rows, head panels * 16] written; `cache`
        int64 [layers, 8]: each layer's key and value buffers and their strides."""
        failed = self._step(
            ctypes.addressof(layers),
            len(layers),
            ctypes.addressof(head),
            final_norm.data_ptr(),
            cache.data_ptr(),
            h.data_ptr(),
            logits.data_ptr(),
            cos.data_ptr(),
            sin.data_ptr(),
            mask.data_ptr(),
            dims.data_ptr(),
            eps,
            scale,
            torch.get_num_threads(),
        )
        if failed:
            raise MemoryError("decode_step: out of memory for its scratch buffers")


class Mat(ctypes.Structure):
    """`native/decode.c`'s `mat_t`: a packed product (kind 0 float32 panels, 1 Q4_1, 2 Q8_0)."""

    _fields_ = [("w", ctypes.c_void_p), ("kind", ctypes.c_int64), ("panels", ctypes.c_int64), ("n_in", ctypes.c_int64)]

    @classmethod
    def of(cls, packed: Packed) -> Mat:
        if isinstance(packed, QuantPacked):
            kind, n_in = (2 if packed.kind == "q8_0" else 1), packed.in_features
        else:
            kind, n_in = 0, packed.panels.shape[1]
        return cls(packed.panels.data_ptr(), kind, packed.panels.shape[0], n_in)


class Layer(ctypes.Structure):
    """`native/decode.c`'s `layer_t`: a layer's four products and two norm weights."""

    _fields_ = [
        ("qkv", Mat),
        ("o", Mat),
        ("gate_up", Mat),
        ("down", Mat),
        ("in_norm", ctypes.c_void_p),
        ("post_norm", ctypes.c_void_p),
    ]


def _sleef_exp(name: str = "Sleef_expf16_u10") -> int | None:
    """The address of torch's own `Sleef_expf16_u10` (its vectorized float exp on AVX-512),
    which the kernels' silu calls to give torch's bits, or of another of its SLEEF functions
    (`Sleef_expd8_u10`, the float64 exp of `attend_f64`); None where torch does not export it."""
    library = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    try:
        function = getattr(ctypes.CDLL(str(library)), name)
    except (OSError, AttributeError):
        return None
    return ctypes.cast(function, ctypes.c_void_p).value


def attach(linear: torch.nn.Linear, packed: Packed, kernels: DecodeKernels) -> None:
    """Make `linear` multiply through `packed` (prefill and decoding alike) and release its
    row-major weight: the packed panels are then the model's only copy of it."""
    linear._promptgen_packed = packed  # type: ignore[assignment]
    linear.forward = _PackedLinear(packed, kernels, linear.bias)  # type: ignore[method-assign,assignment]
    linear.weight = torch.nn.Parameter(linear.weight.new_empty((0, linear.in_features)), requires_grad=False)


class _PackedLinear:
    """`nn.Linear.forward` through the kernels: any leading shape, each row's bits its own."""

    def __init__(self, packed: Packed, kernels: DecodeKernels, bias: torch.Tensor | None) -> None:
        self.packed, self.kernels, self.bias = packed, kernels, bias

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        out = self.kernels.mm(self.packed, x.reshape(-1, x.shape[-1]))
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*x.shape[:-1], out.shape[-1])


def kernel(choice: str = "auto", folder: Path | None = None) -> DecodeKernels | None:
    """The built kernels (`choice` "auto"), or None: "torch" (`PROMPTGEN_LM_KERNEL`), or no
    compiler, or a failed build. Built (or found) in `folder` (default: `cache_folder()`) by the
    first call of the process, which every later call shares whatever its `folder`."""
    if choice not in ("auto", "torch"):
        raise ValueError(f"the decoding kernel choice must be 'auto' or 'torch', not {choice!r}")
    if choice == "torch":
        return None
    with _lock:
        if not _built:
            _built.append(_build_and_load(folder))
        return _built[0]


def build(folder: Path | None = None, flags: tuple[str, ...] = FLAGS) -> Path:
    """Compile the kernel into `folder` (default: `cache_folder()`) once per `build_key`; the
    library's path. Concurrent builds are safe: each compiles under a temporary name in the folder
    and renames its file into place (atomic), so a reader finds a whole library or none."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise RuntimeError("no C compiler (cc or gcc) on PATH")
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False).stdout
    cpu = cpu_features()
    machine = _digest(cpu.encode())[:8]  # names this CPU's builds, which replace one another
    name = f"decode-{machine}-{build_key(SOURCE.read_bytes(), flags, compiler, version, cpu)}.so"
    folder = folder or cache_folder()
    if (folder / name).is_file():
        return folder / name
    folder = _writable(folder)
    target = folder / name
    with tempfile.TemporaryDirectory(prefix=".build-", dir=folder) as tmp:
        partial = Path(tmp) / target.name
        done = subprocess.run(
            [compiler, *flags, str(SOURCE), "-o", str(partial), "-lm"], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{compiler} failed: {done.stderr.strip()[-500:]}")
        os.replace(partial, target)
    for stale in folder.glob(f"decode-{machine}-*.so"):  # this CPU's builds of other sources or compilers
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


def build_key(source: bytes, flags: tuple[str, ...], compiler: str, version: str, cpu: str) -> str:
    """What a build depends on, hashed: the source, the flags, the compiler (its path and
    `--version`) and the CPU it was built for (`-march=native` makes the library this CPU's)."""
    parts = (source, "\0".join(flags).encode(), compiler.encode(), version.encode(), cpu.encode())
    return _digest(*parts)[:24]


def cpu_features() -> str:
    """This machine's architecture and its CPU's feature flags (`/proc/cpuinfo`'s `flags`, or
    `Features` on ARM; the processor's name where there is no such file)."""
    flags = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
        for line in info:
            if line.startswith(("flags", "Features")):
                flags = " ".join(sorted(line.partition(":")[2].split()))
                break
    return f"{platform.machine()}: {flags or platform.processor()}"


def cache_folder(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the kernels are built: `<data_dir>/kernels`; without one, `$PROMPTGEN_DATA_DIR/kernels`
    when that is set, else the user's cache (`$XDG_CACHE_HOME`, by default `~/.cache`, then
    `promptgen/kernels`). Never the package's folder, which a shared install shares between
    machines (and may not be writable)."""
    data_dir = data_dir or os.environ.get("PROMPTGEN_DATA_DIR")
    if data_dir:
        return Path(data_dir).expanduser().resolve() / "kernels"
    user_cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(user_cache).expanduser().resolve() / "promptgen" / "kernels"


def _writable(folder: Path) -> Path:
    """`folder`, made; where it cannot be written, a new private temporary folder instead."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if folder.is_dir() and os.access(folder, os.W_OK):
        return folder
    log.warning("%s is not writable: building the decoding kernels in a temporary folder", folder)
    return Path(tempfile.mkdtemp(prefix="promptgen-kernels-"))


def _digest(*parts: bytes) -> str:
    hashed = hashlib.sha256()
    for part in parts:  # length-prefixed, so no two different lists of parts hash alike
        hashed.update(len(part).to_bytes(8, "little") + part)
    return hashed.hexdigest()


def _build_and_load(folder: Path | None = None) -> DecodeKernels | None:
    errors = []
    for flags in FALLBACK_FLAGS:
        try:
            loaded = DecodeKernels(build(folder, flags=flags))
        except (OSError, RuntimeError) as exc:
            errors.append(str(exc))
            continue
        log.info("decoding kernels built (%s path)", loaded.path)
        return loaded
    log.warning("decoding kernels unavailable, decoding through torch instead: %s", errors[-1])
    return None
