"""Result cache and request coalescing for seeded (deterministic) generations.

A seeded request always produces the same prompts for the same inputs, backend, model and
recipe, so its outcome is kept in a bounded in-memory LRU keyed on all of those. Identical
requests that arrive while the first is still running wait for its result instead of
calling the model again. Unseeded requests bypass both (their output is meant to vary).
With a shared store (`app/shared_cache.py`, Redis), a miss in memory asks it before
computing, and what a replica computes is written to it for the others.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

if TYPE_CHECKING:
    from app.shared_cache import Guarded

T = TypeVar("T")


def cache_key(*parts: Any) -> str:
    """A digest of every input that affects the output (msgspec-encodable parts)."""
    return hashlib.blake2b(msgspec.json.encode(parts), digest_size=20).hexdigest()


class ResultCache(Generic[T]):
    """Bounded LRU plus in-flight coalescing. Counters feed /metrics and the benchmarks."""

    def __init__(
        self,
        max_entries: int = 2048,
        shared: Guarded | None = None,
        value_type: type[T] | None = None,
    ) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[T]] = {}
        self.hits = 0
        self.misses = 0
        self.coalesced = 0
        self.shared_hits = 0
        self.shared = shared if max_entries > 0 else None
        if self.shared is not None and value_type is None:
            raise ValueError("a shared store needs the value type to decode what it holds")
        self._encode = msgspec.msgpack.Encoder().encode
        self._decoder = msgspec.msgpack.Decoder(value_type) if value_type is not None else None

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
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future  # identical requests wait for this one from here on
        try:
            value = await self._from_shared(key)
            how = "hit" if value is not None else "miss"
            if value is None:
                self.misses += 1
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
        if how == "miss" and self.shared is not None:
            await self.shared.set(key, self._encode(value))
        return value, how

    async def _from_shared(self, key: str) -> T | None:
        if self.shared is None or self._decoder is None:
            return None
        data = await self.shared.get(key)
        if data is None:
            return None
        try:
            value: T = self._decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.shared.unreadable(key, exc)
            return None
        self.shared_hits += 1
        return value
