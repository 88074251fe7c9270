"""Per-route body limits and per-request deadlines, enforced before and around the handler.

Body limits are sized from the image limits: a route that takes images accepts as many
base64 data URLs of `max_image_bytes` as its request type allows, plus room for the rest of
the JSON, and never more than `max_body_bytes`; a route without images gets a small fixed
limit. The declared `Content-Length` is checked before a byte is read, and a chunked body is
counted while it streams, so an oversized body is a `413` that cost at most the limit.

Every request runs under a deadline (`request_timeout_s`; the image routes get at least the
image deadline plus the language model's, since they wait for both). A request still running
at its deadline is ended with `504 deadline-exceeded` (its detail names the setting to raise);
whatever it was waiting on is canceled. The deadline is also published to the layers below
(`core.deadline.request_deadline`): a request waiting for the model's load, or decoding alone,
uses it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from app.errors import DeadlineExceeded, PayloadTooLarge
from core.deadline import request_deadline

JSON_ROOM = 64 * 1024  # the rest of a JSON body beside its images
SMALL = 64 * 1024

# Route (path template, as the router reports it) -> images its body may carry.
IMAGE_ROUTES = {
    "/v1/generate/prompt": 11,  # images (10) + image
    "/v1/generate/caption": 10,
    "/v1/assets": 1,
    # promptGeneration.images (10) + promptGeneration.image + image + mask + input_references (16)
    "/v1/generate/image": 29,
}
# Routes without images whose bodies are larger than SMALL.
FIXED_ROUTES = {
    "/v1/ip/check": 256 * 1024,
    "/v1/ip/clear": 256 * 1024,
    "/v1/models": 1024 * 1024,
    "/v1/images/generations": 256 * 1024,
}
SLOW_ROUTES = frozenset({"/v1/generate/image", "/v1/images/generations"})


def data_url_bytes(image_bytes: int) -> int:
    """The length of a base64 data URL of an image of `image_bytes` bytes."""
    return 4 * math.ceil(image_bytes / 3) + 64


@dataclass(frozen=True)
class RouteLimits:
    """What one route may receive and how long it may run."""

    max_body: int
    deadline_s: float


class Limits:
    """Per-route limits from settings (`max_image_bytes`, `max_body_bytes`, timeouts)."""

    def __init__(self, settings: object) -> None:
        self.max_image_bytes = int(getattr(settings, "max_image_bytes", 20 * 1024 * 1024))
        self.max_body_bytes = int(getattr(settings, "max_body_bytes", 64 * 1024 * 1024))
        self.request_timeout_s = float(getattr(settings, "request_timeout_s", 120.0))
        image_wait = float(getattr(settings, "image_deadline_s", 0.0) or 0.0) + float(
            getattr(settings, "lm_timeout_s", 0.0) or 0.0
        )
        self.slow_timeout_s = max(self.request_timeout_s, image_wait + 30.0 if image_wait else 0.0)

    def body_limit(self, route: str) -> int:
        images = IMAGE_ROUTES.get(route)
        if images is not None:
            wanted = images * data_url_bytes(self.max_image_bytes) + JSON_ROOM
        else:
            wanted = FIXED_ROUTES.get(route, SMALL)
        return min(self.max_body_bytes, wanted)

    def for_route(self, route: str) -> RouteLimits:
        deadline = self.slow_timeout_s if route in SLOW_ROUTES else self.request_timeout_s
        return RouteLimits(max_body=self.body_limit(route), deadline_s=deadline)


def _too_large(route: str, limit: int, size: int | None = None) -> PayloadTooLarge:
    got = f"{size} bytes" if size is not None else "more"
    return PayloadTooLarge(f"the body of {route} may be at most {limit} bytes; this one is {got}")


def limits_middleware(limits: Limits) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware: the body cap (413) and the deadline (504) of the matched route."""
    cache: dict[str, RouteLimits] = {}

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            route = str(scope.get("path_template") or scope.get("path", ""))
            rule = cache.get(route)
            if rule is None:
                rule = cache[route] = limits.for_route(route)
            for name, value in scope["headers"]:
                if name == b"content-length":
                    declared = value.decode("latin-1").strip()
                    if declared.isdigit() and int(declared) > rule.max_body:
                        raise _too_large(route, rule.max_body, int(declared))
            received = 0

            async def counted_receive() -> ReceiveMessage:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > rule.max_body:
                        raise _too_large(route, rule.max_body)
                return message

            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            deadline = asyncio.timeout(rule.deadline_s)
            token = request_deadline.set(time.monotonic() + rule.deadline_s)
            try:
                async with deadline:
                    await app(scope, counted_receive, tracking_send)
            except TimeoutError:
                if started or not deadline.expired():
                    raise  # not this deadline's, or the response is already on its way
                raise DeadlineExceeded(
                    f"the request did not finish within its {rule.deadline_s:g}s deadline; on a slow "
                    "or busy machine raise PROMPTGEN_REQUEST_TIMEOUT_S (and PROMPTGEN_LM_TIMEOUT_S), "
                    "or retry it",
                    setting="PROMPTGEN_REQUEST_TIMEOUT_S",
                ) from None
            finally:
                request_deadline.reset(token)

        return middleware

    return factory
