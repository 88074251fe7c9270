"""`POST /v1/generate/caption`."""

from __future__ import annotations

from litestar import Request, post

from app.image_protocol import CaptionRequest, CaptionResponse
from app.protocol import decode_strict_async

CAPTION_BODY_LIMIT = 64 * 1024 * 1024  # images ride along as data URLs


@post(
    "/v1/generate/caption",
    status_code=200,
    summary="Caption images",
    request_max_body_size=CAPTION_BODY_LIMIT,
)
async def generate_caption(request: Request) -> CaptionResponse:
    payload = await decode_strict_async(await request.body(), CaptionRequest, max_bytes=CAPTION_BODY_LIMIT)
    with request.app.state.describer_gate.acquire():  # 503 at once when full, before any decoding
        return await request.app.state.images.captions.caption(payload)  # type: ignore[no-any-return]


ROUTES = [generate_caption]
