"""The image-model interface, modelled on the Vercel AI SDK's image model.

A backend declares `provider`, `max_images_per_call` and the settings it honours, and
implements `do_generate` for at most `max_images_per_call` images. `ImageModel.generate` is
the one entry point: it validates the options, turns every set-but-unsupported setting into a
warning, splits `n` into parallel calls (`split_calls`), enforces the deadline, and merges
the per-call results (images in order, warnings de-duplicated, usage summed: `add_usage`).

`split_calls`, `run_parallel` and `add_usage` are also what the chained generation
(`app/chain/`) uses for its own calls, and its `Deadline` is the one `generate` honours: images
are split into calls, run in parallel, counted and timed in one way, in this module.
"""

from __future__ import annotations

import asyncio
import base64
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from core.errors import UpstreamTimeout, ValidationFailed
from models.image.config import BackendSetting, ImageBackendConfig
from models.image.retry import Deadline, RetryPolicy, first_error


class ImageOptions(msgspec.Struct, kw_only=True, frozen=True):
    """One image request. Unset (None/empty) settings are left to the provider's defaults.

    `image` (+ `mask`, a PNG whose transparent pixels mark the area to repaint) makes it an
    edit/inpainting call; `input_references` are data URLs or http(s) URLs of reference
    images; `provider_options` pass through under the provider's name, for example
    `{"openai": {"moderation": "low"}, "replicate": {"go_fast": True}}`.
    """

    prompt: str
    n: int = 1
    size: str | None = None  # "WxH", or a tier such as "2K" where the provider knows tiers
    aspect_ratio: str | None = None  # "W:H"
    resolution: str | None = None  # "1K", "2K", "4K"
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    output_format: str | None = None  # "png", "jpeg", "webp", ...
    output_compression: int | None = None  # 0-100
    background: str | None = None  # "transparent", "opaque", "auto"
    quality: str | None = None
    negative_prompt: str | None = None
    guidance_scale: float | None = None
    steps: int | None = None
    style: str | None = None
    image: bytes | None = None
    mask: bytes | None = None
    input_references: list[str] = msgspec.field(default_factory=list)
    provider_options: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)


# Settings whose presence a backend must either honour or report as a warning.
SETTINGS: tuple[str, ...] = (
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
    "negative_prompt",
    "guidance_scale",
    "steps",
    "style",
    "image",
    "mask",
    "input_references",
)


class GeneratedImage(msgspec.Struct, kw_only=True):
    """One generated image: its bytes and IANA media type, plus what the provider told us."""

    data: bytes
    media_type: str
    seed: int | None = None
    revised_prompt: str | None = None

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


class ImageResult(msgspec.Struct, kw_only=True):
    """The images of one `generate`, with warnings, provider metadata, usage and response info.

    `provider_metadata[provider]["images"]` always has one entry per image; `response` holds
    `provider`, `model`, `timestamp` (ISO 8601, start of the call) and per-call details.
    """

    images: list[GeneratedImage]
    warnings: list[str] = msgspec.field(default_factory=list)
    provider_metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    usage: dict[str, Any] = msgspec.field(default_factory=dict)
    response: dict[str, Any] = msgspec.field(default_factory=dict)


class ImageModel(ABC):
    """Base of image backends: identity as class attributes, one abstract provider call."""

    provider: ClassVar[str]
    max_images_per_call: ClassVar[int] = 1
    supported: ClassVar[frozenset[str]] = frozenset()  # names from SETTINGS this backend honours
    # Its own configuration (endpoint, credential, local path): `config.<name>` at run time,
    # `PROMPTGEN_<SOURCE>` in the environment; `models.image.register` adds them to the config.
    config_fields: ClassVar[tuple[BackendSetting, ...]] = ()
    needs_key: ClassVar[str | None] = None  # the secret setting holding its credential, if any
    key_env_var: ClassVar[str | None] = None  # the environment variable an operator sets it with

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        self.model_id = model_id
        self.config = config
        self.policy = RetryPolicy(
            max_retries=max(0, config.max_retries),
            base_delay_s=config.backoff_base_s,
            max_delay_s=config.backoff_max_s,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider}:{self.model_id})"

    @property
    def images_per_call(self) -> int:
        """The most images one provider call may return (per model; defaults to the class's)."""
        return self.max_images_per_call

    def supported_settings(self) -> frozenset[str]:
        """The settings this model honours; backends with per-model capabilities override this."""
        return self.supported

    @abstractmethod
    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        """One provider call for `options.n` <= `images_per_call` images, within `deadline`."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release clients and loaded pipelines."""

    async def generate(self, options: ImageOptions, deadline_s: float | Deadline) -> ImageResult:
        """Generate `options.n` images within `deadline_s` seconds, or by a caller's `Deadline`
        (the entry point)."""
        validate_options(options, self.config.max_images)
        started = datetime.now(UTC)
        deadline = deadline_s if isinstance(deadline_s, Deadline) else Deadline(deadline_s)
        budget_s = deadline.remaining()
        warnings = unsupported_warnings(
            options, self.supported_settings(), f"{self.provider}:{self.model_id}"
        )
        calls = [
            msgspec.structs.replace(options, n=len(call.indexes), seed=call.seed)
            for call in split_calls(options.n, self.images_per_call, seed=options.seed)
        ]
        try:
            async with asyncio.timeout(budget_s):
                results = await run_parallel(
                    [lambda o=o: self.do_generate(o, deadline) for o in calls], self.config.max_parallel_calls
                )
        except TimeoutError:
            raise UpstreamTimeout(
                f"{self.provider} did not finish within {budget_s:g}s", backend=self.provider
            ) from None
        return merge_results(results, self.provider, self.model_id, warnings, started)


