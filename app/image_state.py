"""The image side of the service, built once in the lifespan and kept on `app.state.images`."""

from __future__ import annotations

from dataclasses import dataclass

from app.assets import AssetStore
from app.blobs import create_blob_store
from app.captions import CaptionService
from app.conditioning import ImageConditioning, ImageReader
from app.db import Database
from app.images import ImageLimits
from app.jobs import JobStore
from app.metrics import Metrics
from app.settings import Settings
from app.style_models import StyleModelStore
from models.describers import ImageDescriber, create_describer


@dataclass(frozen=True)
class ImageResources:
    """Stores, the describer, the conditioning the prompt service uses, the caption service."""

    limits: ImageLimits
    assets: AssetStore
    style_models: StyleModelStore
    describer: ImageDescriber
    reader: ImageReader
    conditioning: ImageConditioning
    captions: CaptionService

    async def aclose(self) -> None:
        await self.describer.aclose()
        await self.assets.blobs.aclose()


def create_image_resources(
    settings: Settings,
    db: Database,
    jobs: JobStore,
    describer: ImageDescriber | None = None,
    metrics: Metrics | None = None,
) -> ImageResources:
    """`describer` overrides the configured one (tests pass fakes here); `metrics` counts its calls."""
    limits = ImageLimits(
        max_bytes=settings.max_image_bytes,
        max_pixels=settings.max_image_pixels,
        max_request_pixels=settings.max_request_pixels,
    )
    folder = settings.data_path / "blobs" / "assets"
    blobs = create_blob_store(settings, folder)
    assets = AssetStore(db, getattr(blobs, "folder", folder), settings.data_min_free_mb * 2**20, blobs=blobs)
    style_models = StyleModelStore(db, assets)
    describer = describer or create_describer(settings)
    reader = ImageReader(assets, describer, limits, metrics=metrics)
    return ImageResources(
        limits=limits,
        assets=assets,
        style_models=style_models,
        describer=describer,
        reader=reader,
        conditioning=ImageConditioning(reader, style_models),
        captions=CaptionService(reader, style_models, jobs),
    )
