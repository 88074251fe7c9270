"""Images for the contextual and image-editing cases: real photographs that installed packages
ship (scikit-image's and matplotlib's sample data) and small scenes drawn with Pillow.

A case names its image by reference: `photo:<package>/<file>` or `drawn:<name>`. References
resolve to an RGB Pillow image no larger than `SIZE` and to a data URL; drawings are
deterministic, so a run can be repeated byte for byte.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SIZE = 256
PACKAGE_DIRS = {"skimage": "data", "matplotlib": "mpl-data/sample_data"}


class ImageUnavailable(LookupError):
    """The reference names a package that is not installed, or an unknown drawing."""


def photo_path(ref: str) -> Path:
    """The file of `photo:<package>/<file>`, found without importing the package."""
    package, _, name = ref.removeprefix("photo:").partition("/")
    spec = importlib.util.find_spec(package) if package in PACKAGE_DIRS else None
    if spec is None or not spec.submodule_search_locations:
        raise ImageUnavailable(f"{ref}: package {package!r} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / PACKAGE_DIRS[package] / name
    if not path.is_file():
        raise ImageUnavailable(f"{ref}: {path} does not exist")
    return path


def load(ref: str, size: int = SIZE) -> Image.Image:
    """The referenced image as RGB, scaled to fit in `size` x `size`."""
    if ref.startswith("photo:"):
        with Image.open(photo_path(ref)) as img:
            image = img.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image).convert("RGB")
    elif ref.startswith("drawn:") and ref[6:] in DRAWINGS:
        image = DRAWINGS[ref[6:]](random.Random(ref))
    else:
        raise ImageUnavailable(f"unknown image reference {ref!r}")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return image


def encode(image: Image.Image, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def data_url(ref: str, size: int = SIZE) -> str:
    """The referenced image as a `data:image/jpeg;base64,...` URL."""
    return "data:image/jpeg;base64," + base64.b64encode(encode(load(ref, size))).decode()


def available(ref: str) -> bool:
    try:
        if ref.startswith("photo:"):
            photo_path(ref)
            return True
        return ref.startswith("drawn:") and ref[6:] in DRAWINGS
    except ImageUnavailable:
        return False


# ---- drawings -----------------------------------------------------------------------------------

def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(height - 1, 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return image


def sunset_sea(rng: random.Random) -> Image.Image:
    image = _gradient((320, 240), (250, 120, 60), (120, 40, 110))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 110, 190, 170), fill=(255, 210, 90))
    draw.rectangle((0, 150, 320, 240), fill=(30, 50, 90))
    for _ in range(40):
        x, y = rng.randrange(320), rng.randrange(155, 240)
        draw.line([(x, y), (x + rng.randrange(8, 30), y)], fill=(250, 170, 90), width=1)
    return image


def night_city(rng: random.Random) -> Image.Image:
    image = _gradient((320, 240), (10, 10, 40), (50, 20, 80))
    draw = ImageDraw.Draw(image)
    x = 0
    while x < 320:
        w, h = rng.randrange(25, 55), rng.randrange(60, 200)
        draw.rectangle((x, 240 - h, x + w, 240), fill=(20, 20, 30))
        for wy in range(240 - h + 6, 236, 12):
            for wx in range(x + 4, x + w - 4, 9):
                if rng.random() < 0.45:
                    draw.rectangle((wx, wy, wx + 4, wy + 6), fill=rng.choice([(255, 220, 120), (80, 240, 255)]))
        x += w + rng.randrange(2, 8)
    return image


def pine_forest(rng: random.Random) -> Image.Image:
    image = _gradient((320, 240), (200, 225, 235), (235, 240, 230))
    draw = ImageDraw.Draw(image)
    for layer, shade in enumerate([(120, 150, 130), (60, 100, 70), (25, 60, 35)]):
        for _ in range(14):
            x, base = rng.randrange(-20, 340), 150 + layer * 35 + rng.randrange(-10, 10)
            h = rng.randrange(60, 120)
            draw.polygon([(x, base - h), (x - h // 4, base), (x + h // 4, base)], fill=shade)
    return image.filter(ImageFilter.SMOOTH)


def mountain_lake(rng: random.Random) -> Image.Image:
    image = _gradient((320, 240), (110, 160, 220), (200, 225, 245))
    draw = ImageDraw.Draw(image)
    for x0 in (-40, 80, 190):
        peak = (x0 + 80, rng.randrange(40, 80))
        draw.polygon([(x0, 160), peak, (x0 + 170, 160)], fill=(90, 100, 120))
        draw.polygon([(peak[0] - 20, peak[1] + 25), peak, (peak[0] + 20, peak[1] + 25)], fill=(245, 245, 250))
    draw.rectangle((0, 160, 320, 240), fill=(50, 110, 150))
    return image


def potion_bottle(rng: random.Random) -> Image.Image:
    image = _gradient((240, 240), (235, 230, 225), (200, 195, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 90, 180, 210), fill=(120, 30, 160), outline=(60, 10, 80), width=4)
    draw.rectangle((105, 50, 135, 100), fill=(150, 200, 210), outline=(60, 80, 90), width=3)
    draw.rectangle((100, 35, 140, 52), fill=(140, 90, 50))
    draw.ellipse((85, 115, 115, 140), fill=(230, 180, 255))
    draw.ellipse((50, 205, 190, 225), fill=(170, 165, 160))
    return image


def pixel_sprite(rng: random.Random) -> Image.Image:
    rows = ["...HHHH...", "..HHHHHH..", "..SSESSE..", "..SSSSSS..", "...SSSS...", ".BBBBBBBB.",
            "S.BBBBBB.S", "..BBBBBB..", "..LL..LL..", ".FFF..FFF."]
    colors = {"H": (200, 40, 40), "S": (250, 200, 160), "E": (20, 20, 20), "B": (40, 90, 200),
              "L": (90, 60, 30), "F": (50, 30, 20)}
    small = Image.new("RGB", (12, 12), (120, 200, 120))
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch in colors:
                small.putpixel((x + 1, y + 1), colors[ch])
    return small.resize((240, 240), Image.Resampling.NEAREST)


def stone_tiles(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (256, 256), (60, 60, 60))
    draw = ImageDraw.Draw(image)
    for ty in range(0, 256, 32):
        for tx in range(-16 if ty % 64 else 0, 256, 32):
            g = rng.randrange(110, 160)
            draw.rectangle((tx + 2, ty + 2, tx + 30, ty + 30), fill=(g, g - 5, g - 15))
    return image


def sword_icon(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (200, 200), (30, 30, 50))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 190, 190), radius=30, fill=(60, 50, 110), outline=(230, 190, 60), width=6)
    draw.polygon([(100, 30), (112, 50), (112, 130), (88, 130), (88, 50)], fill=(210, 215, 225))
    draw.rectangle((65, 130, 135, 142), fill=(200, 160, 40))
    draw.rectangle((94, 142, 106, 170), fill=(110, 60, 30))
    draw.ellipse((90, 168, 110, 186), fill=(200, 160, 40))
    return image


def abstract_shapes(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (256, 256), (245, 240, 230))
    draw = ImageDraw.Draw(image)
    palette = [(230, 60, 50), (30, 80, 160), (250, 200, 40), (20, 20, 20)]
    for _ in range(12):
        x, y, r = rng.randrange(256), rng.randrange(256), rng.randrange(15, 70)
        shape = rng.choice(["ellipse", "rectangle"])
        getattr(draw, shape)((x - r, y - r, x + r, y + r), fill=rng.choice(palette))
    return image


def cozy_room(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (320, 240), (120, 80, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 320, 240), fill=(90, 55, 35))
    draw.rectangle((200, 40, 290, 130), fill=(40, 60, 110), outline=(200, 170, 120), width=5)
    draw.ellipse((225, 55, 250, 80), fill=(240, 240, 210))
    draw.rectangle((30, 120, 150, 175), fill=(150, 40, 40))
    draw.rectangle((30, 100, 50, 175), fill=(130, 30, 30))
    draw.ellipse((160, 60, 190, 90), fill=(255, 200, 100))
    draw.line([(175, 90), (175, 170)], fill=(60, 40, 20), width=4)
    return image.filter(ImageFilter.GaussianBlur(1))


DRAWINGS: dict[str, Callable[[random.Random], Image.Image]] = {
    fn.__name__: fn for fn in (sunset_sea, night_city, pine_forest, mountain_lake, potion_bottle,
                               pixel_sprite, stone_tiles, sword_icon, abstract_shapes, cozy_room)
}
