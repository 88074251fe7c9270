"""A new mode or image backend is its class, one registration line and its tests: a throwaway
mode and backend (tests/throwaway.py), registered and unregistered here, reach every place the
service, the playground and the evaluation read modes and backends from.

What is read at each use is checked in this process; what is built when the service's modules
are first imported (the wire enum of modes, hence request validation and the OpenAPI
document, and eval's mode lists) in a fresh interpreter that registers them first, as a
registration line in `modes/__init__.py` or `models/image/__init__.py` would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import modes
from app.conditioning import USES_CONDITIONING
from app.settings import SECRET_FIELDS, load_settings
from eval.summary import _mode_order
from models.image import create_image_model
from models.image import registry as image_backends
from models.image.base import ImageOptions
from models.image.config import ImageBackendConfig
from tests import throwaway
from tests.conftest import make_client

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def registered() -> Iterator[None]:
    throwaway.register()
    try:
        yield
    finally:
        throwaway.unregister()


def test_a_registered_mode_is_found_by_name_and_alias_and_offered_by_the_playground(
    registered: None, tmp_path: Path
) -> None:
    assert modes.registry.get(throwaway.ALIAS) is throwaway.HaikuSceneMode
    assert modes.registry.canonical(throwaway.ALIAS) == throwaway.MODE
    assert modes.registry.wire_names()[-2:] == (throwaway.MODE, throwaway.ALIAS)
    assert throwaway.MODE in USES_CONDITIONING  # its `images = "condition"`
    assert _mode_order(throwaway.MODE) == _mode_order(throwaway.ALIAS) - 1 > _mode_order("image-editing")
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted")
    with make_client(settings) as client:
        config = client.get("/playground/config").json()
    assert config["modes"][-1] == throwaway.MODE
    [details] = [m for m in config["modeDetails"] if m["name"] == throwaway.MODE]
    assert details["title"] == "Haiku scene" and details["summary"] == "a season for the spark"
    assert details["needsSpark"] is True and details["images"] == "condition" and details["editors"] == []


def test_an_unregistered_mode_is_gone() -> None:
    throwaway.register()
    throwaway.unregister()
    assert throwaway.MODE not in modes.registry and throwaway.ALIAS not in modes.registry
    assert throwaway.MODE not in modes.registry.wire_names() and throwaway.MODE not in USES_CONDITIONING


def test_a_registered_backend_brings_its_settings_and_secret(registered: None) -> None:
    env = {"PROMPTGEN_ACME_API_KEY": "sk-acme-secret", "PROMPTGEN_ACME_STEPS": "12"}
    settings = load_settings(env=env, dotenv=None)
    assert settings.acme_api_key == "sk-acme-secret" and settings.acme_steps == 12
    assert settings.acme_base_url == ""  # empty: the backend's own default
    assert "acme_api_key" in SECRET_FIELDS and "acme_base_url" not in SECRET_FIELDS
    masked = settings.masked()
    assert masked["acme_api_key"] == "***" and masked["acme_steps"] == 12 and "backend_settings" not in masked

    config = ImageBackendConfig.from_settings(settings)
    assert config.acme_api_key == "sk-acme-secret" and config.acme_steps == 12
    assert config.acme_base_url == "https://acme.example/v1"
    assert config.secrets() == ("sk-acme-secret",)  # redacted from every provider error
    assert "sk-acme-secret" not in repr(config) and config.masked()["acme_api_key"] == "***"
    assert image_backends.classes()[-1] is throwaway.AcmeImageModel
    assert throwaway.AcmeImageModel.key_env_var == "PROMPTGEN_ACME_API_KEY"

    backend = create_image_model("acme:m1", config)
    assert isinstance(backend, throwaway.AcmeImageModel) and backend.model_id == "m1"
    result = asyncio.run(backend.generate(ImageOptions(prompt="a fox", n=3), 10))
    assert len(result.images) == 3

    with pytest.raises(SystemExit, match="acme_steps"):
        load_settings(env={"PROMPTGEN_ACME_STEPS": "many"}, dotenv=None)


def test_an_unregistered_backend_takes_its_settings_along() -> None:
    throwaway.register()
    throwaway.unregister()
    settings = load_settings(env={"PROMPTGEN_ACME_API_KEY": "sk-acme-secret"}, dotenv=None)
    assert "acme_api_key" not in SECRET_FIELDS and "acme_api_key" not in settings.masked()
    with pytest.raises(AttributeError):
        _ = settings.acme_api_key
    with pytest.raises(TypeError, match="acme_api_key"):
        ImageBackendConfig(acme_api_key="x")
    assert "acme" not in image_backends


# Registered before any module of the service is imported, as a registration line would be.
SCRIPT = """
import json
from tests import throwaway
throwaway.register()

