"""`POST /v1/generate/image` (spark -> prompts -> images) and the OpenAI-compatible
`POST /v1/images/generations`."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from app import openai_images
from app.chain import ChainService
from app.chain_protocol import GenerateImageRequest, JobAccepted, OpenAIImagesRequest
from app.errors import PromptgenError, problem_type
from app.problems import on_promptgen_error
from app.protocol import Job, decode_strict_async
from app.proxy import public_base_url

IMAGE_BODY_LIMIT = 64 * 1024 * 1024  # images ride along as data URLs


def _chain(request: Request) -> ChainService:
    return request.app.state.chain  # type: ignore[no-any-return]


@post(
    "/v1/generate/image",
    status_code=200,
    summary="Generate prompts from a spark, then images from the prompts",
    request_max_body_size=IMAGE_BODY_LIMIT,
)
async def generate_image(request: Request) -> Response[Any]:
    payload = await decode_strict_async(
        await request.body(), GenerateImageRequest, max_bytes=IMAGE_BODY_LIMIT
    )
    result = await _chain(request).generate(payload)
    if isinstance(result, Job):
        return Response(
            JobAccepted(job=result), status_code=202, headers={"Location": f"/v1/jobs/{result.job_id}"}
        )
    return Response(result, status_code=200)


def openai_error(request: Request, exc: PromptgenError) -> Response[bytes]:
    """A problem detail that also carries OpenAI's `error` object, so OpenAI clients read it."""
    kind = problem_type(exc)
    exc.extensions.setdefault(
        "error",
        {
            "message": exc.detail,
            "type": "invalid_request_error" if kind.status < 500 else "server_error",
            "param": exc.extensions.get("field"),
            "code": kind.slug,
        },
    )
    return on_promptgen_error(request, exc)


@post(
    "/v1/images/generations",
    status_code=200,
    summary="OpenAI Images API: prompt-enhanced image generation",
    request_max_body_size=IMAGE_BODY_LIMIT,
    exception_handlers={PromptgenError: openai_error},
)
async def images_generations(request: Request) -> Response[Any]:
    payload = await decode_strict_async(await request.body(), OpenAIImagesRequest, max_bytes=IMAGE_BODY_LIMIT)
    # Links are built on the configured public URL, never on the caller's Host header.
    base_url = public_base_url(request.scope, request.app.state.proxy)
    enhance = request.headers.get(openai_images.ENHANCE_HEADER)
    result = await openai_images.generate(_chain(request), payload, base_url, enhance)
    return Response(result, status_code=200)


ROUTES = [generate_image, images_generations]
