"""Prompts keep what the spark fixes, never contradict themselves, and hold only whole English phrases."""

from __future__ import annotations

import random

import pytest

from models.lm.base import LMRequest
from modes import facets, registers, vocab, wording
from modes.spark import analyze
from tests.test_modes import assert_usable, run

# What a weak model writes into every slot when it ignores the spark's format.
SCENIC = {
    "Setting:": "ancient castle on a stormy cliff",
    "Style:": "oil painting",
    "Camera:": "telephoto shot, shallow depth of field",
    "Lighting:": "cool moonlight",
    "Palette:": "teal and amber",
    "Details:": "crashing waves, drifting fog",
}


def scenic(row: LMRequest) -> str:
    return " " + SCENIC[row.prefill.rsplit("\n", 1)[-1]]


@pytest.mark.parametrize(
    ("spark", "name"),
    [
        ("inventory icon of a glowing mana crystal", "icon"),
        ("pixel-art sprite of a goblin archer", "sprite"),
        ("a minimalist fox logo", "logo"),
        ("studio product shot of a ceramic coffee mug", "product"),
        ("portrait of an old fisherman", "portrait"),
        ("isometric tile of a tiny bakery", "iso-tile"),
        ("flat lay of breakfast on a linen cloth", "flatlay"),
        ("a forest sprite dancing at dusk", None),  # a fairy, not a game sprite
        ("a bathroom with blue tiles", None),
    ],
)
def test_the_spark_analysis_finds_the_format_a_spark_names(spark, name):
    found = analyze(spark).format
    assert (found.name if found else None) == name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("pixel art", "oil painting"),
        ("bright midday sun", "cool moonlight"),
        ("overhead bird's-eye view", "low-angle hero shot"),
        ("flat vector illustration", "wide-angle lens"),
        ("a hot meal in the night", "dappled sunlight through leaves"),
        ("sunset glow", "early morning mist"),
    ],
)
def test_mutually_exclusive_values_conflict(a, b):
    assert facets.conflicts(facets.tags(a), facets.tags(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("digital painting, concept art", "dramatic rim lighting"),
        ("warm candlelight", "cool moonlight"),
        ("watercolor illustration", "ink and wash"),
        ("35mm film photography", "telephoto shot, shallow depth of field"),
    ],
)
def test_values_that_go_together_do_not_conflict(a, b):
    assert not facets.conflicts(facets.tags(a), facets.tags(b))


@pytest.mark.parametrize("phrase", ["the warm glow of a moonlit night", "candlelit moon glow", "pixel art with bokeh"])
def test_a_phrase_that_contradicts_itself_is_refused(phrase):
    assert facets.self_conflicts(facets.tags(phrase))
    assert not analyze("a quiet harbour").accepts(phrase)


@pytest.mark.parametrize(
    "phrase",
    ["a lens blown out on the side by an old", "overgrown by a lush", "a homemade cradle made",
     "luxury in the style", "shrunk to the size", "is the keeper's pride", "soft studio lighting with warm"],
)
def test_phrases_cut_mid_thought_are_broken(phrase):
    assert wording.is_broken(phrase)


@pytest.mark.parametrize(
    "phrase",
    ["soft bokeh background", "low-angle hero shot", "warm candlelight", "made of melting candy",
     "lit only by fireflies", "a soft light", "crashing waves", "pixel art, 16-bit"],
)
def test_whole_phrases_are_not_broken(phrase):
    assert not wording.is_broken(phrase)
    assert wording.is_well_formed(phrase)


def test_non_words_are_found_and_the_sparks_own_words_are_known():
    assert wording.non_words("stained with shabby vermucalychas") == ["vermucalychas"]
    assert wording.non_words("silver silvershire, sapphir glow") == ["silvershire", "sapphir"]
    assert wording.non_words("chiaroscuro, ukiyo-e, cel-shaded, 16-bit") == []
    assert wording.non_words("Zorblax the alien", known=frozenset({"zorblax"})) == []


@pytest.mark.parametrize("spark", ["inventory icon of a glowing mana crystal", "pixel-art sprite of a goblin archer"])
def test_an_isolated_asset_gets_no_scene_lens_or_time_of_day_whatever_the_model_writes(spark):
    result = run("structured", spark, scenic, n=3)
    assert_usable(result.prompts, 3)
    facts = analyze(spark)
    for prompt in result.prompts:
        assert "castle" not in prompt and "telephoto" not in prompt and "moonlight" not in prompt, prompt
        assert any(setting in prompt for setting in facts.format.settings), prompt  # the format's own
        tags = facets.tags(prompt)
        assert "lens" not in tags and "time" not in tags, prompt
        assert not facts.banned(tags), prompt


def test_a_pixel_art_spark_keeps_pixel_art():
    result = run("structured", "pixel-art sprite of a goblin archer", scenic, n=3)
    for prompt in result.prompts:
        assert "oil painting" not in prompt, prompt
        assert facets.tags(prompt)["medium"] <= {"pixel"}, prompt


def test_a_product_shot_gets_studio_light_not_moonlight():
    result = run("structured", "studio product shot of a ceramic coffee mug", scenic, n=3)
    for prompt in result.prompts:
        assert "moon" not in prompt and "castle" not in prompt, prompt
        assert "studio" in prompt or "softbox" in prompt or "rim lighting" in prompt, prompt


