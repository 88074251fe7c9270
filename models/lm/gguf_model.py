"""A Llama-family GGUF loaded straight into the decoding kernels' quantized panels.

The embedded model ships as a Q4_1 GGUF (its token embedding, tied to the output head, as
Q8_0). Its safetensors conversion held the weights as float32: exactly the dequantized blocks
(gguf-py's `w = d * q + m` per block of 32, `w = d * q` for Q8_0), 538 MB read by every decoding
step. Here no float32 copy is made: each projection's GGUF rows are repacked into the panels of
`kernels.QuantPacked` (0.625 bytes a weight for Q4_1, 1.06 for Q8_0), which dequantize in
registers with the conversion's arithmetic and accumulate in `panel_mm`'s order, so every
product, and so every token, has the bits of the float32 model (`tests/test_quantized.py`
compares logits and tokens). The embedding looks its rows up in the Q8_0 blocks and dequantizes
them the same way (`QuantEmbedding`). Weights in formats the kernels do not read (Q4_K, Q6_K, ...)
are dequantized to float32 by gguf-py, as the conversion did, and packed as float32 panels.

Only the tokenizer and the config are written to the data directory (`model_files`, once, a
few megabytes): the first start no longer converts the weights. Without the kernels (no C
compiler, `PROMPTGEN_LM_KERNEL=torch`) or in another dtype, the local backend keeps the
safetensors conversion (`local.convert_embedded_model`) and torch's products.

Memory: the model is `llama_model.LlamaForCausalLM` (plain torch, transformers never imported;
the tokenizer is `tokenizer.LeanTokenizer`), the GGUF rows are views of the file's mapping
repacked straight from it (`read_weights`), and the loader hands freed heap back once packed
(`llama_step._copy_off_the_file`, `local`): a loaded process holds torch, the panels and the
tokenizer (`resident_mb_embedded` in `benchmarks/bench_quant.py` measures it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.lm import kernels

log = logging.getLogger(__name__)

_LAYER_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
_MODEL_NAMES = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}


def hf_name(gguf_name: str) -> str | None:
    """The transformers parameter a GGUF tensor of a Llama model is (None: not one of them)."""
    base, _, suffix = gguf_name.rpartition(".")
    parts = base.split(".")
    if len(parts) == 3 and parts[0] == "blk" and parts[2] in _LAYER_NAMES:
        return f"model.layers.{parts[1]}.{_LAYER_NAMES[parts[2]]}.{suffix}"
    if base in _MODEL_NAMES:
        return f"{_MODEL_NAMES[base]}.{suffix}"
    return None


def read_weights(path: Path, config: Any) -> dict[str, tuple[str, torch.Tensor]]:
    """The GGUF's tensors by transformers name: ("q4_1" or "q8_0", raw rows uint8 [out, bytes])
    for the formats the kernels read, else ("f32", float32 values), dequantized by gguf-py where
    they are quantized. q and k rows are put back in transformers' order (the GGUF permutes them
    for its rotary layout; transformers' loader undoes it the same way).

    The raw rows are views of the file's mapping (copy-on-write, never written), not copies: the
    kernels repack them straight from it (`llama_step`), and once the last of them is released
    after packing the mapping goes, its pages with it. Only q and k rows, reordered, are copies
    (8 MB for SmolLM2, released once packed), and the small float32 tensors (norms), which the
    model keeps."""
    import gguf

    reader = gguf.GGUFReader(str(path), "c")  # "c": writable views (torch takes no read-only ones)
    heads, kv_heads = int(config.num_attention_heads), int(config.num_key_value_heads)
    weights: dict[str, tuple[str, torch.Tensor]] = {}
    for tensor in reader.tensors:
        name = hf_name(tensor.name)
        if name is None:
            continue
        kind = tensor.tensor_type.name.lower()
        if kind in kernels.QUANT_FORMATS:
            rows = torch.from_numpy(tensor.data)  # [out, blocks * bytes], a view of the mapping
        elif kind == "f32":
            rows = torch.from_numpy(np.array(tensor.data, dtype=np.float32))
        else:
            kind = "f32"
            rows = torch.from_numpy(gguf.dequantize(tensor.data, tensor.tensor_type).astype(np.float32, copy=False))
        if ".q_proj." in name or ".k_proj." in name:
            rows = _unpermute(rows, heads if ".q_proj." in name else kv_heads)
        weights[name] = (kind, rows)
    return weights


def _unpermute(rows: torch.Tensor, heads: int) -> torch.Tensor:
    """transformers' `_reverse_permute_weights` on whole rows (a row's blocks move with it)."""
    half = rows.shape[0] // heads // 2
    return rows.reshape(heads, half, 2, *rows.shape[1:]).transpose(2, 1).reshape(rows.shape)


class QuantEmbedding(torch.nn.Module):
    """`nn.Embedding` over GGUF rows: the looked-up rows dequantized with the conversion's
    arithmetic (`kernels.dequantize`), so each has the float32 model's bits. `weight` is an
    empty float32 placeholder (its dtype and width for code that asks)."""

    def __init__(self, kind: str, raw: torch.Tensor, width: int) -> None:
        super().__init__()
        self.kind = kind
        self.raw: torch.Tensor | None = raw  # None once it looks rows up in the head's panels
        self.num_embeddings, self.embedding_dim = raw.shape[0], width
        self.weight = torch.nn.Parameter(torch.empty((0, width)), requires_grad=False)

        self.panels: kernels.QuantPacked | None = None
        self.tied = False  # the output head multiplies by these same rows

    def share(self, head: kernels.Packed) -> None:
        """Look rows up in the output head's Q8_0 panels when the head was packed from these
        same rows (tied embeddings), and drop the raw copy: the model then holds them once."""
        if (
            self.tied
            and isinstance(head, kernels.QuantPacked)
            and head.kind == self.kind == "q8_0"
            and head.out_features == self.num_embeddings
        ):
            self.panels, self.raw = head, None

    def _raw_rows(self, flat: torch.Tensor) -> torch.Tensor:
        """The GGUF rows `flat` (uint8 [n, blocks * 34]), from the raw copy or the panels."""
        if self.raw is not None:
            return self.raw.index_select(0, flat)
        assert self.panels is not None
        lanes, (_, panel_bytes) = kernels.LANES, kernels.QUANT_FORMATS["q8_0"]
        blocks = self.panels.panels.shape[1] // panel_bytes
        held = self.panels.panels.view(-1, blocks, panel_bytes).index_select(0, flat // lanes)
        lane = (flat % lanes).view(-1, 1, 1, 1)
        scales = held[..., :32].reshape(len(flat), blocks, lanes, 2)
        scales = scales.gather(2, lane.expand(-1, blocks, 1, 2))[:, :, 0]
        quants = held[..., 32:].reshape(len(flat), blocks, kernels.QUANT_BLOCK, lanes)
        quants = quants.gather(3, lane.expand(-1, blocks, kernels.QUANT_BLOCK, 1))[..., 0]
        return torch.cat([scales, quants], dim=-1).reshape(len(flat), -1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)
        if self.kind == "f32":
            rows = self._raw_rows(flat)
        else:
            rows = kernels.dequantize(self.kind, self._raw_rows(flat))
        return rows.reshape(*ids.shape, self.embedding_dim)


def model_files(gguf_path: Path, cache_root: Path, name: str) -> Path:
    """A folder under `cache_root` with the GGUF's tokenizer and config (no weights), written
    once (a file lock makes concurrent processes wait for one writer)."""
    target = cache_root / f"{name}.gguf-files"
    if (target / "config.json").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    with open(cache_root / f".{name}.gguf-files.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "config.json").is_file():
            return target
        from transformers import AutoConfig, AutoTokenizer

        started = time.perf_counter()
        tmp = cache_root / f".{name}.gguf-files.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        config = AutoConfig.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        tokenizer.save_pretrained(tmp)
        config.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        log.info("tokenizer and config of %s written in %.1fs (once; in %s)", gguf_path.name, time.perf_counter() - started, target)
        return target


def _weight(weights: dict[str, tuple[str, torch.Tensor]], module_name: str) -> tuple[str, torch.Tensor]:
    found = weights.get(f"{module_name}.weight")
    if found is None:
        raise ValueError(f"the GGUF holds no values for {module_name}.weight")
    return found


def load(gguf_path: Path, folder: Path) -> Any:
    """The model of `gguf_path` (config in `folder`) as `llama_model.LlamaForCausalLM` (plain
    torch: transformers is not imported), float32 where it is not quantized, its projections left
    to be packed by `llama_step.LlamaDecodeStep` from their GGUF rows (`_promptgen_quant` on each
    linear; its `weight` an empty placeholder), which needs the kernels built."""
    from models.lm.llama_model import LlamaConfig, LlamaForCausalLM, RMSNorm

    config = LlamaConfig.from_file(folder / "config.json")
    model = LlamaForCausalLM(config)  # empty weights: assigned below
    weights = read_weights(gguf_path, config)
    inner = model.model
    width = int(config.hidden_size)
    kind, raw = _weight(weights, "model.embed_tokens")
    inner.embed_tokens = QuantEmbedding(kind, raw, width)
    if "lm_head.weight" not in weights:  # tied: the head multiplies by the embedding's rows
        weights["lm_head.weight"] = (kind, raw)
        inner.embed_tokens.tied = True
    with torch.no_grad():
        for module_name, module in model.named_modules():
            if isinstance(module, torch.nn.Linear):
                kind, raw = _weight(weights, module_name)
                if kind == "f32":  # a format the kernels do not read: float32 panels of it
                    module.weight = torch.nn.Parameter(raw, requires_grad=False)
                else:
                    module._promptgen_quant = (kind, raw)  # type: ignore[assignment]
            elif isinstance(module, RMSNorm):
                _, values = _weight(weights, module_name)
                module.weight = torch.nn.Parameter(values.reshape(width), requires_grad=False)
    del weights, raw
    model.eval()
    model._promptgen_quantized = True  # type: ignore[assignment]
    model.config.dtype = torch.float32
    return model
