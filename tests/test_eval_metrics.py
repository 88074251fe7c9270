"""Every evaluation metric on hand-made inputs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval import metrics as m
from eval.summary import BY_NAME, aggregate, summarize


def fake_embed(table: dict[str, list[float]]):
    """An embedding function from a table of vectors (normalised like the real one)."""

    def embed(texts: list[str]) -> np.ndarray:
        vectors = np.array([table[t] for t in texts], dtype=float)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return embed


# ---- validity -----------------------------------------------------------------------------------

def test_a_plain_prompt_is_valid():
    assert m.prompt_problems("a red fox in the snow, watercolor, soft light") == []


@pytest.mark.parametrize(("prompt", "problem"), [
    ("", "empty"), ("   ", "empty"), (None, "empty"),
    ("a fox\nin the snow", "multi-line"),
    ("word " * 76, "too-long"),
    ("Sure! Here is your prompt: a fox", "chat-filler"),
    ("a fox, I hope this helps", "chat-filler"),
    ("**a fox** in the snow", "markdown"),
    ("- a fox in the snow", "markdown"),
    ("1. a fox in the snow", "markdown"),
    ('"a fox in the snow"', "quoted"),
])
def test_prompt_problems_name_the_failed_check(prompt, problem):
    assert problem in m.prompt_problems(prompt)


def test_length_bound_counts_words():
    assert m.prompt_problems("word " * 75) == []
    assert m.prompt_problems("word " * 10, max_words=5) == ["too-long"]


def test_validity_needs_every_prompt_valid_and_the_requested_count():
    assert m.validity(["a fox", "a cat"], 2) == {"valid": 1.0, "prompt_validity": 1.0, "num_results_ok": 1.0}
    assert m.validity(["a fox", "**cat**"], 2) == {"valid": 0.0, "prompt_validity": 0.5, "num_results_ok": 1.0}
    assert m.validity(["a fox"], 3) == {"valid": 0.0, "prompt_validity": 1.0, "num_results_ok": 0.0}
    assert m.validity([], 1)["valid"] == 0.0


# ---- structure coverage -------------------------------------------------------------------------

def test_a_fully_structured_prompt_fills_all_seven_slots():
    prompt = ("a red fox, in a snowy birch forest, watercolor illustration, low-angle wide shot, "
              "golden hour backlight, teal and amber palette, frost on whiskers")
    assert m.filled_slots(prompt, "a red fox") == dict.fromkeys(m.SLOTS, True)
    assert m.structure_coverage([prompt], "a red fox") == 1.0


def test_a_bare_spark_fills_only_the_subject():
    slots = m.filled_slots("a red fox", "a red fox")
    assert slots["subject"] and sum(slots.values()) == 1
    assert m.structure_coverage(["a red fox"], "a red fox") == pytest.approx(1 / 7)


def test_slots_are_detected_by_vocabulary():
    slots = m.filled_slots("a knight, oil painting, moonlight", "a knight")
    assert slots == {"subject": True, "setting": False, "style": True, "composition": False,
                     "lighting": True, "palette": False, "details": False}


def test_a_leftover_phrase_counts_as_a_detail():
    assert m.filled_slots("a knight, tattered cape", "a knight")["details"] is True
    assert m.filled_slots("a knight, oil painting", "a knight")["details"] is False


def test_subject_is_missing_when_no_spark_word_survives():
    assert m.filled_slots("a castle, oil painting", "a red fox")["subject"] is False


def test_coverage_is_the_mean_over_prompts():
    full = ("a fox, forest, watercolor, close-up, moonlight, teal palette, intricate textures")
    assert m.structure_coverage([full, "a fox"], "a fox") == pytest.approx((1 + 1 / 7) / 2)
    assert m.structure_coverage([], "a fox") is None


def test_vocab_hit_sees_hyphen_parts_and_plurals():
    assert m.vocab_hit("golden-hour glow", {"golden"})
    assert m.vocab_hit("lanterns", {"lantern"})
    assert not m.vocab_hit("a fox", {"light"})


# ---- adherence and diversity --------------------------------------------------------------------

def test_adherence_is_the_mean_cosine_to_the_spark():
    embed = fake_embed({"spark": [1, 0], "same": [1, 0], "orthogonal": [0, 1], "diagonal": [1, 1]})
    assert m.adherence("spark", ["same"], embed) == pytest.approx(1.0)
    assert m.adherence("spark", ["same", "orthogonal"], embed) == pytest.approx(0.5)
    assert m.adherence("spark", ["diagonal"], embed) == pytest.approx(math.sqrt(0.5))
    assert m.adherence("", ["same"], embed) is None


def test_embedding_diversity_is_the_mean_pairwise_distance():
    embed = fake_embed({"a": [1, 0], "b": [0, 1], "c": [1, 0]})
    assert m.embedding_diversity(["a", "b"], embed) == pytest.approx(1.0)
    assert m.embedding_diversity(["a", "c"], embed) == pytest.approx(0.0)
    assert m.embedding_diversity(["a", "b", "c"], embed) == pytest.approx(2 / 3)
    assert m.embedding_diversity(["a"], embed) is None


def test_distinct_n_counts_unique_ngrams_within_prompts():
    assert m.distinct_n(["a b", "a c"], 1) == pytest.approx(3 / 4)
    assert m.distinct_n(["a b", "a b"], 2) == pytest.approx(1 / 2)
    assert m.distinct_n(["a b c", "d e"], 2) == pytest.approx(1.0)  # no bigram across prompts
    assert m.distinct_n(["a b"], 1) is None


# ---- completion, determinism, IP ----------------------------------------------------------------

def test_prefix_fidelity_counts_results_starting_with_the_spark():
    spark = "a knight\n standing"
    assert m.prefix_fidelity(spark, ["a knight standing on a cliff", "A knight standing"]) == 0.5
    assert m.prefix_fidelity(spark, []) is None


def test_determinism_needs_identical_lists():
    assert m.deterministic(["a", "b"], ["a", "b"]) == 1.0
    assert m.deterministic(["a", "b"], ["b", "a"]) == 0.0


def test_a_leak_is_any_listed_entity_in_any_prompt_case_insensitively():
    assert m.leaks(["a yellow mouse", "PIKACHU in a field"], ["Pikachu"]) == 1.0
    assert m.leaks(["a yellow electric mouse"], ["Pikachu", "Pokémon"]) == 0.0


@pytest.mark.parametrize("disguised", [
    "P1k\u200bachu in a field", "Ｐｉｋａｃｈｕ in a field", "ᴘɪᴋᴀᴄʜᴜ in a field", "P i k a c h u in a field",
    "P_i_k_a_c_h_u in a field", "Pikachu's tail", "two Pikachus", "Pikáchu in a field", "Рikасhu in a field",
])
def test_a_name_passed_through_in_disguise_still_leaks(disguised):
    assert m.leaks([disguised], ["Pikachu"]) == 1.0


def test_names_match_on_word_boundaries_only():
    assert m.leaks(["dappled light on a pineapple"], ["Apple (brand)"]) == 0.0
    assert m.leaks(["an apple logo"], ["Apple (brand)"]) == 1.0  # the disambiguating note is dropped
    assert m.contains_name("Spider-Man swinging", m.skeleton("Spider-Man"))


def test_a_word_of_the_name_that_the_spark_used_counts():
    spark = "Naruto eating ramen"
    assert m.leaks(["naruto eating ramen, anime"], ["Naruto Uzumaki"], spark) == 1.0
    assert m.leaks(["a ninja eating ramen"], ["Naruto Uzumaki"], spark) == 0.0
    assert m.leaks(["Uzumaki spiral"], ["Naruto Uzumaki"], spark) == 0.0  # not how the spark named it


def test_words_of_a_fully_named_entity_are_ordinary_words():
    spark = "Link holding the Master Sword"
    assert m.leaks(["an elf holding a sacred sword"], ["Master Sword"], spark) == 0.0
    assert m.leaks(["an elf holding the master sword"], ["Master Sword"], spark) == 1.0


def test_skeleton_folds_lookalikes_and_leetspeak():
    assert m.skeleton("T4y1or Sw1ft") == m.skeleton("Taylor Swift")
    assert m.skeleton("JΙGGLΥΡUFF") == m.skeleton("jigglypuff")
    assert m.skeleton("Bal\ufeffenc1a\xad9a") == m.skeleton("Balenciaga")


def test_a_clean_spark_is_a_false_positive_when_flagged_or_reworded():
    spark = "a lighthouse at dusk"
    kept = ["a lighthouse at dusk, oil painting"]
    assert m.ip_false_positive(spark, kept, {"action": "allowed", "findings": []}, keeps_spark=True) == 0.0
    assert m.ip_false_positive(spark, kept, {"action": "flagged", "findings": [{}]}, keeps_spark=True) == 1.0
    assert m.ip_false_positive(spark, ["a beacon at dusk"], None, keeps_spark=True) == 1.0
    assert m.ip_false_positive(spark, ["a beacon at dusk"], None, keeps_spark=False) == 0.0
    assert m.ip_false_positive(spark, ["a lighthouse at duskgentle mist"], None, keeps_spark=True) == 0.0


# ---- timings ------------------------------------------------------------------------------------

def test_percentiles_interpolate_linearly():
    assert m.percentile([1, 2, 3, 4], 50) == 2.5
    assert m.percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert m.percentile([], 50) is None


def test_tokens_per_second_is_a_ratio_of_sums():
    assert m.tokens_per_second([10, 30], [1, 1]) == 20.0
    assert m.tokens_per_second([10], [0]) is None


# ---- aggregation --------------------------------------------------------------------------------

def rows(*metrics: dict, mode: str = "structured", backend: str = "local") -> list[dict]:
    return [{"key": f"c{i}|{mode}|0", "case_id": f"c{i}", "mode": mode, "status": 200, "backend": backend,
             "metrics": values} for i, values in enumerate(metrics)]


def test_aggregates_skip_not_applicable_values():
    data = rows({"valid": 1.0, "adherence": 0.5}, {"valid": 0.0, "adherence": None})
    assert aggregate(BY_NAME["validity"], data) == 0.5
    assert aggregate(BY_NAME["adherence"], data) == 0.5
    assert aggregate(BY_NAME["prefix_fidelity"], data) is None


def test_summary_reports_timings_per_mode_and_backend():
    data = rows(*({"latency_s": float(s), "completion_tokens": 10.0, "server_latency_s": 1.0} for s in (1, 2, 3, 4)))
    summary = summarize(data)
    assert summary["modes"]["structured"]["latency_p50_s"] == 2.5
    assert summary["backends"]["local"]["tokens_per_s"] == 10.0
    assert summary["counts"]["structured"] == {"requests": 4, "cases": 4, "errors": 0}


def test_spark_words_count_only_for_the_subject():
    slots = m.filled_slots("a misty valley at dawn, oil painting", "a misty valley at dawn")
    assert slots["style"] and not slots["lighting"] and not slots["setting"]
