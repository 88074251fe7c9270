"""`POST /v1/images/generations`: OpenAI's Images API as a view of the chained generation.

The OpenAI request becomes a `GenerateImageRequest` (the prompt is the spark, `prompt_mode`
picks the mode, one prompt per image up to five), runs as a synchronous chain job, and the
images come back in OpenAI's shape with the generated prompt as `revised_prompt`. A `model`
that is not `provider:model` (`gpt-image-1`, `dall-e-3`) means the configured backend, so a
client written for OpenAI works unchanged.
"""

from __future__ import annotations

import base64
import time

import msgspec

from app.chain import ChainService, summarize
from app.chain_protocol import (
    PASSTHROUGH,
    ChainMode,
    GenerateImageRequest,
    OpenAIImage,
    OpenAIImagesRequest,
    OpenAIImagesResponse,
    PromptGeneration,
)
from app.errors import ValidationFailed

DEFAULT_MODE: ChainMode = "structured"


def to_chain_request(request: OpenAIImagesRequest) -> GenerateImageRequest:
    if request.stream:
        raise ValidationFailed("streaming is not supported here; leave `stream` unset", field="stream")
    n = request.n or 1
    mode: ChainMode = request.prompt_mode or DEFAULT_MODE
    return GenerateImageRequest(
        prompt=request.prompt,
        prompt_generation=PromptGeneration(
            mode=mode, num_results=1 if mode == PASSTHROUGH else min(n, 5), seed=request.seed
        ),
        model=request.model if request.model and ":" in request.model else None,
        n=n,
        size=request.size,
        quality=request.quality,
        style=request.style,
        background=request.background,
        format=request.output_format,
        output_compression=request.output_compression,
        seed=request.seed,
    )


async def generate(chain: ChainService, request: OpenAIImagesRequest, base_url: str) -> OpenAIImagesResponse:
    """Prompt-enhanced images, answered as OpenAI answers `images.generate`."""
    chain_request = to_chain_request(request)
    with chain.admit(chain_request):  # 503 at once when full, before anything is decoded
        plan = await chain.prepare(chain_request)
        if request.moderation:
            plan.options = msgspec.structs.replace(
                plan.options, provider_options={"openai": {"moderation": request.moderation}}
            )
        outcome, job = await chain.run(plan, summarize(request))
    as_url = request.response_format == "url"
    data = [
        OpenAIImage(
            url=base_url.rstrip("/") + info.url if as_url else None,
            b64_json=None if as_url else base64.b64encode(raw).decode("ascii"),
            revised_prompt=info.prompt,
            asset_id=info.asset_id,
            seed=info.seed,
        )
        for info, raw in zip(outcome.images, outcome.data, strict=True)
    ]
    formats = {info.media_type.removeprefix("image/") for info in outcome.images}
    return OpenAIImagesResponse(
        created=int(time.time()),
        data=data,
        output_format=formats.pop() if len(formats) == 1 else None,
        promptgen={
            "job_id": job.job_id,
            "mode": outcome.mode,
            "prompts": outcome.prompts,
            "warnings": outcome.warnings,
        },
    )
