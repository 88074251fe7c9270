"""The HTTP contract of POST /v1/generate/prompt and GET /v1/jobs/{jobId} (README.md, "The API"),
on every deployment profile (tests/profiles.py): embedded, and distributed on real engines."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from tests.profiles import ON_EVERY_PROFILE

pytestmark = ON_EVERY_PROFILE
PROBLEM = "application/problem+json"


def post(client, body, **kwargs):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/v1/generate/prompt", content=data, headers={"content-type": "application/json"}, **kwargs
    )


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://promptgen.dev/problems/")
    assert body["title"] and body["detail"]
    if field is not None:
        assert body["field"] == field or body["field"].startswith(field + "["), body
    return body


def test_minimal_request_returns_one_prompt_with_job_usage_and_warnings(client):
    response = post(client, {"prompt": "a lighthouse in a storm"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"prompts", "mode", "job", "usage", "warnings"}
    assert body["mode"] == "structured"
    assert len(body["prompts"]) == 1 and body["prompts"][0].startswith("a lighthouse in a storm")
    assert "ipDetection" not in body
    job = body["job"]
    assert job["jobId"].startswith("job_")
    assert job["jobType"] == "generate-prompt"
    assert job["status"] == "success" and job["progress"] == 1
    assert [h["status"] for h in job["statusHistory"]] == ["in-progress", "success"]
    assert job["metadata"]["input"]["prompt"] == "a lighthouse in a storm"
    assert job["metadata"]["output"]["prompts"] == body["prompts"]
    assert job["createdAt"].endswith("Z") and job["updatedAt"].endswith("Z")
    assert body["usage"]["backend"] == "scripted" and body["usage"]["modelCalls"] >= 1


def test_job_record_is_readable_by_id(client):
    job = post(client, {"prompt": "a fox", "seed": 3}).json()["job"]
    fetched = client.get(f"/v1/jobs/{job['jobId']}")
    assert fetched.status_code == 200
    assert fetched.json() == job


def test_unknown_job_is_a_404_problem_naming_it(client):
    body = assert_problem(client.get("/v1/jobs/job_doesnotexist"), 404)
    assert "job_doesnotexist" in body["detail"]


@pytest.mark.parametrize("n", [1, 3, 5])
def test_num_results_is_honoured(client, n):
    prompts = post(client, {"prompt": "a castle", "numResults": n, "seed": 1}).json()["prompts"]
    assert len(prompts) == n and len(set(prompts)) == n


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_each_text_mode_is_answered_in_its_own_name(client, mode):
    body = post(client, {"prompt": "a red bicycle", "mode": mode, "numResults": 2, "seed": 9}).json()
    assert body["mode"] == mode and len(body["prompts"]) == 2


def test_same_seed_same_prompts(client):
    request = {"prompt": "a desert caravan", "numResults": 3, "seed": 1234, "temperature": 0.9, "topP": 0.8}
    assert post(client, request).json()["prompts"] == post(client, request).json()["prompts"]


def test_seed_is_reported_so_an_unseeded_result_can_be_reproduced(client):
    first = post(client, {"prompt": "a glass whale", "numResults": 2}).json()
    seed = first["usage"]["seed"]
    again = post(client, {"prompt": "a glass whale", "numResults": 2, "seed": seed}).json()
    assert again["prompts"] == first["prompts"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("numResults", 1),
        ("numResults", 5),
        ("temperature", 0),
        ("temperature", 2),
        ("temperature", 1.5),
        ("topP", 0),
        ("topP", 1),
        ("seed", 0),
        ("seed", 2**32 - 1),
        ("ensureIPCleared", False),
    ],
)
def test_boundary_values_are_accepted(client, field, value):
    assert post(client, {"prompt": "a tree", field: value}).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("numResults", 0),
        ("numResults", 6),
        ("numResults", "2"),
        ("numResults", 2.5),
        ("numResults", True),
        ("temperature", -0.1),
        ("temperature", 2.01),
        ("temperature", "1"),
        ("topP", 1.5),
        ("topP", -1),
        ("topP", "0.5"),
        ("seed", -1),
        ("seed", 2**32),
        ("seed", "7"),
        ("seed", True),
        ("ensureIPCleared", "true"),
        ("ensureIPCleared", 1),
        ("ensureIPCleared", None),
        ("mode", "poetry"),
        ("mode", 3),
        ("prompt", 12),
        ("prompt", ["a"]),
        ("prompt", "x" * 4001),
        ("modelId", 5),
        ("modelId", ""),
        ("images", "data:image/png;base64,AA=="),
        ("images", [1]),
        ("images", ["asset_1"] * 11),
        ("assetIds", "asset_1"),
        ("assetIds", [None]),
        ("image", ["asset_1"]),
    ],
)
def test_wrong_type_or_range_is_a_400_naming_the_field(client, field, value):
    assert_problem(post(client, {"prompt": "a tree", field: value}), 400, field=field)


def test_string_true_for_ensure_ip_cleared_is_rejected_with_a_hint(client):
    body = assert_problem(
        post(client, {"prompt": "a tree", "ensureIPCleared": "true"}), 400, field="ensureIPCleared"
    )
    assert "true or false" in body["detail"]


@pytest.mark.parametrize("field", ["ensureIpCleared", "num_results", "negative_prompt", "extra"])
def test_unknown_fields_are_rejected(client, field):
    body = assert_problem(post(client, {"prompt": "a tree", field: True}), 400, field=field)
    assert "unknown field" in body["detail"]


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
@pytest.mark.parametrize("prompt", [None, "", "   "])
def test_a_spark_is_required_in_text_modes(client, mode, prompt):
    body = {"mode": mode} if prompt is None else {"mode": mode, "prompt": prompt}
    assert_problem(post(client, body), 400, field="prompt")


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b'{"prompt": "a"}{',
        b"\xff\xfe",
        b'{"prompt": "\\ud800"}',
        b"[]",
        b'"a string"',
        b"null",
        b"42",
    ],
)
def test_malformed_or_non_object_bodies_are_400(client, raw):
    assert_problem(post(client, raw), 400)


def test_empty_body_is_400(client):
    body = assert_problem(post(client, b""), 400)
    assert "empty" in body["detail"]


@pytest.mark.parametrize("depth", [40, 5000, 200000])
def test_deep_nesting_is_400_not_500(client, depth):
    nested = b'{"prompt": "a", "images": ' + b"[" * depth + b"]" * depth + b"}"
    assert_problem(post(client, nested), 400)


def test_oversized_body_is_413(client):
    huge = b'{"prompt": "' + b"a" * (65 * 1024 * 1024) + b'"}'
    assert_problem(post(client, huge), 413)


def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(client.get("/v1/nothing-here"), 404)
    assert_problem(client.get("/v1/generate/prompt"), 405)


def test_image_editing_alias_requires_the_image_and_is_answered_as_image_editing(client):
    assert_problem(post(client, {"mode": "image-editing", "prompt": "make it night"}), 400, field="image")
    image = "data:image/png;base64," + base64.b64encode(_png()).decode()
    response = post(client, {"mode": "image-editing", "prompt": "make it night", "image": image})
    assert response.status_code == 200, response.text
    assert response.json()["mode"] == "image-editing"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_health_ready_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    post(client, {"prompt": "a tree"})
    text = client.get("/metrics").text
    assert 'promptgen_requests_total{method="POST",route="/v1/generate/prompt",status="200"}' in text


def test_openapi_schema_is_served(client):
    schema = client.get("/schema/openapi.json").json()
    assert "/v1/generate/prompt" in schema["paths"]


def test_the_client_runs_on_the_profile_it_is_named_for(client, profile):
    from app.profile import describe

    settings = client.app.state.settings
    assert describe(settings).name == profile
    assert client.app.state.chain.queue.name == ("in-process" if profile == "embedded" else "saq")
