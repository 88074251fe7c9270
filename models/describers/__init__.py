"""Image describers, looked up by name (`PROMPTGEN_DESCRIBER`): `builtin`, `openai`, `local`."""

from __future__ import annotations

from typing import Protocol

from core.registry import Registry
from models.describers.base import ImageDescriber, ImageDescription


class Settings(Protocol):
    """What the describer factories read of the service's settings (`app.settings.Settings`
    has it; each backend's `from_settings` reads its own fields)."""

    @property
    def describer(self) -> str: ...


registry: Registry[ImageDescriber] = Registry("describer")


def _builtin(settings: Settings) -> ImageDescriber:
    from models.describers.builtin import BuiltinDescriber

    return BuiltinDescriber()


def _openai(settings: Settings) -> ImageDescriber:
    from models.describers.openai import OpenAIDescriber

    return OpenAIDescriber.from_settings(settings)


def _local(settings: Settings) -> ImageDescriber:
    from models.describers.local import LocalDescriber  # torch and transformers load lazily

    return LocalDescriber.from_settings(settings)


registry.add("builtin", _builtin)
registry.add("openai", _openai)
registry.add("local", _local)


def create_describer(settings: Settings) -> ImageDescriber:
    return registry.get(settings.describer)(settings)


__all__ = ["ImageDescriber", "ImageDescription", "create_describer", "registry"]