def test_a_time_of_day_in_the_spark_is_kept_by_every_slot():
    def sunny(row: LMRequest) -> str:
        return " bright midday sun" if row.prefill.endswith("Lighting:") else scenic(row)

    result = run("structured", "a misty mountain valley at dawn", sunny, n=3)
    for prompt in result.prompts:
        assert "midday" not in prompt and "moonlight" not in prompt, prompt
        assert not facets.self_conflicts(facets.merge(*(facets.tags(p) for p in prompt.split(","))))


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_non_words_and_cut_phrases_never_reach_a_prompt(mode):
    def garbled(row: LMRequest) -> str:
        return " stained with shabby vermucalychas, overgrown by a lush, sapphir glow, a tiny lantern"

    result = run(mode, "a lighthouse keeper's cat", garbled, n=3)
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert "vermucalychas" not in prompt and "sapphir" not in prompt, prompt
        assert not any(wording.is_broken(p) for p in prompt.split(",")), prompt


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_the_fallback_obeys_the_format_too(mode):
    result = run(mode, "pixel-art sprite of a goblin archer", lambda row: "", n=3)
    assert_usable(result.prompts, 3)
    facts = analyze("pixel-art sprite of a goblin archer")
    for prompt in result.prompts:
        tags = facets.tags(prompt)
        assert tags.get("medium", frozenset()) <= {"pixel"}, prompt
        assert not facts.banned(tags), prompt


def test_an_isolated_asset_is_twisted_in_its_make_never_moved_into_another_world():
    from modes import vocab
    from modes.base import ModeContext
    from modes.inventive import twists_for

    for seed in range(20):
        ctx = ModeContext(mode="inventive", spark="minimal logo mark of a fox head", num_results=3, seed=seed)
        assert not set(twists_for(ctx, 3, 0)) & vocab.SCENE_TWISTS


def test_the_twist_follows_the_sparks_first_phrase():
    from modes.inventive import with_twist

    assert with_twist("a fox logo, no text", "carved from translucent ice") == (
        "a fox logo carved from translucent ice, no text"
    )
    assert with_twist("a fox", "as a tarot card illustration") == "a fox as a tarot card illustration"


@pytest.mark.parametrize(
    ("spark", "phrase", "found"),
    [
        ("a red fox curled up in fresh snow", "a fine snowy snow leopard in the mountains", "'leopard' vs 'fox'"),
        ("a steaming bowl of ramen", "sushi rolls piled high on a bed of noodles", "'sushi' vs 'ramen'"),
        ("a vintage red convertible on a coastal road", "a classic sedan on the cliffs", "'sedan' vs 'convertible'"),
        ("pixel-art sprite of a goblin archer", "a young child's face shining with light", "'child' vs 'archer'"),
        ("a weary knight resting by a campfire", "synthwave digital art", "'synthwave' vs fantasy"),
        ("a red fox curled up in fresh snow", "harsh noir shadows", "'noir' vs nature"),
        ("a luxury wristwatch on black velvet", "claymation diorama", "'claymation' vs product"),
        ("a misty mountain valley at dawn", "hyperrealistic macro photography", "'macro photography' vs vista"),
        ("a red fox curled up in fresh snow", "cobbled streets at night", "'street' vs nature"),
        ("a gothic cathedral in the fog", "neon glow", "'neon' vs historic"),
    ],
)
def test_a_style_from_another_world_or_a_second_subject_is_seen(spark, phrase, found):
    assert found in registers.clashes(phrase, spark) + registers.competing(phrase, spark)
    assert not analyze(spark).accepts(phrase)


@pytest.mark.parametrize(
    ("spark", "phrase"),
    [
        ("a red fox curled up in fresh snow", "a robin perched on a branch nearby"),  # a companion
        ("a weary knight resting by a campfire", "a lone figure lost in the firelight"),  # the knight
        ("synthwave sunset over a city of knights", "synthwave digital art"),  # the caller asked for it
        ("a steaming bowl of ramen", "dripping with hot broth"),
        ("inventory icon of a glowing mana crystal", "man-made crystal facets"),
    ],
)
def test_companions_the_subject_itself_and_asked_for_styles_are_not(spark, phrase):
    assert registers.clashes(phrase, spark) == [] and registers.competing(phrase, spark) == []


def test_completion_drops_a_second_subject_and_a_style_from_another_world():
    def wanders(row: LMRequest) -> str:
        return ", a fine snowy snow leopard in the mountains, synthwave digital art, harsh noir shadows, soft snowfall"

    result = run("completion", "a red fox curled up in fresh snow", wanders, n=2)
    assert_usable(result.prompts, 2)
    for prompt in result.prompts:
        assert "leopard" not in prompt and "synthwave" not in prompt and "noir" not in prompt, prompt


def test_structured_never_gives_a_knight_a_synthwave_style():
    def eighties(row: LMRequest) -> str:
        return " synthwave digital art" if row.prefill.endswith("Style:") else scenic(row)

    result = run("structured", "a weary knight resting by a campfire", eighties, n=3)
    for prompt in result.prompts:
        assert "synthwave" not in prompt, prompt


def test_a_season_the_spark_states_is_kept_and_a_sound_is_no_picture():
    facts = analyze("a red fox curled up in fresh snow")
    assert not facts.accepts("a lazy summer's breeze rustling the leaves")
    assert facts.accepts("snowy pines under a pale sky")
    assert not analyze("a misty mountain valley at dawn").accepts("the sound of wind whispering through open windows")


