"""`contextual`: prompts grounded in what the describer saw in `images`, optionally steered by a spark.

The describer's measured facts are not left to the model: each prompt's palette, lighting,
style and framing come straight from the description of one reference image (candidates take
the images in turn), and a high or low contrast and the level of detail join the details.
The subject is the spark, or else what the describer reported (a stored description, a vision
model's caption, the builtin namer's noun). The model writes only a few details around it, and
a setting when a spark steers the prompt (without one, the image's own surroundings were not
reported, so none is made up), each its own short prefilled row, as in `structured`, checked
and, when a row fails, replaced from curated lists. The model never invents a subject: when neither the
spark nor the describer names one, the prompt is built on the image's look alone (a neutral
lead such as "a colour study", then its palette, light, style and framing; no model call) and
`warnings` says the subject was not recognised (`modes/grounding.py`).
A style model's example prompts (`modelId`) set the style when they name one.
"""

from __future__ import annotations

import random
import re

from core.errors import ValidationFailed
from models.describers.base import ImageDescription
from models.lm.base import ChatMessage, LMOutput, LMRequest
from modes import grounding, vocab
from modes.base import ModeContext, ModeHandler, Plan
from modes.craft import (
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
from modes.spark import analyze

SYSTEM = (
    "You write prompts for an AI image generator from the description of a reference image. "
    "Fill in each field with a short, concrete visual phrase of a few words that fits the "
    "reference image and the idea. No sentences, no explanations."
)
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "subject: a harbor with fishing boats; medium: photograph; palette: navy, white and rust "
        "palette; lighting: crisp cool daylight",
        "none",
        "Subject: fishing boats moored in a small harbor\nSetting: stone quay of a northern fishing "
        "village\nDetails: coiled ropes, gulls on the masts, rippling water",
    ),
    (
        "medium: flat graphic illustration; palette: mint, cream and coral palette; lighting: "
        "bright even daylight",
        "a robot",
        "Subject: a small robot gardener\nSetting: rooftop vegetable garden\nDetails: watering can, "
        "sprouting seedlings, paper lanterns",
    ),
    (
        "subject: a forest trail; medium: photograph; palette: forest green, brown and gold palette; "
        "lighting: dappled sunlight",
        "none",
        "Subject: a hiker on a mossy forest trail\nSetting: ancient beech woodland in autumn\n"
        "Details: fallen leaves, shafts of light, rising mist",
    ),
)
EXAMPLE_VALUES = frozenset(
    " ".join(words(part))
    for *_, answer in EXAMPLES
    for line in answer.splitlines()
    for part in (line.partition(":")[2], *line.partition(":")[2].split(","))
)
ROW_TOKENS = {"subject": 14, "setting": 12, "details": 18}
# Words that describe how an image looks rather than what is in it: the image's own description
# already decides those, so a row made only of them (or naming a palette) is not accepted.
LOOK_WORDS = (
    vocab.STYLE_WORDS
    | vocab.COMPOSITION_WORDS
    | vocab.LIGHT_WORDS
    | vocab.COLOR_WORDS
    | frozenset(
        "detail details detailed texture textures textured intricate rich mood moody atmosphere atmospheric "
        "brushwork painterly earth tone tones palette hue hues quality beautiful stunning soft gentle "
        "sharp high low contrast establishing cinematic".split()
    )
)
LOOK_STEMS = LOOK_WORDS | frozenset(content_words(" ".join(sorted(LOOK_WORDS))))
PALETTE_STEMS = frozenset({"palette", "tone", "hue"})
MEDIUM_STYLES = {
    "photograph": "natural photograph",
    "black-and-white photograph": "black-and-white photography",
    "flat graphic illustration": "flat graphic illustration",
    "monochrome graphic": "monochrome graphic art",
}
# The image's aspect ratio as framing ("landscape" orientation says nothing about its content).
FRAMING = {
    "landscape": "wide horizontal framing",
    "portrait": "tall vertical framing",
    "square": "square centered composition",
}


def facts_of(ctx: ModeContext) -> list[ImageDescription]:
    return list(ctx.image_descriptions)


def style_from_examples(examples: list[str]) -> str:
    """A style phrase a style model's example prompts agree on (the first one found)."""
    for example in examples:
        for phrase in split_phrases(example):
            tokens = set(words(phrase))
            if tokens & vocab.STYLE_WORDS and len(phrase.split()) <= 6:
                return clean_phrase(phrase, 6)
    return ""


