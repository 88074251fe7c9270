"""`diffusers`: a local diffusers pipeline loaded from a folder (`local_files_only`).

For users with a GPU and weights: `diffusers:/path/to/pipeline`, or `diffusers:local` for
the configured `diffusers_path`. torch and diffusers load lazily (the optional install
extra); generation runs in a worker thread, one at a time, and stops at the next denoising
step once the deadline passes. An `image` turns the pipeline into its image-to-image
variant, an `image` plus `mask` into its inpainting variant (`AutoPipelineFor*.from_pipe`).
Every image gets a seed (random when none is given) and reports it, so any result can be
reproduced. Settings the pipeline's `__call__` does not accept become warnings;
`provider_options["diffusers"]` is passed to the call (e.g. `strength`, `clip_skip`).
"""

from __future__ import annotations

import asyncio
import inspect
import io
import random
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import UpstreamError, UpstreamTimeout, ValidationFailed
from core.images import media_type_for_format
from models.image.base import (
    GeneratedImage,
    ImageModel,
    ImageOptions,
    ImageResult,
    mask_white_repaints,
)
from models.image.config import BackendSetting, ImageBackendConfig
from models.image.retry import Deadline

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}


class _Interrupted(Exception):
    """Raised from the step callback to stop a pipeline past its deadline."""


