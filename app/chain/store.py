"""One generated image -> a stored asset: validated, converted when the provider ignored
`format`, stored through the `AssetStore` and measured (`output_meta`); and, at start, the
images of jobs a crashed process left unfinished removed (`remove_left_by`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from app.assets import AssetStore
from app.chain.planner import ChainPlan
from app.chain.results import Stored
from app.chain_protocol import GeneratedImageInfo
from app.errors import PromptgenError, RequestError, UpstreamError
from app.image_meta import convert, measure
from app.images import ALLOWED, ImageLimits, ValidatedImage, validate_image_bytes
from app.protocol import Job
from core.images import FORMAT_MEDIA_TYPES, sniff_media_type
from models.image import GeneratedImage, ImageModel

log = logging.getLogger(__name__)


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
    asset = await assets.create(image, name=f"{job.job_id}-{index}", description=prompt, job_id=job.job_id)
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


async def remove_left_by(assets: AssetStore, jobs: Iterable[Job]) -> int:
    """Delete the images `jobs` stored before their process died (`kill -9`, a crash, power
    loss): `JobStore.recover_interrupted` has failed them, a failed job reports no images, so
    their ids were never handed out (a job that fails while its process lives deletes its own,
    `ChainRunner`). Run at start; returns how many went. An asset is found by the job that
    generated it (`job_id`, recorded in the same row insert that makes the asset exist, so
    there is no moment a generated asset exists without it)."""
    removed = 0
    for job in jobs:
        for asset_id in await assets.generated_by(job.job_id):
            try:
                await assets.delete(asset_id)
            except (PromptgenError, OSError) as exc:  # kept: retention removes it in time
                log.warning("could not remove asset %s of interrupted job %s: %s", asset_id, job.job_id, exc)
                continue
            removed += 1
    if removed:
        log.warning("removed %d image(s) that interrupted jobs had stored", removed)
    return removed
