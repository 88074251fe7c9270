"""Image-generation backends, looked up by `provider:model` (`PROMPTGEN_IMAGE_BACKEND`).

    openai:gpt-image-1            OpenAI Images (or any compatible server)
    openrouter:google/gemini-2.5-flash-image
    replicate:flux-schnell        also flux-1.1-pro-ultra, recraft-v3, owner/name[:version]
    gemini:google/nano-banana     also google/nano-banana-2, google/nano-banana-pro
    diffusers:/path/to/pipeline   a local diffusers folder (`diffusers:local` = diffusers_path)

Only the chosen backend's module is imported, so the heavy ones cost nothing unless used.
"""

from __future__ import annotations

from core.errors import ContentRejected, ProviderRejected, ValidationFailed
from core.registry import Registry
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
)
from models.image.config import ImageBackendConfig

registry: Registry[ImageModel] = Registry("image backend")


def _openai(model: str, config: ImageBackendConfig) -> ImageModel:
    from models.image.openai import OpenAIImageModel

    return OpenAIImageModel(model, config)


def _openrouter(model: str, config: ImageBackendConfig) -> ImageModel:
    from models.image.openrouter import OpenRouterImageModel

    return OpenRouterImageModel(model, config)


def _replicate(model: str, config: ImageBackendConfig) -> ImageModel:
    from models.image.replicate import ReplicateImageModel

    return ReplicateImageModel(model, config)


def _gemini(model: str, config: ImageBackendConfig) -> ImageModel:
    from models.image.gemini import GeminiImageModel

    return GeminiImageModel(model, config)


def _diffusers(model: str, config: ImageBackendConfig) -> ImageModel:
    from models.image.diffusers import DiffusersImageModel

    return DiffusersImageModel(model, config)


registry.add("openai", _openai)
registry.add("openrouter", _openrouter)
registry.add("replicate", _replicate)
registry.add("gemini", _gemini)
registry.add("diffusers", _diffusers)


def create_image_model(model_id: str, config: ImageBackendConfig) -> ImageModel:
    """The backend for `provider:model` (the model part may itself contain colons)."""
    provider, sep, model = model_id.strip().partition(":")
    if not sep or not provider:
        raise ValidationFailed(
            f"image backend {model_id!r} must be 'provider:model'; available providers: {', '.join(registry.names())}",
            field=registry.kind,
        )
    return registry.get(provider)(model.strip(), config)


__all__ = [
    "ContentRejected",
    "GeneratedImage",
    "ImageBackendConfig",
    "ImageModel",
    "ImageOptions",
    "ImageResult",
    "ProviderRejected",
    "create_image_model",
    "registry",
]
