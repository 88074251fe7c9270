"""Per-key rate limits, shared by every worker process that serves one data directory, or by
every replica that shares one Redis (`PROMPTGEN_RATE_LIMIT_URL`).

The algorithm is GCRA (the generic cell rate algorithm, a token bucket kept as one number):
each identity has a theoretical arrival time `tat`; a request at `now` is allowed when
`max(tat, now) + interval - now <= burst * interval`, and then moves `tat` on by `interval`.
`interval` is 60 s / `rate_limit_per_minute`; `burst` requests may come back to back.

The state lives in SQLite (`ratelimit.sqlite3` in the data directory, WAL mode), and each
decision is a single `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement, atomic
across processes, so N workers enforce one limit rather than N. The file holds nothing
precious: it is written without fsync and may be deleted at any time. If SQLite cannot answer
within its short lock timeout the request is let through (fail open) and counted in the log.

With `PROMPTGEN_RATE_LIMIT_URL` (`redis://`, `rediss://`, `unix://`) the state lives in Redis
instead, and each decision is one Lua script (`GCRA_LUA`, atomic on the server: the same
arithmetic as the SQLite statement), so every replica on that Redis enforces one limit. A key
expires when its bucket is full again, so Redis keeps only identities that are drawing on
theirs. A Redis that does not answer within `PROMPTGEN_RATE_LIMIT_TIMEOUT_MS` (250) lets the request through too,
and is left alone for `REDIS_RETRY_AFTER_S` (an outage does not add a timeout to every request).
Every store answers the same two questions (`advance`, `peek`); `RateLimiter` turns the answer
into the decision and its headers, the same for all of them. The middleware awaits the store
(`ahit`, `ablocked_for`): a network round trip never holds the event loop.

Responses on limited routes carry `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the bucket is full again); a refusal is `429 rate-limited`
with `Retry-After`. The identity is the API key's id when keys are configured, else the
client's address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from app.auth import STATE_KEY_ID, is_open
from app.errors import RateLimited, Unauthorized, add_headers
from app.metrics import Metrics

log = logging.getLogger(__name__)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rate_limits "
    "(identity TEXT PRIMARY KEY, tat REAL NOT NULL, allowed INTEGER NOT NULL)"
)
# One statement decides and records; SQLite evaluates every SET expression on the old row.
HIT = """
INSERT INTO rate_limits(identity, tat, allowed) VALUES (:identity, :now + :interval, 1)
ON CONFLICT(identity) DO UPDATE SET
    allowed = (MAX(tat, :now) + :interval - :now <= :window),
    tat = CASE WHEN MAX(tat, :now) + :interval - :now <= :window THEN MAX(tat, :now) + :interval
          ELSE tat END
RETURNING tat, allowed
"""
SWEEP_EVERY = 1000  # decisions between deletions of idle identities
# The same decision on Redis, atomic as one script. KEYS[1]: the identity's key; ARGV: now,
# interval, window (seconds, as in HIT). Returns {tat, allowed}, tat as a string (Redis would
# truncate a Lua number to an integer). The key lives until its bucket is full again.
GCRA_LUA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local stored = tonumber(redis.call('GET', KEYS[1]))
local start = now
if stored ~= nil and stored > now then start = stored end
if start + interval - now <= window then
    local tat = start + interval
    redis.call('SET', KEYS[1], string.format('%.17g', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
    return {string.format('%.17g', tat), 1}
end
return {string.format('%.17g', stored or now), 0}
"""
REDIS_PREFIX = "promptgen:ratelimit:v1:"
REDIS_TIMEOUT_S = 0.25  # per call by default, like SQLite's lock timeout: past it, the request is let through
REDIS_RETRY_AFTER_S = 5.0  # after a failure, Redis is not asked for this long (requests let through)
# What a store raises when it cannot answer: the request is let through (fail open)
UNAVAILABLE: tuple[type[BaseException], ...] = (sqlite3.Error, RedisError, OSError, TimeoutError)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # the burst: requests that may come back to back
    remaining: int
    reset_s: float  # until the bucket is full again
    retry_after_s: float  # until the next request would be allowed (0 when allowed)

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset_s)),
        }


