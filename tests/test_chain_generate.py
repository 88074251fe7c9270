"""POST /v1/generate/image end to end: spark -> prompts -> images -> assets, against fake
image providers on loopback (the scripted language model writes the prompts)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from benchmarks.common import LiveServer
from tests.chain_helpers import assert_problem, chain_settings, client_for
from tests.db_helpers import app_call
from tests.fakes.image_providers import (
    FakeOpenAI,
    FakeOpenRouter,
    FakeServer,
    Reply,
    b64,
    closed_port_url,
    png_bytes,
)
from tests.profiles import with_profile

GENERATE = "/v1/generate/image"


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def rgba_png(size: tuple[int, int] = (8, 8), alpha: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (255, 0, 0, alpha)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake_openrouter() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, fake_openai: FakeOpenAI, profile_settings: dict[str, Any]) -> Iterator[Any]:
    settings = with_profile(chain_settings(tmp_path / "data", fake_openai.base_url), profile_settings)
    with client_for(settings) as c:
        yield c


@pytest.fixture
def router_client(tmp_path: Path, fake_openrouter: FakeOpenRouter) -> Iterator[Any]:
    settings = chain_settings(
        tmp_path / "data",
        image_backend="openrouter:google/gemini-2.5-flash-image",
        openrouter_base_url=fake_openrouter.base_url,
    )
    with client_for(settings) as c:
        yield c


def generations(fake: FakeServer) -> list[dict[str, Any]]:
    return [r.json() for r in fake.calls("POST", FakeOpenAI.GENERATIONS)]


# ------------------------------------------------------------------------------- the chain


def test_one_call_turns_a_spark_into_prompts_and_images_with_asset_ids(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    from app.server import create_app
    from models.lm.scripted import ScriptedLanguageModel

    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as server:
        body = {"prompt": "a lighthouse keeper's cat", "promptGeneration": {"numResults": 2, "seed": 7}}
        response = httpx.post(server.url + GENERATE, json=body, timeout=30)
        assert response.status_code == 200, response.text
        result = response.json()
        prompts = result["prompts"]
        assert len(prompts) == 2 and all(p.lower().startswith("a lighthouse keeper's cat") for p in prompts)
        assert [image["prompt"] for image in result["images"]] == prompts
        assert [image["promptIndex"] for image in result["images"]] == [0, 1]
        # the provider was asked for exactly the generated prompts
        assert sorted(call["prompt"] for call in generations(fake_openai)) == sorted(prompts)
        for image in result["images"]:
            assert image["assetId"].startswith("asset_") and image["mediaType"] == "image/png"
            assert image["meta"] == {"width": 4, "height": 4}
            content = httpx.get(server.url + image["url"], timeout=10)
            assert content.status_code == 200 and content.content == png_bytes(0)
            asset = httpx.get(f"{server.url}/v1/assets/{image['assetId']}", timeout=10).json()["asset"]
            assert asset["description"] == image["prompt"]
        job = result["job"]
        assert job["jobType"] == "generate-image" and job["status"] == "success" and job["progress"] == 1
        assert [h["status"] for h in job["statusHistory"]] == ["queued", "in-progress", "success"]
        assert job["metadata"]["output"]["prompts"] == prompts
        assert [i["assetId"] for i in job["metadata"]["output"]["images"]] == [
            i["assetId"] for i in result["images"]
        ]
        assert result["usage"]["prompt"]["backend"] == "scripted"
        assert result["usage"]["image"]["backend"] == "openai:gpt-image-1"
        assert httpx.get(f"{server.url}/v1/jobs/{job['jobId']}", timeout=10).json() == job


def test_images_are_spread_over_the_prompts_in_turn(client: Any) -> None:
    body = {"prompt": "a red kite", "promptGeneration": {"numResults": 2, "seed": 1}, "n": 5}
    result = client.post(GENERATE, json=body).json()
    assert [image["promptIndex"] for image in result["images"]] == [0, 1, 0, 1, 0]
    assert len({image["assetId"] for image in result["images"]}) == 5


def test_one_provider_call_per_prompt_when_the_backend_has_no_seed(
    client: Any, fake_openai: FakeOpenAI
) -> None:
    result = client.post(GENERATE, json={"prompt": "a fox", "n": 3}).json()
    assert [call["n"] for call in generations(fake_openai)] == [3]
    assert [image["seed"] for image in result["images"]] == [None, None, None]


def test_a_seed_honouring_backend_gets_one_call_and_one_seed_per_image(
    router_client: Any, fake_openrouter: FakeOpenRouter
) -> None:
    result = router_client.post(GENERATE, json={"prompt": "a fox", "n": 3, "seed": 100}).json()
    assert [image["seed"] for image in result["images"]] == [100, 101, 102]
    sent = sorted(
        (r.json()["seed"], r.json()["n"]) for r in fake_openrouter.calls("POST", FakeOpenRouter.IMAGES)
    )
    assert sent == [(100, 1), (101, 1), (102, 1)]


def test_an_unseeded_request_reports_the_seed_each_image_used(router_client: Any) -> None:
    seeds = [
        image["seed"]
        for image in router_client.post(GENERATE, json={"prompt": "a fox", "n": 2}).json()["images"]
    ]
    assert all(isinstance(seed, int) for seed in seeds) and seeds[1] == seeds[0] + 1


def test_mode_none_sends_the_spark_unchanged(client: Any, fake_openai: FakeOpenAI) -> None:
    body = {"prompt": "exactly this prompt", "promptGeneration": {"mode": "none"}}
    result = client.post(GENERATE, json=body).json()
    assert result["prompts"] == ["exactly this prompt"] and result["mode"] == "none"
    assert generations(fake_openai)[0]["prompt"] == "exactly this prompt"
    assert result["usage"]["prompt"] is None


def test_image_settings_reach_the_provider(client: Any, fake_openai: FakeOpenAI) -> None:
    body = {
        "prompt": "a fox",
        "size": "1536x1024",
        "quality": "high",
        "background": "opaque",
        "format": "png",
        "output_compression": 50,
    }
    assert client.post(GENERATE, json=body).status_code == 200
    sent = generations(fake_openai)[0]
    assert {k: sent[k] for k in ("size", "quality", "background", "output_format")} == {
        "size": "1536x1024",
        "quality": "high",
        "background": "opaque",
        "output_format": "png",
    }


def test_unsupported_settings_become_warnings(client: Any) -> None:
    body = {"prompt": "a fox", "negative_prompt": "blurry", "steps": 30, "guidance_scale": 7.5}
    result = client.post(GENERATE, json=body).json()
    for name in ("negative_prompt", "steps", "guidance_scale"):
        assert any(name in warning for warning in result["warnings"]), result["warnings"]


def test_a_format_the_provider_ignored_is_converted(client: Any) -> None:
    image = client.post(GENERATE, json={"prompt": "a fox", "format": "webp"}).json()["images"][0]
    assert image["mediaType"] == "image/webp" and image["meta"]["converted_from"] == "image/png"
    content = client.get(image["url"])
    assert content.headers["content-type"] == "image/webp" and content.content[8:12] == b"WEBP"


def test_output_meta_is_measured_on_request(client: Any) -> None:
    body = {
        "prompt": "a fox",
        "output_meta": {"has_transparency": True, "dominant_colors": True, "blurhash": True},
    }
    meta = client.post(GENERATE, json=body).json()["images"][0]["meta"]
    assert meta["width"] == 4 and meta["height"] == 4 and meta["has_transparency"] is False
    assert meta["dominant_colors"] == ["#001e3c"]  # png_bytes(0) is one flat colour
    assert isinstance(meta["blurhash"], str) and len(meta["blurhash"]) == 28


@pytest.mark.parametrize("spelling", [True, ["blurhash"], {"blurhash": True, "dominant_colors": False}])
def test_output_meta_takes_every_transloadit_spelling(client: Any, spelling: Any) -> None:
    meta = client.post(GENERATE, json={"prompt": "a fox", "output_meta": spelling}).json()["images"][0][
        "meta"
    ]
    assert "blurhash" in meta and ("dominant_colors" in meta) == (spelling is True)


def test_b64_json_puts_the_bytes_in_the_response(client: Any) -> None:
    image = client.post(GENERATE, json={"prompt": "a fox", "response_format": "b64_json"}).json()["images"][0]
    assert base64.b64decode(image["b64_json"]) == png_bytes(0)


def test_ensure_ip_cleared_reports_ip_detection(client: Any) -> None:
    body = {
        "prompt": "Mickey Mouse on a beach",
        "promptGeneration": {"ensureIPCleared": True, "mode": "none"},
    }
    result = client.post(GENERATE, json=body).json()
    assert "mickey" not in result["prompts"][0].lower()
    assert result["ipDetection"]["action"] in ("flagged", "blocked")


# ------------------------------------------------------------------------------- inputs


def test_inpainting_sends_image_and_mask_to_the_provider(client: Any, fake_openai: FakeOpenAI) -> None:
    body = {
        "prompt": "a whale breaching",
        "promptGeneration": {"mode": "none"},
        "image": data_url(png_bytes(3, (8, 8))),
        "mask": data_url(rgba_png()),
    }
    assert client.post(GENERATE, json=body).status_code == 200
    (edit,) = fake_openai.calls("POST", FakeOpenAI.EDITS)
    form = edit.form()
    assert form["image"][0][1] == png_bytes(3, (8, 8)) and form["mask"][0][1] == rgba_png()


def test_input_references_take_data_urls_asset_ids_and_http_urls(
    router_client: Any, fake_openrouter: FakeOpenRouter
) -> None:
    asset = router_client.post("/v1/assets", json={"image": data_url(png_bytes(5, (8, 8)))}).json()["asset"]
    with FakeServer() as files:
        files.route(
            "GET", r"/ref\.png", lambda r, m: Reply(body=png_bytes(6, (8, 8)), content_type="image/png")
        )
        refs = [data_url(png_bytes(4, (8, 8))), asset["assetId"], files.url + "/ref.png"]
        response = router_client.post(GENERATE, json={"prompt": "a fox", "input_references": refs})
    assert response.status_code == 200, response.text
    sent = fake_openrouter.calls("POST", FakeOpenRouter.IMAGES)[0].json()["input_references"]
    urls = [entry["image_url"]["url"] for entry in sent]
    assert urls == [data_url(png_bytes(i, (8, 8))) for i in (4, 5, 6)]


def test_an_unreachable_reference_url_is_a_400_naming_it(router_client: Any) -> None:
    body = {"prompt": "a fox", "input_references": [closed_port_url() + "/ref.png"]}
    assert_problem(router_client.post(GENERATE, json=body), 400, "input_references[0]")


def test_an_unknown_asset_id_is_a_404_before_any_job(client: Any, fake_openai: FakeOpenAI) -> None:
    assert_problem(client.post(GENERATE, json={"prompt": "a fox", "image": "asset_nope"}), 404)
    assert fake_openai.requests == []


# ------------------------------------------------------------------------------- backends


def test_model_picks_the_backend(client: Any, fake_openrouter: FakeOpenRouter, tmp_path: Path) -> None:
    settings = chain_settings(
        tmp_path / "other", "http://127.0.0.1:9", openrouter_base_url=fake_openrouter.base_url
    )
    with client_for(settings) as other:
        result = other.post(GENERATE, json={"prompt": "a fox", "model": "openrouter:black-forest-labs/flux"})
        assert result.status_code == 200, result.text
        assert result.json()["usage"]["image"]["backend"] == "openrouter:black-forest-labs/flux"
    assert fake_openrouter.calls("POST", FakeOpenRouter.IMAGES)[0].json()["model"] == "black-forest-labs/flux"


@pytest.mark.parametrize("model", ["gpt-image-1", "midjourney:v6", "diffusers:/etc"])
def test_a_model_that_cannot_be_used_is_a_400_naming_the_choices(client: Any, model: str) -> None:
    body = assert_problem(client.post(GENERATE, json={"prompt": "a fox", "model": model}), 400, "model")
    assert "openai" in body["detail"] or "allowed" in body["detail"]


def test_no_image_backend_configured_is_a_501_problem_naming_the_setting(tmp_path: Path) -> None:
    # "none": with nothing configured at all the backend is preview:card (test_image_backends_preview)
    with client_for(chain_settings(tmp_path / "data", image_backend="none")) as c:
        body = assert_problem(c.post(GENERATE, json={"prompt": "a fox"}), 501)
    assert body["setting"] == "PROMPTGEN_IMAGE_BACKEND" and body["type"].endswith("/not-configured")


def test_a_provider_answering_429_twice_costs_the_caller_only_time(
    client: Any, fake_openai: FakeOpenAI
) -> None:
    throttled = Reply(429, {"error": {"message": "Rate limit reached"}}, headers={"Retry-After": "0"})
    fake_openai.script("POST", FakeOpenAI.GENERATIONS, throttled, throttled)
    response = client.post(GENERATE, json={"prompt": "a fox"})
    assert response.status_code == 200, response.text
    assert len(response.json()["images"]) == 1
    assert len(fake_openai.calls("POST", FakeOpenAI.GENERATIONS)) == 3


def test_a_provider_that_is_down_is_a_502_problem_naming_it(tmp_path: Path) -> None:
    with client_for(chain_settings(tmp_path / "data", closed_port_url() + "/v1")) as c:
        body = assert_problem(c.post(GENERATE, json={"prompt": "a fox"}), 502)
        assert body["backend"] == "openai" and "openai" in body["detail"]
        job = c.get(f"/v1/jobs/{body['jobId']}").json()
    assert job["status"] == "failure" and job["metadata"]["error"]["backend"] == "openai"


def test_a_content_policy_refusal_is_a_422(client: Any, fake_openai: FakeOpenAI) -> None:
    fake_openai.script("POST", FakeOpenAI.GENERATIONS, FakeOpenAI.content_policy())
    body = assert_problem(client.post(GENERATE, json={"prompt": "a fox"}), 422)
    assert body["type"].endswith("/content-rejected")


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"size": "1024x1024", "aspect_ratio": "16:9"}, "size"),
        ({"size": "1024x1024", "width": 512, "height": 512}, "size"),
        ({"size": "2K", "resolution": "2K"}, "size"),
        ({"width": 512, "height": 512, "aspect_ratio": "1:1"}, "width"),
        ({"width": 512}, "height"),
        ({"n": 2, "num_outputs": 2}, "num_outputs"),
        ({"background": "transparent", "format": "jpeg"}, "background"),
        ({"mask": data_url(rgba_png())}, "mask"),
        ({"n": 1, "promptGeneration": {"numResults": 3}}, "promptGeneration.numResults"),
        ({"n": 11}, "n"),
        ({"num_outputs": 0}, "num_outputs"),
        ({"size": "huge"}, "size"),
        ({"aspect_ratio": "wide"}, "aspect_ratio"),
        ({"format": "gif"}, "format"),
        ({"output_compression": 101}, "output_compression"),
        ({"steps": "30"}, "steps"),
        ({"seed": -1}, "seed"),
        ({"async": "true"}, "async"),
        ({"negativePrompt": "x"}, "negativePrompt"),
        ({"promptGeneration": {"ensureIpCleared": True}}, "promptGeneration.ensureIpCleared"),
        ({"output_meta": {"exif": True}}, "output_meta.exif"),
        ({"input_references": ["ftp://example.com/a.png"]}, "input_references[0]"),
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
    ],
)
def test_bad_or_conflicting_fields_are_a_400_naming_the_field(
    client: Any, fake_openai: FakeOpenAI, body: dict[str, Any], field: str
) -> None:
    assert_problem(client.post(GENERATE, json={"prompt": "a fox", **body}), 400, field)
    assert fake_openai.requests == []


def test_a_missing_spark_is_a_400(client: Any) -> None:
    assert_problem(client.post(GENERATE, json={"n": 1}), 400, "prompt")


def test_a_failed_generation_leaves_no_orphan_assets(
    router_client: Any, fake_openrouter: FakeOpenRouter
) -> None:
    good = Reply(json={"created": 1, "data": [{"b64_json": b64(png_bytes(0)), "media_type": "image/png"}]})
    rejected = Reply(400, {"error": {"code": 400, "message": "unsupported size"}}, delay=0.3)
    fake_openrouter.script("POST", FakeOpenRouter.IMAGES, good, rejected)
    body = assert_problem(router_client.post(GENERATE, json={"prompt": "a fox", "n": 2, "seed": 1}), 400)
    assert body["backend"] == "openrouter" and body["jobId"].startswith("job_")
    db = router_client.app.state.images.assets.db
    assert app_call(router_client, db.fetchall, "SELECT asset_id FROM assets") == []
