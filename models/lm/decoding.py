"""Batched decoding with a shared-prefix KV cache and per-row seeded sampling.

Rows that share a conversation (every slot row of a structured request, every candidate of
a completion) share its KV cache: the conversation is run once per distinct prefix at batch
size one, then each row's own suffix (its prefill) and its generated tokens are run in one
batch. Layout of row i in the batch, with masked padding on both sides of the prefix:

    [pad .. | prefix(g) | pad .. | suffix(i) | generated(i) ...]

Positions come from the mask, so padding never shifts a row. A prefix's KV is computed alone,
so a row's state does not depend on which other requests share its batch. Finished rows are
dropped from the batch as they end, so short slots stop costing compute.

Batch invariance: on CPU a float32 matrix multiply rounds differently for 1-3 rows (and other
row counts that are not a multiple of four, below twelve) than inside a larger batch, and a
fused attention rounds differently with more padding; either can flip a sampled token. So the
batch always holds a multiple of four rows (idle rows fill the gaps), and attention runs in
float64 (`fp64_attention`), whose result rounds back to the same float32 whatever the padding.
A seeded request therefore gets the same tokens alone or micro-batched with others.

Sampling (`RowSampler`) draws each row's token with the row's own `torch.Generator`,
temperature and top-p, after a repetition penalty and a no-repeat n-gram ban computed on
that row's generated tokens only (the spark and the prefill are never penalised).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from models.lm.base import LMRequest

TOP_K_PREFILTER = 1024
ROW_MULTIPLE = 4
ATTENTION = "promptgen_fp64"


def fp64_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Eager attention computed in float64 and rounded back: padding-invariant results."""
    groups = query.shape[1] // key.shape[1]
    k = key.double().repeat_interleave(groups, dim=1)
    v = value.double().repeat_interleave(groups, dim=1)
    scores = torch.matmul(query.double(), k.transpose(2, 3)) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask[:, :, :, : k.shape[-2]].double()
    weights = torch.softmax(scores, dim=-1)
    out = torch.matmul(weights, v).to(query.dtype)
    return out.transpose(1, 2).contiguous(), None


