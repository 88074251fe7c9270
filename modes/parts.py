"""A written prompt read back into its parts: the subject, then setting, medium, composition,
lighting, atmosphere (weather, season, warmth), palette and details, each phrase tagged with the part it plays.

The modes write the subject first and the art direction after it in comma phrases; this reads
any such prompt (a mode's, or one a user wrote) with the same tables the modes write with: the
facet tagger (`modes.facets`) says which phrase names a medium, a view, a light; the palette
words of the structured mode say which names colours. What is left is the setting (the phrase
right after the subject, or one that starts with a preposition of place) or a detail.

`IMPORTANCE` ranks the parts for shortening: details go first, the subject never.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

import msgspec

from modes import facets, keep

Part = Literal[
    "subject", "kept", "setting", "medium", "composition", "lighting", "atmosphere", "palette", "detail"
]
PARTS: tuple[Part, ...] = get_args(Part)

# Which part goes first when a prompt must lose some (lowest first); the subject never goes.
IMPORTANCE: dict[Part, int] = {
    "detail": 1,
    "palette": 2,
    "atmosphere": 3,
    "composition": 3,
    "lighting": 4,
    "setting": 5,
    "medium": 6,
    "kept": 100,  # a phrase that is a kept term (`modes.keep`)
    "subject": 100,
}

SPLIT = re.compile(r"\s*(?:[,;|]|\.\s+|\.$)\s*")
PALETTE = re.compile(
    r"(?<![\w-])(?:palette|tones?|colou?rs?|hues?|monochrome|duotone)(?![\w-])", re.IGNORECASE
)
PLACE = re.compile(
    r"^(?:in|on|at|inside|under|beneath|against|by|near|above|amid|amidst|among|along|across|over|"
    r"within|through|beside|behind|atop|underneath|floating)\b",
    re.IGNORECASE,
)


class Phrase(msgspec.Struct, frozen=True, kw_only=True):
    """One comma phrase of a prompt and the part it plays."""

    text: str
    part: Part
    index: int  # its place in the prompt as written


def split(prompt: str) -> list[str]:
    """The prompt's phrases: split on commas, semicolons, bars and sentence stops."""
    return [p.strip() for p in SPLIT.split(prompt) if p and p.strip()]


def part_of(phrase: str, index: int, first_free: int = 1) -> Part:
    """The part `phrase` plays, at `index` in its prompt (the first phrase is the subject;
    `first_free`: the index of the first phrase after it that is not a kept term alone)."""
    if index == 0:
        return "subject"
    if keep.only_marks(phrase):
        return "kept"
    found = facets.tags(phrase)
    if "medium" in found:
        return "medium"
    if PALETTE.search(phrase):
        return "palette"
    if found.keys() & {"light", "time"}:
        return "lighting"
    if found.keys() & {"weather", "season", "temp"}:
        return "atmosphere"
    if found.keys() & {"view", "lens"}:
        return "composition"
    if index == first_free or PLACE.match(phrase):
        return "setting"
    return "detail"


def read(prompt: str) -> list[Phrase]:
    """The prompt's phrases with their parts, in the order written."""
    texts = split(prompt)
    first_free = next((i for i, text in enumerate(texts) if i and not keep.only_marks(text)), 1)
    return [Phrase(text=text, part=part_of(text, i, first_free), index=i) for i, text in enumerate(texts)]