class RateStore(Protocol):
    def advance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        """Apply one request to `identity`'s state: its `tat` afterwards, and whether it was allowed."""
        ...

    def peek(self, identity: str) -> float | None:
        """`identity`'s `tat`, or None when it has none; changes nothing."""
        ...

    async def aadvance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        """`advance` for the event loop."""
        ...

    async def apeek(self, identity: str) -> float | None:
        """`peek` for the event loop."""
        ...


class _LocalStore(ABC):
    """A store answered in microseconds on this machine: its async methods are the sync ones."""

    @abstractmethod
    def advance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        """Implemented by each store."""

    @abstractmethod
    def peek(self, identity: str) -> float | None:
        """Implemented by each store."""

    async def aadvance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        return self.advance(identity, now, interval, window)

    async def apeek(self, identity: str) -> float | None:
        return self.peek(identity)


class MemoryRateStore(_LocalStore):
    """This process only (tests, single-process deployments)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def advance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        with self._lock:
            stored = self._tat.get(identity, now)
            start = max(stored, now)
            allowed = start + interval - now <= window
            if allowed:
                self._tat[identity] = start + interval
            if len(self._tat) > 100_000:  # bound memory: idle identities are as good as absent
                self._tat = {k: v for k, v in self._tat.items() if v > now}
            return (start + interval if allowed else stored), allowed

    def peek(self, identity: str) -> float | None:
        with self._lock:
            return self._tat.get(identity)


class SQLiteRateStore(_LocalStore):
    """A SQLite file every process on this data directory shares (see the module docstring)."""

    def __init__(self, path: Path, lock_timeout_s: float = 0.25) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            str(path), timeout=lock_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()
        self._decisions = 0

    def advance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        params = {"identity": identity, "now": now, "interval": interval, "window": window}
        with self._lock:
            row = self._conn.execute(HIT, params).fetchone()
            self._decisions += 1
            if self._decisions % SWEEP_EVERY == 0:
                self._conn.execute("DELETE FROM rate_limits WHERE tat < ?", (now,))
        return float(row[0]), bool(row[1])

    def peek(self, identity: str) -> float | None:
        with self._lock:
            row = self._conn.execute("SELECT tat FROM rate_limits WHERE identity = ?", (identity,)).fetchone()
        return None if row is None else float(row[0])

    def close(self) -> None:
        self._conn.close()


class RedisRateStore:
    """A Redis every replica shares: one `GCRA_LUA` script call per decision (module docstring)."""

    def __init__(
        self, url: str, timeout_s: float = REDIS_TIMEOUT_S, retry_after_s: float = REDIS_RETRY_AFTER_S
    ):
        import redis

        self.url = url
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._options: dict[str, Any] = {
            "socket_timeout": timeout_s,
            "socket_connect_timeout": timeout_s,
            "retry_on_timeout": False,
        }
        self._client = redis.Redis.from_url(url, **self._options)
        self._script = self._client.register_script(GCRA_LUA)
        self._async: tuple[asyncio.AbstractEventLoop, Any, Any] | None = None  # per event loop
        self._down_until = 0.0

    def _clients(self) -> tuple[Any, Any]:
        """The async client and script of the running loop (a connection belongs to one loop)."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            from redis import asyncio as aredis

            client = aredis.Redis.from_url(self.url, **self._options)
            self._async = (loop, client, client.register_script(GCRA_LUA))
        return self._async[1], self._async[2]

    def _check(self) -> None:
        if time.monotonic() < self._down_until:
            raise ConnectionError("the rate limiter's Redis failed a moment ago")

    def _failed(self) -> None:
        self._down_until = time.monotonic() + self.retry_after_s

    def advance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        self._check()
        try:
            tat, allowed = self._script(
                keys=[REDIS_PREFIX + identity], args=[repr(now), repr(interval), repr(window)]
            )
        except UNAVAILABLE:
            self._failed()
            raise
        return float(tat), bool(int(allowed))

    async def aadvance(self, identity: str, now: float, interval: float, window: float) -> tuple[float, bool]:
        self._check()
        _, script = self._clients()
        try:
            tat, allowed = await asyncio.wait_for(
                script(keys=[REDIS_PREFIX + identity], args=[repr(now), repr(interval), repr(window)]),
                self.timeout_s,
            )
        except UNAVAILABLE:
            self._failed()
            raise
        return float(tat), bool(int(allowed))

    def peek(self, identity: str) -> float | None:
        self._check()
        try:
            value = self._client.get(REDIS_PREFIX + identity)
        except UNAVAILABLE:
            self._failed()
            raise
        return None if value is None else float(value)

    async def apeek(self, identity: str) -> float | None:
        self._check()
        client, _ = self._clients()
        try:
            value = await asyncio.wait_for(client.get(REDIS_PREFIX + identity), self.timeout_s)
        except UNAVAILABLE:
            self._failed()
            raise
        return None if value is None else float(value)

    async def aclose(self) -> None:
        self._client.close()
        if self._async is not None:
            loop, client, _ = self._async
            self._async = None
            if loop is asyncio.get_running_loop():
                await client.aclose()


