"""`POST /v1/generate/prompt` (job records are served by `routes/jobs.py`)."""

from __future__ import annotations

from litestar import Request, post

from app.protocol import GeneratePromptRequest, GeneratePromptResponse, decode_strict_async

PROMPT_BODY_LIMIT = 64 * 1024 * 1024  # images may ride along as data URLs


@post(
    "/v1/generate/prompt",
    status_code=200,
    summary="Generate image prompts from a spark",
    request_max_body_size=PROMPT_BODY_LIMIT,
)
async def generate_prompt(request: Request) -> GeneratePromptResponse:
    body = await request.body()
    payload = await decode_strict_async(body, GeneratePromptRequest, max_bytes=PROMPT_BODY_LIMIT)
    return await request.app.state.service.generate(payload)


ROUTES = [generate_prompt]
