"""The relevance gate: a scene phrase that does not belong to the spark's scene is left out.

A small model writes scene phrases a person throws away: "a longbow and arrow slung over his
back" for a fisherman mending nets, "a grandiose roaring lioness" in a cozy reading nook, "24-karat
gold" for an airship over a desert. The repair rules cannot see these (each is well formed); a
sentence embedding can: the phrase's cosine with the prompt's head (the spark, with the twist
woven in for inventive results) is low. The gate reads a candidate back into its parts
(`modes.parts`), scores its setting and detail phrases, and drops those below `floor`, unless
they hang on a phrase that is on topic (a detail of an on-topic detail stays). Art direction
(medium, light, view, palette, finish) is chosen from curated tables and is not scored; a kept
term (`keepTerms`) is never dropped; the head never is.

A mode's floor (`ModeHandler.relevance_floor`) is calibrated on phrases a person judged
(`eval/calibration/relevance.jsonl`, split into a part to choose the floor on and a held-out part
to measure it on: `python -m eval.calibrate_relevance`). The gate is on for a local model by
default and off for a remote one, whose phrases rarely need it and would lose a few good ones
(`PROMPTGEN_RELEVANCE_GATE`; `PROMPTGEN_RELEVANCE_FLOOR` sets one floor for every gated mode).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

from modes import facets, keep, parts, vocab
from modes.spark import FORMATS

Embed = Callable[[list[str]], Awaitable[np.ndarray]]

# The calibrated floors (all-MiniLM-L6-v2 cosine with the head; `python -m eval.calibrate_relevance
# --mode MODE`: the best accuracy on the dev phrases). Measured on held-out phrases, the gate drops
# 40% of completion's off-topic phrases (2 in 3 of those it drops are off topic) and 24% of the
# structured mode's (5 in 7).
COMPLETION_FLOOR = 0.25
STRUCTURED_FLOOR = 0.2
# The inventive mode keeps none of a local model's own phrases after its head (the spark with its
# twist): judged, 13 of 44 were usable ("a sea of lanterns"), the rest word salad ("a gentle
# blowout by a whale", "a glass-batted violin solitaire"). No rule tried kept the good ones on
# sparks it was not chosen on: a cosine band with no rare word kept 4 usable and 1 unusable on the
# dev sparks, 0 and 5 on held-out ones (`python -m eval.calibrate_inventive`). A floor of 1 or more
# drops every phrase after the head that is not curated, art direction included, without scoring.
INVENTIVE_FLOOR = 1.0

# Phrases of art direction the facet tagger does not tag: finish, mood, rendering words. They
# are chosen from curated tables, not read from the spark's scene.
ART_DIRECTION = re.compile(
    r"(?<![\w-])(?:palette|tones?|colou?rs?|hues?|light(?:ing|s)?|lit|glow(?:ing)?|shadows?|shot|lens|"
    r"angle|view|framing|composition|focus|close-?up|perspective|depth of field|bokeh|render(?:ed|ing)?|"
    r"painting|illustration|artwork|style|sketch|drawing|print|photo(?:graph|graphy)?|aesthetic|mood|"
    r"atmosphere|cinematic|details?|detailed|textures?|materials?|finish|contrast|grain|reflections?|"
    r"outline|edges?|background|backdrop|centered|centred|silhouette|highlights?|haze|particles|"
    r"motes|vignette|brushwork|strokes?)(?![\w-])",
    re.IGNORECASE,
)
COLOUR_MODIFIERS = frozenset(
    "dark deep light pale bright vivid vibrant soft muted warm cool rich dusty faded neon pastel "
    "glowing shimmering metallic".split()
)
SCORED: frozenset[parts.Part] = frozenset({"setting", "detail"})
# Facets that name art direction; a place, a biome, the weather belong to the scene and are scored.
ART_FACETS = frozenset({"medium", "light", "time", "view", "lens", "bits", "genre"})


def _curated() -> frozenset[str]:
    """Every phrase of the curated tables (vocabularies, formats), each comma piece alone: chosen
    to suit the spark, never read from the model."""
    tables: list[tuple[str, ...]] = [
        vocab.STYLES, vocab.COMPOSITIONS, vocab.LIGHTING, vocab.PALETTES, vocab.DETAILS, vocab.TWISTS,
    ]
    for form in FORMATS:
        tables += [form.styles, form.settings, form.compositions, form.lighting, form.details, form.palettes]
    return frozenset(piece.lower() for table in tables for entry in table for piece in parts.split(entry))


CURATED = _curated()


def is_art_direction(phrase: str) -> bool:
    """A phrase of art direction (curated, a facet of art direction, colours or finish words)."""
    low = phrase.lower()
    if low in CURATED or ART_DIRECTION.search(low) or facets.tags(low).keys() & ART_FACETS:
        return True
    words = [w for w in re.findall(r"[a-z]+", low) if w not in ("and", "with", "of", "a", "the")]
    return bool(words) and all(
        w in vocab.COLOR_WORDS or w[:-1] in vocab.COLOR_WORDS or w in COLOUR_MODIFIERS for w in words
    )


def head_size(spark: str) -> int:
    """How many leading phrases of a result are its head: the spark's own phrases (a mode writes
    the spark first; inventive weaves its twist into them)."""
    return max(1, len(parts.split(spark)))


def scene_phrases(
    prompt: str, spark: str, kept: Sequence[str] = (), every: bool = False
) -> tuple[str, list[str]]:
    """(head, the phrases after it the gate scores; `every`: all that are not curated)."""
    texts = parts.split(prompt)
    size = head_size(spark)
    head = ", ".join(texts[:size])
    scored = []
    for phrase in parts.read(prompt)[size:]:
        text = phrase.text
        if every:
            if text.lower() in CURATED:
                continue
        elif phrase.part not in SCORED or is_art_direction(text):
            continue
        if any(keep.contains(text, term) for term in kept):
            continue
        scored.append(text)
    return head, scored


def off_topic(head_vector: np.ndarray, vectors: np.ndarray, floor: float) -> list[bool]:
    """Which of the scene phrases (`vectors`, unit rows) are off topic: below `floor` against
    the head, and below it on every path through another phrase that is itself on topic."""
    if not len(vectors):
        return []
    to_head = vectors @ head_vector
    between = vectors @ vectors.T
    on_topic = to_head >= floor
    out = []
    for i in range(len(vectors)):
        rescued = any(
            on_topic[j] and between[i, j] >= floor for j in range(len(vectors)) if j != i
        )
        out.append(not on_topic[i] and not rescued)
    return out


def without(prompt: str, dropped: set[str]) -> str:
    """`prompt` without the phrases in `dropped` (phrases joined by ", " again)."""
    return ", ".join(text for text in parts.split(prompt) if text not in dropped)


class RelevanceGate:
    """Prunes off-topic scene phrases from a batch of candidates with one embedding call;
    `floor`, when set, replaces every mode's calibrated floor (an operator's choice)."""

    def __init__(
        self, embed: Embed, floor: float | None = None, load: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.embed = embed
        self.floor = floor
        self._load = load

    async def load(self) -> None:
        """Load the embedding model now (the service's warm-up), not with the first request."""
        if self._load is not None:
            await self._load()

    async def prune(
        self, candidates: list[str], spark: str, floor: float, kept: Sequence[str] = ()
    ) -> list[str]:
        """Each candidate without its scene phrases below `floor` (or the gate's own floor)."""
        floor = self.floor if self.floor is not None else floor
        if floor <= 0 or not spark.strip():
            return candidates
        if floor >= 1.0:  # nothing the model wrote after the head is kept: no need to score it
            read = [scene_phrases(c, spark, kept, every=True) for c in candidates]
            return [without(c, set(scored)) if scored else c for c, (_, scored) in zip(candidates, read, strict=True)]
        read = [scene_phrases(c, spark, kept) for c in candidates]
        texts = list(dict.fromkeys(t for head, scored in read if scored for t in (head, *scored)))
        if not texts:
            return candidates
        vectors = await self.embed(texts)
        index = {text: i for i, text in enumerate(texts)}
        out = []
        for candidate, (head, scored) in zip(candidates, read, strict=True):
            if not scored:
                out.append(candidate)
                continue
            flags = off_topic(vectors[index[head]], vectors[[index[t] for t in scored]], floor)
            dropped = {text for text, flag in zip(scored, flags, strict=True) if flag}
            out.append(without(candidate, dropped) if dropped else candidate)
        return out
