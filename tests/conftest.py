"""Shared fixtures. Fakes are built through the same registries and factories production uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app.server import create_app
from app.settings import Settings, load_settings
from models.lm.base import LanguageModel
from models.lm.scripted import ScriptedLanguageModel
from tests.pg import postgres_server  # noqa: F401  (fixture: the one Postgres of the session)
from tests.profiles import distributed_engines, profile, profile_settings  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
# The real model's safetensors cache is kept between runs (conversion costs ~20 s once).
MODEL_CACHE = Path(os.environ.get("PROMPTGEN_TEST_MODEL_CACHE", ROOT / ".data" / "models"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "load: bounded load tests on a real server process (-m 'not load' skips them)"
    )


@pytest.fixture
def settings(tmp_path: Path, profile_settings: dict[str, Any]) -> Settings:  # noqa: F811
    """The scripted language model in a data directory of the test's own, on the embedded
    profile, or the one `ON_EVERY_PROFILE` (tests/profiles.py) gives the test."""
    return load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="scripted", **profile_settings
    )


@pytest.fixture
def scripted() -> ScriptedLanguageModel:
    return ScriptedLanguageModel()


def make_client(settings: Settings, lm: LanguageModel | None = None) -> TestClient:
    return TestClient(app=create_app(settings, lm=lm), raise_server_exceptions=False, timeout=60)


def poll_readyz(client: TestClient, tries: int = 100) -> Any:
    """`/readyz` asked until it answers 200 or `tries` run out; its last answer."""
    for _ in range(tries):
        response = client.get("/readyz")
        if response.status_code == 200:
            break
    return response


@pytest.fixture
def client(settings: Settings, scripted: ScriptedLanguageModel) -> Iterator[TestClient]:
    with make_client(settings, scripted) as c:
        yield c


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer Llama with SmolLM2's real tokenizer and chat template (built offline)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from models.lm.local import embedded_gguf_path

    folder = tmp_path_factory.mktemp("tiny-llama")
    gguf = embedded_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    """The tiny Llama loaded by the local backend (float32, decoding kernels where they build),
    its linears routed through the lanes: what a decoding step runs on."""
    from models.lm.lanes import install_lanes
    from models.lm.local import LocalLanguageModel

    lm = LocalLanguageModel(model_path=str(tiny_model_dir), dtype="float32")
    lm.load_sync()
    install_lanes(lm._model)
    return lm._model


@pytest.fixture(scope="session")
def smollm_dir() -> Path:
    """The real embedded SmolLM2-135M, converted once into the test model cache."""
    from models.lm.local import convert_embedded_model

    return convert_embedded_model(MODEL_CACHE)
