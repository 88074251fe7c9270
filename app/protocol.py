"""Wire types of the prompt API: msgspec Structs decoded strictly, one decoder per type.

`Strict` is the base of every request body:
- `forbid_unknown_fields`: a misspelled field (`ensureIpCleared`) is an error, not ignored;
- `kw_only`: fields are named, never positional;
- decoding is `strict=True` (msgspec's default), so `"true"` is not a boolean and `"2"` is not
  a number.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType, field

import modes
from app.errors import PayloadTooLarge, RequestError, ValidationFailed
from modes import targets
from modes.editors import EDITORS as EDITORS  # re-exported: the editors image-editing mode writes for

# The modes a request may name, read from the registered handlers (`modes.registry`): each
# mode's name, then its aliases. msgspec needs a Literal to check them and to write the OpenAPI
# enum, so the type is built here, when this module is first imported (after every registration
# line of `modes/__init__.py` has run). Type checkers see a plain string.
if TYPE_CHECKING:
    Mode = str
else:
    Mode = Literal[modes.registry.wire_names()]
MODES: tuple[str, ...] = modes.registry.ordered()

MAX_SPARK_CHARS = 4000
MAX_IMAGE_CHARS = 28 * 1024 * 1024  # a data URL of the 20 MiB image cap, base64-encoded
MAX_NESTING = 32

Spark = Annotated[str, Meta(max_length=MAX_SPARK_CHARS)]
ImageRef = Annotated[str, Meta(min_length=1, max_length=MAX_IMAGE_CHARS)]
AssetId = Annotated[str, Meta(min_length=1, max_length=200)]
MAX_KEEP_TERMS = 10
KeepTerm = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=60,
        # no control or private-use characters (the marks `modes.keep` shields terms with), no
        # space at either end (C1 controls and U+FEFF excluded, so that JSON Schema's ECMA `\s`
        # and Python's agree on what a space is)
        pattern=r"^[^\s\ufeff\x00-\x1f\x7f-\x9f\ue000-\uf8ff](?:[^\x00-\x1f\x7f-\x9f\ue000-\uf8ff]*[^\s\ufeff\x00-\x1f\x7f-\x9f\ue000-\uf8ff])?$",
        description="A word or phrase every result contains exactly as given (a LoRA trigger word, a name you own)",
    ),
]
KeepTerms = Annotated[
    list[KeepTerm], Meta(max_length=MAX_KEEP_TERMS, extra_json_schema={"uniqueItems": True})
]
TargetModel = Annotated[
    targets.TargetName,
    Meta(
        description="The image-model family the prompts are written for (`generic`: as the mode writes them)"
    ),
]
AspectRatio = Annotated[str, Meta(pattern=r"^[1-9][0-9]{0,2}:[1-9][0-9]{0,2}$")]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields rejected, fields named, no type coercion."""


class GeneratePromptRequest(Strict):
    """`POST /v1/generate/prompt`, compatible with Scenario's PostPromptInferences."""

    mode: Mode = "structured"
    prompt: Spark | None = None
    num_results: Annotated[int, Meta(ge=1, le=5)] = field(default=1, name="numResults")
    temperature: Annotated[float, Meta(ge=0, le=2)] | None = None
    top_p: Annotated[float, Meta(ge=0, le=1)] | None = field(default=None, name="topP")
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] | None = None
    ensure_ip_cleared: bool = field(default=False, name="ensureIPCleared")
    model_id: Annotated[str, Meta(min_length=1, max_length=200)] | None = field(default=None, name="modelId")
    images: Annotated[list[ImageRef], Meta(max_length=10)] | None = None
    asset_ids: Annotated[list[AssetId], Meta(max_length=10)] | None = field(default=None, name="assetIds")
    image: ImageRef | None = None
    target_model: TargetModel = field(default="generic", name="targetModel")
    weights: bool = False  # the family's weights syntax on the subject and medium (sd15, sdxl, midjourney)
    negative_prompt: bool = field(default=False, name="negativePrompt")  # answered as `negativePrompts`
    keep_terms: KeepTerms | None = field(default=None, name="keepTerms")
    aspect_ratio: AspectRatio | None = field(default=None, name="aspectRatio")  # `--ar` for midjourney


class StatusEntry(msgspec.Struct, kw_only=True):
    status: str
    date: str


class JobMetadata(msgspec.Struct, kw_only=True):
    input: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | UnsetType = UNSET


class Job(msgspec.Struct, kw_only=True, rename="camel"):
    """A job record, as Scenario reports them."""

    job_id: str
    job_type: str
    status: str
    progress: float
    status_history: list[StatusEntry]
    metadata: JobMetadata
    created_at: str
    updated_at: str


class IPFinding(msgspec.Struct, kw_only=True):
    category: str
    entities: list[str]
    confidence: float
    reason: str
    replacement: str


class IPDetection(msgspec.Struct, kw_only=True):
    action: Literal["allowed", "flagged", "blocked"]
    findings: list[IPFinding] = field(default_factory=list)


class Usage(msgspec.Struct, kw_only=True, rename="camel"):
    backend: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0
    fallbacks: int = 0
    seed: int = 0
    cache: str = "bypass"  # hit | miss | coalesced | bypass (unseeded requests are never cached)
    latency_ms: float = 0.0


class GeneratePromptResponse(msgspec.Struct, kw_only=True, rename="camel"):
    prompts: list[str]
    mode: str
    job: Job
    usage: Usage
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | UnsetType = field(default=UNSET, name="ipDetection")
    # one per prompt, in the same order (`negativePrompt: true`)
    negative_prompts: list[str] | UnsetType = field(default=UNSET, name="negativePrompts")


