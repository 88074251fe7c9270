"""Batched decoding with a shared-prefix KV cache and per-row seeded sampling.

Rows that share a conversation (every slot row of a structured request, every candidate of
a completion) share its KV cache: each distinct conversation's KV is made once (by default
alone; the local model's prefix store reuses stored heads and runs the tails of a batch's
conversations together), then each row's own suffix (its prefill) and its generated tokens are
run in one batch. Layout of row i in the batch, with masked padding on both sides of the prefix:

    [pad .. | prefix(g) | pad .. | suffix(i) | generated(i) ...]

Positions come from the mask, so padding never shifts a row. The batch holds only real rows;
finished ones are dropped once a quarter of the batch has finished (each drop copies the
cache), so short slots stop costing compute.

Batch invariance: on CPU a float32 matrix multiply rounds a row differently depending on how
many rows share the call, and a fused attention rounds differently with more padding; either
can flip a sampled token. So Llama-family models decode with `LlamaDecodeStep`, whose products
and attention run in the kernels of `models/lm/kernels.py` (each row's result computed alone,
in a fixed order: the same bits whatever shares the batch or pads the row), appending to a
`StepCache`; without those kernels, and for other architectures (through `model(...)`), every
step multiplies through the lanes of `models/lm/lanes.py` (a row's lane is fixed by its own
call; zero rows fill each product to the width the lane needs) and attention runs in float64
(`fp64_attention`), whose result rounds back to the same float32 whatever the padding. The
prefill's products run through the same kernels (any row count keeps each row's bits) or,
without them, a multiple of four or at least 12 rows (where `x @ W.T` gives each row the same
bits). A seeded request therefore gets the same tokens alone or micro-batched. (Why the torch
path stays beside the kernels: the docstring of `models/lm/kernels.py`.)

Sampling (`RowSampler`) draws each row's token with the row's own `torch.Generator`,
temperature and top-p, after a repetition penalty and a no-repeat n-gram ban computed on
that row's generated tokens only (the spark and the prefill are never penalised).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from models.lm.base import LMRequest
from models.lm.lanes import SMALL, blocks_of, decoding_step, install_lanes, lane_for
from models.lm.llama_step import LlamaDecodeStep, StepCache
from models.lm.prefill import cache_of, forward_last, left_padded_inputs, stack_left_padded, with_cache
from models.lm.prefix_cache import common_length

TOP_K_PREFILTER = 1024
HOIST_MIN_ROWS = 4  # prefill rows a group's shared suffix head must save to move into its prefix
ATTENTION = "promptgen_fp64"
_step_lock = threading.Lock()


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
    """Eager attention computed in float64 and rounded back: padding-invariant results. Each key
    and value head serves its group of query heads without being copied for each of them. Where
    the decoding kernels are attached to the module (`LlamaDecodeStep` does it), the same float64
    arithmetic runs in C (`DecodeKernels.attend_f64`), skipping the keys a query may not see
    instead of multiplying them and their exact zero weights: the same float32 results, at a
    fraction of the prefill's time (it was a quarter of a structured request's)."""
    batch, heads, q_len, dim = query.shape
    kernels = getattr(module, "_promptgen_attend", None)
    if kernels is not None and attention_mask is not None and query.dtype == torch.float32:
        allowed = attention_mask[:, 0, :, : key.shape[2]] == 0
        return kernels.attend_f64(query, key, value, allowed.expand(batch, q_len, key.shape[2]), scaling), None
    kv_heads, k_len = key.shape[1], key.shape[2]
    groups = heads // kv_heads
    q = query.double().reshape(batch, kv_heads, groups * q_len, dim)
    scores = torch.matmul(q, key.double().transpose(2, 3)).mul_(scaling)
    scores = scores.view(batch, kv_heads, groups, q_len, k_len)
    if attention_mask is not None:
        scores = scores + attention_mask[:, :, :, :k_len].double().unsqueeze(1)
    weights = torch.softmax(scores, dim=-1).view(batch, kv_heads, groups * q_len, k_len)
    out = torch.matmul(weights, value.double()).to(query.dtype).view(batch, heads, q_len, dim)
    return out.transpose(1, 2).contiguous(), None


def register_attention() -> str:
    """Make `fp64_attention` selectable as `attn_implementation` (idempotent)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, eager_mask

    AttentionInterface.register(ATTENTION, fp64_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(ATTENTION, eager_mask)
    return ATTENTION


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
    prefix_kv: Callable[[Any, list[list[int]]], list[Any]] | None = None,
    lanes: list[int] | None = None,
) -> list[RowState]:
    """Decode every row; `group_of[i]` names the shared prefix (index into `prefixes`) of row i
    and `lanes[i]` its decoding lane (default: the lane of one call of all the rows).
    `prefix_kv(model, prefixes)` gives each prefix's KV cache (default: each computed alone)."""
    n = len(requests)
    install_lanes(model)
    step = decode_step_for(model)
    lanes = lanes or [lane_for(n)] * n
    states = [RowState(r, torch.Generator().manual_seed(r.seed)) for r in requests]
    prefixes, suffixes = hoist_shared_suffixes(prefixes, suffixes, group_of)
    # 1. The KV of each distinct prefix (batch size one each).
    prefix_caches = (prefix_kv or fresh_kvs)(model, prefixes)
    _check(deadline)
    # 2. One batch of the rows, the small lane's first; each prefix's KV left-padded to the
    #    longest, then every row's suffix.
    order = sorted(range(n), key=lambda i: lanes[i] != SMALL)
    slots: list[int | None] = list(order)  # batch position -> row (None: finished, not yet dropped)
    lane_at = [lanes[i] for i in order]
    groups = [group_of[i] for i in order]
    heads = [len(prefixes[g]) for g in groups]
    cache = stack_left_padded(model, [prefix_caches[g] for g in groups], heads)
    suffix_ids, mask, positions = left_padded_inputs(heads, [suffixes[i] for i in order], pad_id)
    out = forward_last(
        model,
        input_ids=suffix_ids,
        attention_mask=mask,
        position_ids=positions,
        **with_cache(model, cache),
    )
    logits = out.logits[:, -1, :]
    if step is not None:  # the step appends in place from here on
        cache = StepCache(cache, max(r.max_new_tokens for r in requests))
    next_pos = positions[:, -1] + 1
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
        running = {b for b, i in enumerate(slots) if i is not None and not states[i].done}
        if not running:
            break
        keep = _keep(len(slots), running)
        if len(keep) < len(slots):  # drop finished rows (a copy of the cache: not one at a time)
            index = torch.tensor(keep, dtype=torch.long)
            cache.batch_select_indices(index)
            mask = mask[index]
            next_pos = next_pos[index]
            lane_at = [lane_at[b] for b in keep]
        slots = [slots[b] if b in running else None for b in keep]
        step_tokens = [chosen[b] for b in keep]
        mask = torch.cat([mask, torch.ones((len(slots), 1), dtype=torch.long)], dim=1)
        tokens_in = torch.tensor(step_tokens, dtype=torch.long)
        if step is not None:
            logits = step(tokens_in, next_pos, cache, mask, blocks_of(lane_at))
        else:
            with decoding_step(lane_at):
                out = model(
                    input_ids=tokens_in.unsqueeze(1),
                    attention_mask=mask,
                    position_ids=next_pos.unsqueeze(1),
                    **with_cache(model, cache),
                )
            logits = out.logits[:, -1, :]
        next_pos = next_pos + 1
    return states


def hoist_shared_suffixes(
    prefixes: list[list[int]], suffixes: list[list[int]], group_of: list[int]
) -> tuple[list[list[int]], list[list[int]]]:
    """Move the tokens every row of a group opens its suffix with into the group's prefix, where
    they run once at batch size one instead of once per row: the six slot rows of a structured
    candidate all open with `Subject: <spark>`, and prefilling it in every row was most of a
    request. Each row keeps at least its last token, and a group moves its tokens only when that
    saves at least `HOIST_MIN_ROWS` rows of prefill: with the kernels a prefill of a few rows is
    cheap, and the threshold is the one at which moving a numResults=5 completion's shared suffix
    made that call faster (the `numresults-5-batched` benchmark of `benchmarks/bench_model.py`
    times that call). Where each token runs never changes its bits (see the module docstring)."""
    prefixes = [list(p) for p in prefixes]
    suffixes = list(suffixes)
    for g in range(len(prefixes)):
        rows = [i for i, group in enumerate(group_of) if group == g]
        first = suffixes[rows[0]]
        shared = min(len(suffixes[i]) for i in rows) - 1
        for i in rows[1:]:
            shared = min(shared, common_length(first, suffixes[i]))
        if shared * (len(rows) - 1) < HOIST_MIN_ROWS:
            continue
        prefixes[g] += first[:shared]
        for i in rows:
            suffixes[i] = suffixes[i][shared:]
    return prefixes, suffixes


def _keep(width: int, running: set[int]) -> list[int]:
    """Batch positions to keep: every one until a quarter of the batch has finished (each drop
    copies the cache), then the running ones."""
    if (width - len(running)) * 4 < width:
        return list(range(width))
    return sorted(running)


def decode_step_for(
    model: Any, kernel: str = "auto", kernel_dir: Path | None = None
) -> LlamaDecodeStep | None:
    """The model's own decoding step where its architecture has one, made once per model (it
    fuses the model's weights, so two threads must not both make it); `kernel` ("auto" or
    "torch") and `kernel_dir` (where the kernels are built, see `models/lm/kernels.py`) count
    only for that first call, which loading makes."""
    with _step_lock:
        if not hasattr(model, "_promptgen_step"):
            supported = LlamaDecodeStep.supports(model)
            model._promptgen_step = LlamaDecodeStep(model, kernel, kernel_dir) if supported else None
    return model._promptgen_step  # type: ignore[no-any-return]


def fresh_kvs(model: Any, prefixes: list[list[int]]) -> list[Any]:
    """The KV cache of each prefix, each computed alone (batch size one)."""
    return [
        cache_of(forward_last(model, input_ids=torch.tensor([ids]), **with_cache(model))) for ids in prefixes
    ]


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise DeadlineExceeded
