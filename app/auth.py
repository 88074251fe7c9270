"""API keys: who may call the service when the operator configured keys (`PROMPTGEN_API_KEYS`).

Keys are accepted the two ways clients send them:

    Authorization: Bearer KEY                (OpenAI clients, curl, the playground)
    Authorization: Basic base64(KEY:SECRET)  (Scenario clients: the key as user name, the
                                              secret as password)

A configured entry is a key (`pk_live_...`, then Basic's password is ignored), a `key:secret`
pair (then Basic must send both, and Bearer the pair as one token), or `sha256:<hex>`, the
SHA-256 of either, so the plain key need not be stored where the service is configured. Only
digests are kept after start-up, and every candidate is compared with every digest in
constant time (`hmac.compare_digest`, no early exit), so timing says nothing about a key.

A request's identity (`key_id`, a short digest prefix, never the key) is what the rate
limiter counts and the access log records. Routes marked `opt={"exclude_from_auth": True}`
(health, readiness, metrics, the playground page and its files) stay open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable

from litestar.types import ASGIApp, Receive, Scope, Send

from app.errors import Unauthorized, add_headers
from app.metrics import Metrics

OPEN_OPT = "exclude_from_auth"
STATE_KEY_ID = "promptgen.key_id"  # set in scope["state"] for the rate limiter and the access log
CHALLENGE = 'Bearer realm="promptgen"'
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def key_id(key_digest: bytes) -> str:
    """A short, stable, non-secret name for a key (the first 12 hex digits of its digest)."""
    return "key_" + key_digest.hex()[:12]


class APIKeys:
    """The configured keys, as digests; `authenticate` turns an Authorization header into a key id."""

    def __init__(self, entries: list[bytes]) -> None:
        self._digests = entries

    @classmethod
    def parse(cls, raw: str) -> APIKeys:
        digests = []
        for entry in (e.strip() for e in raw.split(",")):
            if not entry:
                continue
            hexed = entry[len("sha256:") :].lower() if entry.lower().startswith("sha256:") else ""
            digests.append(bytes.fromhex(hexed) if _HEX64.match(hexed) else digest(entry))
        return cls(digests)

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def match(self, candidate: str) -> bytes | None:
        """The digest `candidate` matches, compared with every digest in constant time."""
        presented = digest(candidate)
        found = None
        for known in self._digests:
            if hmac.compare_digest(presented, known):
                found = known
        return found

    def authenticate(self, header: str | None) -> str:
        """The key id the Authorization header proves, or `Unauthorized` (401) saying why."""
        if not header:
            raise _unauthorized(
                "missing",
                "this server needs an API key: send `Authorization: Bearer <key>` "
                "(or HTTP Basic with the key as user name)",
            )
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        candidates: list[str]
        if scheme.lower() == "bearer" and value:
            candidates = [value]
        elif scheme.lower() == "basic" and value:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                raise _unauthorized("malformed", "the Basic credentials are not valid base64") from None
            user, _, password = decoded.partition(":")
            candidates = [decoded, user] if user else [password]
        else:
            raise _unauthorized("malformed", "the Authorization header must be `Bearer <key>` or HTTP Basic")
        for candidate in candidates:
            known = self.match(candidate)
            if known is not None:
                return key_id(known)
        raise _unauthorized("invalid", "the API key is not valid for this server")


def _unauthorized(reason: str, detail: str) -> Unauthorized:
    error = Unauthorized(detail, reason=reason)
    add_headers(error, {"WWW-Authenticate": CHALLENGE})
    return error


def is_open(scope: Scope) -> bool:
    """Whether the matched route is marked open (`opt={"exclude_from_auth": True}`)."""
    handler = scope.get("route_handler")
    return bool(handler is not None and handler.opt.get(OPEN_OPT))


def auth_middleware(keys: APIKeys, metrics: Metrics | None = None) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware: refuses (401) a request to a closed route without a valid key, and
    records the key id of one with. Does nothing when no keys are configured."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not keys.enabled or is_open(scope):
                await app(scope, receive, send)
                return
            header = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    header = value.decode("latin-1")
                    break
            try:
                scope["state"][STATE_KEY_ID] = keys.authenticate(header)
            except Unauthorized as exc:
                if metrics is not None:
                    metrics.auth_failures[str(exc.extensions.get("reason", "invalid"))] += 1
                raise
            await app(scope, receive, send)

        return middleware

    return factory
