"""Admission control: a bounded number of requests in flight in front of each model backend.

A `Gate` admits up to `concurrency + queue` requests at once (`concurrency` of them are
served, the rest wait inside the backend); the next one is refused at once with `503
overloaded` and a `Retry-After` estimated from how long requests have recently held their
place. Nothing waits at the gate itself, so an overload never turns into a hang, and the
check runs first in the request flow: before any image is decoded, any URL fetched or any
job written, a refused request has cost a JSON decode.

Gates count per process; the rate limiter (`app.ratelimit`) is what is shared between
processes.
"""

from __future__ import annotations

import math
import time

from app.errors import Overloaded

EWMA_WEIGHT = 0.2  # weight of the newest hold time in the running estimate


class Slot:
    """One admitted request's place; `release()` is idempotent (a context manager, too)."""

    __slots__ = ("_gate", "_released", "_started")

    def __init__(self, gate: Gate) -> None:
        self._gate = gate
        self._started = time.monotonic()
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._gate._release(time.monotonic() - self._started)

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Gate:
    """At most `concurrency + queue` requests in flight for one backend; see the module docstring."""

    def __init__(self, name: str, concurrency: int, queue: int, initial_hold_s: float = 1.0) -> None:
        self.name = name
        self.concurrency = max(1, concurrency)
        self.capacity = self.concurrency + max(0, queue)
        self.in_flight = 0
        self.admitted = 0
        self.rejected = 0
        self.hold_s = initial_hold_s  # running estimate of how long a request keeps its slot

    @property
    def full(self) -> bool:
        return self.in_flight >= self.capacity

    @property
    def waiting(self) -> int:
        """Admitted requests beyond those the backend serves at once."""
        return max(0, self.in_flight - self.concurrency)

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the time one batch of `concurrency` takes to
        clear the waiting requests ahead, at least 1, at most 60."""
        rounds = (self.waiting + 1) / self.concurrency
        return max(1, min(60, math.ceil(self.hold_s * rounds)))

    def check(self) -> None:
        """Refuse now (503) when full, without taking a place."""
        if self.full:
            self.rejected += 1
            retry = self.retry_after()
            raise Overloaded(
                f"the {self.name} backend has {self.in_flight} requests in flight, its limit; "
                f"retry in {retry}s",
                retry_after=retry,
                backend=self.name,
            )

    def acquire(self) -> Slot:
        """Take a place, or raise `Overloaded` (503, Retry-After) at once when none is free."""
        self.check()
        self.in_flight += 1
        self.admitted += 1
        return Slot(self)

    def _release(self, held_s: float) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.hold_s += EWMA_WEIGHT * (held_s - self.hold_s)