def validate_options(options: ImageOptions, max_images: int) -> None:
    """Reject what no provider could do: caller errors become 400 validation problems."""
    if not options.prompt.strip():
        raise ValidationFailed("prompt must not be empty", field="prompt")
    if not 1 <= options.n <= max_images:
        raise ValidationFailed(f"n must be between 1 and {max_images}", field="n")
    if options.output_compression is not None and not 0 <= options.output_compression <= 100:
        raise ValidationFailed("output_compression must be between 0 and 100", field="output_compression")
    for name in ("width", "height", "steps"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            raise ValidationFailed(f"{name} must be positive", field=name)
    if options.mask is not None and options.image is None:
        raise ValidationFailed("mask needs an image to apply to", field="mask")


def unsupported_warnings(options: ImageOptions, supported: frozenset[str], model: str) -> list[str]:
    """One warning per setting that is set but that `model` cannot honour."""
    warnings = []
    for name in SETTINGS:
        value = getattr(options, name)
        if value is None or value == [] or name in supported:
            continue
        warnings.append(f"setting {name!r} is not supported by {model} and was ignored")
    return warnings


class Batch(msgspec.Struct, kw_only=True, frozen=True):
    """One provider call of a split: the images it makes (`indexes`), their group, its seed."""

    indexes: list[int]
    group: int = 0
    seed: int | None = None


def split_calls(
    count: int, per_call: int, *, groups: int = 1, seed: int | None = None, offset_seeds: bool = True
) -> list[Batch]:
    """Images 0..`count`-1 as calls of at most `per_call` images, in the order of their first image.

    Image i belongs to group i mod `groups` (the chain's prompts) and a call holds images of one
    group only. With `offset_seeds`, a call's seed is `seed` plus the index of its first image,
    so split calls to a deterministic provider do not return the same picture several times;
    without, every call gets `seed` as is.
    """
    per_call = max(1, per_call)
    calls = []
    for group in range(max(1, groups)):
        members = list(range(group, count, max(1, groups)))
        for start in range(0, len(members), per_call):
            indexes = members[start : start + per_call]
            first = indexes[0]
            call_seed = seed + first if seed is not None and offset_seeds and first else seed
            calls.append(Batch(indexes=indexes, group=group, seed=call_seed))
    return sorted(calls, key=lambda call: call.indexes[0])


def split_counts(n: int, per_call: int) -> list[tuple[int, int]]:
    """`n` images as (count, offset) calls of at most `per_call` each: 5 by 2 is 2, 2, 1."""
    return [(len(call.indexes), call.indexes[0]) for call in split_calls(n, per_call)]


async def run_parallel(factories: list[Any], limit: int) -> list[Any]:
    """Await each factory's coroutine, at most `limit` at once; the first failure cancels the rest."""
    if len(factories) == 1:
        return [await factories[0]()]
    semaphore = asyncio.Semaphore(max(1, limit))

    async def bounded(factory: Any) -> Any:
        async with semaphore:
            return await factory()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(bounded(f)) for f in factories]
    except BaseExceptionGroup as failures:
        raise first_error(failures) from None
    return [task.result() for task in tasks]


def merge_results(
    results: list[ImageResult], provider: str, model: str, warnings: list[str], started: datetime
) -> ImageResult:
    """One result from per-call results: images in call order, usage summed, metadata joined."""
    images = [image for result in results for image in result.images]
    all_warnings = list(dict.fromkeys([*warnings, *(w for r in results for w in r.warnings)]))
    usage: dict[str, Any] = {}
    for result in results:
        add_usage(usage, result.usage)
    metadata: dict[str, Any] = {}
    per_call = [r.provider_metadata.get(provider, {}) for r in results]
    own = {"images": [entry for call in per_call for entry in call.get("images", [])]}
    if len(results) == 1:
        own = {**per_call[0], **own}
    else:
        own["calls"] = [{k: v for k, v in call.items() if k != "images"} for call in per_call]
    own["images"] += [{} for _ in range(len(images) - len(own["images"]))]
    metadata[provider] = own
    for result in results:
        for key, value in result.provider_metadata.items():
            if key != provider:
                metadata.setdefault(key, value)
    response = {
        "provider": provider,
        "model": model,
        "timestamp": started.isoformat(),
        "calls": len(results),
        "responses": [r.response for r in results],
    }
    return ImageResult(
        images=images, warnings=all_warnings, provider_metadata=metadata, usage=usage, response=response
    )


def add_usage(total: dict[str, Any], part: dict[str, Any]) -> None:
    """Add a provider's usage into `total`: numbers summed, nested dicts merged, flags kept first."""
    for key, value in part.items():
        if isinstance(value, bool):
            total.setdefault(key, value)
        elif isinstance(value, int | float):
            total[key] = total.get(key, 0) + value
        elif isinstance(value, dict):
            add_usage(total.setdefault(key, {}), value)


# ----------------------------------------------------------------------------- image bytes


def mask_white_repaints(mask: bytes) -> bytes:
    """A mask as a grayscale PNG where white means "repaint" (diffusers, Stable Diffusion).

    Our masks follow OpenAI: transparent pixels mark the area to repaint. A mask with any
    transparency is converted (transparent -> white, opaque -> black); one without is taken
    as already black-and-white and only converted to grayscale.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(mask)) as img:
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                alpha = img.convert("RGBA").getchannel("A")
                low = alpha.getextrema()[0]
                see_through = isinstance(low, int | float) and low < 128
                converted = alpha.point(lambda a: 255 if a < 128 else 0) if see_through else None
            else:
                converted = None
            converted = converted if converted is not None else img.convert("L")
            out = io.BytesIO()
            converted.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationFailed("mask is not a readable image", field="mask") from None
