"""Orchestration of one prompt generation: request -> mode handler -> model -> response + job.

Route handlers and the CLI both call `PromptService.generate`; nothing here knows HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from typing import Any, Protocol

import msgspec

import modes
from app.admission import Gate, Slot
from app.cache import ResultCache, cache_key
from app.errors import NotConfigured, Overloaded, PromptgenError, ValidationFailed, job_error
from app.ip_guard import detection
from app.jobs import JobStore
from app.metrics import BackendTimer, Metrics, metered
from app.protocol import GeneratePromptRequest, GeneratePromptResponse, IPDetection, Usage
from app.relevance import relevance_gate
from app.settings import Settings
from app.shared_cache import Guarded
from app.spark_language import read_spark
from core.deadline import remaining
from models.lm.base import LanguageModel
from modes import keep, targets
from modes.base import ModeContext
from modes.engine import SPARE, ModeResult, run_mode

log = logging.getLogger(__name__)

LOAD_POLL_S = 0.05  # how often a request waiting for the model's load looks again
WARM_SPARK = "a quiet harbour at night"  # no word of any few-shot example: the default pairs


class Conditioning(Protocol):
    """Turns a request's images, asset ids and style model into text a handler can use."""

    async def apply(self, request: GeneratePromptRequest, ctx: ModeContext) -> None: ...


def request_summary(request: GeneratePromptRequest) -> dict[str, Any]:
    """The request as recorded in the job: images replaced by short references."""
    data: dict[str, Any] = msgspec.to_builtins(request)
    for key in ("images", "image"):
        value = data.get(key)
        if isinstance(value, list):
            data[key] = [_image_ref(v) for v in value]
        elif isinstance(value, str):
            data[key] = _image_ref(value)
    return {k: v for k, v in data.items() if v is not None and not (k in UNASKED and UNASKED[k] == v)}


# The target-model fields at their defaults: left out of the job's input, as before they existed.
UNASKED: dict[str, object] = {"targetModel": targets.DEFAULT, "weights": False, "negativePrompt": False}


class Outcome(msgspec.Struct, kw_only=True):
    """What a generation produced, independent of the job that asked: the cacheable part."""

    prompts: list[str]
    result: ModeResult
    seed: int
    warnings: list[str] = msgspec.field(default_factory=list)
    ip_detection: IPDetection | None = None
    negative_prompts: list[str] | None = None


class ClearedText(msgspec.Struct, kw_only=True):
    """A text cleared of IP references (`PromptService.clear_text`)."""

    text: str
    ip_detection: IPDetection


def _image_ref(value: str) -> str:
    return value if value.startswith("asset_") else f"<data url, {len(value)} chars>"


