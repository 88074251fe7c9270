"""`gemini`: Google's image models (the `google/nano-banana` family) over `generateContent`.

`POST {base}/models/{model}:generateContent` with `responseModalities: [TEXT, IMAGE]`; the
images come back as `inlineData` parts. Aspect ratio (also derived from width/height or a
WxH size) and the 1K/2K/4K tier go in `generationConfig.imageConfig`; an `image`, data-URL
references and a `mask` go in as inline parts (Gemini has no mask parameter, so the mask is
sent as a second image with an instruction, and a warning says so). One image per call.
A blocked prompt (`promptFeedback.blockReason`) or a safety finish reason is a
content rejection; `provider_options["gemini"]` is merged into the request body.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

from core.errors import ContentRejected, UpstreamError
from core.images import decode_b64, parse_data_url, sniff_media_type
from models.image._http import ProviderHTTP, safe_headers
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
)
from models.image.config import BackendSetting, ImageBackendConfig
from models.image.retry import Deadline, Retryable, error_for_status

MODELS = {
    "google/nano-banana": "gemini-2.5-flash-image",
    "google/nano-banana-2": "gemini-3.1-flash-image-preview",
    "google/nano-banana-pro": "gemini-3-pro-image-preview",
}
RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
TIERS = ("1K", "2K", "4K")
SAFETY_REASONS = {
    "SAFETY",
    "IMAGE_SAFETY",
    "PROHIBITED_CONTENT",
    "IMAGE_PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "RECITATION",
    "IMAGE_RECITATION",
}
MASK_NOTE = (
    "The last image is a mask: change only the region it marks (white or transparent) "
    "and keep everything else unchanged."
)


def api_model(model_id: str) -> str:
    """The Gemini API model name for a Transloadit-style id (`google/nano-banana` ...)."""
    if model_id in MODELS:
        return MODELS[model_id]
    short = model_id.removeprefix("models/")
    return MODELS.get(f"google/{short}", short.removeprefix("google/"))


class GeminiImageModel(ImageModel):
    """Gemini image generation and editing with inline image data."""

    provider = "gemini"
    config_fields = (
        BackendSetting(name="gemini_base_url", default="https://generativelanguage.googleapis.com/v1beta"),
        BackendSetting(name="gemini_api_key", secret=True),
    )
    needs_key = "gemini_api_key"
    key_env_var = "PROMPTGEN_GEMINI_API_KEY"
    max_images_per_call = 1
    supported = frozenset(
        {
            "size",
            "aspect_ratio",
            "resolution",
            "width",
            "height",
            "seed",
            "output_format",
            "image",
            "mask",
            "input_references",
        }
    )

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        super().__init__(model_id or "google/nano-banana", config)
        self.api_model = api_model(self.model_id)
        auth = {"x-goog-api-key": config.gemini_api_key} if config.gemini_api_key else {}
        self._http = ProviderHTTP(
            self.provider, config.gemini_base_url, auth, config, self.policy, classify=_classify
        )

    @property
    def has_tiers(self) -> bool:
        return self.api_model.startswith("gemini-3")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        warnings: list[str] = []
        body = self._body(options, warnings)
        started = datetime.now(UTC)
        payload, response = await self._http.json(
            "POST", f"models/{self.api_model}:generateContent", deadline, body=body, what="generateContent"
        )
        images, texts = self._parse(payload)
        metadata: dict[str, Any] = {"images": [{"text": " ".join(texts)} if texts else {} for _ in images]}
        if payload.get("modelVersion"):
            metadata["modelVersion"] = payload["modelVersion"]
        info = {
            "modelId": payload.get("modelVersion") or self.api_model,
            "timestamp": started.isoformat(),
            "responseId": payload.get("responseId"),
            "headers": safe_headers(response.headers),
        }
        return ImageResult(
            images=images,
            warnings=warnings,
            provider_metadata={self.provider: metadata},
            usage=_usage(payload.get("usageMetadata")),
            response=info,
        )

    def _body(self, options: ImageOptions, warnings: list[str]) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": options.prompt}]
        if options.image is not None:
            parts.append(_inline(options.image))
        for ref in options.input_references:
            decoded = parse_data_url(ref)
            if decoded is None:
                warnings.append("gemini takes reference images as data URLs only; one URL was ignored")
            else:
                parts.append({"inlineData": {"mimeType": decoded[1], "data": ref.split(",", 1)[1]}})
        if options.mask is not None:
            parts[0] = {"text": f"{options.prompt}\n\n{MASK_NOTE}"}
            parts.append(_inline(options.mask))
            warnings.append(
                "gemini has no mask parameter; the mask was sent as an extra image with an instruction"
            )
        config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
        image_config = self._image_config(options, warnings)
        if image_config:
            config["imageConfig"] = image_config
        if options.seed is not None:
            config["seed"] = options.seed
        if options.output_format and options.output_format.lower() != "png":
            warnings.append(
                f"gemini returns PNG only; output_format {options.output_format!r} was not applied"
            )
        body: dict[str, Any] = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
        for key, value in options.provider_options.get(self.provider, {}).items():
            if isinstance(value, dict) and isinstance(body.get(key), dict):
                body[key] = {**body[key], **value}
            else:
                body[key] = value
        return body

    def _image_config(self, options: ImageOptions, warnings: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        width, height = options.width, options.height
        tier = options.resolution
        if options.size:
            match = re.fullmatch(r"(\d+)[xX](\d+)", options.size)
            if match:
                width, height = int(match.group(1)), int(match.group(2))
            elif options.size.upper() in TIERS:
                tier = tier or options.size.upper()
            else:
                warnings.append(f"size {options.size!r} is neither WxH nor a 1K/2K/4K tier and was ignored")
        ratio = options.aspect_ratio
        if ratio is None and width and height:
            ratio = _nearest_ratio(width / height)
            tier = tier or (
                "1K" if max(width, height) <= 1024 else "2K" if max(width, height) <= 2048 else "4K"
            )
        if ratio is not None:
            if ratio not in RATIOS:
                nearest = _nearest_ratio(_as_float(ratio))
                warnings.append(f"aspect_ratio {ratio!r} is not offered by gemini; using {nearest}")
                ratio = nearest
            out["aspectRatio"] = ratio
        if tier is not None:
            if not self.has_tiers:
                if options.resolution or (options.size and options.size.upper() in TIERS):
                    warnings.append(f"{self.api_model} has no resolution setting; {tier!r} was not applied")
            elif tier.upper() not in TIERS:
                warnings.append(f"resolution {tier!r} is not one of 1K, 2K, 4K and was ignored")
            else:
                out["imageSize"] = tier.upper()
        return out

    def _parse(self, payload: dict[str, Any]) -> tuple[list[GeneratedImage], list[str]]:
        candidates = payload.get("candidates")
        feedback = payload.get("promptFeedback")
        feedback = feedback if isinstance(feedback, dict) else {}
        if not candidates:
            reason = feedback.get("blockReason")
            if reason:
                raise ContentRejected(f"gemini blocked the prompt ({reason})", backend=self.provider)
            raise UpstreamError("gemini returned no candidates", backend=self.provider)
        if not isinstance(candidates, list) or not isinstance(candidates[0], dict):
            raise UpstreamError("gemini returned a malformed body (candidates)", backend=self.provider)
        images: list[GeneratedImage] = []
        texts: list[str] = []
        for candidate in candidates:
            content = candidate.get("content") if isinstance(candidate, dict) else None
            parts = content.get("parts") if isinstance(content, dict) else None
            for part in parts if isinstance(parts, list) else []:
                if not isinstance(part, dict):
                    continue
                if isinstance(part.get("text"), str) and not part.get("thought"):
                    texts.append(part["text"])
                inline = part.get("inlineData") or part.get("inline_data")
                if isinstance(inline, dict) and str(
                    inline.get("mimeType", inline.get("mime_type", ""))
                ).startswith("image/"):
                    data = decode_b64(inline.get("data"))
                    if data is None:
                        raise UpstreamError(
                            "gemini returned an image part without valid base64 data", backend=self.provider
                        )
                    declared = str(inline.get("mimeType") or inline.get("mime_type"))
                    images.append(GeneratedImage(data=data, media_type=sniff_media_type(data, declared)))
        if images:
            return images[:1], texts
        reason = candidates[0].get("finishReason")
        if reason in SAFETY_REASONS:
            raise ContentRejected(
                f"gemini declined to produce the image (finishReason {reason})", backend=self.provider
            )
        said = self._http.redact(" ".join(texts))
        raise UpstreamError(
            f"gemini returned no image (finishReason {reason}){': ' + said if said else ''}",
            backend=self.provider,
        )


def _inline(data: bytes) -> dict[str, Any]:
    return {
        "inlineData": {
            "mimeType": sniff_media_type(data, "image/png"),
            "data": base64.b64encode(data).decode("ascii"),
        }
    }


def _as_float(ratio: str) -> float:
    w, _, h = ratio.partition(":")
    try:
        return float(w) / float(h)
    except (ValueError, ZeroDivisionError):
        return 1.0


def _nearest_ratio(value: float) -> str:
    return min(RATIOS, key=lambda r: abs(_as_float(r) - value))


def _usage(meta: Any) -> dict[str, Any]:
    if not isinstance(meta, dict):
        return {}
    out = {}
    for ours, theirs in (
        ("inputTokens", "promptTokenCount"),
        ("outputTokens", "candidatesTokenCount"),
        ("totalTokens", "totalTokenCount"),
    ):
        if isinstance(meta.get(theirs), int):
            out[ours] = meta[theirs]
    return out


def _classify(status: int, payload: Any, message: str, retry_after: float | None) -> Exception | None:
    error = payload.get("error") if isinstance(payload, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    details = details if isinstance(details, list) else []
    if status == 400 and (
        "API key not valid" in message
        or any(isinstance(d, dict) and d.get("reason") == "API_KEY_INVALID" for d in details)
    ):
        return UpstreamError(
            "gemini refused the configured credentials (API key not valid)", backend="gemini"
        )
    if status == 429 and retry_after is None:
        for detail in details:
            delay = detail.get("retryDelay") if isinstance(detail, dict) else None
            if isinstance(delay, str) and re.fullmatch(r"\d+(\.\d+)?s", delay):
                mapped = error_for_status("gemini", status, message, float(delay[:-1]))
                return mapped if isinstance(mapped, Retryable) else None
    return None
