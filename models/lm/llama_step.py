"""One decoding step of a Llama-family model, without transformers' module machinery.

Generating one token per row through `model(...)` costs some 400 `nn.Module` calls, three
separate q/k/v products and two gate/up ones per layer, and a mask rebuilt and converted per
layer: a large share of a batch-one step on top of the weights' own matrix products (the
`decoding-vs-bandwidth-bound` benchmark holds the step to a share of the memory's speed). This
step runs the same arithmetic on the same weights: q/k/v and gate/up as one product each, and
every product and the attention through the kernels of `models/lm/kernels.py`: each weight is
packed once into panels, each linear of the model (which prefill still runs through the model's
forward: transformers', or for the embedded GGUF `llama_model`'s) multiplies through its own part
of them, and the row-major weights are released.
Where the kernels are unavailable or the weights are not float32, q/k/v and gate/up become
views of one fused matrix each (the same numbers for prefill), products run through the lanes
of `models/lm/lanes.py`, and attention in float64 like `fp64_attention`.
Decoding starts from the KV cache transformers' prefill wrote, copied once into a `StepCache`
that has room for the tokens to come. With the kernels, the whole step (every layer, then the
head) runs in one call of `native/decode.c`'s `decode_step` where its norm and silu give torch's
bits on this machine (`_fuse_step`): the same arithmetic as the loop in `__call__`, which stays
for the other cases and as the reference the tests hold the one-call step to.
"""

from __future__ import annotations

import contextlib
import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional

from models.lm import kernels
from models.lm.lanes import Block, lane_mm


@dataclass(frozen=True)
class _Layer:
    input_norm: torch.Tensor
    qkv: torch.Tensor | kernels.Packed
    o: torch.Tensor | kernels.Packed
    post_norm: torch.Tensor
    gate_up: torch.Tensor | kernels.Packed
    down: torch.Tensor | kernels.Packed


def _fuse(*linears: torch.nn.Linear) -> torch.Tensor:
    """One matrix holding the linears' weights one under the other; each linear's weight
    becomes a view of its rows (no copy kept, the same values for prefill)."""
    fused = torch.cat([linear.weight.detach() for linear in linears])
    start = 0
    for linear in linears:
        rows = linear.weight.shape[0]
        linear.weight.data = fused[start : start + rows]
        start += rows
    return fused


def _pack(kernel: kernels.DecodeKernels, *linears: torch.nn.Linear) -> kernels.Packed:
    """The linears' weights packed as one product (for the step), each linear multiplying
    through its own panels of it (for prefill: a view where its rows start on a panel, else a
    copy), and its row-major weight released: the model keeps one copy of its weights. Linears
    loaded from a GGUF (`gguf_model`) are packed from their quantized rows where they all share
    one format the kernels read, else from those rows dequantized (the same float32 values)."""
    quant = [getattr(linear, "_promptgen_quant", None) for linear in linears]
    if any(quant):
        return _pack_quantized(kernel, linears, quant)
    fused = kernels.Packed.stacked([linear.weight.detach() for linear in linears])
    start = 0
    for linear in linears:
        rows = linear.weight.shape[0]
        own = fused.rows(start, rows) if start % kernels.LANES == 0 else kernels.Packed(linear.weight)
        kernels.attach(linear, own, kernel)
        start += rows
    return fused


def _pack_quantized(
    kernel: kernels.DecodeKernels, linears: tuple[torch.nn.Linear, ...], quant: list[Any]
) -> kernels.Packed:
    kinds = {q[0] if q else "f32" for q in quant}
    if len(kinds) == 1:
        fused: kernels.Packed = kernels.QuantPacked.stacked([q[1] for q in quant], kinds.pop())
    else:
        rows = [kernels.dequantize(*q) if q else linear.weight.detach() for q, linear in zip(quant, linears, strict=True)]
        fused = kernels.Packed.stacked(rows)
    start = 0
    for q, linear in zip(quant, linears, strict=True):
        rows_of = linear.out_features
        if start % kernels.LANES == 0:
            own = fused.rows(start, rows_of)
        else:
            own = kernels.QuantPacked(*q) if q else kernels.Packed(linear.weight)
        kernels.attach(linear, own, kernel)
        if q:
            del linear._promptgen_quant  # the raw rows: packed now, not kept
        start += rows_of
    return fused


