"""What the chain's parts hand each other: typed results, no tuples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from app.chain_protocol import GeneratedImageInfo, ImageUsage
from app.protocol import IPDetection, Job, Usage


@dataclass
class PromptSet:
    """The prompts of a chained generation: made by `PromptService`, or the spark in mode `none`."""

    prompts: list[str]
    mode: str
    usage: Usage | None = None  # None in mode `none`
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | None = None
    job_id: str | None = None  # the prompt generation's own job
    negative_prompts: list[str] | None = None  # one per prompt, when asked


@dataclass
class Call:
    """One provider call: `len(indexes)` images of prompt `prompt_index`, landing at `indexes`."""

    prompt_index: int
    indexes: list[int]
    seed: int | None
    per_image_seed: bool


@dataclass
class Stored:
    """One generated image, stored; `warnings` and `usage` are its provider call's (first image only)."""

    index: int
    info: GeneratedImageInfo
    data: bytes
    warnings: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChainOutcome:
    prompts: list[str]
    mode: str
    images: list[GeneratedImageInfo]
    data: list[bytes]
    prompt_usage: Usage | None
    image_usage: ImageUsage
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | None = None
    negative_prompts: list[str] | None = None


class ChainRun(NamedTuple):
    """A finished chained generation and its job (`ChainService.run`)."""

    outcome: ChainOutcome
    job: Job
