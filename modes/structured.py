"""`structured`: a well-formed prompt with explicit slots, built around the spark's subject.

Slots: subject (the spark, kept), setting, medium and style, composition and camera,
lighting, palette, details. With a backend that continues prefills, every slot of every
candidate is its own short row ("Subject: <spark>\nLighting:") in one batched call, so a
small model only ever writes a few words at a time, where it is good. Each slot is then
checked against that slot's vocabulary (a lighting phrase must talk about light) and
replaced from the curated lists when it fails.
"""

from __future__ import annotations

import functools
import random
import re

from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import facets, vocab, wording
from modes.base import ModeContext, ModeHandler, Plan
from modes.craft import (
    STOPWORDS,
    clean_phrase,
    content_set,
    content_words,
    dedupe_phrases,
    derive_seed,
    join_within,
    split_phrases,
    strip_chatter,
    tidy_spark,
    words,
)
from modes.relevance import STRUCTURED_FLOOR
from modes.spark import ART_WORDS, SparkFacts, analyze

SLOTS: tuple[tuple[str, str], ...] = (
    ("setting", "Setting"),
    ("style", "Style"),
    ("composition", "Camera"),
    ("lighting", "Lighting"),
    ("palette", "Palette"),
    ("details", "Details"),
)
SLOT_TOKENS = {"setting": 12, "style": 10, "composition": 10, "lighting": 10, "palette": 10, "details": 18}
# The field naming each slot's curated values, on a `Format` and in `modes.spark.SLOT_LISTS`.
FORMAT_FIELD = {
    "setting": "settings",
    "style": "styles",
    "composition": "compositions",
    "lighting": "lighting",
    "palette": "palettes",
    "details": "details",
}
# Style words that name no medium or style on their own: "art piece", "edible art" say nothing.
# "glass", "pastel", "still" are half of "stained glass", "pastel chalk", "film still": alone a
# material or a colour ("porcelain glass" is no style for a teapot).
GENERIC_STYLE = frozenset(
    {"art", "artwork", "style", "digital", "studio", "stylized", "concept", "glass", "stained", "pastel", "film",
     "still", "matte", "realistic"}
)
# Light words that only qualify a light: "bright", "dim" or "golden" alone light nothing.
LIGHT_QUALIFIERS = frozenset(
    "bright dim dark hazy luminous radiant golden glowing illuminated lit shimmering volumetric backlit "
    "moonlit candlelit".split()
)
# What a camera phrase may be made of: framing, angle, lens and their qualities. A camera value
# with any other word talks about something else ("wide-angle lens with multiple cameras",
# "handheld lens with a glass prism") and is replaced from the curated compositions.
CAMERA_WORDS = vocab.COMPOSITION_WORDS | frozenset(
    "handheld camera lens lenses shot shots close closer low high eye level three-quarter quarter straight-on "
    "straight front frontal side top-down top down rule-of-thirds rule angle angled tracking dolly pan panning "
    "zoom zoomed crop cropped tight tightly extreme wide medium long full body head shoulders waist knee upper "
    "bust over-the-shoulder shoulder orthographic elevated ground worm's-eye worm's bird's bird's-eye "
    "establishing hero negative space centred off-center off-centre asymmetrical diagonal leading lines "
    "layered shallow deep soft sharp selective vertical horizontal square frame filling fisheye anamorphic "
    "aperture focal length dynamic dramatic intimate candid cinematic subject detailed centered eye-level "
    "low-angle high-angle wide-angle close-up closeup extreme-close-up slightly slight gentle overhead "
    "straight-down downward upward looking up from below above behind beside front-facing facing "
    "three-quarters distance distant far near view views viewpoint point pov first-person third-person "
    "isometric dimetric orthogonal flat lay flat-lay knolling grid centre center middle one two three "
    "against horizon silhouette silhouetted split symmetrical pose mark balanced figure product "
    "head-and-shoulders tile toward towards neatly arranged arrangement single object even coverage layout "
    "tilt-shift miniature "
    "telephoto macro mm f stop 1 2 4 8 11 16 18 24 35 50 85 100 135 200 24mm 35mm 50mm 85mm 100mm 135mm 200mm".split()
)


def _camera_only(phrase: str) -> bool:
    """`phrase` holds only camera words (and small words), not a camera and something else."""
    return all(w in CAMERA_WORDS or w in STOPWORDS for w in words(phrase))


SLOT_KEYWORDS = {
    "style": vocab.STYLE_WORDS - GENERIC_STYLE,
    "composition": vocab.COMPOSITION_WORDS,
    "lighting": vocab.LIGHT_WORDS - LIGHT_QUALIFIERS,
    "palette": vocab.COLOR_WORDS,
}

SYSTEM = (
    "You write prompts for an AI image generator. Fill in each field with a short, concrete "
    "visual phrase of a few words. No sentences, no explanations."
)
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "a lighthouse on a cliff",
        "Subject: a lighthouse on a cliff\nStyle: oil painting, romanticism\nSetting: stormy North "
        "Atlantic coast\nCamera: low-angle wide shot\nLighting: dramatic golden hour backlight\nPalette: deep "
        "teal and amber\nDetails: crashing waves, seagulls, sea spray",
    ),
    (
        "a fox in the snow",
        "Subject: a red fox in the snow\nStyle: wildlife photography\nSetting: silent birch forest at dawn\n"
        "Camera: telephoto close-up, shallow depth of field\nLighting: soft diffuse morning light\nPalette: "
        "white and rust orange\nDetails: frost on whiskers, falling snowflakes",
    ),
    (
        "a robot barista",
        "Subject: a robot barista\nStyle: 3D render, soft stylized shapes\nSetting: cozy retro-futuristic cafe\n"
        "Camera: medium shot at eye level\nLighting: warm window light\nPalette: mint green and chrome\n"
        "Details: steam rising from a cup, tiny LED eyes",
    ),
    (
        "an ancient desert temple",
        "Subject: an ancient desert temple\nStyle: matte painting, epic fantasy\nSetting: towering sand "
        "dunes under a pale sky\nCamera: aerial wide shot\nLighting: harsh midday sun, long shadows\nPalette: ochre and "
        "turquoise\nDetails: crumbling columns, drifting sand, carved glyphs",
    ),
)
# Values (and each comma phrase of them) the examples use: a copy of one is not an answer.
EXAMPLE_VALUES = frozenset(
    " ".join(words(part))
    for _, answer in EXAMPLES
    for line in answer.splitlines()[1:]
    for part in (line.partition(":")[2], *line.partition(":")[2].split(","))
)


def _conversation(ctx: ModeContext, subject: str) -> tuple[ChatMessage, ...]:
    messages = [ChatMessage("system", SYSTEM + _grounding(ctx))]
    for spark, answer in pick_examples(subject):
        messages += [ChatMessage("user", f"Spark: {spark}"), ChatMessage("assistant", answer)]
    messages.append(ChatMessage("user", f"Spark: {subject}"))
    return tuple(messages)


EXAMPLE_WORDS = [frozenset(content_words(answer)) for _, answer in EXAMPLES]


def pick_examples(subject: str, k: int = 2) -> list[tuple[str, str]]:
    """The k examples least like the spark, so the model can't copy one that fits too well."""
    spark_words = content_set(subject)
    order = sorted(range(len(EXAMPLES)), key=lambda i: len(spark_words & EXAMPLE_WORDS[i]))
    return [EXAMPLES[i] for i in order[:k]]


def _grounding(ctx: ModeContext) -> str:
    parts = []
    if ctx.image_descriptions:
        parts.append(" Reference images: " + " | ".join(d.to_text() for d in ctx.image_descriptions)[:600] + ".")
    if ctx.style_examples:
        parts.append(" Match the style of these examples: " + " | ".join(ctx.style_examples[:3])[:600] + ".")
    return "".join(parts)


@functools.lru_cache(maxsize=8192)
def _slot_tokens(phrase: str) -> frozenset[str]:
    """A phrase's words with and without a plural s (memoised: slot phrases recur)."""
    tokens = words(phrase)
    return frozenset(tokens) | {w.rstrip("s") for w in tokens}


@functools.lru_cache(maxsize=8192)
def _is_example_value(phrase: str) -> bool:
    return " ".join(words(phrase)) in EXAMPLE_VALUES


# Words that name no place: a setting of only these and adjectives ("small scale", "ornate") says
# where nothing is.
NOT_A_PLACE = frozenset(
    "scale size style detail details quality design setting background look tone mood vibe aesthetic "
    "theme version vintage retro modern classic elegant rustic minimalist futuristic fancy beautiful exterior "
    "interior surface finish".split()
)


def _names_a_place(phrase: str) -> bool:
    """A word of `phrase` names a place: not only adjectives, light or colour ("neon lights" is a
    light, not where a bakery is)."""
    return any(
        w not in wording.ADJECTIVES
        and w not in NOT_A_PLACE
        and w.rstrip("s") not in vocab.LIGHT_WORDS
        and w not in vocab.LIGHT_WORDS
        and w not in vocab.COLOR_WORDS
        and w not in STOPWORDS
        and not wording.COMPOUND_ADJECTIVE.fullmatch(w)  # "gilt-edged"
        for w in words(phrase)
    )


# Qualities a detail may hold but not be ("cold", "quiet"): the word lists lack them as adjectives.
QUALITIES = frozenset(
    "cold warm hot cool wet dry soft hard calm quiet silent peaceful serene cozy cosy antique vintage coppery "
    "silvery rosy ruddy inky milky creamy earthy fiery icy smoky".split()
)
# Endings of a word that qualifies rather than names ("rusted", "contemplative", "mysterious").
ONLY_A_QUALITY = re.compile(r"(?:ed|ive|ous|ful|ic|al|ly|ish|less|able|ible)$")


# Words about the picture itself, not about what it shows.
PICTURE_WORDS = frozenset(
    "image images picture pictures photo photos photograph photographs camera cameras exposure long-exposure "
    "render rendering shot shots lens lenses frame framing composition".split()
)


def names_a_thing(detail: str) -> bool:
    """A detail shows something: not adjectives alone ("rustic wooden", "cold") nor one word of art
    direction ("light", "glow"), which the other slots say better."""
    tokens = words(detail)
    if "no" in tokens or "without" in tokens:
        return False  # an absence shows nothing, and may deny the spark ("no flowers" among orchids)
    if not PICTURE_WORDS.isdisjoint(tokens):
        return False  # the picture, not a thing in it: "a series of aerial cameras", "long-exposure inside"
    vague = wording.ADJECTIVES | vocab.COLOR_WORDS | STOPWORDS | QUALITIES | ART_WORDS | NOT_A_PLACE | {"scene"}
    if all(t in vague or t.rstrip("s") in vague for t in tokens):  # "golden light", "moonlit setting"
        return False
    if len(tokens) == 1 and (tokens[0] in QUALITIES or ONLY_A_QUALITY.search(tokens[0])):
        return False  # "rusted", "contemplative", "coppery": a quality of the subject, not a thing in the picture
    return not (len(tokens) == 1 and tokens[0] in ART_WORDS)


def _slot_ok(slot: str, phrase: str) -> bool:
    if not phrase:
        return False
    if slot == "setting":
        return _names_a_place(phrase)
    if slot == "palette" and (re.search(r"\d", phrase) or facets.tags(phrase).keys() & {"lens", "view", "medium"}):
        return False  # "20mm and white palette": a lens leaked into the colours
    if slot == "palette" and not _ends_in_a_colour(phrase):
        return False  # "white and light palette", "bright and sun-kissed palette": no second colour
    if slot == "composition" and re.search(r"\b(?:no|without)\b", phrase):
        return False  # "wide-angle lens with no aperture"; "no flowers" in a greenhouse full of orchids
    if slot == "composition" and words(phrase)[-1:] in (["close"], ["low"], ["high"], ["wide"], ["extreme"], ["tight"]):
        return False  # "low angle close": a shot without its noun
    if slot == "composition" and not _camera_only(phrase):
        return False  # "wide-angle lens with multiple cameras", "handheld lens with a glass prism"
    if slot == "lighting" and set(words(phrase)) <= {"light", "lights", "lighting", "glow", "glowing"}:
        return False  # "light" alone lights nothing in particular
    if slot == "lighting" and re.search(r"\d+-[a-z]", phrase):
        return False  # "30-point lighting" ("5600K daylight" is a light)
    if slot == "style" and "medium" in facets.tags(phrase):
        return True
    keywords = SLOT_KEYWORDS.get(slot)
    if keywords is None:
        return True
    return not keywords.isdisjoint(_slot_tokens(phrase))


def _ends_in_a_colour(palette: str) -> bool:
    """The palette's last word (before "palette", "tones"...) is a colour: "white and dark" and
    "white and light" name one colour and a quality."""
    tokens = [t for t in words(palette) if not PALETTE_WORD.fullmatch(t)]
    last = tokens[-1] if tokens else ""
    return last in vocab.COLOR_WORDS - {"warm", "cool", "vibrant", "muted", "saturated", "desaturated"} or (
        last.endswith("s") and last[:-1] in vocab.COLOR_WORDS
    )


# What a small model's slot value may be made of, read off 513 slot values the embedded model
# wrote and a person judged (`eval/calibration/structured_slots.jsonl`; `python -m
# eval.calibrate_structured` prints what each rule keeps). Its usable lights are plain ones ("warm
# light", "soft ambient lighting", "golden light", "moonlit glow"); the rest named a hue the scene
# does not have ("soft red glow", "dark blue glow"), a material ("metallic glow"), a source from
# elsewhere ("glow of the ceiling", "light pollution") or a brightness alone ("bright light").
PLAIN_LIGHT_WORDS = frozenset(
    "soft warm cool dim diffuse diffused ambient natural golden pale gentle dramatic harsh moody muted "
    "white early late morning evening dawn dusk sunset sunrise twilight moonlit moonlight candlelight "
    "candlelit candle-lit firelight fire-lit lamplight neon daylight sunlight sunlit glow glowing light "
    "lights lighting rim backlight backlit".split()
)
# Camera words a small model misuses: "handheld lens with wide aperture", "high-angle zoom",
# "deep shot", "shot camera". Its usable framings are angles and shot sizes.
CAMERA_JARGON = frozenset("camera handheld aperture zoom deep".split())
# Colours a palette may be made of when a small model wrote it: plain hues and neutrals. "pastel",
# "earthy", "metallic", "wood" and a lone "light and ..." named no second colour or a material.
PLAIN_COLOURS = frozenset(
    "red orange yellow green blue purple violet pink magenta teal turquoise amber gold golden silver "
    "white black grey gray brown beige cream ivory crimson scarlet emerald sapphire navy indigo "
    "lavender mint olive ochre rust copper bronze charcoal slate coral peach maroon burgundy".split()
)
PALETTE_QUALIFIERS = frozenset("dark deep light pale bright soft muted rich vibrant warm cool".split())
NEUTRALS = frozenset("black white grey gray silver ivory cream charcoal slate".split())
SAME_HUE = ({"blue", "navy", "sapphire", "indigo"}, {"white", "ivory", "cream"}, {"gold", "golden", "amber"},
            {"grey", "gray", "slate", "charcoal", "silver"})


SMALL_MODEL_UNASKED = ("setting", "details")


def small_model_keeps(slot: str, phrase: str) -> bool:
    """A slot value the embedded model wrote that a person would keep, by the rules the judged
    values gave: a plain light, an angle or shot size, two distinct plain colours. Its settings
    and details are never kept (usable 15 of 58 and 35 of 126, and no rule found the good ones)."""
    tokens = words(phrase)
    if not tokens or slot in SMALL_MODEL_UNASKED:
        return False
    if slot == "lighting":
        colours = set(tokens) & vocab.COLOR_WORDS - {"golden", "warm", "cool", "white", "muted", "neon"}
        return (
            all(t in PLAIN_LIGHT_WORDS or t in STOPWORDS for t in tokens)
            and not colours
            and not {"soft", "harsh"} <= set(tokens)
        )
    if slot == "composition":
        return CAMERA_JARGON.isdisjoint(tokens) and "close shot" not in " ".join(tokens)
    if slot == "palette":
        palette_words = [t for t in tokens if not PALETTE_WORD.fullmatch(t)]
        named = [t for t in palette_words if t not in STOPWORDS and t not in PALETTE_QUALIFIERS]
        if not named or not all(t in PLAIN_COLOURS for t in named):
            return False
        if len(named) == 2 and any(set(named) <= same for same in SAME_HUE):
            return False  # "dark blue and navy": one colour twice
        if set(named) <= NEUTRALS or {"gold", "silver"} <= set(named):
            return False  # black and white turns a colour scene grey; gold and silver is a material
        parts = re.split(r"\band\b", " ".join(palette_words))
        return all(set(part.split()) - PALETTE_QUALIFIERS for part in parts)  # not "light and pale gold"
    return slot == "style"  # the curated style chosen for the candidate (the model is never asked for one)


