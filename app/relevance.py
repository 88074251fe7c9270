"""The relevance gate's wiring: its floor from the settings and the backend, its embedder
(all-MiniLM-L6-v2 from its wheel, run on the torch thread)."""

from __future__ import annotations

import logging

import numpy as np

from app.settings import Settings
from models import embeddings, torch_thread
from models.lm.base import LanguageModel
from modes.relevance import RelevanceGate

log = logging.getLogger(__name__)


def relevance_gate(settings: Settings, lm: LanguageModel) -> RelevanceGate | None:
    """The gate for `lm`'s results, or None when off (`relevance_gate`: auto is on for a local
    model, whose phrases need it, and off for a remote one). `relevance_floor` 0: each gated mode's
    calibrated floor; a value: that floor for every gated mode."""
    on = settings.relevance_gate == "on" or (settings.relevance_gate == "auto" and lm.backend == "local")
    if not on:
        return None
    floor = settings.relevance_floor if settings.relevance_floor > 0 else None
    try:
        embeddings.model_path()
    except RuntimeError as exc:  # a deployment without the wheel: results are not gated, said once
        log.warning("the relevance gate is off: %s", exc)
        return None
    embedder = embeddings.shared()

    async def embed(texts: list[str]) -> np.ndarray:
        return await torch_thread.run(embedder, texts)

    async def load() -> None:
        await torch_thread.run(embedder.load)

    return RelevanceGate(embed, floor, load)
