"""Image-generation backends, looked up by `provider:model` (`PROMPTGEN_IMAGE_BACKEND`).

    openai:gpt-image-1            OpenAI Images (or any compatible server)
    openrouter:google/gemini-2.5-flash-image
    replicate:flux-schnell        also flux-1.1-pro-ultra, recraft-v3, owner/name[:version]
    gemini:google/nano-banana     also google/nano-banana-2, google/nano-banana-pro
    diffusers:/path/to/pipeline   a local diffusers folder (`diffusers:local` = diffusers_path)
    preview:card                  a labelled mood-board card drawn here (no weights, no network)

A backend is its module, one `registry.register(...)` line below and its tests: its class
declares its `provider`, what it supports, and its own settings (`config_fields`, `needs_key`,
`key_env_var`), from which `ImageBackendConfig` and the service's `PROMPTGEN_*` settings are
derived. Every backend module is imported here, so each leaves its heavy packages (openai,
torch, diffusers) to first use.
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
from models.image.config import ImageBackendConfig, declare, undeclare
from models.image.diffusers import DiffusersImageModel
from models.image.gemini import GeminiImageModel
from models.image.openai import OpenAIImageModel
from models.image.openrouter import OpenRouterImageModel
from models.image.preview import PreviewImageModel
from models.image.replicate import ReplicateImageModel


class BackendRegistry(Registry[ImageModel]):
    """The backend classes by provider, in registration order, with the settings they declare."""

    def register(self, backend: type[ImageModel]) -> type[ImageModel]:  # type: ignore[override]
        """Add a backend class under its `provider`, with its `config_fields` (read by
        `ImageBackendConfig` and, as `PROMPTGEN_*` variables, by the service's settings)."""
        secret = {s.name for s in backend.config_fields if s.secret}
        if backend.needs_key is not None and backend.needs_key not in secret:
            raise ValueError(
                f"{backend.__name__}.needs_key {backend.needs_key!r} is not a secret config field"
            )
        declare(backend.provider, backend.config_fields)
        self.add(backend.provider, backend)
        return backend

    def unregister(self, provider: str) -> None:
        """Remove a backend and its settings (tests register throwaway backends)."""
        self.remove(provider)
        undeclare(provider)

    def classes(self) -> tuple[type[ImageModel], ...]:
        """The registered backend classes, in registration order."""
        return tuple(b for b in self._entries.values() if isinstance(b, type))


registry = BackendRegistry("image backend")
registry.register(OpenAIImageModel)
registry.register(OpenRouterImageModel)
registry.register(ReplicateImageModel)
registry.register(GeminiImageModel)
registry.register(DiffusersImageModel)
registry.register(PreviewImageModel)


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
    "BackendRegistry",
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
