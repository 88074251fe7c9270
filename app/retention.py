"""Retention: what the data directory keeps, so it cannot fill up silently.

Every finished job leaves a row (about 850 bytes with its request summary), every chained
generation its images, every webhook its outbox row. `Retention.sweep` keeps each to an age
and a count (`PROMPTGEN_JOB_RETENTION_*`, `_JOB_ASSET_RETENTION_*`, `_WEBHOOK_RETENTION_*`;
0 turns a bound off) and removes `.tmp` files a crashed write left; the lifespan runs it at
start and every `retention_interval_s` (`run`, on the event loop: the database layer is async). Uploaded assets are the
caller's and stay until deleted; a generated image a style model trains on is kept.

`storage_problem` is the readiness side: free space under `data_min_free_mb`, or job records
the disk refused and still waiting in memory (each probe tries to write them again), make
`/readyz` answer 503 with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from app.assets import AssetStore
from app.db import free_bytes
from app.jobs import JobStore
from app.settings import Settings
from app.style_models import StyleModelStore
from app.webhooks import WebhookSender

log = logging.getLogger(__name__)
DAY_S = 86400.0
STALE_TMP_S = 3600.0  # a `.tmp` blob older than this belongs to no write in progress


class Retention:
    """Applies the retention settings to the job, asset and webhook stores."""

    def __init__(
        self,
        settings: Settings,
        jobs: JobStore,
        assets: AssetStore,
        style_models: StyleModelStore,
        webhooks: WebhookSender,
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.assets = assets
        self.style_models = style_models
        self.webhooks = webhooks
        self.last: dict[str, int] = {}  # what the last sweep removed
        self.total: dict[str, int] = {}  # what every sweep removed (`/metrics`)

    async def sweep(self, now: float | None = None) -> dict[str, int]:
        """One pass over every store, files first (they free the most, and on a full disk
        SQLite needs that room to delete rows); returns what went. A store that fails is
        logged and the others are still swept; the first failure is raised at the end."""
        s = self.settings
        now = time.time() if now is None else now

        async def temporaries() -> int:
            return await asyncio.to_thread(self.assets.remove_stale_temporaries, STALE_TMP_S, now=now)

        async def job_assets() -> int:
            return await self.assets.sweep_job_assets(
                s.job_asset_retention_days * DAY_S,
                s.job_asset_retention_max,
                keep={a for model in await self.style_models.all() for a in model.training_images},
                now=now,
            )

        steps: dict[str, Callable[[], Awaitable[int]]] = {
            "temporaries": temporaries,
            "job_assets": job_assets,
            "jobs": lambda: self.jobs.sweep(s.job_retention_days * DAY_S, s.job_retention_max, now=now),
            "webhook_deliveries": lambda: self.webhooks.sweep(
                s.webhook_retention_days * DAY_S, s.webhook_retention_max, now=now
            ),
        }
        removed: dict[str, int] = {}
        failure: Exception | None = None
        for name, step in steps.items():
            try:
                removed[name] = await step()
            except Exception as exc:
                log.error("retention of %s failed: %s", name, getattr(exc, "detail", None) or repr(exc))
                removed[name] = 0
                failure = failure or exc
        self.last = removed
        for name, count in removed.items():
            self.total[name] = self.total.get(name, 0) + count
        if any(removed.values()):
            log.info("retention: removed %s", ", ".join(f"{v} {k}" for k, v in removed.items() if v))
        if failure is not None:
            raise failure
        return removed

    async def run(self) -> None:
        """Sweep now, then every `retention_interval_s` (the lifespan's background task; 0:
        never). A failed sweep is logged and tried again at the next interval."""
        interval = self.settings.retention_interval_s
        while interval > 0:
            sweep = asyncio.ensure_future(self.sweep())
            try:
                with contextlib.suppress(Exception):  # logged by `sweep`; tried again next interval
                    await asyncio.shield(sweep)
            except asyncio.CancelledError:
                # Shutdown waits for the sweep in progress to end before the database closes
                # under it ("Cannot operate on a closed database"): its statements run in the
                # driver's thread, which a cancel does not stop.
                with contextlib.suppress(Exception):
                    await sweep
                raise
            await asyncio.sleep(interval)


async def storage_problem(settings: Settings, jobs: JobStore) -> str | None:
    """Why the data directory is not fit to serve (for `/readyz`), or None."""
    floor = settings.data_min_free_mb * 2**20
    if floor > 0:
        try:
            free = free_bytes(settings.data_path)
        except OSError as exc:
            return f"the free space of the data directory cannot be read: {exc.strerror or exc}"
        if free < floor:
            return (
                f"the data directory has {free // 2**20} MiB free, under its floor of "
                f"{settings.data_min_free_mb} MiB (PROMPTGEN_DATA_MIN_FREE_MB)"
            )
    if jobs.write_error is not None and jobs.unwritten:
        with contextlib.suppress(Exception):  # each probe tries again: no traffic is needed to recover
            await jobs.flush()
        if jobs.write_error is not None and jobs.unwritten:
            return f"job records cannot be written ({jobs.unwritten} waiting in memory): {jobs.write_error}"
    return None
