"""The `openai` backend against a fake OpenAI-compatible server (httpx transport and loopback)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable, problem_of, status_of
from models.lm.base import ChatMessage, LMRequest
from models.lm.openai import OpenAILanguageModel

KEY = "sk-test-SECRET-never-shown-1234"
MESSAGES = (ChatMessage("system", "Write image prompts."), ChatMessage("user", "Spark: a fox"))


def completion(text: str, finish: str = "stop") -> dict:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def model_with(handler) -> OpenAILanguageModel:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return OpenAILanguageModel(
        model="m", base_url="http://fake.invalid/v1", api_key=KEY, max_retries=0, http_client=client
    )


def row(seed: int = 1, **kw) -> LMRequest:
    return LMRequest(messages=MESSAGES, seed=seed, **kw)


def test_sampling_parameters_and_seed_reach_the_server():
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        assert request.headers["authorization"] == f"Bearer {KEY}"
        return httpx.Response(200, json=completion(f"a fox {len(seen)}"))

    outputs = asyncio.run(
        model_with(handler).generate([row(7, temperature=0.3, top_p=0.8, max_new_tokens=20), row(8)], 5)
    )
    assert [o.text for o in outputs] == ["a fox 1", "a fox 2"] or len(outputs) == 2
    first = next(s for s in seen if s["seed"] == 7)
    assert first["model"] == "m" and first["temperature"] == 0.3 and first["top_p"] == 0.8
    assert first["max_tokens"] == 20 and first["stop"] == ["\n"]
    assert first["messages"][0] == {"role": "system", "content": "Write image prompts."}
    assert outputs[0].prompt_tokens == 11 and outputs[0].completion_tokens == 7


def test_prefill_is_requested_and_an_echo_is_stripped():
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=completion("a knight standing on a cliff"))

    out = asyncio.run(model_with(handler).generate([row(prefill="a knight standing")], 5))[0]
    assert out.text == " on a cliff"
    assert "Begin your answer with exactly: a knight standing" in bodies[0]["messages"][-1]["content"]


def test_length_cut_is_reported_unfinished():
    out = asyncio.run(
        model_with(lambda r: httpx.Response(200, json=completion("a", "length"))).generate([row()], 5)
    )[0]
    assert out.finished is False


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (500, UpstreamError, 502),
        (502, UpstreamError, 502),
        (503, UpstreamUnavailable, 503),
        (429, UpstreamUnavailable, 503),
        (401, UpstreamError, 502),
        (400, UpstreamError, 502),
        (504, UpstreamTimeout, 504),
    ],
)
def test_upstream_status_errors_map_to_5xx_problems(status, error, code, caplog):
    def handler(request):
        return httpx.Response(
            status, json={"error": {"message": f"bad key {KEY}", "type": "x"}}, headers={"retry-after": "3"}
        )

    caplog.set_level(logging.DEBUG)
    with pytest.raises(error) as info:
        asyncio.run(model_with(handler).generate([row()], 5))
    assert status_of(info.value) == code
    problem = json.dumps(problem_of(info.value))
    assert KEY not in problem and KEY not in caplog.text
    assert info.value.backend == "openai"


def test_malformed_body_is_a_502():
    with pytest.raises(UpstreamError) as info:
        asyncio.run(model_with(lambda r: httpx.Response(200, content=b"<html>oops")).generate([row()], 5))
    assert status_of(info.value) == 502


def test_empty_choices_is_a_502():
    body = completion("x")
    body["choices"] = []
    with pytest.raises(UpstreamError):
        asyncio.run(model_with(lambda r: httpx.Response(200, json=body)).generate([row()], 5))


def test_connection_refused_is_a_503():
    model = OpenAILanguageModel(model="m", base_url="http://127.0.0.1:9/v1", api_key=KEY, max_retries=0)
    with pytest.raises(UpstreamUnavailable):
        asyncio.run(model.generate([row()], 5))


class _SlowHandler(BaseHTTPRequestHandler):
    delay = 5.0

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        time.sleep(self.delay)
        body = json.dumps(completion("late")).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_slow_upstream_never_holds_the_request_past_the_deadline():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        model = OpenAILanguageModel(
            model="m", base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key=KEY, max_retries=0
        )
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout):
            asyncio.run(model.generate([row()], 0.5))
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()


def test_failing_upstream_through_the_api_is_a_problem_with_a_job(settings):
    from tests.conftest import make_client

    model = model_with(lambda r: httpx.Response(500, json={"error": {"message": "boom"}}))
    with make_client(settings, model) as client:
        response = client.post("/v1/generate/prompt", json={"prompt": "a fox"})
    assert response.status_code == 502
    body = response.json()
    assert body["backend"] == "openai" and body["jobId"].startswith("job_")
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_answer_that_does_not_echo_the_prefill_starts_a_new_word():
    out = asyncio.run(
        model_with(lambda r: httpx.Response(200, json=completion("on a windswept cliff"))).generate(
            [row(prefill="a knight standing")], 5
        )
    )[0]
    assert out.text == " on a windswept cliff"
