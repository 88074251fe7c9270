"""Schema truthfulness (issue 19, item 7): the OpenAPI document says what the service does.
OPTIONS lists every method of a path; the asset content route documents image types, not
JSON; an integral number such as `"seed": 283.0` is the integer JSON Schema says it is; the
rules the handlers enforce (image reference and webhook URL forms, which modes need a spark or
an image, what a style model needs) are in the document, and the document's verdict on a body
agrees with the handler's. `tests/test_schemathesis_cli.py` runs `st run --checks all` on it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import make_client
from tests.fakes.image_providers import png_bytes

jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="comes with schemathesis (dev extras)")

PROMPT = "/v1/generate/prompt"


@pytest.fixture
def api(settings: Any, scripted: Any) -> Any:
    with make_client(settings, scripted) as client:
        yield client


@pytest.fixture
def document(api: Any) -> dict[str, Any]:
    return api.get("/schema/openapi.json").json()  # type: ignore[no-any-return]


def test_options_and_405_list_every_method_of_every_path(api: Any, document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        url = re.sub(r"\{[^}]+\}", "x_1", path)
        documented = {m.upper() for m in item if m in ("get", "post", "delete", "put", "patch")}
        response = api.options(url)
        assert response.status_code == 204, (path, response.text)
        allow = {m.strip() for m in response.headers["allow"].split(",")}
        assert allow == documented | {"OPTIONS"}, path
        missing = sorted({"GET", "POST", "DELETE", "PUT"} - documented)[0]
        refused = api.request(missing, url)
        assert refused.status_code == 405, (path, missing)
        assert {m.strip() for m in refused.headers["allow"].split(",")} == documented | {"OPTIONS"}, path


def test_the_asset_content_route_documents_the_image_types_it_serves(
    api: Any, document: dict[str, Any]
) -> None:
    answer = document["paths"]["/v1/assets/{asset_id}/content"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {"image/png", "image/jpeg", "image/webp"}
    asset = api.post("/v1/assets", files={"file": ("a.png", png_bytes(0), "image/png")}).json()["asset"]
    served = api.get(asset["url"])
    assert served.status_code == 200 and served.headers["content-type"].split(";")[0] in answer["content"]


def test_an_integral_number_is_an_integer(api: Any) -> None:
    whole = api.post(PROMPT, json={"prompt": "a lighthouse", "seed": 283.0, "numResults": 2.0})
    plain = api.post(PROMPT, json={"prompt": "a lighthouse", "seed": 283, "numResults": 2})
    assert whole.status_code == 200, whole.text
    assert whole.json()["prompts"] == plain.json()["prompts"] and whole.json()["usage"]["seed"] == 283
    for bad in (283.5, "283", 2.0**40):
        response = api.post(PROMPT, json={"prompt": "a lighthouse", "seed": bad})
        assert response.status_code == 400 and response.json()["field"] == "seed", bad
    image = api.post(
        "/v1/generate/image", json={"prompt": "a fox", "seed": 7.0, "promptGeneration": {"mode": "none"}}
    )
    assert image.status_code != 400 or image.json().get("field") != "seed", image.text


def _validator(document: dict[str, Any], name: str) -> Any:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def test_the_rules_handlers_enforce_are_in_the_document(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    chain = schemas["GenerateImageRequest"]["properties"]
    webhook = next(b for b in chain["webhook_url"]["anyOf"] if b.get("type") == "string")
    assert re.search(webhook["pattern"], "https://hooks.example/x") and not re.search(
        webhook["pattern"], "ftp://x/y"
    )
    images = schemas["GeneratePromptRequest"]["properties"]["images"]["anyOf"]
    image = next(b for b in images if b.get("type") == "array")["items"]
    assert re.search(image["pattern"], "data:image/png;base64,iVBORw0KGgo=")
    assert re.search(image["pattern"], "asset_0123abcd")
    assert not re.search(image["pattern"], "data:image/gif;base64,R0lGOD==")
    assert not re.search(image["pattern"], "https://example.com/a.png")
    asset = schemas["CreateAssetRequest"]["properties"]["image"]
    assert not re.search(asset["pattern"], "asset_0123abcd")
    assert "allOf" in schemas["GeneratePromptRequest"] and "allOf" in schemas["GenerateImageRequest"]
    assert "anyOf" in schemas["CreateStyleModelRequest"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "structured"}, "prompt"),
        ({}, "prompt"),
        ({"mode": "inventive", "prompt": "   "}, "prompt"),
        ({"mode": "image-editing-prompt", "prompt": "make it snow"}, "image"),
        ({"mode": "image-editing", "prompt": "make it snow", "image": "https://example.com/a.png"}, "image"),
        ({"mode": "structured", "prompt": "a cat", "image": "https://example.com/a.png"}, None),  # ignored
        ({"mode": "structured", "prompt": "a cat"}, None),
        ({"mode": "completion", "prompt": "a cat", "seed": 12.0}, None),
    ],
)
def test_the_documents_verdict_agrees_with_the_handler(
    api: Any, document: dict[str, Any], body: dict[str, Any], field: str | None
) -> None:
    valid = _validator(document, "GeneratePromptRequest").is_valid(body)
    response = api.post(PROMPT, json=body)
    if field is None:
        assert valid and response.status_code == 200, response.text
    else:
        assert not valid, body
        assert response.status_code == 400 and response.json()["field"] == field, response.text


def test_the_style_model_rule_and_the_openai_modes_are_documented(api: Any, document: dict[str, Any]) -> None:
    assert not _validator(document, "CreateStyleModelRequest").is_valid({"name": "x"})
    assert api.post("/v1/models", json={"name": "x"}).status_code == 400
    assert _validator(document, "CreateStyleModelRequest").is_valid(
        {"name": "x", "examplePrompts": ["a cat"]}
    )
    modes = next(
        b["enum"]
        for b in document["components"]["schemas"]["OpenAIImagesRequest"]["properties"]["prompt_mode"][
            "anyOf"
        ]
        if "enum" in b
    )
    assert "structured" in modes and "contextual" not in modes and "image-editing-prompt" not in modes
