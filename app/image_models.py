"""Which image backend serves a request, and the backends built so far (one per model id).

A request's `model` ("provider:model") picks the backend; without one the configured
`PROMPTGEN_IMAGE_BACKEND` does (`preview:card` when nothing is configured, see `app.settings`). `PROMPTGEN_IMAGE_MODELS` limits what requests may pick
("openai:gpt-image-1,replicate:*"); left empty, any model of a remote provider may be picked
and the local `diffusers` provider only as the configured backend (a request must not make
the service load an arbitrary folder).
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import AsyncIterator

from app.errors import NotConfigured, ValidationFailed
from app.settings import Settings
from models.image import ImageBackendConfig, ImageModel, create_image_model, registry

LOCAL_PROVIDERS = frozenset({"diffusers"})
MAX_CACHED = 32


class ImageModelPool:
    """Builds each backend once and closes them all at shutdown."""

    def __init__(self, settings: Settings, config: ImageBackendConfig | None = None) -> None:
        self.default = settings.image_backend_id
        self.allowed = [p.strip() for p in settings.image_models.split(",") if p.strip()]
        self.config = config or ImageBackendConfig.from_settings(settings)
        self._models: dict[str, ImageModel] = {}

    def model_id_for(self, requested: str | None, field: str = "model") -> str:
        """The `provider:model` that serves a request naming `requested` (None: the default)."""
        if not requested:
            if not self.default:
                raise NotConfigured(
                    "no image backend is configured: set PROMPTGEN_IMAGE_BACKEND (for example "
                    "openai:gpt-image-1, or preview:card for labelled preview cards drawn here) or name "
                    "one in `model` as provider:model; providers: "
                    + ", ".join(registry.names()),
                    setting="PROMPTGEN_IMAGE_BACKEND",
                )
            return self.default
        model_id = requested.strip()
        provider, sep, model = model_id.partition(":")
        if not sep or not provider or not model:
            raise ValidationFailed(
                f"`{field}` must be provider:model (for example openai:gpt-image-1); "
                f"providers: {', '.join(registry.names())}",
                field=field,
            )
        if provider not in registry:
            raise ValidationFailed(
                f"unknown image provider {provider!r} in `{field}`; available: {', '.join(registry.names())}",
                field=field,
            )
        if model_id != self.default and not self._allowed(model_id, provider):
            choices = (
                ", ".join(self.allowed) if self.allowed else f"remote providers, or {self.default or 'none'}"
            )
            raise ValidationFailed(
                f"image model {model_id!r} may not be chosen on this server; allowed: {choices}", field=field
            )
        return model_id

    @contextlib.asynccontextmanager
    async def lease(self, model_id: str) -> AsyncIterator[ImageModel]:
        """The backend for `model_id`, kept for reuse (up to `MAX_CACHED`, else closed after use)."""
        model = self._models.get(model_id)
        if model is None:
            model = create_image_model(model_id, self.config)
            if len(self._models) >= MAX_CACHED:
                try:
                    yield model
                finally:
                    await model.aclose()
                return
            self._models[model_id] = model
        yield model

    async def aclose(self) -> None:
        models, self._models = list(self._models.values()), {}
        for model in models:
            await model.aclose()

    def _allowed(self, model_id: str, provider: str) -> bool:
        if self.allowed:
            return any(fnmatch.fnmatchcase(model_id, pattern) for pattern in self.allowed)
        return provider not in LOCAL_PROVIDERS
