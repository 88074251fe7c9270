"""`keepTerms`: words every result contains exactly as given, in every mode, through repair,
IP clearing, target rendering and shortening (issue 23, item 3)."""

from __future__ import annotations

import pytest

from app.settings import load_settings
from models.lm.scripted import ScriptedLanguageModel
from modes import keep
from tests import image_samples as samples
from tests.conftest import make_client

TERM = "zxc-style"
SUNSET = samples.data_url(samples.encode(samples.sunset()))
MODES = {
    "structured": {"prompt": "a lighthouse keeper's cat watching a storm"},
    "completion": {"prompt": "a lighthouse keeper's cat watching a storm"},
    "inventive": {"prompt": "a lighthouse keeper's cat watching a storm"},
    "contextual": {"images": [SUNSET], "prompt": "a quiet evening"},
    "image-editing-prompt": {"image": SUNSET, "prompt": "make it night", "modelId": "gpt-image-1"},
}


def generate(client, **body):
    response = client.post("/v1/generate/prompt", json={"seed": 11, "numResults": 2, **body})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("target", ["generic", "sdxl", "flux", "midjourney"])
def test_a_kept_term_survives_every_mode_target_and_ip_clearing(client, mode, target):
    body = generate(
        client,
        mode=mode,
        keepTerms=[TERM],
        ensureIPCleared=True,
        targetModel=target,
        negativePrompt=True,
        **MODES[mode],
    )
    assert body["prompts"]
    if mode == "image-editing-prompt" and target != "generic":  # an instruction for its editor
        assert any("was not applied" in w for w in body["warnings"])
    for prompt, negative in zip(body["prompts"], body["negativePrompts"], strict=True):
        assert keep.contains(prompt, TERM), prompt
        assert TERM not in negative and "zxc" not in negative


def test_kept_terms_survive_ip_clearing_of_a_spark_that_names_ip(client):
    body = generate(
        client,
        prompt=f"Mickey Mouse as a {TERM} sailor",
        keepTerms=[TERM, "Blue Harbour Co"],
        ensureIPCleared=True,
    )
    assert body["ipDetection"]["action"] == "flagged"
    for prompt in body["prompts"]:
        assert "Mickey" not in prompt and TERM in prompt and "Blue Harbour Co" in prompt


def test_a_kept_term_naming_protected_ip_is_refused_unless_the_operator_allows_it(client, tmp_path):
    response = client.post(
        "/v1/generate/prompt", json={"prompt": "a sailor", "keepTerms": ["ok", "Mickey Mouse"]}
    )
    problem = response.json()
    assert response.status_code == 400 and problem["field"] == "keepTerms[1]"
    assert "Mickey Mouse" in problem["detail"] and "protected IP" in problem["detail"]
    assert "PROMPTGEN_ALLOW_IP_KEEP_TERMS" in problem["detail"]
    settings = load_settings(
        env={"PROMPTGEN_ALLOW_IP_KEEP_TERMS": "true"},
        dotenv=None,
        data_dir=str(tmp_path / "d"),
        lm_backend="scripted",
    )
    with make_client(settings, ScriptedLanguageModel()) as allowed:
        body = generate(allowed, prompt="a sailor", keepTerms=["Mickey Mouse"], ensureIPCleared=True)
        assert all("Mickey Mouse" in p for p in body["prompts"])


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ([""], "keepTerms[0]"),
        (["x" * 61], "keepTerms[0]"),
        (["   "], "keepTerms[0]"),
        (["a\nb"], "keepTerms[0]"),
        ([" padded"], "keepTerms[0]"),
        (["a\n"], "keepTerms[0]"),
        (["\ufeffa"], "keepTerms[0]"),
        (["a\u0085"], "keepTerms[0]"),
        (["\ue0000\ue001"], "keepTerms[0]"),  # the marks kept terms are shielded with
        (["same", "same"], "keepTerms[1]"),
        ([f"t{i}" for i in range(11)], "keepTerms"),
        ("zxc", "keepTerms"),
        ([3], "keepTerms[0]"),
    ],
)
def test_bad_kept_terms_are_400s_naming_the_term(client, terms, field):
    response = client.post("/v1/generate/prompt", json={"prompt": "a sailor", "keepTerms": terms})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_the_chained_call_takes_kept_terms_under_prompt_generation(client):
    response = client.post(
        "/v1/generate/image",
        json={"prompt": "a sailor", "promptGeneration": {"keepTerms": ["Mickey Mouse"]}},
    )
    assert response.status_code == 400 and response.json()["field"] == "promptGeneration.keepTerms[0]"


def test_ensure_sets_case_right_in_place_or_adds_the_term_after_the_subject():
    assert keep.ensure("a zxc-style fox, oil painting", ["ZXC-Style"]) == "a ZXC-Style fox, oil painting"
    assert keep.ensure("a fox, oil painting", [TERM]) == f"a fox, {TERM}, oil painting"
    assert keep.ensure("a fox in the snow", [TERM]) == f"a fox in the snow, {TERM}"
    assert keep.ensure("", [TERM]) == TERM
    assert keep.contains("zxc-styles", TERM) is False  # whole words only
    text, restore = keep.shield("a zxc-style fox, zxc", [TERM, "zxc"])
    assert TERM not in text and restore(text) == "a zxc-style fox, zxc"


def test_the_command_line_takes_target_negative_and_kept_terms(tmp_path):
    from tests.test_cli import run_cli

    args = ("prompt", "a paper boat", "--local", "--seed", "4", "--target", "midjourney", "--negative")
    result = run_cli(
        *args, "--keep", TERM, "--keep", "Blue Harbour Co", "--aspect-ratio", "16:9", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    prompt, negative = result.stdout.splitlines()
    assert TERM in prompt and "Blue Harbour Co" in prompt and prompt.startswith("paper boat")
    assert negative.startswith("  negative: ") and "blurry" in negative
    assert prompt.endswith(
        f" --ar 16:9 --no {negative.removeprefix('  negative: ')}"
    )  # Midjourney's own syntax
    bad = run_cli("prompt", "a paper boat", "--local", "--aspect-ratio", "wide", tmp_path=tmp_path)
    assert bad.returncode != 0 and "--aspect-ratio" in bad.stderr
    refused = run_cli("prompt", "a paper boat", "--local", "--keep", "Mickey Mouse", tmp_path=tmp_path)
    assert refused.returncode == 1 and refused.stderr.startswith("python -m app prompt: error: --keep: ")
