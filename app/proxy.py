"""Where the service says it lives, whom it believes about it, and which pages may call it.

Absolute URLs the service hands out (`/v1/images/generations`' `url`) are built by
`public_base_url`, from, in this order:

    PROMPTGEN_PUBLIC_URL      the operator's word (`https://images.example.com/promptgen`)
    X-Forwarded-Host/-Proto   only when the connection comes from PROMPTGEN_TRUSTED_PROXIES
    the listening address     the local address the connection came in on (scope["server"])

never from a request's `Host` header: a caller who sends `Host: evil.example` must not make
the service give out links to evil.example (cache poisoning, phishing through a trusted API).

`ForwardedHeaders` wraps the whole app. When the peer is a trusted proxy it takes the client's
address from `X-Forwarded-For` (the rightmost address that is not itself a trusted proxy), the
scheme from `X-Forwarded-Proto` and the host from `X-Forwarded-Host`; from anyone else those
headers are ignored, so the rate limits and the access log see the real peer.

`cors_config` turns `PROMPTGEN_CORS_ORIGINS` into Litestar's CORS configuration; empty (the
default) means none, so no page of another origin can read an answer or pass a preflight.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.config.cors import CORSConfig
from litestar.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
STATE_FORWARDED_HOST = "promptgen.forwarded_host"  # scope["state"], set only for a trusted proxy
STATE_PEER = "promptgen.peer"  # the connection's own address, before X-Forwarded-For
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{{1,5}})?$")  # host[:port]
CORS_METHODS = ["GET", "POST", "DELETE", "OPTIONS"]
CORS_REQUEST_HEADERS = ["authorization", "content-type", "x-request-id"]
CORS_EXPOSED_HEADERS = [
    "X-Request-ID",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]


def _invalid(variable: str, value: str, why: str) -> SystemExit:
    return SystemExit(f"invalid configuration: PROMPTGEN_{variable}={value!r} {why}")


def parse_public_url(raw: str) -> str:
    """`raw` as a base URL without a trailing slash ("" when unset); SystemExit when it is not
    an http(s) URL with a host and at most a path (no query, fragment or credentials)."""
    value = raw.strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _invalid("PUBLIC_URL", raw, "is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("PUBLIC_URL", raw, "must be an http(s) URL with a host")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise _invalid("PUBLIC_URL", raw, "must have no query, fragment, user or password")
    return value.rstrip("/")


def parse_networks(raw: str, variable: str = "TRUSTED_PROXIES") -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or CIDRs; SystemExit naming the entry that is neither."""
    networks: list[IPNetwork] = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise _invalid(variable, raw, f"holds {entry!r}, neither an address nor a CIDR") from None
    return tuple(networks)


def parse_origins(raw: str) -> list[str]:
    """`*` or origins (`scheme://host[:port]`, nothing after); SystemExit on anything else."""
    origins: list[str] = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        if entry == "*":
            origins.append(entry)
            continue
        parts = urlsplit(entry)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
        ):
            raise _invalid("CORS_ORIGINS", raw, f"holds {entry!r}, not an origin such as https://app.example")
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class ProxyConfig:
    """The public base URL, the trusted proxies and the CORS origins, read once at start."""

    public_url: str = ""
    trusted: tuple[IPNetwork, ...] = ()
    cors_origins: tuple[str, ...] = ()
    fallback: str = "http://127.0.0.1:8000"  # the configured listening address

    @classmethod
    def from_settings(cls, settings: Any) -> ProxyConfig:
        host = str(getattr(settings, "host", "127.0.0.1"))
        return cls(
            public_url=parse_public_url(str(getattr(settings, "public_url", ""))),
            trusted=parse_networks(str(getattr(settings, "trusted_proxies", ""))),
            cors_origins=tuple(parse_origins(str(getattr(settings, "cors_origins", "")))),
            fallback=_base("http", host, int(getattr(settings, "port", 8000))),
        )

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.trusted)

    def allows_origin(self, origin: str) -> bool:
        """Whether CORS lets `origin` in (a listed origin, or `*`)."""
        return "*" in self.cors_origins or origin.lower() in self.cors_origins


def _base(scheme: str, host: str, port: int | None) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def public_base_url(scope: Scope, config: ProxyConfig) -> str:
    """The base of absolute URLs handed out on this request (see the module docstring)."""
    if config.public_url:
        return config.public_url
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    forwarded = scope.get("state", {}).get(STATE_FORWARDED_HOST)
    if forwarded:
        return f"{scheme}://{forwarded}"
    server = scope.get("server")
    if server and server[0] and server[1] is not None:
        return _base(scheme, str(server[0]), int(server[1]))
    return config.fallback


def own_origin(scope: Scope, headers: Iterable[tuple[bytes, bytes]], config: ProxyConfig) -> set[str]:
    """The origins a page of this service itself has: the public URL's, and the one its `Host`
    header names (a browser cannot forge `Host`, so a same-origin page always matches it)."""
    origins = set()
    if config.public_url:
        parts = urlsplit(config.public_url)
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    scheme = "https" if scope.get("scheme") == "https" else "http"
    forwarded = scope.get("state", {}).get(STATE_FORWARDED_HOST)
    for name, value in headers:
        if name == b"host":
            origins.add(f"{scheme}://{forwarded or value.decode('latin-1')}".lower())
    return origins


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ForwardedHeaders:
    """ASGI wrapper: believe X-Forwarded-For/-Proto/-Host from trusted proxies only."""

    def __init__(self, app: ASGIApp, config: ProxyConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] in ("http", "websocket") else None
        if client and self.config.trusted and self.config.trusts(str(client[0])):
            self._apply(scope, str(client[0]))
        await self.app(scope, receive, send)

    def _apply(self, scope: Scope, peer: str) -> None:
        state = scope.setdefault("state", {})
        state[STATE_PEER] = peer
        chain = _header(scope, b"x-forwarded-for")
        if chain:
            client = peer
            for hop in reversed([h.strip() for h in chain.split(",")]):
                address = _address(hop)
                if address is None:
                    break  # a malformed entry: trust nothing to its left
                client = str(address)
                if not self.config.trusts(client):
                    break
            scope["client"] = (client, 0)
        proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        host = (_header(scope, b"x-forwarded-host") or "").split(",")[0].strip()
        if host and _HOST.match(host):
            state[STATE_FORWARDED_HOST] = host.lower()


def cors_config(config: ProxyConfig) -> CORSConfig | None:
    """Litestar's CORS configuration for the configured origins, or None (CORS off)."""
    if not config.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(config.cors_origins),
        allow_methods=CORS_METHODS,  # type: ignore[arg-type]
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        allow_credentials=False,  # keys travel in Authorization, never in cookies
        max_age=600,
    )
