"""`inventive`: new prompts inspired by the spark, each taking it somewhere different.

Each candidate gets its own twist (a change of medium, scale, world or material) drawn
without replacement from a curated list, so results differ by construction rather than by
luck; the model writes the prompt around the spark's subject and that twist.
"""

from __future__ import annotations

import random

from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import vocab
from modes.base import ModeContext, ModeHandler, Plan
from modes.craft import (
    clean_phrase,
    content_set,
    dedupe_phrases,
    derive_seed,
    first_line,
    join_within,
    split_phrases,
    strip_chatter,
    tidy_spark,
)

SYSTEM = (
    "You invent fresh, surprising prompts for an AI image generator. Keep the idea's subject, "
    "change its world, material or scale as the twist says. Write one line of short "
    "comma-separated visual phrases."
)
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "a fox in the snow",
        "built from clockwork and brass",
        "a clockwork fox of brass gears prowling a snowy Victorian rooftop, steam curling from its joints, "
        "etched copper detail, cold blue moonlight, copper and frost palette",
    ),
    (
        "a lighthouse",
        "as a tiny diorama",
        "a miniature lighthouse diorama on a mossy rock, cotton-wool clouds, tilt-shift macro photo, "
        "warm lamp glow, handmade paper waves",
    ),
)
MAX_PHRASES = 8


def twists_for(ctx: ModeContext, count: int, attempt: int) -> list[str]:
    rng = random.Random(derive_seed(ctx.seed, "inventive-twists", attempt))
    return rng.sample(vocab.TWISTS, k=min(count, len(vocab.TWISTS)))


class InventiveMode(ModeHandler):
    name = "inventive"

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        spark = tidy_spark(ctx.spark)
        base = [ChatMessage("system", SYSTEM)]
        for idea, twist, answer in EXAMPLES:
            base += [ChatMessage("user", f"Idea: {idea}\nTwist: {twist}"), ChatMessage("assistant", answer)]
        twists = twists_for(ctx, count, attempt)
        rows = []
        for c, twist in enumerate(twists):
            messages = (*base, ChatMessage("user", f"Idea: {spark}\nTwist: {twist}"))
            seed = derive_seed(ctx.seed, self.name, attempt, c)
            rows.append(
                LMRequest(
                    messages=messages,
                    max_new_tokens=52,
                    **self.sampling(
                        ctx, seed, temperature=max(ctx.temperature, 0.8) if ctx.temperature > 0 else 0.0
                    ),
                )
            )
        return Plan(rows=rows, keys=twists, extra={"spark": spark})

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        spark = plan.extra["spark"]
        return [
            self.repair(ctx, spark, twist, out.text, out.finished)
            for twist, out in zip(plan.keys, outputs, strict=True)
        ]

    def repair(self, ctx: ModeContext, spark: str, twist: str, raw: str, finished: bool) -> str | None:
        line = first_line(strip_chatter(raw))
        phrases = [clean_phrase(p, 10) for p in split_phrases(line)]
        phrases = dedupe_phrases(p for p in phrases if p)
        if not finished and len(phrases) > 1:
            phrases = phrases[:-1]
        if len(phrases) < 2:
            return None
        # Inspired by the spark means it keeps something of it: when the model drifted off,
        # anchor the prompt on the spark's subject and the twist.
        if content_set(" ".join(phrases)).isdisjoint(content_set(spark)):
            phrases = [f"{spark} {twist}", *phrases]
        return join_within(phrases[:MAX_PHRASES], ctx.word_limit)

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        spark = tidy_spark(ctx.spark)
        twist = rng.choice(vocab.TWISTS)
        phrases = [
            f"{spark} {twist}",
            rng.choice(vocab.STYLES),
            rng.choice(vocab.LIGHTING),
            rng.choice(vocab.PALETTES),
            rng.choice(vocab.DETAILS),
        ]
        return join_within(dedupe_phrases(phrases), ctx.word_limit)
