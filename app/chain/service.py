"""`ChainService`: the chained generation's entry points, its gate and its lifecycle.

admit     a place at the image gate (503 at once when full), before anything is decoded
plan      `Planner`: the request checked and planned, before any job exists (4xx at once)
execute   `ChainRunner`: prompts -> inputs -> images -> assets, inside a job run by
          `JobRunner` (synchronous: here), or queued with `"async": true` on the job queue
          (`app/job_queue.py`: in this process, or SAQ, whose workers rebuild the work from
          the stored input, `ChainWork`)
report    `Reporter`: job state and progress, usage, the response, the finished job's webhook
"""

from __future__ import annotations

from typing import Any

import msgspec

from app.admission import Gate, Slot
from app.assets import AssetStore
from app.chain.planner import ChainPlan, Planner
from app.chain.reporter import Reporter, summarize
from app.chain.results import ChainOutcome, ChainRun
from app.chain.runner import ChainRunner
from app.chain.store import remove_left_by
from app.chain_protocol import PASSTHROUGH, GenerateImageRequest, GenerateImageResponse
from app.chain_work import ChainWork
from app.conditioning import ImageReader
from app.db import Database
from app.fetch import FetchPolicy
from app.image_models import ImageModelPool
from app.images import ImageLimits
from app.job_queue import JobQueue, LocalQueue, Resume
from app.job_runner import JobRunner
from app.jobs import JobStore
from app.protocol import Job
from app.service import PromptService
from app.settings import Settings
from app.webhooks import WebhookSender


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
        self.fetch_policy = FetchPolicy.from_settings(settings)
        self.planner = Planner(settings, prompts, reader, models, self.fetch_policy)
        self.reporter = Reporter(jobs, webhooks)
        self.work = ChainRunner(
            settings, prompts, assets, self.limits, models, self.fetch_policy, self.reporter
        )
        self.runner = JobRunner(jobs, notices=self.reporter)
        self.queue = create_job_queue(settings, jobs, self.runner, self.resume, assets)
        # Chained generations accepted at once (running, or queued as async jobs); one more is a 503.
        self.admission = Gate("image", settings.image_queue, 0)

    # ------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Resume webhook deliveries a previous process left; in the embedded profile fail the
        jobs it left running and remove the images they had stored (`remove_left_by`); the
        distributed queue touches no job another process owns (`app/saq_queue.py`)."""
        await self.webhooks.resume_pending()
        interrupted = await self.queue.start()
        await remove_left_by(self.assets, interrupted)

    async def aclose(self) -> None:
        await self.queue.aclose()
        await self.webhooks.aclose()
        await self.models.aclose()

    # ------------------------------------------------------------------------- entry points

    def admit(self, request: GenerateImageRequest) -> Slot:
        """A place for one chained generation, or 503 at once: checked before any image is
        decoded or URL fetched. The language model's gate is checked too when prompts are made."""
        if request.prompt_generation.mode != PASSTHROUGH:
            self.prompts.check_capacity()
        return self.admission.acquire()

    async def generate(self, request: GenerateImageRequest) -> GenerateImageResponse | Job:
        """Run a chained generation; with `"async": true` answer its queued job at once."""
        slot = self.admit(request)
        handed_to_job = False
        try:
            plan = await self.prepare(request)
            if request.run_async:
                job = await self.reporter.new_job(summarize(request))
                handed_to_job = True  # the job keeps the place until it ends (or is handed over)
                await self.queue.enqueue(job, ChainWork(self, job, plan=plan), slot.release)
                return job
            outcome, job = await self.run(plan, summarize(request))
            return self.respond(plan, outcome, job)
        finally:
            if not handed_to_job:
                slot.release()

    async def prepare(self, request: GenerateImageRequest) -> ChainPlan:
        """Check everything that can be checked before spending anything; 4xx on failure."""
        return await self.planner.plan(request)

    async def run(self, plan: ChainPlan, job_input: dict[str, Any]) -> ChainRun:
        """Run a prepared plan as a new job and wait for it (cancellable all the same)."""
        job = await self.reporter.new_job(job_input)
        return ChainRun(await self.runner.run(job, lambda: self.execute(plan, job)), job)

    async def execute(self, plan: ChainPlan, job: Job) -> ChainOutcome:
        """The job's work (`ChainRunner.execute`)."""
        return await self.work.execute(plan, job)

    def resume(self, job: Job, payload: dict[str, Any]) -> ChainWork:
        """A queued job's work, rebuilt from its stored input in whichever worker runs it."""
        return ChainWork(self, job, request=msgspec.convert(payload, GenerateImageRequest))

    def respond(self, plan: ChainPlan, outcome: ChainOutcome, job: Job) -> GenerateImageResponse:
        return self.reporter.respond(plan, outcome, job)


def create_job_queue(
    settings: Settings, jobs: JobStore, runner: JobRunner, resume: Resume, assets: AssetStore
) -> JobQueue:
    """The queue `PROMPTGEN_QUEUE_URL` names: this process's tasks, or SAQ (`app/job_queue.py`)."""
    if not settings.queue_url:
        return LocalQueue(jobs, runner)
    from app.saq_queue import SaqQueue  # the distributed profile only: SAQ on Redis or Postgres

    return SaqQueue(settings, jobs, runner, resume, assets)


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
