"""The playground: a page at `/` that drives the API from a browser (plain HTML, CSS and JS in
`app/static/`, no build step), its two static files, and `GET /playground/config`, which
tells the page what this server can do (is an image backend configured, is an API key needed,
is the language model loaded, which modes are registered: the page builds its mode list from it).

Only these exact paths are served (`/`, `/static/app.js`, `/static/app.css`,
`/playground/config`): nothing here can shadow `/v1/...`, `/schema`, `/healthz` or `/metrics`.
The page carries no secret and calls the API with the key the visitor types, so these routes
are marked `exclude_from_auth` (the opt key Litestar's authentication middleware reads).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get

import modes
from app.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
OPEN = {"exclude_from_auth": True}

# The page loads nothing but its own files; images it shows are blob: URLs it made itself.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}  # Litestar adds `; charset=utf-8`


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    etag: str


def _load(name: str) -> StaticFile:
    """Read a file of `app/static/` (each request: edits show up on reload; the files are small)."""
    body = (STATIC_DIR / name).read_bytes()
    return StaticFile(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _send(request: Request, name: str, media_type: str) -> Response[bytes]:
    file = _load(name)
    headers = {**PAGE_HEADERS, "ETag": file.etag}
    if request.headers.get("if-none-match") == file.etag:
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=file.body, media_type=media_type, headers=headers)


@get("/", summary="The playground page", include_in_schema=False, opt=OPEN)
async def page(request: Request) -> Response[bytes]:
    return _send(request, "index.html", "text/html")


@get(
    "/static/{name:str}", summary="The playground's script and style sheet", include_in_schema=False, opt=OPEN
)
async def static_file(request: Request, name: str) -> Response[bytes]:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no static file {name[:100]!r}; there are: {', '.join(sorted(ASSETS))}")
    return _send(request, name, media_type)


@get("/playground/config", summary="What the playground may offer on this server", opt=OPEN)
async def playground_config(request: Request) -> dict[str, Any]:
    """`imageBackend` (the configured `provider:model`, or null: chaining into images is then
    not offered), `imagePreview` (it draws preview cards, not pictures), `authRequired`, the language model's readiness, and the modes: `modes` (their
    names), `editors` (the target editors they write for) and `modeDetails` (what each mode's
    handler declares: label, hint, whether it needs a spark, what it does with images)."""
    offered = mode_details()
    settings = request.app.state.settings
    lm = request.app.state.lm
    backend = settings.image_backend_id or None
    return {
        "imageBackend": backend,
        "imageGeneration": backend is not None,
        "imagePreview": backend is not None and backend.partition(":")[0] == "preview",
        "authRequired": bool(settings.api_keys.strip()),
        "ready": bool(lm.ready),
        "lmBackend": lm.backend,
        "lmModel": lm.model_id,
        "modes": [mode["name"] for mode in offered],
        "editors": list(dict.fromkeys(editor for mode in offered for editor in mode["editors"])),
        "modeDetails": offered,
        "maxResults": 5,
    }


def mode_details() -> list[dict[str, Any]]:
    """The registered modes as the page offers them (what each handler class declares)."""
    return [
        {
            "name": handler.name,
            "title": handler.title or handler.name,
            "summary": handler.summary,
            "needsSpark": handler.needs_spark,
            "images": handler.images,
            "editors": list(handler.editors),
            "sparkHint": handler.spark_hint,
            "sparkExample": handler.spark_example,
        }
        for handler in modes.registry.handlers()
    ]


ROUTES = [page, static_file, playground_config]
