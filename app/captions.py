"""`POST /v1/generate/caption`: one caption per image, from what the describer saw.

`detailsLevel` `action` says what the image shows (the describer's subject: a stored
description, a vision model's caption, or the builtin describer's offline namer, "a cat"; when
none of them knows, its medium and colours); `action+style` adds style,
light, palette, contrast and detail. A `modelId` lends the style model's own style phrase.
`unwantedSequences` are cut out; `ensureIPCleared` runs the IP filter (`modes.ip.IPFilter`) and
reports what it found in `ipDetection`, as the prompt API does.
`seed`, `temperature` and `topP` are accepted for compatibility and recorded in the job:
descriptions are deterministic and cached per image and describer, so they change nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from app.conditioning import ImageReader
from app.errors import PromptgenError, job_error
from app.image_protocol import CaptionRequest, CaptionResponse
from app.ip_guard import wire_detection
from app.jobs import JobStore
from app.protocol import IPDetection
from app.style_models import StyleModelStore
from models.describers.base import ImageDescription
from modes.contextual import style_from_examples
from modes.ip import IPFilter

log = logging.getLogger(__name__)


def clear_protected_ip(captions: list[str]) -> tuple[list[str], IPDetection]:
    """Each caption through the IP filter, and one `ipDetection` for them all."""
    ip_filter = IPFilter.default()
    results = [ip_filter.clear(caption) for caption in captions]
    findings = [finding for result in results for finding in wire_detection(result).findings]
    action: Literal["allowed", "flagged"] = (
        "flagged" if any(r.action != "allowed" for r in results) else "allowed"
    )
    return [r.text for r in results], IPDetection(action=action, findings=findings)


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def action_caption(facts: ImageDescription, with_colors: bool = True) -> str:
    """What the image shows; without a subject, its medium (and dominant colours)."""
    if facts.subject:
        return facts.subject
    medium = _article(facts.medium or "image")
    colors = facts.colors[:3]
    if not colors or not with_colors:
        return medium
    joined = colors[0] if len(colors) == 1 else ", ".join(colors[:-1]) + " and " + colors[-1]
    return f"{medium} in {joined} tones"


def compose_caption(facts: ImageDescription, details_level: str, style: str = "") -> str:
    if details_level != "action+style":
        return action_caption(facts)
    contrast = facts.contrast.split(",")[0] if facts.contrast.startswith(("high", "low")) else ""
    parts = [
        action_caption(facts, with_colors=False),
        style or (facts.medium if facts.subject else ""),
        facts.lighting,
        facts.palette,
        contrast,
        "smooth, minimal detail"
        if facts.detail.startswith("minimal")
        else facts.detail.split(",")[-1].strip(),
    ]
    return ", ".join(p for p in parts if p)


def remove_sequences(text: str, sequences: list[str]) -> str:
    """`text` without any of `sequences` (case-insensitive), punctuation tidied after the cut."""
    for sequence in sorted(sequences, key=len, reverse=True):
        text = re.sub(re.escape(sequence), " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,;.])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    return text.strip(" ,;")


class CaptionService:
    def __init__(self, reader: ImageReader, style_models: StyleModelStore, jobs: JobStore) -> None:
        self.reader = reader
        self.style_models = style_models
        self.jobs = jobs

    async def caption(self, request: CaptionRequest) -> CaptionResponse:
        summary: dict[str, Any] = {
            "images": [
                ref if ref.startswith("asset_") else f"<data url, {len(ref)} chars>" for ref in request.images
            ],
            "detailsLevel": request.details_level,
        }
        for key, value in (
            ("modelId", request.model_id),
            ("unwantedSequences", request.unwanted_sequences),
            ("seed", request.seed),
            ("temperature", request.temperature),
            ("topP", request.top_p),
        ):
            if value is not None:
                summary[key] = value
        summary["ensureIPCleared"] = request.ensure_ip_cleared
        job = self.jobs.new("caption", summary, status="in-progress")
        warnings: list[str] = []
        try:
            captions = await self._captions(request, warnings)
            ip_detection = None
            if request.ensure_ip_cleared:
                captions, ip_detection = clear_protected_ip(captions)
        except PromptgenError as exc:
            self.jobs.transition(job, "failure")
            job.metadata.error = job_error(exc)
            await self.jobs.save(job)
            exc.extensions.setdefault("jobId", job.job_id)
            raise
        job.metadata.output = {"captions": captions}
        self.jobs.transition(job, "success", progress=1.0)
        await self.jobs.save(job)
        response = CaptionResponse(captions=captions, job=job, warnings=warnings)
        if ip_detection is not None:
            response.ip_detection = ip_detection
        return response

    async def _captions(self, request: CaptionRequest, warnings: list[str]) -> list[str]:
        style = ""
        if request.model_id is not None:
            model = await self.style_models.get(request.model_id, field="modelId")
            style = style_from_examples(model.example_prompts)
        refs = [(ref, f"images[{i}]") for i, ref in enumerate(request.images)]
        resolved = await self.reader.resolve_all(refs)
        descriptions = await self.reader.describe_all(resolved, warnings)
        captions = [compose_caption(d, request.details_level, style) for d in descriptions]
        if request.unwanted_sequences:
            captions = [remove_sequences(c, request.unwanted_sequences) for c in captions]
        return captions
