"""Mode handlers, looked up by name. Adding a mode: one file, one line below, one test."""

from __future__ import annotations

from modes.base import ModeContext, ModeHandler, ModeRegistry, Plan
from modes.completion import CompletionMode
from modes.contextual import ContextualMode
from modes.image_editing import ImageEditingMode
from modes.inventive import InventiveMode
from modes.structured import StructuredMode

# Part of every cache key: bump it whenever a handler's instructions, repair or fill-in change.
RECIPE_VERSION = "2026.12.03-17"

registry = ModeRegistry()
registry.register(StructuredMode)
registry.register(CompletionMode)
registry.register(InventiveMode)
registry.register(ContextualMode)
registry.register(ImageEditingMode)


def get_mode(name: str) -> ModeHandler:
    return registry.get(name)()


__all__ = ["ModeContext", "ModeHandler", "ModeRegistry", "Plan", "get_mode", "registry"]