OTHER_LABEL = re.compile(r"^\s*[A-Za-z ]{2,20}:\s*")
PALETTE_WORD = re.compile(r"palette|tones?|colou?rs|hues")


def repair_slot(slot: str, raw: str, subject: str, finished: bool = True) -> str:
    """The usable part of a slot value, or "" when none is."""
    text = strip_chatter(raw).split("\n", 1)[0]
    if ":" in text:
        text = OTHER_LABEL.sub("", text)  # the model wrote another label
    max_words = 8 if slot != "details" else 6
    pieces = split_phrases(text)
    if not finished and pieces and (len(pieces) > 1 or len(pieces[0].split()) > 4):
        pieces = pieces[:-1]  # cut off at the token budget: the last phrase is likely partial
    subject_words = content_set(subject)
    phrases = []
    for piece in pieces:
        phrase = clean_phrase(piece, max_words)
        if phrase and not _is_example_value(phrase) and not content_set(phrase) <= subject_words:
            phrases.append(phrase)
    if slot == "details":
        return ", ".join(dedupe_phrases(phrases)[:3])
    for phrase in phrases[:2]:
        if _slot_ok(slot, phrase):
            if slot == "palette" and not PALETTE_WORD.search(phrase):
                phrase += " palette"
            return phrase
    return ""


class StructuredMode(ModeHandler):
    name = "structured"
    relevance_floor = STRUCTURED_FLOOR  # its settings and details (modes/relevance.py)
    images = "condition"
    keeps_spark = True
    title = "Structured"
    summary = "setting, style, camera, light"

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        subject = tidy_spark(ctx.spark)
        conversation = _conversation(ctx, subject)
        facts = analyze(subject)
        asked = model_slots(facts, ctx.small_model)
        styles = styles_for(ctx, facts, count, attempt) if prefill else []
        rows: list[LMRequest] = []
        keys: list[tuple[int, str]] = []
        for c in range(count):
            if prefill:
                # The style is chosen first (a different one for each candidate where the spark
                # leaves it open) and every other slot is written seeing it.
                head = f"Subject: {subject}\n" + (f"Style: {styles[c]}\n" if styles[c] else "")
                for slot, label in asked:
                    if slot == "style" and styles[c]:
                        continue
                    seed = derive_seed(ctx.seed, self.name, attempt, c, slot)
                    rows.append(
                        LMRequest(
                            messages=conversation,
                            prefill=f"{head}{label}:",
                            max_new_tokens=SLOT_TOKENS[slot],
                            **self.sampling(ctx, seed),
                        )
                    )
                    keys.append((c, slot))
            else:
                seed = derive_seed(ctx.seed, self.name, attempt, c)
                rows.append(
                    LMRequest(
                        messages=conversation,
                        prefill=f"Subject: {subject}\n",
                        max_new_tokens=120,
                        stop_at_newline=False,
                        **self.sampling(ctx, seed),
                    )
                )
                keys.append((c, "*"))
        return Plan(rows=rows, keys=keys, extra={"subject": subject, "attempt": attempt, "styles": styles})

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        subject = plan.extra["subject"]
        slots_by_candidate: dict[int, dict[str, tuple[str, bool]]] = {}
        for (c, slot), out in zip(plan.keys, outputs, strict=True):
            values = slots_by_candidate.setdefault(c, {})
            if slot == "*":
                values.update({k: (v, True) for k, v in _parse_template(out.text).items()})
            else:
                values[slot] = (out.text, out.finished)
        results: list[str | None] = []
        for c in sorted(slots_by_candidate):
            raw = slots_by_candidate[c]
            filled = {}
            for slot, _ in SLOTS:
                text, finished = raw.get(slot, ("", True))
                filled[slot] = repair_slot(slot, text, subject, finished)
            styles = plan.extra.get("styles") or []
            if c < len(styles) and styles[c]:
                filled["style"] = styles[c]
            if sum(1 for v in filled.values() if v) < 3:
                results.append(None)  # too little survived repair: re-sample this candidate
                continue
            rng = random.Random(derive_seed(ctx.seed, self.name, plan.extra["attempt"], c, "fill"))
            results.append(self.compose(ctx, subject, filled, rng))
        return results

    def compose(self, ctx: ModeContext, subject: str, filled: dict[str, str], rng: random.Random) -> str:
        """Subject first, then each slot in order. A slot value is kept only when it is well formed
        and agrees with the spark, its format and the values kept before it (so one prompt never
        holds two media or two times of day); an empty slot takes a curated value that agrees."""
        facts = analyze(subject)
        known = frozenset(words(subject))
        chosen: facets.Tags = facts.fixed
        phrases: list[str] = []
        for slot, _ in SLOTS:
            parts = [p.strip() for p in (filled.get(slot) or "").split(",") if p.strip()]
            if slot == "setting" and facts.format is not None and not facts.format.scene:
                parts = []  # an isolated asset is never placed in a scene the model invents
            if ctx.small_model:
                parts = [p for p in parts if small_model_keeps(slot, p)]
            kept: list[str] = []
            for part in parts:
                if (
                    wording.is_well_formed(part, known)
                    and facts.accepts(part, chosen)
                    and (slot != "details" or (facts.stays_on_subject(part) and names_a_thing(part)))
                    and (slot != "setting" or facts.fits_place(part))  # no forest for a reading nook
                ):
                    kept.append(part)
                    chosen = facets.merge(chosen, facets.tags(part))
            if slot == "details" and facts.format is not None and facts.format.details:
                kept = kept[:1]  # one of the model's, one that the format asks for
                kept.append(facts.pick(rng, facts.format.details, chosen))
            elif not kept and not (slot == "style" and facts.medium - {"illustration"}) and not (
                slot == "lighting" and facts.states_light
            ) and not (slot == "details" and ctx.small_model):
                # a small model's scene gets no generic detail either: "drifting dust motes" on a
                # hummingbird, "light rain droplets" in a diner say nothing about the scene
                kept = [facts.curated(rng, FORMAT_FIELD[slot], chosen)]
            for part in kept:
                for piece in (p.strip() for p in part.split(",")):
                    if piece:
                        phrases.append(piece)
                        chosen = facets.merge(chosen, facets.tags(piece))
        kept_phrases = [subject, *dedupe_phrases(phrases, seen=[subject])]
        return join_within(kept_phrases, max(ctx.word_limit, len(subject.split())))

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        subject = tidy_spark(ctx.spark)
        return self.compose(ctx, subject, {}, rng)


