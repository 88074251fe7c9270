"""Assets: upload (JSON data URL or multipart), metadata, content, delete; kept across restarts;
every broken image is a 4xx problem that says what is wrong. On every deployment profile
(tests/profiles.py): the embedded one, and Postgres + S3 (moto) + SAQ on Redis."""

from __future__ import annotations

import json

import pytest

from tests import image_samples as samples
from tests.conftest import make_client
from tests.profiles import ON_EVERY_PROFILE

pytestmark = ON_EVERY_PROFILE
PROBLEM = "application/problem+json"


def upload(client, data: bytes, media: str = "image/png", **fields):
    return client.post("/v1/assets", json={"image": samples.data_url(data, media), **fields})


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def test_uploading_a_photo_returns_an_asset_id_and_its_metadata(client):
    response = upload(client, samples.photo("astronaut.png"), name="astronaut", description="an astronaut")
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert asset["assetId"].startswith("asset_")
    assert asset["name"] == "astronaut" and asset["description"] == "an astronaut"
    assert (asset["mediaType"], asset["width"], asset["height"]) == ("image/png", 512, 512)
    assert asset["url"] == f"/v1/assets/{asset['assetId']}/content"
    assert client.get(f"/v1/assets/{asset['assetId']}").json() == {"asset": asset}


def test_the_content_downloads_byte_for_byte(client):
    photo = samples.photo("rocket.jpg")
    asset = upload(client, photo, "image/jpeg").json()["asset"]
    content = client.get(asset["url"])
    assert content.status_code == 200 and content.content == photo
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["etag"] == f'"{asset["sha256"]}"'


def test_multipart_upload_takes_a_file_part_and_optional_fields(client):
    photo = samples.photo("coffee.png")
    response = client.post(
        "/v1/assets",
        files={"file": ("coffee.png", photo, "image/png")},
        data={"description": "a cup of coffee on a saucer"},
    )
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert asset["name"] == "coffee.png" and asset["description"] == "a cup of coffee on a saucer"
    assert client.get(asset["url"]).content == photo


def test_multipart_upload_without_a_content_type_is_identified_by_its_bytes(client):
    response = client.post(
        "/v1/assets", files={"file": ("x", samples.photo("rocket.jpg"), "application/octet-stream")}
    )
    assert response.status_code == 201 and response.json()["asset"]["mediaType"] == "image/jpeg"


def test_delete_removes_the_asset_and_its_content(client):
    asset = upload(client, samples.encode(samples.sunset())).json()["asset"]
    assert client.delete(f"/v1/assets/{asset['assetId']}").status_code == 204
    assert_problem(client.get(f"/v1/assets/{asset['assetId']}"), 404)
    assert_problem(client.get(asset["url"]), 404)
    assert_problem(client.delete(f"/v1/assets/{asset['assetId']}"), 404)


def test_assets_survive_a_restart(settings):
    photo = samples.photo("chelsea.png")
    with make_client(settings) as client:
        asset = upload(client, photo, name="cat").json()["asset"]
    with make_client(settings) as client:
        assert client.get(f"/v1/assets/{asset['assetId']}").json()["asset"] == asset
        assert client.get(asset["url"]).content == photo


def test_an_unknown_asset_is_a_404_naming_it(client):
    body = assert_problem(client.get("/v1/assets/asset_nope"), 404)
    assert "asset_nope" in body["detail"]


@pytest.mark.parametrize(
    ("make", "media", "status", "words"),
    [
        (lambda: samples.png_bomb(20000, 20000), "image/png", 413, "megapixels"),
        (samples.gif, "image/png", 415, "GIF"),
        (samples.truncated_jpeg, "image/jpeg", 400, "truncated"),
        (lambda: samples.animated("PNG"), "image/png", 400, "animated"),
        (lambda: samples.encode(samples.sunset(), "JPEG"), "image/png", 400, "image/jpeg"),
    ],
    ids=["bomb", "gif-renamed-png", "truncated-jpeg", "animated-png", "type-mismatch"],
)
def test_broken_images_are_4xx_problems_that_say_what_is_wrong(client, make, media, status, words):
    body = assert_problem(upload(client, make(), media), status, field="image")
    assert words in body["detail"]


def test_a_non_base64_data_url_is_a_400(client):
    response = client.post("/v1/assets", json={"image": "data:image/png;base64,%%%not-base64%%%"})
    assert "base64" in assert_problem(response, 400, field="image")["detail"]


def test_broken_multipart_files_are_refused_the_same_way(client):
    response = client.post("/v1/assets", files={"file": ("a.png", samples.gif(), "image/png")})
    assert "GIF" in assert_problem(response, 415, field="file")["detail"]
    bomb = client.post("/v1/assets", files={"file": ("b.png", samples.png_bomb(), "image/png")})
    assert_problem(bomb, 413, field="file")


def test_multipart_needs_exactly_one_file_and_no_unknown_fields(client):
    assert_problem(client.post("/v1/assets", files={"name": (None, "x")}), 400, field="file")
    response = client.post(
        "/v1/assets",
        files={"file": ("a.png", samples.photo("astronaut.png"), "image/png")},
        data={"colour": "red"},
    )
    assert_problem(response, 400, field="colour")


def test_json_uploads_are_decoded_strictly(client):
    photo = samples.data_url(samples.photo("astronaut.png"))
    assert_problem(client.post("/v1/assets", json={"image": photo, "tags": ["x"]}), 400, field="tags")
    assert_problem(client.post("/v1/assets", json={"image": 5}), 400, field="image")
    assert_problem(client.post("/v1/assets", json={"image": "asset_abc"}), 400, field="image")


def test_other_content_types_are_415(client):
    response = client.post("/v1/assets", content=b"\x89PNG", headers={"content-type": "image/png"})
    assert "multipart/form-data" in assert_problem(response, 415)["detail"]


def test_uploaded_assets_are_usable_as_images_and_image(client):
    asset = upload(client, samples.encode(samples.sunset())).json()["asset"]["assetId"]
    contextual = client.post("/v1/generate/prompt", json={"mode": "contextual", "images": [asset], "seed": 1})
    editing = client.post(
        "/v1/generate/prompt",
        json={"mode": "image-editing", "image": asset, "prompt": "add a boat", "seed": 1},
    )
    assert contextual.status_code == 200 and editing.status_code == 200, editing.text
    job = contextual.json()["job"]
    assert job["metadata"]["input"]["images"] == [asset]


@pytest.mark.parametrize("field", ["images", "assetIds"])
def test_an_unknown_asset_in_a_prompt_request_is_a_404_naming_it(client, field):
    response = client.post(
        "/v1/generate/prompt",
        content=json.dumps({"mode": "contextual", field: ["asset_missing"]}),
        headers={"content-type": "application/json"},
    )
    body = assert_problem(response, 404, field=f"{field}[0]")
    assert "asset_missing" in body["detail"] and body["jobId"].startswith("job_")
