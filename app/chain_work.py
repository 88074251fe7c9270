"""A chained generation's work as the job queue sees it (`app/job_queue.py`'s `Work`).

In the process that accepted the request it runs the plan already checked (`run`); for a
worker elsewhere it is stored (`payload`): the request with every data URL it carries
(`image`, `mask`, `input_references`, `promptGeneration.images` / `.image`) replaced by an
asset holding that image, so the payload is small and any worker can read its images from the
shared database and blob store. A worker rebuilds the work from the payload
(`ChainService.resume`) and plans it again before running it; a plan refused there fails the
job, like any other error inside it.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from app.assets import AssetStore
from app.chain.planner import ChainPlan
from app.chain.results import ChainOutcome
from app.chain_protocol import GenerateImageRequest
from app.images import ImageLimits, validate_data_url
from app.protocol import Job


class ChainService(Protocol):
    """What the work needs of `app.chain.service.ChainService`."""

    assets: AssetStore
    limits: ImageLimits

    async def prepare(self, request: GenerateImageRequest) -> ChainPlan: ...

    async def execute(self, plan: ChainPlan, job: Job) -> ChainOutcome: ...


class ChainWork:
    """One chained generation's work: a checked `plan`, or a stored `request` to plan first."""

    def __init__(
        self,
        service: ChainService,
        job: Job,
        plan: ChainPlan | None = None,
        request: GenerateImageRequest | None = None,
    ) -> None:
        assert plan is not None or request is not None
        self.service = service
        self.job = job
        self.plan = plan
        self.request = request if request is not None else plan.request  # type: ignore[union-attr]

    async def run(self) -> ChainOutcome:
        plan = self.plan if self.plan is not None else await self.service.prepare(self.request)
        return await self.service.execute(plan, self.job)

    async def payload(self) -> dict[str, Any]:
        """The request to store, its images as assets (see the module docstring)."""
        request = self.request
        pg = request.prompt_generation
        changes: dict[str, Any] = {}
        for name in ("image", "mask"):
            value = getattr(request, name)
            if value is not None:
                changes[name] = await self._as_asset(value, name)
        if request.input_references:
            changes["input_references"] = [
                await self._as_asset(ref, f"input_references[{i}]")
                for i, ref in enumerate(request.input_references)
            ]
        pg_changes: dict[str, Any] = {}
        if pg.images:
            pg_changes["images"] = [
                await self._as_asset(ref, f"promptGeneration.images[{i}]") for i, ref in enumerate(pg.images)
            ]
        if pg.image is not None:
            pg_changes["image"] = await self._as_asset(pg.image, "promptGeneration.image")
        if pg_changes:
            changes["prompt_generation"] = msgspec.structs.replace(pg, **pg_changes)
        stored = msgspec.structs.replace(request, **changes) if changes else request
        data = msgspec.to_builtins(stored)
        assert isinstance(data, dict)
        return data

    async def _as_asset(self, value: str, field: str) -> str:
        """A data URL stored as an asset (its id); anything else (an asset id, a URL) as is."""
        if not value.startswith("data:"):
            return value
        image = await validate_data_url(value, field, self.service.limits)
        asset = await self.service.assets.create(image, name=f"{self.job.job_id} {field}")
        return asset.asset_id