def _copy_off_the_file(model: Any) -> None:
    """Copy the parameters the model still holds (embedding, norms) into memory of their own:
    loaded from safetensors they are views of the file's mapping, which keeps every weight's
    pages resident (packing read them all) as long as one of them lives. Then hand freed heap
    back to the system (glibc only). The `local-settings` benchmark reports the resident memory
    of a process once the model is loaded."""
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.numel():
                parameter.data = parameter.data.clone()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class StepCache:
    """A decoding batch's KV in buffers with room for the positions still to come: a step writes
    its position in place, where transformers' `DynamicCache` concatenates the whole cache onto
    it every layer of every step (250 MB copied a step at 18 rows of 300 positions). Made from
    the prefill's cache; offers the three calls decoding makes of a cache."""

    def __init__(self, cache: Any, room: int) -> None:
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        self.lengths: list[int] = []
        # the buffers' addresses and strides as the one-call step reads them, made when they change
        self._pointers: tuple[tuple[int, int, tuple[int, ...]], torch.Tensor] | None = None
        for layer in cache.layers:
            self.keys.append(self._with_room(layer.keys, room))
            self.values.append(self._with_room(layer.values, room))
            self.lengths.append(layer.keys.shape[2])

    @staticmethod
    def _with_room(held: torch.Tensor, room: int) -> torch.Tensor:
        rows, heads, length, dim = held.shape
        buffer = held.new_empty((rows, heads, length + max(room, 1), dim))
        buffer[:, :, :length] = held
        return buffer

    def update(self, k: torch.Tensor, v: torch.Tensor, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Append `k`, `v` [rows, kv_heads, new, dim]; the layer's keys and values so far (views)."""
        at, new = self.lengths[layer], k.shape[2]
        if at + new > self.keys[layer].shape[2]:  # more steps than planned: grow, keep going
            self.keys[layer] = self._with_room(self.keys[layer][:, :, :at], at + new)
            self.values[layer] = self._with_room(self.values[layer][:, :, :at], at + new)
            self._pointers = None
        self.keys[layer][:, :, at : at + new] = k
        self.values[layer][:, :, at : at + new] = v
        self.lengths[layer] = at + new
        return self.keys[layer][:, :, : at + new], self.values[layer][:, :, : at + new]

    def reserve(self, new: int) -> None:
        """Room for `new` more positions in every layer (grown as `update` grows)."""
        for layer, at in enumerate(self.lengths):
            if at + new > self.keys[layer].shape[2]:
                self.keys[layer] = self._with_room(self.keys[layer][:, :, :at], at + new)
                self.values[layer] = self._with_room(self.values[layer][:, :, :at], at + new)
                self._pointers = None

    def get_seq_length(self, layer: int = 0) -> int:
        return self.lengths[layer]

    def batch_select_indices(self, index: torch.Tensor) -> None:
        """Keep only the rows `index` (a copy, as with transformers' cache)."""
        self.keys = [k.index_select(0, index) for k in self.keys]
        self._pointers = None
        self.values = [v.index_select(0, index) for v in self.values]


class LlamaDecodeStep:
    """`step(tokens, positions, cache, mask, lane_at)` -> logits of the next token per row."""

    @staticmethod
    def supports(model: Any) -> bool:
        config = getattr(model, "config", None)
        return (
            getattr(config, "model_type", None) == "llama"
            and not getattr(config, "attention_bias", True)
            and not getattr(config, "mlp_bias", True)
            and getattr(config, "hidden_act", None) == "silu"
            and getattr(config, "pretraining_tp", 1) == 1
        )

    def __init__(self, model: Any, kernel: str = "auto", kernel_dir: Path | None = None) -> None:
        config = model.config
        inner = model.model
        self.embed = inner.embed_tokens.weight
        # a GGUF's quantized embedding (`gguf_model.QuantEmbedding`) looks its rows up itself
        self._lookup = inner.embed_tokens if hasattr(inner.embed_tokens, "raw") else None
        self.rotary = inner.rotary_emb
        self.norm = inner.norm.weight
        self.eps = float(config.rms_norm_eps)
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(config.num_key_value_heads)
        self.head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // self.heads)
        self.scaling = self.head_dim**-0.5
        self.intermediate = int(config.intermediate_size)
        self.kernel = kernels.kernel(kernel, kernel_dir) if self.embed.dtype == torch.float32 else None
        self.layers = [self._layer(layer) for layer in inner.layers]
        self.head: torch.Tensor | kernels.Packed = model.lm_head.weight
        self._fused: tuple[ctypes.Array[Any], kernels.Mat] | None = None
        if self.kernel is not None:
            for layer in inner.layers:  # the prefill's float64 attention, in C (`fp64_attention`)
                layer.self_attn._promptgen_attend = self.kernel
        if self.kernel is not None:  # its own packed copy: the embedding keeps the row-major one
            self.head = _pack(self.kernel, model.lm_head)
            if self._lookup is not None and hasattr(self._lookup, "share"):
                self._lookup.share(self.head)  # tied Q8_0 rows: held once, in the head's panels
            _copy_off_the_file(model)
            self._fused = self._fuse_step()

    def _fuse_step(self) -> tuple[ctypes.Array[Any], kernels.Mat] | None:
        """The layers as `native/decode.c`'s `decode_step` reads them, where it may run the whole
        step (every product packed, float32 norms, its norm and silu checked to give torch's
        bits here: `DecodeKernels.fused_checked`); else None (the step below, part in torch)."""
        kernel = self.kernel
        products = [self.head, *(w for layer in self.layers for w in (layer.qkv, layer.o, layer.gate_up, layer.down))]
        norms = [self.norm, *(w for layer in self.layers for w in (layer.input_norm, layer.post_norm))]
        if (
            kernel is None
            or not all(isinstance(w, kernels.Packed) for w in products)
            or not all(w.dtype == torch.float32 and w.is_contiguous() for w in norms)
            or self.head_dim % 2
            or not kernel.fused_checked(int(self.norm.shape[0]), self.intermediate, self.eps)
        ):
            return None
        layers = (kernels.Layer * len(self.layers))()
        for slot, layer in zip(layers, self.layers, strict=True):
            assert isinstance(layer.qkv, kernels.Packed) and isinstance(layer.o, kernels.Packed)
            assert isinstance(layer.gate_up, kernels.Packed) and isinstance(layer.down, kernels.Packed)
            slot.qkv, slot.o = kernels.Mat.of(layer.qkv), kernels.Mat.of(layer.o)
            slot.gate_up, slot.down = kernels.Mat.of(layer.gate_up), kernels.Mat.of(layer.down)
            slot.in_norm, slot.post_norm = layer.input_norm.data_ptr(), layer.post_norm.data_ptr()
        assert isinstance(self.head, kernels.Packed)
        return layers, kernels.Mat.of(self.head)

    def _layer(self, layer: Any) -> _Layer:
        attention, mlp, kernel = layer.self_attn, layer.mlp, self.kernel
        if kernel is None:
            return _Layer(
                input_norm=layer.input_layernorm.weight,
                qkv=_fuse(attention.q_proj, attention.k_proj, attention.v_proj),
                o=attention.o_proj.weight,
                post_norm=layer.post_attention_layernorm.weight,
                gate_up=_fuse(mlp.gate_proj, mlp.up_proj),
                down=mlp.down_proj.weight,
            )
        return _Layer(
            input_norm=layer.input_layernorm.weight,
            qkv=_pack(kernel, attention.q_proj, attention.k_proj, attention.v_proj),
            o=_pack(kernel, attention.o_proj),
            post_norm=layer.post_attention_layernorm.weight,
            gate_up=_pack(kernel, mlp.gate_proj, mlp.up_proj),
            down=_pack(kernel, mlp.down_proj),
        )

    def weight_bytes(self) -> int:
        """Bytes of weights one step reads (every product's, packed or not)."""
        products = [self.head, *(w for layer in self.layers for w in (layer.qkv, layer.o, layer.gate_up, layer.down))]
        tensors = [w.panels if isinstance(w, kernels.Packed) else w for w in products]
        return sum(t.numel() * t.element_size() for t in tensors)

    def _mm(self, weight: torch.Tensor | kernels.Packed, x: torch.Tensor, blocks: list[Block]) -> torch.Tensor:
        """`x @ weight.T` for the step's rows, each row's bits independent of the others."""
        if isinstance(weight, kernels.Packed):
            assert self.kernel is not None
            return self.kernel.mm(weight, x)
        return lane_mm(weight, x, blocks)

    def _rms(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """LlamaRMSNorm: float32 statistics, scaled by the weight in the model's dtype (one fused
        op in float32, the same bits as the three-op form)."""
        if x.dtype == torch.float32 and weight.dtype == torch.float32:
            return functional.rms_norm(x, (x.shape[-1],), weight, self.eps)
        dtype = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * x.to(dtype)

    @staticmethod
    def _rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rotated * sin

    def __call__(
        self,
        tokens: torch.Tensor,
        positions: torch.Tensor,
        cache: Any,
        mask: torch.Tensor,
        blocks: list[Block],
    ) -> torch.Tensor:
        """`tokens` and `positions`: one per row; `mask`: [rows, cached + 1], 1 where a row may
        attend; `blocks`: the lanes' column blocks (without the kernel). Returns float logits [rows, vocab]."""
        batch = tokens.shape[0]
        heads, kv_heads, dim = self.heads, self.kv_heads, self.head_dim
        q_size, kv_size = heads * dim, kv_heads * dim
        h = self._lookup(tokens) if self._lookup is not None else functional.embedding(tokens, self.embed)
        cos, sin = self.rotary(h, positions.unsqueeze(1))  # [rows, 1, dim]: broadcast over heads
        if self._fused is not None and isinstance(cache, StepCache):
            return self._fused_call(h, cos, sin, cache, mask)
        kernel = self.kernel
        if kernel is None:
            additive = torch.zeros(mask.shape, dtype=torch.float64).masked_fill_(mask == 0, float("-inf"))
            additive = additive[:, None, None, :]
        for index, layer in enumerate(self.layers):
            x = self._rms(h, layer.input_norm)
            qkv = self._mm(layer.qkv, x, blocks)
            qk = self._rope(qkv[:, : q_size + kv_size].reshape(batch, heads + kv_heads, dim), cos, sin)
            q, k = qk[:, :heads], qk[:, heads:]
            v = qkv[:, q_size + kv_size :].reshape(batch, kv_heads, 1, dim)
            keys, values = cache.update(k.unsqueeze(2), v, index)
            if kernel is not None:
                attended = kernel.attend(q, keys, values, mask, self.scaling)
            else:
                groups = heads // kv_heads
                scores = torch.matmul(
                    q.double().view(batch, kv_heads, groups, dim), keys.double().transpose(2, 3)
                )
                scores = scores.mul_(self.scaling).add_(additive)
                weights = torch.softmax(scores, dim=-1)
                attended = torch.matmul(weights, values.double()).to(h.dtype).view(batch, q_size)
            h = h + self._mm(layer.o, attended, blocks)
            x = self._rms(h, layer.post_norm)
            gate_up = self._mm(layer.gate_up, x, blocks)
            h = h + self._mm(
                layer.down,
                functional.silu(gate_up[:, : self.intermediate]) * gate_up[:, self.intermediate :],
                blocks,
            )
        return self._mm(self.head, self._rms(h, self.norm), blocks)

    def _fused_call(
        self, h: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: StepCache, mask: torch.Tensor
    ) -> torch.Tensor:
        """The step in one call of the kernels (`_fuse_step`): the same arithmetic as the layers'
        loop in `__call__`, without a Python call (and an OpenMP team's start) per operation."""
        assert self._fused is not None and self.kernel is not None
        layers, head = self._fused
        rows, at = h.shape[0], cache.lengths[0]
        if any(length != at for length in cache.lengths) or mask.shape != (rows, at + 1):
            raise ValueError(f"a step needs every layer's cache at one length and a mask of {at + 1} positions")
        cache.reserve(1)
        held = (cache.keys[0].data_ptr(), cache.values[-1].data_ptr(), tuple(cache.keys[0].shape))
        if cache._pointers is None or cache._pointers[0] != held:  # buffers grown or rows dropped since
            if any(k.dtype != torch.float32 or k.stride(3) != 1 for k in (*cache.keys, *cache.values)):
                raise ValueError("the step's cache must hold float32 rows with a contiguous last axis")
            rows_of = [
                [k.data_ptr(), v.data_ptr(), *k.stride()[:3], *v.stride()[:3]]
                for k, v in zip(cache.keys, cache.values, strict=True)
            ]
            cache._pointers = (held, torch.tensor(rows_of, dtype=torch.int64))
        pointers = cache._pointers[1]
        h = h.to(torch.float32).contiguous().clone()
        logits = torch.empty((rows, head.panels * kernels.LANES), dtype=torch.float32)
        dims = [rows, h.shape[1], self.heads, self.kv_heads, self.head_dim, self.intermediate, at]
        self.kernel.decode_step(
            layers,
            head,
            self.norm,
            pointers,
            h,
            logits,
            cos.to(torch.float32).contiguous(),
            sin.to(torch.float32).contiguous(),
            mask.to(torch.int64).contiguous(),
            torch.tensor(dims, dtype=torch.int64),
            self.eps,
            self.scaling,
        )
        for layer in range(len(cache.lengths)):
            cache.lengths[layer] = at + 1
        vocab = self.head.out_features if isinstance(self.head, kernels.Packed) else logits.shape[1]
        return logits if vocab == logits.shape[1] else logits[:, :vocab]
