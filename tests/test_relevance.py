"""A phrase that does not belong to the spark's scene is left out: completion's continuations by
the relevance gate (all-MiniLM-L6-v2, the real model from its wheel), structured settings by the
place the spark states."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from app.relevance import relevance_gate
from app.settings import load_settings
from models import embeddings
from models.lm.base import LMRequest
from models.lm.scripted import ScriptedLanguageModel
from modes import get_mode
from modes.base import ModeContext
from modes.engine import run_mode
from modes.relevance import COMPLETION_FLOOR, RelevanceGate, off_topic, scene_phrases
from modes.spark import analyze
from tests.test_modes import run


async def _embed(texts: list[str]) -> np.ndarray:
    return embeddings.shared()(texts)


GATE = RelevanceGate(_embed)


def prune(prompt: str, spark: str, floor: float = COMPLETION_FLOOR) -> str:
    return asyncio.run(GATE.prune([prompt], spark, floor))[0]


def test_a_phrase_from_another_scene_goes_and_one_of_this_scene_stays():
    """Read off the embedded model's completions of sparks no rule was tuned on."""
    spark = "an old fisherman mending nets on a pier"
    stray = prune(f"{spark}, a longbow and arrow slung over his back, oil painting, bright midday sun", spark)
    assert stray == f"{spark}, oil painting, bright midday sun"
    kept = f"{spark}, fishing on a pier in the rain with nets, ink and wash illustration, blue hour twilight"
    assert prune(kept, spark) == kept
    dragon = "a dragon sleeping on a pile of coins"
    garbled = prune(f"{dragon}, dapper coat with horns and shaggy headlights, pastel chalk drawing", dragon)
    assert garbled == f"{dragon}, pastel chalk drawing"


def test_the_head_art_direction_and_a_detail_of_an_on_topic_detail_are_never_scored():
    spark = "a lighthouse on a cliff"
    prompt = f"{spark}, crashing waves on black rocks, oil painting, deep teal and amber, crisp reflections"
    head, scored = scene_phrases(prompt, spark)
    assert head == spark and scored == ["crashing waves on black rocks"]
    # a spark of two phrases is a head of two
    head, scored = scene_phrases(
        "a bowl of ramen, product photo, on a stone pedestal, glass of water",
        "a bowl of ramen, product photo",
    )
    assert head == "a bowl of ramen, product photo" and scored == ["glass of water"]


def test_an_off_topic_phrase_is_rescued_by_an_on_topic_one_it_details():
    head = np.array([1.0, 0.0, 0.0])
    on = np.array([0.8, 0.6, 0.0])  # cos 0.8 with the head
    detail_of_it = np.array([0.0, 1.0, 0.0])  # cos 0 with the head, 0.6 with `on`
    stray = np.array([0.0, 0.0, 1.0])
    assert off_topic(head, np.stack([on, detail_of_it, stray]), 0.5) == [False, False, True]
    # two off-topic phrases that resemble each other do not rescue each other
    assert off_topic(head, np.stack([stray, stray]), 0.5) == [True, True]


def test_completion_results_are_gated_in_the_engine():
    spark = "a ruined castle overgrown with ivy"

    def stray(row: LMRequest) -> str:
        return ", a faded ballerina twirling to the music, watercolor illustration"

    ctx = ModeContext(mode="completion", spark=spark, num_results=1, seed=3)
    gated = asyncio.run(run_mode(get_mode("completion"), ctx, ScriptedLanguageModel(stray), 30, GATE))
    assert all("ballerina" not in p for p in gated.prompts), gated.prompts
    ungated = asyncio.run(run_mode(get_mode("completion"), ctx, ScriptedLanguageModel(stray), 30))
    assert any("ballerina" in p for p in ungated.prompts), ungated.prompts