def test_a_model_phrase_loses_its_sentence_capital_but_not_a_name():
    from modes.craft import clean_phrase

    assert clean_phrase("A fire crackling") == "a fire crackling"
    assert clean_phrase("The sea at dusk") == "the sea at dusk"
    assert clean_phrase("The Eiffel Tower at night") == "The Eiffel Tower at night"


def test_a_framing_made_for_a_figure_needs_one_in_the_spark():
    assert registers.clashes("close-up portrait framing", "a cozy bakery on a rainy morning")
    assert registers.clashes("close-up portrait framing", "an old fisherman mending nets") == []
    assert registers.clashes("close-up portrait framing", "portrait of a robot") == []


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_a_medium_the_spark_states_is_the_only_one(mode):
    """"charcoal sketch of an old oak tree" got "ink and wash illustration" or "ukiyo-e woodblock
    print" beside it: two media, although the spark chose one."""

    def other_media(row: LMRequest) -> str:
        return " watercolor illustration, ukiyo-e woodblock print, gnarled roots"

    result = run(mode, "charcoal sketch of an old oak tree", other_media, n=3)
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert facets.tags(prompt).get("medium", frozenset()) <= {"drawing", "illustration"}, prompt
        assert "watercolor" not in prompt and "woodblock" not in prompt, prompt


@pytest.mark.parametrize("mode", ["structured", "completion"])
def test_a_studio_photo_stays_in_the_studio(mode):
    def street(row: LMRequest) -> str:
        return " soft glow of a city street, front of a movie theater, glossy black casing"

    result = run(mode, "studio photo of wireless earbuds", street, n=3)
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert "street" not in prompt and "theater" not in prompt, prompt


def test_an_isolated_assets_continuation_adds_no_other_objects():
    def clutter(row: LMRequest) -> str:
        return ", old ashtray with oil lamp lit inside, an old bicycle tire, worn brown leather straps"

    result = run("completion", "inventory icon of a leather satchel", clutter, n=3)
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert "ashtray" not in prompt and "bicycle" not in prompt, prompt


def test_inventive_keeps_the_spark_word_for_word_and_drops_prices_and_restatements():
    def paraphrase(row: LMRequest) -> str:
        return ("a pixel-art sprite sheet of glowing neon threads, selling on eBay for $250, "
                "a pixel-art sprite sheet of a running fox, tiny glowing stitches")

    result = run("inventive", "pixel-art sprite sheet of a running fox", paraphrase, n=3)
    assert_usable(result.prompts, 3)
    for prompt in result.prompts:
        assert prompt.startswith("pixel-art sprite sheet of a running fox"), prompt
        assert "$250" not in prompt, prompt
        assert prompt.count("sprite sheet") == 1, prompt


def test_two_sparks_at_one_seed_get_their_own_twists():
    from modes.base import ModeContext
    from modes.inventive import twists_for

    sparks = ["a red fox in the snow", "a lighthouse on a cliff", "a bowl of ramen", "an old steam train",
              "a robot gardener", "a castle in the clouds"]
    firsts = {twists_for(ModeContext(mode="inventive", spark=spark, seed=0), 2, 0)[0] for spark in sparks}
    assert len(firsts) >= 3, firsts


def test_a_scene_keeps_its_world():
    """"a luxurious spa on the beach" after a desert oasis, "in a snowy mountain monastery" as its
    twist: another world in the same picture. What the spark names itself stays allowed."""
    oasis = analyze("a desert oasis under a starry sky")
    assert not oasis.accepts("a luxurious spa on the beach")
    assert not oasis.accepts("in a snowy mountain monastery")
    assert oasis.accepts("palm trees around still water")
    assert analyze("a desert coast at noon").accepts("a sandy beach")


def test_a_thing_on_its_own_gets_no_horizon_and_an_icon_no_stranger():
    """"a handmade ceramic mug, silhouette against the horizon"; "inventory icon of a leather
    satchel, ..., gladiator": a framing for a place, a figure nobody asked for."""
    mug = analyze("a handmade ceramic mug")
    assert not mug.accepts("silhouette against the horizon")
    assert mug.accepts("three-quarter view")
    assert analyze("a knight holding a sword").accepts("wide establishing shot")

    def stranger(row: LMRequest) -> str:
        return " gladiator, bold readable silhouette" if row.prefill.endswith("Details:") else scenic(row)

    result = run("structured", "inventory icon of a leather satchel", stranger, n=3)
    for prompt in result.prompts:
        assert "gladiator" not in prompt, prompt


def test_a_continuation_keeps_one_new_idea_not_a_drift_of_them():
    def drift(row: LMRequest) -> str:
        return ", crumbling stone walls, red turban sandalwood, a wheel and axle, gnarled oak roots"

    result = run("completion", "charcoal sketch of an old oak tree", drift, n=2)
    for prompt in result.prompts:
        strays = [p for p in ("crumbling stone walls", "red turban sandalwood", "a wheel and axle") if p in prompt]
        assert len(strays) <= 1, prompt


def test_light_from_a_room_does_not_fall_on_a_vista():
    island = analyze("a volcanic island with black sand beaches")
    assert not island.accepts("warm candlelight") and not island.accepts("soft window light")
    assert island.accepts("golden hour backlight")
    assert analyze("a weary knight resting by a campfire").accepts("warm candlelight")


