"""The prompt-quality detectors (eval/quality.py): each on the defects seen in real outputs of the
embedded model (must flag) and on good prompts (must not), the ceiling gate of `eval compare`,
the per-request rates and rescoring an old run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval import calibrate
from eval import quality as q
from eval.__main__ import main
from eval.cases import load_suite
from eval.compare import ceiling_breaches, compare
from eval.runner import score
from eval.summary import BY_NAME, CEILINGS, summarize

GOOD_PROMPTS = [
    ("a lighthouse keeper's cat watching a storm",
     "a lighthouse keeper's cat watching a storm, historic lighthouse, ukiyo-e woodblock print, "
     "rule-of-thirds composition, soft ambient light, ocean blue palette, rain on the windows"),
    ("a lighthouse keeper's cat watching a storm",
     "a lighthouse keeper's cat watching a storm, beachy coastal town, claymation diorama, wide-angle lens, "
     "warm candle light, soft cream and sage tones, a gentle giant"),
    ("a knight", "a knight standing on a windswept cliff at dusk, soft bokeh background, low-angle hero shot, "
                 "warm rim light, crashing waves"),
    ("pixel art sprite of a knight", "pixel art sprite of a knight, pixel art, 16-bit, side view, limited palette"),
    ("a cake", "a cake made of melting candy, lit only by fireflies, cel-shaded, chiaroscuro, pastel tones"),
    ("a weary knight resting by a campfire",
     "a weary knight resting by a campfire, a medieval castle, digital painting, concept art, telephoto shot, "
     "shallow depth of field, fire in the dark, dark and emerald green palette, surrounded by flames"),
]


@pytest.fixture(autouse=True)
def _no_language_model(monkeypatch):
    monkeypatch.setenv("PROMPTGEN_EVAL_LM_CHECK", "0")


# ---- non-words ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("prompt", "expected"), [
    ("a chest stained with shabby vermucalychas", ["vermucalychas"]),
    ("a silver silvershire, moonlight", ["silvershire"]),
    ("2019 by the work, oil painting", ["2019"]),
    ("a sapphir ring on velvet", ["sapphir"]),
    ("a moonlite lake, crystaline waters", ["moonlite", "crystaline"]),
])
def test_non_words_are_flagged(prompt, expected):
    assert q.non_words(prompt, "a ring") == expected


@pytest.mark.parametrize(("spark", "prompt"), GOOD_PROMPTS)
def test_real_art_vocabulary_passes(spark, prompt):
    assert q.non_words(prompt, spark) == []


def test_art_words_possessives_plurals_and_spark_words_pass():
    prompt = ("the blacksmith's forge, low-poly, isometric, bokeh, cel-shaded, 8k, 35mm, f1.8, sprites, "
              "treescape, dreamlike glow, 1920s, Zorblax the great")
    assert q.non_words(prompt, "Zorblax the great") == []


# ---- broken phrases -----------------------------------------------------------------------------

@pytest.mark.parametrize("phrase", [
    "a lens blown out on the side by an old", "a homemade cradle made", "overgrown by a lush",
    "an ancient", "shrunk to the size", "in the style", "the soft glow of a", "his katana drawn and",
    "the robot's", "a very",
])
def test_rules_catch_cut_phrases(phrase):
    assert q.phrase_break_reason(phrase) is not None
    assert q.broken_phrases(f"a fox, {phrase}, watercolor", "a fox") == [phrase]


@pytest.mark.parametrize("phrase", [
    "soft bokeh background", "low-angle hero shot", "warm candlelight", "pixel art", "16-bit",
    "a knight standing on a windswept cliff at dusk", "crashing waves", "made of melting candy",
    "lit only by fireflies", "fire in the dark", "in black and white", "seen from above", "crowds passing by",
    "a gentle giant", "carved in stone", "lit from within", "Change only this",
    "scale and pose exactly as they are",
])
def test_rules_keep_complete_phrases(phrase):
    assert q.phrase_break_reason(phrase) is None


def test_a_prompt_ending_on_a_comma_is_cut():
    assert q.broken_phrases("a ruined temple, overgrown by a lush,", "a ruined temple") == ["overgrown by a lush"]
    assert q.broken_phrases("a ruined temple, moss on the steps,", "a ruined temple") == ["moss on the steps"]


def test_the_language_model_end_probability_catches_what_rules_cannot():
    prompt = "a pirate captain, a wily and lovable old sea, oil painting"
    assert q.broken_phrases(prompt, "a pirate captain") == []
    assert q.broken_phrases(prompt, "a pirate captain", [0.3, 0.002, 0.4]) == ["a wily and lovable old sea"]
    assert q.broken_phrases(prompt, "a pirate captain", [0.3, 0.2, None]) == []


def test_rules_on_the_labelled_calibration_set():
    tp, fp, fn, total = calibrate.score(calibrate.labelled(), None)
    assert total > 150 and tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.9


@pytest.mark.parametrize(("spark", "prompt"), GOOD_PROMPTS)
def test_good_prompts_have_no_broken_phrase(spark, prompt):
    assert q.broken_phrases(prompt, spark) == []


# ---- conflicts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("spark", "prompt"), [
    ("pixel-art sprite of a goblin", "pixel-art sprite of a goblin, abstract art, muted palette"),
    ("pixel art sprite of a knight", "pixel art sprite of a knight, charcoal sketch, soft light"),
    ("inventory icon of a mana crystal", "inventory icon of a mana crystal, high-angle wide shot, glowing"),
    ("game icon of a health potion", "game icon of a health potion, editorial photography, harsh shadows"),
    ("portrait of an old sailor", "portrait of an old sailor, isometric low-poly render, overhead bird's-eye view"),
    ("portrait of an old sailor", "portrait of an old sailor, still life, warm light"),
    ("studio product shot of a mug", "studio product shot of a mug, moonlit setting, soft shadows"),
    ("a misty mountain valley at dawn", "a misty mountain valley at dawn, bright midday sun, watercolor"),
    ("a misty mountain valley at dawn", "a misty mountain valley at dawn, rusted sails in the moonlight"),
    ("flat lay of breakfast ingredients", "flat lay of breakfast ingredients, low-angle hero shot"),
    ("a cafe menu illustration", "a cafe menu illustration, warm natural light, natural photograph"),
    ("isometric tile of a tiny farm", "isometric tile of a tiny farm, eye-level shot, bokeh"),
    ("logo of a fox head, no text", "logo of a fox head, no text, golden hour, telephoto lens"),
    # seen in outputs (session 27): a second medium after the spark's, sun rays under the stars,
    # a street behind a studio shot, another animal in a fox's sprite, a close-up of an island,
    # a bit depth the spark did not give, a city around an icon
    ("charcoal sketch of an old oak tree", "charcoal sketch of an old oak tree, ink and wash illustration"),
    ("charcoal sketch of an old oak tree", "charcoal sketch of an old oak tree, ukiyo-e woodblock print"),
    ("a desert oasis under a starry sky", "a desert oasis under a starry sky, volumetric god rays"),
    ("studio photo of wireless earbuds", "studio photo of wireless earbuds, soft glow of a city street"),
    ("studio photo of wireless earbuds", "studio photo of wireless earbuds, front of a movie theater"),
    ("pixel-art sprite sheet of a running fox", "pixel-art sprite sheet of a running fox, a golden retriever"),
    ("a volcanic island with black sand beaches", "a volcanic island with black sand beaches, high-angle closeup"),
    ("8-bit sprite of a spaceship", "8-bit sprite of a spaceship, pixel art, 16-bit"),
    ("inventory icon of a leather satchel", "inventory icon of a leather satchel, satchels all over the city"),
    ("a desert oasis under a starry sky", "a desert oasis under a starry sky, a luxurious spa on the beach"),
    ("a red fox curled up in fresh snow", "a red fox curled up in fresh snow, lush tropical jungle"),
    ("watercolor painting of a harbor town in the rain", "watercolor painting of a harbor town in the rain, "
     "a beautiful sunset over the water's edge"),
    # seen in outputs (session 29): the sun on a lamp-lit scene, a room's light at sea or in the
    # snow, a living glow where nothing glows
    ("a lighthouse keeper reading by lamplight", "a lighthouse keeper reading by lamplight, golden hour backlight"),
    ("a whale breaching at sunset", "a whale breaching at sunset, flat vector illustration, warm candlelight"),
    ("a red fox in fresh snow", "a red fox in fresh snow, baroque oil painting, candlelit candelabras"),
    ("a blacksmith forging a sword at night", "a blacksmith forging a sword at night, bioluminescent glow"),
])
def test_spark_conflicts_are_flagged(spark, prompt):
    assert q.spark_conflicts(prompt, spark)


@pytest.mark.parametrize(("spark", "prompt"), [
    *GOOD_PROMPTS,
    ("pixel art sprite of a knight", "pixel art sprite of a knight, 16-bit, side view, limited palette"),
    ("inventory icon of a mana crystal", "inventory icon of a mana crystal, centered, dark background, glow"),
    ("portrait of an old sailor", "portrait of an old sailor, oil painting, close-up, rim lighting"),
    ("studio product shot of a mug", "studio product shot of a mug, softbox lighting, white backdrop"),
    ("a misty mountain valley at dawn", "a misty mountain valley at dawn, golden hour, soft pink light"),
    ("digital painting of a dragon", "digital painting of a dragon, concept art, dramatic rim lighting"),
    ("charcoal sketch of an old oak tree", "charcoal sketch of an old oak tree, bold expressive strokes"),
    ("an illustration of a fox", "an illustration of a fox, watercolor, soft morning light"),
    ("studio photo of wireless earbuds", "studio photo of wireless earbuds, seamless backdrop, softbox lighting"),
    ("8-bit sprite of a spaceship", "8-bit sprite of a spaceship, pixel art, limited palette"),
    ("a desert coast at noon", "a desert coast at noon, a sandy beach, harsh light"),
    ("a desert oasis under a starry sky", "a desert oasis under a starry sky, palm trees, still water"),
    ("a lighthouse keeper reading by lamplight", "a lighthouse keeper reading by lamplight, oil painting"),
    ("a glowing jellyfish in the deep sea", "a glowing jellyfish in the deep sea, bioluminescent glow"),
    ("a knight resting by a campfire in a forest", "a knight resting by a campfire in a forest, firelight flicker"),
])
def test_consistent_prompts_have_no_spark_conflict(spark, prompt):
    assert q.spark_conflicts(prompt, spark) == []


@pytest.mark.parametrize("prompt", [
    "a knight, realistic, close-up, digital painting",
    "a knight, realistic, watercolor",
    "a castle, pixel art, oil painting",
    "a lake, moonlit, bright midday sun",
    "a lake, moonlight, the bright midday sun",
    "a knight, warm glow of a moonlit night",
    "a mountain, sunsets on misty mountains in the morning",
    "a harbor, overhead bird's-eye view, low-angle hero shot",
    "a harbor, macro close-up, wide establishing shot",
    "a ship, a ship at sea in the darkness of night, volumetric god rays",
    "a ship, stormy sea, golden hour backlight",
])
def test_internal_conflicts_are_flagged(prompt):
    assert q.internal_conflicts(prompt)


@pytest.mark.parametrize("prompt", [
    *[p for _, p in GOOD_PROMPTS],
    "a knight, realistic digital painting, dusk",
    "a lake, evening light, moonlight",
    "a harbor, golden hour, sunrise",
    "a fox, watercolor illustration, ink details",
    "a robot, photorealistic 3D render, studio lighting",
])
def test_coherent_prompts_have_no_internal_conflict(prompt):
    assert q.internal_conflicts(prompt) == []


def test_the_sparks_own_words_are_not_an_internal_conflict():
    spark = "a misty mountain valley at dawn"
    prompt = f"{spark}, moonlight"
    assert q.internal_conflicts(prompt, spark) == [] and q.spark_conflicts(prompt, spark)


# ---- relevance ----------------------------------------------------------------------------------

def table_embed(table: dict[str, list[float]]):
    def embed(texts: list[str]) -> np.ndarray:
        vectors = np.array([table[t] for t in texts], dtype=float)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return embed


def test_an_off_topic_scene_phrase_is_flagged_and_art_direction_is_exempt():
    spark = "a bowl of ramen"
    prompt = "a bowl of ramen, soft-boiled egg on top, mocha in the middle of a floor lamp, warm tones, oil painting"
    embed = table_embed({spark: [1, 0, 0], "soft-boiled egg on top": [0.8, 0.6, 0],
                         "mocha in the middle of a floor lamp": [0, 0.1, 1]})
    assert q.scene_phrases(prompt, spark) == ["soft-boiled egg on top", "mocha in the middle of a floor lamp"]
    assert q.irrelevant_phrases(spark, prompt, embed) == ["mocha in the middle of a floor lamp"]
    assert q.relevance(spark, prompt, embed) == pytest.approx((0.8 + 0.06) / 2, abs=0.01)  # via the egg: 0.06


def test_a_detail_of_an_on_topic_detail_stays_relevant():
    spark = "a knight"
    prompt = "a knight, a medieval castle, a moat with swans"
    embed = table_embed({spark: [1, 0, 0], "a medieval castle": [0.6, 0.8, 0], "a moat with swans": [0, 1, 0.05]})
    assert q.irrelevant_phrases(spark, prompt, embed) == []


# ---- per request, runner, summary, compare ------------------------------------------------------

def bag_embed(texts: list[str]) -> np.ndarray:
    vectors = np.array([[t.lower().count(ch) + 0.01 for ch in "abcdefghijklmnopqrstuvwxyz"] for t in texts])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_request_rates_are_shares_of_prompts_and_keep_the_flagged_items():
    prompts = ["a fox, a sapphir ring", "a fox, watercolor, soft light", "a fox, overgrown by a lush"]
    values = q.request_quality(prompts, "a fox", bag_embed)
    assert values["non_word_rate"] == pytest.approx(1 / 3)
    assert values["broken_phrase_rate"] == pytest.approx(1 / 3)
    assert values["quality_flags"]["non_words"] == {"0": ["sapphir"]}
    assert values["quality_flags"]["broken_phrases"] == {"2": ["overgrown by a lush"]}
    assert values["spark_conflict_rate"] == 0.0


def row(case_id: str, prompts: list[str], mode: str = "structured", spark: str = "a fox") -> dict:
    return {"key": f"{case_id}|{mode}|0", "case_id": case_id, "kind": "spark", "mode": mode, "seed": 0,
            "status": 200, "num_results": len(prompts), "spark": spark, "prompts": prompts, "image": None}


def test_the_runner_scores_quality_per_row_and_image_editing_skips_spark_conflicts():
    scored = score(row("fox", ["a fox, pixel art, oil painting", "a fox, vermucalychas"]), bag_embed)
    assert scored["internal_conflict_rate"] == 0.5 and scored["non_word_rate"] == 0.5
    assert "quality_flags" in scored and scored["irrelevant_phrase_rate"] is not None
    edit = score(row("sun", ["Add a boat at night. Keep the rest."], "image-editing-prompt", "add a boat"), bag_embed)
    assert edit["spark_conflict_rate"] is None and edit["irrelevant_phrase_rate"] is None


def rows_with(rate_prompt: str, n: int = 6) -> list[dict]:
    out = []
    for i in range(n):
        r = row(f"c{i}", [rate_prompt if i == 0 else "a fox, watercolor, soft light"])
        r["metrics"] = score(r, bag_embed)
        out.append(r)
    return out


def test_compare_fails_on_a_ceiling_even_when_the_baseline_is_as_bad(tmp_path, capsys):
    bad = rows_with("a fox, a sapphir ring")
    assert summarize(bad)["modes"]["structured"]["non_word_rate"] > CEILINGS["non_word_rate"]
    assert not [c for c in compare(bad, bad) if c.verdict == "regression"]
    found = ceiling_breaches(bad)
    assert [(mode, metric.name) for mode, metric, _, _ in found] == [("structured", "non_word_rate")]
    for name, rows in (("a", bad), ("b", bad)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--resamples", "50"]) == 1
    out = capsys.readouterr().out
    assert "CEILING: structured non-word rate" in out and "1 ceiling(s) breached" in out


def test_a_clean_candidate_passes_and_a_baseline_without_the_new_metrics_is_na(tmp_path, capsys):
    clean = rows_with("a fox, ink and wash illustration")
    old = [dict(r, metrics={"valid": 1.0}) for r in clean]
    changes = compare(old, clean, resamples=50)
    assert {c.verdict for c in changes if c.metric.name == "non_word_rate"} == {"n/a"}
    assert ceiling_breaches(clean) == []
    for name, rows in (("a", old), ("b", clean)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--resamples", "50"]) == 0
    capsys.readouterr()


def test_ceilings_are_declared_on_the_metrics():
    assert BY_NAME["spark_conflict_rate"].ceiling == 0.0 and BY_NAME["relevance"].ceiling is None


def test_rescore_adds_the_quality_metrics_and_the_report_lists_the_flagged_items(tmp_path, capsys):
    rows = [row("fox", ["a fox, a sapphir ring, overgrown by a lush", "a fox, watercolor, soft light"])]
    rows[0]["metrics"] = {"valid": 1.0}
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["report", str(tmp_path), "--rescore"]) == 0
    rescored = json.loads((tmp_path / "results.jsonl").read_text().splitlines()[0])
    assert rescored["metrics"]["non_word_rate"] == 0.5
    assert rescored["metrics"]["quality_flags"]["broken_phrases"] == {"0": ["overgrown by a lush"]}
    summary = (tmp_path / "summary.md").read_text()
    assert "| non-word rate | 0.500 |" in summary and "| broken-phrase rate | 0.500 |" in summary
    page = (tmp_path / "report.html").read_text()
    assert "<mark>sapphir</mark>" in page and "<mark>overgrown by a lush</mark>" in page
    capsys.readouterr()


# ---- suites -------------------------------------------------------------------------------------

def test_the_formats_suite_fixes_a_medium_or_format_in_every_spark():
    cases = load_suite("formats")
    assert len(cases) >= 60
    for case in cases:
        fixed = q._facet_values(case.spark)
        assert q.spark_formats(case.spark) or any(fixed[f] for f in ("media", "time", "view")), case.spark
    ci = [c for c in load_suite("ci") if c.id.startswith("formats-")]
    assert 1 <= len(ci) <= 3


@pytest.mark.parametrize("phrase", ["a portrait of a silver-haired", "a steam locomotive...howling in the night",
                                    "a light grey color in shadow shadows"])
def test_a_dangling_compound_adjective_and_a_trailing_ellipsis_are_cut(phrase):
    assert q.broken_phrases(f"a spark, {phrase}, soft light", "a spark") == [phrase]


def test_a_complete_compound_adjective_is_not_cut():
    assert q.broken_phrases("a cat, a blue-eyed cat, a sense of well-being", "a cat") == []


def test_a_short_word_before_its_plural_looking_neighbour_is_no_stutter():
    assert q.broken_phrases("a fox, the fox as a tarot card illustration", "a fox") == []


def test_a_head_that_carries_the_spark_further_sets_the_world_of_the_phrases_after_it():
    """Inventive's "a blacksmith on a misty alien planet" may be lit by a bioluminescent glow: the
    register checks read the phrases after the head against the head. The head's own words still
    answer to the spark, so a completion cannot carry a clash in on its first phrase."""
    from eval.quality import spark_conflicts

    spark = "close-up portrait of a blacksmith"
    assert not spark_conflicts(f"{spark} on a misty alien planet, charcoal portrait sketch, bioluminescent glow", spark)
    assert spark_conflicts(f"{spark}, charcoal portrait sketch, bioluminescent glow", spark)
    assert spark_conflicts("a fox in the snow with neon glow, soft light", "a fox in the snow")


def test_a_colour_of_a_colour_list_and_a_clause_carried_on_are_not_cut_phrases():
    """Read on the default suite's image-editing prompts: "rust" in "rust, tan, dark brown and peach
    palette" and "Ensure the change integrates seamlessly" before ", with shadows ..." were counted
    broken by the language model's end probability; neither is."""
    from eval.quality import _listed

    assert _listed("rust", " tan, dark brown and peach palette, seamless and consistent")
    assert _listed("Ensure the change integrates seamlessly", " with shadows and perspective consistent")
    assert not _listed("a lens blown out on the side by an old", " oil painting")
    assert not _listed("rust", " oil painting, soft light")


def test_a_phrase_ending_in_a_noun_of_art_direction_is_whole():
    """"head-and-shoulders framing" and the product backdrop "on a pale marble plinth" were counted
    broken on the formats suite by the language model's end probability; a smell is not visual."""
    from eval.quality import _ends_with_term
    from modes import registers

    assert _ends_with_term("head-and-shoulders framing") and _ends_with_term("on a pale marble plinth")
    assert not _ends_with_term("a lens blown out on the side by an old")
    assert registers.non_visual("a coffee roastery surrounded by the scent")
    assert not registers.non_visual("a fragrance bottle on marble")
