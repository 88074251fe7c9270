"""The official `openai` Python package, unchanged, against this service on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from app.server import create_app
from benchmarks.common import LiveServer
from models.lm.scripted import ScriptedLanguageModel
from tests.chain_helpers import chain_settings
from tests.fakes.image_providers import FakeOpenAI, closed_port_url, png_bytes


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def serve(tmp_path: Path, provider_url: str) -> LiveServer:
    settings = chain_settings(tmp_path / "data", provider_url)
    return LiveServer(create_app(settings, lm=ScriptedLanguageModel()))


def client_of(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="sk-unused", max_retries=0, timeout=30)


def test_the_openai_client_gets_prompt_enhanced_images(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    with serve(tmp_path, fake_openai.base_url) as server:
        result = client_of(server).images.generate(
            model="gpt-image-1", prompt="a lighthouse in a storm", n=2, size="1024x1024"
        )
    assert len(result.data) == 2
    for image in result.data:
        assert image.b64_json is not None and base64.b64decode(image.b64_json) == png_bytes(0)
        assert image.revised_prompt and image.revised_prompt.lower().startswith("a lighthouse in a storm")
    sent = sorted(call.json()["prompt"] for call in fake_openai.calls("POST", FakeOpenAI.GENERATIONS))
    assert sent == sorted(image.revised_prompt for image in result.data)


def test_the_extension_field_rides_in_extra_body(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    with serve(tmp_path, fake_openai.base_url) as server:
        result = client_of(server).images.generate(
            model="gpt-image-1", prompt="a lighthouse", extra_body={"prompt_mode": "none"}
        )
    assert result.data[0].revised_prompt == "a lighthouse"


def test_a_bad_request_is_an_openai_bad_request_error_with_its_message(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    with serve(tmp_path, fake_openai.base_url) as server, pytest.raises(openai.BadRequestError) as info:
        client_of(server).images.generate(model="gpt-image-1", prompt="a lighthouse", n=11)
    assert info.value.status_code == 400
    assert info.value.param == "n" and "n" in info.value.message


def test_a_provider_that_is_down_is_a_502_the_client_reports(tmp_path: Path) -> None:
    with serve(tmp_path, closed_port_url() + "/v1") as server, pytest.raises(openai.APIStatusError) as info:
        client_of(server).images.generate(model="gpt-image-1", prompt="a lighthouse")
    assert info.value.status_code == 502 and "openai" in info.value.message
