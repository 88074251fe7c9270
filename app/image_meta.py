"""What the service measures on a generated image (`output_meta`), and format conversion.

Dimensions are always reported. The rest costs CPU and is computed only on request, with the
names Transloadit's `output_meta` uses: `has_transparency` (any pixel less than opaque),
`dominant_colors` (up to five `#rrggbb` codes, most common first) and `blurhash` (a
https://blurha.sh placeholder string, 4x3 components). All of it runs on a downscaled copy.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from PIL import Image

OUTPUT_META = ("has_transparency", "dominant_colors", "blurhash")
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def measure(data: bytes, wanted: frozenset[str]) -> dict[str, Any]:
    """`width`, `height` and each requested `OUTPUT_META` entry of an image."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        meta: dict[str, Any] = {"width": image.width, "height": image.height}
        if not wanted:
            return meta
        small = image.copy()
    small.thumbnail((64, 64))
    if "has_transparency" in wanted:
        meta["has_transparency"] = has_transparency(small)
    rgb = small.convert("RGB")
    if "dominant_colors" in wanted:
        meta["dominant_colors"] = dominant_colors(rgb)
    if "blurhash" in wanted:
        meta["blurhash"] = blurhash(np.asarray(rgb))
    return meta


def has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        low = image.convert("RGBA").getchannel("A").getextrema()[0]
        return isinstance(low, int | float) and low < 255
    return False


def dominant_colors(image: Image.Image, count: int = 5) -> list[str]:
    """The most common colours after a median-cut quantisation, as `#rrggbb`."""
    quantized = image.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    palette: list[int] = list(quantized.getpalette() or [])
    ranked: list[tuple[int, int]] = sorted(quantized.getcolors() or [], reverse=True)  # type: ignore[arg-type]
    return ["#{:02x}{:02x}{:02x}".format(*palette[index * 3 : index * 3 + 3]) for _, index in ranked[:count]]


def convert(data: bytes, media_type: str, quality: int | None = None) -> bytes:
    """The image re-encoded as `media_type` (PNG, JPEG or WebP); JPEG loses any alpha."""
    fmt = PILLOW_FORMATS[media_type]
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image: Image.Image = opened
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        out = io.BytesIO()
        options: dict[str, Any] = {}
        if quality is not None and fmt in ("JPEG", "WEBP"):
            options["quality"] = max(1, min(100, quality))
        image.save(out, format=fmt, **options)
        return out.getvalue()


# ----------------------------------------------------------------------------- blurhash


def _srgb_to_linear(values: np.ndarray) -> np.ndarray:
    v = values / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _base83(value: int, length: int) -> str:
    return "".join(BASE83[(value // 83 ** (length - i - 1)) % 83] for i in range(length))


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def blurhash(pixels: np.ndarray, x_components: int = 4, y_components: int = 3) -> str:
    """The BlurHash of an RGB array (height x width x 3, uint8), per the reference encoder."""
    height, width = pixels.shape[:2]
    linear = _srgb_to_linear(pixels[..., :3].astype(np.float64))
    xs = np.arange(width) * math.pi / width
    ys = np.arange(height) * math.pi / height
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        for i in range(x_components):
            basis = np.outer(np.cos(ys * j), np.cos(xs * i))
            scale = (1.0 if i == 0 and j == 0 else 2.0) / (width * height)
            r, g, b = (scale * (basis[..., None] * linear).sum(axis=(0, 1))).tolist()
            factors.append((r, g, b))
    dc, ac = factors[0], factors[1:]
    out = _base83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(abs(c) for factor in ac for c in factor)
        quantised_max = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        max_value = (quantised_max + 1) / 166
        out += _base83(quantised_max, 1)
    else:
        max_value = 1.0
        out += _base83(0, 1)
    out += _base83((_linear_to_srgb(dc[0]) << 16) + (_linear_to_srgb(dc[1]) << 8) + _linear_to_srgb(dc[2]), 4)
    for factor in ac:
        r, g, b = (max(0, min(18, math.floor(_sign_pow(c / max_value, 0.5) * 9 + 9.5))) for c in factor)
        out += _base83(r * 19 * 19 + g * 19 + b, 2)
    return out
