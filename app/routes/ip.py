"""`POST /v1/ip/check` and `POST /v1/ip/clear`: the IP filter on its own."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, post
from msgspec import Meta

from app.ip_guard import detection, merge_findings
from app.protocol import IPDetection, IPFinding, Strict, decode_strict

Text = Annotated[str, Meta(min_length=1, max_length=20_000)]


class IPCheckRequest(Strict):
    text: Text


class IPClearRequest(Strict):
    text: Text
    rewrite: bool = False  # smooth the substituted text with the language model (fails closed)
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] = 0


class IPClearResponse(msgspec.Struct, kw_only=True):
    text: str
    action: str
    findings: list[IPFinding]
    rewritten: bool


@post("/v1/ip/check", status_code=200, summary="Find protected IP in a text")
async def ip_check(request: Request) -> IPDetection:
    body = decode_strict(await request.body(), IPCheckRequest, max_bytes=256 * 1024)
    return detection(await request.app.state.ip_guard.filter.acheck(body.text))  # long texts off the loop


@post("/v1/ip/clear", status_code=200, summary="Replace protected IP by generic descriptions")
async def ip_clear(request: Request) -> IPClearResponse:
    body = decode_strict(await request.body(), IPClearRequest, max_bytes=256 * 1024)
    guard = request.app.state.ip_guard
    if body.rewrite:
        result = await guard.filter.clear_with_rewrite(
            body.text, guard.lm, guard.rewrite_deadline_s, seed=body.seed
        )
    else:
        result = await guard.filter.aclear(body.text)  # a long text in a worker thread
    return IPClearResponse(
        text=result.text,
        action=result.action,
        findings=merge_findings(result.findings),
        rewritten=result.rewritten,
    )


ROUTES = [ip_check, ip_clear]
