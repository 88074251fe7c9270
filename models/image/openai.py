"""`openai`: OpenAI Images (and compatible servers) through the `openai` package.

Generation is `images.generate`; an `image` (with an optional PNG `mask` for inpainting) or
data-URL `input_references` make it `images.edit`. GPT image models (`gpt-image-1`,
`gpt-image-1-mini`, `gpt-image-1.5`, `gpt-image-2`) take `quality`, `background`,
`output_format`, `output_compression` and up to 10 images a call; `dall-e-3` one image a call
with `quality` and `style`; `dall-e-2` up to 10 square images. `provider_options["openai"]`
(e.g. `moderation`, `user`, `input_fidelity`) goes into the request body as is. The client's
own retries are off: `call_with_retries` retries with the same policy as every backend.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.errors import ContentRejected, UpstreamError, UpstreamTimeout, ValidationFailed
from core.images import decode_b64, media_type_for_format, parse_data_url, sniff_media_type
from models.image._http import ProviderHTTP, safe_headers
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
)
from models.image.config import BackendSetting, ImageBackendConfig, redact
from models.image.retry import Deadline, Retryable, call_with_retries, error_for_status, parse_retry_after

if TYPE_CHECKING:
    import openai

GPT_SIZES = {"1:1": "1024x1024", "3:2": "1536x1024", "2:3": "1024x1536"}
DALLE3_SIZES = {"1:1": "1024x1024", "7:4": "1792x1024", "4:7": "1024x1792"}
DALLE2_SIZES = {"1:1": "1024x1024"}
CONTENT_CODES = {"content_policy_violation", "moderation_blocked", "image_generation_user_error"}


def _family(model: str) -> str:
    if model.startswith("dall-e-2"):
        return "dall-e-2"
    if model.startswith("dall-e-3"):
        return "dall-e-3"
    return "gpt-image"


class OpenAIImageModel(ImageModel):
    """OpenAI Images over the `openai` client; `openai_base_url` may name any compatible server."""

    provider = "openai"
    # The language model's `openai_*` settings, unless the `image_*` ones set another server or key.
    config_fields = (
        BackendSetting(
            name="openai_base_url",
            default="https://api.openai.com/v1",
            sources=("image_openai_base_url", "openai_base_url"),
        ),
        BackendSetting(name="openai_api_key", secret=True, sources=("openai_api_key", "image_api_key")),
    )
    needs_key = "openai_api_key"
    key_env_var = "PROMPTGEN_OPENAI_API_KEY"
    max_images_per_call = 10

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        model_id = (model_id or "gpt-image-1").removeprefix("openai/")
        super().__init__(model_id, config)
        self.family = _family(model_id)
        self._client: openai.AsyncOpenAI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # connections belong to one event loop
        self._http = ProviderHTTP(self.provider, config.openai_base_url, {}, config, self.policy)

    @property
    def client(self) -> openai.AsyncOpenAI:
        import openai  # at first use: 0.4 s to import, and every backend module is imported at start

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = openai.AsyncOpenAI(
                base_url=self.config.openai_base_url,
                api_key=self.config.openai_api_key or "unused",
                max_retries=0,  # call_with_retries retries, with the policy every backend shares
                timeout=self.config.timeout_s,
            )
            self._loop = loop
        return self._client

    @property
    def images_per_call(self) -> int:
        return 1 if self.family == "dall-e-3" else 10

    def supported_settings(self) -> frozenset[str]:
        common = {"size", "aspect_ratio", "width", "height"}
        if self.family == "dall-e-3":
            return frozenset(common | {"quality", "style"})
        if self.family == "dall-e-2":
            return frozenset(common | {"image", "mask"})
        return frozenset(
            common
            | {
                "quality",
                "background",
                "output_format",
                "output_compression",
                "image",
                "mask",
                "input_references",
            }
        )

    async def aclose(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.close()
        self._client = None
        await self._http.aclose()

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        warnings: list[str] = []
        params = self._params(options, warnings)
        images = self._edit_images(options, warnings)
        if images:
            params["image"] = images if len(images) > 1 else images[0]
            if options.mask is not None and "mask" in self.supported_settings():
                params["mask"] = ("mask.png", _png(options.mask), "image/png")
        started = datetime.now(UTC)
        attempts = 0

        async def attempt() -> Any:
            nonlocal attempts
            attempts += 1
            return await self._call(params, deadline, edit=bool(images))

        raw = await call_with_retries(
            attempt,
            provider=self.provider,
            policy=self.policy,
            deadline=deadline,
            what="edit" if images else "generation",
        )
        try:
            parsed = raw.parse()
            entries = list(parsed.data or [])
        except Exception:
            raise UpstreamError(
                "openai returned a malformed body for the images request", backend=self.provider
            ) from None
        result_images = await self._images(entries, options, deadline)
        usage = _usage(getattr(parsed, "usage", None))
        metadata = {
            "images": [{"revisedPrompt": e.revised_prompt} if e.revised_prompt else {} for e in entries]
        }
        for key in ("created", "size", "quality", "background", "output_format"):
            if getattr(parsed, key, None) is not None:
                metadata[key] = getattr(parsed, key)
        response = {
            "modelId": self.model_id,
            "timestamp": started.isoformat(),
            "attempts": attempts,
            "headers": safe_headers(raw.headers),
        }
        return ImageResult(
            images=result_images,
            warnings=warnings,
            provider_metadata={self.provider: metadata},
            usage=usage,
            response=response,
        )

    def _params(self, options: ImageOptions, warnings: list[str]) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model_id, "prompt": options.prompt, "n": options.n}
        size = self._size(options, warnings)
        if size:
            params["size"] = size
        if self.family != "gpt-image":
            params["response_format"] = "b64_json"
        for name in sorted(
            self.supported_settings()
            & {"quality", "style", "background", "output_format", "output_compression"}
        ):
            value = getattr(options, name)
            if value is not None:
                params[name] = value
        extra = dict(options.provider_options.get(self.provider, {}))
        if extra:
            params["extra_body"] = extra
        return params

    def _size(self, options: ImageOptions, warnings: list[str]) -> str | None:
        if options.size:
            if options.size == "auto" or _pixels(options.size):
                return options.size
            warnings.append(f"size {options.size!r} is not WxH; {self.provider} ignored it")
        if options.width and options.height:
            return f"{options.width}x{options.height}"
        if options.aspect_ratio:
            table = {"gpt-image": GPT_SIZES, "dall-e-3": DALLE3_SIZES}.get(self.family, DALLE2_SIZES)
            chosen = _nearest(options.aspect_ratio, table)
            if chosen is None:
                warnings.append(f"aspect_ratio {options.aspect_ratio!r} is not W:H and was ignored")
            elif options.aspect_ratio not in table:
                warnings.append(f"aspect_ratio {options.aspect_ratio!r} is approximated as size {chosen}")
            return chosen
        return None

    def _edit_images(self, options: ImageOptions, warnings: list[str]) -> list[tuple[str, bytes, str]]:
        supported = self.supported_settings()
        files: list[bytes] = []
        if options.image is not None and "image" in supported:
            files.append(options.image)
        if options.input_references and "input_references" in supported:
            for ref in options.input_references:
                decoded = parse_data_url(ref)
                if decoded is None:
                    warnings.append(
                        f"{self.provider} takes reference images as data URLs only; one URL was ignored"
                    )
                else:
                    files.append(decoded[0])
        return [
            (f"image{i}.{_ext(data)}", data, sniff_media_type(data, "image/png"))
            for i, data in enumerate(files)
        ]

    async def _call(self, params: dict[str, Any], deadline: Deadline, *, edit: bool) -> Any:
        import openai

        timeout = deadline.timeout(self.config.timeout_s)
        method = (
            self.client.images.with_raw_response.edit
            if edit
            else self.client.images.with_raw_response.generate
        )
        try:
            return await method(**params, timeout=timeout)
        except openai.APITimeoutError:
            # Not retried: the generation may have run (and been billed) on the provider's side.
            raise UpstreamTimeout(
                f"openai did not answer within {timeout:.3g}s", backend=self.provider
            ) from None
        except openai.APIConnectionError:
            raise Retryable(
                UpstreamError("cannot reach openai (connection failed)", backend=self.provider)
            ) from None
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from None
        except openai.OpenAIError as exc:
            raise UpstreamError(
                f"openai failed: {redact(str(exc), self.config.secrets())}", backend=self.provider
            ) from None

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else exc.body
        message = body.get("message") if isinstance(body, dict) else None
        code = body.get("code") if isinstance(body, dict) else None
        text = redact(str(message or exc.response.text[:300] or ""), self.config.secrets())
        if code in CONTENT_CODES or "safety system" in text.lower():
            return ContentRejected(
                f"openai refused the prompt or image on content-policy grounds: {text}", backend=self.provider
            )
        return error_for_status(self.provider, exc.status_code, text, parse_retry_after(exc.response.headers))

    async def _images(
        self, entries: list[Any], options: ImageOptions, deadline: Deadline
    ) -> list[GeneratedImage]:
        if not entries:
            raise UpstreamError("openai returned no images", backend=self.provider)
        fallback = media_type_for_format(options.output_format if self.family == "gpt-image" else None)
        images = []
        for entry in entries:
            data = decode_b64(entry.b64_json)
            if data is None and entry.url:
                data, _ = await self._http.download(entry.url, deadline)
            if data is None:
                raise UpstreamError("openai returned an image without valid data", backend=self.provider)
            images.append(
                GeneratedImage(
                    data=data,
                    media_type=sniff_media_type(data, fallback),
                    revised_prompt=entry.revised_prompt or None,
                )
            )
        return images


def _pixels(size: str) -> tuple[int, int] | None:
    w, sep, h = size.lower().partition("x")
    return (int(w), int(h)) if sep and w.isdigit() and h.isdigit() else None


def _ratio(text: str) -> float | None:
    w, sep, h = text.partition(":")
    try:
        return float(w) / float(h) if sep and float(h) > 0 and float(w) > 0 else None
    except ValueError:
        return None


def _nearest(aspect_ratio: str, table: dict[str, str]) -> str | None:
    wanted = _ratio(aspect_ratio)
    if wanted is None:
        return None
    best = min(table, key=lambda key: abs((_ratio(key) or 1.0) - wanted))
    return table[best]


def _ext(data: bytes) -> str:
    return sniff_media_type(data, "image/png").split("/")[1].replace("svg+xml", "svg")


def _png(mask: bytes) -> bytes:
    """The mask as PNG (OpenAI requires PNG with alpha); other formats are converted."""
    if sniff_media_type(mask) == "image/png":
        return mask
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(mask)) as img:
            out = io.BytesIO()
            img.convert("RGBA").save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationFailed("mask is not a readable image", field="mask") from None


def _usage(usage: Any) -> dict[str, Any]:
    if usage is None:
        return {}
    out = {}
    for ours, theirs in (
        ("inputTokens", "input_tokens"),
        ("outputTokens", "output_tokens"),
        ("totalTokens", "total_tokens"),
    ):
        value = getattr(usage, theirs, None)
        if isinstance(value, int):
            out[ours] = value
    return out
