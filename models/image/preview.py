"""`preview`: a mood-board card of what a prompt says, drawn with Pillow: no weights, no network.

The image backend a fresh install has (`PROMPTGEN_IMAGE_BACKEND=preview:card`, the default when
no provider is configured), so spark -> prompts -> pictures can be seen end to end. It is not an
image model and says so on every card ("PREVIEW — not a generated image"): the card shows the
palette the prompt names as swatches (colour words read from the prompt; none named: a palette
drawn from the seed, labelled so), its composition and lighting as a layout sketch (a framed
thumbnail with the horizon, the subject's place and size, and where the light comes from), and
the prompt as a caption. It honours `n`, the size (`size`, `width`/`height` or `aspect_ratio`,
default 1024x1024, each side 64-2048) and the seed: image i gets `seed + i` (random when unset,
and reported), and the same prompt, size and seed give the same bytes.
"""

from __future__ import annotations

import asyncio
import io
import random
import re
import textwrap
import unicodedata
from datetime import UTC, datetime
from functools import cache
from typing import Any

from core.errors import ValidationFailed
from core.images import media_type_for_format
from models.image.base import GeneratedImage, ImageModel, ImageOptions, ImageResult
from models.image.retry import Deadline

DEFAULT_MODEL_ID = "preview:card"  # the service's image backend when none is configured
LABEL = "PREVIEW — not a generated image"
DEFAULT_SIDE = 1024
MIN_SIDE, MAX_SIDE = 64, 2048
MAX_SWATCHES = 6
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}

# Colour words a prompt uses, in sRGB (the builtin describer's names, models/describers/builtin.py,
# plus common prompt words). Longest names are matched first ("sky blue" before "blue").
COLORS: dict[str, tuple[int, int, int]] = {
    "black": (16, 16, 18),
    "charcoal": (54, 60, 66),
    "slate gray": (112, 124, 138),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 196),
    "white": (246, 246, 244),
    "ivory": (255, 250, 235),
    "cream": (250, 240, 205),
    "beige": (218, 198, 160),
    "tan": (200, 160, 115),
    "sepia": (112, 66, 20),
    "ochre": (204, 119, 34),
    "brown": (120, 74, 42),
    "dark brown": (64, 38, 22),
    "rust": (178, 70, 24),
    "copper": (184, 115, 51),
    "bronze": (176, 141, 87),
    "burnt orange": (204, 88, 10),
    "orange": (250, 140, 20),
    "tangerine": (232, 120, 50),
    "peach": (250, 200, 165),
    "amber": (250, 185, 10),
    "gold": (212, 170, 60),
    "golden": (218, 165, 32),
    "mustard": (225, 173, 1),
    "yellow": (248, 228, 50),
    "lemon": (255, 244, 79),
    "olive": (120, 120, 30),
    "lime green": (150, 210, 60),
    "lime": (150, 210, 60),
    "green": (50, 150, 60),
    "forest green": (30, 80, 36),
    "sage green": (150, 170, 130),
    "sage": (150, 170, 130),
    "mint": (170, 235, 200),
    "emerald": (0, 150, 110),
    "jade": (0, 168, 107),
    "teal": (0, 120, 125),
    "turquoise": (64, 210, 200),
    "aqua": (0, 220, 220),
    "cyan": (0, 195, 230),
    "sky blue": (135, 200, 235),
    "pastel blue": (174, 198, 230),
    "steel blue": (70, 110, 160),
    "cobalt blue": (0, 70, 170),
    "cobalt": (0, 70, 170),
    "blue": (35, 80, 215),
    "azure": (0, 127, 255),
    "navy": (18, 28, 80),
    "midnight blue": (25, 25, 80),
    "indigo": (70, 20, 130),
    "violet": (140, 95, 200),
    "lavender": (190, 170, 230),
    "lilac": (200, 162, 200),
    "purple": (110, 40, 140),
    "deep violet": (55, 20, 85),
    "dark purple": (58, 30, 62),
    "plum": (98, 46, 78),
    "mauve": (160, 110, 140),
    "magenta": (210, 20, 170),
    "fuchsia": (230, 40, 180),
    "pink": (245, 160, 190),
    "rose": (230, 120, 140),
    "hot pink": (245, 80, 155),
    "coral": (250, 125, 85),
    "salmon": (250, 128, 114),
    "red": (210, 35, 35),
    "scarlet": (230, 30, 20),
    "crimson": (160, 16, 42),
    "burgundy": (128, 0, 32),
    "maroon": (96, 14, 22),
}
_COLOR_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(COLORS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)

