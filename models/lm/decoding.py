"""Batched decoding with a shared-prefix KV cache and per-row seeded sampling.

Rows that share a conversation (every slot row of a structured request, every candidate of
a completion) share its KV cache: the conversation is run once per distinct prefix at batch
size one, then each row's own suffix (its prefill) and its generated tokens are run in one
batch. Layout of row i in the batch, with masked padding on both sides of the prefix:

    [pad .. | prefix(g) | pad .. | suffix(i) | generated(i) ...]

Positions come from the mask, so padding never shifts a row. A prefix's KV is computed alone,
so a row's state does not depend on which other requests share its batch. Finished rows are
dropped from the batch as they end, so short slots stop costing compute.

Sampling (`RowSampler`) draws each row's token with the row's own `torch.Generator`,
temperature and top-p, after a repetition penalty and a no-repeat n-gram ban computed on
that row's generated tokens only (the spark and the prefill are never penalised).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch

from models.lm.base import LMRequest

TOP_K_PREFILTER = 1024


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
) -> list[RowState]:
    """Decode every row; `group_of[i]` names the shared prefix (index into `prefixes`) of row i."""
    n = len(requests)
    states = [RowState(r, torch.Generator().manual_seed(r.seed)) for r in requests]
    # 1. The KV of each distinct prefix, computed alone (batch size one).
    prefix_caches = []
    for ids in prefixes:
        out = model(input_ids=torch.tensor([ids]), use_cache=True)
        prefix_caches.append(out.past_key_values)
        _check(deadline)
    max_p = max(len(p) for p in prefixes)
    max_s = max(len(s) for s in suffixes)
    # 2. One batch: left-pad each prefix's KV to max_p, then run every row's suffix.
    cache = _stack_prefix_caches(model, prefix_caches, prefixes, group_of, max_p)
    prefix_mask = torch.zeros((n, max_p), dtype=torch.long)
    suffix_ids = torch.full((n, max_s), pad_id, dtype=torch.long)
    suffix_mask = torch.zeros((n, max_s), dtype=torch.long)
    for i in range(n):
        p = len(prefixes[group_of[i]])
        prefix_mask[i, max_p - p :] = 1
        s = suffixes[i]
        suffix_ids[i, max_s - len(s) :] = torch.tensor(s, dtype=torch.long)
        suffix_mask[i, max_s - len(s) :] = 1
    prefix_len = torch.tensor([len(prefixes[g]) for g in group_of]).unsqueeze(1)
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
    active = list(range(n))
    eos = sampler.eos_id
    while active:
        _check(deadline)
        tokens = sampler.step(logits, [states[i] for i in active])
        keep: list[int] = []
        for slot, (i, token) in enumerate(zip(active, tokens, strict=True)):
            state = states[i]
            req = state.request
            if token == eos or (req.stop_at_newline and token in sampler.newline_ids):
                state.done = state.finished = True
                continue
            state.tokens.append(token)
            if len(state.tokens) >= req.max_new_tokens:
                state.done = True
                continue
            keep.append(slot)
        if not keep:
            break
        if len(keep) < len(active):  # drop finished rows from the batch
            index = torch.tensor(keep, dtype=torch.long)
            cache.batch_select_indices(index)
            mask = mask[index]
            next_pos = next_pos[index]
            tokens = [tokens[k] for k in keep]
            active = [active[k] for k in keep]
        mask = torch.cat([mask, torch.ones((len(active), 1), dtype=torch.long)], dim=1)
        out = model(
            input_ids=torch.tensor(tokens, dtype=torch.long).unsqueeze(1),
            attention_mask=mask,
            position_ids=next_pos.unsqueeze(1),
            past_key_values=cache,
            use_cache=True,
        )
        logits = out.logits[:, -1, :]
        next_pos = next_pos + 1
    return states


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
