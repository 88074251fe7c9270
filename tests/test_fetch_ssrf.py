"""Server-side request forgery: every URL a caller can make the service fetch (`input_references`,
`webhook_url`) goes through `app.fetch`, which refuses internal addresses however they are
spelled or resolved, pins the address it checked, and re-checks every redirect."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import app.fetch
from app.fetch import (
    AllowList,
    FetchError,
    FetchPolicy,
    FetchRefused,
    address_kind,
    canonical_ip,
    check_url,
    fetch_url,
    parse_ip,
)
from tests.chain_helpers import assert_problem, chain_settings, client_for, wait_until
from tests.db_helpers import app_call
from tests.fakes.image_providers import FakeOpenAI, FakeServer, Reply, png_bytes

INTERNAL = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


class Resolver:
    """A scripted DNS: each name answers from its list of answers, one per lookup (the last repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.answers:
            raise OSError(f"no such host {host}")
        script = self.answers[host]
        return script.pop(0) if len(script) > 1 else script[0]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def target() -> Iterator[FakeServer]:
    """A loopback server standing in for both an allowed host and the internal one it must not reach."""
    server = FakeServer()
    server.route("GET", r"/image.png", lambda r, m: Reply(200, body=png_bytes(), content_type="image/png"))
    server.route("GET", r"/secret", lambda r, m: Reply(200, {"secret": "internal"}))
    with server:
        yield server


# ----------------------------------------------------------------------------- addresses


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "017700000001",
        "0177.0.0.1",
        "[::ffff:7f00:1]",
    ],
)
def test_every_spelling_of_loopback_is_read_as_loopback(spelling: str) -> None:
    parsed = parse_ip(spelling)
    assert parsed is not None and canonical_ip(parsed) == ipaddress.ip_address("127.0.0.1")


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_the_ip_normaliser_reads_every_numeric_spelling_of_an_ipv4_address_alike(number: int) -> None:
    address = ipaddress.IPv4Address(number)
    a, b, c, d = address.packed
    spellings = [
        str(address),
        str(number),
        hex(number),
        "0" + oct(number)[2:] if number else "0",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
        f"0{a:o}.{b}.{c}.{d}" if a else f"{a}.{b}.{c}.{d}",
        f"[::ffff:{address}]",
    ]
    for spelling in spellings:
        parsed = parse_ip(spelling)
        assert parsed is not None and canonical_ip(parsed) == address, spelling


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_address_and_its_ipv6_wrappings_are_judged_alike(number: int) -> None:
    v4 = ipaddress.IPv4Address(number)
    verdict = address_kind(v4) is None
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | number)
    assert (address_kind(mapped) is None) == verdict
    assert (address_kind(nat64) is None) == verdict


@given(st.text(max_size=40))
def test_the_ip_normaliser_never_crashes_and_never_invents_an_address(text: str) -> None:
    parsed = parse_ip(text)
    if parsed is not None:
        assert any(ch.isdigit() or ch in ":x" for ch in text.lower())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/a.png", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("gopher://example.com:70/", "http or https"),
        ("http:///nohost", "no host"),
        ("http://user:pass@example.com/", "user name or password"),
        ("http://example.com/" + "a" * 2100, "longer than"),
        ("http://example.com/a b", "spaces"),
        ("http://example.com:99999/", "valid URL"),
    ],
)
def test_urls_that_are_not_plain_http_are_refused_on_sight(url: str, why: str) -> None:
    problem = check_url(url)
    assert problem is not None and why in problem


# ----------------------------------------------------------------------------- resolution


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1", "::ffff:127.0.0.1"])
def test_a_name_that_resolves_to_an_internal_address_is_refused(address: str) -> None:
    policy = FetchPolicy(resolver=Resolver({"innocent.example": [[address]]}))
    with pytest.raises(FetchRefused, match="resolves to a") as refused:
        run(policy.resolve("http://innocent.example/a.png"))
    assert address not in str(refused.value)  # internal DNS is not mapped for the caller


def test_one_internal_answer_among_public_ones_is_enough_to_refuse() -> None:
    policy = FetchPolicy(resolver=Resolver({"mixed.example": [["93.184.216.34", "10.0.0.7"]]}))
    with pytest.raises(FetchRefused):
        run(policy.resolve("https://mixed.example/"))


