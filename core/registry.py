"""A tiny name -> factory registry shared by every backend kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from core.errors import ValidationFailed

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps backend names to classes; a failed lookup names the valid choices."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorator(factory: Callable[..., T]) -> Callable[..., T]:
            self._entries[name] = factory
            return factory

        return decorator

    def add(self, name: str, factory: Callable[..., T]) -> None:
        self._entries[name] = factory

    def remove(self, name: str) -> None:
        """Forget `name` (tests register throwaway entries); unknown names are ignored."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> Callable[..., T]:
        try:
            return self._entries[name]
        except KeyError:
            raise ValidationFailed(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}",
                field=self.kind,
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries
