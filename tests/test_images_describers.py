"""Image describers behind one interface: builtin analysis, an OpenAI-compatible vision model,
a local transformers model; chosen by configuration, cached per asset."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from app.errors import UpstreamError, UpstreamUnavailable, ValidationFailed
from app.images import ImageLimits, validate_data_url
from app.settings import load_settings
from models.describers import create_describer, registry
from models.describers.base import ImageDescriber, ImageDescription
from models.describers.builtin import BuiltinDescriber, color_name
from models.describers.local import LocalDescriber
from models.describers.openai import OpenAIDescriber
from tests import image_samples as samples
from tests.conftest import make_client


def validated(data: bytes, media: str = "image/png"):
    return asyncio.run(validate_data_url(samples.data_url(data, media), "image", ImageLimits()))


def describe(describer: ImageDescriber, data: bytes, note: str = "", media: str = "image/png"):
    return asyncio.run(describer.describe(validated(data, media), note))


def test_builtin_sees_the_warm_glow_and_colours_of_a_sunset():
    facts = describe(BuiltinDescriber(), samples.encode(samples.sunset()))
    assert "glow" in facts.lighting and "warm" in facts.lighting
    assert facts.orientation == "landscape" and facts.medium == "photograph"
    assert {"tangerine", "gold", "orange", "amber", "coral"} & set(facts.colors), facts.colors
    assert facts.palette.endswith("palette")


def test_builtin_sees_a_dark_cool_portrait_format_night_scene():
    facts = describe(BuiltinDescriber(), samples.encode(samples.night_city()))
    assert facts.brightness == "dark" and facts.orientation == "portrait"
    assert "night" in facts.lighting or "low" in facts.lighting
    assert {"navy", "black"} & set(facts.colors)


def test_builtin_tells_black_and_white_photographs_apart():
    facts = describe(BuiltinDescriber(), samples.photo("camera.png"))
    assert facts.medium == "black-and-white photograph" and facts.palette.startswith("monochrome")


def test_builtin_uses_the_stored_description_as_the_subject():
    facts = describe(BuiltinDescriber(), samples.photo("chelsea.png"), note="a tabby cat  resting")
    assert facts.subject == "a tabby cat resting" and facts.source == "builtin"
    assert facts.detail and facts.contrast


def test_builtin_decodes_jpeg_photographs():
    facts = describe(BuiltinDescriber(), samples.photo("rocket.jpg"), media="image/jpeg")
    assert facts.medium == "photograph" and facts.orientation == "landscape"


def test_colour_names_are_ordinary_words():
    assert color_name((250, 140, 20)) == "orange"
    assert color_name((18, 28, 80)) == "navy"
    assert color_name((246, 246, 244)) == "white"


def test_the_one_line_form_and_the_flat_copy_have_no_separators():
    facts = ImageDescription(
        subject="a red fox; in snow",
        medium="photograph",
        palette="white and rust palette",
        lighting="cool light",
    )
    text = facts.to_text()
    assert "\n" not in text and text.count(";") == 3
    flat = facts.flat()
    assert flat.subject == "a red fox, in snow" and flat.palette == facts.palette


def fake_vision_server(answer: str = "a tabby cat curled up on a wooden floor", status: int = 200):
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "nope"}})
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "vision",
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}
                ],
            },
        )

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), seen


def test_openai_describer_sends_the_image_as_a_data_url_and_adds_the_subject():
    client, seen = fake_vision_server('"A tabby cat curled up on a wooden floor."\nMore text')
    describer = OpenAIDescriber("vision-model", "http://vision.test/v1", "sk-test", http_client=client)
    facts = describe(describer, samples.photo("chelsea.png"), note="my cat")
    assert facts.subject == "A tabby cat curled up on a wooden floor" and facts.source == "openai"
    assert facts.palette and facts.lighting  # the measured facts are still there
    body = seen[0]
    assert body["model"] == "vision-model"
    parts = body["messages"][1]["content"]
    image_part = next(p for p in parts if p["type"] == "image_url")
    assert image_part["image_url"]["url"].startswith("data:image/")
    assert "my cat" in next(p for p in parts if p["type"] == "text")["text"]


def test_openai_describer_downscales_large_images_before_sending():
    client, seen = fake_vision_server()
    describer = OpenAIDescriber("m", "http://vision.test/v1", http_client=client)
    describe(describer, samples.encode(samples.sunset(1400, 900)))
    url = seen[0]["messages"][1]["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,") and len(url) < 300_000


@pytest.mark.parametrize(("status", "kind"), [(401, UpstreamError), (503, UpstreamUnavailable)])
def test_openai_describer_failures_are_upstream_errors_without_the_key(status, kind):
    client, _ = fake_vision_server(status=status)
    describer = OpenAIDescriber("m", "http://vision.test/v1", "sk-secret", max_retries=0, http_client=client)
    with pytest.raises(kind) as info:
        describe(describer, samples.encode(samples.sunset()))
    assert "sk-secret" not in info.value.detail


def test_local_describer_captions_with_a_tiny_model_built_offline(tmp_path):
    folder = build_tiny_captioner(tmp_path / "captioner")
    describer = LocalDescriber(str(folder), max_new_tokens=6)
    facts = describe(describer, samples.photo("chelsea.png"), note="fallback note")
    assert facts.source == "local" and describer.model_id == "captioner"
    assert facts.subject  # random weights write random words from the tiny vocabulary
    assert set(facts.subject.split()) <= set(TINY_VOCAB) or facts.subject == "fallback note"
    assert facts.palette and facts.lighting


def test_local_describer_uses_its_captioner():
    describer = LocalDescriber("unused", captioner=lambda image: f"a {image.width}px wide cat photo")
    facts = describe(describer, samples.photo("chelsea.png"))
    assert facts.subject == "a 451px wide cat photo"


def test_local_describer_without_a_model_folder_says_what_to_set():
    with pytest.raises(UpstreamUnavailable) as info:
        describe(LocalDescriber(""), samples.encode(samples.sunset()))
    assert "PROMPTGEN_DESCRIBER_MODEL" in info.value.detail


def test_the_describer_is_chosen_by_configuration():
    assert set(registry.names()) == {"builtin", "openai", "local"}
    assert isinstance(create_describer(load_settings(env={}, dotenv=None)), BuiltinDescriber)
    settings = load_settings(
        env={"PROMPTGEN_DESCRIBER": "openai", "PROMPTGEN_DESCRIBER_MODEL": "m1"}, dotenv=None
    )
    openai_describer = create_describer(settings)
    assert isinstance(openai_describer, OpenAIDescriber) and openai_describer.model_id == "m1"
    with pytest.raises(ValidationFailed) as info:
        create_describer(load_settings(env={"PROMPTGEN_DESCRIBER": "magic"}, dotenv=None))
    assert "builtin" in info.value.detail and "openai" in info.value.detail


class CountingDescriber(BuiltinDescriber):
    def __init__(self) -> None:
        self.calls = 0

    async def describe(self, image, note=""):
        self.calls += 1
        return await super().describe(image, note)


def test_descriptions_are_cached_per_asset_across_restarts(settings):
    photo = samples.data_url(samples.photo("coffee.png"))
    counting = CountingDescriber()
    body = {"mode": "contextual", "seed": 1}
    with make_client(settings) as client:
        client.app.state.images.reader.describer = counting
        asset = client.post("/v1/assets", json={"image": photo}).json()["asset"]["assetId"]
        for seed in (1, 2):
            assert (
                client.post("/v1/generate/prompt", json={**body, "seed": seed, "images": [asset]}).status_code
                == 200
            )
    assert counting.calls == 1
    with make_client(settings) as client:
        client.app.state.images.reader.describer = counting
        assert (
            client.post("/v1/generate/prompt", json={**body, "seed": 3, "images": [asset]}).status_code == 200
        )
    assert counting.calls == 1


class FailingDescriber(ImageDescriber):
    name = "openai"

    async def describe(self, image, note=""):
        raise UpstreamUnavailable("the vision server is down", backend="openai")


def test_a_failing_describer_falls_back_to_the_builtin_analysis_with_a_warning(settings, scripted):
    from litestar.testing import TestClient

    from app.server import create_app

    app = create_app(settings, lm=scripted, describer=FailingDescriber())
    with TestClient(app=app, raise_server_exceptions=False) as client:
        photo = samples.data_url(samples.encode(samples.sunset()))
        response = client.post(
            "/v1/generate/prompt", json={"mode": "contextual", "images": [photo], "seed": 1}
        )
    assert response.status_code == 200
    body = response.json()
    assert any("builtin analysis" in w for w in body["warnings"])
    assert "glow" in body["prompts"][0]


TINY_VOCAB = "<pad> <s> </s> <unk> a photo of the red cat sunset over sea warm light dog tree sky".split()


def build_tiny_captioner(folder):
    """A random ViT encoder + GPT-2 decoder with a 17-word vocabulary, saved like a hub model."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        GPT2Config,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
    )

    tokenizer = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(TINY_VOCAB)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    encoder = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    decoder = GPT2Config(
        vocab_size=len(TINY_VOCAB),
        n_positions=32,
        n_embd=32,
        n_layer=1,
        n_head=2,
        add_cross_attention=True,
        is_decoder=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = 1, 0, 2
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config)
    model.generation_config.decoder_start_token_id = 1
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 2
    model.generation_config.min_new_tokens = 3
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder
