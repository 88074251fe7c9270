"""`replicate`: Replicate predictions, `Prefer: wait` with a polling fallback, outputs downloaded.

Model ids are Transloadit's names (`flux-schnell`, `flux-1.1-pro-ultra`, `recraft-v3`,
`stability-ai/stable-diffusion-inpainting`) or any `owner/name`; `owner/name:version` runs
that version through `POST /v1/predictions`. Each known model maps our settings onto its own
input names; `provider_options["replicate"]` is merged into `input` as is. The API token goes
only to the configured Replicate host: output files elsewhere are fetched without it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import msgspec

from core.errors import ContentRejected, UpstreamError, UpstreamTimeout, ValidationFailed
from core.images import data_url, media_type_for_format, parse_data_url, sniff_media_type
from models.image._http import ProviderHTTP, safe_headers
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
    mask_white_repaints,
)
from models.image.config import BackendSetting, ImageBackendConfig
from models.image.retry import Deadline

SAFETY_WORDS = ("nsfw", "sensitive", "safety", "e005", "content policy", "flagged")
TERMINAL = ("succeeded", "failed", "canceled", "aborted")


class Profile(msgspec.Struct, frozen=True):
    """How one Replicate model names its inputs; `inputs` maps our setting -> its input."""

    slug: str
    max_images: int = 1
    count_input: str | None = None  # e.g. "num_outputs"
    inputs: dict[str, str] = msgspec.field(default_factory=dict)
    formats: tuple[str, ...] = ()  # accepted output formats (our names), empty = any
    default_format: str = "webp"


_FLUX_SCHNELL = Profile(
    "black-forest-labs/flux-schnell",
    4,
    "num_outputs",
    {
        "aspect_ratio": "aspect_ratio",
        "seed": "seed",
        "output_format": "output_format",
        "output_compression": "output_quality",
        "steps": "num_inference_steps",
    },
    ("webp", "jpg", "png"),
    "webp",
)
_FLUX_ULTRA = Profile(
    "black-forest-labs/flux-1.1-pro-ultra",
    1,
    None,
    {
        "aspect_ratio": "aspect_ratio",
        "seed": "seed",
        "output_format": "output_format",
        "input_references": "image_prompt",
    },
    ("jpg", "png"),
    "jpg",
)
_RECRAFT = Profile(
    "recraft-ai/recraft-v3",
    1,
    None,
    {"size": "size", "aspect_ratio": "aspect_ratio", "style": "style"},
    (),
    "webp",
)
_SD_INPAINT = Profile(
    "stability-ai/stable-diffusion-inpainting",
    4,
    "num_outputs",
    {
        "negative_prompt": "negative_prompt",
        "seed": "seed",
        "width": "width",
        "height": "height",
        "guidance_scale": "guidance_scale",
        "steps": "num_inference_steps",
        "image": "image",
        "mask": "mask",
    },
    (),
    "png",
)

PROFILES = {
    "flux-schnell": _FLUX_SCHNELL,
    _FLUX_SCHNELL.slug: _FLUX_SCHNELL,
    "flux-1.1-pro-ultra": _FLUX_ULTRA,
    _FLUX_ULTRA.slug: _FLUX_ULTRA,
    "recraft-v3": _RECRAFT,
    _RECRAFT.slug: _RECRAFT,
    "stability-ai/stable-diffusion-inpainting": _SD_INPAINT,
}
# Models not listed: the common input names most Replicate image models use.
_GENERIC_INPUTS = {
    "aspect_ratio": "aspect_ratio",
    "seed": "seed",
    "width": "width",
    "height": "height",
    "negative_prompt": "negative_prompt",
    "guidance_scale": "guidance_scale",
    "steps": "num_inference_steps",
    "output_format": "output_format",
    "image": "image",
    "mask": "mask",
}


def profile_for(model_id: str) -> Profile:
    """The input mapping for a model id; unknown `owner/name` models get the common names."""
    name = model_id.split(":", 1)[0]
    if name in PROFILES:
        return PROFILES[name]
    if "/" not in name:
        known = ", ".join(k for k in PROFILES if "/" not in k or k.startswith("stability-ai"))
        raise ValidationFailed(
            f"unknown replicate model {model_id!r}; use owner/name or one of: {known}", field="image backend"
        )
    return Profile(name, 1, None, _GENERIC_INPUTS, (), "png")


class ReplicateImageModel(ImageModel):
    """Predictions on Replicate for official models (by name) or pinned versions."""

    provider = "replicate"
    config_fields = (
        BackendSetting(name="replicate_base_url", default="https://api.replicate.com/v1"),
        BackendSetting(name="replicate_api_token", secret=True),
    )
    needs_key = "replicate_api_token"
    key_env_var = "PROMPTGEN_REPLICATE_API_TOKEN"
    max_images_per_call = 4

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        super().__init__(model_id or "flux-schnell", config)
        self.profile = profile_for(self.model_id)
        self.version = self.model_id.split(":", 1)[1] if ":" in self.model_id else None
        auth = {"Authorization": f"Bearer {config.replicate_api_token}"} if config.replicate_api_token else {}
        self._http = ProviderHTTP(
            self.provider, config.replicate_base_url, auth, config, self.policy, classify=_classify
        )

    @property
    def images_per_call(self) -> int:
        return self.profile.max_images

    def supported_settings(self) -> frozenset[str]:
        return frozenset(self.profile.inputs)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        warnings: list[str] = []
        model_input = self._input(options, warnings)
        started = datetime.now(UTC)
        prediction, response = await self._create(model_input, deadline)
        prediction = await self._wait(prediction, deadline)
        urls = _output_urls(prediction.get("output"))
        if not urls:
            raise UpstreamError(
                "replicate's prediction succeeded without output files", backend=self.provider
            )
        fallback = media_type_for_format(model_input.get("output_format"), "image/png")
        images = []
        for url in urls:
            decoded = parse_data_url(url)
            data, ctype = decoded if decoded is not None else await self._http.download(url, deadline)
            seed = options.seed if len(urls) == 1 else None  # one seed drives a whole batch
            images.append(
                GeneratedImage(data=data, media_type=sniff_media_type(data, ctype or fallback), seed=seed)
            )
        metadata = {
            "images": [{"url": url} if not url.startswith("data:") else {} for url in urls],
            "predictionId": prediction.get("id"),
            "metrics": prediction.get("metrics") or {},
        }
        usage = {}
        predict_time = (prediction.get("metrics") or {}).get("predict_time")
        if isinstance(predict_time, int | float):
            usage["predictTimeS"] = predict_time
        info = {
            "modelId": prediction.get("model") or self.profile.slug,
            "timestamp": started.isoformat(),
            "predictionId": prediction.get("id"),
            "headers": safe_headers(response.headers),
        }
        return ImageResult(
            images=images,
            warnings=warnings,
            provider_metadata={self.provider: metadata},
            usage=usage,
            response=info,
        )

    def _input(self, options: ImageOptions, warnings: list[str]) -> dict[str, Any]:
        profile = self.profile
        model_input: dict[str, Any] = {"prompt": options.prompt}
        if profile.count_input:
            model_input[profile.count_input] = options.n
        for ours, theirs in profile.inputs.items():
            value = getattr(options, ours)
            if value is None or value == []:
                continue
            if ours == "mask":  # Stable Diffusion masks: white repaints, black keeps
                value = data_url(mask_white_repaints(value))
            elif ours == "image":
                value = data_url(value)
            elif ours == "input_references":
                if len(value) > 1:
                    warnings.append(
                        f"{profile.slug} takes one reference image; {len(value) - 1} were ignored"
                    )
                value = value[0]
            elif ours == "output_format":
                value = _format(value, profile, warnings)
                if value is None:
                    continue
            model_input[theirs] = value
        if profile is _RECRAFT and options.width and options.height and "size" not in model_input:
            model_input["size"] = f"{options.width}x{options.height}"
        model_input.update(options.provider_options.get(self.provider, {}))
        return model_input

    async def _create(self, model_input: dict[str, Any], deadline: Deadline) -> tuple[dict[str, Any], Any]:
        headers = {}
        # The server must answer before our own attempt timeout, so it waits a second less.
        wait = min(self.config.replicate_wait_s, int(deadline.timeout(self.config.timeout_s)) - 1)
        if wait >= 1:
            headers["Prefer"] = f"wait={min(60, wait)}"
        if self.version:
            path, body = "predictions", {"version": self.version, "input": model_input}
        else:
            path, body = f"models/{self.profile.slug}/predictions", {"input": model_input}
        return await self._http.json("POST", path, deadline, body=body, headers=headers, what="prediction")

    async def _wait(self, prediction: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        try:
            prediction = await self._poll(prediction, deadline)
        except (asyncio.CancelledError, UpstreamTimeout):
            # Out of time (our check, or the caller's hard deadline): stop paying for it.
            await self._cancel(prediction)
            raise
        status = prediction.get("status")
        if status == "succeeded":
            return prediction
        error = self._http.redact(str(prediction.get("error") or "no reason given"))
        if status == "failed" and any(word in error.lower() for word in SAFETY_WORDS):
            raise ContentRejected(
                f"replicate's safety checker rejected the output: {error}", backend=self.provider
            )
        raise UpstreamError(
            f"replicate prediction {prediction.get('id')} {status}: {error}", backend=self.provider
        )

    async def _poll(self, prediction: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        while prediction.get("status") not in TERMINAL:
            pid = prediction.get("id")
            if not isinstance(pid, str) or prediction.get("status") not in ("starting", "processing"):
                raise UpstreamError("replicate returned a malformed prediction", backend=self.provider)
            interval = self.config.poll_interval_s
            if deadline.remaining() <= interval:
                raise UpstreamTimeout(
                    f"replicate prediction {pid} did not finish within {deadline.seconds:g}s",
                    backend=self.provider,
                )
            await asyncio.sleep(interval)
            prediction, _ = await self._http.json(
                "GET", self._own(prediction, "get", f"predictions/{pid}"), deadline, what="prediction poll"
            )
        return prediction

    async def _cancel(self, prediction: dict[str, Any]) -> None:
        """Best effort, bounded to a second: the timeout is what the caller must see."""
        pid = prediction.get("id")
        if not isinstance(pid, str):
            return
        url = self._own(prediction, "cancel", f"predictions/{pid}/cancel")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._http.json("POST", url, Deadline(1.0), what="cancel"), timeout=1.0)

    def _own(self, prediction: dict[str, Any], key: str, fallback: str) -> str:
        """The prediction's own URL for `key` when it is on the Replicate host, else `fallback`."""
        urls = prediction.get("urls")
        url = urls.get(key) if isinstance(urls, dict) else None
        return url if isinstance(url, str) and self._http.same_origin(url) else fallback


def _format(value: str, profile: Profile, warnings: list[str]) -> str | None:
    wanted = {"jpeg": "jpg"}.get(value.lower(), value.lower())
    if profile.formats and wanted not in profile.formats:
        warnings.append(f"{profile.slug} cannot output {value!r}; it used {profile.default_format!r}")
        return None
    return wanted


def _output_urls(output: Any) -> list[str]:
    if isinstance(output, str):
        return [output]
    if isinstance(output, list):
        return [item for item in output if isinstance(item, str)]
    return []


def _classify(status: int, payload: Any, message: str, retry_after: float | None) -> Exception | None:
    if status in (400, 422) and any(word in message.lower() for word in SAFETY_WORDS):
        return ContentRejected(
            f"replicate rejected the input on safety grounds: {message}", backend="replicate"
        )
    return None
