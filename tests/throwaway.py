"""A throwaway mode and a throwaway image backend, each its class and one registration line,
for tests that prove a new mode or backend needs nothing else (tests/test_registration.py).

Importing this module registers nothing; `register()` and `unregister()` do. It imports no
part of `app`, so a process can register them before the service's wire types are built.
"""

from __future__ import annotations

import io
import random
from typing import ClassVar

from models.image import registry as image_backends
from models.image.base import GeneratedImage, ImageModel, ImageOptions, ImageResult
from models.image.config import BackendSetting
from models.image.retry import Deadline
from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import registry as mode_registry
from modes.base import ModeContext, ModeHandler, Plan

MODE = "haiku-scene"
ALIAS = "haiku"
PROVIDER = "acme"
SEASONS = ("spring", "summer", "autumn", "winter", "rainy season", "first snow")


class HaikuSceneMode(ModeHandler):
    """The spark as a seasonal scene: one model row per candidate, a season word per fill-in."""

    name = MODE
    aliases = (ALIAS,)
    images = "condition"
    title = "Haiku scene"
    summary = "a season for the spark"

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        rows = [
            LMRequest(
                messages=(ChatMessage("user", f"A season for: {ctx.spark}"),),
                **self.sampling(ctx, ctx.seed + i),
            )
            for i in range(count)
        ]
        return Plan(rows=rows)

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        return [None for _ in outputs]  # always the fill-in: what a test can predict

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        return f"{ctx.spark}, in {SEASONS[index % len(SEASONS)]}, haiku mood"


class AcmeImageModel(ImageModel):
    """Solid-colour PNGs, as a provider behind `acme_base_url` with `acme_api_key` would send."""

    provider = PROVIDER
    max_images_per_call = 2
    supported: ClassVar[frozenset[str]] = frozenset({"seed"})
    config_fields = (
        BackendSetting(name="acme_base_url", default="https://acme.example/v1"),
        BackendSetting(name="acme_api_key", secret=True),
        BackendSetting(name="acme_steps", default=30),
    )
    needs_key = "acme_api_key"
    key_env_var = "PROMPTGEN_ACME_API_KEY"

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format="PNG")
        images = [GeneratedImage(data=out.getvalue(), media_type="image/png") for _ in range(options.n)]
        return ImageResult(images=images, provider_metadata={PROVIDER: {"images": [{}] * options.n}})


def register() -> None:
    mode_registry.register(HaikuSceneMode)
    image_backends.register(AcmeImageModel)


def unregister() -> None:
    mode_registry.unregister(MODE)
    image_backends.unregister(PROVIDER)
