"""Issue 19, item 2: ten 131 KB PNGs of 6300x6300 pixels in one `/v1/generate/prompt` body.

Writes the images with Pillow (one colour each: the PNG compresses 900:1), starts the service
(scripted language model, builtin describer) in a subprocess, warms it with a small image (the
subject namer loads then), and sends the body once. Prints the answer's status, the request's
wall time, the server's resident memory before and after, and its peak (`VmHWM`).

    .venv/bin/python -m benchmarks.bench_image_budget                       # the default budget
    .venv/bin/python -m benchmarks.bench_image_budget --images 2            # within the budget
    .venv/bin/python -m benchmarks.bench_image_budget --request-pixels 0    # no per-request budget
    .venv/bin/python -m benchmarks.bench_image_budget --root /tmp/old       # another checkout's server

Timings are not asserted anywhere; `tests/test_image_budget.py` holds the bound itself.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from benchmarks import common
from benchmarks.common import PinnedServer, cores

SIDE = 6300
COLOURS = [(200, 120, 40), (30, 90, 200), (40, 160, 60), (220, 220, 210), (90, 30, 110)]


def big_png(index: int, side: int = SIDE) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), COLOURS[index % len(COLOURS)]).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def run(images: int = 10, request_pixels: int | None = None, side: int = SIDE, root: str = "") -> dict:
    body = {"mode": "structured", "prompt": "a lighthouse", "seed": 1, "images": []}
    pngs = [big_png(i, side) for i in range(images)]
    body["images"] = [data_url(p) for p in pngs]
    encoded = json.dumps(body).encode()
    small = {"mode": "structured", "prompt": "a lighthouse", "seed": 2, "images": [data_url(big_png(0, 64))]}
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PROMPTGEN_LM_BACKEND": "scripted",
            "PROMPTGEN_DATA_DIR": tmp,
            "PROMPTGEN_LOG_LEVEL": "WARNING",
            "PROMPTGEN_MAX_BODY_BYTES": str(64 * 1024 * 1024),
        }
        if request_pixels is not None:
            env["PROMPTGEN_MAX_REQUEST_PIXELS"] = str(request_pixels)
        if root:  # PinnedServer starts uvicorn in this checkout's folder: point it at the other one
            common.ROOT = Path(root)
        with PinnedServer("app.server:create_app", env, core=cores()[0]) as server:
            warm = httpx.post(server.url + "/v1/generate/prompt", json=small, timeout=120)
            before = memory_kib(server.proc.pid)
            started = time.perf_counter()
            answer = httpx.post(
                server.url + "/v1/generate/prompt",
                content=encoded,
                headers={"Content-Type": "application/json"},
                timeout=300,
            )
            seconds = time.perf_counter() - started
            time.sleep(0.5)
            after = memory_kib(server.proc.pid)
    return {
        "images": images,
        "png_bytes": len(pngs[0]),
        "body_bytes": len(encoded),
        "warm_status": warm.status_code,
        "status": answer.status_code,
        "detail": answer.json().get("detail") if answer.status_code >= 400 else None,
        "seconds": round(seconds, 2),
        "rss_before_mib": round(before["VmRSS"] / 1024),
        "rss_peak_mib": round(after["VmHWM"] / 1024),
        "rss_after_mib": round(after["VmRSS"] / 1024),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--side", type=int, default=SIDE)
    parser.add_argument("--request-pixels", type=int, default=None, help="PROMPTGEN_MAX_REQUEST_PIXELS")
    parser.add_argument("--root", default="", help="serve from this checkout (a before/after comparison)")
    args = parser.parse_args()
    print(json.dumps(run(args.images, args.request_pixels, args.side, args.root), indent=2))
