"""`targetModel`, `weights`, `aspectRatio` and `negativePrompt`: prompts written for the model
that will draw them (issue 23, items 1 and 2)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from app.chain.prompting import prompt_request_for
from app.chain.runner import negative_for
from app.chain_protocol import GenerateImageRequest, PromptGeneration
from models.image import ImageOptions
from modes import craft, targets
from modes.targets import clip

SPARK = "a portrait of an old fisherman mending nets"
LONG = ", ".join(
    [
        "a red fox curled asleep in fresh snow under pine trees",
        "oil painting",
        "golden hour light",
        "wide establishing shot",
        "muted earth tones",
        "intricate detail",
        "soft mist drifting across the frozen lake",
        "tiny footprints leading away",
        "snow-laden branches",
        "distant mountains",
        "subtle rim light on fur",
        "painterly brushwork",
        "rich textures",
        "cinematic composition",
        "dramatic clouds",
        "glittering ice crystals",
        "faint aurora overhead",
        "a lone raven perched nearby",
    ]
)


def generate(client, **body):
    response = client.post("/v1/generate/prompt", json={"prompt": SPARK, "seed": 3, "numResults": 2, **body})
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------------------- CLIP tokens


def test_clip_counts_match_clips_own_tokenizer():
    # Counts from OpenAI CLIP's SimpleTokenizer (clip-anytorch 2.6.0) on the same vocabulary.
    assert (
        clip.count(
            "a portrait of an old fisherman mending nets, (masterpiece:1.2), 8k, f/1.8 Café naïve 123 don't"
        )
        == 34
    )
    assert clip.count("zxc-style, pixel art, 16-bit") == 12
    assert [t.piece for t in clip.tokenize("zxc-style")] == ["z", "xc</w>", "-</w>", "style</w>"]
    assert clip.count("") == 0


def test_the_vocabulary_ships_with_its_licence():
    assert clip.VOCAB_PATH.is_file() and clip.VOCAB_PATH.stat().st_size > 1_000_000
    licence = clip.VOCAB_PATH.with_name("LICENSE-CLIP-VOCAB.txt").read_text()
    assert "MIT License" in licence and "clip-anytorch" in licence


def test_token_spans_point_at_their_words():
    text = "Misty harbour, lanterns"
    words = {text[t.start : t.end] for t in clip.tokenize(text)}
    assert words == {"Misty", "harbour", ",", "lanterns"}


# ---------------------------------------------------------------------------- the API


def test_generic_is_the_default_and_leaves_prompts_as_the_mode_wrote_them(client):
    plain = generate(client)
    generic = generate(client, targetModel="generic")
    assert plain["prompts"] == generic["prompts"]
    assert "negativePrompts" not in plain
    assert all(targets.render(p, targets.profile("generic")).prompt == p for p in plain["prompts"])


def test_sdxl_flux_and_midjourney_give_visibly_different_valid_prompts_with_negatives(client):
    sdxl = generate(client, targetModel="sdxl", negativePrompt=True)
    flux = generate(client, targetModel="flux", negativePrompt=True)
    midjourney = generate(client, targetModel="midjourney", negativePrompt=True, aspectRatio="16:9")
    for a, b, c in zip(sdxl["prompts"], flux["prompts"], midjourney["prompts"], strict=True):
        assert len({a, b, c}) == 3
    for prompt in sdxl["prompts"]:  # tags within one CLIP window
        assert clip.count(prompt) <= clip.WINDOW_TOKENS
        assert ". " not in prompt and not prompt.endswith(".") and prompt.count(",") >= 3
        assert prompt.startswith("portrait of an old fisherman mending nets")
    for prompt in flux["prompts"]:  # natural sentences, the subject first
        assert prompt.startswith("A portrait of an old fisherman mending nets")
        assert prompt.endswith(".") and 1 <= len(re.findall(r"\.(?:\s|$)", prompt)) <= 2
    for prompt, negative in zip(midjourney["prompts"], midjourney["negativePrompts"], strict=True):
        # parameters after the prompt, style last; the negative prompt as Midjourney's own `--no`
        assert prompt.endswith(f" --ar 16:9 --no {negative}") and prompt.count("--ar") == 1
        assert len(prompt.partition(" --ar ")[0].split()) <= 40
    for body in (sdxl, flux, midjourney):
        assert len(body["negativePrompts"]) == len(body["prompts"])
        for prompt, negative in zip(body["prompts"], body["negativePrompts"], strict=True):
            prompt = prompt.partition(" --")[0]
            terms = negative.split(", ")
            assert {"extra fingers", "deformed hands", "asymmetrical eyes"} <= set(
                terms
            )  # a person's portrait
            assert not any(craft.content_set(term) & craft.content_set(prompt) for term in terms), (
                prompt,
                negative,
            )


def test_weights_use_the_familys_syntax_only_when_asked(client):
    sd = generate(client, targetModel="sdxl", weights=True)["prompts"]
    assert all(p.startswith("(portrait of an old fisherman mending nets:1.2), ") for p in sd)
    assert all(":1.1)" in p for p in sd)  # the medium
    assert all("(" not in p for p in generate(client, targetModel="sdxl")["prompts"])
    mj = generate(client, targetModel="midjourney", weights=True)["prompts"]
    assert all(p.startswith("portrait of an old fisherman mending nets::1.2 ") for p in mj)
    flux = generate(client, targetModel="flux", weights=True)
    assert any("no weights syntax" in w for w in flux["warnings"])


def test_an_unknown_family_is_a_400_naming_the_field(client):
    response = client.post("/v1/generate/prompt", json={"prompt": SPARK, "targetModel": "dalle"})
    assert response.status_code == 400 and response.json()["field"] == "targetModel"
    response = client.post("/v1/generate/prompt", json={"prompt": SPARK, "aspectRatio": "wide"})
    assert response.status_code == 400 and response.json()["field"] == "aspectRatio"


def test_the_schema_describes_the_new_fields(client):
    schema = client.get("/schema/openapi.json").json()
    text = str(schema)
    for name in (
        "targetModel",
        "negativePrompt",
        "negativePrompts",
        "keepTerms",
        "aspectRatio",
        "/v1/prompts/analyze",
    ):
        assert name in text


# ---------------------------------------------------------------------------- rendering


def test_a_long_prompt_for_sd_loses_its_least_important_phrases_not_its_subject():
    assert clip.count(LONG) > clip.WINDOW_TOKENS
    rendered = targets.render(LONG, targets.profile("sd15"), keep_terms=["painterly brushwork"])
    assert clip.count(rendered.prompt) <= clip.WINDOW_TOKENS
    assert rendered.prompt.startswith(
        "red fox curled asleep in fresh snow under pine trees, painterly brushwork"
    )
    assert "oil painting" in rendered.prompt and rendered.dropped
    assert all(d not in rendered.prompt for d in rendered.dropped)


def test_a_subject_longer_than_a_window_is_cut_to_fit():
    subject = " ".join(["an enormous"] + ["very"] * 90 + ["old lighthouse"])
    rendered = targets.render(subject + ", oil painting", targets.profile("sdxl"), keep_terms=["zxc-style"])
    assert clip.count(rendered.prompt) <= clip.WINDOW_TOKENS and rendered.trimmed
    assert "zxc-style" in rendered.prompt and rendered.prompt.startswith("enormous very")


@pytest.mark.parametrize(
    ("prompt", "sentence"),
    [
        ("a fox, quiet mountain valley, oil painting", "A fox in a quiet mountain valley. Oil painting."),
        ("a fox, rocky island, watercolor", "A fox on a rocky island. Watercolor."),
        ("a fox, on a plain dark background, soft light", "A fox on a plain dark background. Soft light."),
        ("a fox, wooden boat on the shore, oil painting", "A fox, wooden boat on the shore. Oil painting."),
    ],
)
def test_sentences_put_the_subject_in_its_setting(prompt, sentence):
    assert targets.render(prompt, targets.profile("flux")).prompt == sentence


@pytest.mark.parametrize(
    ("backend", "family"),
    [
        ("openai:gpt-image-1", "gpt-image"),
        ("openai:dall-e-3", "gpt-image"),
        ("replicate:flux-schnell", "flux"),
        ("gemini:google/nano-banana", "imagen"),
        ("replicate:stability-ai/sdxl", "sdxl"),
        ("diffusers:local", "generic"),
        ("preview:card", "generic"),
    ],
)
def test_an_image_backend_has_a_family(backend, family):
    assert targets.family_of(backend) == family


# ---------------------------------------------------------------------------- negatives


@pytest.mark.parametrize(
    ("spark", "prompt", "expected", "absent"),
    [
        (
            "a portrait of a woman",
            "a portrait of a woman, oil painting",
            {"extra fingers", "deformed hands"},
            set(),
        ),
        (
            "a fox logo",
            "a fox logo, flat vector logo, no text",
            {"photographic texture", "gradients", "clutter"},
            {"text"},
        ),
        (
            "a knight, pixel art",
            "a knight, pixel art, 16-bit",
            {"anti-aliasing", "blur", "smooth gradients"},
            set(),
        ),
        ("a photo of a harbour", "a photo of a harbour, golden hour", {"cartoon", "cgi"}, set()),
        ("an anime girl", "an anime girl, cel-shaded", set(), {"cartoon"}),  # both name the cel medium
    ],
)
def test_negatives_come_from_subject_format_and_medium_and_never_contradict(spark, prompt, expected, absent):
    terms = set(targets.negative_prompt(prompt, spark).split(", "))
    assert expected <= terms and not terms & absent
    assert {"blurry", "low quality"} <= terms


# ---------------------------------------------------------------------------- the chained call


def chained(**fields):
    return GenerateImageRequest(
        prompt=SPARK, prompt_generation=PromptGeneration(**fields), aspect_ratio="3:2"
    )


def test_the_chained_call_writes_for_the_backends_family_unless_told():
    flux = prompt_request_for(chained(), 1, "replicate:flux-schnell")
    assert flux.target_model == "flux" and flux.aspect_ratio is None  # the backend takes it, not the prompt
    assert prompt_request_for(chained(), 1, "preview:card").target_model == "generic"
    edit = prompt_request_for(chained(mode="image-editing-prompt"), 1, "replicate:flux-schnell")
    assert edit.target_model == "generic"  # an instruction for its editor, not a family's prompt
    told = prompt_request_for(
        chained(target_model="midjourney", keep_terms=["zxc-style"]), 1, "openai:gpt-image-1"
    )
    assert (
        told.target_model == "midjourney" and told.aspect_ratio == "3:2" and told.keep_terms == ["zxc-style"]
    )


def test_a_generated_negative_goes_to_backends_that_take_one_and_the_users_own_wins():
    takes = SimpleNamespace(supported_settings=lambda: frozenset({"negative_prompt"}))
    refuses = SimpleNamespace(supported_settings=lambda: frozenset({"size"}))
    generated = ["blurry, extra fingers"]
    assert negative_for(ImageOptions(prompt=""), generated, 0, takes) == "blurry, extra fingers"  # type: ignore[arg-type]
    assert negative_for(ImageOptions(prompt=""), generated, 0, refuses) is None  # type: ignore[arg-type]
    own = ImageOptions(prompt="", negative_prompt="rain")
    assert negative_for(own, generated, 0, takes) == "rain"  # type: ignore[arg-type]
    assert negative_for(ImageOptions(prompt=""), None, 0, takes) is None  # type: ignore[arg-type]


def test_a_chained_sdxl_call_writes_tags_and_sends_the_generated_negative_prompt(tmp_path):
    from tests.chain_helpers import chain_settings, client_for
    from tests.fakes.image_providers import FakeReplicate

    with FakeReplicate() as fake:
        settings = chain_settings(
            tmp_path / "data",
            image_backend="replicate:stability-ai/sdxl",
            replicate_base_url=fake.base_url,
            replicate_api_token="r8_test_token_0123456789",
        )
        with client_for(settings) as client:
            body = {
                "prompt": SPARK,
                "seed": 5,
                "promptGeneration": {"negativePrompt": True, "keepTerms": ["zxc-style"]},
            }
            response = client.post("/v1/generate/image", json=body)
            assert response.status_code == 200, response.text
            result = response.json()
            prompt, negative = result["prompts"][0], result["negativePrompts"][0]
            assert prompt.startswith("portrait of an old fisherman mending nets, zxc-style")  # sdxl tags
            assert clip.count(prompt) <= clip.WINDOW_TOKENS and "extra fingers" in negative
            sent = fake.calls("POST", FakeReplicate.CREATE)[-1].json()["input"]
            assert sent["prompt"] == prompt and sent["negative_prompt"] == negative
            own = client.post("/v1/generate/image", json={**body, "negative_prompt": "rain"})
            assert own.status_code == 200, own.text
            assert fake.calls("POST", FakeReplicate.CREATE)[-1].json()["input"]["negative_prompt"] == "rain"


# ---------------------------------------------------------------------------- flux, gpt-image and imagen differ

KNIGHT = (
    "a weary knight riding a horse, misty pine forest, oil painting, low-angle shot, muted earth tone palette, "
    "intricate engraved armor"
)


def test_flux_gpt_image_and_imagen_write_the_same_prompt_their_own_way():
    flux, gpt, imagen = (
        targets.render(KNIGHT, targets.profile(f)).prompt for f in ("flux", "gpt-image", "imagen")
    )
    # FLUX: the subject first in plain sentences, the style last
    assert flux == (
        "A weary knight riding a horse in a misty pine forest. Oil painting, with low-angle shot, "
        "muted earth tone palette and intricate engraved armor."
    )
    # gpt-image: fuller descriptions, one sentence per part
    assert gpt == (
        "A weary knight riding a horse in a misty pine forest. The framing is low-angle shot. "
        "The palette is muted earth tone. Details include intricate engraved armor. The style is oil painting."
    )
    # Imagen: concise, the medium stated first
    assert imagen.startswith("An oil painting of a weary knight riding a horse in a misty pine forest. ")
    assert max(len(flux.split()), len(imagen.split())) < len(gpt.split())
    long = (
        KNIGHT
        + ", "
        + ", ".join(f"{w} banners fluttering in the wind" for w in ("red", "gold", "blue", "green"))
    )
    concise = targets.render(long, targets.profile("imagen"))
    assert len(concise.prompt.split()) <= targets.profile("imagen").max_words and concise.dropped
    assert not targets.render(long, targets.profile("flux")).dropped


@pytest.mark.parametrize(
    ("prompt", "opening"),
    [
        ("golden retriever puppy, photorealistic", "A photorealistic image of a golden retriever puppy."),
        ("a goblin archer, pixel art", "Pixel art of a goblin archer."),
        (
            "pixel-art sprite of a goblin, pixel art",
            "Pixel-art sprite of a goblin. Pixel art.",
        ),  # said already
        (
            "a portrait of a sailor, oil painting",
            "An oil painting portrait of a sailor.",
        ),  # before the format
        (
            "portrait of a sailor, film portrait photography",
            "Portrait of a sailor. Film portrait photography.",
        ),
        ("a fox, in the style of ukiyo-e", "A fox. In the style of ukiyo-e."),  # not a medium to lead with
    ],
)
def test_imagen_states_the_medium_first_when_it_reads(prompt, opening):
    assert targets.render(prompt, targets.profile("imagen")).prompt.startswith(opening)


def test_a_kept_term_and_a_setting_that_is_no_place_do_not_make_a_tag_list_of_a_sentence():
    rendered = targets.render(
        "a fox, gentle mist, zxc-style, oil painting", targets.profile("flux"), ["zxc-style"]
    )
    assert rendered.prompt == "A fox, zxc-style. Oil painting, with gentle mist."


def test_midjourney_takes_the_negative_prompt_as_no_and_other_families_apart():
    mj = targets.profile("midjourney")
    assert targets.with_negative("fox --ar 1:1", "blurry, text", mj) == "fox --ar 1:1 --no blurry, text"
    assert targets.with_negative("fox", "", mj) == "fox"
    assert targets.with_negative("fox", "blurry", targets.profile("sdxl")) == "fox"


def test_a_negative_prompt_for_midjourney_is_its_no_parameter(client):
    body = generate(client, targetModel="midjourney", negativePrompt=True)
    for prompt, negative in zip(body["prompts"], body["negativePrompts"], strict=True):
        assert prompt.endswith(f" --no {negative}") and prompt.count(" --") == 1
    assert all(" --" not in p for p in generate(client, targetModel="midjourney")["prompts"])
