"""The one image validator: every class of bad image is a 4xx that says what is wrong."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from app.errors import PayloadTooLarge, RequestError, UnsupportedMediaType, ValidationFailed, status_of
from app.images import ImageLimits, sniff, validate_data_url, validate_image_bytes
from tests import image_samples as samples

LIMITS = ImageLimits()


def check(value: str, limits: ImageLimits = LIMITS):
    return asyncio.run(validate_data_url(value, "images[0]", limits))


def refused(value: str, limits: ImageLimits = LIMITS) -> RequestError:
    with pytest.raises(RequestError) as info:
        check(value, limits)
    error = info.value
    assert 400 <= status_of(error) < 500
    assert error.extensions.get("field") == "images[0]"
    return error


@pytest.mark.parametrize(("name", "media"), [("astronaut.png", "image/png"), ("rocket.jpg", "image/jpeg")])
def test_real_photographs_pass_with_their_size_and_type(name, media):
    image = check(samples.data_url(samples.photo(name), media))
    with Image.open(samples.photo_path(name)) as original:
        assert (image.width, image.height) == original.size
    assert image.media_type == media and len(image.sha256) == 64


def test_webp_passes():
    image = check(samples.data_url(samples.encode(samples.sunset(), "WEBP"), "image/webp"))
    assert image.media_type == "image/webp" and image.width == 480


def test_image_jpg_is_accepted_as_an_alias_of_jpeg():
    jpeg = samples.encode(samples.sunset(), "JPEG")
    assert check(samples.data_url(jpeg, "image/jpg")).media_type == "image/jpeg"


def test_a_decompression_bomb_is_refused_from_its_header():
    bomb = samples.png_bomb(20000, 20000)
    assert len(bomb) < 16 * 1024
    error = refused(samples.data_url(bomb))
    assert isinstance(error, PayloadTooLarge) and "400 megapixels" in error.detail


def test_an_image_over_the_pixel_cap_names_its_size_and_the_limit():
    error = refused(samples.data_url(samples.png_bomb(8000, 6000)))
    assert "8000x6000" in error.detail and "40 megapixels" in error.detail


def test_a_gif_renamed_to_png_is_refused_as_a_gif():
    error = refused(samples.data_url(samples.gif(), "image/png"))
    assert isinstance(error, UnsupportedMediaType) and "GIF" in error.detail


def test_a_truncated_jpeg_is_refused_as_truncated():
    error = refused(samples.data_url(samples.truncated_jpeg(), "image/jpeg"))
    assert isinstance(error, ValidationFailed) and "truncated" in error.detail


@pytest.mark.parametrize("payload", ["@@@not base64!!", "iVBORw0KGgo=AAAA", "a"])
def test_a_non_base64_payload_is_refused(payload):
    assert "base64" in refused(f"data:image/png;base64,{payload}").detail


def test_a_data_url_without_base64_is_refused():
    assert "base64" in refused("data:image/png,hello").detail


@pytest.mark.parametrize("value", ["hello", "http://example.com/cat.png", "data:", "image/png;base64,AAAA"])
def test_anything_but_a_data_url_is_refused(value):
    assert "data URL" in refused(value).detail


@pytest.mark.parametrize("media", ["image/gif", "image/svg+xml", "text/plain", ""])
def test_media_types_off_the_allow_list_are_415(media):
    error = refused(f"data:{media};base64,AAAA")
    assert isinstance(error, UnsupportedMediaType) and "PNG, JPEG or WebP" in error.detail


def test_bytes_that_disagree_with_the_declared_type_are_refused():
    jpeg = samples.encode(samples.sunset(), "JPEG")
    error = refused(samples.data_url(jpeg, "image/png"))
    assert "image/png" in error.detail and "image/jpeg" in error.detail


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_refused(fmt):
    media = "image/png" if fmt == "PNG" else "image/webp"
    assert "animated" in refused(samples.data_url(samples.animated(fmt), media)).detail


def test_the_byte_cap_is_checked_before_decoding():
    limits = ImageLimits(max_bytes=1000)
    error = refused("data:image/png;base64," + "A" * 4000, limits)
    assert isinstance(error, PayloadTooLarge) and "limit" in error.detail


def test_garbage_behind_a_png_signature_is_refused():
    error = refused(samples.data_url(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    assert "PNG" in error.detail or "png" in error.detail


def test_empty_image_is_refused():
    assert "empty" in refused("data:image/png;base64,").detail


def test_raw_bytes_without_a_declared_type_are_identified_by_their_magic_bytes():
    data = samples.photo("rocket.jpg")
    image = asyncio.run(validate_image_bytes(data, None, "file", LIMITS))
    assert image.media_type == "image/jpeg"


def test_sniff_names_common_formats():
    assert sniff(samples.encode(Image.new("RGB", (4, 4)), "PNG")) == "image/png"
    assert sniff(samples.gif()) == "image/gif"
    assert sniff(b"BM" + b"\x00" * 20) == "image/bmp"
    assert sniff(b"hello") is None
