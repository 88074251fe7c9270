"""The image-describer interface, and the description every describer returns.

A describer looks at one validated image and says what it sees. Every backend reports the
same measurable facts (palette, light, contrast, orientation, detail: the builtin Pillow
analysis computes them for all of them); `subject`, what the image shows, comes from the
asset's stored description, a vision backend, or the builtin describer's offline namer when
it is sure enough, and is empty when none of them knows: modes then assert no content. Mode
handlers receive the `ImageDescription` objects themselves (`ModeContext.image_descriptions`),
so a handler never depends on which backend looked at the image; `to_text` is the one line
a language model is shown.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import ClassVar

import msgspec

from core.images import ValidatedImage

# The keys of the one-line text form, in order.
FIELDS: tuple[str, ...] = ("subject", "medium", "palette", "lighting", "contrast", "orientation", "detail")


class ImageDescription(msgspec.Struct, kw_only=True):
    """What a describer saw. Phrases, not sentences: each can go straight into a prompt."""

    subject: str = ""  # what the image shows (the asset's stored description, a vision model, the namer)
    subject_confidence: float = 0.0  # the builtin namer's summed probability for `subject` (0: not measured)
    medium: str = ""  # "photograph", "flat graphic illustration"
    colors: list[str] = msgspec.field(default_factory=list)  # named dominant colours, largest first
    palette: str = ""  # "burnt orange, crimson and deep violet palette"
    lighting: str = ""  # "warm golden-hour glow"
    brightness: str = ""  # "dark", "dim", "balanced", "bright", "very bright"
    contrast: str = ""  # "high contrast"
    orientation: str = ""  # "landscape", "portrait", "square"
    detail: str = ""  # "fine, intricate detail"
    source: str = ""  # the describer that produced it

    def to_text(self) -> str:
        """One line: `subject: ...; medium: ...; palette: ...` (empty fields left out)."""
        parts = []
        for key in FIELDS:
            value = getattr(self, key)
            if value:
                parts.append(f"{key}: {_flat(value)}")
        return "; ".join(parts)

    def flat(self) -> ImageDescription:
        """A copy whose phrases are single lines without `;` (what a prompt can take as is)."""
        changes = {key: _flat(getattr(self, key)) for key in FIELDS}
        return msgspec.structs.replace(self, colors=[_flat(c) for c in self.colors], **changes)

    def short_subject(self, max_words: int = 14) -> str:
        """The first phrase of the subject, usable as a prompt's subject ("" when unknown)."""
        first = re.split(r"[,;.:!?\n]", self.subject, maxsplit=1)[0]
        return " ".join(first.split()[:max_words]).strip("\"'“”` ")

    def summary(self) -> str:
        """A short human line: subject (if known), medium, palette and light."""
        head = self.subject or (f"a {self.medium}" if self.medium else "an image")
        extras = [p for p in (self.palette, self.lighting) if p]
        return ", ".join([head, *extras])


class ImageDescriber(ABC):
    """Base of describer backends: identity as class attributes, one abstract method."""

    name: ClassVar[str]
    model_id: str = ""

    @property
    def cache_key(self) -> str:
        """Descriptions are cached per image and per this key (backend and model)."""
        return f"{self.name}:{self.model_id}" if self.model_id else self.name

    @abstractmethod
    async def describe(self, image: ValidatedImage, note: str = "") -> ImageDescription:
        """Describe `image`; `note` is what its uploader said it shows (may be empty)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections or weights."""


def _flat(value: str) -> str:
    """A value safe inside the one-line form (no `;` or newlines)."""
    return " ".join(value.replace(";", ",").split())
