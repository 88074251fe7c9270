"""`POST /v1/images/generations`: OpenAI's Images API as a view of the chained generation.

The OpenAI request becomes a `GenerateImageRequest` (the prompt is the spark, `prompt_mode`
picks the mode, one prompt per image up to five), runs as a synchronous chain job, and the
images come back in OpenAI's shape with the generated prompt as `revised_prompt`. `enhance:
false` (or the header `X-Promptgen-Enhance: false`) turns the rewrite off: the prompt goes to
the image model as given and comes back as `revised_prompt`. A `model`
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
ENHANCE_HEADER = "X-Promptgen-Enhance"
HEADER_VALUES = {"true": True, "false": False}


def enhance_of(request: OpenAIImagesRequest, header: str | None) -> bool | None:
    """Whether the caller asked for the rewrite (`enhance` in the body, else the header), or
    None when neither says. A body and a header that disagree are a 400."""
    said = None
    if header is not None:
        said = HEADER_VALUES.get(header.strip().lower())
        if said is None:
            raise ValidationFailed(
                f"header {ENHANCE_HEADER} must be true or false, not {header[:40]!r}", field=ENHANCE_HEADER
            )
    if request.enhance is not None and said is not None and request.enhance != said:
        raise ValidationFailed(
            f"`enhance` is {str(request.enhance).lower()} but header {ENHANCE_HEADER} says "
            f"{str(said).lower()}; send one of them",
            field="enhance",
        )
    return request.enhance if request.enhance is not None else said


def mode_of(request: OpenAIImagesRequest, enhance: bool | None) -> ChainMode:
    """The chain's prompt mode: `enhance: false` is `none` (parity with
    `promptGeneration.mode: "none"`); a `prompt_mode` that says otherwise is a 400."""
    if enhance is None:
        return request.prompt_mode or DEFAULT_MODE
    if request.prompt_mode is not None and (request.prompt_mode == PASSTHROUGH) == enhance:
        raise ValidationFailed(
            f"`enhance: {str(enhance).lower()}` contradicts `prompt_mode: {request.prompt_mode!r}`; "
            "send one of them",
            field="prompt_mode",
        )
    if not enhance:
        return PASSTHROUGH
    return request.prompt_mode or DEFAULT_MODE


def to_chain_request(request: OpenAIImagesRequest, enhance_header: str | None = None) -> GenerateImageRequest:
    if request.stream:
        raise ValidationFailed("streaming is not supported here; leave `stream` unset", field="stream")
    n = request.n or 1
    mode = mode_of(request, enhance_of(request, enhance_header))
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


async def generate(
    chain: ChainService, request: OpenAIImagesRequest, base_url: str, enhance_header: str | None = None
) -> OpenAIImagesResponse:
    """Prompt-enhanced images (unless `enhance` is false), answered as OpenAI answers
    `images.generate`."""
    chain_request = to_chain_request(request, enhance_header)
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
