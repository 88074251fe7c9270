"""The builtin describer's subject namer on the images the tests and the eval use.

    .venv/bin/python -m benchmarks.bench_subjects                    # the shipped model and thresholds
    .venv/bin/python -m benchmarks.bench_subjects --model efficientnet-lite2 --repeat 5
    .venv/bin/python -m benchmarks.bench_subjects --side 256                          # the eval's thumbnails

Photographs (scikit-image's and matplotlib's sample data, full size, as the tests upload them)
each have the nouns that would be true of them; a guess outside that set is wrong, no guess is
an abstention. Drawings (the eval's scenes, the tests' sunset and night city, plain gradients
and solid colours) must get no subject at all. Every image goes through the describer's own
decode (`analyze_image`) so the medium, and with it the threshold, are the ones it would use.
`--repeat` times each forward pass (median ms per image, after one warm-up) on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import time
from collections.abc import Callable

from PIL import Image, ImageDraw

from app.images import ImageLimits, ValidatedImage, validate_image_bytes
from eval import images as eval_images
from models.describers import subjects
from models.describers.builtin import _flattened, analyze_image
from tests import image_samples

# What each photograph shows, as the nouns the namer could truthfully use.
PHOTOS: dict[str, set[str]] = {
    "photo:skimage/coffee.png": {"a cup of espresso", "a cup"},
    "photo:skimage/chelsea.png": {"a cat"},
    "photo:skimage/rocket.jpg": {"a rocket"},
    "photo:skimage/astronaut.png": {"a person", "an astronaut"},
    "photo:skimage/motorcycle_left.png": {"a motorbike"},
    "photo:matplotlib/grace_hopper.jpg": {"a person"},
    "photo:skimage/hubble_deep_field.jpg": set(),  # galaxies: no ImageNet class
    "photo:matplotlib/Minduka_Present_Blue_Pack.png": {"a gift box"},
    "photo:skimage/brick.png": {"a brick wall"},
    "photo:skimage/camera.png": {"a person", "a camera", "a camera on a tripod"},
    "photo:skimage/coins.png": set(),
    "photo:skimage/horse.png": {"a horse"},
    "photo:skimage/moon.png": set(),
    "photo:skimage/gravel.png": set(),
}


def _gradient(size: tuple[int, int], a: tuple[int, int, int], b: tuple[int, int, int], vertical: bool) -> Image.Image:
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    span = size[1] if vertical else size[0]
    for i in range(span):
        t = i / max(span - 1, 1)
        color = tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))
        draw.line([(0, i), (size[0], i)] if vertical else [(i, 0), (i, size[1])], fill=color)
    return image


def synthetic() -> dict[str, Callable[[], Image.Image]]:
    drawn: dict[str, Callable[[], Image.Image]] = {
        f"drawn:{name}": (lambda fn=fn, name=name: fn(random.Random(f"drawn:{name}")))
        for name, fn in eval_images.DRAWINGS.items()
    }
    drawn["tests:sunset"] = image_samples.sunset
    drawn["tests:night_city"] = image_samples.night_city
    for name, rgb in {"red": (210, 35, 35), "white": (250, 250, 250), "black": (5, 5, 5), "navy": (18, 28, 80)}.items():
        drawn[f"solid:{name}"] = lambda rgb=rgb: Image.new("RGB", (320, 240), rgb)
    drawn["gradient:sky"] = lambda: _gradient((480, 300), (40, 90, 200), (250, 200, 160), True)
    drawn["gradient:sunset"] = lambda: _gradient((480, 300), (60, 30, 110), (250, 190, 70), True)
    drawn["gradient:grey"] = lambda: _gradient((400, 400), (0, 0, 0), (255, 255, 255), False)
    drawn["gradient:teal-orange"] = lambda: _gradient((300, 420), (0, 120, 125), (250, 140, 20), False)
    return drawn


def validated(data: bytes) -> ValidatedImage:
    return asyncio.run(validate_image_bytes(data, None, "image", ImageLimits()))


def photo_bytes(ref: str) -> bytes:
    return eval_images.photo_path(ref).read_bytes()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_subjects")
    parser.add_argument("--model", default=subjects.MODEL_NAME, choices=sorted(subjects.MODELS))
    parser.add_argument("--photo-threshold", type=float, default=subjects.PHOTO_THRESHOLD)
    parser.add_argument("--graphic-threshold", type=float, default=subjects.GRAPHIC_THRESHOLD)
    parser.add_argument("--low-res-threshold", type=float, default=subjects.LOW_RES_PHOTO_THRESHOLD,
                        help="for a photograph whose short side is under the model's resize target")
    parser.add_argument("--side", type=int, default=0,
                        help="send the photographs as the eval does: fitted in SIDE x SIDE, as JPEG (0: full size)")
    parser.add_argument("--repeat", type=int, default=3, help="timed forward passes per image")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(2)
    size = subjects.MODELS[args.model][2]
    classify = subjects.load_classifier(args.model)
    inputs: list[tuple[str, set[str] | None, bytes]] = [
        (r, t, eval_images.encode(eval_images.load(r, args.side)) if args.side else photo_bytes(r))
        for r, t in PHOTOS.items()
    ]
    inputs += [(name, None, png(make())) for name, make in synthetic().items()]

    verdicts = {"correct": 0, "wrong": 0, "abstained": 0}
    false_subjects = 0
    timings: list[float] = []
    # Calibration: the most confident wrong top noun and the least confident right one, by the
    # medium the describer measured (the threshold depends on it).
    wrong = {"photographic": 0.0, "graphic": 0.0}
    right = {"photographic": 1.0, "graphic": 1.0}
    print(
        f"{args.model} ({size} px), photo threshold {args.photo_threshold} ({args.low_res_threshold} under "
        f"{subjects.LOW_RES_SIDE} px), graphic {args.graphic_threshold}"
    )
    for ref, truth, data in inputs:
        image = validated(data)
        description, _ = analyze_image(image)
        with image.open() as opened:
            if opened.format == "JPEG":
                opened.draft("RGB", (256, 256))
            pixels = subjects.preprocess(_flattened(opened), size)
        classify(pixels[None])  # warm-up
        runs = []
        for _ in range(max(args.repeat, 1)):
            started = time.perf_counter()
            probabilities = classify(pixels[None])[0]
            runs.append((time.perf_counter() - started) * 1000)
        timings.append(statistics.median(runs))
        ranked = subjects.rank(probabilities)
        top = ranked[0]
        photo = description.medium in subjects.PHOTO_MEDIA
        low_res = min(image.width, image.height) < subjects.LOW_RES_SIDE
        threshold = (args.low_res_threshold if low_res else args.photo_threshold) if photo else args.graphic_threshold
        named = top.noun if top.confidence >= threshold else None
        kind = "photographic" if photo else "graphic"
        if truth is None:
            verdict = "FALSE SUBJECT" if named else "no subject (right)"
            false_subjects += named is not None
        else:
            verdict = "abstained" if named is None else "correct" if named in truth else "wrong"
            verdicts[verdict] += 1
        if truth is None or top.noun not in truth:
            wrong[kind] = max(wrong[kind], top.confidence)
        else:
            right[kind] = min(right[kind], top.confidence)
        others = ", ".join(f"{g.noun} {g.confidence:.2f}" for g in ranked[1:3])
        print(
            f"  {ref:50} {description.medium[:12]:12} {top.noun} {top.confidence:.2f} ({top.label}); "
            f"then {others} -> {verdict}"
        )
    photos = len(PHOTOS)
    print(
        f"photographs: {verdicts['correct']}/{photos} correct, {verdicts['wrong']} wrong, "
        f"{verdicts['abstained']} abstained; synthetic images: {false_subjects}/{len(inputs) - photos} "
        f"given a subject"
    )
    for kind in ("photographic", "graphic"):
        print(
            f"{kind} media: most confident wrong top noun {wrong[kind]:.2f}, "
            f"least confident right one {right[kind]:.2f}" + (" (none right)" if right[kind] == 1.0 else "")
        )
    print(f"forward pass: median {statistics.median(timings):.0f} ms per image ({args.model}, torch 2 threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
