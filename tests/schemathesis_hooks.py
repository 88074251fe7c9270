"""Schemathesis hooks for tests/test_schemathesis_cli.py (loaded through SCHEMATHESIS_HOOKS).

The document gives an image reference's form (`data:image/png|jpeg|webp;base64,...`), but not
that its bytes are a real image, which no schema can say: a generated data URL of the right
form never is one. Every string that has exactly the documented form is replaced by a real
8x8 image of the type it declares, and an uploaded `file` by a real PNG, so a schema-valid case
stays valid and the service must accept it. Anything not of the documented form (a negative
case) is left as generated.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import schemathesis
from PIL import Image

from app.openapi import DATA_URL

_FORM = re.compile(DATA_URL)


def _encoded(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format=kind.upper())
    return buffer.getvalue()


REAL = {kind: _encoded(kind) for kind in ("png", "jpeg", "webp")}


def _real(value: Any) -> Any:
    if isinstance(value, str):
        match = _FORM.match(value)
        if match:
            return f"data:image/{match.group(1)};base64," + base64.b64encode(REAL[match.group(1)]).decode()
        return value
    if isinstance(value, list):
        return [_real(item) for item in value]
    if isinstance(value, dict):
        return {key: _real(item) for key, item in value.items()}
    return value


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if case.media_type == "multipart/form-data" and isinstance(case.body, dict):
        if isinstance(case.body.get("file"), bytes | str):
            case.body = {**case.body, "file": REAL["png"]}
    else:
        case.body = _real(case.body)
    return case


def _given(body: dict[str, Any], name: str) -> bool:
    return body.get(name) is not None


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Positive cases of `POST /v1/generate/image` keep the two rules the document states in words
    (written as conditions they are beyond what schemathesis's generator can handle): at most as
    many prompts as images, and a transparent background only with a format that has alpha."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    if case.operation.path != "/v1/generate/image" or not isinstance(case.body, dict):
        return True
    body = case.body
    generation = body.get("promptGeneration") or {}
    prompts = generation.get("numResults") if isinstance(generation, dict) else None
    images = body.get("n") if _given(body, "n") else body.get("num_outputs")
    if isinstance(prompts, int | float) and isinstance(images, int | float) and prompts > images:
        return False
    return not (body.get("background") == "transparent" and body.get("format") in ("jpeg", "jpg"))
