"""What a request body may be declared as, checked before it is read.

A route that takes a body takes JSON, declared as `application/json` or a `+json` type
(`application/merge-patch+json`), in UTF-8. A route lists other media types it takes in its
`opt={"accepts": (...)}` (`POST /v1/assets` also takes `multipart/form-data`). Anything else,
a missing `Content-Type` included, is a `415 unsupported-media-type` problem before a byte of
the body is read.

Why it matters: `text/plain`, `multipart/form-data` and `application/x-www-form-urlencoded`
are the types a web page may send anywhere without a CORS preflight. Were JSON accepted under
`text/plain`, any page a visitor opens could make their browser drive a key-less instance on
their machine or network. `application/json` needs a preflight, which the service answers only
for `PROMPTGEN_CORS_ORIGINS`. Multipart, where a route takes it, is refused when the request
carries an `Origin` that is neither the service's own nor a CORS origin (`403 forbidden`): a
form on another site cannot upload either.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.types import ASGIApp, Receive, Scope, Send

from app.errors import Forbidden, UnsupportedMediaType
from app.proxy import ProxyConfig, own_origin

ACCEPTS_OPT = "accepts"
JSON = "application/json"
MULTIPART = "multipart/form-data"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """`type/subtype` in lower case and the parameters (names in lower case)."""
    if not header:
        return "", {}
    media, *raw_params = header.split(";")
    params = {}
    for raw in raw_params:
        name, _, value = raw.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def is_json(media: str) -> bool:
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))


def check_content_type(header: str | None, accepts: tuple[str, ...]) -> str:
    """The media type of an acceptable declaration, or `UnsupportedMediaType` (415) saying what is."""
    media, params = parse_content_type(header)
    if is_json(media) and JSON in accepts:
        charset = params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"JSON must be sent in UTF-8; got charset={charset}")
        return JSON
    if media in accepts and media != JSON:
        return media
    wanted = " or ".join(f"`{a}`" for a in accepts)
    got = f"`{media}`" if media else "no Content-Type"
    raise UnsupportedMediaType(f"send the body as {wanted}; got {got}")


def media_type_middleware(config: ProxyConfig | None = None) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware: 415 for a body declared as a type its route does not take."""
    proxy = config or ProxyConfig()

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope.get("method") in BODY_METHODS:
                handler = scope.get("route_handler")
                accepts = tuple(handler.opt.get(ACCEPTS_OPT, (JSON,))) if handler is not None else (JSON,)
                header = origin = None
                for name, value in scope["headers"]:
                    if name == b"content-type":
                        header = value.decode("latin-1")
                    elif name == b"origin":
                        origin = value.decode("latin-1").strip().lower()
                media = check_content_type(header, accepts)
                if media != JSON and origin and not _same_or_allowed(origin, scope, proxy):
                    raise Forbidden(
                        f"a {media} body is taken from this service's own pages only, not from {origin}; "
                        "send JSON (other origins need PROMPTGEN_CORS_ORIGINS)"
                    )
            await app(scope, receive, send)

        return middleware

    return factory


def _same_or_allowed(origin: str, scope: Scope, proxy: ProxyConfig) -> bool:
    return proxy.allows_origin(origin) or origin in own_origin(scope, scope["headers"], proxy)