def test_a_body_needs_a_figure_in_the_spark():
    assert registers.clashes("worn hands and creased face with age", "charcoal sketch of an old oak tree")
    assert registers.clashes("heart warming smile", "studio photo of wireless earbuds")
    assert not registers.clashes("a sheer cliff face", "a misty mountain valley at dawn")
    assert not registers.clashes("piercing blue eyes", "a pirate captain with a mechanical arm")


def test_a_re_sample_and_the_fallback_take_twists_the_first_attempt_did_not():
    from modes.base import ModeContext
    from modes.inventive import twists_for

    ctx = ModeContext(mode="inventive", spark="pixel-art sprite sheet of a running fox", num_results=2, seed=0)
    first, second = twists_for(ctx, 3, 0), twists_for(ctx, 3, 1)
    assert not set(first) & set(second), (first, second)


def test_a_stutter_and_a_wrong_article_are_mended():
    from modes.craft import clean_phrase

    assert clean_phrase("a light grey color in shadow shadows", 12) == "a light grey color in shadow"
    assert clean_phrase("a 8-bit sprite of a spaceship", 12) == "an 8-bit sprite of a spaceship"
    assert clean_phrase("a unicorn beside a one-eyed cat", 12) == "a unicorn beside a one-eyed cat"


def test_a_setting_names_a_place():
    """"small scale" and "ornate" came back as the lighthouse keeper's cat's settings."""
    from modes.structured import repair_slot

    assert repair_slot("setting", " small scale", "a cat") == ""
    assert repair_slot("setting", " ornate", "a cat") == ""
    assert repair_slot("setting", " stormy sea at dawn", "a cat") == "stormy sea at dawn"


def test_rain_hides_the_sun_and_a_muffled_sound_is_no_picture():
    """Read off prompts for sparks not tuned on: "a harbor town in the rain, a beautiful sunset",
    "..., volumetric god rays"; "the window is dark with a muffled sound coming"; "snowy snow"."""
    from modes.craft import clean_phrase

    rain = analyze("watercolor painting of a harbor town in the rain")
    assert not rain.accepts("a beautiful sunset over the water's edge")
    assert not rain.accepts("volumetric god rays")
    assert rain.accepts("misty morning haze")
    assert registers.non_visual("the window is dark with a muffled sound coming")
    assert clean_phrase("a bed of snowy snow on the glass", 12) == "a bed of snow on the glass"


def test_no_window_on_a_pier_and_no_leaves_over_a_desert():
    """Read off sparks no rule was tuned on: "soft window light" on a fisherman's pier,
    "dappled sunlight through leaves" over a desert and on a frozen lake."""
    pier = analyze("an old fisherman mending nets on a pier")
    assert not pier.accepts("soft window light") and pier.accepts("warm lantern light")
    assert analyze("a cafe by the sea").accepts("soft window light")  # a room by the sea has windows
    for spark in ("a steampunk airship over a desert", "a wooden rowboat on a frozen lake"):
        assert not analyze(spark).accepts("dappled sunlight through leaves"), spark
    assert analyze("a fox cub in a forest").accepts("dappled sunlight through leaves")
    assert not analyze("a jellyfish drifting in dark water").accepts("dappled sunlight through leaves")


def test_an_inventive_head_holds_the_twist_word_for_word_and_no_phrase_restates_it():
    """"a cyberpunk alley after rain mosaic of ceramic tiles" rewords the twist into a garble;
    "floating in zero gravity during a sunrise" after the twist says it again."""
    spark = "a glass greenhouse full of orchids"

    def garble(row: LMRequest) -> str:
        twist = row.messages[-1].content.split("Twist: ", 1)[1]
        return f"{spark} {twist.split(' ', 2)[-1]}, {twist} during a sunrise, warm candlelight"

    for prompt in run("inventive", spark, garble, n=3).prompts:
        head = prompt.split(",")[0]
        assert any(head == f"{spark} {twist}" for twist in vocab.TWISTS), prompt
        assert "during a sunrise" not in prompt, prompt


def test_a_twist_never_names_what_the_spark_already_is():
    """"a steampunk airship over a desert in a dreamlike surreal desert" says desert twice."""
    from modes.base import ModeContext
    from modes.inventive import twist_order

    for seed in range(5):
        order = twist_order(ModeContext(mode="inventive", spark="a steampunk airship over a desert", seed=seed))
        assert all("desert" not in twist for twist in order), order


def test_one_seed_gives_each_spark_its_own_first_style():
    """At seed 0 every spark's first structured result was a "highly detailed 3D render"."""
    from modes.base import ModeContext
    from modes.structured import styles_for

    sparks = [
        "a weary knight resting by a campfire", "a red fox curled up in fresh snow",
        "a misty mountain valley at dawn", "a gothic cathedral in the fog", "a steaming bowl of ramen",
    ]
    firsts = {styles_for(ModeContext(mode="structured", spark=s, seed=0), analyze(s), 3, 0)[0] for s in sparks}
    assert len(firsts) >= 3, firsts


def test_a_palette_names_colours_not_a_lens():
    """"a steaming bowl of ramen, ..., 35mm wide-angle lens, 20mm and white palette"."""
    from modes.structured import repair_slot

    assert repair_slot("palette", " 20mm and white", "a steaming bowl of ramen") == ""
    assert repair_slot("palette", " navy and dark blue", "a steaming bowl of ramen") == "navy and dark blue palette"


