"""The one place the service sends an HTTP request to a URL a caller chose.

Webhook deliveries (`webhook_url`) and reference images (`input_references` given as http(s)
URLs) both go through `fetch_url`, so URL policy lives here and nowhere else. Today the
policy is: http or https with a host, no redirects followed (a redirect is answered as is),
a per-request timeout and a cap on the bytes read. Server-side request forgery checks
(resolving the host and refusing loopback, private, link-local and metadata addresses, then
connecting to the checked address) belong at the top of `fetch_url` too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import msgspec

MAX_URL_CHARS = 2048


class FetchError(Exception):
    """A URL could not be fetched (refused by policy, unreachable, timed out, too large)."""


class Fetched(msgspec.Struct, kw_only=True):
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def check_url(url: str) -> str | None:
    """Why `url` may not be fetched, or None when it may."""
    if len(url) > MAX_URL_CHARS:
        return f"is longer than {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "has no host"
    return None


async def fetch_url(
    url: str,
    *,
    method: str = "GET",
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    max_bytes: int = 20 * 1024 * 1024,
    client: httpx.AsyncClient | None = None,
) -> Fetched:
    """Send one request to a caller-chosen `url`; raises `FetchError` when it cannot be done."""
    problem = check_url(url)
    if problem is not None:
        raise FetchError(f"the URL {problem}")
    own = client is None
    http = client or httpx.AsyncClient(follow_redirects=False)
    try:
        async with http.stream(
            method, url, content=content, headers=headers, timeout=httpx.Timeout(timeout_s)
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"the response is {declared} bytes; the limit is {max_bytes}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the response is larger than {max_bytes} bytes")
            return Fetched(status=response.status_code, headers=dict(response.headers), content=bytes(body))
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout_s:g}s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"the request failed ({type(exc).__name__})") from None
    finally:
        if own:
            await http.aclose()
