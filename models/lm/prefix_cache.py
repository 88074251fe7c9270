"""The KV cache of recent conversation prefixes, reused across requests.

Every request of a mode opens with the same system prompt and few-shot examples and differs
only in its last user turn, yet each used to run all of its ~200-300 prefix tokens through
the model (about half a second here). `PrefixStore.kv_for` finds the stored prefix sharing the
longest run of leading tokens with a new one, reuses that many positions of its KV and runs
only the rest.

Reuse must not change a single sampled token, so a seeded result stays the same whatever was
served before it. A token's keys and values depend only on the tokens before it, and on this
CPU a float32 matrix multiply gives each row the same bits in any batch of twelve rows or
more (see `decoding`); so the reused head and the computed tail both keep at least
`MIN_ROWS` tokens, and the result is bit-identical to running the whole prefix at once
(`tests/test_prefix_cache.py` checks this, and the eval suite repeats its baseline exactly).
"""

from __future__ import annotations

import collections
import threading
from typing import Any

MIN_ROWS = 16  # tokens in the reused head and in the computed tail (>= 12, a multiple of four)
MAX_ENTRIES = 8  # stored prefixes (each ~12 MB for SmolLM2-135M at 250 tokens in float32)


class PrefixStore:
    """A small LRU of prefix token ids -> their per-layer keys and values."""

    def __init__(self, max_entries: int = MAX_ENTRIES, min_rows: int = MIN_ROWS) -> None:
        self.max_entries = max_entries
        self.min_rows = min_rows
        self._entries: collections.OrderedDict[tuple[int, ...], Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.tokens_reused = 0
        self.tokens_computed = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def kv_for(self, model: Any, ids: list[int]) -> Any:
        """The `DynamicCache` of `ids` (batch size one), reusing a stored prefix where one fits."""
        import torch

        from models.lm.decoding import forward_last

        key = tuple(ids)
        head, source = self._longest_reusable(key)
        if source is None:
            cache = forward_last(model, input_ids=torch.tensor([ids]), use_cache=True).past_key_values
        else:
            cache = _head_of(model, source, head)
            cache = forward_last(
                model, input_ids=torch.tensor([ids[head:]]), past_key_values=cache, use_cache=True
            ).past_key_values
        with self._lock:
            self.tokens_reused += head
            self.tokens_computed += len(ids) - head
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
                head = min(_common_length(stored, key), len(key) - self.min_rows)
                if head >= self.min_rows and head > best:
                    best, source = head, stored
            if source is None:
                return 0, None
            self._entries.move_to_end(source)  # used: the most recent
            return best, self._entries[source]


def _common_length(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _head_of(model: Any, cache: Any, length: int) -> Any:
    """A new cache holding the first `length` positions of `cache` (which stays untouched)."""
    from transformers import DynamicCache

    head = DynamicCache(config=model.config)
    for index, layer in enumerate(cache.layers):
        head.update(layer.keys[:, :, :length], layer.values[:, :, :length], index)
    return head