def test_a_light_from_a_room_stays_in_rooms_and_a_living_glow_in_its_world():
    """Read off untuned sparks: "warm candlelight" and "soft window light" on a whale breaching at
    sunset, "candlelit candelabras" by a fox in fresh snow, "bioluminescent glow" on a blacksmith,
    a lighthouse keeper and a portrait in a garden."""
    assert not analyze("a whale breaching at sunset").accepts("warm candlelight")
    assert not analyze("a whale breaching at sunset").accepts("soft window light")
    assert not analyze("a red fox in fresh snow").accepts("candlelit candelabras")
    assert not analyze("a red fox in fresh snow").accepts("dappled sunlight through leaves")  # no leaves in snow
    for spark in ("a blacksmith forging a sword at night", "portrait of a beekeeper in her garden"):
        assert not analyze(spark).accepts("bioluminescent glow"), spark
    assert analyze("a glowing jellyfish in the deep sea").accepts("bioluminescent glow")
    assert analyze("a mushroom forest at night").accepts("bioluminescent glow")
    # the fire the scene holds lights it; a room keeps its candles
    assert analyze("a knight resting by a campfire in a forest").accepts("firelight flicker")
    assert not analyze("a knight resting by a campfire in a forest").accepts("warm candlelight")
    assert analyze("a clockwork owl perched on a bookshelf").accepts("warm candlelight")
    assert not analyze("portrait of a beekeeper in her garden").accepts("neon glow")


def test_a_light_the_spark_states_is_its_only_light():
    """"a lighthouse keeper reading by lamplight, golden hour backlight" and "..., bright midday
    sun" light one scene twice; the spark's own light needs no second phrase."""
    from modes.spark import enrichment

    lamp = analyze("a lighthouse keeper reading by lamplight")
    assert lamp.states_light
    assert not lamp.accepts("golden hour backlight") and not lamp.accepts("bright midday sun")
    assert not analyze("a whale breaching at sunset").accepts("firelight flicker")
    for seed in range(10):
        added = enrichment(lamp, random.Random(seed), lamp.fixed)
        assert all("light" not in facets.tags(p) for p in added), added
    assert not analyze("a cozy bakery at dawn").accepts("lit only by fireflies")  # fireflies fly at night


def test_a_portrait_in_a_stated_place_is_not_moved_to_a_studio():
    """"portrait of a beekeeper in her garden, against a plain studio backdrop"."""
    garden = analyze("portrait of a beekeeper in her garden")
    for seed in range(10):
        assert "backdrop" not in garden.curated(random.Random(seed), "settings")
    assert analyze("portrait of an old sailor").curated(random.Random(0), "settings")


def test_a_slot_value_says_what_its_slot_asks():
    """Junk the structured slots let through: "glass" as a teapot's style, "bright" and
    "30-point lighting" as its light, "rustic wooden" and "light" as details."""
    from modes.structured import names_a_thing, repair_slot

    assert repair_slot("style", " glass", "product shot of a ceramic teapot") == ""
    assert repair_slot("style", " stained glass artwork", "a fox") == "stained glass artwork"
    assert repair_slot("lighting", " bright", "a fox") == ""
    assert repair_slot("lighting", " 30-point lighting", "a fox") == ""
    assert repair_slot("lighting", " golden hour backlight", "a fox") == "golden hour backlight"
    assert not names_a_thing("rustic wooden") and not names_a_thing("light") and not names_a_thing("cold")
    assert names_a_thing("frost on whiskers") and names_a_thing("bees") and names_a_thing("lamplight on the wall")
    # a light said again as a detail (CI suite: "..., moonlit setting, golden light"), a camera with no camera
    assert not names_a_thing("moonlit setting") and not names_a_thing("golden light")
    assert not names_a_thing("no flowers") and repair_slot("lighting", " light", "a fox") == ""
    assert registers.non_visual("neon lights and raucous sounds")
    assert not analyze("a wooden rowboat on a frozen lake").accepts("sailboats on a lake's edge")
    assert repair_slot("composition", " wide-angle lens with no aperture", "a weary knight") == ""
    # a light is no place, and a bakery the spark names is where its setting is
    assert repair_slot("setting", " neon lights", "a cozy bakery at dawn") == ""
    assert not analyze("a cozy bakery at dawn").fits_place("beachfront street")


def test_under_the_sea_no_midday_sun_and_a_snail_keeps_its_log_alone():
    assert not analyze("a treasure chest on the ocean floor").accepts("bright midday sun")
    assert not analyze("a treasure chest on the ocean floor").accepts("lit only by fireflies")
    assert not analyze("a treasure chest on the ocean floor").accepts("as a giant colossus over a city")
    assert not analyze("a snail crawling on a mossy log").accepts("a butterfly on the trunk")
    assert not analyze("product shot of a ceramic teapot").accepts("neon blue glow")


