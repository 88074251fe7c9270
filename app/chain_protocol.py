"""Wire types of the chained image endpoints, decoded strictly like every request body.

`POST /v1/generate/image` (`GenerateImageRequest`): the spark in `prompt`, the prompt API's
fields under `promptGeneration` (camelCase, as `POST /v1/generate/prompt` spells them), and
the image fields under the names the image APIs use (snake_case: `num_outputs`,
`aspect_ratio`, `negative_prompt`, `webhook_url`, ...), so a body written for one of those
APIs needs only `promptGeneration` added.

`POST /v1/images/generations` (`OpenAIImagesRequest`): OpenAI's Images request, plus the
extension fields `prompt_mode` and `seed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType, field

import modes
from app.protocol import AssetId, ImageRef, IPDetection, Job, KeepTerms, Spark, Strict, TargetModel, Usage

PASSTHROUGH = "none"  # promptGeneration.mode / prompt_mode: use the spark itself as the prompt
# The prompt API's modes (`app.protocol.Mode`, from the registered handlers) and `none`.
if TYPE_CHECKING:
    ChainMode = str
else:
    ChainMode = Literal[(*modes.registry.wire_names(), PASSTHROUGH)]
ImageFormat = Literal["png", "jpeg", "jpg", "webp"]
MAX_IMAGES = 10
MAX_REFERENCES = 16

Size = Annotated[str, Meta(pattern=r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4}|[0-9.]{1,4}[Kk])$")]
AspectRatio = Annotated[str, Meta(pattern=r"^[1-9][0-9]{0,2}:[1-9][0-9]{0,2}$")]
Resolution = Annotated[str, Meta(pattern=r"^(0\.5|1|2|4)K$")]
Pixels = Annotated[int, Meta(ge=16, le=8192)]
Count = Annotated[int, Meta(ge=1, le=MAX_IMAGES)]
Compression = Annotated[int, Meta(ge=0, le=100)]
Seed = Annotated[int, Meta(ge=0, le=2**32 - 1)]
Text = Annotated[str, Meta(max_length=4000)]
Reference = Annotated[str, Meta(min_length=1, max_length=28 * 1024 * 1024)]  # data URL, asset id or URL
WebhookUrl = Annotated[str, Meta(min_length=1, max_length=2048)]
MetaName = Literal["has_transparency", "dominant_colors", "blurhash"]


class PromptGeneration(Strict):
    """The prompt API's fields (`POST /v1/generate/prompt`) minus `prompt`, which is top level.

    `mode` adds `none`: the spark goes to the image model as is.
    """

    mode: ChainMode = "structured"
    num_results: Annotated[int, Meta(ge=1, le=5)] | None = field(default=None, name="numResults")
    temperature: Annotated[float, Meta(ge=0, le=2)] | None = None
    top_p: Annotated[float, Meta(ge=0, le=1)] | None = field(default=None, name="topP")
    seed: Seed | None = None
    ensure_ip_cleared: bool = field(default=False, name="ensureIPCleared")
    model_id: Annotated[str, Meta(min_length=1, max_length=200)] | None = field(default=None, name="modelId")
    images: Annotated[list[ImageRef], Meta(max_length=10)] | None = None
    asset_ids: Annotated[list[AssetId], Meta(max_length=10)] | None = field(default=None, name="assetIds")
    image: ImageRef | None = None
    # the image backend's family when not given (`modes.targets.family_of`: replicate:flux-schnell -> flux)
    target_model: TargetModel | None = field(default=None, name="targetModel")
    weights: bool = False
    negative_prompt: bool = field(
        default=False, name="negativePrompt"
    )  # sent as `negative_prompt` if none is given
    keep_terms: KeepTerms | None = field(default=None, name="keepTerms")


class GenerateImageRequest(Strict):
    """`POST /v1/generate/image`: spark -> prompts -> images, in one call."""

    prompt: Spark | None = None
    prompt_generation: PromptGeneration = field(default_factory=PromptGeneration, name="promptGeneration")
    model: Annotated[str, Meta(min_length=1, max_length=300)] | None = None
    n: Count | None = None
    num_outputs: Count | None = None
    size: Size | None = None
    width: Pixels | None = None
    height: Pixels | None = None
    aspect_ratio: AspectRatio | None = None
    resolution: Resolution | None = None
    seed: Seed | None = None
    format: ImageFormat | None = None
    output_compression: Compression | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    quality: Literal["auto", "low", "medium", "high", "standard", "hd"] | None = None
    negative_prompt: Text | None = None
    guidance_scale: Annotated[float, Meta(ge=0, le=50)] | None = None
    steps: Annotated[int, Meta(ge=1, le=500)] | None = None
    style: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    image: ImageRef | None = None
    mask: ImageRef | None = None
    input_references: Annotated[list[Reference], Meta(max_length=MAX_REFERENCES)] | None = None
    output_meta: bool | list[MetaName] | dict[str, bool] | None = None  # Transloadit's spellings
    response_format: Literal["url", "b64_json"] = "url"
    run_async: bool = field(default=False, name="async")
    webhook_url: WebhookUrl | None = None


class GeneratedImageInfo(msgspec.Struct, kw_only=True, rename="camel"):
    """One image of a chained generation: stored as an asset, with what made it.

    `meta` holds `width`, `height` and the requested `output_meta` entries under their
    request names (`has_transparency`, `dominant_colors`, `blurhash`).
    """

    asset_id: str
    url: str
    prompt: str
    prompt_index: int
    seed: int | None
    media_type: str
    meta: dict[str, Any]
    revised_prompt: str | UnsetType = UNSET  # the provider's own rewrite of `prompt`, if it made one
    b64_json: str | UnsetType = field(default=UNSET, name="b64_json")


class ImageUsage(msgspec.Struct, kw_only=True, rename="camel"):
    backend: str  # provider:model
    calls: int
    images: int
    latency_ms: float
    provider: dict[str, Any] = field(default_factory=dict)  # the provider's own usage (tokens, cost)


class ChainUsage(msgspec.Struct, kw_only=True):
    prompt: Usage | None
    image: ImageUsage


class GenerateImageResponse(msgspec.Struct, kw_only=True, rename="camel"):
    prompts: list[str]
    mode: str
    images: list[GeneratedImageInfo]
    job: Job
    usage: ChainUsage
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | UnsetType = field(default=UNSET, name="ipDetection")
    # one per prompt (`promptGeneration.negativePrompt: true`)
    negative_prompts: list[str] | UnsetType = field(default=UNSET, name="negativePrompts")


class JobAccepted(msgspec.Struct, kw_only=True):
    """`202 Accepted` for `"async": true`: poll `GET /v1/jobs/{jobId}` (the `Location`)."""

    job: Job


class JobActionRequest(Strict):
    """`POST /v1/jobs/{jobId}/action`."""

    action: Literal["cancel"]


# ----------------------------------------------------------------------------- OpenAI Images


class OpenAIImagesRequest(Strict):
    """OpenAI's `POST /v1/images/generations` body; `prompt_mode`, `seed` and `enhance` are
    extensions.

    `model` is "provider:model" to pick a backend, or any other name (`gpt-image-1`,
    `dall-e-3`) for the configured one. `prompt_mode` is a prompt mode, or `none` to send the
    prompt unchanged; default `structured`. `enhance: false` (or the header
    `X-Promptgen-Enhance: false`) is `prompt_mode: "none"`: `revised_prompt` is the prompt.
    """

    prompt: Annotated[str, Meta(min_length=1, max_length=32000)]
    model: Annotated[str, Meta(min_length=1, max_length=300)] | None = None
    n: Count | None = None
    size: Size | None = None
    quality: Literal["auto", "low", "medium", "high", "standard", "hd"] | None = None
    response_format: Literal["url", "b64_json"] | None = None
    style: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: ImageFormat | None = None
    output_compression: Compression | None = None
    moderation: Literal["low", "auto"] | None = None
    user: Annotated[str, Meta(max_length=256)] | None = None
    stream: bool | None = None
    partial_images: Annotated[int, Meta(ge=0, le=3)] | None = None
    prompt_mode: ChainMode | None = None
    seed: Seed | None = None
    enhance: bool | None = None  # false: no rewrite, the prompt goes to the image model as given


class OpenAIImage(msgspec.Struct, kw_only=True, omit_defaults=True):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None
    asset_id: str | None = None
    seed: int | None = None


class OpenAIImagesResponse(msgspec.Struct, kw_only=True, omit_defaults=True):
    created: int
    data: list[OpenAIImage]
    output_format: str | None = None
    promptgen: dict[str, Any] = field(default_factory=dict)  # jobId, mode, prompts, warnings
