"""`openai`: a vision-capable chat model on any OpenAI-compatible server says what the image shows.

The image goes as a data URL (downscaled to at most `MAX_SIDE` pixels, JPEG, `detail: low`:
enough to name a subject, a fraction of the tokens). The measurable facts (palette, light,
contrast...) still come from the builtin analysis, so every describer reports them alike.
Settings: `PROMPTGEN_DESCRIBER_MODEL` (default gpt-4o-mini), and the server and key of
`PROMPTGEN_OPENAI_BASE_URL`/`_API_KEY` unless `PROMPTGEN_DESCRIBER_BASE_URL`/`_API_KEY` are set.
"""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import httpx
import openai
from PIL import Image

from core.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from core.images import ValidatedImage
from models.describers.base import ImageDescriber, ImageDescription
from models.describers.builtin import describe_bytes

DEFAULT_MODEL = "gpt-4o-mini"
MAX_SIDE = 1024
MAX_SUBJECT_WORDS = 40
SYSTEM = (
    "You describe images for people who write text-to-image prompts. Answer with one line of "
    "short comma-separated phrases: the main subject, what it is doing, and the setting. "
    "No preamble, no full sentences, no opinions."
)


class OpenAIDescriber(ImageDescriber):
    """Chat completions with an image part; the test seam is `http_client`."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str = "",
        timeout_s: float = 30.0,
        max_retries: int = 1,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.model_id = model or DEFAULT_MODEL
        self.timeout_s = timeout_s
        self._api_key = api_key
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "unused",
            max_retries=max_retries,
            http_client=http_client,  # type: ignore[arg-type]
        )

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAIDescriber:
        return cls(
            model=settings.describer_model,
            base_url=settings.describer_base_url or settings.openai_base_url,
            api_key=settings.describer_api_key or settings.openai_api_key,
            timeout_s=settings.describer_timeout_s,
            max_retries=settings.openai_max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def describe(self, image: ValidatedImage, note: str = "") -> ImageDescription:
        facts = await asyncio.to_thread(describe_bytes, image)
        url = await asyncio.to_thread(downscaled_data_url, image, MAX_SIDE)
        instruction = "Describe this image."
        if note:
            instruction += f" Its uploader says it shows: {note[:300]}"
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": instruction},
                    {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                ],
            },
        ]
        text = await self._complete(messages)
        facts.subject = clean_subject(text) or " ".join(note.split())[:300]
        facts.source = self.name
        return facts

    async def _complete(self, messages: list[dict[str, Any]]) -> str:
        try:
            response = await asyncio.wait_for(
                self._client.chat.completions.create(
                    model=self.model_id,
                    messages=messages,  # type: ignore[arg-type]
                    max_tokens=120,
                    temperature=0.2,
                    timeout=self.timeout_s,
                ),
                timeout=self.timeout_s,
            )
        except (TimeoutError, openai.APITimeoutError):
            raise UpstreamTimeout(
                f"the image describer did not answer within {self.timeout_s:g}s", backend=self.name
            ) from None
        except openai.APIConnectionError:
            raise UpstreamUnavailable("cannot reach the image describer server", backend=self.name) from None
        except openai.APIStatusError as exc:
            raise _status_error(exc.status_code, self.name) from None
        except openai.OpenAIError as exc:
            detail = str(exc).replace(self._api_key, "***") if self._api_key else str(exc)
            raise UpstreamError(f"the image describer failed: {detail[:300]}", backend=self.name) from None
        try:
            return response.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise UpstreamError(
                "the image describer returned a malformed response", backend=self.name
            ) from None


def _status_error(code: int, backend: str) -> UpstreamError:
    detail = f"the image describer server answered {code}"
    if code in (401, 403):
        return UpstreamError(detail + " (credentials rejected)", backend=backend, upstreamStatus=code)
    if code in (429, 503):
        return UpstreamUnavailable(detail + " (busy or rate limited)", backend=backend, upstreamStatus=code)
    if code in (408, 504):
        return UpstreamTimeout(detail, backend=backend, upstreamStatus=code)
    return UpstreamError(detail, backend=backend, upstreamStatus=code)


def downscaled_data_url(image: ValidatedImage, max_side: int) -> str:
    """The image as a data URL no larger than `max_side` on either side (JPEG when re-encoded)."""
    if max(image.width, image.height) <= max_side and image.media_type in ("image/jpeg", "image/png"):
        return image.data_url
    with image.open() as opened:
        rgb = opened.convert("RGB")
    rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def clean_subject(text: str) -> str:
    """The first line of a model's answer, without quotes, markdown or a trailing period."""
    for line in text.splitlines():
        line = line.strip().strip("*#-•`\"'“”").strip()
        if line:
            words = line.split()[:MAX_SUBJECT_WORDS]
            return " ".join(words).replace(";", ",").rstrip(".")
    return ""