def test_a_second_place_that_moves_the_scene_is_refused():
    """A continuation that puts a lake's rowboat on a river, a desert's airship over the ocean, or
    a reading nook's cat in a forest or out in the rain moves the picture; a place the spark's own
    place holds or borders (a lake's shore, a pier's sea), one seen far off, and a studio's light
    do not; the eval counts the moves as spark conflicts."""
    from eval.quality import spark_conflicts
    from modes.spark import elsewhere

    lake = analyze("a wooden rowboat on a frozen lake")
    assert not lake.accepts("a lazy river at dusk")
    assert lake.accepts("seen from the shore of a frozen lake")
    assert not analyze("a steampunk airship over a desert").accepts("an old steam ship in the desolate ocean")
    assert analyze("an old fisherman mending nets on a pier").accepts("old fishing boats out at sea")
    nook = analyze("a cozy reading nook with a cat")
    assert not nook.accepts("a quiet forest") and not nook.accepts("a glass of water in the rain")
    assert nook.accepts("rain streaking the window")
    assert analyze("a lone astronaut on a red desert planet").accepts("a mountain range in the distance")
    assert elsewhere("three-point studio lighting", "a knight on a cliff") == []
    assert elsewhere("a lazy river", "portrait of a beekeeper") == []  # no place stated: the setting is open
    assert spark_conflicts("a wooden rowboat on a frozen lake, a lazy river at dusk", "a wooden rowboat on a frozen lake") == [
        "'river' vs 'lake'"
    ]


def test_light_that_needs_leaves_a_room_or_the_open_air_stays_where_it_can_be():
    """Read off 16 untuned sparks: "dappled sunlight through leaves" over a chef's busy kitchen and
    a writer's desk, "warm candlelight", "firelight flicker" and "soft window light" on a paper boat
    in a gutter, "neon glow" on a kite on a windy hill and on a haunted lighthouse, "even flat
    lighting" for a stormy night, "LED light" on a tulip field; the eval counts them too."""
    from eval.quality import spark_conflicts

    kitchen = analyze("a chef plating a dessert in a busy kitchen")
    assert not kitchen.accepts("dappled sunlight through leaves") and kitchen.accepts("warm window light")
    assert not analyze("a vintage typewriter on a writer's desk").accepts("dappled sunlight through leaves")
    gutter = analyze("a paper boat drifting down a gutter after rain")
    for light in ("warm candlelight", "firelight flicker", "soft window light"):
        assert not gutter.accepts(light), light
    assert not analyze("a child flying a kite on a windy hill").accepts("neon glow")
    assert not analyze("a haunted lighthouse on a stormy night").accepts("neon glow")
    assert not analyze("a haunted lighthouse on a stormy night").accepts("even flat lighting")
    assert analyze("a street food stall in bangkok at night").accepts("neon glow")  # a city street at night
    assert not analyze("a windmill on a tulip field in spring").accepts("LED light")
    prompt = "a child flying a kite on a windy hill, charcoal sketch, neon glow"
    assert spark_conflicts(prompt, "a child flying a kite on a windy hill")


def test_a_named_place_a_season_and_an_open_air_scene_keep_to_themselves():
    """"street food market in bengaluru" for a stall in Bangkok, "a windmill in the fall" for a
    tulip field in spring, "beach scene" and "stormy sea" for a gutter, "the dark alleyways" for a
    bamboo forest, and an inventive "in a snowy mountain monastery" for a festival over a canyon."""
    from modes.base import ModeContext
    from modes.inventive import twist_order

    bangkok = analyze("a street food stall in bangkok at night")
    assert not bangkok.accepts("street food market in bengaluru")
    assert bangkok.accepts("bustling street food stalls in the alleyway")
    assert analyze("a street food stall at night").accepts("street food market in bengaluru")  # open
    spring = analyze("a windmill on a tulip field in spring")
    assert not spring.accepts("a windmill in the fall") and spring.accepts("tulips swaying in the breeze")
    gutter = analyze("a paper boat drifting down a gutter after rain")
    assert not gutter.accepts("beach scene") and not gutter.accepts("stormy sea")
    assert gutter.accepts("rain puddles on the street")
    assert not analyze("a samurai cat in a bamboo forest").accepts("a raucous samurai cat in the dark alleyways")
    for spark in ("a hot air balloon festival over a canyon", "a child flying a kite on a windy hill"):
        for seed in range(4):
            order = twist_order(ModeContext(mode="inventive", spark=spark, seed=seed))
            assert "in a snowy mountain monastery" not in order, spark
    # a spark that states no place may still be moved into one: a robot gardener in a monastery
    order = twist_order(ModeContext(mode="inventive", spark="a robot gardener", seed=0))
    assert "in a snowy mountain monastery" in order


def test_a_camera_value_is_a_camera_and_a_detail_shows_something_in_the_picture():
    """"wide-angle lens with multiple cameras", "handheld lens with a glass prism" as the camera,
    "a series of aerial cameras" and "long-exposure inside" as details; "handheld shot" for a UI
    button (an isolated asset has no lens)."""
    from modes.structured import names_a_thing, repair_slot

    assert repair_slot("composition", " wide-angle lens with multiple cameras", "a chef") == ""
    assert repair_slot("composition", " handheld lens with a glass prism", "a lighthouse") == ""
    assert repair_slot("composition", " low-angle hero shot", "a knight") == "low-angle hero shot"
    assert repair_slot("composition", " extreme close-up, shallow focus", "a fox") == "extreme close-up"
    assert not names_a_thing("a series of aerial cameras") and not names_a_thing("long-exposure inside")
    assert names_a_thing("steam rising from a cup")
    assert not analyze("game UI button for a shop menu, gold trim").accepts("handheld shot")


