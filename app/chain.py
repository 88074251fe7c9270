"""The chained generation: spark -> prompts -> images -> assets, as one job.

    prepare   (before any job exists: every 4xx is answered at once)
        check the image fields (size conflicts, n vs num_outputs, ...), pick the backend,
        build the prompt request, resolve `image`, `mask` and local `input_references`
    execute   (inside the job, run by `JobRunner`: synchronous or `"async": true`)
        prompts   PromptService (or the spark itself in mode `none`)      progress 1/(n+1)
        inputs    http(s) `input_references` fetched through `app.fetch`
        images    image i is made from prompt i mod numResults; one provider call per image
                  when the backend honours seeds (image i gets seed + i, so each image is
                  reproducible on its own), else one call per prompt for all its images
        assets    each image validated, converted when the provider ignored `format`,
                  stored through the AssetStore, measured (`output_meta`)   progress +1/(n+1)

Both `POST /v1/generate/image` and the OpenAI-compatible `POST /v1/images/generations`
(`app/openai_images.py`) run through here. Nothing in this module knows HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from app.admission import Gate, Slot
from app.assets import AssetStore, is_asset_id
from app.chain_protocol import (
    PASSTHROUGH,
    ChainUsage,
    GeneratedImageInfo,
    GenerateImageRequest,
    GenerateImageResponse,
    ImageUsage,
)
from app.conditioning import ImageReader
from app.db import Database
from app.errors import PromptgenError, RequestError, UpstreamError, ValidationFailed
from app.fetch import FetchError, FetchPolicy, fetch_url
from app.image_meta import OUTPUT_META, convert, measure
from app.image_models import ImageModelPool
from app.images import ALLOWED, ImageLimits, ValidatedImage, validate_image_bytes
from app.ip_guard import detection
from app.job_runner import JobRunner
from app.jobs import JobStore
from app.protocol import MAX_SPARK_CHARS, GeneratePromptRequest, IPDetection, Job, Usage
from app.service import PromptService
from app.settings import Settings
from app.webhooks import WebhookSender, check_webhook_url
from core.images import FORMAT_MEDIA_TYPES, sniff_media_type
from models.image import GeneratedImage, ImageModel, ImageOptions
from models.image.retry import Deadline, first_error

JOB_TYPE = "generate-image"
EDITING_MODES = ("image-editing", "image-editing-prompt")


@dataclass
class ChainPlan:
    """A checked request, ready to run."""

    request: GenerateImageRequest
    model_id: str
    mode: str
    spark: str
    count: int  # images
    num_prompts: int
    prompt_request: GeneratePromptRequest | None  # None in mode `none`
    options: ImageOptions  # every image setting; `prompt`, `n` and `seed` are set per call
    remote_references: list[tuple[int, str]]  # (index, http(s) URL), fetched when the job runs
    local_references: dict[int, str]  # index -> data URL, resolved by `prepare`
    meta: frozenset[str]
    webhook_url: str | None


@dataclass
class Call:
    """One provider call: `n` images of prompt `prompt_index`, landing at `indexes`."""

    prompt_index: int
    indexes: list[int]
    seed: int | None
    per_image_seed: bool


@dataclass
class Stored:
    """One generated image, stored; `warnings` and `usage` are its provider call's (first image only)."""

    index: int
    info: GeneratedImageInfo
    data: bytes
    warnings: list[str]
    usage: dict[str, Any]


@dataclass
class ChainOutcome:
    prompts: list[str]
    mode: str
    images: list[GeneratedImageInfo]
    data: list[bytes]
    prompt_usage: Usage | None
    image_usage: ImageUsage
    warnings: list[str] = field(default_factory=list)
    ip_detection: IPDetection | None = None


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


class ChainService:
    """Runs chained generations and their jobs (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        prompts: PromptService,
        reader: ImageReader,
        assets: AssetStore,
        limits: ImageLimits,
        jobs: JobStore,
        models: ImageModelPool,
        webhooks: WebhookSender,
    ) -> None:
        self.settings = settings
        self.prompts = prompts
        self.reader = reader
        self.assets = assets
        # Generated images may be larger than the upload cap; the pixel cap still holds.
        self.limits = ImageLimits(
            max_bytes=max(limits.max_bytes, models.config.max_download_bytes), max_pixels=limits.max_pixels
        )
        self.jobs = jobs
        self.models = models
        self.webhooks = webhooks
        self.runner = JobRunner(jobs, on_finish=self._notify)
        self.fetch_policy = FetchPolicy.from_settings(settings)
        # Chained generations accepted at once (running, or queued as async jobs); one more is a 503.
        self.admission = Gate("image", settings.image_queue, 0)

    # ------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Resume webhook deliveries a previous process left, and fail the jobs it left running."""
        self.webhooks.resume_pending()
        for job in self.jobs.recover_interrupted():
            self._notify(job)

    async def aclose(self) -> None:
        await self.runner.aclose()
        await self.webhooks.aclose()
        await self.models.aclose()

    # ------------------------------------------------------------------------- entry points

    def admit(self, request: GenerateImageRequest) -> Slot:
        """A place for one chained generation, or 503 at once: checked before any image is
        decoded or URL fetched. The language model's gate is checked too when prompts are made."""
        if request.prompt_generation.mode != PASSTHROUGH:
            self.prompts.admission.check()
        return self.admission.acquire()

    async def generate(self, request: GenerateImageRequest) -> GenerateImageResponse | Job:
        """Run a chained generation; with `"async": true` answer its queued job at once."""
        slot = self.admit(request)
        handed_to_job = False
        try:
            plan = await self.prepare(request)
            if request.run_async:
                job = self.jobs.new(JOB_TYPE, summarize(request), status="queued")
                self.jobs.save(job)
                task = self.runner.start(job, lambda: self.execute(plan, job))
                task.add_done_callback(lambda _task: slot.release())  # the job keeps the place
                handed_to_job = True
                return job
            outcome, job = await self.run(plan, summarize(request))
            return self.respond(plan, outcome, job)
        finally:
            if not handed_to_job:
                slot.release()

    async def run(self, plan: ChainPlan, job_input: dict[str, Any]) -> tuple[ChainOutcome, Job]:
        """Run a prepared plan as a new job and wait for it (cancellable all the same)."""
        job = self.jobs.new(JOB_TYPE, job_input, status="queued")
        self.jobs.save(job)
        return await self.runner.run(job, lambda: self.execute(plan, job)), job

    # ------------------------------------------------------------------------- prepare

    async def prepare(self, request: GenerateImageRequest) -> ChainPlan:
        """Check everything that can be checked before spending anything; 4xx on failure."""
        check_image_fields(request)
        meta = output_meta(request.output_meta)
        if request.webhook_url is not None:
            check_webhook_url(request.webhook_url, self.settings.webhook_secret, policy=self.fetch_policy)
        model_id = self.models.model_id_for(request.model)
        pg = request.prompt_generation
        spark = (request.prompt or "").strip()
        count = request.n or request.num_outputs
        if pg.mode == PASSTHROUGH:
            if not spark:
                raise ValidationFailed(
                    "`prompt` is required when promptGeneration.mode is none", field="prompt"
                )
            if pg.num_results not in (None, 1):
                raise ValidationFailed(
                    "promptGeneration.numResults must be 1 when mode is none (the spark is the prompt)",
                    field="promptGeneration.numResults",
                )
            num_prompts, prompt_request = 1, None
        else:
            if len(spark) > MAX_SPARK_CHARS:
                raise ValidationFailed(
                    f"`prompt` (the spark) is longer than {MAX_SPARK_CHARS} characters; "
                    "send it with promptGeneration.mode none to use it as is",
                    field="prompt",
                )
            num_prompts = pg.num_results or 1
            prompt_request = self._prompt_request(request, num_prompts)
            self.prompts.context_for(prompt_request)  # mode and spark checks, before any job exists
        count = count or num_prompts
        if num_prompts > count:
            raise ValidationFailed(
                f"promptGeneration.numResults ({num_prompts}) is more than the images asked for ({count}); "
                "every prompt needs at least one image",
                field="promptGeneration.numResults",
            )
        options = await self._base_options(request)
        local, remote = await self._references(request.input_references or [])
        return ChainPlan(
            request=request,
            model_id=model_id,
            mode=pg.mode,
            spark=spark,
            count=count,
            num_prompts=num_prompts,
            prompt_request=prompt_request,
            options=options,
            remote_references=remote,
            local_references=local,
            meta=meta,
            webhook_url=request.webhook_url,
        )

    def _prompt_request(self, request: GenerateImageRequest, num_prompts: int) -> GeneratePromptRequest:
        pg = request.prompt_generation
        image = pg.image
        if image is None and pg.mode in EDITING_MODES:
            image = request.image  # the image being edited is what the editing prompt is about
        return GeneratePromptRequest(
            mode=pg.mode,  # type: ignore[arg-type]  # `none` was handled by the caller
            prompt=request.prompt,
            num_results=num_prompts,
            temperature=pg.temperature,
            top_p=pg.top_p,
            seed=pg.seed if pg.seed is not None else request.seed,
            ensure_ip_cleared=pg.ensure_ip_cleared,
            model_id=pg.model_id,
            images=pg.images,
            asset_ids=pg.asset_ids,
            image=image,
        )

    async def _base_options(self, request: GenerateImageRequest) -> ImageOptions:
        image = mask = None
        if request.image is not None:
            image = (await self.reader.resolve(request.image, "image")).image.data
        if request.mask is not None:
            mask = (await self.reader.resolve(request.mask, "mask")).image.data
        output_format = "jpeg" if request.format == "jpg" else request.format
        return ImageOptions(
            prompt="",
            size=request.size,
            aspect_ratio=request.aspect_ratio,
            resolution=request.resolution,
            width=request.width,
            height=request.height,
            output_format=output_format,
            output_compression=request.output_compression,
            background=request.background,
            quality=request.quality,
            negative_prompt=request.negative_prompt,
            guidance_scale=request.guidance_scale,
            steps=request.steps,
            style=request.style,
            image=image,
            mask=mask,
        )

    async def _references(self, refs: list[str]) -> tuple[dict[int, str], list[tuple[int, str]]]:
        local: dict[int, str] = {}
        remote: list[tuple[int, str]] = []
        for index, ref in enumerate(refs):
            name = f"input_references[{index}]"
            if ref.startswith(("http://", "https://")):
                try:  # refused now when it names an internal address; checked again when fetched
                    await self.fetch_policy.resolve(ref)
                except FetchError as exc:
                    raise ValidationFailed(f"`{name}` cannot be fetched: {exc}", field=name) from None
                remote.append((index, ref))
            elif ref.startswith("data:") or is_asset_id(ref):
                local[index] = (await self.reader.resolve(ref, name)).image.data_url
            else:
                raise ValidationFailed(
                    f"`{name}` must be a data URL, an asset id (asset_...) or an http(s) URL", field=name
                )
        return local, remote

    # ------------------------------------------------------------------------- execute

    async def execute(self, plan: ChainPlan, job: Job) -> ChainOutcome:
        """The job's work: prompts, then images, then assets; progress saved as it goes."""
        self.jobs.transition(job, "in-progress", progress=0.0)
        self.jobs.save(job)
        prompts, mode, prompt_usage, warnings, ip_detection, prompt_job = await self._prompts(plan)
        job.metadata.output = {"prompts": prompts, "mode": mode, "promptJobId": prompt_job, "imagesDone": 0}
        self.jobs.progress(job, 1 / (plan.count + 1))
        references = await self._fetch_references(plan)
        options = msgspec.structs.replace(plan.options, input_references=references)
        started = time.monotonic()
        async with self.models.lease(plan.model_id) as model:
            calls = plan_calls(plan, len(prompts), "seed" in model.supported_settings())
            results = await self._generate(plan, job, model, options, prompts, calls)
        images: list[GeneratedImageInfo] = []
        data: list[bytes] = []
        usage: dict[str, Any] = {}
        for stored in sorted(results, key=lambda r: r.index):
            images.append(stored.info)
            data.append(stored.data)
            warnings += [w for w in stored.warnings if w not in warnings]
            _add_usage(usage, stored.usage)
        image_usage = ImageUsage(
            backend=plan.model_id,
            calls=len(calls),
            images=len(images),
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            provider=usage,
        )
        job.metadata.output = {
            "prompts": prompts,
            "mode": mode,
            "promptJobId": prompt_job,
            "images": [msgspec.to_builtins(i) for i in images],
            "warnings": warnings,
            "usage": msgspec.to_builtins(ChainUsage(prompt=prompt_usage, image=image_usage)),
        }
        if ip_detection is not None:
            job.metadata.output["ipDetection"] = msgspec.to_builtins(ip_detection)
        return ChainOutcome(
            prompts=prompts,
            mode=mode,
            images=images,
            data=data,
            prompt_usage=prompt_usage,
            image_usage=image_usage,
            warnings=warnings,
            ip_detection=ip_detection,
        )

    async def _prompts(
        self, plan: ChainPlan
    ) -> tuple[list[str], str, Usage | None, list[str], IPDetection | None, str | None]:
        pg = plan.request.prompt_generation
        if plan.prompt_request is None:
            guard = self.prompts.ip_guard
            if not pg.ensure_ip_cleared:
                return [plan.spark], PASSTHROUGH, None, [], None, None
            if guard is None:
                return [plan.spark], PASSTHROUGH, None, ["IP clearing is not configured"], None, None
            cleared = await guard.clear_text(plan.spark)
            return [cleared.text], PASSTHROUGH, None, [], detection(list(cleared.findings)), None
        response = await self.prompts.generate(plan.prompt_request)
        if not response.prompts:
            raise RequestError("no usable prompt was generated from this spark; rephrase it")
        ip = response.ip_detection if isinstance(response.ip_detection, IPDetection) else None
        return (
            response.prompts,
            response.mode,
            response.usage,
            list(response.warnings),
            ip,
            response.job.job_id,
        )

    async def _fetch_references(self, plan: ChainPlan) -> list[str]:
        refs = dict(plan.local_references)
        for index, url in plan.remote_references:
            name = f"input_references[{index}]"
            try:
                answer = await fetch_url(
                    url,
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
            refs[index] = image.data_url
        return [refs[i] for i in sorted(refs)]

    async def _generate(
        self,
        plan: ChainPlan,
        job: Job,
        model: ImageModel,
        options: ImageOptions,
        prompts: list[str],
        calls: list[Call],
    ) -> list[Stored]:
        deadline = Deadline(self.settings.image_deadline_s)
        limit = asyncio.Semaphore(max(1, self.settings.image_concurrency))
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
                with self.prompts.metrics.timed("image", plan.model_id):
                    result = await model.generate(
                        msgspec.structs.replace(options, prompt=prompt, n=len(call.indexes), seed=call.seed),
                        deadline.remaining(),
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
                info, raw = await self._store(
                    plan, job, model, generated, prompt, call.prompt_index, index, seed, created
                )
                # A call's warnings and usage are counted once, with its first image.
                done.append(
                    Stored(
                        index, info, raw, warnings if offset == 0 else [], result.usage if offset == 0 else {}
                    )
                )
                job.metadata.output["imagesDone"] = len(done)
                self.jobs.progress(job, (1 + len(done)) / (plan.count + 1))

        try:
            async with asyncio.TaskGroup() as group:
                for call in calls:
                    group.create_task(one(call))
        except BaseException as failure:
            # A failed or canceled job reports no images: the ones already stored would be orphans.
            for asset_id in created:
                with contextlib.suppress(PromptgenError, OSError):
                    self.assets.delete(asset_id)
            if isinstance(failure, BaseExceptionGroup):
                raise first_error(failure) from None
            raise
        return done

    async def _store(
        self,
        plan: ChainPlan,
        job: Job,
        model: ImageModel,
        generated: GeneratedImage,
        prompt: str,
        prompt_index: int,
        index: int,
        seed: int | None,
        created: list[str],
    ) -> tuple[GeneratedImageInfo, bytes]:
        """Validate, convert if needed, store as an asset and measure one generated image."""
        wanted = FORMAT_MEDIA_TYPES.get(plan.options.output_format or "")
        data = generated.data
        actual = sniff_media_type(data)
        target = wanted if wanted and wanted != actual else (None if actual in ALLOWED else "image/png")
        if target is not None:
            try:
                data = await asyncio.to_thread(
                    convert, data, target, _quality(plan.options.output_compression)
                )
            except Exception:
                raise UpstreamError(
                    f"{plan.model_id} returned an image this service cannot read ({actual})",
                    backend=model.provider,
                ) from None
        try:
            image: ValidatedImage = await validate_image_bytes(data, None, f"images[{index}]", self.limits)
        except RequestError as exc:
            raise UpstreamError(
                f"{plan.model_id} returned an unusable image: {exc.detail}", backend=model.provider
            ) from None
        asset = self.assets.create(image, name=f"{job.job_id}-{index}", description=prompt)
        created.append(asset.asset_id)
        meta = await asyncio.to_thread(measure, image.data, plan.meta)
        info = GeneratedImageInfo(
            asset_id=asset.asset_id,
            url=asset.url,
            prompt=prompt,
            prompt_index=prompt_index,
            seed=seed,
            media_type=image.media_type,
            meta=meta,
        )
        if generated.revised_prompt and generated.revised_prompt != prompt:
            info.revised_prompt = generated.revised_prompt
        if target is not None and wanted and target == wanted:
            info.meta["converted_from"] = actual
        return info, image.data

    # ------------------------------------------------------------------------- respond

    def respond(self, plan: ChainPlan, outcome: ChainOutcome, job: Job) -> GenerateImageResponse:
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
        return response

    def _notify(self, job: Job) -> None:
        url = job.metadata.input.get("webhook_url")
        if isinstance(url, str) and url and self.webhooks.secret:
            self.webhooks.notify(job, url)


def check_image_fields(request: GenerateImageRequest) -> None:
    """Conflicting or incomplete image settings are a 400 naming the field, as OpenRouter does."""
    if request.n is not None and request.num_outputs is not None:
        raise ValidationFailed("give the image count as `n` or `num_outputs`, not both", field="num_outputs")
    dimensions = [name for name in ("width", "height") if getattr(request, name) is not None]
    tiers = [name for name in ("aspect_ratio", "resolution") if getattr(request, name) is not None]
    if request.size is not None and (dimensions or tiers):
        raise ValidationFailed(
            f"`size` conflicts with `{(dimensions + tiers)[0]}`: give `size`, or `width` and `height`, "
            "or `aspect_ratio`/`resolution`",
            field="size",
        )
    if dimensions and tiers:
        raise ValidationFailed(
            f"`{dimensions[0]}` conflicts with `{tiers[0]}`: give `width` and `height`, or "
            "`aspect_ratio`/`resolution`",
            field=dimensions[0],
        )
    if len(dimensions) == 1:
        missing = "height" if dimensions[0] == "width" else "width"
        raise ValidationFailed(f"`{dimensions[0]}` needs `{missing}` too", field=missing)
    if request.background == "transparent" and request.format in ("jpeg", "jpg"):
        raise ValidationFailed(
            "a transparent background needs a format with alpha (png or webp), not jpeg", field="background"
        )
    if request.mask is not None and request.image is None:
        raise ValidationFailed("`mask` needs `image`, the image it applies to", field="mask")


def output_meta(value: bool | Sequence[str] | dict[str, bool] | None) -> frozenset[str]:
    """The requested `output_meta` entries, in any of Transloadit's spellings."""
    if value is None or value is False:
        return frozenset()
    if value is True:
        return frozenset(OUTPUT_META)
    if isinstance(value, dict):
        for name in value:
            if name not in OUTPUT_META:
                raise ValidationFailed(
                    f"unknown output_meta entry {name!r}; available: {', '.join(OUTPUT_META)}",
                    field=f"output_meta.{name}",
                )
        return frozenset(name for name, on in value.items() if on)
    return frozenset(value)


def plan_calls(plan: ChainPlan, num_prompts: int, seeds: bool) -> list[Call]:
    """Image i is made from prompt i mod `num_prompts`; per-image calls when seeds are honoured."""
    assignment = [(index, index % num_prompts) for index in range(plan.count)]
    if seeds:
        base = plan.request.seed if plan.request.seed is not None else random.randrange(2**31)
        return [Call(p, [i], (base + i) % 2**32, per_image_seed=True) for i, p in assignment]
    return [
        Call(p, [i for i, q in assignment if q == p], plan.request.seed, per_image_seed=False)
        for p in range(num_prompts)
    ]


def _quality(compression: int | None) -> int | None:
    return None if compression is None else 100 - compression


def _add_usage(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, bool):
            total.setdefault(key, value)
        elif isinstance(value, int | float):
            total[key] = total.get(key, 0) + value
        elif isinstance(value, dict):
            _add_usage(total.setdefault(key, {}), value)


def create_chain_service(
    settings: Settings,
    db: Database,
    prompts: PromptService,
    reader: ImageReader,
    assets: AssetStore,
    limits: ImageLimits,
    jobs: JobStore,
) -> ChainService:
    """The chain and what it owns (image backends, webhooks, job tasks), for the lifespan."""
    return ChainService(
        settings, prompts, reader, assets, limits, jobs, ImageModelPool(settings), WebhookSender(db, settings)
    )