class DiffusersImageModel(ImageModel):
    """A local diffusers pipeline; text-to-image, image-to-image and inpainting."""

    provider = "diffusers"
    config_fields = (
        BackendSetting(name="diffusers_path", doc="a local diffusers pipeline folder (`diffusers:local`)"),
        BackendSetting(
            name="diffusers_device", default="auto", doc='"auto" (cuda when available), "cpu", "cuda", "mps"'
        ),
    )
    max_images_per_call = 4
    supported = frozenset(
        {
            "size",
            "aspect_ratio",
            "width",
            "height",
            "seed",
            "output_format",
            "output_compression",
            "negative_prompt",
            "guidance_scale",
            "steps",
            "image",
            "mask",
        }
    )

    def __init__(self, model_id: str, config: ImageBackendConfig) -> None:
        path = model_id if model_id not in ("", "local", "default") else config.diffusers_path
        if not path:
            raise ValidationFailed(
                "the diffusers backend needs a pipeline folder: diffusers:/path or diffusers_path",
                field="image backend",
            )
        super().__init__(model_id or "local", config)
        self.path = Path(path).expanduser()
        self._pipes: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return "text" in self._pipes

    async def load(self) -> None:
        """Load the pipeline now rather than on the first call."""
        await asyncio.to_thread(self._locked_load)

    async def aclose(self) -> None:
        self._pipes.clear()

    async def do_generate(self, options: ImageOptions, deadline: Deadline) -> ImageResult:
        started = datetime.now(UTC)
        stop = threading.Event()
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._run, options, stop, deadline, started), timeout=deadline.remaining()
            )
        except TimeoutError:
            raise UpstreamTimeout(
                f"diffusers did not finish within {deadline.seconds:g}s", backend=self.provider
            ) from None
        finally:
            stop.set()  # a thread still running stops at its next step

    # -- worker thread ----------------------------------------------------------------------
    def _locked_load(self) -> Any:
        with self._lock:
            return self._load()

    def _load(self) -> Any:
        if "text" in self._pipes:
            return self._pipes["text"]
        if not self.path.is_dir():
            raise UpstreamError(
                f"diffusers pipeline folder {self.path} does not exist", backend=self.provider
            )
        try:
            import torch
            from diffusers import DiffusionPipeline
        except ImportError:
            raise UpstreamError(
                "the diffusers backend needs the optional `diffusers` package", backend=self.provider
            ) from None
        device = self.config.diffusers_device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device == "cuda" else torch.float32
        try:
            dtype_arg = {_dtype_argument(): dtype}
            pipe = DiffusionPipeline.from_pretrained(str(self.path), local_files_only=True, **dtype_arg)
            pipe = pipe.to(device)
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise UpstreamError(
                f"diffusers could not load the pipeline at {self.path} ({type(exc).__name__})",
                backend=self.provider,
            ) from None
        pipe.set_progress_bar_config(disable=True)
        self._pipes["text"] = pipe
        return pipe

    def _variant(self, mode: str, warnings: list[str]) -> Any:
        base = self._load()
        if mode == "text":
            return base
        if mode not in self._pipes:
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

            auto = AutoPipelineForInpainting if mode == "inpaint" else AutoPipelineForImage2Image
            try:
                pipe = auto.from_pipe(base)
                pipe.set_progress_bar_config(disable=True)
            except (ValueError, TypeError, KeyError, AttributeError):
                pipe = None
            self._pipes[mode] = pipe
        if self._pipes[mode] is None:
            warnings.append(f"this pipeline has no {mode} variant; the image was ignored (text-to-image)")
            return base
        return self._pipes[mode]

    def _run(
        self, options: ImageOptions, stop: threading.Event, deadline: Deadline, started: datetime
    ) -> ImageResult:
        import torch
        from PIL import Image

        warnings: list[str] = []
        with self._lock:
            mode = "inpaint" if options.mask is not None else "image" if options.image is not None else "text"
            pipe = self._variant(mode, warnings)
            seeds = [
                options.seed + i if options.seed is not None else random.randrange(2**32)
                for i in range(options.n)
            ]
            kwargs: dict[str, Any] = {
                "prompt": options.prompt,
                "num_images_per_prompt": options.n,
                "generator": [torch.Generator("cpu").manual_seed(s) for s in seeds],
                "negative_prompt": options.negative_prompt,
                "guidance_scale": options.guidance_scale,
                "num_inference_steps": options.steps,
            }
            width, height = _dimensions(options, pipe, warnings)
            kwargs.update(width=width, height=height)
            if pipe is not self._pipes["text"] and options.image is not None:
                kwargs["image"] = Image.open(io.BytesIO(options.image)).convert("RGB")
                if mode == "inpaint" and options.mask is not None:
                    kwargs["mask_image"] = Image.open(io.BytesIO(mask_white_repaints(options.mask))).convert(
                        "L"
                    )
            kwargs.update(options.provider_options.get(self.provider, {}))
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            accepted = inspect.signature(pipe.__call__).parameters
            for name in [k for k in kwargs if k not in accepted]:
                warnings.append(f"this diffusers pipeline does not take {name!r}; it was ignored")
                del kwargs[name]

            def on_step(_pipe: Any, _step: int, _timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
                if stop.is_set() or deadline.expired():
                    raise _Interrupted
                return tensors

            if "callback_on_step_end" in accepted:
                kwargs["callback_on_step_end"] = on_step
            try:
                output = pipe(**kwargs, output_type="pil")
            except _Interrupted:
                raise UpstreamTimeout(
                    f"diffusers did not finish within {deadline.seconds:g}s", backend=self.provider
                ) from None
            except Exception as exc:  # any pipeline failure is the backend's, never a 500
                raise UpstreamError(
                    f"the diffusers pipeline failed ({type(exc).__name__}: {str(exc)[:200]})",
                    backend=self.provider,
                ) from None
        images = [self._encode(img, options, seed) for img, seed in zip(output.images, seeds, strict=False)]
        metadata = {
            "images": [{"seed": seed} for seed in seeds[: len(images)]],
            "pipeline": type(pipe).__name__,
        }
        info = {"modelId": str(self.path), "timestamp": started.isoformat(), "mode": mode}
        return ImageResult(
            images=images,
            warnings=warnings,
            provider_metadata={self.provider: metadata},
            usage={"images": len(images)},
            response=info,
        )

    @staticmethod
    def _encode(image: Any, options: ImageOptions, seed: int) -> GeneratedImage:
        fmt = (options.output_format or "png").lower()
        pil_format = PIL_FORMATS.get(fmt, "PNG")
        out = io.BytesIO()
        save: dict[str, Any] = {}
        if pil_format in ("JPEG", "WEBP") and options.output_compression is not None:
            save["quality"] = max(1, 100 - options.output_compression)
        (image.convert("RGB") if pil_format == "JPEG" else image).save(out, format=pil_format, **save)
        return GeneratedImage(
            data=out.getvalue(),
            media_type=media_type_for_format(fmt if fmt in PIL_FORMATS else "png"),
            seed=seed,
        )


def _dimensions(options: ImageOptions, pipe: Any, warnings: list[str]) -> tuple[int | None, int | None]:
    """Width and height from size, width/height, or aspect ratio around the native size."""
    width, height = options.width, options.height
    if options.size:
        w, sep, h = options.size.lower().partition("x")
        if sep and w.isdigit() and h.isdigit():
            width, height = int(w), int(h)
        else:
            warnings.append(f"size {options.size!r} is not WxH and was ignored")
    scale = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    unet = getattr(pipe, "unet", None)
    sample = getattr(getattr(unet, "config", None), "sample_size", None) or getattr(
        pipe, "default_sample_size", 64
    )
    native = int(sample or 64) * scale
    if (width is None or height is None) and options.aspect_ratio:
        w_s, _, h_s = options.aspect_ratio.partition(":")
        try:
            ratio = float(w_s) / float(h_s)
        except (ValueError, ZeroDivisionError):
            warnings.append(f"aspect_ratio {options.aspect_ratio!r} is not W:H and was ignored")
            return width, height
        width, height = int(native * ratio**0.5), int(native / ratio**0.5)
    if width is None and height is None:
        return None, None
    step = max(8, scale)
    fixed = [max(step, round((v or native) / step) * step) for v in (width, height)]
    if (width, height) != tuple(fixed) and width is not None and height is not None:
        warnings.append(f"size {width}x{height} was rounded to {fixed[0]}x{fixed[1]} (multiples of {step})")
    return fixed[0], fixed[1]


def _dtype_argument() -> str:
    """Recent diffusers name the loading dtype `dtype` (deprecating `torch_dtype`); older ones do not."""
    import importlib.util

    try:
        found = importlib.util.find_spec("diffusers.utils.deprecation_utils") is not None
    except (ImportError, ValueError):
        found = False
    if found:
        from diffusers.utils import deprecation_utils

        return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"
    return "torch_dtype"