class RateLimiter:
    """`per_minute` requests per identity, `burst` of them back to back."""

    def __init__(self, store: RateStore, per_minute: int, burst: int = 0) -> None:
        self.store = store
        self.per_minute = per_minute
        self.burst = burst if burst > 0 else max(1, math.ceil(per_minute / 6))
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.window = self.burst * self.interval

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def hit(self, identity: str, now: float | None = None) -> Decision:
        now = time.time() if now is None else now
        try:
            tat, allowed = self.store.advance(identity, now, self.interval, self.window)
        except UNAVAILABLE as exc:
            return self._unavailable(exc)
        return self._decide(now, tat, allowed)

    async def ahit(self, identity: str, now: float | None = None) -> Decision:
        """`hit` for the event loop (the middleware): the store is awaited."""
        now = time.time() if now is None else now
        try:
            tat, allowed = await self.store.aadvance(identity, now, self.interval, self.window)
        except UNAVAILABLE as exc:
            return self._unavailable(exc)
        return self._decide(now, tat, allowed)

    def _unavailable(self, exc: BaseException) -> Decision:
        log.warning("rate limiter store unavailable (%s); request let through", type(exc).__name__)
        return Decision(True, self.burst, self.burst, 0.0, 0.0)

    def _decide(self, now: float, tat: float, allowed: bool) -> Decision:
        """The decision and its headers from what the store answered (every store alike)."""
        ahead = max(0.0, tat - now)  # how much of the bucket this identity has drawn
        if allowed:
            remaining = max(0, math.floor((self.window - ahead) / self.interval + 1e-9))
            return Decision(True, self.burst, remaining, ahead, 0.0)
        retry = max(0.0, tat + self.interval - self.window - now)
        return Decision(False, self.burst, 0, ahead, retry)

    def blocked_for(self, identity: str, now: float | None = None) -> float:
        """Seconds until `identity` may be counted again (0 when it may now); changes nothing."""
        now = time.time() if now is None else now
        try:
            tat = self.store.peek(identity)
        except UNAVAILABLE:
            return 0.0
        return self._wait(now, tat)

    async def ablocked_for(self, identity: str, now: float | None = None) -> float:
        """`blocked_for` for the event loop."""
        now = time.time() if now is None else now
        try:
            tat = await self.store.apeek(identity)
        except UNAVAILABLE:
            return 0.0
        return self._wait(now, tat)

    def _wait(self, now: float, tat: float | None) -> float:
        return 0.0 if tat is None else max(0.0, tat + self.interval - self.window - now)

    async def aclose(self) -> None:
        closing = getattr(self.store, "aclose", None)
        if closing is not None:
            await closing()


def _redis_timeout_s(settings: object) -> float:
    return max(1, int(getattr(settings, "rate_limit_timeout_ms", 250))) / 1000


