"""The one gate every image passes: `images`, `image`, asset uploads, style-model training sets.

Checks run cheapest first, so a hostile input costs as little as possible:

    data-URL syntax -> media type on the allow-list -> byte cap (from the base64 length,
    before decoding) -> base64 -> magic bytes agree with the declared type -> header only:
    pixel cap (decompression bombs), the request's pixel budget and a single frame -> every
    byte decoded, in a worker thread

Every failure is a 4xx `RequestError` that says what is wrong and names the field.

The pixel budget (`PixelBudget`, `max_request_pixels`) bounds the work of a whole request: the
pixels its images declare in their headers, added up before each is decoded, so ten images
each under the per-image cap still cost no more than the budget. The integrity decode keeps
no more than it must: a JPEG is decoded in draft mode (every byte of its entropy-coded data
is read, the picture is scaled to an eighth while it decodes), other formats in full, and the
bitmap is released at once; when the builtin describer is about to describe a PNG or WebP
(`decode_checked(..., keep_side)`), the decode is reduced to its size at once and handed to it
(`core.images.REDUCED_DECODES`), so that image is decoded once, not twice.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import re
import warnings

import msgspec
from PIL import Image

from app.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from core.images import REDUCED_DECODES, ValidatedImage, decode_reduced, normalize_media_type, sniff

# Media type -> the format name Pillow reports for it.
ALLOWED: dict[str, str] = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
ALLOWED_TEXT = "PNG, JPEG or WebP"

DATA_URL = re.compile(r"^data:(?P<media>[^;,]*)(?P<params>(?:;[^;,]*)*),", re.IGNORECASE)
BASE64_CHARS = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


class ImageLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Caps applied to every image (from settings: `max_image_bytes`, `max_image_pixels`) and
    the pixels all the images of one request may declare (`max_request_pixels`; 0: no bound)."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_request_pixels: int = 100_000_000


class PixelBudget:
    """The pixels one request's images may declare in all; each is charged from its header,
    before it is decoded, and the one that goes over is refused (413 naming the limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, width: int, height: int, field: str) -> None:
        pixels = width * height
        if self.limit > 0 and self.used + pixels > self.limit:
            raise PayloadTooLarge(
                f"`{field}` ({width}x{height}) brings the request's images to "
                f"{(self.used + pixels) / 1e6:g} megapixels; the limit is {self.limit / 1e6:g} "
                "megapixels per request (PROMPTGEN_MAX_REQUEST_PIXELS): send fewer or smaller images",
                field=field,
            )
        self.used += pixels


def parse_data_url(value: str, field: str, limits: ImageLimits) -> tuple[str, bytes]:
    """(declared media type, decoded bytes) of a base64 image data URL."""
    match = DATA_URL.match(value[:512])
    if match is None:
        raise ValidationFailed(
            f"`{field}` must be a data URL (data:image/png;base64,...) or an asset id (asset_...)",
            field=field,
        )
    media = normalize_media_type(match["media"])
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    if "base64" not in params:
        raise ValidationFailed(
            f"`{field}` is a data URL without `;base64`; images must be base64-encoded "
            "(data:image/png;base64,...)",
            field=field,
        )
    check_media_type(media, field)
    payload = "".join(value[match.end() :].split())  # base64 may be wrapped across lines
    estimated = len(payload) * 3 // 4
    if estimated > limits.max_bytes:
        raise PayloadTooLarge(
            f"`{field}` is about {_mib(estimated)} of image data; the limit is {_mib(limits.max_bytes)}",
            field=field,
        )
    raw = payload.encode("ascii", "replace")
    if not BASE64_CHARS.match(raw) or len(raw) % 4 == 1:
        raise ValidationFailed(f"`{field}` is not valid base64 after `base64,`", field=field)
    try:
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"`{field}` is not valid base64 after `base64,`", field=field) from None
    return media, data


def check_media_type(media: str, field: str) -> None:
    if media not in ALLOWED:
        shown = media or "no media type"
        raise UnsupportedMediaType(
            f"`{field}` is {shown}; accepted image types are {ALLOWED_TEXT} ({', '.join(ALLOWED)})",
            field=field,
        )


class CheckedImage(msgspec.Struct, frozen=True, kw_only=True):
    """Image bytes that passed every check short of decoding (`decode_checked` finishes)."""

    data: bytes
    media_type: str
    width: int
    height: int
    field: str


async def validate_image_bytes(
    data: bytes, declared: str | None, field: str, limits: ImageLimits, budget: PixelBudget | None = None
) -> ValidatedImage:
    """Check raw bytes whose declared media type may be unknown (`None`: trust the bytes);
    `budget` is the request's pixel budget, charged before the image is decoded."""
    checked = check_image_bytes(data, declared, field, limits)
    if budget is not None:
        budget.charge(checked.width, checked.height, field)
    return await decode_checked(checked)


