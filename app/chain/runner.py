"""The runner: a chained generation's work, inside its job.

    prompts   PromptService (or the spark itself in mode `none`)
    inputs    http(s) `input_references` fetched through `app.fetch`
    images    image i is made from prompt i mod numResults; one provider call per image when
              the backend honours seeds (image i gets seed + i, so each image is reproducible
              on its own), else one call per prompt for all its images (`plan_calls`, split by
              `models.image.base.split_calls` like every image call); the calls run together
              (`run_parallel`), at most `image_concurrency` provider calls at a time, within
              one `Deadline`, which the backend honours too
    assets    each image stored as it arrives (`app/chain/store.py`)

Progress and results go to the `Reporter`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import msgspec

from app.assets import AssetStore
from app.chain.planner import ChainPlan
from app.chain.reporter import Reporter
from app.chain.results import Call, ChainOutcome, PromptSet, Stored
from app.chain.store import store_image
from app.chain_protocol import PASSTHROUGH
from app.errors import PromptgenError, RequestError, UpstreamError, ValidationFailed
from app.fetch import FetchError, FetchPolicy, fetch_url
from app.image_models import ImageModelPool
from app.images import ImageLimits, validate_image_bytes
from app.protocol import IPDetection, Job
from app.service import PromptService
from app.settings import Settings
from core.settle import settle
from models.image import ImageModel, ImageOptions
from models.image.base import run_parallel, split_calls
from models.image.retry import Deadline


class ChainRunner:
    """Runs a `ChainPlan` inside its job (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptService,
        assets: AssetStore,
        limits: ImageLimits,
        models: ImageModelPool,
        fetch_policy: FetchPolicy,
        reporter: Reporter,
    ) -> None:
        self.settings = settings
        self.prompts = prompts
        self.assets = assets
        self.limits = limits
        self.models = models
        self.fetch_policy = fetch_policy
        self.reporter = reporter

    async def execute(self, plan: ChainPlan, job: Job) -> ChainOutcome:
        """The job's work: prompts, then images, then assets; progress saved as it goes."""
        await self.reporter.started(job)
        prompts = await self.make_prompts(plan)
        await self.reporter.prompts_ready(job, prompts, plan.count)
        references = await self.fetch_references(plan)
        options = msgspec.structs.replace(plan.options, input_references=references)
        started = time.monotonic()
        async with self.models.lease(plan.model_id) as model:
            calls = plan_calls(plan, len(prompts.prompts), "seed" in model.supported_settings())
            stored = await self.generate(
                plan, job, model, options, prompts.prompts, calls, prompts.negative_prompts
            )
        return self.reporter.finished(job, plan, prompts, stored, calls=len(calls), started=started)

    async def make_prompts(self, plan: ChainPlan) -> PromptSet:
        if plan.prompt_request is None:
            if not plan.request.prompt_generation.ensure_ip_cleared:
                return PromptSet([plan.spark], PASSTHROUGH)
            cleared = await self.prompts.clear_text(plan.spark)
            if cleared is None:
                return PromptSet([plan.spark], PASSTHROUGH, warnings=["IP clearing is not configured"])
            return PromptSet([cleared.text], PASSTHROUGH, ip_detection=cleared.ip_detection)
        response = await self.prompts.generate(plan.prompt_request)
        if not response.prompts:
            raise RequestError("no usable prompt was generated from this spark; rephrase it")
        return PromptSet(
            prompts=response.prompts,
            mode=response.mode,
            usage=response.usage,
            warnings=list(response.warnings),
            ip_detection=response.ip_detection if isinstance(response.ip_detection, IPDetection) else None,
            job_id=response.job.job_id,
            negative_prompts=response.negative_prompts
            if isinstance(response.negative_prompts, list)
            else None,
        )

    async def fetch_references(self, plan: ChainPlan) -> list[str]:
        """Every `input_references` entry as a data URL, in request order."""
        refs = dict(plan.references.local)
        for remote in plan.references.remote:
            name = f"input_references[{remote.index}]"
            try:
                answer = await fetch_url(
                    remote.url,
                    timeout_s=self.settings.fetch_timeout_s,
                    max_bytes=self.limits.max_bytes,
                    policy=self.fetch_policy,
                )
            except FetchError as exc:
                raise ValidationFailed(f"`{name}` could not be fetched: {exc}", field=name) from None
            if not answer.ok:
                raise ValidationFailed(f"`{name}` could not be fetched: HTTP {answer.status}", field=name)
            declared = answer.media_type if answer.media_type.startswith("image/") else None
            image = await validate_image_bytes(answer.content, declared, name, self.limits)
            refs[remote.index] = image.data_url
        return [refs[i] for i in sorted(refs)]

    async def generate(
        self,
        plan: ChainPlan,
        job: Job,
        model: ImageModel,
        options: ImageOptions,
        prompts: list[str],
        calls: list[Call],
        negatives: list[str] | None = None,
    ) -> list[Stored]:
        """Every call, at most `image_concurrency` at once, each image stored as it arrives."""
        deadline = Deadline(self.settings.image_deadline_s)
        limit = asyncio.Semaphore(max(1, self.settings.image_concurrency))  # provider calls, not storing
        done: list[Stored] = []
        created: list[str] = []  # asset ids, recorded as soon as each asset exists

        async def one(call: Call) -> None:
            prompt = prompts[call.prompt_index]
            async with limit:
                if deadline.expired():
                    raise UpstreamError(
                        f"{plan.model_id} did not finish all images within {deadline.seconds:g}s",
                        backend=model.provider,
                    )
                with self.prompts.time_backend_call("image", plan.model_id):
                    result = await model.generate(
                        msgspec.structs.replace(
                            options,
                            prompt=prompt,
                            n=len(call.indexes),
                            seed=call.seed,
                            negative_prompt=negative_for(options, negatives, call.prompt_index, model),
                        ),
                        deadline,
                    )
            warnings = list(result.warnings)
            if len(result.images) < len(call.indexes):
                warnings.append(
                    f"{plan.model_id} returned {len(result.images)} of {len(call.indexes)} images for prompt "
                    f"{call.prompt_index + 1}"
                )
            for offset, (index, generated) in enumerate(zip(call.indexes, result.images, strict=False)):
                seed = generated.seed
                if seed is None and call.per_image_seed:
                    seed = call.seed
                stored = await store_image(
                    self.assets,
                    self.limits,
                    plan,
                    job,
                    model,
                    generated,
                    prompt,
                    call.prompt_index,
                    index,
                    seed,
                    created,
                )
                if offset == 0:  # a call's warnings and usage are counted once, with its first image
                    stored.warnings, stored.usage = warnings, result.usage
                done.append(stored)
                await self.reporter.image_stored(job, len(done), plan.count)

        try:
            await run_parallel([lambda call=call: one(call) for call in calls], len(calls))
        except BaseException:
            # A failed or canceled job reports no images: the ones already stored would be orphans.
            # Removed to the end even when the process stops meanwhile (a second cancel): a row
            # deleted without its blob would leave a blob nothing points to.
            await settle(self._remove(created))
            raise
        return done


    async def _remove(self, created: list[str]) -> None:
        for asset_id in created:
            with contextlib.suppress(PromptgenError, OSError):
                await self.assets.delete(asset_id)


def plan_calls(plan: ChainPlan, num_prompts: int, seeds: bool) -> list[Call]:
    """Image i is made from prompt i mod `num_prompts`; per-image calls when seeds are honoured
    (image i gets seed + i), else one call per prompt (the backend splits it further)."""
    if seeds:
        base = plan.request.seed if plan.request.seed is not None else random.randrange(2**31)
        batches = split_calls(plan.count, 1, groups=num_prompts, seed=base)
    else:
        batches = split_calls(
            plan.count, plan.count, groups=num_prompts, seed=plan.request.seed, offset_seeds=False
        )
    return [
        Call(
            prompt_index=batch.group,
            indexes=batch.indexes,
            seed=None if batch.seed is None else batch.seed % 2**32,
            per_image_seed=seeds,
        )
        for batch in batches
    ]


def negative_for(
    options: ImageOptions, negatives: list[str] | None, index: int, model: ImageModel
) -> str | None:
    """The negative prompt of prompt `index`: the request's own `negative_prompt` wins; else the
    generated one (`promptGeneration.negativePrompt`), for a backend that takes one."""
    if options.negative_prompt is not None or not negatives:
        return options.negative_prompt
    if "negative_prompt" not in model.supported_settings():
        return None
    return negatives[index] or None