def test_a_light_or_style_with_a_source_of_its_own_needs_that_source_in_the_spark():
    """Read off 16 untuned completion sparks: "soft window light" on a medieval market square and
    in a crystal cave, "dappled sunlight through leaves" on a subway platform, "warm candlelight"
    and "synthwave digital art" for a steam locomotive, "neon glow" for seagulls, "hyperrealistic
    macro photography" for a carousel in a park. Where the source is, the light stays."""
    refused = [
        ("a medieval market square on a summer morning", "soft window light"),
        ("a crystal cave lit by glowing mushrooms", "soft window light"),
        ("a crystal cave lit by glowing mushrooms", "misty morning haze"),
        ("a violinist playing on a subway platform", "dappled sunlight through leaves"),
        ("a steam locomotive crossing a stone viaduct", "warm candlelight"),
        ("a steam locomotive crossing a stone viaduct", "synthwave digital art"),
        ("a lighthouse keeper's daughter feeding seagulls", "neon glow"),
        ("an abandoned carousel in an overgrown park", "hyperrealistic macro photography"),
        ("a street musician playing accordion in paris", "a jazz band playing the saxophone in paris"),
    ]
    for spark, phrase in refused:
        assert not analyze(spark).accepts(phrase), (spark, phrase)
    kept = [
        ("a koi pond under a cherry tree", "dappled sunlight through leaves"),
        ("a grandmother knitting in her living room", "warm candlelight"),
        ("a violinist playing on a subway platform", "harsh noir shadows"),
        ("a lantern-lit night market in taipei", "neon lights casting shadows on the pavement"),
        ("an old fisherman mending nets on a pier", "warm lantern light"),
        ("a hummingbird sipping from a hibiscus flower", "hyperrealistic macro photography"),
    ]
    for spark, phrase in kept:
        assert analyze(spark).accepts(phrase), (spark, phrase)


def test_a_small_models_completion_keeps_its_first_phrase_and_no_idea_twice():
    """The embedded model's phrases after its first were usable 4 times in 30 on held-out sparks:
    only the first is kept; two results of one request that open with the same idea ("a lone wolf
    in the snow") are one result."""
    from models.lm.base import LMOutput
    from modes.base import ModeContext, Plan
    from modes.completion import CompletionMode

    mode, spark = CompletionMode(), "a wolf howling on a snowy ridge"
    small = ModeContext(mode="completion", spark=spark, small_model=True)
    text = ", a lone wolf in the snow, jagged peaks of ice, a silver moon over the ridge, ink and wash illustration"
    result = mode.extend(small, spark, text, True)
    assert result is not None and "a lone wolf in the snow" in result and "jagged peaks" not in result
    full = mode.extend(ModeContext(mode="completion", spark=spark), spark, text, True)
    assert full is not None and "jagged peaks of ice" in full  # a remote model's phrases stay
    outputs = [LMOutput(text=", a lone wolf in the snow, moonlit"), LMOutput(text=", a lone wolf in the snow, dusk"),
               LMOutput(text=", jagged peaks of snow and ice")]
    results = mode.assemble(small, Plan(rows=[], extra={"spark": spark}), outputs)
    assert results[0] and results[1] is None and results[2]


def test_one_lens_one_palette_of_colours_and_a_sky_only_where_there_is_one():
    """Read off 16 untuned structured sparks: "telephoto wide-angle lens", "white and light palette",
    "rusted" and "contemplative" as details, "matte painting, epic fantasy" for an elderly couple
    dancing in their kitchen, "misty morning haze" and "golden hour backlight" under the sea, a
    second light for a cave lit by its mushrooms; "neon light" stays for a street in Paris."""
    from eval.quality import internal_conflicts
    from modes.structured import names_a_thing, repair_slot

    assert not analyze("a robot repairing a vintage radio").accepts("telephoto wide-angle lens")
    assert internal_conflicts("a fox, telephoto shot, wide-angle lens, snow") == ["'telephoto' vs 'wide-angle'"]
    assert repair_slot("palette", " white and light", "a cat") == ""
    assert repair_slot("palette", " navy and dark blue", "a cat") == "navy and dark blue palette"
    assert not names_a_thing("rusted") and not names_a_thing("contemplative") and names_a_thing("flour")
    assert not analyze("an elderly couple dancing in their kitchen").accepts("matte painting, epic fantasy")
    assert analyze("a dragon guarding its hoard").accepts("matte painting, epic fantasy")
    reef = analyze("a submarine exploring a coral reef")
    assert not reef.accepts("misty morning haze") and not reef.accepts("golden hour backlight")
    assert analyze("a crystal cave lit by glowing mushrooms").states_light
    assert analyze("a street musician playing accordion in paris").accepts("neon light")


def test_a_half_phrase_is_dropped_whatever_adjective_it_stops_on():
    """"a grand, dark-blue lighthouse" split at its comma left "a grand"; "low angle close" is a shot
    without its noun; both were flagged by the eval's broken-phrase metric on untuned sparks."""
    from modes.structured import repair_slot
    from modes.wording import is_broken

    assert is_broken("a grand") and is_broken("a sleek") and not is_broken("lost in the dark")
    assert repair_slot("composition", " low angle close", "an otter") == ""


