"""`inventive`: new prompts inspired by the spark, each taking it somewhere different.

Each candidate gets its own twist (a change of medium, scale, world or material) drawn
without replacement from a curated list, so results differ by construction rather than by
luck; the model writes the prompt around the spark's subject and that twist.
"""

from __future__ import annotations

import random

from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import facets, registers, vocab, wording
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
    words,
)
from modes.engine import MAX_ATTEMPTS, SPARE
from modes.relevance import INVENTIVE_FLOOR
from modes.spark import SparkFacts, analyze, art_direction, enrichment, twisted

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
# The model's phrases after the opening one: a few short ones. Its long phrases are where a small
# model's word salad lives ("melted candy snow melting glass into a golden glow").
MAX_MODEL_PHRASES = 3
MAX_PHRASE_WORDS = 8


def twist_order(ctx: ModeContext) -> list[str]:
    """Every twist that keeps what the spark fixes (a pixel-art sprite is never turned into a
    stained glass window), in one order per seed and spark: one seed gives each spark its own
    twists, not the same two for all."""
    spark = tidy_spark(ctx.spark)
    rng = random.Random(derive_seed(ctx.seed, "inventive-twists", spark.lower()))
    facts = analyze(spark)
    said = content_set(spark)
    # a twist that names what the spark already is says nothing new ("a steampunk airship over a
    # desert in a dreamlike surreal desert")
    # a place out in the open (a canyon, a windy hill) is not moved inside a monastery or a ruin
    open_air = bool(facts.place) and bool(registers.domains(spark) & {"outdoor", "vista"})
    # a subject whose material the spark states keeps it: no "ceramic mug made of melting candy"
    made_of = not vocab.MATERIAL_WORDS.isdisjoint(words(spark))
    adorned = made_of or (facts.format is not None and not facts.format.scene)
    fitting = [
        t
        for t in fitting_twists(facts)
        if (adorned or t not in vocab.ADORNING_TWISTS)
        and facts.accepts(t)
        and content_set(t).isdisjoint(said)
        and not (open_air and t in vocab.ENCLOSING_TWISTS)
        and not (made_of and t in vocab.MATERIAL_TWISTS)
    ] or list(vocab.TWISTS)
    return rng.sample(fitting, k=len(fitting))


def twists_for(ctx: ModeContext, count: int, attempt: int) -> list[str]:
    """`count` different twists; a re-sample (`attempt` 1) takes the next ones in the same order,
    so it never repeats a twist a result of the first attempt already has."""
    order = twist_order(ctx)
    start = attempt * (ctx.num_results + SPARE)
    return [order[(start + i) % len(order)] for i in range(min(count, len(order)))]


