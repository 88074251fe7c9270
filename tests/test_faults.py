"""Fault injection: upstreams that refuse, stall, trickle bytes, answer garbage or die mid-stream.

Each upstream the service talks to (a caller's `input_references` URL, the OpenAI-compatible
language model, the image provider, a webhook receiver) is replaced by `FaultServer`, a raw
socket server on loopback that misbehaves one way. Every request must end in the right 4xx/5xx
problem, and within its deadline, never a 500 or a hang.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.server import create_app
from app.settings import load_settings
from tests.chain_helpers import assert_problem, chain_settings, client_for, wait_until
from tests.conftest import make_client
from tests.db_helpers import app_call
from tests.fakes.image_providers import FakeOpenAI, png_bytes

FAULTS = ("refuse", "stall", "trickle", "garbage", "http-garbage", "die")
DEADLINE_S = 1.0
SLACK_S = 2.5  # scheduling, connection set-up, the job around the call


class FaultServer:
    """Accepts HTTP requests on 127.0.0.1 and misbehaves as `mode` says:

    refuse        nothing listens on the port (connection refused)
    stall         reads the request, never answers
    trickle       answers 200 with a large Content-Length, then one byte every 0.2 s
    garbage       answers bytes that are not HTTP, then closes
    http-garbage  answers a well-formed 200 whose body is nonsense (not JSON, not an image)
    die           answers 200 with Content-Length 100000, sends 100 bytes, closes
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        if mode == "refuse":
            self.sock.close()  # the port is now closed: connecting is refused
        else:
            self.sock.listen(64)
            self.sock.settimeout(0.1)
            threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            conn.recv(65536)
            if self.mode == "stall":
                self.stop.wait(30)
            elif self.mode == "trickle":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                )
                while not self.stop.wait(0.2):
                    conn.sendall(b" ")
            elif self.mode == "garbage":
                conn.sendall(b"\x00\xff\x13garbage that is not HTTP at all\r\n\r\n\x00")
            elif self.mode == "http-garbage":
                body = b"<html>definitely not what you asked for</html>"
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                conn.sendall(head.encode() + body)
            elif self.mode == "die":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
                conn.sendall(png_bytes()[:100])
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture(params=FAULTS)
def fault(request: pytest.FixtureRequest) -> Iterator[FaultServer]:
    server = FaultServer(request.param)
    yield server
    server.close()


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# ----------------------------------------------------------------------------- a caller's URL


def test_an_input_reference_upstream_fault_is_a_400_naming_the_field_within_the_deadline(
    tmp_path: Path, fault: FaultServer
) -> None:
    with FakeOpenAI() as provider:
        settings = chain_settings(tmp_path / "data", provider.base_url, fetch_timeout_s=DEADLINE_S)
        body = {
            "prompt": "a fox",
            "promptGeneration": {"mode": "none"},
            "input_references": [fault.url + "/a.png"],
        }
        with client_for(settings) as client:
            response, took = timed(lambda: client.post("/v1/generate/image", json=body))
        assert provider.requests == []  # no image was generated from a reference that failed
    problem = assert_problem(response, 400, field="input_references[0]")
    assert "could not be fetched" in problem["detail"] or "image" in problem["detail"]
    assert took < DEADLINE_S + SLACK_S, took


# ----------------------------------------------------------------------------- the language model

LM_EXPECTED = {
    "refuse": {503},
    "stall": {504},
    "trickle": {504},
    "garbage": {502, 503},
    "http-garbage": {502},
    "die": {502, 503},
}


def test_a_language_model_fault_is_a_5xx_problem_within_the_deadline(
    tmp_path: Path, fault: FaultServer
) -> None:
    settings = load_settings(
        env={},
        dotenv=None,
        data_dir=str(tmp_path / "data"),
        lm_backend="openai",
        openai_base_url=fault.url + "/v1",
        openai_max_retries=0,
        lm_timeout_s=DEADLINE_S,
    )
    with make_client(settings) as client:
        response, took = timed(
            lambda: client.post("/v1/generate/prompt", json={"prompt": "a fox", "seed": 3})
        )
    assert response.status_code in LM_EXPECTED[fault.mode], response.text
    problem = assert_problem(response, response.status_code)
    assert problem["backend"] == "openai" and problem["jobId"].startswith("job_")
    assert took < DEADLINE_S + SLACK_S, took


# ----------------------------------------------------------------------------- the image provider


def test_an_image_provider_fault_is_a_5xx_problem_within_the_deadline(
    tmp_path: Path, fault: FaultServer
) -> None:
    settings = chain_settings(
        tmp_path / "data",
        fault.url + "/v1",
        image_timeout_s=DEADLINE_S,
        image_max_retries=0,
        image_deadline_s=DEADLINE_S * 2,
    )
    body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}}
    with client_for(settings) as client:
        response, took = timed(lambda: client.post("/v1/generate/image", json=body))
    assert 502 <= response.status_code <= 504, response.text
    problem = assert_problem(response, response.status_code)
    assert problem["backend"] == "openai"
    assert took < DEADLINE_S * 2 + SLACK_S, took


# ----------------------------------------------------------------------------- a webhook receiver


def test_a_webhook_receiver_fault_is_recorded_and_retried_not_waited_on(
    tmp_path: Path, fault: FaultServer
) -> None:
    with FakeOpenAI() as provider:
        settings = chain_settings(
            tmp_path / "data", provider.base_url, webhook_timeout_s=DEADLINE_S, webhook_max_attempts=1
        )
        body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}, "webhook_url": fault.url + "/hook"}
        with client_for(settings) as client:
            response = client.post("/v1/generate/image", json=body)
            assert response.status_code == 200, response.text  # the caller never waits on the receiver
            db = client.app.state.chain.webhooks.db

            def attempted() -> bool:
                row = app_call(client, db.fetchone, "SELECT status FROM webhook_deliveries")
                return row is not None and row["status"] != "pending"

            wait_until(attempted, timeout_s=DEADLINE_S + SLACK_S, what="the delivery attempt to end")
            row = app_call(client, db.fetchone, "SELECT status, last_error FROM webhook_deliveries")
    expected = "delivered" if fault.mode == "http-garbage" else "failed"  # a 200 is a delivery
    assert row["status"] == expected, dict(row)


def test_a_request_past_its_deadline_is_a_504_problem(tmp_path: Path) -> None:
    from models.lm.scripted import ScriptedLanguageModel

    class Sleepy(ScriptedLanguageModel):
        async def generate(self, requests: Any, deadline_s: float) -> Any:
            import asyncio

            await asyncio.sleep(5)
            return await super().generate(requests, deadline_s)

    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted", request_timeout_s=0.5
    )
    with make_client(settings, Sleepy()) as client:
        response, took = timed(lambda: client.post("/v1/generate/prompt", json={"prompt": "a fox"}))
    problem = assert_problem(response, 504)
    assert problem["type"].endswith("/deadline-exceeded")
    assert took < 2.0


def test_create_app_builds_without_a_running_loop() -> None:
    # The middleware stack is built at construction: nothing in it may need an event loop.
    assert create_app(load_settings(env={}, dotenv=None, lm_backend="scripted")) is not None
