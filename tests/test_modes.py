"""Mode handlers turn whatever a weak model writes into clean, distinct, usable prompts."""

from __future__ import annotations

import asyncio

import pytest

from models.lm.base import LMRequest
from models.lm.scripted import ScriptedLanguageModel
from modes import ModeContext, get_mode, registry, vocab
from modes.craft import clean_phrase, dedupe_phrases, is_clean_prompt, strip_chatter
from modes.engine import run_mode

JUNK = [
    "Sure! Here is your prompt: **neon lights, neon neon, neon lights, neon lights**",
    '"I hope this helps! Let me know if you want more."',
    "1. A prompt\n2. Another prompt",
    "",
    "!!!! ??? 12345",
]


def run(mode: str, spark: str, responder, n: int = 3, seed: int = 5, word_limit: int = 75):
    ctx = ModeContext(mode=mode, spark=spark, num_results=n, seed=seed, word_limit=word_limit)
    return asyncio.run(run_mode(get_mode(mode), ctx, ScriptedLanguageModel(responder), 30))


def assert_usable(prompts: list[str], n: int, word_limit: int = 75) -> None:
    assert len(prompts) == n
    assert len({p.lower() for p in prompts}) == n, prompts
    for p in prompts:
        assert is_clean_prompt(p, word_limit), p
        assert "\n" not in p and not p.startswith(('"', "'")) and "**" not in p
        assert not p.lower().startswith(("sure", "here", "certainly")), p


def test_registry_lists_text_modes():
    assert {"structured", "completion", "inventive"} <= set(registry.names())


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
@pytest.mark.parametrize("junk", JUNK)
def test_unrepairable_output_falls_back_to_clean_distinct_prompts(mode, junk):
    result = run(mode, "a cyberpunk samurai", lambda row: junk)
    assert_usable(result.prompts, 3)
    if "neon" not in junk:  # nothing usable at all: sampled, re-sampled, then fell back
        assert result.model_calls == 2
        assert result.fallbacks >= 1


def test_structured_keeps_the_subject_and_fills_every_slot():
    answers = {
        "Setting:": "rain-soaked neon alley in Neo City",
        "Style:": "cinematic film still",
        "Camera:": "low-angle shot",
        "Lighting:": "magenta neon glow",
        "Palette:": "magenta and cyan",
        "Details:": "puddle reflections, steam, paper lanterns",
    }

    def responder(row: LMRequest) -> str:
        label = row.prefill.rsplit("\n", 1)[-1]
        return " " + answers[label] + f" {row.seed % 7}"

    result = run("structured", "a cyberpunk samurai", responder, n=1)
    assert_usable(result.prompts, 1)
    for prompt in result.prompts:
        assert prompt.startswith("a cyberpunk samurai, ")
        # the style is chosen from the vocabulary first (the rows are written seeing it)
        assert any(style in prompt for style in vocab.STYLES) and "low-angle shot" in prompt
        assert ("palette" in prompt or any(p in prompt for p in vocab.PALETTES)) and "neon glow" in prompt


def test_structured_replaces_a_slot_that_talks_about_something_else():
    def responder(row: LMRequest) -> str:
        if row.prefill.endswith("Lighting:"):
            return " a samurai who is about to take over a corrupt empire"
        return " stone garden courtyard"

    prompt = run("structured", "a samurai", responder, n=1).prompts[0]
    assert "corrupt empire" not in prompt


def test_structured_breaks_repetition_loops():
    prompt = run(
        "structured", "a jellyfish", lambda r: " neon lights, neon neon, neon lights, neon lights", n=1
    ).prompts[0]
    assert prompt.lower().count("neon") <= 2


def test_completion_starts_with_the_spark_verbatim_and_extends_it():
    spark = "An old tram in the rain,"
    result = run(
        "completion",
        spark,
        lambda r: f" cobblestones at night, warm yellow windows, teal shadows {r.seed % 5}, film grain",
    )
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert prompt.startswith(spark) and len(prompt) > len(spark) + 10


def test_completion_continues_the_sentence_without_a_comma():
    prompt = run(
        "completion", "a knight standing", lambda r: " on a rocky shore at dawn, crimson cape", n=1
    ).prompts[0]
    assert prompt.startswith("a knight standing on a rocky shore at dawn")


def test_completion_never_ends_the_sentence_with_its_few_shot_examples():
    """The first example is "a knight standing" -> "... on a windswept cliff at dusk": a model that
    copies it back gives every caller of that spark the example, not a continuation."""
    handler = get_mode("completion")
    ctx = ModeContext(mode="completion", spark="a knight standing", num_results=1)
    assert handler.extend(ctx, "a knight standing", " on a windswept cliff at dusk, crimson cape", True) is None
    kept = handler.extend(ctx, "a knight standing", " on a rocky shore at dawn, crimson cape", True)
    assert kept is not None and kept.startswith("a knight standing on a rocky shore at dawn")


def test_completion_drops_a_phrase_cut_off_by_the_token_budget():
    handler = get_mode("completion")
    ctx = ModeContext(mode="completion", spark="a fox", num_results=1)
    text = handler.extend(
        ctx, "a fox", ", red fur, snowy birch forest, soft morning light, frost on the wh", finished=False
    )
    assert text is not None and not text.endswith("frost on the wh")


def test_inventive_results_differ_and_keep_the_spark():
    result = run(
        "inventive",
        "a lighthouse",
        lambda r: f"a lighthouse of glass {r.seed % 97}, sea glow, storm clouds, teal palette",
    )
    assert_usable(result.prompts, 3)


def test_inventive_anchors_a_drifting_answer_on_the_spark():
    prompt = run(
        "inventive", "a red fox", lambda r: "a spaceship over mars, orange dust storm, chrome hull", n=1
    ).prompts[0]
    assert "fox" in prompt


def test_word_limit_is_enforced():
    long = ", ".join(f"phrase number {i} with several extra words" for i in range(40))
    for mode in ("structured", "completion", "inventive"):
        result = run(mode, "a tower", lambda r, long=long: long, n=2, word_limit=20)
        assert all(len(p.split()) <= 20 for p in result.prompts), result.prompts


def test_modes_do_not_start_identically_under_the_same_seed():
    seen = set()
    for mode in ("structured", "completion", "inventive"):
        result = run(mode, "a dragon made of glass", lambda r: f"variant {r.seed % 1000}, crystal wings", n=1)
        seen.add(result.prompts[0])
    assert len(seen) == 3


def test_strip_chatter_removes_filler_markdown_and_quotes():
    assert strip_chatter('Sure! Here is the prompt: "**a red fox**"') == "a red fox"
    assert strip_chatter("Prompt: a red fox") == "a red fox"


def test_clean_phrase_cuts_rambling_clauses_and_dangling_words():
    assert clean_phrase("Tokyo skyline where you meet a cy") == "Tokyo skyline"
    assert clean_phrase("warm brick walls with") == "warm brick walls"
    assert clean_phrase("I will use them soon") == ""


def test_dedupe_phrases_removes_loops():
    assert dedupe_phrases(["neon lights", "neon neon", "neon lights", "neon light", "rain"]) == [
        "neon lights",
        "rain",
    ]


def test_a_small_model_that_ends_the_sparks_sentence_adds_no_phrase_of_its_own_after_it():
    """Read on 2026-12-03: after "a lighthouse at the edge of the ocean" the embedded model went on
    "a lighthouse on top", "a majestic lighthouse with white sails", "a lighthouse in the sky"."""
    handler = get_mode("completion")
    spark = "a lighthouse at the edge of"
    small = ModeContext(mode="completion", spark=spark, num_results=1, small_model=True)
    text = handler.extend(small, spark, " the ocean, a majestic lighthouse with white sails, oil painting", True)
    assert text is not None and text.startswith("a lighthouse at the edge of the ocean, ")
    assert "sails" not in text
    remote = ModeContext(mode="completion", spark=spark, num_results=1)
    assert "sails" in (handler.extend(remote, spark, " the ocean, a majestic lighthouse with white sails, oil painting", True) or "")


