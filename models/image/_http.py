"""JSON-over-HTTP calls to one provider (httpx): retries, error mapping, redaction, downloads.

Every attempt is bounded by the provider timeout and the caller's deadline. Transport
failures and retryable statuses are retried by `call_with_retries`; error statuses become
`app.errors` classes whose text names the provider and never contains a credential. A 2xx
body that is not a JSON object is an upstream error (malformed body), never a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from core.errors import UpstreamError, UpstreamTimeout
from models.image.config import ImageBackendConfig, redact
from models.image.retry import (
    Deadline,
    Retryable,
    RetryPolicy,
    call_with_retries,
    error_for_status,
    parse_retry_after,
)

# classify(status, payload, message, retry_after) -> a provider-specific error, or None.
Classifier = Callable[[int, Any, str, float | None], Exception | None]

SAFE_HEADERS = (
    "x-request-id",
    "request-id",
    "x-generation-id",
    "openai-processing-ms",
    "date",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining",
    "server-timing",
)


def error_message(payload: Any) -> str:
    """The human message of a provider error body, whatever its shape."""
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("status") or error.get("code") or "")
        if isinstance(error, str):
            return error
        for key in ("detail", "message", "title"):
            if isinstance(payload.get(key), str):
                return payload[key]
    return ""


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The response headers worth reporting (ids and timings), never cookies or credentials."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return {name: lowered[name] for name in SAFE_HEADERS if name in lowered}


class ProviderHTTP:
    """An httpx client bound to one provider's base URL and credentials."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        auth_headers: dict[str, str],
        config: ImageBackendConfig,
        policy: RetryPolicy,
        classify: Classifier | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/") + "/"
        self._auth = auth_headers
        self._config = config
        self._policy = policy
        self._classify = classify
        self._secrets = config.secrets()
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        # A client's connections belong to the event loop that opened them: a backend used
        # from a new loop (a CLI calling asyncio.run twice) gets a fresh client.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(follow_redirects=False)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base_url, path_or_url.lstrip("/")) if "://" not in path_or_url else path_or_url

    def same_origin(self, url: str) -> bool:
        """Whether `url` is on the provider's own host (only then do credentials go with it)."""
        a, b = urlsplit(self.base_url), urlsplit(url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def json(
        self,
        method: str,
        path_or_url: str,
        deadline: Deadline,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        what: str = "request",
    ) -> tuple[dict[str, Any], httpx.Response]:
        """Send one JSON request (retried as needed) and return the decoded object and response."""
        url = self.url(path_or_url)

        async def attempt() -> tuple[dict[str, Any], httpx.Response]:
            send_headers = {"Accept": "application/json", **(headers or {})}
            if self.same_origin(url):
                send_headers.update(self._auth)
            response = await self._send(method, url, deadline, json=body, headers=send_headers)
            if response.status_code >= 400:
                raise self._error(response)
            try:
                payload = response.json()
            except ValueError:
                raise UpstreamError(
                    f"{self.provider} returned a malformed body (not JSON) for the {what}",
                    backend=self.provider,
                ) from None
            if not isinstance(payload, dict):
                raise UpstreamError(
                    f"{self.provider} returned a malformed body (not a JSON object) for the {what}",
                    backend=self.provider,
                )
            return payload, response

        return await call_with_retries(
            attempt, provider=self.provider, policy=self._policy, deadline=deadline, what=what
        )

    async def download(self, url: str, deadline: Deadline) -> tuple[bytes, str]:
        """Fetch an output file (credentials only to the provider's own host); bytes and media type."""

        async def attempt() -> tuple[bytes, str]:
            headers = dict(self._auth) if self.same_origin(url) else {}
            # Redirects only without credentials: a custom auth header would survive a hop.
            response = await self._send("GET", url, deadline, headers=headers, follow_redirects=not headers)
            if response.status_code >= 400:
                raise self._error(response)
            data = response.content
            if not data:
                raise UpstreamError(f"{self.provider} served an empty output file", backend=self.provider)
            if len(data) > self._config.max_download_bytes:
                raise UpstreamError(
                    f"{self.provider} served an output file over the size limit", backend=self.provider
                )
            return data, response.headers.get("content-type", "").split(";")[0].strip()

        return await call_with_retries(
            attempt, provider=self.provider, policy=self._policy, deadline=deadline, what="download"
        )

    async def _send(self, method: str, url: str, deadline: Deadline, **kwargs: Any) -> httpx.Response:
        timeout = deadline.timeout(self._config.timeout_s)
        try:
            return await self.client.request(method, url, timeout=httpx.Timeout(timeout), **kwargs)
        except httpx.TimeoutException as exc:
            error = UpstreamTimeout(
                f"{self.provider} did not answer within {timeout:.3g}s", backend=self.provider
            )
            # A POST that timed out after it was sent may have started (and billed) the work:
            # only requests that surely did nothing (connect timeouts) or GETs are retried.
            if method == "GET" or isinstance(exc, httpx.ConnectTimeout):
                raise Retryable(error) from None
            raise error from None
        except httpx.TransportError as exc:
            host = urlsplit(url).hostname or "?"
            raise Retryable(
                UpstreamError(
                    f"cannot reach {self.provider} at {host} ({type(exc).__name__})", backend=self.provider
                )
            ) from None

    def _error(self, response: httpx.Response) -> Exception:
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        message = self.redact(error_message(payload) or response.text[:300])
        retry_after = parse_retry_after(response.headers)
        if self._classify is not None:
            special = self._classify(response.status_code, payload, message, retry_after)
            if special is not None:
                return special
        return error_for_status(self.provider, response.status_code, message, retry_after)
