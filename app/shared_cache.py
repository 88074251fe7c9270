"""A result cache several replicas share (Redis), behind each process's in-memory LRU.

`PROMPTGEN_CACHE_URL` (`redis://`, `rediss://` or `unix://`) turns it on: a seeded result one
replica computed is then served by every other one. It is best effort by design: each call has
a deadline (`PROMPTGEN_CACHE_TIMEOUT_MS`), and a store that is unreachable, slow, full or holding
something unreadable costs a miss, never a failed request. After a failure the store is left
alone for `RETRY_AFTER_S`, so an outage does not add a timeout to every request. Values carry a
format version in their key, so a replica of another release never misreads them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from app.settings import CACHE_SCHEMES

log = logging.getLogger("promptgen.cache")

KEY_PREFIX = "promptgen:result:v1:"
RETRY_AFTER_S = 30.0


class SharedStore(Protocol):
    """Bytes under string keys, with an expiry. Any error it raises is treated as a miss."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes) -> None: ...

    async def aclose(self) -> None: ...


class RedisStore:
    """`SharedStore` on Redis: GET, and SET with `EX` (entries expire after `ttl_s`)."""

    def __init__(self, url: str, ttl_s: int, timeout_s: float) -> None:
        from redis import asyncio as redis

        self.url = url
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._client: Any = redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False
        )

    async def get(self, key: str) -> bytes | None:
        value = await asyncio.wait_for(self._client.get(KEY_PREFIX + key), self.timeout_s)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes) -> None:
        await asyncio.wait_for(self._client.set(KEY_PREFIX + key, value, ex=self.ttl_s), self.timeout_s)

    async def aclose(self) -> None:
        await self._client.aclose()


class Guarded:
    """A `SharedStore` whose failures become misses: each is counted and logged (once per
    outage), and the store is skipped for `retry_after_s` afterwards."""

    def __init__(self, store: SharedStore, retry_after_s: float = RETRY_AFTER_S) -> None:
        self.store = store
        self.retry_after_s = retry_after_s
        self.errors = 0
        self._down_until = 0.0

    async def get(self, key: str) -> bytes | None:
        if time.monotonic() < self._down_until:
            return None
        try:
            return await self.store.get(key)
        except Exception as exc:  # any failure of an optional cache is a miss
            self._failed("read", exc)
            return None

    async def set(self, key: str, value: bytes) -> None:
        if time.monotonic() < self._down_until:
            return
        try:
            await self.store.set(key, value)
        except Exception as exc:
            self._failed("write", exc)

    def unreadable(self, key: str, exc: Exception) -> None:
        """A value was found but could not be decoded (another writer, a corrupted entry)."""
        self.errors += 1
        log.warning("shared cache: unreadable entry %s… ignored (%s)", key[:12], type(exc).__name__)

    async def aclose(self) -> None:
        try:
            await self.store.aclose()
        except Exception as exc:  # closing a broken connection may fail too
            log.debug("shared cache: close failed: %r", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        self.errors += 1
        if self._down_until == 0.0 or time.monotonic() >= self._down_until + self.retry_after_s:
            log.warning(
                "shared cache: %s failed (%s: %s); serving from memory, next try in %.0f s",
                what,
                type(exc).__name__,
                exc,
                self.retry_after_s,
            )
        self._down_until = time.monotonic() + self.retry_after_s


def create_shared_store(url: str, ttl_s: int, timeout_ms: int) -> Guarded | None:
    """The configured shared store, or None when `url` is empty; a clear error for a bad URL."""
    if not url:
        return None
    if not url.startswith(CACHE_SCHEMES):
        raise ValueError(f"PROMPTGEN_CACHE_URL must start with {', '.join(CACHE_SCHEMES)}")
    return Guarded(RedisStore(url, ttl_s, timeout_ms / 1000))
