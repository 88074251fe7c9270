"""Liveness, readiness and metrics: open even when API keys are configured."""

from __future__ import annotations

from litestar import Request, Response, get

from app.problems import problem_response
from app.retention import storage_problem

OPEN = {"exclude_from_auth": True}  # no API key, no rate limit: probes and scrapers must get through


@get("/healthz", summary="Liveness", opt=OPEN)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", summary="Readiness: the language model is loaded (and warmed), storage is writable", opt=OPEN)
async def readyz(request: Request) -> Response:
    storage = await storage_problem(request.app.state.settings, request.app.state.jobs)
    if storage is not None:  # under the free-space floor, or job records the disk refused
        return problem_response(
            {
                "type": "https://promptgen.dev/problems/not-ready",
                "title": "Not ready",
                "status": 503,
                "detail": storage,
                "reason": "storage",
            },
            503,
            {"Retry-After": "60"},
        )
    lm = request.app.state.lm
    loader = getattr(request.app.state, "loader", None)  # load, then warm-up (app/server.py)
    if lm.ready and (loader is None or loader.done()):
        return Response({"status": "ready", "backend": lm.backend, "model": lm.model_id})
    return problem_response(
        {
            "type": "https://promptgen.dev/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": f"the {lm.backend} language model is still "
            + ("warming up for the modes" if lm.ready else "loading"),
        },
        503,
        {"Retry-After": "5"},
    )


@get("/metrics", summary="Prometheus metrics", media_type="text/plain; version=0.0.4", opt=OPEN)
async def metrics(request: Request) -> str:
    return request.app.state.metrics.render(request.app.state)


ROUTES = [healthz, readyz, metrics]
