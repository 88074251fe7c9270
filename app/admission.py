"""Admission control: in front of each model backend, only the requests it can finish in time.

A `Gate` admits up to `concurrency + queue` requests at once (`concurrency` of them are
served, the rest wait inside the backend). With a `deadline_s` it also refuses a request the
backend could not finish before that deadline: the gate measures the backend's service rate
(seconds of busy time per unit of work, over the last `WINDOW` completions: the busy time
between one completion and the next, divided by the work completed, so concurrency and
micro-batching are in it) and estimates a newcomer's completion as the work in flight plus its
own, at that rate, plus how late past estimates of queued requests turned out (an EWMA of
their lateness, never negative: a request finishes with its whole batch, and a re-sample
queues again). A refused request gets `503 overloaded` at once with a `Retry-After` computed
from the same estimate: the time until enough of the work ahead has drained for it to fit.
Nothing waits at the gate itself, so an overload never turns into a hang (nor into admitted
requests that time out at their deadline: goodput stays at the backend's capacity), and the
check runs first in the request flow: before any image is decoded, any URL fetched or any
job written, a refused request has cost a JSON decode.

Gates count per process; the rate limiter (`app.ratelimit`) is what is shared between
processes.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable

from app.errors import Overloaded

WINDOW = 32  # completions the service rate is measured over
LATENESS_WEIGHT = 0.2  # weight of the newest queued request's lateness in the running estimate
HEADROOM = 0.8  # share of the deadline the estimated wait may use (noise, a batch's own length)
MAX_RETRY_AFTER_S = 600


class Slot:
    """One admitted request's place; `release()` is idempotent (a context manager, too)."""

    __slots__ = ("_gate", "_released", "_started", "estimate", "units")

    def __init__(self, gate: Gate, units: float, estimate: float | None) -> None:
        self._gate = gate
        self._started = gate.clock()
        self._released = False
        self.units = units
        self.estimate = estimate  # its estimated completion when it had to queue, else None

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._gate._release(self)

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Gate:
    """At most `concurrency + queue` requests in flight for one backend, and, with
    `deadline_s`, none it could not finish by then; see the module docstring."""

    def __init__(
        self,
        name: str,
        concurrency: int,
        queue: int,
        initial_hold_s: float = 1.0,
        deadline_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.concurrency = max(1, concurrency)
        self.capacity = self.concurrency + max(0, queue)
        self.deadline_s = deadline_s
        self.clock = clock
        self.in_flight = 0
        self.load = 0.0  # units of work in flight
        self.admitted = 0
        self.rejected = 0
        self.rejected_for_deadline = 0
        self.initial_cost_s = initial_hold_s  # the estimate until something has completed
        self._spans: collections.deque[tuple[float, float]] = collections.deque(maxlen=WINDOW)
        self._mark = 0.0  # the last completion, or when the gate last became busy
        self.lateness_s = 0.0  # how much later than estimated queued requests finished (EWMA)

    @property
    def full(self) -> bool:
        return self.in_flight >= self.capacity

    @property
    def waiting(self) -> int:
        """Admitted requests beyond those the backend serves at once."""
        return max(0, self.in_flight - self.concurrency)

    @property
    def cost_s(self) -> float:
        """Measured seconds of the backend's busy time per unit of work."""
        if not self._spans:
            return self.initial_cost_s
        busy = sum(span for span, _ in self._spans)
        units = sum(u for _, u in self._spans)
        return busy / units if units > 0 else self.initial_cost_s

    def estimated_wait(self, units: float = 1.0) -> float:
        """Seconds until a request of `units` admitted now would be finished."""
        return (self.load + units) * self.cost_s + self.lateness_s

    def retry_after(self, units: float = 1.0) -> int:
        """Seconds until a request of `units` would be admitted: until a place is free and the
        work ahead has drained to what it can wait for (or away: an idle backend admits); at
        least 1, at most `MAX_RETRY_AFTER_S`."""
        cost = self.cost_s
        mean = self.load / self.in_flight if self.in_flight else units
        seconds = (self.in_flight + 1 - self.capacity) * mean * cost
        if self.deadline_s is not None and self.in_flight >= self.concurrency:
            # until the work ahead fits the headroom with this request's, or has drained away
            excess = min(self.estimated_wait(units) - self.deadline_s * HEADROOM, self.load * cost)
            seconds = max(seconds, excess)
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(seconds)))

    def check(self, units: float = 1.0) -> None:
        """Refuse now (503, Retry-After) when full, or when a request of `units` could not be
        finished before the deadline (only while the backend is busy: fewer than `concurrency`
        in flight always admits, so a stale estimate is measured again); takes no place."""
        late = (
            self.deadline_s is not None
            and self.in_flight >= self.concurrency  # an idle backend always gets one: it re-measures
            and self.estimated_wait(units) > self.deadline_s * HEADROOM
        )
        if self.full or late:
            self.rejected += 1
            retry = self.retry_after(units)
            if self.full:
                why = f"has {self.in_flight} requests in flight, its limit"
            else:
                self.rejected_for_deadline += 1
                why = (
                    f"could not finish this request within its {self.deadline_s:g}s deadline "
                    f"(about {self.estimated_wait(units):.0f}s of work queued)"
                )
            raise Overloaded(
                f"the {self.name} backend {why}; retry in {retry}s",
                retry_after=retry,
                backend=self.name,
            )

    def acquire(self, units: float = 1.0) -> Slot:
        """Take a place, or raise `Overloaded` (503, Retry-After) at once when none is free or
        the request could not finish in time. `units`: its work relative to the others'."""
        self.check(units)
        if self.in_flight == 0:
            self._mark = self.clock()  # busy from now: idle time is no service time
        queued = self.in_flight >= self.concurrency
        estimate = self.estimated_wait(units) - self.lateness_s if queued else None
        self.in_flight += 1
        self.load += units
        self.admitted += 1
        return Slot(self, units, estimate)

    def _release(self, slot: Slot) -> None:
        now = self.clock()
        self.in_flight = max(0, self.in_flight - 1)
        self.load = max(0.0, self.load - slot.units) if self.in_flight else 0.0
        self._spans.append((max(0.0, now - self._mark), slot.units))
        self._mark = now
        if slot.estimate is not None:
            late = max(0.0, now - slot._started - slot.estimate)
            self.lateness_s += LATENESS_WEIGHT * (late - self.lateness_s)
