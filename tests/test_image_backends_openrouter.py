"""`openrouter` image backend against a fake `POST /api/v1/images` on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import pytest

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable, problem_of, status_of
from models.image import ContentRejected, ImageOptions, ImageResult, create_image_model
from tests.fakes.image_providers import (
    FakeOpenRouter,
    Reply,
    closed_port_url,
    fast_config,
    png_bytes,
    run_image_model,
)

KEY = "sk-or-v1-SECRET-abcdef"


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def generate(
    base_url: str, model: str, options: ImageOptions, deadline: float = 10, **config: object
) -> ImageResult:
    result: ImageResult = run_image_model(
        f"openrouter:{model}",
        options,
        deadline,
        openrouter_base_url=base_url,
        openrouter_api_key=KEY,
        **config,
    )
    return result


def test_request_carries_every_setting_and_the_provider_passthrough(fake: FakeOpenRouter) -> None:
    ref = "https://example.com/ref.png"
    options = ImageOptions(
        prompt="a red panda astronaut",
        n=2,
        aspect_ratio="16:9",
        resolution="2K",
        size="2048x1152",
        seed=42,
        background="opaque",
        output_format="webp",
        output_compression=70,
        quality="high",
        image=png_bytes(9),
        input_references=[ref],
        provider_options={"openrouter": {"provider": {"order": ["openai"], "allow_fallbacks": False}}},
    )
    result = generate(fake.base_url, "openai/gpt-image-1", options)
    [request] = fake.calls("POST", FakeOpenRouter.IMAGES)
    body = request.json()
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "openai/gpt-image-1" and body["n"] == 2
    for key, value in [
        ("aspect_ratio", "16:9"),
        ("resolution", "2K"),
        ("size", "2048x1152"),
        ("seed", 42),
        ("background", "opaque"),
        ("output_format", "webp"),
        ("output_compression", 70),
        ("quality", "high"),
    ]:
        assert body[key] == value
    assert body["provider"] == {"order": ["openai"], "allow_fallbacks": False}
    image_ref = "data:image/png;base64," + base64.b64encode(png_bytes(9)).decode()
    assert body["input_references"] == [
        {"type": "image_url", "image_url": {"url": image_ref}},
        {"type": "image_url", "image_url": {"url": ref}},
    ]
    assert [img.data for img in result.images] == [png_bytes(0), png_bytes(1)]
    assert result.images[0].media_type == "image/png"  # the bytes win over a wrong declared type
    assert result.usage == {"inputTokens": 7, "outputTokens": 1290, "costUsd": 0.04, "totalTokens": 1297}
    assert result.provider_metadata["openrouter"]["cost"] == 0.04
    assert result.response["responses"][0]["headers"]["x-generation-id"] == "gen-fake-1"


def test_single_image_providers_get_one_call_per_image(fake: FakeOpenRouter) -> None:
    result = generate(fake.base_url, "google/gemini-2.5-flash-image", ImageOptions(prompt="a fox", n=3))
    calls = fake.calls("POST", FakeOpenRouter.IMAGES)
    assert [c.json()["n"] for c in calls] == [1, 1, 1]
    assert len(result.images) == 3 and result.usage["costUsd"] == pytest.approx(0.12)


def test_unsupported_settings_are_warnings(fake: FakeOpenRouter) -> None:
    options = ImageOptions(prompt="a fox", negative_prompt="blur", guidance_scale=7.5, style="anime")
    result = generate(fake.base_url, "openai/gpt-image-1", options)
    body = fake.calls("POST", FakeOpenRouter.IMAGES)[0].json()
    assert "negative_prompt" not in body and "style" not in body
    assert len(result.warnings) == 3


def test_width_and_height_become_size(fake: FakeOpenRouter) -> None:
    generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox", width=1536, height=1024))
    assert fake.calls("POST", FakeOpenRouter.IMAGES)[0].json()["size"] == "1536x1024"


def test_429_twice_then_success_costs_only_time(fake: FakeOpenRouter) -> None:
    throttled = Reply(
        429, {"error": {"code": 429, "message": "Rate limit exceeded"}}, headers={"Retry-After": "0.1"}
    )
    fake.script("POST", FakeOpenRouter.IMAGES, throttled, throttled)
    result = generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox"))
    assert len(result.images) == 1 and result.warnings == []
    assert len(fake.calls("POST", FakeOpenRouter.IMAGES)) == 3


def test_retry_after_longer_than_the_deadline_fails_fast(fake: FakeOpenRouter) -> None:
    slow = Reply(429, {"error": {"code": 429, "message": "slow"}}, headers={"Retry-After": "120"})
    fake.script("POST", FakeOpenRouter.IMAGES, slow)
    with pytest.raises(UpstreamUnavailable) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox"), deadline=5)
    assert info.value.extensions["retryAfter"] == 120
    assert len(fake.calls("POST", FakeOpenRouter.IMAGES)) == 1


def test_persistent_5xx_is_an_upstream_error(fake: FakeOpenRouter) -> None:
    fake.script(
        "POST", FakeOpenRouter.IMAGES, *[Reply(502, {"error": {"code": 502, "message": "bad gateway"}})] * 3
    )
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and info.value.backend == "openrouter"
    assert "openrouter" in info.value.detail


def test_provider_down_is_a_502_naming_it() -> None:
    with pytest.raises(UpstreamError) as info:
        generate(closed_port_url() + "/api/v1", "openai/gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and "cannot reach openrouter" in info.value.detail


def test_timed_out_generation_is_not_retried(fake: FakeOpenRouter) -> None:
    fake.script("POST", FakeOpenRouter.IMAGES, Reply(200, {"data": []}, delay=1.5))
    with pytest.raises(UpstreamTimeout) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox"), timeout_s=0.3)
    assert status_of(info.value) == 504 and info.value.backend == "openrouter"
    assert len(fake.calls("POST", FakeOpenRouter.IMAGES)) == 1  # it may have run: never pay twice


def test_moderation_refusal_is_content_rejected(fake: FakeOpenRouter) -> None:
    fake.script("POST", FakeOpenRouter.IMAGES, FakeOpenRouter.moderation())
    with pytest.raises(ContentRejected) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="something violent"))
    assert status_of(info.value) == 422 and "violence" in info.value.detail
    assert len(fake.calls("POST", FakeOpenRouter.IMAGES)) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, body=b"not json at all", content_type="application/json"),
        Reply(200, ["a", "list"]),
        Reply(200, {"created": 1}),
        Reply(200, {"created": 1, "data": [{"b64_json": "!!!!"}]}),
        Reply(200, {"created": 1, "data": ["nope"]}),
    ],
)
def test_malformed_bodies_are_upstream_errors(fake: FakeOpenRouter, reply: Reply) -> None:
    fake.script("POST", FakeOpenRouter.IMAGES, reply)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and info.value.backend == "openrouter"


def test_credentials_never_appear_in_errors(fake: FakeOpenRouter) -> None:
    echo = Reply(401, {"error": {"code": 401, "message": f"No auth credentials found for {KEY}"}})
    fake.script("POST", FakeOpenRouter.IMAGES, echo)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "openai/gpt-image-1", ImageOptions(prompt="x"))
    assert KEY not in str(problem_of(info.value))


def test_one_backend_serves_several_event_loops(fake: FakeOpenRouter) -> None:
    backend = create_image_model(
        "openrouter:openai/gpt-image-1", fast_config(openrouter_base_url=fake.base_url)
    )
    for _ in range(2):  # e.g. a CLI calling asyncio.run per command
        assert len(asyncio.run(backend.generate(ImageOptions(prompt="a fox"), deadline_s=5)).images) == 1
    asyncio.run(backend.aclose())
