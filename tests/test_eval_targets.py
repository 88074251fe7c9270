"""Targets: HTTP through an httpx mock transport, and the in-process app on the scripted backend."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from eval.targets import HttpTarget, InProcessTarget, TargetError


def test_http_target_posts_the_body_and_returns_status_json_and_latency():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/readyz":
            return httpx.Response(200, json={"ready": True})
        seen["path"], seen["body"] = request.url.path, json.loads(request.content)
        seen["key"] = request.headers.get("x-api-key")
        return httpx.Response(200, json={"prompts": ["a fox"]})

    async def go():
        async with HttpTarget("http://svc", api_key="k1", transport=httpx.MockTransport(handler)) as target:
            return await target.generate({"mode": "structured", "prompt": "a fox"})

    status, body, latency = asyncio.run(go())
    assert (status, body) == (200, {"prompts": ["a fox"]}) and latency >= 0
    assert seen == {"path": "/v1/generate/prompt", "body": {"mode": "structured", "prompt": "a fox"}, "key": "k1"}


def test_http_errors_come_back_as_answers_and_transport_errors_raise():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/generate/prompt":
            return httpx.Response(422, json={"title": "Unprocessable", "detail": "numResults too big"})
        raise httpx.ConnectError("refused")

    async def go():
        target = HttpTarget("http://svc", transport=httpx.MockTransport(handler))
        answer = await target.generate({"numResults": 9})
        with pytest.raises(TargetError):
            await target.generate_image("a fox")
        return answer

    assert asyncio.run(go()).status == 422


def test_http_target_chains_images_through_the_openai_images_endpoint():
    png = b"\x89PNG tiny"

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert sent["response_format"] == "b64_json" and sent["prompt_mode"] == "none"
        return httpx.Response(200, json={"data": [{"b64_json": base64.b64encode(png).decode()}]})

    target = HttpTarget("http://svc", transport=httpx.MockTransport(handler))
    assert asyncio.run(target.generate_image("a fox")) == png


def test_in_process_target_runs_the_app_with_the_chosen_backend(tmp_path):
    pytest.importorskip("app.server")

    async def go():
        async with InProcessTarget({"lm_backend": "scripted", "data_dir": str(tmp_path)}) as target:
            return await target.generate({"mode": "completion", "prompt": "a red fox", "numResults": 2, "seed": 1})

    status, body, _ = asyncio.run(go())
    assert status == 200 and len(body["prompts"]) == 2
    assert all(p.startswith("a red fox") for p in body["prompts"])
