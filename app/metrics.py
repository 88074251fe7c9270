"""Prometheus text exposition of request counts, latencies and backend state."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.latency_sum: dict[str, float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        buckets = self.latency[route]
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                buckets[i] += 1
        buckets[-1] += 1
        self.latency_sum[route] += seconds

    def render(self, state: Any) -> str:
        lines = ["# TYPE promptgen_requests_total counter"]
        for (method, route, status), n in sorted(self.requests.items()):
            lines.append(
                f'promptgen_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}'
            )
        lines.append("# TYPE promptgen_request_seconds histogram")
        for route, buckets in sorted(self.latency.items()):
            for bound, n in zip(BUCKETS, buckets, strict=False):
                lines.append(f'promptgen_request_seconds_bucket{{route="{route}",le="{bound}"}} {n}')
            lines.append(f'promptgen_request_seconds_bucket{{route="{route}",le="+Inf"}} {buckets[-1]}')
            lines.append(f'promptgen_request_seconds_count{{route="{route}"}} {buckets[-1]}')
            lines.append(f'promptgen_request_seconds_sum{{route="{route}"}} {self.latency_sum[route]:.6f}')
        lm = getattr(state, "lm", None)
        if lm is not None:
            lines.append("# TYPE promptgen_model_ready gauge")
            lines.append(f'promptgen_model_ready{{backend="{lm.backend}"}} {int(lm.ready)}')
            lines.append("# TYPE promptgen_model_queue_depth gauge")
            lines.append(
                f'promptgen_model_queue_depth{{backend="{lm.backend}"}} {getattr(lm, "queue_depth", 0)}'
            )
        return "\n".join(lines) + "\n"


def metrics_middleware(metrics: Metrics) -> Any:
    """ASGI middleware factory recording each HTTP request's route template, status and time."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def send_wrapper(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_wrapper)
            finally:
                route = scope.get("path_template") or "unmatched"
                metrics.observe(str(scope.get("method", "")), str(route), status, time.perf_counter() - started)

        return middleware

    return factory
