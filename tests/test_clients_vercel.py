"""The Vercel AI SDK (`ai` + `@ai-sdk/openai-compatible`), unchanged, calling this service's
`POST /v1/images/generations` from Node through `generateImage` (tests/node/generate_image.mjs).

`make test` installs the SDK with `npm ci` in tests/node; without node or that install the
tests are skipped, saying so.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.server import create_app
from benchmarks.common import LiveServer
from models.lm.scripted import ScriptedLanguageModel
from tests.chain_helpers import chain_settings
from tests.fakes.image_providers import FakeOpenAI, png_bytes

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "generate_image.mjs"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(
        NODE is None, reason="node is not installed: the Vercel AI SDK client test needs Node 18+"
    ),
    pytest.mark.skipif(
        not (NODE_DIR / "node_modules" / "ai").is_dir()
        or not (NODE_DIR / "node_modules" / "@ai-sdk" / "openai-compatible").is_dir(),
        reason="the Vercel AI SDK is not installed: run `npm ci` in tests/node",
    ),
]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def generate(server: LiveServer, *args: str) -> tuple[int, dict[str, Any]]:
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(SCRIPT), server.url, *args], capture_output=True, text=True, timeout=60, cwd=NODE_DIR
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output from node (exit {done.returncode}): {done.stderr[-2000:]}"
    return done.returncode, json.loads(lines[-1])


def test_generate_image_gets_images_from_this_service(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as server:
        code, result = generate(server)
    assert code == 0, result
    assert len(result["images"]) == 2
    for image in result["images"]:
        assert image["mediaType"] == "image/png" and base64.b64decode(image["base64"]) == png_bytes(0)
    assert result["modelId"] == "gpt-image-1"
    sent = [call.json() for call in fake_openai.calls("POST", FakeOpenAI.GENERATIONS)]
    assert all(call["prompt"].lower().startswith("a lighthouse in a storm") for call in sent)
    assert all(call["prompt"] != "a lighthouse in a storm" for call in sent)  # enhanced


def test_provider_options_choose_the_prompt_mode(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as server:
        code, result = generate(server, "gpt-image-1", "none")
    assert code == 0, result
    assert [call.json()["prompt"] for call in fake_openai.calls("POST", FakeOpenAI.GENERATIONS)] == [
        "a lighthouse in a storm"
    ]


def test_an_error_reaches_the_sdk_with_its_message(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    settings = chain_settings(tmp_path / "data", fake_openai.base_url)
    with LiveServer(create_app(settings, lm=ScriptedLanguageModel())) as server:
        code, result = generate(server, "midjourney:v6")
    assert code == 1
    assert result["error"]["statusCode"] == 400 and "midjourney" in result["error"]["message"]
