"""`POST /v1/generate/prompt` and `GET /v1/jobs/{jobId}`."""

from __future__ import annotations

from litestar import Request, get, post

from app.protocol import GeneratePromptRequest, GeneratePromptResponse, Job, decode_strict

PROMPT_BODY_LIMIT = 64 * 1024 * 1024  # images may ride along as data URLs


@post(
    "/v1/generate/prompt",
    status_code=200,
    summary="Generate image prompts from a spark",
    request_max_body_size=PROMPT_BODY_LIMIT,
)
async def generate_prompt(request: Request) -> GeneratePromptResponse:
    body = await request.body()
    payload = decode_strict(body, GeneratePromptRequest, max_bytes=PROMPT_BODY_LIMIT)
    return await request.app.state.service.generate(payload)


@get("/v1/jobs/{job_id:str}", summary="A job record")
async def get_job(request: Request, job_id: str) -> Job:
    return request.app.state.jobs.get(job_id)


ROUTES = [generate_prompt, get_job]