def styles_for(ctx: ModeContext, facts: SparkFacts, count: int, attempt: int) -> list[str]:
    """One curated style per candidate that agrees with the spark (the format's own first),
    different ones while there are enough; "" for every candidate when a style model's examples
    decide the style, or when nothing fits."""
    if ctx.style_examples or facts.medium - {"illustration"}:
        return [""] * count  # a style model, or the spark itself, decides the style
    own: tuple[str, ...] = facts.format.styles if facts.format else ()
    fitting = [s for s in own if facts.accepts(s)] or [s for s in vocab.STYLES if facts.accepts(s)]
    if not fitting:
        return [""] * count
    # per spark: one seed gives every spark its own first style, not "highly detailed 3D render" for all
    rng = random.Random(derive_seed(ctx.seed, "structured-styles", attempt, ctx.spark.lower()))
    order = rng.sample(fitting, k=len(fitting))
    return [order[c % len(order)] for c in range(count)]


def model_slots(facts: SparkFacts, small_model: bool = False) -> tuple[tuple[str, str], ...]:
    """The slots the model writes: all but the setting of an isolated asset (an icon, a sprite),
    and neither setting nor details for a small model, which `small_model_keeps` never keeps."""
    unasked = set(SMALL_MODEL_UNASKED) if small_model else set()
    if small_model and facts.medium - {"illustration"}:
        unasked.add("style")  # the spark's medium is the style: "art of modern fantasy" for a pixel-art sprite
    if facts.format is not None and not facts.format.scene:
        unasked.add("setting")
    return tuple(slot for slot in SLOTS if slot[0] not in unasked)


def _parse_template(text: str) -> dict[str, str]:
    """Read "Label: value" lines from a whole-template answer."""
    labels = {label.lower(): slot for slot, label in SLOTS}
    labels.update(
        {"medium": "style", "composition": "composition", "colors": "palette", "colours": "palette"}
    )
    values: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        slot = labels.get(label.strip().lower().strip("*# "))
        if sep and slot and slot not in values:
            values[slot] = value.strip()
    return values
