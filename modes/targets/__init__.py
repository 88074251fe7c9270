"""Prompts written for the model that will draw them (`targetModel`).

    from modes import targets
    targets.registry.get("sdxl")()            # its TargetProfile
    targets.render(prompt, profile, ...)      # a mode's result re-phrased for the family
    targets.negative_prompt(prompt, spark)    # what would spoil this picture
    targets.family_of("replicate:flux-schnell")   # the family of an image backend: "flux"

The families are data (`profiles.py`); rendering is a step after the mode (`render.py`): the
modes keep writing what they write. CLIP token counts use CLIP's own vocabulary (`clip.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from core.registry import Registry
from modes.targets.negatives import negative_prompt
from modes.targets.profiles import PROFILES, TargetProfile
from modes.targets.render import Rendered, fit_clip, render, with_negative

registry: Registry[TargetProfile] = Registry("targetModel")
for _profile in PROFILES:
    registry.add(_profile.name, lambda p=_profile: p)
NAMES: tuple[str, ...] = tuple(p.name for p in PROFILES)
DEFAULT = "generic"

if TYPE_CHECKING:
    TargetName = str
else:
    TargetName = Literal[NAMES]

# An image backend's `provider:model` -> the family its prompts are written for: the first
# entry whose words the lower-case id contains (anything else: `generic`).
BACKEND_FAMILIES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gpt-image", "dall-e", "dalle"), "gpt-image"),
    (("flux",), "flux"),
    (("imagen", "gemini", "nano-banana"), "imagen"),
    (("midjourney",), "midjourney"),
    (("sdxl", "stable-diffusion-xl", "sd-xl", "xl-base", "playground-v2", "juggernaut"), "sdxl"),
    (("stable-diffusion-v1", "sd-1.5", "sd15", "sd-v1", "stable-diffusion-1"), "sd15"),
)


def profile(name: str) -> TargetProfile:
    """The profile of family `name` (a 400 naming the families when unknown)."""
    return registry.get(name)()


def family_of(model_id: str) -> str:
    """The family an image backend's prompts are written for (`generic` when not known)."""
    lowered = model_id.lower()
    for words, family in BACKEND_FAMILIES:
        if any(word in lowered for word in words):
            return family
    return DEFAULT


__all__ = [
    "DEFAULT",
    "NAMES",
    "PROFILES",
    "Rendered",
    "TargetName",
    "TargetProfile",
    "family_of",
    "fit_clip",
    "negative_prompt",
    "profile",
    "registry",
    "render",
    "with_negative",
]
