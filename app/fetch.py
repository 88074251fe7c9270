"""The one place the service sends an HTTP request to a URL a caller chose.

Webhook deliveries (`webhook_url`) and reference images (`input_references` given as http(s)
URLs) both go through `fetch_url`, so the defence against server-side request forgery lives
here and nowhere else:

    check_url      http or https, a host, no `user:password@`, at most 2048 characters
    resolve        the host is resolved once; every address it resolves to must be public,
                   unless the host name or the address is on the operator's allow-list
                   (`PROMPTGEN_FETCH_ALLOW_HOSTS`)
    pin            the connection goes to the checked address itself, with the original
                   `Host` header and TLS server name, so a DNS answer that changes between
                   the check and the connection (rebinding) cannot steer the request
    redirects      followed by hand, each hop checked and pinned again, at most a few
    body           streamed with a byte cap; one deadline covers resolution, every hop and
                   the body, so a server that stalls or trickles bytes cannot hold a request

"Public" excludes loopback, private (RFC 1918, ULA), link-local (cloud metadata lives at
169.254.169.254), CGNAT (100.64.0.0/10), multicast, reserved, unspecified and documentation
ranges. IPv6 addresses that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, NAT64,
Teredo) are judged by the IPv4 address they carry, and host names written as numbers
(`2130706433`, `0x7f.1`, `017700000001`) are read the way resolvers read them.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec

MAX_URL_CHARS = 2048
DEFAULT_MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses it resolves to (textual). Tests substitute their own.
Resolver = Callable[[str, int], Awaitable[list[str]]]

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class FetchError(Exception):
    """A URL could not be fetched (refused by policy, unreachable, timed out, too large)."""


class FetchRefused(FetchError):
    """The URL is not one this service fetches: a scheme, host or address the policy refuses."""


class Fetched(msgspec.Struct, kw_only=True):
    status: int
    headers: dict[str, str]
    content: bytes
    url: str = ""  # the URL that answered, after redirects

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


# ----------------------------------------------------------------------------- addresses


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in the forms the C resolver accepts: 1-4 parts, each decimal, octal
    (leading 0) or hex (0x); the last part fills the remaining bytes (`127.1`, `2130706433`)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        try:
            if part[:2] in ("0x", "0X"):
                value = int(part[2:], 16) if part[2:] else 0
            elif len(part) > 1 and part[0] == "0":
                value = int(part[1:], 8)
            else:
                value = int(part, 10) if part.isdigit() else -1
        except ValueError:
            return None
        if value < 0:
            return None
        values.append(value)
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(number)


def parse_ip(host: str) -> IPAddress | None:
    """The address `host` spells literally (any notation a resolver accepts), or None for a name."""
    text = host.strip().rstrip(".").lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text:
        return None
    return _inet_aton(text)


def canonical_ip(address: IPAddress) -> IPAddress:
    """The address that decides where a connection really goes: an IPv6 address carrying an
    IPv4 one (mapped, compatible, 6to4, NAT64, Teredo) becomes that IPv4 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = address.packed
    if any(address in net for net in NAT64) or (packed[:12] == bytes(12) and int(address) > 1):
        return ipaddress.IPv4Address(packed[12:])  # NAT64, or the deprecated ::a.b.c.d
    return address


def address_kind(address: IPAddress) -> str | None:
    """Why `address` is not public (`loopback`, `private`, ...), or None when it is."""
    ip = canonical_ip(address)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "shared (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


def is_public(address: IPAddress) -> bool:
    return address_kind(address) is None


# ----------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class AllowList:
    """Hosts the operator lets caller-chosen URLs reach although they are not public: names
    (`fakes.internal`, `*.corp.example`) match the URL's host, addresses and networks
    (`127.0.0.1`, `10.0.0.0/8`) match what it resolves to."""

    names: frozenset[str] = frozenset()
    patterns: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str] | str) -> AllowList:
        if isinstance(entries, str):
            entries = entries.split(",")
        names: set[str] = set()
        patterns: list[str] = []
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            if entry.startswith("[") and entry.endswith("]"):
                entry = entry[1:-1]
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            literal = parse_ip(entry)
            if literal is not None:
                networks.append(ipaddress.ip_network(literal))
            elif "*" in entry:
                patterns.append(entry)
            else:
                names.add(entry)
        return cls(frozenset(names), tuple(patterns), tuple(networks))

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.names or any(fnmatch.fnmatchcase(host, p) for p in self.patterns)

    def allows_address(self, address: IPAddress) -> bool:
        candidates = {address, canonical_ip(address)}
        return any(ip in net for ip in candidates for net in self.networks if ip.version == net.version)


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, through the operating system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`), and what to tell the server (`host`)."""

    url: str
    host: str
    port: int
    address: IPAddress

    @property
    def pinned_url(self) -> httpx.URL:
        """`url` with its host replaced by the checked address (the connection goes there)."""
        return httpx.URL(self.url).copy_with(host=str(self.address))


@dataclass(frozen=True)
class FetchPolicy:
    """What caller-chosen URLs may reach. `resolver` None means the system resolver."""

    allow: AllowList = field(default_factory=AllowList)
    resolver: Resolver | None = None
    max_redirects: int = DEFAULT_MAX_REDIRECTS

    @classmethod
    def from_settings(cls, settings: Any) -> FetchPolicy:
        return cls(
            allow=AllowList.parse(getattr(settings, "fetch_allow_hosts", "")),
            max_redirects=int(getattr(settings, "fetch_max_redirects", DEFAULT_MAX_REDIRECTS)),
        )

    def check_literal(self, url: str) -> None:
        """The checks that need no DNS: URL syntax, and a literal address that is not public.
        Raises `FetchRefused` (cheap enough to run while validating a request)."""
        problem = check_url(url)
        if problem is not None:
            raise FetchRefused(f"the URL {problem}")
        host = _host_of(url)
        literal = parse_ip(host)
        if literal is not None:
            self._check_address(host, literal)

    async def resolve(self, url: str) -> Target:
        """Check `url` and resolve its host to one checked address; raises `FetchRefused` or
        `FetchError` (the name does not resolve)."""
        self.check_literal(url)
        parts = urlsplit(url)
        host = _host_of(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("the URL has an invalid port") from None
        literal = parse_ip(host)
        if literal is not None:
            return Target(url=url, host=host, port=port, address=literal)
        resolver = self.resolver or system_resolver
        try:
            answers = await resolver(host, port)
        except (OSError, UnicodeError, ValueError):
            raise FetchError(f"the host {host!r} does not resolve") from None
        addresses = [a for a in (parse_ip(str(answer)) for answer in answers) if a is not None]
        if not addresses:
            raise FetchError(f"the host {host!r} does not resolve")
        if not self.allow.allows_name(host):
            for address in addresses:  # every answer: a mixed answer must not slip one through
                self._check_address(host, address, named=True)
        return Target(url=url, host=host, port=port, address=addresses[0])

    def _check_address(self, host: str, address: IPAddress, named: bool = False) -> None:
        if self.allow.allows_name(host) or self.allow.allows_address(address):
            return
        kind = address_kind(address)
        if kind is not None:
            # A resolved address is not echoed: the answer would map internal DNS for a caller.
            where = (
                f"the host {host!r} resolves to a {kind} address" if named else f"{host} is a {kind} address"
            )
            raise FetchRefused(f"{where}; this service fetches only public addresses")


def check_url(url: str) -> str | None:
    """Why `url` may not be fetched on syntax alone, or None when it may."""
    if len(url) > MAX_URL_CHARS:
        return f"is longer than {MAX_URL_CHARS} characters"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "contains spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "has no host"
    if "@" in parts.netloc:
        return "must not carry a user name or password"
    return None


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").rstrip(".")


# ----------------------------------------------------------------------------- fetching


def new_client() -> httpx.AsyncClient:
    """A client for caller-chosen URLs: no environment proxies (a proxy would resolve the name
    itself, defeating the pinned address), no redirects of its own, no kept connections (a
    connection is bound to one host's TLS name)."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def fetch_url(
    url: str,
    *,
    method: str = "GET",
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    max_bytes: int = 20 * 1024 * 1024,
    client: httpx.AsyncClient | None = None,
    policy: FetchPolicy | None = None,
    follow_redirects: bool | None = None,
) -> Fetched:
    """Send one request to a caller-chosen `url` under `policy`; raises `FetchError`
    (`FetchRefused` when the policy refuses the URL or a redirect). Redirects are followed
    for GET (a POST's 3xx is answered as is); `timeout_s` bounds the whole exchange."""
    policy = policy or FetchPolicy()
    follow = (method == "GET") if follow_redirects is None else follow_redirects
    own = client is None
    http = client or new_client()
    try:
        async with asyncio.timeout(timeout_s):
            return await _exchange(
                http, policy, url, method, content, headers or {}, timeout_s, max_bytes, follow
            )
    except TimeoutError:
        raise FetchError(f"no complete answer within {timeout_s:g}s") from None
    except httpx.TimeoutException:
        raise FetchError(f"no complete answer within {timeout_s:g}s") from None
    except httpx.ConnectError:
        raise FetchError("the server refused or dropped the connection") from None
    except (httpx.RemoteProtocolError, httpx.ReadError):
        raise FetchError("the connection broke before the answer was complete") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"the request failed ({type(exc).__name__})") from None
    finally:
        if own:
            await http.aclose()


async def _exchange(
    http: httpx.AsyncClient,
    policy: FetchPolicy,
    url: str,
    method: str,
    content: bytes | None,
    headers: dict[str, str],
    timeout_s: float,
    max_bytes: int,
    follow: bool,
) -> Fetched:
    for hop in range(policy.max_redirects + 1):
        target = await policy.resolve(url)
        wire = httpx.URL(url)
        request_headers = {k: v for k, v in headers.items() if k.lower() != "host"}
        request_headers["Host"] = wire.netloc.decode("ascii")
        # TLS: the server name (and the certificate check) stay the host's, not the address's.
        extensions = {"sni_hostname": wire.raw_host.decode("ascii")} if wire.scheme == "https" else {}
        async with http.stream(
            method,
            target.pinned_url,
            content=content,
            headers=request_headers,
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            extensions=extensions,
        ) as response:
            location = response.headers.get("location")
            if follow and response.status_code in REDIRECTS and location:
                if hop == policy.max_redirects:
                    raise FetchRefused(f"more than {policy.max_redirects} redirects")
                url = urljoin(url, location.strip()).split("#", 1)[0]
                if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                    method, content = "GET", None
                continue
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"the response is {declared} bytes; the limit is {max_bytes}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the response is larger than {max_bytes} bytes")
            return Fetched(
                status=response.status_code, headers=dict(response.headers), content=bytes(body), url=url
            )
    raise FetchRefused(f"more than {policy.max_redirects} redirects")  # pragma: no cover - loop returns
