"""The interface every mode handler implements, and the context it receives.

A handler owns its instructions and few-shot examples (`plan`), the parsing and repair of
what the model wrote (`assemble`), and a curated fill-in for when repair fails (`fallback`).
The engine (`modes.engine`) runs plan -> model -> assemble, re-samples once, de-duplicates
and falls back, so handlers stay small and free of control flow.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar, Literal

import msgspec

from core.registry import Registry
from models.describers.base import ImageDescription
from models.lm.base import LMOutput, LMRequest

# What a mode does with a request's images (`images`, `assetIds`, `image`) and style model
# (`modelId`); `app.conditioning` reads it:
#   condition  `images`/`assetIds` condition the prompt and supersede `modelId`'s style model
#   context    the images are what the prompt is about (`image` joins them); `modelId` styles it
#   edit       `image` is the picture to edit and `modelId` names the target editor
#   unused     they are checked, then a warning says they were not used
ImageUse = Literal["condition", "context", "edit", "unused"]


class ModeContext(msgspec.Struct, kw_only=True):
    """Everything a handler may use. Images arrive already described (`ImageDescription`)."""

    mode: str
    spark: str = ""
    num_results: int = 1
    seed: int = 0
    temperature: float = 0.7
    top_p: float = 0.9
    word_limit: int = 75
    image_inputs: list[str] = msgspec.field(default_factory=list)  # request fields carrying images
    image_descriptions: list[ImageDescription] = msgspec.field(default_factory=list)
    style_examples: list[str] = msgspec.field(default_factory=list)
    style_notes: str = ""
    target_editor: str | None = None
    asset_ids: list[str] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    ip_findings: list[Any] = msgspec.field(default_factory=list)  # found in the inputs (ensureIPCleared)
    # False: the mode keeps none of the model's own phrases (the relevance gate's verdict for a mode
    # whose floor is 1 or more, `modes.relevance.INVENTIVE_FLOOR`): it composes from curated tables
    own_phrases: bool = True
    # True: the relevance gate is on (by default, for a local model): a small model writes, whose
    # free text is usable less often the longer it runs (completion keeps its first phrase only,
    # `modes.completion`)
    small_model: bool = False


class Plan(msgspec.Struct, kw_only=True):
    """Rows for the language model plus what the handler needs to read them back."""

    rows: list[LMRequest]
    keys: list[Any] = msgspec.field(default_factory=list)
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class ModeHandler(ABC):
    """One mode. Identity as class attributes; three methods.

    The class attributes are all the service, the playground and the evaluation know of a
    mode: the wire enum of modes, the chain's modes, the conditioning policy, the playground's
    mode list (`GET /playground/config`) and eval's mode lists are read from the registered
    classes (`modes.registry`).
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()  # other names a request may give the mode by
    needs_spark: ClassVar[bool] = True  # False: `prompt` is optional (the images carry the request)
    # the relevance gate (`modes.relevance`) prunes its results' scene phrases below this floor
    # (calibrated per mode on phrases a person judged); None: not gated
    relevance_floor: ClassVar[float | None] = None
    images: ClassVar[ImageUse] = "unused"
    keeps_spark: ClassVar[bool] = False  # every result contains the spark's own words
    editors: ClassVar[tuple[str, ...]] = ()  # the target editors `modelId` may name ("edit" modes)
    # How the playground offers the mode: its radio's label and hint, the spark field's hint
    # and placeholder.
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    spark_hint: ClassVar[str] = "A few words about the picture you want."
    spark_example: ClassVar[str] = "a lighthouse keeper's cat watching a storm"

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


class ModeRegistry(Registry[ModeHandler]):
    """The handler classes by name, in registration order; an alias resolves to its mode.

    `names()` (sorted) and error messages list the modes' own names; `wire_names()` lists what
    a request may send: each mode's name followed by its aliases, in registration order.
    """

    def __init__(self) -> None:
        super().__init__("mode")
        self._classes: dict[str, type[ModeHandler]] = {}
        self._aliases: dict[str, str] = {}

    def register(self, cls: type[ModeHandler]) -> type[ModeHandler]:  # type: ignore[override]
        """Add a handler class under its `name` and `aliases` (usable as a class decorator)."""
        taken = [n for n in (cls.name, *cls.aliases) if n in self._classes or n in self._aliases]
        if taken:
            raise ValueError(f"mode name(s) {taken} already registered")
        self.add(cls.name, cls)
        self._classes[cls.name] = cls
        self._aliases.update(dict.fromkeys(cls.aliases, cls.name))
        return cls

    def unregister(self, name: str) -> None:
        """Remove a mode and its aliases (tests register throwaway modes)."""
        cls = self._classes.pop(self.canonical(name))
        self.remove(cls.name)
        for alias in cls.aliases:
            self._aliases.pop(alias, None)

    def canonical(self, name: str) -> str:
        """The mode's own name for `name` (an alias resolves; anything else comes back as is)."""
        return self._aliases.get(name, name)

    def get(self, name: str) -> type[ModeHandler]:  # type: ignore[override]
        return super().get(self.canonical(name))  # type: ignore[return-value]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical(name) in self._classes

    def handlers(self) -> tuple[type[ModeHandler], ...]:
        """The handler classes in registration order."""
        return tuple(self._classes.values())

    def ordered(self) -> tuple[str, ...]:
        """The modes' names in registration order."""
        return tuple(self._classes)

    def wire_names(self) -> tuple[str, ...]:
        """What a request's `mode` may say: each name, then its aliases."""
        return tuple(n for cls in self.handlers() for n in (cls.name, *cls.aliases))

    def where(self, test: Callable[[type[ModeHandler]], bool]) -> ModeNames:
        """The names of the modes whose class passes `test`, as a live set (it follows later
        registrations): `registry.where(lambda mode: mode.images == "edit")`."""
        return ModeNames(self, test)


class ModeNames(AbstractSet[str]):
    """A set of mode names defined by a test on the handler class, read at each use."""

    @classmethod
    def _from_iterable(cls, names: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(names)  # what set operations (`&`, `|`, `-`) return

    def __init__(self, registry: ModeRegistry, test: Callable[[type[ModeHandler]], bool]) -> None:
        self._registry = registry
        self._test = test

    def _names(self) -> tuple[str, ...]:
        return tuple(cls.name for cls in self._registry.handlers() if self._test(cls))

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"ModeNames({list(self._names())})"