def check_image_bytes(data: bytes, declared: str | None, field: str, limits: ImageLimits) -> CheckedImage:
    """Every check but the decode: size, type, magic bytes, header (pixel cap, one frame)."""
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(
            f"`{field}` is {_mib(len(data))}; the limit is {_mib(limits.max_bytes)}", field=field
        )
    if not data:
        raise ValidationFailed(f"`{field}` is empty", field=field)
    actual = sniff(data)
    if declared is not None:
        declared = normalize_media_type(declared)
        check_media_type(declared, field)
    if actual is None:
        raise ValidationFailed(
            f"`{field}` is not a {ALLOWED_TEXT} image: its bytes start with {data[:8]!r}", field=field
        )
    if actual not in ALLOWED:
        label = actual.removeprefix("image/").upper()
        claimed = f" although it is declared {declared}" if declared else ""
        raise UnsupportedMediaType(
            f"`{field}` is a {label} image{claimed}; accepted image types are {ALLOWED_TEXT}",
            field=field,
        )
    if declared is not None and declared != actual:
        raise ValidationFailed(
            f"`{field}` is declared {declared} but its bytes are {actual}; declare the real type",
            field=field,
        )
    width, height = _check_header(data, actual, field, limits)
    return CheckedImage(data=data, media_type=actual, width=width, height=height, field=field)


async def decode_checked(checked: CheckedImage, keep_side: int = 0) -> ValidatedImage:
    """Decode every byte of a checked image (in a worker thread): the last check. With
    `keep_side`, a PNG or WebP is decoded as `decode_reduced(data, keep_side)` and kept in
    `REDUCED_DECODES` for the describer that is about to decode it at that size."""
    data = checked.data
    sha256 = hashlib.sha256(data).hexdigest()
    if keep_side > 0 and checked.media_type != "image/jpeg":
        decoded = await asyncio.to_thread(_decode_reduced, data, checked.field, keep_side)
        REDUCED_DECODES.keep(sha256, keep_side, decoded)
    else:
        await asyncio.to_thread(_decode_fully, data, checked.field)
    return ValidatedImage(
        data=data,
        media_type=checked.media_type,
        width=checked.width,
        height=checked.height,
        sha256=sha256,
    )


async def validate_data_url(
    value: str, field: str, limits: ImageLimits, budget: PixelBudget | None = None
) -> ValidatedImage:
    """Check an image given as a data URL (the `images`/`image` fields, JSON asset uploads)."""
    declared, data = parse_data_url(value, field, limits)
    return await validate_image_bytes(data, declared, field, limits, budget)


def check_data_url(value: str, field: str, limits: ImageLimits) -> CheckedImage:
    """`validate_data_url` short of the decode (`decode_checked` finishes)."""
    declared, data = parse_data_url(value, field, limits)
    return check_image_bytes(data, declared, field, limits)


def _check_header(data: bytes, media: str, field: str, limits: ImageLimits) -> tuple[int, int]:
    """Dimensions and frame count from the header alone; nothing is decoded here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[ALLOWED[media]]) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
    except Image.DecompressionBombError as exc:
        declared = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(declared[1]) / 1e6:g} megapixels" if declared else "too many pixels"
        raise PayloadTooLarge(
            f"`{field}` declares {size} in its header (a decompression bomb?); "
            f"the limit is {limits.max_pixels / 1e6:g} megapixels",
            field=field,
        ) from None
    except Exception as exc:  # Pillow raises many types on hostile input
        raise ValidationFailed(
            f"`{field}` has a broken {media} header: {_reason(exc)}", field=field
        ) from None
    if width < 1 or height < 1:
        raise ValidationFailed(f"`{field}` has no pixels ({width}x{height})", field=field)
    if width * height > limits.max_pixels:
        raise PayloadTooLarge(
            f"`{field}` is {width}x{height} ({width * height / 1e6:g} megapixels); "
            f"the limit is {limits.max_pixels / 1e6:g} megapixels",
            field=field,
        )
    if frames != 1:
        raise ValidationFailed(
            f"`{field}` is animated ({frames} frames); send a single still image", field=field
        )
    return width, height


def _decode_fully(data: bytes, field: str) -> None:
    """Decode every byte: truncated or corrupt data fails here, not in a describer later. A
    JPEG decodes in draft mode (DCT scaling to an eighth: all its data is still read and
    checked); the bitmap is dropped at once."""
    try:
        # No warnings filter here (it is process-global, and this runs in a worker thread): the
        # header check already refused anything large enough to trip Pillow's bomb warning.
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                image.draft(None, (max(1, -(-image.width // 8)), max(1, -(-image.height // 8))))
            image.load()
            image.close()
    except Image.DecompressionBombError:
        raise PayloadTooLarge(f"`{field}` has too many pixels", field=field) from None
    except Exception as exc:  # OSError for truncation, SyntaxError/ValueError for corruption, ...
        raise ValidationFailed(
            f"`{field}` is corrupt or truncated and cannot be decoded: {_reason(exc)}", field=field
        ) from None


def _decode_reduced(data: bytes, field: str, side: int) -> Image.Image:
    """`_decode_fully`'s check, keeping the image reduced to `side` (`decode_reduced`)."""
    try:
        return decode_reduced(data, side)
    except Image.DecompressionBombError:
        raise PayloadTooLarge(f"`{field}` has too many pixels", field=field) from None
    except Exception as exc:  # as `_decode_fully`
        raise ValidationFailed(
            f"`{field}` is corrupt or truncated and cannot be decoded: {_reason(exc)}", field=field
        ) from None


def _reason(exc: BaseException) -> str:
    text = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-f]+>", "", str(exc)) or type(exc).__name__
    return text.replace("cannot identify image file", "cannot identify the image data")[:200]


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"