class InventiveMode(ModeHandler):
    name = "inventive"
    relevance_floor = INVENTIVE_FLOOR  # a local model's own phrases are left out (modes/relevance.py)
    title = "Inventive"
    summary = "a different twist each"

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        spark = tidy_spark(ctx.spark)
        base = [ChatMessage("system", SYSTEM)]
        for idea, twist, answer in EXAMPLES:
            base += [ChatMessage("user", f"Idea: {idea}\nTwist: {twist}"), ChatMessage("assistant", answer)]
        twists = twists_for(ctx, count, attempt)
        if not ctx.own_phrases:  # composed from the twist and curated art direction: no model row
            return Plan(rows=[], keys=twists, extra={"spark": spark})
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
        if not ctx.own_phrases:
            return [
                self.composed(spark, twist, random.Random(derive_seed(ctx.seed, self.name, "composed", spark.lower(), twist)), ctx)
                for twist in plan.keys
            ]
        return [
            self.repair(ctx, spark, twist, out.text, out.finished)
            for twist, out in zip(plan.keys, outputs, strict=True)
        ]

    def composed(self, spark: str, twist: str, rng: random.Random, ctx: ModeContext) -> str:
        """The spark taken through `twist`, with curated style, light, palette and detail that agree
        with the twisted scene (what the fallback writes, and the result where the model's own
        phrases are not kept)."""
        facts = analyze(spark)
        head = with_twist(spark, twist)
        chosen = facets.merge(facts.fixed, facets.tags(twist))
        phrases = [head, *enrichment(twisted(spark, head), rng, chosen, ("styles", "lighting", "palettes", "details"))]
        return join_within(dedupe_phrases(phrases), ctx.word_limit)

    def repair(self, ctx: ModeContext, spark: str, twist: str, raw: str, finished: bool) -> str | None:
        line = first_line(strip_chatter(raw))
        facts = analyze(spark)
        known = frozenset(words(f"{spark} {twist}"))
        chosen = facets.merge(facts.fixed, facets.tags(twist))
        phrases = []
        longest = max(10, len(spark.split()) + 6)  # the opening phrase often holds the spark and the twist
        for piece in split_phrases(line):
            phrase = clean_phrase(piece, longest)
            if phrase and wording.is_well_formed(phrase, known) and facts.accepts(phrase, chosen):
                phrases.append(phrase)
                chosen = facets.merge(chosen, facets.tags(phrase))
        phrases = dedupe_phrases(phrases)
        if not finished and len(phrases) > 1:
            phrases = phrases[:-1]
        if not phrases:
            return None
        # The scene is the spark's subject taken through the twist: the model's opening phrase when
        # it keeps at least half the spark's words and some of the twist's, else the two said
        # plainly. The rest must belong to that scene (share a word with it) or direct the art
        # (medium, light, colour, framing).
        scene = content_set(f"{spark} {twist}")
        head = phrases[0]
        # The model's head counts only when it keeps every word of the spark (in its own order, or
        # the spark word for word): a looser paraphrase loses the subject ("a pixel-art sprite sheet
        # of glowing neon threads") or turns it inside out ("a vintage botanical plate sprite sheet
        # in the style of a running fox").
        # It must also hold the twist word for word: a head that rewords it garbles it ("a cyberpunk
        # alley after rain mosaic of ceramic tiles", "a reading nook in Victorian steampunk light").
        head_words, spark_words = content_set(phrases[0]), content_set(spark)
        head_text = " ".join(head.lower().split())
        verbatim = " ".join(spark.lower().split()) in head_text
        own_head = (
            (verbatim or spark_words <= head_words)
            and not head_words.isdisjoint(content_set(twist) - spark_words)
            and " ".join(twist.lower().split()) in head_text
        )
        if own_head:
            rest = phrases[1:]
        else:
            head = with_twist(spark, twist)
            rest = phrases
        said = content_set(f"{head} {spark}")
        twist_words = content_set(twist) - spark_words
        rest = [
            p for p in rest
            if len(p.split()) <= MAX_PHRASE_WORDS
            and (not content_set(p).isdisjoint(scene) or art_direction(p))
            and (len(content_set(p) - said) >= 2 or art_direction(p))  # "a colourful portrait of an
            and 2 * len(content_set(p) & spark_words) < len(spark_words)  # elderly fisherwoman" or "a
            # pixel-art sprite sheet of glowing neon threads" after the head say the spark again, and
            # "floating in zero gravity during a sunrise" after "... floating in zero gravity" the twist
            and not (twist_words and twist_words <= content_set(p))
        ]
        kept = dedupe_phrases(rest, seen=[head])[:MAX_MODEL_PHRASES]
        if not kept and not own_head:
            return None  # nothing of the model's survived: re-sample
        # A prompt to render needs a medium and a light: curated ones that agree with the spark,
        # the twist and the model's phrases, where the model named none.
        chosen = facets.merge(chosen, *(facets.tags(p) for p in (head, *kept)))
        wanted = tuple(
            slot for slot, facet in (("styles", "medium"), ("lighting", "light")) if facet not in chosen
        )
        rng = random.Random(derive_seed(ctx.seed, self.name, "finish", raw))
        # read as the twisted scene: no leaves to dapple the light once it is set under the sea
        extra = enrichment(twisted(spark, head), rng, chosen, wanted) if wanted else []
        return join_within([head, *kept, *extra][:MAX_PHRASES], ctx.word_limit)

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        spark = tidy_spark(ctx.spark)
        # past the twists every attempt gave its candidates, so a fallback repeats none of them
        order = twist_order(ctx)
        twist = order[(MAX_ATTEMPTS * (ctx.num_results + SPARE) + index) % len(order)]
        return self.composed(spark, twist, rng, ctx)


def fitting_twists(facts: SparkFacts) -> tuple[str, ...]:
    """The twists that suit the spark's format: an isolated asset (a logo, an icon) changes its
    material or make, never its world ("a logo lit only by fireflies" is no logo)."""
    if facts.format is not None and not facts.format.scene:
        return tuple(t for t in vocab.TWISTS if t not in vocab.SCENE_TWISTS)
    return vocab.TWISTS


def with_twist(spark: str, twist: str) -> str:
    """The spark taken through the twist: the twist follows the spark's first phrase, so that
    "a fox logo, no text" becomes "a fox logo carved from translucent ice, no text"."""
    first, comma, rest = spark.partition(",")
    return f"{first} {twist}{comma}{rest}"
