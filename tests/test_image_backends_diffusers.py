"""`diffusers` image backend on a tiny random Stable Diffusion pipeline built offline from configs."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from app.errors import UpstreamError, UpstreamTimeout, status_of
from models.image import ImageModel, ImageOptions, ImageResult, create_image_model
from tests.fakes.image_providers import fast_config, png_bytes

pytest.importorskip("diffusers", reason="the optional `diffusers` package is not installed")


def build_tiny_pipeline(folder: Path) -> Path:
    """Save a randomly initialised, few-kilobyte Stable Diffusion pipeline into `folder`."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=2,
        attention_head_dim=2,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        norm_num_groups=2,
        sample_size=32,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            vocab_size=100,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            projection_dim=16,
        )
    )
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        vocab[letter] = len(vocab)
        vocab[letter + "</w>"] = len(vocab)
    tokenizer_files = folder / "tokenizer-src"
    tokenizer_files.mkdir(parents=True)
    (tokenizer_files / "vocab.json").write_text(json.dumps(vocab))
    (tokenizer_files / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(
        str(tokenizer_files / "vocab.json"), str(tokenizer_files / "merges.txt"), model_max_length=77
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> ImageModel:
    folder = build_tiny_pipeline(tmp_path_factory.mktemp("tiny-sd"))
    backend = create_image_model(
        "diffusers:local", fast_config(diffusers_path=str(folder), diffusers_device="cpu")
    )
    asyncio.run(backend.load())  # type: ignore[attr-defined]
    return backend


def generate(model: ImageModel, options: ImageOptions, deadline: float = 60) -> ImageResult:
    return asyncio.run(model.generate(options, deadline_s=deadline))


def test_text_to_image_is_seeded_and_reproducible(model: ImageModel) -> None:
    options = ImageOptions(prompt="a red fox", n=2, seed=3, steps=2, width=32, height=32, quality="hd")
    first = generate(model, options)
    assert [img.seed for img in first.images] == [3, 4]
    assert all(img.media_type == "image/png" for img in first.images)
    assert Image.open(io.BytesIO(first.images[0].data)).size == (32, 32)
    assert first.images[0].data != first.images[1].data
    assert generate(model, options).images[0].data == first.images[0].data
    assert any("'quality'" in w for w in first.warnings)
    assert first.provider_metadata["diffusers"]["images"] == [{"seed": 3}, {"seed": 4}]


def test_unseeded_images_report_a_seed_that_reproduces_them(model: ImageModel) -> None:
    first = generate(model, ImageOptions(prompt="a fox", steps=2))
    seed = first.images[0].seed
    assert isinstance(seed, int)
    again = generate(model, ImageOptions(prompt="a fox", steps=2, seed=seed))
    assert again.images[0].data == first.images[0].data


def test_n_beyond_four_is_split(model: ImageModel) -> None:
    result = generate(model, ImageOptions(prompt="a fox", n=5, seed=10, steps=1))
    assert [img.seed for img in result.images] == [10, 11, 12, 13, 14]
    assert result.response["calls"] == 2


def test_inpainting_with_image_and_mask(model: ImageModel) -> None:
    mask = Image.new("RGBA", (32, 32), (0, 0, 0, 255))
    for x in range(8, 24):
        mask.putpixel((x, 16), (0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    options = ImageOptions(
        prompt="a whale", image=png_bytes(1, (32, 32)), mask=buffer.getvalue(), steps=2, output_format="jpeg"
    )
    result = generate(model, options)
    assert result.response["responses"][0]["mode"] == "inpaint"
    assert result.images[0].media_type == "image/jpeg"
    assert result.images[0].data.startswith(b"\xff\xd8\xff")


def test_image_to_image(model: ImageModel) -> None:
    result = generate(model, ImageOptions(prompt="a whale", image=png_bytes(1, (32, 32)), steps=2))
    assert result.response["responses"][0]["mode"] == "image"
    assert len(result.images) == 1


def test_aspect_ratio_and_unknown_pipeline_arguments(model: ImageModel) -> None:
    options = ImageOptions(
        prompt="a fox", aspect_ratio="2:1", steps=1, provider_options={"diffusers": {"not_an_argument": 1}}
    )
    result = generate(model, options)
    width, height = Image.open(io.BytesIO(result.images[0].data)).size
    assert width > height
    assert any("not_an_argument" in w for w in result.warnings)


def test_deadline_stops_the_pipeline(model: ImageModel) -> None:
    with pytest.raises(UpstreamTimeout) as info:
        generate(model, ImageOptions(prompt="a fox", steps=900, width=32, height=32), deadline=0.3)
    assert info.value.backend == "diffusers"
    # The worker stopped at its next step: the lock is free again for the next call.
    assert len(generate(model, ImageOptions(prompt="a fox", steps=1)).images) == 1


def test_missing_folder_is_an_upstream_error(tmp_path: Path) -> None:
    backend = create_image_model(f"diffusers:{tmp_path / 'absent'}", fast_config())
    with pytest.raises(UpstreamError, match="does not exist") as info:
        asyncio.run(backend.generate(ImageOptions(prompt="x"), deadline_s=10))
    assert status_of(info.value) == 502