# Composition: (words, label, subject box as fractions of the sketch x0, y0, x1, y1, horizon y or None)
COMPOSITIONS: tuple[tuple[tuple[str, ...], str, tuple[float, float, float, float], float | None], ...] = (
    (("extreme close-up", "macro"), "extreme close-up", (0.05, 0.05, 0.95, 0.95), None),
    (("close-up", "close up", "closeup", "headshot"), "close-up", (0.18, 0.12, 0.82, 0.95), None),
    (("portrait",), "portrait framing", (0.3, 0.15, 0.7, 0.95), None),
    (
        ("top-down", "overhead", "flat lay", "bird's-eye", "birds-eye", "aerial"),
        "top-down",
        (0.3, 0.3, 0.7, 0.7),
        None,
    ),
    (("low angle", "low-angle", "worm's-eye"), "low angle", (0.3, 0.1, 0.7, 0.85), 0.85),
    (("isometric",), "isometric", (0.3, 0.3, 0.7, 0.75), None),
    (
        ("panoramic", "wide shot", "wide angle", "wide-angle", "establishing shot", "landscape", "vista"),
        "wide shot",
        (0.58, 0.55, 0.72, 0.78),
        0.62,
    ),
    (("full-body", "full body", "full-length"), "full-body shot", (0.38, 0.12, 0.62, 0.92), 0.8),
    (("medium shot", "mid shot", "waist-up"), "medium shot", (0.28, 0.2, 0.72, 1.0), None),
    (("symmetrical", "symmetry", "centered", "centred"), "centred, symmetrical", (0.35, 0.3, 0.65, 0.8), 0.7),
    (("rule of thirds",), "rule of thirds", (0.22, 0.35, 0.45, 0.85), 0.67),
)
DEFAULT_COMPOSITION = ("subject on a third (no framing named)", (0.22, 0.35, 0.45, 0.85), 0.67)

# Lighting: (words, label, light position as fractions of the sketch, warm/cool tint, dark scene)
LIGHTINGS: tuple[tuple[tuple[str, ...], str, tuple[float, float], tuple[int, int, int], bool], ...] = (
    (
        ("golden hour", "sunset", "sunrise", "dawn", "dusk"),
        "golden hour, low sun",
        (0.85, 0.6),
        (250, 185, 90),
        False,
    ),
    (("backlit", "backlight", "rim light", "silhouette"), "backlit", (0.5, 0.35), (255, 230, 190), False),
    (("neon",), "neon glow", (0.15, 0.4), (255, 60, 200), True),
    (("candlelight", "candlelit", "firelight", "lantern"), "candlelight", (0.3, 0.75), (255, 160, 60), True),
    (
        ("moonlight", "moonlit", "night", "midnight", "starlight"),
        "night, moonlight",
        (0.8, 0.15),
        (160, 180, 255),
        True,
    ),
    (
        ("studio light", "studio lighting", "softbox", "three-point"),
        "studio light",
        (0.15, 0.15),
        (255, 255, 250),
        False,
    ),
    (
        ("window light", "side light", "side lighting", "chiaroscuro"),
        "side light",
        (0.03, 0.4),
        (255, 240, 215),
        False,
    ),
    (
        ("overcast", "diffused", "soft light", "soft blue light", "foggy", "misty"),
        "soft, diffused",
        (0.5, 0.05),
        (220, 225, 235),
        False,
    ),
    (
        ("noon", "midday", "harsh sunlight", "sunlight", "sunny", "daylight"),
        "daylight from above",
        (0.5, 0.05),
        (255, 245, 200),
        False,
    ),
    (("storm", "stormy", "moody", "dramatic"), "dramatic, low key", (0.2, 0.1), (150, 160, 190), True),
)
DEFAULT_LIGHTING = ("none named (even light)", (0.5, 0.1), (245, 245, 240), False)


