"""Style models: registered with training images (asset ids), example prompts and notes; a
request's `modelId` conditions generation with them unless `images`/`assetIds` supersede it."""

from __future__ import annotations

import pytest

from tests import image_samples as samples

EXAMPLES = [
    "a harbor at dusk, watercolor illustration, soft light",
    "an old mill by a river, watercolor illustration",
]


def upload(client, image) -> str:
    return client.post("/v1/assets", json={"image": samples.data_url(samples.encode(image))}).json()["asset"][
        "assetId"
    ]


def register(client, **body):
    return client.post("/v1/models", json=body)


@pytest.fixture
def style_model(client) -> dict:
    sunset = upload(client, samples.sunset())
    response = register(
        client,
        name="Dusk",
        trainingImages=[sunset],
        examplePrompts=EXAMPLES,
        capabilities="landscapes at dusk",
    )
    assert response.status_code == 201, response.text
    return response.json()["model"]


def test_a_style_model_is_registered_listed_and_read_back(client, style_model):
    assert style_model["modelId"].startswith("model_")
    assert style_model["name"] == "Dusk" and style_model["examplePrompts"] == EXAMPLES
    assert style_model["capabilities"] == "landscapes at dusk" and style_model["status"] == "ready"
    assert client.get(f"/v1/models/{style_model['modelId']}").json() == {"model": style_model}
    assert style_model in client.get("/v1/models").json()["models"]


def test_an_unknown_training_image_is_a_404_naming_it(client):
    response = register(client, name="x", trainingImages=["asset_gone"])
    assert response.status_code == 404 and "asset_gone" in response.json()["detail"]
    assert response.json()["field"] == "trainingImages[0]"


def test_a_style_model_needs_training_images_or_example_prompts(client):
    response = register(client, name="empty")
    assert response.status_code == 400 and response.json()["field"] == "trainingImages"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "examplePrompts": "one"},
        {"name": "x", "trainingImages": [1]},
        {"name": "x", "extra": 1},
    ],
)
def test_registration_is_decoded_strictly(client, body):
    assert register(client, **body).status_code == 400


def test_an_unknown_model_is_a_404_naming_it(client):
    response = client.get("/v1/models/model_nope")
    assert response.status_code == 404 and "model_nope" in response.json()["detail"]
    prompt = client.post("/v1/generate/prompt", json={"prompt": "a boat", "modelId": "model_nope"})
    assert prompt.status_code == 404 and prompt.json()["field"] == "modelId"


def system_prompt(scripted) -> str:
    return scripted.calls[-1][0].messages[0].content


def test_model_id_conditions_structured_prompts_with_training_images_and_examples(
    client, scripted, style_model
):
    response = client.post(
        "/v1/generate/prompt", json={"prompt": "a castle", "modelId": style_model["modelId"]}
    )
    assert response.status_code == 200 and response.json()["warnings"] == []
    system = system_prompt(scripted)
    assert "Reference images:" in system and "glow" in system  # the training image, described
    assert EXAMPLES[0] in system


def test_model_id_sets_the_style_of_contextual_prompts(client, style_model):
    photo = upload(client, samples.night_city())
    body = {
        "mode": "contextual",
        "images": [photo],
        "modelId": style_model["modelId"],
        "numResults": 2,
        "seed": 4,
    }
    prompts = client.post("/v1/generate/prompt", json=body).json()["prompts"]
    assert all("watercolor illustration" in p for p in prompts), prompts


@pytest.mark.parametrize("field", ["images", "assetIds"])
def test_images_and_asset_ids_supersede_the_model_id(client, scripted, style_model, field):
    photo = upload(client, samples.night_city())
    body = {"prompt": "a castle", "modelId": style_model["modelId"], field: [photo]}
    response = client.post("/v1/generate/prompt", json=body)
    assert response.status_code == 200
    assert any("supersede" in w for w in response.json()["warnings"])
    assert EXAMPLES[0] not in system_prompt(scripted)


def test_asset_ids_supersede_the_model_id_in_contextual_mode_too(client, style_model):
    photo = upload(client, samples.night_city())
    body = {"mode": "contextual", "assetIds": [photo], "modelId": style_model["modelId"], "seed": 2}
    response = client.post("/v1/generate/prompt", json=body).json()
    assert any("supersede" in w for w in response["warnings"])
    assert "watercolor" not in response["prompts"][0]


def test_a_deleted_training_image_is_skipped_with_a_warning(client):
    asset = upload(client, samples.sunset())
    model = register(client, name="m", trainingImages=[asset], examplePrompts=EXAMPLES).json()["model"]
    client.delete(f"/v1/assets/{asset}")
    response = client.post("/v1/generate/prompt", json={"prompt": "a castle", "modelId": model["modelId"]})
    assert response.status_code == 200 and any(asset in w for w in response.json()["warnings"])
