"""Coverage-guided fuzzing (atheris) of the one image validator, `app.images`.

The property: whatever the bytes and whatever media type they claim, `validate_image_bytes`
and `validate_data_url` return a validated image or raise a 4xx `RequestError`; any other
exception (a Pillow error leaking through, a crash, a hang caught by libFuzzer's timeout) is a
finding. Pillow's Python plugins are instrumented too, so the fuzzer learns the formats.

    .venv/bin/python tests/fuzz_image_validator.py                        # until stopped
    .venv/bin/python tests/fuzz_image_validator.py -max_total_time=600    # ten minutes
    .venv/bin/python tests/fuzz_image_validator.py CORPUS_DIR -runs=100000

`tests/test_fuzz_image_validator.py` runs it for a few seconds in the test suite (and, where
atheris is not installed, drives the same target with hypothesis instead). A seed corpus of
small valid PNG, JPEG and WebP images is written to a temporary folder when none is given.
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DECLARED = (None, "image/png", "image/jpeg", "image/webp", "image/gif", "")
_loop: asyncio.AbstractEventLoop | None = None


def limits():  # type: ignore[no-untyped-def]
    from app.images import ImageLimits

    return ImageLimits(max_bytes=256 * 1024, max_pixels=1_000_000)


def check(data: bytes, declared_index: int, as_data_url: bool) -> None:
    """One input through the validator: a value or a RequestError, nothing else."""
    import base64

    from app.errors import RequestError, status_of
    from app.images import validate_data_url, validate_image_bytes

    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    declared = DECLARED[declared_index % len(DECLARED)]
    try:
        if as_data_url:
            media = declared or "image/png"
            url = f"data:{media};base64,{base64.b64encode(data).decode()}"
            _loop.run_until_complete(validate_data_url(url, "image", limits()))
        else:
            _loop.run_until_complete(validate_image_bytes(data, declared, "image", limits()))
    except RequestError as exc:
        assert 400 <= status_of(exc) < 500, exc


def seeds() -> list[bytes]:
    from PIL import Image

    out = []
    for fmt, mode in (("PNG", "RGBA"), ("PNG", "P"), ("JPEG", "RGB"), ("WEBP", "RGB"), ("GIF", "P")):
        buffer = io.BytesIO()
        Image.new(mode, (3, 2), 7).save(buffer, format=fmt)
        out.append(buffer.getvalue())
    return out


def test_one_input(data: bytes) -> None:
    """Byte 0 picks the declared media type, byte 1 raw bytes or a data URL, the rest is the image."""
    if len(data) < 2:
        return
    check(data[2:], data[0], bool(data[1] & 1))


def main(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["app", "PIL"]):
        import PIL.Image
        import PIL.JpegImagePlugin
        import PIL.PngImagePlugin
        import PIL.WebPImagePlugin  # noqa: F401

        import app.images  # noqa: F401

    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given: a fresh seeded one
        corpus = Path(tempfile.mkdtemp(prefix="fuzz-images-"))
        for i, seed in enumerate(seeds()):
            (corpus / f"seed-{i}").write_bytes(b"\x00\x00" + seed)  # declared None, raw bytes
        args.insert(1, str(corpus))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
