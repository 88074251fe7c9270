"""Every check a request can fail runs before any image is decoded, described or a job made."""

from __future__ import annotations

import base64

BROKEN_PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


def test_a_bad_editor_is_refused_before_the_image_is_read(client):
    body = client.post(
        "/v1/generate/prompt",
        json={"mode": "image-editing-prompt", "image": BROKEN_PNG, "modelId": "dall-e-2", "prompt": "night"},
    ).json()
    # The broken image would be a 400 naming `image`; the editor is checked first.
    assert body["status"] == 400 and body["field"] == "modelId"
    assert "jobId" not in body  # a failure after the job exists names it


def test_a_missing_image_is_refused_before_a_job_exists(client):
    for mode, field in (("contextual", "images"), ("image-editing-prompt", "image")):
        body = client.post("/v1/generate/prompt", json={"mode": mode, "prompt": "a fox"}).json()
        assert body["status"] == 400 and body["field"] == field and "jobId" not in body, body


def test_the_image_is_still_checked_when_the_request_is_otherwise_valid(client):
    body = client.post(
        "/v1/generate/prompt",
        json={"mode": "image-editing-prompt", "image": BROKEN_PNG, "modelId": "flux-kontext", "prompt": "night"},
    ).json()
    assert body["status"] == 400 and body["field"] == "image" and body["jobId"]
