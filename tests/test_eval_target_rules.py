"""The target-model suite and its rules (eval/target_rules.py): a result that breaks a family's
rule is flagged, one that fits passes, the suite reads, and the reports show a table per family.

(tests/test_eval_targets.py tests `eval.targets`, the interface to the service.)"""

from __future__ import annotations

import json

import pytest

from eval import target_rules as rules
from eval.cases import TARGET_FAMILIES, SuiteError, expand_targets, load_suite, read_cases
from eval.report import markdown
from eval.summary import summarize
from modes import targets
from modes.targets import clip

PROFILE = {name: targets.profile(name) for name in targets.NAMES}
WRITTEN = (
    "a weary knight resting under an oak tree, misty pine forest, oil painting, dramatic rim light, "
    "low-angle shot, muted earth tone palette, intricate engraved armor"
)


def broken(prompt: str, family: str, **options) -> dict[str, list[str]]:
    """The rules `prompt` breaks for `family` (only those with reasons)."""
    return {
        rule: reasons for rule, reasons in rules.check(prompt, PROFILE[family], **options).items() if reasons
    }


# ---------------------------------------------------------------------------- the suite


def test_the_targets_suite_reads_every_spark_once_per_family():
    cases = load_suite("targets")
    sparks = {case.spark for case in cases}
    assert 12 <= len(sparks) <= 20 and len(cases) == len(sparks) * len(TARGET_FAMILIES)
    assert {case.target_model for case in cases} == set(TARGET_FAMILIES) == set(targets.NAMES) - {"generic"}
    assert {"portrait", "icon", "pixel", "logo", "photo"} <= {case.style for case in cases}
    assert "landscapes" in {case.category for case in cases}
    assert all(case.id.endswith("@" + case.target_model) for case in cases)
    assert len({case.id for case in cases}) == len(cases)
    asked = [c for c in cases if c.keep_terms and c.negative_prompt and c.weights and c.aspect_ratio]
    body = asked[0].body("completion", 3, 0)
    assert body["targetModel"] == asked[0].target_model and body["keepTerms"] == list(asked[0].keep_terms)
    assert body["negativePrompt"] is True and body["weights"] is True and body["aspectRatio"] == "1:1"
    plain = load_suite("ci")[0].body("structured", 2, 0)
    assert not {"targetModel", "keepTerms", "negativePrompt", "weights", "aspectRatio"} & set(plain)


def test_a_case_names_one_family_a_list_or_all(tmp_path):
    assert expand_targets({"id": "a", "spark": "x", "targetModel": "flux"}) == [
        {"id": "a", "spark": "x", "targetModel": "flux"}
    ]
    assert [d["id"] for d in expand_targets({"id": "a", "targetModel": ["sdxl", "midjourney"]})] == [
        "a@sdxl",
        "a@midjourney",
    ]
    assert len(expand_targets({"id": "a", "targetModel": "all"})) == len(TARGET_FAMILIES)
    assert expand_targets({"id": "a"}) == [{"id": "a"}]  # other suites: no family
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"id": "m", "spark": "a fox", "targetModel": "sd15", "weights": True}) + "\n")
    (case,) = read_cases(path)
    assert (case.target_model, case.weights, case.negative_prompt) == ("sd15", True, False)


