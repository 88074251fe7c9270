"""API keys (`PROMPTGEN_API_KEYS`): Bearer and HTTP Basic the way Scenario clients send them,
stored hashed, compared in constant time; health, metrics and the playground stay open; every
refusal is a 401 problem, and no key ever reaches a log line."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app import auth
from app.auth import APIKeys
from app.logs import JsonFormatter
from app.settings import load_settings
from tests.conftest import make_client
from tests.fakes.image_providers import FakeOpenAI

KEY = "pk_live_6c1f0d2ab9e84e7fa1c3"
PAIR_KEY, PAIR_SECRET = "sc_key_91b2c7d4", "sc_secret_e5f60718293a"
HASHED = "hashed_key_55aa77cc99ee"
PROBLEM = "application/problem+json"
PROMPT = {"prompt": "a lighthouse at dusk", "seed": 1}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keyed(tmp_path: Path, scripted: Any) -> Iterator[TestClient]:
    hashed = "sha256:" + hashlib.sha256(HASHED.encode()).hexdigest()
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="scripted",
        api_keys=f"{KEY}, {PAIR_KEY}:{PAIR_SECRET},{hashed}",
        # these tests send many wrong keys on purpose; the limit on that is tests/test_browser_and_proxy.py's
        auth_failures_per_minute=0,
    )
    with make_client(settings, scripted) as client:
        yield client


def assert_unauthorized(response: Any, reason: str) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/unauthorized") and body["reason"] == reason and body["detail"]
    return body


# ----------------------------------------------------------------------------- accepted


def test_without_configured_keys_every_route_is_open(client: TestClient) -> None:
    assert client.post("/v1/generate/prompt", json=PROMPT).status_code == 200


def test_a_bearer_key_is_accepted(keyed: TestClient) -> None:
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(KEY)).status_code == 200


def test_basic_with_the_key_as_user_name_is_accepted_whatever_the_password(keyed: TestClient) -> None:
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic(KEY, "")).status_code == 200
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic(KEY, "x")).status_code == 200


def test_basic_with_the_key_as_password_is_accepted(keyed: TestClient) -> None:
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic("", KEY)).status_code == 200


def test_a_scenario_key_and_secret_pair_is_accepted_as_basic_and_as_one_bearer_token(
    keyed: TestClient,
) -> None:
    ok = basic(PAIR_KEY, PAIR_SECRET)
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=ok).status_code == 200
    assert (
        keyed.post(
            "/v1/generate/prompt", json=PROMPT, headers=bearer(f"{PAIR_KEY}:{PAIR_SECRET}")
        ).status_code
        == 200
    )


def test_a_key_configured_as_its_sha256_is_accepted(keyed: TestClient) -> None:
    assert keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(HASHED)).status_code == 200


# ----------------------------------------------------------------------------- refused


def test_no_credentials_is_a_401_problem_with_a_challenge(keyed: TestClient) -> None:
    body = assert_unauthorized(keyed.post("/v1/generate/prompt", json=PROMPT), "missing")
    assert "Bearer" in body["detail"]


def test_a_wrong_key_is_refused(keyed: TestClient) -> None:
    body = assert_unauthorized(
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(KEY + "x")), "invalid"
    )
    assert KEY not in str(body)


def test_half_of_a_key_and_secret_pair_is_refused(keyed: TestClient) -> None:
    assert_unauthorized(
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic(PAIR_KEY, "")), "invalid"
    )
    assert_unauthorized(
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic(PAIR_KEY, "wrong-secret")), "invalid"
    )
    assert_unauthorized(keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(PAIR_KEY)), "invalid")


def test_the_stored_hash_itself_is_not_a_key(keyed: TestClient) -> None:
    digest = hashlib.sha256(HASHED.encode()).hexdigest()
    assert_unauthorized(keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(digest)), "invalid")


@pytest.mark.parametrize(
    "header", ["Token abc", "Bearer", "Basic", "Basic !!!not-base64!!!", "Digest username=x", KEY]
)
def test_a_malformed_authorization_header_is_a_401(keyed: TestClient, header: str) -> None:
    response = keyed.post("/v1/generate/prompt", json=PROMPT, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["reason"] in ("malformed", "invalid")


def test_the_key_is_checked_before_the_body_is_read(keyed: TestClient) -> None:
    response = keyed.post(
        "/v1/generate/prompt", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_unauthorized(response, "missing")  # not a 400: an anonymous caller learns nothing


def test_the_openai_compatible_route_refuses_with_openais_error_object_too(keyed: TestClient) -> None:
    body = assert_unauthorized(keyed.post("/v1/images/generations", json={"prompt": "a fox"}), "missing")
    assert body["error"]["code"] == "unauthorized" and body["error"]["message"]


def test_every_closed_operation_in_the_openapi_document_refuses_without_a_key(keyed: TestClient) -> None:
    schema = keyed.get("/schema/openapi.json", headers=bearer(KEY)).json()
    checked = 0
    for path, item in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", "x_1", path)
        for method, operation in item.items():
            response = keyed.request(method.upper(), url)
            if "security" in operation:
                assert_unauthorized(response, "missing")
                assert keyed.request(method.upper(), url, headers=bearer("nope")).status_code == 401
                assert keyed.request(method.upper(), url, headers=bearer(KEY)).status_code != 401
                checked += 1
            else:
                assert response.status_code != 401, f"{method} {path} is documented open but refuses"
    assert checked >= 15
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# ----------------------------------------------------------------------------- open routes


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/metrics", "/", "/static/app.css", "/playground/config"]
)
def test_health_metrics_and_the_playground_stay_open(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code in (200, 404, 503)  # 404: a static file not built yet
    assert keyed.get(path).status_code != 401


def test_the_schema_is_closed_when_keys_are_configured(keyed: TestClient) -> None:
    assert keyed.get("/schema/openapi.json").status_code == 401


# ----------------------------------------------------------------------------- keys at rest


def test_only_digests_are_kept_and_every_digest_is_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = APIKeys.parse("first-key-0001,second-key-0002,third-key-0003")
    assert "first-key-0001" not in repr(vars(keys))
    compared: list[bytes] = []
    original = auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return original(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert keys.authenticate("Bearer first-key-0001").startswith("key_")
    assert len(compared) == 3  # no early exit on the first match: timing says nothing


def test_key_ids_are_stable_and_reveal_nothing_of_the_key() -> None:
    keys = APIKeys.parse(KEY)
    identity = keys.authenticate(f"Bearer {KEY}")
    assert identity == APIKeys.parse(KEY).authenticate(f"Bearer {KEY}")
    assert KEY not in identity and len(identity) == len("key_") + 12


# ----------------------------------------------------------------------------- logs


def test_a_wrong_key_and_a_right_key_appear_in_no_log_line(keyed: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer("wrong-" + KEY))
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=bearer(KEY))
        keyed.post("/v1/generate/prompt", json=PROMPT, headers=basic(PAIR_KEY, PAIR_SECRET))
        logging.getLogger("app.test").warning("a careless log line: Authorization: Bearer %s", KEY)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    text = stream.getvalue()
    assert '"status": 401' in text and '"status": 200' in text  # the access log did run
    for secret in (
        KEY,
        PAIR_KEY,
        PAIR_SECRET,
        base64.b64encode(f"{PAIR_KEY}:{PAIR_SECRET}".encode()).decode(),
    ):
        assert secret not in text


def test_a_key_reaches_no_log_line_of_a_real_server_either(tmp_path: Path) -> None:
    """`python -m app serve` with a key configured, a wrong-key and a right-key request: the
    key is nowhere in what the process wrote."""
    import subprocess
    import sys
    import time

    import httpx

    from tests.test_load import free_port, wait_ready

    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PROMPTGEN_DATA_DIR": str(tmp_path / "data"),
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_API_KEYS": KEY,
        "PROMPTGEN_LOG_LEVEL": "DEBUG",
    }
    # to a file, not a pipe: at DEBUG the start alone writes more than a pipe holds, and a server
    # blocked on a full pipe answers nothing
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, process)
        wrong = httpx.post(
            url + "/v1/generate/prompt", json=PROMPT, headers=bearer(KEY[:-1] + "X"), timeout=60
        )
        # a first request loads what it needs on a busy machine: generous, it asserts no time
        right = httpx.post(url + "/v1/generate/prompt", json=PROMPT, headers=bearer(KEY), timeout=60)
        assert (wrong.status_code, right.status_code) == (401, 200)
        time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert '"route": "/v1/generate/prompt"' in text and '"status": 401' in text
    assert KEY not in text and KEY[:-1] not in text


def test_an_image_provider_key_reaches_no_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-provider-" + "9" * 24
    with FakeOpenAI() as fake:
        fake.script("POST", FakeOpenAI.GENERATIONS, *[fake_failure(secret)] * 4)
        from tests.chain_helpers import chain_settings, client_for

        settings = chain_settings(tmp_path / "data", fake.base_url, image_api_key=secret, image_max_retries=0)
        with caplog.at_level(logging.DEBUG), client_for(settings) as client:
            response = client.post("/v1/generate/image", json={"prompt": "a fox"})
    assert response.status_code >= 400
    formatter = JsonFormatter()
    assert secret not in "\n".join(formatter.format(record) for record in caplog.records)
    assert secret not in response.text


def fake_failure(secret: str) -> Any:
    from tests.fakes.image_providers import Reply

    return Reply(500, {"error": {"message": f"upstream exploded while checking key {secret}"}})


def test_the_cli_prompt_command_needs_no_key(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "PROMPTGEN_DATA_DIR": str(tmp_path / "data"),
        "PROMPTGEN_LM_BACKEND": "scripted",
        "PROMPTGEN_API_KEYS": KEY,
        "PROMPTGEN_RATE_LIMIT_PER_MINUTE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "prompt", "--local", "a lighthouse", "-n", "2", "--seed", "3"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 2
