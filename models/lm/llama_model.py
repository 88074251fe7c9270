"""A Llama causal LM in plain torch, for the quantized path (`gguf_model`), without transformers.

Importing transformers and its Llama modeling costs a process some 150 MB of resident memory
(the `local-settings` and quantized benchmarks report a loaded process's), more than the
quantized weights themselves. The quantized path never needed its machinery: every product runs
through the kernels' panels (`kernels.attach`), a decoding step through `llama_step`, and only
prefill runs a forward pass. So this module holds exactly what that path uses of transformers'
`LlamaForCausalLM`, with the same module and parameter names and shapes (`model.embed_tokens`,
`model.layers[i].self_attn.{q,k,v,o}_proj`, `mlp.{gate,up,down}_proj`, the two norms,
`model.norm`, `model.rotary_emb`, `lm_head`), and a forward pass doing the same operations in
the same order as transformers 5's with the `promptgen_fp64` attention (`decoding.fp64_attention`)
and its eager mask: the same logits, bit for bit (`tests/test_llama_model.py` holds it to
transformers' model on random weights and on the embedded model). Its cache (`KVCache`) offers
what prefill, the prefix store and `llama_step.StepCache` read of transformers' `DynamicCache`.

The unquantized paths (a model folder, another dtype, `PROMPTGEN_LM_KERNEL=torch`) keep
transformers' model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional


@dataclass
class LlamaConfig:
    """The fields of a Llama `config.json` the model reads (transformers' names)."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    head_dim: int = 0
    model_type: str = "llama"
    hidden_act: str = "silu"
    attention_bias: bool = False
    mlp_bias: bool = False
    pretraining_tp: int = 1
    tie_word_embeddings: bool = False
    bos_token_id: int | None = None
    eos_token_id: int | list[int] | None = None
    pad_token_id: int | None = None
    dtype: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.head_dim:
            self.head_dim = self.hidden_size // self.num_attention_heads

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LlamaConfig:
        """From a config's fields; refuses what this model does not implement (a rope other
        than the default one, biases, another activation, tensor-parallel slices)."""
        rope = values.get("rope_parameters") or values.get("rope_scaling") or {}
        rope_type = rope.get("rope_type", rope.get("type", "default"))
        if rope_type != "default":
            raise ValueError(f"the plain Llama model implements the default rope, not {rope_type!r}")
        theta = rope.get("rope_theta", values.get("rope_theta", 10000.0))
        known = {name for name in cls.__dataclass_fields__ if name not in ("extra", "rope_theta", "dtype")}
        config = cls(
            **{name: values[name] for name in known if values.get(name) is not None},
            rope_theta=float(theta),
            extra={k: v for k, v in values.items() if k not in known},
        )
        if config.model_type != "llama":
            raise ValueError(f"the plain Llama model reads Llama configs, not {config.model_type!r}")
        if config.attention_bias or config.mlp_bias or config.hidden_act != "silu" or config.pretraining_tp != 1:
            raise ValueError("the plain Llama model has no biases, silu only, and no tensor-parallel slices")
        return config

    @classmethod
    def from_file(cls, path: Path) -> LlamaConfig:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


class KVLayer:
    """One layer's keys and values [rows, kv_heads, positions, head_dim] (None: none yet)."""

    __slots__ = ("keys", "values")

    def __init__(self) -> None:
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None


class KVCache:
    """transformers' `DynamicCache` as prefill, the prefix store and `StepCache` use it: `layers`
    (`.keys`, `.values`), `update` (appends a copy, returns the layer's whole keys and values),
    `get_seq_length`, `batch_select_indices`."""

    def __init__(self, layers: int) -> None:
        self.layers = [KVLayer() for _ in range(layers)]

    def update(
        self, keys: torch.Tensor, values: torch.Tensor, layer_idx: int, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        layer = self.layers[layer_idx]
        if layer.keys is None or layer.values is None:
            layer.keys = keys.clone(memory_format=torch.contiguous_format)
            layer.values = values.clone(memory_format=torch.contiguous_format)
        else:
            layer.keys = torch.cat([layer.keys, keys], dim=-2)
            layer.values = torch.cat([layer.values, values], dim=-2)
        return layer.keys, layer.values

    def get_seq_length(self, layer_idx: int = 0) -> int:
        keys = self.layers[layer_idx].keys
        return 0 if keys is None else int(keys.shape[-2])

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        for layer in self.layers:
            if layer.keys is not None and layer.values is not None:
                layer.keys, layer.values = layer.keys[indices, ...], layer.values[indices, ...]


@dataclass
class CausalLMOutput:
    logits: torch.Tensor
    cache: KVCache | None


class RMSNorm(nn.Module):
    """LlamaRMSNorm: statistics in float32, scaled by the weight (transformers' operations)."""

    def __init__(self, hidden_size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(0), requires_grad=False)  # unloaded: see `load_state`
        self.variance_epsilon = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class RotaryEmbedding(nn.Module):
    """The default rope: `forward(x, position_ids)` -> cos, sin [rows, positions, head_dim]."""

    inv_freq: torch.Tensor

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        dim = config.head_dim
        inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
        self.attention_scaling = 1.0
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = position_ids[..., None].float() * self.inv_freq.to(device=x.device, dtype=torch.float)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def _linear(inputs: int, outputs: int) -> nn.Linear:
    """A linear without bias and without values yet (an empty weight: the loader assigns it).
    Not on the meta device: its first use imports torch's meta registrations, some 60 MB."""
    linear = nn.Linear.__new__(nn.Linear)
    nn.Module.__init__(linear)  # not `nn.Linear.__init__`: it would initialise random values
    linear.in_features, linear.out_features = inputs, outputs
    linear.register_parameter("bias", None)
    linear.weight = nn.Parameter(torch.empty((0, inputs)), requires_grad=False)
    return linear


class Attention(nn.Module):
    def __init__(self, config: LlamaConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim**-0.5
        width, heads, kv_heads = config.hidden_size, config.num_attention_heads, config.num_key_value_heads
        self.q_proj = _linear(width, heads * self.head_dim)
        self.k_proj = _linear(width, kv_heads * self.head_dim)
        self.v_proj = _linear(width, kv_heads * self.head_dim)
        self.o_proj = _linear(heads * self.head_dim, width)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None,
        cache: KVCache | None,
    ) -> torch.Tensor:
        from models.lm.decoding import fp64_attention

        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        query = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        query = (query * cos) + (_rotate_half(query) * sin)
        key = (key * cos) + (_rotate_half(key) * sin)
        if cache is not None:
            key, value = cache.update(key, value, self.layer_idx)
        attended, _ = fp64_attention(self, query, key, value, attention_mask, scaling=self.scaling)
        return self.o_proj(attended.reshape(*input_shape, -1).contiguous())  # type: ignore[no-any-return]


class MLP(nn.Module):
    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.gate_proj = _linear(config.hidden_size, config.intermediate_size)
        self.up_proj = _linear(config.hidden_size, config.intermediate_size)
        self.down_proj = _linear(config.intermediate_size, config.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(functional.silu(self.gate_proj(x)) * self.up_proj(x))  # type: ignore[no-any-return]


class DecoderLayer(nn.Module):
    def __init__(self, config: LlamaConfig, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = Attention(config, layer_idx)
        self.mlp = MLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        cache: KVCache | None,
    ) -> torch.Tensor:
        residual = hidden_states
        hidden_states = self.self_attn(self.input_layernorm(hidden_states), position_embeddings, attention_mask, cache)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.mlp(self.post_attention_layernorm(hidden_states))
        return residual + hidden_states  # type: ignore[no-any-return]


def causal_mask(
    attention_mask: torch.Tensor | None, batch: int, q_length: int, past: int, dtype: torch.dtype
) -> torch.Tensor:
    """transformers' eager causal mask [batch, 1, q_length, past + q_length]: 0 where a query may
    attend a key (at or before its position, and not padding in the 2D `attention_mask`), else
    the dtype's lowest value (the padding mask padded with zeros, or cut, to the keys' length)."""
    kv_length = past + q_length
    q_idx = torch.arange(q_length)[None, None, :, None] + past
    kv_idx = torch.arange(kv_length)[None, None, None, :]
    allowed = torch.ones((), dtype=torch.bool) & (kv_idx <= q_idx)
    if attention_mask is not None:
        padding = attention_mask.to(dtype=torch.bool)
        if kv_length > padding.shape[-1]:
            padding = functional.pad(padding, (0, kv_length - padding.shape[-1]))
        allowed = allowed & padding[:, None, None, :kv_length]
    allowed = allowed.expand(batch, -1, q_length, kv_length)
    return torch.where(allowed, torch.zeros((), dtype=dtype), torch.finfo(dtype).min)


class LlamaModel(nn.Module):
    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens: nn.Module = nn.Embedding(0, config.hidden_size, _weight=torch.empty((0, config.hidden_size)))
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary_emb = RotaryEmbedding(config)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        cache: KVCache | None = None,
        use_cache: bool | None = None,
    ) -> tuple[torch.Tensor, KVCache | None]:
        hidden_states = self.embed_tokens(input_ids)
        if use_cache and cache is None:
            cache = KVCache(self.config.num_hidden_layers)
        past = cache.get_seq_length() if cache is not None else 0
        if position_ids is None:
            position_ids = (torch.arange(hidden_states.shape[1]) + past).unsqueeze(0)
        batch, q_length = hidden_states.shape[0], hidden_states.shape[1]
        mask = causal_mask(attention_mask, batch, q_length, past, hidden_states.dtype)
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for layer in self.layers:
            hidden_states = layer(hidden_states, mask, position_embeddings, cache)
        return self.norm(hidden_states), cache


class LlamaForCausalLM(nn.Module):
    """`model(input_ids, attention_mask, position_ids, cache, use_cache, logits_to_keep)` ->
    `CausalLMOutput(logits, cache)`, as transformers' model of the same name with the
    `promptgen_fp64` attention. Built without values (empty weights): `gguf_model.load` or
    `load_state` fills them."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.model = LlamaModel(config)
        self.lm_head = _linear(config.hidden_size, config.vocab_size)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        cache: KVCache | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int = 0,
    ) -> CausalLMOutput:
        hidden_states, cache = self.model(input_ids, attention_mask, position_ids, cache, use_cache)
        logits = self.lm_head(hidden_states[:, slice(-logits_to_keep, None), :])
        return CausalLMOutput(logits=logits, cache=cache)

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Every weight from `state` (transformers' names; `lm_head.weight` may be left out where
        the embeddings are tied), as parameters without gradients sharing the given tensors'
        memory (no copy: MKL's products can round differently at another address alignment)."""
        tied = "lm_head.weight" not in state and self.config.tie_word_embeddings
        for name, module in self.named_modules():
            if not isinstance(module, (nn.Linear, nn.Embedding, RMSNorm)):
                continue
            key = "model.embed_tokens.weight" if tied and name == "lm_head" else f"{name}.weight"
            if key not in state:
                raise ValueError(f"no values for {key}")
            module.weight = nn.Parameter(state[key].detach(), requires_grad=False)
            if isinstance(module, nn.Embedding):
                module.num_embeddings = module.weight.shape[0]

    def new_cache(self) -> KVCache:
        """An empty cache for this model (`prefill.new_cache`)."""
        return KVCache(self.config.num_hidden_layers)
