"""`POST /v1/models`, `GET /v1/models`, `GET /v1/models/{modelId}`: style models."""

from __future__ import annotations

from litestar import Request, get, post

from app.image_protocol import CreateStyleModelRequest, StyleModelList, StyleModelResponse
from app.protocol import decode_strict
from app.style_models import StyleModelStore

BODY_LIMIT = 1024 * 1024


def _store(request: Request) -> StyleModelStore:
    return request.app.state.images.style_models  # type: ignore[no-any-return]


@post("/v1/models", status_code=201, summary="Register a style model", request_max_body_size=BODY_LIMIT)
async def create_style_model(request: Request) -> StyleModelResponse:
    payload = decode_strict(await request.body(), CreateStyleModelRequest, max_bytes=BODY_LIMIT)
    return StyleModelResponse(model=await _store(request).create(payload))


@get("/v1/models", summary="Style models")
async def list_style_models(request: Request) -> StyleModelList:
    return StyleModelList(models=await _store(request).all())


@get("/v1/models/{model_id:str}", summary="A style model")
async def get_style_model(request: Request, model_id: str) -> StyleModelResponse:
    return StyleModelResponse(model=await _store(request).get(model_id))


ROUTES = [create_style_model, list_style_models, get_style_model]
