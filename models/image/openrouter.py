"""`openrouter`: OpenRouter's image router, `POST /api/v1/images`, base64 results.

The body carries `model`, `prompt`, `n`, `aspect_ratio`, `resolution`, `size`, `seed`,
`background`, `output_format`, `output_compression`, `quality` and `input_references`
(`{"type": "image_url", "image_url": {"url": ...}}`; an `image` is sent as the first
reference, as a data URL). `provider_options["openrouter"]` is merged into the body, so
`{"provider": {...}}` reaches OpenRouter's provider-routing passthrough unchanged.
OpenAI models take up to 10 images a call; other providers reject n > 1, so they get one
image a call and `generate` runs the calls in parallel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.errors import ContentRejected, UpstreamError
from core.images import data_url, decode_b64, parse_data_url, sniff_media_type
from models.image._http import ProviderHTTP, safe_headers
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
)
from models.image.config import BackendSetting, ImageBackendConfig
from models.image.retry import Deadline

MODERATION_WORDS = ("moderation", "flagged", "content policy", "safety system", "content_policy")


class OpenRouterImageModel(ImageModel):
    """Images through OpenRouter's unified image endpoint."""

    provider = "openrouter"
    config_fields = (
        BackendSetting(name="openrouter_base_url", default="https://openrouter.ai/api/v1"),
        BackendSetting(name="openrouter_api_key", secret=True),
    )
    needs_key = "openrouter_api_key"
    key_env_var = "PROMPTGEN_OPENROUTER_API_KEY"
    max_images_per_call = 10
    supported = frozenset(
        {
            "size",
            "aspect_ratio",
            "resolution",
            "width",
            "height",
            "seed",
            "output_format",
            "output_compression",
            "background",
            "quality",
            "image",
            "input_references",
        }
    )

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        super().__init__(model_id or "openai/gpt-image-1", config)
        auth = {"Authorization": f"Bearer {config.openrouter_api_key}"} if config.openrouter_api_key else {}
        self._http = ProviderHTTP(
            self.provider, config.openrouter_base_url, auth, config, self.policy, classify=_classify
        )

    @property
    def images_per_call(self) -> int:
        return self.max_images_per_call if self.model_id.startswith("openai/") else 1

    async def aclose(self) -> None:
        await self._http.aclose()

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        warnings: list[str] = []
        body = self._body(options)
        started = datetime.now(UTC)
        payload, response = await self._http.json("POST", "images", deadline, body=body, what="image request")
        entries = payload.get("data")
        if not isinstance(entries, list) or not entries:
            raise UpstreamError(
                "openrouter returned no images (malformed or empty `data`)", backend=self.provider
            )
        images = []
        per_image = []
        for entry in entries:
            image = await self._image(entry, deadline)
            images.append(image)
            per_image.append(
                {
                    k: entry[k]
                    for k in ("revised_prompt", "media_type")
                    if isinstance(entry, dict) and k in entry
                }
            )
        if len(images) < options.n:
            warnings.append(f"openrouter returned {len(images)} of {options.n} requested images")
        usage = _usage(payload.get("usage"))
        metadata: dict[str, Any] = {"images": per_image}
        if isinstance(payload.get("usage"), dict) and "cost" in payload["usage"]:
            metadata["cost"] = payload["usage"]["cost"]
        info = {
            "modelId": self.model_id,
            "timestamp": started.isoformat(),
            "created": payload.get("created"),
            "headers": safe_headers(response.headers),
        }
        return ImageResult(
            images=images,
            warnings=warnings,
            provider_metadata={self.provider: metadata},
            usage=usage,
            response=info,
        )

    def _body(self, options: ImageOptions) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model_id, "prompt": options.prompt, "n": options.n}
        for name in (
            "aspect_ratio",
            "resolution",
            "seed",
            "background",
            "output_format",
            "output_compression",
            "quality",
        ):
            value = getattr(options, name)
            if value is not None:
                body[name] = value
        if options.size:
            body["size"] = options.size
        elif options.width and options.height:
            body["size"] = f"{options.width}x{options.height}"
        refs = ([data_url(options.image)] if options.image is not None else []) + list(
            options.input_references
        )
        if refs:
            body["input_references"] = [{"type": "image_url", "image_url": {"url": url}} for url in refs]
        body.update(options.provider_options.get(self.provider, {}))
        return body

    async def _image(self, entry: Any, deadline: Deadline) -> GeneratedImage:
        if not isinstance(entry, dict):
            raise UpstreamError("openrouter returned a malformed image entry", backend=self.provider)
        declared = entry.get("media_type") if isinstance(entry.get("media_type"), str) else None
        data = decode_b64(entry.get("b64_json"))
        url = entry.get("url")
        if data is None and isinstance(url, str):
            decoded = parse_data_url(url)
            if decoded is not None:
                data = decoded[0]
            elif url.startswith(("http://", "https://")):
                data, declared = await self._http.download(url, deadline)
        if data is None:
            raise UpstreamError(
                "openrouter returned an image without valid base64 data", backend=self.provider
            )
        revised = entry.get("revised_prompt")
        return GeneratedImage(
            data=data,
            media_type=sniff_media_type(data, declared or "image/png"),
            revised_prompt=revised if isinstance(revised, str) else None,
        )


def _classify(status: int, payload: Any, message: str, retry_after: float | None) -> Exception | None:
    error = payload.get("error") if isinstance(payload, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    flagged = isinstance(metadata, dict) and ("reasons" in metadata or "flagged_input" in metadata)
    if status in (400, 403, 422) and (flagged or any(w in message.lower() for w in MODERATION_WORDS)):
        reasons = metadata.get("reasons") if isinstance(metadata, dict) else None
        why = f" ({', '.join(map(str, reasons))})" if isinstance(reasons, list) and reasons else ""
        return ContentRejected(
            f"openrouter's moderation rejected the request{why}: {message}", backend="openrouter"
        )
    return None


def _usage(usage: Any) -> dict[str, Any]:
    if not isinstance(usage, dict):
        return {}
    out: dict[str, Any] = {}
    for ours, theirs in (
        ("inputTokens", "prompt_tokens"),
        ("outputTokens", "completion_tokens"),
        ("totalTokens", "total_tokens"),
        ("costUsd", "cost"),
    ):
        value = usage.get(theirs)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[ours] = value
    if "totalTokens" not in out and "inputTokens" in out and "outputTokens" in out:
        out["totalTokens"] = out["inputTokens"] + out["outputTokens"]
    return out
