"""Errors, and how each becomes an RFC 9457 problem detail.

Every failure a caller can cause or meet is one of these; the HTTP layer maps the whole tree
with a single exception handler, so no route decides status codes on its own.

    PromptgenError                 500 internal (only for bugs; never raised on purpose)
    ├── RequestError               400 bad-request
    │   ├── ValidationFailed       400 validation-error   (names the offending field)
    │   ├── NotFound               404 not-found
    │   ├── Unauthorized           401 unauthorized
    │   ├── Forbidden              403 forbidden
    │   ├── PayloadTooLarge        413 payload-too-large
    │   ├── UnsupportedMediaType   415 unsupported-media-type
    │   └── Conflict               409 conflict
    │       └── JobCanceled        409 job-canceled        (the job was canceled while the caller waited)
    ├── NotConfigured              501 not-configured      (the feature needs server configuration)
    ├── Overloaded                 503 overloaded          (Retry-After)
    ├── RateLimited                429 rate-limited        (Retry-After, RateLimit-*)
    ├── DeadlineExceeded           504 deadline-exceeded   (the request ran past its deadline)
    └── UpstreamError              502 upstream-error      (an upstream backend failed)
        ├── UpstreamUnavailable    503 upstream-unavailable
        └── UpstreamTimeout        504 upstream-timeout
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "https://promptgen.dev/problems/"


class PromptgenError(Exception):
    """Base of every error the service reports as a problem detail."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = {k: v for k, v in extensions.items() if v is not None}
        self.headers: dict[str, str] = {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class RequestError(PromptgenError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class ValidationFailed(RequestError):
    """A field has the wrong type or value; `field` names it (a dotted path)."""

    slug = "validation-error"
    title = "Invalid request"

    def __init__(self, detail: str, field: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, field=field, **extensions)
        self.field = field


class NotFound(RequestError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Unauthorized(RequestError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class Forbidden(RequestError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class PayloadTooLarge(RequestError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(RequestError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class Conflict(RequestError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class JobCanceled(Conflict):
    """The job a synchronous request was waiting for was canceled (`POST /v1/jobs/{id}/action`)."""

    slug = "job-canceled"
    title = "Job canceled"


class NotConfigured(PromptgenError):
    """The request needs something the operator has not configured (an image backend, a
    webhook secret); `setting` names the environment variable that would enable it."""

    status = 501
    slug = "not-configured"
    title = "Not configured"

    def __init__(self, detail: str, setting: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, setting=setting, **extensions)


class Overloaded(PromptgenError):
    """The service is at capacity; the caller should retry after `retry_after` seconds."""

    status = 503
    slug = "overloaded"
    title = "Service overloaded"

    def __init__(self, detail: str, retry_after: int = 1, **extensions: Any) -> None:
        super().__init__(detail, retryAfter=retry_after, **extensions)
        self.headers["Retry-After"] = str(retry_after)


class RateLimited(PromptgenError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int = 1, **extensions: Any) -> None:
        super().__init__(detail, retryAfter=retry_after, **extensions)
        self.headers["Retry-After"] = str(retry_after)


class DeadlineExceeded(PromptgenError):
    """The request did not finish within its deadline (`request_timeout_s`, per route)."""

    status = 504
    slug = "deadline-exceeded"
    title = "Deadline exceeded"


class UpstreamError(PromptgenError):
    """An upstream backend (language model, describer, image provider) failed."""

    status = 502
    slug = "upstream-error"
    title = "Upstream backend failed"
    retryable: ClassVar[bool] = False

    def __init__(self, detail: str, backend: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, backend=backend, **extensions)
        self.backend = backend


class UpstreamUnavailable(UpstreamError):
    status = 503
    slug = "upstream-unavailable"
    title = "Upstream backend unavailable"
    retryable = True


class UpstreamTimeout(UpstreamError):
    status = 504
    slug = "upstream-timeout"
    title = "Upstream backend timed out"
    retryable = True
