"""The language-model interface every backend implements.

A backend gets a batch of `LMRequest`s (one per candidate row, each with its own seed and
sampling settings) and returns one `LMOutput` per request, in order. Backends that can
continue a partly written assistant turn (`supports_prefill`) get the prefill appended to the
conversation; others are asked to begin their answer with it, and strip it if echoed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import msgspec


class ChatMessage(msgspec.Struct, frozen=True):
    role: str  # "system" | "user" | "assistant"
    content: str


class LMRequest(msgspec.Struct, kw_only=True, frozen=True):
    """One row of generation: a conversation, an optional assistant prefill, sampling."""

    messages: tuple[ChatMessage, ...]
    prefill: str = ""
    max_new_tokens: int = 48
    temperature: float = 0.7
    top_p: float = 0.9
    seed: int = 0
    stop_at_newline: bool = True
    repetition_penalty: float = 1.2
    no_repeat_ngram: int = 3


class LMOutput(msgspec.Struct, kw_only=True):
    """The text generated after the prefill; `finished` is False when cut at max_new_tokens."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finished: bool = True


class LanguageModel(ABC):
    """Base of language-model backends. Identity is class attributes (a wrapper may set them
    on its instance); one abstract method."""

    backend: str
    supports_prefill: bool = False
    translates: bool = False  # a spark in another language can be sent for an English translation
    model_id: str = ""

    @abstractmethod
    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        """Generate one output per request, all within `deadline_s` seconds."""

    async def load(self) -> None:  # noqa: B027 - optional hook
        """Load weights or open connections; called once at start-up."""

    async def warm(self, rows: list[LMRequest]) -> None:  # noqa: B027 - optional hook
        """Get ready for requests like `rows`; called once after `load`. Nothing by default (a
        remote backend must not be billed for it); the local model computes and keeps their
        conversation heads."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""

    @property
    def ready(self) -> bool:
        return True
