"""Running conversation prefixes through the model (its forward pass: transformers', or for the
quantized path `llama_model`'s, which does the same operations): a batch of
rows, each a cached head followed by new tokens, laid out left-padded, with logits for the last
position only. Below both `decoding` (a batch's prefill) and `prefix_cache` (the stored
prefixes' tails), which import it; it imports neither.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import torch


def forward_last(model: Any, **inputs: Any) -> Any:
    """`model(**inputs)` with logits for each row's last position only, where the model can
    (`logits_to_keep`): the others are never read, and for a prefix of a few hundred tokens
    they were most of the forward pass's output-layer work."""
    if _keeps_logits(model.__class__):
        inputs["logits_to_keep"] = 1
    return model(**inputs)


@functools.cache
def _keeps_logits(model_class: Any) -> bool:
    return "logits_to_keep" in inspect.signature(model_class.forward).parameters


def with_cache(model: Any, cache: Any = None) -> dict[str, Any]:
    """The keyword arguments that pass `cache` (None: start one) to `model`'s forward and ask
    for the cache back, by the name this transformers version uses: `cache` where the forward
    takes it (5.x, where `past_key_values` is deprecated and warns on every process's first
    call), `past_key_values` before."""
    name = "cache" if _takes_cache(model.__class__) else "past_key_values"
    return {name: cache, "use_cache": True} if cache is not None else {"use_cache": True}


def cache_of(output: Any) -> Any:
    """The cache a forward pass returned (`output.cache`, or `past_key_values` before 5.x),
    read without the deprecated name's warning."""
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


@functools.cache
def _takes_cache(model_class: Any) -> bool:
    return "cache" in inspect.signature(model_class.forward).parameters


def new_cache(model: Any) -> Any:
    """An empty cache for `model`: its own (`llama_model.KVCache`, the quantized path, which
    never imports transformers) where it makes one, else transformers' `DynamicCache`."""
    if hasattr(model, "new_cache"):
        return model.new_cache()
    from transformers import DynamicCache

    return DynamicCache(config=model.config)


def stack_left_padded(model: Any, caches: list[Any], lengths: list[int]) -> Any:
    """One batch cache holding the first `lengths[r]` positions of `caches[r]` in row r, each
    left-padded with zeros to the longest (the padding is masked)."""
    longest = max(lengths)
    stacked = new_cache(model)
    for layer in range(len(caches[0].layers)):
        keys, values = [], []
        for cache, length in zip(caches, lengths, strict=True):
            k = cache.layers[layer].keys[:, :, :length]
            v = cache.layers[layer].values[:, :, :length]
            if length < longest:
                k = torch.nn.functional.pad(k, (0, 0, longest - length, 0))
                v = torch.nn.functional.pad(v, (0, 0, longest - length, 0))
            keys.append(k)
            values.append(v)
        stacked.update(torch.cat(keys, dim=0), torch.cat(values, dim=0), layer)
    return stacked


def left_padded_inputs(
    heads: list[int], tails: list[list[int]], pad_id: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The inputs that run each row's `tails[r]` after its cached head of `heads[r]` positions
    (as laid out by `stack_left_padded`): token ids [rows, longest tail] left-padded with
    `pad_id`, the attention mask over head and tail, and the tail's positions."""
    longest_head, longest_tail = max(heads), max(len(t) for t in tails)
    ids = torch.full((len(tails), longest_tail), pad_id, dtype=torch.long)
    mask = torch.zeros((len(tails), longest_head + longest_tail), dtype=torch.long)
    for r, (head, tail) in enumerate(zip(heads, tails, strict=True)):
        ids[r, longest_tail - len(tail) :] = torch.tensor(tail, dtype=torch.long)
        mask[r, longest_head - head : longest_head] = 1
        mask[r, longest_head + longest_tail - len(tail) :] = 1
    tail_mask = mask[:, longest_head:]
    positions = (torch.tensor(heads).unsqueeze(1) + tail_mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, positions
