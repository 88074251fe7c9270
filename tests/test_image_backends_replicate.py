"""`replicate` image backend against a fake Replicate predictions API on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable, problem_of, status_of
from models.image import ContentRejected, ImageOptions, ImageResult
from tests.fakes.image_providers import (
    FakeReplicate,
    FakeServer,
    Reply,
    closed_port_url,
    png_bytes,
    run_image_model,
)

TOKEN = "r8_SECRET_token_0123456789"
SCHNELL = r"/v1/models/black-forest-labs/flux-schnell/predictions"


@pytest.fixture
def fake() -> Iterator[FakeReplicate]:
    with FakeReplicate() as server:
        yield server


def generate(
    base_url: str, model: str, options: ImageOptions, deadline: float = 10, **config: object
) -> ImageResult:
    result: ImageResult = run_image_model(
        f"replicate:{model}",
        options,
        deadline,
        replicate_base_url=base_url,
        replicate_api_token=TOKEN,
        **config,
    )
    return result


def test_flux_schnell_sync_mode_maps_settings_and_downloads_outputs(fake: FakeReplicate) -> None:
    options = ImageOptions(
        prompt="a lighthouse",
        n=2,
        aspect_ratio="16:9",
        seed=5,
        output_format="jpeg",
        output_compression=80,
        steps=4,
        provider_options={"replicate": {"go_fast": True}},
    )
    result = generate(fake.base_url, "flux-schnell", options)
    [create] = fake.calls("POST", SCHNELL)
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    assert re.fullmatch(r"wait=\d+", create.headers["prefer"])
    assert create.json() == {
        "input": {
            "prompt": "a lighthouse",
            "num_outputs": 2,
            "aspect_ratio": "16:9",
            "seed": 5,
            "output_format": "jpg",
            "output_quality": 80,
            "num_inference_steps": 4,
            "go_fast": True,
        }
    }
    assert not fake.calls("GET", FakeReplicate.GET)  # answered synchronously
    assert [img.data for img in result.images] == [png_bytes(0), png_bytes(1)]
    assert all(img.media_type == "image/png" for img in result.images)  # sniffed from the bytes
    meta = result.provider_metadata["replicate"]
    assert meta["predictionId"] == "pred1" and meta["images"][0]["url"].endswith("/files/pred1_0.png")
    assert result.usage == {"predictTimeS": 0.5}


def test_polling_fallback_when_prefer_wait_returns_early() -> None:
    with FakeReplicate(polls_needed=3) as fake:
        result = generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
        assert len(fake.calls("GET", FakeReplicate.GET)) == 4
        assert len(result.images) == 1


def test_sync_mode_can_be_disabled() -> None:
    with FakeReplicate(polls_needed=0) as fake:
        generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"), replicate_wait_s=0)
        assert "prefer" not in fake.calls("POST", SCHNELL)[0].headers
        assert len(fake.calls("GET", FakeReplicate.GET)) == 1


def test_single_output_models_run_one_prediction_per_image(fake: FakeReplicate) -> None:
    options = ImageOptions(prompt="a fox", n=2, output_format="webp", input_references=["https://x/a.png"])
    result = generate(fake.base_url, "flux-1.1-pro-ultra", options)
    calls = fake.calls("POST", r"/v1/models/black-forest-labs/flux-1.1-pro-ultra/predictions")
    assert len(calls) == 2 and all("num_outputs" not in c.json()["input"] for c in calls)
    assert calls[0].json()["input"]["image_prompt"] == "https://x/a.png"
    assert len(result.images) == 2
    assert any("cannot output 'webp'" in w for w in result.warnings)


def test_recraft_takes_size_and_style(fake: FakeReplicate) -> None:
    generate(
        fake.base_url,
        "recraft-v3",
        ImageOptions(prompt="a logo", size="1024x1024", style="digital_illustration"),
    )
    body = fake.calls("POST", r"/v1/models/recraft-ai/recraft-v3/predictions")[0].json()
    assert body["input"] == {"prompt": "a logo", "size": "1024x1024", "style": "digital_illustration"}


def test_inpainting_sends_image_and_white_repaint_mask(fake: FakeReplicate) -> None:
    mask = Image.new("RGBA", (4, 4), (0, 0, 0, 255))
    mask.putpixel((0, 0), (0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    options = ImageOptions(
        prompt="a whale", image=png_bytes(2), mask=buffer.getvalue(), negative_prompt="blur"
    )
    result = generate(fake.base_url, "stability-ai/stable-diffusion-inpainting", options)
    body = fake.calls("POST", r"/v1/models/stability-ai/stable-diffusion-inpainting/predictions")[0].json()
    model_input = body["input"]
    assert model_input["image"] == "data:image/png;base64," + base64.b64encode(png_bytes(2)).decode()
    sent_mask = Image.open(io.BytesIO(base64.b64decode(model_input["mask"].split(",", 1)[1])))
    assert sent_mask.getpixel((0, 0)) == 255 and sent_mask.getpixel((1, 1)) == 0
    assert model_input["negative_prompt"] == "blur"
    assert result.warnings == []


def test_pinned_version_uses_the_predictions_endpoint(fake: FakeReplicate) -> None:
    generate(fake.base_url, "someone/their-model:abc123", ImageOptions(prompt="a fox", seed=3))
    [create] = fake.calls("POST", FakeReplicate.CREATE_VERSION)
    assert create.json() == {"version": "abc123", "input": {"prompt": "a fox", "seed": 3}}


def test_unsupported_settings_are_warnings(fake: FakeReplicate) -> None:
    result = generate(
        fake.base_url, "flux-schnell", ImageOptions(prompt="a fox", background="transparent", quality="hd")
    )
    assert len(result.images) == 1 and len(result.warnings) == 2
    assert "background" not in fake.calls("POST", SCHNELL)[0].json()["input"]


def test_429_twice_then_success_costs_only_time(fake: FakeReplicate) -> None:
    fake.script("POST", FakeReplicate.CREATE, FakeReplicate.throttled("0"), FakeReplicate.throttled("0"))
    result = generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
    assert len(result.images) == 1
    assert len(fake.calls("POST", SCHNELL)) == 3


def test_poll_errors_are_retried() -> None:
    with FakeReplicate(polls_needed=1) as fake:
        fake.script("GET", FakeReplicate.GET, Reply(500, {"detail": "Internal server error", "status": 500}))
        result = generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
        assert len(result.images) == 1


def test_throttling_that_never_ends_is_upstream_unavailable(fake: FakeReplicate) -> None:
    fake.script("POST", FakeReplicate.CREATE, *[FakeReplicate.throttled("0")] * 3)
    with pytest.raises(UpstreamUnavailable) as info:
        generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
    assert info.value.backend == "replicate" and "throttled" in info.value.detail


def test_provider_down_is_a_502_naming_it() -> None:
    with pytest.raises(UpstreamError) as info:
        generate(closed_port_url() + "/v1", "flux-schnell", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502 and "replicate" in info.value.detail


def test_nsfw_failure_is_content_rejected() -> None:
    with FakeReplicate(
        fail_with="NSFW content detected. Try running it again, or try a different prompt."
    ) as fake:
        with pytest.raises(ContentRejected) as info:
            generate(fake.base_url, "flux-schnell", ImageOptions(prompt="something"))
        assert status_of(info.value) == 422 and "NSFW" in info.value.detail


def test_other_prediction_failures_are_upstream_errors() -> None:
    with FakeReplicate(fail_with="CUDA out of memory") as fake:
        with pytest.raises(UpstreamError, match="CUDA out of memory") as info:
            generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
        assert status_of(info.value) == 502


def test_deadline_while_polling_cancels_the_prediction() -> None:
    # The deadline must leave the create time to answer on a loaded machine: a deadline that
    # ends during the create has no prediction id to cancel (CI once took over 0.5 s there).
    with FakeReplicate(polls_needed=10_000) as fake:
        with pytest.raises(UpstreamTimeout):
            generate(
                fake.base_url,
                "flux-schnell",
                ImageOptions(prompt="a fox"),
                deadline=2.0,
                poll_interval_s=0.05,
            )
        assert fake.calls("GET", FakeReplicate.GET), "the deadline ended before any poll"
        assert fake.calls("POST", FakeReplicate.CANCEL)
        assert fake.predictions["pred1"]["status"] == "canceled"


def test_slow_poll_is_retried() -> None:
    with FakeReplicate(polls_needed=1) as fake:
        fake.script("GET", FakeReplicate.GET, Reply(200, {}, delay=1.0))
        options = ImageOptions(prompt="a fox")
        result = generate(fake.base_url, "flux-schnell", options, timeout_s=0.3, replicate_wait_s=0)
        assert len(result.images) == 1


def test_slow_create_times_out(fake: FakeReplicate) -> None:
    fake.script("POST", FakeReplicate.CREATE, Reply(201, {}, delay=1.5))
    with pytest.raises(UpstreamTimeout):
        generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"), timeout_s=0.3, max_retries=0)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(201, body=b"<html>502 Bad Gateway</html>", content_type="text/html"),
        Reply(201, {"id": "p", "status": "weird"}),
        Reply(201, {"id": "p", "status": "succeeded", "output": None}),
    ],
)
def test_malformed_predictions_are_upstream_errors(fake: FakeReplicate, reply: Reply) -> None:
    fake.script("POST", FakeReplicate.CREATE, reply)
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
    assert status_of(info.value) == 502


def test_token_is_not_sent_to_other_hosts() -> None:
    with FakeReplicate() as fake, FakeServer() as cdn:
        cdn.route(
            "GET", r"/out\.png", lambda request, match: Reply(body=png_bytes(7), content_type="image/png")
        )
        done = {
            "id": "p1",
            "status": "succeeded",
            "output": [cdn.url + "/out.png"],
            "urls": {"get": "https://elsewhere.example/v1/predictions/p1"},
        }
        fake.script("POST", FakeReplicate.CREATE, Reply(201, done))
        result = generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
        assert result.images[0].data == png_bytes(7)
        [download] = cdn.calls("GET", r"/out\.png")
        assert "authorization" not in download.headers


def test_token_never_appears_in_errors(fake: FakeReplicate) -> None:
    fake.script("POST", FakeReplicate.CREATE, Reply(401, {"detail": f"Invalid token {TOKEN}", "status": 401}))
    with pytest.raises(UpstreamError) as info:
        generate(fake.base_url, "flux-schnell", ImageOptions(prompt="a fox"))
    assert TOKEN not in str(problem_of(info.value))
