"""The OpenAPI document at `/schema`, completed where Litestar cannot see.

Handlers decode their bodies themselves (`protocol.decode_strict`: no coercion, unknown fields
refused), so Litestar's generated document has no request bodies, and handlers that answer a
`Response[Any]` have no response schema. `document_request_bodies` fills both in from the
msgspec Structs, which are what really decodes and encodes the wire, and documents the
problem details every operation may answer (`default`, `application/problem+json`). Tests
(schemathesis) generate requests from this document and check the answers against it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin

import modes
from app.auth import OPEN_OPT
from app.chain_protocol import (
    PASSTHROUGH,
    GenerateImageRequest,
    GenerateImageResponse,
    JobAccepted,
    JobActionRequest,
    OpenAIImagesRequest,
    OpenAIImagesResponse,
)
from app.image_protocol import CaptionRequest, CreateAssetRequest, CreateStyleModelRequest
from app.protocol import GeneratePromptRequest
from app.routes.ip import IPCheckRequest, IPClearRequest

REF = "#/components/schemas/{name}"
JSON = "application/json"
PROBLEM = "application/problem+json"

# (path, method) -> the Struct its body decodes into.
REQUEST_BODIES: dict[tuple[str, str], type] = {
    ("/v1/generate/prompt", "post"): GeneratePromptRequest,
    ("/v1/generate/caption", "post"): CaptionRequest,
    ("/v1/assets", "post"): CreateAssetRequest,
    ("/v1/models", "post"): CreateStyleModelRequest,
    ("/v1/ip/check", "post"): IPCheckRequest,
    ("/v1/ip/clear", "post"): IPClearRequest,
    ("/v1/generate/image", "post"): GenerateImageRequest,
    ("/v1/images/generations", "post"): OpenAIImagesRequest,
    ("/v1/jobs/{job_id}/action", "post"): JobActionRequest,
}
# (path, method, status) -> the Struct the handler answers, where its signature does not say.
RESPONSES: dict[tuple[str, str, str], type] = {
    ("/v1/generate/image", "post", "200"): GenerateImageResponse,
    ("/v1/generate/image", "post", "202"): JobAccepted,
    ("/v1/images/generations", "post", "200"): OpenAIImagesResponse,
}
# Answers that are not JSON: an asset's bytes come back as the image they are.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
BINARY_RESPONSES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("/v1/assets/{asset_id}/content", "get", "200"): {
        "description": "The image, in the type it was stored as (PNG, JPEG or WebP)",
        "headers": {
            "ETag": {"description": "the SHA-256 of the bytes, quoted", "schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        },
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in IMAGE_TYPES},
    },
}
# `POST /v1/assets` also takes a multipart upload.
MULTIPART_ASSET = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "name": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
    },
}
# Rules the handlers enforce beyond the wire types, written into the document so a client (or
# schemathesis) can see them: the form of image references and webhook URLs as patterns (an
# image's bytes are checked further, as PNG, JPEG or WebP, which no schema can say), and which
# modes need a spark or an image as conditions on the request (`_mode_rules`).
DATA_URL = r"^data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}$"
IMAGE_REF = r"^(data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}|asset_[A-Za-z0-9_-]+)$"
REFERENCE = r"^(data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}|asset_[A-Za-z0-9_-]+|https?://[^\s/?#@]+([/?#]\S*)?)$"
WEBHOOK_URL = r"^https?://[^\s/?#@]+([/?#]\S*)?$"
_IMAGE = {
    "pattern": IMAGE_REF,
    "description": "a data URL (`data:image/png|jpeg|webp;base64,...`) or an asset id",
}
STRING_RULES: dict[tuple[str, str], dict[str, str]] = {
    ("GeneratePromptRequest", "images"): _IMAGE,
    ("PromptGeneration", "images"): _IMAGE,
    ("CaptionRequest", "images"): _IMAGE,
    ("GenerateImageRequest", "image"): _IMAGE,
    ("GenerateImageRequest", "mask"): _IMAGE,
    ("CreateAssetRequest", "image"): {
        "pattern": DATA_URL,
        "description": "the image as a data URL (`data:image/png|jpeg|webp;base64,...`), not an asset id",
    },
    ("GenerateImageRequest", "input_references"): {
        "pattern": REFERENCE,
        "description": "a data URL, an asset id or an http(s) URL of a public host (fetched by the service)",
    },
    ("GenerateImageRequest", "webhook_url"): {
        "pattern": WEBHOOK_URL,
        "description": "an http(s) URL without credentials whose host resolves to public addresses only; "
        "needs PROMPTGEN_WEBHOOK_SECRET on the server",
    },
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem detail; `field` names the offending field of a 400.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
    "additionalProperties": True,
}


EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("/v1/generate/prompt", "post"): {
        "mode": "structured",
        "prompt": "a lighthouse keeper's cat watching a storm",
        "numResults": 3,
        "seed": 42,
    },
    ("/v1/generate/image", "post"): {
        "prompt": "a lighthouse keeper's cat watching a storm",
        "promptGeneration": {"mode": "structured", "numResults": 2, "seed": 42},
        "n": 2,
        "size": "1024x1024",
    },
    ("/v1/images/generations", "post"): {"prompt": "a lighthouse", "model": "gpt-image-1", "n": 1},
    ("/v1/ip/check", "post"): {"text": "a portrait in the style of a famous painter"},
}
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <API key>`"},
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "the API key as user name (Scenario clients)",
    },
}


def complete_schema(
    schema: dict[str, Any],
    auth_required: bool = False,
    open_operations: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, Any]:
    """Add request bodies, missing response schemas, problem responses and, when API keys are
    configured, the security requirement of every closed operation to `schema` (in place)."""
    types = list(dict.fromkeys([*REQUEST_BODIES.values(), *RESPONSES.values()]))
    refs, components = msgspec.json.schema_components(types, ref_template=REF)
    ref_of = dict(zip(types, refs, strict=True))
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(components)
    schemas["Problem"] = PROBLEM_SCHEMA
    problem = {
        "description": "A problem detail",
        "content": {PROBLEM: {"schema": {"$ref": REF.format(name="Problem")}}},
    }
    for (path, method), type_ in REQUEST_BODIES.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        content: dict[str, Any] = {JSON: {"schema": ref_of[type_]}}
        if path == "/v1/assets":
            content["multipart/form-data"] = {"schema": MULTIPART_ASSET}
        if (path, method) in EXAMPLES:
            content[JSON]["example"] = EXAMPLES[(path, method)]
        operation["requestBody"] = {"required": True, "content": content}
    for (path, method, status), type_ in RESPONSES.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            operation.setdefault("responses", {})[status] = {
                "description": type_.__doc__.strip().splitlines()[0] if type_.__doc__ else status,
                "content": {JSON: {"schema": ref_of[type_]}},
            }
    _document_rules(schemas)
    for (path, method, status), response in BINARY_RESPONSES.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            operation.setdefault("responses", {})[status] = response
    if auth_required:
        schemas_root = schema["components"]
        schemas_root["securitySchemes"] = SECURITY_SCHEMES
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                responses = operation["responses"]
                for status in [s for s in responses if s.startswith(("4", "5"))]:
                    del responses[status]  # Litestar's own error shapes are not what is answered
                responses["default"] = problem
                if auth_required and (path, method) not in open_operations:
                    operation["security"] = [{"bearer": []}, {"basic": []}]
    return schema


def _strings_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The string schemas in a property's schema: itself, its `anyOf` branches, its items."""
    if node.get("type") == "string":
        return [node]
    found: list[dict[str, Any]] = []
    for branch in node.get("anyOf", []):
        found += _strings_of(branch)
    if isinstance(node.get("items"), dict):
        found += _strings_of(node["items"])
    return found


