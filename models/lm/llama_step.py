"""One decoding step of a Llama-family model, without transformers' module machinery.

Generating one token per row through `model(...)` costs some 400 `nn.Module` calls, three
separate q/k/v products and two gate/up ones per layer, and a mask rebuilt and converted per
layer: about a third of a batch-one step on top of the weights' own matrix products. This step
runs the same arithmetic on the same weights: q/k/v and gate/up as one product each (their
weights become views of one fused matrix, and prefill, which still runs through transformers,
reads the same numbers), and every product and the attention through the decoding
kernels of `models/lm/kernels.py` (weights packed once, a float32 copy of them: +540 MB for the
embedded model); where those are unavailable or the weights are not float32, products run
through the lanes of `models/lm/lanes.py` and attention in float64 like `fp64_attention`.
Decoding starts from the KV cache transformers' prefill wrote, copied once into a `StepCache`
that has room for the tokens to come.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.nn import functional

from models.lm import kernels
from models.lm.lanes import Block, lane_mm


@dataclass(frozen=True)
class _Layer:
    input_norm: torch.Tensor
    qkv: torch.Tensor
    o: torch.Tensor
    post_norm: torch.Tensor
    gate_up: torch.Tensor
    down: torch.Tensor


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


class StepCache:
    """A decoding batch's KV in buffers with room for the positions still to come: a step writes
    its position in place, where transformers' `DynamicCache` concatenates the whole cache onto
    it every layer of every step (250 MB copied a step at 18 rows of 300 positions). Made from
    the prefill's cache; offers the three calls decoding makes of a cache."""

    def __init__(self, cache: Any, room: int) -> None:
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        self.lengths: list[int] = []
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
        self.keys[layer][:, :, at : at + new] = k
        self.values[layer][:, :, at : at + new] = v
        self.lengths[layer] = at + new
        return self.keys[layer][:, :, : at + new], self.values[layer][:, :, : at + new]

    def get_seq_length(self, layer: int = 0) -> int:
        return self.lengths[layer]

    def batch_select_indices(self, index: torch.Tensor) -> None:
        """Keep only the rows `index` (a copy, as with transformers' cache)."""
        self.keys = [k.index_select(0, index) for k in self.keys]
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

    def __init__(self, model: Any, kernel: str = "auto") -> None:
        config = model.config
        inner = model.model
        self.embed = inner.embed_tokens.weight
        self.rotary = inner.rotary_emb
        self.norm = inner.norm.weight
        self.head = model.lm_head.weight
        self.eps = float(config.rms_norm_eps)
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(config.num_key_value_heads)
        self.head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // self.heads)
        self.scaling = self.head_dim**-0.5
        self.intermediate = int(config.intermediate_size)
        self.layers = [
            _Layer(
                input_norm=layer.input_layernorm.weight,
                qkv=_fuse(layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj),
                o=layer.self_attn.o_proj.weight,
                post_norm=layer.post_attention_layernorm.weight,
                gate_up=_fuse(layer.mlp.gate_proj, layer.mlp.up_proj),
                down=layer.mlp.down_proj.weight,
            )
            for layer in inner.layers
        ]
        self.kernel = kernels.kernel(kernel) if self.head.dtype == torch.float32 else None
        # The kernel's packed copy of each product's weight, by the weight's identity.
        self._packed: dict[int, kernels.Packed] = {}
        if self.kernel is not None:
            for weight in [w for layer in self.layers for w in (layer.qkv, layer.o, layer.gate_up, layer.down)]:
                self._packed[id(weight)] = kernels.Packed(weight)
            self._packed[id(self.head)] = kernels.Packed(self.head)

    def _mm(self, weight: torch.Tensor, x: torch.Tensor, blocks: list[Block]) -> torch.Tensor:
        """`x @ weight.T` for the step's rows, each row's bits independent of the others."""
        if self.kernel is not None:
            return self.kernel.mm(self._packed[id(weight)], x)
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
        h = functional.embedding(tokens, self.embed)
        cos, sin = self.rotary(h, positions.unsqueeze(1))  # [rows, 1, dim]: broadcast over heads
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
