"""`POST /v1/assets` (JSON data URL or multipart upload), `GET /v1/assets/{assetId}` (+ `/content`),
`DELETE /v1/assets/{assetId}`."""

from __future__ import annotations

from litestar import Request, Response, delete, get, post
from litestar.datastructures import UploadFile

from app.assets import AssetStore, is_asset_id
from app.errors import PromptgenError, RequestError, UnsupportedMediaType, ValidationFailed
from app.image_protocol import AssetResponse, CreateAssetRequest
from app.images import ImageLimits, ValidatedImage, validate_data_url, validate_image_bytes
from app.media_types import ACCEPTS_OPT, JSON, MULTIPART, is_json
from app.protocol import decode_strict_async

ASSET_BODY_LIMIT = 64 * 1024 * 1024  # the image cap itself (settings) is checked by the validator
FILE_FIELDS = ("file", "image")
TEXT_FIELDS = {"name": 200, "description": 2000}


def _store(request: Request) -> AssetStore:
    return request.app.state.images.assets  # type: ignore[no-any-return]


@post(
    "/v1/assets",
    status_code=201,
    summary="Upload an image (JSON data URL or multipart file)",
    request_max_body_size=ASSET_BODY_LIMIT,
    opt={ACCEPTS_OPT: (JSON, MULTIPART)},  # the only route that takes a form (app/media_types.py)
)
async def create_asset(request: Request) -> AssetResponse:
    limits: ImageLimits = request.app.state.images.limits
    media = request.content_type[0]
    if is_json(media):
        payload = await decode_strict_async(
            await request.body(), CreateAssetRequest, max_bytes=ASSET_BODY_LIMIT
        )
        if is_asset_id(payload.image):
            raise ValidationFailed("`image` must be a data URL here, not an asset id", field="image")
        image = await validate_data_url(payload.image, "image", limits)
        name, description = payload.name, payload.description
    elif media == MULTIPART:
        image, name, description = await _from_form(request, limits)
    else:
        raise UnsupportedMediaType(
            f'send the image as application/json ({{"image": "data:image/png;base64,..."}}) or as '
            f"multipart/form-data with a `file` part; got {media or 'no content type'}"
        )
    return AssetResponse(asset=await _store(request).create(image, name, description))


async def _from_form(request: Request, limits: ImageLimits) -> tuple[ValidatedImage, str | None, str | None]:
    try:
        form = await request.form()
    except PromptgenError:
        raise
    except Exception as exc:  # litestar's parser raises its own errors on malformed bodies
        raise RequestError(f"the multipart body cannot be parsed: {exc}"[:300]) from None
    uploads: list[tuple[str, UploadFile]] = []
    texts: dict[str, str] = {}
    for key, value in form.multi_items():
        if key in FILE_FIELDS and isinstance(value, UploadFile):
            uploads.append((key, value))
        elif key in TEXT_FIELDS and isinstance(value, str):
            if len(value) > TEXT_FIELDS[key]:
                raise ValidationFailed(f"`{key}` is longer than {TEXT_FIELDS[key]} characters", field=key)
            texts[key] = value
        else:
            raise ValidationFailed(
                f"unknown form field `{key}`; send one image as `file` and optionally `name`, `description`",
                field=key,
            )
    if len(uploads) != 1:
        raise ValidationFailed(
            f"send exactly one image file as the `file` part (got {len(uploads)})", field="file"
        )
    key, upload = uploads[0]
    data = await upload.read()
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared in ("", "application/octet-stream"):
        declared = ""
    image = await validate_image_bytes(data, declared or None, key, limits)
    name = texts.get("name") or upload.filename or None
    return image, name, texts.get("description")


@get("/v1/assets/{asset_id:str}", summary="An asset's metadata")
async def get_asset(request: Request, asset_id: str) -> AssetResponse:
    return AssetResponse(asset=await _store(request).get(asset_id))


@get("/v1/assets/{asset_id:str}/content", summary="An asset's image bytes")
async def get_asset_content(request: Request, asset_id: str) -> Response[bytes]:
    asset, data = await _store(request).content(asset_id)
    return Response(
        content=data,
        media_type=asset.media_type,
        headers={
            "ETag": f'"{asset.sha256}"',
            "Cache-Control": "private, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


@delete("/v1/assets/{asset_id:str}", summary="Delete an asset", status_code=204)
async def delete_asset(request: Request, asset_id: str) -> None:
    await _store(request).delete(asset_id)


ROUTES = [create_asset, get_asset, get_asset_content, delete_asset]
