"""Every error the service returns is an RFC 9457 problem detail, built here and only here."""

from __future__ import annotations

import logging

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from app.errors import PROBLEM_BASE, PromptgenError, headers_of, problem_of, problem_type

log = logging.getLogger("app.problems")
MEDIA_TYPE = "application/problem+json"

_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
    503: "unavailable",
}


def problem_response(body: dict, status: int, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body), status_code=status, media_type=MEDIA_TYPE, headers=headers or {}
    )


def on_promptgen_error(request: Request, exc: PromptgenError) -> Response[bytes]:
    kind = problem_type(exc)
    if kind.status >= 500:
        log.warning("request failed: %s %s -> %s %s", request.method, request.url.path, kind.status, kind.slug)
    return problem_response(problem_of(exc, request.url.path), kind.status, headers_of(exc))


def on_http_exception(request: Request, exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    detail = exc.detail or "request failed"
    if status == 404 and detail == "Not Found":
        detail = f"no route for {request.method} {request.url.path}"
    elif status == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    elif status == 413:
        detail = "request body is larger than this endpoint accepts"
    slug = _HTTP_SLUGS.get(status, "http-error")
    body = {
        "type": PROBLEM_BASE + slug,
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return problem_response(body, status, dict(exc.headers or {}))


def on_unexpected(request: Request, exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = {
        "type": PROBLEM_BASE + "internal",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error occurred; it has been logged",
        "instance": request.url.path,
    }
    return problem_response(body, 500)


EXCEPTION_HANDLERS = {
    PromptgenError: on_promptgen_error,
    HTTPException: on_http_exception,
    Exception: on_unexpected,
}
