"""Browser and proxy hygiene (issue 19, item 6): links built from the configured public URL,
not the Host header; X-Forwarded-* believed from trusted proxies only; JSON only as JSON
(no preflight-free `text/plain`), CORS off unless configured; failed authentication limited
per client address; a webhook host resolving inside refused at submission."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import app.fetch
from app.proxy import ForwardedHeaders, ProxyConfig, parse_origins, parse_public_url, public_base_url
from app.ratelimit import MemoryRateStore, RateLimiter
from tests.chain_helpers import assert_problem, chain_settings, client_for
from tests.conftest import make_client
from tests.db_helpers import app_call
from tests.fakes.image_providers import FakeOpenAI, png_bytes

IMAGES = "/v1/images/generations"
PROMPT = "/v1/generate/prompt"
KEY = "pk_test_0123456789abcdef0123456789abcdef"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _url_of(client: Any, **headers: str) -> str:
    response = client.post(IMAGES, json={"prompt": "a lighthouse", "response_format": "url"}, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["url"])


# --------------------------------------------------------------------------- returned URLs


def test_a_forged_host_header_does_not_reach_the_links_handed_out(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    with client_for(chain_settings(tmp_path / "data", fake_openai.base_url)) as client:
        url = _url_of(client, host="evil.example")
        assert "evil.example" not in url
        assert re.match(r"^http://[^/]+/v1/assets/asset_[0-9a-z]+/content$", url), url
        assert client.get("/v1/" + url.split("/v1/", 1)[1]).content == png_bytes(0)


def test_the_configured_public_url_is_the_base_of_links(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    settings = chain_settings(
        tmp_path / "data", fake_openai.base_url, public_url="https://images.example.com/promptgen/"
    )
    with client_for(settings) as client:
        url = _url_of(client, host="evil.example", **{"x-forwarded-host": "evil.example"})
    assert url.startswith("https://images.example.com/promptgen/v1/assets/asset_"), url


def _scope(
    client: str, headers: dict[str, str], server: tuple[str, int] = ("10.0.0.5", 8000)
) -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "http",
        "client": (client, 5555),
        "server": server,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "state": {},
    }


def _through(config: ProxyConfig, scope: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    import asyncio

    asyncio.run(ForwardedHeaders(inner, config)(scope, None, None))  # type: ignore[arg-type]
    return seen


FORWARDED = {
    "host": "evil.example",
    "x-forwarded-host": "api.example.com",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "203.0.113.9, 10.0.0.2",
}


def test_forwarded_headers_are_believed_from_trusted_proxies_only() -> None:
    config = ProxyConfig(trusted=(__import__("ipaddress").ip_network("10.0.0.0/24"),))
    untrusted = _through(config, _scope("198.51.100.7", FORWARDED))
    assert untrusted["client"][0] == "198.51.100.7" and untrusted["scheme"] == "http"
    assert public_base_url(untrusted, config) == "http://10.0.0.5:8000"  # the listening address
    trusted = _through(config, _scope("10.0.0.1", FORWARDED))
    # the rightmost address that is not itself a trusted proxy: 10.0.0.2 is one, 203.0.113.9 is not
    assert trusted["client"][0] == "203.0.113.9" and trusted["scheme"] == "https"
    assert public_base_url(trusted, config) == "https://api.example.com"
    bad_host = _through(config, _scope("10.0.0.1", {"x-forwarded-host": "evil.example/x?y"}))
    assert public_base_url(bad_host, config) == "http://10.0.0.5:8000"
    assert public_base_url(_scope("::1", {}, ("::1", 8443)), ProxyConfig()) == "http://[::1]:8443"


@pytest.mark.parametrize("value", ["ftp://x", "https://", "https://a.example/?q=1", "https://u:p@a.example"])
def test_a_bad_public_url_stops_the_start(value: str) -> None:
    with pytest.raises(SystemExit, match="PROMPTGEN_PUBLIC_URL"):
        parse_public_url(value)


def test_bad_proxies_or_origins_stop_the_start(tmp_path: Path) -> None:
    from app.server import create_app
    from app.settings import load_settings

    for overrides, variable in (
        ({"trusted_proxies": "10.0.0.0/8, nonsense"}, "PROMPTGEN_TRUSTED_PROXIES"),
        ({"cors_origins": "https://ok.example, https://bad.example/path"}, "PROMPTGEN_CORS_ORIGINS"),
    ):
        settings = load_settings(
            env={}, dotenv=None, data_dir=str(tmp_path), lm_backend="scripted", **overrides
        )
        with pytest.raises(SystemExit, match=variable):
            create_app(settings)
    assert parse_origins("https://A.example:8443, *") == ["https://a.example:8443", "*"]


# --------------------------------------------------------------------------- media types and CORS


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_json_routes_refuse_bodies_not_declared_as_json(
    settings: Any, scripted: Any, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with make_client(settings, scripted) as client:
        response = client.post(PROMPT, content=b'{"prompt": "a cat"}', headers=headers)
        body = assert_problem(response, 415)
        assert "application/json" in body["detail"]
        for route in ("/v1/ip/check", "/v1/generate/caption", "/v1/models", "/v1/generate/image"):
            assert client.post(route, content=b"{}", headers=headers).status_code == 415, route


def test_json_is_taken_as_application_json_or_a_json_suffix(settings: Any, scripted: Any) -> None:
    with make_client(settings, scripted) as client:
        for content_type in (
            "application/json",
            "application/json; charset=utf-8",
            "application/merge-patch+json",
        ):
            response = client.post(
                PROMPT, content=b'{"prompt": "a cat"}', headers={"content-type": content_type}
            )
            assert response.status_code == 200, (content_type, response.text)
        latin = client.post(
            PROMPT,
            content=b'{"prompt": "a cat"}',
            headers={"content-type": "application/json; charset=latin-1"},
        )
        assert_problem(latin, 415)


def test_multipart_only_where_documented_and_only_from_the_services_own_pages(
    settings: Any, scripted: Any
) -> None:
    upload = {"file": ("a.png", png_bytes(0), "image/png")}
    with make_client(settings, scripted) as client:
        assert client.post("/v1/assets", files=upload).status_code == 201
        own = client.post("/v1/assets", files=upload, headers={"origin": "http://testserver.local"})
        assert own.status_code == 201, own.text
        assert_problem(
            client.post("/v1/assets", files=upload, headers={"origin": "https://evil.example"}), 403
        )
        assert_problem(client.post(PROMPT, files=upload), 415)


def test_cors_is_off_by_default(settings: Any, scripted: Any) -> None:
    preflight = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    with make_client(settings, scripted) as client:
        response = client.options(PROMPT, headers=preflight)
        assert "access-control-allow-origin" not in response.headers
        plain = client.post(PROMPT, json={"prompt": "a cat"}, headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in plain.headers


def test_cors_lets_in_the_configured_origins_only(tmp_path: Path, scripted: Any) -> None:
    from app.settings import load_settings

    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path), lm_backend="scripted", cors_origins="https://app.example"
    )
    with make_client(settings, scripted) as client:
        ok = client.options(
            PROMPT,
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            },
        )
        assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == "https://app.example"
        refused = client.options(
            PROMPT, headers={"origin": "https://evil.example", "access-control-request-method": "POST"}
        )
        assert refused.headers.get("access-control-allow-origin") != "https://evil.example"
        answer = client.post(PROMPT, json={"prompt": "a cat"}, headers={"origin": "https://app.example"})
        assert answer.headers["access-control-allow-origin"] == "https://app.example"
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


def test_the_playground_sends_json_as_application_json() -> None:
    script = (Path(__file__).resolve().parent.parent / "app" / "static" / "app.js").read_text()
    assert 'headers["content-type"] = "application/json"' in script
    assert "text/plain" not in script


# --------------------------------------------------------------------------- failed authentication


def _keyed(tmp_path: Path, scripted: Any, **overrides: Any) -> Any:
    from app.settings import load_settings

    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path), lm_backend="scripted", api_keys=KEY, **overrides
    )
    return make_client(settings, scripted)


def test_wrong_keys_in_a_row_are_limited_per_address_with_retry_after(tmp_path: Path, scripted: Any) -> None:
    with _keyed(tmp_path, scripted, auth_failures_per_minute=30, auth_failures_burst=10) as client:
        statuses = [
            client.post(
                PROMPT, json={"prompt": "a cat"}, headers={"authorization": f"Bearer wrong-{i}"}
            ).status_code
            for i in range(300)
        ]
        assert statuses[:10] == [401] * 10
        assert set(statuses[10:]) == {429}, statuses[:20]
        refused = client.post(PROMPT, json={"prompt": "a cat"}, headers={"authorization": "Bearer wrong"})
        body = assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 3 and "failed authentications" in body["detail"]
        # while blocked even the right key waits (or the 429s would tell a guesser when he is right)
        assert client.get("/v1/jobs/job_x", headers={"authorization": f"Bearer {KEY}"}).status_code == 429
        # open routes stay open
        assert client.get("/healthz").status_code == 200


def test_valid_keys_and_requests_without_a_key_are_never_counted(tmp_path: Path, scripted: Any) -> None:
    with _keyed(tmp_path, scripted, auth_failures_per_minute=30, auth_failures_burst=2) as client:
        for _ in range(20):
            assert (
                client.post(
                    PROMPT, json={"prompt": "a cat"}, headers={"authorization": f"Bearer {KEY}"}
                ).status_code
                == 200
            )
            assert client.post(PROMPT, json={"prompt": "a cat"}).status_code == 401  # no key: guesses nothing
        assert (
            client.post(PROMPT, json={"prompt": "a cat"}, headers={"authorization": "Bearer bad"}).status_code
            == 401
        )


def test_the_failure_budget_refills_and_other_addresses_are_not_affected() -> None:
    limiter = RateLimiter(MemoryRateStore(), per_minute=60, burst=3)  # one failure a second
    for _ in range(3):
        assert limiter.blocked_for("auth-failures:198.51.100.7", now=1000.0) == 0
        limiter.hit("auth-failures:198.51.100.7", now=1000.0)
    assert limiter.blocked_for("auth-failures:198.51.100.7", now=1000.0) == pytest.approx(1.0)
    assert limiter.blocked_for("auth-failures:198.51.100.8", now=1000.0) == 0
    assert limiter.blocked_for("auth-failures:198.51.100.7", now=1001.0) == 0


def test_ipv6_clients_are_counted_by_their_64() -> None:
    from app.ratelimit import address_of

    a = address_of({"client": ("2001:db8:1:2::1", 1)})  # type: ignore[arg-type]
    b = address_of({"client": ("2001:db8:1:2:ffff::9", 1)})  # type: ignore[arg-type]
    assert a == b == "2001:db8:1:2::/64"
    assert address_of({"client": ("::ffff:198.51.100.7", 1)}) == "198.51.100.7"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- webhooks


def test_a_webhook_host_resolving_to_a_refused_address_is_refused_at_submission(
    tmp_path: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {"loopback.attacker.example": ["127.0.0.1"], "metadata.attacker.example": ["169.254.169.254"]}

    async def resolver(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError(host)
        return answers[host]

    monkeypatch.setattr(app.fetch, "system_resolver", resolver)
    settings = chain_settings(tmp_path / "data", fake_openai.base_url, fetch_allow_hosts="")
    with client_for(settings) as client:
        for host in ("loopback.attacker.example", "metadata.attacker.example", "nowhere.attacker.example"):
            body = {
                "prompt": "a fox",
                "promptGeneration": {"mode": "none"},
                "async": True,
                "webhook_url": f"http://{host}/hook",
            }
            problem = assert_problem(client.post("/v1/generate/image", json=body), 400, field="webhook_url")
            assert host in problem["detail"] and "127.0.0.1" not in problem["detail"]
        assert (
            app_call(client, client.app.state.chain.webhooks.db.fetchall, "SELECT * FROM webhook_deliveries")
            == []
        )
        assert fake_openai.requests == []


def test_a_real_server_believes_no_forwarded_for_from_loopback(tmp_path: Path) -> None:
    """`python -m app serve`: uvicorn would take X-Forwarded-For from 127.0.0.1 by default, and a
    guesser on the host could then be a new address on every request; it is not believed."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PROMPTGEN_DATA_DIR": str(tmp_path),
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_API_KEYS": KEY,
        "PROMPTGEN_AUTH_FAILURES_BURST": "3",
        "PROMPTGEN_LOG_LEVEL": "WARNING",
    }
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=root,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        statuses = [
            httpx.post(
                url + PROMPT,
                json={"prompt": "a cat"},
                headers={"authorization": f"Bearer wrong-{i}", "x-forwarded-for": f"203.0.113.{i}"},
                timeout=10,
            ).status_code
            for i in range(6)
        ]
        assert statuses == [401, 401, 401, 429, 429, 429], statuses
    finally:
        server.terminate()
        server.wait(timeout=15)
