"""`GET /v1/jobs/{jobId}` and `POST /v1/jobs/{jobId}/action` (`{"action": "cancel"}`)."""

from __future__ import annotations

from litestar import Request, get, post

from app.chain_protocol import JobActionRequest
from app.protocol import Job, decode_strict


@get("/v1/jobs/{job_id:str}", summary="A job record: status, progress, result or error")
async def get_job(request: Request, job_id: str) -> Job:
    return await request.app.state.jobs.get(job_id)  # type: ignore[no-any-return]


@post("/v1/jobs/{job_id:str}/action", status_code=200, summary="Act on a job: cancel it")
async def job_action(request: Request, job_id: str) -> Job:
    decode_strict(await request.body(), JobActionRequest, max_bytes=4096)  # `cancel` is the only action
    return await request.app.state.chain.queue.cancel(job_id)  # type: ignore[no-any-return]


ROUTES = [get_job, job_action]
