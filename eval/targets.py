"""What the harness sends requests to. Every target has the same small interface:

    async with target:
        status, body, latency_s = await target.generate(request_body)
        png = await target.generate_image(prompt)      # optional chaining, None if unsupported

- `HttpTarget(url)`: a running service, over httpx (`--url`).
- `InProcessTarget(overrides)`: the app built by `app.server.create_app` from
  `app.settings.load_settings(**overrides)`, driven by Litestar's `AsyncTestClient` (which runs
  the lifespan, so the configured backend loads exactly as in the service).
- `CallableTarget(fn)`: a plain function `body -> (status, json)`; the seam for tests.

Transport failures (connection refused, timeouts) raise `TargetError`; any HTTP answer,
including 4xx/5xx, is returned as a status and body for the metrics to judge.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import httpx

GENERATE_PATH = "/v1/generate/prompt"
IMAGES_PATH = "/v1/images/generations"
READY_PATH = "/readyz"


class TargetError(RuntimeError):
    """The target could not be reached or did not answer in time."""


class Response(NamedTuple):
    status: int
    body: dict[str, Any]
    latency_s: float


class Target(ABC):
    """Base class: an async context manager with `generate` and optional `generate_image`."""

    name = "target"

    async def __aenter__(self) -> Target:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    @abstractmethod
    async def generate(self, body: dict[str, Any]) -> Response:
        """POST `body` to the prompt endpoint: its status, JSON body and latency."""

    async def generate_image(self, prompt: str) -> bytes | None:
        """PNG/JPEG bytes of one image for `prompt`, or None when the target has no image backend."""
        return None

    def describe(self) -> dict[str, Any]:
        return {"target": self.name}


class _HttpxTarget(Target):
    """Shared request code for targets that talk HTTP through an httpx-style async client."""

    client: Any

    async def _post(self, path: str, body: dict[str, Any]) -> Response:
        started = time.perf_counter()
        try:
            response = await self.client.post(path, json=body)
        except (httpx.TransportError, OSError) as exc:
            raise TargetError(f"{type(exc).__name__}: {exc}") from exc
        latency = time.perf_counter() - started
        try:
            data = response.json()
        except ValueError:
            data = {"detail": response.text[:500]}
        return Response(response.status_code, data if isinstance(data, dict) else {"body": data}, latency)

    async def generate(self, body: dict[str, Any]) -> Response:
        return await self._post(GENERATE_PATH, body)

    async def generate_image(self, prompt: str) -> bytes | None:
        # prompt_mode "none": render the evaluated prompt as it is, not a re-generated one
        result = await self._post(IMAGES_PATH, {"prompt": prompt, "n": 1, "size": "256x256", "seed": 0,
                                                "response_format": "b64_json", "prompt_mode": "none"})
        if result.status != 200:
            raise TargetError(f"image generation answered {result.status}: {str(result.body)[:200]}")
        items = result.body.get("data") or [{}]
        encoded = items[0].get("b64_json")
        return base64.b64decode(encoded) if encoded else None

    async def wait_ready(self, timeout_s: float) -> None:
        """Wait until `/readyz` answers 200 (model loaded); a missing endpoint counts as ready."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                response = await self.client.get(READY_PATH)
                if response.status_code != 503:
                    return
            except (httpx.TransportError, OSError) as exc:
                if time.monotonic() > deadline:
                    raise TargetError(f"{READY_PATH}: {exc}") from exc
            if time.monotonic() > deadline:
                raise TargetError(f"the target was not ready after {timeout_s:.0f} s")
            await asyncio.sleep(0.5)


class HttpTarget(_HttpxTarget):
    """A running service at `url`; `api_key` is sent as a bearer token and as `X-API-Key`."""

    name = "http"

    def __init__(self, url: str, api_key: str = "", timeout_s: float = 180.0,
                 transport: httpx.AsyncBaseTransport | None = None, ready_timeout_s: float = 300.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}", "X-API-Key": api_key} if api_key else {}
        self.client = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout_s,
                                        transport=transport)
        self.ready_timeout_s = ready_timeout_s

    async def __aenter__(self) -> HttpTarget:
        await self.wait_ready(self.ready_timeout_s)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def describe(self) -> dict[str, Any]:
        return {"target": "http", "url": self.url}


class InProcessTarget(_HttpxTarget):
    """The service built in this process with settings `load_settings(**overrides)`."""

    name = "in-process"

    def __init__(self, overrides: dict[str, Any] | None = None, timeout_s: float = 180.0,
                 ready_timeout_s: float = 600.0) -> None:
        from app.settings import load_settings

        self.overrides = dict(overrides or {})
        # In process there is no caller to authenticate or to limit.
        self.settings = load_settings(**{"api_keys": "", "rate_limit_per_minute": 0, **self.overrides})
        self.timeout_s = timeout_s
        self.ready_timeout_s = ready_timeout_s
        self._context: Any = None

    async def __aenter__(self) -> InProcessTarget:
        from litestar.testing import AsyncTestClient

        from app.server import create_app

        self._context = AsyncTestClient(app=create_app(self.settings), timeout=self.timeout_s,
                                        raise_server_exceptions=False)
        self.client = await self._context.__aenter__()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
        await self.wait_ready(self.ready_timeout_s)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._context is not None:
            await self._context.__aexit__(None, None, None)
            self._context = None

    def describe(self) -> dict[str, Any]:
        return {"target": "in-process", "backend": self.settings.lm_backend,
                "model": self.settings.lm_model or "embedded", "overrides": self.overrides}


Handler = Callable[[dict[str, Any]], "tuple[int, dict[str, Any]] | Awaitable[tuple[int, dict[str, Any]]]"]


class CallableTarget(Target):
    """A function `body -> (status, json)` (sync or async) as a target; for tests and experiments."""

    name = "callable"

    def __init__(self, handler: Handler, image_handler: Callable[[str], bytes | None] | None = None) -> None:
        self.handler = handler
        self.image_handler = image_handler
        self.calls: list[dict[str, Any]] = []

    async def generate(self, body: dict[str, Any]) -> Response:
        self.calls.append(body)
        started = time.perf_counter()
        result = self.handler(body)
        if inspect.isawaitable(result):
            result = await result
        status, data = result  # type: ignore[misc]
        return Response(status, data, time.perf_counter() - started)

    async def generate_image(self, prompt: str) -> bytes | None:
        return self.image_handler(prompt) if self.image_handler else None
