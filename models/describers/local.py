"""`local`: a transformers image-to-text model (BLIP, ViT-GPT2...) from a local folder.

`PROMPTGEN_DESCRIBER_MODEL` names the folder; it is loaded with `local_files_only=True` on
first use, in a worker thread, and captions run one at a time behind a lock (2 cores). The
measurable facts still come from the builtin analysis; the model adds the subject.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from core.errors import UpstreamError, UpstreamUnavailable
from core.images import ValidatedImage
from models import torch_thread
from models.describers.base import ImageDescriber, ImageDescription
from models.describers.builtin import describe_bytes
from models.describers.openai import clean_subject

Captioner = Callable[[Image.Image], str]


class LocalDescriber(ImageDescriber):
    """Greedy captions from a local image-to-text model; `captioner` replaces it in tests."""

    name = "local"

    def __init__(self, folder: str, max_new_tokens: int = 40, captioner: Captioner | None = None) -> None:
        self.folder = folder
        self.model_id = Path(folder).name if folder else ""
        self.max_new_tokens = max_new_tokens
        self._captioner = captioner
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> LocalDescriber:
        return cls(folder=settings.describer_model)

    async def describe(self, image: ValidatedImage, note: str = "") -> ImageDescription:
        facts = await asyncio.to_thread(describe_bytes, image)
        text = await torch_thread.run(self._caption, image)
        facts.subject = clean_subject(text) or " ".join(note.split())[:300]
        facts.source = self.name
        return facts

    def _caption(self, image: ValidatedImage) -> str:
        with self._lock:
            if self._captioner is None:
                self._captioner = self._load()
            with image.open() as opened:
                rgb = opened.convert("RGB")
            try:
                return self._captioner(rgb)
            except Exception as exc:  # a model failing on one image is an upstream failure, not a 500
                raise UpstreamError(
                    f"the local image describer failed: {exc}"[:300], backend=self.name
                ) from None

    def _load(self) -> Captioner:
        folder = Path(self.folder).expanduser()
        if not self.folder or not folder.is_dir():
            raise UpstreamUnavailable(
                "the local image describer needs PROMPTGEN_DESCRIBER_MODEL set to a folder holding an "
                f"image-to-text model (got {self.folder!r})",
                backend=self.name,
            )
        import torch
        from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

        try:
            processor = AutoImageProcessor.from_pretrained(str(folder), local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForImageTextToText.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise UpstreamUnavailable(
                f"cannot load the image-to-text model in {folder}: {exc}"[:400], backend=self.name
            ) from None
        model.eval()
        generate: Any = getattr(model, "generate")  # noqa: B009 - the stubs mistype generate on auto classes
        max_new_tokens = self.max_new_tokens

        def caption(image: Image.Image) -> str:
            inputs = processor(images=image, return_tensors="pt")
            with torch.inference_mode():
                output = generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
            return str(tokenizer.batch_decode(output, skip_special_tokens=True)[0])

        return caption
