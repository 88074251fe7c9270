"""Per-key rate limits, shared by every worker process that serves one data directory.

The algorithm is GCRA (the generic cell rate algorithm, a token bucket kept as one number):
each identity has a theoretical arrival time `tat`; a request at `now` is allowed when
`max(tat, now) + interval - now <= burst * interval`, and then moves `tat` on by `interval`.
`interval` is 60 s / `rate_limit_per_minute`; `burst` requests may come back to back.

The state lives in SQLite (`ratelimit.sqlite3` in the data directory, WAL mode), and each
decision is a single `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement, atomic
across processes, so N workers enforce one limit rather than N. The file holds nothing
precious: it is written without fsync and may be deleted at any time. If SQLite cannot answer
within its short lock timeout the request is let through (fail open) and counted in the log.

Responses on limited routes carry `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the bucket is full again); a refusal is `429 rate-limited`
with `Retry-After`. The identity is the API key's id when keys are configured, else the
client's address.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


class MemoryRateStore:
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


class SQLiteRateStore:
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
        except sqlite3.Error as exc:
            log.warning("rate limiter store unavailable (%s); request let through", type(exc).__name__)
            return Decision(True, self.burst, self.burst, 0.0, 0.0)
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
        except sqlite3.Error:
            return 0.0
        if tat is None:
            return 0.0
        return max(0.0, tat + self.interval - self.window - now)


def create_rate_limiter(settings: object, data_path: Path) -> RateLimiter:
    per_minute = int(getattr(settings, "rate_limit_per_minute", 0))
    burst = int(getattr(settings, "rate_limit_burst", 0))
    kind = str(getattr(settings, "rate_limit_store", "sqlite")).strip().lower()
    store: RateStore
    if per_minute <= 0 or kind == "memory":
        store = MemoryRateStore()
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
    store: RateStore = MemoryRateStore()
    if keyed and per_minute > 0 and kind == "sqlite":
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
            decision = limiter.hit(identity_of(scope))
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
            wait = limiter.blocked_for(identity)
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
                    limiter.hit(identity)
                raise

        return middleware

    return factory
