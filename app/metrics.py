"""Prometheus text exposition: requests, latencies, backend calls, admission, cache, limits, storage.

`Metrics` holds counters the HTTP layer and the services update; `render(state)` reads the
rest (model readiness, gates, cache counters, memory) from `app.state` when scraped, so
nothing is counted twice. The request side is recorded by `app.logs.RequestObserver`, which
sees every response, including the 401s, 429s and 404s produced before a handler runs.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import os
import shutil
import time
from collections import defaultdict
from typing import Any

from app.errors import PromptgenError, problem_type
from models.lm.base import LanguageModel, LMOutput, LMRequest

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Histogram:
    """Cumulative buckets, count and sum of observed seconds."""

    __slots__ = ("buckets", "total")

    def __init__(self) -> None:
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        # One count in the first bucket that holds it; `lines` sums them into Prometheus's
        # cumulative buckets when scraped (rare) rather than on every request.
        self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def lines(self, name: str, labels: str) -> list[str]:
        cumulative = list(itertools.accumulate(self.buckets))
        out = [
            f'{name}_bucket{{{labels},le="{bound}"}} {n}'
            for bound, n in zip(BUCKETS, cumulative, strict=False)
        ]
        out.append(f'{name}_bucket{{{labels},le="+Inf"}} {cumulative[-1]}')
        out.append(f"{name}_count{{{labels}}} {cumulative[-1]}")
        out.append(f"{name}_sum{{{labels}}} {self.total:.6f}")
        return out


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = defaultdict(Histogram)
        self.in_flight = 0
        self.backend_calls: dict[tuple[str, str, str], int] = defaultdict(int)
        self.backend_latency: dict[tuple[str, str], Histogram] = defaultdict(Histogram)
        self.auth_failures: dict[str, int] = defaultdict(int)
        self.rate_limited = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        self.latency[route].observe(seconds)

    def backend_call(self, kind: str, backend: str, outcome: str, seconds: float) -> None:
        """One call to a model backend (`kind`: lm, image, describer); `outcome` ok or an error slug."""
        self.backend_calls[(kind, backend, outcome)] += 1
        self.backend_latency[(kind, backend)].observe(seconds)

    def timed(self, kind: str, backend: str) -> BackendTimer:
        """`with metrics.timed(kind, backend):` records the enclosed backend call."""
        return BackendTimer(self, kind, backend)

    def render(self, state: Any) -> str:
        lines = ["# TYPE promptgen_requests_total counter"]
        for (method, route, status), n in sorted(self.requests.items()):
            lines.append(
                f'promptgen_requests_total{{method="{_label(method)}",route="{_label(route)}",status="{status}"}} {n}'
            )
        lines.append("# TYPE promptgen_request_seconds histogram")
        for route, histogram in sorted(self.latency.items()):
            lines += histogram.lines("promptgen_request_seconds", f'route="{_label(route)}"')
        lines.append("# TYPE promptgen_requests_in_flight gauge")
        lines.append(f"promptgen_requests_in_flight {self.in_flight}")
        lines.append("# TYPE promptgen_backend_calls_total counter")
        for (kind, backend, outcome), n in sorted(self.backend_calls.items()):
            lines.append(
                f'promptgen_backend_calls_total{{kind="{kind}",backend="{_label(backend)}",outcome="{outcome}"}} {n}'
            )
        lines.append("# TYPE promptgen_backend_call_seconds histogram")
        for (kind, backend), histogram in sorted(self.backend_latency.items()):
            lines += histogram.lines(
                "promptgen_backend_call_seconds", f'kind="{kind}",backend="{_label(backend)}"'
            )
        lines.append("# TYPE promptgen_auth_failures_total counter")
        for reason, n in sorted(self.auth_failures.items()):
            lines.append(f'promptgen_auth_failures_total{{reason="{reason}"}} {n}')
        lines.append("# TYPE promptgen_rate_limited_total counter")
        lines.append(f"promptgen_rate_limited_total {self.rate_limited}")
        lines += _model_lines(state)
        lines += _gate_lines(state)
        lines += _cache_lines(state)
        lines += _storage_lines(state)
        lines += _process_lines()
        return "\n".join(lines) + "\n"


def _storage_lines(state: Any) -> list[str]:
    """The data directory: its free bytes, job rows the disk refused, what retention removed."""
    lines: list[str] = []
    settings = getattr(state, "settings", None)
    if settings is not None:
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(settings.data_path).free
            lines += ["# TYPE promptgen_data_free_bytes gauge", f"promptgen_data_free_bytes {free}"]
    jobs = getattr(state, "jobs", None)
    if jobs is not None:
        lines += [
            "# TYPE promptgen_job_write_failures_total counter",
            f"promptgen_job_write_failures_total {jobs.write_failures}",
            "# TYPE promptgen_jobs_unwritten gauge",
            f"promptgen_jobs_unwritten {jobs.unwritten}",
        ]
    retention = getattr(state, "retention", None)
    if retention is not None:
        lines.append("# TYPE promptgen_retention_removed_total counter")
        lines += [
            f'promptgen_retention_removed_total{{kind="{k}"}} {n}' for k, n in sorted(retention.total.items())
        ]
    return lines


def _model_lines(state: Any) -> list[str]:
    lm = getattr(state, "lm", None)
    if lm is None:
        return []
    backend = _label(lm.backend)
    return [
        "# TYPE promptgen_model_ready gauge",
        f'promptgen_model_ready{{backend="{backend}"}} {int(lm.ready)}',
        "# TYPE promptgen_model_queue_depth gauge",
        f'promptgen_model_queue_depth{{backend="{backend}"}} {getattr(lm, "queue_depth", 0)}',
    ]


def _gates(state: Any) -> list[Any]:
    found = []
    for owner, attribute in (("service", "admission"), ("chain", "admission"), (None, "describer_gate")):
        holder = getattr(state, owner, None) if owner else state
        gate = getattr(holder, attribute, None) if holder is not None else None
        if gate is not None:
            found.append(gate)
    return found


def _gate_lines(state: Any) -> list[str]:
    gates = _gates(state)
    lines = ["# TYPE promptgen_admission_in_flight gauge"]
    lines += [f'promptgen_admission_in_flight{{gate="{g.name}"}} {g.in_flight}' for g in gates]
    lines.append("# TYPE promptgen_admission_capacity gauge")
    lines += [f'promptgen_admission_capacity{{gate="{g.name}"}} {g.capacity}' for g in gates]
    lines.append("# TYPE promptgen_admission_rejected_total counter")
    lines += [f'promptgen_admission_rejected_total{{gate="{g.name}"}} {g.rejected}' for g in gates]
    return lines


def _cache_lines(state: Any) -> list[str]:
    cache = getattr(getattr(state, "service", None), "cache", None)
    if cache is None:
        return []
    return [
        "# TYPE promptgen_cache_events_total counter",
        f'promptgen_cache_events_total{{event="hit"}} {cache.hits}',
        f'promptgen_cache_events_total{{event="miss"}} {cache.misses}',
        f'promptgen_cache_events_total{{event="coalesced"}} {cache.coalesced}',
        f'promptgen_cache_events_total{{event="shared_hit"}} {cache.shared_hits}',
        f'promptgen_cache_events_total{{event="shared_error"}} {cache.shared.errors if cache.shared else 0}',
        "# TYPE promptgen_cache_entries gauge",
        f"promptgen_cache_entries {len(cache)}",
    ]


def _process_lines() -> list[str]:
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return []
    return [
        "# TYPE process_resident_memory_bytes gauge",
        f"process_resident_memory_bytes {resident_pages * os.sysconf('SC_PAGE_SIZE')}",
    ]


class BackendTimer:
    """Times one backend call and records it with its outcome: ok, or the error's slug.

    A plain (synchronous) context manager: it wraps an `await` just as well, and costs a
    fraction of an async generator-based one on every request's path."""

    __slots__ = ("backend", "kind", "metrics", "started")

    def __init__(self, metrics: Metrics, kind: str, backend: str) -> None:
        self.metrics, self.kind, self.backend = metrics, kind, backend
        self.started = 0.0

    def __enter__(self) -> BackendTimer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            outcome = "ok"
        elif isinstance(exc, PromptgenError):
            outcome = problem_type(exc).slug
        else:
            outcome = "internal" if isinstance(exc, Exception) else "canceled"
        self.metrics.backend_call(self.kind, self.backend, outcome, time.perf_counter() - self.started)


class MeteredLanguageModel(LanguageModel):
    """A language model whose `generate` calls are counted and timed in `Metrics`; identity
    (`backend`, `supports_prefill`, `model_id`) is the wrapped one's."""

    def __init__(self, inner: LanguageModel, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.backend = inner.backend
        self.supports_prefill = inner.supports_prefill
        self.translates = inner.translates
        self.model_id = inner.model_id

    @property
    def ready(self) -> bool:
        return self.inner.ready

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        with self.metrics.timed("lm", self.inner.backend):
            return await self.inner.generate(requests, deadline_s)


def metered(lm: LanguageModel, metrics: Metrics) -> LanguageModel:
    """`lm` with its calls recorded; identity (`backend`, `supports_prefill`) is the wrapped one's."""
    return MeteredLanguageModel(lm, metrics)