class PreviewImageModel(ImageModel):
    """A labelled mood-board card per image (see the module docstring); no setting of its own."""

    provider = "preview"
    max_images_per_call = 10
    supported = frozenset(
        {"size", "aspect_ratio", "width", "height", "seed", "output_format", "output_compression"}
    )

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        started = datetime.now(UTC)
        warnings: list[str] = []
        width, height = card_size(options, warnings)
        fmt = (options.output_format or "png").lower()
        if fmt not in PIL_FORMATS:
            warnings.append(f"format {fmt!r} cannot be drawn here; the preview is a PNG")
            fmt = "png"
        seeds = [
            (options.seed + i) % 2**32 if options.seed is not None else random.randrange(2**32)
            for i in range(options.n)
        ]

        def draw() -> list[GeneratedImage]:
            return [
                GeneratedImage(
                    data=encode(
                        draw_card(options.prompt, width, height, seed, index, options.n),
                        fmt,
                        options.output_compression,
                    ),
                    media_type=media_type_for_format(fmt),
                    seed=seed,
                )
                for index, seed in enumerate(seeds)
            ]

        images = await asyncio.to_thread(draw)  # about 60 ms a 1024x1024 card: off the event loop
        return ImageResult(
            images=images,
            warnings=warnings,
            provider_metadata={
                self.provider: {"images": [{"seed": s, "preview": True} for s in seeds], "preview": True}
            },
            usage={"images": len(images)},
            response={"modelId": self.model_id, "timestamp": started.isoformat(), "preview": True},
        )


# ---------------------------------------------------------------------------- reading the prompt


def palette(prompt: str) -> list[tuple[str, tuple[int, int, int]]]:
    """The colours `prompt` names, in order, without repeats (at most `MAX_SWATCHES`)."""
    found: dict[str, tuple[int, int, int]] = {}
    for match in _COLOR_WORDS.finditer(prompt):
        name = match.group(1).lower()
        found.setdefault(name, COLORS[name])
    return list(found.items())[:MAX_SWATCHES]


def composition(prompt: str) -> tuple[str, tuple[float, float, float, float], float | None]:
    text = prompt.lower()
    for words, label, box, horizon in COMPOSITIONS:
        if any(word in text for word in words):
            return label, box, horizon
    return DEFAULT_COMPOSITION


def lighting(prompt: str) -> tuple[str, tuple[float, float], tuple[int, int, int], bool]:
    text = prompt.lower()
    for words, label, where, tint, dark in LIGHTINGS:
        if any(re.search(rf"\b{re.escape(word)}\b", text) for word in words):
            return label, where, tint, dark
    return DEFAULT_LIGHTING


def card_size(options: ImageOptions, warnings: list[str]) -> tuple[int, int]:
    """Width and height from `size`, `width`/`height` or `aspect_ratio`, each side clamped."""
    width, height = options.width, options.height
    if options.size:
        w, sep, h = options.size.lower().partition("x")
        if sep and w.strip().isdigit() and h.strip().isdigit():
            width, height = int(w), int(h)
        else:
            warnings.append(f"size {options.size!r} is not WxH; the preview is {DEFAULT_SIDE}x{DEFAULT_SIDE}")
    if (width is None or height is None) and options.aspect_ratio:
        w_s, _, h_s = options.aspect_ratio.partition(":")
        try:
            ratio = float(w_s) / float(h_s)
        except (ValueError, ZeroDivisionError):
            raise ValidationFailed(
                f"aspect_ratio {options.aspect_ratio!r} is not W:H", field="aspect_ratio"
            ) from None
        if ratio <= 0:
            raise ValidationFailed(f"aspect_ratio {options.aspect_ratio!r} is not W:H", field="aspect_ratio")
        if width is None and height is None:
            width, height = (
                (DEFAULT_SIDE, round(DEFAULT_SIDE / ratio))
                if ratio >= 1
                else (round(DEFAULT_SIDE * ratio), DEFAULT_SIDE)
            )
        elif width is None:
            width = round((height or DEFAULT_SIDE) * ratio)
        else:
            height = round(width / ratio)
    width = width or (height or DEFAULT_SIDE)
    height = height or width
    fixed = (min(MAX_SIDE, max(MIN_SIDE, width)), min(MAX_SIDE, max(MIN_SIDE, height)))
    if fixed != (width, height):
        warnings.append(
            f"size {width}x{height} was drawn as {fixed[0]}x{fixed[1]} (preview sides are {MIN_SIDE}-{MAX_SIDE})"
        )
    return fixed


