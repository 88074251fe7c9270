"""The image-model families a prompt can be written for (`targetModel`), as data.

Each family is one `TargetProfile`: how its text encoder likes a prompt phrased (comma tags or
natural sentences), in which order the parts go, its weights syntax (used only when a request
asks for `weights`), how long a prompt may be (CLIP windows counted with CLIP's own vocabulary,
or words), and the parameters it takes after the prompt. Adding a family is one entry below.

- `sd15`, `sdxl`: CLIP text encoders read comma-separated tags, earlier tokens weigh more,
  and what passes 77 tokens (75 of the prompt's) is cut off; `(word:1.2)` weights a phrase.
- `flux`, `gpt-image`, `imagen`: T5 or language-model encoders read natural sentences, each its
  own way: FLUX the subject first in plain sentences, the style last; gpt-image longer, fuller
  descriptions, one sentence for each part (lighting, palette, details...); Imagen concise
  photographic-style descriptions with the medium stated first ("An oil painting of ...").
- `midjourney`: short phrases, subject first and style last, `word::1.2` multi-prompt
  weights, parameters after the prompt (`--ar 16:9`, `--no` for the negative prompt).
- `generic`: today's output, untouched.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from modes.parts import Part

Phrasing = Literal["as-written", "tags", "sentences"]
Weights = Literal["paren", "double-colon"]


class TargetProfile(msgspec.Struct, frozen=True, kw_only=True):
    """How one family of image models reads a prompt."""

    name: str
    title: str
    phrasing: Phrasing
    order: tuple[Part, ...] = ()  # the parts after the subject, in the order written ("tags")
    weights: Weights | None = None  # the syntax of a phrase weight, when the family has one
    clip_windows: int | None = None  # at most this many 77-token CLIP windows
    max_words: int | None = None  # at most this many words (parameters not counted)
    aspect_parameter: str | None = None  # `--ar`: the aspect ratio as a parameter after the prompt
    negative_parameter: str | None = None  # `--no`: the negative prompt as a parameter after the prompt
    medium_first: bool = False  # sentences: the first opens with the medium ("An oil painting of ...")
    # sentences: one sentence per part after the subject's, in this order ("{}": its phrases); empty:
    # the medium, then the rest in one sentence ("Oil painting, with soft light and fine details.")
    part_sentences: tuple[tuple[Part, str], ...] = ()
    place_sentence: str = "The scene is {}."  # with part_sentences: a phrase opening with in/on/at...
    absence_sentence: str = "There is {}."  # with part_sentences: a phrase opening with no/without


TAG_ORDER: tuple[Part, ...] = (
    "kept",
    "medium",
    "setting",
    "composition",
    "lighting",
    "atmosphere",
    "palette",
    "detail",
)
STYLE_LAST: tuple[Part, ...] = (
    "kept",
    "setting",
    "composition",
    "lighting",
    "atmosphere",
    "palette",
    "detail",
    "medium",
)

PROFILES: tuple[TargetProfile, ...] = (
    TargetProfile(name="generic", title="Any model (the prompt as written)", phrasing="as-written"),
    TargetProfile(
        name="sd15",
        title="Stable Diffusion 1.x",
        phrasing="tags",
        order=TAG_ORDER,
        weights="paren",
        clip_windows=1,
    ),
    TargetProfile(
        name="sdxl",
        title="Stable Diffusion XL",
        phrasing="tags",
        order=TAG_ORDER,
        weights="paren",
        clip_windows=1,
    ),
    TargetProfile(name="flux", title="FLUX.1", phrasing="sentences", order=STYLE_LAST),
    TargetProfile(
        name="gpt-image",
        title="OpenAI gpt-image",
        phrasing="sentences",
        order=STYLE_LAST,
        part_sentences=(
            ("setting", "The setting is {}."),
            ("composition", "The framing is {}."),
            ("lighting", "The lighting is {}."),
            ("atmosphere", "The mood is {}."),
            ("palette", "The palette is {}."),
            ("detail", "Details include {}."),
            ("medium", "The style is {}."),
        ),
    ),
    TargetProfile(
        name="imagen",
        title="Google Imagen / Gemini",
        phrasing="sentences",
        order=TAG_ORDER,
        medium_first=True,
        max_words=45,
    ),
    TargetProfile(
        name="midjourney",
        title="Midjourney",
        phrasing="tags",
        order=STYLE_LAST,
        weights="double-colon",
        max_words=40,
        aspect_parameter="--ar",
        negative_parameter="--no",
    ),
)
