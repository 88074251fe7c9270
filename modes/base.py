"""The interface every mode handler implements, and the context it receives.

A handler owns its instructions and few-shot examples (`plan`), the parsing and repair of
what the model wrote (`assemble`), and a curated fill-in for when repair fails (`fallback`).
The engine (`modes.engine`) runs plan -> model -> assemble, re-samples once, de-duplicates
and falls back, so handlers stay small and free of control flow.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import msgspec

from models.lm.base import LMOutput, LMRequest

from core.registry import Registry
from models.describers.base import ImageDescription

class ModeContext(msgspec.Struct, kw_only=True):
    """Everything a handler may use. Images arrive already described (`ImageDescription`)."""

    mode: str
    spark: str = ""
    num_results: int = 1
    seed: int = 0
    temperature: float = 0.7
    top_p: float = 0.9
    word_limit: int = 75
    image_descriptions: list[ImageDescription] = msgspec.field(default_factory=list)
    style_examples: list[str] = msgspec.field(default_factory=list)
    style_notes: str = ""
    target_editor: str | None = None
    asset_ids: list[str] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    ip_findings: list[Any] = msgspec.field(default_factory=list)  # found in the inputs (ensureIPCleared)


class Plan(msgspec.Struct, kw_only=True):
    image_inputs: list[str] = msgspec.field(default_factory=list)  # request fields carrying images
    """Rows for the language model plus what the handler needs to read them back."""

    rows: list[LMRequest]
    keys: list[Any] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class ModeHandler(ABC):
    """One mode. Identity as class attributes; three methods."""

    name: ClassVar[str]
    needs_spark: ClassVar[bool] = True

    def validate(self, ctx: ModeContext) -> None:  # noqa: B027 - optional hook
        """Raise `ValidationFailed` when the request lacks what this mode needs. Runs before any
        image is decoded or described: `image_inputs` says which image fields were sent."""

    @abstractmethod
    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        """Rows that should produce `count` candidates (`prefill`: backend continues prefills)."""

    @abstractmethod
    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        """Parse and repair the model's outputs into candidate prompts (None = unusable)."""

    @abstractmethod
    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        """A curated prompt built without the model, used when the model's output can't be repaired."""

    def sampling(self, ctx: ModeContext, seed: int, **overrides: Any) -> dict[str, Any]:
        """Per-row sampling settings derived from the request."""
        values: dict[str, Any] = {"temperature": ctx.temperature, "top_p": ctx.top_p, "seed": seed}
        values.update(overrides)
        return values
