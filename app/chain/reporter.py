"""The reporter: a chained generation's job state, usage and webhooks, and its response.

The runner does the work and tells the reporter what happened; the reporter writes it where
callers read it: the job (status, progress, `metadata.output`), the usage it answers with,
and the webhook a finished job sends.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import msgspec

from app.chain.planner import ChainPlan
from app.chain.results import ChainOutcome, PromptSet, Stored
from app.chain_protocol import ChainUsage, GeneratedImageInfo, GenerateImageResponse, ImageUsage
from app.jobs import JobStore
from app.protocol import Job
from app.webhooks import Delivery, WebhookSender
from models.image.base import add_usage

JOB_TYPE = "generate-image"


def summarize(request: msgspec.Struct) -> dict[str, Any]:
    """A request as a job records it: data URLs shortened, unset fields left out."""

    def shorten(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("data:"):
            return f"<data url, {len(value)} chars>"
        if isinstance(value, list):
            return [shorten(v) for v in value]
        if isinstance(value, dict):
            return {k: shorten(v) for k, v in value.items() if v is not None}
        return value

    data = shorten(msgspec.to_builtins(request))
    return data if isinstance(data, dict) else {}


class Reporter:
    """Writes a chained generation's progress and results (see the module docstring)."""

    def __init__(self, jobs: JobStore, webhooks: WebhookSender) -> None:
        self.jobs = jobs
        self.webhooks = webhooks

    # ------------------------------------------------------------------------- job state

    async def new_job(self, job_input: dict[str, Any]) -> Job:
        """A queued job for a chained generation, saved."""
        job = self.jobs.new(JOB_TYPE, job_input, status="queued")
        await self.jobs.save(job)
        return job

    async def started(self, job: Job) -> None:
        self.jobs.transition(job, "in-progress", progress=0.0)
        await self.jobs.save(job)

    async def prompts_ready(self, job: Job, prompts: PromptSet, count: int) -> None:
        """The prompts are made: one step of `count + 1` done."""
        job.metadata.output = {
            "prompts": prompts.prompts,
            "mode": prompts.mode,
            "promptJobId": prompts.job_id,
            "imagesDone": 0,
        }
        await self.jobs.progress(job, 1 / (count + 1))

    async def image_stored(self, job: Job, done: int, count: int) -> None:
        """`done` of `count` images are stored."""
        job.metadata.output["imagesDone"] = done
        await self.jobs.progress(job, (1 + done) / (count + 1))

    def finished(
        self, job: Job, plan: ChainPlan, prompts: PromptSet, stored: list[Stored], calls: int, started: float
    ) -> ChainOutcome:
        """The outcome of the job's work, in image order with usage summed, recorded on the job."""
        images: list[GeneratedImageInfo] = []
        data: list[bytes] = []
        warnings = list(prompts.warnings)
        usage: dict[str, Any] = {}
        for one in sorted(stored, key=lambda s: s.index):
            images.append(one.info)
            data.append(one.data)
            warnings += [w for w in one.warnings if w not in warnings]
            add_usage(usage, one.usage)
        image_usage = ImageUsage(
            backend=plan.model_id,
            calls=calls,
            images=len(images),
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            provider=usage,
        )
        job.metadata.output = {
            "prompts": prompts.prompts,
            "mode": prompts.mode,
            "promptJobId": prompts.job_id,
            "images": [msgspec.to_builtins(i) for i in images],
            "warnings": warnings,
            "usage": msgspec.to_builtins(ChainUsage(prompt=prompts.usage, image=image_usage)),
        }
        if prompts.ip_detection is not None:
            job.metadata.output["ipDetection"] = msgspec.to_builtins(prompts.ip_detection)
        if prompts.negative_prompts is not None:
            job.metadata.output["negativePrompts"] = prompts.negative_prompts
        return ChainOutcome(
            prompts=prompts.prompts,
            mode=prompts.mode,
            images=images,
            data=data,
            prompt_usage=prompts.usage,
            image_usage=image_usage,
            warnings=warnings,
            ip_detection=prompts.ip_detection,
            negative_prompts=prompts.negative_prompts,
        )

    # ------------------------------------------------------------------------- answers

    def respond(self, plan: ChainPlan, outcome: ChainOutcome, job: Job) -> GenerateImageResponse:
        """The synchronous answer of `POST /v1/generate/image`."""
        images = outcome.images
        if plan.request.response_format == "b64_json":
            images = [
                msgspec.structs.replace(info, b64_json=base64.b64encode(raw).decode("ascii"))
                for info, raw in zip(images, outcome.data, strict=True)
            ]
        response = GenerateImageResponse(
            prompts=outcome.prompts,
            mode=outcome.mode,
            images=images,
            job=job,
            usage=ChainUsage(prompt=outcome.prompt_usage, image=outcome.image_usage),
            warnings=outcome.warnings,
        )
        if outcome.ip_detection is not None:
            response.ip_detection = outcome.ip_detection
        if outcome.negative_prompts is not None:
            response.negative_prompts = outcome.negative_prompts
        return response

    # ------------------------------------------------------------------------- webhooks
    # (`JobRunner`'s notices: written with the job's terminal state, sent once committed)

    def prepare(self, job: Job) -> list[Delivery]:
        """A finished job's webhook, when the request named one and webhooks are configured."""
        url = job.metadata.input.get("webhook_url")
        if isinstance(url, str) and url and self.webhooks.secret:
            return [self.webhooks.prepare(job, url)]
        return []

    def row(self, notice: Delivery) -> dict[str, Any]:
        return self.webhooks.row(notice)

    def send(self, notice: Delivery) -> None:
        self.webhooks.dispatch(notice)