def test_a_gated_inventive_result_is_composed_from_its_twist_and_curated_art_direction():
    """A local model's inventive elaborations were word salad 31 times in 44 ("a gentle blowout by
    a whale", "molten silver light"): behind the gate the mode asks the model for none and composes
    the twisted spark with curated style, light, palette and detail (counted as fallbacks);
    without the gate (a remote model) the model writes them."""
    from modes import vocab

    spark = "a whale breaching at sunset"

    def salad(row: LMRequest) -> str:
        twist = row.messages[-1].content.split("Twist: ", 1)[1]
        return f"{spark} {twist}, a gentle blowout by a whale, molten silver light, watercolor illustration"

    ctx = ModeContext(mode="inventive", spark=spark, num_results=3, seed=0)
    gated = asyncio.run(run_mode(get_mode("inventive"), ctx, ScriptedLanguageModel(salad), 30, GATE))
    assert len(gated.prompts) == 3 and gated.model_calls == 0 and gated.fallbacks == 3
    heads = set()
    for prompt in gated.prompts:
        assert "blowout" not in prompt and "molten" not in prompt, prompt
        head = prompt.split(", ")[0]
        assert any(head == f"{spark} {twist}" for twist in vocab.TWISTS), prompt
        assert any(style in prompt for style in vocab.STYLES), prompt
        heads.add(head)
    assert len(heads) == 3
    ungated = asyncio.run(run_mode(get_mode("inventive"), ctx, ScriptedLanguageModel(salad), 30))
    assert ungated.model_calls >= 1 and any("blowout" in p for p in ungated.prompts), ungated.prompts


class _Backend:
    def __init__(self, backend: str) -> None:
        self.backend = backend


@pytest.mark.parametrize(
    ("backend", "gate", "floor", "on"),
    [
        ("local", "auto", 0.0, True),
        ("openai", "auto", 0.0, False),
        ("local", "off", 0.0, False),
        ("openai", "on", 0.4, True),
    ],
)
def test_the_gate_is_on_for_a_local_model_unless_the_operator_says_otherwise(backend, gate, floor, on):
    settings = load_settings(env={}, dotenv=None, relevance_gate=gate, relevance_floor=floor)
    made = relevance_gate(settings, _Backend(backend))  # type: ignore[arg-type]
    assert (made is not None) == on
    if made is not None:
        assert made.floor == (floor or None)


@pytest.mark.parametrize(
    ("spark", "setting", "fits"),
    [
        ("an old fisherman mending nets on a pier", "old pier in a harbor", True),
        ("an old fisherman mending nets on a pier", "the beach at sea", False),
        ("a cozy reading nook with a cat", "quiet forest with a cat", False),
        ("a samurai standing in a bamboo forest", "castle-themed samurai village", False),
        ("a samurai standing in a bamboo forest", "misty bamboo grove", True),
        ("a steampunk airship over a desert", "20th century", False),
        ("a street food vendor in bangkok at night", "neon-lit street food market in bangkok", True),
        ("portrait of a beekeeper", "open countryside", True),  # says nowhere: the setting is open
        ("a sailboat in a storm", "rocky coastline", True),  # a storm is weather, not a place
    ],
)
def test_a_setting_elaborates_the_place_the_spark_states(spark, setting, fits):
    assert analyze(spark).fits_place(setting) is fits


def test_structured_drops_a_setting_that_moves_the_scene():
    def forest(row: LMRequest) -> str:
        answers = {"Setting:": " quiet forest with a cat", "Details:": " a stack of worn books"}
        return answers.get(row.prefill.rsplit("\n", 1)[-1], " soft window light")

    for prompt in run("structured", "a cozy reading nook with a cat", forest, n=2).prompts:
        assert "forest" not in prompt, prompt


def test_the_committed_floors_are_the_ones_the_judged_phrases_give(capsys):
    """COMPLETION_FLOOR and STRUCTURED_FLOOR are what `python -m eval.calibrate_relevance --mode M`
    picks on the committed judgements: a change to either must come with new judgements."""
    from eval import calibrate_relevance
    from modes.relevance import STRUCTURED_FLOOR

    for mode, floor in (("completion", COMPLETION_FLOOR), ("structured", STRUCTURED_FLOOR)):
        assert calibrate_relevance.main(["--mode", mode]) == 0
        assert f"chosen floor {floor} " in capsys.readouterr().out, mode


def test_count_tells_the_prompts_holding_a_phrase_a_person_marked(tmp_path, capsys):
    import json

    from eval import calibrate_relevance

    spark = "an old fisherman mending nets on a pier"
    results = tmp_path / "results.jsonl"
    results.write_text(
        json.dumps(
            {
                "spark": spark,
                "mode": "completion",
                "prompts": [f"{spark}, a longbow and arrow slung over his back", f"{spark}, oil painting"],
            }
        )
        + "\n"
    )
    assert calibrate_relevance.main(["--count", str(results)]) == 0
    assert "completion: 1/2 prompts" in capsys.readouterr().out
