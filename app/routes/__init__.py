"""HTTP route handlers: thin, each decodes strictly and calls a service on `app.state`."""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Response, route
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler

from app.auth import OPEN_OPT


def options_handlers(handlers: Iterable[HTTPRouteHandler]) -> list[HTTPRouteHandler]:
    """One `OPTIONS` handler per path of `handlers`, whose `Allow` lists every method the path
    serves. Register them before the others: Litestar 2 builds a path's automatic `OPTIONS`
    from its first handler and never updates it (litestar#4169, fixed in 3.0), so
    `/v1/assets/{assetId}` answered `GET, OPTIONS` without DELETE, `/v1/models` without GET.
    A path open without a key (health, playground) is open for `OPTIONS` too."""
    methods: dict[str, set[str]] = {}
    open_paths: dict[str, bool] = {}
    for handler in handlers:
        for path in handler.paths:
            methods.setdefault(path, set()).update(handler.http_methods)
            open_paths[path] = open_paths.get(path, True) and bool(handler.opt.get(OPEN_OPT))
    return [_options(path, sorted(found | {"OPTIONS"}), open_paths[path]) for path, found in methods.items()]


def _options(path: str, allow: list[str], is_open: bool) -> HTTPRouteHandler:
    header = ", ".join(allow)

    def options() -> Response[None]:
        return Response(None, status_code=204, headers={"Allow": header})

    return route(
        path,
        http_method=[HttpMethod.OPTIONS],
        include_in_schema=False,
        sync_to_thread=False,
        opt={OPEN_OPT: True} if is_open else {},
    )(options)