def _document_rules(schemas: dict[str, Any]) -> None:
    for (name, prop), rule in STRING_RULES.items():
        node = schemas.get(name, {}).get("properties", {}).get(prop)
        if node is not None:
            for string in _strings_of(node):
                string.update(rule)
    _mode_rules(schemas)


def _mode_rules(schemas: dict[str, Any]) -> None:
    """Which modes need a spark (`prompt`, not blank) and which an `image`, as `if`/`then`
    conditions read from the mode registry; an absent `mode` is the default, which needs one."""
    spark = sorted(
        n for cls in modes.registry.handlers() if cls.needs_spark for n in (cls.name, *cls.aliases)
    )
    edit = sorted(
        n for cls in modes.registry.handlers() if cls.images == "edit" for n in (cls.name, *cls.aliases)
    )
    nonblank = {"type": "string", "pattern": r"\S"}
    request = schemas.get("GeneratePromptRequest")
    if request is not None:
        request["allOf"] = [
            {
                "if": {"properties": {"mode": {"enum": spark}}},
                "then": {"required": ["prompt"], "properties": {"prompt": nonblank}},
            },
            {
                "if": {"required": ["mode"], "properties": {"mode": {"enum": edit}}},
                "then": {
                    "required": ["image"],
                    "properties": {"image": {"type": "string", "pattern": IMAGE_REF}},
                },
            },
        ]
        for string in _strings_of(request.get("properties", {}).get("image", {})):
            string["description"] = (
                f"the image to edit in {', '.join(edit)} (a data URL or an asset id); "
                "ignored, with a warning, in the other modes"
            )
        request["description"] = (
            f"{request.get('description', '')} `prompt` (the spark, not blank) is required in the "
            f"modes {', '.join(spark)}; `image` in {', '.join(edit)}."
        ).strip()
    chain = schemas.get("GenerateImageRequest")
    if chain is not None:
        chain_spark = [*spark, PASSTHROUGH]
        chain["allOf"] = [
            {
                "if": {"properties": {"promptGeneration": {"properties": {"mode": {"enum": chain_spark}}}}},
                "then": {"required": ["prompt"], "properties": {"prompt": nonblank}},
            },
            {
                "if": {
                    "required": ["promptGeneration"],
                    "properties": {
                        "promptGeneration": {"required": ["mode"], "properties": {"mode": {"enum": edit}}}
                    },
                },
                "then": {
                    "anyOf": [
                        {"required": ["image"], "properties": {"image": {"type": "string"}}},
                        {
                            "required": ["promptGeneration"],
                            "properties": {
                                "promptGeneration": {
                                    "required": ["image"],
                                    "properties": {"image": {"type": "string"}},
                                }
                            },
                        },
                    ]
                },
            },
        ]
    openai = schemas.get("OpenAIImagesRequest")
    if openai is not None:
        # no image fields: the modes that work from images (no spark needed) cannot be asked for here
        imageless = {
            n for cls in modes.registry.handlers() if not cls.needs_spark for n in (cls.name, *cls.aliases)
        }
        for string in openai.get("properties", {}).get("prompt_mode", {}).get("anyOf", []):
            if "enum" in string:
                string["enum"] = [m for m in string["enum"] if m not in imageless]
    style = schemas.get("CreateStyleModelRequest")
    if style is not None:
        style["anyOf"] = [
            {"required": ["trainingImages"], "properties": {"trainingImages": {"minItems": 1}}},
            {"required": ["examplePrompts"], "properties": {"examplePrompts": {"minItems": 1}}},
        ]
        style["description"] = "`POST /v1/models`: `trainingImages` (asset ids) or `examplePrompts`, or both."


class _CompletedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, serving the completed document (built once, on first use)."""

    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        schema = super().provide_openapi_schema()  # cached by the plugin: completed only once
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            open_operations = frozenset(
                (route.path_format or "/", method.lower())
                for route in self.app.routes
                for handler in getattr(route, "route_handlers", ())
                if handler.opt.get(OPEN_OPT)
                for method in getattr(handler, "http_methods", ())
            )
            complete_schema(schema, bool(self.app.state.get("auth_required")), open_operations)
        return schema


def document_request_bodies(app: Litestar) -> None:
    """Serve `app`'s OpenAPI document completed by `complete_schema`."""
    # Litestar always installs its own plugin instance; the subclass only adds the completion.
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletedOpenAPIPlugin
