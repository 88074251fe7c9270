"""`completion`: continue the spark's own text. Every result starts with the spark verbatim.

The spark is the assistant prefill, so the model writes only the continuation; the first
fragment it writes attaches to the spark's last word (the sentence goes on), the rest are
comma-separated phrases that go through the shared repair and de-duplication.
"""

from __future__ import annotations

import random

from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import facets, wording
from modes.base import ModeContext, ModeHandler, Plan
from modes.craft import (
    clean_phrase,
    content_set,
    dedupe_phrases,
    derive_seed,
    join_within,
    normalize_text,
    split_phrases,
    strip_chatter,
    words,
)
from modes.relevance import COMPLETION_FLOOR
from modes.spark import analyze, art_direction, enrichment

SYSTEM = (
    "You complete prompts for an AI image generator. Continue the given text with vivid visual "
    "details: setting, style, lighting, colors. Write one line of short comma-separated phrases."
)
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "a knight standing",
        "a knight standing on a windswept cliff at dusk, tattered crimson cape, "
        "oil painting, dramatic rim light, muted blues and golds",
    ),
    (
        "an old tram in the rain,",
        "an old tram in the rain, cobblestone street at night, reflections on "
        "wet stones, cinematic film still, warm yellow windows, teal shadows",
    ),
)
# The examples' own phrases: a copy of one ("teal shadows", "reflections on wet stones") belongs to
# the example's scene, not to the spark's; so does the end of an example's sentence ("on a windswept
# cliff at dusk", which "a knight standing" got back word for word, whatever the seed).
EXAMPLE_PHRASES = frozenset(
    " ".join(words(part))
    for start, full in EXAMPLES
    for part in (start, full.split(",")[0][len(start) :], *full.split(",")[1:])
    if part.strip(" ,")
)
MAX_NEW_PHRASES = 6
MIN_NEW_PHRASES = 3
# A small local model (`ModeContext.small_model`): its phrases after the first were usable 4 times
# in 30 on 32 held-out sparks, its first ones 66 in 166 (`python -m eval.calibrate_completion`).
# So it is asked only to finish a spark that stops mid-sentence (`unfinished`), and only its first
# phrase is kept; a finished spark is continued with curated art direction (`fallback`).
SMALL_MODEL_PHRASES = 1
SMALL_MODEL_TOKENS = 32  # room for the first phrase and the start of the next


def spark_text(ctx: ModeContext) -> str:
    """The spark exactly as the caller wrote it, made single-line (newlines become spaces)."""
    return " ".join(normalize_text(ctx.spark).split())


class CompletionMode(ModeHandler):
    name = "completion"
    # The continuation is the model's own scene: gated (calibrated: eval/calibration/relevance.jsonl)
    relevance_floor = COMPLETION_FLOOR
    keeps_spark = True
    title = "Completion"
    summary = "continues your words"
    spark_hint = "The start of a prompt; each result continues it."

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        spark = spark_text(ctx)
        if ctx.small_model and not unfinished(spark):
            # a small model's continuation of a finished spark was usable 2 times in 5: the spark is
            # continued with curated art direction that agrees with it (`fallback`)
            return Plan(rows=[], extra={"spark": spark})
        messages = [ChatMessage("system", SYSTEM)]
        for start, full in EXAMPLES:
            messages += [ChatMessage("user", f"Continue: {start}"), ChatMessage("assistant", full)]
        messages.append(ChatMessage("user", f"Continue: {spark}"))
        rows = [
            LMRequest(
                messages=tuple(messages),
                prefill=spark,
                max_new_tokens=SMALL_MODEL_TOKENS if ctx.small_model else 44,
                **self.sampling(ctx, derive_seed(ctx.seed, self.name, attempt, c)),
            )
            for c in range(count)
        ]
        return Plan(rows=rows, extra={"spark": spark})

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        spark = plan.extra["spark"]
        results = [self.extend(ctx, spark, out.text, out.finished) for out in outputs]
        if ctx.small_model:  # "a lone wolf in the snow" in two results of one request is one idea twice
            seen: set[frozenset[str]] = set()
            for i, result in enumerate(results):
                idea = frozenset(content_set(first_addition(spark, result))) if result else frozenset()
                if idea and idea in seen:
                    results[i] = None
                seen.add(idea)
        return results

    def extend(self, ctx: ModeContext, spark: str, continuation: str, finished: bool) -> str | None:
        leading_space = continuation[:1].isspace()
        text = normalize_text(continuation).split("\n", 1)[0]
        if text.startswith(spark):  # some servers echo the prefill
            text = text[len(spark) :]
            leading_space = text[:1].isspace()
        if leading_space:
            text = " " + text.lstrip()
        glue_to_spark = bool(text) and not text[0].isspace() and text[0] not in ",;."
        stripped = text.strip()
        if not stripped:
            return None
        pieces = split_phrases(stripped if text[0] not in ",;." else stripped.lstrip(",;. "))
        if not pieces:
            return None
        head = ""
        facts = analyze(spark)
        known = frozenset(words(spark))
        chosen: facets.Tags = facts.fixed
        if text[0] not in ",;.":  # the first fragment continues the spark's own sentence
            head = clean_phrase(pieces.pop(0), max_words=10)
            if head and not (wording.is_well_formed(spark + " " + head, known) and facts.accepts(head)):
                return None  # the spark's own sentence would go on wrong: nothing else can mend it
            if head and copies_example(head):
                return None  # the few-shot example's sentence, not a continuation of this spark
            if head and not glue_to_spark:
                head = " " + head
            chosen = facets.merge(chosen, facets.tags(head))
        spark_words = content_set(spark)
        phrases = []
        for piece in pieces:
            phrase = clean_phrase(strip_chatter(piece), 9)
            if phrase and content_set(phrase) - spark_words and wording.is_well_formed(phrase, known) \
                    and not copies_example(phrase) and facts.accepts(phrase, chosen) \
                    and facts.stays_on_subject(phrase):
                phrases.append(phrase)
                chosen = facets.merge(chosen, facets.tags(phrase))
        phrases = dedupe_phrases(phrases, seen=[spark + head])
        # A continuation drifts: its first new idea is usually part of the scene, later ones wander
        # ("crumbling stone in moonlit light, red turban sandalwood" after an oak). Of the phrases
        # that share no word with the spark and direct no art, only the first stays.
        scene_words, strays = content_set(spark + head), 0
        on_scene = []
        for phrase in phrases:
            stray = content_set(phrase).isdisjoint(scene_words) and not art_direction(phrase)
            if stray and strays:
                continue
            strays += stray
            on_scene.append(phrase)
        if not finished and on_scene:
            on_scene = on_scene[:-1]  # cut at the token budget: the last phrase may be partial
        # a small model's phrase after the end of the spark's sentence is a later phrase: on 8 such
        # phrases read on 2026-12-03, 6 restated the subject wrong ("a lighthouse in the sky")
        keep = (SMALL_MODEL_PHRASES - bool(head)) if ctx.small_model else MAX_NEW_PHRASES
        phrases = on_scene[:keep]
        if not head and not phrases:
            return None
        if len(phrases) < MIN_NEW_PHRASES:  # a short continuation gets a style and a light to render with
            rng = random.Random(derive_seed(ctx.seed, self.name, "enrich", continuation))
            # the sentence as the model ended it: "a cat asleep on a cold winter's night" is at night
            scene = analyze(spark + head) if head else facts
            phrases = dedupe_phrases([*phrases, *enrichment(scene, rng, chosen)], seen=[spark + head])
        budget = max(ctx.word_limit - len((spark + head).split()), 0)
        tail = join_within(phrases, budget)
        base = spark + head
        result = f"{base}, {tail}" if tail else base
        new_words = content_set(result) - spark_words
        return result if len(new_words) >= 2 else None

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        spark = spark_text(ctx)
        facts = analyze(spark)
        # a format's own details say what the asset needs ("crisp outlines"); a scene's generic ones
        # ("drifting dust motes") only thin the spark out
        slots = ("styles", "lighting", "palettes", *(("details",) if facts.format is not None else ()))
        additions = enrichment(facts, rng, facts.fixed, slots)
        tail = join_within(
            dedupe_phrases(additions, seen=[spark]), max(ctx.word_limit - len(spark.split()), 0)
        )
        joiner = " " if spark.endswith(",") else ", "
        return spark + joiner + tail if tail else spark



def unfinished(spark: str) -> bool:
    """The spark stops mid-sentence ("a knight standing", "a cat asleep on", "an old tram in the
    rain,"): only the model can finish it, so even a small one is asked to."""
    text = spark.rstrip()
    tokens = words(text)
    if not tokens or text.endswith((",", ";", ":", "-")):
        return bool(tokens)
    last = tokens[-1]
    return wording.is_broken(text) or last in wording.DANGLING_TAIL or (last.endswith("ing") and len(last) > 4)


def first_addition(spark: str, result: str) -> str:
    """What `result` adds right after the spark: its continuation's first fragment or phrase."""
    rest = result[len(spark) :] if result.startswith(spark) else result
    return rest.lstrip(" ,;").split(",", 1)[0]


def copies_example(phrase: str) -> bool:
    """`phrase` is, or holds, one of the examples' phrases."""
    text = " ".join(words(phrase))
    return any(example in text for example in EXAMPLE_PHRASES)
