"""POST /v1/images/generations: OpenAI's Images request and response, prompt-enhanced."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chain_helpers import assert_problem, chain_settings, client_for
from tests.fakes.image_providers import FakeOpenAI, FakeOpenRouter, png_bytes
from tests.profiles import with_profile

IMAGES = "/v1/images/generations"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, fake_openai: FakeOpenAI, profile_settings: dict[str, Any]) -> Iterator[Any]:
    settings = with_profile(chain_settings(tmp_path / "data", fake_openai.base_url), profile_settings)
    with client_for(settings) as c:
        yield c


def test_the_response_has_openai_shape_with_the_generated_prompt_as_revised_prompt(
    client: Any, fake_openai: FakeOpenAI
) -> None:
    response = client.post(IMAGES, json={"model": "gpt-image-1", "prompt": "a lighthouse", "n": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["created"], int) and len(body["data"]) == 2
    sent = sorted(call.json()["prompt"] for call in fake_openai.calls("POST", FakeOpenAI.GENERATIONS))
    revised = [entry["revised_prompt"] for entry in body["data"]]
    assert sorted(revised) == sent and all(
        p.lower().startswith("a lighthouse") and p != "a lighthouse" for p in revised
    )
    assert len(set(revised)) == 2  # one prompt per image
    for entry in body["data"]:
        assert base64.b64decode(entry["b64_json"]) == png_bytes(0)
        assert entry["asset_id"].startswith("asset_")
    assert body["promptgen"]["job_id"].startswith("job_") and body["promptgen"]["mode"] == "structured"


def test_prompt_mode_chooses_the_mode(client: Any) -> None:
    body = client.post(IMAGES, json={"prompt": "a lighthouse", "prompt_mode": "inventive"}).json()
    assert body["promptgen"]["mode"] == "inventive"


def test_prompt_mode_none_leaves_the_prompt_alone(client: Any, fake_openai: FakeOpenAI) -> None:
    body = client.post(IMAGES, json={"prompt": "a lighthouse", "prompt_mode": "none"}).json()
    assert body["data"][0]["revised_prompt"] == "a lighthouse"
    assert fake_openai.calls("POST", FakeOpenAI.GENERATIONS)[0].json()["prompt"] == "a lighthouse"


def test_response_format_url_links_the_stored_asset(client: Any) -> None:
    entry = client.post(IMAGES, json={"prompt": "a lighthouse", "response_format": "url"}).json()["data"][0]
    assert "b64_json" not in entry and entry["url"].startswith("http")
    assert client.get(entry["url"]).content == png_bytes(0)


def test_openai_fields_reach_the_backend(client: Any, fake_openai: FakeOpenAI) -> None:
    body = {
        "prompt": "a lighthouse",
        "size": "1024x1536",
        "quality": "low",
        "output_format": "png",
        "background": "opaque",
        "moderation": "low",
        "user": "user-1",
    }
    assert client.post(IMAGES, json=body).status_code == 200
    sent = fake_openai.calls("POST", FakeOpenAI.GENERATIONS)[0].json()
    assert (sent["size"], sent["quality"], sent["background"], sent["moderation"]) == (
        "1024x1536",
        "low",
        "opaque",
        "low",
    )


def test_a_bare_model_name_uses_the_configured_backend_and_provider_model_picks_one(
    tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    with FakeOpenRouter() as router:
        settings = chain_settings(
            tmp_path / "data", fake_openai.base_url, openrouter_base_url=router.base_url
        )
        with client_for(settings) as c:
            assert c.post(IMAGES, json={"prompt": "a fox", "model": "dall-e-3"}).status_code == 200
            assert (
                c.post(IMAGES, json={"prompt": "a fox", "model": "openrouter:some/model"}).status_code == 200
            )
        assert fake_openai.calls("POST", FakeOpenAI.GENERATIONS)[0].json()["model"] == "gpt-image-1"
        assert router.calls("POST", FakeOpenRouter.IMAGES)[0].json()["model"] == "some/model"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "a fox", "stream": True}, "stream"),
        ({"prompt": "a fox", "n": 0}, "n"),
        ({"prompt": "a fox", "size": "big"}, "size"),
        ({"prompt": "a fox", "prompt_mode": "poetic"}, "prompt_mode"),
        ({"prompt": "a fox", "style": 3}, "style"),
        ({"prompt": "a fox", "temperature": 1}, "temperature"),
        ({}, "prompt"),
    ],
)
def test_errors_are_problems_that_also_carry_openai_error_objects(
    client: Any, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(client.post(IMAGES, json=body), 400, field)
    assert problem["error"] == {
        "message": problem["detail"],
        "type": "invalid_request_error",
        "param": field,
        "code": "validation-error",
    }


# ---- enhance: false (issue 23, item 6): the rewrite is visible and can be switched off ------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"enhance": False}, {}),
        ({}, {"X-Promptgen-Enhance": "false"}),
        ({}, {"x-promptgen-enhance": "FALSE"}),
        ({"enhance": False, "prompt_mode": "none"}, {"X-Promptgen-Enhance": "false"}),
    ],
)
def test_enhance_false_sends_the_prompt_as_given(
    client: Any, fake_openai: FakeOpenAI, body: dict[str, Any], headers: dict[str, str]
) -> None:
    prompt = "a lighthouse, oil on canvas, (storm:1.3)"
    answer = client.post(IMAGES, json={"prompt": prompt, "n": 2, **body}, headers=headers).json()
    assert [entry["revised_prompt"] for entry in answer["data"]] == [prompt, prompt]
    assert answer["promptgen"]["mode"] == "none" and answer["promptgen"]["prompts"] == [prompt]
    assert [c.json()["prompt"] for c in fake_openai.calls("POST", FakeOpenAI.GENERATIONS)] == [prompt] * len(
        fake_openai.calls("POST", FakeOpenAI.GENERATIONS)
    )


def test_enhance_true_or_unset_rewrites(client: Any) -> None:
    for body, headers in (({"enhance": True}, {}), ({}, {"X-Promptgen-Enhance": "true"}), ({}, {})):
        answer = client.post(IMAGES, json={"prompt": "a lighthouse", **body}, headers=headers).json()
        assert answer["promptgen"]["mode"] == "structured"
        assert answer["data"][0]["revised_prompt"] != "a lighthouse"


def test_enhance_false_takes_a_prompt_longer_than_a_spark(client: Any) -> None:
    prompt = "a lighthouse on a cliff, " * 200  # 5000 characters: over the spark limit, under OpenAI's
    answer = client.post(IMAGES, json={"prompt": prompt, "enhance": False}).json()
    assert answer["data"][0]["revised_prompt"] == prompt.strip()


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"enhance": "false"}, {}, "enhance"),
        ({}, {"X-Promptgen-Enhance": "no"}, "X-Promptgen-Enhance"),
        ({"enhance": True}, {"X-Promptgen-Enhance": "false"}, "enhance"),
        ({"enhance": False, "prompt_mode": "inventive"}, {}, "prompt_mode"),
        ({"enhance": True, "prompt_mode": "none"}, {}, "prompt_mode"),
    ],
)
def test_enhance_that_cannot_be_read_or_contradicts_is_a_400(
    client: Any, body: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    response = client.post(IMAGES, json={"prompt": "a lighthouse", **body}, headers=headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["field"] == field and problem["error"]["param"] == field
