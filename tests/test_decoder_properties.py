"""Properties of everything that reads hostile input before a handler does: the strict JSON
decoder, the nesting guard, the data-URL parser and the Authorization header parser. Whatever
the input, the answer is a value or a 4xx error, never another exception."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth import APIKeys
from app.errors import RequestError, Unauthorized, status_of
from app.images import ImageLimits, parse_data_url
from app.openapi import REQUEST_BODIES
from app.protocol import MAX_NESTING, GeneratePromptRequest, _nesting_depth_exceeds, decode_strict

REQUEST_TYPES = sorted(set(REQUEST_BODIES.values()), key=lambda t: t.__name__)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(
    ["mode", "prompt", "numResults", "temperature", "topP", "seed", "ensureIPCleared", "images", "image", "x"]
)
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("type_", REQUEST_TYPES, ids=lambda t: t.__name__)
@PROPERTIES
@given(body=st.binary(max_size=300))
def test_any_bytes_decode_to_a_value_or_a_4xx(type_: type, body: bytes) -> None:
    try:
        decode_strict(body, type_, max_bytes=1024)
    except RequestError as exc:
        assert 400 <= status_of(exc) < 500 and exc.detail


@pytest.mark.parametrize("type_", REQUEST_TYPES, ids=lambda t: t.__name__)
@PROPERTIES
@given(value=st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6))
def test_any_json_object_decodes_to_a_value_or_a_4xx_naming_a_field(
    type_: type, value: dict[str, Any]
) -> None:
    try:
        decoded = decode_strict(json.dumps(value).encode(), type_)
    except RequestError as exc:
        assert 400 <= status_of(exc) < 500
        field = exc.extensions.get("field")
        assert field is None or isinstance(field, str)
    else:
        assert isinstance(decoded, type_)


@PROPERTIES
@given(value=JSON_VALUES)
def test_the_nesting_guard_agrees_with_the_real_depth(value: Any) -> None:
    body = json.dumps(value).encode()
    assert _nesting_depth_exceeds(body, 3) == (depth(value) > 3)


@given(extra=st.integers(min_value=1, max_value=200))
def test_json_nested_past_the_limit_is_a_400_whatever_the_depth(extra: int) -> None:
    levels = MAX_NESTING + extra
    body = ('{"prompt": ' + "[" * levels + "]" * levels + "}").encode()
    with pytest.raises(RequestError) as refused:
        decode_strict(body, GeneratePromptRequest)
    assert status_of(refused.value) == 400


@PROPERTIES
@given(
    prompt=st.text(min_size=1, max_size=200),
    num=st.integers(min_value=1, max_value=5),
    seed=st.none() | st.integers(min_value=0, max_value=2**32 - 1),
    temperature=st.none() | st.floats(min_value=0, max_value=2),
    clear=st.booleans(),
)
def test_valid_requests_survive_encoding_and_strict_decoding_unchanged(
    prompt: str, num: int, seed: int | None, temperature: float | None, clear: bool
) -> None:
    request = GeneratePromptRequest(
        prompt=prompt, num_results=num, seed=seed, temperature=temperature, ensure_ip_cleared=clear
    )
    assert decode_strict(msgspec.json.encode(request), GeneratePromptRequest) == request


@given(text=st.text(max_size=300))
def test_the_data_url_parser_answers_bytes_or_a_4xx(text: str) -> None:
    for value in (text, "data:image/png;base64," + text, "data:" + text):
        try:
            media, data = parse_data_url(value, "image", ImageLimits(max_bytes=10_000))
        except RequestError as exc:
            assert 400 <= status_of(exc) < 500
        else:
            assert media in ("image/png", "image/jpeg", "image/webp") and isinstance(data, bytes)


@given(header=st.text(max_size=120) | st.builds(lambda s: "Basic " + s, st.text(max_size=60)))
def test_any_authorization_header_is_a_key_id_or_a_401(header: str) -> None:
    keys = APIKeys.parse("the-only-key-123456")
    try:
        assert keys.authenticate(header).startswith("key_")
    except Unauthorized as exc:
        assert status_of(exc) == 401 and exc.extensions["reason"] in ("missing", "malformed", "invalid")
