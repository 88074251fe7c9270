"""The KV cache of recent conversation prefixes, reused across requests.

Every request of a mode opens with the same system prompt and few-shot examples and differs
only in its last user turn. `PrefixStore.kv_for_many` finds, for each prefix of a batch, the
stored prefix sharing the longest run of leading tokens with it, reuses that many positions of
its KV, and runs the rest of every prefix in one batched forward pass (concurrent requests do
not run their tails one after another). What reuse saves is measured by the
`numresults-5-batched` benchmark (`benchmarks/bench_model.py`): its `cold_*` figures compute the
mode's head, the others reuse it.

Reuse must not change a single sampled token, so a seeded result stays the same whatever was
served before it or beside it. A token's keys and values depend only on the tokens before it;
every product of a prefill gives each row the same bits whatever the row count (the kernels of
`models/lm/kernels.py`, or without them torch's products at the row counts `models/lm/lanes.py`
pads to), and attention runs in float64 and rounds back the same whatever the padding
(`decoding.fp64_attention`). So any split into a reused head and a computed tail, and any batch
of tails, gives the bits of running the whole prefix at once (`tests/test_prefix_cache.py`
checks this on the real model, and the eval suite repeats its baseline exactly).

The forward pass's helpers come from `models/lm/prefill.py`, below this module and `decoding`
(which imports this one, never the reverse). torch and `prefill` are imported on first use, so
that importing the local backend does not import torch; transformers only where the model is
transformers' (`prefill.new_cache`: the quantized path's `llama_model` brings its own cache).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Sequence
from typing import Any

MAX_ENTRIES = 8  # stored prefixes (each ~12 MB for SmolLM2-135M at 250 tokens in float32)


class PrefixStore:
    """A small LRU of prefix token ids -> their per-layer keys and values."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: collections.OrderedDict[tuple[int, ...], Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.tokens_reused = 0
        self.tokens_computed = 0
        self.forward_passes = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def kv_for(self, model: Any, ids: list[int]) -> Any:
        """The KV cache of `ids` (batch size one), reusing a stored prefix where one fits."""
        return self.kv_for_many(model, [ids])[0]

    def kv_for_many(self, model: Any, prefixes: list[list[int]]) -> list[Any]:
        """The KV cache of each prefix (batch size one each). Prefixes that can reuse a
        stored head run their tails in one forward pass; one that can reuse nothing runs alone
        first, and the others then look again (they usually share its system prompt)."""
        from models.lm.lanes import install_lanes
        from models.lm.prefill import cache_of, forward_last, with_cache

        install_lanes(model)  # prefill products at the row counts that keep each row's bits
        caches: list[Any] = [None] * len(prefixes)
        pending = list(range(len(prefixes)))
        while pending:
            heads = {i: self._longest_reusable(tuple(prefixes[i])) for i in pending}
            reusing = [i for i in pending if heads[i][1] is not None]
            if reusing:
                plans = [heads[i] for i in reusing]
                ran, extended = _extend(model, plans, [prefixes[i] for i in reusing])
                for i, (head, _), cache in zip(reusing, plans, extended, strict=True):
                    caches[i] = self._keep(prefixes[i], cache, reused=head)
                pending = [i for i in pending if heads[i][1] is None]
            else:
                first = pending.pop(0)
                ids = prefixes[first]
                cache = cache_of(forward_last(model, input_ids=_tensor([ids]), **with_cache(model)))
                caches[first] = self._keep(ids, cache, reused=0)
                ran = True
            with self._lock:
                self.forward_passes += ran
        return caches

    def _keep(self, ids: list[int], cache: Any, reused: int) -> Any:
        key = tuple(ids)
        with self._lock:
            self.tokens_reused += reused
            self.tokens_computed += len(ids) - reused
            self._entries[key] = cache
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return cache

    def _longest_reusable(self, key: tuple[int, ...]) -> tuple[int, Any]:
        """How many leading tokens of `key` a stored prefix can give, and that prefix's cache."""
        best, source = 0, None
        with self._lock:
            for stored in self._entries:
                head = common_length(stored, key)
                if head > best:
                    best, source = head, stored
            if source is None:
                return 0, None
            self._entries.move_to_end(source)  # used: the most recent
            return best, self._entries[source]


def _tensor(rows: list[list[int]]) -> Any:
    import torch

    return torch.tensor(rows, dtype=torch.long)


def common_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading items `a` and `b` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _head_of(model: Any, cache: Any, length: int) -> Any:
    """A new cache holding the first `length` positions of `cache` (which stays untouched)."""
    from models.lm.prefill import new_cache

    head = new_cache(model)
    for index, layer in enumerate(cache.layers):
        head.update(layer.keys[:, :, :length], layer.values[:, :, :length], index)
    return head


def _extend(
    model: Any, plans: list[tuple[int, Any]], prefixes: list[list[int]]
) -> tuple[bool, list[Any]]:
    """Each prefix's cache from its reused head (`plans[j]`: length, stored cache) and its tail,
    the tails run together: heads left-padded to the longest, tails left-padded to the longest,
    positions from the mask. Returns whether a forward pass ran, and new caches (batch size one)
    sharing no storage with the batch (a stored head is reused as a view, never written)."""
    from models.lm.prefill import (
        cache_of,
        forward_last,
        left_padded_inputs,
        new_cache,
        stack_left_padded,
        with_cache,
    )

    out: list[Any] = [None] * len(plans)
    todo = []
    for j, (head, source) in enumerate(plans):
        if head < len(prefixes[j]):
            todo.append(j)
        else:  # the whole prefix is stored: nothing to run
            out[j] = _head_of(model, source, head)
    if not todo:
        return False, out
    heads = [plans[j][0] for j in todo]
    tails = [prefixes[j][plans[j][0] :] for j in todo]
    ids, mask, positions = left_padded_inputs(heads, tails)
    batch = cache_of(
        forward_last(
            model,
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            **with_cache(model, stack_left_padded(model, [plans[j][1] for j in todo], heads)),
        )
    )
    real = mask.bool()
    for g, j in enumerate(todo):  # each row's real positions: its head, then its tail
        cache = new_cache(model)
        for index, layer in enumerate(batch.layers):
            cache.update(layer.keys[g : g + 1, :, real[g]], layer.values[g : g + 1, :, real[g]], index)
        out[j] = cache
    return True, out
