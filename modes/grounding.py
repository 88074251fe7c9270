"""What a reference image lets a prompt assert, shared by the contextual and image-editing modes.

A prompt may name what the describer reported (the asset's stored description, a vision
model's caption, the builtin namer's noun) or what the caller asked for (the spark), never a
subject made up to fill the gap. When neither exists the modes build on what was measured
(colours, light, contrast, framing, detail), with leads that assert no content ("a colour
study", "a tonal study of light and shadow"), and the response says so in `warnings`.
"""

from __future__ import annotations

from models.describers.base import ImageDescription
from modes.base import ModeContext

# Leads for a prompt built on an image's look alone: each describes the picture to make, not
# something the reference is claimed to show.
LOOK_LEADS = (
    "a colour study",
    "a tonal study of light and shadow",
    "a study of texture and colour",
    "a quiet composition of colour and light",
    "a study of light and colour",
    "a mood study in colour",
)
# Renderings that vary a look-only prompt without adding content, by medium.
PHOTO_TREATMENTS = (
    "soft film grain",
    "shallow depth of field",
    "subtle vignette",
    "fine-art print quality",
    "long-exposure softness",
    "gentle lens bloom",
)
GRAPHIC_TREATMENTS = (
    "clean vector shapes",
    "bold flat colour blocks",  # not "colour fields": a field is a place to the subject checks
    "crisp hard edges",
    "layered paper-cut look",
    "minimal geometric forms",
    "smooth gradients",
)


def subject_known(facts: ImageDescription) -> bool:
    """The describer reported what the image shows."""
    return bool(facts.short_subject())


def look_lead(variant: int) -> str:
    return LOOK_LEADS[variant % len(LOOK_LEADS)]


def treatments(facts: ImageDescription, variant: int, count: int = 2, photo: bool | None = None) -> list[str]:
    """`count` renderings for candidate `variant`: disjoint runs of the medium's list first, then
    runs with another stride, so that five candidates of one image get five different sets.
    `photo` overrides the image's medium (a spark that asks for a drawing of a photo gets a drawing's)."""
    if photo is None:
        photo = "photograph" in facts.medium
    options: tuple[str, ...] = PHOTO_TREATMENTS if photo else GRAPHIC_TREATMENTS
    if "monochrome" in facts.palette or "monochrome" in facts.medium:  # a black-and-white image
        options = tuple(o for o in options if "colour" not in o and "gradient" not in o)
    n = len(options)
    runs = max(n // count, 1)  # disjoint runs per stride
    stride = 1 + (variant // runs) % max(n - 1, 1)
    start = (variant % runs) * count + variant // runs
    return [options[(start + i * stride) % n] for i in range(count)]


def which_image(index: int, total: int) -> str:
    return "the image" if total == 1 else f"image {index + 1} of {total}"


def warn_unrecognised(ctx: ModeContext, index: int, total: int, consequence: str) -> None:
    """Say once, in `warnings`, that an image's subject was not recognised and what follows."""
    message = (
        f"the subject of {which_image(index, total)} was not recognised: {consequence}; "
        "send a `prompt` (or an asset with a `description`) to name it"
    )
    if message not in ctx.warnings:
        ctx.warnings.append(message)
