"""`gemini` image backend against a fake Gemini `generateContent` on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable, problem_of, status_of
from models.image import ContentRejected, ImageOptions, ImageResult
from tests.fakes.image_providers import (
    FakeGemini,
    Reply,
    closed_port_url,
    png_bytes,
    run_image_model,
)

KEY = "AIzaSy-SECRET-0123456789"
FLASH = r"/v1beta/models/gemini-2.5-flash-image:generateContent"
PRO = r"/v1beta/models/gemini-3-pro-image-preview:generateContent"


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def generate(
    base_url: str, model: str, options: ImageOptions, deadline: float = 10, **config: object
) -> ImageResult:
    result: ImageResult = run_image_model(
        f"gemini:{model}", options, deadline, gemini_base_url=base_url, gemini_api_key=KEY, **config
    )
    return result


def test_nano_banana_request_and_inline_image(fake: FakeGemini) -> None:
    result = generate(
        fake.base_url, "google/nano-banana", ImageOptions(prompt="a banana", aspect_ratio="16:9", seed=9)
    )
    [request] = fake.calls("POST", FLASH)
    assert request.headers["x-goog-api-key"] == KEY
    body = request.json()
    assert body["contents"] == [{"role": "user", "parts": [{"text": "a banana"}]}]
    assert body["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9"},
        "seed": 9,
    }
    [image] = result.images
    assert image.media_type == "image/png" and image.data.startswith(b"\x89PNG")
    assert result.usage == {"inputTokens": 12, "outputTokens": 1290, "totalTokens": 1302}
    assert result.provider_metadata["gemini"]["images"] == [{"text": "Here is your image."}]
    assert result.response["responses"][0]["modelId"] == "gemini-2.5-flash-image"
    assert result.warnings == []


def test_pro_model_takes_a_resolution_tier(fake: FakeGemini) -> None:
    generate(
        fake.base_url, "google/nano-banana-pro", ImageOptions(prompt="x", resolution="2K", aspect_ratio="1:1")
    )
    body = fake.calls("POST", PRO)[0].json()
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": "1:1", "imageSize": "2K"}


def test_flash_model_warns_about_resolution(fake: FakeGemini) -> None:
    result = generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x", resolution="4K"))
    assert "imageSize" not in fake.calls("POST", FLASH)[0].json()["generationConfig"].get("imageConfig", {})
    assert any("no resolution setting" in w for w in result.warnings)


def test_width_and_height_give_the_aspect_ratio(fake: FakeGemini) -> None:
    generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x", width=1920, height=1080))
    assert fake.calls("POST", FLASH)[0].json()["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9"}


def test_unlisted_aspect_ratio_uses_the_nearest_with_a_warning(fake: FakeGemini) -> None:
    result = generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x", aspect_ratio="17:9"))
    assert fake.calls("POST", FLASH)[0].json()["generationConfig"]["imageConfig"]["aspectRatio"] == "16:9"
    assert any("using 16:9" in w for w in result.warnings)


def test_n_images_are_parallel_single_image_calls(fake: FakeGemini) -> None:
    result = generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x", n=3, seed=10))
    seeds = sorted(c.json()["generationConfig"]["seed"] for c in fake.calls("POST", FLASH))
    assert seeds == [10, 11, 12] and len(result.images) == 3
    assert len({img.data for img in result.images}) == 3


def test_edit_with_mask_sends_inline_images_and_warns(fake: FakeGemini) -> None:
    ref = "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xffjpeg").decode()
    options = ImageOptions(
        prompt="add a whale",
        image=png_bytes(1),
        mask=png_bytes(2),
        input_references=[ref, "https://example.com/x.png"],
        output_format="jpeg",
    )
    result = generate(fake.base_url, "google/nano-banana", options)
    parts = fake.calls("POST", FLASH)[0].json()["contents"][0]["parts"]
    assert parts[0]["text"].startswith("add a whale") and "mask" in parts[0]["text"]
    assert parts[1] == {
        "inlineData": {"mimeType": "image/png", "data": base64.b64encode(png_bytes(1)).decode()}
    }
    assert parts[2]["inlineData"]["mimeType"] == "image/jpeg"
    assert parts[3]["inlineData"]["data"] == base64.b64encode(png_bytes(2)).decode()
    text = " ".join(result.warnings)
    assert "no mask parameter" in text and "data URLs only" in text and "PNG only" in text


def test_provider_options_merge_into_the_body(fake: FakeGemini) -> None:
    options = ImageOptions(
        prompt="x",
        provider_options={"gemini": {"generationConfig": {"temperature": 0.2}, "safetySettings": [{"a": 1}]}},
    )
    generate(fake.base_url, "google/nano-banana", options)
    body = fake.calls("POST", FLASH)[0].json()
    assert body["generationConfig"]["temperature"] == 0.2
    assert body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert body["safetySettings"] == [{"a": 1}]


def test_resource_exhausted_twice_then_success(fake: FakeGemini) -> None:
    fake.script("POST", FakeGemini.GENERATE, FakeGemini.exhausted("0.05s"), FakeGemini.exhausted("0.05s"))
    result = generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"))
    assert len(result.images) == 1 and len(fake.calls("POST", FLASH)) == 3


def test_unavailable_that_persists_is_upstream_unavailable(fake: FakeGemini) -> None:
    down = Reply(
        503, {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    )
    fake.script("POST", FakeGemini.GENERATE, down, down, down)
    with pytest.raises(UpstreamUnavailable) as info:
        generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"))
    assert info.value.backend == "gemini" and "overloaded" in info.value.detail


def test_provider_down_is_a_502_naming_it() -> None:
    with pytest.raises(UpstreamError) as info:
        generate(closed_port_url() + "/v1beta", "google/nano-banana", ImageOptions(prompt="x"))
    assert status_of(info.value) == 502 and "gemini" in info.value.detail


def test_timeout(fake: FakeGemini) -> None:
    fake.script("POST", FakeGemini.GENERATE, Reply(200, {}, delay=1.5))
    with pytest.raises(UpstreamTimeout):
        generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"), timeout_s=0.3, max_retries=0)


@pytest.mark.parametrize("reply", [FakeGemini.blocked_prompt(), FakeGemini.image_safety()])
def test_safety_blocks_are_content_rejected(fake: FakeGemini, reply: Reply) -> None:
    fake.script("POST", FakeGemini.GENERATE, reply)
    with pytest.raises(ContentRejected) as info:
        generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"))
    assert status_of(info.value) == 422 and info.value.backend == "gemini"


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (Reply(200, body=b"{truncated", content_type="application/json"), "malformed"),
        (Reply(200, {"candidates": "nope"}), "malformed"),
        (
            Reply(
                200,
                {
                    "candidates": [
                        {"content": {"parts": [{"text": "I can't draw that."}]}, "finishReason": "STOP"}
                    ]
                },
            ),
            "I can't draw that",
        ),
        (
            Reply(
                200,
                {
                    "candidates": [
                        {"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": "@@"}}]}}
                    ]
                },
            ),
            "base64",
        ),
    ],
)
def test_malformed_or_imageless_answers_are_upstream_errors(
    fake: FakeGemini, reply: Reply, match: str
) -> None:
    fake.script("POST", FakeGemini.GENERATE, reply)
    with pytest.raises(UpstreamError, match=match) as info:
        generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"))
    assert status_of(info.value) == 502


def test_invalid_key_is_an_upstream_error_without_the_key(fake: FakeGemini) -> None:
    bad_key = Reply(
        400,
        {
            "error": {
                "code": 400,
                "message": f"API key not valid. Please pass a valid API key. ({KEY})",
                "status": "INVALID_ARGUMENT",
                "details": [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
                ],
            }
        },
    )
    fake.script("POST", FakeGemini.GENERATE, bad_key)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "google/nano-banana", ImageOptions(prompt="x"))
    assert status_of(info.value) == 502 and "credentials" in info.value.detail
    assert KEY not in str(problem_of(info.value))
