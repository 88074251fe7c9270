"""Observability: request ids, structured JSON logs without bodies or secrets, Prometheus
metrics, readiness, body limits, and a graceful stop that lets running jobs finish."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.limits import Limits, data_url_bytes
from app.logs import JsonFormatter, configure_logging, redact, register_secrets
from app.settings import load_settings
from models.lm.scripted import ScriptedLanguageModel
from tests.chain_helpers import chain_settings, client_for, wait_for_job
from tests.conftest import make_client, poll_readyz
from tests.fakes.image_providers import FakeOpenAI, Reply

MARKER = "zebra-okapi-7731"  # a spark no log line may contain


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, as the service's JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- request ids


def test_an_incoming_request_id_is_honoured_and_echoed(client: TestClient) -> None:
    response = client.post(
        "/v1/generate/prompt", json={"prompt": "a fox"}, headers={"X-Request-ID": "req-abc.123"}
    )
    assert response.headers["x-request-id"] == "req-abc.123"


def test_a_request_without_an_id_gets_one(client: TestClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{24}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("bad", ["has spaces", "x" * 200, 'quote"d', "new\\nline"])
def test_a_malformed_request_id_is_replaced_not_echoed(client: TestClient, bad: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad and len(response.headers["x-request-id"]) == 24


def test_unmatched_routes_and_refusals_carry_a_request_id_too(client: TestClient) -> None:
    assert client.get("/nope", headers={"X-Request-ID": "r-404"}).headers["x-request-id"] == "r-404"
    assert (
        client.post("/v1/generate/prompt", content=b"{", headers={"X-Request-ID": "r-400"}).headers[
            "x-request-id"
        ]
        == "r-400"
    )


# ----------------------------------------------------------------------------- logs


def test_each_request_writes_one_json_access_line_with_its_id_and_no_body(
    client: TestClient, logs: io.StringIO
) -> None:
    client.post(
        "/v1/generate/prompt",
        json={"prompt": f"a {MARKER} at dusk", "images": ["data:image/png;base64,AAAA"]},
        headers={"X-Request-ID": "trace-42"},
    )
    records = lines(logs)
    access = [r for r in records if r.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "trace-42" and entry["route"] == "/v1/generate/prompt"
    assert entry["status"] == 400 and entry["method"] == "POST" and entry["duration_ms"] >= 0
    assert entry["level"] == "info" and entry["logger"] == "app.access" and entry["ts"].endswith("Z")
    text = logs.getvalue()
    assert MARKER not in text and "base64" not in text


def test_every_record_logged_while_serving_a_request_carries_its_id(
    tmp_path: Path, logs: io.StringIO
) -> None:
    class Chatty(ScriptedLanguageModel):
        async def generate(self, requests: Any, deadline_s: float) -> Any:
            logging.getLogger("models.lm.chatty").info("generating %d rows", len(requests))
            return await super().generate(requests, deadline_s)

    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings, Chatty()) as client:
        client.post("/v1/generate/prompt", json={"prompt": "a fox"}, headers={"X-Request-ID": "ctx-7"})
    chatty = [r for r in lines(logs) if r["logger"] == "models.lm.chatty"]
    assert chatty and all(r["request_id"] == "ctx-7" for r in chatty)


def test_secrets_and_credentials_are_redacted_from_any_line() -> None:
    register_secrets(["sk-redact-test-000111222"])
    assert "sk-redact-test-000111222" not in redact("key=sk-redact-test-000111222")
    assert redact("Authorization: Bearer abc.def-123") == "Authorization: Bearer ***"
    assert redact("authorization: basic dXNlcjpwYXNz") == "authorization: basic ***"
    record = logging.LogRecord(
        "x", logging.ERROR, "", 0, "failed with %s", ("sk-redact-test-000111222",), None
    )
    assert "sk-redact-test-000111222" not in JsonFormatter().format(record)


def test_configure_logging_routes_uvicorn_through_the_json_handler() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", "json", stream)
        logging.getLogger("uvicorn.error").info("Started server process")
        assert json.loads(stream.getvalue().splitlines()[-1])["logger"] == "uvicorn.error"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


# ----------------------------------------------------------------------------- metrics


def test_metrics_cover_requests_backends_cache_and_memory(client: TestClient) -> None:
    for _ in range(2):
        client.post("/v1/generate/prompt", json={"prompt": "a fox", "seed": 11})
    client.post("/v1/generate/prompt", json={"prompt": "a fox", "numResults": 9})
    text = client.get("/metrics").text
    assert 'promptgen_requests_total{method="POST",route="/v1/generate/prompt",status="200"} 2' in text
    assert 'promptgen_requests_total{method="POST",route="/v1/generate/prompt",status="400"} 1' in text
    assert 'promptgen_request_seconds_bucket{route="/v1/generate/prompt",le="+Inf"} 3' in text
    assert re.search(
        r'promptgen_backend_calls_total\{kind="lm",backend="scripted",outcome="ok"\} [1-9]', text
    )
    assert 'promptgen_backend_call_seconds_count{kind="lm",backend="scripted"}' in text
    assert 'promptgen_cache_events_total{event="hit"} 1' in text
    assert 'promptgen_cache_events_total{event="miss"} 1' in text
    assert 'promptgen_model_ready{backend="scripted"} 1' in text
    assert "promptgen_requests_in_flight 1" in text  # the scrape itself
    assert re.search(r"process_resident_memory_bytes [1-9]", text)
    for line in text.splitlines():  # the exposition format: comments, or `name{labels} value`
        assert line.startswith("# TYPE ") or re.fullmatch(r"[a-z_]+(\{[^}]*\})? [0-9.e+-]+", line), line


def test_latency_buckets_are_cumulative_as_prometheus_reads_them() -> None:
    from app.metrics import Histogram

    histogram = Histogram()
    for seconds in (0.003, 0.005, 0.2, 99.0):
        histogram.observe(seconds)
    lines = dict(line.rsplit(" ", 1) for line in histogram.lines("t", 'route="/x"'))
    assert lines['t_bucket{route="/x",le="0.005"}'] == "2"  # bounds are inclusive
    assert lines['t_bucket{route="/x",le="0.1"}'] == "2"
    assert lines['t_bucket{route="/x",le="0.25"}'] == "3"
    assert lines['t_bucket{route="/x",le="60"}'] == "3"
    assert lines['t_bucket{route="/x",le="+Inf"}'] == lines['t_count{route="/x"}'] == "4"
    assert lines['t_sum{route="/x"}'] == "99.208000"


def test_backend_errors_are_counted_by_kind(tmp_path: Path) -> None:
    from app.errors import UpstreamUnavailable

    class Down(ScriptedLanguageModel):
        async def generate(self, requests: Any, deadline_s: float) -> Any:
            raise UpstreamUnavailable("down", backend="scripted")

    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings, Down()) as client:
        assert client.post("/v1/generate/prompt", json={"prompt": "a fox"}).status_code == 503
        text = client.get("/metrics").text
    assert (
        'promptgen_backend_calls_total{kind="lm",backend="scripted",outcome="upstream-unavailable"}' in text
    )


# ----------------------------------------------------------------------------- readiness


def test_readyz_is_false_until_the_model_is_loaded(tmp_path: Path) -> None:
    class SlowLoad(ScriptedLanguageModel):
        def __init__(self) -> None:
            super().__init__()
            self.loaded: asyncio.Event | None = None
            self.done = False

        async def load(self) -> None:
            self.loaded = asyncio.Event()
            await self.loaded.wait()
            self.done = True

        @property
        def ready(self) -> bool:
            return self.done

    lm = SlowLoad()
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings, lm) as client:
        waiting = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
        assert lm.loaded is not None
        client.blocking_portal.call(lm.loaded.set)
        ready = poll_readyz(client)
    assert waiting.status_code == 503 and waiting.headers["retry-after"]
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


# ----------------------------------------------------------------------------- body limits


def test_body_limits_follow_the_image_limits() -> None:
    limits = Limits(
        load_settings(env={}, dotenv=None, max_image_bytes=1024 * 1024, max_body_bytes=64 * 2**20)
    )
    assert limits.body_limit("/v1/assets") == data_url_bytes(1024 * 1024) + 64 * 1024
    assert limits.body_limit("/v1/generate/prompt") == 11 * data_url_bytes(1024 * 1024) + 64 * 1024
    assert limits.body_limit("/v1/ip/check") == 256 * 1024
    assert limits.body_limit("/v1/jobs/{job_id}/action") == 64 * 1024
    assert Limits(load_settings(env={}, dotenv=None)).body_limit("/v1/generate/image") == 64 * 2**20


def test_an_oversized_declared_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/v1/ip/check",
        content=b"{" + b" " * (300 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["type"].endswith("/payload-too-large")


def test_an_oversized_streamed_body_is_refused_while_it_streams(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 8192
        yield b'"}'

    response = client.post("/v1/ip/check", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_an_image_route_accepts_a_body_as_large_as_its_images_need(tmp_path: Path) -> None:
    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted", max_image_bytes=200_000
    )
    big_but_allowed = "data:image/png;base64," + "A" * 260_000  # one image under the cap, encoded
    with make_client(settings, ScriptedLanguageModel()) as client:
        response = client.post("/v1/generate/prompt", json={"prompt": "a fox", "images": [big_but_allowed]})
        too_many = client.post("/v1/assets", json={"image": big_but_allowed + "A" * 100_000})
    assert response.status_code == 400 and response.json()["field"] == "images[0]"  # judged, not cut off
    assert too_many.status_code == 413


# ----------------------------------------------------------------------------- graceful stop


def test_a_graceful_stop_lets_a_running_job_finish(tmp_path: Path) -> None:
    with FakeOpenAI() as provider:
        provider.script(
            "POST", FakeOpenAI.GENERATIONS, Reply(200, FakeOpenAI.images_response("m", 1), delay=0.6)
        )
        settings = chain_settings(tmp_path / "data", provider.base_url, shutdown_grace_s=10.0)
        with client_for(settings) as client:
            body = {"prompt": "a fox", "promptGeneration": {"mode": "none"}, "async": True}
            job = client.post("/v1/generate/image", json=body).json()["job"]
            wait_for_job(client, job["jobId"], {"in-progress"})
        # the client has left: the service stopped, waiting for the job
        with client_for(settings) as client:
            stored = client.get(f"/v1/jobs/{job['jobId']}").json()
    assert stored["status"] == "success", stored["metadata"]


def test_image_and_describer_calls_are_counted_too(tmp_path: Path) -> None:
    from PIL import Image

    from tests.image_samples import data_url, encode

    with FakeOpenAI() as provider, client_for(chain_settings(tmp_path / "data", provider.base_url)) as client:
        client.post("/v1/generate/image", json={"prompt": "a fox", "promptGeneration": {"mode": "none"}})
        picture = data_url(encode(Image.new("RGB", (8, 8), (200, 40, 40))))
        assert client.post("/v1/generate/caption", json={"images": [picture]}).status_code == 200
        text = client.get("/metrics").text
    assert 'promptgen_backend_calls_total{kind="image",backend="openai:gpt-image-1",outcome="ok"} 1' in text
    assert re.search(
        r'promptgen_backend_calls_total\{kind="describer",backend="[a-z]+",outcome="ok"\} 1', text
    )
