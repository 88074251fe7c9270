"""Wire types of the image endpoints: assets, style models and captions.

Request bodies derive from `protocol.Strict` and are decoded with `protocol.decode_strict`
(unknown fields rejected, no coercion), exactly like the prompt API.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType, field

from app.protocol import AssetId, ImageRef, IPDetection, Job, Strict

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Text = Annotated[str, Meta(max_length=2000)]
ExamplePrompt = Annotated[str, Meta(min_length=1, max_length=1000)]
Sequence = Annotated[str, Meta(min_length=1, max_length=200)]


class Asset(msgspec.Struct, kw_only=True, rename="camel"):
    """A stored image. `url` downloads its bytes."""

    asset_id: str
    name: str
    description: str
    media_type: str
    width: int
    height: int
    size: int
    sha256: str
    created_at: str
    url: str


class AssetResponse(msgspec.Struct, kw_only=True):
    asset: Asset


class CreateAssetRequest(Strict):
    """`POST /v1/assets` as JSON: the image as a base64 data URL (multipart takes a file part)."""

    image: ImageRef
    name: Name | None = None
    description: Text | None = None


class StyleModel(msgspec.Struct, kw_only=True, rename="camel"):
    """A style model: training images (asset ids), example prompts, what it is good at."""

    model_id: str
    name: str
    training_images: list[str]
    example_prompts: list[str]
    capabilities: str
    status: str
    created_at: str


class StyleModelResponse(msgspec.Struct, kw_only=True):
    model: StyleModel


class StyleModelList(msgspec.Struct, kw_only=True):
    models: list[StyleModel]


class CreateStyleModelRequest(Strict):
    """`POST /v1/models`."""

    name: Name
    training_images: Annotated[list[AssetId], Meta(max_length=50)] = field(
        default_factory=list, name="trainingImages"
    )
    example_prompts: Annotated[list[ExamplePrompt], Meta(max_length=50)] = field(
        default_factory=list, name="examplePrompts"
    )
    capabilities: Text | None = None


class CaptionRequest(Strict):
    """`POST /v1/generate/caption`: one caption per image, in order."""

    images: Annotated[list[ImageRef], Meta(min_length=1, max_length=10)]
    details_level: Literal["action", "action+style"] = field(default="action", name="detailsLevel")
    model_id: Name | None = field(default=None, name="modelId")
    unwanted_sequences: Annotated[list[Sequence], Meta(max_length=50)] | None = field(
        default=None, name="unwantedSequences"
    )
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] | None = None
    temperature: Annotated[float, Meta(ge=0, le=2)] | None = None
    top_p: Annotated[float, Meta(ge=0, le=1)] | None = field(default=None, name="topP")
    ensure_ip_cleared: bool = field(default=False, name="ensureIPCleared")


class CaptionResponse(msgspec.Struct, kw_only=True, rename="camel"):
    captions: list[str]
    job: Job
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | UnsetType = field(default=UNSET, name="ipDetection")
