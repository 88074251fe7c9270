"""The errors every layer raises, with no HTTP in them.

Backends, describers, modes and the service raise these; the HTTP layer (`app/errors.py`)
maps the whole tree to RFC 9457 problem details in one table, so nothing below it knows a
status code. `detail` is the sentence a caller reads; `extensions` are the named facts that
travel with it (`field`, `backend`, `setting`, `retryAfter`).

    PromptgenError                 a bug; never raised on purpose
    ├── RequestError               the caller can fix the request
    │   ├── ValidationFailed       a field has the wrong type or value (`field`)
    │   ├── NotFound               the named thing does not exist
    │   ├── Unauthorized           no or wrong credentials (`reason`)
    │   ├── Forbidden              the credentials do not allow this
    │   ├── PayloadTooLarge        a body, image or field is over its limit
    │   ├── UnsupportedMediaType   an image or body of a type we do not read
    │   ├── Conflict               the request conflicts with the state of a resource
    │   │   └── JobCanceled        the job was canceled while the caller waited
    │   ├── ContentRejected        an image provider refused the content (`backend`)
    │   └── ProviderRejected       an image provider refused the parameters (`backend`)
    ├── NotConfigured              the feature needs operator configuration (`setting`)
    ├── Overloaded                 at capacity; retry after `retry_after` seconds
    ├── RateLimited                over the caller's rate; retry after `retry_after` seconds
    ├── DeadlineExceeded           the work ran past its deadline
    ├── InsufficientStorage        the data directory is full or read-only (`reason`)
    └── UpstreamError              a backend failed (`backend`)
        ├── UpstreamUnavailable    it is down or refusing; worth a retry
        └── UpstreamTimeout        it did not answer in time; worth a retry
"""

from __future__ import annotations

from typing import Any, ClassVar


class PromptgenError(Exception):
    """Base of every error the service reports to a caller."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = {k: v for k, v in extensions.items() if v is not None}

    @property
    def retry_after(self) -> int | None:
        """Seconds after which a retry may succeed, when the error knows."""
        value = self.extensions.get("retryAfter")
        return int(value) if value is not None else None


class RequestError(PromptgenError):
    pass


class ValidationFailed(RequestError):
    """A field has the wrong type or value; `field` names it (a dotted path)."""

    def __init__(self, detail: str, field: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, field=field, **extensions)
        self.field = field


class NotFound(RequestError):
    pass


class Unauthorized(RequestError):
    pass


class Forbidden(RequestError):
    pass


class PayloadTooLarge(RequestError):
    pass


class UnsupportedMediaType(RequestError):
    pass


class Conflict(RequestError):
    pass


class JobCanceled(Conflict):
    """The job a synchronous request was waiting for was canceled."""


class _FromBackend(RequestError):
    def __init__(self, detail: str, backend: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, backend=backend, **extensions)
        self.backend = backend


class ContentRejected(_FromBackend):
    """The provider refused the prompt or its output on content-policy grounds."""


class ProviderRejected(_FromBackend):
    """The provider rejected the request's parameters (its 400/422): the caller can fix it."""


class NotConfigured(PromptgenError):
    """The request needs something the operator has not configured (an image backend, a
    webhook secret); `setting` names the environment variable that would enable it."""

    def __init__(self, detail: str, setting: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, setting=setting, **extensions)


class Overloaded(PromptgenError):
    """The service is at capacity; the caller should retry after `retry_after` seconds."""

    def __init__(self, detail: str, retry_after: int = 1, **extensions: Any) -> None:
        super().__init__(detail, retryAfter=retry_after, **extensions)


class RateLimited(PromptgenError):
    """The caller is over its rate; it should retry after `retry_after` seconds."""

    def __init__(self, detail: str, retry_after: int = 1, **extensions: Any) -> None:
        super().__init__(detail, retryAfter=retry_after, **extensions)


class DeadlineExceeded(PromptgenError):
    """The work did not finish within its deadline."""


class InsufficientStorage(PromptgenError):
    """The service could not store something: its data directory is full, under its free-space
    floor or read-only; `reason` says which (`full`, `read-only`, `io-error`)."""

    def __init__(self, detail: str, reason: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, reason=reason, **extensions)


class UpstreamError(PromptgenError):
    """An upstream backend (language model, describer, image provider) failed."""

    retryable: ClassVar[bool] = False

    def __init__(self, detail: str, backend: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, backend=backend, **extensions)
        self.backend = backend


class UpstreamUnavailable(UpstreamError):
    retryable = True


class UpstreamTimeout(UpstreamError):
    retryable = True
