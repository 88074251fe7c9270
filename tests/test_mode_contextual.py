"""`contextual`: prompts grounded in what the describer saw in `images`, optionally steered."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from app.images import ImageLimits, validate_data_url
from app.settings import load_settings
from models.describers.builtin import BuiltinDescriber
from models.lm.local import LocalLanguageModel
from models.lm.scripted import ScriptedLanguageModel
from modes import ModeContext, get_mode
from modes.craft import is_clean_prompt
from modes.engine import run_mode
from tests import image_samples as samples
from tests.conftest import ROOT, make_client

SUNSET = samples.encode(samples.sunset())
NIGHT = samples.encode(samples.night_city())


def facts(data: bytes):
    image = asyncio.run(validate_data_url(samples.data_url(data), "image", ImageLimits()))
    return asyncio.run(BuiltinDescriber().describe(image))


def contextual(client, **body):
    return client.post("/v1/generate/prompt", json={"mode": "contextual", **body})


def test_prompts_for_a_sunset_photo_name_its_colours_and_light(client):
    seen = facts(SUNSET)
    response = contextual(client, images=[samples.data_url(SUNSET)], numResults=3, seed=5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "contextual" and len(set(body["prompts"])) == 3
    for prompt in body["prompts"]:
        assert is_clean_prompt(prompt, 75), prompt
        assert seen.lighting in prompt and "glow" in prompt
        assert all(color in prompt for color in seen.colors), (seen.colors, prompt)


def test_the_spark_is_optional_and_steers_the_subject(client):
    response = contextual(
        client, images=[samples.data_url(SUNSET)], prompt="a lighthouse keeper", numResults=2
    )
    assert response.status_code == 200
    assert all(p.startswith("a lighthouse keeper, ") for p in response.json()["prompts"])


@pytest.mark.parametrize("body", [{}, {"prompt": "a fox"}, {"prompt": "a fox", "image": None}])
def test_images_are_required(client, body):
    response = contextual(client, **{k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400 and response.json()["field"] == "images"


def test_asset_ids_count_as_context_and_their_stored_description_is_the_subject(client):
    asset = client.post(
        "/v1/assets",
        json={"image": samples.data_url(samples.photo("chelsea.png")), "description": "a tabby cat"},
    ).json()["asset"]["assetId"]
    response = contextual(client, assetIds=[asset], numResults=2, seed=3)
    assert response.status_code == 200
    assert all(p.startswith("a tabby cat, ") for p in response.json()["prompts"])


def test_several_images_take_turns_as_the_reference(settings):
    images = [samples.data_url(SUNSET), samples.data_url(NIGHT)]
    lm = ScriptedLanguageModel(lambda row: "a ferry crossing a wide river, gulls")
    with make_client(settings, lm) as client:
        prompts = contextual(client, images=images, numResults=2, seed=8).json()["prompts"]
    assert facts(SUNSET).lighting in prompts[0]
    assert facts(NIGHT).lighting in prompts[1]


def test_a_broken_image_is_refused_with_its_field(client):
    response = contextual(
        client, images=[samples.data_url(SUNSET), samples.data_url(samples.gif(), "image/png")]
    )
    assert response.status_code == 415 and response.json()["field"] == "images[1]"


def run(spark: str, responder, n: int = 3, descriptions: list | None = None):
    ctx = ModeContext(
        mode="contextual",
        spark=spark,
        num_results=n,
        seed=4,
        image_descriptions=descriptions or [facts(SUNSET)],
    )
    return asyncio.run(run_mode(get_mode("contextual"), ctx, ScriptedLanguageModel(responder), 30))


def test_the_model_writes_details_around_the_reported_subject_and_the_image_sets_the_rest():
    # The describer reported the subject and no spark steers it: the model is asked for the
    # details only (a "Subject:" or "Setting:" prefill would be a KeyError here).
    described = facts(SUNSET)
    described.subject = "an old fisherman mending nets"
    answers = {"Details:": "fishing floats, a sleeping dog, wet planks"}
    result = run("", lambda row: answers[row.prefill.rsplit("\n", 1)[-1]], n=1, descriptions=[described])
    prompt = result.prompts[0]
    assert prompt.startswith("an old fisherman mending nets, ")
    assert (
        "fishing floats, a sleeping dog, wet planks" in prompt and "glow" in prompt and result.fallbacks == 0
    )


def test_a_spark_gets_a_setting_and_details_from_the_model():
    answers = {"Setting:": "a wooden pier on a quiet bay", "Details:": "fishing floats, wet planks"}
    result = run("an old fisherman", lambda row: answers[row.prefill.rsplit("\n", 1)[-1]], n=1)
    assert result.prompts[0].startswith("an old fisherman, a wooden pier on a quiet bay, ")
    assert "fishing floats, wet planks" in result.prompts[0] and result.fallbacks == 0


@pytest.mark.parametrize(
    "junk",
    ["", "Sure! Here is your prompt: **neon**", "wide establishing shot, cinematic composition", "!!! 123"],
)
def test_junk_from_the_model_falls_back_to_clean_grounded_prompts(junk):
    seen = facts(SUNSET)
    result = run("", lambda row: junk)
    assert len(result.prompts) == 3 and len(set(result.prompts)) == 3
    for prompt in result.prompts:
        assert is_clean_prompt(prompt, 75) and seen.lighting in prompt, prompt
        assert not prompt.startswith(("wide establishing", "sure", "Sure"))


def test_the_image_facts_survive_a_tight_word_limit():
    ctx = ModeContext(
        mode="contextual",
        spark="a fox",
        num_results=1,
        seed=1,
        word_limit=20,
        image_descriptions=[facts(SUNSET)],
    )
    prompt = asyncio.run(run_mode(get_mode("contextual"), ctx, ScriptedLanguageModel(), 30)).prompts[0]
    assert len(prompt.split()) <= 20 and "glow" in prompt


def test_the_cli_sends_image_files_as_images(tmp_path):
    path = tmp_path / "sunset.png"
    path.write_bytes(SUNSET)
    env = {"PROMPTGEN_LM_BACKEND": "scripted", "PROMPTGEN_DATA_DIR": str(tmp_path / "data"), "PATH": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "prompt",
            "--local",  # in-process, whatever serves on this machine's configured port
            "--mode",
            "contextual",
            "--image",
            str(path),
            "-n",
            "2",
            "--seed",
            "3",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all("glow" in line for line in lines)


@pytest.mark.smollm
def test_the_real_model_writes_grounded_contextual_prompts(smollm_dir, tmp_path):
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path), lm_timeout_s=600)
    with make_client(settings, LocalLanguageModel(model_path=str(smollm_dir), dtype="bfloat16")) as client:
        body = {"mode": "contextual", "images": [samples.data_url(SUNSET)], "numResults": 3, "seed": 11}
        prompts = client.post("/v1/generate/prompt", json=body).json()["prompts"]
        edit = client.post(
            "/v1/generate/prompt",
            json={
                "mode": "image-editing",
                "image": samples.data_url(SUNSET),
                "modelId": "flux-kontext",
                "seed": 2,
            },
        ).json()["prompts"]
    seen = facts(SUNSET)
    assert len(set(prompts)) == 3
    for prompt in prompts:
        assert is_clean_prompt(prompt, 75) and seen.lighting in prompt and seen.palette in prompt, prompt
    assert len(edit) == 1 and "while keeping" in edit[0] and "unchanged" in edit[0], edit


def test_the_photos_subject_leads_and_the_models_phrases_must_belong_beside_the_spark():
    """Read on the eval's images: "a storybook hero, fantasy realm of ..." for a photo of a cat
    never said "cat"; "beach in desert" for a desert road trip, "summer jest" for a winter fairy
    tale, "a stylish poster with bold typography", "library with floor-tocec room"."""
    from modes.contextual import belonging

    out = belonging("a desert road trip", "a motorbike", {"setting": "beach in desert", "details": "dusty saddlebags"})
    assert out == {"setting": "a motorbike", "details": "dusty saddlebags"}
    out = belonging("a storybook hero", "a cat", {"setting": "a small medieval castle", "details": ""})
    assert out["setting"] == "a cat, a small medieval castle"
    assert belonging("a winter fairy tale", "", {"setting": "summer jest", "details": ""})["setting"] == ""
    kept = belonging("a film noir poster", "", {"details": "a stylish poster with bold typography, rain-slick streets"})
    assert kept["details"] == "rain-slick streets"
    assert belonging("a cozy reading nook", "", {"setting": "library with floor-tocec room"})["setting"] == ""
    assert belonging("a typography poster", "", {"details": "bold typography, paper texture"})["details"].startswith("bold")
    described = facts(SUNSET)
    described.subject = "a cat"
    answers = {"Setting:": "beach in desert", "Details:": "wings and scales, a dragon"}
    result = run("a storybook hero", lambda row: answers[row.prefill.rsplit("\n", 1)[-1]], n=1, descriptions=[described])
    assert result.prompts[0].startswith("a storybook hero, a cat, ") and "desert" not in result.prompts[0]


def test_a_flat_drawing_sent_as_a_jpeg_is_not_called_a_photograph():
    """A pixel-art sprite through a JPEG encoder has thousands of colours; its prompts said
    "natural photograph"."""
    from eval.images import data_url

    def described(ref: str):
        image = asyncio.run(validate_data_url(data_url(ref), "image", ImageLimits()))
        return asyncio.run(BuiltinDescriber().describe(image))

    for ref in ("drawn:pixel_sprite", "drawn:sword_icon", "drawn:cozy_room"):
        assert described(ref).medium == "flat graphic illustration", ref
    for ref in ("photo:skimage/chelsea.png", "photo:skimage/coffee.png", "photo:skimage/hubble_deep_field.jpg"):
        assert "photograph" in described(ref).medium, ref


def test_a_small_model_is_asked_nothing_and_the_prompt_keeps_to_what_is_stated_and_measured():
    """Read on the eval's 24 images, the embedded model's settings and details were what a person
    struck ("fantasy realm of a high school student" and "wings and scales" beside a cat, "a
    unicorn" in an icon set): with a small model the prompt is the spark, the photo's subject,
    its measured light and palette, and renderings of the prompt's own medium, different for each
    of five results."""
    described = facts(SUNSET)
    described.subject = "a cat"

    def refuse(row):
        raise AssertionError(f"the small model was asked: {row.prefill!r}")

    ctx = ModeContext(mode="contextual", spark="a storybook hero", num_results=5, seed=4,
                      image_descriptions=[described], small_model=True)
    mode = get_mode("contextual")
    assert not mode.plan(ctx, 5, 0, True).rows
    result = asyncio.run(run_mode(mode, ctx, ScriptedLanguageModel(refuse), 30))
    assert len(set(result.prompts)) == 5, result.prompts
    for prompt in result.prompts:
        assert prompt.startswith("a storybook hero, a cat, ") and is_clean_prompt(prompt, 75), prompt
        assert described.lighting in prompt and described.palette in prompt, prompt
    # a spark that names a drawing gets a drawing's renderings, not a photograph's
    menu = ModeContext(mode="contextual", spark="a cafe menu illustration", num_results=3, seed=4,
                       image_descriptions=[facts(samples.photo("coffee.png"))], small_model=True)
    prompts = asyncio.run(run_mode(mode, menu, ScriptedLanguageModel(refuse), 30)).prompts
    assert len(prompts) == 3
    for prompt in prompts:
        assert not any(t in prompt for t in ("film grain", "depth of field", "lens bloom", "vignette")), prompt
