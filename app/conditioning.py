"""Image conditioning: a request's `images`, `assetIds`, `image` and `modelId` become descriptions.

    refs (data URLs, asset ids) -> `ImageReader.resolve` (the one validator, or the asset store)
    -> `ImageReader.describe` (cached per asset and per describer; builtin analysis if the
    configured describer fails) -> `ModeContext.image_descriptions` / `style_examples` /
    `style_notes` / `warnings`

Which input counts where (DESIGN.md, as Scenario's prompt API):
- contextual: `images` (and `assetIds`, and `image`) are the context; `modelId`'s example prompts
  and training images condition the style, unless `assetIds` supersede it.
- image-editing: `image` is the image to edit; `modelId` names the target editor (the handler
  checks it); `assetIds` and `images` are ignored, with a warning.
- other modes: `images`/`assetIds` condition the prompt and supersede `modelId`; without them,
  `modelId`'s training-image descriptions and example prompts do.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

import msgspec

import modes
from app.assets import AssetStore, is_asset_id
from app.errors import NotFound, UpstreamError
from app.images import (
    CheckedImage,
    ImageLimits,
    PixelBudget,
    ValidatedImage,
    check_data_url,
    decode_checked,
    validate_data_url,
)
from app.metrics import Metrics
from app.protocol import GeneratePromptRequest
from app.style_models import StyleModelStore
from core.images import LARGE_DECODE_PIXELS, REDUCED_DECODES, release_memory
from models.describers import subjects
from models.describers.base import ImageDescriber, ImageDescription
from models.describers.builtin import BuiltinDescriber
from modes.base import ModeContext

log = logging.getLogger(__name__)

# Modes whose handlers read image descriptions or style examples (the others are told so).
USES_CONDITIONING = modes.registry.where(lambda mode: mode.images != "unused")
MAX_TRAINING_IMAGES = 8  # described per style model (first use only: descriptions are cached)
MAX_STYLE_EXAMPLES = 8


class ResolvedImage(msgspec.Struct, kw_only=True):
    """A validated image and, when it came from the store, its asset id and stored description."""

    image: ValidatedImage
    field: str
    asset_id: str | None = None
    note: str = ""


class ImageReader:
    """Resolves image references and describes images, with caching and a builtin fallback."""

    def __init__(
        self,
        assets: AssetStore,
        describer: ImageDescriber,
        limits: ImageLimits,
        cache_size: int = 256,
        metrics: Metrics | None = None,
    ) -> None:
        self.assets = assets
        self.describer = describer
        self.limits = limits
        self.metrics = metrics or Metrics()
        self._fallback: ImageDescriber = (
            describer if isinstance(describer, BuiltinDescriber) else BuiltinDescriber()
        )
        self._recent: OrderedDict[tuple[str, str], ImageDescription] = OrderedDict()
        # The builtin describer decodes at this size: the validator keeps its decode for it.
        self._keep_side = subjects.DECODE_SIDE if isinstance(describer, BuiltinDescriber) else 0
        self._cache_size = cache_size

    def budget(self) -> PixelBudget:
        """A request's pixel budget (`max_request_pixels`), for `resolve`."""
        return PixelBudget(self.limits.max_request_pixels)

    async def resolve(self, ref: str, field: str, budget: PixelBudget | None = None) -> ResolvedImage:
        """An asset id (404 naming it when unknown) or a data URL (validated); either is charged
        to `budget` (413 past it) before it is decoded."""
        if is_asset_id(ref):
            asset, image = await self.assets.image(ref, field=field)
            if budget is not None:
                budget.charge(image.width, image.height, field)
            return ResolvedImage(image=image, field=field, asset_id=asset.asset_id, note=asset.description)
        return ResolvedImage(image=await validate_data_url(ref, field, self.limits, budget), field=field)

    async def resolve_all(self, refs: list[tuple[str, str]]) -> list[ResolvedImage]:
        """The images of one request under one pixel budget: every header is checked and charged
        before any image is decoded (a request over the budget costs no decoding), then each is
        decoded, one at a time (the first bad image is the one reported)."""
        budget = self.budget()
        checked: list[ResolvedImage | CheckedImage] = []
        for ref, field in refs:
            if is_asset_id(ref):
                checked.append(await self.resolve(ref, field, budget))
            else:
                one = check_data_url(ref, field, self.limits)
                budget.charge(one.width, one.height, field)
                checked.append(one)
        resolved: list[ResolvedImage] = []
        try:
            for item in checked:
                if isinstance(item, CheckedImage):
                    image = await decode_checked(item, self._keep_side)
                    item = ResolvedImage(image=image, field=item.field)
                resolved.append(item)
        except BaseException:
            await self.release(resolved)  # a later image is refused: the earlier are not described
            raise
        return resolved

    async def describe(self, resolved: ResolvedImage, warnings: list[str]) -> ImageDescription:
        key = self.describer.cache_key
        cached = await self._cached(resolved, key)
        if cached is not None:
            return cached
        try:
            with self.metrics.timed("describer", self.describer.name):
                description = await self.describer.describe(resolved.image, resolved.note)
        except UpstreamError as exc:
            if self.describer is self._fallback:
                raise
            warnings.append(
                f"the {self.describer.name} image describer failed for `{resolved.field}` "
                f"({exc.detail}); used the builtin analysis instead"
            )
            return await self._fallback.describe(resolved.image, resolved.note)
        await self._store(resolved, key, description)
        return description

    async def describe_all(
        self, resolved: list[ResolvedImage], warnings: list[str]
    ) -> list[ImageDescription]:
        try:
            return list(await asyncio.gather(*(self.describe(r, warnings) for r in resolved)))
        finally:
            await self.release(resolved)

    async def release(self, resolved: list[ResolvedImage]) -> None:
        """After a request's images are described: drop the decodes the describer did not take
        (a cached description), and when one was large, hand the freed heap back to the system
        (once a request, so its own decodes reuse the pages)."""
        if self._keep_side:
            REDUCED_DECODES.drop((r.image.sha256 for r in resolved), self._keep_side)
        if any(r.image.width * r.image.height >= LARGE_DECODE_PIXELS for r in resolved):
            await asyncio.to_thread(release_memory)

    async def _cached(self, resolved: ResolvedImage, key: str) -> ImageDescription | None:
        if resolved.asset_id is not None:
            return await self.assets.cached_description(resolved.asset_id, key)
        hit = self._recent.get((resolved.image.sha256, key))
        if hit is not None:
            self._recent.move_to_end((resolved.image.sha256, key))
        return hit

    async def _store(self, resolved: ResolvedImage, key: str, description: ImageDescription) -> None:
        if resolved.asset_id is not None:
            await self.assets.cache_description(resolved.asset_id, key, description)
            return
        self._recent[(resolved.image.sha256, key)] = description
        while len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)


