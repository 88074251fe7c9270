"""One generated image -> a stored asset: validated, converted when the provider ignored
`format`, stored through the `AssetStore` and measured (`output_meta`)."""

from __future__ import annotations

import asyncio

from app.assets import AssetStore
from app.chain.planner import ChainPlan
from app.chain.results import Stored
from app.chain_protocol import GeneratedImageInfo
from app.errors import RequestError, UpstreamError
from app.image_meta import convert, measure
from app.images import ALLOWED, ImageLimits, ValidatedImage, validate_image_bytes
from app.protocol import Job
from core.images import FORMAT_MEDIA_TYPES, sniff_media_type
from models.image import GeneratedImage, ImageModel


async def store_image(
    assets: AssetStore,
    limits: ImageLimits,
    plan: ChainPlan,
    job: Job,
    model: ImageModel,
    generated: GeneratedImage,
    prompt: str,
    prompt_index: int,
    index: int,
    seed: int | None,
    created: list[str],
) -> Stored:
    """Validate, convert if needed, store as an asset and measure one generated image; the
    asset's id is added to `created` as soon as it exists."""
    wanted = FORMAT_MEDIA_TYPES.get(plan.options.output_format or "")
    data = generated.data
    actual = sniff_media_type(data)
    target = wanted if wanted and wanted != actual else (None if actual in ALLOWED else "image/png")
    if target is not None:
        try:
            data = await asyncio.to_thread(convert, data, target, _quality(plan.options.output_compression))
        except Exception:
            raise UpstreamError(
                f"{plan.model_id} returned an image this service cannot read ({actual})",
                backend=model.provider,
            ) from None
    try:
        image: ValidatedImage = await validate_image_bytes(data, None, f"images[{index}]", limits)
    except RequestError as exc:
        raise UpstreamError(
            f"{plan.model_id} returned an unusable image: {exc.detail}", backend=model.provider
        ) from None
    asset = assets.create(image, name=f"{job.job_id}-{index}", description=prompt, job_id=job.job_id)
    created.append(asset.asset_id)
    meta = await asyncio.to_thread(measure, image.data, plan.meta)
    info = GeneratedImageInfo(
        asset_id=asset.asset_id,
        url=asset.url,
        prompt=prompt,
        prompt_index=prompt_index,
        seed=seed,
        media_type=image.media_type,
        meta=meta,
    )
    if generated.revised_prompt and generated.revised_prompt != prompt:
        info.revised_prompt = generated.revised_prompt
    if target is not None and wanted and target == wanted:
        info.meta["converted_from"] = actual
    return Stored(index, info, image.data)


def _quality(compression: int | None) -> int | None:
    return None if compression is None else 100 - compression
