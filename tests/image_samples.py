"""Real and drawn images for the image tests, and the broken ones every validator must refuse.

Photographs come from scikit-image's sample data (shipped inside its wheel: found on disk
without importing the package, nothing is downloaded); drawings are made with Pillow.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def photo_path(name: str) -> Path:
    spec = importlib.util.find_spec("skimage")
    assert spec is not None and spec.submodule_search_locations, "scikit-image is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    assert path.is_file(), f"{name} is not shipped with scikit-image"
    return path


def photo(name: str) -> bytes:
    """`astronaut.png`, `coffee.png`, `chelsea.png`, `rocket.jpg`, ..."""
    return photo_path(name).read_bytes()


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def _gradient(draw: ImageDraw.ImageDraw, width: int, top: int, bottom: int, stops: list) -> None:
    for y in range(top, bottom):
        t = (y - top) / max(bottom - top - 1, 1)
        index = min(int(t * (len(stops) - 1)), len(stops) - 2)
        local = t * (len(stops) - 1) - index
        a, b = stops[index], stops[index + 1]
        draw.line([(0, y), (width, y)], fill=tuple(int(a[i] + (b[i] - a[i]) * local) for i in range(3)))


def sunset(width: int = 480, height: int = 300) -> Image.Image:
    """A photo-like sunset over the sea: purple sky to orange horizon, a low sun, dark water."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    _gradient(draw, width, 0, horizon, [(60, 30, 110), (200, 80, 70), (235, 110, 40), (250, 190, 70)])
    draw.ellipse([width * 0.42, horizon - 50, width * 0.58, horizon + 50], fill=(255, 210, 120))
    _gradient(draw, width, horizon, height, [(120, 50, 70), (40, 20, 50)])
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, noise, 0.08).filter(ImageFilter.GaussianBlur(0.6))


def night_city(width: int = 300, height: int = 420) -> Image.Image:
    """A dark, cool, portrait-format drawing: navy sky, black towers, a few lit windows."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    _gradient(draw, width, 0, height, [(10, 20, 60), (5, 8, 25)])
    for x in range(10, width, 50):
        draw.rectangle([x, height // 2, x + 36, height], fill=(8, 8, 12))
        for y in range(height // 2 + 10, height, 30):
            draw.rectangle([x + 8, y, x + 14, y + 8], fill=(240, 200, 90))
    return image


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG header declaring `width` x `height` with a few kilobytes of compressed zeros."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 100, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def gif() -> bytes:
    return encode(Image.new("RGB", (64, 48), (10, 200, 30)), "GIF")


def animated(fmt: str = "PNG") -> bytes:
    frames = [Image.new("RGB", (32, 32), color) for color in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = photo("coffee.png")
    with Image.open(io.BytesIO(data)) as image:
        jpeg = encode(image.convert("RGB"), "JPEG", quality=90)
    return jpeg[: len(jpeg) // 2]
