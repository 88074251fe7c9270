"""How each error becomes an RFC 9457 problem detail: one table, one place.

The errors themselves live in `core/errors.py` (every layer raises them, none knows HTTP);
this module gives each a status, a type slug and a title, and the exception handler in
`app/problems.py` uses it for every route:

    PromptgenError                 500 internal (only for bugs; never raised on purpose)
    ├── RequestError               400 bad-request
    │   ├── ValidationFailed       400 validation-error   (names the offending field)
    │   ├── NotFound               404 not-found
    │   ├── Unauthorized           401 unauthorized       (WWW-Authenticate)
    │   ├── Forbidden              403 forbidden
    │   ├── PayloadTooLarge        413 payload-too-large
    │   ├── UnsupportedMediaType   415 unsupported-media-type
    │   ├── Conflict               409 conflict
    │   │   └── JobCanceled        409 job-canceled
    │   ├── ContentRejected        422 content-rejected
    │   └── ProviderRejected       400 provider-rejected-request
    ├── NotConfigured              501 not-configured
    ├── Overloaded                 503 overloaded          (Retry-After)
    ├── RateLimited                429 rate-limited        (Retry-After, RateLimit-*)
    ├── DeadlineExceeded           504 deadline-exceeded
    ├── InsufficientStorage        507 insufficient-storage (the data directory is full or read-only)
    └── UpstreamError              502 upstream-error
        ├── UpstreamUnavailable    503 upstream-unavailable (Retry-After: the provider's, or a default)
        └── UpstreamTimeout        504 upstream-timeout

The service's own modules import the error classes from here as well, so `app` code has one
place to look.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from core.errors import (
    Conflict,
    ContentRejected,
    DeadlineExceeded,
    Forbidden,
    InsufficientStorage,
    JobCanceled,
    NotConfigured,
    NotFound,
    Overloaded,
    PayloadTooLarge,
    PromptgenError,
    ProviderRejected,
    RateLimited,
    RequestError,
    Unauthorized,
    UnsupportedMediaType,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    ValidationFailed,
)
from models.retry_after import DEFAULT_RETRY_AFTER_S  # what a 503 says when nothing better is known

__all__ = [
    "PROBLEM_BASE",
    "Conflict",
    "ContentRejected",
    "DeadlineExceeded",
    "Forbidden",
    "InsufficientStorage",
    "JobCanceled",
    "NotConfigured",
    "NotFound",
    "Overloaded",
    "PayloadTooLarge",
    "ProblemType",
    "PromptgenError",
    "ProviderRejected",
    "RateLimited",
    "RequestError",
    "Unauthorized",
    "UnsupportedMediaType",
    "UpstreamError",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "ValidationFailed",
    "add_headers",
    "headers_of",
    "job_error",
    "problem_of",
    "problem_type",
    "status_of",
]

PROBLEM_BASE = "https://promptgen.dev/problems/"


class ProblemType(NamedTuple):
    status: int
    slug: str
    title: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


PROBLEM_TYPES: dict[type[PromptgenError], ProblemType] = {
    PromptgenError: ProblemType(500, "internal", "Internal error"),
    RequestError: ProblemType(400, "bad-request", "Bad request"),
    ValidationFailed: ProblemType(400, "validation-error", "Invalid request"),
    NotFound: ProblemType(404, "not-found", "Not found"),
    Unauthorized: ProblemType(401, "unauthorized", "Unauthorized"),
    Forbidden: ProblemType(403, "forbidden", "Forbidden"),
    PayloadTooLarge: ProblemType(413, "payload-too-large", "Payload too large"),
    UnsupportedMediaType: ProblemType(415, "unsupported-media-type", "Unsupported media type"),
    Conflict: ProblemType(409, "conflict", "Conflict"),
    JobCanceled: ProblemType(409, "job-canceled", "Job canceled"),
    ContentRejected: ProblemType(422, "content-rejected", "Content rejected by the image provider"),
    ProviderRejected: ProblemType(
        400, "provider-rejected-request", "The image provider rejected the request"
    ),
    NotConfigured: ProblemType(501, "not-configured", "Not configured"),
    Overloaded: ProblemType(503, "overloaded", "Service overloaded"),
    RateLimited: ProblemType(429, "rate-limited", "Too many requests"),
    DeadlineExceeded: ProblemType(504, "deadline-exceeded", "Deadline exceeded"),
    InsufficientStorage: ProblemType(507, "insufficient-storage", "Insufficient storage"),
    UpstreamError: ProblemType(502, "upstream-error", "Upstream backend failed"),
    UpstreamUnavailable: ProblemType(503, "upstream-unavailable", "Upstream backend unavailable"),
    UpstreamTimeout: ProblemType(504, "upstream-timeout", "Upstream backend timed out"),
}

# Headers the service adds to one error on its way out (an auth challenge, RateLimit-*).
_HEADERS_ATTR = "_promptgen_http_headers"


def problem_type(exc: PromptgenError) -> ProblemType:
    """The nearest entry of `PROBLEM_TYPES` up the error's class tree."""
    for cls in type(exc).__mro__:
        found = PROBLEM_TYPES.get(cls)
        if found is not None:
            return found
    return PROBLEM_TYPES[PromptgenError]


def status_of(exc: PromptgenError) -> int:
    return problem_type(exc).status


def problem_of(exc: PromptgenError, instance: str | None = None) -> dict[str, Any]:
    """The problem-detail body for an error."""
    kind = problem_type(exc)
    body: dict[str, Any] = {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": exc.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(exc.extensions)
    return body


def job_error(exc: PromptgenError) -> dict[str, Any]:
    """How a failed job records its error (`metadata.error`)."""
    kind = problem_type(exc)
    return {"type": kind.uri, "status": kind.status, "detail": exc.detail}


def add_headers(exc: PromptgenError, headers: dict[str, str]) -> PromptgenError:
    """Attach response headers to an error the service raises (returns the error)."""
    setattr(exc, _HEADERS_ATTR, {**getattr(exc, _HEADERS_ATTR, {}), **headers})
    return exc


def headers_of(exc: PromptgenError) -> dict[str, str]:
    """The response headers of an error: Retry-After when it knows one, plus any attached."""
    headers: dict[str, str] = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    headers.update(getattr(exc, _HEADERS_ATTR, None) or {})
    if problem_type(exc).status == 503 and "Retry-After" not in headers:
        headers["Retry-After"] = str(DEFAULT_RETRY_AFTER_S)  # every 503 says when to come back
    return headers
