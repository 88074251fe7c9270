"""`scripted`: a zero-cost backend whose answers come from a function.

It is the seam for mode tests (feed a handler exactly the junk a weak model writes) and the
zero-cost backend of the overhead benchmark. It is selectable by configuration
(`PROMPTGEN_LM_BACKEND=scripted`) so the service can be measured without a model.

The default responder behaves like a model that follows instructions: a row prefilled with a
field label of the structured and contextual templates ("...\\nLighting:") is answered with
a phrase for that field, any other row with a few generic descriptive phrases. The choice
depends only on the row's seed and costs an index, so seeded requests stay deterministic and
the backend costs next to nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from itertools import permutations

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
_GENERIC = tuple(" " + ", ".join(combo) for combo in permutations(_PHRASES, 3))

# Answers for labelled fields, the way an instruction-following model fills them in.
_FIELDS: dict[str, tuple[str, ...]] = {
    "setting": ("misty harbour town at dusk", "overgrown greenhouse ruins", "quiet mountain valley"),
    "style": ("watercolor illustration", "cinematic photography", "gouache painting, storybook style"),
    "camera": ("wide-angle shot from a low angle", "close-up portrait shot", "overhead view"),
    "lighting": ("soft rim light", "warm lantern light", "cool moonlight through fog"),
    "palette": ("indigo and copper", "sage green and cream", "crimson and charcoal"),
    "details": ("weathered wood, drifting petals", "moss on stone, scattered leaves", "rain puddles, neon signs"),
}


@functools.lru_cache(maxsize=1024)
def _field_of(prefill: str) -> str:
    """The field label a prefill ends with ("Subject: x\\nLighting:" -> "lighting"), or ""."""
    return prefill.rpartition("\n")[2].rstrip(":").strip().lower() if prefill.endswith(":") else ""


def _default_responder(row: LMRequest) -> str:
    answers = _FIELDS.get(_field_of(row.prefill))
    if answers is not None:
        return " " + answers[row.seed % len(answers)]
    return _GENERIC[row.seed % len(_GENERIC)]


class ScriptedLanguageModel(LanguageModel):
    backend = "scripted"
    supports_prefill = True
    model_id = "scripted"
    MAX_RECORDED = 1000  # a long-running server on this backend must not grow without bound

    def __init__(self, responder: Callable[[LMRequest], str] | None = None) -> None:
        self.responder = responder or _default_responder
        self.calls: list[list[LMRequest]] = []  # the latest batches, for tests to inspect

    async def generate(self, requests: list[LMRequest], deadline_s: float) -> list[LMOutput]:
        self.calls.append(list(requests))
        if len(self.calls) > self.MAX_RECORDED:
            del self.calls[: self.MAX_RECORDED // 2]
        outputs = []
        for row in requests:
            text = self.responder(row)
            if row.stop_at_newline:
                text = text.split("\n", 1)[0]
            outputs.append(LMOutput(text=text, completion_tokens=len(text.split())))
        return outputs