import msgspec
from litestar.testing import TestClient

from app.chain_protocol import PromptGeneration
from app.protocol import GeneratePromptRequest, decode_strict
from app.server import create_app
from app.settings import load_settings
from eval.cases import ALL_MODES, IMAGE_MODES, TEXT_MODES
from models.lm.scripted import ScriptedLanguageModel

out = {
    "eval": {"all": ALL_MODES, "text": TEXT_MODES, "image": IMAGE_MODES},
    "decoded": decode_strict(b'{"mode": "haiku", "prompt": "a fox"}', GeneratePromptRequest).mode,
    "chain": msgspec.convert({"mode": "haiku-scene"}, PromptGeneration).mode,
}
env = {"PROMPTGEN_IMAGE_BACKEND": "acme:m1", "PROMPTGEN_ACME_API_KEY": "sk-acme-secret"}
settings = load_settings(env=env, dotenv=None, data_dir=DATA_DIR, lm_backend="scripted")
with TestClient(app=create_app(settings, lm=ScriptedLanguageModel()), timeout=60) as client:
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]
    out["enum"] = schema["GeneratePromptRequest"]["properties"]["mode"]["enum"]
    out["chain_enum"] = schema["PromptGeneration"]["properties"]["mode"]["enum"]
    prompt = client.post("/v1/generate/prompt", json={"mode": "haiku", "prompt": "a fox", "seed": 1})
    out["prompt"] = [prompt.status_code, prompt.json()]
    unknown = client.post("/v1/generate/prompt", json={"mode": "sonnet", "prompt": "a fox"})
    out["unknown"] = [unknown.status_code, unknown.json()]
    body = {"prompt": "a fox", "promptGeneration": {"mode": "haiku-scene", "seed": 2}}
    image = client.post("/v1/generate/image", json=body)
    out["image"] = [image.status_code, image.text]
    out["config"] = client.get("/playground/config").json()["modes"]
print(json.dumps(out))
"""


def test_a_mode_and_backend_registered_at_start_reach_the_wire_types_and_eval(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = SCRIPT.replace("DATA_DIR", repr(str(tmp_path / "data")))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    mode, alias = throwaway.MODE, throwaway.ALIAS

    assert mode in out["eval"]["all"] and mode in out["eval"]["text"] and mode not in out["eval"]["image"]
    assert out["decoded"] == alias and out["chain"] == mode
    assert {mode, alias} <= set(out["enum"]) and {mode, alias, "none"} <= set(out["chain_enum"])
    assert out["config"][-1] == mode

    status, body = out["prompt"]
    assert status == 200, body
    assert body["mode"] == alias and body["prompts"] == ["a fox, in spring, haiku mood"]
    status, problem = out["unknown"]
    assert status == 400 and problem["field"] == "mode"

    status, text = out["image"]
    assert status == 200, text
    result = json.loads(text)
    assert result["prompts"] == ["a fox, in spring, haiku mood"] and len(result["images"]) == 1
    assert "sk-acme-secret" not in text