def fixed_slots(ctx: ModeContext, facts: ImageDescription) -> dict[str, str]:
    """The slots filled from the description itself: what the describer measured."""
    style = style_from_examples(ctx.style_examples) or MEDIUM_STYLES.get(facts.medium, facts.medium)
    if ctx.spark and not analyze(tidy_spark(ctx.spark)).accepts(style):
        style = ""  # the spark names its own medium ("a menu illustration"): the photo's does not apply
    extras = []
    if facts.contrast.startswith(("high", "low")):
        extras.append(facts.contrast.split(",")[0])
    if facts.detail.startswith("fine"):
        extras.append("intricate detail")
    return {
        "lighting": facts.lighting,
        "palette": facts.palette,
        "style": style,
        "composition": FRAMING.get(facts.orientation, ""),
        "extras": ", ".join(extras),
    }


def repair_row(slot: str, raw: str, avoid: str, finished: bool = True) -> str:
    """The usable part of a model row, or "" when none is."""
    text = strip_chatter(raw).split("\n", 1)[0]
    text = re.sub(r"^\s*[A-Za-z ]{2,20}:\s*", "", text)
    pieces = split_phrases(text)
    if not finished and pieces and (len(pieces) > 1 or len(pieces[0].split()) > 5):
        pieces = pieces[:-1]
    limit = 10 if slot == "subject" else 8 if slot == "setting" else 6
    phrases = [clean_phrase(p, limit) for p in pieces]
    avoid_words = content_set(avoid)
    kept = []
    for phrase in phrases:
        cw = content_set(phrase)
        if not phrase or " ".join(words(phrase)) in EXAMPLE_VALUES or not cw - avoid_words:
            continue
        head = content_words(phrase)[-1:]
        if not cw - LOOK_STEMS or cw & PALETTE_STEMS or set(head) & LOOK_STEMS:
            continue  # says how the image looks, which its description already decides
        kept.append(phrase)
    if slot == "details":
        return ", ".join(dedupe_phrases(kept)[:3])
    return kept[0] if kept else ""


