"""Issue 19, item 2: bounded work per request.

The pixels all the images of one request declare are bounded (`max_request_pixels`), checked
from the headers before any image is decoded; the describer decodes no larger than it needs;
the validator's integrity decode of a JPEG runs in draft mode and still refuses broken data.
`benchmarks/bench_image_budget.py` replays the reproduction (ten 6300x6300 PNGs) and prints
time and memory; this file asserts the bound, not timings.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

import app.images as images_module
from app.errors import PayloadTooLarge, ValidationFailed
from app.images import ImageLimits, PixelBudget, validate_data_url, validate_image_bytes
from app.settings import load_settings
from core.images import REDUCED_DECODES, decode_reduced
from models.describers import subjects
from models.describers.builtin import analyze_image
from tests import image_samples as samples
from tests.conftest import make_client


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 120, 40), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def counting(decoded: list[str]) -> Callable[[bytes, str], None]:
    """`app.images._decode_fully`, noting each field it decodes."""
    real = images_module._decode_fully

    def decode(data: bytes, field: str) -> None:
        decoded.append(field)
        real(data, field)

    return decode


def test_the_budget_adds_up_every_image_and_refuses_the_one_that_goes_over() -> None:
    budget = PixelBudget(1000)
    budget.charge(20, 20, "images[0]")
    budget.charge(20, 20, "images[1]")
    with pytest.raises(PayloadTooLarge) as caught:
        budget.charge(20, 20, "images[2]")
    assert "images[2]" in caught.value.detail and "0.001 megapixels per request" in caught.value.detail
    assert "PROMPTGEN_MAX_REQUEST_PIXELS" in caught.value.detail
    assert budget.used == 800
    PixelBudget(0).charge(10**6, 10**6, "image")  # 0: no bound


def test_the_validator_charges_the_budget_before_it_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    monkeypatch.setattr(images_module, "_decode_fully", counting(decoded))
    budget = PixelBudget(3 * 64 * 64)
    url = samples.data_url(png(64, 64))
    for index in range(3):
        asyncio.run(validate_data_url(url, f"images[{index}]", ImageLimits(), budget))
    with pytest.raises(PayloadTooLarge):
        asyncio.run(validate_data_url(url, "images[3]", ImageLimits(), budget))
    assert decoded == ["images[0]", "images[1]", "images[2]"]  # the fourth was never decoded


def test_a_prompt_request_over_the_budget_is_413_before_any_image_is_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    monkeypatch.setattr(images_module, "_decode_fully", counting(decoded))
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="scripted",
        max_request_pixels=250_000,
    )
    body = {"mode": "structured", "prompt": "a lighthouse", "images": [samples.data_url(png(300, 300))] * 3}
    with make_client(settings) as client:
        answer = client.post("/v1/generate/prompt", json=body)
        assert answer.status_code == 413, answer.text
        problem = answer.json()
        assert "images[2]" in problem["detail"] and "0.25 megapixels per request" in problem["detail"]
        assert decoded == []  # every header was charged before the first decode
        body["images"] = body["images"][:2]
        assert client.post("/v1/generate/prompt", json=body).status_code == 200


def test_asset_ids_count_against_the_same_budget(tmp_path: Path) -> None:
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="scripted",
        max_request_pixels=250_000,
    )
    with make_client(settings) as client:
        stored = client.post("/v1/assets", json={"image": samples.data_url(png(500, 500, (30, 90, 200)))})
        assert stored.status_code in (200, 201), stored.text
        asset_id = stored.json()["asset"]["assetId"] if "asset" in stored.json() else stored.json()["assetId"]
        body = {
            "mode": "structured",
            "prompt": "a lighthouse",
            "images": [samples.data_url(png(300, 300))],
            "assetIds": [asset_id],
        }
        answer = client.post("/v1/generate/prompt", json=body)
        assert answer.status_code == 413 and "assetIds[0]" in answer.json()["detail"], answer.text


def test_a_caption_request_has_the_budget_too(tmp_path: Path) -> None:
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="scripted",
        max_request_pixels=250_000,
    )
    with make_client(settings) as client:
        body = {"images": [samples.data_url(png(300, 300))] * 3}
        answer = client.post("/v1/generate/caption", json=body)
        assert answer.status_code == 413 and "images[2]" in answer.json()["detail"], answer.text


def test_the_default_budget_refuses_the_reproduction_from_its_headers() -> None:
    """Ten 6300x6300 images (the issue's 1.75 MB body): the third goes over 100 megapixels."""
    budget = PixelBudget(ImageLimits().max_request_pixels)
    budget.charge(6300, 6300, "images[0]")
    budget.charge(6300, 6300, "images[1]")
    with pytest.raises(PayloadTooLarge):
        budget.charge(6300, 6300, "images[2]")


def test_the_describer_decodes_a_large_png_reduced_and_a_small_one_as_it_is() -> None:
    side = subjects.DECODE_SIDE
    with decode_reduced(png(side * 4 + 10, side * 2 + 5), side) as reduced:
        assert reduced.size == (
            -(-(side * 4 + 10) // 2),
            -(-(side * 2 + 5) // 2),
        )  # factor 2: short side >= 768
    with decode_reduced(png(side * 2 - 1, side * 2 - 1), side) as whole:
        assert whole.size == (side * 2 - 1, side * 2 - 1)  # under twice the side: decoded as it is
    with decode_reduced(png(3200, 3200, (10, 200, 30), "P"), side) as palette:
        assert palette.mode == "RGBA" and min(palette.size) >= side  # palettes reduce as RGBA
    with decode_reduced(jpeg(4000, 3000), side, jpeg_side=256) as drafted:
        assert min(drafted.size) >= 256 and drafted.size[0] <= 4000 // 8 + 1  # DCT-scaled while decoding


def test_a_large_image_is_described_like_the_same_picture_at_full_size() -> None:
    """Colours, light and orientation of a 3200x2400 picture survive the reduced decode."""
    image = samples.sunset(3200, 2400)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    validated = asyncio.run(validate_image_bytes(buffer.getvalue(), "image/png", "image", ImageLimits()))
    reduced, _ = analyze_image(validated)
    small = io.BytesIO()
    image.resize((800, 600), Image.Resampling.BOX).save(small, format="PNG")
    reference, _ = analyze_image(
        asyncio.run(validate_image_bytes(small.getvalue(), None, "image", ImageLimits()))
    )
    assert reduced.orientation == "landscape" and reduced.colors[:2] == reference.colors[:2]
    assert reduced.lighting == reference.lighting and reduced.brightness == reference.brightness


def test_a_truncated_jpeg_is_still_refused_by_the_draft_decode() -> None:
    data = jpeg(2000, 1600)
    with pytest.raises(ValidationFailed, match="truncated"):
        asyncio.run(validate_image_bytes(data[: len(data) // 2], None, "image", ImageLimits()))
    assert asyncio.run(validate_image_bytes(data, None, "image", ImageLimits())).width == 2000


def test_a_large_png_is_decoded_once_for_the_validator_and_the_describer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validator's decode, reduced to the describer's size, is the one the describer uses;
    what a request did not take (a cached description) is dropped when it ends."""
    import models.describers.builtin as builtin

    described: list[int] = []
    real = builtin.decode_reduced

    def counting_decode(data: bytes, *args: object, **kwargs: object) -> Image.Image:
        described.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtin, "decode_reduced", counting_decode)
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    body = {"mode": "structured", "prompt": "a lighthouse", "images": [samples.data_url(png(1700, 1600))]}
    with make_client(settings) as client:
        for _ in range(2):  # the second time the description is cached: nothing is described
            assert client.post("/v1/generate/prompt", json=body).status_code == 200
            assert len(REDUCED_DECODES) == 0
    assert described == []  # the describer never decoded the image itself


def test_decodes_kept_for_a_refused_request_are_dropped(tmp_path: Path) -> None:
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    broken = png(64, 64)[:-30]
    body = {
        "mode": "structured",
        "prompt": "a lighthouse",
        "images": [samples.data_url(png(1700, 1600)), samples.data_url(broken)],
    }
    with make_client(settings) as client:
        answer = client.post("/v1/generate/prompt", json=body)
        assert answer.status_code == 400 and "images[1]" in answer.json()["detail"], answer.text
        assert len(REDUCED_DECODES) == 0


def test_a_chained_generation_has_the_budget_over_image_mask_and_references(tmp_path: Path) -> None:
    from tests.chain_helpers import chain_settings, client_for
    from tests.fakes.image_providers import FakeOpenAI

    fake = FakeOpenAI()
    with fake:
        settings = chain_settings(tmp_path / "data", fake.base_url, max_request_pixels=250_000)
        with client_for(settings) as client:
            body = {
                "prompt": "a fox",
                "promptGeneration": {"mode": "none"},
                "image": samples.data_url(png(300, 300)),
                "input_references": [samples.data_url(png(300, 300))] * 2,
            }
            answer = client.post("/v1/generate/image", json=body)
            assert answer.status_code == 413, answer.text
            assert "input_references[1]" in answer.json()["detail"]
            assert fake.calls("POST", FakeOpenAI.GENERATIONS) == []