def test_a_name_that_does_not_resolve_is_an_error_not_a_crash() -> None:
    with pytest.raises(FetchError, match="does not resolve"):
        run(FetchPolicy(resolver=Resolver({})).resolve("http://nowhere.example/"))


def test_the_allow_list_admits_names_patterns_addresses_and_networks() -> None:
    allow = AllowList.parse("fakes.internal, *.corp.example, 127.0.0.1, 10.9.0.0/16, [::1]")
    assert allow.allows_name("fakes.internal") and allow.allows_name("img.corp.example")
    assert not allow.allows_name("corp.example.evil.com")
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert allow.allows_address(ipaddress.ip_address("10.9.3.4"))
    assert allow.allows_address(ipaddress.ip_address("::1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))


# ----------------------------------------------------------------------------- pinning, rebinding


def test_the_checked_address_is_the_one_connected_to_so_rebinding_cannot_redirect(target: FakeServer) -> None:
    """The first answer is the allowed loopback fake, every later one an internal address: the
    fetch resolves once, connects to what it checked, and sends the original Host header."""
    port = target.url.rsplit(":", 1)[1]
    resolver = Resolver({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    policy = FetchPolicy(allow=AllowList.parse("127.0.0.1"), resolver=resolver)
    answer = run(fetch_url(f"http://rebind.test:{port}/image.png", policy=policy, timeout_s=5))
    assert answer.ok and answer.content == png_bytes()
    assert resolver.lookups == ["rebind.test"]
    assert target.requests[-1].headers["host"] == f"rebind.test:{port}"


def test_a_rebinding_name_whose_first_answer_is_internal_is_refused_before_connecting(
    target: FakeServer,
) -> None:
    port = target.url.rsplit(":", 1)[1]
    resolver = Resolver({"rebind.test": [["127.0.0.1"], ["93.184.216.34"]]})
    with pytest.raises(FetchRefused):
        run(
            fetch_url(f"http://rebind.test:{port}/secret", policy=FetchPolicy(resolver=resolver), timeout_s=5)
        )
    assert target.requests == []


# ----------------------------------------------------------------------------- redirects


def redirecting(target: FakeServer, location: str, status: int = 302) -> None:
    target.route("GET", r"/go", lambda r, m: Reply(status, {}, headers={"Location": location}))


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://2130706433:{port}/secret",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(target: FakeServer, location: str) -> None:
    port = target.url.rsplit(":", 1)[1]
    redirecting(target, location.format(port=port), status=307)
    resolver = Resolver({"fakes.test": [["127.0.0.1"]], "localhost": [["127.0.0.1"]]})
    policy = FetchPolicy(allow=AllowList.parse("fakes.test"), resolver=resolver)
    with pytest.raises(FetchRefused):
        run(fetch_url(f"http://fakes.test:{port}/go", policy=policy, timeout_s=5))
    assert [r.path for r in target.requests] == ["/go"]  # the internal target was never asked


def test_a_redirect_within_the_allowed_host_is_followed(target: FakeServer) -> None:
    port = target.url.rsplit(":", 1)[1]
    redirecting(target, "/image.png")
    policy = FetchPolicy(
        allow=AllowList.parse("fakes.test"), resolver=Resolver({"fakes.test": [["127.0.0.1"]]})
    )
    answer = run(fetch_url(f"http://fakes.test:{port}/go", policy=policy, timeout_s=5))
    assert answer.ok and answer.url.endswith("/image.png")


def test_redirects_are_followed_only_a_few_hops(target: FakeServer) -> None:
    port = target.url.rsplit(":", 1)[1]
    redirecting(target, "/go")  # a loop
    policy = FetchPolicy(
        allow=AllowList.parse("fakes.test"), resolver=Resolver({"fakes.test": [["127.0.0.1"]]})
    )
    with pytest.raises(FetchRefused, match="redirects"):
        run(fetch_url(f"http://fakes.test:{port}/go", policy=policy, timeout_s=5))
    assert len(target.requests) == policy.max_redirects + 1


def test_a_webhook_post_does_not_follow_redirects(target: FakeServer) -> None:
    port = target.url.rsplit(":", 1)[1]
    target.route(
        "POST", r"/hook", lambda r, m: Reply(307, {}, headers={"Location": "http://169.254.169.254/"})
    )
    policy = FetchPolicy(allow=AllowList.parse("127.0.0.1"))
    answer = run(fetch_url(f"http://127.0.0.1:{port}/hook", method="POST", content=b"{}", policy=policy))
    assert answer.status == 307 and not answer.ok


def test_environment_proxies_are_ignored(target: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    policy = FetchPolicy(allow=AllowList.parse("127.0.0.1"))
    assert run(fetch_url(target.url + "/image.png", policy=policy, timeout_s=5)).ok


# ----------------------------------------------------------------------------- through the API


@pytest.fixture
def provider() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def api(tmp_path: Path, provider: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The service with no allow-list, and a DNS where `metadata.attacker.example` points at the
    cloud metadata address and `loopback.attacker.example` at 127.0.0.1."""
    resolver = Resolver(
        {
            "metadata.attacker.example": [["169.254.169.254"]],
            "loopback.attacker.example": [["127.0.0.1"]],
            "rebind.attacker.example": [["93.184.216.34"], ["127.0.0.1"]],  # public once, then inside
        }
    )
    monkeypatch.setattr(app.fetch, "system_resolver", resolver)
    settings = chain_settings(tmp_path / "data", provider.base_url, fetch_allow_hosts="")
    with client_for(settings) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://127.0.0.1:{port}/v1/images/generations",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::1]/a.png",
        "http://[::ffff:127.0.0.1]/a.png",
        "http://2130706433/a.png",
        "http://0x7f.1/a.png",
        "http://loopback.attacker.example/a.png",
        "http://metadata.attacker.example/latest/meta-data/",
        "http://10.0.0.5/a.png",
    ],
)
def test_input_references_pointing_inside_are_refused_with_a_4xx(
    api: Any, provider: FakeOpenAI, url: str
) -> None:
    port = provider.base_url.split(":")[2].split("/")[0]
    body = {
        "prompt": "a fox",
        "promptGeneration": {"mode": "none"},
        "input_references": [url.format(port=port)],
    }
    problem = assert_problem(api.post("/v1/generate/image", json=body), 400, field="input_references[0]")
    assert "public" in problem["detail"]
    assert provider.requests == []  # nothing was generated either: the refusal came first


def test_an_async_request_with_an_internal_reference_is_refused_before_a_job_exists(api: Any) -> None:
    body = {"prompt": "a fox", "async": True, "input_references": ["http://metadata.attacker.example/x"]}
    assert_problem(api.post("/v1/generate/image", json=body), 400, field="input_references[0]")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://169.254.169.254/hook", "http://[::1]/hook"]
)
def test_a_webhook_url_naming_an_internal_address_is_refused_at_submission(api: Any, url: str) -> None:
    body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}, "async": True, "webhook_url": url}
    assert_problem(api.post("/v1/generate/image", json=body), 400, field="webhook_url")


def test_a_webhook_name_resolving_inside_is_refused_at_submission(api: Any) -> None:
    body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}, "async": True}
    for host in ("loopback.attacker.example", "metadata.attacker.example"):
        response = api.post("/v1/generate/image", json={**body, "webhook_url": f"http://{host}/hook"})
        assert_problem(response, 400, field="webhook_url")


def test_a_webhook_name_rebound_inside_after_submission_is_refused_at_delivery(api: Any) -> None:
    body = {
        "prompt": "a fox",
        "promptGeneration": {"mode": "none"},
        "async": True,
        "webhook_url": "http://rebind.attacker.example/hook",
    }
    response = api.post("/v1/generate/image", json=body)
    assert response.status_code == 202, response.text
    webhooks = api.app.state.chain.webhooks
    rows: list[Any] = []

    def recorded() -> bool:
        rows[:] = app_call(
            api, webhooks.db.fetchall, "SELECT status, attempts, last_error FROM webhook_deliveries"
        )
        return bool(rows) and rows[0]["attempts"] >= 1

    wait_until(recorded, what="a delivery attempt")
    assert "public addresses" in rows[0]["last_error"]


def test_the_operator_allow_list_lets_loopback_fakes_through(
    tmp_path: Path, provider: FakeOpenAI, target: FakeServer
) -> None:
    settings = chain_settings(tmp_path / "data", provider.base_url, fetch_allow_hosts="127.0.0.1")
    body = {
        "prompt": "a fox",
        "promptGeneration": {"mode": "none"},
        "input_references": [target.url + "/image.png"],
    }
    with client_for(settings) as client:
        response = client.post("/v1/generate/image", json=body)
    assert response.status_code == 200, response.text
    assert [r.path for r in target.requests] == ["/image.png"]
