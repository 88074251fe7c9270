"""The `preview` image backend: a labelled mood-board card drawn with Pillow (no weights, no
network), and the service's default when no image provider is configured, so the chained
generation, the OpenAI-compatible endpoint and the playground work on a fresh install."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from app.settings import Settings, load_settings
from models.image import ImageOptions, create_image_model
from models.image.config import ImageBackendConfig
from models.image.preview import LABEL, composition, lighting, palette
from tests.chain_helpers import assert_problem, client_for

PROMPT = "a lighthouse keeper's cat watching a storm, wide shot, golden hour, gold and navy palette"


def generate(**options: Any) -> Any:
    model = create_image_model("preview:card", ImageBackendConfig())
    return asyncio.run(model.generate(ImageOptions(**{"prompt": PROMPT, **options}), 30))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_prompt_is_read_for_palette_composition_and_lighting() -> None:
    assert [name for name, _ in palette(PROMPT)] == ["golden", "gold", "navy"]
    assert [name for name, _ in palette("sky blue and blue, Sky Blue again, slate gray")] == [
        "sky blue",
        "blue",
        "slate gray",
    ]
    assert palette("a fox in the snow") == []
    assert composition(PROMPT)[0] == "wide shot" and composition("a close-up of a fox")[0] == "close-up"
    assert lighting(PROMPT)[0].startswith("golden hour") and lighting("neon alley")[0] == "neon glow"
    assert lighting("a fox")[0].startswith("none named")


def test_n_images_at_the_asked_size_each_with_its_seed() -> None:
    result = generate(n=3, seed=7, size="640x480")
    assert [image.seed for image in result.images] == [7, 8, 9]
    assert result.warnings == []
    for image in result.images:
        assert image.media_type == "image/png"
        assert decoded(image.data).size == (640, 480)
    assert len({image.data for image in result.images}) == 3  # each seed its own card
    assert result.provider_metadata["preview"]["preview"] is True


def test_the_same_seed_gives_the_same_bytes_and_unseeded_cards_report_theirs() -> None:
    assert generate(seed=42).images[0].data == generate(seed=42).images[0].data
    unseeded = generate(n=2).images
    assert all(isinstance(image.seed, int) for image in unseeded)


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({}, (1024, 1024)),
        ({"aspect_ratio": "16:9"}, (1024, 576)),
        ({"aspect_ratio": "2:3"}, (683, 1024)),
        ({"width": 300, "height": 200}, (300, 200)),
        ({"width": 512, "aspect_ratio": "4:3"}, (512, 384)),
    ],
)
def test_the_size_follows_size_width_height_or_aspect_ratio(
    options: dict[str, Any], size: tuple[int, int]
) -> None:
    assert decoded(generate(seed=1, **options).images[0].data).size == size


def test_formats_and_out_of_range_sizes() -> None:
    webp = generate(seed=1, output_format="webp").images[0]
    assert webp.media_type == "image/webp" and decoded(webp.data).format == "WEBP"
    jpeg = generate(seed=1, output_format="jpeg", output_compression=50).images[0]
    assert jpeg.media_type == "image/jpeg" and decoded(jpeg.data).format == "JPEG"
    huge = generate(seed=1, size="9000x10")
    assert decoded(huge.images[0].data).size == (2048, 64)
    assert any("2048x64" in warning for warning in huge.warnings)
    assert any("negative_prompt" in w for w in generate(seed=1, negative_prompt="blur").warnings)


def test_the_card_is_labelled_as_a_preview_in_red_across_the_top() -> None:
    assert LABEL == "PREVIEW — not a generated image"
    card = decoded(generate(seed=3, size="512x512").images[0].data).convert("RGB")
    red = sum(1 for x in range(0, 512, 8) if card.getpixel((x, 4)) == (200, 30, 40))
    assert red >= 60  # the band spans the top
    # the label's white text is drawn on it
    band = card.crop((0, 0, 512, 30))
    assert any(rgb == (255, 255, 255) for _, rgb in band.getcolors(512 * 30) or [])


def test_named_colours_appear_as_swatches() -> None:
    card = decoded(generate(prompt="a cat, crimson and teal palette", seed=1, size="512x512").images[0].data)
    colours = {rgb for _, rgb in card.convert("RGB").getcolors(512 * 512) or []}
    assert (160, 16, 42) in colours and (0, 120, 125) in colours


# ---------------------------------------------------------------------------- the service, unconfigured


def bare_settings(data_dir: Path, **overrides: Any) -> Any:
    """What a fresh install runs with: nothing configured (the scripted model, for speed)."""
    return load_settings(env={}, dotenv=None, data_dir=str(data_dir), lm_backend="scripted", **overrides)


def test_with_nothing_configured_the_backend_is_preview_and_a_provider_key_keeps_the_old_rule(
    tmp_path: Path,
) -> None:
    assert bare_settings(tmp_path).image_backend == "preview:card"
    assert bare_settings(tmp_path, image_backend="preview").image_backend == "preview:card"
    off = bare_settings(tmp_path, image_backend="none")
    assert off.image_backend == "none" and off.image_backend_id == ""
    # resolved once and for all: a copy of the settings resolves the same way
    for copy in (
        msgspec.structs.replace(off, api_keys=""),
        msgspec.convert(msgspec.to_builtins(off), Settings),
    ):
        assert copy.image_backend_id == ""
    keyed = bare_settings(tmp_path, gemini_api_key="set")
    assert msgspec.structs.replace(keyed, api_keys="").image_backend_id == ""
    assert (
        bare_settings(tmp_path, image_backend="replicate:flux-schnell").image_backend
        == "replicate:flux-schnell"
    )
    for key in ("openai_api_key", "openrouter_api_key", "gemini_api_key", "diffusers_path"):
        assert bare_settings(tmp_path, **{key: "set"}).image_backend == "", key


def test_generate_image_works_end_to_end_with_no_configuration(tmp_path: Path) -> None:
    with client_for(bare_settings(tmp_path / "data")) as client:
        response = client.post(
            "/v1/generate/image",
            json={
                "prompt": "a red fox",
                "promptGeneration": {"numResults": 2},
                "n": 2,
                "seed": 5,
                "aspect_ratio": "3:2",
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["usage"]["image"]["backend"] == "preview:card"
        assert [image["seed"] for image in body["images"]] == [5, 6]
        for image in body["images"]:
            content = client.get(image["url"])
            assert content.status_code == 200
            assert decoded(content.content).size == (1024, 683)


def test_the_openai_endpoint_works_with_no_configuration(tmp_path: Path) -> None:
    with client_for(bare_settings(tmp_path / "data")) as client:
        response = client.post(
            "/v1/images/generations",
            json={"model": "gpt-image-1", "prompt": "a lighthouse", "size": "512x512"},
        )
        assert response.status_code == 200, response.text
        [entry] = response.json()["data"]
        assert entry["revised_prompt"].startswith("a lighthouse")
        assert decoded(base64.b64decode(entry["b64_json"])).size == (512, 512)


def test_the_playground_offers_images_as_previews_with_no_configuration(tmp_path: Path) -> None:
    with client_for(bare_settings(tmp_path / "data")) as client:
        config = client.get("/playground/config").json()
    assert config["imageGeneration"] is True and config["imageBackend"] == "preview:card"
    assert config["imagePreview"] is True


def test_none_or_a_key_without_a_backend_is_still_a_501_naming_the_setting(tmp_path: Path) -> None:
    for n, overrides in enumerate(({"image_backend": "none"}, {"openrouter_api_key": "sk-or-test"})):
        with client_for(bare_settings(tmp_path / f"data{n}", **overrides)) as client:
            body = assert_problem(client.post("/v1/generate/image", json={"prompt": "a fox"}), 501)
            assert body["setting"] == "PROMPTGEN_IMAGE_BACKEND" and "preview:card" in body["detail"]
            assert client.get("/playground/config").json()["imagePreview"] is False
