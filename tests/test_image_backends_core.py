"""The shared image-backend machinery: registry, options, n-splitting, merging, retries."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import ClassVar

import pytest

from app.errors import (
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    ValidationFailed,
    headers_of,
    status_of,
)
from core.images import sniff_media_type
from models.image import ImageBackendConfig, create_image_model, registry
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
    mask_white_repaints,
    split_counts,
)
from models.image.config import redact
from models.image.retry import Deadline, Retryable, RetryPolicy, call_with_retries, parse_retry_after
from tests.fakes.image_providers import fast_config, png_bytes

PROVIDERS = ["diffusers", "gemini", "openai", "openrouter", "preview", "replicate"]


# ------------------------------------------------------------------------------- registry


def test_registry_lists_every_provider() -> None:
    assert registry.names() == PROVIDERS


def test_unknown_provider_names_the_available_ones() -> None:
    with pytest.raises(ValidationFailed) as info:
        create_image_model("midjourney:v6", fast_config())
    assert status_of(info.value) == 400
    for name in PROVIDERS:
        assert name in info.value.detail


def test_id_without_provider_prefix_is_rejected_with_the_choices() -> None:
    with pytest.raises(ValidationFailed) as info:
        create_image_model("gpt-image-1", fast_config())
    assert "provider:model" in info.value.detail
    assert "openrouter" in info.value.detail


@pytest.mark.parametrize(
    ("model_id", "provider", "model"),
    [
        ("openai:gpt-image-1", "openai", "gpt-image-1"),
        ("openrouter:google/gemini-2.5-flash-image", "openrouter", "google/gemini-2.5-flash-image"),
        ("replicate:flux-schnell", "replicate", "flux-schnell"),
        ("replicate:owner/model:0123abcd", "replicate", "owner/model:0123abcd"),
        ("gemini:google/nano-banana", "gemini", "google/nano-banana"),
        ("diffusers:/tmp/some-pipeline", "diffusers", "/tmp/some-pipeline"),
    ],
)
def test_lookup_by_provider_and_model(model_id: str, provider: str, model: str) -> None:
    backend = create_image_model(model_id, fast_config())
    assert backend.provider == provider
    assert backend.model_id == model
    assert backend.max_images_per_call >= 1


def test_unknown_replicate_shortname_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="flux-schnell"):
        create_image_model("replicate:not-a-model", fast_config())


def test_diffusers_without_a_folder_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed, match="pipeline folder"):
        create_image_model("diffusers:local", fast_config())


# ------------------------------------------------------------------------------- config


def test_config_repr_and_masked_never_show_credentials() -> None:
    config = ImageBackendConfig(openai_api_key="sk-secret-1", gemini_api_key="AIza-secret-2")
    assert "sk-secret-1" not in repr(config)
    assert "AIza-secret-2" not in str(config)
    assert config.masked()["openai_api_key"] == "***"
    assert config.masked()["openrouter_api_key"] == ""


def test_config_from_settings_prefers_image_specific_values() -> None:
    class Settings:
        openai_base_url = "http://lm.local/v1"
        openai_api_key = "sk-lm"
        image_openai_base_url = "http://images.local/v1"
        openrouter_api_key = "or-key"

    config = ImageBackendConfig.from_settings(Settings())
    assert config.openai_base_url == "http://images.local/v1"
    assert config.openai_api_key == "sk-lm"
    assert config.openrouter_api_key == "or-key"
    assert config.replicate_base_url == "https://api.replicate.com/v1"


def test_redact_masks_secrets_and_truncates() -> None:
    text = redact("bad key sk-abc123 " + "x" * 500, ["sk-abc123"])
    assert "sk-abc123" not in text
    assert len(text) <= 300


# ------------------------------------------------------------------------------- splitting


@pytest.mark.parametrize(
    ("n", "per_call", "expected"),
    [(5, 2, [(2, 0), (2, 2), (1, 4)]), (3, 10, [(3, 0)]), (4, 1, [(1, 0), (1, 1), (1, 2), (1, 3)])],
)
def test_split_counts(n: int, per_call: int, expected: list[tuple[int, int]]) -> None:
    assert split_counts(n, per_call) == expected


class ScriptedModel(ImageModel):
    """An in-memory backend: records its calls, optionally sleeps, returns coloured PNGs."""

    provider = "scripted"
    max_images_per_call = 2
    supported: ClassVar[frozenset[str]] = frozenset({"seed", "size"})

    def __init__(
        self, config: ImageBackendConfig, delay: float = 0.0, fail_on_call: int | None = None
    ) -> None:
        super().__init__("test", config)
        self.calls: list[ImageOptions] = []
        self.delay = delay
        self.fail_on_call = fail_on_call
        self.in_flight = 0
        self.peak = 0

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        self.calls.append(options)
        index = len(self.calls)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if index == self.fail_on_call:
                raise UpstreamError("scripted failure", backend=self.provider)
        finally:
            self.in_flight -= 1
        images = [GeneratedImage(data=png_bytes(index), media_type="image/png") for _ in range(options.n)]
        return ImageResult(
            images=images,
            warnings=["shared warning"],
            provider_metadata={self.provider: {"images": [{"call": index}] * options.n, "callId": index}},
            usage={"inputTokens": 1, "outputTokens": options.n, "details": {"images": options.n}},
            response={"call": index},
        )


def test_n_beyond_max_images_per_call_is_split_into_parallel_calls() -> None:
    model = ScriptedModel(fast_config(), delay=0.1)
    result = asyncio.run(model.generate(ImageOptions(prompt="a fox", n=5, seed=100), deadline_s=5))
    assert [c.n for c in model.calls] == [2, 2, 1]
    assert [c.seed for c in model.calls] == [100, 102, 104]  # each call starts at its first image's seed
    assert model.peak == 3  # all three in flight at once: parallel, not one after another
    assert len(result.images) == 5
    assert result.warnings == ["shared warning"]  # de-duplicated
    assert result.usage == {"inputTokens": 3, "outputTokens": 5, "details": {"images": 5}}
    assert len(result.provider_metadata["scripted"]["images"]) == 5
    assert [c["callId"] for c in result.provider_metadata["scripted"]["calls"]] == [1, 2, 3]
    assert result.response["provider"] == "scripted" and result.response["calls"] == 3
    assert datetime.fromisoformat(result.response["timestamp"]).tzinfo is not None


def test_parallel_calls_respect_the_concurrency_limit() -> None:
    model = ScriptedModel(fast_config(max_parallel_calls=2), delay=0.05)
    asyncio.run(model.generate(ImageOptions(prompt="a fox", n=8), deadline_s=5))
    assert len(model.calls) == 4 and model.peak == 2


def test_one_failed_call_fails_the_whole_generation_with_its_error() -> None:
    model = ScriptedModel(fast_config(), fail_on_call=2)
    with pytest.raises(UpstreamError, match="scripted failure"):
        asyncio.run(model.generate(ImageOptions(prompt="a fox", n=6), deadline_s=5))


def test_unsupported_settings_become_warnings_not_failures() -> None:
    model = ScriptedModel(fast_config())
    options = ImageOptions(
        prompt="a fox", seed=1, size="512x512", negative_prompt="blur", background="transparent"
    )
    result = asyncio.run(model.generate(options, deadline_s=5))
    assert len(result.images) == 1
    joined = " ".join(result.warnings)
    assert "'negative_prompt'" in joined and "'background'" in joined
    assert "'seed'" not in joined and "'size'" not in joined


def test_deadline_bounds_the_whole_call() -> None:
    model = ScriptedModel(fast_config(), delay=2.0)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout) as info:
        asyncio.run(model.generate(ImageOptions(prompt="a fox"), deadline_s=0.2))
    assert time.monotonic() - started < 1.5
    assert status_of(info.value) == 504 and info.value.backend == "scripted"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (ImageOptions(prompt="  "), "prompt"),
        (ImageOptions(prompt="x", n=0), "n"),
        (ImageOptions(prompt="x", n=11), "n"),
        (ImageOptions(prompt="x", output_compression=101), "output_compression"),
        (ImageOptions(prompt="x", width=-5), "width"),
        (ImageOptions(prompt="x", mask=b"\x89PNG"), "mask"),
    ],
)
def test_invalid_options_are_validation_errors(options: ImageOptions, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        asyncio.run(ScriptedModel(fast_config()).generate(options, deadline_s=5))
    assert info.value.field == field


# ------------------------------------------------------------------------------- retries


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after({"Retry-After": future}) or 0) <= 31
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def _flaky(failures: list[Exception], value: str = "ok"):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    async def attempt() -> str:
        calls["n"] += 1
        if failures:
            raise failures.pop(0)
        return value

    return attempt, calls


def test_retryable_failures_are_retried_honouring_retry_after() -> None:
    busy = UpstreamUnavailable("busy", backend="x")
    attempt, calls = _flaky([Retryable(busy, 0.15), Retryable(busy, 0.15)])
    started = time.monotonic()
    result = asyncio.run(
        call_with_retries(
            attempt, provider="x", policy=RetryPolicy(max_retries=2, base_delay_s=0.001), deadline=Deadline(5)
        )
    )
    assert result == "ok" and calls["n"] == 3
    assert time.monotonic() - started >= 0.3  # waited what the server asked, twice


def test_exhausted_retries_raise_the_last_error_with_attempts() -> None:
    busy = UpstreamUnavailable("x is rate-limiting", backend="x")
    attempt, calls = _flaky([Retryable(busy, 0.0)] * 5)
    with pytest.raises(UpstreamUnavailable) as info:
        asyncio.run(
            call_with_retries(attempt, provider="x", policy=RetryPolicy(max_retries=2), deadline=Deadline(5))
        )
    assert calls["n"] == 3
    assert "gave up after 3 attempts" in info.value.detail
    assert info.value.backend == "x"


def test_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    busy = UpstreamUnavailable("busy", backend="x")
    attempt, calls = _flaky([Retryable(busy, 30.0), Retryable(busy, 30.0)])
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as info:
        asyncio.run(
            call_with_retries(attempt, provider="x", policy=RetryPolicy(max_retries=5), deadline=Deadline(2))
        )
    assert time.monotonic() - started < 1.5 and calls["n"] == 1
    assert info.value.extensions["retryAfter"] == 30
    assert headers_of(info.value)["Retry-After"] == "30"


def test_non_retryable_errors_are_not_retried() -> None:
    attempt, calls = _flaky([ValidationFailed("bad", field="x")])
    with pytest.raises(ValidationFailed):
        asyncio.run(call_with_retries(attempt, provider="x", policy=RetryPolicy(), deadline=Deadline(5)))
    assert calls["n"] == 1


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=5.0)
    assert 0.5 <= policy.backoff(0) <= 1.0
    assert 2.0 <= policy.backoff(2) <= 4.0
    assert 2.5 <= policy.backoff(10) <= 5.0


# ------------------------------------------------------------------------------- bytes


def test_sniff_media_type() -> None:
    assert sniff_media_type(png_bytes()) == "image/png"
    assert sniff_media_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_media_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_media_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "image/svg+xml"
    assert sniff_media_type(b"garbage", "image/png") == "image/png"


def test_transparent_mask_becomes_white_repaint_mask() -> None:
    import io

    from PIL import Image

    mask = Image.new("RGBA", (4, 4), (0, 0, 0, 255))
    mask.putpixel((1, 1), (0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    converted = Image.open(io.BytesIO(mask_white_repaints(buffer.getvalue())))
    assert converted.mode == "L"
    assert converted.getpixel((1, 1)) == 255 and converted.getpixel((0, 0)) == 0
    with pytest.raises(ValidationFailed):
        mask_white_repaints(b"not an image")
