"""Image bytes: the one module that knows media types, data URLs and the validated image.

`app/images.py` is the gate every incoming image passes and returns a `ValidatedImage`;
backends use the helpers here to read what providers send back.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import ctypes.util
import io
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import msgspec
from PIL import Image

# Media type spellings seen in the wild -> the one we use.
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}

FORMAT_MEDIA_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "svg": "image/svg+xml",
}


class ValidatedImage(msgspec.Struct, frozen=True, kw_only=True):
    """Image bytes that passed every check; `media_type` is what the bytes really are."""

    data: bytes
    media_type: str
    width: int
    height: int
    sha256: str

    @property
    def data_url(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode()}"

    def open(self) -> Image.Image:
        """A fresh Pillow image of these bytes (decoding is the caller's cost)."""
        return Image.open(io.BytesIO(self.data))


# Modes `Image.reduce` averages as they are; any other is converted first, as the describers
# convert it anyway: palettes (and their transparency) to RGBA, everything else to RGB.
REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA"})
LARGE_DECODE_PIXELS = 4_000_000  # a request that decoded one this large hands the heap back after


def decode_reduced(data: bytes, min_side: int, jpeg_side: int | None = None) -> Image.Image:
    """The image decoded no larger than a caller that needs `min_side` pixels on the short
    side wants it: a JPEG in draft mode (scaled while it decodes, to at least `jpeg_side`
    a side, else `min_side`), any other format decoded whole and, when its short side is at
    least twice `min_side`, reduced by the largest integer factor that keeps it at least
    `min_side` (a box average: the step a resize with `reducing_gap` starts with). The
    full-size bitmap is freed before this returns (`release_memory` gives the pages back)."""
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        side = jpeg_side or min_side
        image.draft("RGB", (side, side))
    image.load()
    factor = min(image.size) // max(1, min_side)
    if factor < 2:
        return image
    source: Image.Image = image
    if source.mode not in REDUCIBLE_MODES:
        source = image.convert("RGBA" if image.mode in ("P", "PA") else "RGB")
        image.close()
    reduced = source.reduce(factor)
    source.close()
    del image, source
    return reduced


class ReducedDecodes:
    """Decodes the validator made at the size the describer wants (`decode_reduced`), handed on
    within one request by the bytes' SHA-256 and that size: a large PNG or WebP is decoded once,
    not twice. An entry is taken once; the request drops what it did not take; at most
    `max_bytes` are held (the oldest go first). Thread-safe."""

    def __init__(self, max_bytes: int = 48 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, int], tuple[Image.Image, int]] = OrderedDict()
        self._held = 0

    def keep(self, sha256: str, side: int, image: Image.Image) -> None:
        size = image.width * image.height * 4
        if size > self.max_bytes:
            return
        with self._lock:
            self._pop((sha256, side))
            self._entries[(sha256, side)] = (image, size)
            self._held += size
            while self._held > self.max_bytes:
                self._pop(next(iter(self._entries)))

    def take(self, sha256: str, side: int) -> Image.Image | None:
        with self._lock:
            return self._pop((sha256, side))

    def drop(self, sha256s: Iterable[str], side: int) -> None:
        with self._lock:
            for sha256 in sha256s:
                self._pop((sha256, side))

    def __len__(self) -> int:
        return len(self._entries)

    def _pop(self, key: tuple[str, int]) -> Image.Image | None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        self._held -= entry[1]
        return entry[0]


REDUCED_DECODES = ReducedDecodes()


def release_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's `malloc_trim`): a large decode
    frees its bitmap into the allocator, which would otherwise keep the pages resident. Once
    per request, not per decode: the next decode would fault every page in again (a 40
    megapixel PNG then decodes ~0.4 s slower)."""
    if _trim is not None:
        _trim(0)


def _load_trim() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_trim = _load_trim()


def sniff(data: bytes) -> str | None:
    """The image format the bytes start with, as a media type (or a short name for others)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:2] == b"BM":
        return "image/bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"heic", b"heix", b"mif1"):
        return "image/" + data[8:12].decode()
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg "):
        return "image/svg+xml"
    return None


def normalize_media_type(media_type: str) -> str:
    media = media_type.strip().lower()
    return ALIASES.get(media, media)


def sniff_media_type(data: bytes, fallback: str = "application/octet-stream") -> str:
    """The media type the bytes say they are, else `fallback`."""
    return sniff(data) or fallback


def media_type_for_format(output_format: str | None, default: str = "image/png") -> str:
    return FORMAT_MEDIA_TYPES.get((output_format or "").lower(), default)


def data_url(data: bytes, media_type: str | None = None) -> str:
    """`data:<type>;base64,...` for image bytes."""
    media_type = media_type or sniff_media_type(data, "image/png")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def parse_data_url(url: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a base64 data URL, or None when `url` is not one."""
    if not url.startswith("data:") or "," not in url:
        return None
    header, _, payload = url[5:].partition(",")
    media_type = header.split(";")[0] or "application/octet-stream"
    if ";base64" not in header:
        return None
    try:
        return base64.b64decode(payload, validate=False), media_type
    except (binascii.Error, ValueError):
        return None


def decode_b64(value: Any) -> bytes | None:
    """Strict base64 decoding; None for anything that is not valid, non-empty base64."""
    if not isinstance(value, str) or not value:
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data or None
