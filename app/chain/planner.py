"""The planner: a chained-generation request -> a checked, typed `ChainPlan`.

Everything that can be refused before a job exists is refused here (4xx at once): image fields,
`output_meta`, the webhook URL, the backend, the spark and mode, `image`, `mask` and local
`input_references` (validated), and the remote ones' addresses (the runner fetches them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.assets import is_asset_id
from app.chain.prompting import prompt_request_for
from app.chain_protocol import PASSTHROUGH, GenerateImageRequest
from app.conditioning import ImageReader, PixelBudget
from app.errors import ValidationFailed
from app.fetch import FetchError, FetchPolicy
from app.image_meta import OUTPUT_META
from app.image_models import ImageModelPool
from app.protocol import MAX_SPARK_CHARS, GeneratePromptRequest
from app.service import PromptService
from app.settings import Settings
from app.webhooks import check_webhook_url
from models.image import ImageOptions


@dataclass
class RemoteReference:
    """An http(s) `input_references` entry, fetched when the job runs."""

    index: int
    url: str


@dataclass
class References:
    """`input_references` by kind: local ones resolved to data URLs now, remote ones later."""

    local: dict[int, str] = field(default_factory=dict)  # index -> data URL
    remote: list[RemoteReference] = field(default_factory=list)


@dataclass
class ChainPlan:
    """A checked request, ready to run."""

    request: GenerateImageRequest
    model_id: str
    mode: str
    spark: str
    count: int  # images
    num_prompts: int
    prompt_request: GeneratePromptRequest | None  # None in mode `none`
    options: ImageOptions  # every image setting; `prompt`, `n` and `seed` are set per call
    references: References
    meta: frozenset[str]
    webhook_url: str | None


class Planner:
    """Checks a request and plans it (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptService,
        reader: ImageReader,
        models: ImageModelPool,
        fetch_policy: FetchPolicy,
    ) -> None:
        self.settings = settings
        self.prompts = prompts
        self.reader = reader
        self.models = models
        self.fetch_policy = fetch_policy

    async def plan(self, request: GenerateImageRequest) -> ChainPlan:
        """Check everything that can be checked before spending anything; 4xx on failure."""
        check_image_fields(request)
        meta = output_meta(request.output_meta)
        if request.webhook_url is not None:
            check_webhook_url(request.webhook_url, self.settings.webhook_secret, policy=self.fetch_policy)
        model_id = self.models.model_id_for(request.model)
        pg = request.prompt_generation
        spark = (request.prompt or "").strip()
        count = request.n or request.num_outputs
        if pg.mode == PASSTHROUGH:
            if not spark:
                raise ValidationFailed(
                    "`prompt` is required when promptGeneration.mode is none", field="prompt"
                )
            if pg.num_results not in (None, 1):
                raise ValidationFailed(
                    "promptGeneration.numResults must be 1 when mode is none (the spark is the prompt)",
                    field="promptGeneration.numResults",
                )
            num_prompts, prompt_request = 1, None
        else:
            if len(spark) > MAX_SPARK_CHARS:
                raise ValidationFailed(
                    f"`prompt` (the spark) is longer than {MAX_SPARK_CHARS} characters; "
                    "send it with promptGeneration.mode none to use it as is",
                    field="prompt",
                )
            num_prompts = pg.num_results or 1
            self.prompts.check_keep_terms(pg.keep_terms or [], field="promptGeneration.keepTerms")
            prompt_request = prompt_request_for(request, num_prompts, model_id)
            self.prompts.context_for(prompt_request)  # mode and spark checks, before any job exists
        count = count or num_prompts
        if num_prompts > count:
            raise ValidationFailed(
                f"promptGeneration.numResults ({num_prompts}) is more than the images asked for ({count}); "
                "every prompt needs at least one image",
                field="promptGeneration.numResults",
            )
        if request.webhook_url is not None:
            await self._resolve_webhook(request.webhook_url)
        return ChainPlan(
            request=request,
            model_id=model_id,
            mode=pg.mode,
            spark=spark,
            count=count,
            num_prompts=num_prompts,
            prompt_request=prompt_request,
            options=await self._base_options(request, budget := self.reader.budget()),  # one for all
            references=await self._references(request.input_references or [], budget),
            meta=meta,
            webhook_url=request.webhook_url,
        )

    async def _base_options(self, request: GenerateImageRequest, budget: PixelBudget) -> ImageOptions:
        image = mask = None
        if request.image is not None:
            image = (await self.reader.resolve(request.image, "image", budget)).image.data
        if request.mask is not None:
            mask = (await self.reader.resolve(request.mask, "mask", budget)).image.data
        output_format = "jpeg" if request.format == "jpg" else request.format
        return ImageOptions(
            prompt="",
            size=request.size,
            aspect_ratio=request.aspect_ratio,
            resolution=request.resolution,
            width=request.width,
            height=request.height,
            output_format=output_format,
            output_compression=request.output_compression,
            background=request.background,
            quality=request.quality,
            negative_prompt=request.negative_prompt,
            guidance_scale=request.guidance_scale,
            steps=request.steps,
            style=request.style,
            image=image,
            mask=mask,
        )

    async def _resolve_webhook(self, url: str) -> None:
        """A webhook host resolving to a refused address (or none) is a 400 now, not a delivery
        retried until its attempts run out; each delivery checks again (names get rebound)."""
        try:
            await self.fetch_policy.resolve(url)
        except FetchError as exc:
            raise ValidationFailed(f"`webhook_url` is refused: {exc}", field="webhook_url") from None

    async def _references(self, refs: list[str], budget: PixelBudget) -> References:
        found = References()
        for index, ref in enumerate(refs):
            name = f"input_references[{index}]"
            if ref.startswith(("http://", "https://")):
                try:  # refused now when it names an internal address; checked again when fetched
                    await self.fetch_policy.resolve(ref)
                except FetchError as exc:
                    raise ValidationFailed(f"`{name}` cannot be fetched: {exc}", field=name) from None
                found.remote.append(RemoteReference(index, ref))
            elif ref.startswith("data:") or is_asset_id(ref):
                found.local[index] = (await self.reader.resolve(ref, name, budget)).image.data_url
            else:
                raise ValidationFailed(
                    f"`{name}` must be a data URL, an asset id (asset_...) or an http(s) URL", field=name
                )
        return found


def check_image_fields(request: GenerateImageRequest) -> None:
    """Conflicting or incomplete image settings are a 400 naming the field, as OpenRouter does."""
    if request.n is not None and request.num_outputs is not None:
        raise ValidationFailed("give the image count as `n` or `num_outputs`, not both", field="num_outputs")
    dimensions = [name for name in ("width", "height") if getattr(request, name) is not None]
    tiers = [name for name in ("aspect_ratio", "resolution") if getattr(request, name) is not None]
    if request.size is not None and (dimensions or tiers):
        raise ValidationFailed(
            f"`size` conflicts with `{(dimensions + tiers)[0]}`: give `size`, or `width` and `height`, "
            "or `aspect_ratio`/`resolution`",
            field="size",
        )
    if dimensions and tiers:
        raise ValidationFailed(
            f"`{dimensions[0]}` conflicts with `{tiers[0]}`: give `width` and `height`, or "
            "`aspect_ratio`/`resolution`",
            field=dimensions[0],
        )
    if len(dimensions) == 1:
        missing = "height" if dimensions[0] == "width" else "width"
        raise ValidationFailed(f"`{dimensions[0]}` needs `{missing}` too", field=missing)
    if request.background == "transparent" and request.format in ("jpeg", "jpg"):
        raise ValidationFailed(
            "a transparent background needs a format with alpha (png or webp), not jpeg", field="background"
        )
    if request.mask is not None and request.image is None:
        raise ValidationFailed("`mask` needs `image`, the image it applies to", field="mask")


def output_meta(value: bool | Sequence[str] | dict[str, bool] | None) -> frozenset[str]:
    """The requested `output_meta` entries, in any of Transloadit's spellings."""
    if value is None or value is False:
        return frozenset()
    if value is True:
        return frozenset(OUTPUT_META)
    if isinstance(value, dict):
        for name in value:
            if name not in OUTPUT_META:
                raise ValidationFailed(
                    f"unknown output_meta entry {name!r}; available: {', '.join(OUTPUT_META)}",
                    field=f"output_meta.{name}",
                )
        return frozenset(name for name, on in value.items() if on)
    return frozenset(value)
