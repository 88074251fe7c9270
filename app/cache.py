"""Result cache and request coalescing for seeded (deterministic) generations.

A seeded request always produces the same prompts for the same inputs, backend, model and
recipe, so its outcome is kept in a bounded in-memory LRU keyed on all of those. Identical
requests that arrive while the first is still running wait for its result instead of
calling the model again. Unseeded requests bypass both (their output is meant to vary).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")


def cache_key(*parts: Any) -> str:
    """A digest of every input that affects the output (msgspec-encodable parts)."""
    return hashlib.blake2b(msgspec.json.encode(parts), digest_size=20).hexdigest()


class ResultCache(Generic[T]):
    """Bounded LRU plus in-flight coalescing. Counters feed /metrics and the benchmarks."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[T]] = {}
        self.hits = 0
        self.misses = 0
        self.coalesced = 0

    def __len__(self) -> int:
        return len(self._entries)

    def available(self, key: str) -> bool:
        """Whether `key`'s value is cached or being computed (asking for it costs no new work)."""
        return self.max_entries > 0 and (key in self._entries or key in self._inflight)

    async def get_or_compute(self, key: str, compute: Callable[[], Awaitable[T]]) -> tuple[T, str]:
        """The cached value, the in-flight one, or a fresh one; with how it was obtained."""
        if self.max_entries <= 0:
            return await compute(), "bypass"
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return cached, "hit"
        pending = self._inflight.get(key)
        if pending is not None:
            self.coalesced += 1
            return await asyncio.shield(pending), "coalesced"
        self.misses += 1
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(value)
        self._entries[key] = value
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value, "miss"