_KEEP_QUOTES_AND_BRACKETS = bytes(c for c in range(256) if c not in b'"[]{}')
_DEPTH_STEP: Any = None  # numpy table: +1 for `[` and `{`, -1 for `]` and `}`, else 0 (built on first use)
_DEPTH_CHUNK = 1 << 20


def _nesting_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when JSON containers nest deeper than `limit` (strings are skipped).

    Linear, at C speed, in a few passes whatever the body (the scan it replaces went back to
    every escaped quote of an unterminated string: 48 KB took 17 s of the event loop):
    escaped backslashes are dropped pairwise and then escaped quotes, so every quote left opens
    or closes a string; everything but quotes and brackets is dropped; numpy counts the quotes
    seen (odd: inside a string) and sums the brackets outside strings, chunk by chunk. A string
    left open at the end does not hide the brackets after its quote, as before. For a body
    with no backslash outside its strings (every JSON text) the answer is the old scan's.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # too few brackets to nest that deep: the common case, at C speed
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    tokens = body.translate(None, _KEEP_QUOTES_AND_BRACKETS)
    if tokens.count(b'"') % 2:  # a string left open: its brackets count (the quote is dropped)
        last = tokens.rfind(b'"')
        tokens = tokens[:last] + tokens[last + 1 :]
    if tokens.count(b"[") + tokens.count(b"{") <= limit:
        return False
    import numpy as np  # only bodies with more than `limit` brackets outside strings get here

    global _DEPTH_STEP
    if _DEPTH_STEP is None:
        table = np.zeros(256, dtype=np.int8)
        table[[ord("["), ord("{")]] = 1
        table[[ord("]"), ord("}")]] = -1
        _DEPTH_STEP = table
    data = np.frombuffer(tokens, dtype=np.uint8)
    depth = 0
    inside = 0
    quoted = b'"' in tokens
    for start in range(0, len(data), _DEPTH_CHUNK):
        chunk = data[start : start + _DEPTH_CHUNK]
        steps = _DEPTH_STEP[chunk]
        if quoted:
            parity = (np.cumsum(chunk == ord('"'), dtype=np.int32) + inside) & 1
            steps[parity == 1] = 0
            inside = int(parity[-1])
        running = np.cumsum(steps, dtype=np.int32)
        if depth + int(running.max()) > limit:
            return True
        depth += int(running[-1])
    return False


def _field_of(message: str) -> str | None:
    """The dotted field path in a msgspec error message (`... - at `$.images[0]``)."""
    marker = "at `$"
    path = message.split(marker, 1)[1].split("`", 1)[0].removeprefix(".") if marker in message else ""
    for kind in ("unknown field `", "missing required field `"):
        if kind in message:  # a nested object's field: `$.promptGeneration` + `ensureIpCleared`
            name = message.split(kind, 1)[1].split("`", 1)[0]
            return f"{path}.{name}" if path else name
    return path or None


T = TypeVar("T")
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode_strict(body: bytes, type_: type[T], max_bytes: int | None = None) -> T:
    """Decode a JSON request body into `type_`, mapping every failure to a 4xx error."""
    if max_bytes is not None and len(body) > max_bytes:
        raise PayloadTooLarge(f"request body is {len(body)} bytes; the limit is {max_bytes}")
    if not body.strip():
        raise RequestError("request body is empty; send a JSON object")
    if _nesting_depth_exceeds(body, MAX_NESTING):
        raise ValidationFailed(f"JSON nests deeper than {MAX_NESTING} levels")
    decoder = _decoders.get(type_)
    if decoder is None:
        decoder = _decoders[type_] = msgspec.json.Decoder(type_)
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if "Expected `int" in message and "got `float`" in message:
            return _decode_integral_floats(body, type_)
        return _raise_validation(message)
    except msgspec.DecodeError as exc:
        raise RequestError(f"request body is not valid JSON: {exc}") from None


def _decode_integral_floats(body: bytes, type_: type[T]) -> T:
    """The body decoded again with every number whose fraction is zero as an integer: JSON
    Schema, which the OpenAPI document speaks, counts `283.0` as an integer, so `"seed": 283.0`
    is the seed 283 (`283.5` stays a 400). Only a body the strict decoder refused gets here."""
    value = _integral(msgspec.json.decode(body))
    try:
        return msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        return _raise_validation(str(exc))


def _integral(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


# Bodies larger than this are decoded in a worker thread (`decode_strict_async`): the event loop
# then stalls no longer than the longest single C call holding the GIL (msgspec building one
# long string: about 0.25 s for 60 MiB), not for the whole guard and decode.
OFF_LOOP_BYTES = 1024 * 1024


async def decode_strict_async(body: bytes, type_: type[T], max_bytes: int | None = None) -> T:
    """`decode_strict`, in a worker thread for a large body (routes whose bodies carry images)."""
    if len(body) <= OFF_LOOP_BYTES:
        return decode_strict(body, type_, max_bytes)
    return await asyncio.to_thread(decode_strict, body, type_, max_bytes)


def _raise_validation(message: str) -> Any:
    field_name = _field_of(message)
    detail = message
    if field_name == "ensureIPCleared" or (field_name and "Expected `bool`" in message):
        detail = f"{message}; use the JSON literals true or false"
    raise ValidationFailed(detail, field=field_name)