class ImageConditioning:
    """The `service.Conditioning` the server installs: see the module docstring for the rules."""

    def __init__(self, reader: ImageReader, style_models: StyleModelStore) -> None:
        self.reader = reader
        self.style_models = style_models

    async def apply(self, request: GeneratePromptRequest, ctx: ModeContext) -> None:
        use = modes.registry.get(ctx.mode).images
        if use == "edit":
            await self._editing(request, ctx)
            return
        refs = [(ref, f"images[{i}]") for i, ref in enumerate(request.images or [])]
        if request.image is not None:
            if use == "context":
                refs.append((request.image, "image"))
            else:
                ctx.warnings.append(
                    f"`image` is used only in image-editing mode and was ignored in {ctx.mode} mode; "
                    "send conditioning images as `images`"
                )
        refs += [(ref, f"assetIds[{i}]") for i, ref in enumerate(request.asset_ids or [])]
        if not refs and (use == "context" or request.model_id is None):
            # Nothing to condition on (contextual mode then refuses the request, naming `images`).
            return
        resolved = await self.reader.resolve_all(refs)
        descriptions = await self.reader.describe_all(resolved, ctx.warnings)
        ctx.image_descriptions = [d.flat() for d in descriptions]
        ctx.asset_ids = list(dict.fromkeys(r.asset_id for r in resolved if r.asset_id))
        if ctx.mode not in USES_CONDITIONING and (refs or request.model_id):
            ctx.warnings.append(
                f"{ctx.mode} mode does not use images or style models; they were checked but not used"
            )
        if request.model_id is None:
            return
        superseded_by = "assetIds" if request.asset_ids else None
        if use != "context" and request.images:
            superseded_by = "images"
        if superseded_by:
            ctx.warnings.append(f"`modelId` was not used: `{superseded_by}` supersede it")
            return
        await self._style(request.model_id, ctx)

    async def _editing(self, request: GeneratePromptRequest, ctx: ModeContext) -> None:
        if request.asset_ids:
            ctx.warnings.append("`assetIds` is ignored in image-editing mode")
        if request.images:
            ctx.warnings.append(
                "`images` is ignored in image-editing mode; send the image to edit as `image`"
            )
        if request.image is None:
            return  # the handler refuses the request, naming `image`
        resolved = await self.reader.resolve(request.image, "image", self.reader.budget())
        description = await self.reader.describe(resolved, ctx.warnings)
        await self.reader.release([resolved])
        ctx.image_descriptions = [description.flat()]
        ctx.asset_ids = [resolved.asset_id] if resolved.asset_id else []

    async def _style(self, model_id: str, ctx: ModeContext) -> None:
        model = await self.style_models.get(model_id, field="modelId")
        resolved = []
        for asset_id in model.training_images[:MAX_TRAINING_IMAGES]:
            try:
                resolved.append(await self.reader.resolve(asset_id, f"modelId ({model_id}) training image"))
            except NotFound:
                ctx.warnings.append(f"training image {asset_id} of style model {model_id} no longer exists")
        descriptions = await self.reader.describe_all(resolved, ctx.warnings)
        ctx.style_examples = model.example_prompts[:MAX_STYLE_EXAMPLES]
        notes = [model.capabilities] if model.capabilities else []
        if ctx.image_descriptions:
            # The request's own images are the content; the training images only speak for style.
            notes += [f"training image: {d.summary()}" for d in descriptions]
        else:
            ctx.image_descriptions = [d.flat() for d in descriptions]
        ctx.style_notes = "; ".join(notes)
