"""Negative prompts (`negativePrompt: true`): what would spoil this picture, from data.

The spoilers come from what the spark analysis already found (`modes.spark.analyze`: the format
the spark names; `modes.registers.subjects`: the kind of subject) and from the medium (the
spark's, else the one the result chose, read by `modes.facets`): a portrait gets extra fingers
and deformed hands, a logo photographic texture and gradients, pixel art anti-aliasing and blur,
a photograph cartoon and CGI. A short general list closes every one.

A negative term never contradicts the prompt: a term sharing a content word with the prompt,
or naming a facet value the prompt states (a "cartoon" spoiler for an anime prompt), is left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from modes import craft, facets, registers, spark

# The kind of subject (`modes.registers.KINDS`) -> its spoilers.
BY_KIND: dict[str, tuple[str, ...]] = {
    "person": ("extra fingers", "deformed hands", "asymmetrical eyes", "distorted face", "extra limbs"),
    "animal": ("extra legs", "malformed paws", "fused limbs", "asymmetrical eyes"),
    "vehicle": ("warped wheels", "bent perspective", "melted chrome"),
    "dish": ("unappetizing colors", "plastic-looking food", "messy plate"),
}
# The format the spark names (`modes.spark.FORMATS`) -> its spoilers.
BY_FORMAT: dict[str, tuple[str, ...]] = {
    "portrait": ("asymmetrical eyes", "distorted face", "cropped head"),
    "logo": ("photographic texture", "gradients", "clutter", "drop shadows", "tiny details"),
    "icon": ("photographic texture", "busy background", "clutter", "tiny unreadable details"),
    "ui": ("photographic texture", "clutter", "misaligned elements", "blurry edges"),
    "sticker": ("photographic texture", "busy background", "ragged outline"),
    "sprite": ("busy background", "perspective distortion", "anti-aliasing", "blurry edges"),
    "iso-tile": ("perspective distortion", "cropped tile", "busy background"),
    "top-tile": ("visible seams", "perspective distortion", "uneven lighting"),
    "product": ("dust", "fingerprints", "cluttered background", "warped label"),
    "flatlay": ("harsh shadows", "cluttered arrangement", "tilted perspective"),
    "poster": ("cluttered layout", "garbled lettering"),
}
# The medium (`modes.facets` "medium" values) -> its spoilers.
BY_MEDIUM: dict[str, tuple[str, ...]] = {
    "pixel": ("anti-aliasing", "blur", "smooth gradients", "photorealism", "jpeg artifacts"),
    "photo": ("cartoon", "cgi", "illustration", "painting", "plastic skin", "oversaturated"),
    "vector": ("photographic texture", "noise", "gradients", "photorealism"),
    "oil": ("photorealism", "flat digital look", "smooth plastic surfaces"),
    "watercolor": ("hard digital edges", "photorealism", "heavy black outlines"),
    "drawing": ("color noise", "photorealism", "smudged lines"),
    "render3d": ("flat shading", "low-resolution textures", "clipping geometry"),
    "cel": ("photorealism", "muddy colors", "inconsistent line weight"),
    "digital-paint": ("photorealism", "muddy colors", "overworked details"),
    "clay": ("photorealism", "smooth plastic look"),
    "print": ("photorealism", "smooth gradients"),
}
GENERAL: tuple[str, ...] = ("blurry", "low quality", "watermark", "signature", "jpeg artifacts", "text")
MAX_TERMS = 14


def _contradicts(term: str, prompt: str, prompt_words: frozenset[str]) -> bool:
    """`term` asks to leave out something the prompt says it wants."""
    if craft.content_set(term) & prompt_words:
        return True
    own, wanted = facets.tags(term), facets.tags(prompt)
    return any(own[facet] & wanted.get(facet, frozenset()) for facet in own)


def negative_prompt(prompt: str, spark_text: str, keep_terms: Sequence[str] = ()) -> str:
    """The spoilers of the picture `prompt` describes (for the spark `spark_text`), as one comma
    list; none contradicts the prompt or names a kept term."""
    facts = spark.analyze(spark_text) if spark_text else spark.analyze(prompt)
    kinds = registers.subjects(spark_text or prompt)
    media = facts.medium or facets.tags(prompt).get("medium", frozenset())
    picked: list[str] = []
    if facts.format is not None:
        picked += BY_FORMAT.get(facts.format.name, ())
    for kind in ("person", "animal", "vehicle", "dish"):
        if kind in kinds:
            picked += BY_KIND[kind]
    for medium in sorted(media):
        picked += BY_MEDIUM.get(medium, ())
    picked += GENERAL
    words = craft.content_set(" ".join([prompt, *keep_terms]))
    out: list[str] = []
    for term in picked:
        if term not in out and not _contradicts(term, prompt, words):
            out.append(term)
    return ", ".join(out[:MAX_TERMS])
