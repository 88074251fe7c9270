"""Retries with exponential backoff that honour `Retry-After`, all within one deadline.

A provider attempt raises `Retryable(error, retry_after)` for failures worth another try
(408, 409, 429, 5xx, connection errors, a timed-out GET) and a plain `PromptgenError`
for everything else; a timed-out POST is not retried, since the provider may already be
doing (and billing) the work. `call_with_retries` sleeps between attempts (the server's Retry-After
when it gave one, else a jittered exponential delay) and gives up, raising the last error,
when the retries are spent or the next attempt could not start before the deadline.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import msgspec

from core.errors import PromptgenError, ProviderRejected, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from models.retry_after import DEFAULT_RETRY_AFTER_S
from models.retry_after import parse_retry_after as parse_retry_after  # the image backends read it here

T = TypeVar("T")
log = logging.getLogger("promptgen.image")

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx are worth retrying."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


class Deadline:
    """A point in monotonic time by which a whole call must be finished."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def timeout(self, cap: float) -> float:
        """The time one attempt may take: `cap`, or less when the deadline is nearer."""
        return max(0.001, min(cap, self.remaining()))


class RetryPolicy(msgspec.Struct, kw_only=True, frozen=True):
    """How many times, and how patiently, to retry a retryable failure."""

    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def backoff(self, retry: int) -> float:
        """Delay before retry number `retry` (0-based): base * 2^retry, capped, 50-100% jitter."""
        delay = min(self.max_delay_s, self.base_delay_s * (2**retry))
        return delay * (0.5 + random.random() / 2)


class Retryable(Exception):
    """An attempt failed in a way another attempt may fix; `error` is what to raise if not."""

    def __init__(self, error: UpstreamError, retry_after: float | None = None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.retry_after = retry_after


def error_for_status(provider: str, status: int, message: str, retry_after: float | None) -> Exception:
    """The generic mapping of an HTTP error status from `provider` to what an attempt raises.

    Retryable statuses come back wrapped in `Retryable`; the wrapped error is what the caller
    sees once retries are spent: 429 and 503 as 503 upstream-unavailable (with Retry-After),
    408 and 504 as 504 upstream-timeout, other 5xx as 502 upstream-error.
    """
    said = f": {message}" if message else ""
    if is_retryable_status(status):
        error: UpstreamError
        if status == 429:
            error = UpstreamUnavailable(
                f"{provider} is rate-limiting requests (HTTP 429){said}", backend=provider
            )
        elif status == 503:
            error = UpstreamUnavailable(f"{provider} is unavailable (HTTP 503){said}", backend=provider)
        elif status in (408, 504):
            error = UpstreamTimeout(f"{provider} timed out (HTTP {status}){said}", backend=provider)
        else:
            error = UpstreamError(f"{provider} failed (HTTP {status}){said}", backend=provider)
        return Retryable(error, retry_after)
    if status in (401, 403):
        return UpstreamError(
            f"{provider} refused the configured credentials (HTTP {status}){said}", backend=provider
        )
    if status == 402:
        return UpstreamError(f"{provider} requires payment or credits (HTTP 402){said}", backend=provider)
    if status == 404:
        return UpstreamError(
            f"{provider} does not know this model or endpoint (HTTP 404){said}", backend=provider
        )
    if status in (400, 413, 415, 422):
        return ProviderRejected(f"{provider} rejected the request (HTTP {status}){said}", backend=provider)
    return UpstreamError(f"{provider} failed (HTTP {status}){said}", backend=provider)


def _with_attempts(error: UpstreamError, attempts: int, retry_after: float | None) -> UpstreamError:
    detail = f"{error.detail} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
    extensions = dict(error.extensions)
    extensions.pop("backend", None)
    if isinstance(error, UpstreamUnavailable):  # a 503 always says when to come back
        extensions["retryAfter"] = (
            max(1, math.ceil(retry_after)) if retry_after is not None else DEFAULT_RETRY_AFTER_S
        )
    return type(error)(detail, backend=error.backend, **extensions)


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    provider: str,
    policy: RetryPolicy,
    deadline: Deadline,
    what: str = "request",
) -> T:
    """Run `attempt` until it succeeds, raises a non-retryable error, or retrying is pointless."""
    retries = 0
    while True:
        try:
            return await attempt()
        except Retryable as failure:
            attempts = retries + 1
            if retries >= policy.max_retries:
                raise _with_attempts(failure.error, attempts, failure.retry_after) from None
            delay = failure.retry_after if failure.retry_after is not None else policy.backoff(retries)
            if delay >= deadline.remaining():
                raise _with_attempts(failure.error, attempts, failure.retry_after) from None
            log.warning(
                "%s %s failed (%s); retry %d/%d in %.2fs",
                provider,
                what,
                type(failure.error).__name__,
                retries + 1,
                policy.max_retries,
                delay,
            )
            await asyncio.sleep(delay)
            retries += 1


def first_error(group: BaseExceptionGroup) -> BaseException:
    """The first leaf of an exception group, preferring a `PromptgenError`."""
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        else:
            leaves.append(exc)

    walk(group)
    for leaf in leaves:
        if isinstance(leaf, PromptgenError):
            return leaf
    return leaves[0]