def create_rate_limiter(settings: object, data_path: Path) -> RateLimiter:
    per_minute = int(getattr(settings, "rate_limit_per_minute", 0))
    burst = int(getattr(settings, "rate_limit_burst", 0))
    kind = str(getattr(settings, "rate_limit_store", "sqlite")).strip().lower()
    url = str(getattr(settings, "rate_limit_url", "") or "")
    store: RateStore
    if per_minute <= 0 or (kind == "memory" and not url):
        store = MemoryRateStore()
    elif url:
        store = RedisRateStore(url, _redis_timeout_s(settings))
    elif kind == "sqlite":
        store = SQLiteRateStore(data_path / "ratelimit.sqlite3")
    else:
        raise SystemExit(f"invalid configuration: PROMPTGEN_RATE_LIMIT_STORE={kind!r} (sqlite or memory)")
    return RateLimiter(store, per_minute, burst)


def create_auth_failure_limiter(settings: object, data_path: Path) -> RateLimiter:
    """Failed authentications per client address (`auth_failures_per_minute`, bursts of
    `auth_failures_burst`), in the same kind of store as the rate limit (shared by processes)."""
    per_minute = int(getattr(settings, "auth_failures_per_minute", 0))
    burst = int(getattr(settings, "auth_failures_burst", 0))
    keyed = bool(str(getattr(settings, "api_keys", "")).strip())
    kind = str(getattr(settings, "rate_limit_store", "sqlite")).strip().lower()
    url = str(getattr(settings, "rate_limit_url", "") or "")
    store: RateStore = MemoryRateStore()
    if keyed and per_minute > 0 and url:
        store = RedisRateStore(url, _redis_timeout_s(settings))
    elif keyed and per_minute > 0 and kind == "sqlite":
        try:
            store = SQLiteRateStore(data_path / "ratelimit.sqlite3")
        except (sqlite3.Error, OSError) as exc:  # a read-only data directory is reported at start
            log.warning("failed authentications counted per process: %s", exc)
    return RateLimiter(store, per_minute if keyed else 0, burst)


def address_of(scope: Scope) -> str:
    """The client's address as the limits count it: an IPv6 client by its /64 (one host
    usually holds a whole /64, and could otherwise step through it)."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return host


def identity_of(scope: Scope) -> str:
    key = scope.get("state", {}).get(STATE_KEY_ID)
    if key:
        return str(key)
    client = scope.get("client")
    return "addr:" + (str(client[0]) if client else "unknown")


def rate_limit_middleware(
    limiter: RateLimiter, metrics: Metrics | None = None
) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware (after authentication): 429 with Retry-After beyond the limit, and
    RateLimit-* headers on every limited response."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not limiter.enabled or is_open(scope):
                await app(scope, receive, send)
                return
            decision = await limiter.ahit(identity_of(scope))
            if not decision.allowed:
                if metrics is not None:
                    metrics.rate_limited += 1
                retry = max(1, math.ceil(decision.retry_after_s))
                error = RateLimited(
                    f"more than {limiter.per_minute} requests a minute (bursts of {limiter.burst}); "
                    f"retry in {retry}s",
                    retry_after=retry,
                )
                add_headers(error, decision.headers())
                raise error
            extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), *extra]
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory


COUNTED_FAILURES = frozenset({"invalid", "malformed"})  # a request without a key guesses nothing


def auth_failure_middleware(
    limiter: RateLimiter, metrics: Metrics | None = None
) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware, outside authentication: a client address that has sent more wrong
    credentials than `limiter` allows is answered `429` with `Retry-After` before its key is
    looked at, whatever key it sends (were a right key let through, the 429s would tell an
    attacker nothing his 401s did not, and his guessing would go on at full speed). Only
    wrong or malformed credentials count: requests with a valid key, or with none, never do,
    so a valid key from the same address waits at most one `Retry-After`, and only while
    wrong ones keep arriving from it."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not limiter.enabled or is_open(scope):
                await app(scope, receive, send)
                return
            identity = "auth-failures:" + address_of(scope)
            wait = await limiter.ablocked_for(identity)
            if wait > 0:
                if metrics is not None:
                    metrics.rate_limited += 1
                retry = max(1, math.ceil(wait))
                raise RateLimited(
                    f"too many failed authentications from this address; retry in {retry}s",
                    retry_after=retry,
                )
            try:
                await app(scope, receive, send)
            except Unauthorized as exc:
                if exc.extensions.get("reason") in COUNTED_FAILURES:
                    await limiter.ahit(identity)
                raise

        return middleware

    return factory