@pytest.mark.parametrize(
    "line",
    [
        {"spark": "a fox", "targetModel": "dalle-9"},
        {"spark": "a fox", "targetModel": "sdxl", "keepTerms": "zxc"},
        {"spark": "a fox", "targetModel": "sdxl", "keepTerms": [""]},
        {"spark": "a fox", "targetModel": "sdxl", "weights": "yes"},
        {"spark": "a fox", "targetModel": []},
    ],
)
def test_a_malformed_target_case_is_refused(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(SuiteError):
        read_cases(path)


# ---------------------------------------------------------------------------- valid results pass


@pytest.mark.parametrize("family", TARGET_FAMILIES)
def test_what_the_renderer_writes_fits_its_family(family):
    profile = PROFILE[family]
    for weights in (False, True):
        rendered = targets.render(WRITTEN, profile, ["zxc-style"], weights, "16:9").prompt
        negative = targets.negative_prompt(rendered, "a weary knight resting under an oak tree")
        rendered = targets.with_negative(rendered, negative, profile)
        options = {
            "keep_terms": ["zxc-style"],
            "weights_asked": weights,
            "negative_asked": True,
            "negative_prompt": negative,
            "aspect_ratio": "16:9" if profile.aspect_parameter else "",
        }
        assert broken(rendered, family, **options) == {}, rendered


def test_hand_written_prompts_that_fit():
    assert broken("(knight:1.2), oil painting, misty forest", "sdxl", weights_asked=True) == {}
    assert (
        broken(
            "knight::1.2 misty forest, oil painting --ar 3:2",
            "midjourney",
            weights_asked=True,
            aspect_ratio="3:2",
        )
        == {}
    )
    assert broken("A knight in a misty forest. Oil painting, with soft light and fine detail.", "flux") == {}
    assert broken("zxc-style knight in a forest. Oil painting.", "flux", keep_terms=["zxc-style"]) == {}


# ---------------------------------------------------------------------------- violations are flagged


def test_a_sentence_for_a_tag_family_and_tags_for_a_sentence_family_are_flagged():
    assert "phrasing" in broken("A knight rests in a forest. Oil painting.", "sdxl")
    assert "phrasing" in broken("the knight, and oil painting", "sd15")
    assert "phrasing" in broken(
        "knight, misty forest, oil painting, rim light", "flux"
    )  # no stop, a tag list
    assert "phrasing" in broken("A knight, misty forest, oil painting, rim light.", "gpt-image")
    assert "phrasing" in broken("a knight in a forest.", "imagen")  # lower case


def test_a_prompt_past_the_token_window_is_flagged_by_clip_count():
    long = ", ".join(["ornate golden filigree armor"] * 20)
    assert clip.count(long) > clip.WINDOW_TOKENS
    assert broken(long, "sdxl")["length"] == [f"{clip.count(long)} CLIP tokens > 75"]
    assert "length" in broken(" ".join(["word"] * 41), "midjourney")
    assert "length" in broken("A " + " ".join(["word"] * 45) + ".", "imagen")
    assert "length" not in broken("A " + " ".join(["word"] * 45) + ".", "flux")  # no cap declared


@pytest.mark.parametrize(
    ("prompt", "family", "asked"),
    [
        ("(knight:1.2, oil painting", "sdxl", True),  # unbalanced
        ("(knight:3.5), oil painting", "sdxl", True),  # out of range
        ("(knight:heavy), oil painting", "sd15", True),  # not a number
        ("knight, oil painting", "sdxl", True),  # asked, none written
        ("(knight:1.2), oil painting", "sdxl", False),  # not asked
        ("knight::1.2 oil painting", "sdxl", True),  # another family's syntax
        ("knight:: oil painting", "midjourney", True),  # no number
        ("knight::1.2 oil painting", "midjourney", False),  # not asked
        ("(knight:1.2) in a forest. Oil painting.", "flux", True),  # no syntax in the family
    ],
)
def test_weights_syntax_violations_are_flagged(prompt, family, asked):
    assert "weights" in broken(prompt, family, weights_asked=asked)


def test_a_kept_term_must_be_there_verbatim_and_not_only_in_a_parameter():
    assert broken("Zxc-style knight, forest", "sdxl", keep_terms=["zxc-style"])["kept"]
    assert broken("knight, zxc-styles, forest", "sdxl", keep_terms=["zxc-style"])["kept"]
    assert "kept" not in broken("knight, zxc-style, forest", "sdxl", keep_terms=["zxc-style"])
    flagged = broken(
        "knight, forest --no zxc-style",
        "midjourney",
        keep_terms=["zxc-style"],
        negative_asked=True,
        negative_prompt="zxc-style",
    )
    assert flagged["kept"] and any("kept term" in r for r in flagged["negative"])


def test_a_negative_prompt_missing_or_contradicting_the_prompt_is_flagged():
    assert broken("knight, forest", "sdxl", negative_asked=True, negative_prompt="")["negative"] == [
        "no negative prompt"
    ]
    flagged = broken("knight, blurry background", "sdxl", negative_asked=True, negative_prompt="blurry, text")
    assert flagged["negative"] == ["negative term 'blurry' is in the prompt"]
    assert "negative" not in broken("knight, forest", "sdxl", negative_asked=True, negative_prompt="blurry")
    # Midjourney takes it as `--no`, with the same terms
    assert (
        "no --no parameter"
        in broken("knight, forest", "midjourney", negative_asked=True, negative_prompt="blurry")["negative"]
    )
    assert "negative" not in broken(
        "knight, forest --no blurry, text", "midjourney", negative_asked=True, negative_prompt="blurry, text"
    )


@pytest.mark.parametrize(
    ("prompt", "family", "options"),
    [
        ("knight, forest --ar 16:9", "midjourney", {"aspect_ratio": "3:2"}),  # not the ratio asked
        ("knight, forest --ar 16x9", "midjourney", {"aspect_ratio": "16x9"}),  # malformed
        ("knight, forest --ar 16:9", "midjourney", {}),  # not asked
        ("knight, forest", "midjourney", {"aspect_ratio": "16:9"}),  # asked, missing
        ("knight, forest --ar 16:9 --ar 16:9", "midjourney", {"aspect_ratio": "16:9"}),  # twice
        ("knight, forest --no blurry", "midjourney", {}),  # a negative not asked for
        ("knight, forest --chaos 20", "midjourney", {}),
        ("A knight in a forest. --ar 16:9", "flux", {"aspect_ratio": "16:9"}),  # no parameters here
        ("knight, forest --ar 16:9", "sdxl", {}),
    ],
)
def test_parameters_that_are_not_well_formed_or_not_asked_are_flagged(prompt, family, options):
    assert "parameters" in broken(prompt, family, **options)


# ---------------------------------------------------------------------------- per request and reports


def _row(family, prompts, negatives=None, **fields):
    return {
        "key": f"c@{family}|completion|0",
        "case_id": f"c@{family}",
        "mode": "completion",
        "status": 200,
        "target_model": family,
        "prompts": prompts,
        "negative_prompts": negatives,
        **fields,
    }


def test_request_rules_give_shares_per_rule_and_the_reasons():
    row = _row(
        "sdxl",
        ["knight, forest", "A knight. In a forest."],
        ["blurry", "blurry"],
        negative_asked=True,
        keep_terms=["knight"],
    )
    values = rules.request_rules(row)
    assert values["target_fit"] == 0.5 and values["target_phrasing"] == 0.5
    assert (
        values["target_kept"] == 1.0 and values["target_negative"] == 1.0 and values["target_length"] == 1.0
    )
    assert list(values["target_flags"]) == ["phrasing"] and list(values["target_flags"]["phrasing"]) == ["1"]
    assert rules.request_rules(_row("flux", ["A fox."]))["target_kept"] is None  # not asked: not applicable
    assert rules.request_rules(_row("generic", ["a fox"])) == {}
    assert rules.request_rules({**_row("sdxl", ["a fox"]), "target_model": None}) == {}
    missing = rules.request_rules(_row("sdxl", ["fox", "owl"], ["blurry"], negative_asked=True))
    assert missing["target_negative"] == 0.0


def test_the_reports_show_the_rules_per_family():
    rows = []
    for family, prompts in (("sdxl", ["knight, forest"]), ("flux", ["knight, forest"])):
        row = _row(family, prompts)
        row["metrics"] = {"valid": 1.0, **rules.request_rules(row)}
        rows.append(row)
    summary = summarize(rows)
    assert (
        summary["families"]["sdxl"]["target_fit"] == 1.0 and summary["families"]["flux"]["target_fit"] == 0.0
    )
    text = markdown(summary)
    assert "### Target-model rules per family" in text and "| rule | sdxl | flux |" in text
    assert "| phrasing | 1.000 | 0.000 |" in text
    assert "families" not in summarize([{**rows[0], "target_model": None}])
