"""`POST /v1/prompts/analyze`: a prompt's CLIP windows, parts, conflicts, IP and a shortened
version (`modes.analysis`), for the prompt as given and the family it is meant for."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import Request, post
from msgspec import UNSET, Meta, UnsetType, field

from app.ip_guard import detection
from app.protocol import MAX_SPARK_CHARS, IPDetection, KeepTerms, Strict, TargetModel, decode_strict
from modes import targets
from modes.analysis import Analysis, analyze

ANALYZE_BODY_LIMIT = 64 * 1024


class AnalyzeRequest(Strict):
    prompt: Annotated[str, Meta(min_length=1, max_length=MAX_SPARK_CHARS)]
    target_model: TargetModel = field(default="generic", name="targetModel")
    keep_terms: KeepTerms | None = field(default=None, name="keepTerms")


class AnalyzeResponse(Analysis, kw_only=True, rename="camel"):
    """`modes.analysis.Analysis`, with the family it was read for and the IP it names."""

    target_model: str
    ip_detection: IPDetection | UnsetType = field(default=UNSET, name="ipDetection")


@post(
    "/v1/prompts/analyze",
    status_code=200,
    summary="Count a prompt's CLIP tokens, find its parts and shorten it",
)
async def analyze_prompt(request: Request) -> AnalyzeResponse:
    body = decode_strict(await request.body(), AnalyzeRequest, max_bytes=ANALYZE_BODY_LIMIT)
    terms = body.keep_terms or []
    request.app.state.service.check_keep_terms(terms, allow_ip=True)
    profile = targets.profile(body.target_model)
    found = await asyncio.to_thread(analyze, body.prompt, profile, terms)  # BPE and tagging off the loop
    response = AnalyzeResponse(target_model=profile.name, **msgspec.structs.asdict(found))
    guard = request.app.state.ip_guard
    if guard is not None:
        response.ip_detection = detection(await guard.filter.acheck(body.prompt))
    return response


ROUTES = [analyze_prompt]