class PromptService:
    """Generates prompts for every mode; optionally conditions on images and clears IP."""

    def __init__(
        self,
        settings: Settings,
        lm: LanguageModel,
        jobs: JobStore,
        conditioning: Conditioning | None = None,
        ip_guard: Any = None,
        metrics: Metrics | None = None,
        shared_cache: Guarded | None = None,
    ) -> None:
        self.settings = settings
        self.lm = lm
        self.metrics = metrics or Metrics()
        self.metered_lm = metered(lm, self.metrics)
        # The bounded queue in front of the language model: checked before anything is decoded.
        # Refuses at once what the model could not finish before its deadline, too.
        self.admission = Gate(
            lm.backend,
            settings.lm_concurrency,
            settings.lm_queue,
            deadline_s=min(settings.lm_timeout_s, settings.request_timeout_s),
        )
        self.jobs = jobs
        self.conditioning = conditioning
        self.ip_guard = ip_guard
        self.cache: ResultCache[Outcome] = ResultCache(settings.cache_entries, shared_cache, Outcome)
        self.loader: asyncio.Future[None] | None = None  # the model's load and warm-up (`track_load`)
        self.relevance = relevance_gate(settings, lm)
        self.loading_since = 0.0
        self.waiting_for_load = 0

    def track_load(self, loader: asyncio.Future[None]) -> None:
        """`loader` loads (and warms) the model: requests wait for it (`until_ready`)."""
        self.loader = loader
        self.loading_since = time.monotonic()

    async def until_ready(self) -> None:
        """Wait for the model's load, so that a request arriving during it is answered once the
        model is loaded instead of timing out: within the request's deadline (`core.deadline`;
        else `request_timeout_s`) less the time its generation is granted (`lm_timeout_s`, at
        most half of what is left); the model's own deadline starts after it. (The warm-up
        that follows is the model's to wait for: a caller arriving during it is not timed out
        for waiting, see `models/lm/local.py`.) Past that, or with more requests already
        waiting than the model's queue holds, `503 overloaded` (`reason: loading`) with a
        Retry-After of as long again as the load has taken so far, 5 to 60 s: nothing reports
        how far a load is, and a load that has run t seconds is guessed half done; /readyz says
        when it is done."""
        loader = self.loader
        if loader is None or loader.done() or self.lm.ready:
            return
        left = remaining(self.settings.request_timeout_s) or 0.0
        until = time.monotonic() + left - min(self.admission.deadline_s or 0.0, left / 2)
        if self.waiting_for_load < self.admission.capacity:
            self.waiting_for_load += 1
            try:
                while not (self.lm.ready or loader.done()) and time.monotonic() < until:
                    await asyncio.sleep(LOAD_POLL_S)
            finally:
                self.waiting_for_load -= 1
            if self.lm.ready or loader.done():
                return  # loaded (a failed load is the model's to report: it tries again)
        elapsed = time.monotonic() - self.loading_since
        retry = max(5, min(60, math.ceil(elapsed)))
        raise Overloaded(
            f"the {self.lm.backend} language model is still loading ({elapsed:.0f}s so far); retry in "
            f"{retry}s (GET /readyz answers 200 once it is ready)",
            retry_after=retry,
            backend=self.lm.backend,
            reason="loading",
        )

    def context_for(self, request: GeneratePromptRequest) -> ModeContext:
        mode = modes.registry.canonical(request.mode)
        if mode not in modes.registry:
            raise ValidationFailed(
                f"mode {request.mode!r} is not available; available: {', '.join(modes.registry.names())}",
                field="mode",
            )
        handler_cls = modes.registry.get(mode)
        spark = (request.prompt or "").strip()
        if getattr(handler_cls, "needs_spark", True) and not spark:
            raise ValidationFailed(f"`prompt` (the spark) is required in {request.mode} mode", field="prompt")
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        given = {"images": request.images, "assetIds": request.asset_ids, "image": request.image}
        ctx = ModeContext(
            mode=mode,
            spark=spark,
            num_results=request.num_results,
            seed=seed,
            temperature=self.settings.default_temperature
            if request.temperature is None
            else request.temperature,
            top_p=self.settings.default_top_p if request.top_p is None else request.top_p,
            word_limit=self.settings.word_limit,
            target_editor=request.model_id,
            image_inputs=[name for name, value in given.items() if value],
        )
        modes.get_mode(mode).validate(ctx)  # every check before any image is decoded or job made
        self.check_keep_terms(request.keep_terms or [])
        return ctx

    def check_keep_terms(self, terms: list[str], field: str = "keepTerms", allow_ip: bool = False) -> None:
        """A 400 for a blank or repeated kept term, or one naming protected IP (unless the
        operator allows those, `PROMPTGEN_ALLOW_IP_KEEP_TERMS`, or `allow_ip`: a check that
        only reports it)."""
        seen: set[str] = set()
        for index, term in enumerate(terms):
            where = f"{field}[{index}]"
            if term != term.strip():
                raise ValidationFailed(
                    f"`{where}` {term!r} starts or ends with a space; send it trimmed", field=where
                )
            if term in seen:
                raise ValidationFailed(f"`{where}` {term!r} is given twice", field=where)
            seen.add(term)
            if self.ip_guard is None or self.settings.allow_ip_keep_terms or allow_ip:
                continue
            findings = self.ip_guard.filter.check(term)
            if findings:
                found = findings[0]
                raise ValidationFailed(
                    f"`{where}` {term!r} names protected IP ({found.category}: {found.name}; {found.reason}); "
                    "a kept term would put it in every result, so it is refused. Remove it, or ask the operator "
                    "to allow protected kept terms (PROMPTGEN_ALLOW_IP_KEEP_TERMS=true)",
                    field=where,
                )

    def cache_key_for(self, request: GeneratePromptRequest) -> str:
        """Every input that affects a seeded result: request, backend, model, recipe, settings."""
        s = self.settings
        return cache_key(
            modes.RECIPE_VERSION,
            self.lm.backend,
            self.lm.model_id,
            s.word_limit,
            s.default_temperature,
            s.default_top_p,
            s.describer,
            msgspec.to_builtins(request),
        )

    def admit(self, key: str | None, num_results: int = 1) -> Slot | None:
        """A place at the model's gate (503 at once when full or when the model could not
        finish it before its deadline), unless the answer is cached or already being computed
        for an identical request: those cost the model nothing. The work is counted in
        candidates (`num_results` and the engine's spare), what a request's rows scale with."""
        if key is not None and self.cache.available(key):
            return None
        return self.admission.acquire(units=num_results + SPARE)

    # What other services (the chained image generation) use, instead of this one's parts.

    def check_capacity(self) -> None:
        """Refuse now (503, Retry-After) when the language model's gate is full; takes no place."""
        self.admission.check()

    def time_backend_call(self, kind: str, backend: str) -> BackendTimer:
        """A context manager that records one backend call (an image call, say) in the metrics."""
        return self.metrics.timed(kind, backend)

    async def clear_text(self, text: str) -> ClearedText | None:
        """`text` with its IP references cleared, and what was found; None when IP clearing is
        not configured."""
        if self.ip_guard is None:
            return None
        cleared = await self.ip_guard.clear_text(text)
        return ClearedText(text=cleared.text, ip_detection=detection(list(cleared.findings)))

    async def warm_up(self) -> None:
        """Show the language model one row plan of each mode a spark alone can run, so it can
        get ready for them (`LanguageModel.warm`: the local model stores their heads)."""
        rows = []
        for name in modes.registry.names():
            handler = modes.get_mode(name)
            if not handler.needs_spark:
                continue  # runs from images: its conversation holds what they show
            ctx = self.context_for(GeneratePromptRequest(mode=name, prompt=WARM_SPARK, seed=0))  # type: ignore[arg-type]  # a registered name
            rows += handler.plan(ctx, 1, 0, self.lm.supports_prefill).rows
        await self.lm.warm(rows)
        if self.relevance is not None:
            await self.relevance.load()

    async def generate(self, request: GeneratePromptRequest) -> GeneratePromptResponse:
        started = time.monotonic()
        ctx = self.context_for(request)
        key = self.cache_key_for(request) if request.seed is not None else None
        if key is None or not self.cache.available(key):
            await self.until_ready()  # a request arriving during the load waits for it
        slot = self.admit(key, ctx.num_results)  # before the job, the images and the model
        try:
            job = self.jobs.new("generate-prompt", request_summary(request), status="in-progress")
            try:
                if key is not None:
                    outcome, how = await self.cache.get_or_compute(key, lambda: self.produce(request, ctx))
                else:
                    outcome, how = await self.produce(request, ctx), "bypass"
            except PromptgenError as exc:
                self.jobs.transition(job, "failure")
                job.metadata.error = job_error(exc)
                await self.jobs.save(job, defer=True)
                exc.extensions.setdefault("jobId", job.job_id)
                raise
        finally:
            if slot is not None:
                slot.release()
        wire_mode = request.mode  # the name the caller used (a mode's own name or an alias)
        result = outcome.result
        usage = Usage(
            backend=self.lm.backend,
            model=self.lm.model_id,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            model_calls=result.model_calls,
            fallbacks=result.fallbacks,
            seed=outcome.seed,
            cache=how,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
        )
        job.metadata.output = {"prompts": outcome.prompts, "seed": outcome.seed}
        self.jobs.transition(job, "success", progress=1.0)
        await self.jobs.save(job, defer=True)  # the response carries the whole job; written this turn
        response = GeneratePromptResponse(
            prompts=list(outcome.prompts),
            mode=wire_mode,
            job=job,
            usage=usage,
            warnings=list(outcome.warnings),
        )
        if outcome.ip_detection is not None:
            response.ip_detection = outcome.ip_detection
        if outcome.negative_prompts is not None:
            response.negative_prompts = list(outcome.negative_prompts)
        return response

    async def produce(self, request: GeneratePromptRequest, ctx: ModeContext) -> Outcome:
        """Spark's language -> conditioning -> IP clearing of inputs -> mode -> IP clearing of outputs."""
        reading = None
        if ctx.spark:  # an English spark comes back as is; another is translated or glossed
            reading = await read_spark(
                ctx.spark,
                self.metered_lm,
                ctx.seed,
                self.settings.lm_timeout_s,
                tuple(request.keep_terms or ()),
            )
            ctx.spark = reading.spark
            ctx.warnings.extend(reading.warnings)
        if self.conditioning is not None:
            await self.conditioning.apply(request, ctx)
        elif request.images or request.asset_ids or request.image:
            ctx.warnings.append("image conditioning is not configured; images were ignored")
        ip_detection = None
        if request.ensure_ip_cleared and self.ip_guard is not None:
            await self.ip_guard.clear_inputs(ctx)
        handler = modes.get_mode(ctx.mode)
        if ctx.image_inputs and not ctx.image_descriptions and handler.images in ("context", "edit"):
            raise NotConfigured(
                f"{ctx.mode} mode reads images, and image conditioning is not configured on this server"
            )
        result = await run_mode(handler, ctx, self.metered_lm, self.settings.lm_timeout_s, self.relevance)
        if reading is not None and reading.model_calls:  # the translation is part of the bill
            result.model_calls += reading.model_calls
            result.prompt_tokens += reading.prompt_tokens
            result.completion_tokens += reading.completion_tokens
        terms = request.keep_terms or []
        prompts = [keep.ensure(p, terms) for p in result.prompts]
        if request.ensure_ip_cleared and self.ip_guard is not None:
            prompts, ip_detection = await self.ip_guard.clear_outputs(ctx, prompts)
            prompts = [keep.ensure(p, terms) for p in prompts]  # a kept term the operator allows
        prompts = self.for_target(request, prompts, ctx.warnings)
        negatives = None
        if request.negative_prompt:
            negatives = [targets.negative_prompt(p, ctx.spark, terms) for p in prompts]
            if self.renders_for_target(request):  # Midjourney's own syntax: `--no a, b` after the prompt
                profile = targets.profile(request.target_model)
                prompts = [
                    targets.with_negative(p, n, profile) for p, n in zip(prompts, negatives, strict=True)
                ]
        return Outcome(
            prompts=prompts,
            result=result,
            seed=ctx.seed,
            warnings=ctx.warnings,
            ip_detection=ip_detection,
            negative_prompts=negatives,
        )

    @staticmethod
    def renders_for_target(request: GeneratePromptRequest) -> bool:
        """The prompts are re-written for `targetModel` (not generic, not an editor's instruction)."""
        profile = targets.profile(request.target_model)
        return profile.phrasing != "as-written" and modes.registry.get(request.mode).images != "edit"

    @staticmethod
    def for_target(request: GeneratePromptRequest, prompts: list[str], warnings: list[str]) -> list[str]:
        """The prompts written for `targetModel`'s family (`generic`: unchanged)."""
        profile = targets.profile(request.target_model)
        if profile.phrasing != "as-written" and modes.registry.get(request.mode).images == "edit":
            warnings.append(
                f"{request.mode} writes an instruction for the editor named by `modelId`; "
                f"targetModel {profile.name} was not applied"
            )
            return prompts
        if request.weights and profile.weights is None:
            warnings.append(f"targetModel {profile.name} has no weights syntax; `weights` was not applied")
        if request.aspect_ratio and profile.aspect_parameter is None:
            warnings.append(
                f"targetModel {profile.name} takes no aspect-ratio parameter; `aspectRatio` was not used"
            )
        out = []
        for index, prompt in enumerate(prompts):
            rendered = targets.render(
                prompt, profile, request.keep_terms or (), request.weights, request.aspect_ratio
            )
            if rendered.dropped or rendered.trimmed:
                limit = (
                    f"{profile.clip_windows} CLIP window(s) of 77 tokens"
                    if profile.clip_windows
                    else f"{profile.max_words} words"
                )
                cut = f"left out {', '.join(repr(d) for d in rendered.dropped)}" if rendered.dropped else ""
                cut += ("; " if cut else "") + ("shortened the subject" if rendered.trimmed else "")
                warnings.append(f"prompt {index + 1} for {profile.name}: {cut} to fit {limit}")
            out.append(rendered.prompt)
        return out
