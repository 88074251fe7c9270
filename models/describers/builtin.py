"""`builtin`: what Pillow and numpy can measure, plus the asset's stored description.

No model and no network: the palette (dominant colours named from a table, nearest in CIELAB),
brightness, contrast, colour temperature and saturation turned into a lighting phrase,
orientation, level of detail (edge density) and a guess at the medium (photograph or flat
graphic). The subject is the uploaded asset's description when it has one; otherwise an offline
ImageNet classifier names it when it is sure enough (`subjects.py`: "a cat", "a cup of espresso"),
and without that the description has no subject. The other describers reuse `analyze` for the
same facts and add a subject of their own.
"""

from __future__ import annotations

import asyncio

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from core.images import REDUCED_DECODES, ValidatedImage, decode_reduced
from models import torch_thread
from models.describers import subjects
from models.describers.base import ImageDescriber, ImageDescription

THUMBNAIL = 128

# Named colours (sRGB). Names are ordinary words a prompt can use.
NAMED_COLORS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("black", (16, 16, 18)),
    ("charcoal", (54, 60, 66)),
    ("slate gray", (112, 124, 138)),
    ("gray", (128, 128, 128)),
    ("silver", (192, 192, 196)),
    ("white", (246, 246, 244)),
    ("cream", (250, 240, 205)),
    ("beige", (218, 198, 160)),
    ("tan", (200, 160, 115)),
    ("brown", (120, 74, 42)),
    ("dark brown", (64, 38, 22)),
    ("rust", (178, 70, 24)),
    ("burnt orange", (204, 88, 10)),
    ("orange", (250, 140, 20)),
    ("tangerine", (232, 120, 50)),
    ("peach", (250, 200, 165)),
    ("amber", (250, 185, 10)),
    ("gold", (212, 170, 60)),
    ("yellow", (248, 228, 50)),
    ("olive", (120, 120, 30)),
    ("lime green", (150, 210, 60)),
    ("green", (50, 150, 60)),
    ("forest green", (30, 80, 36)),
    ("sage green", (150, 170, 130)),
    ("mint", (170, 235, 200)),
    ("emerald", (0, 150, 110)),
    ("teal", (0, 120, 125)),
    ("turquoise", (64, 210, 200)),
    ("cyan", (0, 195, 230)),
    ("sky blue", (135, 200, 235)),
    ("steel blue", (70, 110, 160)),
    ("cobalt blue", (0, 70, 170)),
    ("blue", (35, 80, 215)),
    ("navy", (18, 28, 80)),
    ("indigo", (70, 20, 130)),
    ("violet", (140, 95, 200)),
    ("lavender", (190, 170, 230)),
    ("purple", (110, 40, 140)),
    ("deep violet", (55, 20, 85)),
    ("dark purple", (58, 30, 62)),
    ("plum", (98, 46, 78)),
    ("mauve", (160, 110, 140)),
    ("magenta", (210, 20, 170)),
    ("pink", (245, 160, 190)),
    ("hot pink", (245, 80, 155)),
    ("coral", (250, 125, 85)),
    ("red", (210, 35, 35)),
    ("crimson", (160, 16, 42)),
    ("maroon", (96, 14, 22)),
)


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0-255, shape (..., 3)) to CIELAB (D65)."""
    c = rgb.astype(np.float64) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    matrix = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = c @ matrix.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


_NAMES = [name for name, _ in NAMED_COLORS]
_LAB = _srgb_to_lab(np.array([rgb for _, rgb in NAMED_COLORS]))


def color_name(rgb: tuple[int, int, int]) -> str:
    """The nearest named colour (CIELAB distance)."""
    lab = _srgb_to_lab(np.array(rgb))
    return _NAMES[int(np.argmin(((_LAB - lab) ** 2).sum(-1)))]


def dominant_colors(image: Image.Image, k: int = 8, min_share: float = 0.06) -> list[tuple[str, float]]:
    """Named dominant colours with their share of the image, largest first."""
    quantized = image.quantize(colors=k, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    counts = quantized.getcolors() or []
    total = sum(c for c, _ in counts) or 1
    shares: dict[str, float] = {}
    for count, entry in counts:
        index = int(entry)  # type: ignore[arg-type]  # a palette index for "P" images
        rgb = (palette[3 * index], palette[3 * index + 1], palette[3 * index + 2])
        name = color_name(rgb)
        shares[name] = shares.get(name, 0.0) + count / total
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    kept = [(n, s) for n, s in ranked if s >= min_share][:4]
    return kept or ranked[:1]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _brightness(mean_luma: float) -> str:
    for limit, word in ((55, "dark"), (95, "dim"), (165, "balanced"), (205, "bright")):
        if mean_luma < limit:
            return word
    return "very bright"


def _contrast(std_luma: float) -> str:
    if std_luma < 32:
        return "low contrast, soft tonal range"
    if std_luma < 62:
        return "moderate contrast"
    return "high contrast"


def _lighting(brightness: str, warmth: float, saturation: float, glow: bool, contrast: str) -> str:
    """A lighting phrase from measured brightness, colour temperature and saturation."""
    warm, cool = warmth > 18, warmth < -18
    if glow:
        return "warm golden-hour glow, low sun" if brightness != "dark" else "fading sunset glow"
    if brightness == "dark":
        if cool:
            return "cool moonlit night light"
        if warm:
            return "dim warm lamplight"
        return "dramatic low-key lighting" if "high" in contrast else "dark moody low light"
    if brightness == "dim":
        if warm:
            return "soft warm low light"
        return "cool dim twilight" if cool else "muted overcast light"
    if brightness in ("bright", "very bright"):
        if warm:
            return "bright warm sunlight"
        if cool:
            return "crisp cool daylight"
        return "bright high-key light" if brightness == "very bright" else "bright even daylight"
    if warm:
        return "warm natural light" if saturation > 0.25 else "soft warm light"
    if cool:
        return "cool natural light"
    return "soft diffuse light"


def _detail(edges: float) -> str:
    if edges < 7:
        return "minimal detail, smooth surfaces"
    if edges < 18:
        return "moderate detail"
    return "fine, intricate detail"


def _orientation(width: int, height: int) -> str:
    ratio = width / height
    if ratio > 1.15:
        return "landscape"
    return "portrait" if ratio < 0.87 else "square"


def _flat_drawing(pixels: np.ndarray, luma: np.ndarray) -> bool:
    """Flat colour fields, even through a JPEG's noise (which gave a pixel-art sprite thousands of
    colours, and a "natural photograph" in its prompts): eight colours (each channel to 16
    levels) cover at least 70% of the image, and at least half its pixels sit in a 3x3
    neighbourhood whose brightness varies by 6 levels or less. Measured on the eval's 24 images
    (`eval/suites/images.jsonl`, as JPEG, at this thumbnail): 9 of its 10 drawings cover
    0.76-0.96 with 0.63-0.92 flat (stone tiles, 0.48 flat, stay a photograph), every colour
    photograph at most 0.60, or (a dark starfield) 0.92 but 0.35 flat."""
    q = pixels.astype(np.int64) >> 4
    _, counts = np.unique(q[..., 0] * 256 + q[..., 1] * 16 + q[..., 2], return_counts=True)
    top8 = float(np.sort(counts)[::-1][:8].sum() / counts.sum())
    if top8 < 0.7:
        return False
    padded = np.pad(luma, 1, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
    spread = windows.max(axis=(-1, -2)) - windows.min(axis=(-1, -2))
    return float((spread <= 6).mean()) >= 0.5


def analyze(image: Image.Image, width: int | None = None, height: int | None = None) -> ImageDescription:
    """Measure an image (any mode, any size): palette, light, contrast, orientation, detail."""
    width, height = width or image.width, height or image.height
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    rgb = image.convert("RGB")
    rgb.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.BILINEAR)
    pixels = np.asarray(rgb, dtype=np.float64)
    luma = np.asarray(ImageOps.grayscale(rgb), dtype=np.float64)
    hsv = np.asarray(rgb.convert("HSV"), dtype=np.float64)
    saturation = float(hsv[..., 1].mean() / 255)
    weight = hsv[..., 1] / 255
    warmth = float(((pixels[..., 0] - pixels[..., 2]) * weight).mean())
    brightness = _brightness(float(luma.mean()))
    contrast = _contrast(float(luma.std()))
    edges = float(np.asarray(ImageOps.grayscale(rgb).filter(ImageFilter.FIND_EDGES), dtype=np.float64).mean())
    colors = dominant_colors(rgb)
    names = [n for n, _ in colors]
    glow = _is_glow(hsv, luma, brightness)
    palette = _join(names) + " palette"
    if saturation < 0.06:  # greyscale or nearly: a black-and-white image
        levels = len(np.unique(luma.astype(np.uint8)))
        # A silhouette or line art is nearly all black and white, with grey only at its
        # anti-aliased edges: a graphic, however many grey levels those edges add.
        two_tone = float(((luma < 24) | (luma > 231)).mean()) > 0.85
        medium = "black-and-white photograph" if levels > 120 and not two_tone else "monochrome graphic"
        palette = "monochrome " + palette
    else:
        unique = len(rgb.getcolors(maxcolors=THUMBNAIL * THUMBNAIL) or [])
        medium = "flat graphic illustration" if unique < 300 or _flat_drawing(pixels, luma) else "photograph"
    return ImageDescription(
        medium=medium,
        colors=names,
        palette=palette,
        lighting=_lighting(brightness, warmth, saturation, glow, contrast),
        brightness=brightness,
        contrast=contrast,
        orientation=_orientation(width, height),
        detail=_detail(edges),
    )


def _is_glow(hsv: np.ndarray, luma: np.ndarray, brightness: str) -> bool:
    """Sunset-like light: mostly warm saturated hues, and the highlights are orange-gold."""
    if brightness == "very bright":
        return False
    hue = hsv[..., 0] / 255 * 360
    sat = hsv[..., 1] / 255
    warm = ((hue < 55) | (hue > 285)) & (sat > 0.3)
    highlights = luma >= np.percentile(luma, 90)
    golden = ((hue[highlights] >= 10) & (hue[highlights] <= 60) & (sat[highlights] > 0.3)).mean()
    return bool(warm.mean() > 0.5 and golden > 0.6)


class BuiltinDescriber(ImageDescriber):
    """Pillow analysis; the subject is the asset's stored description, else the namer's noun."""

    name = "builtin"
    # Bump when the analysis changes: cached descriptions are keyed on it (and on whether the
    # subject namer is installed, so that installing it later does not serve subjectless ones).
    model_id = "pillow-analysis-4" + (f"+{subjects.MODEL_NAME}" if subjects.available() else "")
    names_subjects = True

    async def describe(self, image: ValidatedImage, note: str = "") -> ImageDescription:
        note = " ".join(note.split())[:300]
        want_subject = not note and self.names_subjects
        description, pixels = await asyncio.to_thread(analyze_image, image, want_subject)
        description.subject = note
        if pixels is not None:
            short_side = min(image.width, image.height)
            guess = await torch_thread.run(subjects.name_subject, pixels, description.medium, short_side)
            if guess is not None:
                description.subject = guess.noun
                description.subject_confidence = guess.confidence
        return description


def analyze_image(image: ValidatedImage, with_pixels: bool = False) -> tuple[ImageDescription, np.ndarray | None]:
    """`describe_bytes`, and with `with_pixels` the subject namer's input from the same decode."""
    # Decoded no larger than needed: a JPEG in draft mode (at least 256 px a side, for the
    # namer), anything else reduced to `subjects.DECODE_SIDE` at once when it is at least twice
    # that, and the full-size bitmap released (an image under 1536 px is analyzed as decoded).
    # The validator may have made that decode already (`REDUCED_DECODES`: PNG and WebP).
    decoded = REDUCED_DECODES.take(image.sha256, subjects.DECODE_SIDE)
    if decoded is None:
        decoded = decode_reduced(image.data, subjects.DECODE_SIDE, jpeg_side=THUMBNAIL * 2)
    with decoded:
        description = analyze(decoded, image.width, image.height)
        pixels = subjects.preprocess(_flattened(decoded)) if with_pixels else None
    description.source = BuiltinDescriber.name
    return description, pixels


def describe_bytes(image: ValidatedImage) -> ImageDescription:
    """Decode (no larger than the analysis needs) and analyze."""
    return analyze_image(image)[0]


def _flattened(image: Image.Image) -> Image.Image:
    """RGB, transparency composited on white (as `analyze` sees it)."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image.convert("RGB")