def register_attention() -> str:
    """Make `fp64_attention` selectable as `attn_implementation` (idempotent)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, eager_mask

    AttentionInterface.register(ATTENTION, fp64_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(ATTENTION, eager_mask)
    return ATTENTION


def _round_up(n: int) -> int:
    return -(-n // ROW_MULTIPLE) * ROW_MULTIPLE


@dataclass
class RowState:
    request: LMRequest
    generator: torch.Generator
    tokens: list[int] = field(default_factory=list)
    finished: bool = False  # ended by itself (eos or newline), not by the token budget
    done: bool = False


class RowSampler:
    """Per-row seeded sampling with repetition controls, vectorised where it counts."""

    def __init__(self, eos_id: int, newline_ids: set[int]) -> None:
        self.eos_id = eos_id
        self.newline_ids = newline_ids
        self.newline_tensor = torch.tensor(sorted(newline_ids), dtype=torch.long)

    def step(self, logits: torch.Tensor, rows: list[RowState]) -> list[int]:
        """One token for each row in `rows` (aligned with `logits`' first dimension)."""
        logits = logits.float()
        for i, row in enumerate(rows):
            self._penalise(logits[i], row)
        temps = torch.tensor([max(r.request.temperature, 1e-6) for r in rows]).unsqueeze(1)
        probs = torch.softmax(logits / temps, dim=-1)
        k = min(TOP_K_PREFILTER, probs.shape[-1])
        top_probs, top_ids = torch.topk(probs, k, dim=-1)
        tokens: list[int] = []
        for i, row in enumerate(rows):
            req = row.request
            if req.temperature <= 0:
                token = int(torch.argmax(logits[i]))
            elif 0 < req.top_p < 1 and float(top_probs[i].sum()) >= req.top_p:
                token = self._nucleus(top_probs[i], top_ids[i], req.top_p, row.generator)
            elif 0 < req.top_p < 1:
                sorted_probs, order = torch.sort(probs[i], descending=True)
                token = self._nucleus(sorted_probs, order, req.top_p, row.generator)
            else:
                token = int(torch.multinomial(probs[i], 1, generator=row.generator))
            tokens.append(token)
        return tokens

    @staticmethod
    def _nucleus(
        sorted_probs: torch.Tensor, ids: torch.Tensor, top_p: float, generator: torch.Generator
    ) -> int:
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        keep = (cumulative - sorted_probs) < top_p
        keep[0] = True
        kept = torch.where(keep, sorted_probs, torch.zeros_like(sorted_probs))
        return int(ids[int(torch.multinomial(kept, 1, generator=generator))])

    def _penalise(self, logits: torch.Tensor, row: RowState) -> None:
        history = row.tokens
        req = row.request
        if history and req.repetition_penalty != 1.0:
            seen = torch.tensor(sorted(set(history)), dtype=torch.long)
            values = logits[seen]
            logits[seen] = torch.where(
                values > 0, values / req.repetition_penalty, values * req.repetition_penalty
            )
        n = req.no_repeat_ngram
        if n > 1 and len(history) >= n - 1:
            tail = history[len(history) - (n - 1) :]
            banned = [
                history[j + n - 1] for j in range(len(history) - n + 1) if history[j : j + n - 1] == tail
            ]
            if banned:
                logits[banned] = float("-inf")
        if not history:  # an answer never starts by ending
            logits[self.eos_id] = float("-inf")
            logits[self.newline_tensor] = float("-inf")


class DeadlineExceeded(Exception):
    """Raised between decoding steps once the deadline has passed."""


def decode_batch(
    model: Any,
    prefixes: list[list[int]],
    suffixes: list[list[int]],
    group_of: list[int],
    requests: list[LMRequest],
    sampler: RowSampler,
    pad_id: int,
    deadline: float,
    prefix_kv: Callable[[Any, list[int]], Any] | None = None,
) -> list[RowState]:
    """Decode every row; `group_of[i]` names the shared prefix (index into `prefixes`) of row i.
    `prefix_kv(model, ids)` gives a prefix's KV cache (default: computed from scratch)."""
    n = len(requests)
    states = [RowState(r, torch.Generator().manual_seed(r.seed)) for r in requests]
    # 1. The KV of each distinct prefix, computed alone (batch size one).
    prefix_caches = []
    for ids in prefixes:
        prefix_caches.append((prefix_kv or fresh_kv)(model, ids))
        _check(deadline)
    max_p = max(len(p) for p in prefixes)
    max_s = max(len(s) for s in suffixes)
    # 2. One batch of a multiple of four rows (idle copies of row 0 fill it up): each prefix's KV
    #    left-padded to max_p, then every row's suffix.
    width = _round_up(n)
    groups = group_of + [group_of[0]] * (width - n)
    rows_suffix = suffixes + [suffixes[0]] * (width - n)
    cache = _stack_prefix_caches(model, prefix_caches, prefixes, groups, max_p)
    prefix_mask = torch.zeros((width, max_p), dtype=torch.long)
    suffix_ids = torch.full((width, max_s), pad_id, dtype=torch.long)
    suffix_mask = torch.zeros((width, max_s), dtype=torch.long)
    for i in range(width):
        p = len(prefixes[groups[i]])
        prefix_mask[i, max_p - p :] = 1
        s = rows_suffix[i]
        suffix_ids[i, max_s - len(s) :] = torch.tensor(s, dtype=torch.long)
        suffix_mask[i, max_s - len(s) :] = 1
    prefix_len = torch.tensor([len(prefixes[g]) for g in groups]).unsqueeze(1)
    positions = (prefix_len + suffix_mask.cumsum(-1) - 1).clamp(min=0)
    mask = torch.cat([prefix_mask, suffix_mask], dim=1)
    out = model(
        input_ids=suffix_ids,
        attention_mask=mask,
        position_ids=positions,
        past_key_values=cache,
        use_cache=True,
    )
    logits = out.logits[:, -1, :]
    next_pos = positions[:, -1] + 1
    slots: list[int | None] = [*range(n), *([None] * (width - n))]  # batch position -> row (None: idle)
    eos = sampler.eos_id
    while True:
        _check(deadline)
        live = [b for b, i in enumerate(slots) if i is not None and not states[i].done]
        tokens = sampler.step(logits[live], [states[slots[b]] for b in live])  # type: ignore[index]
        chosen = dict.fromkeys(range(len(slots)), eos)
        for b, token in zip(live, tokens, strict=True):
            state = states[slots[b]]  # type: ignore[index]
            req = state.request
            if token == eos or (req.stop_at_newline and token in sampler.newline_ids):
                state.done = state.finished = True
                continue
            state.tokens.append(token)
            chosen[b] = token
            if len(state.tokens) >= req.max_new_tokens:
                state.done = True
        running = [b for b, i in enumerate(slots) if i is not None and not states[i].done]
        if not running:
            break
        keep = (
            running
            + [b for b in range(len(slots)) if b not in running][: _round_up(len(running)) - len(running)]
        )
        keep.sort()
        if len(keep) < len(slots):  # drop finished rows, keeping a multiple of four
            index = torch.tensor(keep, dtype=torch.long)
            cache.batch_select_indices(index)
            mask = mask[index]
            next_pos = next_pos[index]
            slots = [slots[b] if b in running else None for b in keep]
            step_tokens = [chosen[b] for b in keep]
        else:
            slots = [slots[b] if b in running else None for b in range(len(slots))]
            step_tokens = [chosen[b] for b in range(len(chosen))]
        mask = torch.cat([mask, torch.ones((len(slots), 1), dtype=torch.long)], dim=1)
        out = model(
            input_ids=torch.tensor(step_tokens, dtype=torch.long).unsqueeze(1),
            attention_mask=mask,
            position_ids=next_pos.unsqueeze(1),
            past_key_values=cache,
            use_cache=True,
        )
        logits = out.logits[:, -1, :]
        next_pos = next_pos + 1
    return states


def fresh_kv(model: Any, ids: list[int]) -> Any:
    """The KV cache of `ids`, computed alone (batch size one)."""
    return model(input_ids=torch.tensor([ids]), use_cache=True).past_key_values


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise DeadlineExceeded


def _stack_prefix_caches(
    model: Any, caches: list[Any], prefixes: list[list[int]], group_of: list[int], max_p: int
) -> Any:
    from transformers import DynamicCache

    stacked = DynamicCache(config=model.config)
    num_layers = len(caches[0].layers)
    for layer in range(num_layers):
        keys, values = [], []
        for g in group_of:
            k = caches[g].layers[layer].keys
            v = caches[g].layers[layer].values
            pad = max_p - len(prefixes[g])
            if pad:
                k = torch.nn.functional.pad(k, (0, 0, pad, 0))
                v = torch.nn.functional.pad(v, (0, 0, pad, 0))
            keys.append(k)
            values.append(v)
        stacked.update(torch.cat(keys, dim=0), torch.cat(values, dim=0), layer)
    return stacked
