"""`openai` image backend against a fake OpenAI Images server on 127.0.0.1."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from PIL import Image

from app.errors import (
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    problem_of,
    problem_type,
    status_of,
)
from models.image import ContentRejected, ImageOptions, ImageResult, ProviderRejected
from tests.fakes.image_providers import (
    FakeOpenAI,
    Reply,
    closed_port_url,
    png_bytes,
    run_image_model,
)

KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def generate(
    base_url: str, model: str, options: ImageOptions, deadline: float = 10, **config: object
) -> ImageResult:
    result: ImageResult = run_image_model(
        f"openai:{model}", options, deadline, openai_base_url=base_url, openai_api_key=KEY, **config
    )
    return result


def test_generate_sends_gpt_image_settings_and_returns_images(fake: FakeOpenAI) -> None:
    options = ImageOptions(
        prompt="a lighthouse at dusk",
        n=2,
        size="1024x1536",
        quality="low",
        background="transparent",
        output_format="png",
        output_compression=80,
        provider_options={"openai": {"moderation": "low"}, "replicate": {"ignored": True}},
    )
    result = generate(fake.base_url, "gpt-image-1", options)
    [request] = fake.calls("POST", FakeOpenAI.GENERATIONS)
    body = request.json()
    assert body == {
        "model": "gpt-image-1",
        "prompt": "a lighthouse at dusk",
        "n": 2,
        "size": "1024x1536",
        "quality": "low",
        "background": "transparent",
        "output_format": "png",
        "output_compression": 80,
        "moderation": "low",
    }
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert [img.data for img in result.images] == [png_bytes(0), png_bytes(1)]
    assert all(img.media_type == "image/png" for img in result.images)
    assert result.usage == {"inputTokens": 10, "outputTokens": 200, "totalTokens": 210}
    assert result.provider_metadata["openai"]["images"] == [{}, {}]
    assert result.response["responses"][0]["headers"]["x-request-id"] == "req_fake_1"
    assert result.warnings == []


def test_settings_openai_cannot_honour_are_warnings(fake: FakeOpenAI) -> None:
    options = ImageOptions(prompt="a fox", seed=7, negative_prompt="blurry", steps=30, aspect_ratio="16:9")
    result = generate(fake.base_url, "gpt-image-1", options)
    assert len(result.images) == 1
    body = fake.calls("POST", FakeOpenAI.GENERATIONS)[0].json()
    assert body["size"] == "1536x1024" and "seed" not in body
    text = " ".join(result.warnings)
    for name in ("'seed'", "'negative_prompt'", "'steps'", "approximated as size 1536x1024"):
        assert name in text


def test_dalle3_generates_one_image_per_call_in_parallel(fake: FakeOpenAI) -> None:
    result = generate(
        fake.base_url, "dall-e-3", ImageOptions(prompt="a fox", n=3, quality="hd", style="vivid")
    )
    calls = fake.calls("POST", FakeOpenAI.GENERATIONS)
    assert len(calls) == 3
    assert all(c.json()["n"] == 1 and c.json()["response_format"] == "b64_json" for c in calls)
    assert all(c.json()["style"] == "vivid" for c in calls)
    assert len(result.images) == 3
    assert all(img.revised_prompt == "a revised prompt" for img in result.images)
    assert result.response["calls"] == 3


def test_edit_with_image_and_png_mask_uses_the_edits_endpoint(fake: FakeOpenAI) -> None:
    mask = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    options = ImageOptions(prompt="add a whale", image=png_bytes(3), mask=buffer.getvalue(), n=2)
    result = generate(fake.base_url, "gpt-image-1", options)
    [request] = fake.calls("POST", FakeOpenAI.EDITS)
    form = request.form()
    assert form["image"][0][1] == png_bytes(3)
    assert form["mask"][0][1] == buffer.getvalue()
    assert form["prompt"][0][1] == b"add a whale"
    assert len(result.images) == 2
    assert not fake.calls("POST", FakeOpenAI.GENERATIONS)


def test_jpeg_mask_is_converted_to_png(fake: FakeOpenAI) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 255, 255)).save(buffer, format="JPEG")
    generate(
        fake.base_url, "gpt-image-1", ImageOptions(prompt="x", image=png_bytes(), mask=buffer.getvalue())
    )
    form = fake.calls("POST", FakeOpenAI.EDITS)[0].form()
    assert form["mask"][0][1].startswith(b"\x89PNG")


def test_data_url_references_become_edit_images(fake: FakeOpenAI) -> None:
    ref = "data:image/png;base64," + base64.b64encode(png_bytes(5)).decode()
    refs = [ref, "https://example.com/a.png"]
    result = generate(
        fake.base_url, "gpt-image-1", ImageOptions(prompt="x", image=png_bytes(1), input_references=refs)
    )
    form = fake.calls("POST", FakeOpenAI.EDITS)[0].form()
    assert [part[1] for part in form["image[]"]] == [png_bytes(1), png_bytes(5)]
    assert any("data URLs only" in w for w in result.warnings)


def test_429_twice_then_success_costs_only_time(fake: FakeOpenAI) -> None:
    throttled = Reply(
        429, {"error": {"message": "Rate limit reached", "type": "requests"}}, headers={"Retry-After": "0"}
    )
    fake.script("POST", FakeOpenAI.GENERATIONS, throttled, throttled)
    result = generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="a fox"))
    assert len(result.images) == 1
    assert len(fake.calls("POST", FakeOpenAI.GENERATIONS)) == 3
    assert result.response["responses"][0]["attempts"] == 3


def test_persistent_500_is_an_upstream_error_naming_openai(fake: FakeOpenAI) -> None:
    fake.script("POST", FakeOpenAI.GENERATIONS, *[Reply(500, {"error": {"message": "boom"}})] * 3)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and info.value.backend == "openai"
    assert "openai" in info.value.detail and "3 attempts" in info.value.detail
    assert len(fake.calls("POST", FakeOpenAI.GENERATIONS)) == 3


def test_rate_limit_that_never_ends_is_upstream_unavailable(fake: FakeOpenAI) -> None:
    fake.script("POST", FakeOpenAI.GENERATIONS, *[Reply(429, {"error": {"message": "slow down"}})] * 3)
    with pytest.raises(UpstreamUnavailable) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 503 and "429" in info.value.detail


def test_provider_down_is_a_502_naming_it() -> None:
    with pytest.raises(UpstreamError) as info:
        generate(closed_port_url() + "/v1", "gpt-image-1", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and info.value.backend == "openai"
    assert "openai" in info.value.detail


def test_slow_provider_times_out(fake: FakeOpenAI) -> None:
    fake.script("POST", FakeOpenAI.GENERATIONS, Reply(200, {"created": 1, "data": []}, delay=1.5))
    with pytest.raises(UpstreamTimeout) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="a fox"), timeout_s=0.3, max_retries=0)
    assert status_of(info.value) == 504


def test_content_policy_refusal_is_a_4xx_and_not_retried(fake: FakeOpenAI) -> None:
    fake.script("POST", FakeOpenAI.GENERATIONS, FakeOpenAI.content_policy())
    with pytest.raises(ContentRejected) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="something forbidden"))
    assert status_of(info.value) == 422 and problem_type(info.value).slug == "content-rejected"
    assert len(fake.calls("POST", FakeOpenAI.GENERATIONS)) == 1


def test_bad_parameters_are_a_provider_rejection(fake: FakeOpenAI) -> None:
    bad = Reply(
        400, {"error": {"message": "Invalid size '13x13'.", "type": "invalid_request_error", "code": None}}
    )
    fake.script("POST", FakeOpenAI.GENERATIONS, bad)
    with pytest.raises(ProviderRejected, match="Invalid size"):
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="x", size="13x13"))


def test_malformed_bodies_are_upstream_errors(fake: FakeOpenAI) -> None:
    fake.script(
        "POST", FakeOpenAI.GENERATIONS, Reply(200, body=b"<html>oops</html>", content_type="text/html")
    )
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="x"))
    assert status_of(info.value) == 502
    fake.script("POST", FakeOpenAI.GENERATIONS, Reply(200, {"created": 1, "data": [{"b64_json": "%%%"}]}))
    with pytest.raises(UpstreamError, match="valid data"):
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="x"))


def test_credentials_never_appear_in_errors(fake: FakeOpenAI) -> None:
    echo = Reply(
        401, {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid_api_key"}}
    )
    fake.script("POST", FakeOpenAI.GENERATIONS, echo)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "gpt-image-1", ImageOptions(prompt="x"))
    assert "credentials" in info.value.detail
    assert KEY not in info.value.detail and KEY not in str(problem_of(info.value))