class ContextualMode(ModeHandler):
    name = "contextual"
    needs_spark = False
    images = "context"
    title = "From a photo"
    summary = "grounded in an image"
    spark_hint = "Steers the subject; the photo supplies light, colours and style."
    spark_example = "a lighthouse keeper"

    def validate(self, ctx: ModeContext) -> None:
        if not ctx.image_descriptions and not {"images", "assetIds", "image"} & set(ctx.image_inputs):
            raise ValidationFailed(
                "contextual mode needs `images` (data URLs or asset ids): their descriptions are the context",
                field="images",
            )

    def plan(self, ctx: ModeContext, count: int, attempt: int, prefill: bool) -> Plan:
        all_facts = facts_of(ctx)
        spark = tidy_spark(ctx.spark)
        rows: list[LMRequest] = []
        keys: list[tuple[int, str]] = []
        subjects: dict[int, str] = {}
        look_only: list[int] = []
        for c in range(count):
            index = (c + attempt) % len(all_facts)
            facts = all_facts[index]
            subject = spark or facts.short_subject()
            if not subject:
                # Nothing names the subject: the prompt keeps to the measured look, and nobody
                # (the model included) is asked to make one up.
                grounding.warn_unrecognised(
                    ctx, index, len(all_facts), "the prompts name no subject and build on its colours, light and composition only"
                )
                look_only.append(c)
                continue
            subjects[c] = subject
            if ctx.small_model:
                continue  # nothing asked of it: composed from what is stated and measured (`assemble`)
            conversation = self._conversation(ctx, facts, spark)
            slots: tuple[str, ...] = (("setting", "details") if spark else ("details",)) if prefill else ("*",)
            for slot in slots:
                seed = derive_seed(ctx.seed, self.name, attempt, c, slot)
                if slot == "*":
                    row = LMRequest(
                        messages=conversation,
                        prefill=f"Subject: {subject}\n",
                        max_new_tokens=60,
                        stop_at_newline=False,
                        **self.sampling(ctx, seed),
                    )
                else:
                    row = LMRequest(
                        messages=conversation,
                        prefill=f"Subject: {subject}\n{slot.capitalize()}:",
                        max_new_tokens=ROW_TOKENS[slot],
                        **self.sampling(ctx, seed),
                    )
                rows.append(row)
                keys.append((c, slot))
        return Plan(
            rows=rows,
            keys=keys,
            extra={"subjects": subjects, "attempt": attempt, "images": len(all_facts), "look_only": look_only},
        )

    def _conversation(self, ctx: ModeContext, facts: ImageDescription, spark: str) -> tuple[ChatMessage, ...]:
        system = SYSTEM
        if ctx.style_examples:
            system += " Match the style of these examples: " + " | ".join(ctx.style_examples[:3])[:500] + "."
        messages = [ChatMessage("system", system)]
        for reference, idea, answer in EXAMPLES[:2] if spark else EXAMPLES[::2]:
            messages += [
                ChatMessage("user", f"Reference image: {reference}\nIdea: {idea}"),
                ChatMessage("assistant", answer),
            ]
        messages.append(ChatMessage("user", f"Reference image: {facts.to_text()}\nIdea: {spark or 'none'}"))
        return tuple(messages)

    def assemble(self, ctx: ModeContext, plan: Plan, outputs: list[LMOutput]) -> list[str | None]:
        all_facts = facts_of(ctx)
        attempt = plan.extra["attempt"]
        wanted = {"setting", "details"} if tidy_spark(ctx.spark) else {"details"}
        raw: dict[int, dict[str, tuple[str, bool]]] = {}
        for (c, slot), out in zip(plan.keys, outputs, strict=True):
            values = raw.setdefault(c, {})
            if slot == "*":
                values.update({k: (v, True) for k, v in _parse_fields(out.text).items() if k in wanted})
            else:
                values[slot] = (out.text, out.finished)
        results: dict[int, str | None] = {}
        for c in plan.extra.get("look_only", []):
            facts = all_facts[(c + attempt) % len(all_facts)]
            results[c] = self.look_only(ctx, facts, c + attempt * ctx.num_results)
        if ctx.small_model:
            for c, subject in plan.extra["subjects"].items():
                facts = all_facts[(c + attempt) % len(all_facts)]
                results[c] = self.grounded(ctx, facts, subject, c + attempt * ctx.num_results)
        for c in raw:
            facts = all_facts[(c + attempt) % len(all_facts)]
            subject = plan.extra["subjects"][c]
            written = {
                slot: repair_row(slot, text, subject, finished) for slot, (text, finished) in raw[c].items()
            }
            written = belonging(tidy_spark(ctx.spark), facts.short_subject(), written)
            if not (written.get("setting") or written.get("details")):
                results[c] = None  # too little survived repair: re-sample this candidate
                continue
            rng = random.Random(derive_seed(ctx.seed, self.name, attempt, c, "fill"))
            results[c] = self.compose(ctx, facts, subject, written, rng)
        return [results[c] for c in sorted(results)]

    def compose(
        self,
        ctx: ModeContext,
        facts: ImageDescription,
        subject: str,
        written: dict[str, str],
        rng: random.Random,
    ) -> str:
        """Subject, setting, then the measured light and palette (kept within any word limit),
        then style, framing and details."""
        fixed = fixed_slots(ctx, facts)
        details = written.get("details") or rng.choice(vocab.DETAILS)
        ordered = [
            *written.get("setting", "").split(", "),  # the photo's subject, then the model's setting
            fixed["lighting"],
            fixed["palette"],
            fixed["style"],
            fixed["composition"],
            *details.split(", "),
            fixed["extras"],
        ]
        phrases = [p for p in ordered if p]
        kept = [subject, *dedupe_phrases(phrases, seen=[subject], max_word_uses=3)]
        return join_within(kept, max(ctx.word_limit, len(subject.split())))

    def grounded(self, ctx: ModeContext, facts: ImageDescription, subject: str, variant: int) -> str:
        """A small model's prompt, written by no model: the spark, the photo's own subject, then its
        measured light, palette, style and framing and a rendering pair for variety. Read on the
        eval's 24 images, the embedded model's settings and details were nearly all that a person
        struck ("fantasy realm of a high school student" and "wings and scales" beside a cat, "a
        unicorn" in an icon set, "a bold and stylish advert"), as in structured mode, where a person
        judged them usable 15 times in 58 and 35 in 126 (docs/coherence.md)."""
        spark = tidy_spark(ctx.spark)
        setting = belonging(spark, facts.short_subject(), {}).get("setting", "")  # the photo's subject, when it adds one
        rng = random.Random(derive_seed(ctx.seed, self.name, variant, "grounded"))
        medium = analyze(spark).medium if spark else frozenset()
        photo = ("photo" in medium) if medium else None  # "a cafe menu illustration": no film grain
        details = ", ".join(grounding.treatments(facts, variant, photo=photo))
        return self.compose(ctx, facts, subject, {"setting": setting, "details": details}, rng)

    def look_only(self, ctx: ModeContext, facts: ImageDescription, variant: int) -> str:
        """A prompt on the image's look alone, for when nothing names its subject: a neutral lead,
        then the measured light and palette, style, framing, a rendering or two and the extras."""
        fixed = fixed_slots(ctx, facts)
        lead = grounding.look_lead(variant)
        ordered = [
            fixed["lighting"],
            fixed["palette"],
            fixed["style"],
            fixed["composition"],
            *grounding.treatments(facts, variant),
            fixed["extras"],
        ]
        kept = [lead, *dedupe_phrases([p for p in ordered if p], seen=[lead], max_word_uses=3)]
        return join_within(kept, ctx.word_limit)

    def fallback(self, ctx: ModeContext, rng: random.Random, index: int) -> str:
        all_facts = facts_of(ctx)
        facts = all_facts[index % len(all_facts)]
        spark = tidy_spark(ctx.spark)
        known = facts.short_subject()
        if not (spark or known):
            return self.look_only(ctx, facts, index + len(grounding.LOOK_LEADS) // 2)
        if ctx.small_model:
            return self.grounded(ctx, facts, spark or known, index + len(grounding.LOOK_LEADS))
        setting = known if spark and known else ""
        details = ", ".join(rng.sample(vocab.DETAILS, 2))
        return self.compose(ctx, facts, spark or known, {"setting": setting, "details": details}, rng)


# Words, letters and marks in the picture: an image model renders them as garbled text ("a stylish
# poster with bold typography", "colorful logo"), so only a spark that asks for them gets them.
LETTERING = re.compile(
    r"\b(?:typograph\w*|logos?|text|lettering|letters|fonts?|captions?|titles?|slogans?|headlines?|words|"
    r"signage|labels?)\b",
    re.IGNORECASE,
)


def belonging(spark: str, known: str, written: dict[str, str]) -> dict[str, str]:
    """The model's setting and details that belong beside the spark, read off the eval's 24
    images (2026-12-03): a setting must name a place and agree with the spark ("summer jest" and
    "small" for a winter fairy tale and a rainy detective, "beach in desert" for a desert road
    trip), a detail must show a thing that agrees with it ("smooth", "a luxurious, organic
    fabric" for a wall texture pass the first test only), each in words ("library with
    floor-tocec room" is not). With a spark, the photo's own subject (the describer's noun: "a
    cat", "a motorbike") comes first: it was the one thing the photo grounds that no prompt said
    ("a storybook hero, fantasy realm of a high school student" for a photo of a cat)."""
    from modes import wording
    from modes.structured import names_a_thing, repair_slot

    stated = ", ".join(p for p in (spark, known) if p)  # what the caller and the photo say the picture is
    scene = analyze(stated) if stated else None
    vocabulary = frozenset(words(f"{spark} {known}"))

    def fits(phrase: str) -> bool:
        return (
            ":" not in phrase
            and not (LETTERING.search(phrase) and not LETTERING.search(spark))
            and wording.is_well_formed(phrase, vocabulary)
            and (scene is None or scene.accepts(phrase))
        )

    out = dict(written)
    setting = out.get("setting", "")
    if setting and not (fits(setting) and repair_slot("setting", setting, spark)):
        setting = ""
    if spark and known and content_set(known).isdisjoint(content_set(spark)):
        # what the photo shows comes first: "a storybook hero, a cat", "a desert road trip, a motorbike"
        setting = f"{known}, {setting}" if setting else known
    if "setting" in out or setting:
        out["setting"] = setting
    if out.get("details"):
        kept = [d for d in out["details"].split(", ") if len(words(d)) > 1 and names_a_thing(d) and fits(d)]
        out["details"] = ", ".join(kept)
    return out


def _parse_fields(text: str) -> dict[str, str]:
    """Read `Label: value` lines from a whole-template answer (backends without prefill)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        key = label.strip().lower().strip("*# ")
        if sep and key in ROW_TOKENS and key not in values:
            values[key] = value.strip()
    return values
