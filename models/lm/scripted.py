"""`scripted`: a zero-cost backend whose answers come from a function.

It is the seam for mode tests (feed a handler exactly the junk a weak model writes) and the
zero-cost backend of the overhead benchmark. It is selectable by configuration
(`PROMPTGEN_LM_BACKEND=scripted`) so the service can be measured without a model.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from models.lm.base import LanguageModel, LMOutput, LMRequest

_PHRASES = (
    "soft morning light",
    "intricate detail",
    "muted earth tones",
    "wide establishing shot",
    "painterly brushwork",
    "gentle mist",
    "rich textures",
    "cinematic composition",
)


def _default_responder(row: LMRequest) -> str:
    rng = random.Random(row.seed)
    return " " + ", ".join(rng.sample(_PHRASES, 3))


class ScriptedLanguageModel(LanguageModel):
    backend = "scripted"
    supports_prefill = True
    model_id = "scripted"

    def __init__(self, responder: Callable[[LMRequest], str] | None = None) -> None:
        self.responder = responder or _default_responder
        self.calls: list[list[LMRequest]] = []

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        self.calls.append(list(requests))
        outputs = []
        for row in requests:
            text = self.responder(row)
            if row.stop_at_newline:
                text = text.split("\n", 1)[0]
            outputs.append(LMOutput(text=text, completion_tokens=len(text.split())))
        return outputs