def test_a_small_model_only_finishes_a_spark_that_stops_mid_sentence():
    """A small model's continuation of a finished spark was usable 2 times in 5 (eval/calibration/
    completion_phrases.jsonl): a finished spark is continued with curated art direction, while a
    spark that stops mid-sentence ("a knight standing", "an old tram in the rain,") still asks the
    model to finish it. A remote model always writes its own continuation."""
    from modes.base import ModeContext
    from modes.completion import CompletionMode, unfinished

    mode = CompletionMode()
    for spark in ("a knight standing", "a cat asleep on", "an old tram in the rain,"):
        assert unfinished(spark), spark
        assert mode.plan(ModeContext(mode="completion", spark=spark, small_model=True), 2, 0, True).rows
    for spark in ("a red fox curled up in fresh snow", "a jazz club in a smoky basement"):
        assert not unfinished(spark), spark
        assert not mode.plan(ModeContext(mode="completion", spark=spark, small_model=True), 2, 0, True).rows
        assert mode.plan(ModeContext(mode="completion", spark=spark), 2, 0, True).rows
    basement = analyze("a jazz club in a smoky basement")
    assert not basement.accepts("cool moonlight") and not basement.accepts("soft diffuse overcast light")


def test_a_small_models_slot_values_are_kept_only_where_the_judged_values_were_usable():
    """Judged on 513 values the embedded model wrote (eval/calibration/structured_slots.jsonl), its
    settings and details were usable 1 time in 4, its hue-named glows and lens jargon rarely: a
    small model is asked for neither setting nor details, and keeps a plain light, an angle, and
    two distinct colours. A remote model's values are kept as before."""
    import random

    from modes.base import ModeContext
    from modes.spark import analyze
    from modes.structured import StructuredMode, model_slots, small_model_keeps

    assert small_model_keeps("lighting", "warm glow") and small_model_keeps("lighting", "soft ambient lighting")
    for light in ("soft red glow", "metallic glow", "bright light", "glow of the ceiling", "light pollution"):
        assert not small_model_keeps("lighting", light), light
    assert small_model_keeps("composition", "high-angle wide shot") and small_model_keeps("composition", "35mm lens")
    for framing in ("handheld lens with wide aperture", "high-angle zoom", "deep shot", "high-angle close shot"):
        assert not small_model_keeps("composition", framing), framing
    assert small_model_keeps("palette", "dark blue and gold palette")
    for palette in ("dark blue and navy palette", "light and pale gold palette", "wood and ivory palette",
                    "black and white palette", "metallic silver and gold palette", "pastel palette"):
        assert not small_model_keeps("palette", palette), palette
    assert not small_model_keeps("setting", "a quiet forest") and not small_model_keeps("details", "palm trees")

    spark = "a desert caravan resting at an oasis"
    asked = {slot for slot, _ in model_slots(analyze(spark), small_model=True)}
    assert asked == {"style", "composition", "lighting", "palette"}
    assert {slot for slot, _ in model_slots(analyze(spark))} >= {"setting", "details"}
    filled = {"style": "ink and wash illustration", "composition": "high-angle zoom", "lighting": "soft red glow",
              "palette": "ochre and turquoise palette", "details": "palm trees"}
    small = StructuredMode().compose(ModeContext(mode="structured", spark=spark, small_model=True), spark, filled,
                                     random.Random(0))
    assert "ochre and turquoise palette" in small
    assert "zoom" not in small and "red glow" not in small and "palm trees" not in small
    for generic in ("dust motes", "film grain", "intricate textures", "rain droplets"):
        assert generic not in small  # no curated detail for a small model's scene either
    remote = StructuredMode().compose(ModeContext(mode="structured", spark=spark), spark, filled, random.Random(0))
    assert "palm trees" in remote and "ochre and turquoise palette" in remote



def test_colour_media_take_no_monochrome_palette_and_sugared_colours_stay_with_sweet_things():
    """Read off structured prompts: "watercolor illustration ... monochrome black and white" for a
    knight by a campfire, "pastel pink and mint palette" for a goblin archer and an old fisherman;
    and a small model's own style for a spark that states its medium ("art of modern fantasy" for a
    pixel-art sprite) is not asked for."""
    from modes import facets
    from modes.spark import analyze
    from modes.structured import model_slots

    assert facets.conflicts(facets.tags("watercolor illustration"), facets.tags("monochrome black and white"))
    assert not facets.conflicts(facets.tags("charcoal sketch"), facets.tags("monochrome black and white"))
    assert not analyze("portrait of an old fisherman in a yellow raincoat").accepts("pastel pink and mint palette")
    assert not analyze("pixel-art sprite of a goblin archer").accepts("pastel pink and mint palette")
    assert analyze("macarons arranged on a cake stand").accepts("pastel pink and mint palette")
    sprite = {slot for slot, _ in model_slots(analyze("pixel-art sprite of a goblin archer"), small_model=True)}
    assert "style" not in sprite and "palette" in sprite


def test_a_floor_tile_is_a_top_down_tile_and_a_side_view_keeps_its_angle():
    """Read off the formats suite: "tileable floor tile of a dungeon, medium shot at eye level" and
    "35mm film photography, close-up portrait framing"; "side view of a steam locomotive,
    low-angle hero shot" and "high-angle close up"; and "isometric view" refused for "isometric
    tile of a tiny farm" (a tiny thing) so that it got "rule-of-thirds composition"."""
    from modes.spark import analyze

    tile = analyze("tileable floor tile of a dungeon")
    assert tile.format is not None and tile.format.name == "top-tile"
    assert not tile.accepts("medium shot at eye level") and not tile.accepts("close-up portrait framing")
    side = analyze("side view of a steam locomotive")
    for framing in ("low-angle hero shot", "high-angle close up", "three-quarter view"):
        assert not side.accepts(framing), framing
    assert side.accepts("long shot")
    assert analyze("isometric tile of a tiny farm").accepts("isometric view, centered tile")
