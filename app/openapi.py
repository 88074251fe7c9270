"""The OpenAPI document at `/schema`, completed where Litestar cannot see.

Handlers decode their bodies themselves (`protocol.decode_strict`: no coercion, unknown fields
refused), so Litestar's generated document has no request bodies, and handlers that answer a
`Response[Any]` have no response schema. `document_request_bodies` fills both in from the
msgspec Structs, which are what really decodes and encodes the wire, and documents the
problem details every operation may answer (`default`, `application/problem+json`). Tests
(schemathesis) generate requests from this document and check the answers against it.
"""

from __future__ import annotations

import copy
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
from app.image_meta import OUTPUT_META
from app.image_models import LOCAL_PROVIDERS
from app.image_protocol import CaptionRequest, CreateAssetRequest, CreateStyleModelRequest
from app.protocol import MAX_SPARK_CHARS, GeneratePromptRequest
from app.routes.analyze import AnalyzeRequest
from app.routes.ip import IPCheckRequest, IPClearRequest
from models.image import registry as image_registry

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
    ("/v1/prompts/analyze", "post"): AnalyzeRequest,
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
    ("GeneratePromptRequest", "assetIds"): _IMAGE,
    ("PromptGeneration", "images"): _IMAGE,
    ("PromptGeneration", "assetIds"): _IMAGE,
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
    ("/v1/prompts/analyze", "post"): {
        "prompt": "a red fox asleep in fresh snow, oil painting, golden hour light, zxc-style",
        "targetModel": "sdxl",
        "keepTerms": ["zxc-style"],
    },
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
    image_models: tuple[str, str] | None = None,
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
    if image_models is not None:  # (PROMPTGEN_IMAGE_MODELS, PROMPTGEN_IMAGE_BACKEND)
        _model_rules(schemas, *image_models)
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


_SOME = {"type": "array", "minItems": 1}
# What grounds a contextual prompt: images, asset ids, an image, or a style model's training
# images (a model without any is a 400; the chained call's document asks for one of the first three).
CONTEXT_GIVEN: list[dict[str, Any]] = [
    {"required": ["images"], "properties": {"images": _SOME}},
    {"required": ["assetIds"], "properties": {"assetIds": _SOME}},
    {"required": ["image"], "properties": {"image": {"type": "string"}}},
    {"required": ["modelId"], "properties": {"modelId": {"type": "string"}}},
]


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
    context = sorted(
        n
        for cls in modes.registry.handlers()
        if cls.images == "context" and not cls.needs_spark
        for n in (cls.name, *cls.aliases)
    )
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
        request["allOf"] += [_editor_rule(cls) for cls in modes.registry.handlers() if cls.editors]
        if context:  # grounded in images, and no spark needed: the images are required
            request["allOf"].append(
                {
                    "if": {"required": ["mode"], "properties": {"mode": {"enum": context}}},
                    "then": {
                        # the image, when given, is context here: a data URL or an asset id
                        "properties": {
                            "image": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": IMAGE_REF}]}
                        },
                        "anyOf": copy.deepcopy(CONTEXT_GIVEN),
                    },
                }
            )
        for string in _strings_of(request.get("properties", {}).get("image", {})):
            string["description"] = (
                f"the image to edit in {', '.join(edit)}, context in the modes grounded in images "
                "(a data URL or an asset id); ignored, with a warning, in the others"
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
                        {
                            "required": ["image"],
                            "properties": {"image": {"type": "string", "pattern": IMAGE_REF}},
                        },
                        {
                            "required": ["promptGeneration"],
                            "properties": {
                                "promptGeneration": {
                                    "required": ["image"],
                                    "properties": {"image": {"type": "string", "pattern": IMAGE_REF}},
                                }
                            },
                        },
                    ]
                },
            },
        ]
    if chain is not None:
        chain["allOf"] += _image_field_rules()
        chain["description"] = (
            f"{chain.get('description', '')} `promptGeneration.numResults` is at most the images asked "
            "for (`n` or `num_outputs`): every prompt needs an image. A transparent `background` needs a "
            "`format` with alpha (png or webp)."
        ).strip()
        meta = chain.get("properties", {}).get("output_meta", {})
        for branch in meta.get("anyOf", []):
            if branch.get("type") == "object":
                branch["propertyNames"] = {"enum": list(OUTPUT_META)}
    generation = schemas.get("PromptGeneration")
    if generation is not None:
        generation["allOf"] = [_editor_rule(cls) for cls in modes.registry.handlers() if cls.editors]
        if context:  # the chained call's contextual prompt reads promptGeneration's own images
            generation["allOf"].append(
                {
                    "if": {"required": ["mode"], "properties": {"mode": {"enum": context}}},
                    "then": {"anyOf": copy.deepcopy(CONTEXT_GIVEN[:3])},
                }
            )
    openai = schemas.get("OpenAIImagesRequest")
    if openai is not None:
        # the prompt is a spark (at most MAX_SPARK_CHARS) unless prompt_mode none (or enhance
        # false) sends it as is
        openai["if"] = {
            "anyOf": [
                {"required": ["prompt_mode"], "properties": {"prompt_mode": {"const": PASSTHROUGH}}},
                {"required": ["enhance"], "properties": {"enhance": {"const": False}}},
            ]
        }
        openai["else"] = {"properties": {"prompt": {"maxLength": MAX_SPARK_CHARS}}}
        # `enhance` and `prompt_mode` must not contradict each other (false is mode none)
        both = ["enhance", "prompt_mode"]
        openai["allOf"] = [
            _transparent_needs_alpha("output_format"),
            {
                "not": {
                    "required": both,
                    "properties": {"enhance": {"const": True}, "prompt_mode": {"const": PASSTHROUGH}},
                }
            },
            {
                "not": {
                    "required": both,
                    "properties": {
                        "enhance": {"const": False},
                        "prompt_mode": {"type": "string", "not": {"const": PASSTHROUGH}},
                    },
                }
            },
        ]
        # streaming is not offered: only false (or nothing) is taken
        for branch in openai.get("properties", {}).get("stream", {}).get("anyOf", []):
            if branch.get("type") == "boolean":
                branch["enum"] = [False]
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


def _given(*names: str) -> dict[str, Any]:
    """Every one of `names` is present and not null (null counts as absent, as in the handlers)."""
    present = {"type": ["string", "number", "integer", "boolean", "array", "object"]}
    return {"required": list(names), "properties": dict.fromkeys(names, present)}


def _any_given(*names: str) -> dict[str, Any]:
    return {"anyOf": [_given(n) for n in names]}


def _image_field_rules() -> list[dict[str, Any]]:
    """`check_image_fields` of `app/chain/planner.py` and mode none's one prompt, as conditions.
    Two more are said in words (`chain["description"]`): written as conditions too, they made the
    document too intricate for schemathesis's generator (jsonschema_rs cannot canonicalise it)."""
    null = {"type": "null"}
    return [
        {"if": _given("n"), "then": {"properties": {"num_outputs": null}}},  # `n` or `num_outputs`
        {
            "if": _given("size"),
            "then": {"properties": dict.fromkeys(("width", "height", "aspect_ratio", "resolution"), null)},
        },
        {  # width and height together, and not with aspect_ratio/resolution
            "if": _any_given("width", "height"),
            "then": {
                "allOf": [
                    _given("width", "height"),
                    {"properties": dict.fromkeys(("aspect_ratio", "resolution"), null)},
                ]
            },
        },
        {"if": _given("mask"), "then": _given("image")},
        {  # mode none: the spark is the one prompt
            "if": {"required": ["promptGeneration"], "properties": {"promptGeneration": _given("mode")}},
            "then": {
                "if": {"properties": {"promptGeneration": {"properties": {"mode": {"const": PASSTHROUGH}}}}},
                "then": {
                    "properties": {"promptGeneration": {"properties": {"numResults": {"enum": [1, None]}}}}
                },
            },
        },
    ]


def _transparent_needs_alpha(field: str) -> dict[str, Any]:
    """A transparent background needs a format with alpha: not jpeg."""
    return {
        "if": {"required": ["background"], "properties": {"background": {"const": "transparent"}}},
        "then": {"properties": {field: {"enum": ["png", "webp", None]}}},
    }


def _escape(text: str) -> str:
    """`text` as a regex matching itself (only the characters that need it: ECMA and Python alike)."""
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\/" else c for c in text)


def _glob(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else _escape(c) for c in pattern)


def _model_rules(schemas: dict[str, Any], image_models: str, default: str) -> None:
    """The `model`s this server takes (`PROMPTGEN_IMAGE_MODELS`, else every remote provider),
    as a pattern; `/v1/images/generations` also takes a bare name (the configured backend)."""
    allowed = [_glob(p.strip()) for p in image_models.split(",") if p.strip()]
    if not allowed:
        remote = [name for name in image_registry.names() if name not in LOCAL_PROVIDERS]
        allowed = [f"({'|'.join(_escape(n) for n in remote)}):.*"]
    if default:
        allowed.append(_escape(default))
    choice = "(?=[^:\\s]+:\\S)(" + "|".join(allowed) + ")"  # provider:model, neither empty
    described = image_models or "any remote provider's models"
    for name, pattern in (
        ("GenerateImageRequest", f"^({choice})$"),
        ("OpenAIImagesRequest", f"^([^:]*|{choice})$"),
    ):
        node = schemas.get(name, {}).get("properties", {}).get("model")
        for string in _strings_of(node or {}):
            string["pattern"] = pattern
            string["description"] = f"provider:model, among those this server allows ({described})"


def _editor_rule(cls: type[modes.ModeHandler]) -> dict[str, Any]:
    """In a mode that writes for image editors, `modelId` names one of them (or is left out)."""
    return {
        "if": {"required": ["mode"], "properties": {"mode": {"enum": [cls.name, *cls.aliases]}}},
        "then": {"properties": {"modelId": {"anyOf": [{"enum": list(cls.editors)}, {"type": "null"}]}}},
    }


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
            settings = self.app.state.get("settings")
            models = None
            if settings is not None:
                models = (str(settings.image_models), str(settings.image_backend_id))
            complete_schema(schema, bool(self.app.state.get("auth_required")), open_operations, models)
        return schema


def document_request_bodies(app: Litestar) -> None:
    """Serve `app`'s OpenAPI document completed by `complete_schema`."""
    # Litestar always installs its own plugin instance; the subclass only adds the completion.
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletedOpenAPIPlugin
