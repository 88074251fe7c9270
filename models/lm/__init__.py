"""Language-model backends, looked up by name (`PROMPTGEN_LM_BACKEND`)."""

from __future__ import annotations

from typing import Protocol

from core.registry import Registry
from models.lm.base import ChatMessage, LanguageModel, LMOutput, LMRequest


class Settings(Protocol):
    """What the language-model factories read of the service's settings (`app.settings.Settings`
    has it; each backend's `from_settings` reads its own fields)."""

    @property
    def lm_backend(self) -> str: ...


registry: Registry[LanguageModel] = Registry("lm backend")


def _local(settings: Settings) -> LanguageModel:
    from models.lm.local import LocalLanguageModel  # torch and transformers load lazily

    return LocalLanguageModel.from_settings(settings)


def _openai(settings: Settings) -> LanguageModel:
    from models.lm.openai import OpenAILanguageModel

    return OpenAILanguageModel.from_settings(settings)


def _scripted(settings: Settings) -> LanguageModel:
    from models.lm.scripted import ScriptedLanguageModel

    return ScriptedLanguageModel()


registry.add("local", _local)
registry.add("openai", _openai)
registry.add("scripted", _scripted)


def create_language_model(settings: Settings) -> LanguageModel:
    return registry.get(settings.lm_backend)(settings)


__all__ = ["ChatMessage", "LMOutput", "LMRequest", "LanguageModel", "create_language_model", "registry"]