# ---------------------------------------------------------------------------- drawing


@cache
def _font_source() -> str | None:
    """A TrueType font with the label's dash (DejaVu Sans where installed), else Pillow's own."""
    from PIL import ImageFont

    for name in ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"):
        try:
            ImageFont.truetype(name, 12)
        except OSError:
            continue
        return name
    return None


@cache
def _font(size: int) -> Any:
    from PIL import ImageFont

    source = _font_source()
    return ImageFont.truetype(source, size) if source else ImageFont.load_default(size=size)


def _text(text: str) -> str:
    """`text` as the font can draw it (Pillow's own font is ASCII: accents and dashes simplified)."""
    if _font_source():
        return text
    text = text.replace("—", "-").replace("–", "-").replace("×", "x").replace("·", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _ink(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads on `rgb`."""
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (20, 20, 24) if luma > 150 else (250, 250, 250)


def _wrapped(draw: Any, text: str, font: Any, width: float, lines: int) -> list[str]:
    """`text` in at most `lines` lines no wider than `width` (an ellipsis when cut)."""
    per_line = max(8, int(width / max(1.0, draw.textlength("abcdefghij", font=font) / 10)))
    out = textwrap.wrap(text, per_line) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(0, per_line - 1)].rstrip() + "…"
    return out


def draw_card(prompt: str, width: int, height: int, seed: int, index: int = 0, count: int = 1) -> Any:
    """One preview card (a PIL RGB image): label, layout sketch, swatches, caption, footer."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"{seed}:{prompt}")
    colors = palette(prompt)
    named = bool(colors)
    if not named:
        names = rng.sample(sorted(COLORS), 4)
        colors = [(name, COLORS[name]) for name in names]
    comp_label, box, horizon = composition(prompt)
    light_label, light_at, tint, dark = lighting(prompt)

    base = (28, 30, 36) if dark else (242, 240, 234)
    image = Image.new("RGB", (width, height), base)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    pad = max(4, unit // 32)
    small = _font(max(8, unit // 40))
    body = _font(max(9, unit // 30))
    title = _font(max(9, unit // 26))
    ink = _ink(base)
    muted = _mix(ink, base, 0.45)

    # the label: a band across the top, impossible to miss
    band_h = max(12, int(unit * 0.075))
    draw.rectangle((0, 0, width, band_h), fill=(200, 30, 40))
    draw.text((pad, band_h / 2), _text(LABEL), font=title, fill=(255, 255, 255), anchor="lm")

    # the layout sketch: the frame, lit from where the prompt says, the horizon and the subject
    footer_h = max(10, int(unit * 0.05))
    caption_h = max(14, int(height * 0.16))
    swatch_h = max(12, int(height * 0.12))
    sx0, sy0 = pad, band_h + pad
    sx1, sy1 = width - pad, height - footer_h - caption_h - swatch_h - 3 * pad
    if sy1 - sy0 > 8 and sx1 - sx0 > 8:
        sketch_w, sketch_h = sx1 - sx0, sy1 - sy0
        sky = _mix(colors[0][1], tint, 0.55)
        ground = _mix(colors[-1][1], base, 0.3)
        lx, ly = sx0 + light_at[0] * sketch_w, sy0 + light_at[1] * sketch_h
        glow = Image.new("RGB", (sketch_w, sketch_h), _mix(sky, (0, 0, 0), 0.45 if dark else 0.0))
        glow_draw = ImageDraw.Draw(glow)
        for step in range(12, 0, -1):  # light falls off from its source
            r = step / 12 * max(sketch_w, sketch_h) * 0.9
            glow_draw.ellipse(
                (lx - sx0 - r, ly - sy0 - r, lx - sx0 + r, ly - sy0 + r),
                fill=_mix(sky, tint, 1 - step / 12)
                if not dark
                else _mix(_mix(sky, (0, 0, 0), 0.45), tint, (1 - step / 12) * 0.7),
            )
        image.paste(glow, (sx0, sy0))
        if horizon is not None:
            hy = sy0 + horizon * sketch_h
            draw.rectangle((sx0, hy, sx1, sy1), fill=ground)
            draw.line((sx0, hy, sx1, hy), fill=_ink(ground), width=max(1, unit // 400))
        for third in (1, 2):  # rule-of-thirds guides
            gx, gy = sx0 + sketch_w * third / 3, sy0 + sketch_h * third / 3
            guide = _mix(_ink(sky), sky, 0.7)
            draw.line((gx, sy0, gx, sy1), fill=guide, width=1)
            draw.line((sx0, gy, sx1, gy), fill=guide, width=1)
        jitter = (rng.random() - 0.5) * 0.04
        bx0, by0 = sx0 + (box[0] + jitter) * sketch_w, sy0 + box[1] * sketch_h
        bx1, by1 = sx0 + (box[2] + jitter) * sketch_w, sy0 + box[3] * sketch_h
        if bx1 - bx0 > 1.2 * (by1 - by0):  # a subject, not a band, on a wide frame
            middle, half = (bx0 + bx1) / 2, 0.6 * (by1 - by0)
            bx0, bx1 = middle - half, middle + half
        subject = colors[1 % len(colors)][1]
        shade = _mix(subject, (0, 0, 0), 0.35)
        draw.ellipse((bx0, by0, bx1, by1), fill=subject, outline=shade, width=max(1, unit // 200))
        # the shadow side: away from the light
        start = 90 if lx > (bx0 + bx1) / 2 else 270  # the left half (light on the right), else the right
        draw.chord((bx0, by0, bx1, by1), start, start + 180, fill=shade)
        rs = max(3, unit // 40)  # the light source
        draw.ellipse(
            (lx - rs, ly - rs, lx + rs, ly + rs), fill=tint, outline=_ink(sky), width=max(1, unit // 400)
        )
        legend = f"{_text('composition')}: {_text(comp_label)}   {_text('lighting')}: {_text(light_label)}"
        lbl_bg = _mix(base, sky, 0.15)
        tw = draw.textlength(legend, font=small)
        draw.rectangle((sx0, sy1 - small.size - pad / 2, min(sx1, sx0 + tw + pad), sy1), fill=lbl_bg)
        draw.text((sx0 + pad / 2, sy1 - pad / 4), legend, font=small, fill=_ink(lbl_bg), anchor="ld")
        draw.rectangle((sx0, sy0, sx1, sy1), outline=ink, width=max(1, unit // 300))

    # the palette as swatches, each with its name
    wy0 = max(band_h + pad, sy1 + pad)
    wy1 = wy0 + swatch_h
    slot = (width - pad * (len(colors) + 1)) / len(colors)
    for i, (name, rgb) in enumerate(colors):
        x0 = pad + i * (slot + pad)
        draw.rectangle((x0, wy0, x0 + slot, wy1), fill=rgb, outline=muted)
        draw.text((x0 + slot / 2, (wy0 + wy1) / 2), _text(name), font=small, fill=_ink(rgb), anchor="mm")
    if not named:
        note = "no colours named: palette from the seed"
        draw.text((width - pad, wy0 - 2), _text(note), font=small, fill=muted, anchor="rd")

    # the prompt as a caption
    cy = wy1 + pad
    line_h = body.size * 1.2
    lines = max(1, int(caption_h // line_h))
    for n, line in enumerate(_wrapped(draw, _text(prompt), body, width - 2 * pad, lines)):
        draw.text((pad, cy + n * line_h), line, font=body, fill=ink)

    footer = f"seed {seed} · {width}×{height} · image {index + 1} of {count} · promptgen preview"
    draw.text((pad, height - pad / 2), _text(footer), font=small, fill=muted, anchor="ld")
    return image


def encode(image: Any, fmt: str, compression: int | None) -> bytes:
    out = io.BytesIO()
    pil_format = PIL_FORMATS[fmt]
    save: dict[str, Any] = {}
    if pil_format in ("JPEG", "WEBP"):
        save["quality"] = max(1, 100 - compression) if compression is not None else 90
    if pil_format == "PNG":
        save["optimize"] = False
    image.save(out, format=pil_format, **save)
    return out.getvalue()