def test_a_drawing_in_charcoal_gets_no_palette_in_colour():
    """"an old tram in the rain, charcoal sketch, glowing lanterns, teal and amber palette": the
    fallback chose each value compatible with the last, and nothing knew charcoal has no colour."""
    import random

    from eval.quality import internal_conflicts
    from modes import facets
    from modes.spark import analyze, enrichment

    assert facets.conflicts(facets.tags("charcoal sketch"), facets.tags("teal and amber palette"))
    assert facets.conflicts(facets.tags("graphite pencil drawing"), facets.tags("deep blues and golds"))
    assert not facets.conflicts(facets.tags("charcoal sketch"), facets.tags("sepia tones"))
    assert not facets.tags("a red fox").get("chroma") and not facets.tags("a black and white cat").get("chroma")
    assert internal_conflicts("an old tram in the rain, charcoal sketch, teal and amber palette")
    facts = analyze("a charcoal sketch of an old tram in the rain")
    for seed in range(40):
        picked = enrichment(facts, random.Random(seed), facts.fixed, ("styles", "lighting", "palettes"))
        assert not any(facets.tags(p).get("chroma") == frozenset({"colour"}) for p in picked), picked


def test_what_twelve_untuned_sparks_showed_on_2026_12_03_is_refused_and_counted():
    """Read on 12 sparks no rule was tuned on: a neon-lit stand in monochrome and with a second light,
    overcast light and blue hour at midnight, synthwave for a steampunk airship."""
    from eval.quality import spark_conflicts
    from modes.spark import analyze

    neon = analyze("a neon-lit noodle stand in the rain")
    assert neon.states_light and not neon.accepts("monochrome black and white")
    assert spark_conflicts("a neon-lit noodle stand in the rain, monochrome black and white", neon.spark)
    study = analyze("a wizard's cluttered study at midnight")
    assert not study.accepts("soft diffuse overcast light") and not study.accepts("blue hour twilight")
    assert study.accepts("cool moonlight") and study.accepts("warm candlelight")
    for phrase in ("soft diffuse overcast light", "blue hour twilight"):
        assert spark_conflicts(f"{study.spark}, {phrase}", study.spark), phrase
    assert analyze("a girl reading in a treehouse during a summer storm").accepts("soft diffuse overcast light")
    assert not analyze("a steampunk airship docking at a floating city").accepts("synthwave digital art")


def test_an_inventive_twist_keeps_a_stated_material_and_the_weather_out_of_the_sea():
    """"a ceramic coffee mug made of melting candy", "cast in polished bronze", "carved from green
    jade" (all three results of one request), "a noodle stand in the rain set in a sunken
    underwater city"; a subject of any material still gets several twists."""
    from modes import vocab
    from modes.inventive import twist_order

    for spark in ("product shot of a ceramic coffee mug", "game icon of a wooden shield", "game icon of a golden key"):
        order = twist_order(ModeContext(mode="inventive", spark=spark, seed=0))
        assert len(order) >= 5 and not set(order) & vocab.MATERIAL_TWISTS, (spark, order)
    assert set(twist_order(ModeContext(mode="inventive", spark="game icon of a frost sword", seed=0))) & vocab.MATERIAL_TWISTS
    rain = twist_order(ModeContext(mode="inventive", spark="a neon-lit noodle stand in the rain", seed=0))
    assert "set in a sunken underwater city" not in rain
    beach = twist_order(ModeContext(mode="inventive", spark="a girl on a sunny summer beach", seed=0))
    assert "covered in delicate frost" not in beach


def test_a_formats_curated_style_is_more_than_the_formats_name():
    """"inventory icon of a glowing mana crystal, game icon, painted digital art": a style phrase
    that opens with the format's own name says it twice for every spark that names the format."""
    from modes.spark import FORMATS

    for fmt in FORMATS:
        for style in fmt.styles:
            assert style.split(",")[0].strip().lower() not in fmt.cues, (fmt.name, style)
