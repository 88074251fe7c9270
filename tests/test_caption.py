"""`POST /v1/generate/caption`: captions for `images`, in order."""

from __future__ import annotations

import pytest

from tests import image_samples as samples


def caption(client, **body):
    return client.post("/v1/generate/caption", json=body)


def test_captions_come_back_in_order_with_a_job(client):
    cat = client.post(
        "/v1/assets",
        json={"image": samples.data_url(samples.photo("chelsea.png")), "description": "a tabby cat"},
    ).json()["asset"]["assetId"]
    sunset = samples.data_url(samples.encode(samples.sunset()))
    response = caption(client, images=[cat, sunset])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["captions"][0] == "a tabby cat"
    assert body["captions"][1].startswith("a photograph in ")
    assert body["job"]["jobType"] == "caption" and body["job"]["status"] == "success"
    assert body["job"]["metadata"]["output"]["captions"] == body["captions"]
    assert client.get(f"/v1/jobs/{body['job']['jobId']}").json() == body["job"]


def test_action_plus_style_adds_light_palette_and_detail(client):
    sunset = samples.data_url(samples.encode(samples.sunset()))
    action = caption(client, images=[sunset]).json()["captions"][0]
    styled = caption(client, images=[sunset], detailsLevel="action+style").json()["captions"][0]
    assert "glow" in styled and "palette" in styled and len(styled) > len(action)


def test_a_style_model_lends_its_style_phrase(client):
    model = client.post(
        "/v1/models",
        json={"name": "ink", "examplePrompts": ["a crane over water, ink and wash illustration"]},
    ).json()["model"]
    photo = samples.data_url(samples.photo("astronaut.png"))
    text = caption(client, images=[photo], detailsLevel="action+style", modelId=model["modelId"]).json()[
        "captions"
    ]
    assert "ink and wash illustration" in text[0]


def test_unwanted_sequences_are_cut_out(client):
    sunset = samples.data_url(samples.encode(samples.sunset()))
    text = caption(
        client, images=[sunset], detailsLevel="action+style", unwantedSequences=["palette", "GLOW"]
    ).json()
    assert "palette" not in text["captions"][0] and "glow" not in text["captions"][0].lower()
    assert ", ," not in text["captions"][0]


def test_ensure_ip_cleared_runs_the_ip_filter(client):
    asset = client.post(
        "/v1/assets",
        json={
            "image": samples.data_url(samples.photo("astronaut.png")),
            "description": "Mickey Mouse waving",
        },
    ).json()["asset"]["assetId"]
    plain = caption(client, images=[asset]).json()
    cleared = caption(client, images=[asset], ensureIPCleared=True).json()
    assert "Mickey" in plain["captions"][0] and "ipDetection" not in plain
    assert "Mickey" not in cleared["captions"][0]
    assert cleared["ipDetection"]["action"] == "flagged"


def test_sampling_fields_are_accepted_and_recorded(client):
    sunset = samples.data_url(samples.encode(samples.sunset()))
    body = caption(client, images=[sunset], seed=7, temperature=0.3, topP=0.8).json()
    assert body["job"]["metadata"]["input"]["seed"] == 7


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"images": []},
        {"images": "data:image/png;base64,AAAA"},
        {"images": ["x"], "detailsLevel": "everything"},
        {"images": ["x"], "ensureIPCleared": "true"},
        {"images": ["x"], "seed": -1},
        {"images": ["x"], "colour": 1},
    ],
)
def test_bad_requests_are_400(client, body):
    assert caption(client, **body).status_code == 400


def test_a_broken_image_is_a_4xx_naming_it(client):
    good = samples.data_url(samples.encode(samples.sunset()))
    response = caption(client, images=[good, samples.data_url(samples.truncated_jpeg(), "image/jpeg")])
    assert response.status_code == 400 and response.json()["field"] == "images[1]"
    assert response.json()["jobId"].startswith("job_")
